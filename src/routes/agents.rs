//! `Agents/*` (docs/contract.md, section 3): calls placed from an agent's phone, hung up, tagged.

use crate::coverage::Branch::{self, Empty, Guid, One, Zero};
use crate::http::routes::{Routes, route};
use crate::model::why::Why::*;

use crate::http::Instance;
use crate::http::{Answer, Caller, Form};
use crate::model::agent_call::CallRequest;

pub fn router() -> Routes {
    const CALL: &[Branch] = &[Guid, Zero(MissingField), Zero(UnknownCampaign), Zero(UnknownAgent), Zero(PhoneBusy)];
    Routes::new()
        .route(route!(agent_call).answers(CALL))
        .route(route!(agent_call_with_data).answers(CALL))
        .route(route!(hangup_phone).answers(&[One, Zero(MissingField), Zero(PhoneIdle)]))
        .route(route!(tag_record).answers(&[Empty]))
}

fn call_request(form: &Form) -> CallRequest {
    CallRequest {
        callerid: form.text("callerid"),
        agent: form.text("agent"),
        phone: form.text("phone"),
        tech: form.text("tech"),
        context: form.text("context"),
        outqueue: form.text("outqueue"),
        destination: form.text("destination"),
        data: None,
        form: None,
    }
}

/// `Agents/AgentCall`: the new call's guid, or `0`.
#[utoipa::path(
    post,
    path = "/Integra/resources/Agents/AgentCall",
    tag = "Agents",
    request_body(content = super::forms::AgentCall, content_type = "application/x-www-form-urlencoded"),
    security(("basic" = [])),
    responses((status = 200, description = "The new call's guid, or `0`", content_type = "text/plain", body = String), (status = 400, description = "A malformed instance name (JSON), or DispositionCall's catalog message (text)", content((String = "text/plain"), (serde_json::Value = "application/json"))), (status = 401, description = "No live token: `WWW-Authenticate: Basic realm=\"Integra\"`"), (status = 413, description = "The body is over the route's limit"), (status = 408, description = "The body came too slowly (`--body-timeout`, `--body-min-rate`); the connection is closed"), (status = 503, description = "The server is at a bound for now (bodies in progress past `--body-memory-mb`, no descriptor or memory for the database): try again after `Retry-After` seconds"))
)]
async fn agent_call(Instance(world): Instance, _caller: Caller, form: Form) -> Answer {
    match world.agent_call(call_request(&form)).await {
        Ok(guid) => Answer::Guid(guid),
        Err(e) => e.into(),
    }
}

/// `Agents/AgentCallwithData`: the same, with `data` and `form` travelling with the call.
#[utoipa::path(
    post,
    path = "/Integra/resources/Agents/AgentCallwithData",
    tag = "Agents",
    request_body(content = super::forms::AgentCallWithData, content_type = "application/x-www-form-urlencoded"),
    security(("basic" = [])),
    responses((status = 200, description = "The new call's guid, or `0`", content_type = "text/plain", body = String), (status = 400, description = "A malformed instance name (JSON), or DispositionCall's catalog message (text)", content((String = "text/plain"), (serde_json::Value = "application/json"))), (status = 401, description = "No live token: `WWW-Authenticate: Basic realm=\"Integra\"`"), (status = 413, description = "The body is over the route's limit"), (status = 408, description = "The body came too slowly (`--body-timeout`, `--body-min-rate`); the connection is closed"), (status = 503, description = "The server is at a bound for now (bodies in progress past `--body-memory-mb`, no descriptor or memory for the database): try again after `Retry-After` seconds"))
)]
async fn agent_call_with_data(Instance(world): Instance, _caller: Caller, form: Form) -> Answer {
    let request = CallRequest {
        data: form.get("data").map(str::to_string),
        form: form.get("form").map(str::to_string),
        ..call_request(&form)
    };
    match world.agent_call(request).await {
        Ok(guid) => Answer::Guid(guid),
        Err(e) => e.into(),
    }
}

/// `Agents/HangupPhone`: `1` when a call on the phone was ended, else `0`.
#[utoipa::path(
    post,
    path = "/Integra/resources/Agents/HangupPhone",
    tag = "Agents",
    request_body(content = super::forms::Hangup, content_type = "application/x-www-form-urlencoded"),
    security(("basic" = [])),
    responses((status = 200, description = "`1` when a call was ended, else `0`", content_type = "text/plain", body = String), (status = 400, description = "A malformed instance name (JSON), or DispositionCall's catalog message (text)", content((String = "text/plain"), (serde_json::Value = "application/json"))), (status = 401, description = "No live token: `WWW-Authenticate: Basic realm=\"Integra\"`"), (status = 413, description = "The body is over the route's limit"), (status = 408, description = "The body came too slowly (`--body-timeout`, `--body-min-rate`); the connection is closed"), (status = 503, description = "The server is at a bound for now (bodies in progress past `--body-memory-mb`, no descriptor or memory for the database): try again after `Retry-After` seconds"))
)]
async fn hangup_phone(Instance(world): Instance, _caller: Caller, form: Form) -> Answer {
    Answer::done(world.hangup(&form.text("phone")).await)
}

/// `Agents/TagRecord`: HTTP 200 with an empty body, always (the vendor's call is asynchronous).
#[utoipa::path(
    post,
    path = "/Integra/resources/Agents/TagRecord",
    tag = "Agents",
    request_body(content = super::forms::Tag, content_type = "application/x-www-form-urlencoded"),
    security(("basic" = [])),
    responses((status = 200, description = "Empty: the tag is stored asynchronously", content_type = "text/plain", body = String), (status = 400, description = "A malformed instance name (JSON), or DispositionCall's catalog message (text)", content((String = "text/plain"), (serde_json::Value = "application/json"))), (status = 401, description = "No live token: `WWW-Authenticate: Basic realm=\"Integra\"`"), (status = 413, description = "The body is over the route's limit"), (status = 408, description = "The body came too slowly (`--body-timeout`, `--body-min-rate`); the connection is closed"), (status = 503, description = "The server is at a bound for now (bodies in progress past `--body-memory-mb`, no descriptor or memory for the database): try again after `Retry-After` seconds"))
)]
async fn tag_record(Instance(world): Instance, _caller: Caller, form: Form) -> Answer {
    if let Err(e) = world.tag(&form.text("guid"), &form.text("data")).await {
        tracing::warn!(error = ?e, "TagRecord could not store its tag");
    }
    Answer::Empty
}
