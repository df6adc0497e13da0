//! Call detail records as `Cdr/getrecords` answers them (docs/contract.md, section 6), and the page
//! and filter it takes. Field names, types and order are the vendor's, so the struct serialises
//! straight to the wire.

use chrono::NaiveTime;
use serde::Serialize;

use super::vendor_date::VendorDate;

/// One leg of a call, exactly the vendor's fields in the vendor's order.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Cdr {
    pub id: i64,
    pub calldate: String,
    pub clid: String,
    pub src: String,
    pub dst: String,
    pub dcontext: String,
    pub channel: String,
    pub dstchannel: String,
    pub lastapp: String,
    pub lastdata: String,
    pub duration: i64,
    pub billsec: i64,
    pub disposition: String,
    pub amaflags: i64,
    pub accountcode: String,
    pub userfield: Option<String>,
    pub uniqueid: String,
    #[serde(rename = "type")]
    #[sqlx(rename = "type")]
    pub kind: String,
    pub guid: String,
    pub causecode: String,
    pub campaign: String,
    pub direction: String,
    pub carrier: String,
    pub linkedid: String,
    pub peeraccount: String,
    pub sequence: i64,
    pub charged_balance: Option<f64>,
    pub real_balance: Option<f64>,
    pub note: Option<String>,
    pub contact: Option<String>,
    pub finishtime: String,
    pub rating: i64,
    pub dialerbase: Option<String>,
    pub parandvalues: Option<String>,
    pub alternatives: Option<String>,
    pub quality: i64,
}

/// A page of getrecords: `lastrow` rows skipped, at most `limit` returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub offset: i64,
    pub limit: i64,
}

/// The page size when `searchLimit` is absent, and the most one page may hold (docs/contract.md, section 6).
pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 1000;

/// The time-of-day window of the `range` filter; `from` after `to` wraps past midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeWindow {
    pub from: NaiveTime,
    pub to: NaiveTime,
}

/// getrecords' `filter` object, parsed. `None` means "any" (absent or empty in the request).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CdrFilter {
    pub from: Option<VendorDate>,
    pub to: Option<VendorDate>,
    pub agent: Option<String>,
    pub campaign: Option<String>,
    pub source: Option<String>,
    pub destination: Option<String>,
    pub data: Option<String>,
    pub range: Option<TimeWindow>,
    pub rating: Option<i64>,
    pub mindur: Option<i64>,
    pub exclude: Option<String>,
    pub kind: Option<String>,
    pub cont: Option<i64>,
}
