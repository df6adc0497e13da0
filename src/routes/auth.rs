//! `auth/*` (docs/contract.md, section 2): logins hand out tokens; EndSession ends one. No token is needed.

use crate::coverage::Branch::{self, Json, One, Zero};
use crate::http::routes::{Routes, route};
use crate::model::why::Why::*;
use crate::model::why::{Refusal, Why};

use crate::state::AppState;
use axum::extract::State;

use crate::http::instance::Prospect;
use crate::http::{Answer, Form};

pub fn router() -> Routes {
    const LOGIN: &[Branch] = &[Json, Zero(MissingField), Zero(BadCredentials)];
    Routes::new()
        .route(route!(get_user_token).answers(LOGIN))
        .route(route!(user_login).answers(LOGIN))
        .route(route!(end_session).answers(&[One, Zero(MissingField), Zero(NoSession)]))
}

/// `auth/getUserToken`.
#[utoipa::path(
    post,
    path = "/Integra/resources/auth/getUserToken",
    tag = "auth",
    request_body(content = super::forms::Login, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "`[user, phone object or {}, token]`, or `0` as text", content((serde_json::Value = "application/json"), (String = "text/plain"))),
        (status = 400, description = "A malformed instance name", content((String = "text/plain"), (serde_json::Value = "application/json"))),
        (status = 413, description = "The body is over the route's limit"), (status = 408, description = "The body came too slowly (`--body-timeout`, `--body-min-rate`); the connection is closed"), (status = 503, description = "The server is at a bound for now (bodies in progress past `--body-memory-mb`, no descriptor or memory for the database): try again after `Retry-After` seconds")
    )
)]
async fn get_user_token(state: State<AppState>, instance: Prospect, form: Form) -> Answer {
    login(state, instance, form).await
}

/// `auth/UserLogin`: the same answer.
#[utoipa::path(
    post,
    path = "/Integra/resources/auth/UserLogin",
    tag = "auth",
    request_body(content = super::forms::Login, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "`[user, phone object or {}, token]`, or `0` as text", content((serde_json::Value = "application/json"), (String = "text/plain"))),
        (status = 400, description = "A malformed instance name", content((String = "text/plain"), (serde_json::Value = "application/json"))),
        (status = 413, description = "The body is over the route's limit"), (status = 408, description = "The body came too slowly (`--body-timeout`, `--body-min-rate`); the connection is closed"), (status = 503, description = "The server is at a bound for now (bodies in progress past `--body-memory-mb`, no descriptor or memory for the database): try again after `Retry-After` seconds")
    )
)]
async fn user_login(state: State<AppState>, instance: Prospect, form: Form) -> Answer {
    login(state, instance, form).await
}

/// Both logins: `[user, phone or {}, token]`, or `0`. A login to an instance that does not exist
/// yet makes it only for an account its fixtures have.
async fn login(State(state): State<AppState>, instance: Prospect, form: Form) -> Answer {
    let (user, password) = (form.text("user"), form.text("password"));
    let world = match instance {
        Prospect::World(world) => world,
        Prospect::Absent(name) => match state.instances.for_login(&name, &user, &password).await {
            Ok(world) => world,
            Err(e) => return e.into(),
        },
    };
    match world.login(&user, &password).await {
        Ok(answer) => Answer::json(&answer),
        Err(e) => e.into(),
    }
}

#[utoipa::path(
    post,
    path = "/Integra/resources/auth/EndSession",
    tag = "auth",
    request_body(content = super::forms::EndSession, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "`1`, or `0`", content_type = "text/plain", body = String), (status = 400, description = "A malformed instance name (JSON), or DispositionCall's catalog message (text)", content((String = "text/plain"), (serde_json::Value = "application/json"))), (status = 413, description = "The body is over the route's limit"), (status = 408, description = "The body came too slowly (`--body-timeout`, `--body-min-rate`); the connection is closed"), (status = 503, description = "The server is at a bound for now (bodies in progress past `--body-memory-mb`, no descriptor or memory for the database): try again after `Retry-After` seconds"))
)]
async fn end_session(State(state): State<AppState>, instance: Prospect, form: Form) -> Answer {
    let (user, token) = (form.text("user"), form.text("token"));
    let world = match instance {
        Prospect::World(world) => world,
        Prospect::Absent(name) => match state.instances.for_end_session(&name, &user, &token).await {
            Ok(Some(world)) => world,
            Ok(None) => {
                let text = format!("instance {name:?} has no live session of {user:?} with that token");
                return Answer::Zero(Refusal::new(Why::NoSession, text));
            }
            Err(e) => return crate::world::error::Failure::from(e).into(),
        },
    };
    Answer::done(world.end_session(&user, &token).await)
}
