//! `POST /_mock/faults` arms a fault on the request's instance (`{"path", "latency", "answer",
//! "status", "drop", "probability", "times"}`), `GET` lists them, `DELETE` clears them.

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error;
use crate::faults::Fault;
use crate::instances::Instance;

pub async fn add(Instance(world): Instance, body: Bytes) -> Response {
    let fault =
        serde_json::from_slice::<Value>(&body).map_err(|e| format!("not JSON: {e}")).and_then(|v| Fault::from_json(&v));
    match fault {
        Ok(fault) => axum::Json(json!({"id": world.faults().add(fault)})).into_response(),
        Err(e) => error(StatusCode::BAD_REQUEST, e),
    }
}

pub async fn list(Instance(world): Instance) -> Response {
    axum::Json(world.faults().list()).into_response()
}

pub async fn clear(Instance(world): Instance) -> Response {
    world.faults().clear();
    axum::Json(json!({"cleared": true})).into_response()
}
