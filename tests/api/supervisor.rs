//! Supervisor/queuesummary and Supervisor/campaignstatus (docs/contract.md, section 8, with the JSON rules of
//! section 1): keys, order and types of the vendor's page's examples, the buckets and the day's numbers, and how
//! they add up with the CDRs the engine leaves (section 10).

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::helpers::{JSON, Reply, TestApp};

/// The campaigns of the default world, in its order, with their member count.
const CAMPAIGNS: [(&str, u64); 10] = [
    ("Power<-", 8),
    ("test->", 2),
    ("Ventas->", 4),
    ("Sales->", 1),
    ("Sale->", 1),
    ("Out<-", 3),
    ("nombreCampaña<-", 1),
    ("nombreCampaña->", 1),
    ("Campaign", 3),
    ("prueba1", 1),
];

const SUMMARY_KEYS: [&str; 9] = [
    "queue",
    "loggedIn",
    "available",
    "callers",
    "holdTime",
    "talkTime",
    "longestHoldTime",
    "internalActionId",
    "dateReceived",
];

const CAMPAIGN_KEYS: [&str; 21] = [
    "campaign",
    "availables",
    "notavailables",
    "paused",
    "busy",
    "busypaused",
    "totalagents",
    "logged",
    "onwrapup",
    "completed",
    "abandoned",
    "talked",
    "hold",
    "abandonedlevel",
    "totalcalls",
    "acd",
    "servicelevel",
    "servicelevel2",
    "strategy",
    "slevelthreshold",
    "wrapup",
];

/// The campaign keys whose seed values are strings (the others are integers).
const CAMPAIGN_STRINGS: [&str; 8] =
    ["campaign", "talked", "hold", "abandonedlevel", "servicelevel", "servicelevel2", "strategy", "slevelthreshold"];

const MEMBER_KEYS: [&str; 15] = [
    "queue",
    "location",
    "membership",
    "name",
    "penalty",
    "callsTaken",
    "lastCall",
    "status",
    "paused",
    "stateinterface",
    "incall",
    "pausedreason",
    "internalActionId",
    "dateReceived",
    "server",
];

const MEMBER_INTEGERS: [&str; 5] = ["penalty", "callsTaken", "lastCall", "status", "incall"];

/// The JSON of a 200 answer, keys in the order of the raw body.
#[track_caller]
fn body(reply: &Reply) -> Value {
    assert_eq!(
        (reply.status, reply.content_type()),
        (200, Some(JSON)),
        "body {} reason {:?}",
        reply.body,
        reply.reason()
    );
    // serde_json is built with `preserve_order` here: an object's keys iterate in the body's order.
    let probe: Value = serde_json::from_str(r#"{"b":1,"a":2}"#).unwrap();
    assert_eq!(keys(&probe), ["b", "a"], "key order must be read from the raw body");
    reply.json()
}

fn keys(value: &Value) -> Vec<&str> {
    value.as_object().unwrap_or_else(|| panic!("not an object: {value}")).keys().map(String::as_str).collect()
}

async fn queue_summary(app: &TestApp) -> Value {
    body(&app.post("Supervisor/queuesummary", &[]).await)
}

async fn campaign_status(app: &TestApp, queue: &str) -> Value {
    body(&app.post("Supervisor/campaignstatus", &[("queue", queue)]).await)
}

async fn set_clock(app: &TestApp, to: &str) {
    let reply =
        app.send(app.client.post(format!("{}/_mock/clock", app.base)).body(json!({"set": to}).to_string())).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

/// `<10 digits>_<counter>`, split.
#[track_caller]
fn action_id(value: &Value) -> (String, u64) {
    let text = value.as_str().unwrap_or_else(|| panic!("internalActionId is not a string: {value}"));
    let (prefix, counter) = text.split_once('_').unwrap_or_else(|| panic!("not <prefix>_<n>: {text}"));
    assert!(prefix.len() == 10 && prefix.bytes().all(|b| b.is_ascii_digit()), "a 10-digit prefix: {text}");
    assert!(!counter.is_empty() && counter.bytes().all(|b| b.is_ascii_digit()), "a counter: {text}");
    (prefix.to_string(), counter.parse().unwrap())
}

/// `HH:MM:SS-N` as (seconds, N).
#[track_caller]
fn duration_count(value: &Value) -> (u64, u64) {
    let text = value.as_str().unwrap_or_else(|| panic!("not a string: {value}"));
    let (hms, n) = text.split_once('-').unwrap_or_else(|| panic!("not HH:MM:SS-N: {text}"));
    (hms_seconds(hms), n.parse().unwrap_or_else(|_| panic!("not HH:MM:SS-N: {text}")))
}

/// `HH:MM:SS` (hours two digits or more) in seconds.
#[track_caller]
fn hms_seconds(text: &str) -> u64 {
    let parts: Vec<&str> = text.split(':').collect();
    assert!(
        parts.len() == 3
            && parts[0].len() >= 2
            && parts[1].len() == 2
            && parts[2].len() == 2
            && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())),
        "not HH:MM:SS: {text}"
    );
    let [h, m, s] = [0, 1, 2].map(|i| parts[i].parse::<u64>().unwrap());
    assert!(m < 60 && s < 60, "not HH:MM:SS: {text}");
    h * 3600 + m * 60 + s
}

