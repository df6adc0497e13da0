//! Errors of the world layer. Handlers turn them into the vendor's answers (`http::answer`).

use crate::model::why::{Refusal, Why};
use crate::store::StoreError;

/// What went wrong while the world handled a request.
#[derive(Debug)]
pub enum Failure {
    /// The request is refused with the vendor's opaque `0`: its reason, and the text that says
    /// why (`X-Mock-Reason`).
    Refused(Refusal),
    /// The request is refused with HTTP 400 and the catalog message of `key` (`api/DispositionCall`).
    Invalid { key: &'static str, message: String, reason: String },
    /// The database failed: not the client's fault, logged and answered 500.
    Store(StoreError),
    /// Something below the API failed (an audio codec): not the client's fault, logged and
    /// answered 500.
    Internal(String),
    /// The mock is at one of its bounds (recordings being read fill the audio cache): answered
    /// 503, to be tried again shortly.
    Busy(String),
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

/// [`crate::model::required::missing`] as a `0` refusal.
pub fn require(fields: &[(&str, &str)]) -> Result<(), Failure> {
    crate::model::required::missing(fields).map_or(Ok(()), |reason| refuse(Why::MissingField, reason))
}

/// Shorthand for a `0` refusal with its reason.
pub fn refuse<T>(why: Why, reason: impl Into<String>) -> Result<T, Failure> {
    Err(Failure::Refused(Refusal::new(why, reason)))
}

/// A `0` refusal of `why`, for `map_err`.
pub fn refused(why: Why) -> impl FnOnce(String) -> Failure {
    move |reason| Failure::Refused(Refusal::new(why, reason))
}

impl From<Refusal> for Failure {
    fn from(refusal: Refusal) -> Self {
        Self::Refused(refusal)
    }
}
