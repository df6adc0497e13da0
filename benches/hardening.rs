//! Benchmark: the bounds against hostile input (memory, disk, connections), on the release binary.
//! Run with `cargo bench --bench hardening`; `HARDENING_BEFORE=/path/to/ucontact-mock` measures an
//! earlier build beside it (each scenario uses flags both know), `HARDENING_RUNS=N` the runs per
//! median (default 3), `HARDENING_ONLY=logins,upload,instances,eviction,idle,readers` the scenarios.
//!
//! 1. 1,200 `auth/getUserToken` requests of 1 MiB each (a thousand fields under the journal's
//!    clip): how much resident memory grows (the journal's budget is 64 MiB).
//! 2. `Dialers/uploadbase` of 5,000,000 lines that are all rejected: the peak of resident memory
//!    over the body's size, the time until the instance answers again (under the manual clock the
//!    next request waits for the upload), the rejections listed.
//! 3. 200 requests without a token, each naming a new instance, on a file database: instance files
//!    made and their size on disk.
//! 4. 200 instances made through the control API with `--max-instances 16`, file database: files
//!    left on disk.
//! 5. 1,100 idle connections under `ulimit -n 1024`: whether (and how fast) a new client is served.
//! 6. 8 clients reading distinct 20-minute MP3s slowly with `--recording-cache-mb 36` (a build that
//!    keeps at least a two-hour GSM and its MP3 holds 46 MiB): what they were answered and how much
//!    resident memory grew.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{Mock, median, temp_dir};

use base64::Engine;
use serde_json::{Value, json};

const MIB: f64 = 1024.0 * 1024.0;

