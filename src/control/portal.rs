//! The agent portal's and the dashboard's reads and actions: `GET /_mock/overview`,
//! `GET /_mock/portal/<user>`, `POST /_mock/portal/<user>/login`, and `POST /_mock/portal/<user>`
//! with a porthole message's `data` (answered `{"data": <the reply's data>, "reason": ...}`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error;
use crate::coverage::{Branch, Observed};
use crate::http::Instance;
use crate::journal::FormRecord;
use crate::state::AppState;
use crate::world::error::Failure;
use crate::world::portal::Reply;

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
pub async fn action(
    State(state): State<AppState>,
    Instance(world): Instance,
    Path(user): Path<String>,
    body: Bytes,
) -> Response {
    let (response, facet) = match serde_json::from_slice::<Value>(&body) {
        Err(_) => (error(StatusCode::BAD_REQUEST, r#"send a porthole message's data: {"action": ...}"#), None),
        Ok(data) => match world.portal_action(&user, &data).await {
            Ok(reply) => {
                let facet = facet(&reply);
                (answer(Ok(json!({"data": reply.data, "reason": reply.reason}))), Some(facet))
            }
            Err(e) => (answer(Err(e)), None),
        },
    };
    let status = response.status().as_u16();
    let branch = match status {
        200 => Some(Branch::Json),
        400 | 404 => Some(Branch::Status(status)),
        _ => None,
    };
    let facets: Vec<&'static str> = facet.into_iter().collect();
    let observed = Observed { branch, status, fault: None, form: &FormRecord::Unread, facets: &facets };
    state.coverage.count(Some(world.name()), COVERAGE_KEY, observed);
    response
}

/// The porthole actions in the coverage report (docs/contract.md, section 13).
const COVERAGE_KEY: &str = "/portal";

/// Each action done, and refused (`:0`) where it can be; the CTI of no call; an action the portal
/// does not know.
const FACETS: [&str; 14] = [
    "call",
    "call:0",
    "callWithPhone",
    "callWithPhone:0",
    "hangup",
    "hangup:0",
    "tag",
    "CTI",
    "CTI:none",
    "respool",
    "respool:0",
    "schedule",
    "schedule:0",
    "unknown",
];

fn facet(reply: &Reply) -> &'static str {
    let Some(action) = reply.action else { return "unknown" };
    let id = match (action, reply.reason.is_some()) {
        ("CTI", _) if reply.data.get("CTI").is_some_and(Value::is_null) => "CTI:none".to_string(),
        (action, true) => format!("{action}:0"),
        (action, false) => action.to_string(),
    };
    // An outcome not declared here shows in the report as undeclared (a bug of the mock).
    FACETS.iter().copied().find(|f| *f == id).unwrap_or("unexpected")
}

/// What the coverage report counts of the porthole actions: the portal's answers, each action's.
pub fn declared() -> crate::coverage::Declared {
    crate::coverage::Declared {
        path: COVERAGE_KEY.into(),
        branches: vec![Branch::Json, Branch::Status(400), Branch::Status(404)],
        dimensions: FACETS.to_vec(),
        describe: crate::coverage::NO_FORM,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_action_is_a_facet() {
        for action in crate::world::portal::ACTIONS {
            assert!(super::FACETS.contains(&action), "{action}");
        }
    }
}
