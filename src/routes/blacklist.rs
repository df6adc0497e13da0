//! `admin/*` (CONTRACT section 5): the blacklist, one object or an array at a time.

use axum::Router;
use axum::routing::post;
use serde_json::Value;

use crate::app::AppState;
use crate::http::{Answer, Caller, Form};
use crate::instances::Instance;
use crate::world::blacklist::Shape;
use crate::world::error::{Failure, refuse};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/Integra/resources/admin/addblack", post(add_one))
        .route("/Integra/resources/admin/addblackbulk", post(add_bulk))
        .route("/Integra/resources/admin/deleteblack", post(delete_one))
        .route("/Integra/resources/admin/deleteblackbulk", post(delete_bulk))
}

/// `admin/addblack`.
async fn add_one(Instance(world): Instance, _caller: Caller, form: Form) -> Answer {
    Answer::done(async { world.add_to_blacklist(&payload(&form)?, Shape::One).await }.await)
}

/// `admin/addblackbulk`.
async fn add_bulk(Instance(world): Instance, _caller: Caller, form: Form) -> Answer {
    Answer::done(async { world.add_to_blacklist(&payload(&form)?, Shape::Bulk).await }.await)
}

/// `admin/deleteblack`.
async fn delete_one(Instance(world): Instance, _caller: Caller, form: Form) -> Answer {
    Answer::done(async { world.remove_from_blacklist(&payload(&form)?, Shape::One).await }.await)
}

/// `admin/deleteblackbulk`.
async fn delete_bulk(Instance(world): Instance, _caller: Caller, form: Form) -> Answer {
    Answer::done(async { world.remove_from_blacklist(&payload(&form)?, Shape::Bulk).await }.await)
}

/// Where the blacklist JSON is (CONTRACT section 5): the `blacklist` field; else the one field whose
/// value is a JSON object or array; else a body that is itself JSON.
fn payload(form: &Form) -> Result<Value, Failure> {
    let structured = |text: &str| serde_json::from_str::<Value>(text).ok().filter(|v| v.is_object() || v.is_array());
    if let Some(text) = form.get("blacklist") {
        return crate::world::json::parse("blacklist", text);
    }
    let mut candidates = form.fields().filter_map(|(_, v)| structured(v));
    if let (Some(value), None) = (candidates.next(), candidates.next()) {
        return Ok(value);
    }
    match std::str::from_utf8(form.raw()).ok().and_then(structured) {
        Some(value) => Ok(value),
        None => refuse("no blacklist parameter (nor one JSON field, nor a JSON body)"),
    }
}
