//! The simulated contact center (docs/design.md, "The engine"): a discrete-event simulation of callers,
//! queues, agents and calls, driven by the instance's clock and seed. It is pure and synchronous:
//! the world advances it to "now", hands it commands (AgentCall, hangup, tag), and stores the
//! finished calls it hands back. Nothing here touches the database or the system clock.

pub mod actions;
pub mod agents;
pub mod calls;
pub mod dialer;
pub mod queues;
pub mod supervisor;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::clock::Millis;
use crate::entropy::Entropy;
use crate::model::agent_call::CallRequest;
use crate::model::call::{FinishedCall, Origin, Outcome};
use crate::model::config::CallSettings;
use agents::{Agent, status};
pub use calls::Call;
use calls::Phase;
use dialer::{Attempt, Lead, Need};
use queues::Queue;

/// A call the engine finished, for the world to store.
#[derive(Debug, Clone)]
pub struct Finished {
    pub call: FinishedCall,
    /// When the call was offered, and when it ended.
    pub arrived: Millis,
    pub ended: Millis,
    /// How long the caller waited in the queue before an agent answered (queue calls only).
    pub queue_wait: Option<Millis>,
    /// The dialer's lead and how the attempt went (dialer calls only).
    pub lead: Option<(Lead, Attempt)>,
}

/// What happens, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    /// A caller arrives at an inbound queue (Poisson); the second number is the traffic setting it
    /// was drawn under (a new setting makes older arrivals void).
    Arrival(usize, u64),
    /// A waiting caller's patience ends.
    Abandon(u64),
    /// The agent's phone stops ringing and is answered.
    AgentAnswers(u64),
    /// The customer leg of an outbound call is answered, or is not.
    CustomerResult(u64),
    /// The agent puts the customer on hold, and takes the call back.
    HoldStarts(u64),
    HoldEnds(u64),
    /// The conversation ends.
    TalkEnds(u64),
    /// An agent's wrap-up ends.
    WrapupEnds(usize),
    /// A campaign's dialer looks for numbers to call.
    DialerTick(usize),
}

/// The most callers one queue holds; more are turned away.
pub const MAX_WAITING: usize = 10_000;

/// Why a command was refused (the vendor's `0`; the text goes to `X-Mock-Reason`).
pub type Refusal = String;

/// One simulated contact center.
#[derive(Debug)]
pub struct Engine {
    zone: Tz,
    now: Millis,
    seq: u64,
    events: BinaryHeap<Reverse<(Millis, u64, Event)>>,
    rng: Entropy,
    agents: Vec<Agent>,
    queues: Vec<Queue>,
    calls: BTreeMap<u64, Call>,
    next_call: u64,
    settings: CallSettings,
    finished: Vec<Finished>,
    need: Option<Need>,
    returned: Vec<(Lead, String)>,
    action_prefix: i64,
    action_counter: u64,
    /// The second queuesummary last answered in, its local day and its Java-style date: both
    /// take a time-zone lookup, and the route is asked many times a second.
    summary_clock: (Millis, NaiveDate, String),
}

impl Engine {
    /// A contact center at `now` with these agents and queues; inbound traffic starts at once.
    pub fn new(
        zone: Tz,
        now: Millis,
        rng: Entropy,
        agents: Vec<Agent>,
        queues: Vec<Queue>,
        settings: CallSettings,
    ) -> Self {
        let action_prefix = rng.between(1_000_000_000, 9_999_999_999);
        let mut engine = Self {
            zone,
            now,
            seq: 0,
            events: BinaryHeap::new(),
            rng,
            agents,
            queues,
            calls: BTreeMap::new(),
            next_call: 1,
            settings,
            finished: Vec::new(),
            need: None,
            returned: Vec::new(),
            action_prefix,
            action_counter: 0,
            summary_clock: (Millis::MIN, NaiveDate::default(), String::new()),
        };
        for q in 0..engine.queues.len() {
            engine.schedule_arrival(q);
            engine.poke(q);
        }
        engine
    }

