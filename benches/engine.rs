//! Benchmark: advancing the manual clock by 8 simulated hours for 200 agents and 2,000 calls per
//! hour (about 16,000 calls with their CDRs stored in SQLite). Prints the median of several runs.
//! Run with `cargo bench --bench engine`.

use std::time::Instant;

use serde_json::json;
use ucontact_mock::clock::ClockMode;
use ucontact_mock::store::Location;
use ucontact_mock::world::catalog::Catalog;
use ucontact_mock::world::fixtures::FixtureSet;
use ucontact_mock::world::{World, WorldOptions};

const RUNS: usize = 5;
const AGENTS: usize = 200;
const CALLS_PER_HOUR: f64 = 2_000.0;
const HOURS: i64 = 8;

fn fixtures() -> FixtureSet {
    let agents: Vec<_> = (0..AGENTS)
        .map(|i| json!({"user": format!("bench{i}"), "name": format!("Bench {i}"), "phone": format!("{}", 3000 + i), "tech": "SIP", "context": "agentes"}))
        .collect();
    let members: Vec<_> = (0..AGENTS).map(|i| json!({"agent": format!("bench{i}")})).collect();
    let world = json!({
        "users": [{"user": "admin", "password": "admin", "name": "Admin", "profile": "supervisor"}],
        "agents": agents,
        "campaigns": [{"name": "Bench<-", "kind": "inbound", "strategy": "leastrecent", "slevelthreshold": 20, "wrapup": 0,
                       "callerid": "24000000", "did": "33330000", "hours": "00:00-23:59", "members": members,
                       "traffic": {"calls_per_hour": CALLS_PER_HOUR, "patience": 120}}],
        "dispositions": [],
        "history": {"days": 0, "calls_per_day": 0}
    });
    FixtureSet::parse(&world.to_string(), Catalog::embedded()).expect("valid bench fixtures")
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    let mut times = Vec::new();
    let mut calls = 0i64;
    for run in 0..RUNS {
        let dir = std::env::temp_dir().join(format!("ucontact-bench-{}-{run}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (seconds, legs) = runtime.block_on(async {
            let options = WorldOptions {
                name: "bench".into(),
                location: Location::File(dir.join("bench.db")),
                fixtures: fixtures(),
                clock_mode: ClockMode::Manual,
                clock_start: "2026-01-05 09:00:00".parse().expect("a date"),
                zone: chrono_tz::America::Montevideo,
                seed: 7 + run as u64,
                traffic: true,
                audio_cache: std::sync::Arc::new(ucontact_mock::audio::cache::Cache::new(1 << 20)),
                journal_budget: ucontact_mock::journal::Budget::new(ucontact_mock::journal::DEFAULT_BYTES),
            };
            let world = World::open(options).await.expect("the world opens");
            let start = world.clock().now_millis();
            let began = Instant::now();
            world.move_clock(start + HOURS * 3_600_000).await.expect("the clock moves");
            let seconds = began.elapsed().as_secs_f64();
            let legs: i64 = sqlx::query_scalar("SELECT count(DISTINCT guid) FROM cdrs")
                .fetch_one(world.store().reader())
                .await
                .expect("count");
            (seconds, legs)
        });
        let _ = std::fs::remove_dir_all(&dir);
        times.push(seconds);
        calls = legs;
    }
    times.sort_by(f64::total_cmp);
    let median = times[RUNS / 2];
    println!("| benchmark | median of {RUNS} | target |");
    println!("|---|---|---|");
    println!(
        "| advance {HOURS} h, {AGENTS} agents, {CALLS_PER_HOUR} calls/h ({calls} calls stored) | {median:.3} s | <= 2 s |"
    );
    println!("runs: {}", times.iter().map(|t| format!("{t:.3}")).collect::<Vec<_>>().join(" "));
}
