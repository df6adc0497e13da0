//! What a newcomer meets first: the demo's own agents free for their calls (and for the entries they
//! queue behind the demo lists), refusals that say all
//! that is missing, paths as JAX-RS matches them, a clock error that says which flag to use.

use serde_json::{Value, json};

use crate::helpers::{CALL, TestApp};

#[tokio::test]
async fn the_traffic_leaves_the_agents_the_docs_use_free() {
    let app = TestApp::spawn_with(&["--traffic", "on"]).await;
    // Two busy hours of generated callers and demo dialer lists.
    let mut placed = Vec::new();
    for _ in 0..8 {
        app.advance(900).await;
        let guid = app.post("Agents/AgentCall", &CALL).await;
        assert_eq!((guid.status, guid.body.len()), (200, 36), "Agente1 can place a call: {:?}", guid.reason());
        placed.push(guid.body);
        app.post("Agents/HangupPhone", &[("phone", "1001")]).await.assert_one();
    }
    let cdrs = app.state("cdrs").await;
    let today: Vec<&Value> = cdrs
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["calldate"].as_str().unwrap() >= "2026-01-05 09:00:00")
        .filter(|r| !placed.iter().any(|g| r["guid"] == g.as_str()))
        .collect();
    let by = |agents: &[&str]| {
        today.iter().filter(|r| r["lastapp"] == "Queue" && agents.contains(&r["peeraccount"].as_str().unwrap())).count()
    };
    assert_eq!(by(&["Agente1", "Agente2"]), 0, "no generated call reached Agente1 or Agente2");
    let demo = ["Agente3", "Agente4", "Agente5", "Agente6", "Agente7", "Agente8"];
    assert!(by(&demo) > 10, "the demo agents took the traffic: {}", by(&demo));
}

#[tokio::test]
async fn a_long_demo_list_does_not_hide_an_integrators_entry_from_the_free_agents() {
    let app = TestApp::spawn_with(&["--traffic", "on"]).await;
    // Power<-'s 300 demo entries are due and its demo agents busy with them; Agente1 and Agente2,
    // members too, take none of them. An entry queued behind them, at the same priority, is theirs.
    app.advance(60).await;
    let entry = json!({"campaign": "Power<-", "destination": "099777888", "priority": 100});
    app.post("Dialers/Respool", &[("callspool", &entry.to_string())]).await.assert_one();
    app.advance(120).await;
    let spool = app.state("spool").await;
    let ours = spool.as_array().unwrap().iter().find(|r| r["destination"] == "099777888").expect("the entry");
    let pending = spool.as_array().unwrap().iter().filter(|r| r["campaign"] == "Power<-" && r["state"] == "pending");
    assert!(pending.count() > 100, "the demo list is still long");
    assert_ne!(ours["state"], "pending", "{ours}");
}

#[tokio::test]
async fn a_refusal_names_every_missing_field_at_once() {
    let app = TestApp::spawn().await;
    let call = app.post("Agents/AgentCall", &[("tech", "SIP")]).await;
    call.assert_zero();
    assert_eq!(call.reason(), Some("callerid, agent, phone, context, outqueue and destination are required"));
    let disposition = app.post("api/DispositionCall", &[("guid", "g")]).await;
    disposition.assert_bad_request("Parâmetros errados: Campanha vazia");
    assert_eq!(disposition.reason(), Some("campaign, callerid, agent and l1 are required"));
    let respool = app.post("Dialers/Respool", &[("callspool", "{}")]).await;
    assert_eq!(respool.reason(), Some("callspool.campaign and callspool.destination are required"));
    let upload = app.post("Dialers/uploadbase", &[("cant", "1")]).await;
    assert_eq!(upload.reason(), Some("filename, fileb64 and campaign are required"));
    let blacklist = app.post("admin/addblack", &[("blacklist", r#"{"name": "x"}"#)]).await;
    assert_eq!(blacklist.reason(), Some("blacklist.phone and blacklist.campaign are required"));
}

#[tokio::test]
async fn a_trailing_slash_is_the_same_path() {
    let app = TestApp::spawn().await;
    let plain = app.post("Supervisor/campaignstatus", &[("queue", "test->")]).await;
    let slashed = app.post("Supervisor/campaignstatus/", &[("queue", "test->")]).await;
    assert_eq!((slashed.status, slashed.content_type()), (200, plain.content_type()));
    let without_ids = |mut status: Value| {
        for member in status.as_object_mut().unwrap().values_mut() {
            member.as_object_mut().unwrap().remove("internalActionId");
        }
        status
    };
    assert_eq!(without_ids(slashed.json()), without_ids(plain.json()));
    let state = app.send(app.client.get(format!("{}/_mock/state/users/", app.base))).await;
    assert_eq!(state.status, 200);
    assert_eq!(app.post("Supervisor/nothing/", &[]).await.status, 404);
}

#[tokio::test]
async fn moving_a_real_clock_says_which_flag_to_use() {
    let app = TestApp::spawn_with(&["--clock", "real"]).await;
    let reply =
        app.send(app.client.post(format!("{}/_mock/clock", app.base)).body(json!({"advance": 60}).to_string())).await;
    assert_eq!(reply.status, 400);
    let error = reply.json()["error"].as_str().unwrap().to_string();
    assert!(error.contains("--clock manual") && error.contains("--db"), "{error}");
}
