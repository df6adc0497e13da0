//! The answers a route can give, as the coverage report names them: each success shape, each `0`
//! reason ([`Why`]), each catalog message of a 400, each kind of 401, and 413.

use crate::model::why::Why;

/// One answer a route can give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Branch {
    /// `1`.
    One,
    /// A guid as plain text.
    Guid,
    /// JSON with something in it.
    Json,
    /// The empty JSON list `[]`.
    EmptyList,
    /// HTTP 200 with an empty body.
    Empty,
    /// The vendor's `0`, for this reason.
    Zero(Why),
    /// HTTP 400 with this catalog message (`api/DispositionCall`).
    Invalid(&'static str),
    /// HTTP 401.
    Unauthorized(Auth),
    /// HTTP 413: the body is over the route's limit.
    TooLarge,
    /// An HTTP status of a route that answers no vendor text (a recording: 200, 206, 304, 404, 416).
    Status(u16),
}

/// The values of a route's own dimensions an answer exercised (`action:RESPOOL`, `filter:agent`,
/// `page:later`), as a response extension; each route declares the values it has
/// (`Route::dimensions`).
#[derive(Debug, Clone, Default)]
pub struct Facets(pub Vec<&'static str>);

/// Why a request was answered 401.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Auth {
    /// No `Authorization: Basic <token>` header.
    Missing,
    /// A token no login of the instance issued.
    Unknown,
    /// A token whose session `EndSession` ended (or that was forgotten as one of the oldest).
    Ended,
}

/// What every route guarded by a token can answer besides its own branches.
pub const GUARDED: [Branch; 4] = [
    Branch::Unauthorized(Auth::Missing),
    Branch::Unauthorized(Auth::Unknown),
    Branch::Unauthorized(Auth::Ended),
    Branch::TooLarge,
];

impl Branch {
    /// The branch's name in reports: `1`, `guid`, `json`, `[]`, `empty`, `0:unknown-campaign`,
    /// `400:schedule_format`, `401:ended`, `413`.
    pub fn id(self) -> String {
        match self {
            Self::One => "1".into(),
            Self::Guid => "guid".into(),
            Self::Json => "json".into(),
            Self::EmptyList => "[]".into(),
            Self::Empty => "empty".into(),
            Self::Zero(why) => format!("0:{}", why.id()),
            Self::Invalid(key) => format!("400:{key}"),
            Self::Unauthorized(Auth::Missing) => "401:missing".into(),
            Self::Unauthorized(Auth::Unknown) => "401:unknown".into(),
            Self::Unauthorized(Auth::Ended) => "401:ended".into(),
            Self::TooLarge => "413".into(),
            Self::Status(status) => status.to_string(),
        }
    }

    /// What the branch is, in a line.
    pub fn doc(self) -> &'static str {
        match self {
            Self::One => "Done: `1`.",
            Self::Guid => "Done: the new call's guid.",
            Self::Json => "Done: JSON with something in it.",
            Self::EmptyList => "Done: an empty list `[]`.",
            Self::Empty => "Done: HTTP 200 with an empty body.",
            Self::Zero(why) => why.doc(),
            Self::Invalid(_) => "HTTP 400 with this message of the catalog.",
            Self::Unauthorized(Auth::Missing) => "HTTP 401: no Authorization: Basic header.",
            Self::Unauthorized(Auth::Unknown) => "HTTP 401: a token the instance never issued.",
            Self::Unauthorized(Auth::Ended) => "HTTP 401: a token whose session ended.",
            Self::TooLarge => "HTTP 413: the body is over the route's limit.",
            Self::Status(200) => "HTTP 200: the whole file.",
            Self::Status(206) => "HTTP 206: one byte range of the file.",
            Self::Status(304) => "HTTP 304: the client's copy is current.",
            Self::Status(404) => "HTTP 404: no such recording here.",
            Self::Status(416) => "HTTP 416: a byte range outside the file.",
            Self::Status(_) => "This HTTP status.",
        }
    }
}
