//! The HTTP edge shared by every vendor route: the answers in the vendor's formats, the form
//! extractor that reads bodies the way real clients send them, the token check, CORS.

pub mod answer;
pub mod body;
pub mod caller;
pub mod cors;
pub mod form;
pub mod instance;
pub mod integra;
pub mod routes;
pub mod serve;

pub use answer::Answer;
pub use caller::Caller;
pub use form::{BigForm, Form};
pub use instance::Instance;
