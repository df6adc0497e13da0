//! The simulated contact center (docs/design.md, "The engine"): a discrete-event simulation of callers,
//! queues, agents and calls, driven by the instance's clock and seed. It is pure and synchronous:
//! the world advances it to "now", hands it commands (AgentCall, hangup, tag), and stores the
//! finished calls it hands back. Nothing here touches the database or the system clock.

pub mod actions;
pub mod agents;
pub mod calls;
mod commands;
pub mod dialing;
mod lifecycle;
pub mod queues;
pub mod supervisor;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::clock::Millis;
use crate::entropy::Entropy;
use crate::model::call::FinishedCall;
use crate::model::config::CallSettings;
use agents::{Agent, status};
pub use calls::Call;
use dialing::{Attempt, Lead, Need};
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

pub use crate::model::why::{Refusal, Why};

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
    /// A counter a read may move too (every answer of the supervisor routes has its own id).
    action_counter: std::cell::Cell<u64>,
    /// Bumped by every access that could change the engine ([`Locked`]'s `DerefMut`): what a read
    /// keeps is good while it stays.
    generation: u64,
    /// queuesummary's last answer, kept for its generation and second (the route is asked many
    /// times a second, mostly of an engine that did not change).
    summary: std::cell::RefCell<supervisor::Summary>,
}

/// The engine of an instance, behind its lock: what [`Shared::lock`] gives.
#[derive(Debug)]
pub struct Shared(tokio::sync::Mutex<Engine>);

impl Shared {
    pub fn new(engine: Engine) -> Self {
        Self(tokio::sync::Mutex::new(engine))
    }

    pub async fn lock(&self) -> Locked<'_> {
        Locked(self.0.lock().await)
    }
}

/// The locked engine. Reading it changes nothing; any mutable access moves its generation, so a
/// read kept from before (queuesummary's) is made again.
#[derive(Debug)]
pub struct Locked<'a>(tokio::sync::MutexGuard<'a, Engine>);

impl std::ops::Deref for Locked<'_> {
    type Target = Engine;

    fn deref(&self) -> &Engine {
        &self.0
    }
}

impl std::ops::DerefMut for Locked<'_> {
    fn deref_mut(&mut self) -> &mut Engine {
        self.0.generation = self.0.generation.wrapping_add(1);
        &mut self.0
    }
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
            action_counter: std::cell::Cell::new(0),
            generation: 0,
            summary: Default::default(),
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
    pub fn set_traffic(&mut self, campaign: &str, per_hour: f64, patience_s: Option<f64>) -> Result<(), Refusal> {
        let q = self.queue_named(campaign)?;
        let queue = &mut self.queues[q];
        queue.arrivals_per_hour = per_hour;
        queue.patience_s = patience_s;
        queue.traffic_setting += 1;
        self.schedule_arrival(q);
        Ok(())
    }

    /// The queue of `campaign`.
    fn queue_named(&self, campaign: &str) -> Result<usize, Refusal> {
        let q = self.queues.iter().position(|q| q.name == campaign);
        q.ok_or_else(|| Refusal::new(Why::UnknownCampaign, format!("no campaign {campaign:?}")))
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

    /// queuesummary's kept answer is made again after any change through the lock, and each
    /// answer has its own action id.
    #[tokio::test]
    async fn a_kept_summary_follows_every_change_and_every_answer_has_its_own_id() {
        let shared = Shared::new(one_agent_engine(CallSettings::default()));
        let mut engine = shared.lock().await;
        let first = engine.queue_summary();
        let again = engine.queue_summary();
        assert_ne!(first, again, "each answer has its own internalActionId");
        let id = |s: &str| s.split("\"internalActionId\":\"").nth(1).unwrap().split('"').next().unwrap().to_string();
        assert_eq!(first.replace(&id(&first), "ID"), again.replace(&id(&again), "ID"));
        assert!(first.contains("\"loggedIn\":1,\"available\":1"), "{first}");
        engine.agent_action("a", actions::AgentAction::Pause("lunch".into())).unwrap();
        let paused = engine.queue_summary();
        assert!(paused.contains("\"loggedIn\":1,\"available\":0"), "{paused}");
        drop(engine);
        shared.lock().await.agent_action("a", actions::AgentAction::Logout).unwrap();
        assert!(shared.lock().await.queue_summary().contains("\"loggedIn\":0,\"available\":0"));
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

    /// Generated callers that no agent takes wait, and the dispatch stops at them only once no
    /// other caller is behind them: an injected caller at the end of the line still reaches the
    /// agent who takes no traffic, and the line's bookkeeping follows every caller out.
    #[test]
    fn a_line_of_generated_callers_holds_up_no_injected_caller_behind_it() {
        let mut engine = one_agent_engine(CallSettings::default());
        engine.agents[0].takes_traffic = false;
        for i in 0..50 {
            engine.arrive_as(0, format!("09{i}"), true);
        }
        assert_eq!((engine.queues[0].waiting.len(), engine.queues[0].particular), (50, 0));
        assert!(engine.agents[0].call.is_none(), "no generated caller reaches an agent who takes no traffic");
        let injected = engine.arrive(0, "0999".into());
        let ringing = engine.agents[0].call.and_then(|id| engine.calls.get(&id)).map(|c| c.guid.clone());
        assert_eq!(ringing.as_deref(), Some(injected.as_str()));
        assert_eq!((engine.queues[0].waiting.len(), engine.queues[0].particular), (50, 0));
        let waiting: Vec<u64> = engine.queues[0].waiting.iter().copied().collect();
        for id in waiting {
            engine.abandon(id);
        }
        assert_eq!((engine.queues[0].waiting.len(), engine.queues[0].particular), (0, 0));
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
