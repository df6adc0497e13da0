//! Benchmark: attacks on the server's resources, on the release binary (docs/contract.md, section
//! 12). Run with `cargo bench --bench exhaustion`; `EXHAUSTION_BEFORE=/path/to/ucontact-mock`
//! measures an earlier build beside it (every scenario uses only flags both know),
//! `EXHAUSTION_ONLY=attack,trickle,waiters,chunked,streams,recordings,soak` the scenarios,
//! `EXHAUSTION_RUNS=N` the runs per median (default 3), `SOAK_MINUTES=N` the soak's length (3).
//!
//! 1. `attack`: under `ulimit -n 1024`, 1,100 logins whose bodies trickle and 2,000 logins hung up
//!    on at once, twice: whether the world (a session, a blacklisted number) is intact after, and
//!    how long a new client waited to be served.
//! 2. `trickle`: 200 logins sending a byte a second: how many the server cut within 40 s, and the
//!    median time of a normal login beside them.
//! 3. `waiters`: `queuesummary` throughput with 200 `requests/wait` calls open, over the same
//!    without them (measured in one run).
//! 4. `chunked`: four chunked uploads of 300 MiB at once, over the 256 MiB limit: what they were
//!    answered, the peak of resident memory and what is resident 15 s later.
//! 5. `streams`: 1,100 `GET /_mock/events` under `ulimit -n 1024`: how many are still streaming
//!    (not shed, not closed), and whether a new client is served.
//! 6. `recordings`: every recording of the default world fetched, twice: the server's CPU seconds
//!    for each pass.
//! 7. `soak`: the default start (real clock, traffic, a data file) under a constant 200 requests a
//!    second of an integrator's mix with a dashboard and a test reading the whole journal: server
//!    CPU seconds and resident memory per minute.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{Mock, median, temp_dir};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const LOGIN: &str = "user=admin&password=admin";
const MIB: usize = 1 << 20;

fn runs() -> usize {
    std::env::var("EXHAUSTION_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(3)
}

fn wanted(scenario: &str) -> bool {
    std::env::var("EXHAUSTION_ONLY").map_or(true, |only| only.split(',').any(|s| s.trim() == scenario))
}

fn address(mock: &Mock) -> String {
    mock.base.trim_start_matches("http://").to_string()
}

fn login_head() -> String {
    format!("POST /Integra/resources/auth/getUserToken HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n", LOGIN.len())
}

async fn login(client: &reqwest::Client, base: &str) -> Option<String> {
    let reply = client.post(format!("{base}/Integra/resources/auth/getUserToken")).body(LOGIN).send().await.ok()?;
    if reply.status() != 200 {
        return None;
    }
    let body: Value = reply.json().await.ok()?;
    body[2].as_str().map(str::to_string)
}

/// Reads `stream` until `wanted` arrives or it closes or `within` passes; answers what came.
async fn read_until(stream: &mut TcpStream, wanted: &str, within: Duration) -> String {
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + within;
    while !String::from_utf8_lossy(&seen).contains(wanted) {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
            Ok(Ok(n)) if n > 0 => seen.extend_from_slice(&buffer[..n]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&seen).into_owned()
}

/// Whether the peer closed `stream` (or reset it) within `within`.
async fn closed(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buffer = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {}
            Err(_) => return false,
        }
    }
}

