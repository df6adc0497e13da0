//! The request journal of one instance: every Integra request with its form, the headers that
//! matter, the answer and its `X-Mock-Reason`, bounded (the oldest entries go first, and long values
//! are clipped) so memory stays flat under load. Tests ask it what a client sent.
//!
//! Recording is on every request's path, reading is rare: a request is kept as its raw parts
//! ([`Recorded`]) and rendered into an [`Entry`] the first time someone reads it.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Mutex, OnceLock};
use std::time::SystemTime;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Method};
use chrono_tz::Tz;
use serde::Serialize;
use serde_json::{Map, Value};
use tokio::sync::Notify;

use crate::clock::Millis;

/// How many requests an instance remembers.
pub const CAPACITY: usize = 10_000;
/// The longest value kept whole (form fields, answers); longer ones are clipped.
pub const CLIP: usize = 4_096;

/// One recorded request and its answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub seq: u64,
    pub instance: String,
    pub method: String,
    pub path: String,
    pub form: BTreeMap<String, String>,
    pub headers: BTreeMap<String, String>,
    pub status: u16,
    pub answer: String,
    pub reason: Option<String>,
    /// Wall time (UTC, RFC 3339) and the instance's clock (`yyyy-MM-dd HH:mm:ss`).
    pub wall_time: String,
    pub clock_time: String,
}

/// What a test looks for: a path, some form fields (each equal), a time window on the instance clock.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pattern {
    pub path: Option<String>,
    pub method: Option<String>,
    pub form: BTreeMap<String, String>,
    pub since: Option<String>,
    pub until: Option<String>,
}

impl Pattern {
    /// Reads `{"path", "method", "form": {...}, "since", "until"}`; form values may be any JSON scalar.
    pub fn from_json(value: &Value) -> Result<Self, String> {
        let Value::Object(map) = value else { return Err("send a JSON object".into()) };
        let text = |key: &str| -> Result<Option<String>, String> {
            match map.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(format!("{key} must be text")),
            }
        };
        let form = match map.get("form") {
            None | Some(Value::Null) => BTreeMap::new(),
            Some(Value::Object(fields)) => fields
                .iter()
                .map(|(k, v)| Ok((k.clone(), scalar(v).ok_or(format!("form.{k} must be a scalar"))?)))
                .collect::<Result<_, String>>()?,
            Some(_) => return Err("form must be an object of fields".into()),
        };
        for key in ["since", "until"] {
            if let Some(t) = text(key)? {
                t.parse::<crate::world::vendor_date::VendorDate>().map_err(|e| format!("{key}: {e}"))?;
            }
        }
        Ok(Self { path: text("path")?, method: text("method")?, form, since: text("since")?, until: text("until")? })
    }

    pub fn matches(&self, e: &Entry) -> bool {
        self.differences(e).is_empty()
    }

    /// How `e` differs from the pattern, in words; empty when it matches.
    pub fn differences(&self, e: &Entry) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(path) = self.path.as_ref().filter(|p| **p != e.path) {
            out.push(format!("path: expected {path:?}, got {:?}", e.path));
        }
        if let Some(method) = self.method.as_ref().filter(|m| !m.eq_ignore_ascii_case(&e.method)) {
            out.push(format!("method: expected {method}, got {}", e.method));
        }
        for (k, v) in &self.form {
            match e.form.get(k) {
                None => out.push(format!("form.{k}: expected {v:?}, but it was not sent")),
                Some(got) if got != v => out.push(format!("form.{k}: expected {v:?}, got {got:?}")),
                _ => {}
            }
        }
        if self.since.as_ref().is_some_and(|s| e.clock_time < *s) {
            out.push(format!("time: {} is before since", e.clock_time));
        }
        if self.until.as_ref().is_some_and(|u| e.clock_time > *u) {
            out.push(format!("time: {} is after until", e.clock_time));
        }
        out
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The headers worth remembering.
pub const HEADERS: [&str; 6] = ["authorization", "content-type", "origin", "host", "user-agent", "x-mock-instance"];
/// Bodies up to this size are kept as sent and parsed when read; longer ones are parsed and
/// clipped when recorded.
const RAW_BODY: usize = 16 * 1024;

/// The form of a request as the journal keeps it.
#[derive(Debug, Clone, Default)]
pub enum FormRecord {
    /// The route did not read its form.
    #[default]
    Unread,
    /// The query string and the body as sent (a multipart body counts for nothing).
    Raw { query: Option<Box<str>>, body: Bytes, multipart: bool },
    /// A long form, parsed and clipped.
    Parsed(BTreeMap<String, String>),
}

impl FormRecord {
    /// What the form extractor read: the query string, the body, and whether it was multipart.
    pub fn of(query: Option<&str>, body: &[u8], multipart: bool) -> Self {
        if body.len() <= RAW_BODY {
            // A copy: the body may share the connection's read buffer, which must not be kept alive.
            return Self::Raw { query: query.map(Box::from), body: Bytes::copy_from_slice(body), multipart };
        }
        Self::Parsed(Self::parse(query, body, multipart))
    }

