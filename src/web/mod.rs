//! The pages (docs/design.md, "The pages"): the `/` dashboard and the `/portal` agent-portal emulator with
//! its example integrator page. Plain HTML, CSS and JavaScript embedded in the binary: no build
//! step, nothing fetched from a CDN. The pages read and act through the control API of the
//! instance their Host names (`http://acme.localhost:8085/` is instance `acme`).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::state::AppState;

/// porthole.js 1.0.0 as the npm package `porthole-proxy@0.0.1` carries it (byte-identical to the
/// CDN's); its two MIT licences are in `porthole.LICENSE` beside it.
pub const PORTHOLE: &[u8] = include_bytes!("assets/porthole.min.js");
const PORTHOLE_LICENSE: &str = include_str!("assets/porthole.LICENSE");

const DASHBOARD: &str = include_str!("assets/dashboard.html");
const PORTAL: &str = include_str!("assets/portal.html");
const EXAMPLE: &str = include_str!("assets/example.html");
const COVERAGE: &str = include_str!("assets/coverage.html");

/// `/assets/<file>`: the pages' style and scripts.
const ASSETS: [(&str, &str, &str); 5] = [
    ("style.css", "text/css; charset=utf-8", include_str!("assets/style.css")),
    ("ui.js", "text/javascript; charset=utf-8", include_str!("assets/ui.js")),
    ("dashboard.js", "text/javascript; charset=utf-8", include_str!("assets/dashboard.js")),
    ("portal.js", "text/javascript; charset=utf-8", include_str!("assets/portal.js")),
    ("coverage.js", "text/javascript; charset=utf-8", include_str!("assets/coverage.js")),
];

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard))
        .route("/assets/{file}", get(asset))
        .route("/portal", get(|| async { page(HTML, PORTAL) }))
        .route("/coverage", get(|| async { page(HTML, COVERAGE) }))
        .route("/portal/example", get(|| async { page(HTML, EXAMPLE) }))
        .route("/portal/porthole.min.js", get(|| async { page(JS, PORTHOLE) }))
        .route("/portal/porthole.LICENSE", get(|| async { page("text/plain; charset=utf-8", PORTHOLE_LICENSE) }))
}

/// An embedded file; pages are revalidated on each load so a new binary's pages are seen at once.
fn page(content_type: &'static str, body: impl Into<axum::body::Body>) -> Response {
    let mut response = Response::new(body.into());
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

async fn dashboard(State(state): State<AppState>) -> Response {
    page(HTML, DASHBOARD.replace("{{backup_port}}", &state.settings.backup_port.to_string()))
}

async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, body)) => page(content_type, *body),
        None => (StatusCode::NOT_FOUND, "").into_response(),
    }
}
