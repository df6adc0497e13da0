//! Which instance a request names (docs/contract.md, "Instances"): its `X-Mock-Instance` header,
//! else the first label of its Host (`acme.localhost:8085` is `acme`), else `default`. Control
//! routes create the instance they name; Integra and recording routes only find it (see
//! [`crate::instances::Instances::existing`]).

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::control::error;
use crate::instances::{BadName, DEFAULT, valid_name};
use crate::state::AppState;
use crate::world::World;

/// The header that names a request's instance.
pub const INSTANCE_HEADER: axum::http::HeaderName = axum::http::HeaderName::from_static("x-mock-instance");

/// The instance a request names.
pub fn name_of(headers: &HeaderMap) -> Result<String, BadName> {
    match headers.get(INSTANCE_HEADER) {
        Some(value) => valid_name(value.to_str().map_err(|_| BadName("X-Mock-Instance is not text".into()))?),
        None => match headers.get(header::HOST).and_then(|h| h.to_str().ok()).and_then(host_label) {
            Some(label) => valid_name(&label),
            None => Ok(DEFAULT.into()),
        },
    }
}

/// The first label of a host with two or more labels that is neither an IP literal nor `localhost`.
fn host_label(host: &str) -> Option<String> {
    if host.starts_with('[') {
        return None; // an IPv6 literal
    }
    let host = host
        .rsplit_once(':')
        .map(|(h, port)| if port.bytes().all(|b| b.is_ascii_digit()) { h } else { host })
        .unwrap_or(host);
    if host.parse::<std::net::IpAddr>().is_ok() || host.eq_ignore_ascii_case("localhost") {
        return None;
    }
    let (first, rest) = host.split_once('.')?;
    (!rest.is_empty()).then(|| first.to_string())
}

/// The request's instance for the control routes behind it, created on first use.
pub async fn resolve(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    match world_for(&state, request.headers()).await {
        Ok(world) => {
            request.extensions_mut().insert(world);
            next.run(request).await
        }
        Err(refusal) => refusal,
    }
}

/// The request's instance for the recording routes behind it: one that does not exist has no
/// recordings, and is not made to find that out.
pub async fn resolve_existing(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    match find(&state, request.headers(), Opening::Existing).await {
        Ok(Found::World(world)) => {
            request.extensions_mut().insert(world);
            next.run(request).await
        }
        Ok(Found::Absent(name)) => {
            crate::http::answer::refusal(StatusCode::NOT_FOUND, &format!("there is no instance {name:?} yet"))
        }
        Err(refusal) => refusal,
    }
}

/// The request's instance without waiting, when that is possible: the one last used, with nothing
/// to settle (see [`World::settle`]). `None` sends the request through [`world_for`] or [`find`].
pub fn ready_world(state: &AppState, headers: &HeaderMap) -> Option<Arc<World>> {
    let world = state.instances.recent_named(&name_of(headers).ok()?)?;
    world.is_settled().then_some(world)
}

/// The instance a request with `headers` names, created if need be, opened and settled; or the
/// answer that refuses it.
pub async fn world_for(state: &AppState, headers: &HeaderMap) -> Result<Arc<World>, Response> {
    let name = name_of(headers).map_err(bad_name)?;
    let world = state.instances.get(&name).await.map_err(|e| not_opened(&name, e))?;
    world.settle().await;
    Ok(world)
}

/// What [`find`] found.
#[derive(Debug)]
pub enum Found {
    World(Arc<World>),
    /// The instance does not exist (and was not created).
    Absent(String),
}

/// Which instances [`find`] may open from the file an earlier run left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opening {
    /// Any that exists (a recording route; an Integra route when tokens are not checked).
    Existing,
    /// One whose token, sent with the request, is live in its file.
    WithToken,
    /// None: only a live instance is found (`auth/*`, whose handlers open one for good
    /// credentials or a live session, [`crate::instances::Instances::for_login`]).
    LiveOnly,
}

/// The instance a request with `headers` names if it exists, settled; or the answer that refuses
/// the request. An instance on disk counts as `opening` says.
pub async fn find(state: &AppState, headers: &HeaderMap, opening: Opening) -> Result<Found, Response> {
    let name = name_of(headers).map_err(bad_name)?;
    let existing = match opening {
        Opening::Existing => state.instances.existing(&name).await,
        Opening::WithToken => state.instances.existing_for_token(&name, super::caller::basic_token(headers)).await,
        Opening::LiveOnly => Ok(state.instances.live(&name).await),
    };
    match existing.map_err(|e| not_opened(&name, e))? {
        Some(world) => {
            world.settle().await;
            Ok(Found::World(world))
        }
        None => Ok(Found::Absent(name)),
    }
}

/// The 400 of a malformed instance name.
fn bad_name(BadName(reason): BadName) -> Response {
    let mut response = error(StatusCode::BAD_REQUEST, reason.clone());
    response.headers_mut().insert(crate::http::answer::REASON.clone(), crate::http::answer::reason_value(&reason));
    response
}

fn not_opened(name: &str, e: crate::store::StoreError) -> Response {
    crate::control::store_failure(&format!("instance {name} could not be opened"), e)
}

/// The request's instance, for handlers behind [`resolve`], [`resolve_existing`] or the Integra
/// layer.
#[derive(Debug, Clone)]
pub struct Instance(pub Arc<World>);

impl<S: Send + Sync> FromRequestParts<S> for Instance {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Arc<World>>() {
            Some(world) => Ok(Self(Arc::clone(world))),
            None => {
                Err(error(StatusCode::INTERNAL_SERVER_ERROR, "no instance was resolved for this route").into_response())
            }
        }
    }
}

/// The instance a login names when it does not exist (yet): the handler decides.
#[derive(Debug, Clone)]
pub struct Absent(pub String);

/// The request's instance for the logins: found, or absent (see [`Absent`]).
#[derive(Debug, Clone)]
pub enum Prospect {
    World(Arc<World>),
    Absent(String),
}

impl<S: Send + Sync> FromRequestParts<S> for Prospect {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Absent>() {
            Some(Absent(name)) => Ok(Self::Absent(name.clone())),
            None => Instance::from_request_parts(parts, state).await.map(|Instance(world)| Self::World(world)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn named(host: Option<&str>, header: Option<&str>) -> Result<String, BadName> {
        let mut headers = HeaderMap::new();
        if let Some(h) = host {
            headers.insert(header::HOST, HeaderValue::from_bytes(h.as_bytes()).unwrap());
        }
        if let Some(h) = header {
            headers.insert("x-mock-instance", HeaderValue::from_bytes(h.as_bytes()).unwrap());
        }
        name_of(&headers)
    }

    #[test]
    fn names_come_from_the_header_then_the_host() {
        assert_eq!(named(Some("acme.localhost:8085"), None), Ok("acme".into()));
        assert_eq!(named(Some("Acme.ucontactcloud.com"), None), Ok("acme".into()));
        assert_eq!(named(Some("acme.localhost:8085"), Some("Team-7")), Ok("team-7".into()));
        for host in ["localhost:8085", "localhost", "127.0.0.1:8085", "[::1]:8085", "mock", "10.0.0.1"] {
            assert_eq!(named(Some(host), None), Ok(DEFAULT.into()), "{host}");
        }
        assert_eq!(named(None, None), Ok(DEFAULT.into()));
    }

    #[test]
    fn bad_names_are_refused() {
        for bad in ["", "a_b", "a.b", &"x".repeat(64), "ñandú"] {
            assert!(named(None, Some(bad)).is_err(), "{bad}");
        }
        assert!(named(Some("a_b.localhost"), None).is_err());
    }
}
