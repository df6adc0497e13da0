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
        Ok(Self { config, history: file.history, catalog })
    }
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
