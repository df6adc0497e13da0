//! Cdr/getrecords: paging, every filter field, the rows' exact fields, order and types (docs/contract.md,
//! section 6, with the general rules of section 1), and the fixture history's leg rules (section 10).
//! Every expectation is computed here from `GET /_mock/state/cdrs`, filtered in Rust.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use chrono::{NaiveDateTime, NaiveTime};
use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::{Value, json};

use crate::helpers::{JSON, Reply, TestApp};

/// The vendor's first getrecords row, verbatim: the source of the key order and the JSON types.
const SEED_ROW: &str = r#"{ "id" : 1, "calldate" : "2022-06-20 17:56:59", "clid" : "\"Out<-\" <9901>", "src" : "9901", "dst" : "33334444", "dcontext" : "inbound", "channel" : "SIP/9901-00000000", "dstchannel" : "SIP/1111-00000001", "lastapp" : "Queue", "lastdata" : "Out<-,tkc,,,600,,,functions,,", "duration" : 16, "billsec" : 16, "disposition" : "NO ANSWER", "amaflags" : 3, "accountcode" : "Inbound", "userfield" : null, "uniqueid" : "1655747819.0", "type" : "record", "guid" : "020f9687-adc6-46ca-b675-e96c9d1606ef", "causecode" : "16", "campaign" : "Out<-", "direction" : "inbound", "carrier" : "9901", "linkedid" : "1655747819.0", "peeraccount" : "agent", "sequence" : 0, "charged_balance" : null, "real_balance" : null, "note" : null, "contact" : null, "finishtime" : "2022-06-20 17:58:34", "rating" : 0, "dialerbase" : null, "parandvalues" : null, "alternatives" : null, "quality" : 0 }"#;

/// docs/contract.md, section 6's list of fields, in order.
const FIELDS: [&str; 36] = [
    "id",
    "calldate",
    "clid",
    "src",
    "dst",
    "dcontext",
    "channel",
    "dstchannel",
    "lastapp",
    "lastdata",
    "duration",
    "billsec",
    "disposition",
    "amaflags",
    "accountcode",
    "userfield",
    "uniqueid",
    "type",
    "guid",
    "causecode",
    "campaign",
    "direction",
    "carrier",
    "linkedid",
    "peeraccount",
    "sequence",
    "charged_balance",
    "real_balance",
    "note",
    "contact",
    "finishtime",
    "rating",
    "dialerbase",
    "parandvalues",
    "alternatives",
    "quality",
];

/// More than the whole fixture history in one page (it holds about 500 rows).
const ALL: &str = "1000";

// Helpers ------------------------------------------------------------------------------------------

/// The keys of one JSON object in the order the text has them (duplicates kept).
struct Keys(Vec<String>);

impl<'de> Deserialize<'de> for Keys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeysVisitor;
        impl<'de> Visitor<'de> for KeysVisitor {
            type Value = Keys;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                let mut keys = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    map.next_value::<IgnoredAny>()?;
                    keys.push(key);
                }
                Ok(Keys(keys))
            }
        }
        deserializer.deserialize_map(KeysVisitor)
    }
}

/// The key order of every object of a JSON array, read from the raw text.
fn key_orders(raw: &str) -> Vec<Vec<String>> {
    let rows: Vec<Keys> = serde_json::from_str(raw).unwrap_or_else(|e| panic!("not an array of objects ({e}): {raw}"));
    rows.into_iter().map(|k| k.0).collect()
}

/// Every CDR of the world, ordered by `calldate` then `id` here (not trusting the table's order).
async fn history(app: &TestApp) -> Vec<Value> {
    let mut rows = app.state("cdrs").await.as_array().expect("an array").clone();
    rows.sort_by(|a, b| (s(a, "calldate"), int(a, "id")).cmp(&(s(b, "calldate"), int(b, "id"))));
    assert!(rows.len() > 300, "the fixture history has a few hundred rows, not {}", rows.len());
    rows
}

fn s<'a>(row: &'a Value, key: &str) -> &'a str {
    row[key].as_str().unwrap_or_else(|| panic!("{key} is not text in {row}"))
}

fn int(row: &Value, key: &str) -> i64 {
    row[key].as_i64().unwrap_or_else(|| panic!("{key} is not an integer in {row}"))
}

fn opt<'a>(row: &'a Value, key: &str) -> &'a str {
    row[key].as_str().unwrap_or("")
}

fn ids(rows: &[&Value]) -> Vec<i64> {
    rows.iter().map(|r| int(r, "id")).collect()
}

