//! Scenario actions of the control API and how campaignstatus buckets each member (docs/contract.md, section 8).

use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp};

async fn act(app: &TestApp, user: &str, body: Value) -> Reply {
    app.send(app.client.post(format!("{}/_mock/agents/{user}", app.base)).body(body.to_string())).await
}

async fn inject(app: &TestApp, campaign: &str, from: &str) -> Reply {
    app.send(
        app.client
            .post(format!("{}/_mock/calls", app.base))
            .body(json!({"campaign": campaign, "from": from}).to_string()),
    )
    .await
}

async fn status_of(app: &TestApp, queue: &str) -> Value {
    app.post("Supervisor/campaignstatus", &[("queue", queue)]).await.json()
}

/// (availables, notavailables, paused, busy, busypaused, onwrapup) of a campaign.
fn buckets(status: &Value, queue: &str) -> [u64; 6] {
    let c = &status[queue];
    ["availables", "notavailables", "paused", "busy", "busypaused", "onwrapup"].map(|k| c[k].as_u64().unwrap())
}

#[tokio::test]
async fn each_member_is_in_exactly_one_bucket() {
    let app = TestApp::spawn().await;
    assert_eq!(buckets(&status_of(&app, "test->").await, "test->"), [2, 0, 0, 0, 0, 0]);

    act(&app, "Agente2", json!({"action": "pause", "reason": "Almuerzo"})).await;
    let s = status_of(&app, "test->").await;
    assert_eq!(buckets(&s, "test->"), [1, 0, 1, 0, 0, 0]);
    assert_eq!(
        (s["SIP/1010"]["paused"].clone(), s["SIP/1010"]["pausedreason"].clone()),
        (json!(true), json!("Almuerzo"))
    );

    act(&app, "Agente2", json!({"action": "logout"})).await;
    let s = status_of(&app, "test->").await;
    assert_eq!(buckets(&s, "test->"), [1, 1, 0, 0, 0, 0]);
    assert_eq!((s["SIP/1010"]["status"].clone(), s["SIP/1010"]["pausedreason"].clone()), (json!(5), json!("[]")));
    assert_eq!(s["test->"]["logged"], 1);
    assert_eq!(s["test->"]["totalagents"], 2);

    // Agente1 on a call: busy; paused while on it: busypaused.
    let guid = app
        .post(
            "Agents/AgentCall",
            &[
                ("callerid", "24001234"),
                ("agent", "Agente1"),
                ("phone", "1001"),
                ("tech", "SIP"),
                ("context", "agentes"),
                ("outqueue", "test->"),
                ("destination", "099"),
            ],
        )
        .await;
    assert_eq!(guid.body.len(), 36);
    assert_eq!(buckets(&status_of(&app, "test->").await, "test->"), [0, 1, 0, 1, 0, 0]);
    act(&app, "Agente1", json!({"action": "pause", "reason": "Baño"})).await;
    assert_eq!(buckets(&status_of(&app, "test->").await, "test->"), [0, 1, 0, 0, 1, 0]);
    app.post("Agents/HangupPhone", &[("phone", "1001")]).await.assert_one();
    assert_eq!(buckets(&status_of(&app, "test->").await, "test->"), [0, 1, 1, 0, 0, 0]);

    act(&app, "Agente1", json!({"action": "unpause"})).await;
    act(&app, "Agente1", json!({"action": "status", "status": 4})).await;
    let s = status_of(&app, "test->").await;
    assert_eq!(buckets(&s, "test->"), [0, 2, 0, 0, 0, 0]);
    assert_eq!(s["SIP/1001"]["status"], 4);
}

#[tokio::test]
async fn an_injected_caller_rings_an_available_member_or_waits() {
    let app = TestApp::spawn().await;
    // Out<-'s other members (demo agents, penalty 1) are away; its first is in a meeting.
    for agent in ["Agente3", "Agente4"] {
        act(&app, agent, json!({"action": "logout"})).await;
    }
    act(&app, "Agente1", json!({"action": "pause", "reason": "Reunion"})).await;
    let reply = inject(&app, "Out<-", "099555000").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["guid"].as_str().unwrap().len(), 36);
    let summary = app.post("Supervisor/queuesummary", &[]).await.json();
    let out = summary.as_array().unwrap().iter().find(|q| q["queue"] == "Out<-").unwrap().clone();
    assert_eq!((out["callers"].clone(), out["available"].clone()), (json!(1), json!(0)));

    act(&app, "Agente1", json!({"action": "unpause"})).await;
    let s = status_of(&app, "Out<-").await;
    assert_eq!(s["SIP/1001"]["status"], 6, "the caller rings Agente1 as soon as she is back");
    // Wrap-up (Out<- has none) and the answered call's numbers.
    let advance = app.client.post(format!("{}/_mock/clock", app.base)).body(r#"{"advance": 7200}"#);
    assert_eq!(app.send(advance).await.status, 200);
    let s = status_of(&app, "Out<-").await;
    assert_eq!((s["Out<-"]["completed"].clone(), s["Out<-"]["totalcalls"].clone()), (json!(1), json!(1)));
    assert_eq!(s["SIP/1001"]["callsTaken"], 1);
    let cdrs = app.state("cdrs").await;
    let legs: Vec<&Value> = cdrs.as_array().unwrap().iter().filter(|r| r["src"] == "099555000").collect();
    assert_eq!(legs.len(), 1);
    assert_eq!((legs[0]["disposition"].as_str(), legs[0]["peeraccount"].as_str()), (Some("ANSWERED"), Some("Agente1")));
}

