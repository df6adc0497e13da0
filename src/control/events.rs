//! `GET /_mock/events`: the instance's state changes as Server-Sent Events (`event: <kind>`,
//! `data: <json>`), with a keep-alive comment every 15 seconds. At most `--max-event-streams` are
//! open at once (every instance's together): a new one past that ends the oldest, which is sent
//! `event: shed` first.

use std::convert::Infallible;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use tokio::sync::broadcast::error::RecvError;

use axum::extract::State;
use serde_json::json;

use crate::http::Instance;
use crate::state::AppState;

#[utoipa::path(
    get,
    path = "/_mock/events",
    tag = "control",
    responses((status = 200, description = "Server-Sent Events of the instance; past `--max-event-streams` open streams the oldest is sent `event: shed` and ended", content_type = "text/event-stream"), (status = 400, description = "A malformed instance name or body", content((serde_json::Value = "application/json"))), (status = 401, description = "--control-token is set and the Bearer token is missing or wrong", content((serde_json::Value = "application/json"))))
)]
pub async fn events(
    State(state): State<AppState>,
    Instance(world): Instance,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let slot = state.event_streams.take();
    let open = Some((world.listen(), slot));
    let stream = futures_util::stream::unfold(open, |open| async move {
        let (mut receiver, slot) = open?;
        let sse = tokio::select! {
            received = receiver.recv() => match received {
                Ok(event) => Event::default().event(event.kind).data(event.data.to_string()),
                Err(RecvError::Lagged(missed)) => {
                    Event::default().event("lagged").data(format!("{{\"missed\":{missed}}}"))
                }
                Err(RecvError::Closed) => return None,
            },
            () = slot.shed.notified() => {
                let data = json!({"reason": "a newer event stream needed the room (--max-event-streams)"});
                return Some((Ok(Event::default().event("shed").data(data.to_string())), None));
            }
        };
        Some((Ok(sse), Some((receiver, slot))))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
