//! The dialer at work (docs/contract.md, section 7, docs/design.md, "The engine"): it drains uploaded bases, honours
//! the blacklist, schedules, dated tasks and calling hours in the record's zone, connects progressive
//! calls to the record's agent, and feeds each attempt back into the spool.

use base64::Engine;
use serde_json::{Value, json};

use crate::helpers::TestApp;

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

async fn upload(app: &TestApp, campaign: &str, lines: &str, timezone: Option<&str>) {
    let file = b64(lines);
    let mut form = vec![("filename", "base.txt"), ("fileb64", file.as_str()), ("campaign", campaign)];
    let route = match timezone {
        Some(zone) => {
            form.push(("timezone", zone));
            "Dialers/uploadbasewithtimezone"
        }
        None => "Dialers/uploadbase",
    };
    app.post(route, &form).await.assert_one();
}

fn rows_of<'a>(table: &'a Value, campaign: &str) -> Vec<&'a Value> {
    table.as_array().unwrap().iter().filter(|r| r["campaign"] == campaign).collect()
}

/// Distinct guids of the campaign's CDRs of today (not the fixture history), in call order, with
/// their first leg's `dst`.
fn calls_of(cdrs: &Value, campaign: &str) -> Vec<(String, String)> {
    let mut seen = Vec::new();
    for r in rows_of(cdrs, campaign).into_iter().filter(|r| r["calldate"].as_str().unwrap() >= "2026-01-05") {
        let guid = r["guid"].as_str().unwrap().to_string();
        if r["sequence"] == 0 && !seen.iter().any(|(g, _)| *g == guid) {
            seen.push((guid, r["dst"].as_str().unwrap().to_string()));
        }
    }
    seen
}

