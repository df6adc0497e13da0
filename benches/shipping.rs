//! Benchmark: the figures a team checks before adopting the mock, each beside its reference
//! measured in the same run. Run with `cargo bench --bench shipping` (it builds the release binary
//! and the bare axum server of `benches/bare_axum.rs` first); `SHIPPING_RUNS=N` sets the runs per
//! median (default 5), `SHIPPING_SOAK_S=N` the mixed-load soak (default 60 s), and
//! `SHIPPING_ONLY=startup,throughput,instructions,coverage,getrecords,upload,memory,instances` the sections measured; `SHIPPING_MOCK=path` measures
//! another build of the mock (an earlier commit's) beside the same reference.
//!
//! 1. Start-up to the first 200 of `/_mock/health` over an existing data file, against the bare
//!    server (target: at most 5x); the default start over a new file (3x), the CI setting (2x) and
//!    the CI setting without `--seed` (3x).
//! 2. Keep-alive throughput with 32 connections of `Supervisor/queuesummary` and `admin/addblack`,
//!    against the bare server answering one route (targets: at least 60% and 30% of its rate, in
//!    every run); the same two with `/_mock/coverage` counting against `--coverage off`, the same
//!    binary side by side (target: at least 97%).
//!    `SHIPPING_ONLY=instructions`: the instructions each of those requests costs the server, by
//!    callgrind (valgrind), beside the bare server's: stable where the rates are not.
//! 3. `Cdr/getrecords` with a campaign and date filter over 1,000,000 CDRs (target: p99 <= 20 ms).
//! 4. `Dialers/uploadbase` of 1,000,000 records until its report says done, against the `sqlite3`
//!    shell's `.import` of the same rows into a table of the spool's shape (target: at least 50%).
//! 5. Memory: idle over a data file and over a new one (target: at most 15 MB), and after 10 s and 60 s of mixed load (within 10%).
//! 6. Instances: a login naming a new instance, to its answer (target: median at most 0.5 ms, p99
//!    2 ms), beside a login to one that exists; the memory of 1,000 idle instances (target: at most
//!    250 KB each, 300 MB RSS in all), in memory and in files.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const CONNECTIONS: usize = 32;
const LOAD_SECONDS: f64 = 3.0;
const CDRS: usize = 1_000_000;
const RECORDS: usize = 1_000_000;
/// New instances the instance section makes (the issue's thousand).
const INSTANCES: usize = 1000;

fn runs() -> usize {
    std::env::var("SHIPPING_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(5)
}

/// Whether to measure `section` (`SHIPPING_ONLY=throughput,upload` measures those only).
fn wanted(section: &str) -> bool {
    std::env::var("SHIPPING_ONLY").map_or(true, |only| only.split(',').any(|s| s.trim() == section))
}

/// The `share` percentile of `values` (0.99: the p99).
fn percentile(mut values: Vec<f64>, share: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    values[((values.len() as f64 * share).ceil() as usize).clamp(1, values.len()) - 1]
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// A server process and the address it printed.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(program: &Path, args: &[&str]) -> Self {
        let mut child = Command::new(program)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", program.display()));
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("a banner");
        let addr = line
            .split_whitespace()
            .find_map(|w| w.strip_prefix("main=http://"))
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        Self { child, addr }
    }

    /// Resident memory, MB (Linux).
    fn rss_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        let kb: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0);
        kb / 1024.0
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One keep-alive HTTP/1.1 connection that sends a request and reads the whole answer.
struct Connection {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl Connection {
    async fn open(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect(addr).await.expect("a connection");
        stream.set_nodelay(true).expect("nodelay");
        Self { stream, buffer: Vec::with_capacity(16 * 1024) }
    }

    /// Sends `request`; answers the status and the body.
    async fn send(&mut self, request: &[u8]) -> (u16, Vec<u8>) {
        self.stream.write_all(request).await.expect("sent");
        self.buffer.clear();
        let mut chunk = [0u8; 16 * 1024];
        loop {
            let n = self.stream.read(&mut chunk).await.expect("read");
            assert!(n > 0, "the server closed the connection");
            self.buffer.extend_from_slice(&chunk[..n]);
            if let Some(end) = self.buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buffer[..end]).to_ascii_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .expect("a content-length");
                while self.buffer.len() < end + 4 + length {
                    let n = self.stream.read(&mut chunk).await.expect("read");
                    assert!(n > 0, "the server closed the connection");
                    self.buffer.extend_from_slice(&chunk[..n]);
                }
                let status = head[9..12].parse().expect("a status");
                return (status, self.buffer[end + 4..end + 4 + length].to_vec());
            }
        }
    }
}

