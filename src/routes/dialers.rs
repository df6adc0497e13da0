//! `Dialers/*` (docs/contract.md, section 7): what the dialer will call. `1` when filed, `0` when refused.

use axum::extract::State;

use crate::coverage::Branch::{One, Zero};
use crate::http::routes::{Routes, route};
use crate::model::why::Why::*;

use crate::http::Instance;
use crate::http::{Answer, BigForm, Caller, Form};
use crate::state::AppState;
use crate::world::uploads::{OnParsed, Tally, UploadRequest};

pub fn router() -> Routes {
    Routes::new()
        .route(route!(respool).answers(&[
            One,
            Zero(MissingField),
            Zero(NotJson),
            Zero(JsonShape),
            Zero(BadValue),
            Zero(UnknownCampaign),
            Zero(UnknownAgent),
        ]))
        .route(route!(schedule_dialer_call).answers(&[
            One,
            Zero(MissingField),
            Zero(NotJson),
            Zero(JsonShape),
            Zero(BadValue),
            Zero(BadDate),
            Zero(UnknownCampaign),
            Zero(UnknownAgent),
        ]))
        .route(route!(dialer_task).answers(&[
            One,
            Zero(MissingField),
            Zero(NotJson),
            Zero(JsonShape),
            Zero(BadValue),
            Zero(BadDate),
            Zero(UnknownCampaign),
            Zero(UnknownAgent),
            Zero(NeedsAgent),
        ]))
        .route(route!(remove_contact).answers(&[One, Zero(MissingField), Zero(UnknownCampaign)]))
        .route(route!(remove_schedule).answers(&[
            One,
            Zero(MissingField),
            Zero(BadDate),
            Zero(DatesReversed),
            Zero(UnknownCampaign),
        ]))
        .route(
            route!(upload_base)
                .answers(&[One, Zero(MissingField), Zero(UnknownCampaign), Zero(NotBase64)])
                .dimensions(&UPLOADED),
        )
        .route(
            route!(upload_base_with_timezone)
                .answers(&[One, Zero(MissingField), Zero(UnknownCampaign), Zero(UnknownTimezone), Zero(NotBase64)])
                .dimensions(&UPLOADED),
        )
}

/// What an upload's file held, as the coverage report's dimensions, counted by record once the
/// file is parsed: accepted records by their alternatives, then rejected lines by reason, in the
/// order of [`Tally`]'s counts.
const UPLOADED: [&str; 10] = [
    "alternatives:none",
    "alternatives:plain",
    "alternatives:typed",
    "rejected:not-utf8",
    "rejected:too-many-fields",
    "rejected:too-few-fields",
    "rejected:other-campaign",
    "rejected:no-main-number",
    "rejected:bad-priority",
    "rejected:unknown-agent-phone",
];

/// Counts what the upload's file held in the coverage report of the instance, once parsed.
fn count_parsed(state: AppState, instance: String, route: String) -> OnParsed {
    Box::new(move |tally: &Tally| {
        let counts = tally.alternatives.iter().chain(&tally.rejected);
        let facets: Vec<(&'static str, u64)> = UPLOADED.iter().copied().zip(counts.copied()).collect();
        state.coverage.count_facets(&instance, &route, &facets);
    })
}

/// `Dialers/Respool` with `callspool`.
#[utoipa::path(
    post,
    path = "/Integra/resources/Dialers/Respool",
    tag = "Dialers",
    request_body(content = super::forms::Respool, content_type = "application/x-www-form-urlencoded"),
    security(("basic" = [])),
    responses((status = 200, description = "`1`, or `0`", content_type = "text/plain", body = String), (status = 400, description = "A malformed instance name (JSON), or DispositionCall's catalog message (text)", content((String = "text/plain"), (serde_json::Value = "application/json"))), (status = 401, description = "No live token: `WWW-Authenticate: Basic realm=\"Integra\"`"), (status = 413, description = "The body is over the route's limit"), (status = 408, description = "The body came too slowly (`--body-timeout`, `--body-min-rate`); the connection is closed"), (status = 503, description = "The server is at a bound for now (bodies in progress past `--body-memory-mb`, no descriptor or memory for the database): try again after `Retry-After` seconds"))
)]
async fn respool(Instance(world): Instance, _caller: Caller, form: Form) -> Answer {
    Answer::done(world.respool(form.get("callspool")).await)
}

