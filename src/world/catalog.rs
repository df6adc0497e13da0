//! The message catalog: the words of the vendor's HTTP 400 answers (docs/contract.md, section 4). The
//! default is the vendor's Portuguese; a fixture folder may carry a `messages.json` of its own
//! (a Spanish or English server) without a rebuild.

use std::collections::HashMap;

use serde::Deserialize;

const DEFAULT: &str = include_str!("../../fixtures/messages.json");

/// The keys every catalog must define.
pub const KEYS: [&str; 8] = [
    "campaign_empty",
    "callerid_empty",
    "guid_empty",
    "agent_empty",
    "l1_empty",
    "disposition_not_found",
    "schedule_empty",
    "schedule_format",
];

/// Message templates by key; `{name}` placeholders are filled by `render`.
#[derive(Debug, Clone, Deserialize)]
#[serde(transparent)]
pub struct Catalog(HashMap<String, String>);

impl Catalog {
    pub fn embedded() -> Self {
        Self::parse(DEFAULT).expect("the embedded message catalog is valid")
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let catalog: Catalog = serde_json::from_str(text).map_err(|e| format!("messages.json: {e}"))?;
        match KEYS.iter().find(|k| !catalog.0.contains_key(**k)) {
            Some(missing) => Err(format!("messages.json lacks the key {missing:?}")),
            None => Ok(catalog),
        }
    }

    /// The message `key` with each `{name}` replaced by its value, in one pass (a value that
    /// itself contains `{l2}` stays as sent).
    pub fn render(&self, key: &str, values: &[(&str, &str)]) -> String {
        let template = self.0.get(key).map(String::as_str).unwrap_or(key);
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            match after.find('}').map(|close| (&after[..close], close)) {
                Some((name, close)) if values.iter().any(|(k, _)| *k == name) => {
                    let value = values.iter().find(|(k, _)| *k == name).map(|(_, v)| *v).unwrap_or("");
                    out.push_str(value);
                    rest = &after[close + 1..];
                }
                _ => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_in_one_pass() {
        let c = Catalog::embedded();
        assert_eq!(
            c.render("disposition_not_found", &[("l1", "{l2}"), ("l2", "x"), ("l3", "")]),
            "Disposição não encontrada para o nível1: {l2}, level2: x, nível3: "
        );
    }
}
