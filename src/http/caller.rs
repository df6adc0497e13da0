//! The token check of every Integra route but the auth ones (docs/contract.md, section 2): `Authorization:
//! Basic <token>` with a live token, else 401 before the route looks at its form.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use super::answer::Answer;
use super::instance::Instance;
use crate::coverage::Auth;
use crate::state::{AppState, AuthMode};
use crate::world::auth::Decoded;

/// Who is calling: the token's user (`None` only under `--auth off` without a live token).
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: Option<String>,
}

/// What the answer's `X-Mock-Reason` says of a credential that was accepted only once decoded
/// leniently (a client author wants to know; the journal keeps what was sent).
pub const LENIENT: &str = "the Authorization token was accepted only through lenient base64 decoding, as the \
                           vendor's server decodes it (characters outside base64 skipped, URL-safe letters or \
                           missing padding taken): send it as issued";

impl FromRequestParts<AppState> for Caller {
    type Rejection = Answer;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let world =
            Instance::from_request_parts(parts, state).await.map_err(|_| Answer::Internal("no instance".into()))?.0;
        let token = basic_token(&parts.headers);
        let user = match token {
            Some(token) => match world.credential_user(token).await.map_err(Answer::from)? {
                Some((user, Decoded::Leniently)) => {
                    if let Some(slot) = parts.extensions.get::<super::integra::FormSlot>() {
                        slot.0.lenient.store(true, std::sync::atomic::Ordering::Relaxed);
                    }
                    Some(user)
                }
                Some((user, Decoded::AsSent)) => Some(user),
                None => None,
            },
            None => None,
        };
        match (state.settings.auth, user) {
            (_, Some(user)) => Ok(Self { user: Some(user) }),
            (AuthMode::Off, None) => Ok(Self { user: None }),
            (AuthMode::Strict, None) => {
                // For the coverage report only: a failed read leaves the 401 as it was.
                let ended = match token {
                    Some(token) => world.token_ended(token).await.unwrap_or(false),
                    None => false,
                };
                Err(unauthorized(&parts.headers, ended))
            }
        }
    }
}

/// The 401 of a request without a live token, saying whether it sent one (and whether that one's
/// session `ended`, for the coverage report: the answer is the same).
pub fn unauthorized(headers: &axum::http::HeaderMap, ended: bool) -> Answer {
    let auth = match (basic_token(headers).is_some(), ended) {
        (false, _) => Auth::Missing,
        (true, false) => Auth::Unknown,
        (true, true) => Auth::Ended,
    };
    if auth == Auth::Missing {
        Answer::Unauthorized(auth, "no Authorization: Basic <token> header".into())
    } else {
        Answer::Unauthorized(auth, "the token is unknown or its session ended".into())
    }
}

/// The token of `Authorization: Basic <token>`.
pub(crate) fn basic_token(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .map(|(_, token)| token.trim())
}
