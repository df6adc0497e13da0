//! The instances themselves: `POST /_mock/reset` renews the request's instance from the fixtures,
//! `GET /_mock/instances` lists the live ones, `DELETE /_mock/instances/<name>` forgets one.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::error;
use crate::http::Instance;
use crate::instances::valid_name;
use crate::state::AppState;
use crate::world::catalog::Catalog;
use crate::world::fixtures::FixtureSet;

/// `POST /_mock/reset`: the request's instance starts over from its fixtures (200).
#[utoipa::path(
    post,
    path = "/_mock/reset",
    tag = "control",
    responses((status = 200, description = "The instance, renewed", content((serde_json::Value = "application/json"))), (status = 400, description = "A malformed instance name or body", content((serde_json::Value = "application/json"))), (status = 401, description = "--control-token is set and the Bearer token is missing or wrong", content((serde_json::Value = "application/json"))), (status = 500, description = "The instance could not be renewed", content((serde_json::Value = "application/json"))))
)]
pub async fn reset(State(state): State<AppState>, Instance(world): Instance) -> Response {
    let name = world.name().to_string();
    drop(world);
    match state.instances.reset(&name).await {
        Ok(world) => axum::Json(json!({"instance": name, "now": world.clock().stamp()})).into_response(),
        Err(e) => super::store_failure(&format!("instance {name} could not be renewed"), e),
    }
}

/// `GET /_mock/instances`: the live instances, by name.
///
/// Each row gives the instance's clock and what its journal keeps of the budget all share.
#[utoipa::path(
    get,
    path = "/_mock/instances",
    tag = "control",
    responses((status = 200, description = "The live instances", content((serde_json::Value = "application/json"))), (status = 401, description = "--control-token is set and the Bearer token is missing or wrong", content((serde_json::Value = "application/json"))))
)]
pub async fn list(State(state): State<AppState>) -> Response {
    let mut rows = Vec::new();
    for world in state.instances.all().await {
        rows.push(json!({
            "instance": world.name(),
            "now": world.clock().stamp(),
            "mode": world.clock().mode().to_string(),
            "journal": {"requests": world.journal().len(), "bytes": world.journal().bytes()},
        }));
    }
    axum::Json(rows).into_response()
}

/// `DELETE /_mock/instances/<name>`: forgets the instance and its data (404 when there is none:
/// not live, not on disk, not evicted lately).
#[utoipa::path(
    delete,
    path = "/_mock/instances/{name}",
    tag = "control",
    params(("name" = String, Path, description = "An instance name")),
    responses((status = 200, description = "Deleted", content((serde_json::Value = "application/json"))), (status = 400, description = "A malformed instance name or body", content((serde_json::Value = "application/json"))), (status = 401, description = "--control-token is set and the Bearer token is missing or wrong", content((serde_json::Value = "application/json"))), (status = 404, description = "No instance of that name (live, on disk or evicted lately)", content((serde_json::Value = "application/json"))))
)]
pub async fn delete(State(state): State<AppState>, Path(name): Path<String>) -> Response {
    let name = match valid_name(&name) {
        Ok(name) => name,
        Err(bad) => return error(StatusCode::BAD_REQUEST, bad.0),
    };
    if state.instances.delete(&name).await {
        axum::Json(json!({"deleted": name})).into_response()
    } else {
        error(StatusCode::NOT_FOUND, format!("no instance {name:?}"))
    }
}

/// The largest fixture body accepted.
pub const MAX_FIXTURES: usize = 4 * 1024 * 1024;

/// `POST /_mock/fixtures` with `{"world": {...world.json...}, "messages": {...}}` or `{"dir": "path"}`:
/// the request's instance starts over from that fixture set (and keeps it across resets).
#[utoipa::path(
    post,
    path = "/_mock/fixtures",
    tag = "control",
    request_body(content = serde_json::Value, content_type = "application/json"),
    responses((status = 200, description = "The instance, made from the fixture set", content((serde_json::Value = "application/json"))), (status = 400, description = "A malformed instance name or body", content((serde_json::Value = "application/json"))), (status = 401, description = "--control-token is set and the Bearer token is missing or wrong", content((serde_json::Value = "application/json"))), (status = 500, description = "The instance could not be made", content((serde_json::Value = "application/json"))))
)]
pub async fn load(
    State(state): State<AppState>,
    Instance(world): Instance,
    request: axum::extract::Request,
) -> Response {
    let name = world.name().to_string();
    drop(world);
    let Ok(body) = axum::body::to_bytes(request.into_body(), MAX_FIXTURES).await else {
        return error(StatusCode::BAD_REQUEST, format!("a fixture body may hold at most {MAX_FIXTURES} bytes"));
    };
    let fixtures = match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(serde_json::Value::Object(map)) => match (map.get("world"), map.get("dir")) {
            (Some(world), None) => {
                let catalog = match map.get("messages") {
                    None | Some(serde_json::Value::Null) => Ok(Catalog::embedded()),
                    Some(messages) => Catalog::parse(&messages.to_string()),
                };
                catalog.and_then(|catalog| FixtureSet::parse(&world.to_string(), catalog))
            }
            (None, Some(serde_json::Value::String(dir))) => FixtureSet::load_quietly(std::path::Path::new(dir)),
            _ => Err(r#"send {"world": {...}, "messages": {...}} or {"dir": "path"}"#.to_string()),
        },
        Ok(_) => Err("send a JSON object".to_string()),
        Err(e) => Err(format!("not JSON: {e}")),
    };
    let fixtures = match fixtures {
        Ok(f) => f,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    match state.instances.load(&name, fixtures).await {
        Ok(world) => axum::Json(json!({"instance": name, "campaigns": world.config().campaigns.len()})).into_response(),
        Err(e) => super::store_failure(&format!("instance {name} could not be made"), e),
    }
}
