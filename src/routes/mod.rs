//! The vendor's routes under `/Integra/resources/`, one module per path segment. A handler parses the
//! vendor's form, calls the world, and answers in the vendor's format; it holds no rules of its own.
//! Check order (docs/contract.md, section 1): unknown path 404, other method 405, no live token 401, then the
//! route's own validation.

pub mod agents;
pub mod auth;
pub mod blacklist;
pub mod cdr;
pub mod dialers;
pub mod dispositions;
mod forms;
pub mod recordings;
pub mod supervisor;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};

use crate::coverage::{Branch, GUARDED};
use crate::http::answer::refusal;
use crate::http::integra::IntegraLayer;
use crate::http::routes::{Docs, Routes};
use crate::state::AppState;

/// The base path of every Integra route.
pub const BASE: &str = "/Integra/resources";

/// Every Integra route with the vendor's 405 answer, and what describes them: both come from the
/// handlers' own declarations, so they cannot drift apart (the logins first, as the vendor's page
/// lists them).
pub fn router(state: &AppState) -> (Router<AppState>, [Docs; 2]) {
    let logins = auth::router();
    let guarded = Routes::new()
        .merge(agents::router())
        .merge(supervisor::router())
        .merge(dispositions::router())
        .merge(blacklist::router())
        .merge(cdr::router())
        .merge(dialers::router());
    let mut declared = logins.declared(&[Branch::TooLarge]);
    declared.extend(guarded.declared(&GUARDED));
    declared.extend(recordings::declared());
    declared.push(crate::control::portal::declared());
    state.coverage.declare(declared);
    let (logins, logins_docs) = logins.split();
    let logins = logins.route_layer(IntegraLayer::public(state.clone()));
    let (router, docs) = guarded.split();
    let router = router.route_layer(IntegraLayer::guarded(state.clone())).merge(logins);
    (router.method_not_allowed_fallback(method_not_allowed), [logins_docs, docs])
}

/// The OpenAPI document of the Integra routes, from what [`router`] gave.
pub fn openapi([logins, routes]: &[Docs; 2]) -> OpenApi {
    let mut api = logins.openapi().merge_from(routes.openapi());
    api.info.title = "uContact Integra (ucontact-mock)".into();
    api.info.description = Some("The Integra telephony API as ucontact-mock answers it; see docs/contract.md.".into());
    let components = api.components.get_or_insert_with(Default::default);
    components.add_security_scheme("basic", SecurityScheme::Http(Http::new(HttpAuthScheme::Basic)));
    api
}

/// The vendor's 405, linted `wrong-method` (docs/contract.md, section 13).
async fn method_not_allowed(State(state): State<AppState>, request: Request) -> Response {
    let answer = refusal(StatusCode::METHOD_NOT_ALLOWED, "Integra routes answer POST only");
    crate::http::integra::wrong_method(&state, request, answer).await
}

/// The answer to a path no route knows.
pub async fn not_found() -> Response {
    refusal(StatusCode::NOT_FOUND, "no such route (paths are case-sensitive)")
}