    fn parse(query: Option<&str>, body: &[u8], multipart: bool) -> BTreeMap<String, String> {
        // Query fields first, then the body's: the body wins, and the last of repeated fields wins.
        let mut fields = BTreeMap::new();
        let query = query.map(|q| form_urlencoded::parse(q.as_bytes())).into_iter().flatten();
        let body = (!multipart).then(|| form_urlencoded::parse(body)).into_iter().flatten();
        for (k, v) in query.chain(body) {
            fields.insert(k.into_owned(), clip(&v));
        }
        fields
    }

    fn render(&self) -> BTreeMap<String, String> {
        match self {
            Self::Unread => BTreeMap::new(),
            Self::Raw { query, body, multipart } => Self::parse(query.as_deref(), body, *multipart),
            Self::Parsed(fields) => fields.clone(),
        }
    }
}

/// A request and its answer as recorded: raw parts, rendered into an [`Entry`] on first read.
#[derive(Debug)]
pub struct Recorded {
    pub method: Method,
    pub path: Box<str>,
    /// The values of [`HEADERS`] that were sent, end to end, with where each one ends.
    headers: (Box<[u8]>, [Option<u32>; 6]),
    pub form: FormRecord,
    pub status: u16,
    /// The answer's first bytes (all of it when short) and its length; `None`: the connection dropped.
    answer: Option<(Bytes, usize)>,
    pub reason: Option<HeaderValue>,
    wall: SystemTime,
    clock: Millis,
    seq: u64,
    rendered: OnceLock<Entry>,
}

impl Recorded {
    /// A request recorded now (`clock` on the instance's clock); the answer comes later.
    pub fn new(method: Method, path: &str, headers: &HeaderMap, clock: Millis) -> Self {
        let mut bytes = Vec::new();
        let mut ends = [None; 6];
        for (i, name) in HEADERS.iter().enumerate() {
            if let Some(value) = headers.get(*name) {
                bytes.extend_from_slice(value.as_bytes());
                ends[i] = Some(bytes.len() as u32);
            }
        }
        Self {
            method,
            path: path.into(),
            headers: (bytes.into_boxed_slice(), ends),
            form: FormRecord::Unread,
            status: 0,
            answer: None,
            reason: None,
            wall: SystemTime::now(),
            clock,
            seq: 0,
            rendered: OnceLock::new(),
        }
    }

    /// The answer's body (`None`: the connection was dropped).
    pub fn answered(&mut self, status: u16, body: Option<&Bytes>, reason: Option<HeaderValue>) {
        self.status = status;
        self.reason = reason;
        self.answer = body.map(|b| {
            // A copy, so the journal keeps no spare capacity alive. A char that starts before CLIP
            // ends within CLIP + 3 bytes: that prefix renders the same as the whole.
            (Bytes::copy_from_slice(&b[..b.len().min(CLIP + 3)]), b.len())
        });
    }

    /// The entry, rendered on first use.
    fn entry(&self, instance: &str, zone: Tz) -> &Entry {
        self.rendered.get_or_init(|| self.render(instance, zone))
    }

    fn render(&self, instance: &str, zone: Tz) -> Entry {
        let (bytes, ends) = &self.headers;
        let mut start = 0;
        let mut headers = BTreeMap::new();
        for (name, end) in HEADERS.iter().zip(ends) {
            if let Some(end) = end.map(|e| e as usize) {
                headers.insert(name.to_string(), clip(&String::from_utf8_lossy(&bytes[start..end])));
                start = end;
            }
        }
        let answer = match &self.answer {
            None => "(connection dropped)".to_string(),
            Some((kept, len)) if *len == kept.len() => clip(&String::from_utf8_lossy(kept)),
            Some((kept, len)) => {
                let text = String::from_utf8_lossy(kept);
                let mut end = CLIP.min(text.len());
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                format!("{}... ({len} bytes)", &text[..end])
            }
        };
        let wall: chrono::DateTime<chrono::Utc> = self.wall.into();
        Entry {
            seq: self.seq,
            instance: instance.to_string(),
            method: self.method.to_string(),
            path: self.path.to_string(),
            form: self.form.render(),
            headers,
            status: self.status,
            answer,
            reason: self.reason.as_ref().and_then(|v| v.to_str().ok()).map(str::to_string),
            wall_time: wall.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            clock_time: crate::world::vendor_date::VendorDate::from(crate::clock::local_naive(zone, self.clock))
                .to_string(),
        }
    }
}

/// The journal of one instance.
#[derive(Debug)]
pub struct Journal {
    instance: String,
    zone: Tz,
    entries: Mutex<(u64, VecDeque<Recorded>)>,
    arrived: Notify,
}

impl Journal {
    /// The journal of instance `instance`, whose clock runs in `zone`.
    pub fn new(instance: &str, zone: Tz) -> Self {
        Self { instance: instance.to_string(), zone, entries: Mutex::default(), arrived: Notify::new() }
    }

