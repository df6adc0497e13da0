//! The token check of every Integra route but the auth ones (CONTRACT section 2): `Authorization:
//! Basic <token>` with a live token, else 401 before the route looks at its form.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use super::answer::Answer;
use crate::app::{AppState, AuthMode};
use crate::instances::Instance;

/// Who is calling: the token's user (`None` only under `--auth off` without a live token).
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: Option<String>,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Answer;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let world =
            Instance::from_request_parts(parts, state).await.map_err(|_| Answer::Internal("no instance".into()))?.0;
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
            .map(|(_, token)| token.trim());
        let user = match token {
            Some(token) => world.token_user(token).await.map_err(Answer::from)?,
            None => None,
        };
        match (state.settings.auth, user, token) {
            (_, Some(user), _) => Ok(Self { user: Some(user) }),
            (AuthMode::Off, None, _) => Ok(Self { user: None }),
            (AuthMode::Strict, None, None) => {
                Err(Answer::Unauthorized("no Authorization: Basic <token> header".into()))
            }
            (AuthMode::Strict, None, Some(_)) => {
                Err(Answer::Unauthorized("the token is unknown or its session ended".into()))
            }
        }
    }
}
