//! The vendor's form, read the way real clients send it (docs/contract.md, section 1): the body is parsed as
//! `application/x-www-form-urlencoded` whatever the Content-Type says (public clients label form
//! bodies `application/json`), a parameter missing from the body is looked up in the query string,
//! the last of repeated parameters wins, multipart bodies are not read. Over the limit: 413.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use http_body_util::BodyExt;

use super::answer::Answer;
use super::body::{self, Buffer, Cut, Grow, Ticket};
use crate::model::form::Params;

pub const MIB: usize = 1024 * 1024;

/// A body value longer than this as sent is decoded only when a handler reads it as text, so an
/// upload's `fileb64` is never held decoded beside the body it came in.
const DECODED_AT_ONCE: usize = 64 * 1024;
/// The most parameters a form may name, body and query string together (a vendor form has fewer
/// than twenty): a form that names more is refused whole, never answered from part of it.
pub const MAX_FIELDS: usize = 1_024;
/// Bytes of a body received before room for all it declared is set aside.
const DECLARED_AFTER: usize = 64 * 1024;

/// A vendor form with a body limit of `MAX` bytes.
#[derive(Debug, Default)]
pub struct VendorForm<const MAX: usize> {
    body: HashMap<String, Field>,
    query: HashMap<String, String>,
    raw: Bytes,
    /// The body's share of the server's budget, held while the form lives.
    _ticket: Option<Ticket>,
}

/// A body field: where its value stands in the body, and its text (decoded when first read).
#[derive(Debug, Default)]
struct Field {
    at: std::ops::Range<usize>,
    text: OnceLock<String>,
}

/// The form of most routes: 1 MiB.
pub type Form = VendorForm<MIB>;
/// The form of the two uploadbase routes: 256 MiB.
pub type BigForm = VendorForm<{ 256 * MIB }>;

impl<const MAX: usize> VendorForm<MAX> {
    /// A parameter as sent (the body's, else the query string's).
    pub fn get(&self, name: &str) -> Option<&str> {
        match self.body.get(name) {
            Some(field) => Some(self.text_of(field)),
            None => self.query.get(name).map(String::as_str),
        }
    }

    /// A parameter, empty when absent.
    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().to_string()
    }

    /// A parameter's value as it was sent, still percent-encoded (for values too big to copy).
    pub fn sent(&self, name: &str) -> Option<&[u8]> {
        match self.body.get(name) {
            Some(field) => Some(&self.raw[field.at.clone()]),
            None => self.query.get(name).map(String::as_bytes),
        }
    }

    /// The body's parameters.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &str)> {
        self.body.iter().map(|(k, field)| (k.as_str(), self.text_of(field)))
    }

    /// The body as received, for routes that also take a bare JSON body.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    fn text_of<'a>(&'a self, field: &'a Field) -> &'a str {
        field.text.get_or_init(|| decode(&self.raw[field.at.clone()]))
    }

    /// The form, or the refusal of one that names more than [`MAX_FIELDS`] parameters.
    fn parse(raw: Bytes, query: Option<&str>, multipart: bool) -> Result<Self, Answer> {
        let too_many = || {
            Answer::Refused(
                StatusCode::BAD_REQUEST,
                format!("the form names more than {MAX_FIELDS} parameters (body and query string together)"),
            )
        };
        let mut body = HashMap::new();
        if !multipart {
            // As form_urlencoded reads it (pairs split by `&`, empty ones skipped, the name ending at
            // the first `=`), keeping where each value stands; the last of a repeated name wins.
            let mut start = 0;
            for pair in raw.split(|&b| b == b'&') {
                let end = start + pair.len();
                if !pair.is_empty() {
                    let (name, at) = match pair.iter().position(|&b| b == b'=') {
                        Some(i) => (&pair[..i], start + i + 1..end),
                        None => (pair, end..end),
                    };
                    let field = Field { text: OnceLock::new(), at };
                    if field.at.len() <= DECODED_AT_ONCE {
                        let _ = field.text.set(decode(&raw[field.at.clone()]));
                    }
                    body.insert(decode(name), field);
                    if body.len() > MAX_FIELDS {
                        return Err(too_many());
                    }
                }
                start = end + 1;
            }
        }
        let mut named = body.len();
        let mut query_fields = HashMap::new();
        for (name, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
            if !body.contains_key(name.as_ref()) && !query_fields.contains_key(name.as_ref()) {
                named += 1;
                if named > MAX_FIELDS {
                    return Err(too_many());
                }
            }
            query_fields.insert(name.into_owned(), value.into_owned());
        }
        Ok(Self { body, query: query_fields, raw, _ticket: None })
    }
}

impl<const MAX: usize> Params for VendorForm<MAX> {
    fn param(&self, name: &str) -> Option<&str> {
        self.get(name)
    }

    fn values(&self) -> Box<dyn Iterator<Item = &str> + '_> {
        Box::new(self.fields().map(|(_, value)| value))
    }

    fn body(&self) -> &[u8] {
        self.raw()
    }
}