    pub fn now(&self) -> Millis {
        self.now
    }

    pub fn agents(&self) -> &[Agent] {
        &self.agents
    }

    pub fn queues(&self) -> &[Queue] {
        &self.queues
    }

    pub fn calls(&self) -> impl Iterator<Item = &Call> {
        self.calls.values()
    }

    /// The local day of `at`: statistics are "today".
    pub fn day(&self, at: Millis) -> NaiveDate {
        crate::clock::local_date(self.zone, at)
    }

    /// Runs every event up to `to`, in order, without sleeping. It stops early when a dialer
    /// needs leads: the world answers with [`Engine::supply`] and advances again.
    pub fn advance(&mut self, to: Millis) -> Option<Need> {
        while let Some(Reverse((at, _, event))) = self.events.peek().copied() {
            if at > to {
                break;
            }
            self.events.pop();
            self.now = at.max(self.now);
            self.handle(event);
            if let Some(need) = self.need.take() {
                return Some(need);
            }
        }
        self.now = to.max(self.now);
        None
    }

    /// Leads handed over but not dialled, with the reason, for the world to put back.
    pub fn take_returned(&mut self) -> Vec<(Lead, String)> {
        std::mem::take(&mut self.returned)
    }

    /// Whether the engine has run to `to` and holds nothing for the world to store or supply: no
    /// event due by `to` (a woken dialer's tick is one), no finished call, no returned lead.
    pub fn is_caught_up(&self, to: Millis) -> bool {
        self.now >= to
            && self.need.is_none()
            && self.finished.is_empty()
            && self.returned.is_empty()
            && self.events.peek().is_none_or(|std::cmp::Reverse((at, _, _))| *at > to)
    }

    /// The calls finished since the last take, oldest first.
    pub fn take_finished(&mut self) -> Vec<Finished> {
        std::mem::take(&mut self.finished)
    }

    fn schedule(&mut self, at: Millis, event: Event) {
        self.seq += 1;
        self.events.push(Reverse((at, self.seq, event)));
    }

    /// An exponential delay with the given mean, in milliseconds.
    fn exponential_ms(&self, mean_s: f64) -> Millis {
        // At most a year: a delay never overflows the clock.
        ((-mean_s * 1000.0 * (1.0 - self.rng.unit()).ln()).round() as Millis).clamp(0, 365 * 24 * 3_600_000)
    }

    fn schedule_arrival(&mut self, q: usize) {
        let rate = self.queues[q].arrivals_per_hour;
        if rate > 0.0 {
            let at = self.now + self.exponential_ms(3600.0 / rate).max(1);
            let setting = self.queues[q].traffic_setting;
            self.schedule(at, Event::Arrival(q, setting));
        }
    }

