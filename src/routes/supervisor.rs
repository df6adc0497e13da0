//! `Supervisor/*` (docs/contract.md, sections 6 and 8): the campaigns' live numbers, computed by the engine,
//! and the GSM-to-MP3 conversion of recordings.

use crate::coverage::Branch::{Json, One, Zero};
use crate::http::routes::{Routes, route};
use crate::model::why::Why::*;

use crate::http::Instance;
use crate::http::{Answer, Caller, Form};

pub fn router() -> Routes {
    Routes::new()
        .route(route!(queue_summary).answers(&[Json]))
        .route(route!(campaign_status).answers(&[Json]))
        .route(route!(convert).answers(&[One, Zero(MissingField), Zero(NoRecording), Zero(RecordingElsewhere)]))
}

/// `Supervisor/queuesummary`: one object per campaign and the closing object.
#[utoipa::path(
    post,
    path = "/Integra/resources/Supervisor/queuesummary",
    tag = "Supervisor",
    request_body(content = super::forms::Nothing, content_type = "application/x-www-form-urlencoded"),
    security(("basic" = [])),
    responses((status = 200, description = "One object per campaign and a closing object", content((serde_json::Value = "application/json"), (String = "text/plain"))), (status = 400, description = "A malformed instance name (JSON), or DispositionCall's catalog message (text)", content((String = "text/plain"), (serde_json::Value = "application/json"))), (status = 401, description = "No live token: `WWW-Authenticate: Basic realm=\"Integra\"`"), (status = 413, description = "The body is over the route's limit"), (status = 408, description = "The body came too slowly (`--body-timeout`, `--body-min-rate`); the connection is closed"), (status = 503, description = "The server is at a bound for now (bodies in progress past `--body-memory-mb`, no descriptor or memory for the database): try again after `Retry-After` seconds"))
)]
async fn queue_summary(Instance(world): Instance, _caller: Caller, _form: Form) -> Answer {
    match world.queue_summary().await {
        Ok(text) => Answer::Json(text),
        Err(e) => e.into(),
    }
}

/// `Supervisor/campaignstatus` with `queue` (empty: every campaign).
#[utoipa::path(
    post,
    path = "/Integra/resources/Supervisor/campaignstatus",
    tag = "Supervisor",
    request_body(content = super::forms::CampaignStatus, content_type = "application/x-www-form-urlencoded"),
    security(("basic" = [])),
    responses((status = 200, description = "Campaigns keyed by name (and members by interface)", content((serde_json::Value = "application/json"), (String = "text/plain"))), (status = 400, description = "A malformed instance name (JSON), or DispositionCall's catalog message (text)", content((String = "text/plain"), (serde_json::Value = "application/json"))), (status = 401, description = "No live token: `WWW-Authenticate: Basic realm=\"Integra\"`"), (status = 413, description = "The body is over the route's limit"), (status = 408, description = "The body came too slowly (`--body-timeout`, `--body-min-rate`); the connection is closed"), (status = 503, description = "The server is at a bound for now (bodies in progress past `--body-memory-mb`, no descriptor or memory for the database): try again after `Retry-After` seconds"))
)]
async fn campaign_status(Instance(world): Instance, _caller: Caller, form: Form) -> Answer {
    match world.campaign_status(&form.text("queue")).await {
        Ok(value) => Answer::json(&value),
        Err(e) => e.into(),
    }
}

/// `Supervisor/convert` with `guid` and `folder` (or `pasta`; empty: the root): `1` once an MP3 sits
/// beside the GSM recording, `0` when there is no such GSM.
#[utoipa::path(
    post,
    path = "/Integra/resources/Supervisor/convert",
    tag = "Supervisor",
    request_body(content = super::forms::Convert, content_type = "application/x-www-form-urlencoded"),
    security(("basic" = [])),
    responses((status = 200, description = "`1` when converted (or already), `0` when there is no such GSM", content_type = "text/plain", body = String), (status = 400, description = "A malformed instance name (JSON), or DispositionCall's catalog message (text)", content((String = "text/plain"), (serde_json::Value = "application/json"))), (status = 401, description = "No live token: `WWW-Authenticate: Basic realm=\"Integra\"`"), (status = 413, description = "The body is over the route's limit"), (status = 408, description = "The body came too slowly (`--body-timeout`, `--body-min-rate`); the connection is closed"), (status = 503, description = "The server is at a bound for now (bodies in progress past `--body-memory-mb`, no descriptor or memory for the database): try again after `Retry-After` seconds"))
)]
async fn convert(Instance(world): Instance, _caller: Caller, form: Form) -> Answer {
    Answer::done(world.convert(&form.text("guid"), form.get("folder"), form.get("pasta")).await)
}