/// A percentage with one decimal, as text.
#[track_caller]
fn percent(value: &Value) -> f64 {
    let text = value.as_str().unwrap_or_else(|| panic!("a percentage is a string: {value}"));
    let (whole, decimal) = text.split_once('.').unwrap_or_else(|| panic!("one decimal: {text}"));
    assert!(
        !whole.is_empty() && whole.bytes().all(|b| b.is_ascii_digit()) && decimal.len() == 1,
        "one decimal: {text}"
    );
    let number: f64 = text.parse().unwrap();
    assert!((0.0..=100.0).contains(&number), "{text}");
    number
}

fn int(value: &Value, key: &str) -> u64 {
    value[key].as_u64().unwrap_or_else(|| panic!("{key} is not a whole number: {value}"))
}

/// The campaign object's keys, order and types (docs/contract.md, section 8, the vendor's page's example).
#[track_caller]
fn assert_campaign_shape(campaign: &Value) {
    assert_eq!(keys(campaign), CAMPAIGN_KEYS, "{campaign}");
    for key in CAMPAIGN_KEYS {
        if CAMPAIGN_STRINGS.contains(&key) {
            assert!(campaign[key].is_string(), "{key} is a string: {campaign}");
        } else {
            assert!(campaign[key].is_u64(), "{key} is an integer: {campaign}");
        }
    }
    duration_count(&campaign["talked"]);
    duration_count(&campaign["hold"]);
    if campaign["abandonedlevel"] != "0" {
        percent(&campaign["abandonedlevel"]);
    }
    percent(&campaign["servicelevel"]);
    percent(&campaign["servicelevel2"]);
}

/// The rules of section 8 that tie a campaign's numbers together.
#[track_caller]
fn assert_campaign_invariants(campaign: &Value) {
    assert_campaign_shape(campaign);
    let buckets: u64 = ["availables", "notavailables", "paused", "busy", "busypaused", "onwrapup"]
        .iter()
        .map(|k| int(campaign, k))
        .sum();
    assert_eq!(buckets, int(campaign, "totalagents"), "each member in exactly one bucket: {campaign}");
    assert!(int(campaign, "logged") <= int(campaign, "totalagents"), "{campaign}");
    let (total, completed, abandoned) =
        (int(campaign, "totalcalls"), int(campaign, "completed"), int(campaign, "abandoned"));
    assert!(total >= completed + abandoned, "{campaign}");
    // The vendor's examples write "0" when nobody abandoned.
    let level =
        if abandoned == 0 { "0".to_string() } else { format!("{:.1}", abandoned as f64 * 100.0 / total as f64) };
    assert_eq!(campaign["abandonedlevel"], level.as_str(), "abandoned % of totalcalls: {campaign}");
    let (talk, n) = duration_count(&campaign["talked"]);
    assert_eq!(n, completed, "talked averages the completed calls: {campaign}");
    if n == 0 {
        assert_eq!(talk, 0, "no calls, no average: {campaign}");
    }
    assert!(percent(&campaign["servicelevel2"]) <= percent(&campaign["servicelevel"]), "{campaign}");
}

// queuesummary -----------------------------------------------------------------------------------

