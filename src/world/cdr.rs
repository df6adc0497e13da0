//! `Cdr/getrecords` (docs/contract.md, section 6): its page and filter read from the form (the types
//! are in `model::cdr`), and the page of CDRs they find.

use serde_json::Value;

use super::error::{Failure, refuse, refused};
use super::json::Object;
use crate::model::cdr::{Cdr, CdrFilter, DEFAULT_LIMIT, MAX_LIMIT, Page, TimeWindow};
use crate::model::vendor_date::{TimeOfDay, VendorDate};
use crate::model::why::Why;

impl Page {
    /// Reads `lastrow` and `searchLimit` as sent (absent or empty: the defaults).
    pub fn parse(lastrow: Option<&str>, search_limit: Option<&str>) -> Result<Self, Failure> {
        let number = |name: &str, text: Option<&str>, default: i64| -> Result<i64, Failure> {
            match text.map(str::trim) {
                None | Some("") => Ok(default),
                Some(t) => match t.parse::<i64>() {
                    Ok(n) if n >= 0 => Ok(n),
                    _ => refuse(Why::BadValue, format!("{name} must be a whole number >= 0, not {t:?}")),
                },
            }
        };
        let offset = number("lastrow", lastrow, 0)?;
        let limit = number("searchLimit", search_limit, DEFAULT_LIMIT)?.min(MAX_LIMIT);
        Ok(Self { offset, limit })
    }
}

impl CdrFilter {
    /// Parses the `filter` parameter; absent or empty text is "no filter".
    pub fn parse(text: Option<&str>) -> Result<Self, Failure> {
        let text = match text {
            None => return Ok(Self::default()),
            Some(t) if t.trim().is_empty() => return Ok(Self::default()),
            Some(t) => t,
        };
        let value: Value = super::json::parse("filter", text)?;
        let o = Object::new("filter", &value)?;
        let text = |key: &str| -> Result<Option<String>, Failure> { Ok(o.text(key)?.filter(|s| !s.is_empty())) };
        let date = |key: &str| -> Result<Option<VendorDate>, Failure> {
            match text(key)? {
                None => Ok(None),
                Some(t) => t.parse().map(Some).map_err(|e| refused(Why::BadDate)(format!("filter.{key}: {e}"))),
            }
        };
        let range = match text("range")? {
            None => None,
            Some(r) => Some(parse_window(&r)?),
        };
        Ok(Self {
            from: date("calldatei")?,
            to: date("calldatef")?,
            agent: text("agent")?,
            campaign: text("campaign")?,
            source: text("source")?,
            destination: text("destination")?,
            data: text("data")?,
            range,
            rating: o.integer("rating")?,
            mindur: o.integer("mindur")?,
            exclude: text("exclude")?,
            kind: text("type")?,
            cont: o.integer("cont")?,
        })
    }
}

fn parse_window(text: &str) -> Result<TimeWindow, Failure> {
    let bad = || refused(Why::BadValue)(format!("filter.range must be HH:mm-HH:mm, not {text:?}"));
    let (from, to) = text.split_once('-').ok_or_else(bad)?;
    let from: TimeOfDay = from.trim().parse().map_err(|_| bad())?;
    let to: TimeOfDay = to.trim().parse().map_err(|_| bad())?;
    Ok(TimeWindow { from: from.0, to: to.0 })
}

impl super::World {
    /// `Cdr/getrecords`: one page of the CDRs matching the filter, by `calldate` then `id`.
    pub async fn records(&self, filter: &CdrFilter, page: Page) -> Result<Vec<Cdr>, Failure> {
        Ok(crate::store::records::find_cdrs(self.store().reader(), filter, page).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_fields_mean_any() {
        let f = CdrFilter::parse(Some(r#"{"calldatei":"","agent":"","mindur":"","type":"record","cont":""}"#)).unwrap();
        assert_eq!(f, CdrFilter { kind: Some("record".into()), ..Default::default() });
    }

    #[test]
    fn malformed_filters_are_refused() {
        for bad in
            ["{", "[]", r#"{"calldatei":"2015-12-03"}"#, r#"{"range":"9-10"}"#, r#"{"mindur":"x"}"#, r#"{"agent":{}}"#]
        {
            assert!(CdrFilter::parse(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn page_defaults_and_cap() {
        assert_eq!(Page::parse(None, None).unwrap(), Page { offset: 0, limit: 50 });
        assert_eq!(Page::parse(Some("50"), Some("5000")).unwrap(), Page { offset: 50, limit: 1000 });
        assert!(Page::parse(Some("-1"), None).is_err());
        assert!(Page::parse(None, Some("ten")).is_err());
    }
}
