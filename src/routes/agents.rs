//! `Agents/*` (CONTRACT section 3): calls placed from an agent's phone, hung up, tagged.

use axum::Router;
use axum::routing::post;

use crate::app::AppState;
use crate::engine::CallRequest;
use crate::http::{Answer, Caller, Form};
use crate::instances::Instance;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/Integra/resources/Agents/AgentCall", post(agent_call))
        .route("/Integra/resources/Agents/AgentCallwithData", post(agent_call_with_data))
        .route("/Integra/resources/Agents/HangupPhone", post(hangup_phone))
        .route("/Integra/resources/Agents/TagRecord", post(tag_record))
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
async fn agent_call(Instance(world): Instance, _caller: Caller, form: Form) -> Answer {
    match world.agent_call(call_request(&form)).await {
        Ok(guid) => Answer::Text(guid),
        Err(e) => e.into(),
    }
}

/// `Agents/AgentCallwithData`: the same, with `data` and `form` travelling with the call.
async fn agent_call_with_data(Instance(world): Instance, _caller: Caller, form: Form) -> Answer {
    let request = CallRequest {
        data: form.get("data").map(str::to_string),
        form: form.get("form").map(str::to_string),
        ..call_request(&form)
    };
    match world.agent_call(request).await {
        Ok(guid) => Answer::Text(guid),
        Err(e) => e.into(),
    }
}

/// `Agents/HangupPhone`: `1` when a call on the phone was ended, else `0`.
async fn hangup_phone(Instance(world): Instance, _caller: Caller, form: Form) -> Answer {
    Answer::done(world.hangup(&form.text("phone")).await)
}

/// `Agents/TagRecord`: HTTP 200 with an empty body, always (the vendor's call is asynchronous).
async fn tag_record(Instance(world): Instance, _caller: Caller, form: Form) -> Answer {
    if let Err(e) = world.tag(&form.text("guid"), &form.text("data")).await {
        tracing::warn!(error = ?e, "TagRecord could not store its tag");
    }
    Answer::Empty
}