fn form_request(addr: SocketAddr, route: &str, token: &str, body: &str) -> Vec<u8> {
    format!(
        "POST /Integra/resources/{route} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Basic {token}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn encode(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

/// Requests a second over `CONNECTIONS` keep-alive connections for `LOAD_SECONDS`; `make(n)` is
/// the n-th request; every answer must be 200 with `expect(body)`.
async fn throughput(
    addr: SocketAddr,
    make: Arc<dyn Fn(u64) -> Vec<u8> + Send + Sync>,
    expect: fn(&[u8]) -> bool,
) -> f64 {
    let counter = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let (counter, stop, make) = (counter.clone(), stop.clone(), make.clone());
        tasks.push(tokio::spawn(async move {
            let mut connection = Connection::open(addr).await;
            let mut done = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let (status, body) = connection.send(&make(n)).await;
                assert!(status == 200 && expect(&body), "{status} {}", String::from_utf8_lossy(&body));
                done += 1;
            }
            done
        }));
    }
    let began = Instant::now();
    tokio::time::sleep(Duration::from_secs_f64(LOAD_SECONDS)).await;
    stop.store(true, Ordering::Relaxed);
    let mut done = 0;
    for task in tasks {
        done += task.await.expect("a load task");
    }
    done as f64 / began.elapsed().as_secs_f64()
}

/// Requests counted per server by callgrind, after as many to warm it up.
const COUNTED: u64 = 2_000;

/// The instructions `program` runs per request `make(addr, token, n)` under callgrind (a token
/// from a login first when `login`).
async fn instructions(
    program: &Path,
    args: &[&str],
    dir: &Path,
    login: bool,
    make: impl Fn(SocketAddr, &str, u64) -> Vec<u8>,
) -> f64 {
    static RUN: AtomicU64 = AtomicU64::new(0);
    let out = dir.join(format!("callgrind.{}", RUN.fetch_add(1, Ordering::Relaxed)));
    let out_arg = format!("--callgrind-out-file={}", out.display());
    let program = program.to_str().expect("a UTF-8 path");
    let mut vargs = vec!["--tool=callgrind", out_arg.as_str(), program];
    vargs.extend_from_slice(args);
    let server = Server::start(Path::new("valgrind"), &vargs);
    let token = if login { token(server.addr).await } else { String::new() };
    let mut connection = Connection::open(server.addr).await;
    let control = |command: &str| {
        let done = Command::new("callgrind_control").args([command, &server.child.id().to_string()]).output();
        assert!(done.is_ok_and(|o| o.status.success()), "callgrind_control {command}");
    };
    for n in 0..COUNTED {
        assert_eq!(connection.send(&make(server.addr, &token, n)).await.0, 200);
    }
    control("-z");
    for n in COUNTED..2 * COUNTED {
        assert_eq!(connection.send(&make(server.addr, &token, n)).await.0, 200);
    }
    control("-d");
    let dump = std::fs::read_to_string(format!("{}.1", out.display())).expect("callgrind's dump");
    let total: f64 = dump
        .lines()
        .find_map(|l| l.strip_prefix("summary: "))
        .and_then(|n| n.trim().parse().ok())
        .expect("a summary line");
    drop(server);
    total / COUNTED as f64
}

