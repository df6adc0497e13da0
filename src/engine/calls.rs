//! A call in progress: its phase and the moments of each leg, and how it becomes the record the
//! world stores (docs/contract.md, section 10, through `world::call_rows`).

use chrono_tz::Tz;

use super::dialing::{Lead, LeadSource};
use super::queues::Queue;
use crate::clock::{Millis, local_naive};
use crate::model::call::{FinishedCall, Leg, Origin, Outcome, Party};

/// Where a call is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// A caller waiting in the queue.
    Waiting,
    /// An agent's phone is ringing.
    RingingAgent,
    /// The customer's number is being dialled.
    Dialing,
    /// Agent and customer are talking.
    Talking,
    Ended,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::RingingAgent => "ringing",
            Self::Dialing => "dialing",
            Self::Talking => "talking",
            Self::Ended => "ended",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Call {
    pub id: u64,
    pub guid: String,
    pub queue: usize,
    pub origin: Origin,
    pub customer: String,
    pub callerid: String,
    pub agent: Option<usize>,
    /// The agent as the CDR names it (`peeraccount`): the username, or AgentCall's `agent` as given.
    pub agent_label: String,
    pub agent_phone: String,
    pub context: String,
    pub phase: Phase,
    pub created: Millis,
    pub agent_rang: Option<Millis>,
    pub agent_answered: Option<Millis>,
    pub customer_dialed: Option<Millis>,
    pub customer_answered: Option<Millis>,
    pub talk_started: Option<Millis>,
    pub queue_wait: Option<Millis>,
    pub outcome: Outcome,
    pub data: Option<String>,
    pub form: Option<String>,
    pub note: Option<String>,
    /// The dialer's lead this call is an attempt of.
    pub lead: Option<Lead>,
    /// The one agent this caller waits for (progressive dialer).
    pub target: Option<usize>,
    /// When a dialer call's customer answered and began to wait for an agent.
    pub created_in_queue: Option<Millis>,
    /// Made by the simulation on its own (a generated caller, a demo list's lead): never offered
    /// to an agent that does not take traffic.
    pub generated: bool,
}

impl Call {
    /// Not generated traffic for any agent: it waits for one agent, or may be offered agents that
    /// take no traffic (see `Engine::dispatch`).
    pub fn particular(&self) -> bool {
        self.target.is_some() || !self.generated
    }

    pub fn new(
        id: u64,
        guid: String,
        queue: usize,
        origin: Origin,
        customer: String,
        callerid: String,
        now: Millis,
    ) -> Self {
        Self {
            id,
            guid,
            queue,
            origin,
            customer,
            callerid,
            agent: None,
            agent_label: String::new(),
            agent_phone: String::new(),
            context: String::new(),
            phase: Phase::Waiting,
            created: now,
            agent_rang: None,
            agent_answered: None,
            customer_dialed: None,
            customer_answered: None,
            talk_started: None,
            queue_wait: None,
            outcome: Outcome::NoAnswer,
            data: None,
            form: None,
            note: None,
            lead: None,
            target: None,
            created_in_queue: None,
            generated: false,
        }
    }

    /// The finished call's legs, as the CDR will show them.
    pub fn record(&self, end: Millis, queue: &Queue, zone: Tz) -> FinishedCall {
        let at = |t: Millis| local_naive(zone, t);
        // The agent's leg from `start`; answered when the agent picked up.
        let agent_leg = |start: Millis| Leg {
            party: Party::Agent { username: self.agent_label.clone(), phone: self.agent_phone.clone() },
            start: at(start),
            answered: self.agent_answered.map(at),
            end: at(end),
            outcome: if self.agent_answered.is_some() { Outcome::Answered } else { Outcome::NoAnswer },
        };
        // The customer's leg from `start`, with the drawn outcome.
        let customer_leg = |start: Millis| Leg {
            party: Party::Customer,
            start: at(start),
            answered: self.customer_answered.map(at),
            end: at(end),
            outcome: self.outcome,
        };
        let legs = match (self.origin, self.agent) {
            (Origin::Outbound, _) => {
                std::iter::once(agent_leg(self.created)).chain(self.customer_dialed.map(customer_leg)).collect()
            }
            (Origin::Dialer, _) => std::iter::once(customer_leg(self.customer_dialed.unwrap_or(self.created)))
                .chain(self.agent.and(self.agent_rang).map(agent_leg))
                .collect(),
            (Origin::Inbound, Some(_)) => vec![agent_leg(self.created)],
            (Origin::Inbound, None) => {
                vec![Leg {
                    party: Party::Queue,
                    start: at(self.created),
                    answered: None,
                    end: at(end),
                    outcome: Outcome::NoAnswer,
                }]
            }
        };
        let delivered = self.talk_started.is_some() && self.agent.is_some();
        // Section 10: the dialer fields come from a spool entry; schedules and tasks have none.
        let spool = self.lead.as_ref().filter(|l| matches!(l.source, LeadSource::Spool(_)));
        FinishedCall {
            guid: self.guid.clone(),
            campaign: queue.name.clone(),
            origin: self.origin,
            customer: self.customer.clone(),
            callerid: self.callerid.clone(),
            did: queue.did.clone(),
            agent: if delivered || self.origin == Origin::Outbound { self.agent_label.clone() } else { String::new() },
            legs,
            context: (!self.context.is_empty()).then(|| self.context.clone()),
            note: self.note.clone(),
            rating: 0,
            contact: spool.and_then(|l| l.contact).map(|c| c.to_string()),
            dialerbase: spool.and_then(|l| l.dialerbase.clone()),
            parandvalues: self.data.clone().or_else(|| spool.map(|l| l.data.clone())),
            alternatives: spool.map(|l| l.alternatives.clone()),
        }
    }
}