/// The rows of `all` that `keep` keeps, by id, in the table's order.
fn expect(all: &[Value], keep: impl Fn(&Value) -> bool) -> Vec<i64> {
    all.iter().filter(|r| keep(r)).map(|r| int(r, "id")).collect()
}

fn date(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

fn time_of(row: &Value) -> NaiveTime {
    date(s(row, "calldate")).time()
}

/// The customer number of a row: `dst` outbound, `src` inbound.
fn customer(row: &Value) -> &str {
    if s(row, "direction") == "inbound" { s(row, "src") } else { s(row, "dst") }
}

async fn getrecords(app: &TestApp, form: &[(&str, &str)]) -> Reply {
    app.post("Cdr/getrecords", form).await
}

/// A 200 JSON array; its ids in order.
#[track_caller]
fn page_ids(reply: &Reply) -> Vec<i64> {
    assert_eq!((reply.status, reply.content_type()), (200, Some(JSON)), "body: {} ({:?})", reply.body, reply.reason());
    reply
        .json()
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {}", reply.body))
        .iter()
        .map(|r| int(r, "id"))
        .collect()
}

/// The ids getrecords finds for `filter`, all in one page.
async fn found(app: &TestApp, filter: &Value) -> Vec<i64> {
    let reply = getrecords(app, &[("lastrow", "0"), ("searchLimit", ALL), ("filter", &filter.to_string())]).await;
    page_ids(&reply)
}

/// The expectation is a real subset: some rows, not all of them (so the filter is exercised).
#[track_caller]
fn meaningful(expected: &[i64], all: &[Value], what: &str) {
    assert!(!expected.is_empty() && expected.len() < all.len(), "{what}: {} of {} rows", expected.len(), all.len());
}

// Paging -------------------------------------------------------------------------------------------

#[tokio::test]
async fn default_page_is_the_first_50_by_calldate_then_id() {
    let app = TestApp::spawn().await;
    let all = history(&app).await;
    let all_ids = expect(&all, |_| true);

    let reply = getrecords(&app, &[]).await;
    assert_eq!(page_ids(&reply), all_ids[..50]);
    // the same with the vendor's cache-buster and an explicit lastrow 0
    let reply = getrecords(&app, &[("lastrow", "0"), ("Aleatorio", "1")]).await;
    assert_eq!(page_ids(&reply), all_ids[..50]);
}

#[tokio::test]
async fn lastrow_is_an_offset_0_gives_rows_1_to_50_and_50_gives_51_to_100() {
    let app = TestApp::spawn().await;
    let all_ids = expect(&history(&app).await, |_| true);

    let first = page_ids(&getrecords(&app, &[("lastrow", "0"), ("searchLimit", "50")]).await);
    let second = page_ids(&getrecords(&app, &[("lastrow", "50"), ("searchLimit", "50")]).await);
    assert_eq!(first, all_ids[0..50]);
    assert_eq!(second, all_ids[50..100]);
    // an offset that is not a multiple of the page
    let odd = page_ids(&getrecords(&app, &[("lastrow", "7"), ("searchLimit", "3")]).await);
    assert_eq!(odd, all_ids[7..10]);
}

#[tokio::test]
async fn pages_tile_the_whole_history_and_end_in_an_empty_array() {
    let app = TestApp::spawn().await;
    let all_ids = expect(&history(&app).await, |_| true);

    let mut seen = Vec::new();
    let mut lastrow = 0;
    loop {
        let offset = lastrow.to_string();
        let page = page_ids(&getrecords(&app, &[("lastrow", &offset), ("searchLimit", "100")]).await);
        assert!(page.len() <= 100);
        let short = page.len() < 100;
        seen.extend(page);
        lastrow += 100;
        if short {
            break;
        }
    }
    assert_eq!(seen, all_ids);
    // past the end: []
    let past = (all_ids.len() + 10).to_string();
    let reply = getrecords(&app, &[("lastrow", &past)]).await;
    assert_eq!((reply.status, reply.content_type(), reply.body.as_str()), (200, Some(JSON), "[]"));
}

#[tokio::test]
async fn search_limit_sets_the_page_size() {
    let app = TestApp::spawn().await;
    let all_ids = expect(&history(&app).await, |_| true);

    for limit in [1usize, 10, 73] {
        let text = limit.to_string();
        let page = page_ids(&getrecords(&app, &[("searchLimit", &text)]).await);
        assert_eq!(page, all_ids[..limit], "searchLimit {limit}");
    }
    let page = page_ids(&getrecords(&app, &[("lastrow", "100"), ("searchLimit", "20")]).await);
    assert_eq!(page, all_ids[100..120]);
    // the whole history fits in one page of 1000
    let page = page_ids(&getrecords(&app, &[("searchLimit", ALL)]).await);
    assert_eq!(page, all_ids);
}

/// A world with more than 1000 CDRs (a bigger history in a fixtures folder) to see the cap.
#[tokio::test]
async fn search_limit_is_capped_at_1000() {
    let dir = tempfile::tempdir().unwrap();
    let mut world: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/world.json")).unwrap(),
    )
    .unwrap();
    world["history"] = json!({"days": 14, "calls_per_day": 100});
    std::fs::write(dir.path().join("world.json"), world.to_string()).unwrap();
    let path: &'static str = Box::leak(dir.path().to_str().unwrap().to_string().into_boxed_str());
    let app = TestApp::spawn_with(&["--fixtures", path]).await;
    let all_ids = expect(&history(&app).await, |_| true);
    assert!(all_ids.len() > 1500, "the bigger history has {} rows", all_ids.len());

    for limit in ["1000", "1001", "5000", "999999999"] {
        let page = page_ids(&getrecords(&app, &[("searchLimit", limit)]).await);
        assert_eq!(page, all_ids[..1000], "searchLimit {limit}");
    }
    let page = page_ids(&getrecords(&app, &[("lastrow", "1000"), ("searchLimit", "5000")]).await);
    assert_eq!(page, all_ids[1000..all_ids.len().min(2000)]);
}

