//! The agent portal's and the dashboard's reads and actions: `GET /_mock/overview`,
//! `GET /_mock/portal/<user>`, `POST /_mock/portal/<user>/login`, and `POST /_mock/portal/<user>`
//! with a porthole message's `data` (answered `{"data": <the reply's data>, "reason": ...}`).

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error;
use crate::http::Instance;
use crate::world::error::Failure;

fn answer(result: Result<Value, Failure>) -> Response {
    match result {
        Ok(value) => axum::Json(value).into_response(),
        Err(Failure::Refused(reason)) => error(StatusCode::NOT_FOUND, reason.text),
        Err(e) => crate::http::Answer::from(e).into_response(),
    }
}

#[utoipa::path(
    get,
    path = "/_mock/overview",
    tag = "control",
    responses((status = 200, description = "Campaigns with their campaignstatus numbers, agents, calls in progress, the newest spool entries, schedules, tasks, uploads and calls with their recordings", content((serde_json::Value = "application/json"))), (status = 400, description = "A malformed instance name", content((serde_json::Value = "application/json"))), (status = 401, description = "--control-token is set and the Bearer token is missing or wrong", content((serde_json::Value = "application/json"))))
)]
pub async fn overview(Instance(world): Instance) -> Response {
    answer(world.overview().await)
}

#[utoipa::path(
    get,
    path = "/_mock/portal/{user}",
    tag = "control",
    params(("user" = String, Path, description = "An agent's username")),
    responses((status = 200, description = "The agent's phone state and the current call's CTI object", content((serde_json::Value = "application/json"))), (status = 400, description = "A malformed instance name", content((serde_json::Value = "application/json"))), (status = 401, description = "--control-token is set and the Bearer token is missing or wrong", content((serde_json::Value = "application/json"))), (status = 404, description = "No such agent", content((serde_json::Value = "application/json"))))
)]
pub async fn view(Instance(world): Instance, Path(user): Path<String>) -> Response {
    answer(world.portal_view(&user).await)
}

#[utoipa::path(
    post,
    path = "/_mock/portal/{user}/login",
    tag = "control",
    params(("user" = String, Path, description = "An agent's username")),
    responses((status = 200, description = "Logged in: the agent's phone state", content((serde_json::Value = "application/json"))), (status = 400, description = "A malformed instance name", content((serde_json::Value = "application/json"))), (status = 401, description = "--control-token is set and the Bearer token is missing or wrong", content((serde_json::Value = "application/json"))), (status = 404, description = "No such agent", content((serde_json::Value = "application/json"))))
)]
pub async fn login(Instance(world): Instance, Path(user): Path<String>) -> Response {
    answer(world.portal_login(&user).await)
}

#[utoipa::path(
    post,
    path = "/_mock/portal/{user}",
    tag = "control",
    params(("user" = String, Path, description = "An agent's username")),
    request_body(content = serde_json::Value, content_type = "application/json", description = "A porthole message's data: {\"action\": \"call\" | \"callWithPhone\" | \"hangup\" | \"tag\" | \"CTI\" | \"respool\" | \"schedule\", ...}"),
    responses((status = 200, description = "The reply's data, and why an action was refused", content((serde_json::Value = "application/json"))), (status = 400, description = "A malformed instance name or a body that is not JSON", content((serde_json::Value = "application/json"))), (status = 401, description = "--control-token is set and the Bearer token is missing or wrong", content((serde_json::Value = "application/json"))), (status = 404, description = "No such agent", content((serde_json::Value = "application/json"))))
)]
pub async fn action(Instance(world): Instance, Path(user): Path<String>, body: Bytes) -> Response {
    let Ok(data) = serde_json::from_slice::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, r#"send a porthole message's data: {"action": ...}"#);
    };
    answer(world.portal_action(&user, &data).await.map(|reply| json!({"data": reply.data, "reason": reply.reason})))
}