#[tokio::test]
async fn queuesummary_lists_every_campaign_in_order_then_the_closing_object() {
    let app = TestApp::spawn_with(&["--traffic", "off"]).await;
    let summary = queue_summary(&app).await;
    let rows = summary.as_array().unwrap_or_else(|| panic!("an array: {summary}"));
    assert_eq!(rows.len(), CAMPAIGNS.len() + 1);
    let action = rows[0]["internalActionId"].clone();
    for (row, (name, members)) in rows.iter().zip(CAMPAIGNS) {
        assert_eq!(keys(row), SUMMARY_KEYS, "{row}");
        for key in ["loggedIn", "available", "callers", "holdTime", "talkTime", "longestHoldTime"] {
            assert!(row[key].is_u64(), "{key} is an integer: {row}");
        }
        assert_eq!(
            row,
            &json!({
                "queue": name, "loggedIn": members, "available": members, "callers": 0, "holdTime": 0,
                "talkTime": 0, "longestHoldTime": 0, "internalActionId": action, "dateReceived": "Jan 5, 2026 9:00:00 AM"
            })
        );
    }
    let closing = rows.last().unwrap();
    assert_eq!(keys(closing), ["internalActionId", "dateReceived"]);
    assert_eq!(closing, &json!({"internalActionId": action, "dateReceived": "Jan 5, 2026 9:00:00 AM"}));
}

#[tokio::test]
async fn queuesummary_has_one_action_id_per_response_and_the_counter_grows() {
    let app = TestApp::spawn_with(&["--traffic", "off"]).await;
    let mut last: Option<(String, u64)> = None;
    for _ in 0..3 {
        let summary = queue_summary(&app).await;
        let rows = summary.as_array().unwrap();
        let id = action_id(&rows[0]["internalActionId"]);
        assert!(rows.iter().all(|r| r["internalActionId"] == rows[0]["internalActionId"]), "one id per response");
        if let Some((prefix, counter)) = &last {
            assert_eq!(&id.0, prefix, "the prefix is the instance's");
            assert!(id.1 > *counter, "the counter grows: {counter} then {}", id.1);
        }
        last = Some(id);
    }
}

#[tokio::test]
async fn queuesummary_date_received_is_java_style_and_follows_the_clock() {
    let app = TestApp::spawn_with(&["--traffic", "off"]).await;
    let date = |summary: &Value| summary[0]["dateReceived"].as_str().unwrap().to_string();
    assert_eq!(date(&queue_summary(&app).await), "Jan 5, 2026 9:00:00 AM");
    for (set, expected) in [
        ("2026-01-05 13:05:09", "Jan 5, 2026 1:05:09 PM"),
        ("2026-01-06 00:00:05", "Jan 6, 2026 12:00:05 AM"),
        ("2026-01-06 12:30:00", "Jan 6, 2026 12:30:00 PM"),
        ("2026-01-12 23:05:09", "Jan 12, 2026 11:05:09 PM"),
    ] {
        set_clock(&app, set).await;
        let summary = queue_summary(&app).await;
        assert_eq!(date(&summary), expected);
        assert_eq!(summary.as_array().unwrap().last().unwrap()["dateReceived"], expected);
    }
}

// campaignstatus ---------------------------------------------------------------------------------

#[tokio::test]
async fn campaignstatus_of_every_campaign_has_the_seeds_21_keys_and_types() {
    let app = TestApp::spawn_with(&["--traffic", "off"]).await;
    let status = campaign_status(&app, "").await;
    assert_eq!(keys(&status), CAMPAIGNS.map(|(name, _)| name), "every campaign, in the world's order");
    for (name, members) in CAMPAIGNS {
        let campaign = &status[name];
        assert_campaign_invariants(campaign);
        assert_eq!(campaign["campaign"], name);
        assert_eq!(
            [int(campaign, "availables"), int(campaign, "totalagents"), int(campaign, "logged")],
            [members; 3],
            "{campaign}"
        );
        for zero in
            ["notavailables", "paused", "busy", "busypaused", "onwrapup", "completed", "abandoned", "totalcalls", "acd"]
        {
            assert_eq!(int(campaign, zero), 0, "{zero}: {campaign}");
        }
        for key in ["talked", "hold"] {
            assert_eq!(campaign[key], "00:00:00-0", "{campaign}");
        }
        for key in ["servicelevel", "servicelevel2"] {
            assert_eq!(campaign[key], "0.0", "{campaign}");
        }
        assert_eq!(campaign["abandonedlevel"], "0", "as the vendor's examples write it: {campaign}");
    }
    // The fixture's settings, with the vendor's types.
    let test = &status["test->"];
    assert_eq!(
        (test["strategy"].clone(), test["slevelthreshold"].clone(), test["wrapup"].clone()),
        (json!("fewestcalls"), json!("15"), json!(0))
    );
    let power = &status["Power<-"];
    assert_eq!(
        (power["strategy"].clone(), power["slevelthreshold"].clone(), power["wrapup"].clone()),
        (json!("leastrecent"), json!("20"), json!(3))
    );
}

