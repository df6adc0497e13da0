//! `/records/...` (docs/contract.md, section 6): recording files on the telephony host (main listener) and the
//! backup host (second listener), at `/records/<guid>.<ext>` or `/records/<yyyyMMdd>/<guid>.<ext>`.
//! GET and HEAD, byte ranges, validators; no token (an `<audio>` element sends none). Paths are
//! parsed from the raw request line and name no file on disk, so nothing can escape the store.

use std::net::IpAddr;

use crate::http::routes::{Docs, Routes, route};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::audio::cache::{Audio, Lease};
use crate::http::Answer;
use crate::http::Instance;
use crate::http::answer::refusal;
use crate::http::serve::Peer;
use crate::state::AppState;
use crate::world::World;
use crate::world::recordings::{AudioFile, Format, Host, parse_path};

/// The most a response body hands the socket at once: files stream in pieces of this size.
pub const CHUNK: usize = 64 * 1024;

/// The recordings routes of one host, and what describes them.
pub fn router(host: Host) -> (Router<AppState>, Docs) {
    let (router, docs) = Routes::new().route(route!(root_file)).route(route!(dated_file)).split();
    let router = router.layer(Extension(host)).method_not_allowed_fallback(|| async {
        refusal(StatusCode::METHOD_NOT_ALLOWED, "recordings answer GET and HEAD only")
    });
    (router, docs)
}

/// A recording in the store's root.
#[utoipa::path(
    get,
    path = "/records/{file}",
    tag = "recordings",
    params(("file" = String, Path, description = "`<guid>.mp3` or `<guid>.gsm`")),
    responses((status = 200, description = "The recording", content((Vec<u8> = "audio/mpeg"), (Vec<u8> = "audio/x-gsm"))), (status = 206, description = "The requested bytes", content((Vec<u8> = "audio/mpeg"), (Vec<u8> = "audio/x-gsm"))), (status = 304, description = "Not modified"), (status = 400, description = "A malformed instance name", content((serde_json::Value = "application/json"))), (status = 404, description = "No such recording here (empty body; `X-Mock-Reason` says why)"), (status = 416, description = "The range is outside the file"), (status = 503, description = "Recordings being read fill the audio cache (`--recording-cache-mb`): try again after `Retry-After` seconds"))
)]
async fn root_file(
    State(state): State<AppState>,
    Instance(world): Instance,
    Extension(host): Extension<Host>,
    peer: Option<Extension<Peer>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let reader = peer.map(|Extension(Peer(ip))| ip);
    serve(&state, &world, host, method == Method::HEAD, &uri, &headers, reader).await
}

/// A recording in a dated folder.
#[utoipa::path(
    get,
    path = "/records/{folder}/{file}",
    tag = "recordings",
    params(("folder" = String, Path, description = "`yyyyMMdd` of the call's first leg"), ("file" = String, Path, description = "`<guid>.mp3` or `<guid>.gsm`")),
    responses((status = 200, description = "The recording", content((Vec<u8> = "audio/mpeg"), (Vec<u8> = "audio/x-gsm"))), (status = 206, description = "The requested bytes", content((Vec<u8> = "audio/mpeg"), (Vec<u8> = "audio/x-gsm"))), (status = 304, description = "Not modified"), (status = 400, description = "A malformed instance name", content((serde_json::Value = "application/json"))), (status = 404, description = "No such recording here (empty body; `X-Mock-Reason` says why)"), (status = 416, description = "The range is outside the file"), (status = 503, description = "Recordings being read fill the audio cache (`--recording-cache-mb`): try again after `Retry-After` seconds"))
)]
async fn dated_file(
    State(state): State<AppState>,
    Instance(world): Instance,
    Extension(host): Extension<Host>,
    peer: Option<Extension<Peer>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let reader = peer.map(|Extension(Peer(ip))| ip);
    serve(&state, &world, host, method == Method::HEAD, &uri, &headers, reader).await
}

/// What the coverage report counts of the recordings: each host's answers, and each folder and
/// format asked for (docs/contract.md, section 13).
pub fn declared() -> Vec<crate::coverage::Declared> {
    use crate::coverage::Branch::Status;
    [Host::Main, Host::Backup]
        .into_iter()
        .map(|host| crate::coverage::Declared {
            path: coverage_key(host).to_string(),
            branches: STATUSES.into_iter().map(Status).collect(),
            dimensions: FACETS.to_vec(),
            describe: crate::coverage::NO_FORM,
        })
        .collect()
}

