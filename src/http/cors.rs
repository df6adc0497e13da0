//! The outermost layer of both listeners. CORS (CONTRACT section 1): integrators call Integra from
//! browser pages, so preflights answer 204 and every answer names the allowed origin: the request's
//! (or `*`), or only those of `--cors`. It also refuses control requests without `--control-token`.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::app::AppState;

pub async fn cors(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let origin = request.headers().get(header::ORIGIN).cloned();
    let allowed = allowed_origin(&state.settings.cors, origin.as_ref());
    let mut response = if request.method() == Method::OPTIONS {
        let mut response = StatusCode::NO_CONTENT.into_response();
        if allowed.is_some() {
            let headers = response.headers_mut();
            headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("POST"));
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("Authorization, Content-Type, X-Mock-Instance"),
            );
            headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        }
        response
    } else if let Some(refusal) = crate::control::refusal(&state, &request) {
        refusal
    } else {
        next.run(request).await
    };
    decorate(response.headers_mut(), allowed);
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
