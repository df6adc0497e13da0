//! Benchmark: creating and resetting an instance from the default fixtures (target: at most 10 ms,
//! median). Run with `cargo bench --bench instances`.

use std::time::Instant;

use ucontact_mock::clock::ClockMode;
use ucontact_mock::instances::Instances;
use ucontact_mock::store::Location;
use ucontact_mock::world::WorldOptions;
use ucontact_mock::world::fixtures::FixtureSet;

const RUNS: usize = 41;

fn median_ms(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2] * 1000.0
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    let dir = std::env::temp_dir().join(format!("ucontact-bench-instances-{}", std::process::id()));
    let rows: Vec<(String, f64, f64)> =
        [("in memory", Location::Memory), ("SQLite file", Location::File(dir.join("mock.db")))]
            .into_iter()
            .map(|(label, location)| {
                let template = WorldOptions {
                    name: "default".into(),
                    location,
                    fixtures: FixtureSet::embedded(),
                    clock_mode: ClockMode::Manual,
                    clock_start: "2026-01-05 09:00:00".parse().expect("a date"),
                    zone: chrono_tz::America::Montevideo,
                    seed: 7,
                    seed_given: true,
                    traffic: false,
                    audio_cache: std::sync::Arc::new(ucontact_mock::audio::cache::Cache::new(1 << 20)),
                    journal_budget: ucontact_mock::journal::Budget::new(ucontact_mock::journal::DEFAULT_BYTES),
                };
                let instances = Instances::new(template, RUNS * 2 + 2);
                runtime.block_on(async {
                    let (mut create, mut reset) = (Vec::new(), Vec::new());
                    for i in 0..RUNS {
                        let name = format!("bench-{i}");
                        let began = Instant::now();
                        instances.get(&name).await.expect("created");
                        create.push(began.elapsed().as_secs_f64());
                        let began = Instant::now();
                        instances.reset(&name).await.expect("reset");
                        reset.push(began.elapsed().as_secs_f64());
                    }
                    (label.to_string(), median_ms(create), median_ms(reset))
                })
            })
            .collect();
    let _ = std::fs::remove_dir_all(&dir);
    println!("| instance | create, median of {RUNS} | reset, median of {RUNS} | target |");
    println!("|---|---|---|---|");
    for (label, create, reset) in rows {
        println!("| {label} | {create:.2} ms | {reset:.2} ms | <= 10 ms |");
    }
}
