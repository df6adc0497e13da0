//! `api/DispositionCall` (docs/contract.md, section 4): HTTP 400 with the catalog's words on bad input,
//! `{"Result":"ok","txtcode":...}` when recorded.

use axum::Extension;
use axum::response::{IntoResponse, Response};

use crate::coverage::{Branch, Facets};
use crate::http::routes::{Routes, route};
use crate::model::config::Action;
use crate::world::catalog;
use serde_json::json;

use crate::http::Instance;
use crate::http::{Answer, Caller, Form};
use crate::model::disposition::DispositionRequest;

pub fn router() -> Routes {
    // Done, or one of the catalog's messages (every key a catalog must define).
    const ANSWERS: &[Branch] = &{
        let mut answers = [Branch::Json; 1 + catalog::KEYS.len()];
        let mut i = 0;
        while i < catalog::KEYS.len() {
            answers[i + 1] = Branch::Invalid(catalog::KEYS[i]);
            i += 1;
        }
        answers
    };
    Routes::new().route(route!(disposition_call).answers(ANSWERS).dimensions(&ACTIONS))
}

/// The action each disposition can run, as the coverage report's dimension.
const ACTIONS: [&str; 5] =
    ["action:none", "action:RESPOOL", "action:RESPOOLALTERNATIVE", "action:BLACKLIST", "action:RESCHEDULE"];

fn action_facet(action: Action) -> &'static str {
    match action {
        Action::None => ACTIONS[0],
        Action::Respool => ACTIONS[1],
        Action::RespoolAlternative => ACTIONS[2],
        Action::Blacklist => ACTIONS[3],
        Action::Reschedule => ACTIONS[4],
    }
}

/// `api/DispositionCall`.
#[utoipa::path(
    post,
    path = "/Integra/resources/api/DispositionCall",
    tag = "api",
    request_body(content = super::forms::Disposition, content_type = "application/x-www-form-urlencoded"),
    security(("basic" = [])),
    responses((status = 200, description = "`{\"Result\":\"ok\",\"txtcode\":...}`", content((serde_json::Value = "application/json"), (String = "text/plain"))), (status = 400, description = "A malformed instance name (JSON), or DispositionCall's catalog message (text)", content((String = "text/plain"), (serde_json::Value = "application/json"))), (status = 401, description = "No live token: `WWW-Authenticate: Basic realm=\"Integra\"`"), (status = 413, description = "The body is over the route's limit"), (status = 408, description = "The body came too slowly (`--body-timeout`, `--body-min-rate`); the connection is closed"), (status = 503, description = "The server is at a bound for now (bodies in progress past `--body-memory-mb`, no descriptor or memory for the database): try again after `Retry-After` seconds"))
)]
async fn disposition_call(Instance(world): Instance, _caller: Caller, form: Form) -> Response {
    let request = DispositionRequest {
        campaign: form.text("campaign"),
        agent: form.text("agent"),
        callerid: form.text("callerid"),
        guid: form.text("guid"),
        l1: form.text("l1"),
        l2: form.text("l2"),
        l3: form.text("l3"),
        d1: form.text("d1"),
        d2: form.text("d2"),
        comment: form.text("comment"),
        schedule: form.text("schedule"),
        camptoreschedule: form.text("camptoreschedule"),
        tag: form.text("tag"),
    };
    match world.disposition(request).await {
        Ok((txtcode, action)) => {
            let facets = Extension(Facets(vec![action_facet(action)]));
            (facets, Answer::json(&json!({"Result": "ok", "txtcode": txtcode}))).into_response()
        }
        Err(e) => Answer::from(e).into_response(),
    }
}
