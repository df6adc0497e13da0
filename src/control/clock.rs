//! `GET /_mock/clock` and `POST /_mock/clock` (`{"advance": seconds}` or `{"set": "yyyy-MM-dd HH:mm:ss"}`):
//! read the instance's clock and move a manual one, running every event in between.

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error;
use crate::http::Instance;
use crate::model::vendor_date::VendorDate;
use crate::world::World;
use crate::world::error::Failure;

/// The most one move may advance: 31 days.
const MAX_ADVANCE_S: i64 = 31 * 24 * 3600;

fn reading(world: &World) -> Value {
    let clock = world.clock();
    json!({"now": clock.stamp(), "mode": clock.mode().to_string(), "timezone": clock.zone().name(), "epoch_ms": clock.now_millis()})
}

#[utoipa::path(
    get,
    path = "/_mock/clock",
    tag = "control",
    responses((status = 200, description = "The clock: now, mode, timezone, epoch_ms", content((serde_json::Value = "application/json"))), (status = 400, description = "A malformed instance name or body", content((serde_json::Value = "application/json"))), (status = 401, description = "--control-token is set and the Bearer token is missing or wrong", content((serde_json::Value = "application/json"))))
)]
pub async fn get_clock(Instance(world): Instance) -> Response {
    axum::Json(reading(&world)).into_response()
}

#[utoipa::path(
    post,
    path = "/_mock/clock",
    tag = "control",
    request_body(content = serde_json::Value, content_type = "application/json"),
    responses((status = 200, description = "The clock after the move", content((serde_json::Value = "application/json"))), (status = 400, description = "A malformed instance name or body", content((serde_json::Value = "application/json"))), (status = 401, description = "--control-token is set and the Bearer token is missing or wrong", content((serde_json::Value = "application/json"))))
)]
pub async fn post_clock(Instance(world): Instance, body: Bytes) -> Response {
    let world = &world;
    let bad = |message: String| error(StatusCode::BAD_REQUEST, message);
    let Ok(Value::Object(request)) = serde_json::from_slice::<Value>(&body) else {
        return bad(r#"send {"advance": seconds} or {"set": "yyyy-MM-dd HH:mm:ss"}"#.into());
    };
    let now = world.clock().now_millis();
    let to = match (request.get("advance"), request.get("set")) {
        (Some(advance), None) => match advance.as_f64() {
            Some(s) if (0.0..=MAX_ADVANCE_S as f64).contains(&s) => now + (s * 1000.0).round() as i64,
            _ => return bad(format!("advance must be a number of seconds from 0 to {MAX_ADVANCE_S}")),
        },
        (None, Some(set)) => match set.as_str().map(str::parse::<VendorDate>) {
            Some(Ok(date)) => world.clock().instant(date.naive()),
            _ => return bad("set must be a date yyyy-MM-dd HH:mm:ss".into()),
        },
        _ => return bad(r#"send exactly one of "advance" and "set""#.into()),
    };
    if to - now > MAX_ADVANCE_S * 1000 {
        return bad(format!("a move may advance at most {MAX_ADVANCE_S} seconds"));
    }
    match world.move_clock(to).await {
        Ok(()) => axum::Json(reading(world)).into_response(),
        Err(Failure::Refused(reason)) => bad(reason.text),
        Err(e) => crate::http::Answer::from(e).into_response(),
    }
}
