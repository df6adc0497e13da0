//! The configured contact center: campaigns (queues) with their members, agents, users and the
//! disposition tree. It comes from the fixtures once, lives in the database, and is held in memory
//! because every request consults it.

use serde::{Deserialize, Serialize};

use super::vendor_date::TimeOfDay;

/// What a campaign does (docs/design.md, "The world").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CampaignKind {
    Inbound,
    Manual,
    Preview,
    Progressive,
    Power,
    Predictive,
}

impl CampaignKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inbound => "inbound",
            Self::Manual => "manual",
            Self::Preview => "preview",
            Self::Progressive => "progressive",
            Self::Power => "power",
            Self::Predictive => "predictive",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(text.to_string())).ok()
    }

    /// Calls of this campaign leave the contact center (CDR `direction` `outbound`).
    pub fn is_outbound(self) -> bool {
        self != Self::Inbound
    }

    pub fn is_dialer(self) -> bool {
        matches!(self, Self::Preview | Self::Progressive | Self::Power | Self::Predictive)
    }
}

/// Asterisk's queue strategies.
pub const STRATEGIES: [&str; 7] = ["ringall", "leastrecent", "fewestcalls", "random", "rrmemory", "linear", "wrandom"];

/// A queue member.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Member {
    pub agent: String,
    pub penalty: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Campaign {
    pub name: String,
    pub kind: CampaignKind,
    pub strategy: String,
    #[serde(rename = "slevelthreshold")]
    pub slevel_threshold: i64,
    pub wrapup: i64,
    pub callerid: String,
    pub did: String,
    pub hours_from: String,
    pub hours_to: String,
    pub members: Vec<Member>,
    /// Inbound arrivals per hour (Poisson) when traffic is on.
    pub calls_per_hour: f64,
    /// Callers' mean patience in seconds (exponential); none: they never hang up waiting.
    pub patience: Option<f64>,
}

impl Campaign {
    /// Calling hours as times of day (checked when the fixtures were loaded).
    pub fn hours(&self) -> Option<(TimeOfDay, TimeOfDay)> {
        Some((self.hours_from.parse().ok()?, self.hours_to.parse().ok()?))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agent {
    #[serde(rename = "user")]
    pub username: String,
    pub name: String,
    pub phone: String,
    pub tech: String,
    pub context: String,
    /// Logged in when the world starts.
    #[serde(default = "yes")]
    pub logged_in: bool,
    /// Offered the calls the simulation makes on its own (generated callers, demo dialer lists).
    /// The default world keeps Agente1 and Agente2 out of them: they are the agents the docs use,
    /// so they stay free for the calls a person places.
    #[serde(default = "yes")]
    pub traffic: bool,
}

fn yes() -> bool {
    true
}

impl Agent {
    /// `SIP/1001`: how Asterisk names the member.
    pub fn interface(&self) -> String {
        format!("{}/{}", self.tech, self.phone)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    #[serde(rename = "user")]
    pub username: String,
    pub password: String,
    pub name: String,
    pub profile: String,
    #[serde(default)]
    pub phone: Option<String>,
}

/// What a disposition does after it is recorded (docs/contract.md, section 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    #[serde(rename = "none")]
    None,
    #[serde(rename = "RESPOOL")]
    Respool,
    #[serde(rename = "RESPOOLALTERNATIVE")]
    RespoolAlternative,
    #[serde(rename = "BLACKLIST")]
    Blacklist,
    #[serde(rename = "RESCHEDULE")]
    Reschedule,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Respool => "RESPOOL",
            Self::RespoolAlternative => "RESPOOLALTERNATIVE",
            Self::Blacklist => "BLACKLIST",
            Self::Reschedule => "RESCHEDULE",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(text.to_string())).ok()
    }
}

/// One configured disposition (campaign, l1, l2, l3) and its action.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DispositionOption {
    pub l1: String,
    pub l2: String,
    pub l3: String,
    pub action: Action,
}

/// The whole configuration, in the world's order.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub campaigns: Vec<Campaign>,
    pub agents: Vec<Agent>,
    pub users: Vec<User>,
    /// (campaign, option)
    pub dispositions: Vec<(String, DispositionOption)>,
    /// How calls behave (talk and ring times, outcomes).
    pub calls: crate::model::config::CallSettings,
}

impl Config {
    pub fn campaign(&self, name: &str) -> Option<&Campaign> {
        self.campaigns.iter().find(|c| c.name == name)
    }

    pub fn user(&self, username: &str) -> Option<&User> {
        self.users.iter().find(|u| u.username == username)
    }

    pub fn agent_by_phone(&self, phone: &str) -> Option<&Agent> {
        self.agents.iter().find(|a| a.phone == phone)
    }

    /// An agent named by username or by phone (the dialer's `agent` field takes either).
    pub fn agent_by_name_or_phone(&self, key: &str) -> Option<&Agent> {
        self.agents.iter().find(|a| a.username == key).or_else(|| self.agent_by_phone(key))
    }

    pub fn disposition(&self, campaign: &str, l1: &str, l2: &str, l3: &str) -> Option<&DispositionOption> {
        self.dispositions.iter().find(|(c, o)| c == campaign && o.l1 == l1 && o.l2 == l2 && o.l3 == l3).map(|(_, o)| o)
    }

    pub fn dispositions_of<'a>(&'a self, campaign: &'a str) -> impl Iterator<Item = &'a DispositionOption> + 'a {
        self.dispositions.iter().filter(move |(c, _)| c == campaign).map(|(_, o)| o)
    }
}

/// How calls behave: talk times, ring times, and the customer leg's outcomes (docs/design.md, "The world").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallSettings {
    /// Mean talk time in seconds (exponential).
    pub talk_mean: f64,
    /// Seconds an agent's phone rings before it answers.
    pub ring: f64,
    /// Weights of the customer leg's outcomes of outbound calls.
    pub outcomes: Outcomes,
    /// The share of conversations in which the agent puts the customer on hold for a while.
    #[serde(default = "default_hold_share")]
    pub hold_share: f64,
}

fn default_hold_share() -> f64 {
    0.1
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outcomes {
    pub answered: u32,
    pub no_answer: u32,
    pub busy: u32,
    pub failed: u32,
}

impl Default for CallSettings {
    fn default() -> Self {
        Self {
            talk_mean: 180.0,
            ring: 3.0,
            outcomes: Outcomes { answered: 80, no_answer: 10, busy: 7, failed: 3 },
            hold_share: default_hold_share(),
        }
    }
}
