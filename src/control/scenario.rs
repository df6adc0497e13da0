//! Scenario actions: `POST /_mock/agents/<user>` with `{"action": "login" | "logout" | "pause" |
//! "unpause" | "status", "reason": ..., "status": 0-9}`, and `POST /_mock/calls` with
//! `{"campaign": ..., "from": ...}` to inject an inbound caller.

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error;
use crate::engine::actions::AgentAction;

/// The most inbound callers an hour a campaign may be given.
const MAX_RATE: f64 = 3600.0;
use crate::http::Instance;
use crate::world::error::Failure;

fn answer<T: serde::Serialize>(result: Result<T, Failure>) -> Response {
    match result {
        Ok(value) => axum::Json(value).into_response(),
        Err(Failure::Refused(reason)) => error(StatusCode::BAD_REQUEST, reason.text),
        Err(e) => crate::http::Answer::from(e).into_response(),
    }
}

#[utoipa::path(
    post,
    path = "/_mock/agents/{user}",
    tag = "control",
    request_body(content = serde_json::Value, content_type = "application/json"),
    params(("user" = String, Path, description = "An agent's username")),
    responses((status = 200, description = "Done", content((serde_json::Value = "application/json"))), (status = 400, description = "A malformed instance name or body", content((serde_json::Value = "application/json"))), (status = 401, description = "--control-token is set and the Bearer token is missing or wrong", content((serde_json::Value = "application/json"))))
)]
pub async fn agent(Instance(world): Instance, Path(user): Path<String>, body: Bytes) -> Response {
    let Ok(Value::Object(request)) = serde_json::from_slice::<Value>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            r#"send {"action": "login" | "logout" | "pause" | "unpause" | "status"}"#,
        );
    };
    let text = |key: &str| request.get(key).and_then(Value::as_str).unwrap_or_default().to_string();
    let action = match text("action").as_str() {
        "login" => AgentAction::Login,
        "logout" => AgentAction::Logout,
        "pause" => AgentAction::Pause(text("reason")),
        "unpause" => AgentAction::Unpause,
        "status" => match request.get("status").and_then(Value::as_u64).filter(|s| *s <= 9) {
            Some(code) => AgentAction::Status(code as u8),
            None => return error(StatusCode::BAD_REQUEST, "status must be a code from 0 to 9"),
        },
        other => return error(StatusCode::BAD_REQUEST, format!("unknown action {other:?}")),
    };
    answer(world.agent_action(&user, action).await.map(|()| json!({"agent": user})))
}

#[utoipa::path(
    post,
    path = "/_mock/calls",
    tag = "control",
    request_body(content = serde_json::Value, content_type = "application/json"),
    responses((status = 200, description = "The new call's guid", content((serde_json::Value = "application/json"))), (status = 400, description = "A malformed instance name or body", content((serde_json::Value = "application/json"))), (status = 401, description = "--control-token is set and the Bearer token is missing or wrong", content((serde_json::Value = "application/json"))))
)]
pub async fn inject(Instance(world): Instance, body: Bytes) -> Response {
    let Ok(Value::Object(request)) = serde_json::from_slice::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, r#"send {"campaign": ..., "from": ...}"#);
    };
    let text = |key: &str| request.get(key).and_then(Value::as_str).unwrap_or_default().to_string();
    let (campaign, from) = (text("campaign"), text("from"));
    if campaign.is_empty() || from.is_empty() {
        return error(StatusCode::BAD_REQUEST, "campaign and from are required");
    }
    answer(world.inject_call(&campaign, &from).await.map(|guid| json!({"guid": guid})))
}

/// `POST /_mock/traffic` with `{"campaign", "calls_per_hour", "patience"}` (patience in seconds, absent:
/// callers wait forever).
#[utoipa::path(
    post,
    path = "/_mock/traffic",
    tag = "control",
    request_body(content = serde_json::Value, content_type = "application/json"),
    responses((status = 200, description = "The campaign's new traffic", content((serde_json::Value = "application/json"))), (status = 400, description = "A malformed instance name or body", content((serde_json::Value = "application/json"))), (status = 401, description = "--control-token is set and the Bearer token is missing or wrong", content((serde_json::Value = "application/json"))))
)]
pub async fn traffic(Instance(world): Instance, body: Bytes) -> Response {
    let Ok(Value::Object(request)) = serde_json::from_slice::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, r#"send {"campaign": ..., "calls_per_hour": ..., "patience": ...}"#);
    };
    let campaign = request.get("campaign").and_then(Value::as_str).unwrap_or_default().to_string();
    let Some(per_hour) =
        request.get("calls_per_hour").and_then(Value::as_f64).filter(|r| *r == 0.0 || (0.01..=MAX_RATE).contains(r))
    else {
        return error(StatusCode::BAD_REQUEST, "calls_per_hour must be 0 or a number from 0.01 to 3600");
    };
    let patience = match request.get("patience") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_f64().filter(|p| (1.0..=86_400.0).contains(p)) {
            Some(p) => Some(p),
            None => return error(StatusCode::BAD_REQUEST, "patience must be seconds from 1 to 86400"),
        },
    };
    answer(
        world
            .set_traffic(&campaign, per_hour, patience)
            .await
            .map(|()| json!({"campaign": campaign, "calls_per_hour": per_hour, "patience": patience})),
    )
}
