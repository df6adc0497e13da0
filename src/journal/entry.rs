//! One journal entry: a request and its answer as recorded (raw parts, each bounded), and the JSON
//! [`Entry`] it renders into when someone reads it. Tokens never leave it whole.

use std::collections::BTreeMap;
use std::time::SystemTime;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Method};
use chrono_tz::Tz;
use serde::Serialize;

use crate::clock::Millis;
use crate::model::token::mask_tokens;

/// The longest value kept whole (form fields, headers, answers); longer ones are clipped.
pub const CLIP: usize = 4_096;
/// The headers worth remembering.
pub const HEADERS: [&str; 6] = ["authorization", "content-type", "origin", "host", "user-agent", "x-mock-instance"];

/// [`HEADERS`] as header names: looked up without parsing a name at each request.
const HEADER_NAMES: [axum::http::HeaderName; 6] = [
    axum::http::header::AUTHORIZATION,
    axum::http::header::CONTENT_TYPE,
    axum::http::header::ORIGIN,
    axum::http::header::HOST,
    axum::http::header::USER_AGENT,
    crate::http::instance::INSTANCE_HEADER,
];
/// Bodies up to this size are kept as sent and parsed when read. A longer body is kept as its
/// size and SHA-256 and as much of its form as [`LONG_FORM`] allows.
pub const RAW_BODY: usize = 16 * 1024;
/// The most a long body keeps of its fields (names and clipped values together); later fields are
/// counted, not kept.
pub const LONG_FORM: usize = 16 * 1024;
/// A value longer than this as sent is not decoded whole: its first [`CLIP`] bytes are.
const DECODED_WHOLE: usize = 64 * 1024;
/// What is kept past [`CLIP`] so a token that starts before the clip is masked whole (a token is
/// shorter than this), before the value is clipped.
const MARGIN: usize = 256;
/// What a kept field costs besides its name and value (the map's node, the strings' headers).
const FIELD_COST: usize = 64;

/// One recorded request and its answer, as `GET /_mock/requests` shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub seq: u64,
    pub instance: String,
    pub method: String,
    pub path: String,
    pub form: BTreeMap<String, String>,
    /// A body longer than [`RAW_BODY`]: its size and digest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<BodyDigest>,
    pub headers: BTreeMap<String, String>,
    pub status: u16,
    pub answer: String,
    pub reason: Option<String>,
    /// What the client sent wrong though the vendor tolerates it (`X-Mock-Lint`), when anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lint: Option<String>,
    /// Wall time (UTC, RFC 3339) and the instance's clock (`yyyy-MM-dd HH:mm:ss`).
    pub wall_time: String,
    pub clock_time: String,
}

/// The parts of an entry a [`super::Pattern`] compares, as the entry shows them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Facts {
    pub method: String,
    pub path: String,
    /// Only the fields the pattern names.
    pub form: BTreeMap<String, String>,
    /// Present when the pattern has a time window.
    pub clock_time: Option<String>,
}

impl From<&Entry> for Facts {
    fn from(e: &Entry) -> Self {
        Self {
            method: e.method.clone(),
            path: e.path.clone(),
            form: e.form.clone(),
            clock_time: Some(e.clock_time.clone()),
        }
    }
}

/// What the journal keeps of a long body besides its first fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BodyDigest {
    pub bytes: usize,
    pub sha256: String,
    /// Fields past [`LONG_FORM`], not kept.
    pub fields_dropped: usize,
}

/// The form of a request as the journal keeps it.
#[derive(Debug, Clone, Default)]
pub enum FormRecord {
    /// The route did not read its form.
    #[default]
    Unread,
    /// The query string and the body as sent (a multipart body counts for nothing).
    Raw { query: Option<Box<str>>, body: Bytes, multipart: bool },
    /// A long body: its first fields, clipped, and its digest.
    Long { fields: BTreeMap<String, String>, digest: BodyDigest },
}

