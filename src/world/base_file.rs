//! The dialer's base file (CONTRACT section 7): UTF-8, one record per line,
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

/// Reads one record of a base uploaded for `campaign`; the error is the reason it was rejected.
pub fn parse_record(line: &[u8], campaign: &str) -> Result<BaseRecord, String> {
    let line = std::str::from_utf8(line).map_err(|e| format!("not UTF-8 text (byte {})", e.valid_up_to()))?;
    let mut fields: Vec<&str> = line.split(';').collect();
    while fields.len() > 6 && fields.last() == Some(&"") {
        fields.pop();
    }
    if fields.len() > 6 {
        return Err(format!("{} fields; a record has at most 6", fields.len()));
    }
    if fields.len() < 2 {
        return Err("a record needs at least a campaign and a main number".into());
    }
    if fields[0] != campaign {
        return Err(format!("campaign {:?} differs from the upload's {campaign:?}", clip(fields[0])));
    }
    let destination = fields[1];
    if destination.is_empty() {
        return Err("the main number is empty".into());
    }
    let field = |i: usize| fields.get(i).copied().unwrap_or("");
    let priority = match field(4).trim() {
        "" => None,
        p => match p.parse::<i64>() {
            Ok(n) if (1..=1 << 40).contains(&n) => Some(n),
            _ => return Err(format!("priority {:?} is not a whole number >= 1", clip(p))),
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
        assert!(parse_record(b"Otra;099", "Ventas->").unwrap_err().contains("differs"));
        assert!(parse_record(b"Ventas->;", "Ventas->").unwrap_err().contains("empty"));
        assert!(parse_record(b"Ventas->", "Ventas->").unwrap_err().contains("at least"));
        assert!(parse_record(b"Ventas->;099;;;x", "Ventas->").unwrap_err().contains("priority"));
        assert!(parse_record(b"Ventas->;099;;;1;1;extra", "Ventas->").unwrap_err().contains("fields"));
        assert!(parse_record(b"Ventas->;\xff", "Ventas->").unwrap_err().contains("UTF-8"));
    }

    #[test]
    fn lines_are_numbered_and_blank_ones_skipped() {
        let got: Vec<_> = lines(b"\xef\xbb\xbfa\r\n\r\nb\n  \nc").collect();
        assert_eq!(got, vec![(1, &b"a"[..]), (3, &b"b"[..]), (5, &b"c"[..])]);
    }
}
