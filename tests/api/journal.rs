//! The request journal: what a client sent, counted, listed and awaited, with the closest miss named.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp};

async fn control(app: &TestApp, path: &str, body: Value) -> Reply {
    app.send(app.client.post(format!("{}/_mock/{path}", app.base)).body(body.to_string())).await
}

const DISPOSITION: &str = "/Integra/resources/api/DispositionCall";

async fn dispose(app: &TestApp, l1: &str) -> Reply {
    let form = [("campaign", "Ventas->"), ("agent", "Agente1"), ("callerid", "099"), ("guid", "g-1"), ("l1", l1)];
    app.post("api/DispositionCall", &form).await
}

#[tokio::test]
async fn a_test_can_assert_exactly_one_disposition_with_l1_venta() {
    let app = TestApp::spawn().await;
    dispose(&app, "Venta").await;
    dispose(&app, "No contesta").await;
    let count = control(&app, "requests/count", json!({"path": DISPOSITION, "form": {"l1": "Venta"}})).await;
    assert_eq!((count.status, count.json()), (200, json!({"count": 1})));
    let all = control(&app, "requests/count", json!({"path": DISPOSITION})).await;
    assert_eq!(all.json(), json!({"count": 2}));
}

#[tokio::test]
async fn a_count_of_zero_names_the_closest_request_and_how_it_differed() {
    let app = TestApp::spawn().await;
    dispose(&app, "No contesta").await;
    let reply =
        control(&app, "requests/count", json!({"path": DISPOSITION, "form": {"l1": "Venta", "campaign": "Ventas->"}}))
            .await;
    let body = reply.json();
    assert_eq!(body["count"], 0);
    assert_eq!(body["closest"]["request"]["form"]["l1"], "No contesta");
    assert_eq!(body["closest"]["differences"], json!(["form.l1: expected \"Venta\", got \"No contesta\""]));
}

#[tokio::test]
async fn entries_keep_the_form_the_answer_and_the_reason() {
    let app = TestApp::spawn().await;
    app.post("Dialers/RemoveContact", &[("campaign", "Nope->"), ("number", "1")]).await.assert_zero();
    let entries = app
        .send(app.client.get(format!("{}/_mock/requests?path=/Integra/resources/Dialers/RemoveContact", app.base)))
        .await
        .json();
    let e = &entries[0];
    assert_eq!(
        (e["method"].as_str(), e["status"].as_u64(), e["answer"].as_str()),
        (Some("POST"), Some(200), Some("0"))
    );
    assert_eq!(e["form"], json!({"campaign": "Nope->", "number": "1"}));
    assert!(e["reason"].as_str().unwrap().contains("Nope->"));
    assert_eq!((e["instance"].as_str(), e["clock_time"].as_str()), (Some("default"), Some("2026-01-05 09:00:00")));
    assert!(e["headers"]["authorization"].as_str().unwrap().starts_with("Basic "));
    // field filters in the query string
    let filtered = app.send(app.client.get(format!("{}/_mock/requests?form.number=2", app.base))).await.json();
    assert_eq!(filtered, json!([]));
    // the control API itself is not journaled; clearing empties it
    let cleared = app.send(app.client.delete(format!("{}/_mock/requests", app.base))).await;
    assert_eq!(cleared.status, 200);
    assert_eq!(app.send(app.client.get(format!("{}/_mock/requests", app.base))).await.json(), json!([]));
}

#[tokio::test]
async fn wait_returns_when_the_requests_arrive_or_says_what_came_instead() {
    let app = TestApp::spawn().await;
    let (client, url, token) = (app.client.clone(), app.url("api/DispositionCall"), app.token.clone());
    let later = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let body = crate::helpers::encode(&[
            ("campaign", "Ventas->"),
            ("agent", "A"),
            ("callerid", "1"),
            ("guid", "g"),
            ("l1", "Venta"),
        ]);
        client.post(url).header("authorization", format!("Basic {token}")).body(body).send().await.unwrap();
    });
    let began = Instant::now();
    let reply =
        control(&app, "requests/wait", json!({"path": DISPOSITION, "form": {"l1": "Venta"}, "timeout": 10})).await;
    assert_eq!((reply.status, reply.json()), (200, json!({"count": 1})));
    assert!(began.elapsed() < Duration::from_secs(5));
    later.await.unwrap();

    let reply = control(
        &app,
        "requests/wait",
        json!({"path": DISPOSITION, "form": {"l1": "Venta"}, "count": 2, "timeout": 0.3}),
    )
    .await;
    assert_eq!(reply.status, 408);
    let body = reply.json();
    assert_eq!(body["count"], 1);
    assert_eq!(body["closest"]["differences"], json!([]), "the closest is a match; only one arrived");
}

