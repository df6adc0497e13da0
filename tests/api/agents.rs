//! Agents/AgentCall, Agents/AgentCallwithData, Agents/HangupPhone, Agents/TagRecord (docs/contract.md, section 3,
//! with the general rules of section 1) and the CDR rows their calls leave (section 10).
//! Quiet worlds (`--traffic off`): only the calls placed here happen.

use serde_json::{Value, json};

use crate::helpers::{CALL, JSON, Reply, TEXT, TestApp, encode};

/// `CALL` with some values replaced (same keys, same order).
fn call_with<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    CALL.iter().map(|&(k, v)| (k, changes.iter().find(|(c, _)| *c == k).map_or(v, |&(_, new)| new))).collect()
}

/// A guid answer: 200, text/plain, a lowercase hyphenated UUID v4 and nothing else.
#[track_caller]
fn assert_guid(reply: &Reply) -> String {
    assert_eq!(
        (reply.status, reply.content_type()),
        (200, Some(TEXT)),
        "body {:?}, reason {:?}",
        reply.body,
        reply.reason()
    );
    let body = reply.body.as_str();
    assert_eq!(body.len(), 36, "a hyphenated uuid and no newline: {body:?}");
    let uuid = uuid::Uuid::parse_str(body).unwrap_or_else(|e| panic!("not a uuid ({e}): {body:?}"));
    assert_eq!(uuid.get_version_num(), 4, "{body}");
    assert_eq!(body, body.to_lowercase());
    body.to_string()
}

/// Places an AgentCall and returns its guid.
async fn place(app: &TestApp, form: &[(&str, &str)]) -> String {
    assert_guid(&app.post("Agents/AgentCall", form).await)
}

/// The CDR rows of one call, by `sequence`.
async fn legs(app: &TestApp, guid: &str) -> Vec<Value> {
    let mut rows: Vec<Value> =
        app.state("cdrs").await.as_array().unwrap().iter().filter(|r| r["guid"] == guid).cloned().collect();
    rows.sort_by_key(|r| r["sequence"].as_i64().unwrap());
    rows
}

async fn campaign_status(app: &TestApp, queue: &str) -> Value {
    let reply = app.post("Supervisor/campaignstatus", &[("queue", queue)]).await;
    assert_eq!((reply.status, reply.content_type()), (200, Some(JSON)), "{}", reply.body);
    reply.json()
}

/// (status, incall) of a member of `queue`.
async fn member_state(app: &TestApp, queue: &str, interface: &str) -> (Value, Value) {
    let status = campaign_status(app, queue).await;
    let member = &status[interface];
    (member["status"].clone(), member["incall"].clone())
}

fn s<'a>(row: &'a Value, key: &str) -> &'a str {
    row[key].as_str().unwrap_or_else(|| panic!("{key} is not a string: {row}"))
}

fn int(row: &Value, key: &str) -> i64 {
    row[key].as_i64().unwrap_or_else(|| panic!("{key} is not an integer: {row}"))
}

/// `SIP/<ext>-<8 hex digits>`.
fn is_channel(text: &str) -> bool {
    let Some((ext, hex)) = text.strip_prefix("SIP/").and_then(|rest| rest.rsplit_once('-')) else { return false };
    !ext.is_empty() && hex.len() == 8 && hex.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
}

/// `<epoch seconds>.<n>`, split.
fn uniqueid(text: &str) -> (i64, u64) {
    let (epoch, n) = text.split_once('.').unwrap_or_else(|| panic!("not <epoch>.<n>: {text}"));
    (epoch.parse().unwrap_or_else(|_| panic!("{text}")), n.parse().unwrap_or_else(|_| panic!("{text}")))
}

// AgentCall --------------------------------------------------------------------------------------

