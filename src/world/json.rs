//! Reading the JSON objects clients send (blacklist, callspool, callschedule, call) leniently where
//! docs/contract.md says so: numbers may come as JSON numbers or numeric strings, phones as strings or
//! numbers, and a wrong type is a refusal that names the key.

use serde_json::{Map, Value};

use super::error::{Failure, refuse, refused};
use crate::model::why::Why;

/// A JSON object a client sent, with typed, lenient getters.
pub struct Object<'a> {
    what: &'a str,
    map: &'a Map<String, Value>,
}

/// Parses `text` as JSON, refusing with a reason naming `what` when it is not.
pub fn parse(what: &str, text: &str) -> Result<Value, Failure> {
    serde_json::from_str(text).map_err(|e| refused(Why::NotJson)(format!("{what} is not valid JSON: {e}")))
}

/// A required JSON parameter: absent or empty, `{what} is required`; else parsed as [`parse`] does.
pub fn required(what: &str, text: Option<&str>) -> Result<Value, Failure> {
    match text.filter(|t| !t.is_empty()) {
        Some(text) => parse(what, text),
        None => refuse(Why::MissingField, format!("{what} is required")),
    }
}

impl<'a> Object<'a> {
    pub fn new(what: &'a str, value: &'a Value) -> Result<Self, Failure> {
        match value {
            Value::Object(map) => Ok(Self { what, map }),
            other => refuse(Why::JsonShape, format!("{what} must be a JSON object, not {}", kind(other))),
        }
    }

    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// A text field; numbers become their decimal text. Absent or null: `None`.
    pub fn text(&self, key: &str) -> Result<Option<String>, Failure> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => match exact_text(n) {
                Some(text) => Ok(Some(text)),
                None => refuse(
                    Why::BadValue,
                    format!(
                        "{}.{key} is the number {n}, which cannot be kept exactly (a whole number of at most 64 bits \
                     can): send it as text, in quotes",
                        self.what
                    ),
                ),
            },
            Some(other) => refuse(Why::JsonShape, format!("{}.{key} must be text, not {}", self.what, kind(other))),
        }
    }

    /// Text fields that must be present and not empty, all checked before the first refusal, so
    /// its reason names every one that is missing.
    pub fn require(&self, keys: &[&str]) -> Result<(), Failure> {
        let values: Vec<(String, String)> = keys
            .iter()
            .map(|key| Ok((format!("{}.{key}", self.what), self.text(key)?.unwrap_or_default())))
            .collect::<Result<_, Failure>>()?;
        let fields: Vec<(&str, &str)> = values.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        super::error::require(&fields)
    }

    /// A text field that must be present and not empty.
    pub fn required(&self, key: &str) -> Result<String, Failure> {
        match self.text(key)? {
            Some(s) if !s.is_empty() => Ok(s),
            _ => refuse(Why::MissingField, format!("{}.{key} is required", self.what)),
        }
    }

    /// A text field, empty when absent.
    pub fn text_or_empty(&self, key: &str) -> Result<String, Failure> {
        Ok(self.text(key)?.unwrap_or_default())
    }

    /// An integer given as a JSON number or a numeric string; absent, null or `""`: `None`.
    pub fn integer(&self, key: &str) -> Result<Option<i64>, Failure> {
        let bad = || refuse(Why::BadValue, format!("{}.{key} must be an integer", self.what));
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(i) => Ok(Some(i)),
                None => bad(),
            },
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => s.trim().parse().map(Some).or_else(|_| bad()),
            Some(_) => bad(),
        }
    }

    /// An integer within `range` (see [`Object::integer`]).
    pub fn integer_in(&self, key: &str, range: std::ops::RangeInclusive<i64>) -> Result<Option<i64>, Failure> {
        match self.integer(key)? {
            Some(n) if !range.contains(&n) => {
                refuse(Why::BadValue, format!("{}.{key} must be from {} to {}", self.what, range.start(), range.end()))
            }
            other => Ok(other),
        }
    }

    /// A boolean given as JSON `true`/`false` or the strings `"true"`/`"false"`.
    pub fn boolean(&self, key: &str) -> Result<bool, Failure> {
        match self.map.get(key) {
            Some(Value::Bool(b)) => Ok(*b),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(true),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(false),
            _ => refuse(Why::BadValue, format!("{}.{key} must be true or false", self.what)),
        }
    }
}

/// A JSON number as text, when the number read is exactly the one sent: a whole number that fits
/// 64 bits. Any other (a fraction, an exponent, a whole number past 2^64) was read as a double and
/// may have been rounded (`123456789012345678901` reads as `1.2345678901234568e20`).
pub fn exact_text(n: &serde_json::Number) -> Option<String> {
    (n.is_i64() || n.is_u64()).then(|| n.to_string())
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
