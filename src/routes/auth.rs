//! `auth/*` (CONTRACT section 2): logins hand out tokens; EndSession ends one. No token is needed.

use axum::Router;
use axum::routing::post;

use crate::app::AppState;
use crate::http::{Answer, Form};
use crate::instances::Instance;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/Integra/resources/auth/getUserToken", post(login))
        .route("/Integra/resources/auth/UserLogin", post(login))
        .route("/Integra/resources/auth/EndSession", post(end_session))
}

/// `auth/getUserToken` and `auth/UserLogin`: `[user, phone or {}, token]`, or `0`.
async fn login(Instance(world): Instance, form: Form) -> Answer {
    match world.login(&form.text("user"), &form.text("password")).await {
        Ok(answer) => Answer::json(&answer),
        Err(e) => e.into(),
    }
}

/// `auth/EndSession`: `1` when the user's token was live, else `0`.
async fn end_session(Instance(world): Instance, form: Form) -> Answer {
    Answer::done(world.end_session(&form.text("user"), &form.text("token")).await)
}