/// A name or value as sent, decoded: `+` is a space, `%XX` a byte, then UTF-8 (invalid bytes
/// replaced), as `application/x-www-form-urlencoded` says.
fn decode(sent: &[u8]) -> String {
    let spaced: std::borrow::Cow<'_, [u8]> = if sent.contains(&b'+') {
        sent.iter().map(|&b| if b == b'+' { b' ' } else { b }).collect::<Vec<u8>>().into()
    } else {
        sent.into()
    };
    percent_encoding::percent_decode(&spaced).decode_utf8_lossy().into_owned()
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
        let slot = request.extensions().get::<super::integra::FormSlot>().cloned();
        let ticket = request.extensions().get::<Ticket>().cloned();
        let hold = |bytes: usize| ticket.as_ref().map_or(Ok(()), |t| t.hold(bytes)).map_err(cut);
        // Read into one buffer of the declared size (collecting the pieces and joining them after
        // would hold a big body twice), set aside once the body has begun to arrive in earnest;
        // its room is held in the server's budget of body bytes before it is taken.
        let declared = declared.unwrap_or(0) as usize;
        hold(declared.min(DECLARED_AFTER))?;
        let mut raw = Buffer::with_capacity(declared.min(DECLARED_AFTER));
        let mut body = request.into_body();
        while let Some(frame) = body.frame().await {
            let frame = match frame {
                Ok(frame) => frame,
                Err(e) if is_length_limit(&e) => return Err(too_large()),
                Err(e) => return Err(unread(&e)),
            };
            if let Ok(data) = frame.into_data() {
                if raw.len() + data.len() > MAX {
                    return Err(too_large());
                }
                let declared = if raw.len() + data.len() >= DECLARED_AFTER { declared } else { 0 };
                match raw.extend(&data, declared, MAX, hold) {
                    Ok(()) => {}
                    Err(Grow::Refused(answer)) => return Err(answer),
                    Err(Grow::NoMemory(e)) => {
                        return Err(cut(Cut::OverBudget(format!("no memory for the body ({e}): try again shortly"))));
                    }
                }
                if let Some(ticket) = &ticket {
                    ticket.release_to(raw.footprint().max(declared.min(DECLARED_AFTER)));
                }
            }
        }
        let raw = raw.into_bytes();
        if let Some(slot) = slot {
            *slot.0.form.lock().unwrap_or_else(|e| e.into_inner()) =
                crate::journal::FormRecord::of(query.as_deref(), &raw, multipart);
        }
        let form = Self::parse(raw, query.as_deref(), multipart)?;
        Ok(Self { _ticket: ticket, ..form })
    }
}

/// The answer to a body that could not be read to its end.
fn unread(error: &axum::Error) -> Answer {
    match body::find::<Cut>(error) {
        Some(c) => cut(c.clone()),
        None => Answer::Refused(StatusCode::BAD_REQUEST, format!("the body could not be read: {error}")),
    }
}

fn cut(cut: Cut) -> Answer {
    match cut {
        Cut::TooSlow(reason) => Answer::BodyCut(StatusCode::REQUEST_TIMEOUT, reason),
        Cut::OverBudget(reason) => Answer::BodyCut(StatusCode::SERVICE_UNAVAILABLE, reason),
    }
}

fn is_length_limit(error: &axum::Error) -> bool {
    body::find::<http_body_util::LengthLimitError>(error).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_then_query_last_wins_plus_is_space() {
        let f = Form::parse(Bytes::from_static(b"a=1&a=2&b=x+y%2Bz&c=%C3%B1"), Some("a=9&d=4&d=5"), false).unwrap();
        assert_eq!(f.get("a"), Some("2"));
        assert_eq!(f.get("b"), Some("x y+z"));
        assert_eq!(f.get("c"), Some("ñ"));
        assert_eq!(f.get("d"), Some("5"));
        assert_eq!(f.get("e"), None);
    }

    #[test]
    fn long_values_are_decoded_when_read_and_kept_as_sent() {
        let long = "a%2Bb+".repeat(20_000);
        let f = Form::parse(Bytes::from(format!("x=1&long={long}&&bare&y=%C3%B1")), None, false).unwrap();
        assert_eq!(f.sent("long"), Some(long.as_bytes()));
        assert_eq!(f.get("long"), Some("a+b ".repeat(20_000).as_str()));
        assert_eq!((f.get("x"), f.get("bare"), f.get("y")), (Some("1"), Some(""), Some("ñ")));
        let mut names: Vec<&str> = f.fields().map(|(k, _)| k).collect();
        names.sort();
        assert_eq!(names, ["bare", "long", "x", "y"]);
    }

    #[test]
    fn multipart_bodies_are_not_read() {
        let f = Form::parse(Bytes::from_static(b"a=1"), None, true).unwrap();
        assert_eq!(f.get("a"), None);
    }

    #[test]
    fn a_late_repeat_wins_and_a_form_naming_too_many_parameters_is_refused() {
        let names = |from: usize, n: usize| (from..from + n).map(|i| format!("f{i}=1")).collect::<Vec<_>>().join("&");
        // A repeat past the 1,024th pair still wins, in the body as in the query string.
        let query = format!("{}&f0=late", names(0, MAX_FIELDS - 1));
        let f = Form::parse(Bytes::from_static(b"b0=early&b0=late"), Some(&query), false).unwrap();
        assert_eq!(
            (f.get("f0"), f.get("b0"), f.get(&format!("f{}", MAX_FIELDS - 2))),
            (Some("late"), Some("late"), Some("1"))
        );
        // One name more, wherever it is, and the form is refused whole.
        for (body, query) in [
            (names(0, MAX_FIELDS + 1), String::new()),
            (String::new(), names(0, MAX_FIELDS + 1)),
            (names(0, MAX_FIELDS), "extra=1".to_string()),
        ] {
            match Form::parse(Bytes::from(body), Some(&query), false) {
                Err(Answer::Refused(status, reason)) => {
                    assert_eq!(status, StatusCode::BAD_REQUEST);
                    assert_eq!(reason, "the form names more than 1024 parameters (body and query string together)");
                }
                other => panic!("{:?}", other.map(|f| f.body.len())),
            }
        }
        // The same name in both counts once.
        assert!(Form::parse(Bytes::from(names(0, MAX_FIELDS)), Some("f0=q&f1=q"), false).is_ok());
    }
}
