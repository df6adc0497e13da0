//! The test-double API under `/_mock` (docs/design.md, "The control API"): JSON for tests and people.
//! Health, the world's tables, the clock, scenario actions, recordings, the pages' reads.

use crate::http::routes::{Routes, route};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header;
use axum::response::{IntoResponse, Response};

mod clock;
pub mod coverage;
mod events;
mod faults;
mod instances;
pub mod portal;
mod recordings;
mod requests;
mod scenario;
use serde_json::json;

use crate::http::Instance;
use crate::state::AppState;
use crate::world::tables::TABLES;

/// The control routes about the request's instance, with their OpenAPI description.
pub fn router() -> Routes {
    Routes::new()
        .route(route!(state_table))
        .route(route!(clock::get_clock, clock::post_clock))
        .route(route!(scenario::agent))
        .route(route!(scenario::inject))
        .route(route!(scenario::traffic))
        .route(route!(recordings::pin))
        .route(route!(recordings::convert))
        .route(route!(portal::overview))
        .route(route!(portal::view, portal::action))
        .route(route!(portal::login))
        .route(route!(instances::reset))
        .route(route!(instances::load))
        .route(route!(events::events))
        .route(route!(requests::list, requests::clear))
        .route(route!(requests::count))
        .route(route!(requests::wait))
        .route(route!(faults::list, faults::add, faults::clear))
}

/// Routes that are not about one instance: health, and the list of instances.
pub fn health_router() -> Routes {
    Routes::new()
        .route(route!(health))
        .route(route!(instances::list))
        .route(route!(instances::delete))
        .route(route!(coverage::report, coverage::clear))
}

/// A JSON error of the control API.
pub fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, axum::Json(json!({"error": message.into()}))).into_response()
}

/// The answer to a database failure under `what`: 503 with `Retry-After` when the machine lacks a
/// resource for now (descriptors, memory; see [`crate::store::scarcity`]), else 500.
pub fn store_failure(what: &str, e: crate::store::StoreError) -> Response {
    match crate::store::scarcity(&e) {
        Some(why) => {
            tracing::warn!(error = %e, "{what}: {why}");
            let mut response =
                error(StatusCode::SERVICE_UNAVAILABLE, format!("{what}: {why}; ask again shortly ({e})"));
            response.headers_mut().insert(header::RETRY_AFTER, axum::http::HeaderValue::from_static("1"));
            response
        }
        None => {
            tracing::error!(error = %e, "{what}");
            error(StatusCode::INTERNAL_SERVER_ERROR, format!("{what}: {e}"))
        }
    }
}

/// `GET /_mock/health`: 200 `{"status":"ok"}` once the world is open (it is, when we answer).
/// With `?instance=<name>`, also whether that instance is live (created from its fixtures and ready).
#[utoipa::path(
    get,
    path = "/_mock/health",
    tag = "control",
    params(("instance" = Option<String>, Query, description = "An instance whose readiness to report")),
    responses((status = 200, description = "ok, with the readiness of an instance when asked", content((serde_json::Value = "application/json"))))
)]
async fn health(
    State(state): State<AppState>,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Response {
    match query.get("instance") {
        None => axum::Json(json!({"status": "ok"})).into_response(),
        Some(name) => {
            let name = name.to_ascii_lowercase();
            let ready = state.instances.is_live(&name).await;
            axum::Json(json!({"status": "ok", "instance": name, "ready": ready})).into_response()
        }
    }
}

/// `GET /_mock/state/<table>`: the table's rows as a JSON array.
#[utoipa::path(
    get,
    path = "/_mock/state/{table}",
    tag = "control",
    params(("table" = String, Path, description = "A table of the world")),
    responses((status = 200, description = "The table's rows", content((serde_json::Value = "application/json"))), (status = 400, description = "A malformed instance name or body", content((serde_json::Value = "application/json"))), (status = 401, description = "--control-token is set and the Bearer token is missing or wrong", content((serde_json::Value = "application/json"))), (status = 404, description = "No such table", content((serde_json::Value = "application/json"))))
)]
async fn state_table(Instance(world): Instance, Path(table): Path<String>) -> Response {
    match world.table(&table).await {
        Ok(Some(rows)) => axum::Json(rows).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, format!("no table {table:?}; tables: {}", TABLES.join(", "))),
        Err(e) => crate::http::Answer::from(e).into_response(),
    }
}

/// Whether `path` is a control route that can read or change an instance: every `/_mock` route but
/// health.
pub fn is_guarded(path: &str) -> bool {
    // By segments, so no spelling of the path (`//_mock//reset`) slips past.
    let mut segments = path.split('/').filter(|s| !s.is_empty());
    segments.next() == Some("_mock")
        && segments.clone().next().is_some()
        && !matches!(segments.collect::<Vec<_>>()[..], ["health"])
}

/// `--control-token`: every `/_mock` route but health needs `Authorization: Bearer <token>`. The
/// refusal of a request that lacks it, if it does (run by the outermost layer, on both listeners).
pub fn refusal(state: &AppState, path: &str, headers: &axum::http::HeaderMap) -> Option<Response> {
    let token = state.settings.control_token.as_ref().filter(|_| is_guarded(path))?;
    let given =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    (given != Some(token.as_str()))
        .then(|| error(StatusCode::UNAUTHORIZED, "the control API needs Authorization: Bearer <--control-token>"))
}
