//! Isolated instances (docs/contract.md, section 11): chosen by `X-Mock-Instance` or the Host's first label,
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

#[tokio::test]
async fn an_instance_can_start_from_fixtures_of_its_own() {
    let app = TestApp::spawn().await;
    let world = crate::helpers::solo_world("boss", "pw", 0, 0);
    let messages = json!({"campaign_empty": "Bad params: empty campaign", "callerid_empty": "x", "guid_empty": "x", "agent_empty": "x",
                          "l1_empty": "x", "disposition_not_found": "Not found: {l1}", "schedule_empty": "x", "schedule_format": "x"});
    let load = app.client.post(format!("{}/_mock/fixtures", app.base)).header("x-mock-instance", "solo");
    let reply = app.send(load.body(json!({"world": world, "messages": messages}).to_string())).await;
    assert_eq!((reply.status, reply.json()), (200, json!({"instance": "solo", "campaigns": 1})));
    let campaigns = state_in(&app, "solo", "campaigns").await;
    assert_eq!(campaigns.as_array().unwrap().len(), 1);
    assert_eq!(state_in(&app, "solo", "cdrs").await, json!([]));
    let token = post_in(&app, "solo", "auth/getUserToken", &[("user", "boss"), ("password", "pw")], None).await.json()
        [2]
    .as_str()
    .unwrap()
    .to_string();
    let reply = post_in(&app, "solo", "api/DispositionCall", &[("agent", "a")], Some(&token)).await;
    reply.assert_bad_request("Bad params: empty campaign");
    // A reset keeps the instance's own fixtures; the default instance never saw them.
    let reset = app.send(app.client.post(format!("{}/_mock/reset", app.base)).header("x-mock-instance", "solo")).await;
    assert_eq!(reset.status, 200);
    assert_eq!(state_in(&app, "solo", "campaigns").await[0]["name"], "Solo<-");
    assert_eq!(app.state("campaigns").await.as_array().unwrap().len(), 10);

    for bad in [
        json!({"world": {"users": []}}),
        json!({"dir": "/nonexistent"}),
        json!([]),
        json!({"world": world, "messages": {"x": "y"}}),
    ] {
        let reply = app
            .send(
                app.client
                    .post(format!("{}/_mock/fixtures", app.base))
                    .header("x-mock-instance", "solo")
                    .body(bad.to_string()),
            )
            .await;
        assert_eq!(reply.status, 400, "{bad}");
        assert!(reply.json()["error"].is_string());
    }
    let huge = format!("{{\"world\": \"{}\"}}", "x".repeat(5 * 1024 * 1024));
    let reply = app
        .send(app.client.post(format!("{}/_mock/fixtures", app.base)).header("x-mock-instance", "solo").body(huge))
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(state_in(&app, "solo", "campaigns").await[0]["name"], "Solo<-", "refused loads change nothing");
}

#[tokio::test]
async fn health_reports_an_instances_readiness() {
    let app = TestApp::spawn().await;
    let ask = |name: &str| app.client.get(format!("{}/_mock/health?instance={name}", app.base));
    assert_eq!(app.send(ask("later")).await.json(), json!({"status": "ok", "instance": "later", "ready": false}));
    login(&app, "later").await;
    assert_eq!(app.send(ask("later")).await.json(), json!({"status": "ok", "instance": "later", "ready": true}));
}

