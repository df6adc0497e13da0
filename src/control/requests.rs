//! The journal over HTTP: `GET /_mock/requests` (filter by `path`, `method`, `since`, `until` and
//! `form.<field>=<value>` query parameters), `POST /_mock/requests/count`, `POST /_mock/requests/wait`
//! (`count`, `timeout` seconds, at most 60), `DELETE /_mock/requests`. A count of zero, or a wait that
//! times out, names the recorded request that came closest and how it differed.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::Query;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error;
use crate::http::Instance;
use crate::journal::Pattern;
use crate::world::World;

/// The longest wait, in seconds.
pub const MAX_WAIT_S: f64 = 60.0;

/// The pattern of a JSON body, or why it is none.
fn pattern_of(body: &Bytes) -> Result<(Pattern, Value), String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let pattern = Pattern::from_json(&value)?;
    Ok((pattern, value))
}

#[utoipa::path(
    get,
    path = "/_mock/requests",
    tag = "control",
    params(
        ("path" = Option<String>, Query, description = "Only requests to this path"),
        ("method" = Option<String>, Query, description = "Only requests with this method"),
        ("since" = Option<String>, Query, description = "Only requests at or after this clock time (`yyyy-MM-dd HH:mm:ss`)"),
        ("until" = Option<String>, Query, description = "Only requests at or before this clock time"),
        ("after" = Option<u64>, Query, description = "Only entries whose `seq` is greater (the next page)"),
        ("limit" = Option<usize>, Query, description = "At most this many entries (the oldest first)")
    ),
    responses((status = 200, description = "The matching journal entries, oldest first, streamed", content((serde_json::Value = "application/json"))), (status = 400, description = "A malformed instance name or body", content((serde_json::Value = "application/json"))), (status = 401, description = "--control-token is set and the Bearer token is missing or wrong", content((serde_json::Value = "application/json"))))
)]
pub async fn list(Instance(world): Instance, Query(query): Query<HashMap<String, String>>) -> Response {
    let mut object = serde_json::Map::new();
    let mut form = serde_json::Map::new();
    let (mut after, mut limit) = (0, usize::MAX);
    for (k, v) in query {
        let number = |what: &str| format!("{what} must be a whole number >= 0, not {v:?}");
        match (k.as_str(), k.strip_prefix("form.")) {
            ("after", _) => match v.parse() {
                Ok(n) => after = n,
                Err(_) => return error(StatusCode::BAD_REQUEST, number("after")),
            },
            ("limit", _) => match v.parse() {
                Ok(n) => limit = n,
                Err(_) => return error(StatusCode::BAD_REQUEST, number("limit")),
            },
            (_, Some(field)) => {
                form.insert(field.to_string(), Value::String(v));
            }
            (_, None) => {
                object.insert(k, Value::String(v));
            }
        }
    }
    object.insert("form".into(), Value::Object(form));
    match Pattern::from_json(&Value::Object(object)) {
        Ok(pattern) => streamed(world, pattern, after, limit),
        Err(e) => error(StatusCode::BAD_REQUEST, e),
    }
}

/// Entries read into one piece of the answer: the answer is written as it is read, so a full
/// journal never stands in memory twice.
const PIECE: usize = 64;

/// Where [`streamed`] is in the journal.
struct Cursor {
    world: Arc<World>,
    pattern: Pattern,
    /// The last entry looked at, and the last one recorded when the request came.
    seen: u64,
    until: u64,
    /// How many more entries may be written.
    left: usize,
    opened: bool,
    any: bool,
    closed: bool,
}

