//! `api/DispositionCall` (CONTRACT section 4): HTTP 400 with the catalog's words on bad input,
//! `{"Result":"ok","txtcode":...}` when recorded.

use axum::Router;
use axum::routing::post;
use serde_json::json;

use crate::app::AppState;
use crate::http::{Answer, Caller, Form};
use crate::instances::Instance;
use crate::world::dispositions::DispositionRequest;

pub fn router() -> Router<AppState> {
    Router::new().route("/Integra/resources/api/DispositionCall", post(disposition_call))
}

/// `api/DispositionCall`.
async fn disposition_call(Instance(world): Instance, _caller: Caller, form: Form) -> Answer {
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
        Ok(txtcode) => Answer::json(&json!({"Result": "ok", "txtcode": txtcode})),
        Err(e) => e.into(),
    }
}
