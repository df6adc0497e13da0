//! The vendor's routes under `/Integra/resources/`, one module per path segment. A handler parses the
//! vendor's form, calls the world, and answers in the vendor's format; it holds no rules of its own.
//! Check order (CONTRACT section 1): unknown path 404, other method 405, no live token 401, then the
//! route's own validation.

pub mod agents;
pub mod auth;
pub mod blacklist;
pub mod cdr;
pub mod dialers;
pub mod dispositions;
pub mod supervisor;

use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;

use crate::app::AppState;
use crate::http::answer::refusal;

/// The base path of every Integra route.
pub const BASE: &str = "/Integra/resources";

/// Every Integra route, with the vendor's 404 and 405 answers around them.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(auth::router())
        .merge(agents::router())
        .merge(supervisor::router())
        .merge(dispositions::router())
        .merge(blacklist::router())
        .merge(cdr::router())
        .merge(dialers::router())
        .method_not_allowed_fallback(method_not_allowed)
}

async fn method_not_allowed() -> Response {
    refusal(StatusCode::METHOD_NOT_ALLOWED, "Integra routes answer POST only")
}

/// The answer to a path no route knows.
pub async fn not_found() -> Response {
    refusal(StatusCode::NOT_FOUND, "no such route (paths are case-sensitive)")
}