/// The matching entries after `after` as a JSON array, rendered piece by piece as the client reads.
/// Each piece reads the journal afresh from where the last one stopped (entries evicted meanwhile
/// are skipped), so a slow reader holds no more than a piece of it.
fn streamed(world: Arc<World>, pattern: Pattern, after: u64, limit: usize) -> Response {
    let until = world.journal().last();
    let cursor = Cursor { world, pattern, seen: after, until, left: limit, opened: false, any: false, closed: false };
    let pieces = futures_util::stream::unfold(cursor, |mut c| async move {
        if c.closed {
            return None;
        }
        let mut piece = Vec::with_capacity(16 * 1024);
        if !c.opened {
            piece.push(b'[');
            c.opened = true;
        }
        let records = if c.left > 0 && c.seen < c.until { c.world.journal().page(c.seen, PIECE) } else { Vec::new() };
        let records: Vec<_> = records.into_iter().take_while(|r| r.seq() <= c.until).collect();
        let exhausted = records.is_empty();
        for record in &records {
            c.seen = record.seq();
            if c.left == 0 || !c.world.journal().matches(&c.pattern, record) {
                continue;
            }
            let entry = c.world.journal().render(record);
            if c.any {
                piece.push(b',');
            }
            // An entry is strings and numbers: it always serialises.
            let _ = serde_json::to_writer(&mut piece, &entry);
            (c.any, c.left) = (true, c.left - 1);
        }
        if exhausted || c.left == 0 || c.seen >= c.until {
            piece.push(b']');
            c.closed = true;
        }
        Some((Ok::<_, std::convert::Infallible>(Bytes::from(piece)), c))
    });
    let mut response = Response::new(axum::body::Body::from_stream(pieces));
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

#[utoipa::path(
    post,
    path = "/_mock/requests/count",
    tag = "control",
    request_body(content = serde_json::Value, content_type = "application/json"),
    responses((status = 200, description = "The count of matching requests, and the closest miss at 0", content((serde_json::Value = "application/json"))), (status = 400, description = "A malformed instance name or body", content((serde_json::Value = "application/json"))), (status = 401, description = "--control-token is set and the Bearer token is missing or wrong", content((serde_json::Value = "application/json"))))
)]
pub async fn count(Instance(world): Instance, body: Bytes) -> Response {
    let (pattern, _) = match pattern_of(&body) {
        Ok(p) => p,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    let count = world.journal().count(&pattern);
    let mut answer = json!({"count": count});
    if count == 0 {
        answer["closest"] = world.journal().closest(&pattern).unwrap_or(Value::Null);
    }
    axum::Json(answer).into_response()
}

#[utoipa::path(
    post,
    path = "/_mock/requests/wait",
    tag = "control",
    request_body(content = serde_json::Value, content_type = "application/json"),
    responses((status = 200, description = "The count, once enough arrived", content((serde_json::Value = "application/json"))), (status = 400, description = "A malformed instance name or body", content((serde_json::Value = "application/json"))), (status = 401, description = "--control-token is set and the Bearer token is missing or wrong", content((serde_json::Value = "application/json"))), (status = 408, description = "The timeout passed first; the closest miss", content((serde_json::Value = "application/json"))))
)]
pub async fn wait(Instance(world): Instance, body: Bytes) -> Response {
    let (pattern, value) = match pattern_of(&body) {
        Ok(p) => p,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    let wanted = match value.get("count") {
        None | Some(Value::Null) => 1,
        Some(v) => match v.as_u64().filter(|&n| (1..=crate::journal::CAPACITY as u64).contains(&n)) {
            Some(n) => n as usize,
            None => return error(StatusCode::BAD_REQUEST, "count must be a whole number from 1 to 10000"),
        },
    };
    let timeout = match value.get("timeout") {
        None | Some(Value::Null) => 10.0,
        Some(v) => match v.as_f64().filter(|t| (0.0..=MAX_WAIT_S).contains(t)) {
            Some(t) => t,
            None => return error(StatusCode::BAD_REQUEST, format!("timeout must be seconds from 0 to {MAX_WAIT_S}")),
        },
    };
    let count = world.journal().wait(&pattern, wanted, std::time::Duration::from_secs_f64(timeout)).await;
    if count >= wanted {
        return axum::Json(json!({"count": count})).into_response();
    }
    let closest = world.journal().closest(&pattern).unwrap_or(Value::Null);
    let message = format!("{count} of {wanted} matching requests arrived in {timeout} s");
    (StatusCode::REQUEST_TIMEOUT, axum::Json(json!({"error": message, "count": count, "closest": closest})))
        .into_response()
}

#[utoipa::path(
    delete,
    path = "/_mock/requests",
    tag = "control",
    responses((status = 200, description = "Cleared", content((serde_json::Value = "application/json"))), (status = 400, description = "A malformed instance name or body", content((serde_json::Value = "application/json"))), (status = 401, description = "--control-token is set and the Bearer token is missing or wrong", content((serde_json::Value = "application/json"))))
)]
pub async fn clear(Instance(world): Instance) -> Response {
    world.journal().clear();
    axum::Json(json!({"cleared": true})).into_response()
}
