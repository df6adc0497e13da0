//! `Supervisor/*` (CONTRACT section 8): the campaigns' live numbers, computed by the engine.

use axum::Router;
use axum::routing::post;

use crate::app::AppState;
use crate::http::{Answer, Caller, Form};
use crate::instances::Instance;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/Integra/resources/Supervisor/queuesummary", post(queue_summary))
        .route("/Integra/resources/Supervisor/campaignstatus", post(campaign_status))
}

/// `Supervisor/queuesummary`: one object per campaign and the closing object.
async fn queue_summary(Instance(world): Instance, _caller: Caller, _form: Form) -> Answer {
    match world.queue_summary().await {
        Ok(value) => Answer::json(&value),
        Err(e) => e.into(),
    }
}

/// `Supervisor/campaignstatus` with `queue` (empty: every campaign).
async fn campaign_status(Instance(world): Instance, _caller: Caller, form: Form) -> Answer {
    match world.campaign_status(&form.text("queue")).await {
        Ok(value) => Answer::json(&value),
        Err(e) => e.into(),
    }
}
