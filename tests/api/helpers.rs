//! The test harness: `TestApp::spawn()` starts a fresh mock on 127.0.0.1 port 0 and logs in as admin.

#![allow(dead_code)]

use reqwest::header::HeaderMap;
use serde_json::Value;
use ucontact_mock::cli::ServeArgs;

pub const TEXT: &str = "text/plain; charset=UTF-8";
pub const JSON: &str = "application/json; charset=UTF-8";

/// Every Integra route the mock serves (docs/contract.md, sections 2-8).
pub const INTEGRA_ROUTES: [&str; 23] = [
    "auth/getUserToken",
    "auth/UserLogin",
    "auth/EndSession",
    "Agents/AgentCall",
    "Agents/AgentCallwithData",
    "Agents/HangupPhone",
    "Agents/TagRecord",
    "api/DispositionCall",
    "admin/addblack",
    "admin/addblackbulk",
    "admin/deleteblack",
    "admin/deleteblackbulk",
    "Cdr/getrecords",
    "Dialers/Respool",
    "Dialers/ScheduleDialerCall",
    "Dialers/DialerTask",
    "Dialers/RemoveContact",
    "Dialers/RemoveScheduleDialerCall",
    "Dialers/uploadbase",
    "Dialers/uploadbasewithtimezone",
    "Supervisor/queuesummary",
    "Supervisor/campaignstatus",
    "Supervisor/convert",
];

/// AgentCall's seven parameters: Agente1's phone placing a call counted in `test->`.
pub const CALL: [(&str, &str); 7] = [
    ("callerid", "24001234"),
    ("agent", "Agente1"),
    ("phone", "1001"),
    ("tech", "SIP"),
    ("context", "agentes"),
    ("outqueue", "test->"),
    ("destination", "099123456"),
];

/// A running mock and a client for it.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// `http://127.0.0.1:PORT` of the backup recordings host.
    pub backup: String,
    pub client: reqwest::Client,
    /// admin's live token.
    pub token: String,
    pub running: ucontact_mock::Running,
}

/// An answer, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn content_type(&self) -> Option<&str> {
        self.headers.get("content-type").and_then(|v| v.to_str().ok())
    }

    /// `X-Mock-Reason`, when present.
    pub fn reason(&self) -> Option<&str> {
        self.headers.get("x-mock-reason").and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// HTTP 200, text/plain, body exactly `1`.
    #[track_caller]
    pub fn assert_one(&self) {
        assert_eq!(
            (self.status, self.content_type(), self.body.as_str()),
            (200, Some(TEXT), "1"),
            "reason: {:?}",
            self.reason()
        );
    }

    /// HTTP 200, text/plain, body exactly `0`, with an `X-Mock-Reason`.
    #[track_caller]
    pub fn assert_zero(&self) {
        assert_eq!((self.status, self.content_type(), self.body.as_str()), (200, Some(TEXT), "0"));
        assert!(self.reason().is_some_and(|r| !r.is_empty()), "a 0 must carry X-Mock-Reason");
    }

    /// HTTP 400, text/plain, exactly `message`, with an `X-Mock-Reason`.
    #[track_caller]
    pub fn assert_bad_request(&self, message: &str) {
        assert_eq!((self.status, self.content_type(), self.body.as_str()), (400, Some(TEXT), message));
        assert!(self.reason().is_some(), "a 400 must carry X-Mock-Reason");
    }

    /// HTTP 200 JSON with exactly this value.
    #[track_caller]
    pub fn assert_json(&self, expected: &Value) {
        assert_eq!((self.status, self.content_type()), (200, Some(JSON)), "body: {}", self.body);
        assert_eq!(&self.json(), expected);
    }
}

/// Encodes a form as a browser would (`application/x-www-form-urlencoded`).
pub fn encode(form: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish()
}

