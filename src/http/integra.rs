//! The one layer between the client and the Integra handlers: it finds the request's instance,
//! records the request and its answer in the instance's journal, and applies the instance's faults
//! (delay, forced answer, dropped connection) when one hits the request.
//!
//! An instance that does not exist yet is not created for a request that could not be its own:
//! a route that needs a token answers 401 at once (no token is live in an instance that does not
//! exist), and the logins reach their handler with [`Absent`], which creates the instance only for
//! credentials its fixtures know. `--auth off` creates it as the control API does.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower_layer::Layer;
use tower_service::Service;

use super::answer::{LINT, REASON, TEXT, reason_value};
use super::instance::{Absent, Found, Opening};
use crate::coverage::Observed;
use crate::faults::Hit;
use crate::journal::{FormRecord, Recorded};
use crate::state::{AppState, AuthMode};
use crate::world::World;

/// Where the handler's extractors leave what the journal and the answer need: the form as read,
/// and whether the token was found only through lenient decoding.
#[derive(Debug, Clone, Default)]
pub struct FormSlot(pub Arc<Notes>);

#[derive(Debug, Default)]
pub struct Notes {
    pub form: Mutex<FormRecord>,
    pub lenient: std::sync::atomic::AtomicBool,
}

/// Puts [`Integra`] in front of each Integra route.
#[derive(Debug, Clone)]
pub struct IntegraLayer {
    state: AppState,
    /// The route needs no token (the `auth/*` routes).
    public: bool,
}

impl IntegraLayer {
    /// The layer of the routes that need a token.
    pub fn guarded(state: AppState) -> Self {
        Self { state, public: false }
    }

    /// The layer of the logins.
    pub fn public(state: AppState) -> Self {
        Self { state, public: true }
    }
}

impl<S> Layer<S> for IntegraLayer {
    type Service = Integra<S>;

    fn layer(&self, inner: S) -> Integra<S> {
        Integra { state: self.state.clone(), public: self.public, inner }
    }
}

/// Resolves the instance, then journals the request around its faults and its route `S`. Written
/// as a service rather than with `from_fn`: when the instance is the one last used and no fault
/// hits, the route is called at once, without cloning and boxing it for later.
#[derive(Debug, Clone)]
pub struct Integra<S> {
    state: AppState,
    public: bool,
    inner: S,
}

type Answering = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

impl<S> Service<Request> for Integra<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Answering;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Answering {
        let Some(world) = super::instance::ready_world(&self.state, request.headers()) else {
            // The ready service goes with the request; a clone stays (tower's usual swap).
            let clone = self.inner.clone();
            let inner = std::mem::replace(&mut self.inner, clone);
            let (state, public) = (self.state.clone(), self.public);
            return Box::pin(async move { Ok(found(state, public, request, inner).await) });
        };
        let (request, recorded, slot) = prepare(&world, request);
        let state = self.state.clone();
        match world.faults().hit(request.uri().path(), || world.entropy().unit()) {
            None => {
                let answer = self.inner.call(request);
                Box::pin(async move { Ok(record(&state, &world, recorded, slot, None, answer.await?).await) })
            }
            Some(hit) => {
                let clone = self.inner.clone();
                let inner = std::mem::replace(&mut self.inner, clone);
                Box::pin(async move {
                    let fault = hit.kind();
                    let answer = faulted(hit, request, inner).await;
                    Ok(record(&state, &world, recorded, slot, Some(fault), answer).await)
                })
            }
        }
    }
}

