//! Bounds under hostile input from clients with no token or the demo's public credentials: memory
//! and disk stay within their limits whatever is sent, on the real binary. The suite runs a short
//! form; `RELIABILITY=long` the sizes the README reports.

use serde_json::{Value, json};

use crate::helpers::{Binary, TestApp};

fn long() -> bool {
    std::env::var("RELIABILITY").as_deref() == Ok("long")
}

const MIB: u64 = 1 << 20;

/// Sends `count` bodies to `url` from 4 clients at once; answers the statuses seen.
async fn flood(url: &str, body: &'static [u8], count: usize) -> Vec<u16> {
    let client = reqwest::Client::new();
    let tasks: Vec<_> = (0..4)
        .map(|worker| {
            let (client, url) = (client.clone(), url.to_string());
            tokio::spawn(async move {
                let mut statuses = Vec::new();
                for _ in (worker..count).step_by(4) {
                    let response = client.post(&url).body(body).send().await.expect("an answer");
                    statuses.push(response.status().as_u16());
                    response.bytes().await.expect("a whole answer");
                }
                statuses
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all
}

#[tokio::test]
async fn a_flood_of_megabyte_logins_stays_within_the_journals_budget() {
    let (count, budget_mb) = if long() { (1_200, 64) } else { (300, 16) };
    let budget = budget_mb.to_string();
    let mock = Binary::start(&["--journal-mb", &budget]);
    // A login of the route's limit (1 MiB) whose thousand fields each fit under the journal's clip.
    let fields: String = (0..1000).map(|i| format!("&f{i}={}", "v".repeat(1030))).collect();
    let body: &'static [u8] = format!("user=admin&password=admin{fields}").into_bytes().leak();
    assert!((MIB - 16 * 1024..=MIB).contains(&(body.len() as u64)), "{}", body.len());
    let url = format!("{}/Integra/resources/auth/getUserToken", mock.base);
    // A first round to settle the allocator's working set.
    flood(&url, body, 40).await;
    let before = mock.memory("VmRSS");
    let statuses = flood(&url, body, count).await;
    assert!(statuses.iter().all(|&s| s == 200), "{statuses:?}");
    let grown = mock.memory("VmRSS").saturating_sub(before);
    println!("{count} logins of 1 MiB: RSS grew {} MiB (budget {budget_mb} MiB)", grown / MIB);
    assert!(grown <= budget_mb * MIB, "RSS grew {} MiB past a journal budget of {budget_mb} MiB", grown / MIB);
    let journal: Value =
        reqwest::get(format!("{}/_mock/requests?limit=1", mock.base)).await.unwrap().json().await.unwrap();
    assert_eq!(journal[0]["body"]["bytes"], body.len(), "a long body is kept as its size and digest");
}

// The control surface ----------------------------------------------------------------------------

#[tokio::test]
async fn another_sites_page_cannot_drive_the_control_api() {
    let app = TestApp::spawn().await;
    app.post("admin/addblack", &[("blacklist", r#"{"phone":"0991","campaign":"*"}"#)]).await.assert_one();
    let evil = "http://evil.example";
    // A form POST needs no preflight: a page anywhere could send it from a visitor's browser.
    for (method, path) in [("POST", "/_mock/reset"), ("DELETE", "/_mock/requests"), ("GET", "/_mock/state/sessions")] {
        let request = app
            .client
            .request(method.parse().unwrap(), format!("{}{path}", app.base))
            .header("origin", evil)
            .header("content-type", "text/plain");
        let reply = app.send(request).await;
        assert_eq!(reply.status, 403, "{method} {path}");
        assert!(reply.json()["error"].as_str().unwrap().contains("evil.example"));
        assert_eq!(reply.headers.get("access-control-allow-origin"), None, "{method} {path}");
    }
    assert_eq!(app.state("blacklist").await.as_array().unwrap().len(), 1, "the reset was refused");
    let preflight = app
        .send(app.client.request(reqwest::Method::OPTIONS, format!("{}/_mock/reset", app.base)).header("origin", evil))
        .await;
    assert_eq!(preflight.headers.get("access-control-allow-origin"), None);
    // The server's own pages, and clients that are not browsers, are served.
    let own = format!("http://{}", app.running.main);
    let reply = app.send(app.client.get(format!("{}/_mock/state/campaigns", app.base)).header("origin", &own)).await;
    assert_eq!(
        (reply.status, reply.headers.get("access-control-allow-origin").unwrap().to_str().unwrap()),
        (200, own.as_str())
    );
    // Integra routes stay open to every origin (integrators call them from their pages).
    let integra = app.client.post(app.url("Supervisor/queuesummary")).header("origin", evil);
    let reply = app.send(integra.header("authorization", format!("Basic {}", app.token))).await;
    assert_eq!(
        (reply.status, reply.headers.get("access-control-allow-origin").unwrap().to_str().unwrap()),
        (200, evil)
    );
    // An origin --cors names is allowed on the control API too.
    let listed = TestApp::spawn_with(&["--cors", "http://evil.example"]).await;
    let reply = listed.send(listed.client.post(format!("{}/_mock/reset", listed.base)).header("origin", evil)).await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn fixture_folders_never_show_their_files_content() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let load = |dir: &std::path::Path| {
        let body = json!({"dir": dir.to_str().unwrap()}).to_string();
        app.send(app.client.post(format!("{}/_mock/fixtures", app.base)).header("x-mock-instance", "f").body(body))
    };
    for content in [
        r#"{"users": "SECRET-1"}"#,
        r#"{"SECRET-2": 1}"#,
        "SECRET-3:x:0:0",
        r#"{"users": [], "agents": [], "campaigns": [{"name": "SECRET-4"}]}"#,
    ] {
        std::fs::write(dir.path().join("world.json"), content).unwrap();
        let reply = load(dir.path()).await;
        assert_eq!(reply.status, 400, "{content}");
        assert!(!reply.body.contains("SECRET"), "{content}: {}", reply.body);
        assert!(reply.json()["error"].as_str().unwrap().contains("world.json"));
    }
    std::fs::write(dir.path().join("messages.json"), r#"{"SECRET-5": "x"}"#).unwrap();
    let reply = load(dir.path()).await;
    assert!(reply.status == 400 && !reply.body.contains("SECRET"), "{}", reply.body);
}

#[tokio::test]
async fn a_listener_open_to_the_network_without_a_control_token_is_announced() {
    let dir = tempfile::tempdir().unwrap();
    let open = Binary::start_in(Some(("true", dir.path())), &["--listen", "0.0.0.0:0"]);
    let warned = |mock: &Binary| {
        // The warning is written before the banner that `start_in` waited for.
        let log = std::fs::read_to_string(mock.stderr.as_ref().unwrap()).unwrap();
        log.lines().any(|l| l.contains("WARN") && l.contains("--control-token") && l.contains("0.0.0.0"))
    };
    assert!(warned(&open), "{:?}", std::fs::read_to_string(open.stderr.as_ref().unwrap()));
    drop(open);
    let guarded = Binary::start_in(Some(("true", dir.path())), &["--listen", "0.0.0.0:0", "--control-token", "t"]);
    assert!(!warned(&guarded));
    let local = Binary::start_in(Some(("true", dir.path())), &[]);
    assert!(!warned(&local));
}
