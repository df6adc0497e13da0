//! The vendor's answers (docs/contract.md, section 1). Use `Answer` as every Integra handler's return type:
//! `1`, `0`, a guid, JSON, the 400 catalog message, 401, 413. Every refusal carries `X-Mock-Reason`.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::coverage::{Auth, Branch};
use crate::model::why::Refusal;
use crate::world::error::Failure;

pub const TEXT: &str = "text/plain; charset=UTF-8";
pub const JSON: &str = "application/json; charset=UTF-8";
pub static REASON: HeaderName = HeaderName::from_static("x-mock-reason");
/// What the client sent wrong though the vendor tolerates it (docs/contract.md, section 13).
pub static LINT: HeaderName = HeaderName::from_static("x-mock-lint");

/// What an Integra route answers.
#[derive(Debug)]
pub enum Answer {
    /// `1`: done.
    One,
    /// `0`, the vendor's opaque refusal; the text goes to `X-Mock-Reason`.
    Zero(Refusal),
    /// A guid as plain text.
    Guid(String),
    /// HTTP 200 with an empty body (TagRecord).
    Empty,
    /// A JSON result, already serialised.
    Json(String),
    /// HTTP 400 with the catalog message of `key` (DispositionCall).
    BadRequest { key: &'static str, message: String, reason: String },
    /// HTTP 401: no live token.
    Unauthorized(Auth, String),
    /// HTTP 413: the body is over the route's limit.
    TooLarge(String),
    /// Another refusal below the API (an unreadable body): status and reason.
    Refused(StatusCode, String),
    /// The mock itself failed (the database): HTTP 500, never caused by input.
    Internal(String),
    /// HTTP 503 with `Retry-After`: the mock is at one of its bounds for now.
    Busy(String),
    /// A body refused part way (too slow: 408; over the server's budget of body bytes: 503 with
    /// `Retry-After`): the rest of it is not read, so the connection is closed.
    BodyCut(StatusCode, String),
}

impl Answer {
    pub fn json(value: &impl Serialize) -> Self {
        // Room for most answers at once: growing a small buffer step by step costs more than the answer.
        let mut body = Vec::with_capacity(4096);
        match serde_json::to_writer(&mut body, value) {
            // serde_json writes valid UTF-8.
            Ok(()) => Self::Json(String::from_utf8(body).unwrap_or_default()),
            Err(e) => Self::Internal(format!("could not serialise the answer: {e}")),
        }
    }

    /// `1` when the world did it, else the failure's answer.
    pub fn done<T>(result: Result<T, Failure>) -> Self {
        match result {
            Ok(_) => Self::One,
            Err(e) => e.into(),
        }
    }
}

impl From<Failure> for Answer {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Refused(reason) => Self::Zero(reason),
            Failure::Invalid { key, message, reason } => Self::BadRequest { key, message, reason },
            // The instance was reset, deleted or evicted while the request used it: asked again,
            // it reaches the instance as it is now.
            Failure::Store(sqlx::Error::PoolClosed) => {
                Self::Busy("the instance was reset, deleted or evicted during the request; ask again".into())
            }
            Failure::Store(e) if crate::store::scarcity(&e).is_some() => {
                let why = crate::store::scarcity(&e).unwrap_or_default();
                tracing::warn!(error = %e, "a request was turned away: {why}");
                Self::Busy(format!("{why}; ask again shortly ({e})"))
            }
            Failure::Store(e) => {
                tracing::error!(error = %e, "the database failed");
                Self::Internal(format!("the mock's database failed: {e}"))
            }
            Failure::Internal(e) => {
                tracing::error!(error = %e, "an internal step failed");
                Self::Internal(format!("the mock failed: {e}"))
            }
            Failure::Busy(reason) => Self::Busy(reason),
        }
    }
}

impl Answer {
    /// The branch of the route's contract this answer is (the coverage report counts it), if it
    /// is one: answers below the API (503, 408, 500) are not.
    pub fn branch(&self) -> Option<Branch> {
        Some(match self {
            Self::One => Branch::One,
            Self::Zero(refusal) => Branch::Zero(refusal.why),
            Self::Guid(_) => Branch::Guid,
            Self::Empty => Branch::Empty,
            Self::Json(body) if body == "[]" => Branch::EmptyList,
            Self::Json(_) => Branch::Json,
            Self::BadRequest { key, .. } => Branch::Invalid(key),
            Self::Unauthorized(auth, _) => Branch::Unauthorized(*auth),
            Self::TooLarge(_) => Branch::TooLarge,
            _ => return None,
        })
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let branch = self.branch();
        let mut response = self.response();
        if let Some(branch) = branch {
            response.extensions_mut().insert(branch);
        }
        response
    }
}

impl Answer {
    fn response(self) -> Response {
        let (status, body, content_type, reason) = match self {
            Self::One => (StatusCode::OK, "1".to_string(), TEXT, None),
            Self::Zero(refusal) => (StatusCode::OK, "0".to_string(), TEXT, Some(refusal.text)),
            Self::Guid(text) => (StatusCode::OK, text, TEXT, None),
            Self::Empty => (StatusCode::OK, String::new(), TEXT, None),
            Self::Json(body) => (StatusCode::OK, body, JSON, None),
            Self::BadRequest { message, reason, .. } => (StatusCode::BAD_REQUEST, message, TEXT, Some(reason)),
            Self::Unauthorized(_, reason) => {
                let mut response = refusal(StatusCode::UNAUTHORIZED, &reason);
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"Integra\""));
                return response;
            }
            Self::TooLarge(reason) => return refusal(StatusCode::PAYLOAD_TOO_LARGE, &reason),
            Self::Refused(status, reason) => return refusal(status, &reason),
            Self::Busy(reason) => {
                let mut response = refusal(StatusCode::SERVICE_UNAVAILABLE, &reason);
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
                return response;
            }
            Self::BodyCut(status, reason) => {
                let mut response = refusal(status, &reason);
                let headers = response.headers_mut();
                headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
                if status == StatusCode::SERVICE_UNAVAILABLE {
                    headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
                }
                return response;
            }
            Self::Internal(reason) => (StatusCode::INTERNAL_SERVER_ERROR, String::new(), TEXT, Some(reason)),
        };
        // Built directly: going through `(status, headers, body)` fills and merges a second map.
        let mut response = Response::new(axum::body::Body::from(body));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        if let Some(reason) = reason {
            headers.insert(REASON.clone(), reason_value(&reason));
        }
        response
    }
}

/// A refusal with an empty body and its reason.
pub fn refusal(status: StatusCode, reason: &str) -> Response {
    (status, [(REASON.clone(), reason_value(reason))]).into_response()
}

/// A reason as a header value: printable ASCII, the rest escaped (`nombreCampa\u{f1}a->`), clipped.
pub fn reason_value(reason: &str) -> HeaderValue {
    let mut text = String::new();
    for c in reason.chars() {
        if text.len() > 400 {
            text.push_str("...");
            break;
        }
        match c {
            ' '..='~' => text.push(c),
            c => text.extend(c.escape_unicode()),
        }
    }
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("refused"))
}
