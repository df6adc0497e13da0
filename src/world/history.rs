//! The call history a fresh world starts with: a few hundred calls over the days before the
//! clock's start, drawn from the instance's seed, so getrecords has pages to turn and its filters
//! something to find. Each call goes through the same leg rules as a live one.

use chrono::{Duration, NaiveDateTime};

use super::fixtures::{ExampleCall, History};
use crate::entropy::Entropy;
use crate::model::call::{FinishedCall, Leg, Origin, Outcome, Party};
use crate::model::config::{CampaignKind, Config};
use crate::model::vendor_date::midnight;
use crate::store::spool::SpoolRow;

/// Invents the history before `start`, oldest first.
pub fn invent(config: &Config, history: History, start: NaiveDateTime, rng: &Entropy) -> Vec<FinishedCall> {
    // Campaigns that carry history, with their share of the traffic.
    let weights: Vec<(&str, u32)> = [("Out<-", 40), ("Ventas->", 25), ("Power<-", 20), ("Sales->", 15)]
        .into_iter()
        .filter(|(name, _)| config.campaign(name).is_some_and(|c| !c.members.is_empty()))
        .collect();
    let fallback: Vec<(&str, u32)> =
        config.campaigns.iter().filter(|c| !c.members.is_empty()).map(|c| (c.name.as_str(), 1)).collect();
    let weights = if weights.is_empty() { fallback } else { weights };
    let total: u32 = weights.iter().map(|(_, w)| w).sum();
    if total == 0 {
        return Vec::new();
    }
    // A pool of customers small enough that numbers repeat (the `cont` filter counts them).
    let customers: Vec<String> = (0..120).map(|_| format!("09{:07}", rng.between(0, 9_999_999))).collect();
    let mut calls = Vec::new();
    let today = midnight(start);
    for day in (1..=i64::from(history.days)).rev() {
        let morning = today - Duration::days(day) + Duration::hours(8);
        let mut times: Vec<i64> = (0..history.calls_per_day).map(|_| rng.between(0, 12 * 3600)).collect();
        times.sort_unstable();
        for offset in times {
            let mut pick = rng.between(0, i64::from(total) - 1) as u32;
            let name = weights
                .iter()
                .find(|(_, w)| {
                    let hit = pick < *w;
                    pick = pick.saturating_sub(*w);
                    hit
                })
                .map(|(n, _)| *n)
                .unwrap_or(weights[0].0);
            let at = morning + Duration::seconds(offset);
            if let Some(call) = one_call(config, name, at, &customers, rng, calls.len()) {
                calls.push(call);
            }
        }
    }
    calls
}

fn one_call(
    config: &Config,
    name: &str,
    at: NaiveDateTime,
    customers: &[String],
    rng: &Entropy,
    n: usize,
) -> Option<FinishedCall> {
    let campaign = config.campaign(name)?;
    let member = &campaign.members[rng.between(0, campaign.members.len() as i64 - 1) as usize];
    let agent = config.agents.iter().find(|a| a.username == member.agent)?;
    let customer = customers[rng.between(0, customers.len() as i64 - 1) as usize].clone();
    let talk = Duration::seconds(exponential(rng, 180.0).clamp(5.0, 1800.0) as i64);
    let ring = Duration::seconds(rng.between(3, 20));
    let agent_party = Party::Agent { username: agent.username.clone(), phone: agent.phone.clone() };
    let answered = |start: NaiveDateTime, ring: Duration, talk: Duration, party: Party| Leg {
        party,
        start,
        answered: Some(start + ring),
        end: start + ring + talk,
        outcome: Outcome::Answered,
    };
    let draw_outcome = || match rng.between(0, 99) {
        0..=79 => Outcome::Answered,
        80..=89 => Outcome::NoAnswer,
        90..=96 => Outcome::Busy,
        _ => Outcome::Failed,
    };
    let (origin, legs, delivered) = match campaign.kind {
        CampaignKind::Inbound => {
            if rng.between(0, 9) == 0 {
                let wait = Duration::seconds(rng.between(10, 90));
                let leg =
                    Leg { party: agent_party, start: at, answered: None, end: at + wait, outcome: Outcome::NoAnswer };
                (Origin::Inbound, vec![leg], false)
            } else {
                (Origin::Inbound, vec![answered(at, ring, talk, agent_party)], true)
            }
        }
        kind => {
            let outcome = draw_outcome();
            let origin = if kind.is_dialer() { Origin::Dialer } else { Origin::Outbound };
            let customer_leg = |start: NaiveDateTime| match outcome {
                Outcome::Answered => answered(start, ring, talk, Party::Customer),
                other => {
                    let end =
                        start + if other == Outcome::NoAnswer { Duration::seconds(30) } else { Duration::seconds(2) };
                    Leg { party: Party::Customer, start, answered: None, end, outcome: other }
                }
            };
            match origin {
                Origin::Outbound => {
                    let agent_ring = Duration::seconds(1);
                    let first = customer_leg(at + agent_ring);
                    let agent_leg = answered(at, agent_ring, first.end - at - agent_ring, agent_party);
                    (origin, vec![agent_leg, first], true)
                }
                _ => {
                    let first = customer_leg(at);
                    let delivered = outcome == Outcome::Answered;
                    let mut legs = vec![first];
                    if delivered {
                        let connect = at + ring;
                        legs.push(answered(connect, Duration::seconds(1), talk - Duration::seconds(1), agent_party));
                    }
                    (origin, legs, delivered)
                }
            }
        }
    };
    let dialer = origin == Origin::Dialer;
    Some(FinishedCall {
        guid: rng.guid(),
        campaign: campaign.name.clone(),
        origin,
        customer: customer.clone(),
        callerid: if origin == Origin::Inbound { customer } else { campaign.callerid.clone() },
        did: campaign.did.clone(),
        agent: if delivered { agent.username.clone() } else { String::new() },
        context: None,
        note: (delivered && rng.between(0, 6) == 0).then(|| "Interesado".to_string()),
        rating: if delivered { rng.between(1, 5) } else { 0 },
        contact: dialer.then(|| (1000 + n).to_string()),
        dialerbase: dialer.then(|| "historico".to_string()),
        parandvalues: dialer.then(|| format!("idcustomer={}", 1000 + n)),
        alternatives: dialer.then(String::new),
        legs,
    })
}