#[tokio::test]
async fn absurd_journal_queries_are_400s() {
    let app = TestApp::spawn().await;
    for (path, body) in [
        ("requests/count", json!([])),
        ("requests/count", json!({"form": {"l1": {"x": 1}}})),
        ("requests/count", json!({"since": "yesterday"})),
        ("requests/wait", json!({"timeout": 61})),
        ("requests/wait", json!({"count": 0})),
        ("requests/wait", json!({"timeout": "soon"})),
    ] {
        let reply = control(&app, path, body.clone()).await;
        assert_eq!(reply.status, 400, "{path} {body}");
        assert!(reply.json()["error"].is_string());
    }
    let bad = app.send(app.client.get(format!("{}/_mock/requests?since=nope", app.base))).await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn tokens_are_never_shown_whole() {
    let app = TestApp::spawn().await;
    let login = app.post_anon("auth/getUserToken", &[("user", "Agente1"), ("password", "1234")]).await;
    let token = login.json()[2].as_str().unwrap().to_string();
    app.post("auth/EndSession", &[("user", "admin"), ("token", &app.token)]).await;
    let masked = |t: &str| format!("{}...{}", &t[..8], &t[t.len() - 4..]);
    let journal = app.send(app.client.get(format!("{}/_mock/requests", app.base))).await;
    assert_eq!(journal.status, 200);
    for secret in [&token, &app.token] {
        assert!(!journal.body.contains(secret.as_str()), "the journal shows a token whole: {}", journal.body);
    }
    let entries = journal.json();
    let login_entry = entries.as_array().unwrap().iter().find(|e| e["form"]["user"] == "Agente1").unwrap();
    let expected = format!(r#"{{"phone":"1001","tech":"SIP","md5secret":"{}"}},"{}"]"#, masked(&token), masked(&token));
    assert!(login_entry["answer"].as_str().unwrap().ends_with(&expected), "{}", login_entry["answer"]);
    let ended =
        entries.as_array().unwrap().iter().find(|e| e["path"].as_str().unwrap().ends_with("EndSession")).unwrap();
    assert_eq!(ended["form"]["token"], masked(&app.token));
    let sessions = app.state("sessions").await;
    let shown: Vec<&str> = sessions.as_array().unwrap().iter().map(|s| s["token"].as_str().unwrap()).collect();
    assert_eq!(shown, [masked(&app.token), masked(&token)]);
}

#[tokio::test]
async fn the_journal_is_read_in_pages() {
    let app = TestApp::spawn().await;
    for n in 0..5 {
        app.post("Dialers/RemoveContact", &[("campaign", "Nope->"), ("number", &n.to_string())]).await;
    }
    let get = |query: &str| app.send(app.client.get(format!("{}/_mock/requests?{query}", app.base)));
    let all = get("path=/Integra/resources/Dialers/RemoveContact").await;
    assert_eq!(all.content_type(), Some("application/json"));
    let seqs: Vec<u64> = all.json().as_array().unwrap().iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs.len(), 5);
    let page = get(&format!("path=/Integra/resources/Dialers/RemoveContact&after={}&limit=2", seqs[1])).await.json();
    let numbers: Vec<&str> = page.as_array().unwrap().iter().map(|e| e["form"]["number"].as_str().unwrap()).collect();
    assert_eq!(numbers, ["2", "3"]);
    assert_eq!(get("limit=0").await.json(), json!([]));
    assert_eq!(get(&format!("after={}", seqs[4])).await.json(), json!([]));
    for bad in ["limit=-1", "after=x"] {
        let reply = get(bad).await;
        assert_eq!(reply.status, 400, "{bad}");
        assert!(reply.json()["error"].is_string());
    }
}

#[tokio::test]
async fn a_value_with_a_token_sent_unencoded_is_shown_as_it_was_sent() {
    let app = TestApp::spawn().await;
    // A user whose tokens have a `+` (a `~` at the end of a group of three makes one), in an
    // instance of its own; its token sent without encoding, so that the server reads `+` as spaces.
    let world = crate::helpers::solo_world("ab~", "pw", 0, 0);
    let load = app.client.post(format!("{}/_mock/fixtures", app.base)).header("x-mock-instance", "tilde");
    assert_eq!(app.send(load.body(json!({"world": world}).to_string())).await.status, 200);
    let in_tilde = |request: reqwest::RequestBuilder| request.header("x-mock-instance", "tilde");
    let login = app.send(in_tilde(app.client.post(app.url("auth/getUserToken"))).body("user=ab~&password=pw")).await;
    let token = login.json()[2].as_str().unwrap().to_string();
    assert!(token.contains('+'), "{token}");
    let masked = format!("{}...{}", &token[..8], &token[token.len() - 4..]);
    let body = format!("queue=Solo<-&note=said+hello+world,{token}&other=said+hello+world+{token}+and+more");
    let request = in_tilde(app.client.post(app.url("Supervisor/campaignstatus")))
        .header("authorization", format!("Basic {token}"))
        .body(body);
    assert_eq!(app.send(request).await.status, 200);
    let journal = app.send(in_tilde(app.client.get(format!("{}/_mock/requests", app.base)))).await;
    let entries = journal.json();
    let entry =
        entries.as_array().unwrap().iter().find(|e| e["path"].as_str().unwrap().ends_with("campaignstatus")).unwrap();
    assert_eq!(entry["form"]["note"], format!("said hello world,{masked}"), "{entry}");
    assert_eq!(entry["form"]["other"], format!("said hello world {masked} and more"), "{entry}");
    assert!(!journal.body.contains(&token), "{}", journal.body);
}