#[tokio::test]
async fn campaignstatus_of_one_queue_lists_its_members_in_membership_order() {
    let app = TestApp::spawn_with(&["--traffic", "off"]).await;
    let status = campaign_status(&app, "test->").await;
    assert_eq!(keys(&status), ["test->", "SIP/1010", "SIP/1001"]);
    assert_campaign_invariants(&status["test->"]);
    let action = status["SIP/1010"]["internalActionId"].clone();
    action_id(&action);
    for (interface, name) in [("SIP/1010", "Daniel"), ("SIP/1001", "Santiago")] {
        let member = &status[interface];
        assert_eq!(keys(member), MEMBER_KEYS, "{member}");
        for key in MEMBER_INTEGERS {
            assert!(member[key].is_u64(), "{key} is an integer: {member}");
        }
        assert_eq!(
            member,
            &json!({
                "queue": "test->", "location": interface, "membership": "", "name": name, "penalty": 0,
                "callsTaken": 0, "lastCall": 0, "status": 1, "paused": false, "stateinterface": interface,
                "incall": 0, "pausedreason": "", "internalActionId": action,
                "dateReceived": "Jan 5, 2026 9:00:00 AM", "server": "00:00:00"
            })
        );
    }
}

#[tokio::test]
async fn a_members_server_time_grows_with_the_clock_and_restarts_on_a_state_change() {
    let app = TestApp::spawn_with(&["--traffic", "off"]).await;
    app.advance(90).await;
    let status = campaign_status(&app, "test->").await;
    assert_eq!(status["SIP/1001"]["server"], "00:01:30");
    assert_eq!(status["SIP/1001"]["dateReceived"], "Jan 5, 2026 9:00:00 AM");
    app.advance(2 * 3600).await;
    assert_eq!(campaign_status(&app, "test->").await["SIP/1010"]["server"], "02:01:30");

    // Agente1's phone rings, then answers 3 s later: its state changed then.
    let call = [
        ("callerid", "24001234"),
        ("agent", "Agente1"),
        ("phone", "1001"),
        ("tech", "SIP"),
        ("context", "agentes"),
        ("outqueue", "test->"),
        ("destination", "099123456"),
    ];
    assert_eq!(app.post("Agents/AgentCall", &call).await.body.len(), 36);
    app.advance(3).await;
    let status = campaign_status(&app, "test->").await;
    let member = &status["SIP/1001"];
    assert_eq!(
        (member["status"].clone(), member["dateReceived"].clone(), member["server"].clone()),
        (json!(2), json!("Jan 5, 2026 11:01:33 AM"), json!("00:00:00"))
    );
}

#[tokio::test]
async fn campaignstatus_of_an_unknown_queue_is_an_empty_object() {
    let app = TestApp::spawn_with(&["--traffic", "off"]).await;
    for queue in ["Nope->", "TEST->", "test", " test->"] {
        app.post("Supervisor/campaignstatus", &[("queue", queue)]).await.assert_json(&json!({}));
    }
}

// The day's numbers ------------------------------------------------------------------------------

