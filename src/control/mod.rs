//! The test-double API under `/_mock` (DESIGN "The control API"): JSON for tests and people.
//! So far: health, the world's tables, the clock, scenario actions.

use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

mod clock;
mod events;
mod faults;
mod instances;
mod requests;
mod scenario;
use serde_json::json;

use crate::app::AppState;
use crate::instances::Instance;
use crate::world::state::TABLES;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/_mock/state/{table}", get(state_table))
        .route("/_mock/clock", get(clock::get_clock).post(clock::post_clock))
        .route("/_mock/agents/{user}", axum::routing::post(scenario::agent))
        .route("/_mock/calls", axum::routing::post(scenario::inject))
        .route("/_mock/traffic", axum::routing::post(scenario::traffic))
        .route("/_mock/reset", axum::routing::post(instances::reset))
        .route("/_mock/fixtures", axum::routing::post(instances::load))
        .route("/_mock/events", get(events::events))
        .route("/_mock/requests", get(requests::list).delete(requests::clear))
        .route("/_mock/requests/count", axum::routing::post(requests::count))
        .route("/_mock/requests/wait", axum::routing::post(requests::wait))
        .route("/_mock/faults", get(faults::list).post(faults::add).delete(faults::clear))
}

/// Routes that are not about one instance: health, and the list of instances.
pub fn health_router() -> Router<AppState> {
    Router::new()
        .route("/_mock/health", get(health))
        .route("/_mock/instances", get(instances::list))
        .route("/_mock/instances/{name}", axum::routing::delete(instances::delete))
}

/// A JSON error of the control API.
pub fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, axum::Json(json!({"error": message.into()}))).into_response()
}

/// `GET /_mock/health`: 200 `{"status":"ok"}` once the world is open (it is, when we answer).
/// With `?instance=<name>`, also whether that instance is live (created from its fixtures and ready).
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
async fn state_table(Instance(world): Instance, Path(table): Path<String>) -> Response {
    match world.table(&table).await {
        Ok(Some(rows)) => axum::Json(rows).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, format!("no table {table:?}; tables: {}", TABLES.join(", "))),
        Err(e) => crate::http::Answer::from(e).into_response(),
    }
}

/// `--control-token`: every `/_mock` route but health needs `Authorization: Bearer <token>`.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let guarded = path.starts_with("/_mock/") && path != "/_mock/health";
    if let (true, Some(token)) = (guarded, &state.settings.control_token) {
        let given = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if given != Some(token.as_str()) {
            return error(StatusCode::UNAUTHORIZED, "the control API needs Authorization: Bearer <--control-token>");
        }
    }
    next.run(request).await
}