#[tokio::test]
async fn bad_scenario_requests_are_clear_400s_that_change_nothing() {
    let app = TestApp::spawn().await;
    let before = status_of(&app, "").await;
    for (user, body) in [
        ("nobody", json!({"action": "login"})),
        ("Agente1", json!({"action": "dance"})),
        ("Agente1", json!({"action": "status", "status": 12})),
        ("Agente1", json!({"action": "status"})),
        ("Agente1", json!([])),
    ] {
        let reply = act(&app, user, body).await;
        assert_eq!(reply.status, 400, "{}", reply.body);
        assert!(reply.json()["error"].is_string());
    }
    for body in [json!({"campaign": "Nope<-", "from": "1"}), json!({"campaign": "Out<-"})] {
        let reply = app.send(app.client.post(format!("{}/_mock/calls", app.base)).body(body.to_string())).await;
        assert_eq!(reply.status, 400);
    }
    assert_eq!(status_of(&app, "").await, before);
}

#[tokio::test]
async fn traffic_rates_are_set_per_campaign() {
    let app = TestApp::spawn().await; // --traffic off: nobody calls
    app.advance(3600).await;
    let quiet = status_of(&app, "Out<-").await;
    assert_eq!(quiet["Out<-"]["totalcalls"], 0);
    let set = json!({"campaign": "Out<-", "calls_per_hour": 60, "patience": 30});
    let reply = app.send(app.client.post(format!("{}/_mock/traffic", app.base)).body(set.to_string())).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    app.advance(3600).await;
    let busy = status_of(&app, "Out<-").await["Out<-"]["totalcalls"].as_u64().unwrap();
    assert!((30..=100).contains(&busy), "about 60 callers an hour, got {busy}");
    let stop = json!({"campaign": "Out<-", "calls_per_hour": 0});
    app.send(app.client.post(format!("{}/_mock/traffic", app.base)).body(stop.to_string())).await;
    app.advance(3600).await;
    let after = status_of(&app, "Out<-").await["Out<-"]["totalcalls"].as_u64().unwrap();
    assert!(after <= busy + 1, "traffic stopped: {busy} then {after}");
    for bad in [
        json!({"campaign": "Nope", "calls_per_hour": 1}),
        json!({"campaign": "Out<-", "calls_per_hour": -1}),
        json!({"campaign": "Out<-"}),
    ] {
        let reply = app.send(app.client.post(format!("{}/_mock/traffic", app.base)).body(bad.to_string())).await;
        assert_eq!(reply.status, 400, "{bad}");
    }
}

#[tokio::test]
async fn live_calls_and_agents_are_tables_too() {
    let app = TestApp::spawn().await;
    let reply = inject(&app, "Out<-", "099777000").await;
    let guid = reply.json()["guid"].as_str().unwrap().to_string();
    let calls = app.state("calls").await;
    assert_eq!(calls.as_array().unwrap().len(), 1);
    let call = &calls[0];
    assert_eq!(
        (call["guid"].as_str(), call["phase"].as_str(), call["direction"].as_str()),
        (Some(guid.as_str()), Some("ringing"), Some("inbound"))
    );
    let agents = app.state("agents").await;
    let agente1 = agents.as_array().unwrap().iter().find(|a| a["user"] == "Agente1").unwrap();
    assert_eq!((agente1["status"].as_u64(), agente1["call"].as_str()), (Some(6), Some(guid.as_str())));
}