/// The whole of [`Integra`] off its fast path: the instance found (or not), then the route.
async fn found<S>(state: AppState, public: bool, mut request: Request, inner: S) -> Response
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    let opening = match (public, state.settings.auth) {
        (true, _) => Opening::LiveOnly,
        (false, AuthMode::Strict) => Opening::WithToken,
        (false, _) => Opening::Existing,
    };
    let name = match super::instance::find(&state, request.headers(), opening).await {
        Ok(Found::World(world)) => return journaled(&state, world, request, inner).await,
        Ok(Found::Absent(name)) => name,
        Err(refusal) => return refusal,
    };
    if state.settings.auth == AuthMode::Off {
        return match super::instance::world_for(&state, request.headers()).await {
            Ok(world) => journaled(&state, world, request, inner).await,
            Err(refusal) => refusal,
        };
    }
    if !public {
        // No instance, so no token of it: counted server-wide (the name is the client's to choose).
        let answer = super::caller::unauthorized(request.headers(), false).into_response();
        let observed = Observed {
            branch: answer.extensions().get().copied(),
            status: 401,
            fault: None,
            form: &FormRecord::Unread,
            facets: &[],
        };
        state.coverage.count(None, request.uri().path(), observed);
        return answer;
    }
    // A login: the handler creates the instance for good credentials. The request is journaled
    // in the instance if there is one afterwards.
    let (method, path, headers) =
        (request.method().clone(), request.uri().path().to_string(), request.headers().clone());
    let slot = FormSlot::default();
    request.extensions_mut().insert(slot.clone());
    request.extensions_mut().insert(Absent(name.clone()));
    let answer = run(inner, request).await;
    // The login made or opened it, or it was meanwhile: either way it is live now, if it is at all.
    match state.instances.live(&name).await {
        Some(world) => {
            let recorded = Recorded::new(method, &path, &headers, world.clock().now_millis());
            record(&state, &world, recorded, slot, None, answer).await
        }
        None => {
            let form = std::mem::take(&mut *slot.0.form.lock().unwrap_or_else(|e| e.into_inner()));
            let observed = Observed {
                branch: answer.extensions().get().copied(),
                status: answer.status().as_u16(),
                fault: None,
                form: &form,
                facets: &[],
            };
            state.coverage.count(None, &path, observed);
            answer
        }
    }
}

/// The whole of [`Integra`] once the instance is known.
async fn journaled<S>(state: &AppState, world: Arc<World>, request: Request, inner: S) -> Response
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    let (request, recorded, slot) = prepare(&world, request);
    let (answer, fault) = match world.faults().hit(request.uri().path(), || world.entropy().unit()) {
        None => (run(inner, request).await, None),
        Some(hit) => {
            let fault = hit.kind();
            (faulted(hit, request, inner).await, Some(fault))
        }
    };
    record(state, &world, recorded, slot, fault, answer).await
}

/// Hands the instance and the form's slot to the handlers; starts the journal's entry.
fn prepare(world: &Arc<World>, mut request: Request) -> (Request, Recorded, FormSlot) {
    let slot = FormSlot::default();
    request.extensions_mut().insert(slot.clone());
    request.extensions_mut().insert(Arc::clone(world));
    let recorded =
        Recorded::new(request.method().clone(), request.uri().path(), request.headers(), world.clock().now_millis());
    (request, recorded, slot)
}

/// Journals the answer (and the form the handler read) and counts it for the coverage report,
/// then gives it on.
async fn record(
    state: &AppState,
    world: &World,
    mut recorded: Recorded,
    slot: FormSlot,
    fault: Option<&'static str>,
    response: Response,
) -> Response {
    let (mut parts, body) = response.into_parts();
    if slot.0.lenient.load(std::sync::atomic::Ordering::Relaxed) {
        let reason = match parts.headers.get(&REASON).and_then(|v| v.to_str().ok()) {
            Some(reason) => format!("{reason}; {}", super::caller::LENIENT),
            None => super::caller::LENIENT.to_string(),
        };
        parts.headers.insert(REASON.clone(), reason_value(&reason));
    }
    let (bytes, body) = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => (Some(bytes.clone()), Body::from(bytes)),
        Err(_) => (None, dropped_body()),
    };
    recorded.form = std::mem::take(&mut *slot.0.form.lock().unwrap_or_else(|e| e.into_inner()));
    recorded.answered(parts.status.as_u16(), bytes.as_ref(), parts.headers.get(&REASON).cloned());
    let branch = if bytes.is_some() { parts.extensions.get().copied() } else { None };
    let lenient = slot.0.lenient.load(std::sync::atomic::Ordering::Relaxed);
    let lints = state.coverage.lint(&recorded.path, &recorded, branch, lenient);
    let facets = parts.extensions.remove::<crate::coverage::Facets>().unwrap_or_default();
    let status = parts.status.as_u16();
    let observed = Observed { branch, status, fault, form: &recorded.form, facets: &facets.0 };
    state.coverage.count(Some(world.name()), &recorded.path, observed);
    journal_with_lints(state, world, recorded, &lints, &mut parts.headers);
    Response::from_parts(parts, body)
}

