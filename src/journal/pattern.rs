//! What a test looks for in the journal: a path, a method, form fields, a time window.

use std::collections::BTreeMap;

use serde_json::Value;

use super::entry::{Facts, Recorded};

/// A path, some form fields (each equal), a time window on the instance clock.
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
                t.parse::<crate::model::vendor_date::VendorDate>().map_err(|e| format!("{key}: {e}"))?;
            }
        }
        Ok(Self { path: text("path")?, method: text("method")?, form, since: text("since")?, until: text("until")? })
    }

    /// Whether `recorded` matches, looking at no more of it than the pattern names (a different
    /// path or method is told without decoding its form).
    pub fn matches(&self, recorded: &Recorded, zone: chrono_tz::Tz) -> bool {
        if self.path.as_ref().is_some_and(|p| **p != *recorded.path)
            || self.method.as_ref().is_some_and(|m| !m.eq_ignore_ascii_case(recorded.method.as_str()))
        {
            return false;
        }
        self.differences(&self.facts(recorded, zone)).is_empty()
    }

    /// What the pattern compares of `recorded`.
    pub fn facts(&self, recorded: &Recorded, zone: chrono_tz::Tz) -> Facts {
        recorded.facts(zone, self.form.keys(), self.since.is_some() || self.until.is_some())
    }

    /// How `e` differs from the pattern, in words; empty when it matches.
    pub fn differences(&self, e: &Facts) -> Vec<String> {
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
        let time = e.clock_time.as_deref().unwrap_or_default();
        if self.since.as_ref().is_some_and(|s| time < s.as_str()) {
            out.push(format!("time: {time} is before since"));
        }
        if self.until.as_ref().is_some_and(|u| time > u.as_str()) {
            out.push(format!("time: {time} is after until"));
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