impl FormRecord {
    /// What the form extractor read: the query string, the body, and whether it was multipart.
    pub fn of(query: Option<&str>, body: &[u8], multipart: bool) -> Self {
        if body.len() <= RAW_BODY {
            // A copy: the body may share the connection's read buffer, which must not be kept alive.
            return Self::Raw { query: query.map(Box::from), body: Bytes::copy_from_slice(body), multipart };
        }
        let mut fields = BTreeMap::new();
        let mut kept = 0;
        let mut dropped = 0;
        // Query fields first, then the body's: the body wins, and the last of repeated fields wins.
        let query = query.map(|q| q.as_bytes().split(|&b| b == b'&')).into_iter().flatten();
        let body_pairs = (!multipart).then(|| body.split(|&b| b == b'&')).into_iter().flatten();
        for pair in query.chain(body_pairs).filter(|p| !p.is_empty()) {
            let (name, value) = match pair.iter().position(|&b| b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &b""[..]),
            };
            if kept >= LONG_FORM {
                dropped += 1;
                continue;
            }
            let (name, value) = (decode_clipped(name), decode_clipped(value));
            kept += name.len() + value.len() + FIELD_COST;
            fields.insert(name, value);
        }
        let digest = BodyDigest { bytes: body.len(), sha256: sha256_hex(body), fields_dropped: dropped };
        Self::Long { fields, digest }
    }

    fn render(&self) -> (BTreeMap<String, String>, Option<BodyDigest>) {
        match self {
            Self::Unread => (BTreeMap::new(), None),
            Self::Raw { query, body, multipart } => {
                let query = query.as_deref().map(|q| form_urlencoded::parse(q.as_bytes())).into_iter().flatten();
                let body = (!*multipart).then(|| form_urlencoded::parse(body)).into_iter().flatten();
                let fields = query.chain(body).map(|(k, v)| (k.into_owned(), clip(&mask_value(&v)))).collect();
                (fields, None)
            }
            Self::Long { fields, digest } => {
                let fields = fields.iter().map(|(k, v)| (k.clone(), mask_tokens(v).into_owned())).collect();
                (fields, Some(digest.clone()))
            }
        }
    }

    /// The fields named in `wanted`, as [`FormRecord::render`] shows them (the body's over the
    /// query's, the last of repeated fields): only they are decoded and masked.
    fn fields_named<'w>(&self, wanted: impl Iterator<Item = &'w String> + Clone) -> BTreeMap<String, String> {
        match self {
            Self::Unread => BTreeMap::new(),
            Self::Raw { query, body, multipart } => {
                let query = query.as_deref().map(|q| form_urlencoded::parse(q.as_bytes())).into_iter().flatten();
                let body = (!*multipart).then(|| form_urlencoded::parse(body)).into_iter().flatten();
                query
                    .chain(body)
                    .filter(|(k, _)| wanted.clone().any(|w| w == k))
                    .map(|(k, v)| (k.into_owned(), clip(&mask_value(&v))))
                    .collect()
            }
            Self::Long { fields, .. } => {
                wanted.filter_map(|w| fields.get(w).map(|v| (w.clone(), mask_tokens(v).into_owned()))).collect()
            }
        }
    }

    /// About how many bytes this keeps.
    fn size(&self) -> usize {
        match self {
            Self::Unread => 0,
            Self::Raw { query, body, .. } => query.as_ref().map_or(0, |q| q.len()) + body.len(),
            Self::Long { fields, digest } => {
                digest.sha256.len() + fields.iter().map(|(k, v)| k.len() + v.len() + FIELD_COST).sum::<usize>()
            }
        }
    }
}

/// A form name or value decoded (`+` is a space), its tokens masked, and clipped, without
/// decoding more than its first [`CLIP`] bytes (and a margin) when it is long.
fn decode_clipped(raw: &[u8]) -> String {
    if raw.len() <= DECODED_WHOLE {
        let decoded: String = form_urlencoded::parse(&[b"v=", raw].concat()).map(|(_, v)| v.into_owned()).collect();
        return clip(&mask_value(&decoded));
    }
    // Three bytes as sent make at least one decoded byte: this prefix decodes to more than CLIP.
    let prefix: String =
        form_urlencoded::parse(&[b"v=", &raw[..3 * (CLIP + MARGIN)]].concat()).map(|(_, v)| v.into_owned()).collect();
    let prefix = mask_value(&prefix);
    format!("{}... ({} bytes as sent)", &prefix[..floor_char_boundary(&prefix, CLIP)], raw.len())
}

/// A form value with its tokens masked, also a token sent without encoding (its `+` read as
/// spaces); every other character as the client sent it.
fn mask_value(value: &str) -> String {
    crate::model::token::mask_form_value(value).into_owned()
}

