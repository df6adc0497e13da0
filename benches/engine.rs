//! Benchmark: advancing the manual clock by 8 simulated hours for 200 agents and 2,000 calls per
//! hour (about 16,000 calls with their CDRs stored in SQLite; target: at most 1 s), then the curve
//! the cost follows: 50 to 2,000 agents (10 calls an agent an hour, 2 simulated hours), and a
//! queue that grows to some 10,000 waiting callers (10 agents, 14,400 calls an hour that never
//! give up). The cost of a call should stay near flat along both: linear in events, not in agents
//! or waiting callers. Prints medians of several runs. Run with `cargo bench --bench engine`.

use std::time::Instant;

use serde_json::json;
use ucontact_mock::clock::ClockMode;
use ucontact_mock::store::Location;
use ucontact_mock::world::catalog::Catalog;
use ucontact_mock::world::fixtures::FixtureSet;
use ucontact_mock::world::{World, WorldOptions};

const RUNS: usize = 5;
const CURVE_RUNS: usize = 3;

/// `agents` agents spread over `campaigns` inbound campaigns, each offered `per_hour` calls an
/// hour by callers who wait up to `patience` seconds.
fn fixtures(agents: usize, campaigns: usize, per_hour: f64, patience: f64) -> FixtureSet {
    let people: Vec<_> = (0..agents)
        .map(|i| json!({"user": format!("bench{i}"), "name": format!("Bench {i}"), "phone": format!("{}", 3000 + i), "tech": "SIP", "context": "agentes"}))
        .collect();
    let queues: Vec<_> = (0..campaigns)
        .map(|q| {
            let members: Vec<_> =
                (0..agents).filter(|i| i % campaigns == q).map(|i| json!({"agent": format!("bench{i}")})).collect();
            json!({"name": format!("Bench{q}<-"), "kind": "inbound", "strategy": "leastrecent", "slevelthreshold": 20, "wrapup": 0,
                   "callerid": "24000000", "did": format!("3333{q:04}"), "hours": "00:00-23:59", "members": members,
                   "traffic": {"calls_per_hour": per_hour, "patience": patience}})
        })
        .collect();
    let world = json!({
        "users": [{"user": "admin", "password": "admin", "name": "Admin", "profile": "supervisor"}],
        "agents": people,
        "campaigns": queues,
        "dispositions": [],
        "history": {"days": 0, "calls_per_day": 0}
    });
    FixtureSet::parse(&world.to_string(), Catalog::embedded()).expect("valid bench fixtures")
}

/// One run: seconds to advance `minutes`, calls stored, callers still waiting.
fn run(runtime: &tokio::runtime::Runtime, fixtures: FixtureSet, minutes: i64, seed: u64) -> (f64, i64, usize) {
    let dir = std::env::temp_dir().join(format!("ucontact-bench-{}-{seed}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let result = runtime.block_on(async {
        let options = WorldOptions {
            name: "bench".into(),
            location: Location::File(dir.join("bench.db")),
            fixtures,
            clock_mode: ClockMode::Manual,
            clock_start: "2026-01-05 09:00:00".parse().expect("a date"),
            zone: chrono_tz::America::Montevideo,
            seed,
            seed_given: true,
            traffic: true,
            audio_cache: std::sync::Arc::new(ucontact_mock::audio::cache::Cache::new(1 << 20)),
            journal_budget: ucontact_mock::journal::Budget::new(ucontact_mock::journal::DEFAULT_BYTES),
        };
        let world = World::open(options).await.expect("the world opens");
        let start = world.clock().now_millis();
        let began = Instant::now();
        world.move_clock(start + minutes * 60_000).await.expect("the clock moves");
        let seconds = began.elapsed().as_secs_f64();
        let legs: i64 = sqlx::query_scalar("SELECT count(DISTINCT guid) FROM cdrs")
            .fetch_one(world.store().reader())
            .await
            .expect("count");
        let waiting =
            world.engine().await.expect("the engine").calls().filter(|c| c.phase.as_str() == "waiting").count();
        (seconds, legs, waiting)
    });
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// The median run of `runs` (by time): its seconds, calls stored and callers waiting.
fn median_run(
    runtime: &tokio::runtime::Runtime,
    runs: usize,
    make: impl Fn() -> FixtureSet,
    minutes: i64,
) -> (f64, i64, usize, Vec<f64>) {
    let mut results: Vec<(f64, i64, usize)> = (0..runs).map(|r| run(runtime, make(), minutes, 7 + r as u64)).collect();
    let times = results.iter().map(|r| r.0).collect();
    results.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (seconds, legs, waiting) = results[runs / 2];
    (seconds, legs, waiting, times)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    let (median, calls, _, times) = median_run(&runtime, RUNS, || fixtures(200, 1, 2_000.0, 120.0), 8 * 60);
    println!("| benchmark | median of {RUNS} | target |");
    println!("|---|---|---|");
    println!("| advance 8 h, 200 agents, 2000 calls/h ({calls} calls stored) | {median:.3} s | <= 1 s |");
    println!("runs: {}", times.iter().map(|t| format!("{t:.3}")).collect::<Vec<_>>().join(" "));
    println!();
    println!("The curve (medians of {CURVE_RUNS}): the cost of each call offered should stay near flat.");
    println!();
    println!(
        "| agents | campaigns | calls offered | simulated | calls stored | waiting at the end | time | per call offered |"
    );
    println!("|---:|---:|---:|---|---:|---:|---:|---:|");
    let row = |agents: usize, campaigns: usize, per_hour: f64, patience: f64, minutes: i64| {
        let (seconds, stored, waiting, _) =
            median_run(&runtime, CURVE_RUNS, || fixtures(agents, campaigns, per_hour, patience), minutes);
        let offered = per_hour * campaigns as f64 * minutes as f64 / 60.0;
        println!(
            "| {agents} | {campaigns} | {offered:.0} | {minutes} min | {stored} | {waiting} | {seconds:.3} s | {:.1} us |",
            seconds / offered * 1e6
        );
    };
    // 10 calls an agent an hour over 8 campaigns (each at most 3,600 calls an hour).
    for agents in [50, 200, 500, 1_000, 2_000] {
        row(agents, 8, agents as f64 * 10.0 / 8.0, 120.0, 120);
    }
    // A queue that grows: 10 agents, 4 campaigns of 3,600 calls an hour, nobody gives up.
    for minutes in [10, 20, 40] {
        row(10, 4, 3_600.0, 86_400.0, minutes);
    }
}