/// The CI settings (`--db :memory: --clock manual --seed 7 --traffic off`, ports 0) plus `extra`.
pub fn ci_args(extra: &[&'static str]) -> Result<ServeArgs, clap::Error> {
    let mut args = vec![
        "--db",
        ":memory:",
        "--clock",
        "manual",
        "--seed",
        "7",
        "--traffic",
        "off",
        "--listen",
        "127.0.0.1:0",
        "--backup-listen",
        "127.0.0.1:0",
    ];
    args.extend_from_slice(extra);
    ServeArgs::from_args(args)
}

impl TestApp {
    /// A fresh world with the CI settings: `--db :memory: --clock manual --seed 7 --traffic off`.
    pub async fn spawn() -> Self {
        Self::spawn_with(&[]).await
    }

    /// The same with extra flags (later flags win).
    pub async fn spawn_with(extra: &[&'static str]) -> Self {
        Self::start(&ci_args(extra).expect("valid flags")).await
    }

    pub async fn start(args: &ServeArgs) -> Self {
        let running = ucontact_mock::start(args).await.expect("the mock starts");
        let base = format!("http://{}", running.main);
        let backup = format!("http://{}", running.backup);
        let mut app = Self { base, backup, client: reqwest::Client::new(), token: String::new(), running };
        let login = app.post_anon("auth/getUserToken", &[("user", "admin"), ("password", "admin")]).await;
        app.token = login.json()[2].as_str().expect("a token").to_string();
        app
    }

    pub fn url(&self, route: &str) -> String {
        format!("{}/Integra/resources/{route}", self.base)
    }

    /// POSTs a form to an Integra route with admin's token.
    pub async fn post(&self, route: &str, form: &[(&str, &str)]) -> Reply {
        self.post_body(route, encode(form), Some(&self.token)).await
    }

    /// POSTs a form with no token.
    pub async fn post_anon(&self, route: &str, form: &[(&str, &str)]) -> Reply {
        self.post_body(route, encode(form), None).await
    }

    /// POSTs a raw body labelled as a form, with the given token.
    pub async fn post_body(&self, route: &str, body: impl Into<reqwest::Body>, token: Option<&str>) -> Reply {
        let mut request = self
            .client
            .post(self.url(route))
            .header("content-type", "application/x-www-form-urlencoded; charset=UTF-8")
            .body(body);
        if let Some(token) = token {
            request = request.header("authorization", format!("Basic {token}"));
        }
        read(request.send().await.expect("the mock answers")).await
    }

    /// Sends any request built by the caller.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        read(request.send().await.expect("the mock answers")).await
    }

    /// `GET /_mock/state/<table>` as JSON.
    pub async fn state(&self, table: &str) -> Value {
        let reply = self.send(self.client.get(format!("{}/_mock/state/{table}", self.base))).await;
        assert_eq!(reply.status, 200, "state/{table}: {}", reply.body);
        reply.json()
    }

    /// Every table that a refused request must leave alone, to compare before and after.
    pub async fn snapshot(&self) -> Value {
        let mut all = serde_json::Map::new();
        for table in ["blacklist", "spool", "schedules", "tasks", "uploads", "dispositions", "cdrs", "recordings"] {
            all.insert(table.to_string(), self.state(table).await);
        }
        Value::Object(all)
    }
}

pub async fn read(response: reqwest::Response) -> Reply {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.text().await.expect("a readable body");
    Reply { status, headers, body }
}

impl TestApp {
    /// POSTs each raw form body (labelled by `case`) with admin's token and expects the vendor's
    /// `0` with an `X-Mock-Reason`, and every table exactly as it was.
    pub async fn assert_refused(&self, route: &str, cases: &[(String, String)]) {
        let before = self.snapshot().await;
        for (case, body) in cases {
            let reply = self.post_body(route, body.clone(), Some(&self.token)).await;
            assert_eq!(
                (reply.status, reply.content_type(), reply.body.as_str()),
                (200, Some(TEXT), "0"),
                "{route}, {case}: reason {:?}",
                reply.reason()
            );
            assert!(reply.reason().is_some_and(|r| !r.is_empty()), "{route}, {case}: a 0 must carry X-Mock-Reason");
            assert_eq!(self.snapshot().await, before, "{route}, {case}: a refusal changed the world");
        }
    }
}

impl TestApp {
    /// Moves the manual clock forward by `seconds`, running every event in between.
    pub async fn advance(&self, seconds: i64) {
        let request =
            self.client.post(format!("{}/_mock/clock", self.base)).body(format!(r#"{{"advance": {seconds}}}"#));
        let reply = self.send(request).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
}

/// The real binary on port 0 with the CI flags plus `extra`, killed when dropped.
pub struct Binary {
    pub child: std::process::Child,
    /// `http://127.0.0.1:PORT` of the main listener and of the backup one.
    pub base: String,
    pub backup: String,
    /// What it printed on stderr, when asked to keep it.
    pub stderr: Option<std::path::PathBuf>,
}

impl Binary {
    pub fn start(extra: &[&str]) -> Self {
        Self::start_in(None, extra)
    }

    /// Started by `sh -c` after `setup` (a shell command such as `ulimit -n 1024`), stderr kept in
    /// `dir`.
    pub fn start_in(setup: Option<(&str, &std::path::Path)>, extra: &[&str]) -> Self {
        use std::io::BufRead;
        let ci = ["--db", ":memory:", "--clock", "manual", "--seed", "7", "--traffic", "off"];
        let ports = ["--listen", "127.0.0.1:0", "--backup-listen", "127.0.0.1:0"];
        // UCONTACT_MOCK_BIN runs the same tests against another build (an earlier commit's).
        let binary = std::env::var("UCONTACT_MOCK_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_ucontact-mock").into());
        let mut command = match setup {
            Some((shell, _)) => {
                let mut c = std::process::Command::new("sh");
                c.arg("-c").arg(format!("{shell} && exec \"$0\" \"$@\"")).arg(&binary);
                c
            }
            None => std::process::Command::new(&binary),
        };
        command.args(ci).args(ports).args(extra).stdout(std::process::Stdio::piped());
        let stderr = setup.map(|(_, dir)| dir.join("stderr.log"));
        match &stderr {
            Some(path) => command.stderr(std::fs::File::create(path).expect("a log file")),
            None => command.stderr(std::process::Stdio::null()),
        };
        let mut child = command.spawn().expect("the binary starts");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("a banner");
        let url = |key: &str| {
            line.split_whitespace().find_map(|w| w.strip_prefix(key)).unwrap_or_else(|| panic!("{key} in {line:?}"))
        };
        let (base, backup) = (url("main=").to_string(), url("backup=").to_string());
        Self { child, base, backup, stderr }
    }

    /// Starts its peak of resident memory (`VmHWM`) over from what it holds now.
    pub fn reset_peak(&self) {
        std::fs::write(format!("/proc/{}/clear_refs", self.child.id()), "5").expect("/proc clear_refs");
    }

    /// A line of `/proc/<pid>/status` in bytes (`VmRSS`, `VmHWM`).
    pub fn memory(&self, key: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).expect("/proc status");
        let kib: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
            .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
            .unwrap_or_else(|| panic!("no {key} in /proc status"));
        kib * 1024
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A small world for fixtures of an instance's own: one user (`user`/`password`, a supervisor), the
/// agent `ana` (phone 2001) in the inbound campaign `Solo<-`, and `days` days of `calls_per_day`
/// calls of history.
pub fn solo_world(user: &str, password: &str, days: u32, calls_per_day: u32) -> Value {
    serde_json::json!({
        "users": [{"user": user, "password": password, "name": "Boss", "profile": "supervisor"}],
        "agents": [{"user": "ana", "name": "Ana", "phone": "2001", "tech": "SIP", "context": "agentes"}],
        "campaigns": [{"name": "Solo<-", "kind": "inbound", "strategy": "linear", "slevelthreshold": 10, "wrapup": 0,
                       "callerid": "1", "did": "2", "hours": "08:00-21:00", "members": [{"agent": "ana"}]}],
        "dispositions": [{"campaigns": ["Solo<-"], "options": [{"l1": "Hecho", "action": "none"}]}],
        "history": {"days": days, "calls_per_day": calls_per_day}
    })
}
