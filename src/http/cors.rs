//! The outermost layer of both listeners but the path's normalising (src/app.rs). CORS (docs/contract.md, section 1): integrators call Integra from
//! browser pages, so preflights answer 204 and every answer names the allowed origin: the request's
//! (or `*`), or only those of `--cors`. The control API is another matter: a page on any site could
//! otherwise reset the mock or read its journal from a visitor's browser, so `/_mock` allows the
//! server's own origin and the origins `--cors` names, and refuses a request whose `Origin` is
//! another (browsers send `Origin` with every cross-site request that can change something). It
//! also refuses control requests without `--control-token`.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower_service::Service;

use crate::state::{AppState, Settings};

/// The router `S` behind CORS and the control token. A service around the whole router rather than
/// a layer of it: a layer is cloned into every request with the route it wraps.
#[derive(Debug, Clone)]
pub struct Cors<S> {
    state: AppState,
    inner: S,
}

impl<S> Cors<S> {
    pub fn new(state: AppState, inner: S) -> Self {
        Self { state, inner }
    }
}

impl<S, B> Service<Request<B>> for Cors<S>
where
    S: Service<Request<B>, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let headers = request.headers();
        let origin = headers.get(header::ORIGIN);
        let control = crate::control::is_guarded(request.uri().path());
        let allowed = if control {
            own_or_listed(&self.state.settings, origin, headers.get(header::HOST))
        } else {
            allowed_origin(&self.state.settings.cors, origin)
        };
        let refused = if request.method() == Method::OPTIONS {
            Some(preflight(allowed.is_some()))
        } else if control && origin.is_some() && allowed.is_none() {
            Some(cross_site(origin, headers.get(header::HOST)))
        } else {
            crate::control::refusal(&self.state, request.uri().path(), headers)
        };
        if let Some(mut response) = refused {
            decorate(response.headers_mut(), allowed);
            return Box::pin(std::future::ready(Ok(response)));
        }
        let answer = self.inner.call(request);
        Box::pin(async move {
            let mut response = answer.await?;
            decorate(response.headers_mut(), allowed);
            Ok(response)
        })
    }
}

/// The answer to a preflight: 204, with what may be sent when the origin is allowed.
fn preflight(allowed: bool) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    if allowed {
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("POST"));
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("Authorization, Content-Type, X-Mock-Instance"),
        );
        headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    }
    response
}

/// The allow-origin value for a request from `origin`; `None` when `--cors` does not list it.
fn allowed_origin(list: &[String], origin: Option<&HeaderValue>) -> Option<HeaderValue> {
    let origin_text = origin.and_then(|o| o.to_str().ok());
    if list.is_empty() {
        return Some(origin.cloned().unwrap_or_else(|| HeaderValue::from_static("*")));
    }
    match origin_text {
        Some(o) if list.iter().any(|allowed| allowed == o || allowed == "*") => origin.cloned(),
        _ => None,
    }
}

/// The allow-origin value of a control request: its origin when that is the server's own (the
/// `Host` the browser sent it to) or one `--cors` names; `None` otherwise, and without an `Origin`.
///
/// A page's origin equal to the `Host` is the server's own only under a name no other site can
/// take: an IP address, `localhost` and its subdomains, or the `--listen` or `--backup-listen` host. Any other name could
/// be a site whose DNS was pointed at this machine after its page loaded (DNS rebinding); such a
/// name is allowed by naming its origin in `--cors`.
fn own_or_listed(settings: &Settings, origin: Option<&HeaderValue>, host: Option<&HeaderValue>) -> Option<HeaderValue> {
    let text = origin?.to_str().ok()?;
    let authority = text.strip_prefix("http://").or_else(|| text.strip_prefix("https://"));
    let same =
        matches!((authority, host.and_then(|h| h.to_str().ok())), (Some(a), Some(h)) if a.eq_ignore_ascii_case(h));
    let own = same && authority.is_some_and(|a| unrebindable(a, &settings.listen_hosts));
    let listed = settings.cors.iter().any(|allowed| allowed == text || allowed == "*");
    (own || listed).then(|| origin.cloned()).flatten()
}

/// Whether the host of `authority` (`host[:port]`) is one DNS rebinding cannot use.
fn unrebindable(authority: &str, listen_hosts: &[String]) -> bool {
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority
            .rsplit_once(':')
            .map_or(authority, |(h, port)| if port.bytes().all(|b| b.is_ascii_digit()) { h } else { authority }),
    };
    let host = host.to_ascii_lowercase();
    host.parse::<std::net::IpAddr>().is_ok()
        || host == "localhost"
        || host.ends_with(".localhost")
        || listen_hosts.iter().any(|h| h.eq_ignore_ascii_case(&host))
}

/// The refusal of a control request sent from another site's page.
fn cross_site(origin: Option<&HeaderValue>, host: Option<&HeaderValue>) -> Response {
    let text =
        |v: Option<&HeaderValue>| v.map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()).unwrap_or_default();
    crate::control::error(
        StatusCode::FORBIDDEN,
        format!(
            "the control API refuses requests from other sites' pages: Origin {:?} is neither this server ({:?}) \
             nor one --cors names",
            text(origin),
            text(host)
        ),
    )
}

fn decorate(headers: &mut HeaderMap, allowed: Option<HeaderValue>) {
    if let Some(value) = allowed {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("X-Mock-Reason, Content-Range, Accept-Ranges, ETag, Content-Length"),
        );
        headers.append(header::VARY, HeaderValue::from_static("Origin"));
    }
}
