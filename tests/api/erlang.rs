//! The engine's honesty check (docs/design.md, "The engine"): with Poisson arrivals, exponential talk times,
//! no abandonment and no wrap-up, the simulated service level and average wait agree with the
//! Erlang C formula. The engine runs alone, without the HTTP layer.

use ucontact_mock::engine::Engine;
use ucontact_mock::engine::agents::Agent;
use ucontact_mock::engine::queues::{Member, Queue};
use ucontact_mock::entropy::Entropy;
use ucontact_mock::model::config::CallSettings;
use ucontact_mock::model::config::CampaignKind;

const TALK_MEAN_S: f64 = 180.0;
const THRESHOLD_S: i64 = 20;
const HOUR_MS: i64 = 3_600_000;

/// Erlang C: the probability that a caller waits, with `n` agents and `a` Erlangs offered.
fn erlang_c(n: u32, a: f64) -> f64 {
    // Erlang B by its stable recursion, then C from B.
    let mut b = 1.0;
    for k in 1..=n {
        b = a * b / (f64::from(k) + a * b);
    }
    let rho = a / f64::from(n);
    b / (1.0 - rho + rho * b)
}

/// (service level within `t` seconds, average wait in seconds) that Erlang C predicts.
fn predicted(n: u32, load: f64, t: f64) -> (f64, f64) {
    let mu = 1.0 / TALK_MEAN_S;
    let a = load * f64::from(n);
    let c = erlang_c(n, a);
    let gap = f64::from(n) * mu - a * mu;
    (1.0 - c * (-gap * t).exp(), c / gap)
}

/// Simulates `n` agents at `load` for `hours` after a discarded warm-up hour.
fn simulated(n: u32, load: f64, hours: i64, seed: u64) -> (f64, f64, usize) {
    let start = 1_767_614_400_000; // 2026-01-05 09:00 in Montevideo
    let agents: Vec<Agent> = (0..n)
        .map(|i| Agent::new(format!("a{i}"), format!("Agent {i}"), format!("{}", 5000 + i), "SIP".into(), true, start))
        .collect();
    let members = (0..n as usize).map(|agent| Member { agent, penalty: 0, calls_taken: 0, last_call: 0 }).collect();
    let per_hour = load * f64::from(n) * 3600.0 / TALK_MEAN_S;
    let queue = Queue::new(
        "Erlang<-".into(),
        CampaignKind::Inbound,
        "leastrecent".into(),
        THRESHOLD_S,
        0,
        String::new(),
        "1000".into(),
        members,
        per_hour,
        None,
    );
    let settings = CallSettings { talk_mean: TALK_MEAN_S, ring: 0.0, ..CallSettings::default() };
    let mut engine = Engine::new(
        chrono_tz::America::Montevideo,
        start,
        Entropy::new(seed, "erlang", 1),
        agents,
        vec![queue],
        settings,
    );
    let (mut within, mut waited_ms, mut count) = (0usize, 0i64, 0usize);
    let end = start + (hours + 1) * HOUR_MS;
    let mut t = start;
    while t < end {
        t += HOUR_MS;
        engine.advance(t);
        for f in engine.take_finished() {
            if f.arrived < start + HOUR_MS {
                continue;
            }
            let wait = f.queue_wait.expect("no abandonment: every caller is answered");
            count += 1;
            waited_ms += wait;
            if wait <= THRESHOLD_S * 1000 {
                within += 1;
            }
        }
    }
    (within as f64 / count as f64, waited_ms as f64 / 1000.0 / count as f64, count)
}

#[test]
fn service_level_and_average_wait_agree_with_erlang_c() {
    for (n, load, hours) in [(10, 0.80, 1_000), (25, 0.85, 500), (50, 0.90, 300)] {
        let (sl_expected, wait_expected) = predicted(n, load, THRESHOLD_S as f64);
        let (sl, wait, calls) = simulated(n, load, hours, 7);
        println!(
            "{n} agents at {load}: {calls} calls; service level {:.1}% (Erlang C {:.1}%), average wait {wait:.1} s (Erlang C {wait_expected:.1} s)",
            sl * 100.0,
            sl_expected * 100.0
        );
        assert!((sl - sl_expected).abs() <= 0.03, "{n} agents: service level {sl:.3} vs {sl_expected:.3}");
        let tolerance = (wait_expected * 0.15).max(3.0);
        assert!(
            (wait - wait_expected).abs() <= tolerance,
            "{n} agents: average wait {wait:.1} s vs {wait_expected:.1} s"
        );
    }
}

#[test]
fn erlang_c_matches_a_textbook_value() {
    // 10 agents, 8 Erlangs: P(wait) = 0.409 (standard tables).
    assert!((erlang_c(10, 8.0) - 0.4092).abs() < 0.001);
}
