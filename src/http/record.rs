//! The one layer between the client and the Integra handlers: it resolves the request's instance,
//! records the request and its answer in the instance's journal, and applies the instance's faults
//! (delay, forced answer, dropped connection) when one hits the request.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::answer::{REASON, TEXT, reason_value};
use crate::app::AppState;
use crate::journal::{FormRecord, Recorded};
use crate::world::World;

/// Where the form extractor leaves what it read, for the journal.
#[derive(Debug, Clone, Default)]
pub struct FormSlot(pub Arc<Mutex<FormRecord>>);

/// Resolves the instance, then journals the request around its faults and its handler.
pub async fn integra(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let world = match crate::instances::world_for(&state, request.headers()).await {
        Ok(world) => world,
        Err(refusal) => return refusal,
    };
    let slot = FormSlot::default();
    request.extensions_mut().insert(slot.clone());
    request.extensions_mut().insert(Arc::clone(&world));
    let mut recorded =
        Recorded::new(request.method().clone(), request.uri().path(), request.headers(), world.clock().now_millis());
    let response = faults(&world, request, next).await;
    let (parts, body) = response.into_parts();
    let (bytes, body) = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => (Some(bytes.clone()), Body::from(bytes)),
        Err(_) => (None, dropped_body()),
    };
    recorded.form = std::mem::take(&mut *slot.0.lock().unwrap_or_else(|e| e.into_inner()));
    recorded.answered(parts.status.as_u16(), bytes.as_ref(), parts.headers.get(&REASON).cloned());
    world.journal().record(recorded);
    Response::from_parts(parts, body)
}

/// Applies the instance's faults to the request, if one hits it; else runs the handler.
async fn faults(world: &World, request: Request, next: Next) -> Response {
    let Some(hit) = world.faults().hit(request.uri().path(), || world.entropy().unit()) else {
        return next.run(request).await;
    };
    if hit.latency_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(hit.latency_ms)).await;
    }
    if hit.drop {
        return Response::new(dropped_body());
    }
    match hit.answer {
        Some((status, body)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let mut response = (status, body).into_response();
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(TEXT));
            response.headers_mut().insert(REASON.clone(), reason_value("fault injected by /_mock/faults"));
            response
        }
        None => next.run(request).await,
    }
}

/// A body that fails at once: the server closes the connection without a complete answer.
fn dropped_body() -> Body {
    let failing = futures_util::stream::once(async {
        Err::<axum::body::Bytes, _>(std::io::Error::other("fault: connection dropped"))
    });
    Body::from_stream(failing)
}