/// `Dialers/ScheduleDialerCall` with `callschedule`.
#[utoipa::path(
    post,
    path = "/Integra/resources/Dialers/ScheduleDialerCall",
    tag = "Dialers",
    request_body(content = super::forms::Schedule, content_type = "application/x-www-form-urlencoded"),
    security(("basic" = [])),
    responses((status = 200, description = "`1`, or `0`", content_type = "text/plain", body = String), (status = 400, description = "A malformed instance name (JSON), or DispositionCall's catalog message (text)", content((String = "text/plain"), (serde_json::Value = "application/json"))), (status = 401, description = "No live token: `WWW-Authenticate: Basic realm=\"Integra\"`"), (status = 413, description = "The body is over the route's limit"), (status = 408, description = "The body came too slowly (`--body-timeout`, `--body-min-rate`); the connection is closed"), (status = 503, description = "The server is at a bound for now (bodies in progress past `--body-memory-mb`, no descriptor or memory for the database): try again after `Retry-After` seconds"))
)]
async fn schedule_dialer_call(Instance(world): Instance, _caller: Caller, form: Form) -> Answer {
    Answer::done(world.schedule_call(form.get("callschedule")).await)
}

/// `Dialers/DialerTask` with `call`.
#[utoipa::path(
    post,
    path = "/Integra/resources/Dialers/DialerTask",
    tag = "Dialers",
    request_body(content = super::forms::Task, content_type = "application/x-www-form-urlencoded"),
    security(("basic" = [])),
    responses((status = 200, description = "`1`, or `0`", content_type = "text/plain", body = String), (status = 400, description = "A malformed instance name (JSON), or DispositionCall's catalog message (text)", content((String = "text/plain"), (serde_json::Value = "application/json"))), (status = 401, description = "No live token: `WWW-Authenticate: Basic realm=\"Integra\"`"), (status = 413, description = "The body is over the route's limit"), (status = 408, description = "The body came too slowly (`--body-timeout`, `--body-min-rate`); the connection is closed"), (status = 503, description = "The server is at a bound for now (bodies in progress past `--body-memory-mb`, no descriptor or memory for the database): try again after `Retry-After` seconds"))
)]
async fn dialer_task(Instance(world): Instance, _caller: Caller, form: Form) -> Answer {
    Answer::done(world.dialer_task(form.get("call")).await)
}

/// `Dialers/RemoveContact` with `campaign`, `number`.
#[utoipa::path(
    post,
    path = "/Integra/resources/Dialers/RemoveContact",
    tag = "Dialers",
    request_body(content = super::forms::RemoveContact, content_type = "application/x-www-form-urlencoded"),
    security(("basic" = [])),
    responses((status = 200, description = "`1`, or `0`", content_type = "text/plain", body = String), (status = 400, description = "A malformed instance name (JSON), or DispositionCall's catalog message (text)", content((String = "text/plain"), (serde_json::Value = "application/json"))), (status = 401, description = "No live token: `WWW-Authenticate: Basic realm=\"Integra\"`"), (status = 413, description = "The body is over the route's limit"), (status = 408, description = "The body came too slowly (`--body-timeout`, `--body-min-rate`); the connection is closed"), (status = 503, description = "The server is at a bound for now (bodies in progress past `--body-memory-mb`, no descriptor or memory for the database): try again after `Retry-After` seconds"))
)]
async fn remove_contact(Instance(world): Instance, _caller: Caller, form: Form) -> Answer {
    Answer::done(world.remove_contact(&form.text("campaign"), &form.text("number")).await)
}

/// `Dialers/RemoveScheduleDialerCall` with `campaign`, `destination`, `from`, `to`.
#[utoipa::path(
    post,
    path = "/Integra/resources/Dialers/RemoveScheduleDialerCall",
    tag = "Dialers",
    request_body(content = super::forms::RemoveSchedule, content_type = "application/x-www-form-urlencoded"),
    security(("basic" = [])),
    responses((status = 200, description = "`1`, or `0`", content_type = "text/plain", body = String), (status = 400, description = "A malformed instance name (JSON), or DispositionCall's catalog message (text)", content((String = "text/plain"), (serde_json::Value = "application/json"))), (status = 401, description = "No live token: `WWW-Authenticate: Basic realm=\"Integra\"`"), (status = 413, description = "The body is over the route's limit"), (status = 408, description = "The body came too slowly (`--body-timeout`, `--body-min-rate`); the connection is closed"), (status = 503, description = "The server is at a bound for now (bodies in progress past `--body-memory-mb`, no descriptor or memory for the database): try again after `Retry-After` seconds"))
)]
async fn remove_schedule(Instance(world): Instance, _caller: Caller, form: Form) -> Answer {
    let world = &world;
    Answer::done(
        world
            .remove_schedules(&form.text("campaign"), &form.text("destination"), &form.text("from"), &form.text("to"))
            .await,
    )
}

