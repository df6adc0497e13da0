//! `Cdr/getrecords` (docs/contract.md, section 6): pages of CDRs by filter.

use axum::Extension;
use axum::response::{IntoResponse, Response};

use crate::coverage::Branch::{EmptyList, Json, Zero};
use crate::coverage::Facets;
use crate::http::routes::{Routes, route};
use crate::model::why::Why::*;

use crate::http::Instance;
use crate::http::{Answer, Caller, Form};
use crate::model::cdr::{CdrFilter, Page};

pub fn router() -> Routes {
    Routes::new().route(
        route!(get_records)
            .answers(&[Json, EmptyList, Zero(BadValue), Zero(NotJson), Zero(JsonShape), Zero(BadDate)])
            .dimensions(&DIMENSIONS),
    )
}

/// The filters and the paging a request used, as the coverage report's dimensions.
const DIMENSIONS: [&str; 16] = [
    "page:first",
    "page:later",
    "page:limit",
    "filter:calldatei",
    "filter:calldatef",
    "filter:agent",
    "filter:campaign",
    "filter:source",
    "filter:destination",
    "filter:data",
    "filter:range",
    "filter:rating",
    "filter:mindur",
    "filter:exclude",
    "filter:type",
    "filter:cont",
];

fn facets(filter: &CdrFilter, page: &Page, limited: bool) -> Facets {
    let used = [
        true,
        page.offset > 0,
        limited,
        filter.from.is_some(),
        filter.to.is_some(),
        filter.agent.is_some(),
        filter.campaign.is_some(),
        filter.source.is_some(),
        filter.destination.is_some(),
        filter.data.is_some(),
        filter.range.is_some(),
        filter.rating.is_some(),
        filter.mindur.is_some(),
        filter.exclude.is_some(),
        filter.kind.is_some(),
        filter.cont.is_some(),
    ];
    let mut facets: Vec<&'static str> =
        DIMENSIONS.iter().zip(used).filter(|(_, used)| *used).map(|(d, _)| *d).collect();
    if page.offset > 0 {
        facets.retain(|f| *f != "page:first");
    }
    Facets(facets)
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
async fn get_records(Instance(world): Instance, _caller: Caller, form: Form) -> Response {
    let limited = form.get("searchLimit").is_some_and(|l| !l.trim().is_empty());
    let result = async {
        let page = Page::parse(form.get("lastrow"), form.get("searchLimit"))?;
        let filter = CdrFilter::parse(form.get("filter"))?;
        let used = facets(&filter, &page, limited);
        Ok::<_, crate::world::error::Failure>((world.records(&filter, page).await?, used))
    }
    .await;
    match result {
        Ok((rows, used)) => (Extension(used), Answer::json(&rows)).into_response(),
        Err(e) => Answer::from(e).into_response(),
    }
}
