//! The router: Integra routes, the control API, and the layers every request passes through.
//! `app(state)` is what the server serves and what tests drive.

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::middleware;
use tower_http::normalize_path::NormalizePath;
use tower_http::trace::TraceLayer;

use crate::state::AppState;
use crate::world::recordings::Host;
use crate::{control, http, routes};

/// What a listener serves: its path normalised first (a trailing slash trimmed, as JAX-RS, which
/// serves the vendor's routes, matches `queuesummary/` as `queuesummary`; leading slashes folded into one),
/// so CORS and the control token judge the path the router will route; then its router behind them.
pub type App = NormalizePath<http::cors::Cors<Router>>;

/// The main listener's router.
pub fn app(state: AppState) -> App {
    // The instance is resolved for known routes only: an unknown path is a 404 whatever its Host.
    let (integra, integra_docs) = routes::router(&state);
    let (control, control_docs) = control::router().split();
    let (health, health_docs) = control::health_router().split();
    let (records, records_docs) = routes::recordings::router(Host::Main);
    // Made the first time it is asked for, and kept.
    let api = Arc::new(OnceLock::new());
    let openapi = Router::new().route(
        "/openapi.json",
        axum::routing::get(move || async move {
            let api = api.get_or_init(|| {
                let mut api = routes::openapi(&integra_docs);
                for docs in [records_docs, control_docs, health_docs] {
                    api.merge(docs.openapi());
                }
                api
            });
            axum::Json(api.clone())
        }),
    );
    let router = Router::new()
        .merge(control.route_layer(middleware::from_fn_with_state(state.clone(), http::instance::resolve)))
        .merge(records.route_layer(middleware::from_fn_with_state(state.clone(), http::instance::resolve_existing)))
        .merge(integra)
        .merge(health)
        .merge(openapi)
        .merge(crate::web::router())
        .fallback(routes::not_found);
    NormalizePath::trim_trailing_slash(http::cors::Cors::new(state.clone(), traced(router).with_state(state)))
}

/// Request logs (`RUST_LOG=tower_http=debug`) when the log filter asks for them: the layer costs
/// every request something even when its events are filtered out. They log what reaches the router;
/// [`http::cors::Cors`] answers preflights and control-token refusals before it.
fn traced(router: Router<AppState>) -> Router<AppState> {
    if tracing::enabled!(target: "tower_http::trace", tracing::Level::DEBUG) {
        router.layer(TraceLayer::new_for_http())
    } else {
        router
    }
}

/// The backup recordings host's router: the backup store's `/records/...` and health.
pub fn backup_app(state: AppState) -> App {
    let router = Router::new()
        .merge(routes::recordings::router(Host::Backup).0)
        .route_layer(middleware::from_fn_with_state(state.clone(), http::instance::resolve_existing))
        .merge(control::health_router().split().0)
        .fallback(routes::not_found);
    NormalizePath::trim_trailing_slash(http::cors::Cors::new(state.clone(), traced(router).with_state(state)))
}