#[tokio::test]
async fn an_agent_call_is_busy_in_its_outqueue_and_counts_there() {
    let app = TestApp::spawn_with(&["--traffic", "off"]).await;
    let (mut answered, mut billsec) = (0u64, 0u64);
    for i in 0..8u64 {
        let destination = format!("09920000{i}");
        let call = [
            ("callerid", "24001234"),
            ("agent", "Agente2"),
            ("phone", "1010"),
            ("tech", "SIP"),
            ("context", "agentes"),
            ("outqueue", "test->"),
            ("destination", destination.as_str()),
        ];
        let reply = app.post("Agents/AgentCall", &call).await;
        let guid = reply.body.clone();
        assert_eq!(guid.len(), 36, "{reply:?}");

        // During the call the member is busy and the call is offered to the campaign.
        let status = campaign_status(&app, "test->").await;
        let test = &status["test->"];
        assert_eq!((int(test, "busy"), int(test, "availables"), int(test, "totalcalls")), (1, 1, i + 1), "{test}");
        assert_eq!(status["SIP/1010"]["incall"], 1);
        let summary = queue_summary(&app).await;
        assert_eq!(summary[1]["queue"], "test->");
        assert_eq!((int(&summary[1], "loggedIn"), int(&summary[1], "available")), (2, 1));

        // An hour later it has ended: completed when the customer answered.
        app.advance(3600).await;
        let cdrs = app.state("cdrs").await;
        let customer = cdrs
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["guid"] == guid.as_str() && r["sequence"] == 1)
            .unwrap_or_else(|| panic!("the customer leg of {guid}"))
            .clone();
        if customer["disposition"] == "ANSWERED" {
            answered += 1;
            billsec += int(&customer, "billsec");
        }
        let status = campaign_status(&app, "test->").await;
        let test = &status["test->"];
        assert_campaign_invariants(test);
        assert_eq!((int(test, "busy"), int(test, "availables")), (0, 2), "{test}");
        assert_eq!((int(test, "totalcalls"), int(test, "completed"), int(test, "abandoned")), (i + 1, answered, 0));
        let (talk, n) = duration_count(&test["talked"]);
        assert_eq!(n, answered);
        if let Some(average) = billsec.checked_div(n) {
            assert!(talk.abs_diff(average) <= 1, "talked's average {talk} s vs the legs' {average} s");
        }
    }
}

#[tokio::test]
async fn campaign_numbers_hold_together_and_match_the_cdrs_after_three_hours_of_traffic() {
    let app = TestApp::spawn_with(&["--traffic", "on"]).await;
    app.advance(3 * 3600).await;

    let all = campaign_status(&app, "").await;
    assert_eq!(keys(&all), CAMPAIGNS.map(|(name, _)| name));
    for (_, campaign) in all.as_object().unwrap() {
        assert_campaign_invariants(campaign);
    }
    let status = campaign_status(&app, "Out<-").await;
    let out = &status["Out<-"];
    assert_eq!(out, &all["Out<-"], "the same numbers asked either way");
    assert_campaign_invariants(out);
    let (total, completed, abandoned) = (int(out, "totalcalls"), int(out, "completed"), int(out, "abandoned"));
    assert!(total > 0 && completed > 0, "three hours of traffic: {out}");

    // The CDRs of today's Out<- calls: one guid per ended call.
    let cdrs = app.state("cdrs").await;
    let today: Vec<&Value> = cdrs
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["campaign"] == "Out<-" && r["calldate"].as_str().unwrap() >= "2026-01-05 00:00:00")
        .collect();
    let guids: BTreeSet<&str> = today.iter().map(|r| r["guid"].as_str().unwrap()).collect();
    let answered: Vec<&&Value> = today.iter().filter(|r| r["disposition"] == "ANSWERED").collect();
    let answered_guids: BTreeSet<&str> = answered.iter().map(|r| r["guid"].as_str().unwrap()).collect();
    assert_eq!(answered_guids.len() as u64, completed, "answered and ended calls");
    assert_eq!((guids.len() - answered_guids.len()) as u64, abandoned, "callers who hung up waiting");
    let billsec: u64 = answered.iter().map(|r| int(r, "billsec")).sum();
    let (talk, n) = duration_count(&out["talked"]);
    assert_eq!(n, completed);
    assert!(talk.abs_diff(billsec / n) <= 1, "talked's average {talk} s vs the answered legs' {} s", billsec / n);

    // The calls without a CDR yet are those waiting or with an agent now.
    let summary = queue_summary(&app).await;
    let row = summary.as_array().unwrap().iter().find(|r| r["queue"] == "Out<-").unwrap().clone();
    let (callers, with_agent) = (int(&row, "callers"), int(out, "busy") + int(out, "busypaused"));
    let in_progress = total - guids.len() as u64;
    assert!(
        callers <= in_progress && in_progress <= callers + with_agent,
        "{in_progress} calls in progress, {callers} waiting, {with_agent} members busy"
    );
    if callers == 0 {
        assert_eq!(int(&row, "longestHoldTime"), 0);
    }
    assert_eq!(int(&row, "loggedIn"), int(out, "logged"));
    assert_eq!(int(&row, "available"), int(out, "availables"));
    // campaignstatus and queuesummary tell the same numbers at the same instant: acd is the callers
    // waiting, talked and hold the averages of talkTime and holdTime.
    assert_eq!(int(out, "acd"), callers, "acd is the callers waiting: {out} {row}");
    assert_eq!(talk, int(&row, "talkTime"), "talked is the average talk: {row}");
    let (hold, held) = duration_count(&out["hold"]);
    assert_eq!(hold, int(&row, "holdTime"), "hold is the average wait: {row}");
    assert!(held > 0, "answered queue calls waited: {out}");
}

