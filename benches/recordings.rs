//! Benchmark: recordings. Run with `cargo bench --bench recordings`.
//!
//! 1. Converting a 10-minute GSM recording to MP3 (target: at most 1 s, median): the codec steps
//!    alone, then `Supervisor/convert` over HTTP on a live server: warm (its GSM served once, as
//!    an integrator who found it would have) and cold (the mock makes the GSM first).
//! 2. Serving a 10-minute MP3 over one keep-alive connection, streamed in fixed 64 KiB pieces,
//!    beside a bare axum server answering the same bytes from memory in one piece (the reference).

use std::time::Instant;

use ucontact_mock::audio::{gsm, mp3, synth};
use ucontact_mock::cli::ServeArgs;

const RUNS: usize = 5;
const SECONDS: u32 = 600;
const FETCHES: usize = 40;

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn median_of(mut f: impl FnMut()) -> f64 {
    median(
        (0..RUNS)
            .map(|_| {
                let began = Instant::now();
                f();
                began.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

fn guid(n: usize) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

/// The default world plus `2 * RUNS + 1` answered ten-minute calls in the main root: GSM, but the
/// MP3 number `RUNS` (the one served).
fn fixtures(dir: &std::path::Path) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/world.json");
    let mut world: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for n in 0..=2 * RUNS {
        world["example_calls"].as_array_mut().unwrap().push(serde_json::json!({
            "guid": guid(n), "campaign": "Out<-", "customer": "099000000", "agent": "Agente1",
            "start": "2026-01-02 10:00:00", "ring": 5, "talk": SECONDS
        }));
        world["recordings"]["pinned"].as_array_mut().unwrap().push(serde_json::json!({
            "guid": guid(n), "host": "main", "folder": "root", "format": if n == RUNS { "mp3" } else { "gsm" }
        }));
    }
    std::fs::write(dir.join("world.json"), serde_json::to_string(&world).unwrap()).unwrap();
}

/// Fetches `url` `FETCHES` times over one client: megabytes a second, median of the runs.
async fn throughput(client: &reqwest::Client, url: &str) -> (f64, usize) {
    let mut rates = Vec::new();
    let mut size = 0;
    for _ in 0..RUNS {
        let began = Instant::now();
        for _ in 0..FETCHES {
            let body = client.get(url).send().await.unwrap().bytes().await.unwrap();
            size = body.len();
        }
        rates.push((size * FETCHES) as f64 / began.elapsed().as_secs_f64() / 1e6);
    }
    (median(rates), size)
}

/// `Supervisor/convert` of call `n` in the root: seconds until its `1`.
async fn convert(client: &reqwest::Client, base: &str, n: usize) -> f64 {
    let began = Instant::now();
    let answer = client
        .post(format!("{base}/Integra/resources/Supervisor/convert"))
        .body(format!("guid={}&folder=", guid(n)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let took = began.elapsed().as_secs_f64();
    assert_eq!(answer, "1");
    took
}

fn main() {
    // The codec steps alone.
    let pcm = synth::conversation(7, SECONDS);
    let gsm_file = gsm::encode(&pcm);
    let steps = [
        ("synthesise speech (8 kHz PCM)", median_of(|| drop(synth::conversation(7, SECONDS)))),
        ("encode GSM 06.10 (libgsm)", median_of(|| drop(gsm::encode(&pcm)))),
        ("decode GSM 06.10 (libgsm)", median_of(|| drop(gsm::decode(&gsm_file)))),
        ("encode MP3 (LAME)", median_of(|| drop(mp3::encode(&pcm)))),
        (
            "convert = decode GSM + encode MP3",
            median_of(|| drop(mp3::encode(&gsm::decode(&gsm_file).expect("frames")).expect("an mp3"))),
        ),
    ];

    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    let dir = tempfile::tempdir().expect("a temporary folder");
    fixtures(dir.path());
    let fixtures_dir = dir.path().to_str().unwrap().to_string();
    let (convert_http, convert_cold, served, reference, size) = runtime.block_on(async {
        let args = ServeArgs::from_args([
            "--db",
            ":memory:",
            "--clock",
            "manual",
            "--seed",
            "7",
            "--traffic",
            "off",
            "--auth",
            "off",
            "--listen",
            "127.0.0.1:0",
            "--backup-listen",
            "127.0.0.1:0",
            "--fixtures",
            Box::leak(fixtures_dir.into_boxed_str()),
        ])
        .expect("flags");
        let running = ucontact_mock::start(&args).await.expect("the mock starts");
        let base = format!("http://{}", running.main);
        let client = reqwest::Client::new();
        // Convert over HTTP: each run a call of its own, its GSM fetched first as a client would.
        let mut converts = Vec::new();
        for n in 0..RUNS {
            let gsm = client.get(format!("{base}/records/{}.gsm", guid(n))).send().await.unwrap();
            assert_eq!(gsm.status(), 200);
            gsm.bytes().await.unwrap();
            converts.push(convert(&client, &base, n).await);
        }
        // Cold: a convert of a GSM nobody has fetched, so the mock makes it first (synthesis and
        // GSM encoding are part of the time).
        let mut cold = Vec::new();
        for n in RUNS + 1..2 * RUNS + 1 {
            cold.push(convert(&client, &base, n).await);
        }
        // Serving: the ten-minute MP3, warm in the cache.
        let url = format!("{base}/records/{}.mp3", guid(RUNS));
        let (served, size) = throughput(&client, &url).await;
        // The reference: a bare axum server answering the same bytes in one piece.
        let bytes = client.get(&url).send().await.unwrap().bytes().await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let bare = listener.local_addr().unwrap();
        let app = axum::Router::new().route("/file.mp3", axum::routing::get(move || async move { bytes.clone() }));
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let (reference, _) = throughput(&client, &format!("http://{bare}/file.mp3")).await;
        (median(converts), median(cold), served, reference, size)
    });

    println!("recordings: {SECONDS} s of audio, median of {RUNS} runs");
    println!();
    println!("| step | seconds | x real time | target |");
    println!("|---|---:|---:|---|");
    for (label, s) in steps {
        println!("| {label} | {s:.3} | {:.0} | |", f64::from(SECONDS) / s);
    }
    println!(
        "| Supervisor/convert over HTTP (GSM already served) | {convert_http:.3} | {:.0} | <= 1 s |",
        f64::from(SECONDS) / convert_http
    );
    println!(
        "| Supervisor/convert over HTTP (GSM never fetched: made first) | {convert_cold:.3} | {:.0} | |",
        f64::from(SECONDS) / convert_cold
    );
    println!();
    println!("| serving the {:.1} MB MP3, {FETCHES} GETs on one connection | MB/s | ratio |", size as f64 / 1e6);
    println!("|---|---:|---:|");
    println!("| ucontact-mock, streamed in 64 KiB pieces | {served:.0} | {:.2} |", served / reference);
    println!("| bare axum, the same bytes in one piece (reference) | {reference:.0} | 1.00 |");
}
