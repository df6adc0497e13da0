//! Bounds under hostile input from clients with no token or the demo's public credentials: memory
//! and disk stay within their limits whatever is sent, on the real binary. The suite runs a short
//! form; `RELIABILITY=long` the sizes the README reports.

use serde_json::{Value, json};

use crate::helpers::{Binary, TestApp, encode};

fn long() -> bool {
    std::env::var("RELIABILITY").as_deref() == Ok("long")
}

const MIB: u64 = 1 << 20;

/// Sends `count` bodies to `url` for `instance` from 4 clients at once; answers the statuses seen.
async fn flood(url: &str, instance: &str, body: &'static [u8], count: usize) -> Vec<u16> {
    let client = reqwest::Client::new();
    let tasks: Vec<_> = (0..4)
        .map(|worker| {
            let (client, url, instance) = (client.clone(), url.to_string(), instance.to_string());
            tokio::spawn(async move {
                let mut statuses = Vec::new();
                for _ in (worker..count).step_by(4) {
                    let response = client
                        .post(&url)
                        .header("x-mock-instance", &instance)
                        .body(body)
                        .send()
                        .await
                        .expect("an answer");
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

/// The live instances' journals as `GET /_mock/instances` gives them: `(name, requests, bytes)`.
async fn journals(base: &str) -> Vec<(String, u64, u64)> {
    let live: Value = reqwest::get(format!("{base}/_mock/instances")).await.unwrap().json().await.unwrap();
    let row = |i: &Value| {
        (
            i["instance"].as_str().unwrap().to_string(),
            i["journal"]["requests"].as_u64().unwrap(),
            i["journal"]["bytes"].as_u64().unwrap(),
        )
    };
    live.as_array().unwrap().iter().map(row).collect()
}

// How much resident memory the logins take is measured by `cargo bench --bench hardening`: RSS
// under a loaded machine is no test's business. This counts what the journals keep, exactly.
#[tokio::test]
async fn megabyte_logins_into_many_instances_stay_within_one_journal_budget() {
    let (instances, per_instance) = if long() { (64, 40) } else { (8, 40) };
    let mock = Binary::start(&["--journal-mb", "1", "--max-instances", &(instances + 1).to_string()]);
    // A login of the route's limit (1 MiB) whose thousand fields each fit under the journal's clip.
    let fields: String = (0..1000).map(|i| format!("&f{i}={}", "v".repeat(1030))).collect();
    let body: &'static [u8] = format!("user=admin&password=admin{fields}").into_bytes().leak();
    assert!((MIB - 16 * 1024..=MIB).contains(&(body.len() as u64)), "{}", body.len());
    let url = format!("{}/Integra/resources/auth/getUserToken", mock.base);
    for i in 0..instances {
        let statuses = flood(&url, &format!("i{i}"), body, per_instance).await;
        assert!(statuses.iter().all(|&s| s == 200), "{statuses:?}");
    }
    let journals = journals(&mock.base).await;
    let (kept, bytes): (u64, u64) = journals.iter().fold((0, 0), |(r, b), j| (r + j.1, b + j.2));
    println!("{} logins of 1 MiB into {instances} instances: {kept} kept in {bytes} bytes", instances * per_instance);
    // Each instance's forty would fit in the budget on its own; together they do not.
    let one = journals.iter().find(|j| j.0 == format!("i{}", instances - 1)).unwrap();
    assert!(one.2 * instances as u64 > MIB, "{journals:?}");
    assert!(bytes <= MIB, "the journals keep {bytes} bytes past a budget of 1 MiB: {journals:?}");
    // The newest instance kept all of its requests; the oldest of any instance went first.
    assert_eq!(one.1, per_instance as u64, "{journals:?}");
    assert_eq!(journals.iter().find(|j| j.0 == "i0").unwrap().1, 0, "{journals:?}");
    let journal: Value = reqwest::Client::new()
        .get(format!("{}/_mock/requests?limit=1", mock.base))
        .header("x-mock-instance", one.0.as_str())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
    // No spelling of the path gets around it.
    for path in ["//_mock/reset", "/_mock//reset", "/_mock/reset/"] {
        let reply = app.send(app.client.post(format!("{}{path}", app.base)).header("origin", evil)).await;
        assert_eq!(reply.status, 403, "{path}");
    }
    // A site whose name was pointed at this machine (DNS rebinding) is not the server's own page.
    let port = app.running.main.port();
    let rebound = format!("http://evil.example:{port}");
    let request = app.client.post(format!("{}/_mock/reset", app.base)).header("origin", &rebound);
    let reply = app.send(request.header("host", format!("evil.example:{port}"))).await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    // Under a name only this machine answers to (`*.localhost`), the same request is its own page's.
    let own_name = format!("http://mock.localhost:{port}");
    let request = app.client.post(format!("{}/_mock/reset", app.base)).header("origin", &own_name);
    let reply = app.send(request.header("host", format!("mock.localhost:{port}"))).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
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
    // The control token guards every spelling of a control path too.
    let guarded = TestApp::spawn_with(&["--control-token", "t"]).await;
    for path in ["//_mock/state/blacklist", "/_mock//state/blacklist"] {
        let reply = guarded.send(guarded.client.get(format!("{}{path}", guarded.base))).await;
        assert_eq!(reply.status, 401, "{path}");
    }
    let health = guarded.send(guarded.client.get(format!("{}/_mock/health/", guarded.base))).await;
    assert_eq!(health.status, 200, "health needs no token, with or without its slash");
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

// Instances ----------------------------------------------------------------------------------------

/// Instance database files beside `mock.db` in `dir`, by name.
fn instance_files(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.unwrap().file_name().into_string().ok())
        .filter_map(|f| f.strip_prefix("mock.")?.strip_suffix(".db").map(str::to_string))
        .collect();
    names.sort();
    names
}

async fn live_instances(app: &TestApp) -> Vec<String> {
    let list = app.send(app.client.get(format!("{}/_mock/instances", app.base))).await.json();
    list.as_array().unwrap().iter().map(|i| i["instance"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn nothing_is_made_for_a_request_refused_before_auth() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mock.db").to_str().unwrap().to_string();
    let app = TestApp::spawn_with(&["--db", db.leak()]).await;
    let post = |instance: &str, route: &str, form: &[(&str, &str)], token: Option<&str>| {
        let mut request = app.client.post(app.url(route)).header("x-mock-instance", instance).body(encode(form));
        if let Some(token) = token {
            request = request.header("authorization", format!("Basic {token}"));
        }
        app.send(request)
    };
    for (instance, token) in
        [("ghost-1", None), ("ghost-2", Some(app.token.as_str())), ("ghost-3", Some("QWRtaW46eA=="))]
    {
        let reply = post(instance, "admin/addblack", &[("blacklist", r#"{"phone":"1","campaign":"*"}"#)], token).await;
        assert_eq!((reply.status, reply.body.as_str()), (401, ""), "{instance}");
        assert_eq!(reply.headers["www-authenticate"], "Basic realm=\"Integra\"");
    }
    post("ghost-4", "auth/getUserToken", &[("user", "admin"), ("password", "wrong")], None).await.assert_zero();
    post("ghost-5", "auth/EndSession", &[("user", "admin"), ("token", &app.token)], None).await.assert_zero();
    let guid = app.state("recordings").await[0]["guid"].as_str().unwrap().to_string();
    for base in [&app.base, &app.backup] {
        let url = format!("{base}/records/{guid}.mp3");
        let reply = app.send(app.client.get(url).header("x-mock-instance", "ghost-6")).await;
        assert_eq!(reply.status, 404);
    }
    assert_eq!(live_instances(&app).await, ["default"]);
    assert_eq!(instance_files(dir.path()), Vec::<String>::new());
    // Good credentials make the instance, and its journal has the login.
    let login = post("made", "auth/getUserToken", &[("user", "admin"), ("password", "admin")], None).await;
    assert_eq!(login.status, 200);
    assert_eq!(live_instances(&app).await, ["default", "made"]);
    assert_eq!(instance_files(dir.path()), ["made"]);
    let journal =
        app.send(app.client.get(format!("{}/_mock/requests", app.base)).header("x-mock-instance", "made")).await;
    assert_eq!(journal.json().as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn evicted_instances_take_their_files_and_fixtures_with_them() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mock.db").to_str().unwrap().to_string();
    let app = TestApp::spawn_with(&["--db", db.leak(), "--max-instances", "3"]).await;
    let state_in = |instance: &str| {
        app.send(app.client.get(format!("{}/_mock/state/campaigns", app.base)).header("x-mock-instance", instance))
    };
    let world = json!({"users": [], "agents": [], "campaigns": [], "dispositions": [], "history": {"days": 0, "calls_per_day": 0}});
    let load = app.client.post(format!("{}/_mock/fixtures", app.base)).header("x-mock-instance", "a");
    assert_eq!(app.send(load.body(json!({"world": world}).to_string())).await.status, 200);
    assert_eq!(state_in("a").await.json(), json!([]));
    state_in("b").await;
    assert_eq!(instance_files(dir.path()), ["a", "b"]);
    state_in("c").await; // default, b and c: a is evicted
    assert_eq!(live_instances(&app).await, ["b", "c", "default"]);
    assert_eq!(instance_files(dir.path()), ["b", "c"], "an evicted instance's database is deleted");
    assert_eq!(app.running.state.instances.own_fixtures().await, 0, "its own fixtures are freed");
    let delete = |name: &str| app.send(app.client.delete(format!("{}/_mock/instances/{name}", app.base)));
    assert_eq!(delete("a").await.status, 200, "an evicted instance can be deleted");
    assert_eq!(delete("never").await.status, 404);
    // Back from eviction, it starts from the server's fixtures.
    assert_eq!(state_in("a").await.json().as_array().unwrap().len(), 10);
}

#[tokio::test]
async fn instance_files_left_on_disk_count_toward_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    for n in 0..6 {
        // An earlier run's instances, oldest first.
        std::fs::write(dir.path().join(format!("mock.old-{n}.db")), b"").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let db = dir.path().join("mock.db").to_str().unwrap().to_string();
    let app = TestApp::spawn_with(&["--db", db.leak(), "--max-instances", "4"]).await;
    app.send(app.client.get(format!("{}/_mock/state/campaigns", app.base)).header("x-mock-instance", "new")).await;
    // default and new are live; two places are left for the newest files of the earlier run.
    assert_eq!(instance_files(dir.path()), ["new", "old-4", "old-5"]);
}

#[tokio::test]
async fn an_instance_that_cannot_open_evicts_nobody() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mock.db").to_str().unwrap().to_string();
    let app = TestApp::spawn_with(&["--db", db.leak(), "--max-instances", "2"]).await;
    let state_in = |instance: &str| {
        app.send(app.client.get(format!("{}/_mock/state/campaigns", app.base)).header("x-mock-instance", instance))
    };
    assert_eq!(state_in("a").await.status, 200);
    // b's database cannot be opened (a folder stands where its file goes): no room is made for it.
    std::fs::create_dir(dir.path().join("mock.b.db")).unwrap();
    let refused = state_in("b").await;
    assert_eq!(refused.status, 503, "{}", refused.body);
    assert_eq!(live_instances(&app).await, ["a", "default"], "a is still live");
    assert!(dir.path().join("mock.a.db").exists(), "a's database is still there");
    // Once b can open, a goes to make room for it.
    std::fs::remove_dir(dir.path().join("mock.b.db")).unwrap();
    assert_eq!(state_in("b").await.status, 200);
    assert_eq!(live_instances(&app).await, ["b", "default"]);
    assert_eq!(instance_files(dir.path()), ["b"]);
}

#[tokio::test]
async fn a_store_closing_holds_up_no_other_instance() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mock.db").to_str().unwrap().to_string();
    let app = TestApp::spawn_with(&["--db", db.leak()]).await;
    let state_in = |instance: &str| {
        app.send(app.client.get(format!("{}/_mock/state/campaigns", app.base)).header("x-mock-instance", instance))
    };
    state_in("b").await;
    state_in("a").await;
    // A connection of a's in use: closing a's store waits for it.
    let a = app.running.state.instances.get("a").await.unwrap();
    let held = a.store().writer().acquire().await.unwrap();
    let delete = tokio::spawn({
        let (client, url) = (app.client.clone(), format!("{}/_mock/instances/a", app.base));
        async move { client.delete(url).send().await.unwrap().status().as_u16() }
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!delete.is_finished(), "a's store waits for its connection");
    let other = tokio::time::timeout(std::time::Duration::from_secs(5), state_in("b")).await;
    assert_eq!(other.expect("b answered while a's store was closing").status, 200);
    // a itself waits for its old files to go before it is made again.
    let again = tokio::spawn({
        let (client, url) = (app.client.clone(), format!("{}/_mock/state/campaigns", app.base));
        async move { client.get(url).header("x-mock-instance", "a").send().await.unwrap().status().as_u16() }
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!again.is_finished(), "a new a waits for the old one to close");
    drop(held);
    assert_eq!(delete.await.unwrap(), 200);
    assert_eq!(again.await.unwrap(), 200);
    assert_eq!(live_instances(&app).await, ["a", "b", "default"]);
}

#[tokio::test]
async fn fixture_sets_are_capped_in_size() {
    let app = TestApp::spawn().await;
    let agents: Vec<Value> = (0..2001)
        .map(|i| json!({"user": format!("a{i}"), "name": "A", "phone": format!("{}", 10_000 + i), "tech": "SIP", "context": "c"}))
        .collect();
    let members: Vec<Value> = (0..2001).map(|i| json!({"agent": format!("a{i}")})).collect();
    let campaign = json!({"name": "Big<-", "kind": "inbound", "strategy": "linear", "slevelthreshold": 10, "wrapup": 0,
                          "callerid": "1", "hours": "08:00-21:00", "members": members});
    let world = json!({"users": [], "agents": agents, "campaigns": [campaign], "dispositions": [],
                       "history": {"days": 0, "calls_per_day": 0}});
    let load = app.client.post(format!("{}/_mock/fixtures", app.base)).header("x-mock-instance", "big");
    let reply = app.send(load.body(json!({"world": world}).to_string())).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["error"], "a fixture set holds at most 2000 agents, not 2001");
}

// Uploads ------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_upload_holds_at_most_twice_its_body_and_bad_lines_are_counted_not_listed() {
    use base64::Engine;
    let lines = if long() { 5_000_000 } else { 1_000_000 };
    let mock = Binary::start(&[]);
    let client = reqwest::Client::new();
    let url = |route: &str| format!("{}/Integra/resources/{route}", mock.base);
    let login = client.post(url("auth/getUserToken")).body("user=admin&password=admin").send().await.unwrap();
    let token = login.json::<Value>().await.unwrap()[2].as_str().unwrap().to_string();
    // Every line names another campaign: all of them are rejected.
    let content = "Otra;0990000000\n".repeat(lines);
    let fileb64 = base64::engine::general_purpose::STANDARD.encode(content);
    let body = encode(&[("filename", "bad.txt"), ("campaign", "Ventas->"), ("fileb64", &fileb64)]);
    mock.reset_peak();
    let before = mock.memory("VmHWM");
    let began = std::time::Instant::now();
    let upload =
        client.post(url("Dialers/uploadbase")).header("authorization", format!("Basic {token}")).body(body.clone());
    assert_eq!(upload.send().await.unwrap().text().await.unwrap(), "1");
    // The manual clock answers the next request once the upload is parsed.
    let uploads: Value =
        client.get(format!("{}/_mock/state/uploads", mock.base)).send().await.unwrap().json().await.unwrap();
    let parsed = began.elapsed();
    let peak = mock.memory("VmHWM").saturating_sub(before);
    let report = &uploads[0];
    println!(
        "an upload of {} MiB ({lines} bad lines): peak RSS +{} MiB ({:.2}x the body), parsed in {parsed:?}",
        body.len() as u64 / MIB,
        peak / MIB,
        peak as f64 / body.len() as f64
    );
    assert_eq!((report["status"].as_str(), report["rejected"].as_i64()), (Some("done"), Some(lines as i64)));
    assert_eq!(report["rejections"].as_array().unwrap().len(), 1000, "the first thousand are listed");
    assert_eq!(report["note"], format!("{lines} records rejected; the first 1000 are listed"));
    assert!(
        peak <= 2 * body.len() as u64,
        "the peak grew {} MiB for a body of {} MiB",
        peak / MIB,
        body.len() as u64 / MIB
    );
}

// Connections ---------------------------------------------------------------------------------------

/// The `Max open files` soft and hard limits of a process.
fn open_file_limits(pid: u32) -> (String, String) {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let line = limits.lines().find(|l| l.starts_with("Max open files")).unwrap().to_string();
    let mut numbers = line.split_whitespace().skip(3);
    (numbers.next().unwrap().to_string(), numbers.next().unwrap().to_string())
}

#[tokio::test]
async fn idle_connections_cannot_keep_new_clients_out() {
    let dir = tempfile::tempdir().unwrap();
    // The test holds 1,100 sockets of its own, beside the other tests running at once.
    let files = rlimit::increase_nofile_limit(4096).unwrap();
    if files < 2_400 {
        eprintln!(
            "SKIPPED idle_connections_cannot_keep_new_clients_out: this process may open {files} files, not 2,400"
        );
        return;
    }
    let mock = Binary::start_in(Some(("ulimit -n 1024", dir.path())), &[]);
    assert_eq!(open_file_limits(mock.child.id()), ("1024".into(), "1024".into()));
    let address = mock.base.trim_start_matches("http://").to_string();
    let mut idle = Vec::new();
    for _ in 0..1_100 {
        idle.push(tokio::net::TcpStream::connect(&address).await.expect("the kernel takes the connection"));
    }
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(20)).build().unwrap();
    let health =
        client.get(format!("{}/_mock/health", mock.base)).send().await.expect("an answer past 1,100 idle connections");
    assert_eq!(health.status(), 200);
    drop(idle);
}

#[tokio::test]
async fn the_soft_open_file_limit_is_raised_to_the_hard_one() {
    let dir = tempfile::tempdir().unwrap();
    let mock = Binary::start_in(Some(("ulimit -Sn 512", dir.path())), &[]);
    let (soft, hard) = open_file_limits(mock.child.id());
    assert_eq!(soft, hard, "the soft limit was 512");
}

/// Reads until the peer closes the connection (true) or `within` passes (false).
async fn closed_within(stream: &mut tokio::net::TcpStream, within: std::time::Duration) -> bool {
    use tokio::io::AsyncReadExt;
    let mut buffer = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn slow_headers_stalled_bodies_and_quiet_connections_are_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mock = Binary::start(&["--header-timeout", "1", "--idle-timeout", "5"]);
    let address = mock.base.trim_start_matches("http://").to_string();
    let second = std::time::Duration::from_secs(1);
    // Closed by the header timeout (1 s), well before the idle timeout (5 s) would.
    let by_header: [(&str, &[u8]); 2] = [
        ("headers that never end", b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n"),
        ("a kept-alive connection with nothing more to ask", b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n\r\n"),
    ];
    for (what, sent) in by_header {
        let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        stream.write_all(sent).await.unwrap();
        assert!(closed_within(&mut stream, 4 * second).await, "{what}: still open after 4 s");
    }
    // A body that stops is no header matter: the idle timeout closes it.
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let stalled =
        b"POST /Integra/resources/auth/getUserToken HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nuser=ad";
    stream.write_all(stalled).await.unwrap();
    let began = std::time::Instant::now();
    assert!(closed_within(&mut stream, 15 * second).await, "a stalled body: still open after 15 s");
    assert!(
        began.elapsed() >= 3 * second,
        "a stalled body was closed after {:?}, before the idle timeout",
        began.elapsed()
    );
    // One connection that keeps asking stays open past the header timeout, request after request.
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    for _ in 0..4 {
        stream.write_all(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        let mut answer = [0u8; 1024];
        let n = stream.read(&mut answer).await.unwrap();
        assert!(answer[..n].starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer[..n]));
        tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    }
}

// Recordings ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_head_makes_nothing_and_recordings_being_read_bound_the_memory_they_hold() {
    const LONG: &str = "00000000-0000-4000-8000-000000007200";
    const LATER: &str = "00000000-0000-4000-8000-000000002400";
    let app = TestApp::spawn_with(&["--recording-cache-mb", "1"]).await;
    let mut world: Value =
        serde_json::from_str(include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/world.json"))).unwrap();
    for (guid, talk) in [(LONG, 7200), (LATER, 2400)] {
        let call = json!({"guid": guid, "campaign": "Out<-", "customer": "099", "agent": "Agente1",
                          "start": "2026-01-02 10:00:00", "ring": 5, "talk": talk});
        world["example_calls"].as_array_mut().unwrap().push(call);
        let pin = json!({"guid": guid, "host": "main", "folder": "root", "format": "mp3"});
        world["recordings"]["pinned"].as_array_mut().unwrap().push(pin);
    }
    let load = app.client.post(format!("{}/_mock/fixtures", app.base)).header("x-mock-instance", "rec");
    assert_eq!(app.send(load.body(json!({"world": world}).to_string())).await.status, 200);
    let cache = app.running.state.instances.audio_cache();
    let url = |guid: &str| format!("{}/records/{guid}.mp3", app.base);
    let get = |guid: &str| app.client.get(url(guid)).header("x-mock-instance", "rec");
    let head = app.send(app.client.head(url(LONG)).header("x-mock-instance", "rec")).await;
    // 180-byte frames: the Info frame, LAME's delay and flush, and 7,200 s x 8,000 / 288.
    assert_eq!((head.status, head.headers["content-length"].to_str().unwrap()), (200, "36000540"));
    let ranged = app.client.head(url(LONG)).header("x-mock-instance", "rec").header("range", "bytes=-100");
    assert_eq!(app.send(ranged).await.headers["content-range"], "bytes 36000440-36000539/36000540");
    assert_eq!(cache.made(), 0, "a HEAD makes no file");
    for range in ["bytes=0-99", "bytes=-100", "bytes=18000000-18000099"] {
        let reply = get(LONG).header("range", range).send().await.unwrap();
        assert_eq!((reply.status().as_u16(), reply.bytes().await.unwrap().len()), (206, 100), "{range}");
    }
    assert_eq!(cache.made(), 1, "ranges of a two-hour file make it once");
    // A client that reads the whole file slowly holds it: what is left of the cache (the smallest,
    // a two-hour MP3 and GSM) is too little for a 40-minute MP3.
    let mut slow = get(LONG).send().await.unwrap();
    assert!(!slow.chunk().await.unwrap().unwrap().is_empty());
    let busy = app.send(get(LATER)).await;
    assert_eq!((busy.status, busy.headers["retry-after"].to_str().unwrap()), (503, "1"), "{:?}", busy.reason());
    assert!(cache.held() <= cache.capacity(), "{} held of {}", cache.held(), cache.capacity());
    let again = app.send(get(LONG).header("range", "bytes=100-199")).await;
    assert_eq!((again.status, cache.made()), (206, 1), "the file being read is still served");
    drop(slow);
    let mut served = 0;
    for _ in 0..50 {
        // The slow response lets the file go once its connection closes.
        let reply = get(LATER).send().await.unwrap();
        if reply.status() == 200 {
            served = reply.bytes().await.unwrap().len();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(served, 180 * (3 + 2400 * 8000 / 288 + 1), "40 minutes of MP3 once the reader is gone");
}

#[tokio::test]
async fn one_slow_client_is_sent_half_the_recordings_cache_at_most() {
    const LONG: &str = "00000000-0000-4000-8000-000000007201";
    const LONG_TOO: &str = "00000000-0000-4000-8000-000000007202";
    const LATER: &str = "00000000-0000-4000-8000-000000002401";
    // 80 MB: half is 40, raised to the 46 the largest file needs.
    let app = TestApp::spawn_with(&["--recording-cache-mb", "80"]).await;
    let mut world: Value =
        serde_json::from_str(include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/world.json"))).unwrap();
    for (guid, talk) in [(LONG, 7200), (LONG_TOO, 7200), (LATER, 2400)] {
        let call = json!({"guid": guid, "campaign": "Out<-", "customer": "099", "agent": "Agente1",
                          "start": "2026-01-02 10:00:00", "ring": 5, "talk": talk});
        world["example_calls"].as_array_mut().unwrap().push(call);
        let pin = json!({"guid": guid, "host": "main", "folder": "root", "format": "mp3"});
        world["recordings"]["pinned"].as_array_mut().unwrap().push(pin);
    }
    let load = app.client.post(format!("{}/_mock/fixtures", app.base)).header("x-mock-instance", "fair");
    assert_eq!(app.send(load.body(json!({"world": world}).to_string())).await.status, 200);
    let client_at =
        |ip: &str| reqwest::Client::builder().local_address(ip.parse::<std::net::IpAddr>().ok()).build().unwrap();
    let (slow_client, other_client) = (client_at("127.0.0.2"), client_at("127.0.0.3"));
    let get = |client: &reqwest::Client, guid: &str| {
        client.get(format!("{}/records/{guid}.mp3", app.base)).header("x-mock-instance", "fair")
    };
    // One client reads a two-hour MP3 (36 MB) slowly, then asks for a second one.
    let mut slow = get(&slow_client, LONG).send().await.unwrap();
    assert_eq!(slow.status(), 200);
    assert!(!slow.chunk().await.unwrap().unwrap().is_empty());
    let second = app.send(get(&slow_client, LONG_TOO)).await;
    assert_eq!((second.status, second.headers["retry-after"].to_str().unwrap()), (503, "1"));
    assert!(second.reason().unwrap().contains("127.0.0.2"), "{:?}", second.reason());
    // Another client is served beside it: the slow one holds no more than its half.
    let other = app.send(get(&other_client, LATER)).await;
    assert_eq!(other.status, 200, "{:?}", other.reason());
    assert_eq!(other.headers["content-length"].to_str().unwrap(), (180 * (3 + 2400 * 8000 / 288 + 1)).to_string());
    drop(slow);
}

#[tokio::test]
async fn the_default_recordings_cache_holds_every_recording_of_the_default_world() {
    use ucontact_mock::audio::{RATE, gsm, mp3};
    let app = TestApp::spawn().await;
    let recordings = app.state("recordings").await;
    let recordings = recordings.as_array().unwrap();
    assert!(recordings.len() > 200, "{}", recordings.len());
    let bytes: usize = recordings
        .iter()
        .map(|r| {
            let samples = r["seconds"].as_u64().unwrap() as usize * RATE as usize;
            if r["format"] == "gsm" { gsm::len_of(samples) } else { mp3::len_of(samples) }
        })
        .sum();
    let capacity = app.running.state.instances.audio_cache().capacity();
    println!(
        "the default world's {} recordings: {} MB; the default cache: {} MB",
        recordings.len(),
        bytes >> 20,
        capacity >> 20
    );
    // So a client that fetches them all, again and again, has them made once.
    assert!(bytes <= capacity, "{} MB of recordings, a cache of {} MB", bytes >> 20, capacity >> 20);
}
