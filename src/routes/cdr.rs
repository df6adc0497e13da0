//! `Cdr/getrecords` (docs/contract.md, section 6): pages of CDRs by filter.

use crate::coverage::Branch::{EmptyList, Json, Zero};
use crate::http::routes::{Routes, route};
use crate::model::why::Why::*;

use crate::http::Instance;
use crate::http::{Answer, Caller, Form};
use crate::model::cdr::{CdrFilter, Page};

pub fn router() -> Routes {
    Routes::new().route(route!(get_records).answers(&[
        Json,
        EmptyList,
        Zero(BadValue),
        Zero(NotJson),
        Zero(JsonShape),
        Zero(BadDate),
    ]))
}

/// `Cdr/getrecords`: a JSON array of CDRs (`[]` when none), `0` for a malformed filter or page.
#[utoipa::path(
    post,
    path = "/Integra/resources/Cdr/getrecords",
    tag = "Cdr",
    request_body(content = super::forms::Records, content_type = "application/x-www-form-urlencoded"),
    security(("basic" = [])),
    responses((status = 200, description = "A JSON array of CDRs, or `0` as text", content((serde_json::Value = "application/json"), (String = "text/plain"))), (status = 400, description = "A malformed instance name (JSON), or DispositionCall's catalog message (text)", content((String = "text/plain"), (serde_json::Value = "application/json"))), (status = 401, description = "No live token: `WWW-Authenticate: Basic realm=\"Integra\"`"), (status = 413, description = "The body is over the route's limit"), (status = 408, description = "The body came too slowly (`--body-timeout`, `--body-min-rate`); the connection is closed"), (status = 503, description = "The server is at a bound for now (bodies in progress past `--body-memory-mb`, no descriptor or memory for the database): try again after `Retry-After` seconds"))
)]
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