/// The scenario one test process runs on its own instance (see the test below); it runs only when
/// started by that test, with the server and the instance in its environment.
#[tokio::test]
#[ignore = "run by eight_test_processes_share_one_server_without_seeing_each_other"]
async fn scenario_of_one_test_process() {
    let base = std::env::var("MOCK_URL").expect("MOCK_URL is set by the parent test");
    let name = std::env::var("MOCK_INSTANCE").expect("MOCK_INSTANCE is set by the parent test");
    let client = reqwest::Client::new();
    let post = |route: &str, form: &[(&str, &str)], token: Option<&str>| {
        let mut r = client
            .post(format!("{base}/Integra/resources/{route}"))
            .header("x-mock-instance", name.as_str())
            .body(encode(form));
        if let Some(t) = token {
            r = r.header("authorization", format!("Basic {t}"));
        }
        r.send()
    };
    let login: Value = post("auth/getUserToken", &[("user", "admin"), ("password", "admin")], None)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login[2].as_str().unwrap().to_string();
    for n in 0..10 {
        let entry = format!(r#"{{"phone":"{n}","campaign":"*"}}"#);
        assert_eq!(
            post("admin/addblack", &[("blacklist", &entry)], Some(&token)).await.unwrap().text().await.unwrap(),
            "1"
        );
    }
    let form = [("campaign", "Ventas->"), ("agent", "A"), ("callerid", "1"), ("guid", "g"), ("l1", "Venta")];
    post("api/DispositionCall", &form, Some(&token)).await.unwrap();
    let control = |path: &str| client.post(format!("{base}/_mock/{path}")).header("x-mock-instance", name.as_str());
    let count: Value = control("requests/count")
        .body(json!({"path": "/Integra/resources/api/DispositionCall", "form": {"l1": "Venta"}}).to_string())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(count, json!({"count": 1}), "exactly one DispositionCall with l1=Venta");
    let advance = control("clock").body(r#"{"advance": 3600}"#).send().await.unwrap();
    assert_eq!(advance.status(), 200);
    let state: Value = client
        .get(format!("{base}/_mock/state/blacklist"))
        .header("x-mock-instance", name.as_str())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state.as_array().unwrap().len(), 10, "only this process's entries");
}

#[tokio::test]
async fn eight_test_processes_share_one_server_without_seeing_each_other() {
    let app = TestApp::spawn().await;
    let children: Vec<_> = (0..8)
        .map(|i| {
            std::process::Command::new(std::env::current_exe().unwrap())
                .args(["--ignored", "--exact", "instances::scenario_of_one_test_process", "--test-threads", "1"])
                .env("MOCK_URL", &app.base)
                .env("MOCK_INSTANCE", format!("process-{i}"))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for (i, child) in children.into_iter().enumerate() {
        let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "process {i} failed:\n{text}\n{}", String::from_utf8_lossy(&out.stderr));
        assert!(text.contains("1 passed"), "process {i} ran no scenario:\n{text}");
    }
}

#[tokio::test]
async fn an_evicted_instance_stops_its_engine_before_its_store_closes() {
    // A moving clock with traffic: the server runs every instance's engine four times a second.
    let dir = tempfile::tempdir().unwrap();
    let mock = crate::helpers::Binary::start_in(
        Some(("true", dir.path())),
        &["--clock", "x600", "--traffic", "on", "--max-instances", "2"],
    );
    let client = reqwest::Client::new();
    // Each new instance evicts an older one (default always stays), four at a time, for 3 s: a
    // dozen ticks of the engines.
    let churn: Vec<_> = (0..4)
        .map(|task| {
            let (client, base) = (client.clone(), mock.base.clone());
            tokio::spawn(async move {
                let began = std::time::Instant::now();
                for i in 0.. {
                    if began.elapsed() > std::time::Duration::from_secs(3) {
                        break;
                    }
                    let reply = client
                        .get(format!("{base}/_mock/state/calls"))
                        .header("x-mock-instance", format!("churn-{task}-{i}"))
                        .send()
                        .await
                        .unwrap();
                    assert!(matches!(reply.status().as_u16(), 200 | 503), "{}", reply.status());
                }
            })
        })
        .collect();
    for task in churn {
        task.await.unwrap();
    }
    let log = std::fs::read_to_string(mock.stderr.as_ref().unwrap()).unwrap();
    assert!(!log.contains("could not store its calls"), "an engine wrote into a closing store:\n{log}");
    assert!(!log.contains("PoolClosed"), "{log}");
}

/// A copy in a new directory of what a run left on disk for instance `name` (its database and WAL).
fn left_on_disk(from: &std::path::Path, name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for suffix in ["db", "db-wal"] {
        let file = from.join(format!("mock.{name}.{suffix}"));
        if file.exists() {
            std::fs::copy(&file, dir.path().join(format!("mock.{name}.{suffix}"))).unwrap();
        }
    }
    dir
}

async fn app_on(dir: &std::path::Path) -> TestApp {
    let db = dir.join("mock.db").to_string_lossy().into_owned();
    TestApp::start(&ucontact_mock::cli::ServeArgs { db, ..crate::helpers::ci_args(&[]).unwrap() }).await
}

#[tokio::test]
async fn a_refused_login_or_end_session_leaves_an_instance_on_disk_closed() {
    let first = tempfile::tempdir().unwrap();
    let earlier = app_on(first.path()).await;
    let token = login(&earlier, "acme").await;
    let agent =
        post_in(&earlier, "acme", "auth/getUserToken", &[("user", "Agente1"), ("password", "1234")], None).await;
    let agent = agent.json()[2].as_str().unwrap().to_string();
    let kept = left_on_disk(first.path(), "acme");

    let app = app_on(kept.path()).await;
    let live = || app.running.state.instances.is_live("acme");
    let refused: [(&str, Vec<(&str, &str)>); 5] = [
        ("auth/getUserToken", vec![("user", "admin"), ("password", "wrong")]),
        ("auth/UserLogin", vec![("user", "nobody"), ("password", "admin")]),
        ("auth/EndSession", vec![("user", "admin"), ("token", "bm90OmEtdG9rZW4=")]),
        ("auth/EndSession", vec![("user", "admin"), ("token", &agent)]),
        ("auth/EndSession", vec![("user", "admin")]),
    ];
    for (route, form) in &refused {
        let reply = post_in(&app, "acme", route, form, None).await;
        reply.assert_zero();
        assert!(!live().await, "{route} {form:?} opened the instance: {:?}", reply.reason());
    }
    // What the contract says opens it does: its session's EndSession, then a good login.
    post_in(&app, "acme", "auth/EndSession", &[("user", "admin"), ("token", &token)], None).await.assert_one();
    assert!(live().await);
    let sessions = state_in(&app, "acme", "sessions").await;
    assert!(sessions.as_array().unwrap().iter().any(|s| !s["ended_at"].is_null()), "{sessions}");

    let again = app_on(left_on_disk(first.path(), "acme").keep().as_path()).await;
    let reply = post_in(&again, "acme", "auth/getUserToken", &[("user", "admin"), ("password", "admin")], None).await;
    assert_eq!(reply.json()[0]["user"], "admin");
    assert!(again.running.state.instances.is_live("acme").await);
}