/// Seconds from spawning `program` to its first 200 on `/_mock/health`.
fn startup(program: &Path, args: &[&str]) -> f64 {
    let began = Instant::now();
    let server = Server::start(program, args);
    loop {
        if let Ok(mut stream) = std::net::TcpStream::connect(server.addr) {
            use std::io::{Read, Write};
            let _ = stream.write_all(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            let mut head = [0u8; 12];
            if stream.read_exact(&mut head).is_ok() && &head[9..12] == b"200" {
                return began.elapsed().as_secs_f64();
            }
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

fn mock_args<'a>(db: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["--listen", "127.0.0.1:0", "--backup-listen", "127.0.0.1:0", "--db", db, "--seed", "7"];
    args.extend_from_slice(extra);
    args
}

async fn token(addr: SocketAddr) -> String {
    let mut connection = Connection::open(addr).await;
    let body = encode(&[("user", "admin"), ("password", "admin")]);
    let request = format!(
        "POST /Integra/resources/auth/getUserToken HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let (_, answer) = connection.send(request.as_bytes()).await;
    let value: serde_json::Value = serde_json::from_slice(&answer).expect("a login answer");
    value[2].as_str().expect("a token").to_string()
}

/// Fills the CDR table of a stopped mock's database with `CDRS` rows over 100 days and 4 campaigns.
async fn fill_cdrs(db: &Path) {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", db.display())).await.expect("the database");
    let campaigns = ["Out<-", "Campaign", "Ventas->", "Power<-"];
    let mut tx = pool.begin().await.expect("a transaction");
    for chunk in 0..CDRS / 500 {
        let mut query = String::from(
            "INSERT INTO cdrs (calldate, clid, src, dst, dcontext, channel, dstchannel, lastapp, lastdata, duration, billsec, disposition, amaflags, accountcode, userfield, uniqueid, type, guid, causecode, campaign, direction, carrier, linkedid, peeraccount, sequence, charged_balance, real_balance, note, contact, finishtime, rating, dialerbase, parandvalues, alternatives, quality) VALUES ",
        );
        for i in 0..500 {
            let n = chunk * 500 + i;
            let campaign = campaigns[n % 4];
            let day = 1 + (n / 10_000) % 28;
            let month = 1 + n / 280_000;
            let at = format!("2025-{month:02}-{day:02} {:02}:{:02}:{:02}", 8 + n % 10, n % 60, (n / 60) % 60);
            if i > 0 {
                query.push(',');
            }
            query.push_str(&format!(
                "('{at}', '\"{campaign}\" <099{n:06}>', '099{n:06}', '33334444', 'inbound', 'SIP/099-{n:08x}', 'SIP/1001-{n:08x}', 'Queue', '{campaign},tkc,,,600,,,functions,,', 60, 55, 'ANSWERED', 3, 'Inbound', NULL, '{n}.0', 'record', '00000000-0000-4000-8000-{n:012}', '16', '{campaign}', 'inbound', '099', '{n}.0', 'Agente1', 0, NULL, NULL, NULL, NULL, '{at}', 0, NULL, NULL, NULL, 0)"
            ));
        }
        sqlx::query(sqlx::AssertSqlSafe(query)).execute(&mut *tx).await.expect("CDRs");
    }
    tx.commit().await.expect("committed");
    pool.close().await;
}

/// The base file of the upload benchmark.
fn base_file() -> String {
    (1..=RECORDS).map(|i| format!("Ventas->;099{i:07};id={i};;;\n")).collect()
}

/// `sqlite3`'s `.import` of the same rows into a table of the spool's shape (its columns and
/// indexes), records a second; `None` without the `sqlite3` shell.
/// The `sqlite3` shell's script that loads the base's rows (written to `dir`) into a table of the
/// spool's shape (read from `schema_db`, the mock's database); `None` without the shell.
fn import_script(dir: &Path, schema_db: &Path) -> Option<String> {
    let schema = Command::new("sqlite3").arg(schema_db).arg(".schema spool").output().ok()?;
    if !schema.status.success() {
        return None;
    }
    let schema = String::from_utf8_lossy(&schema.stdout).to_string();
    let columns = "campaign;destination;alternatives;data;status;retries;priority;contact;dialerbase;agentphone;source;state;created_at;updated_at";
    let rows: String = (1..=RECORDS)
        .map(|i| format!("Ventas->;099{i:07};;id={i};1;0;100;{i};base.txt;;upload;pending;2026-01-05 09:00:00;2026-01-05 09:00:00\n"))
        .collect();
    std::fs::write(dir.join("rows.csv"), format!("{columns}\n{rows}")).ok()?;
    Some(format!(
        "PRAGMA journal_mode=WAL;\nPRAGMA synchronous=NORMAL;\n{schema}\nCREATE TABLE incoming ({});\n.mode csv\n.separator ;\n.import --skip 1 {} incoming\nINSERT INTO spool ({}) SELECT * FROM incoming;\n",
        columns.replace(';', ", "),
        dir.join("rows.csv").display(),
        columns.replace(';', ", ")
    ))
}

/// Writes out what the kernel still holds of the last run's files, so it does not slow the next.
fn settle_disk() {
    let _ = Command::new("sync").status();
}

/// Deletes a database and its WAL files.
fn remove_database(db: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}

/// Records a second the `sqlite3` shell loads at, running `script` into a new database `db`.
fn sqlite_import(script: &str, db: &Path) -> Option<f64> {
    let began = Instant::now();
    let mut shell = Command::new("sqlite3").arg(db).stdin(Stdio::piped()).stdout(Stdio::null()).spawn().ok()?;
    use std::io::Write;
    shell.stdin.take()?.write_all(script.as_bytes()).ok()?;
    if !shell.wait().ok()?.success() {
        return None;
    }
    Some(RECORDS as f64 / began.elapsed().as_secs_f64())
}

fn main() {
    // `cargo test --all-targets` runs benches too, without `--bench`: this one takes minutes and
    // means nothing in a debug build, so it only runs under `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        println!("shipping: run with `cargo bench --bench shipping`");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The binaries under test, built in a target folder of their own: sharing the bench's would
    // rebuild the dependencies each run (the two builds unify features differently).
    let binaries = target_dir().join("shipping-bench");
    let built = Command::new(env!("CARGO"))
        .args(["build", "--release", "--locked", "--bin", "ucontact-mock", "--example", "bare-axum"])
        .env("CARGO_TARGET_DIR", &binaries)
        .current_dir(root)
        .status()
        .expect("cargo");
    assert!(built.success(), "the release binaries build");
    // `SHIPPING_MOCK=path` measures another build of the mock (an earlier commit's, say) against the
    // same reference.
    let mock = std::env::var_os("SHIPPING_MOCK")
        .filter(|path| !path.is_empty())
        .map_or_else(|| binaries.join("release/ucontact-mock"), PathBuf::from);
    let bare = binaries.join("release/examples/bare-axum");
    let dir = tempfile::tempdir().expect("a scratch folder");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    let runs = runs();
    let mut table: Vec<(String, String, String, String)> = Vec::new();
    let ci = ["--clock", "manual", "--traffic", "off"];
    let mut row = |what: &str, value: String, reference: String, verdict: String| {
        table.push((what.to_string(), value, reference, verdict));
    };

    if wanted("startup") {
        // 1. Start-up. Each round starts the bare server and then the mock four ways, so the ratios
        // are taken within a round (this machine's speed drifts): over an existing data file (target
        // 5x); the default start, a new data file under the real clock and no seed, whose world is
        // made at each start (its history is dated from the moment of the start; target 3x);
        // `--db :memory:` with the CI flags, whose world's image the first start made and later
        // ones read (target 2x); and the same without `--seed`, a world drawn anew each time from
        // the fixtures' kept base image (target 3x).
        let existing = dir.path().join("existing.db");
        let existing_db = existing.to_str().unwrap();
        startup(&mock, &mock_args(existing_db, &[]));
        let unseeded = ["--listen", "127.0.0.1:0", "--backup-listen", "127.0.0.1:0", "--db", ":memory:"];
        let unseeded: Vec<&str> = unseeded.into_iter().chain(ci).collect();
        let rounds: Vec<[f64; 5]> = (0..runs * 3)
            .map(|i| {
                let fresh = dir.path().join(format!("fresh{i}.db"));
                let default = ["--listen", "127.0.0.1:0", "--backup-listen", "127.0.0.1:0", "--db"];
                let default: Vec<&str> = default.into_iter().chain([fresh.to_str().unwrap()]).collect();
                [
                    startup(&bare, &[]),
                    startup(&mock, &mock_args(existing_db, &[])),
                    startup(&mock, &default),
                    startup(&mock, &mock_args(":memory:", &ci)),
                    startup(&mock, &unseeded),
                ]
            })
            .collect();
        let bare_start = median(rounds.iter().map(|r| r[0]).collect());
        row(
            "start-up to the first 200, bare axum (reference)",
            format!("{:.1} ms", bare_start * 1e3),
            String::new(),
            String::new(),
        );
        for (column, what) in [
            (1, "start-up, the demo world in its data file"),
            (2, "the default start: a new data file, real clock, no --seed (the world made first)"),
            (3, "fresh start: --db :memory:, the CI setting (the world's image read)"),
            (4, "fresh start: the CI setting without --seed (a world of its own made)"),
        ] {
            let value = median(rounds.iter().map(|r| r[column]).collect());
            let ratio = median(rounds.iter().map(|r| r[column] / r[0]).collect());
            let verdict = match (column, ratio) {
                (1, r) if r <= 5.0 => "<= 5x: met",
                (1, _) => "<= 5x: NOT met",
                (2 | 4, r) if r <= 3.0 => "<= 3x: met",
                (2 | 4, _) => "<= 3x: NOT met",
                (3, r) if r <= 2.0 => "<= 2x: met",
                (3, _) => "<= 2x: NOT met",
                _ => unreachable!("every column has its target"),
            };
            row(what, format!("{:.1} ms", value * 1e3), format!("{ratio:.2}x"), verdict.into());
        }
    }

    if wanted("throughput") {
        // 2. Keep-alive throughput, 32 connections. Both servers run side by side and each run
        // measures the mock and the bare server back to back: the ratios are taken per run, so a
        // machine that speeds up or slows down between runs does not skew them.
        let (queuesummary, addblack, bare_rate, summary_share, addblack_share) = runtime.block_on(async {
            let server = Server::start(&mock, &mock_args(dir.path().join("load.db").to_str().unwrap(), &ci));
            let reference = Server::start(&bare, &[]);
            let (addr, raddr) = (server.addr, reference.addr);
            let token = token(addr).await;
            let (t1, t2) = (token.clone(), token.clone());
            let summary: Arc<dyn Fn(u64) -> Vec<u8> + Send + Sync> =
                Arc::new(move |_| form_request(addr, "Supervisor/queuesummary", &t1, ""));
            let blacklist: Arc<dyn Fn(u64) -> Vec<u8> + Send + Sync> = Arc::new(move |n| {
                let entry = format!(r#"{{"phone":"09{n:08}","campaign":"*"}}"#);
                form_request(addr, "admin/addblack", &t2, &encode(&[("blacklist", &entry)]))
            });
            let plain: Arc<dyn Fn(u64) -> Vec<u8> + Send + Sync> =
                Arc::new(move |_| form_request(raddr, "Supervisor/queuesummary", "x", ""));
            let is_json: fn(&[u8]) -> bool = |b| b.starts_with(b"[");
            let is_one: fn(&[u8]) -> bool = |b| b == b"1";
            let (mut summaries, mut additions, mut bares, mut summary_shares, mut addblack_shares) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for _ in 0..runs {
                let bare_rate = throughput(raddr, plain.clone(), is_json).await;
                let summary_rate = throughput(addr, summary.clone(), is_json).await;
                let addblack_rate = throughput(addr, blacklist.clone(), is_one).await;
                summary_shares.push(summary_rate / bare_rate);
                addblack_shares.push(addblack_rate / bare_rate);
                summaries.push(summary_rate);
                additions.push(addblack_rate);
                bares.push(bare_rate);
            }
            drop((server, reference));
            (median(summaries), median(additions), median(bares), summary_shares, addblack_shares)
        });
        row(
            "keep-alive, 32 connections, bare axum (reference)",
            format!("{bare_rate:.0} req/s"),
            String::new(),
            String::new(),
        );
        // The target holds in every run: the lowest share is judged, beside the median.
        let share = |shares: Vec<f64>, at_least: f64| {
            let lowest = shares.iter().copied().fold(f64::INFINITY, f64::min);
            let verdict = if lowest >= at_least { "met" } else { "NOT met" };
            (
                format!("{:.0}% (lowest run {:.0}%)", median(shares) * 100.0, lowest * 100.0),
                format!(">= {:.0}% in every run: {verdict}", at_least * 100.0),
            )
        };
        let (s, v) = share(summary_share, 0.6);
        row("Supervisor/queuesummary", format!("{queuesummary:.0} req/s"), s, v);
        let (s, v) = share(addblack_share, 0.3);
        row("admin/addblack (a durable write each)", format!("{addblack:.0} req/s"), s, v);
    }

    if wanted("instructions") {
        // 2b. Instructions per request, counted by callgrind: each server runs under valgrind,
        // its counts zeroed after a warm-up and dumped after `COUNTED` requests on one keep-alive
        // connection. What the kernel does for the connection is not counted (the same for both).
        if Command::new("valgrind").arg("--version").output().is_ok_and(|o| o.status.success()) {
            let (bare_n, summary_n, addblack_n) = runtime.block_on(async {
                let plain = |addr: SocketAddr, _: &str, _: u64| form_request(addr, "Supervisor/queuesummary", "x", "");
                let summary =
                    |addr: SocketAddr, token: &str, _: u64| form_request(addr, "Supervisor/queuesummary", token, "");
                let blacklist = |addr: SocketAddr, token: &str, n: u64| {
                    let entry = format!(r#"{{"phone":"08{n:08}","campaign":"*"}}"#);
                    form_request(addr, "admin/addblack", token, &encode(&[("blacklist", &entry)]))
                };
                let db = dir.path().join("instructions.db");
                let args = mock_args(db.to_str().unwrap(), &ci);
                let bare_n = instructions(&bare, &[], dir.path(), false, plain).await;
                let summary_n = instructions(&mock, &args, dir.path(), true, summary).await;
                let addblack_n = instructions(&mock, &args, dir.path(), true, blacklist).await;
                (bare_n, summary_n, addblack_n)
            });
            row(
                "instructions per request, bare axum (reference)",
                format!("{bare_n:.0}"),
                String::new(),
                String::new(),
            );
            for (what, n) in [("Supervisor/queuesummary", summary_n), ("admin/addblack", addblack_n)] {
                row(
                    &format!("instructions per request, {what}"),
                    format!("{n:.0}"),
                    format!("{:.1}x bare", n / bare_n),
                    String::new(),
                );
            }
        } else {
            row("instructions per request", "valgrind not found: NOT measured".into(), String::new(), String::new());
        }
    }

    if wanted("coverage") {
        // 2c. What counting for /_mock/coverage costs: the same binary with --coverage on and off,
        // side by side, each run measuring both back to back (target: on keeps at least 97% of
        // off's rate, median of the runs; `SHIPPING_RUNS` of at least 9 for a spread this small).
        let (summary_shares, addblack_shares) = runtime.block_on(async {
            let on = Server::start(&mock, &mock_args(dir.path().join("cov-on.db").to_str().unwrap(), &ci));
            let off_args: Vec<&str> = ci.iter().copied().chain(["--coverage", "off"]).collect();
            let off = Server::start(&mock, &mock_args(dir.path().join("cov-off.db").to_str().unwrap(), &off_args));
            let mut shares = (Vec::new(), Vec::new());
            let (on_token, off_token) = (token(on.addr).await, token(off.addr).await);
            for run in 0..runs {
                let mut rates = [[0.0; 2]; 2];
                // Each run measures on and off back to back, in turns first, so a drift within a
                // run favours neither.
                let mut servers = vec![(0, on.addr, on_token.clone()), (1, off.addr, off_token.clone())];
                if run % 2 == 1 {
                    servers.reverse();
                }
                for (i, addr, token) in servers {
                    let t = token.clone();
                    let summary: Arc<dyn Fn(u64) -> Vec<u8> + Send + Sync> =
                        Arc::new(move |_| form_request(addr, "Supervisor/queuesummary", &t, ""));
                    let blacklist: Arc<dyn Fn(u64) -> Vec<u8> + Send + Sync> = Arc::new(move |n| {
                        let entry = format!(r#"{{"phone":"08{n:08}","campaign":"*"}}"#);
                        form_request(addr, "admin/addblack", &token, &encode(&[("blacklist", &entry)]))
                    });
                    rates[i][0] = throughput(addr, summary, |b| b.starts_with(b"[")).await;
                    rates[i][1] = throughput(addr, blacklist, |b| b == b"1").await;
                }
                shares.0.push(rates[0][0] / rates[1][0]);
                shares.1.push(rates[0][1] / rates[1][1]);
            }
            drop((on, off));
            shares
        });
        for (what, shares) in [
            ("queuesummary with coverage counted, beside --coverage off", summary_shares),
            ("addblack with coverage counted, beside --coverage off", addblack_shares),
        ] {
            let share = median(shares.clone());
            let verdict = if share >= 0.97 { ">= 97%: met" } else { ">= 97%: NOT met" };
            let spread = format!(
                "{:.0}-{:.0}%",
                shares.iter().copied().fold(f64::INFINITY, f64::min) * 100.0,
                shares.iter().copied().fold(0.0, f64::max) * 100.0
            );
            row(what, format!("{:.1}%", share * 100.0), format!("runs {spread}"), verdict.into());
        }
    }

    if wanted("getrecords") {
        // 3. getrecords over a million CDRs.
        let cdr_db = dir.path().join("cdrs.db");
        let (p50, p99) = runtime.block_on(async {
            drop(Server::start(&mock, &mock_args(cdr_db.to_str().unwrap(), &ci)));
            fill_cdrs(&cdr_db).await;
            let server = Server::start(&mock, &mock_args(cdr_db.to_str().unwrap(), &ci));
            let token = token(server.addr).await;
            let mut connection = Connection::open(server.addr).await;
            let mut times = Vec::new();
            for i in 0..500 {
                let campaign = ["Out<-", "Campaign", "Ventas->", "Power<-"][i % 4];
                let day = 1 + i % 28;
                let filter = format!(
                    r#"{{"campaign":"{campaign}","calldatei":"2025-02-{day:02} 00:00:00","calldatef":"2025-02-{day:02} 23:59:59"}}"#
                );
                let request = form_request(server.addr, "Cdr/getrecords", &token, &encode(&[("filter", &filter), ("searchLimit", "100")]));
                let began = Instant::now();
                let (status, body) = connection.send(&request).await;
                times.push(began.elapsed().as_secs_f64());
                assert!(status == 200 && body.starts_with(b"[{"), "getrecords: {status} {}", String::from_utf8_lossy(&body));
            }
            times.sort_by(f64::total_cmp);
            (times[times.len() / 2], times[times.len() * 99 / 100])
        });
        row(
            "Cdr/getrecords, campaign + one day, over 1,000,000 CDRs",
            format!("p50 {:.2} ms, p99 {:.2} ms", p50 * 1e3, p99 * 1e3),
            String::new(),
            if p99 <= 0.020 { "p99 <= 20 ms: met".into() } else { "p99 <= 20 ms: NOT met".into() },
        );
    }

    if wanted("upload") {
        // 4. uploadbase of a million records.
        let base = base_file();
        let fileb64 = base64::engine::general_purpose::STANDARD.encode(&base);
        let body = encode(&[("filename", "base.txt"), ("campaign", "Ventas->"), ("fileb64", &fileb64)]);
        // Each run uploads to the mock, then loads the same rows with the shell: the ratio is taken
        // within the run.
        let mut script = None;
        let mut rounds: Vec<(f64, Option<f64>)> = Vec::new();
        for run in 0..runs.min(3) {
            let db = dir.path().join(format!("upload{run}.db"));
            settle_disk();
            let rate = runtime.block_on(async {
                let server = Server::start(&mock, &mock_args(db.to_str().unwrap(), &ci));
                let token = token(server.addr).await;
                let mut connection = Connection::open(server.addr).await;
                let request = form_request(server.addr, "Dialers/uploadbase", &token, &body);
                let began = Instant::now();
                let (status, answer) = connection.send(&request).await;
                assert!(status == 200 && answer == b"1", "uploadbase: {status} {}", String::from_utf8_lossy(&answer));
                let state = format!("GET /_mock/state/uploads HTTP/1.1\r\nHost: {}\r\n\r\n", server.addr).into_bytes();
                loop {
                    let (_, uploads) = connection.send(&state).await;
                    let uploads: serde_json::Value = serde_json::from_slice(&uploads).expect("uploads");
                    if uploads[0]["status"] == "done" {
                        assert_eq!(uploads[0]["accepted"], RECORDS);
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                RECORDS as f64 / began.elapsed().as_secs_f64()
            });
            if run == 0 {
                script = import_script(dir.path(), &db);
            }
            remove_database(&db);
            settle_disk();
            let import = dir.path().join(format!("import{run}.db"));
            let reference = script.as_deref().and_then(|s| sqlite_import(s, &import));
            remove_database(&import);
            rounds.push((rate, reference));
        }
        let upload_rate = median(rounds.iter().map(|r| r.0).collect());
        let references: Vec<(f64, f64)> = rounds.iter().filter_map(|&(rate, r)| Some((rate, r?))).collect();
        if references.len() == rounds.len() {
            let reference = median(references.iter().map(|r| r.1).collect());
            row(
                "sqlite3 .import of the same rows, spool's shape (reference)",
                format!("{reference:.0} records/s"),
                String::new(),
                String::new(),
            );
            let s = median(references.iter().map(|(rate, reference)| rate / reference).collect());
            let verdict = if s >= 0.5 { ">= 50%: met" } else { ">= 50%: NOT met" };
            row(
                "Dialers/uploadbase, 1,000,000 records until done",
                format!("{upload_rate:.0} records/s"),
                format!("{:.0}%", s * 100.0),
                verdict.into(),
            );
        } else {
            row(
                "Dialers/uploadbase, 1,000,000 records until done",
                format!("{upload_rate:.0} records/s"),
                "no sqlite3 shell: apt install sqlite3".into(),
                String::new(),
            );
        }
    }

    if wanted("instances") {
        // 6. Instances: a test suite that gives each test its own instance. Each new instance is a
        // login naming it (`X-Mock-Instance`) on one keep-alive connection, timed to its answer,
        // beside a login to an instance that exists (the reference); then the memory the server
        // holds for them all, idle. In memory (the CI setting) and in files (the default).
        for (label, db) in
            [("in memory", ":memory:".to_string()), ("in files", dir.path().join("instances.db").display().to_string())]
        {
            let (create, reference, per_instance, total) = runtime.block_on(async {
                let server = Server::start(&mock, &mock_args(&db, &[&ci[..], &["--max-instances", "1100"]].concat()));
                let addr = server.addr;
                let mut connection = Connection::open(addr).await;
                let body = encode(&[("user", "admin"), ("password", "admin")]);
                let login = |instance: &str| {
                    format!(
                        "POST /Integra/resources/auth/getUserToken HTTP/1.1\r\nHost: {addr}\r\nX-Mock-Instance: {instance}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    )
                    .into_bytes()
                };
                // The first new instance makes the fresh world's image the others copy.
                for warm in ["default", "warm"] {
                    assert_eq!(connection.send(&login(warm)).await.0, 200);
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
                let before = server.rss_mb();
                let mut reference = Vec::new();
                let mut create = Vec::new();
                for i in 0..INSTANCES {
                    let began = Instant::now();
                    let (status, _) = connection.send(&login("default")).await;
                    reference.push(began.elapsed().as_secs_f64());
                    assert_eq!(status, 200);
                    let request = login(&format!("bench-{i}"));
                    let began = Instant::now();
                    let (status, body) = connection.send(&request).await;
                    create.push(began.elapsed().as_secs_f64());
                    assert!(status == 200 && body.starts_with(b"["), "{status} {}", String::from_utf8_lossy(&body));
                }
                tokio::time::sleep(Duration::from_secs(2)).await;
                let total = server.rss_mb();
                (create, reference, (total - before) * 1024.0 / INSTANCES as f64, total)
            });
            let (median_create, p99) = (median(create.clone()), percentile(create, 0.99));
            let median_reference = median(reference);
            row(
                &format!("new instance {label}: a login naming it, to its answer (median, p99 of {INSTANCES})"),
                format!("{:.2} ms, p99 {:.2} ms", median_create * 1e3, p99 * 1e3),
                format!(
                    "{:.1}x a login to one that exists ({:.2} ms)",
                    median_create / median_reference,
                    median_reference * 1e3
                ),
                if median_create <= 0.0005 && p99 <= 0.002 {
                    "<= 0.5 ms, p99 <= 2 ms: met".into()
                } else {
                    "<= 0.5 ms, p99 <= 2 ms: NOT met".into()
                },
            );
            row(
                &format!("idle instance {label}: memory each, and the server's RSS with {INSTANCES} more"),
                format!("{per_instance:.0} KB each, {total:.0} MB in all"),
                String::new(),
                if per_instance <= 250.0 && total <= 300.0 {
                    "<= 250 KB, <= 300 MB: met".into()
                } else {
                    "<= 250 KB, <= 300 MB: NOT met".into()
                },
            );
        }
    }

    if wanted("memory") {
        // 5. Memory: idle, then a mixed load.
        let (reopened, idle, at_10, at_end, soak) = runtime.block_on(async {
            // Idle over a data file it made before (how a server starts), then over a new one.
            let kept = dir.path().join("kept.db");
            drop(Server::start(&mock, &mock_args(kept.to_str().unwrap(), &[])));
            let server = Server::start(&mock, &mock_args(kept.to_str().unwrap(), &[]));
            tokio::time::sleep(Duration::from_secs(3)).await;
            let reopened = server.rss_mb();
            drop(server);
            let server = Server::start(&mock, &mock_args(dir.path().join("memory.db").to_str().unwrap(), &[]));
            tokio::time::sleep(Duration::from_secs(3)).await;
            let idle = server.rss_mb();
            let addr = server.addr;
            let token = token(addr).await;
            let soak: f64 = std::env::var("SHIPPING_SOAK_S").ok().and_then(|s| s.parse().ok()).unwrap_or(60.0);
            let stop = Arc::new(AtomicBool::new(false));
            let mut tasks = Vec::new();
            for client in 0..8u64 {
                let (stop, token) = (stop.clone(), token.clone());
                tasks.push(tokio::spawn(async move {
                    let mut connection = Connection::open(addr).await;
                    let mut n = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        n += 1;
                        let number = format!("08{client}{n:08}");
                        let request = match n % 5 {
                            0 => form_request(
                                addr,
                                "admin/addblack",
                                &token,
                                &encode(&[("blacklist", &format!(r#"{{"phone":"{number}","campaign":"*"}}"#))]),
                            ),
                            1 => form_request(
                                addr,
                                "Dialers/Respool",
                                &token,
                                &encode(&[(
                                    "callspool",
                                    &format!(r#"{{"campaign":"Sales->","destination":"{number}"}}"#),
                                )]),
                            ),
                            2 => form_request(addr, "Cdr/getrecords", &token, &encode(&[("searchLimit", "50")])),
                            3 => {
                                form_request(addr, "Supervisor/campaignstatus", &token, &encode(&[("queue", "Out<-")]))
                            }
                            _ => form_request(addr, "Supervisor/queuesummary", &token, ""),
                        };
                        let (status, _) = connection.send(&request).await;
                        assert_eq!(status, 200);
                    }
                }));
            }
            tokio::time::sleep(Duration::from_secs_f64(soak.min(10.0))).await;
            let at_10 = server.rss_mb();
            tokio::time::sleep(Duration::from_secs_f64((soak - 10.0).max(0.0))).await;
            let at_end = server.rss_mb();
            stop.store(true, Ordering::Relaxed);
            for task in tasks {
                task.await.expect("a load task");
            }
            (reopened, idle, at_10, at_end, soak)
        });
        row(
            "memory, idle over its data file (the demo world, traffic on)",
            format!("{reopened:.1} MB"),
            String::new(),
            if reopened <= 15.0 { "<= 15 MB: met".into() } else { "<= 15 MB: NOT met".into() },
        );
        row(
            "memory, idle, the world made at start (a new data file)",
            format!("{idle:.1} MB"),
            String::new(),
            if idle <= 15.0 { "<= 15 MB: met".into() } else { "<= 15 MB: NOT met".into() },
        );
        let growth = at_end / at_10 - 1.0;
        row(
            &format!("memory after {soak:.0} s of mixed load (8 clients) vs after 10 s"),
            format!("{at_end:.1} MB vs {at_10:.1} MB"),
            format!("{:+.1}%", growth * 100.0),
            if growth <= 0.10 { "within 10%: met".into() } else { "within 10%: NOT met".into() },
        );
    }

    println!("shipping benchmarks, medians of {runs} runs (start-up: {} runs), two cores", runs * 3);
    println!();
    println!("| measure | value | vs reference | target |");
    println!("|---|---:|---:|---|");
    for (what, value, reference, verdict) in table {
        println!("| {what} | {value} | {reference} | {verdict} |");
    }
}