#[tokio::test]
async fn agent_call_answers_a_lowercase_uuid_v4_as_plain_text() {
    let app = TestApp::spawn_with(&["--traffic", "off"]).await;
    let first = place(&app, &CALL).await;
    let second = place(&app, &call_with(&[("phone", "1010"), ("agent", "Agente2")])).await;
    assert_ne!(first, second, "every call gets its own guid");
}

#[tokio::test]
async fn the_agents_phone_rings_then_answers_and_is_busy_meanwhile() {
    let app = TestApp::spawn_with(&["--traffic", "off"]).await;
    place(&app, &CALL).await;

    // The phone rings (status 6) and the member is busy in its campaign.
    let status = campaign_status(&app, "test->").await;
    assert_eq!((status["SIP/1001"]["status"].clone(), status["SIP/1001"]["incall"].clone()), (json!(6), json!(1)));
    assert_eq!((status["test->"]["busy"].clone(), status["test->"]["availables"].clone()), (json!(1), json!(1)));

    // A second call on the same phone, whatever its campaign and number: 0, nothing changed.
    let again = encode(&call_with(&[("outqueue", "Sales->"), ("destination", "099000111")]));
    app.assert_refused(
        "Agents/AgentCall",
        &[("same phone during the ring".into(), encode(&CALL)), ("other campaign".into(), again.clone())],
    )
    .await;
    assert_eq!(campaign_status(&app, "test->").await["test->"]["totalcalls"], 1, "a refused call is not counted");

    // Auto-answer after the ring: in use (status 2), still busy for another call.
    app.advance(3).await;
    assert_eq!(member_state(&app, "test->", "SIP/1001").await, (json!(2), json!(1)));
    app.assert_refused("Agents/AgentCall", &[("same phone while in use".into(), again)]).await;
}

