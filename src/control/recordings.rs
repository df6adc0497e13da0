//! `POST /_mock/recordings/<guid>` with `{"host": "main" | "backup", "folder": "dated" | "root",
//! "format": "mp3" | "gsm"}`: places that call's recording (before or after the call ends), so a
//! test can exercise one branch of a client's fallback.

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::error;
use crate::http::Instance;
use crate::world::error::Failure;
use crate::world::recordings::{Format, Place};

#[utoipa::path(
    post,
    path = "/_mock/recordings/{guid}",
    tag = "control",
    request_body(content = serde_json::Value, content_type = "application/json"),
    params(("guid" = String, Path, description = "The call's guid")),
    responses((status = 200, description = "Placed", content((serde_json::Value = "application/json"))), (status = 400, description = "A malformed instance name, guid or body", content((serde_json::Value = "application/json"))), (status = 401, description = "--control-token is set and the Bearer token is missing or wrong", content((serde_json::Value = "application/json"))))
)]
pub async fn pin(Instance(world): Instance, Path(guid): Path<String>, body: Bytes) -> Response {
    let place: Place = match serde_json::from_slice(&body) {
        Ok(place) => place,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!(
                    r#"send {{"host": "main" | "backup", "folder": "dated" | "root", "format": "mp3" | "gsm"}} ({e})"#
                ),
            );
        }
    };
    match world.pin_recording(&guid, place).await {
        Ok(()) => axum::Json(json!({"guid": guid, "host": place.host, "folder": place.folder, "format": place.format}))
            .into_response(),
        Err(Failure::Refused(reason)) => error(StatusCode::BAD_REQUEST, reason.text),
        Err(e) => crate::http::Answer::from(e).into_response(),
    }
}

/// `POST /_mock/recordings/<guid>/convert`: `Supervisor/convert` of the call's GSM where it lives
/// (the dashboard's button: browsers cannot play GSM).
#[utoipa::path(
    post,
    path = "/_mock/recordings/{guid}/convert",
    tag = "control",
    params(("guid" = String, Path, description = "The call's guid")),
    responses((status = 200, description = "Converted (or already): where the MP3 is", content((serde_json::Value = "application/json"))), (status = 400, description = "A malformed instance name, or the recording is an MP3 already", content((serde_json::Value = "application/json"))), (status = 401, description = "--control-token is set and the Bearer token is missing or wrong", content((serde_json::Value = "application/json"))), (status = 404, description = "No answered call has this guid", content((serde_json::Value = "application/json"))))
)]
pub async fn convert(Instance(world): Instance, Path(guid): Path<String>) -> Response {
    let recording = match world.recording(&guid).await {
        Ok(Some(recording)) => recording,
        Ok(None) => return error(StatusCode::NOT_FOUND, format!("no answered call has guid {guid:?}")),
        Err(e) => return crate::http::Answer::from(e).into_response(),
    };
    match world.convert(&guid, Some(recording.folder_name()), None).await {
        Ok(()) => {
            axum::Json(json!({"guid": guid, "host": recording.place.host, "converted": recording.path(Format::Mp3)}))
                .into_response()
        }
        Err(Failure::Refused(reason)) => error(StatusCode::BAD_REQUEST, reason.text),
        Err(e) => crate::http::Answer::from(e).into_response(),
    }
}