#[tokio::test]
async fn negative_or_non_numeric_lastrow_and_search_limit_answer_zero() {
    let app = TestApp::spawn().await;
    for form in [
        &[("lastrow", "-1")][..],
        &[("lastrow", "x")],
        &[("lastrow", "1.5")],
        &[("lastrow", "0x10")],
        &[("searchLimit", "-50")],
        &[("searchLimit", "ten")],
        &[("searchLimit", "50abc")],
        &[("lastrow", "0"), ("searchLimit", "-1")],
    ] {
        let reply = getrecords(&app, form).await;
        reply.assert_zero();
    }
}

// Filters ------------------------------------------------------------------------------------------

#[tokio::test]
async fn no_filter_empty_filter_and_all_empty_fields_mean_any() {
    let app = TestApp::spawn().await;
    let all = history(&app).await;
    let all_ids = expect(&all, |_| true);

    let every_field_empty = json!({
        "calldatei": "", "calldatef": "", "agent": "", "campaign": "", "source": "", "destination": "",
        "data": "", "range": "", "rating": "", "mindur": "", "exclude": "", "type": "", "cont": ""
    });
    assert_eq!(found(&app, &every_field_empty).await, all_ids);
    assert_eq!(found(&app, &json!({})).await, all_ids);
    // the filter parameter left out, or sent empty (docs/contract.md, section 6: "empty is none")
    assert_eq!(page_ids(&getrecords(&app, &[("searchLimit", ALL)]).await), all_ids);
    assert_eq!(page_ids(&getrecords(&app, &[("searchLimit", ALL), ("filter", "")]).await), all_ids);
}

#[tokio::test]
async fn calldatei_and_calldatef_are_inclusive_bounds() {
    let app = TestApp::spawn().await;
    let all = history(&app).await;
    // bounds that are exactly the calldate of rows, so inclusiveness shows
    let lo = s(&all[all.len() / 4], "calldate").to_string();
    let hi = s(&all[all.len() / 2], "calldate").to_string();

    let both = expect(&all, |r| s(r, "calldate") >= lo.as_str() && s(r, "calldate") <= hi.as_str());
    meaningful(&both, &all, "between");
    assert!(both.contains(&int(&all[all.len() / 4], "id")) && both.contains(&int(&all[all.len() / 2], "id")));
    assert_eq!(found(&app, &json!({"calldatei": lo, "calldatef": hi})).await, both);

    let from = expect(&all, |r| s(r, "calldate") >= lo.as_str());
    assert_eq!(found(&app, &json!({"calldatei": lo})).await, from);
    let to = expect(&all, |r| s(r, "calldate") <= hi.as_str());
    assert_eq!(found(&app, &json!({"calldatef": hi, "calldatei": ""})).await, to);

    // a single instant: exactly the rows of that second
    let one = expect(&all, |r| s(r, "calldate") == lo.as_str());
    assert!(!one.is_empty());
    assert_eq!(found(&app, &json!({"calldatei": lo, "calldatef": lo})).await, one);
    // one second later than the newest row: nothing
    let after = (date(s(all.last().unwrap(), "calldate")) + chrono::Duration::seconds(1)).format("%Y-%m-%d %H:%M:%S");
    let reply = getrecords(&app, &[("filter", &json!({"calldatei": after.to_string()}).to_string())]).await;
    assert_eq!((reply.status, reply.content_type(), reply.body.as_str()), (200, Some(JSON), "[]"));
}

