//! A fixture set: the world an instance starts from (DESIGN "Defaults"). The default set is
//! embedded from `fixtures/`; `--fixtures DIR` reads `DIR/world.json` (and `DIR/messages.json`
//! when present) instead. Fixtures are checked whole before anything is stored.

use std::path::Path;

use serde::Deserialize;

use super::catalog::Catalog;
use super::config::{Action, Agent, Campaign, CampaignKind, Config, DispositionOption, Member, STRATEGIES, User};
use super::vendor_date::TimeOfDay;
use crate::engine::CallSettings;

const WORLD: &str = include_str!("../../fixtures/world.json");

/// The parsed, checked fixture set.
#[derive(Debug, Clone)]
pub struct FixtureSet {
    pub config: Config,
    pub history: History,
    pub catalog: Catalog,
}

/// How much call history to invent before the clock's start, so getrecords has pages to turn.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct History {
    pub days: u32,
    pub calls_per_day: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WorldFile {
    users: Vec<User>,
    agents: Vec<Agent>,
    campaigns: Vec<CampaignFile>,
    dispositions: Vec<DispositionGroup>,
    #[serde(default)]
    calls: CallSettings,
    history: History,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CampaignFile {
    name: String,
    kind: CampaignKind,
    strategy: String,
    slevelthreshold: i64,
    wrapup: i64,
    callerid: String,
    #[serde(default)]
    did: String,
    hours: String,
    members: Vec<MemberFile>,
    #[serde(default)]
    traffic: Option<TrafficFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TrafficFile {
    calls_per_hour: f64,
    #[serde(default)]
    patience: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MemberFile {
    agent: String,
    #[serde(default)]
    penalty: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DispositionGroup {
    campaigns: Vec<String>,
    options: Vec<OptionFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OptionFile {
    l1: String,
    #[serde(default)]
    l2: String,
    #[serde(default)]
    l3: String,
    action: Action,
}

impl FixtureSet {
    /// The default world, embedded in the binary.
    pub fn embedded() -> Self {
        Self::parse(WORLD, Catalog::embedded()).expect("the embedded fixtures are valid")
    }

    /// The world of a fixture folder.
    pub fn load(dir: &Path) -> Result<Self, String> {
        let read = |name: &str| {
            std::fs::read_to_string(dir.join(name)).map_err(|e| format!("{}: {e}", dir.join(name).display()))
        };
        let catalog = if dir.join("messages.json").exists() {
            Catalog::parse(&read("messages.json")?)?
        } else {
            Catalog::embedded()
        };
        Self::parse(&read("world.json")?, catalog)
    }

    pub fn parse(world: &str, catalog: Catalog) -> Result<Self, String> {
        let file: WorldFile = serde_json::from_str(world).map_err(|e| format!("world.json: {e}"))?;
        let mut campaigns = Vec::new();
        for c in file.campaigns {
            let (from, to) =
                c.hours.split_once('-').ok_or_else(|| format!("campaign {:?}: hours must be HH:mm-HH:mm", c.name))?;
            for t in [from, to] {
                t.parse::<TimeOfDay>().map_err(|e| format!("campaign {:?}: {e}", c.name))?;
            }
            if !STRATEGIES.contains(&c.strategy.as_str()) {
                return Err(format!("campaign {:?}: unknown strategy {:?}", c.name, c.strategy));
            }
            for m in &c.members {
                if !file.agents.iter().any(|a| a.username == m.agent) {
                    return Err(format!("campaign {:?}: member {:?} is not an agent", c.name, m.agent));
                }
            }
            campaigns.push(Campaign {
                name: c.name,
                kind: c.kind,
                strategy: c.strategy,
                slevel_threshold: c.slevelthreshold,
                wrapup: c.wrapup,
                callerid: c.callerid,
                did: c.did,
                hours_from: from.to_string(),
                hours_to: to.to_string(),
                members: c.members.into_iter().map(|m| Member { agent: m.agent, penalty: m.penalty }).collect(),
                calls_per_hour: c.traffic.as_ref().map(|t| t.calls_per_hour).unwrap_or(0.0).max(0.0),
                patience: c.traffic.and_then(|t| t.patience).filter(|p| *p > 0.0),
            });
        }
        let mut dispositions = Vec::new();
        for group in file.dispositions {
            for campaign in &group.campaigns {
                for o in &group.options {
                    let option =
                        DispositionOption { l1: o.l1.clone(), l2: o.l2.clone(), l3: o.l3.clone(), action: o.action };
                    dispositions.push((campaign.clone(), option));
                }
            }
        }
        let config = Config { campaigns, agents: file.agents, users: file.users, dispositions, calls: file.calls };
        check_ranges(&config, file.history)?;
        Ok(Self { config, history: file.history, catalog })
    }
}

/// Numbers a simulated contact center can live with (and that cannot overflow its clock).
fn check_ranges(config: &Config, history: History) -> Result<(), String> {
    let within = |what: String, value: f64, low: f64, high: f64| {
        if (low..=high).contains(&value) {
            Ok(())
        } else {
            Err(format!("{what} must be from {low} to {high}, not {value}"))
        }
    };
    within("history.days".into(), f64::from(history.days), 0.0, 366.0)?;
    within("history.calls_per_day".into(), f64::from(history.calls_per_day), 0.0, 5_000.0)?;
    within(
        "history.days x calls_per_day".into(),
        f64::from(history.days) * f64::from(history.calls_per_day),
        0.0,
        100_000.0,
    )?;
    let calls = &config.calls;
    within("calls.talk_mean".into(), calls.talk_mean, 1.0, 86_400.0)?;
    within("calls.ring".into(), calls.ring, 0.0, 600.0)?;
    within("calls.hold_share".into(), calls.hold_share, 0.0, 1.0)?;
    let o = calls.outcomes;
    within(
        "the sum of calls.outcomes".into(),
        f64::from(o.answered) + f64::from(o.no_answer) + f64::from(o.busy) + f64::from(o.failed),
        1.0,
        1e6,
    )?;
    for c in &config.campaigns {
        within(format!("campaign {:?} wrapup", c.name), c.wrapup as f64, 0.0, 86_400.0)?;
        within(format!("campaign {:?} slevelthreshold", c.name), c.slevel_threshold as f64, 0.0, 86_400.0)?;
        within(format!("campaign {:?} traffic.calls_per_hour", c.name), c.calls_per_hour, 0.0, 3_600.0)?;
        if let Some(p) = c.patience {
            within(format!("campaign {:?} traffic.patience", c.name), p, 1.0, 86_400.0)?;
        }
        if config.campaigns.iter().filter(|d| d.name == c.name).count() > 1 {
            return Err(format!("campaign {:?} is defined twice", c.name));
        }
    }
    for a in &config.agents {
        if config.agents.iter().filter(|b| b.username == a.username || b.phone == a.phone).count() > 1 {
            return Err(format!("agent {:?} (phone {}) shares its name or phone", a.username, a.phone));
        }
    }
    for u in &config.users {
        if config.users.iter().filter(|v| v.username == u.username).count() > 1 {
            return Err(format!("user {:?} is defined twice", u.username));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_embedded_world_is_valid() {
        let set = super::FixtureSet::embedded();
        assert!(set.config.campaign("Ventas->").is_some());
        assert!(set.config.disposition("Ventas->", "Venta", "", "").is_some());
    }
}
