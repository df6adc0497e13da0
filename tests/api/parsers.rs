//! Property-based fuzzing of the parsers (proptest, deterministic seed): base file lines, vendor
//! dates, and the blacklist and spool JSON through their live routes. `RELIABILITY=long` runs many
//! more cases.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::Value;
use ucontact_mock::model::vendor_date::VendorDate;
use ucontact_mock::world::base_file::{self, BaseRecord};

use crate::helpers::TestApp;

/// Cases per property: a few hundred in the suite, many more with `RELIABILITY=long`.
fn cases(short: u32) -> u32 {
    if std::env::var("RELIABILITY").as_deref() == Ok("long") { short * 40 } else { short }
}

fn runner(short: u32) -> TestRunner {
    let config = Config { cases: cases(short), failure_persistence: None, ..Config::default() };
    TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
}

#[test]
fn base_file_lines_never_panic_and_valid_records_read_back() {
    runner(500)
        .run(&proptest::collection::vec(any::<u8>(), 0..600), |bytes| {
            for (n, line) in base_file::lines(&bytes) {
                prop_assert!(n >= 1);
                if let Ok(record) = base_file::parse_record(line, "Ventas->") {
                    prop_assert!(!record.destination.is_empty());
                }
            }
            Ok(())
        })
        .unwrap();
    let field = "[^;\r\n]{0,20}";
    let record = ("[0-9]{1,15}", field, field, proptest::option::of(1i64..1_000_000), "[0-9]{0,6}");
    runner(500)
        .run(&record, |(destination, data, alternatives, priority, agentphone)| {
            let priority_text = priority.map(|p| p.to_string()).unwrap_or_default();
            let line = format!("Ventas->;{destination};{data};{alternatives};{priority_text};{agentphone}");
            let parsed = base_file::parse_record(line.as_bytes(), "Ventas->");
            prop_assert_eq!(parsed, Ok(BaseRecord { destination, data, alternatives, priority, agentphone }));
            Ok(())
        })
        .unwrap();
}

#[test]
fn vendor_dates_read_back_and_nothing_else_reads() {
    runner(500)
        .run(&any::<String>(), |text| {
            if let Ok(date) = text.parse::<VendorDate>() {
                prop_assert_eq!(date.to_string(), text);
            }
            Ok(())
        })
        .unwrap();
    let stamp = (1900i32..2200, 1u32..=12, 1u32..=28, 0u32..24, 0u32..60, 0u32..60);
    runner(500)
        .run(&stamp, |(y, mo, d, h, mi, s)| {
            let text = format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}");
            let date: VendorDate = text.parse().map_err(|e| TestCaseError::fail(format!("{e}")))?;
            prop_assert_eq!(date.to_string(), text.clone());
            // The vendor's format is fixed-width: an unpadded field is not a date.
            let unpadded = format!("{y}-{mo}-{d} {h}:{mi}:{s}");
            prop_assert!(unpadded == text || unpadded.parse::<VendorDate>().is_err());
            Ok(())
        })
        .unwrap();
}

/// JSON as integrators send it, right and wrong: objects and arrays with the routes' keys, any
/// values, nesting, and text that is not JSON at all.
fn json_text() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("phone"),
        Just("campaign"),
        Just("destination"),
        Just("contact"),
        Just("priority"),
        Just("retries"),
        Just("calldate"),
        Just("data"),
        Just("alternatives"),
        Just("agentphone"),
        Just("status"),
        Just("dialerbase"),
        Just("x"),
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop_oneof![
            Just("*".to_string()),
            Just("Ventas->".to_string()),
            Just("2030-01-01 10:00:00".to_string()),
            "[0-9]{0,12}",
            ".{0,16}"
        ]
        .prop_map(Value::from),
    ];
    let value = leaf.prop_recursive(4, 32, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    });
    prop_oneof![8 => value.prop_map(|v| v.to_string()), 1 => ".{0,40}", 1 => "[\\[\\]{}\",:]{0,30}"]
}

#[test]
fn blacklist_and_spool_json_answer_one_or_zero_and_zero_changes_nothing() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let app = runtime.block_on(TestApp::spawn());
    let routes = [
        ("admin/addblack", "blacklist"),
        ("admin/addblackbulk", "blacklist"),
        ("admin/deleteblack", "blacklist"),
        ("Dialers/Respool", "callspool"),
        ("Dialers/ScheduleDialerCall", "callschedule"),
    ];
    runner(120)
        .run(&(0..routes.len(), json_text()), |(route, text)| {
            let (route, field) = routes[route];
            runtime.block_on(async {
                let before = app.snapshot().await;
                let reply = app.post(route, &[(field, text.as_str())]).await;
                prop_assert_eq!(reply.status, 200, "{} {}: {}", route, text, reply.body);
                prop_assert!(reply.body == "1" || reply.body == "0", "{} {}: {}", route, text, reply.body);
                if reply.body == "0" {
                    prop_assert!(app.snapshot().await == before, "{} {}: a refusal changed the world", route, text);
                }
                Ok(())
            })
        })
        .unwrap();
}
