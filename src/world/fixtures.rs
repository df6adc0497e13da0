//! A fixture set: the world an instance starts from (docs/design.md, "Defaults"). The default set is
//! embedded from `fixtures/`; `--fixtures DIR` reads `DIR/world.json` (and `DIR/messages.json`
//! when present) instead. Fixtures are checked whole before anything is stored.

use std::path::Path;

use serde::Deserialize;

use super::catalog::Catalog;
use super::recordings::{Policy, valid_guid};
use crate::model::config::CallSettings;
use crate::model::config::{
    Action, Agent, Campaign, CampaignKind, Config, DispositionOption, Member, STRATEGIES, User,
};
use crate::model::vendor_date::{TimeOfDay, VendorDate};

const WORLD: &str = include_str!("../../fixtures/world.json");

/// The parsed, checked fixture set.
#[derive(Debug, Clone)]
pub struct FixtureSet {
    /// Shared by every instance made from the set (cloning a set clones no configuration).
    pub config: std::sync::Arc<Config>,
    pub history: History,
    pub catalog: std::sync::Arc<Catalog>,
    /// Where recordings live: the seeded spread and the pinned calls.
    pub recordings: Policy,
    /// Calls given by hand (the vendor page's examples), stored beside the invented history.
    pub examples: std::sync::Arc<[ExampleCall]>,
    /// SHA-256 of the `world.json` text, part of the key of the database images made from it.
    pub digest: String,
}

/// One answered inbound call given by hand: `customer` called `campaign` at `start`, rang `agent`
/// for `ring` seconds and talked `talk` seconds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExampleCall {
    pub guid: String,
    pub campaign: String,
    pub customer: String,
    pub agent: String,
    pub start: String,
    pub ring: i64,
    pub talk: i64,
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
    #[serde(default)]
    recordings: Policy,
    #[serde(default)]
    example_calls: Vec<ExampleCall>,
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

    /// [`FixtureSet::load`] for a folder a client named (`POST /_mock/fixtures {"dir"}`): its errors
    /// say what is wrong without a word of the files' content, so the route cannot be used to read
    /// files through its error messages.
    pub fn load_quietly(dir: &Path) -> Result<Self, String> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {}", path.display(), io_kind(&e)))
        };
        let quiet = |name: &str, text: &str| match serde_json::from_str::<serde_json::Value>(text) {
            Err(e) => format!("{} is not JSON (line {}, column {})", dir.join(name).display(), e.line(), e.column()),
            Ok(_) => format!(
                "{} is JSON but not a valid fixture file; start the mock with --fixtures {} to see why",
                dir.join(name).display(),
                dir.display()
            ),
        };
        let catalog = if dir.join("messages.json").exists() {
            let text = read("messages.json")?;
            Catalog::parse(&text).map_err(|_| quiet("messages.json", &text))?
        } else {
            Catalog::embedded()
        };
        let text = read("world.json")?;
        Self::parse(&text, catalog).map_err(|_| quiet("world.json", &text))
    }

    pub fn parse(world: &str, catalog: Catalog) -> Result<Self, String> {
        let file: WorldFile = serde_json::from_str(world).map_err(|e| format!("world.json: {e}"))?;
        check_counts(&file)?;
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
            for (i, m) in c.members.iter().enumerate() {
                if !file.agents.iter().any(|a| a.username == m.agent) {
                    return Err(format!("campaign {:?}: member {:?} is not an agent", c.name, m.agent));
                }
                if c.members[..i].iter().any(|other| other.agent == m.agent) {
                    return Err(format!("campaign {:?}: member {:?} is listed twice", c.name, m.agent));
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
        let mut seen = std::collections::HashSet::new();
        for group in file.dispositions {
            for campaign in &group.campaigns {
                for o in &group.options {
                    if !seen.insert((campaign.clone(), o.l1.clone(), o.l2.clone(), o.l3.clone())) {
                        return Err(format!(
                            "campaign {campaign:?}: the disposition {:?}/{:?}/{:?} is given twice",
                            o.l1, o.l2, o.l3
                        ));
                    }
                    let option =
                        DispositionOption { l1: o.l1.clone(), l2: o.l2.clone(), l3: o.l3.clone(), action: o.action };
                    dispositions.push((campaign.clone(), option));
                }
            }
        }
        let config = Config { campaigns, agents: file.agents, users: file.users, dispositions, calls: file.calls };
        check_ranges(&config, file.history)?;
        check_recordings(&config, &file.recordings, &file.example_calls)?;
        let digest = ring::digest::digest(&ring::digest::SHA256, world.as_bytes());
        let digest = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        Ok(Self {
            config: std::sync::Arc::new(config),
            history: file.history,
            catalog: std::sync::Arc::new(catalog),
            recordings: file.recordings,
            examples: file.example_calls.into(),
            digest,
        })
    }
}

/// An I/O error in words that name no content (`No such file or directory`, not an OS string that
/// could carry more).
fn io_kind(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::InvalidData => "not UTF-8 text".into(),
        kind => format!("cannot be read ({kind})"),
    }
}

