//! A route's form fields, as its OpenAPI description shows them, and which of them a request sent.

use std::borrow::Cow;

use serde_json::Value;

use crate::http::routes::Describe;
use crate::journal::FormRecord;

const FORM: &str = "application/x-www-form-urlencoded";

/// The fields of the form `describe`'s route takes, in the order its description lists them, each
/// with whether it is required. A route that takes no form has none.
pub fn of(describe: Describe) -> Vec<(String, bool)> {
    let (schemas, paths, _) = describe();
    let Ok(paths) = serde_json::to_value(&paths) else { return Vec::new() };
    let reference = paths
        .as_object()
        .into_iter()
        .flat_map(|p| p.values())
        .filter_map(Value::as_object)
        .flat_map(|item| item.values())
        .find_map(|operation| {
            operation.pointer(&format!("/requestBody/content/{}/schema/$ref", FORM.replace('/', "~1")))
        })
        .and_then(Value::as_str)
        .and_then(|r| r.rsplit('/').next())
        .map(str::to_string);
    let Some(name) = reference else { return Vec::new() };
    let named = |name: &str| schemas.iter().find(|(n, _)| n == name).and_then(|(_, s)| serde_json::to_value(s).ok());
    let mut fields = Vec::new();
    if let Some(schema) = named(&name) {
        collect(&schema, &named, &mut fields, 0);
    }
    fields
}

/// The properties of `schema`, with those of the schemas it is made of (`allOf`, `$ref`: a form
/// that flattens another's fields), each once.
fn collect(schema: &Value, named: &dyn Fn(&str) -> Option<Value>, fields: &mut Vec<(String, bool)>, depth: usize) {
    if depth > 8 {
        return;
    }
    if let Some(inner) = schema["$ref"].as_str().and_then(|r| r.rsplit('/').next()).and_then(named) {
        collect(&inner, named, fields, depth + 1);
    }
    for part in schema["allOf"].as_array().into_iter().flatten() {
        collect(part, named, fields, depth + 1);
    }
    let required: Vec<&str> = schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    for field in schema["properties"].as_object().into_iter().flat_map(|p| p.keys()) {
        if !fields.iter().any(|(f, _)| f == field) {
            fields.push((field.clone(), required.contains(&field.as_str())));
        }
    }
}

/// What a request sent of a route's form.
#[derive(Debug, Default)]
pub struct Sent {
    /// Per known field: `None` never sent, `Some(true)` sent empty, `Some(false)` with a value
    /// (the last of repeated fields, the body's over the query string's, as the route reads it).
    pub known: Vec<Option<bool>>,
    /// Names the route does not know, each once.
    pub unknown: Vec<String>,
}

/// Which of `fields` the request's form sent, and the names it sent that are none of them.
pub fn sent(fields: &[(String, bool)], form: &FormRecord) -> Sent {
    let mut sent = Sent::default();
    let mut unknown = std::collections::HashSet::new();
    let mut see = |name: &str, empty: bool| match fields.iter().position(|(f, _)| f == name) {
        Some(i) => {
            if sent.known.is_empty() {
                sent.known = vec![None; fields.len()];
            }
            // The body's fields come after the query string's: a later one wins.
            sent.known[i] = Some(empty);
        }
        None if sent.unknown.len() < super::UNKNOWN_KEPT && unknown.insert(clip(name)) => sent.unknown.push(clip(name)),
        None => {}
    };
    match form {
        FormRecord::Unread => {}
        FormRecord::Raw { query, body, multipart } => {
            for (name, value) in raw_pairs(query.as_deref(), body, *multipart).take(PAIRS) {
                see(&decode(name), value.is_empty());
            }
        }
        FormRecord::Long { fields, .. } => {
            for (name, value) in fields {
                see(name, value.is_empty());
            }
        }
    }
    sent
}

/// The most pairs of a form looked at: a form that names more than `http::form::MAX_FIELDS`
/// parameters is refused whole.
pub const PAIRS: usize = crate::http::form::MAX_FIELDS + 1;

/// The name and value of each pair of a form as sent, still encoded: the query string's, then the
/// body's (none of a multipart body), empty pairs skipped, as `http::form` reads them.
pub fn raw_pairs<'a>(
    query: Option<&'a str>,
    body: &'a [u8],
    multipart: bool,
) -> impl Iterator<Item = (&'a [u8], &'a [u8])> {
    let query = query.map(|q| q.as_bytes().split(|&b| b == b'&')).into_iter().flatten();
    let body = (!multipart).then(|| body.split(|&b| b == b'&')).into_iter().flatten();
    query.chain(body).filter(|p| !p.is_empty()).map(|pair| match pair.iter().position(|&b| b == b'=') {
        Some(i) => (&pair[..i], &pair[i + 1..]),
        None => (pair, &b""[..]),
    })
}

/// A name as the route reads it (`+` a space, `%XX` a byte).
fn decode(name: &[u8]) -> Cow<'_, str> {
    if name.iter().any(|&b| b == b'%' || b == b'+') {
        let spaced: Vec<u8> = name.iter().map(|&b| if b == b'+' { b' ' } else { b }).collect();
        Cow::Owned(percent_encoding::percent_decode(&spaced).decode_utf8_lossy().into_owned())
    } else {
        String::from_utf8_lossy(name)
    }
}

/// An unknown name as kept: at most 64 bytes.
fn clip(name: &str) -> String {
    let mut end = name.len().min(64);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name[..end].to_string()
}