#[tokio::test]
async fn agent_equals_peeraccount() {
    let app = TestApp::spawn().await;
    let all = history(&app).await;

    for agent in ["Agente1", "Agente2", "Agente7"] {
        let expected = expect(&all, |r| s(r, "peeraccount") == agent);
        meaningful(&expected, &all, agent);
        assert_eq!(found(&app, &json!({"agent": agent})).await, expected, "agent {agent}");
    }
    // equality, not a substring nor a case-insensitive match
    for agent in ["Agente", "agente1", "1001"] {
        assert_eq!(found(&app, &json!({"agent": agent})).await, Vec::<i64>::new(), "agent {agent}");
    }
}

#[tokio::test]
async fn campaign_equals_campaign() {
    let app = TestApp::spawn().await;
    let all = history(&app).await;

    for campaign in ["Out<-", "Ventas->", "Power<-", "Sales->"] {
        let expected = expect(&all, |r| s(r, "campaign") == campaign);
        meaningful(&expected, &all, campaign);
        assert_eq!(found(&app, &json!({"campaign": campaign})).await, expected, "campaign {campaign}");
    }
    for campaign in ["Out", "Sale->", "ventas->", "test->"] {
        assert_eq!(found(&app, &json!({"campaign": campaign})).await, Vec::<i64>::new(), "campaign {campaign}");
    }
}

#[tokio::test]
async fn source_and_destination_are_substrings_of_src_and_dst() {
    let app = TestApp::spawn().await;
    let all = history(&app).await;
    // a part of a real customer number, from an inbound row (customer in src) and a dialer row (in dst)
    let inbound = all.iter().find(|r| s(r, "direction") == "inbound").unwrap();
    let part_src = s(inbound, "src")[2..7].to_string();
    let outbound = all.iter().find(|r| s(r, "accountcode") == "Dialer").unwrap();
    let part_dst = s(outbound, "dst")[3..8].to_string();

    for part in [part_src.as_str(), "2400", "09", "1234"] {
        let expected = expect(&all, |r| s(r, "src").contains(part));
        meaningful(&expected, &all, part);
        assert_eq!(found(&app, &json!({"source": part})).await, expected, "source {part}");
    }
    for part in [part_dst.as_str(), "3333", "1001", "09"] {
        let expected = expect(&all, |r| s(r, "dst").contains(part));
        meaningful(&expected, &all, part);
        assert_eq!(found(&app, &json!({"destination": part})).await, expected, "destination {part}");
    }
    // both at once
    let expected = expect(&all, |r| s(r, "src").contains("2400") && s(r, "dst").contains(&part_dst));
    assert!(!expected.is_empty());
    assert_eq!(found(&app, &json!({"source": "2400", "destination": part_dst})).await, expected);
    // a phone number sent as a JSON number
    let expected = expect(&all, |r| s(r, "src").contains("24001234"));
    assert_eq!(found(&app, &json!({"source": 24001234})).await, expected);
    assert_eq!(found(&app, &json!({"source": "no-such-number"})).await, Vec::<i64>::new());
}

#[tokio::test]
async fn data_is_a_substring_of_note_or_parandvalues() {
    let app = TestApp::spawn().await;
    let all = history(&app).await;
    let with_note = all.iter().find(|r| r["note"].is_string()).expect("some history rows carry a note");
    let note = s(with_note, "note").to_string();
    let with_values = all.iter().find(|r| r["parandvalues"].is_string()).expect("dialer rows carry parandvalues");
    let values = s(with_values, "parandvalues").to_string();

    let note_part = &note[1..note.len() - 1];
    let values_part = &values[..values.len() - 1];
    for part in [note.as_str(), note_part, values.as_str(), values_part, "idcustomer="] {
        let expected = expect(&all, |r| opt(r, "note").contains(part) || opt(r, "parandvalues").contains(part));
        meaningful(&expected, &all, part);
        assert_eq!(found(&app, &json!({"data": part})).await, expected, "data {part}");
    }
    assert_eq!(found(&app, &json!({"data": "nothing like this"})).await, Vec::<i64>::new());
}