/// A host's recordings as the coverage report names them.
fn coverage_key(host: Host) -> &'static str {
    match host {
        Host::Main => "/records@main",
        Host::Backup => "/records@backup",
    }
}

/// The answers of a recordings host.
const STATUSES: [u16; 5] = [200, 206, 304, 404, 416];

/// The folders and formats a recording is asked for in.
const FACETS: [&str; 4] = ["dated mp3", "dated gsm", "root mp3", "root gsm"];

async fn serve(
    state: &AppState,
    world: &World,
    host: Host,
    head: bool,
    uri: &Uri,
    headers: &HeaderMap,
    reader: Option<IpAddr>,
) -> Response {
    let parsed = parse_path(uri.path());
    let facet = parsed.as_ref().map(|path| {
        let mp3 = path.format == Format::Mp3;
        FACETS[usize::from(path.folder.is_none()) * 2 + usize::from(!mp3)]
    });
    let response = find(world, host, head, parsed, headers, reader).await;
    let status = response.status().as_u16();
    let branch = STATUSES.contains(&status).then_some(crate::coverage::Branch::Status(status));
    let form = crate::journal::FormRecord::Unread;
    let facets: Vec<&'static str> = facet.into_iter().collect();
    let observed = crate::coverage::Observed { branch, status, fault: None, form: &form, facets: &facets };
    state.coverage.count(Some(world.name()), coverage_key(host), observed);
    response
}

async fn find(
    world: &World,
    host: Host,
    head: bool,
    path: Option<crate::world::recordings::FilePath>,
    headers: &HeaderMap,
    reader: Option<IpAddr>,
) -> Response {
    let Some(path) = path else {
        return refusal(StatusCode::NOT_FOUND, "not a recording path: /records/[yyyyMMdd/]<guid>.mp3 or .gsm");
    };
    match world.recording_file(host, path.folder.as_deref(), &path.guid, path.format).await {
        Ok(Some(file)) => respond(world, file, head, headers, reader).await,
        Ok(None) => refusal(
            StatusCode::NOT_FOUND,
            &format!(
                "no {} recording of {} in this folder of the {} host",
                path.format.as_str(),
                path.guid,
                host.as_str()
            ),
        ),
        Err(e) => Answer::from(e).into_response(),
    }
}