/// A call given by hand in the fixtures (checked when they were loaded).
pub fn example(config: &Config, call: &ExampleCall) -> Option<FinishedCall> {
    let campaign = config.campaign(&call.campaign)?;
    let agent = config.agents.iter().find(|a| a.username == call.agent)?;
    let start = call.start.parse::<crate::model::vendor_date::VendorDate>().ok()?.naive();
    let answered = start + Duration::seconds(call.ring);
    let leg = Leg {
        party: Party::Agent { username: agent.username.clone(), phone: agent.phone.clone() },
        start,
        answered: Some(answered),
        end: answered + Duration::seconds(call.talk),
        outcome: Outcome::Answered,
    };
    Some(FinishedCall {
        guid: call.guid.clone(),
        campaign: campaign.name.clone(),
        origin: Origin::Inbound,
        customer: call.customer.clone(),
        callerid: call.customer.clone(),
        did: campaign.did.clone(),
        agent: agent.username.clone(),
        context: None,
        legs: vec![leg],
        note: None,
        rating: 0,
        contact: None,
        dialerbase: None,
        parandvalues: None,
        alternatives: None,
    })
}

/// An exponential draw with the given mean.
pub fn exponential(rng: &Entropy, mean: f64) -> f64 {
    -mean * (1.0 - rng.unit()).ln()
}

/// The `source` of the demo lists' entries: their calls go only to agents that take traffic.
pub const DEMO_SOURCE: &str = "demo";

/// The pre-filled dialer lists of the lively demo (`--traffic on`): a power list on `Power<-` and a
/// progressive one on `Ventas->`, split between the phones of its members that take traffic.
pub fn demo_lists(config: &Config, rng: &Entropy, now: &str) -> Vec<SpoolRow> {
    let mut rows = Vec::new();
    for (name, count) in [("Power<-", 300), ("Ventas->", 60)] {
        let Some(campaign) = config.campaign(name) else { continue };
        let phones: Vec<&str> = campaign
            .members
            .iter()
            .filter_map(|m| config.agents.iter().find(|a| a.username == m.agent && a.traffic).map(|a| a.phone.as_str()))
            .collect();
        for i in 0..count {
            let agentphone = match campaign.kind {
                crate::model::config::CampaignKind::Progressive if !phones.is_empty() => {
                    phones[i % phones.len()].to_string()
                }
                _ => String::new(),
            };
            let destination = format!("09{:07}", rng.between(0, 9_999_999));
            rows.push(SpoolRow {
                dialerbase: Some("demo".into()),
                data: format!("idcustomer={}", 5000 + rows.len()),
                alternatives: if i % 4 == 0 { format!("09{:07}", rng.between(0, 9_999_999)) } else { String::new() },
                contact: 5000 + rows.len() as i64,
                agentphone,
                ..SpoolRow::new(&campaign.name, &destination, super::dispositions::DEFAULT_PRIORITY, DEMO_SOURCE, now)
            });
        }
    }
    rows
}