/// The end of a window is compared at `HH:mm:00` (docs/contract.md is silent; the README says so): a call
/// at 14:45:20 is outside `14:15-14:45`.
#[tokio::test]
async fn range_is_a_time_of_day_window_and_may_wrap_midnight() {
    let app = TestApp::spawn().await;
    let all = history(&app).await;
    let t = |text: &str| NaiveTime::parse_from_str(text, "%H:%M").unwrap();

    for (window, from, to) in [
        ("10:00-12:00", t("10:00"), t("12:00")),
        ("14:15-14:45", t("14:15"), t("14:45")),
        ("20:00-08:30", t("20:00"), t("08:30")),
        ("19:00-09:00", t("19:00"), t("09:00")),
    ] {
        let expected = expect(&all, |r| {
            let at = time_of(r);
            if from <= to { at >= from && at <= to } else { at >= from || at <= to }
        });
        meaningful(&expected, &all, window);
        assert_eq!(found(&app, &json!({"range": window})).await, expected, "range {window}");
    }
    // the history is between 08:00 and 20:00: a window in the night finds nothing
    assert_eq!(found(&app, &json!({"range": "21:00-07:00"})).await, Vec::<i64>::new());
}

#[tokio::test]
async fn rating_equals_rating_as_a_number_or_a_numeric_string() {
    let app = TestApp::spawn().await;
    let all = history(&app).await;

    for rating in [0i64, 3, 5] {
        let expected = expect(&all, |r| int(r, "rating") == rating);
        meaningful(&expected, &all, "rating");
        assert_eq!(found(&app, &json!({"rating": rating})).await, expected, "rating {rating}");
        assert_eq!(found(&app, &json!({"rating": rating.to_string()})).await, expected, "rating \"{rating}\"");
    }
    assert_eq!(found(&app, &json!({"rating": 9})).await, Vec::<i64>::new());
}

#[tokio::test]
async fn mindur_is_a_minimum_duration_in_seconds() {
    let app = TestApp::spawn().await;
    let all = history(&app).await;
    // a bound equal to a row's duration, so the minimum shows as inclusive
    let exact = int(&all[10], "duration");

    for mindur in [exact, 60, 300, 900] {
        let expected = expect(&all, |r| int(r, "duration") >= mindur);
        meaningful(&expected, &all, "mindur");
        assert_eq!(found(&app, &json!({"mindur": mindur})).await, expected, "mindur {mindur}");
        assert_eq!(found(&app, &json!({"mindur": mindur.to_string()})).await, expected, "mindur \"{mindur}\"");
    }
    assert_eq!(found(&app, &json!({"mindur": 0})).await, expect(&all, |_| true));
    assert_eq!(found(&app, &json!({"mindur": 1_000_000})).await, Vec::<i64>::new());
}

#[tokio::test]
async fn exclude_drops_rows_whose_src_or_dst_equals_it() {
    let app = TestApp::spawn().await;
    let all = history(&app).await;
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for r in &all {
        *counts.entry(customer(r)).or_default() += 1;
    }
    let busiest_customer = all
        .iter()
        .filter(|r| s(r, "direction") == "inbound")
        .map(|r| s(r, "src"))
        .max_by_key(|n| (counts[n], *n))
        .unwrap()
        .to_string();

    for number in [busiest_customer.as_str(), "24001234", "33334444", "1001"] {
        let expected = expect(&all, |r| s(r, "src") != number && s(r, "dst") != number);
        meaningful(&expected, &all, number);
        assert_eq!(found(&app, &json!({"exclude": number})).await, expected, "exclude {number}");
    }
    // equality, not a substring: a part of a number excludes nothing
    assert_eq!(found(&app, &json!({"exclude": "2400"})).await, expect(&all, |_| true));
}

#[tokio::test]
async fn type_equals_type_and_is_always_record() {
    let app = TestApp::spawn().await;
    let all = history(&app).await;
    assert_eq!(found(&app, &json!({"type": "record"})).await, expect(&all, |_| true));
    assert_eq!(found(&app, &json!({"type": "recording"})).await, Vec::<i64>::new());
    assert_eq!(found(&app, &json!({"type": "Record"})).await, Vec::<i64>::new());
}

