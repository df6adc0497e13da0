//! GET and POST /_mock/clock (docs/contract.md, section 1: the instance's clock, `--clock real|manual|xN`; the
//! CDRs of section 10 happen while a manual clock is moved, never ahead of it).

use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp};

const START_MS: i64 = 1_767_614_400_000; // 2026-01-05 09:00:00 in Montevideo (UTC-3)

async fn get_clock(app: &TestApp) -> Value {
    let reply = app.send(app.client.get(format!("{}/_mock/clock", app.base))).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

async fn post_clock(app: &TestApp, body: &str) -> Reply {
    app.send(app.client.post(format!("{}/_mock/clock", app.base)).body(body.to_string())).await
}

/// A 400 with a JSON `{"error": "..."}` saying why.
#[track_caller]
fn assert_refused(reply: &Reply, case: &str) {
    assert_eq!(reply.status, 400, "{case}: {}", reply.body);
    let error = &reply.json()["error"];
    assert!(error.as_str().is_some_and(|e| !e.is_empty()), "{case}: an error string, not {}", reply.body);
}

#[tokio::test]
async fn get_shows_the_manual_clock_at_its_start() {
    let app = TestApp::spawn_with(&["--traffic", "off"]).await;
    assert_eq!(
        get_clock(&app).await,
        json!({"now": "2026-01-05 09:00:00", "mode": "manual", "timezone": "America/Montevideo", "epoch_ms": START_MS})
    );
}

#[tokio::test]
async fn advance_moves_the_clock_by_seconds() {
    let app = TestApp::spawn_with(&["--traffic", "off"]).await;
    let reply = post_clock(&app, r#"{"advance": 90}"#).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let expected = json!({"now": "2026-01-05 09:01:30", "mode": "manual", "timezone": "America/Montevideo", "epoch_ms": START_MS + 90_000});
    assert_eq!(reply.json(), expected);
    assert_eq!(get_clock(&app).await, expected);
    // advancing by nothing is allowed and changes nothing
    assert_eq!(post_clock(&app, r#"{"advance": 0}"#).await.json(), expected);
}

#[tokio::test]
async fn set_moves_the_clock_to_a_date() {
    let app = TestApp::spawn_with(&["--traffic", "off"]).await;
    let reply = post_clock(&app, r#"{"set": "2026-01-06 08:00:00"}"#).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["now"], "2026-01-06 08:00:00");
    let clock = get_clock(&app).await;
    assert_eq!(clock["now"], "2026-01-06 08:00:00");
    assert_eq!(clock["epoch_ms"], START_MS + 23 * 3600 * 1000);
    // the queue summary's dateReceived reads the same clock
    let summary = app.post("Supervisor/queuesummary", &[]).await.json();
    assert_eq!(summary[0]["dateReceived"], "Jan 6, 2026 8:00:00 AM");
}

#[tokio::test]
async fn set_in_the_past_is_refused_and_the_clock_stays() {
    let app = TestApp::spawn_with(&["--traffic", "off"]).await;
    assert_eq!(post_clock(&app, r#"{"advance": 3600}"#).await.status, 200);
    let before = get_clock(&app).await;
    for date in ["2026-01-05 09:59:59", "2026-01-05 09:00:00", "2025-12-31 23:59:59"] {
        let reply = post_clock(&app, &json!({"set": date}).to_string()).await;
        assert_refused(&reply, date);
        assert_eq!(get_clock(&app).await, before, "{date}");
    }
}

#[tokio::test]
async fn bad_moves_are_400s_that_leave_the_clock_alone() {
    let app = TestApp::spawn_with(&["--traffic", "off"]).await;
    let before = get_clock(&app).await;
    for body in [
        r#"{"advance": -5}"#,
        r#"{"advance": "ten"}"#,
        r#"{"advance": null}"#,
        r#"{"advance": true}"#,
        r#"{}"#,
        r#"{"advance": 1, "set": "2026-01-06 08:00:00"}"#,
        r#"{"advance": 2678401}"#,
        r#"{"set": "2026-02-05 09:00:01"}"#,
        r#"{"set": "06/01/2026 08:00"}"#,
        r#"{"set": "2026-01-06"}"#,
        r#"{"set": 1767700800}"#,
        r#"{"set": null}"#,
        "[60]",
        "60",
        "advance=60",
        "not json",
        "",
    ] {
        assert_refused(&post_clock(&app, body).await, body);
        assert_eq!(get_clock(&app).await, before, "{body}");
    }
}

#[tokio::test]
async fn a_real_clock_is_not_moved_by_hand() {
    let app = TestApp::spawn_with(&["--clock", "real"]).await;
    assert_eq!(get_clock(&app).await["mode"], "real");
    for body in [r#"{"advance": 60}"#, r#"{"set": "2099-01-01 00:00:00"}"#] {
        assert_refused(&post_clock(&app, body).await, body);
    }
}

#[tokio::test]
async fn an_accelerated_clock_shows_its_factor_and_is_not_moved_by_hand() {
    let app = TestApp::spawn_with(&["--clock", "x60", "--traffic", "off"]).await;
    let clock = get_clock(&app).await;
    assert_eq!((clock["mode"].clone(), clock["timezone"].clone()), (json!("x60"), json!("America/Montevideo")));
    assert!(clock["now"].as_str().unwrap() >= "2026-01-05 09:00:00", "{clock}");
    assert_refused(&post_clock(&app, r#"{"advance": 60}"#).await, "advance of an x60 clock");
}

#[tokio::test]
async fn advancing_with_traffic_makes_cdrs_dated_within_the_window_only() {
    let app = TestApp::spawn_with(&["--traffic", "on"]).await;
    let start = get_clock(&app).await["now"].as_str().unwrap().to_string();
    let history = app.state("cdrs").await.as_array().unwrap().clone();
    assert!(history.iter().all(|r| r["calldate"].as_str().unwrap() < start.as_str()), "only the fixture history");

    let reply = post_clock(&app, r#"{"advance": 7200}"#).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let now = reply.json()["now"].as_str().unwrap().to_string();
    assert_eq!(now, "2026-01-05 11:00:00");

    let cdrs = app.state("cdrs").await;
    let new: Vec<&Value> = cdrs.as_array().unwrap().iter().filter(|r| !history.contains(r)).collect();
    assert!(!new.is_empty(), "two hours of traffic leave CDRs");
    for row in &new {
        let (calldate, finish) = (row["calldate"].as_str().unwrap(), row["finishtime"].as_str().unwrap());
        assert!(start.as_str() <= calldate && calldate <= now.as_str(), "calldate in the window: {row}");
        assert!(calldate <= finish && finish <= now.as_str(), "ended by now: {row}");
    }
    assert_eq!(cdrs.as_array().unwrap().len(), history.len() + new.len(), "the history is untouched");
}
