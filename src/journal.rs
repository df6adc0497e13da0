//! The request journal of one instance: every Integra request with its form, the headers that
//! matter, the answer and its `X-Mock-Reason`, bounded (the oldest entries go first, and long values
//! are clipped) so memory stays flat under load. Tests ask it what a client sent.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use serde::Serialize;
use serde_json::{Map, Value};
use tokio::sync::Notify;

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

/// The journal of one instance.
#[derive(Debug, Default)]
pub struct Journal {
    entries: Mutex<(u64, VecDeque<Entry>)>,
    arrived: Notify,
}

impl Journal {
    /// Records an entry (its `seq` is given here), dropping the oldest beyond [`CAPACITY`].
    pub fn record(&self, mut entry: Entry) {
        {
            let mut guard = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            let (next, entries) = &mut *guard;
            *next += 1;
            entry.seq = *next;
            if entries.len() == CAPACITY {
                entries.pop_front();
            }
            entries.push_back(entry);
        }
        self.arrived.notify_waiters();
    }

    pub fn clear(&self) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).1.clear();
    }

    /// The entries matching `pattern`, oldest first.
    pub fn find(&self, pattern: &Pattern) -> Vec<Entry> {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .1
            .iter()
            .filter(|e| pattern.matches(e))
            .cloned()
            .collect()
    }

    /// How many entries match.
    pub fn count(&self, pattern: &Pattern) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).1.iter().filter(|e| pattern.matches(e)).count()
    }

    /// The recorded request closest to `pattern` and how it differs (fewest differences, newest first).
    pub fn closest(&self, pattern: &Pattern) -> Option<Value> {
        let guard = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let best = guard.1.iter().rev().map(|e| (pattern.differences(e), e)).min_by_key(|(d, _)| d.len())?;
        let mut out = Map::new();
        out.insert("request".into(), serde_json::to_value(best.1).unwrap_or(Value::Null));
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

    fn entry(path: &str, l1: &str) -> Entry {
        Entry {
            seq: 0,
            instance: "default".into(),
            method: "POST".into(),
            path: path.into(),
            form: [("l1".to_string(), l1.to_string())].into(),
            headers: BTreeMap::new(),
            status: 200,
            answer: "1".into(),
            reason: None,
            wall_time: String::new(),
            clock_time: "2026-01-05 09:00:00".into(),
        }
    }

    #[test]
    fn counts_matches_and_names_the_closest_miss() {
        let journal = Journal::default();
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
        let journal = Journal::default();
        for _ in 0..CAPACITY + 5 {
            journal.record(entry("/a", "x"));
        }
        let all = journal.find(&Pattern::default());
        assert_eq!((all.len(), all[0].seq), (CAPACITY, 6));
        assert!(clip(&"é".repeat(5000)).ends_with("(10000 bytes)"));
    }
}