#[tokio::test]
async fn cont_keeps_customer_numbers_seen_at_least_cont_times_among_the_matched_rows() {
    let app = TestApp::spawn().await;
    let all = history(&app).await;

    /// The expectation of `cont` over the rows `other` keeps.
    fn with_cont(all: &[Value], cont: usize, other: impl Fn(&Value) -> bool) -> Vec<i64> {
        let matched: Vec<&Value> = all.iter().filter(|r| other(r)).collect();
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for r in &matched {
            *counts.entry(customer(r)).or_default() += 1;
        }
        ids(&matched.into_iter().filter(|r| counts[customer(r)] >= cont).collect::<Vec<_>>())
    }

    for cont in [1usize, 2, 5, 8] {
        let expected = with_cont(&all, cont, |_| true);
        assert!(!expected.is_empty(), "cont {cont}");
        assert_eq!(found(&app, &json!({"cont": cont})).await, expected, "cont {cont}");
        assert_eq!(found(&app, &json!({"cont": cont.to_string()})).await, expected, "cont \"{cont}\"");
    }
    assert!(with_cont(&all, 5, |_| true).len() < all.len());

    // counted among the rows the other filters match, not the whole table
    for campaign in ["Out<-", "Ventas->"] {
        let expected = with_cont(&all, 3, |r| s(r, "campaign") == campaign);
        meaningful(&expected, &all, campaign);
        assert_eq!(found(&app, &json!({"campaign": campaign, "cont": 3})).await, expected, "{campaign} cont 3");
    }
    let in_window = |r: &Value| time_of(r) >= NaiveTime::from_hms_opt(12, 0, 0).unwrap();
    let expected = with_cont(&all, 2, in_window);
    let whole_table = with_cont(&all, 2, |_| true);
    let naive: Vec<i64> =
        whole_table.iter().copied().filter(|id| all.iter().any(|r| int(r, "id") == *id && in_window(r))).collect();
    assert_ne!(expected, naive, "the test needs a case where counting over the whole table would differ");
    assert_eq!(found(&app, &json!({"range": "12:00-23:59", "cont": 2})).await, expected);

    // more than any number occurs: nothing
    assert_eq!(found(&app, &json!({"cont": all.len() + 1})).await, Vec::<i64>::new());
}

#[tokio::test]
async fn filters_combine_and_page() {
    let app = TestApp::spawn().await;
    let all = history(&app).await;
    let filter = json!({"campaign": "Out<-", "agent": "Agente1", "mindur": "60", "type": "record", "rating": ""});
    let expected =
        expect(&all, |r| s(r, "campaign") == "Out<-" && s(r, "peeraccount") == "Agente1" && int(r, "duration") >= 60);
    meaningful(&expected, &all, "combined");
    assert!(expected.len() > 20);
    assert_eq!(found(&app, &filter).await, expected);

    // paging applies after filtering
    let text = filter.to_string();
    let page = page_ids(&getrecords(&app, &[("lastrow", "5"), ("searchLimit", "10"), ("filter", &text)]).await);
    assert_eq!(page, expected[5..15]);
    let page = page_ids(&getrecords(&app, &[("filter", &text)]).await);
    assert_eq!(page, expected[..expected.len().min(50)]);
}

#[tokio::test]
async fn unknown_filter_keys_are_ignored() {
    let app = TestApp::spawn().await;
    let all = history(&app).await;
    let expected = expect(&all, |r| s(r, "campaign") == "Sales->");
    let filter = json!({"campaign": "Sales->", "foo": "bar", "queue": "Out<-", "limit": 1, "nested": {"a": [1, 2]}});
    assert_eq!(found(&app, &filter).await, expected);
}

#[tokio::test]
async fn nothing_found_is_an_empty_json_array() {
    let app = TestApp::spawn().await;
    for filter in [json!({"campaign": "nope"}), json!({"agent": "Agente1", "campaign": "Power<-", "mindur": 100000})] {
        let reply = getrecords(&app, &[("filter", &filter.to_string())]).await;
        assert_eq!((reply.status, reply.content_type(), reply.body.as_str()), (200, Some(JSON), "[]"));
        assert!(reply.reason().is_none());
    }
}

#[tokio::test]
async fn the_seeds_example_filter_finds_the_pages_example_call() {
    let app = TestApp::spawn().await;
    let filter = r#"{ "calldatei": "2015-12-03 00:00:00", "calldatef": "2016-02-24 23:59:59", "agent": "", "campaign": "", "source": "", "destination": "", "data": "", "range": "", "rating": "", "mindur": "", "exclude": "", "type": "record", "cont": "" }"#;
    let reply =
        getrecords(&app, &[("lastrow", "0"), ("searchLimit", "50"), ("filter", filter), ("Aleatorio", "1")]).await;
    // The default world holds the call whose recording the page converts (guid 7e4e7db9-...,
    // folder 20160118), answered by Agente1 after 6 s of ringing, 94 s of talk.
    let expected = r#"[{"id":1,"calldate":"2016-01-18 10:15:00","clid":"\"Out<-\" <098344484>","src":"098344484","dst":"33334444","dcontext":"inbound","channel":"SIP/098344484-00000001","dstchannel":"SIP/1001-00000002","lastapp":"Queue","lastdata":"Out<-,tkc,,,600,,,functions,,","duration":100,"billsec":94,"disposition":"ANSWERED","amaflags":3,"accountcode":"Inbound","userfield":null,"uniqueid":"1453122900.0","type":"record","guid":"7e4e7db9-f080-494e-b04b-7c8e47711558","causecode":"16","campaign":"Out<-","direction":"inbound","carrier":"098344484","linkedid":"1453122900.0","peeraccount":"Agente1","sequence":0,"charged_balance":null,"real_balance":null,"note":null,"contact":null,"finishtime":"2016-01-18 10:16:40","rating":0,"dialerbase":null,"parandvalues":null,"alternatives":null,"quality":0}]"#;
    assert_eq!((reply.status, reply.content_type(), reply.body.as_str()), (200, Some(JSON), expected));
}

