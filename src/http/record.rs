//! The two layers between an instance and its Integra handlers: the journal records every request
//! with its form and answer; the faults layer delays, forces or drops answers when a fault says so.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::answer::{REASON, TEXT, reason_value};
use crate::journal::{Entry, clip};
use crate::world::World;

/// Where the form extractor leaves the parsed form for the journal.
#[derive(Debug, Clone, Default)]
pub struct FormSlot(pub Arc<Mutex<Option<BTreeMap<String, String>>>>);

/// The headers worth remembering.
const HEADERS: [&str; 6] = ["authorization", "content-type", "origin", "host", "user-agent", "x-mock-instance"];

/// Records the request and its answer in the instance's journal.
pub async fn journal(mut request: Request, next: Next) -> Response {
    let Some(world) = request.extensions().get::<Arc<World>>().cloned() else { return next.run(request).await };
    let slot = FormSlot::default();
    request.extensions_mut().insert(slot.clone());
    let method = request.method().to_string();
    let path = request.uri().path().to_string();
    let headers: BTreeMap<String, String> = HEADERS
        .iter()
        .filter_map(|h| {
            request.headers().get(*h).map(|v| (h.to_string(), clip(&String::from_utf8_lossy(v.as_bytes()))))
        })
        .collect();
    let clock_time = world.clock().stamp();
    let response = next.run(request).await;
    let (parts, body) = response.into_parts();
    let (answer, body) = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => (clip(&String::from_utf8_lossy(&bytes)), Body::from(bytes)),
        Err(_) => ("(connection dropped)".to_string(), dropped_body()),
    };
    let form = slot.0.lock().unwrap_or_else(|e| e.into_inner()).take().unwrap_or_default();
    world.journal().record(Entry {
        seq: 0,
        instance: world.name().to_string(),
        method,
        path,
        form,
        headers,
        status: parts.status.as_u16(),
        answer,
        reason: parts.headers.get(&REASON).and_then(|v| v.to_str().ok()).map(str::to_string),
        wall_time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        clock_time,
    });
    Response::from_parts(parts, body)
}

/// Applies the instance's faults to the request, if one hits it.
pub async fn faults(request: Request, next: Next) -> Response {
    let Some(world) = request.extensions().get::<Arc<World>>().cloned() else { return next.run(request).await };
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