fn sha256_hex(bytes: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// A request and its answer as recorded: raw parts, rendered into an [`Entry`] when read.
#[derive(Debug)]
pub struct Recorded {
    pub method: Method,
    pub path: Box<str>,
    /// The values of [`HEADERS`] that were sent (each clipped), end to end, with where each ends.
    headers: (Box<[u8]>, [Option<u32>; 6]),
    pub form: FormRecord,
    pub status: u16,
    /// The answer's first bytes (all of it when short) and its length; `None`: the connection dropped.
    answer: Option<(Bytes, usize)>,
    pub reason: Option<HeaderValue>,
    /// The answer's `X-Mock-Lint`.
    pub lint: Option<HeaderValue>,
    wall: SystemTime,
    clock: Millis,
    pub(super) seq: u64,
}

impl Recorded {
    /// A request recorded now (`clock` on the instance's clock); the answer comes later.
    pub fn new(method: Method, path: &str, headers: &HeaderMap, clock: Millis) -> Self {
        let mut bytes = Vec::new();
        let mut ends = [None; 6];
        for (i, name) in HEADER_NAMES.iter().enumerate() {
            if let Some(value) = headers.get(name) {
                let value = value.as_bytes();
                bytes.extend_from_slice(&value[..value.len().min(CLIP)]);
                ends[i] = Some(bytes.len() as u32);
            }
        }
        Self {
            method,
            path: path[..floor_char_boundary(path, CLIP)].into(),
            headers: (bytes.into_boxed_slice(), ends),
            form: FormRecord::Unread,
            status: 0,
            answer: None,
            reason: None,
            lint: None,
            wall: SystemTime::now(),
            clock,
            seq: 0,
        }
    }

    /// The answer's body (`None`: the connection was dropped).
    pub fn answered(&mut self, status: u16, body: Option<&Bytes>, reason: Option<HeaderValue>) {
        self.status = status;
        self.reason = reason;
        self.answer = body.map(|b| {
            // A copy, so the journal keeps no spare capacity alive. A char or a token that starts
            // before CLIP ends within the margin: that prefix renders the same as the whole.
            (Bytes::copy_from_slice(&b[..b.len().min(CLIP + MARGIN)]), b.len())
        });
    }

    /// Its place in the journal (1 for the first request an instance was sent).
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// About how many bytes this entry keeps alive (what the journal's byte bound counts).
    pub fn size(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.path.len()
            + self.headers.0.len()
            + self.form.size()
            + self.answer.as_ref().map_or(0, |(kept, _)| kept.len())
            + self.reason.as_ref().map_or(0, |r| r.len())
            + self.lint.as_ref().map_or(0, |l| l.len())
    }

    /// What a [`super::Pattern`] looks at, rendered as [`Recorded::render`] would, but only the
    /// form fields in `form` and the clock's time when `time` is asked for: no headers, no answer.
    pub fn facts<'w>(&self, zone: Tz, form: impl Iterator<Item = &'w String> + Clone, time: bool) -> Facts {
        Facts {
            method: self.method.to_string(),
            path: self.path.to_string(),
            form: self.form.fields_named(form),
            clock_time: time.then(|| self.clock_time(zone)),
        }
    }

    fn clock_time(&self, zone: Tz) -> String {
        crate::model::vendor_date::VendorDate::from(crate::clock::local_naive(zone, self.clock)).to_string()
    }

    /// A header of [`HEADERS`] as sent (clipped).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        let (bytes, ends) = &self.headers;
        let at = HEADERS.iter().position(|h| *h == name)?;
        let end = ends[at]? as usize;
        let start = ends[..at].iter().rev().find_map(|e| *e).map_or(0, |e| e as usize);
        Some(&bytes[start..end])
    }

    /// The entry as `GET /_mock/requests` shows it.
    pub fn render(&self, instance: &str, zone: Tz) -> Entry {
        let (bytes, ends) = &self.headers;
        let mut start = 0;
        let mut headers = BTreeMap::new();
        for (name, end) in HEADERS.iter().zip(ends) {
            if let Some(end) = end.map(|e| e as usize) {
                let value = String::from_utf8_lossy(&bytes[start..end]);
                headers.insert(name.to_string(), clip(&mask_tokens(&value)));
                start = end;
            }
        }
        let answer = match &self.answer {
            None => "(connection dropped)".to_string(),
            Some((kept, len)) if *len == kept.len() => clip(&mask_tokens(&String::from_utf8_lossy(kept))),
            Some((kept, len)) => {
                let text = mask_tokens(&String::from_utf8_lossy(kept)).into_owned();
                format!("{}... ({len} bytes)", &text[..floor_char_boundary(&text, CLIP)])
            }
        };
        let (form, body) = self.form.render();
        let wall: chrono::DateTime<chrono::Utc> = self.wall.into();
        Entry {
            seq: self.seq,
            instance: instance.to_string(),
            method: self.method.to_string(),
            path: self.path.to_string(),
            form,
            body,
            headers,
            status: self.status,
            answer,
            reason: self.reason.as_ref().and_then(|v| v.to_str().ok()).map(str::to_string),
            lint: self.lint.as_ref().and_then(|v| v.to_str().ok()).map(str::to_string),
            wall_time: wall.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            clock_time: self.clock_time(zone),
        }
    }
}

