//! What a test looks for in the journal: a path, a method, form fields, a time window.

use std::collections::BTreeMap;

use serde_json::Value;

use super::Entry;

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
