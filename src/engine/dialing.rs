//! The dialer's side of the engine: when a campaign has free agents it asks the world for leads
//! (spool entries, due schedules, tasks), dials them, and hands each finished attempt back with its
//! outcome so the world can respool, try an alternative, or close the entry.

use super::calls::Phase;
use super::{Engine, Event};
use crate::clock::Millis;
use crate::model::call::{Origin, Outcome};
use crate::model::config::CampaignKind;

/// Where a lead came from, so its outcome can be written back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeadSource {
    Spool(i64),
    Schedule(i64),
    Task(i64),
}

/// A number the dialer is to call.
#[derive(Debug, Clone, PartialEq)]
pub struct Lead {
    pub source: LeadSource,
    pub destination: String,
    pub alternatives: String,
    pub data: String,
    /// The agent to connect to (progressive dialers, manual tasks); empty for any.
    pub agentphone: String,
    pub contact: Option<i64>,
    pub dialerbase: Option<String>,
    /// A call to place at once from an agent's phone (DialerTask with neither bulk nor automatic).
    pub manual: bool,
    /// A demo list's entry: its call is offered only to agents that take traffic.
    pub generated: bool,
}

/// What the dialer of one campaign asks the world for.
#[derive(Debug, Clone, PartialEq)]
pub struct Need {
    pub campaign: String,
    /// How many leads it can dial now.
    pub capacity: usize,
    /// The phones of its free agents (progressive leads must name one of them, or none).
    pub phones: Vec<String>,
    /// How many of the leads may be demo entries: free agents that take traffic, less the demo
    /// calls already waiting for one.
    pub generated_capacity: usize,
}

/// How a dialer attempt ended, for the world's bookkeeping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Answered and talked to an agent.
    Talked,
    /// The customer did not answer, was busy, or the line failed.
    NotReached(Outcome),
    /// The customer answered but hung up before an agent took the call.
    Abandoned,
}

impl Engine {
    /// Does this campaign dial (every campaign that is not inbound)?
    pub(super) fn dials(&self, q: usize) -> bool {
        self.queues[q].kind != CampaignKind::Inbound
    }

    /// Asks for a dialer round of `q` now, unless one is already due.
    pub(super) fn poke(&mut self, q: usize) {
        if self.dials(q) && !self.queues[q].tick_pending {
            self.queues[q].tick_pending = true;
            self.schedule(self.now, Event::DialerTick(q));
        }
    }

    /// Wakes the dialer of a campaign: new work arrived (respool, schedule, task, upload).
    pub fn wake(&mut self, campaign: &str) {
        if let Some(q) = self.queues.iter().position(|q| q.name == campaign) {
            self.poke(q);
        }
    }

    /// A dialer round: how many leads the campaign could take now.
    pub(super) fn dialer_need(&mut self, q: usize) -> Option<Need> {
        self.queues[q].tick_pending = false;
        let free: Vec<usize> =
            self.queues[q].members.iter().map(|m| m.agent).filter(|&a| self.agents[a].is_available()).collect();
        let in_flight = self
            .calls
            .values()
            .filter(|c| {
                c.queue == q && c.origin == Origin::Dialer && matches!(c.phase, Phase::Dialing | Phase::Waiting)
            })
            .count();
        let capacity = free.len().saturating_sub(in_flight);
        let generated_in_flight = self
            .calls
            .values()
            .filter(|c| {
                c.queue == q
                    && c.generated
                    && c.origin == Origin::Dialer
                    && matches!(c.phase, Phase::Dialing | Phase::Waiting)
            })
            .count();
        let generated_capacity =
            free.iter().filter(|&&a| self.agents[a].takes_traffic).count().saturating_sub(generated_in_flight);
        (capacity > 0).then(|| Need {
            campaign: self.queues[q].name.clone(),
            capacity,
            phones: free.iter().map(|&a| self.agents[a].phone.clone()).collect(),
            generated_capacity,
        })
    }

    /// The world's answer to a [`Need`]: these leads now, and when to look again if none.
    pub fn supply(&mut self, campaign: &str, leads: Vec<Lead>, look_again: Option<Millis>) {
        let Some(q) = self.queues.iter().position(|q| q.name == campaign) else { return };
        if leads.is_empty() {
            if let Some(at) = look_again.filter(|&at| at > self.now) {
                self.queues[q].tick_pending = true;
                self.schedule(at, Event::DialerTick(q));
            }
            return;
        }
        for lead in leads {
            self.dial(q, lead);
        }
    }

    fn dial(&mut self, q: usize, lead: Lead) {
        let now = self.now;
        let target = (!lead.agentphone.is_empty())
            .then(|| self.agents.iter().position(|a| a.phone == lead.agentphone))
            .flatten();
        if lead.manual {
            // A call placed now from an agent's phone: the named agent, else the first free member.
            let agent = target
                .filter(|&a| self.agents[a].call.is_none())
                .or_else(|| self.queues[q].members.iter().map(|m| m.agent).find(|&a| self.agents[a].is_available()));
            if let Some(a) = agent {
                let request = crate::model::agent_call::CallRequest {
                    callerid: self.queues[q].callerid.clone(),
                    agent: self.agents[a].username.clone(),
                    phone: self.agents[a].phone.clone(),
                    tech: self.agents[a].tech.clone(),
                    context: "dialer".into(),
                    outqueue: self.queues[q].name.clone(),
                    destination: lead.destination.clone(),
                    data: Some(lead.data.clone()),
                    form: None,
                };
                if let Ok(guid) = self.agent_call(request) {
                    if let Some(call) = self.calls.values_mut().find(|c| c.guid == guid) {
                        call.lead = Some(lead);
                    }
                    return;
                }
            }
            self.returned.push((lead, "no free agent for a manual task".into()));
            return;
        }
        let callerid = self.queues[q].callerid.clone();
        let id = self.new_call(q, Origin::Dialer, lead.destination.clone(), callerid);
        let day = self.day(now);
        self.queues[q].today(day).offered += 1;
        let outcome = self.draw_outcome();
        let delay = match outcome {
            Outcome::Answered => self.rng.between(3_000, 20_000),
            Outcome::NoAnswer => 30_000,
            Outcome::Busy => 3_000,
            Outcome::Failed => 1_000,
        };
        let progressive = self.queues[q].kind == CampaignKind::Progressive;
        if let Some(call) = self.calls.get_mut(&id) {
            call.phase = Phase::Dialing;
            call.customer_dialed = Some(now);
            call.outcome = outcome;
            call.target = if progressive { target } else { None };
            call.generated = lead.generated;
            call.lead = Some(lead);
        }
        self.schedule(now + delay, Event::CustomerResult(id));
    }

    /// A dialer call's customer answered: it waits for an agent like an inbound caller.
    pub(super) fn dialer_answered(&mut self, id: u64) {
        let now = self.now;
        let Some(call) = self.calls.get_mut(&id) else { return };
        call.customer_answered = Some(now);
        call.phase = Phase::Waiting;
        call.created_in_queue = Some(now);
        let (q, particular) = (call.queue, call.particular());
        self.queues[q].enqueue(id, particular);
        if let Some(patience) = self.queues[q].patience_s {
            let at = now + self.exponential_ms(patience);
            self.schedule(at, Event::Abandon(id));
        }
        self.dispatch(q);
    }
}