#[tokio::test]
async fn a_control_token_guards_the_control_api_but_not_health() {
    // A page of another origin may use the control API only when --cors names it.
    let app = TestApp::spawn_with(&["--control-token", "s3cret", "--cors", "http://page.test"]).await;
    let health = app.send(app.client.get(format!("{}/_mock/health", app.base))).await;
    assert_eq!(health.status, 200);
    let denied = app
        .send(app.client.get(format!("{}/_mock/state/blacklist", app.base)).header("origin", "http://page.test"))
        .await;
    assert_eq!(denied.status, 401);
    assert!(denied.json()["error"].is_string());
    // a refusal carries CORS headers, so a page can read it; a preflight is answered before the token
    let allowed_origin = |reply: &crate::helpers::Reply| {
        reply.headers.get("access-control-allow-origin").and_then(|v| v.to_str().ok()).map(str::to_string)
    };
    assert_eq!(allowed_origin(&denied).as_deref(), Some("http://page.test"));
    let preflight = app
        .send(
            app.client
                .request(reqwest::Method::OPTIONS, format!("{}/_mock/state/blacklist", app.base))
                .header("origin", "http://page.test"),
        )
        .await;
    assert_eq!(preflight.status, 204);
    assert_eq!(allowed_origin(&preflight).as_deref(), Some("http://page.test"));
    let wrong = app
        .send(app.client.get(format!("{}/_mock/state/blacklist", app.base)).header("authorization", "Bearer nope"))
        .await;
    assert_eq!(wrong.status, 401);
    let allowed = app
        .send(app.client.get(format!("{}/_mock/state/blacklist", app.base)).header("authorization", "Bearer s3cret"))
        .await;
    assert_eq!(allowed.status, 200);
    // the backup listener's control routes are guarded too
    let backup = app.send(app.client.get(format!("{}/_mock/instances", app.backup))).await;
    assert_eq!(backup.status, 401);
    let backup = app
        .send(app.client.get(format!("{}/_mock/instances", app.backup)).header("authorization", "Bearer s3cret"))
        .await;
    assert_eq!(backup.status, 200);
    // the Integra routes keep their own tokens
    app.post("Dialers/RemoveContact", &[("campaign", "Ventas->"), ("number", "1")]).await.assert_one();
}

#[tokio::test]
async fn an_agent_call_during_wrap_up_keeps_the_agent_busy() {
    let app = TestApp::spawn().await;
    let status = |agents: &Value| {
        agents.as_array().unwrap().iter().find(|a| a["user"] == "Agente1").unwrap()["status"].as_u64().unwrap()
    };
    inject(&app, "Ventas->", "099888000").await; // Ventas-> wraps up for 5 s
    let mut wrapping = false;
    for _ in 0..2000 {
        app.advance(1).await;
        if status(&app.state("agents").await) == 9 {
            wrapping = true;
            break;
        }
    }
    assert!(wrapping, "Agente1 never wrapped up");
    let call = [
        ("callerid", "1"),
        ("agent", "Agente1"),
        ("phone", "1001"),
        ("tech", "SIP"),
        ("context", "c"),
        ("outqueue", "Sales->"),
        ("destination", "099"),
    ];
    assert_eq!(app.post("Agents/AgentCall", &call).await.body.len(), 36);
    app.advance(6).await; // past the wrap-up's end
    let agents = app.state("agents").await;
    let still = agents.as_array().unwrap().iter().find(|a| a["user"] == "Agente1").unwrap();
    if still["call"].is_string() {
        assert_ne!(status(&agents), 1, "an agent on a call is not available: {still}");
    }
}

#[tokio::test]
async fn numbers_that_would_overflow_are_refused() {
    let app = TestApp::spawn().await;
    for field in ["retries", "contact"] {
        let spool = json!({"campaign": "Power<-", "destination": "1", field: i64::MAX});
        app.post("Dialers/Respool", &[("callspool", &spool.to_string())]).await.assert_zero();
    }
    for bad in [
        json!({"campaign": "Out<-", "calls_per_hour": 1e-300}),
        json!({"campaign": "Out<-", "calls_per_hour": 5, "patience": 0.5}),
    ] {
        let reply = app.send(app.client.post(format!("{}/_mock/traffic", app.base)).body(bad.to_string())).await;
        assert_eq!(reply.status, 400, "{bad}");
    }
    let world: Value = serde_json::from_str(include_str!("../../fixtures/world.json")).unwrap();
    for (path, value) in [
        ("/history/days", json!(4_294_967_295u64)),
        ("/campaigns/0/wrapup", json!(i64::MAX)),
        ("/calls/talk_mean", json!(0)),
    ] {
        let mut broken = world.clone();
        *broken.pointer_mut(path).unwrap() = value;
        let load = app.client.post(format!("{}/_mock/fixtures", app.base)).header("x-mock-instance", "broken");
        let reply = app.send(load.body(json!({"world": broken}).to_string())).await;
        assert_eq!(reply.status, 400, "{path}: {}", reply.body);
    }
    // the instance still works with the server's fixtures
    let state = app
        .send(app.client.get(format!("{}/_mock/state/campaigns", app.base)).header("x-mock-instance", "broken"))
        .await;
    assert_eq!(state.json().as_array().unwrap().len(), 10);
}
