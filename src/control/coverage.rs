//! `GET /_mock/coverage`: what clients' requests exercised of each route, server-wide or of one
//! instance (`?instance=`), as JSON, Markdown (`?format=md`) or JUnit XML (`?format=junit`);
//! `DELETE` forgets the counts (docs/contract.md, section 13).

use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::error;
use crate::coverage::Report;
use crate::state::AppState;

/// What the query string asks for: the instance, and the format.
fn options(query: Option<&str>) -> Result<(Option<String>, Format), String> {
    let (mut instance, mut format) = (None, Format::Json);
    for (key, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match &*key {
            "instance" => instance = Some(value.into_owned()),
            "format" => {
                format = match &*value {
                    "json" => Format::Json,
                    "md" | "markdown" => Format::Markdown,
                    "junit" | "xml" => Format::Junit,
                    other => {
                        return Err(format!("format {other:?}: give json, md or junit"));
                    }
                }
            }
            other => {
                return Err(format!("unknown parameter {other:?}: instance, format"));
            }
        }
    }
    Ok((instance, format))
}

/// How a report is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Markdown,
    Junit,
}

impl Format {
    /// The format a file name asks for: `.md` Markdown, `.xml` JUnit, else JSON.
    pub fn of_file(path: &std::path::Path) -> Self {
        match path.extension().and_then(|e| e.to_str()) {
            Some("md") => Self::Markdown,
            Some("xml") => Self::Junit,
            _ => Self::Json,
        }
    }

    /// The report written this way, and its content type.
    pub fn render(self, report: &Report) -> (String, &'static str) {
        match self {
            Self::Json => (serde_json::to_string_pretty(report).unwrap_or_default(), "application/json"),
            Self::Markdown => (report.markdown(), "text/markdown; charset=utf-8"),
            Self::Junit => (report.junit(), "application/xml"),
        }
    }
}

#[utoipa::path(
    get,
    path = "/_mock/coverage",
    tag = "control",
    params(
        ("instance" = Option<String>, Query, description = "Narrow the report to one instance"),
        ("format" = Option<String>, Query, description = "`json` (default), `md` or `junit`"),
    ),
    responses((status = 200, description = "The coverage report", content((serde_json::Value = "application/json"), (String = "text/markdown"), (String = "application/xml"))), (status = 400, description = "An unknown parameter or format", content((serde_json::Value = "application/json"))), (status = 401, description = "--control-token is set and the Bearer token is missing or wrong", content((serde_json::Value = "application/json"))))
)]
pub async fn report(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let (instance, format) = match options(query.as_deref()) {
        Ok(options) => options,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    let (body, content_type) = format.render(&state.coverage.report(instance.as_deref()));
    let mut response = body.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

#[utoipa::path(
    delete,
    path = "/_mock/coverage",
    tag = "control",
    params(("instance" = Option<String>, Query, description = "Forget only this instance's counts")),
    responses((status = 200, description = "Forgotten", content((serde_json::Value = "application/json"))), (status = 400, description = "An unknown parameter", content((serde_json::Value = "application/json"))), (status = 401, description = "--control-token is set and the Bearer token is missing or wrong", content((serde_json::Value = "application/json"))))
)]
pub async fn clear(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    match options(query.as_deref()) {
        Ok((instance, Format::Json)) => {
            state.coverage.clear(instance.as_deref());
            axum::Json(json!({"cleared": true})).into_response()
        }
        Ok(_) => error(StatusCode::BAD_REQUEST, "DELETE takes no format"),
        Err(message) => error(StatusCode::BAD_REQUEST, message),
    }
}
