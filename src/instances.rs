//! Isolated instances (CONTRACT section 11, DESIGN "Instances"): a request's instance is its
//! `X-Mock-Instance` header, else the first label of its Host (`acme.localhost:8085` is `acme`), else
//! `default`. Each instance is a whole world of its own (database, clock, seed, engine, tokens),
//! created from the fixtures on first use; the least recently used idle ones are evicted past
//! `--max-instances`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Mutex;

use crate::app::AppState;
use crate::control::error;
use crate::store::{Location, StoreError};
use crate::world::fixtures::FixtureSet;
use crate::world::{World, WorldOptions};

/// The name every request without another gets.
pub const DEFAULT: &str = "default";

/// Every live instance, and how to make a new one.
#[derive(Debug)]
pub struct Instances {
    /// The options of `default`; other instances differ in name and database.
    template: WorldOptions,
    max: usize,
    live: Mutex<Live>,
    /// A fresh world's database, made once: new instances start as copies of it (milliseconds,
    /// where loading the fixtures takes tens).
    image: tokio::sync::OnceCell<Vec<u8>>,
    /// The most recently used instance: a request for it needs no async lock (most servers see
    /// one instance, and a burst of requests usually goes to the same one).
    recent: std::sync::Mutex<Option<(String, Arc<World>)>>,
}

#[derive(Debug, Default)]
struct Live {
    worlds: HashMap<String, Arc<World>>,
    /// Instances given fixtures of their own (`POST /_mock/fixtures`); reset keeps them.
    fixtures: HashMap<String, FixtureSet>,
    /// Names, least recently used first.
    recency: Vec<String>,
}

impl Instances {
    pub fn new(template: WorldOptions, max: usize) -> Self {
        Self {
            template,
            max: max.max(1),
            live: Mutex::new(Live::default()),
            image: tokio::sync::OnceCell::new(),
            recent: std::sync::Mutex::new(None),
        }
    }

    /// The instance `name`, created from the fixtures when it does not exist yet.
    pub async fn get(&self, name: &str) -> Result<Arc<World>, StoreError> {
        match self.recent_named(name) {
            Some(world) => Ok(world),
            None => self.get_slow(name).await,
        }
    }

    /// Instance `name` if it is the one last used (found without the async lock).
    pub fn recent_named(&self, name: &str) -> Option<Arc<World>> {
        match &*self.recent() {
            Some((recent, world)) if recent == name => Some(Arc::clone(world)),
            _ => None,
        }
    }

    fn recent(&self) -> std::sync::MutexGuard<'_, Option<(String, Arc<World>)>> {
        self.recent.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Forgets the most recent instance if it is `name` (it is being removed).
    fn forget_recent(&self, name: &str) {
        let mut recent = self.recent();
        if recent.as_ref().is_some_and(|(n, _)| n == name) {
            *recent = None;
        }
    }

    async fn get_slow(&self, name: &str) -> Result<Arc<World>, StoreError> {
        let mut live = self.live.lock().await;
        if live.recency.last().is_none_or(|n| n != name) {
            live.recency.retain(|n| n != name);
            live.recency.push(name.to_string());
        }
        if let Some(world) = live.worlds.get(name) {
            // Set under the lock, so a removal cannot slip in between.
            *self.recent() = Some((name.to_string(), Arc::clone(world)));
            return Ok(Arc::clone(world));
        }
        while live.worlds.len() >= self.max {
            let Some(oldest) =
                live.recency.iter().find(|n| *n != name && *n != DEFAULT && live.worlds.contains_key(*n)).cloned()
            else {
                break;
            };
            live.recency.retain(|n| *n != oldest);
            live.worlds.remove(&oldest);
            self.forget_recent(&oldest);
        }
        let mut options = self.options(name);
        let fresh = match &options.location {
            Location::Memory => true,
            Location::File(path) => !path.exists(),
        };
        let own = live.fixtures.get(name).cloned();
        let image = match own {
            Some(fixtures) => {
                options.fixtures = fixtures;
                None
            }
            None if fresh => Some(self.image.get_or_try_init(|| World::fresh_image(&self.template)).await?),
            None => None,
        };
        let world = Arc::new(World::open_from(options, image.map(Vec::as_slice)).await?);
        live.worlds.insert(name.to_string(), Arc::clone(&world));
        *self.recent() = Some((name.to_string(), Arc::clone(&world)));
        Ok(world)
    }

    /// Forgets instance `name`, its data and its own fixtures; it comes back fresh from the server's
    /// fixtures on next use. Answers whether it existed.
    pub async fn delete(&self, name: &str) -> bool {
        self.live.lock().await.fixtures.remove(name);
        self.drop_data(name).await
    }

