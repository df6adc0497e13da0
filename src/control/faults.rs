//! `POST /_mock/faults` arms a fault on the request's instance (`{"path", "latency", "answer",
//! "status", "drop", "probability", "times"}`), `GET` lists them, `DELETE` clears them.

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error;
use crate::faults::Fault;
use crate::http::Instance;

#[utoipa::path(
    post,
    path = "/_mock/faults",
    tag = "control",
    request_body(content = serde_json::Value, content_type = "application/json"),
    responses((status = 200, description = "The new fault's id", content((serde_json::Value = "application/json"))), (status = 400, description = "A malformed instance name or body", content((serde_json::Value = "application/json"))), (status = 401, description = "--control-token is set and the Bearer token is missing or wrong", content((serde_json::Value = "application/json"))))
)]
pub async fn add(Instance(world): Instance, body: Bytes) -> Response {
    let fault =
        serde_json::from_slice::<Value>(&body).map_err(|e| format!("not JSON: {e}")).and_then(|v| Fault::from_json(&v));
    match fault.and_then(|fault| world.faults().add(fault)) {
        Ok(id) => axum::Json(json!({"id": id})).into_response(),
        Err(e) => error(StatusCode::BAD_REQUEST, e),
    }
}

#[utoipa::path(
    get,
    path = "/_mock/faults",
    tag = "control",
    responses((status = 200, description = "The armed faults", content((serde_json::Value = "application/json"))), (status = 400, description = "A malformed instance name or body", content((serde_json::Value = "application/json"))), (status = 401, description = "--control-token is set and the Bearer token is missing or wrong", content((serde_json::Value = "application/json"))))
)]
pub async fn list(Instance(world): Instance) -> Response {
    axum::Json(world.faults().list()).into_response()
}

#[utoipa::path(
    delete,
    path = "/_mock/faults",
    tag = "control",
    responses((status = 200, description = "Cleared", content((serde_json::Value = "application/json"))), (status = 400, description = "A malformed instance name or body", content((serde_json::Value = "application/json"))), (status = 401, description = "--control-token is set and the Bearer token is missing or wrong", content((serde_json::Value = "application/json"))))
)]
pub async fn clear(Instance(world): Instance) -> Response {
    world.faults().clear();
    axum::Json(json!({"cleared": true})).into_response()
}
