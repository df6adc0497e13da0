//! The dialer's base file (docs/contract.md, section 7): UTF-8, one record per line,
//! `campaign;main number;k=v:k=v;alternatives;priority (optional);agent phone (optional)`.
//! A record that cannot be read is rejected with its line number and reason, never fatal to the rest.

/// One readable record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseRecord {
    pub destination: String,
    pub data: String,
    pub alternatives: String,
    pub priority: Option<i64>,
    pub agentphone: String,
}

/// The non-blank lines of a file with their 1-based line numbers, without their `\r\n` or `\n`.
pub fn lines(content: &[u8]) -> impl Iterator<Item = (i64, &[u8])> {
    content
        .split(|&b| b == b'\n')
        .enumerate()
        .map(|(i, line)| (i as i64 + 1, line.strip_suffix(b"\r").unwrap_or(line)))
        .map(|(n, line)| if n == 1 { (n, line.strip_prefix("\u{feff}".as_bytes()).unwrap_or(line)) } else { (n, line) })
        .filter(|(_, line)| !line.iter().all(u8::is_ascii_whitespace))
}

/// Why a line was rejected, put in words only for the lines a report lists (an upload of millions
/// of bad lines counts the rest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejected<'a> {
    NotUtf8 { byte: usize },
    TooManyFields(usize),
    TooFewFields,
    OtherCampaign { found: &'a str, expected: &'a str },
    NoMainNumber,
    BadPriority(&'a str),
}

impl std::fmt::Display for Rejected<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotUtf8 { byte } => write!(f, "not UTF-8 text (byte {byte})"),
            Self::TooManyFields(n) => write!(f, "{n} fields; a record has at most 6"),
            Self::TooFewFields => write!(f, "a record needs at least a campaign and a main number"),
            Self::OtherCampaign { found, expected } => {
                write!(f, "campaign {:?} differs from the upload's {expected:?}", clip(found))
            }
            Self::NoMainNumber => write!(f, "the main number is empty"),
            Self::BadPriority(p) => write!(f, "priority {:?} is not a whole number >= 1", clip(p)),
        }
    }
}

impl Rejected<'_> {
    /// Its place in [`REJECTIONS`].
    pub fn kind(&self) -> usize {
        match self {
            Self::NotUtf8 { .. } => 0,
            Self::TooManyFields(_) => 1,
            Self::TooFewFields => 2,
            Self::OtherCampaign { .. } => 3,
            Self::NoMainNumber => 4,
            Self::BadPriority(_) => 5,
        }
    }
}

/// Every reason a line is rejected for, by id: [`Rejected`]'s, then the world's own (an agent
/// phone no agent has).
pub const REJECTIONS: [&str; 7] = [
    "not-utf8",
    "too-many-fields",
    "too-few-fields",
    "other-campaign",
    "no-main-number",
    "bad-priority",
    "unknown-agent-phone",
];

/// [`REJECTIONS`]' place of a phone no agent has.
pub const UNKNOWN_AGENT_PHONE: usize = 6;

/// What a record's alternatives are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alternatives {
    None,
    /// Numbers only (`099124484:099111111`).
    Plain,
    /// At least one with a type (`H=0=999555555`), kept verbatim like the others.
    Typed,
}

impl BaseRecord {
    pub fn alternatives_kind(&self) -> Alternatives {
        match self.alternatives.trim() {
            "" => Alternatives::None,
            text if text.split(':').any(|a| a.contains('=')) => Alternatives::Typed,
            _ => Alternatives::Plain,
        }
    }
}

