//! Isolated instances (CONTRACT section 11): chosen by `X-Mock-Instance` or the Host's first label,
//! each with its own world, tokens and clock; bad names are a 400 JSON error.

use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, encode};

/// POSTs a form to an Integra route of instance `name` (by header), with `token`.
async fn post_in(app: &TestApp, name: &str, route: &str, form: &[(&str, &str)], token: Option<&str>) -> Reply {
    let mut request = app.client.post(app.url(route)).header("x-mock-instance", name).body(encode(form));
    if let Some(token) = token {
        request = request.header("authorization", format!("Basic {token}"));
    }
    app.send(request).await
}

async fn login(app: &TestApp, name: &str) -> String {
    let reply = post_in(app, name, "auth/getUserToken", &[("user", "admin"), ("password", "admin")], None).await;
    reply.json()[2].as_str().unwrap().to_string()
}

async fn state_in(app: &TestApp, name: &str, table: &str) -> Value {
    app.send(app.client.get(format!("{}/_mock/state/{table}", app.base)).header("x-mock-instance", name)).await.json()
}

#[tokio::test]
async fn instances_never_see_each_other() {
    let app = TestApp::spawn().await;
    let (a, b) = (login(&app, "team-a").await, login(&app, "team-b").await);
    assert_ne!(a, b, "instances draw from their own seeds");
    let black = [("blacklist", r#"{"phone":"111","campaign":"*"}"#)];
    post_in(&app, "team-a", "admin/addblack", &black, Some(&a)).await.assert_one();
    assert_eq!(state_in(&app, "team-a", "blacklist").await.as_array().unwrap().len(), 1);
    assert_eq!(state_in(&app, "team-b", "blacklist").await, json!([]));
    assert_eq!(app.state("blacklist").await, json!([]), "default is untouched");
    // A token is only good in its own instance.
    assert_eq!(post_in(&app, "team-b", "admin/addblack", &black, Some(&a)).await.status, 401);
    assert_eq!(app.post_body("admin/addblack", encode(&black), Some(&a)).await.status, 401);
    // Each has its own clock.
    let advance = app
        .client
        .post(format!("{}/_mock/clock", app.base))
        .header("x-mock-instance", "team-a")
        .body(r#"{"advance": 60}"#);
    assert_eq!(app.send(advance).await.json()["now"], "2026-01-05 09:01:00");
    let clock_b =
        app.send(app.client.get(format!("{}/_mock/clock", app.base)).header("x-mock-instance", "team-b")).await;
    assert_eq!(clock_b.json()["now"], "2026-01-05 09:00:00");
}

#[tokio::test]
async fn the_host_names_the_instance_and_the_header_wins() {
    let app = TestApp::spawn().await;
    let port = app.running.main.port();
    let host = format!("acme.localhost:{port}");
    let token = login(&app, "acme").await;
    let request = app
        .client
        .post(app.url("admin/addblack"))
        .header("host", host.as_str())
        .header("authorization", format!("Basic {token}"))
        .body(encode(&[("blacklist", r#"{"phone":"222","campaign":"*"}"#)]));
    app.send(request).await.assert_one();
    assert_eq!(state_in(&app, "acme", "blacklist").await[0]["phone"], "222");
    let by_host =
        app.send(app.client.get(format!("{}/_mock/state/blacklist", app.base)).header("host", host.as_str())).await;
    assert_eq!(by_host.json()[0]["phone"], "222");
    let header_wins = app
        .send(
            app.client
                .get(format!("{}/_mock/state/blacklist", app.base))
                .header("host", host.as_str())
                .header("x-mock-instance", "other"),
        )
        .await;
    assert_eq!(header_wins.json(), json!([]));
    // Names are lowercased.
    assert_eq!(state_in(&app, "ACME", "blacklist").await[0]["phone"], "222");
}

#[tokio::test]
async fn malformed_instance_names_are_a_400_json_error() {
    let app = TestApp::spawn().await;
    for bad in ["a_b", "a.b", "x".repeat(64).as_str(), ""] {
        let reply = post_in(&app, bad, "auth/getUserToken", &[("user", "admin"), ("password", "admin")], None).await;
        assert_eq!(reply.status, 400, "{bad:?}");
        assert!(reply.content_type().unwrap().starts_with("application/json"));
        assert!(reply.json()["error"].as_str().unwrap().contains("instance"));
        assert!(reply.reason().is_some());
    }
    // The check order keeps 404 first: an unknown path is unknown whatever the instance.
    let unknown = app
        .send(app.client.post(format!("{}/Integra/resources/nope", app.base)).header("x-mock-instance", "a_b"))
        .await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test]
async fn the_least_recently_used_instances_are_evicted_past_the_limit() {
    let app = TestApp::spawn_with(&["--max-instances", "2"]).await;
    let black = [("blacklist", r#"{"phone":"333","campaign":"*"}"#)];
    let token = login(&app, "first").await;
    post_in(&app, "first", "admin/addblack", &black, Some(&token)).await.assert_one();
    login(&app, "second").await;
    // "first" was used least recently among the named ones: it goes, and comes back fresh.
    assert_eq!(state_in(&app, "first", "blacklist").await, json!([]));
    // default stays however many come and go.
    app.post("admin/addblack", &black).await.assert_one();
    login(&app, "third").await;
    assert_eq!(app.state("blacklist").await.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn reset_renews_only_the_requests_instance() {
    let app = TestApp::spawn().await;
    let black = [("blacklist", r#"{"phone":"444","campaign":"*"}"#)];
    app.post("admin/addblack", &black).await.assert_one();
    let token = login(&app, "keep").await;
    post_in(&app, "keep", "admin/addblack", &black, Some(&token)).await.assert_one();
    app.advance(3600).await;

    let reply = app.send(app.client.post(format!("{}/_mock/reset", app.base))).await;
    assert_eq!(reply.status, 200);
    assert_eq!(app.state("blacklist").await, json!([]));
    assert_eq!(
        app.send(app.client.get(format!("{}/_mock/clock", app.base))).await.json()["now"],
        "2026-01-05 09:00:00"
    );
    // The old token died with the old world; the other instance kept its data.
    assert_eq!(app.post("admin/addblack", &black).await.status, 401);
    assert_eq!(state_in(&app, "keep", "blacklist").await.as_array().unwrap().len(), 1);
    // The fixtures are back: the same seed gives the same history.
    let cdrs = app.state("cdrs").await;
    assert!(cdrs.as_array().unwrap().len() > 300);
}

#[tokio::test]
async fn instances_are_listed_and_deleted_alone() {
    let app = TestApp::spawn().await;
    login(&app, "one").await;
    login(&app, "two").await;
    let names = |v: Value| -> Vec<String> {
        v.as_array().unwrap().iter().map(|i| i["instance"].as_str().unwrap().to_string()).collect()
    };
    let listed = app.send(app.client.get(format!("{}/_mock/instances", app.base))).await.json();
    assert_eq!(names(listed), ["default", "one", "two"]);
    let deleted = app.send(app.client.delete(format!("{}/_mock/instances/one", app.base))).await;
    assert_eq!((deleted.status, deleted.json()), (200, json!({"deleted": "one"})));
    let again = app.send(app.client.delete(format!("{}/_mock/instances/one", app.base))).await;
    assert_eq!(again.status, 404);
    let listed = app.send(app.client.get(format!("{}/_mock/instances", app.base))).await.json();
    assert_eq!(names(listed), ["default", "two"]);
    let bad = app.send(app.client.delete(format!("{}/_mock/instances/a_b", app.base))).await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn file_instances_live_beside_the_default_database_and_reset_clears_them() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mock.db");
    let db_arg: &'static str = Box::leak(db.to_string_lossy().into_owned().into_boxed_str());
    let app = TestApp::spawn_with(&["--db", db_arg]).await;
    let token = login(&app, "acme").await;
    post_in(&app, "acme", "admin/addblack", &[("blacklist", r#"{"phone":"555","campaign":"*"}"#)], Some(&token))
        .await
        .assert_one();
    assert!(dir.path().join("mock.acme.db").exists());
    let reset = app.send(app.client.post(format!("{}/_mock/reset", app.base)).header("x-mock-instance", "acme")).await;
    assert_eq!(reset.status, 200);
    assert_eq!(state_in(&app, "acme", "blacklist").await, json!([]));
}
