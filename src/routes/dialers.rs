//! `Dialers/*` (CONTRACT section 7): what the dialer will call. `1` when filed, `0` when refused.

use axum::Router;
use axum::routing::post;

use crate::app::AppState;
use crate::http::{Answer, BigForm, Caller, Form};
use crate::instances::Instance;
use crate::world::error::Failure;
use crate::world::upload::UploadRequest;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/Integra/resources/Dialers/Respool", post(respool))
        .route("/Integra/resources/Dialers/ScheduleDialerCall", post(schedule_dialer_call))
        .route("/Integra/resources/Dialers/DialerTask", post(dialer_task))
        .route("/Integra/resources/Dialers/RemoveContact", post(remove_contact))
        .route("/Integra/resources/Dialers/RemoveScheduleDialerCall", post(remove_schedule))
        .route("/Integra/resources/Dialers/uploadbase", post(upload_base))
        .route("/Integra/resources/Dialers/uploadbasewithtimezone", post(upload_base_with_timezone))
}

/// A required JSON parameter, as text.
fn param<'a>(form: &'a Form, name: &str) -> Result<&'a str, Failure> {
    form.get(name).filter(|v| !v.is_empty()).ok_or_else(|| Failure::Refused(format!("{name} is required")))
}

/// `Dialers/Respool` with `callspool`.
async fn respool(Instance(world): Instance, _caller: Caller, form: Form) -> Answer {
    Answer::done(async { world.respool(param(&form, "callspool")?).await }.await)
}

/// `Dialers/ScheduleDialerCall` with `callschedule`.
async fn schedule_dialer_call(Instance(world): Instance, _caller: Caller, form: Form) -> Answer {
    Answer::done(async { world.schedule_call(param(&form, "callschedule")?).await }.await)
}

/// `Dialers/DialerTask` with `call`.
async fn dialer_task(Instance(world): Instance, _caller: Caller, form: Form) -> Answer {
    Answer::done(async { world.dialer_task(param(&form, "call")?).await }.await)
}

/// `Dialers/RemoveContact` with `campaign`, `number`.
async fn remove_contact(Instance(world): Instance, _caller: Caller, form: Form) -> Answer {
    Answer::done(world.remove_contact(&form.text("campaign"), &form.text("number")).await)
}

/// `Dialers/RemoveScheduleDialerCall` with `campaign`, `destination`, `from`, `to`.
async fn remove_schedule(Instance(world): Instance, _caller: Caller, form: Form) -> Answer {
    let world = &world;
    Answer::done(
        world
            .remove_schedules(&form.text("campaign"), &form.text("destination"), &form.text("from"), &form.text("to"))
            .await,
    )
}

/// `Dialers/uploadbase`: `1` once the request is sound; the file is parsed afterwards.
async fn upload_base(Instance(world): Instance, caller: Caller, form: BigForm) -> Answer {
    Answer::done(world.clone().upload_base(upload_request(&form, caller, None)).await)
}

/// `Dialers/uploadbasewithtimezone`: the same, with the records' IANA `timezone`.
async fn upload_base_with_timezone(Instance(world): Instance, caller: Caller, form: BigForm) -> Answer {
    let request = upload_request(&form, caller, Some(form.text("timezone")));
    Answer::done(world.clone().upload_base(request).await)
}

fn upload_request(form: &BigForm, caller: Caller, timezone: Option<String>) -> UploadRequest {
    UploadRequest {
        filename: form.text("filename"),
        fileb64: form.text("fileb64"),
        campaign: form.text("campaign"),
        cant: form.get("cant").map(str::to_string),
        username: form
            .get("username")
            .filter(|u| !u.is_empty())
            .map(str::to_string)
            .or(caller.user)
            .unwrap_or_default(),
        timezone,
    }
}