/// Journals the request with its lints, and tells of them: the answer's `X-Mock-Lint`, the
/// coverage report, the event stream.
fn journal_with_lints(
    state: &AppState,
    world: &World,
    mut recorded: Recorded,
    lints: &[crate::coverage::lint::Lint],
    headers: &mut axum::http::HeaderMap,
) {
    if lints.is_empty() {
        world.journal().record(recorded);
        return;
    }
    let value = reason_value(&crate::coverage::lint::header(lints));
    headers.insert(LINT.clone(), value.clone());
    recorded.lint = Some(value);
    let path = recorded.path.clone();
    let seq = world.journal().record(recorded);
    state.coverage.count_lints(world.name(), &path, lints, seq);
    world.publish("lint", || {
        let found: Vec<_> = lints.iter().map(|l| serde_json::json!({"lint": l.id, "message": l.message})).collect();
        serde_json::json!({"path": &*path, "seq": seq, "lints": found})
    });
}

/// The vendor's 405 to a known Integra path asked with another method (`answer`), linted
/// `wrong-method`: journaled in the live instance the request names, if there is one (none is
/// opened or created for it), and counted in its report.
pub async fn wrong_method(state: &AppState, request: Request, answer: Response) -> Response {
    let (method, path) = (request.method().clone(), request.uri().path().to_string());
    let lints = state.coverage.lint_method(&path, method.as_str());
    if lints.is_empty() {
        return answer;
    }
    let (mut parts, body) = answer.into_parts();
    let world = match super::instance::name_of(request.headers()) {
        Ok(name) => state.instances.live(&name).await,
        Err(_) => None,
    };
    match world {
        Some(world) => {
            let mut recorded = Recorded::new(method, &path, request.headers(), world.clock().now_millis());
            recorded.answered(
                parts.status.as_u16(),
                Some(&axum::body::Bytes::new()),
                parts.headers.get(&REASON).cloned(),
            );
            journal_with_lints(state, &world, recorded, &lints, &mut parts.headers);
        }
        None => {
            parts.headers.insert(LINT.clone(), reason_value(&crate::coverage::lint::header(&lints)));
        }
    }
    Response::from_parts(parts, body)
}

async fn run<S>(mut inner: S, request: Request) -> Response
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    if let Err(never) = std::future::poll_fn(|cx| inner.poll_ready(cx)).await {
        match never {}
    }
    match inner.call(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// What a fault that hit makes of the request: a delay, then a forced answer, a dropped
/// connection, or the handler's own answer.
async fn faulted<S>(hit: Hit, request: Request, inner: S) -> Response
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    if hit.latency_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(hit.latency_ms)).await;
    }
    if hit.drop {
        return Response::new(dropped_body());
    }
    match hit.answer {
        Some((status, body)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let mut response = (status, body).into_response();
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(TEXT));
            response.headers_mut().insert(REASON.clone(), reason_value("fault injected by /_mock/faults"));
            response
        }
        None => run(inner, request).await,
    }
}

/// A body that fails at once: the server closes the connection without a complete answer.
fn dropped_body() -> Body {
    let failing = futures_util::stream::once(async {
        Err::<axum::body::Bytes, _>(std::io::Error::other("fault: connection dropped"))
    });
    Body::from_stream(failing)
}