/// HTTP-date (RFC 9110): `Sun, 06 Nov 1994 08:49:37 GMT`.
fn http_date(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// The answer for a file: 304 when the client's copy is current, 206 for one satisfiable range,
/// 416 for a range outside the file, else the whole file. Only an answer with a body makes the
/// file: a HEAD, a 304 or a 416 needs nothing but what is known of it beforehand.
async fn respond(world: &World, file: AudioFile, head: bool, request: &HeaderMap, reader: Option<IpAddr>) -> Response {
    let modified = http_date(file.modified);
    let header_text = |name: header::HeaderName| request.get(name).and_then(|v| v.to_str().ok());
    let not_modified = match header_text(header::IF_NONE_MATCH) {
        Some(tags) => {
            tags.split(',').map(str::trim).any(|t| t == "*" || t == file.etag || t == format!("W/{}", file.etag))
        }
        None => header_text(header::IF_MODIFIED_SINCE)
            .and_then(|since| chrono::DateTime::parse_from_rfc2822(since).ok())
            .is_some_and(|since| file.modified.timestamp() <= since.timestamp()),
    };
    let len = file.len as u64;
    let range_applies = header_text(header::IF_RANGE).is_none_or(|v| v == file.etag || v == modified);
    let asked = header_text(header::RANGE).filter(|_| range_applies).map_or(Asked::Whole, |r| byte_range(r, len));
    let (status, start, end) = match asked {
        _ if not_modified => (StatusCode::NOT_MODIFIED, 0, 0),
        Asked::Outside => (StatusCode::RANGE_NOT_SATISFIABLE, 0, 0),
        Asked::Bytes(start, end) => (StatusCode::PARTIAL_CONTENT, start, end),
        Asked::Whole => (StatusCode::OK, 0, len.saturating_sub(1)),
    };
    let mut response = match status {
        StatusCode::NOT_MODIFIED => StatusCode::NOT_MODIFIED.into_response(),
        StatusCode::RANGE_NOT_SATISFIABLE => {
            let mut response = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                response.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            response
        }
        _ => {
            let part = if len == 0 { 0 } else { end - start + 1 };
            let body = if head {
                Body::empty()
            } else {
                match world.recording_bytes(&file, reader).await {
                    Ok((audio, lease)) => streamed(audio, lease, start as usize, part as usize),
                    Err(e) => return Answer::from(e).into_response(),
                }
            };
            let range = (status == StatusCode::PARTIAL_CONTENT).then(|| format!("bytes {start}-{end}/{len}"));
            body_response(status, file.format, body, part, range)
        }
    };
    let headers = response.headers_mut();
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Ok(v) = HeaderValue::from_str(&file.etag) {
        headers.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&modified) {
        headers.insert(header::LAST_MODIFIED, v);
    }
    response
}

/// What a `Range` header asks of a file of `len` bytes (RFC 9110 section 14).
#[derive(Debug, PartialEq, Eq)]
enum Asked {
    /// The bytes `start..=end`, within the file.
    Bytes(u64, u64),
    /// Nothing of the file (416).
    Outside,
    /// The whole file: another unit, several ranges (players ask for one), or a header that is not
    /// a valid range, which a server ignores.
    Whole,
}

fn byte_range(header: &str, len: u64) -> Asked {
    let number = |text: &str| {
        let text = text.trim();
        let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
        if digits { text.parse::<u64>().ok() } else { None }
    };
    let Some(spec) = header.trim().strip_prefix("bytes=") else { return Asked::Whole };
    let Some((first, last)) = spec.split_once('-').filter(|_| !spec.contains(',')) else { return Asked::Whole };
    match (first.trim().is_empty(), number(first), number(last)) {
        // `-N`: the last N bytes (all of them when N is larger, none when N is 0).
        (true, _, Some(n)) if n > 0 && len > 0 => Asked::Bytes(len.saturating_sub(n), len - 1),
        (true, _, Some(_)) => Asked::Outside,
        (false, Some(start), _) if start >= len => Asked::Outside,
        (false, Some(start), None) if last.trim().is_empty() => Asked::Bytes(start, len - 1),
        (false, Some(start), Some(end)) if end >= start => Asked::Bytes(start, end.min(len - 1)),
        _ => Asked::Whole,
    }
}

/// `len` bytes of a made file from `start`, streamed in `CHUNK`-byte pieces (no copy). The file
/// stays counted by the cache, and against its client's share, until the last piece is sent (or
/// the client goes away).
fn streamed(audio: Audio, lease: Lease, start: usize, len: usize) -> Body {
    let pieces = (0..len.div_ceil(CHUNK)).map(move |i| {
        let _held = &lease;
        let from = start + i * CHUNK;
        Ok::<Bytes, std::convert::Infallible>(audio.slice(from..(from + CHUNK).min(start + len)))
    });
    Body::from_stream(futures_util::stream::iter(pieces))
}

/// An answer with a body of `len` bytes, its type and its range.
fn body_response(status: StatusCode, format: Format, body: Body, len: u64, content_range: Option<String>) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    if let Some(range) = content_range.and_then(|r| HeaderValue::from_str(&r).ok()) {
        headers.insert(header::CONTENT_RANGE, range);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_headers_as_rfc_9110_reads_them() {
        let cases = [
            ("bytes=0-99", Asked::Bytes(0, 99)),
            ("bytes=900-", Asked::Bytes(900, 999)),
            ("bytes=990-2000", Asked::Bytes(990, 999)),
            ("bytes=-10", Asked::Bytes(990, 999)),
            ("bytes=-5000", Asked::Bytes(0, 999)),
            ("bytes=-0", Asked::Outside),
            ("bytes=1000-", Asked::Outside),
            ("bytes=5000-6000", Asked::Outside),
            ("bytes=5-3", Asked::Whole),
            ("bytes=0-0,5-9", Asked::Whole),
            ("bytes=+5-9", Asked::Whole),
            ("bytes=a-b", Asked::Whole),
            ("bytes=-", Asked::Whole),
            ("lines=0-3", Asked::Whole),
            ("bytes=99999999999999999999-", Asked::Whole),
        ];
        for (header, expected) in cases {
            assert_eq!(byte_range(header, 1000), expected, "{header}");
        }
    }
}