/// 1. The descriptor attack, twice.
async fn attack(binary: &Path) -> String {
    let mock = Mock::start(binary, Some("ulimit -n 1024"), &[]);
    let address = address(&mock);
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().expect("a client");
    let Some(token) = login(&client, &mock.base).await else { return "no login at the start".into() };
    let blacklist = form_urlencoded::Serializer::new(String::new())
        .append_pair("blacklist", r#"{"phone":"0991","campaign":"*"}"#)
        .finish();
    let added = client
        .post(format!("{}/Integra/resources/admin/addblack", mock.base))
        .header("authorization", format!("Basic {token}"))
        .body(blacklist)
        .send()
        .await;
    assert!(added.is_ok());
    let mut waits = Vec::new();
    for _ in 0..2 {
        let mut trickling = Vec::new();
        for _ in 0..1_100 {
            if let Ok(mut stream) = TcpStream::connect(&address).await {
                let _ = stream.write_all(login_head().as_bytes()).await;
                let _ = stream.write_all(b"u").await;
                trickling.push(stream);
            }
        }
        for _ in 0..10 {
            let mut hung_up = Vec::new();
            for _ in 0..200 {
                if let Ok(mut stream) = TcpStream::connect(&address).await {
                    let _ = stream.write_all(format!("{}{LOGIN}", login_head()).as_bytes()).await;
                    hung_up.push(stream);
                }
            }
        }
        let began = Instant::now();
        while login(&client, &mock.base).await.is_none() && began.elapsed() < Duration::from_secs(60) {
            for stream in &mut trickling {
                let _ = stream.try_write(b"s");
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        waits.push(began.elapsed().as_secs_f64());
        drop(trickling);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let session = client
        .post(format!("{}/Integra/resources/Supervisor/queuesummary", mock.base))
        .header("authorization", format!("Basic {token}"))
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0);
    let listed: Value = match client.get(format!("{}/_mock/state/blacklist", mock.base)).send().await {
        Ok(reply) => reply.json().await.unwrap_or(Value::Null),
        Err(_) => Value::Null,
    };
    let intact = session == 200 && listed[0]["phone"] == "0991";
    let waited: Vec<String> = waits.iter().map(|w| format!("{w:.1} s")).collect();
    format!(
        "world {} (the session made before: {session}); a new client served after {}",
        if intact { "intact" } else { "LOST" },
        waited.join(", ")
    )
}

/// 2. 200 bodies a byte a second.
async fn trickle(binary: &Path) -> String {
    let mock = Mock::start(binary, None, &[]);
    let address = address(&mock);
    let client = reqwest::Client::new();
    let mut trickling = Vec::new();
    for _ in 0..200 {
        let mut stream = TcpStream::connect(&address).await.expect("a connection");
        stream.write_all(login_head().as_bytes()).await.expect("headers");
        trickling.push(stream);
    }
    let mut normal = Vec::new();
    let began = Instant::now();
    while began.elapsed() < Duration::from_secs(40) {
        for stream in &mut trickling {
            let _ = stream.try_write(b"u");
        }
        let asked = Instant::now();
        login(&client, &mock.base).await;
        normal.push(asked.elapsed().as_secs_f64() * 1000.0);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let mut cut = 0;
    for stream in &mut trickling {
        if closed(stream, Duration::from_millis(50)).await {
            cut += 1;
        }
    }
    format!("{cut} of 200 cut within 40 s; a normal login beside them: {:.1} ms (median)", median(normal))
}

/// `count` queuesummary requests from 8 clients at once: requests per second.
async fn rate(base: &str, token: &str, count: usize) -> f64 {
    let client = reqwest::Client::new();
    let began = Instant::now();
    let tasks: Vec<_> = (0..8)
        .map(|w| {
            let (client, url, token) =
                (client.clone(), format!("{base}/Integra/resources/Supervisor/queuesummary"), token.to_string());
            tokio::spawn(async move {
                for _ in (w..count).step_by(8) {
                    let reply = client.post(&url).header("authorization", format!("Basic {token}")).send().await;
                    let _ = reply.expect("an answer").bytes().await;
                }
            })
        })
        .collect();
    futures_util::future::join_all(tasks).await;
    count as f64 / began.elapsed().as_secs_f64()
}

/// 3. Throughput with 200 waits open, over the same without.
async fn waiters(binary: &Path) -> String {
    let mut ratios = Vec::new();
    let mut rates = (Vec::new(), Vec::new());
    for _ in 0..runs() {
        let mock = Mock::start(binary, None, &[]);
        let client = reqwest::Client::new();
        let token = login(&client, &mock.base).await.expect("a token");
        rate(&mock.base, &token, 2_000).await;
        let alone = rate(&mock.base, &token, 10_000).await;
        let waits: Vec<_> = (0..200)
            .map(|_| {
                let (client, url) = (client.clone(), format!("{}/_mock/requests/wait", mock.base));
                tokio::spawn(async move {
                    let never = r#"{"path": "/never", "timeout": 60}"#;
                    client.post(url).body(never).send().await.map(|r| r.status().as_u16())
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(500)).await;
        let beside = rate(&mock.base, &token, 10_000).await;
        for wait in waits {
            wait.abort();
        }
        ratios.push(beside / alone);
        rates.0.push(alone);
        rates.1.push(beside);
    }
    format!(
        "{:.0} req/s beside 200 waits, {:.0} alone: {:.2}x (median of {})",
        median(rates.1),
        median(rates.0),
        median(ratios),
        runs()
    )
}

/// One chunked upload of `total` bytes: its status line.
async fn chunked_upload(address: String, token: String, total: usize) -> String {
    let Ok(mut stream) = TcpStream::connect(&address).await else { return "no connection".into() };
    let head = format!(
        "POST /Integra/resources/Dialers/uploadbase HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {token}\r\n\
         Transfer-Encoding: chunked\r\n\r\n8\r\nfileb64=\r\n"
    );
    if stream.write_all(head.as_bytes()).await.is_err() {
        return "refused".into();
    }
    let (mut reader, mut writer) = stream.into_split();
    let sender = tokio::spawn(async move {
        let mut framed = format!("{:x}\r\n", MIB).into_bytes();
        framed.extend(std::iter::repeat_n(b'A', MIB));
        framed.extend_from_slice(b"\r\n");
        let mut sent = 0;
        while sent < total && writer.write_all(&framed).await.is_ok() {
            sent += MIB;
        }
        let _ = writer.write_all(b"0\r\n\r\n").await;
    });
    let mut answer = Vec::new();
    let mut buffer = [0u8; 1024];
    while !answer.contains(&b'\n') {
        match tokio::time::timeout(Duration::from_secs(120), reader.read(&mut buffer)).await {
            Ok(Ok(n)) if n > 0 => answer.extend_from_slice(&buffer[..n]),
            _ => break,
        }
    }
    drop(reader);
    let _ = sender.await;
    let line = String::from_utf8_lossy(&answer).lines().next().unwrap_or_default().to_string();
    line.split_whitespace().nth(1).unwrap_or("no answer").to_string()
}

/// 4. Four over-limit chunked uploads at once.
async fn chunked(binary: &Path) -> String {
    let mock = Mock::start(binary, None, &[]);
    let client = reqwest::Client::new();
    let token = login(&client, &mock.base).await.expect("a token");
    let before = mock.memory("VmRSS");
    let uploads: Vec<_> =
        (0..4).map(|_| tokio::spawn(chunked_upload(address(&mock), token.clone(), 300 * MIB))).collect();
    let mut statuses = Vec::new();
    for upload in uploads {
        statuses.push(upload.await.unwrap_or_default());
    }
    let peak = mock.memory("VmHWM") - before;
    tokio::time::sleep(Duration::from_secs(15)).await;
    let later = mock.memory("VmRSS") - before;
    format!("answered {}; peak RSS +{peak:.0} MiB, +{later:.0} MiB 15 s later", statuses.join(" "))
}

/// 5. 1,100 event streams under `ulimit -n 1024`.
async fn streams(binary: &Path) -> String {
    let mock = Mock::start(binary, Some("ulimit -n 1024"), &[]);
    let address = address(&mock);
    let mut open = Vec::new();
    for _ in 0..1_100 {
        let Ok(mut stream) = TcpStream::connect(&address).await else { break };
        let _ = stream.write_all(b"GET /_mock/events HTTP/1.1\r\nHost: x\r\n\r\n").await;
        let _ = read_until(&mut stream, "\r\n\r\n", Duration::from_secs(2)).await;
        open.push(stream);
    }
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("a client");
    let served = client.get(format!("{}/_mock/state/campaigns", mock.base)).send().await.map(|r| r.status().as_u16());
    // A stream is over when it was told `event: shed` or its connection closed; a shed stream's
    // connection stays open, idle, until its header timeout or until room is needed.
    let mut streaming = 0;
    for stream in &mut open {
        let seen = read_until(stream, "event: shed", Duration::from_millis(20)).await;
        if !seen.contains("event: shed") && !closed(stream, Duration::from_millis(1)).await {
            streaming += 1;
        }
    }
    let served = served.map_or("no answer in 10 s".to_string(), |s| format!("a new client answered {s}"));
    format!("{streaming} of 1,100 streams still streaming; {served}")
}

/// 6. Every default recording fetched twice: server CPU seconds per pass.
async fn recordings(binary: &Path) -> String {
    let mock = Mock::start(binary, None, &[]);
    let client = reqwest::Client::new();
    let list: Value = client
        .get(format!("{}/_mock/state/recordings", mock.base))
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("JSON");
    let list = list.as_array().cloned().unwrap_or_default();
    let mut passes = Vec::new();
    for _ in 0..2 {
        let cpu = mock.cpu_seconds();
        let mut bytes = 0;
        for recording in &list {
            let path = recording["path"].as_str().unwrap_or_default();
            let host = if recording["host"] == "backup" { &mock.backup } else { &mock.base };
            if let Ok(reply) = client.get(format!("{host}{path}")).send().await {
                bytes += reply.bytes().await.map_or(0, |b| b.len());
            }
        }
        passes.push((mock.cpu_seconds() - cpu, bytes));
    }
    let shown: Vec<String> =
        passes.iter().map(|(cpu, bytes)| format!("{cpu:.1} CPU s ({} MB)", bytes / 1_000_000)).collect();
    format!("{} recordings: first pass {}, second pass {}", list.len(), shown[0], shown[1])
}

/// 7. The soak: per-minute CPU and memory under a constant mixed load.
async fn soak(binary: &Path) -> String {
    let minutes: u64 = std::env::var("SOAK_MINUTES").ok().and_then(|m| m.parse().ok()).unwrap_or(3);
    let dir = temp_dir("soak");
    let db = dir.join("mock.db");
    let mock = Mock::start(binary, None, &["--db", db.to_str().expect("a path"), "--clock", "real", "--traffic", "on"]);
    let client = reqwest::Client::new();
    let token = login(&client, &mock.base).await.expect("a token");
    let base = mock.base.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // 8 clients, 25 requests a second each, round the mix.
    let load: Vec<_> = (0..8)
        .map(|w| {
            let (client, base, token, stop) = (client.clone(), base.clone(), token.clone(), stop.clone());
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_millis(40));
                let mut n = w;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    tick.tick().await;
                    n += 8;
                    let _ = mixed(&client, &base, &token, n).await;
                }
            })
        })
        .collect();
    let mut minutes_seen = Vec::new();
    for _ in 0..minutes {
        let cpu = mock.cpu_seconds();
        tokio::time::sleep(Duration::from_secs(60)).await;
        minutes_seen.push(format!("{:.1} s / {:.0} MiB", mock.cpu_seconds() - cpu, mock.memory("VmRSS")));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    futures_util::future::join_all(load).await;
    drop(mock);
    let _ = std::fs::remove_dir_all(&dir);
    format!("CPU / RSS by minute at 200 req/s: {}", minutes_seen.join(", "))
}

/// Request `n` of the soak's mix: an integrator's routes, a dashboard's reads, a test's journal.
async fn mixed(client: &reqwest::Client, base: &str, token: &str, n: usize) -> Result<(), reqwest::Error> {
    let integra = |route: &str| {
        client
            .post(format!("{base}/Integra/resources/{route}"))
            .header("authorization", format!("Basic {token}"))
            .header("content-type", "application/x-www-form-urlencoded")
    };
    let pick = n % 14;
    let request = match pick {
        0 => client.post(format!("{base}/Integra/resources/auth/getUserToken")).body(LOGIN),
        1 | 2 => integra("Supervisor/queuesummary"),
        3 | 4 => integra("Supervisor/campaignstatus").body("queue=Out%3C-"),
        5 => integra("Cdr/getrecords").body("searchLimit=50"),
        6 => integra("admin/addblack")
            .body(format!("blacklist=%7B%22phone%22%3A%2209{n:07}%22%2C%22campaign%22%3A%22*%22%7D")),
        7 => integra("Agents/AgentCall").body(format!(
            "callerid=1001&agent=Agente1&phone=1001&tech=SIP&context=agentes&outqueue=test-%3E&destination=0991{:05}",
            n % 100_000
        )),
        8 => integra("Agents/HangupPhone").body("phone=1001"),
        9 => client.get(format!("{base}/_mock/state/agents")),
        10 => client.get(format!("{base}/_mock/state/calls")),
        11 | 12 => client.get(format!("{base}/_mock/overview")),
        _ => client.get(format!("{base}/_mock/requests")),
    };
    request.send().await?.bytes().await.map(|_| ())
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("exhaustion: run with `cargo bench --bench exhaustion`");
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    let _ = rlimit::increase_nofile_limit(8_192);
    let scenarios = [
        ("attack", "1,100 trickling logins and 2,000 hung up on, twice, ulimit -n 1024"),
        ("trickle", "200 logins a byte a second"),
        ("waiters", "queuesummary beside 200 open requests/wait"),
        ("chunked", "4 chunked uploads of 300 MiB at once"),
        ("streams", "1,100 event streams, ulimit -n 1024"),
        ("recordings", "every default recording, fetched twice"),
        ("soak", "the default start under 200 req/s of a mixed load"),
    ];
    common::table("EXHAUSTION_BEFORE", &scenarios, wanted, |key, binary| {
        runtime.block_on(async {
            match key {
                "attack" => attack(binary).await,
                "trickle" => trickle(binary).await,
                "waiters" => waiters(binary).await,
                "chunked" => chunked(binary).await,
                "streams" => streams(binary).await,
                "recordings" => recordings(binary).await,
                _ => soak(binary).await,
            }
        })
    });
}
