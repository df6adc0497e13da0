//! `admin/*` (docs/contract.md, section 5): the blacklist, one object or an array at a time.

use crate::coverage::Branch::{self, One, Zero};
use crate::http::routes::{Routes, route};
use crate::model::why::Why::*;

use crate::http::Instance;
use crate::http::{Answer, Caller, Form};
use crate::world::blacklist::Shape;

pub fn router() -> Routes {
    const BLACKLIST: &[Branch] = &[One, Zero(MissingField), Zero(NotJson), Zero(JsonShape), Zero(BadValue)];
    Routes::new()
        .route(route!(add_one).answers(BLACKLIST))
        .route(route!(add_bulk).answers(BLACKLIST))
        .route(route!(delete_one).answers(BLACKLIST))
        .route(route!(delete_bulk).answers(BLACKLIST))
}

/// `admin/addblack`.
#[utoipa::path(
    post,
    path = "/Integra/resources/admin/addblack",
    tag = "admin",
    request_body(content = super::forms::Blacklist, content_type = "application/x-www-form-urlencoded"),
    security(("basic" = [])),
    responses((status = 200, description = "`1`, or `0`", content_type = "text/plain", body = String), (status = 400, description = "A malformed instance name (JSON), or DispositionCall's catalog message (text)", content((String = "text/plain"), (serde_json::Value = "application/json"))), (status = 401, description = "No live token: `WWW-Authenticate: Basic realm=\"Integra\"`"), (status = 413, description = "The body is over the route's limit"), (status = 408, description = "The body came too slowly (`--body-timeout`, `--body-min-rate`); the connection is closed"), (status = 503, description = "The server is at a bound for now (bodies in progress past `--body-memory-mb`, no descriptor or memory for the database): try again after `Retry-After` seconds"))
)]
async fn add_one(Instance(world): Instance, _caller: Caller, form: Form) -> Answer {
    Answer::done(world.add_to_blacklist(&form, Shape::One).await)
}

/// `admin/addblackbulk`.
#[utoipa::path(
    post,
    path = "/Integra/resources/admin/addblackbulk",
    tag = "admin",
    request_body(content = super::forms::BlacklistBulk, content_type = "application/x-www-form-urlencoded"),
    security(("basic" = [])),
    responses((status = 200, description = "`1`, or `0`", content_type = "text/plain", body = String), (status = 400, description = "A malformed instance name (JSON), or DispositionCall's catalog message (text)", content((String = "text/plain"), (serde_json::Value = "application/json"))), (status = 401, description = "No live token: `WWW-Authenticate: Basic realm=\"Integra\"`"), (status = 413, description = "The body is over the route's limit"), (status = 408, description = "The body came too slowly (`--body-timeout`, `--body-min-rate`); the connection is closed"), (status = 503, description = "The server is at a bound for now (bodies in progress past `--body-memory-mb`, no descriptor or memory for the database): try again after `Retry-After` seconds"))
)]
async fn add_bulk(Instance(world): Instance, _caller: Caller, form: Form) -> Answer {
    Answer::done(world.add_to_blacklist(&form, Shape::Bulk).await)
}

/// `admin/deleteblack`.
#[utoipa::path(
    post,
    path = "/Integra/resources/admin/deleteblack",
    tag = "admin",
    request_body(content = super::forms::Blacklist, content_type = "application/x-www-form-urlencoded"),
    security(("basic" = [])),
    responses((status = 200, description = "`1`, or `0`", content_type = "text/plain", body = String), (status = 400, description = "A malformed instance name (JSON), or DispositionCall's catalog message (text)", content((String = "text/plain"), (serde_json::Value = "application/json"))), (status = 401, description = "No live token: `WWW-Authenticate: Basic realm=\"Integra\"`"), (status = 413, description = "The body is over the route's limit"), (status = 408, description = "The body came too slowly (`--body-timeout`, `--body-min-rate`); the connection is closed"), (status = 503, description = "The server is at a bound for now (bodies in progress past `--body-memory-mb`, no descriptor or memory for the database): try again after `Retry-After` seconds"))
)]
async fn delete_one(Instance(world): Instance, _caller: Caller, form: Form) -> Answer {
    Answer::done(world.remove_from_blacklist(&form, Shape::One).await)
}

/// `admin/deleteblackbulk`.
#[utoipa::path(
    post,
    path = "/Integra/resources/admin/deleteblackbulk",
    tag = "admin",
    request_body(content = super::forms::BlacklistBulk, content_type = "application/x-www-form-urlencoded"),
    security(("basic" = [])),
    responses((status = 200, description = "`1`, or `0`", content_type = "text/plain", body = String), (status = 400, description = "A malformed instance name (JSON), or DispositionCall's catalog message (text)", content((String = "text/plain"), (serde_json::Value = "application/json"))), (status = 401, description = "No live token: `WWW-Authenticate: Basic realm=\"Integra\"`"), (status = 413, description = "The body is over the route's limit"), (status = 408, description = "The body came too slowly (`--body-timeout`, `--body-min-rate`); the connection is closed"), (status = 503, description = "The server is at a bound for now (bodies in progress past `--body-memory-mb`, no descriptor or memory for the database): try again after `Retry-After` seconds"))
)]
async fn delete_bulk(Instance(world): Instance, _caller: Caller, form: Form) -> Answer {
    Answer::done(world.remove_from_blacklist(&form, Shape::Bulk).await)
}