/// The largest char boundary of `text` at or below `at`.
fn floor_char_boundary(text: &str, at: usize) -> usize {
    let mut end = at.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    end
}

/// A value as the journal keeps it: clipped past [`CLIP`] bytes (on a character boundary).
pub fn clip(text: &str) -> String {
    if text.len() <= CLIP {
        return text.to_string();
    }
    format!("{}... ({} bytes)", &text[..floor_char_boundary(text, CLIP)], text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_answers_and_forms_are_clipped_as_when_rendered_whole() {
        let mut recorded = Recorded::new(Method::POST, "/a", &HeaderMap::new(), 0);
        let answer = format!("x{}", "é".repeat(3000));
        recorded.answered(200, Some(&Bytes::from(answer.clone())), None);
        let long = "ñ".repeat(5_000);
        let body = format!("b=3&c={long}&d={}", "x".repeat(RAW_BODY));
        recorded.form = FormRecord::of(Some("a=1&b=2"), body.as_bytes(), false);
        let entry = recorded.render("default", chrono_tz::UTC);
        assert_eq!(entry.answer, clip(&answer));
        assert_eq!(entry.form["a"], "1");
        assert_eq!(entry.form["b"], "3");
        assert_eq!(entry.form["c"], clip(&long));
        assert_eq!(entry.body.as_ref().map(|b| b.bytes), Some(body.len()));
    }

    #[test]
    fn a_huge_body_keeps_its_first_fields_its_size_and_its_digest() {
        // A 1 MiB body of a thousand 1 KiB fields, then the login's own fields.
        let filler: String = (0..1000).map(|i| format!("f{i}={}&", "v".repeat(1024))).collect();
        let body = format!("{filler}user=admin&password=admin&huge={}", "%41".repeat(100_000));
        let record = FormRecord::of(None, body.as_bytes(), false);
        assert!(record.size() < 2 * LONG_FORM, "kept {} bytes of {}", record.size(), body.len());
        let (fields, digest) = record.render();
        let digest = digest.unwrap();
        assert_eq!((digest.bytes, digest.sha256.len()), (body.len(), 64));
        assert_eq!(digest.fields_dropped + fields.len(), 1003);
        assert!(fields.contains_key("f0"));
        // A value too long to decode whole is decoded as far as the clip needs.
        let huge = FormRecord::of(None, format!("huge={}", "%41".repeat(100_000)).as_bytes(), false).render().0;
        assert_eq!(huge["huge"], format!("{}... (300000 bytes as sent)", "A".repeat(CLIP)));
    }

    #[test]
    fn tokens_are_masked_across_the_clip_and_sent_unencoded() {
        use base64::Engine;
        // A token whose base64 has a `+` (a `~` at a group's end makes one: user `ab~`), sent in a
        // form without encoding, so the server reads its `+` as a space.
        let token = base64::engine::general_purpose::STANDARD.encode("ab~:9835c525-3567-4b82-a0af-ccd23e08c707");
        assert!(token.contains('+'), "{token}");
        let masked = crate::model::token::mask_token(&token);
        let record = FormRecord::of(None, format!("user=admin&token={token}").as_bytes(), false);
        assert_eq!(record.render().0["token"], masked);
        // An answer whose token straddles the clip.
        let mut recorded = Recorded::new(Method::POST, "/a", &HeaderMap::new(), 0);
        let answer = format!("[\"{}\",\"{token}\",\"{}\"]", "x".repeat(CLIP - 26), "y".repeat(1000));
        recorded.answered(200, Some(&Bytes::from(answer)), None);
        let shown = recorded.render("default", chrono_tz::UTC).answer;
        assert!(!shown.contains(&token[..20]), "{shown}");
        assert!(shown.contains(&masked[..8]));
    }
}