#[tokio::test]
async fn a_malformed_filter_answers_zero_with_a_reason() {
    let app = TestApp::spawn().await;
    let before = app.snapshot().await;
    for filter in [
        "{",
        "not json",
        "[]",
        r#"[{"campaign":"Out<-"}]"#,
        "\"record\"",
        "42",
        "null",
        r#"{"calldatei":"2015-12-03"}"#,
        r#"{"calldatef":"2015-12-03 25:00:00"}"#,
        r#"{"calldatei":"03/12/2015 00:00:00"}"#,
        r#"{"calldatei":"2015-12-03 10:00:60"}"#,
        r#"{"calldatef":"0000-01-01 00:00:00"}"#,
        r#"{"range":"9-10"}"#,
        r#"{"range":"09:00"}"#,
        r#"{"range":"09:00-25:00"}"#,
        r#"{"range":"morning"}"#,
        r#"{"mindur":"x"}"#,
        r#"{"mindur":"1.5"}"#,
        r#"{"rating":"high"}"#,
        r#"{"cont":"twice"}"#,
        r#"{"agent":{}}"#,
        r#"{"campaign":["Out<-"]}"#,
    ] {
        let reply = getrecords(&app, &[("filter", filter)]).await;
        assert_eq!(reply.body, "0", "filter {filter}");
        reply.assert_zero();
    }
    assert_eq!(app.snapshot().await, before);
}

// The rows themselves ------------------------------------------------------------------------------