    /// Sets a campaign's inbound traffic: arrivals per hour and the callers' mean patience.
    pub fn set_traffic(&mut self, campaign: &str, per_hour: f64, patience_s: Option<f64>) -> Result<(), String> {
        let q =
            self.queues.iter().position(|q| q.name == campaign).ok_or_else(|| format!("no campaign {campaign:?}"))?;
        let queue = &mut self.queues[q];
        queue.arrivals_per_hour = per_hour;
        queue.patience_s = patience_s;
        queue.traffic_setting += 1;
        self.schedule_arrival(q);
        Ok(())
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Arrival(q, setting) => {
                if setting != self.queues[q].traffic_setting {
                    return;
                }
                self.schedule_arrival(q);
                let customer = format!("09{:07}", self.rng.between(0, 9_999_999));
                self.arrive_as(q, customer, true);
            }
            Event::Abandon(id) => self.abandon(id),
            Event::AgentAnswers(id) => self.agent_answers(id),
            Event::CustomerResult(id) => self.customer_result(id),
            Event::TalkEnds(id) => self.finish(id),
            Event::HoldStarts(id) => self.hold(id, status::ONHOLD),
            Event::HoldEnds(id) => self.hold(id, status::INUSE),
            Event::WrapupEnds(agent) => self.wrapup_ends(agent),
            Event::DialerTick(q) => self.need = self.dialer_need(q),
        }
    }

    /// A caller reaches queue `q` (one injected by the control API).
    pub fn arrive(&mut self, q: usize, customer: String) -> String {
        self.arrive_as(q, customer, false)
    }

    /// A caller reaches queue `q`; `generated` when the traffic made it.
    fn arrive_as(&mut self, q: usize, customer: String, generated: bool) -> String {
        let id = self.new_call(q, Origin::Inbound, customer.clone(), customer);
        if let Some(call) = self.calls.get_mut(&id) {
            call.generated = generated;
        }
        let now = self.now;
        let day = self.day(now);
        self.queues[q].today(day).offered += 1;
        if self.queues[q].waiting.len() >= MAX_WAITING {
            // A full queue turns callers away at once (Asterisk's maxlen): they count as abandoned.
            self.queues[q].today(day).abandoned += 1;
            let guid = self.calls.get(&id).map(|c| c.guid.clone()).unwrap_or_default();
            self.finish(id);
            return guid;
        }
        self.queues[q].waiting.push_back(id);
        if let Some(patience) = self.queues[q].patience_s {
            let at = now + self.exponential_ms(patience);
            self.schedule(at, Event::Abandon(id));
        }
        let guid = self.calls.get(&id).map(|c| c.guid.clone()).unwrap_or_default();
        self.dispatch(q);
        guid
    }

    fn new_call(&mut self, q: usize, origin: Origin, customer: String, callerid: String) -> u64 {
        let id = self.next_call;
        self.next_call += 1;
        let call = Call::new(id, self.rng.guid(), q, origin, customer, callerid, self.now);
        self.calls.insert(id, call);
        id
    }

    /// Offers waiting callers of queue `q` to its available members, first come first; a caller
    /// meant for one agent (progressive dialer) waits for that agent, and a generated caller for
    /// an agent that takes traffic (the callers behind them may be offered the others).
    fn dispatch(&mut self, q: usize) {
        let mut i = 0;
        while i < self.queues[q].waiting.len() {
            let id = self.queues[q].waiting[i];
            let (target, generated) = self.calls.get(&id).map_or((None, false), |c| (c.target, c.generated));
            let agent = match target {
                Some(target) => self.agents[target].is_available().then_some(target),
                None => self.queues[q].choose(&self.agents, &self.rng, generated),
            };
            match agent {
                Some(agent) => {
                    self.queues[q].waiting.remove(i);
                    self.ring(id, agent);
                }
                None if target.is_none() && !generated => return,
                None => i += 1,
            }
        }
    }

    /// Offers the agent's queues' callers to it, longest waiting first.
    fn dispatch_for(&mut self, agent: usize) {
        let mut queues: Vec<(Millis, usize)> = (0..self.queues.len())
            .filter(|&q| self.queues[q].members.iter().any(|m| m.agent == agent))
            .filter_map(|q| self.queues[q].waiting.front().and_then(|id| self.calls.get(id)).map(|c| (c.created, q)))
            .collect();
        queues.sort_unstable();
        for (_, q) in queues {
            self.dispatch(q);
        }
        let dialing: Vec<usize> =
            (0..self.queues.len()).filter(|&q| self.queues[q].members.iter().any(|m| m.agent == agent)).collect();
        for q in dialing {
            self.poke(q);
        }
    }

    fn ring(&mut self, id: u64, agent: usize) {
        let now = self.now;
        let ring = (self.settings.ring * 1000.0).round() as Millis;
        let a = &mut self.agents[agent];
        a.call = Some(id);
        a.set_status(status::RINGING, now);
        let (label, phone) = (a.username.clone(), a.phone.clone());
        if let Some(call) = self.calls.get_mut(&id) {
            call.agent = Some(agent);
            call.agent_label = label;
            call.agent_phone = phone;
            call.phase = Phase::RingingAgent;
            call.agent_rang = Some(now);
        }
        self.schedule(now + ring, Event::AgentAnswers(id));
    }

    fn agent_answers(&mut self, id: u64) {
        let now = self.now;
        let Some(call) = self.calls.get_mut(&id) else { return };
        if call.phase != Phase::RingingAgent {
            return;
        }
        call.agent_answered = Some(now);
        let (q, origin, created, agent) = (call.queue, call.origin, call.created, call.agent);
        if let Some(a) = agent {
            self.agents[a].set_status(status::INUSE, now);
        }
        match origin {
            Origin::Outbound => {
                // The agent answered (auto-answer): now the customer is dialled.
                let outcome = self.draw_outcome();
                let delay = match outcome {
                    Outcome::Answered => self.rng.between(2_000, 15_000),
                    Outcome::NoAnswer => 30_000,
                    Outcome::Busy => 3_000,
                    Outcome::Failed => 1_000,
                };
                if let Some(call) = self.calls.get_mut(&id) {
                    call.phase = Phase::Dialing;
                    call.customer_dialed = Some(now);
                    call.outcome = outcome;
                }
                self.schedule(now + delay, Event::CustomerResult(id));
            }
            _ => {
                let entered = self.calls.get(&id).and_then(|c| c.created_in_queue).unwrap_or(created);
                let wait = now - entered;
                let threshold = self.queues[q].threshold_s * 1000;
                let day = self.day(now);
                let stats = self.queues[q].today(day);
                stats.queue_answered += 1;
                stats.hold_ms += wait;
                stats.hold_count += 1;
                if wait <= threshold {
                    stats.within_threshold += 1;
                }
                if let Some(call) = self.calls.get_mut(&id) {
                    call.phase = Phase::Talking;
                    call.queue_wait = Some(wait);
                    call.talk_started = Some(now);
                }
                self.start_talk(id);
            }
        }
    }

    fn customer_result(&mut self, id: u64) {
        let now = self.now;
        let Some(call) = self.calls.get_mut(&id) else { return };
        if call.phase != Phase::Dialing {
            return;
        }
        if call.origin == Origin::Dialer {
            let (q, answered) = (call.queue, call.outcome == Outcome::Answered);
            if answered {
                self.dialer_answered(id);
            } else {
                self.finish(id);
                self.poke(q);
            }
            return;
        }
        if call.outcome == Outcome::Answered {
            call.phase = Phase::Talking;
            call.customer_answered = Some(now);
            call.talk_started = Some(now);
            self.start_talk(id);
        } else {
            self.finish(id);
        }
    }

    /// Plans a conversation: its length and, sometimes, a hold in the middle.
    fn start_talk(&mut self, id: u64) {
        let now = self.now;
        let talk = self.exponential_ms(self.settings.talk_mean).max(1000);
        if talk >= 20_000 && self.rng.unit() < self.settings.hold_share {
            self.schedule(now + talk * 3 / 10, Event::HoldStarts(id));
            self.schedule(now + talk * 6 / 10, Event::HoldEnds(id));
        }
        self.schedule(now + talk, Event::TalkEnds(id));
    }

    /// A hold starts or ends on a call still in conversation.
    fn hold(&mut self, id: u64, device: u8) {
        let now = self.now;
        let Some(call) = self.calls.get(&id) else { return };
        if let (Phase::Talking, Some(a)) = (call.phase, call.agent) {
            self.agents[a].set_status(device, now);
        }
    }

    fn draw_outcome(&self) -> Outcome {
        let o = self.settings.outcomes;
        let total = i64::from(o.answered + o.no_answer + o.busy + o.failed).max(1);
        let draw = self.rng.between(0, total - 1) as u32;
        if draw < o.answered {
            Outcome::Answered
        } else if draw < o.answered + o.no_answer {
            Outcome::NoAnswer
        } else if draw < o.answered + o.no_answer + o.busy {
            Outcome::Busy
        } else {
            Outcome::Failed
        }
    }

    fn abandon(&mut self, id: u64) {
        let Some(call) = self.calls.get(&id) else { return };
        if call.phase != Phase::Waiting {
            return;
        }
        let q = call.queue;
        self.queues[q].waiting.retain(|&w| w != id);
        let day = self.day(self.now);
        self.queues[q].today(day).abandoned += 1;
        self.finish(id);
    }

    /// Ends a call now: its agent wraps up or is free again, its record goes to the world.
    fn finish(&mut self, id: u64) {
        let now = self.now;
        let Some(mut call) = self.calls.remove(&id) else { return };
        if call.phase == Phase::Waiting {
            self.queues[call.queue].waiting.retain(|&w| w != id);
        }
        let talked = call.talk_started.is_some();
        call.phase = Phase::Ended;
        let q = call.queue;
        let day = self.day(now);
        if talked {
            let stats = self.queues[q].today(day);
            stats.completed += 1;
            stats.talk_ms += now - call.talk_started.unwrap_or(now);
            stats.talk_count += 1;
        }
        if let Some(a) = call.agent {
            if call.origin != Origin::Outbound && talked {
                self.queues[q].member_took_call(a, now.div_euclid(1000));
            }
            let wrapup = if talked && call.origin != Origin::Outbound { self.queues[q].wrapup_s } else { 0 };
            let agent = &mut self.agents[a];
            agent.call = None;
            if wrapup > 0 {
                agent.wrapup_until = Some(now + wrapup * 1000);
                agent.set_status(status::WRAPUP, now);
                self.schedule(now + wrapup * 1000, Event::WrapupEnds(a));
            } else {
                let idle = if agent.logged_in { status::NOT_INUSE } else { status::UNAVAILABLE };
                agent.set_status(idle, now);
            }
        }
        let record = call.record(now, &self.queues[q], self.zone);
        let attempt = if talked {
            Attempt::Talked
        } else if call.customer_answered.is_some() || call.origin == Origin::Inbound {
            Attempt::Abandoned
        } else {
            Attempt::NotReached(call.outcome)
        };
        let lead = call.lead.take().map(|l| (l, attempt));
        self.finished.push(Finished {
            call: record,
            arrived: call.created,
            ended: now,
            queue_wait: call.queue_wait,
            lead,
        });
        if let Some(a) = call.agent {
            self.dispatch_for(a);
        }
    }

    fn wrapup_ends(&mut self, agent: usize) {
        let now = self.now;
        let a = &mut self.agents[agent];
        if a.call.is_some() {
            // An AgentCall placed during wrap-up ended it.
            a.wrapup_until = None;
            return;
        }
        if a.wrapup_until.is_some_and(|t| t <= now) {
            a.wrapup_until = None;
            let idle = if a.logged_in { status::NOT_INUSE } else { status::UNAVAILABLE };
            a.set_status(idle, now);
            self.dispatch_for(agent);
        }
    }

    /// `Agents/AgentCall`: rings the agent's phone, then dials the customer (docs/contract.md, section 3).
    pub fn agent_call(&mut self, r: CallRequest) -> Result<String, Refusal> {
        let fields = [
            ("callerid", &r.callerid),
            ("agent", &r.agent),
            ("phone", &r.phone),
            ("tech", &r.tech),
            ("context", &r.context),
            ("outqueue", &r.outqueue),
            ("destination", &r.destination),
        ];
        let fields = fields.map(|(name, value)| (name, value.as_str()));
        if let Some(reason) = crate::model::required::missing(&fields) {
            return Err(reason);
        }
        let agent = self
            .agents
            .iter()
            .position(|a| a.phone == r.phone)
            .ok_or_else(|| format!("phone {} is not a known agent phone", r.phone))?;
        if self.agents[agent].call.is_some() {
            return Err(format!("phone {} is already in a call", r.phone));
        }
        let q = self
            .queues
            .iter()
            .position(|q| q.name == r.outqueue)
            .ok_or_else(|| format!("outqueue {:?} is not a known campaign", r.outqueue))?;
        let id = self.new_call(q, Origin::Outbound, r.destination, r.callerid);
        let day = self.day(self.now);
        self.queues[q].today(day).offered += 1;
        let now = self.now;
        let ring = (self.settings.ring * 1000.0).round() as Millis;
        let a = &mut self.agents[agent];
        a.call = Some(id);
        a.wrapup_until = None;
        a.set_status(status::RINGING, now);
        let Some(call) = self.calls.get_mut(&id) else { return Err("the call vanished".into()) };
        call.agent = Some(agent);
        call.agent_label = r.agent;
        call.agent_phone = r.phone;
        call.context = r.context;
        call.phase = Phase::RingingAgent;
        call.agent_rang = Some(now);
        call.data = r.data;
        call.form = r.form;
        let guid = call.guid.clone();
        self.schedule(now + ring, Event::AgentAnswers(id));
        Ok(guid)
    }

    /// `Agents/HangupPhone`: ends the call on `phone`; false when the phone is idle.
    pub fn hangup(&mut self, phone: &str) -> bool {
        let Some(agent) = self.agents.iter().position(|a| a.phone == phone) else { return false };
        let Some(id) = self.agents[agent].call else { return false };
        let Some(call) = self.calls.get_mut(&id) else { return false };
        if call.phase == Phase::Dialing {
            call.outcome = Outcome::NoAnswer;
        }
        self.finish(id);
        true
    }

    /// `Agents/TagRecord` on a call still in progress; false when no live call has that guid.
    pub fn tag(&mut self, guid: &str, data: &str) -> bool {
        match self.calls.values_mut().find(|c| c.guid == guid) {
            Some(call) => {
                call.note = Some(data.to_string());
                true
            }
            None => false,
        }
    }

    /// The next `internalActionId` (one per supervisor response).
    fn action_id(&mut self) -> String {
        self.action_counter += 1;
        let mut number = itoa::Buffer::new();
        let mut id = String::with_capacity(32);
        id.push_str(number.format(self.action_prefix));
        id.push('_');
        id.push_str(number.format(self.action_counter));
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::config::CampaignKind;

    #[test]
    fn an_event_due_by_now_means_the_engine_is_not_caught_up() {
        let mut engine = one_agent_engine(CallSettings::default());
        let now = engine.now();
        engine.advance(now);
        assert!(engine.is_caught_up(now));
        engine.schedule(now, Event::DialerTick(0));
        assert!(!engine.is_caught_up(now), "a tick due now must run before a read");
        engine.advance(now);
        assert!(!engine.is_caught_up(now + 1), "time moved on");
    }

    fn one_agent_engine(settings: CallSettings) -> Engine {
        let agents = vec![Agent::new("a".into(), "A".into(), "1001".into(), "SIP".into(), true, 0)];
        let member = queues::Member { agent: 0, penalty: 0, calls_taken: 0, last_call: 0 };
        let queue = Queue::new(
            "In<-".into(),
            CampaignKind::Inbound,
            "linear".into(),
            20,
            5,
            String::new(),
            "1".into(),
            vec![member],
            0.0,
            None,
        );
        Engine::new(chrono_tz::UTC, 0, Entropy::new(1, "t", 1), agents, vec![queue], settings)
    }

    #[test]
    fn a_call_rings_talks_holds_and_wraps_up() {
        let mut engine =
            one_agent_engine(CallSettings { hold_share: 1.0, talk_mean: 600.0, ..CallSettings::default() });
        engine.inject("In<-", "099").unwrap();
        let mut seen = Vec::new();
        for second in 0..3600 {
            engine.advance(second * 1000);
            let status = engine.agents()[0].status;
            if seen.last() != Some(&status) {
                seen.push(status);
            }
        }
        assert_eq!(
            seen,
            vec![status::RINGING, status::INUSE, status::ONHOLD, status::INUSE, status::WRAPUP, status::NOT_INUSE]
        );
        let finished = engine.take_finished();
        assert_eq!(finished.len(), 1);
        // The caller waited while the phone rang (3 s): waiting ends when an agent answers.
        assert_eq!(finished[0].queue_wait, Some(3000));
    }
}
