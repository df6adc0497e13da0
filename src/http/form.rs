//! The vendor's form, read the way real clients send it (CONTRACT section 1): the body is parsed as
//! `application/x-www-form-urlencoded` whatever the Content-Type says (public clients label form
//! bodies `application/json`), a parameter missing from the body is looked up in the query string,
//! the last of repeated parameters wins, multipart bodies are not read. Over the limit: 413.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};

use super::answer::Answer;

pub const MIB: usize = 1024 * 1024;

/// A vendor form with a body limit of `MAX` bytes.
#[derive(Debug, Default)]
pub struct VendorForm<const MAX: usize> {
    body: HashMap<String, String>,
    query: HashMap<String, String>,
    raw: Bytes,
}

/// The form of most routes: 1 MiB.
pub type Form = VendorForm<MIB>;
/// The form of the two uploadbase routes: 256 MiB.
pub type BigForm = VendorForm<{ 256 * MIB }>;

impl<const MAX: usize> VendorForm<MAX> {
    /// A parameter as sent (the body's, else the query string's).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.body.get(name).or_else(|| self.query.get(name)).map(String::as_str)
    }

    /// A parameter, empty when absent.
    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().to_string()
    }

    /// The body's parameters.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &str)> {
        self.body.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The body as received, for routes that also take a bare JSON body.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    fn parse(raw: Bytes, query: Option<&str>, multipart: bool) -> Self {
        let pairs = |bytes: &[u8]| form_urlencoded::parse(bytes).into_owned().collect::<HashMap<_, _>>();
        let body = if multipart { HashMap::new() } else { pairs(&raw) };
        Self { body, query: query.map(|q| pairs(q.as_bytes())).unwrap_or_default(), raw }
    }
}

impl<S: Send + Sync, const MAX: usize> FromRequest<S> for VendorForm<MAX> {
    type Rejection = Answer;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let too_large = || Answer::TooLarge(format!("the body is over this route's limit of {MAX} bytes"));
        let declared = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX as u64) {
            return Err(too_large());
        }
        let multipart = request
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.as_bytes().trim_ascii_start())
            .is_some_and(|v| v.len() >= 10 && v[..10].eq_ignore_ascii_case(b"multipart/"));
        let query = request.uri().query().map(str::to_string);
        let slot = request.extensions().get::<super::record::FormSlot>().cloned();
        let raw = match axum::body::to_bytes(request.into_body(), MAX).await {
            Ok(raw) => raw,
            Err(e) if is_length_limit(&e) => return Err(too_large()),
            Err(e) => return Err(Answer::Refused(StatusCode::BAD_REQUEST, format!("the body could not be read: {e}"))),
        };
        let form = Self::parse(raw, query.as_deref(), multipart);
        if let Some(slot) = slot {
            *slot.0.lock().unwrap_or_else(|e| e.into_inner()) =
                crate::journal::FormRecord::of(query.as_deref(), &form.raw, multipart);
        }
        Ok(form)
    }
}

fn is_length_limit(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if e.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_then_query_last_wins_plus_is_space() {
        let f = Form::parse(Bytes::from_static(b"a=1&a=2&b=x+y%2Bz&c=%C3%B1"), Some("a=9&d=4"), false);
        assert_eq!(f.get("a"), Some("2"));
        assert_eq!(f.get("b"), Some("x y+z"));
        assert_eq!(f.get("c"), Some("ñ"));
        assert_eq!(f.get("d"), Some("4"));
        assert_eq!(f.get("e"), None);
    }

    #[test]
    fn multipart_bodies_are_not_read() {
        let f = Form::parse(Bytes::from_static(b"a=1"), None, true);
        assert_eq!(f.get("a"), None);
    }
}