/// `Dialers/uploadbase`: `1` once the request is sound; the file is parsed afterwards.
#[utoipa::path(
    post,
    path = "/Integra/resources/Dialers/uploadbase",
    tag = "Dialers",
    request_body(content = super::forms::Upload, content_type = "application/x-www-form-urlencoded"),
    security(("basic" = [])),
    responses((status = 200, description = "`1`, or `0`", content_type = "text/plain", body = String), (status = 400, description = "A malformed instance name (JSON), or DispositionCall's catalog message (text)", content((String = "text/plain"), (serde_json::Value = "application/json"))), (status = 401, description = "No live token: `WWW-Authenticate: Basic realm=\"Integra\"`"), (status = 413, description = "The body is over the route's limit"), (status = 408, description = "The body came too slowly (`--body-timeout`, `--body-min-rate`); the connection is closed"), (status = 503, description = "The server is at a bound for now (bodies in progress past `--body-memory-mb`, no descriptor or memory for the database): try again after `Retry-After` seconds"))
)]
async fn upload_base(
    State(state): State<AppState>,
    Instance(world): Instance,
    caller: Caller,
    form: BigForm,
) -> Answer {
    let mut request = upload_request(&form, caller, None);
    let route = <__path_upload_base as utoipa::Path>::path();
    request.on_parsed = Some(count_parsed(state, world.name().to_string(), route));
    Answer::done(world.clone().upload_base(request).await)
}

/// `Dialers/uploadbasewithtimezone`: the same, with the records' IANA `timezone`.
#[utoipa::path(
    post,
    path = "/Integra/resources/Dialers/uploadbasewithtimezone",
    tag = "Dialers",
    request_body(content = super::forms::UploadWithTimezone, content_type = "application/x-www-form-urlencoded"),
    security(("basic" = [])),
    responses((status = 200, description = "`1`, or `0`", content_type = "text/plain", body = String), (status = 400, description = "A malformed instance name (JSON), or DispositionCall's catalog message (text)", content((String = "text/plain"), (serde_json::Value = "application/json"))), (status = 401, description = "No live token: `WWW-Authenticate: Basic realm=\"Integra\"`"), (status = 413, description = "The body is over the route's limit"), (status = 408, description = "The body came too slowly (`--body-timeout`, `--body-min-rate`); the connection is closed"), (status = 503, description = "The server is at a bound for now (bodies in progress past `--body-memory-mb`, no descriptor or memory for the database): try again after `Retry-After` seconds"))
)]
async fn upload_base_with_timezone(
    State(state): State<AppState>,
    Instance(world): Instance,
    caller: Caller,
    form: BigForm,
) -> Answer {
    let mut request = upload_request(&form, caller, Some(form.text("timezone")));
    let route = <__path_upload_base_with_timezone as utoipa::Path>::path();
    request.on_parsed = Some(count_parsed(state, world.name().to_string(), route));
    Answer::done(world.clone().upload_base(request).await)
}

fn upload_request(form: &BigForm, caller: Caller, timezone: Option<String>) -> UploadRequest<'_> {
    UploadRequest {
        filename: form.text("filename"),
        fileb64: form.sent("fileb64").unwrap_or_default(),
        campaign: form.text("campaign"),
        cant: form.get("cant").map(str::to_string),
        username: form.get("username").map(str::to_string),
        token_user: caller.user,
        timezone,
        on_parsed: None,
    }
}

#[cfg(test)]
mod tests {
    use crate::world::base_file::REJECTIONS;

    #[test]
    fn the_upload_dimensions_follow_the_tally() {
        assert_eq!(super::UPLOADED.len(), 3 + REJECTIONS.len());
        for (i, reason) in REJECTIONS.iter().enumerate() {
            assert_eq!(super::UPLOADED[3 + i], format!("rejected:{reason}"));
        }
    }
}
