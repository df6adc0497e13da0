//! Which required values a request lacks, said at once.

/// Every name of `fields` whose value is empty, said at once (`callerid, phone and outqueue are
/// required`): a client learns all it left out from one refusal. `None` when nothing is missing.
pub fn missing(fields: &[(&str, &str)]) -> Option<String> {
    let names: Vec<&str> = fields.iter().filter(|(_, value)| value.is_empty()).map(|(name, _)| *name).collect();
    match names.as_slice() {
        [] => None,
        [one] => Some(format!("{one} is required")),
        [rest @ .., last] => Some(format!("{} and {last} are required", rest.join(", "))),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_missing_field_is_named_at_once() {
        assert_eq!(super::missing(&[("a", "1"), ("b", "")]).as_deref(), Some("b is required"));
        let all = super::missing(&[("callerid", ""), ("phone", ""), ("tech", "SIP"), ("outqueue", "")]);
        assert_eq!(all.as_deref(), Some("callerid, phone and outqueue are required"));
        assert_eq!(super::missing(&[("a", "1")]), None);
    }
}