    async fn drop_data(&self, name: &str) -> bool {
        let mut live = self.live.lock().await;
        live.recency.retain(|n| n != name);
        let existed = live.worlds.remove(name).is_some();
        self.forget_recent(name);
        if let Location::File(path) = self.options(name).location {
            for suffix in ["", "-wal", "-shm"] {
                let mut file = path.clone().into_os_string();
                file.push(suffix);
                let _ = std::fs::remove_file(file);
            }
        }
        existed
    }

    /// Replaces instance `name` with a fresh world from the fixtures.
    pub async fn reset(&self, name: &str) -> Result<Arc<World>, StoreError> {
        self.drop_data(name).await;
        self.get(name).await
    }

    /// Replaces instance `name` with a fresh world made from `fixtures` (kept across resets).
    pub async fn load(&self, name: &str, fixtures: FixtureSet) -> Result<Arc<World>, StoreError> {
        self.live.lock().await.fixtures.insert(name.to_string(), fixtures);
        match self.reset(name).await {
            Ok(world) => Ok(world),
            Err(e) => {
                // Fixtures that cannot make a world are forgotten: the instance stays usable.
                self.delete(name).await;
                Err(e)
            }
        }
    }

    /// Is instance `name` live (created and not evicted)?
    pub async fn is_live(&self, name: &str) -> bool {
        self.live.lock().await.worlds.contains_key(name)
    }

    /// Every live instance, by name.
    pub async fn all(&self) -> Vec<Arc<World>> {
        let live = self.live.lock().await;
        let mut worlds: Vec<Arc<World>> = live.worlds.values().cloned().collect();
        worlds.sort_by(|a, b| a.name().cmp(b.name()));
        worlds
    }

    fn options(&self, name: &str) -> WorldOptions {
        let location = match &self.template.location {
            Location::Memory => Location::Memory,
            Location::File(path) if name == DEFAULT => Location::File(path.clone()),
            Location::File(path) => {
                // data/mock.db -> data/mock.acme.db
                let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "mock".into());
                let ext = path.extension().map(|e| format!(".{}", e.to_string_lossy())).unwrap_or_default();
                Location::File(path.with_file_name(format!("{stem}.{name}{ext}")))
            }
        };
        WorldOptions { name: name.to_string(), location, ..self.template.clone() }
    }
}

/// Why a request names no valid instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadName(pub String);

/// The instance a request names (CONTRACT section 11).
pub fn name_of(headers: &HeaderMap) -> Result<String, BadName> {
    let chosen = match headers.get("x-mock-instance") {
        Some(value) => value.to_str().map_err(|_| BadName("X-Mock-Instance is not text".into()))?.to_string(),
        None => match headers.get(header::HOST).and_then(|h| h.to_str().ok()).and_then(host_label) {
            Some(label) => label,
            None => return Ok(DEFAULT.into()),
        },
    };
    let name = chosen.to_ascii_lowercase();
    let valid = (1..=63).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if valid { Ok(name) } else { Err(BadName(format!("{chosen:?} is not an instance name ([a-z0-9-]{{1,63}})"))) }
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

/// Resolves the request's instance (creating it on first use) for the handlers behind it.
pub async fn resolve(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    match world_for(&state, request.headers()).await {
        Ok(world) => {
            request.extensions_mut().insert(world);
            next.run(request).await
        }
        Err(refusal) => refusal,
    }
}

/// The request's instance without waiting, when that is possible: the one last used, with nothing
/// to settle (see [`World::settle`]). `None` sends the request through [`world_for`].
pub fn ready_world(state: &AppState, headers: &HeaderMap) -> Option<Arc<World>> {
    let world = state.instances.recent_named(&name_of(headers).ok()?)?;
    world.is_settled().then_some(world)
}

/// The instance a request with `headers` names, opened and settled; or the answer that refuses it.
pub async fn world_for(state: &AppState, headers: &HeaderMap) -> Result<Arc<World>, Response> {
    let name = match name_of(headers) {
        Ok(name) => name,
        Err(BadName(reason)) => {
            let mut response = error(StatusCode::BAD_REQUEST, reason.clone());
            response
                .headers_mut()
                .insert(crate::http::answer::REASON.clone(), crate::http::answer::reason_value(&reason));
            return Err(response);
        }
    };
    let world = match state.instances.get(&name).await {
        Ok(world) => world,
        Err(e) => {
            tracing::error!(instance = name, error = %e, "an instance could not be opened");
            return Err(error(StatusCode::INTERNAL_SERVER_ERROR, format!("instance {name} could not be opened: {e}")));
        }
    };
    world.settle().await;
    Ok(world)
}

/// The request's instance, for handlers behind [`resolve`].
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
