//! `GET /_mock/events`: the instance's state changes as Server-Sent Events (`event: <kind>`,
//! `data: <json>`), with a keep-alive comment every 15 seconds.

use std::convert::Infallible;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use tokio::sync::broadcast::error::RecvError;

use crate::http::Instance;

#[utoipa::path(
    get,
    path = "/_mock/events",
    tag = "control",
    responses((status = 200, description = "Server-Sent Events of the instance", content_type = "text/event-stream"), (status = 400, description = "A malformed instance name or body", content((serde_json::Value = "application/json"))), (status = 401, description = "--control-token is set and the Bearer token is missing or wrong", content((serde_json::Value = "application/json"))))
)]
pub async fn events(Instance(world): Instance) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let receiver = world.listen();
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        let sse = match receiver.recv().await {
            Ok(event) => Event::default().event(event.kind).data(event.data.to_string()),
            Err(RecvError::Lagged(missed)) => Event::default().event("lagged").data(format!("{{\"missed\":{missed}}}")),
            Err(RecvError::Closed) => return None,
        };
        Some((Ok(sse), receiver))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