#[tokio::test]
async fn every_row_has_the_seeds_36_keys_in_the_seeds_order() {
    let app = TestApp::spawn().await;
    let seed_keys = key_orders(&format!("[{SEED_ROW}]")).remove(0);
    assert_eq!(seed_keys, FIELDS, "docs/contract.md's list is the vendor's");

    let reply = getrecords(&app, &[("searchLimit", ALL)]).await;
    let orders = key_orders(&reply.body);
    assert_eq!(orders.len(), history(&app).await.len());
    for (i, keys) in orders.iter().enumerate() {
        assert_eq!(keys, &seed_keys, "row {i} of the raw body");
    }
    // a default page too, and a filtered one
    for form in [&[][..], &[("filter", r#"{"campaign":"Ventas->"}"#), ("lastrow", "3")]] {
        let reply = getrecords(&app, form).await;
        let orders = key_orders(&reply.body);
        assert!(!orders.is_empty());
        assert!(orders.iter().all(|k| k == &seed_keys));
    }
}

#[tokio::test]
async fn every_field_has_the_seeds_json_type() {
    let app = TestApp::spawn().await;
    let seed: Value = serde_json::from_str(SEED_ROW).unwrap();
    let reply = getrecords(&app, &[("searchLimit", ALL)]).await;
    let rows = reply.json();
    let rows = rows.as_array().unwrap();
    assert!(rows.len() > 300);
    for row in rows {
        for (key, example) in seed.as_object().unwrap() {
            let value = &row[key.as_str()];
            match example {
                Value::Number(_) => assert!(value.is_i64(), "{key} must be an integer: {row}"),
                Value::String(_) => assert!(value.is_string(), "{key} must be a string: {row}"),
                // null in the vendor's example: null, or text where docs/contract.md, section 10, fills it
                Value::Null => match key.as_str() {
                    "userfield" | "charged_balance" | "real_balance" => {
                        assert!(value.is_null(), "{key} stays null in the history: {row}")
                    }
                    _ => assert!(value.is_null() || value.is_string(), "{key} must be null or text: {row}"),
                },
                other => panic!("unexpected seed value {other}"),
            }
        }
    }
}

#[tokio::test]
async fn getrecords_rows_are_the_worlds_rows() {
    let app = TestApp::spawn().await;
    let all = history(&app).await;
    let reply = getrecords(&app, &[("searchLimit", ALL)]).await;
    assert_eq!(reply.json(), Value::Array(all));
}

#[tokio::test]
async fn the_history_follows_the_leg_rules_of_section_10() {
    let app = TestApp::spawn().await;
    let all = history(&app).await;
    let mut calls: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
    for row in &all {
        calls.entry(s(row, "guid")).or_default().push(row);
    }
    assert!(calls.len() > 200, "{} calls", calls.len());

    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    for (guid, legs) in &mut calls {
        // section 1: guids are lowercase UUID v4
        let parsed = uuid::Uuid::parse_str(guid).unwrap_or_else(|e| panic!("guid {guid}: {e}"));
        assert_eq!(parsed.get_version_num(), 4, "guid {guid}");
        assert_eq!(*guid, guid.to_lowercase());

        legs.sort_by_key(|r| int(r, "sequence"));
        let sequences: Vec<i64> = legs.iter().map(|r| int(r, "sequence")).collect();
        assert_eq!(sequences, (0..legs.len() as i64).collect::<Vec<_>>(), "sequences of {guid}");
        let first_uniqueid = s(legs[0], "uniqueid");
        let finish = legs.iter().map(|r| date(s(r, "calldate")) + chrono::Duration::seconds(int(r, "duration"))).max();
        for leg in legs.iter() {
            let id = int(leg, "id");
            assert_eq!(s(leg, "linkedid"), first_uniqueid, "linkedid of row {id}");
            let (secs, n) = s(leg, "uniqueid").split_once('.').unwrap_or_else(|| panic!("uniqueid of row {id}"));
            assert!(digits(secs) && digits(n), "uniqueid of row {id}: {}", s(leg, "uniqueid"));

            let channel = s(leg, "channel");
            let (ext, hex) = channel.strip_prefix("SIP/").and_then(|c| c.rsplit_once('-')).unwrap_or(("", ""));
            assert!(
                !ext.is_empty() && hex.len() == 8 && hex.bytes().all(|b| b.is_ascii_hexdigit()),
                "channel of row {id}: {channel}"
            );
            assert_eq!(s(leg, "clid"), format!("\"{}\" <{}>", s(leg, "campaign"), s(leg, "src")), "clid of row {id}");
            assert!(
                ["ANSWERED", "NO ANSWER", "BUSY", "FAILED"].contains(&s(leg, "disposition")),
                "disposition of row {id}"
            );
            let direction = s(leg, "direction");
            match s(leg, "accountcode") {
                "Inbound" => assert_eq!(direction, "inbound", "row {id}"),
                "Outbound" | "Dialer" => assert_eq!(direction, "outbound", "row {id}"),
                other => panic!("accountcode {other:?} of row {id}"),
            }
            match s(leg, "lastapp") {
                "Queue" => {}
                "Dial" => assert_eq!(direction, "outbound", "Dial is for customer legs of outbound calls, row {id}"),
                other => panic!("lastapp {other:?} of row {id}"),
            }
            assert_eq!(s(leg, "type"), "record");
            assert!(int(leg, "billsec") >= 0 && int(leg, "billsec") <= int(leg, "duration"), "billsec of row {id}");
            assert_eq!(Some(date(s(leg, "finishtime"))), finish, "finishtime of row {id}: the end of the whole call");
            for key in ["guid", "campaign", "accountcode", "direction", "finishtime"] {
                assert_eq!(leg[key], legs[0][key], "{key} is the call's, row {id}");
            }
            if s(leg, "accountcode") != "Dialer" {
                for key in ["contact", "dialerbase", "alternatives", "parandvalues"] {
                    assert!(leg[key].is_null(), "{key} is null outside dialer calls, row {id}");
                }
            } else {
                assert!(leg["contact"].is_string(), "a dialer call's contact comes from its spool entry, row {id}");
            }
        }
    }
    // the history has all three kinds of call
    for code in ["Inbound", "Outbound", "Dialer"] {
        assert!(all.iter().any(|r| s(r, "accountcode") == code), "{code}");
    }
}

// Determinism --------------------------------------------------------------------------------------

#[tokio::test]
async fn the_same_seed_gives_byte_identical_bodies_and_another_seed_others() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let c = TestApp::spawn_with(&["--seed", "8"]).await;
    let forms: [&[(&str, &str)]; 4] = [
        &[],
        &[("lastrow", "50")],
        &[("searchLimit", ALL)],
        &[("filter", r#"{"campaign":"Out<-","mindur":"30"}"#), ("searchLimit", "20")],
    ];
    for form in forms {
        let (ra, rb, rc) = (getrecords(&a, form).await, getrecords(&b, form).await, getrecords(&c, form).await);
        assert_eq!(ra.status, 200);
        assert_eq!(ra.body, rb.body, "seed 7 twice, form {form:?}");
        assert_ne!(ra.body, rc.body, "seeds 7 and 8, form {form:?}");
    }
}
