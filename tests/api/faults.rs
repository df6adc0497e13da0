//! Faults on demand: forced answers, statuses, latency, dropped connections, per instance.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{CALL, Reply, TestApp};

async fn arm(app: &TestApp, fault: Value) -> Reply {
    app.send(app.client.post(format!("{}/_mock/faults", app.base)).body(fault.to_string())).await
}

#[tokio::test]
async fn agent_call_answers_zero_twice_then_recovers() {
    let app = TestApp::spawn().await;
    let reply = arm(&app, json!({"path": "/Integra/resources/Agents/AgentCall", "answer": "0", "times": 2})).await;
    assert_eq!(reply.status, 200);
    for _ in 0..2 {
        let reply = app.post("Agents/AgentCall", &CALL).await;
        reply.assert_zero();
        assert_eq!(reply.reason(), Some("fault injected by /_mock/faults"));
    }
    let reply = app.post("Agents/AgentCall", &CALL).await;
    assert_eq!(reply.body.len(), 36, "a guid once the fault is spent: {}", reply.body);
    assert_eq!(app.send(app.client.get(format!("{}/_mock/faults", app.base))).await.json(), json!([]));
}

#[tokio::test]
async fn statuses_latency_and_clearing() {
    let app = TestApp::spawn().await;
    arm(&app, json!({"path": "/Integra/resources/Dialers/*", "status": 503, "answer": "busy"})).await;
    let reply = app.post("Dialers/RemoveContact", &[("campaign", "Ventas->"), ("number", "1")]).await;
    assert_eq!((reply.status, reply.body.as_str()), (503, "busy"));
    let cleared = app.send(app.client.delete(format!("{}/_mock/faults", app.base))).await;
    assert_eq!(cleared.status, 200);
    app.post("Dialers/RemoveContact", &[("campaign", "Ventas->"), ("number", "1")]).await.assert_one();

    arm(&app, json!({"path": "/Integra/resources/Dialers/RemoveContact", "latency": 300, "times": 1})).await;
    let began = Instant::now();
    app.post("Dialers/RemoveContact", &[("campaign", "Ventas->"), ("number", "1")]).await.assert_one();
    assert!(began.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn a_dropped_connection_reaches_the_client_as_an_error() {
    let app = TestApp::spawn().await;
    arm(&app, json!({"path": "/Integra/resources/Dialers/RemoveContact", "drop": true, "times": 1})).await;
    let sent = app
        .client
        .post(app.url("Dialers/RemoveContact"))
        .header("authorization", format!("Basic {}", app.token))
        .body("campaign=x")
        .send()
        .await;
    let failed = match sent {
        Err(_) => true,
        Ok(response) => response.text().await.is_err(),
    };
    assert!(failed, "the answer should not arrive whole");
    // and the server carries on
    app.post("Dialers/RemoveContact", &[("campaign", "Ventas->"), ("number", "1")]).await.assert_one();
}

#[tokio::test]
async fn faults_belong_to_one_instance_and_bad_ones_are_400s() {
    let app = TestApp::spawn().await;
    let other = app.client.post(format!("{}/_mock/faults", app.base)).header("x-mock-instance", "other");
    let armed = app.send(other.body(json!({"path": "/Integra/resources/Dialers/*", "answer": "0"}).to_string())).await;
    assert_eq!(armed.status, 200);
    app.post("Dialers/RemoveContact", &[("campaign", "Ventas->"), ("number", "1")]).await.assert_one();
    for bad in [
        json!({"path": "/a"}),
        json!({"path": "/a", "latency": 600_000}),
        json!({"path": "/a", "drop": true, "times": 0}),
        json!("x"),
    ] {
        assert_eq!(arm(&app, bad.clone()).await.status, 400, "{bad}");
    }
}

/// Under a running clock the Integra layer takes its fast path (the instance last used, nothing to
/// settle): faults and the journal behave there as under the manual clock.
#[tokio::test]
async fn faults_and_the_journal_under_a_running_clock() {
    let app = TestApp::spawn_with(&["--clock", "x60"]).await;
    let path = "/Integra/resources/Dialers/RemoveContact";
    let form = [("campaign", "Ventas->"), ("number", "1")];
    arm(&app, json!({"path": path, "status": 503, "answer": "busy", "times": 1})).await;
    let reply = app.post("Dialers/RemoveContact", &form).await;
    assert_eq!((reply.status, reply.body.as_str()), (503, "busy"));
    assert_eq!(reply.reason(), Some("fault injected by /_mock/faults"));
    arm(&app, json!({"path": path, "latency": 300, "times": 1})).await;
    let began = Instant::now();
    app.post("Dialers/RemoveContact", &form).await.assert_one();
    assert!(began.elapsed() >= Duration::from_millis(300));
    arm(&app, json!({"path": path, "drop": true, "times": 1})).await;
    let sent =
        app.client.post(app.url("Dialers/RemoveContact")).header("authorization", format!("Basic {}", app.token));
    let failed = match sent.body("campaign=x").send().await {
        Err(_) => true,
        Ok(response) => response.text().await.is_err(),
    };
    assert!(failed, "the answer should not arrive whole");
    app.post("Dialers/RemoveContact", &form).await.assert_one();
    let entries = app.send(app.client.get(format!("{}/_mock/requests?path={path}", app.base))).await.json();
    let seen: Vec<_> = entries.as_array().unwrap().iter().map(|e| (e["status"].clone(), e["answer"].clone())).collect();
    assert_eq!(seen.len(), 4, "{entries}");
    assert_eq!(seen[0], (json!(503), json!("busy")));
    assert_eq!(seen[1], (json!(200), json!("1")));
    assert_eq!(seen[3], (json!(200), json!("1")));
    // a forced answer never reaches the handler, so no form was read; a delayed one does
    assert_eq!(entries[0]["form"], json!({}));
    assert_eq!(entries[1]["form"], json!({"campaign": "Ventas->", "number": "1"}));
    assert_eq!(entries[3]["instance"], "default");
}

#[tokio::test]
async fn an_instance_holds_a_thousand_faults_at_most() {
    let app = TestApp::spawn().await;
    let fault = json!({"path": "/Integra/resources/Dialers/RemoveContact", "latency": 1, "probability": 0});
    for i in 0..1_000 {
        let reply = arm(&app, fault.clone()).await;
        assert_eq!(reply.status, 200, "fault {i}: {}", reply.body);
    }
    let refused = arm(&app, fault.clone()).await;
    assert_eq!(refused.status, 400);
    assert_eq!(
        refused.json()["error"],
        "this instance holds 1000 faults, the most it keeps: DELETE /_mock/faults clears them"
    );
    let long = arm(&app, json!({"path": "/a", "answer": "x".repeat(64 * 1024 + 1)})).await;
    assert_eq!((long.status, long.json()["error"].as_str()), (400, Some("answer is over 65536 bytes")));
    let listed = app.send(app.client.get(format!("{}/_mock/faults", app.base))).await.json();
    assert_eq!(listed.as_array().unwrap().len(), 1_000, "the refusals armed nothing");
    assert_eq!(app.send(app.client.delete(format!("{}/_mock/faults", app.base))).await.status, 200);
    assert_eq!(arm(&app, fault).await.status, 200, "room again once cleared");
}