/// The spread can place files, pins name files, example calls are answered inbound calls.
fn check_recordings(config: &Config, policy: &Policy, examples: &[ExampleCall]) -> Result<(), String> {
    policy.spread.check()?;
    for pin in &policy.pinned {
        if !valid_guid(&pin.guid) {
            return Err(format!("recordings.pinned: {:?} cannot name a file", pin.guid));
        }
    }
    for e in examples {
        let what = format!("example call {:?}", e.guid);
        if !valid_guid(&e.guid) {
            return Err(format!("{what}: the guid cannot name a recording"));
        }
        if !config.campaign(&e.campaign).is_some_and(|c| c.kind == CampaignKind::Inbound) {
            return Err(format!("{what}: {:?} is not an inbound campaign", e.campaign));
        }
        if !config.agents.iter().any(|a| a.username == e.agent) {
            return Err(format!("{what}: {:?} is not an agent", e.agent));
        }
        e.start.parse::<VendorDate>().map_err(|err| format!("{what}: {err}"))?;
        if !(0..=600).contains(&e.ring) || !(1..=86_400).contains(&e.talk) {
            return Err(format!("{what}: ring must be 0-600 s and talk 1-86,400 s"));
        }
    }
    Ok(())
}

/// The most of each thing a fixture set may hold: a contact center of this size runs its engine
/// in well under a millisecond a step (2,000 agents: some 15 us a call, `cargo bench --bench
/// engine`); a bigger one would stall its instance on every request.
pub const MAX_USERS: usize = 1_000;
pub const MAX_AGENTS: usize = 2_000;
pub const MAX_CAMPAIGNS: usize = 500;
/// Members of all campaigns together, and disposition options once given to each campaign.
pub const MAX_MEMBERS: usize = 20_000;
pub const MAX_DISPOSITIONS: usize = 20_000;
pub const MAX_EXAMPLE_CALLS: usize = 1_000;
pub const MAX_PINNED: usize = 10_000;

/// Counts within the limits above, checked before anything else looks at the lists.
fn check_counts(file: &WorldFile) -> Result<(), String> {
    let members: usize = file.campaigns.iter().map(|c| c.members.len()).sum();
    let dispositions: usize = file.dispositions.iter().map(|g| g.campaigns.len().saturating_mul(g.options.len())).sum();
    for (what, count, max) in [
        ("users", file.users.len(), MAX_USERS),
        ("agents", file.agents.len(), MAX_AGENTS),
        ("campaigns", file.campaigns.len(), MAX_CAMPAIGNS),
        ("campaign members", members, MAX_MEMBERS),
        ("disposition options (each campaign's counted)", dispositions, MAX_DISPOSITIONS),
        ("example_calls", file.example_calls.len(), MAX_EXAMPLE_CALLS),
        ("recordings.pinned", file.recordings.pinned.len(), MAX_PINNED),
    ] {
        if count > max {
            return Err(format!("a fixture set holds at most {max} {what}, not {count}"));
        }
    }
    Ok(())
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
    let mut campaigns = std::collections::HashSet::new();
    for c in &config.campaigns {
        within(format!("campaign {:?} wrapup", c.name), c.wrapup as f64, 0.0, 86_400.0)?;
        within(format!("campaign {:?} slevelthreshold", c.name), c.slevel_threshold as f64, 0.0, 86_400.0)?;
        within(format!("campaign {:?} traffic.calls_per_hour", c.name), c.calls_per_hour, 0.0, 3_600.0)?;
        if let Some(p) = c.patience {
            within(format!("campaign {:?} traffic.patience", c.name), p, 1.0, 86_400.0)?;
        }
        if !campaigns.insert(&c.name) {
            return Err(format!("campaign {:?} is defined twice", c.name));
        }
    }
    let (mut names, mut phones) = (std::collections::HashSet::new(), std::collections::HashSet::new());
    for a in &config.agents {
        if !names.insert(&a.username) | !phones.insert(&a.phone) {
            return Err(format!("agent {:?} (phone {}) shares its name or phone", a.username, a.phone));
        }
    }
    let mut users = std::collections::HashSet::new();
    for u in &config.users {
        if !users.insert(&u.username) {
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