/// Reads one record of a base uploaded for `campaign`; the error is why it was rejected.
pub fn parse_record<'a>(line: &'a [u8], campaign: &'a str) -> Result<BaseRecord, Rejected<'a>> {
    let line = std::str::from_utf8(line).map_err(|e| Rejected::NotUtf8 { byte: e.valid_up_to() })?;
    // Trailing empty fields past the sixth do not count (`a;b;c;d;e;f;;;` has six).
    let semicolons = |text: &str| text.bytes().filter(|&b| b == b';').count();
    let trimmed = line.trim_end_matches(';');
    let (all, kept) = (semicolons(line) + 1, semicolons(trimmed) + 1);
    let count = if all > 6 { kept.max(6) } else { all };
    let mut fields = [""; 6];
    for (slot, field) in fields.iter_mut().zip(trimmed.split(';')) {
        *slot = field;
    }
    if count > 6 {
        return Err(Rejected::TooManyFields(count));
    }
    if count < 2 {
        return Err(Rejected::TooFewFields);
    }
    if fields[0] != campaign {
        return Err(Rejected::OtherCampaign { found: fields[0], expected: campaign });
    }
    let destination = fields[1];
    if destination.is_empty() {
        return Err(Rejected::NoMainNumber);
    }
    let field = |i: usize| fields[i];
    let priority = match field(4).trim() {
        "" => None,
        p => match p.parse::<i64>() {
            Ok(n) if (1..=1 << 40).contains(&n) => Some(n),
            _ => return Err(Rejected::BadPriority(p)),
        },
    };
    Ok(BaseRecord {
        destination: destination.to_string(),
        data: field(2).to_string(),
        alternatives: field(3).to_string(),
        priority,
        agentphone: field(5).to_string(),
    })
}

/// Keeps reasons short when a field is huge.
fn clip(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rejection_has_its_kind_and_alternatives_theirs() {
        let kinds = [(&b"\xffx"[..], 0), (b"c;1;;;;;x", 1), (b"c", 2), (b"other;1", 3), (b"c;", 4), (b"c;1;;;0", 5)];
        for (line, kind) in kinds {
            assert_eq!(parse_record(line, "c").map(|_| ()).map_err(|r| r.kind()), Err(kind), "{line:?}");
        }
        let kind = |line: &[u8]| parse_record(line, "c").unwrap().alternatives_kind();
        assert_eq!(kind(b"c;1"), Alternatives::None);
        assert_eq!(kind(b"c;1;;099124484:099111111"), Alternatives::Plain);
        assert_eq!(kind(b"c;1;;099124484:H=0=999555555"), Alternatives::Typed);
    }

    #[test]
    fn the_seed_record_reads() {
        let r =
            parse_record(b"prueba1;098344484;var1=val1:var2=val2;099124484:099111111;9999;1001", "prueba1").unwrap();
        assert_eq!(
            r,
            BaseRecord {
                destination: "098344484".into(),
                data: "var1=val1:var2=val2".into(),
                alternatives: "099124484:099111111".into(),
                priority: Some(9999),
                agentphone: "1001".into()
            }
        );
    }

    #[test]
    fn short_and_trailing_forms() {
        assert_eq!(parse_record(b"Ventas->;0990000001;id=1;;;", "Ventas->").unwrap().priority, None);
        assert_eq!(parse_record(b"Ventas->;0990000001", "Ventas->").unwrap().data, "");
        assert!(parse_record(b"Ventas->;0990000001;a;b;1;1001;;;", "Ventas->").is_ok());
    }

    #[test]
    fn rejections_say_why() {
        let why = |line: &[u8]| parse_record(line, "Ventas->").unwrap_err().to_string();
        assert_eq!(why(b"Otra;099"), r#"campaign "Otra" differs from the upload's "Ventas->""#);
        assert_eq!(why(b"Ventas->;"), "the main number is empty");
        assert_eq!(why(b"Ventas->"), "a record needs at least a campaign and a main number");
        assert_eq!(why(b"Ventas->;099;;;x"), r#"priority "x" is not a whole number >= 1"#);
        assert_eq!(why(b"Ventas->;099;;;1;1;extra"), "7 fields; a record has at most 6");
        assert_eq!(why(b"Ventas->;099;;;1;1;extra;;"), "7 fields; a record has at most 6");
        assert_eq!(why(b"Ventas->;\xff"), "not UTF-8 text (byte 9)");
    }

    #[test]
    fn lines_are_numbered_and_blank_ones_skipped() {
        let got: Vec<_> = lines(b"\xef\xbb\xbfa\r\n\r\nb\n  \nc").collect();
        assert_eq!(got, vec![(1, &b"a"[..]), (3, &b"b"[..]), (5, &b"c"[..])]);
    }
}