#[tokio::test]
async fn agent_call_refuses_empty_or_missing_parameters_and_changes_nothing() {
    let app = TestApp::spawn_with(&["--traffic", "off"]).await;
    let before = campaign_status(&app, "").await;
    let extra = [("data", r#"{"id":"1"}"#), ("form", "Formulario")];
    for route in ["Agents/AgentCall", "Agents/AgentCallwithData"] {
        let mut cases = Vec::new();
        for (key, _) in CALL {
            let mut missing: Vec<(&str, &str)> = CALL.iter().copied().filter(|(k, _)| *k != key).collect();
            let mut empty = call_with(&[(key, "")]);
            if route == "Agents/AgentCallwithData" {
                missing.extend(extra);
                empty.extend(extra);
            }
            cases.push((format!("{key} missing"), encode(&missing)));
            cases.push((format!("{key} empty"), encode(&empty)));
        }
        cases.push(("no parameters".into(), String::new()));
        app.assert_refused(route, &cases).await;
    }
    assert_eq!(campaign_status(&app, "").await, before, "no call was counted, no agent moved");
    assert_eq!(member_state(&app, "test->", "SIP/1001").await, (json!(1), json!(0)));
}

#[tokio::test]
async fn agent_call_refuses_an_unknown_phone_or_outqueue() {
    let app = TestApp::spawn_with(&["--traffic", "off"]).await;
    let before = campaign_status(&app, "").await;
    let cases: Vec<(String, String)> = [
        ("no agent has phone 9999", call_with(&[("phone", "9999")])),
        ("no agent has phone 1002", call_with(&[("phone", "1002")])),
        ("unknown outqueue", call_with(&[("outqueue", "Nope->")])),
        ("outqueue compared exactly", call_with(&[("outqueue", "TEST->")])),
        ("outqueue without its arrow", call_with(&[("outqueue", "test")])),
    ]
    .into_iter()
    .map(|(case, form)| (case.to_string(), encode(&form)))
    .collect();
    app.assert_refused("Agents/AgentCall", &cases).await;
    app.assert_refused("Agents/AgentCallwithData", &cases).await;
    assert_eq!(campaign_status(&app, "").await, before);
    assert_eq!(member_state(&app, "test->", "SIP/1001").await, (json!(1), json!(0)));
}

#[tokio::test]
async fn agent_tech_and_context_are_not_checked_and_membership_is_not_needed() {
    let app = TestApp::spawn_with(&["--traffic", "off"]).await;
    // Agente3 (phone 1003) is not a member of test->; "whoever" is nobody; IAX is not the phone's tech.
    let form = call_with(&[("agent", "whoever"), ("phone", "1003"), ("tech", "IAX"), ("context", "nowhere")]);
    let guid = place(&app, &form).await;
    assert_eq!(campaign_status(&app, "test->").await["test->"]["totalcalls"], 1, "counted in outqueue");
    app.advance(2 * 3600).await;
    let rows = legs(&app, &guid).await;
    assert_eq!(rows.len(), 2, "{rows:#?}");
    for row in &rows {
        assert_eq!((s(row, "peeraccount"), s(row, "campaign")), ("whoever", "test->"), "the agent as given: {row}");
        assert_eq!(s(row, "dcontext"), "nowhere", "the context as given: {row}");
    }
}

#[tokio::test]
async fn the_agent_need_not_be_logged_in() {
    let app = TestApp::spawn_with(&["--traffic", "off"]).await;
    let logout = app.client.post(format!("{}/_mock/agents/Agente3", app.base)).body(r#"{"action": "logout"}"#);
    assert_eq!(app.send(logout).await.status, 200);
    assert_eq!(campaign_status(&app, "Power<-").await["Power<-"]["logged"], 7);
    let guid = place(&app, &call_with(&[("agent", "Agente3"), ("phone", "1003")])).await;
    app.advance(2 * 3600).await;
    assert_eq!(legs(&app, &guid).await.len(), 2);
}

#[tokio::test]
async fn an_agent_call_leaves_two_linked_outbound_legs() {
    let app = TestApp::spawn_with(&["--traffic", "off"]).await;
    let start_epoch = 1_767_614_400; // 2026-01-05 09:00:00 in Montevideo (UTC-3)
    let phones =
        [("1001", "Agente1"), ("1010", "Agente2"), ("1003", "Agente3"), ("1004", "Agente4"), ("1005", "Agente5")];
    let mut calls = Vec::new();
    for (i, (phone, agent)) in phones.into_iter().enumerate() {
        let destination = format!("0991000{i:02}");
        let form = call_with(&[("phone", phone), ("agent", agent), ("destination", &destination)]);
        calls.push((place(&app, &form).await, agent, destination));
    }
    // No row before the call ends.
    for (guid, _, _) in &calls {
        assert!(legs(&app, guid).await.is_empty());
    }
    app.advance(2 * 3600).await;

    let dispositions = ["ANSWERED", "NO ANSWER", "BUSY", "FAILED"];
    for (guid, agent, destination) in &calls {
        let rows = legs(&app, guid).await;
        assert_eq!(rows.len(), 2, "the agent's leg and the customer's: {rows:#?}");
        let (agent_leg, customer_leg) = (&rows[0], &rows[1]);
        assert_eq!((int(agent_leg, "sequence"), int(customer_leg, "sequence")), (0, 1));
        let linkedid = s(agent_leg, "uniqueid");
        assert_eq!(uniqueid(linkedid).0, start_epoch, "the first leg starts with the call: {linkedid}");
        assert_eq!(s(agent_leg, "calldate"), "2026-01-05 09:00:00");
        // The customer is dialled once the phone answered (ring of 3 s in the default world).
        assert_eq!(s(customer_leg, "calldate"), "2026-01-05 09:00:03");
        assert_eq!(uniqueid(s(customer_leg, "uniqueid")).0, start_epoch + 3);
        assert_ne!(s(customer_leg, "uniqueid"), linkedid);
        let finish = s(agent_leg, "finishtime");
        for row in &rows {
            assert_eq!(s(row, "linkedid"), linkedid);
            assert_eq!(s(row, "guid"), guid);
            assert_eq!(s(row, "accountcode"), "Outbound");
            assert_eq!(s(row, "direction"), "outbound");
            assert_eq!(s(row, "peeraccount"), *agent);
            assert_eq!(s(row, "campaign"), "test->");
            assert_eq!(s(row, "src"), "24001234", "src is the callerid");
            assert_eq!(s(row, "clid"), "\"test->\" <24001234>");
            assert_eq!(s(row, "type"), "record");
            assert_eq!(s(row, "finishtime"), finish, "the end of the whole call");
            assert!(finish >= s(row, "calldate"));
            assert!(is_channel(s(row, "channel")), "{}", row["channel"]);
            assert!(dispositions.contains(&s(row, "disposition")), "{}", row["disposition"]);
            let (duration, billsec) = (int(row, "duration"), int(row, "billsec"));
            assert!(0 <= billsec && billsec <= duration, "billsec {billsec} duration {duration}");
            if s(row, "disposition") != "ANSWERED" {
                assert_eq!(billsec, 0, "{row}");
            }
            for null in ["contact", "dialerbase", "alternatives", "parandvalues", "note"] {
                assert!(row[null].is_null(), "{null} of an AgentCall: {row}");
            }
        }
        assert!(s(agent_leg, "channel").starts_with("SIP/"));
        assert_eq!(s(agent_leg, "lastapp"), "Queue", "the agent's leg is delivered to the agent");
        assert_eq!(s(agent_leg, "disposition"), "ANSWERED", "the phone auto-answers");
        assert_eq!(s(customer_leg, "lastapp"), "Dial");
        assert_eq!(s(customer_leg, "dst"), destination);
    }
}

#[tokio::test]
async fn agent_call_with_data_puts_data_in_parandvalues() {
    let app = TestApp::spawn_with(&["--traffic", "off"]).await;
    let data = r#"{"idcliente":"42","nombre":"Ana María"}"#;
    let mut form = CALL.to_vec();
    form.extend([("data", data), ("form", "https://crm.example/form?id=42")]);
    let guid = assert_guid(&app.post("Agents/AgentCallwithData", &form).await);
    app.advance(3).await;
    app.post("Agents/HangupPhone", &[("phone", "1001")]).await.assert_one();

    let rows = legs(&app, &guid).await;
    assert!(!rows.is_empty());
    for row in &rows {
        assert_eq!(row["parandvalues"], data, "{row}");
    }
    // getrecords' data filter looks in parandvalues too.
    let filter = json!({"data": r#""idcliente":"42""#}).to_string();
    let found = app.post("Cdr/getrecords", &[("searchLimit", "1000"), ("filter", &filter)]).await.json();
    let found: Vec<&str> = found.as_array().unwrap().iter().map(|r| s(r, "guid")).collect();
    assert_eq!(found, vec![guid.as_str(); rows.len()]);
}

// HangupPhone ------------------------------------------------------------------------------------

#[tokio::test]
async fn hangup_phone_ends_the_call_and_its_cdrs_appear_at_once() {
    let app = TestApp::spawn_with(&["--traffic", "off"]).await;
    let guid = place(&app, &CALL).await;
    app.advance(3).await; // the phone answered, the customer is being dialled
    assert!(legs(&app, &guid).await.is_empty());

    app.post("Agents/HangupPhone", &[("phone", "1001")]).await.assert_one();
    let rows = legs(&app, &guid).await;
    assert_eq!(rows.len(), 2, "the agent's leg and the customer's, without moving the clock: {rows:#?}");
    for row in &rows {
        assert_eq!(s(row, "finishtime"), "2026-01-05 09:00:03");
    }
    assert_ne!(s(&rows[1], "disposition"), "ANSWERED", "the customer had not answered yet");
    assert_eq!(member_state(&app, "test->", "SIP/1001").await, (json!(1), json!(0)), "the phone is free again");

    // Nothing left to hang up; the phone takes a new call.
    app.assert_refused("Agents/HangupPhone", &[("second hangup".into(), "phone=1001".into())]).await;
    place(&app, &CALL).await;
}

#[tokio::test]
async fn hangup_during_the_ring_ends_the_call_too() {
    let app = TestApp::spawn_with(&["--traffic", "off"]).await;
    let guid = place(&app, &CALL).await;
    app.post("Agents/HangupPhone", &[("phone", "1001")]).await.assert_one();
    let rows = legs(&app, &guid).await;
    assert!(!rows.is_empty(), "the call's CDR is stored at once");
    assert_eq!((int(&rows[0], "sequence"), s(&rows[0], "calldate")), (0, "2026-01-05 09:00:00"));
    assert_eq!(member_state(&app, "test->", "SIP/1001").await, (json!(1), json!(0)));
}

#[tokio::test]
async fn hangup_phone_of_an_idle_unknown_or_missing_phone_answers_zero() {
    let app = TestApp::spawn_with(&["--traffic", "off"]).await;
    // Another phone is in a call: hanging up the others must not touch it.
    let guid = place(&app, &call_with(&[("phone", "1010"), ("agent", "Agente2")])).await;
    let cases: Vec<(String, String)> = [
        ("idle phone", "phone=1001".to_string()),
        ("unknown phone", "phone=9999".to_string()),
        ("empty phone", "phone=".to_string()),
        ("missing phone", String::new()),
        ("a guid is not a phone", format!("guid={guid}")),
    ]
    .into_iter()
    .map(|(case, body)| (case.to_string(), body))
    .collect();
    app.assert_refused("Agents/HangupPhone", &cases).await;
    assert_eq!(member_state(&app, "test->", "SIP/1010").await, (json!(6), json!(1)), "the call on 1010 goes on");
}

// TagRecord --------------------------------------------------------------------------------------

#[tokio::test]
async fn tag_record_always_answers_200_with_an_empty_body() {
    let app = TestApp::spawn_with(&["--traffic", "off"]).await;
    let before = app.snapshot().await;
    for form in [
        &[("phone", "1001"), ("guid", "00000000-0000-4000-8000-000000000000"), ("data", "nota")][..],
        &[("phone", "1001"), ("guid", "not-a-uuid"), ("data", "nota")],
        &[("phone", "9999"), ("guid", "x"), ("data", "")],
        &[("guid", ""), ("data", "nota")],
        &[("data", "nota")],
        &[("phone", "1001")],
        &[],
    ] {
        let reply = app.post("Agents/TagRecord", form).await;
        assert_eq!((reply.status, reply.body.as_str()), (200, ""), "{form:?}");
    }
    assert_eq!(app.snapshot().await, before, "tags of unknown calls change nothing");
}

#[tokio::test]
async fn a_tag_on_a_live_call_lands_in_its_cdr_note_and_the_last_tag_wins() {
    let app = TestApp::spawn_with(&["--traffic", "off"]).await;
    let guid = place(&app, &CALL).await;
    app.advance(3).await;
    for data in ["primera nota", "cliente interesado"] {
        let reply = app.post("Agents/TagRecord", &[("phone", "1001"), ("guid", &guid), ("data", data)]).await;
        assert_eq!((reply.status, reply.body.as_str()), (200, ""));
    }
    app.post("Agents/HangupPhone", &[("phone", "1001")]).await.assert_one();
    let rows = legs(&app, &guid).await;
    assert!(!rows.is_empty());
    for row in &rows {
        assert_eq!(row["note"], "cliente interesado", "{row}");
    }
}

#[tokio::test]
async fn a_tag_on_a_finished_call_replaces_its_note_and_only_its_note() {
    let app = TestApp::spawn_with(&["--traffic", "off"]).await;
    let guid = place(&app, &CALL).await;
    app.advance(2 * 3600).await;
    let others = |cdrs: Value| -> Vec<Value> {
        cdrs.as_array().unwrap().iter().filter(|r| r["guid"] != guid.as_str()).cloned().collect()
    };
    let before = others(app.state("cdrs").await);
    for data in ["nota-1", "nota-2"] {
        // `phone` is recorded only: another phone tags the call all the same.
        let reply = app.post("Agents/TagRecord", &[("phone", "1010"), ("guid", &guid), ("data", data)]).await;
        assert_eq!((reply.status, reply.body.as_str()), (200, ""));
        let rows = legs(&app, &guid).await;
        assert_eq!(rows.len(), 2);
        for row in &rows {
            assert_eq!(row["note"], data, "{row}");
        }
    }
    assert_eq!(others(app.state("cdrs").await), before, "no other call's row changed");
}

#[tokio::test]
async fn getrecords_data_filter_finds_a_tagged_call() {
    let app = TestApp::spawn_with(&["--traffic", "off"]).await;
    let guid = place(&app, &CALL).await;
    app.post("Agents/HangupPhone", &[("phone", "1001")]).await.assert_one();
    let reply =
        app.post("Agents/TagRecord", &[("phone", "1001"), ("guid", &guid), ("data", "venta cerrada 7f3a")]).await;
    assert_eq!((reply.status, reply.body.as_str()), (200, ""));
    let ids: Vec<i64> = legs(&app, &guid).await.iter().map(|r| int(r, "id")).collect();
    assert!(!ids.is_empty());
    for data in ["venta cerrada 7f3a", "7f3a"] {
        let filter = json!({"data": data}).to_string();
        let reply = app.post("Cdr/getrecords", &[("searchLimit", "1000"), ("filter", &filter)]).await;
        assert_eq!((reply.status, reply.content_type()), (200, Some(JSON)));
        let found: Vec<i64> = reply.json().as_array().unwrap().iter().map(|r| int(r, "id")).collect();
        assert_eq!(found, ids, "data filter {data:?}");
    }
}

// Authentication ---------------------------------------------------------------------------------

#[tokio::test]
async fn the_agents_routes_need_a_token() {
    let app = TestApp::spawn_with(&["--traffic", "off"]).await;
    let guid = place(&app, &CALL).await;
    let mut with_data = call_with(&[("phone", "1010"), ("agent", "Agente2")]);
    with_data.extend([("data", "x=1"), ("form", "f")]);
    let forms: [(&str, Vec<(&str, &str)>); 4] = [
        ("Agents/AgentCall", call_with(&[("phone", "1010"), ("agent", "Agente2")])),
        ("Agents/AgentCallwithData", with_data),
        ("Agents/HangupPhone", vec![("phone", "1001")]),
        ("Agents/TagRecord", vec![("phone", "1001"), ("guid", &guid), ("data", "sin token")]),
    ];
    let before = app.snapshot().await;
    for (route, form) in &forms {
        let reply = app.post_anon(route, form).await;
        assert_eq!((reply.status, reply.body.as_str()), (401, ""), "{route}");
        assert_eq!(reply.headers.get("www-authenticate").unwrap(), "Basic realm=\"Integra\"", "{route}");
        let reply = app.post_body(route, encode(form), Some("bm9wZQ==")).await;
        assert_eq!(reply.status, 401, "{route} with an unknown token");
    }
    assert_eq!(app.snapshot().await, before);
    let status = campaign_status(&app, "test->").await;
    assert_eq!(status["SIP/1010"]["incall"], 0, "no call was placed without a token");
    assert_eq!(status["SIP/1001"]["incall"], 1, "the call was not hung up without a token");
    app.post("Agents/HangupPhone", &[("phone", "1001")]).await.assert_one();
    assert!(legs(&app, &guid).await.iter().all(|r| r["note"].is_null()), "the call was not tagged without a token");
}