#[tokio::test]
async fn campaignstatus_reads_as_a_wallboard_does_acd_waiting_talked_and_hold_averages() {
    let app = TestApp::spawn().await;
    // Patient callers (a mean of ten hours), so they wait.
    let traffic = json!({"campaign": "Out<-", "calls_per_hour": 0, "patience": 36000}).to_string();
    assert_eq!(app.send(app.client.post(format!("{}/_mock/traffic", app.base)).body(traffic)).await.status, 200);
    // Nobody free on Out<-: its members paused, three callers arrive and wait.
    for agent in ["Agente1", "Agente3", "Agente4"] {
        let pause = app.client.post(format!("{}/_mock/agents/{agent}", app.base)).body(r#"{"action": "pause"}"#);
        assert_eq!(app.send(pause).await.status, 200);
    }
    for from in ["0991", "0992", "0993"] {
        let inject = app.client.post(format!("{}/_mock/calls", app.base));
        let inject = inject.body(json!({"campaign": "Out<-", "from": from}).to_string());
        assert_eq!(app.send(inject).await.status, 200);
    }
    app.advance(30).await;
    let out = campaign_status(&app, "Out<-").await["Out<-"].clone();
    let row = queue_summary(&app).await.as_array().unwrap().iter().find(|r| r["queue"] == "Out<-").unwrap().clone();
    assert_eq!((int(&out, "acd"), int(&row, "callers")), (3, 3), "acd is the callers waiting: {out}");
    assert_eq!((out["talked"].as_str(), out["hold"].as_str()), (Some("00:00:00-0"), Some("00:00:00-0")));
    // Agente3 comes back: those still waiting are answered one after another, and each call is
    // averaged.
    let unpause = app.client.post(format!("{}/_mock/agents/Agente3", app.base)).body(r#"{"action": "unpause"}"#);
    assert_eq!(app.send(unpause).await.status, 200);
    app.advance(4 * 3600).await;
    let out = campaign_status(&app, "Out<-").await["Out<-"].clone();
    let row = queue_summary(&app).await.as_array().unwrap().iter().find(|r| r["queue"] == "Out<-").unwrap().clone();
    assert_eq!(int(&out, "acd"), 0, "nobody waits now: {out}");
    let (talk, completed) = duration_count(&out["talked"]);
    let (hold, answered) = duration_count(&out["hold"]);
    let abandoned = int(&out, "abandoned");
    assert_eq!((completed, answered), (3 - abandoned, 3 - abandoned), "{out}");
    assert!(completed >= 1, "{out}");
    assert_eq!((talk, hold), (int(&row, "talkTime"), int(&row, "holdTime")), "the averages queuesummary shows: {row}");
    assert!(hold >= 30, "each waited at least the 30 s before Agente3 came back: {out}");
    // The averages are of the calls' own CDRs.
    let cdrs = app.state("cdrs").await;
    let billsec: Vec<u64> = cdrs
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["campaign"] == "Out<-" && r["disposition"] == "ANSWERED" && r["calldate"].as_str() >= Some("2026-01-05")
        })
        .map(|r| int(r, "billsec"))
        .collect();
    assert_eq!(billsec.len() as u64, completed, "{cdrs}");
    let average = billsec.iter().sum::<u64>() / completed;
    assert!(talk.abs_diff(average) <= 1, "talked {talk} s vs the CDRs' average {average} s");
}