fn runs() -> usize {
    std::env::var("HARDENING_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(3)
}

fn wanted(scenario: &str) -> bool {
    std::env::var("HARDENING_ONLY").map_or(true, |only| only.split(',').any(|s| s.trim() == scenario))
}

fn encode(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

/// 1. Resident memory grown by 1,200 logins of 1 MiB, MiB.
async fn logins(binary: &Path) -> String {
    let fields: String = (0..1000).map(|i| format!("&f{i}={}", "v".repeat(1030))).collect();
    let body: &'static str = format!("user=admin&password=admin{fields}").leak();
    let mut grown = Vec::new();
    for _ in 0..runs() {
        grown.push({
            let mock = Mock::start(binary, None, &[]);
            let url = format!("{}/Integra/resources/auth/getUserToken", mock.base);
            let client = reqwest::Client::new();
            let send = |count: usize| {
                let (client, url) = (client.clone(), url.clone());
                async move {
                    let tasks: Vec<_> = (0..4)
                        .map(|w| {
                            let (client, url) = (client.clone(), url.clone());
                            tokio::spawn(async move {
                                for _ in (w..count).step_by(4) {
                                    let r = client.post(&url).body(body).send().await.expect("an answer");
                                    assert_eq!(r.status(), 200);
                                    r.bytes().await.expect("a body");
                                }
                            })
                        })
                        .collect();
                    futures_util::future::join_all(tasks).await;
                }
            };
            send(40).await;
            let before = mock.memory("VmRSS");
            send(1_200).await;
            mock.memory("VmRSS") - before
        });
    }
    format!("RSS +{:.0} MiB", median(grown))
}

/// 2. An upload of 5 M rejected lines: the peak over the body, and the time until the next answer.
async fn upload(binary: &Path) -> String {
    let lines: usize = std::env::var("HARDENING_LINES").ok().and_then(|l| l.parse().ok()).unwrap_or(5_000_000);
    let fileb64 = base64::engine::general_purpose::STANDARD.encode("Otra;0990000000\n".repeat(lines));
    let body = encode(&[("filename", "bad.txt"), ("campaign", "Ventas->"), ("fileb64", &fileb64)]);
    drop(fileb64);
    let mut peaks = Vec::new();
    let mut seconds = Vec::new();
    let mut listed = 0;
    for _ in 0..runs() {
        let mock = Mock::start(binary, None, &[]);
        let client = reqwest::Client::new();
        let token = mock.token(&client).await;
        let before = mock.memory("VmHWM");
        let began = Instant::now();
        let answer = client
            .post(format!("{}/Integra/resources/Dialers/uploadbase", mock.base))
            .header("authorization", format!("Basic {token}"))
            .body(body.clone())
            .send()
            .await
            .expect("an answer");
        assert_eq!(answer.text().await.expect("a body"), "1");
        let uploads: Value = client
            .get(format!("{}/_mock/state/uploads", mock.base))
            .send()
            .await
            .expect("an answer")
            .json()
            .await
            .expect("JSON");
        seconds.push(began.elapsed().as_secs_f64());
        peaks.push(mock.memory("VmHWM") - before);
        listed = uploads[0]["rejections"].as_array().map_or(0, Vec::len);
    }
    let peak = median(peaks);
    format!(
        "body {:.0} MiB: peak RSS +{peak:.0} MiB ({:.1}x), next answer after {:.1} s, {listed} rejections listed",
        body.len() as f64 / MIB,
        peak / (body.len() as f64 / MIB),
        median(seconds)
    )
}

/// Instance files in `dir` (beside `mock.db`) and their bytes.
fn instance_files(dir: &Path) -> (usize, u64) {
    let mut files = 0;
    let mut bytes = 0;
    for entry in std::fs::read_dir(dir).expect("a folder").filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("mock.") && name != "mock.db" && !name.starts_with("mock.db-") {
            bytes += entry.metadata().map_or(0, |m| m.len());
            if name.ends_with(".db") {
                files += 1;
            }
        }
    }
    (files, bytes)
}

/// 3. 200 refused requests naming new instances: files made.
async fn instances(binary: &Path) -> String {
    let dir = temp_dir("instances");
    let db = dir.join("mock.db");
    let mock = Mock::start(binary, None, &["--db", db.to_str().expect("a path")]);
    let client = reqwest::Client::new();
    for n in 0..200 {
        let reply = client
            .post(format!("{}/Integra/resources/Supervisor/queuesummary", mock.base))
            .header("x-mock-instance", format!("probe-{n}"))
            .send()
            .await
            .expect("an answer");
        assert_eq!(reply.status(), 401);
    }
    let (files, bytes) = instance_files(&dir);
    drop(mock);
    let _ = std::fs::remove_dir_all(&dir);
    format!("{files} instance files, {:.1} MiB on disk", bytes as f64 / MIB)
}

/// 4. 200 instances made with --max-instances 16: files left.
async fn eviction(binary: &Path) -> String {
    let dir = temp_dir("eviction");
    let db = dir.join("mock.db");
    let mock = Mock::start(binary, None, &["--db", db.to_str().expect("a path"), "--max-instances", "16"]);
    let client = reqwest::Client::new();
    for n in 0..200 {
        let reply = client
            .get(format!("{}/_mock/state/campaigns", mock.base))
            .header("x-mock-instance", format!("made-{n}"))
            .send()
            .await
            .expect("an answer");
        assert_eq!(reply.status(), 200);
    }
    let (files, bytes) = instance_files(&dir);
    drop(mock);
    let _ = std::fs::remove_dir_all(&dir);
    format!("{files} instance files, {:.1} MiB on disk", bytes as f64 / MIB)
}

/// 5. A new client after 1,100 idle connections under `ulimit -n 1024`.
async fn idle(binary: &Path) -> String {
    let mock = Mock::start(binary, Some("ulimit -n 1024"), &[]);
    let address = mock.base.trim_start_matches("http://").to_string();
    let mut held = Vec::new();
    for _ in 0..1_100 {
        held.push(tokio::net::TcpStream::connect(&address).await.expect("a connection"));
    }
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("a client");
    let began = Instant::now();
    let answer = client.get(format!("{}/_mock/health", mock.base)).send().await;
    drop(held);
    match answer {
        Ok(r) => format!("answered {} in {:.0} ms", r.status().as_u16(), began.elapsed().as_secs_f64() * 1000.0),
        Err(_) => "no answer in 30 s".to_string(),
    }
}

/// 6. Eight slow readers of distinct 20-minute MP3s with `--recording-cache-mb 36`.
async fn readers(binary: &Path) -> String {
    let mut world: Value =
        serde_json::from_str(include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/world.json"))).expect("JSON");
    let guid = |n: usize| format!("00000000-0000-4000-8000-{n:012}");
    for n in 0..8 {
        world["example_calls"].as_array_mut().expect("calls").push(json!({
            "guid": guid(n), "campaign": "Out<-", "customer": "099", "agent": "Agente1",
            "start": "2026-01-02 10:00:00", "ring": 5, "talk": 1200
        }));
        world["recordings"]["pinned"]
            .as_array_mut()
            .expect("pins")
            .push(json!({"guid": guid(n), "host": "main", "folder": "root", "format": "mp3"}));
    }
    let dir = temp_dir("readers");
    std::fs::write(dir.join("world.json"), world.to_string()).expect("fixtures");
    let mock = Mock::start(binary, None, &["--fixtures", dir.to_str().expect("a path"), "--recording-cache-mb", "36"]);
    let client = reqwest::Client::new();
    let before = mock.memory("VmRSS");
    let mut statuses = Vec::new();
    let mut held = Vec::new();
    for n in 0..8 {
        let mut reply = client.get(format!("{}/records/{}.mp3", mock.base, guid(n))).send().await.expect("an answer");
        statuses.push(reply.status().as_u16());
        if reply.status() == 200 {
            // Read a piece, then hold the rest unread.
            let _ = reply.chunk().await;
            held.push(reply);
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let grown = mock.memory("VmRSS") - before;
    drop(held);
    let _ = std::fs::remove_dir_all(&dir);
    let served = statuses.iter().filter(|&&s| s == 200).count();
    format!("{served} served, {} turned away (503); RSS +{grown:.0} MiB", statuses.len() - served)
}

fn main() {
    // `cargo test --all-targets` runs benches too, without `--bench`: this one takes minutes and
    // means nothing in a debug build, so it only runs under `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        println!("hardening: run with `cargo bench --bench hardening`");
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    let scenarios = [
        ("logins", "1,200 logins of 1 MiB"),
        ("upload", "upload of 5 M rejected lines"),
        ("instances", "200 tokenless requests naming new instances"),
        ("eviction", "200 instances, --max-instances 16"),
        ("idle", "1,100 idle connections, ulimit -n 1024"),
        ("readers", "8 slow readers of 20-min MP3s, --recording-cache-mb 36"),
    ];
    common::table("HARDENING_BEFORE", &scenarios, wanted, |key, binary| {
        runtime.block_on(async {
            match key {
                "logins" => logins(binary).await,
                "upload" => upload(binary).await,
                "instances" => instances(binary).await,
                "eviction" => eviction(binary).await,
                "idle" => idle(binary).await,
                _ => readers(binary).await,
            }
        })
    });
}