#[tokio::test]
async fn an_uploaded_base_is_drained_and_the_blacklist_is_honoured() {
    let app = TestApp::spawn().await;
    app.post("admin/addblack", &[("blacklist", r#"{"phone":"0990000002","campaign":"*"}"#)]).await.assert_one();
    app.post("admin/addblack", &[("blacklist", r#"{"phone":"0990000003","campaign":"Power<-"}"#)]).await.assert_one();
    let lines: String = (1..=20).map(|i| format!("Power<-;09900000{i:02};id={i};;;\n")).collect();
    upload(&app, "Power<-", &lines, None).await;
    app.advance(4 * 3600).await;

    let spool = app.state("spool").await;
    let rows = rows_of(&spool, "Power<-");
    assert_eq!(rows.len(), 20);
    for r in &rows {
        let (destination, state) = (r["destination"].as_str().unwrap(), r["state"].as_str().unwrap());
        if destination == "0990000002" || destination == "0990000003" {
            assert_eq!((state, r["last_result"].as_str()), ("skipped", Some("BLACKLISTED")), "{r}");
        } else {
            assert!(["done", "exhausted", "failed"].contains(&state), "after 4 hours {destination} is {state}: {r}");
            assert!(r["last_result"].is_string(), "{r}");
        }
    }
    let cdrs = app.state("cdrs").await;
    let calls = calls_of(&cdrs, "Power<-");
    let dialled: Vec<&str> = calls.iter().map(|(_, dst)| dst.as_str()).collect();
    assert!(!dialled.contains(&"0990000002") && !dialled.contains(&"0990000003"), "a blacklisted number was dialled");
    for r in rows_of(&cdrs, "Power<-").iter().filter(|r| r["calldate"].as_str().unwrap() >= "2026-01-05") {
        assert_eq!((r["accountcode"].as_str(), r["direction"].as_str()), (Some("Dialer"), Some("outbound")));
        assert_eq!(r["dialerbase"], "base.txt");
        assert!(r["parandvalues"].as_str().unwrap().starts_with("id="), "{r}");
        assert!(r["contact"].is_string(), "{r}");
    }
    // Every attempt counts in the campaign's calls today.
    let status = app.post("Supervisor/campaignstatus", &[("queue", "Power<-")]).await.json();
    assert_eq!(status["Power<-"]["totalcalls"].as_u64().unwrap() as usize, calls.len());
}

#[tokio::test]
async fn schedules_ring_at_their_time_and_dated_tasks_before_undated_ones() {
    let app = TestApp::spawn().await;
    // nombreCampaña<- has one member (Agente1): the dialer takes one number at a time.
    let task = |calldate: Value, destination: &str| {
        json!({"calldate": calldate, "campaign": "nombreCampaña<-", "destination": destination, "alternatives": "",
               "agent": "", "data": "", "source": "t", "bulk": false, "automatic": true})
        .to_string()
    };
    app.post("Dialers/DialerTask", &[("call", &task(Value::Null, "0991111111"))]).await.assert_one();
    app.post("Dialers/DialerTask", &[("call", &task(json!("2026-01-05 08:00:00"), "0992222222"))]).await.assert_one();
    let schedule =
        json!({"calldate": "2026-01-05 10:00:00", "campaign": "nombreCampaña<-", "destination": "0993333333"});
    app.post("Dialers/ScheduleDialerCall", &[("callschedule", &schedule.to_string())]).await.assert_one();

    app.advance(30 * 60).await;
    let cdrs = app.state("cdrs").await;
    let dialled: Vec<String> = calls_of(&cdrs, "nombreCampaña<-").into_iter().map(|(_, d)| d).collect();
    assert_eq!(dialled.first().map(String::as_str), Some("0992222222"), "the dated task goes first: {dialled:?}");
    assert!(!dialled.contains(&"0993333333".to_string()), "the 10:00 schedule rang at 09:30");
    let schedules = app.state("schedules").await;
    assert_eq!(schedules[0]["state"], "pending");

    app.advance(3 * 3600).await;
    let cdrs = app.state("cdrs").await;
    let dialled: Vec<String> = calls_of(&cdrs, "nombreCampaña<-").into_iter().map(|(_, d)| d).collect();
    assert!(dialled.contains(&"0993333333".to_string()), "{dialled:?}");
    let first_schedule_leg = rows_of(&cdrs, "nombreCampaña<-")
        .into_iter()
        .find(|r| r["dst"] == "0993333333")
        .map(|r| r["calldate"].as_str().unwrap().to_string())
        .unwrap();
    assert!(first_schedule_leg.as_str() >= "2026-01-05 10:00:00", "{first_schedule_leg}");
    assert_eq!(app.state("schedules").await[0]["state"], "done");
    let tasks = app.state("tasks").await;
    assert!(tasks.as_array().unwrap().iter().all(|t| t["state"] == "done"), "{tasks}");
}

#[tokio::test]
async fn calling_hours_are_read_in_the_records_time_zone() {
    let app = TestApp::spawn().await;
    // 09:00 in Montevideo is 21:00 in Tokyo: after the 08:00-21:00 calling hours there.
    upload(&app, "prueba1", "prueba1;0994444444;;;;\n", Some("Asia/Tokyo")).await;
    upload(&app, "prueba1", "prueba1;0995555555;;;;\n", Some("America/Montevideo")).await;
    app.advance(3600).await;
    let spool = app.state("spool").await;
    let by_number = |n: &str| spool.as_array().unwrap().iter().find(|r| r["destination"] == n).unwrap().clone();
    assert_eq!(by_number("0994444444")["state"], "pending", "Tokyo is asleep");
    assert_eq!(by_number("0994444444")["last_result"], Value::Null);
    assert_ne!(by_number("0995555555")["state"], "pending", "Montevideo is awake");
    // 23:00 in Montevideo is 11:00 in Tokyo: now it rings.
    app.advance(13 * 3600).await;
    let spool = app.state("spool").await;
    let tokyo = spool.as_array().unwrap().iter().find(|r| r["destination"] == "0994444444").unwrap();
    assert!(tokyo["last_result"].is_string(), "{tokyo}");
}

#[tokio::test]
async fn progressive_calls_go_to_the_records_agent() {
    let app = TestApp::spawn().await;
    upload(&app, "Ventas->", "Ventas->;0996666666;;;;1010\nVentas->;0997777777;;;;1010\n", None).await;
    app.advance(3 * 3600).await;
    let cdrs = app.state("cdrs").await;
    let agents: Vec<&str> = rows_of(&cdrs, "Ventas->")
        .into_iter()
        .filter(|r| r["calldate"].as_str().unwrap() >= "2026-01-05" && r["lastapp"] == "Queue")
        .map(|r| r["peeraccount"].as_str().unwrap())
        .collect();
    assert!(!agents.is_empty(), "some call was answered and connected");
    assert!(agents.iter().all(|a| *a == "Agente2"), "{agents:?}");
}

#[tokio::test]
async fn a_removed_contact_is_never_dialled() {
    let app = TestApp::spawn().await;
    upload(&app, "prueba1", "prueba1;0998888888;;;;\n", None).await;
    app.post("Dialers/RemoveContact", &[("campaign", "prueba1"), ("number", "0998888888")]).await.assert_one();
    app.advance(3600).await;
    let cdrs = app.state("cdrs").await;
    assert!(calls_of(&cdrs, "prueba1").is_empty());
}

#[tokio::test]
async fn the_default_world_is_lively() {
    // Ten simulated minutes a real second: the demo's inbound callers and dialers get to work.
    let app = TestApp::spawn_with(&["--clock", "x600", "--traffic", "on"]).await;
    let mut today = 0;
    for _ in 0..40 {
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        let cdrs = app.state("cdrs").await;
        today = cdrs.as_array().unwrap().iter().filter(|r| r["calldate"].as_str().unwrap() >= "2026-01-05").count();
        if today > 10 {
            break;
        }
    }
    assert!(today > 10, "only {today} CDR legs after minutes of simulated demo traffic");
    let summary = app.post("Supervisor/queuesummary", &[]).await.json();
    let power = summary.as_array().unwrap().iter().find(|q| q["queue"] == "Power<-").unwrap();
    assert!(power["talkTime"].as_i64().unwrap() > 0 || power["available"].as_i64().unwrap() < 8, "{power}");
}
