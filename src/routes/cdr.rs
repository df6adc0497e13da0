//! `Cdr/getrecords` (CONTRACT section 6): pages of CDRs by filter.

use axum::Router;
use axum::routing::post;

use crate::app::AppState;
use crate::http::{Answer, Caller, Form};
use crate::instances::Instance;
use crate::world::cdr::{CdrFilter, Page};

pub fn router() -> Router<AppState> {
    Router::new().route("/Integra/resources/Cdr/getrecords", post(get_records))
}

/// `Cdr/getrecords`: a JSON array of CDRs (`[]` when none), `0` for a malformed filter or page.
async fn get_records(Instance(world): Instance, _caller: Caller, form: Form) -> Answer {
    let result = async {
        let page = Page::parse(form.get("lastrow"), form.get("searchLimit"))?;
        let filter = CdrFilter::parse(form.get("filter"))?;
        world.records(&filter, page).await
    }
    .await;
    match result {
        Ok(rows) => Answer::json(&rows),
        Err(e) => e.into(),
    }
}