    /// Records a request (its `seq` is given here), dropping the oldest beyond [`CAPACITY`].
    pub fn record(&self, mut recorded: Recorded) {
        {
            let mut guard = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            let (next, entries) = &mut *guard;
            *next += 1;
            recorded.seq = *next;
            if entries.len() == CAPACITY {
                entries.pop_front();
            }
            entries.push_back(recorded);
        }
        self.arrived.notify_waiters();
    }

    pub fn clear(&self) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).1.clear();
    }

    /// Runs `f` over the entries, oldest first.
    fn with_entries<T>(&self, f: impl FnOnce(&mut dyn DoubleEndedIterator<Item = &Entry>) -> T) -> T {
        let guard = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut guard.1.iter().map(|r| r.entry(&self.instance, self.zone)))
    }

    /// The entries matching `pattern`, oldest first.
    pub fn find(&self, pattern: &Pattern) -> Vec<Entry> {
        self.with_entries(|entries| entries.filter(|e| pattern.matches(e)).cloned().collect())
    }

    /// How many entries match.
    pub fn count(&self, pattern: &Pattern) -> usize {
        self.with_entries(|entries| entries.filter(|e| pattern.matches(e)).count())
    }

    /// The recorded request closest to `pattern` and how it differs (fewest differences, newest first).
    pub fn closest(&self, pattern: &Pattern) -> Option<Value> {
        let best = self.with_entries(|entries| {
            entries.rev().map(|e| (pattern.differences(e), e.clone())).min_by_key(|(d, _)| d.len())
        })?;
        let mut out = Map::new();
        out.insert("request".into(), serde_json::to_value(&best.1).unwrap_or(Value::Null));
        out.insert("differences".into(), Value::from(best.0));
        Some(Value::Object(out))
    }

    /// Waits until at least `count` entries match or `timeout` passes; answers the last count.
    pub async fn wait(&self, pattern: &Pattern, count: usize, timeout: std::time::Duration) -> usize {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let arrived = self.arrived.notified();
            let now = self.count(pattern);
            if now >= count {
                return now;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                return self.count(pattern);
            }
        }
    }
}

/// A value as the journal keeps it: clipped past [`CLIP`] bytes (on a character boundary).
pub fn clip(text: &str) -> String {
    if text.len() <= CLIP {
        return text.to_string();
    }
    let mut end = CLIP;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}... ({} bytes)", &text[..end], text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, l1: &str) -> Recorded {
        let mut recorded = Recorded::new(Method::POST, path, &HeaderMap::new(), 1_767_603_600_000);
        let body = format!("l1={}", form_urlencoded::byte_serialize(l1.as_bytes()).collect::<String>());
        recorded.form = FormRecord::of(None, body.as_bytes(), false);
        recorded.answered(200, Some(&Bytes::from_static(b"1")), None);
        recorded
    }

    fn journal() -> Journal {
        Journal::new("default", chrono_tz::UTC)
    }

    #[test]
    fn counts_matches_and_names_the_closest_miss() {
        let journal = journal();
        journal.record(entry("/a", "Venta"));
        journal.record(entry("/a", "No contesta"));
        let pattern = Pattern {
            path: Some("/a".into()),
            form: [("l1".to_string(), "Venta".to_string())].into(),
            ..Default::default()
        };
        assert_eq!(journal.count(&pattern), 1);
        let wanted = Pattern { form: [("l1".to_string(), "Otro".to_string())].into(), ..pattern };
        assert_eq!(journal.count(&wanted), 0);
        let closest = journal.closest(&wanted).unwrap();
        assert_eq!(closest["differences"][0], "form.l1: expected \"Otro\", got \"No contesta\"");
    }

    #[test]
    fn the_oldest_entries_go_first() {
        let journal = journal();
        for _ in 0..CAPACITY + 5 {
            journal.record(entry("/a", "x"));
        }
        let all = journal.find(&Pattern::default());
        assert_eq!((all.len(), all[0].seq), (CAPACITY, 6));
        assert!(clip(&"é".repeat(5000)).ends_with("(10000 bytes)"));
        assert_eq!((all[0].clock_time.as_str(), all[0].instance.as_str()), ("2026-01-05 09:00:00", "default"));
    }

    #[test]
    fn long_answers_and_forms_are_clipped_as_when_rendered_whole() {
        let mut recorded = Recorded::new(Method::POST, "/a", &HeaderMap::new(), 0);
        let answer = format!("x{}", "é".repeat(3000));
        recorded.answered(200, Some(&Bytes::from(answer.clone())), None);
        let long = "ñ".repeat(20_000);
        recorded.form = FormRecord::of(Some("a=1&b=2"), format!("b=3&c={long}").as_bytes(), false);
        let entry = recorded.render("default", chrono_tz::UTC);
        assert_eq!(entry.answer, clip(&answer));
        assert_eq!(entry.form["a"], "1");
        assert_eq!(entry.form["b"], "3");
        assert_eq!(entry.form["c"], clip(&long));
    }
}
