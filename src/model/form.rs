//! A vendor form as the world reads it, where a route's rule decides which of the sent parameters
//! count (the blacklist's JSON found in any field or in the body, a parameter's alias).

/// What a client sent: its parameters by name, and the body as received.
pub trait Params {
    /// A parameter as sent (the body's, else the query string's), decoded.
    fn param(&self, name: &str) -> Option<&str>;
    /// Every value of the body's parameters, decoded.
    fn values(&self) -> Box<dyn Iterator<Item = &str> + '_>;
    /// The body as received.
    fn body(&self) -> &[u8];
}
