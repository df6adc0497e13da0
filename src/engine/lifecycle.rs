//! A call's life in the simulation: it arrives (or is placed) and waits, is offered to a member by
//! the campaign's strategy, rings, is answered, talks (holding a while, perhaps), ends or is
//! abandoned, and leaves its agent in wrap-up; each step schedules the next as an event.

use super::agents::status;
use super::calls::{Call, Phase};
use super::dialing::Attempt;
use super::{Engine, Event, Finished, MAX_WAITING};
use crate::clock::Millis;
use crate::model::call::{Origin, Outcome};

impl Engine {
    /// A caller reaches queue `q` (one injected by the control API).
    pub fn arrive(&mut self, q: usize, customer: String) -> String {
        self.arrive_as(q, customer, false)
    }

    /// A caller reaches queue `q`; `generated` when the traffic made it.
    pub(super) fn arrive_as(&mut self, q: usize, customer: String, generated: bool) -> String {
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
        let particular = self.calls.get(&id).is_some_and(Call::particular);
        self.queues[q].enqueue(id, particular);
        if let Some(patience) = self.queues[q].patience_s {
            let at = now + self.exponential_ms(patience);
            self.schedule(at, Event::Abandon(id));
        }
        let guid = self.calls.get(&id).map(|c| c.guid.clone()).unwrap_or_default();
        self.dispatch(q);
        guid
    }

    pub(super) fn new_call(&mut self, q: usize, origin: Origin, customer: String, callerid: String) -> u64 {
        let id = self.next_call;
        self.next_call += 1;
        let call = Call::new(id, self.rng.guid(), q, origin, customer, callerid, self.now);
        self.calls.insert(id, call);
        id
    }

    /// Offers waiting callers of queue `q` to its available members, first come first; a caller
    /// meant for one agent (progressive dialer) waits for that agent, and a generated caller for
    /// an agent that takes traffic (the callers behind them may be offered the others).
    /// A generated caller for no agent in particular that finds none means none for the generated
    /// callers behind it (the agents do not change within a dispatch): once no other caller is
    /// left behind it, the dispatch ends, so its cost does not grow with the line.
    pub(super) fn dispatch(&mut self, q: usize) {
        let mut i = 0;
        // Particular callers at place `i` and after; whether a generated caller found no agent.
        let (mut particular_left, mut generated_full) = (self.queues[q].particular, false);
        while i < self.queues[q].waiting.len() {
            if generated_full && particular_left == 0 {
                return;
            }
            let id = self.queues[q].waiting[i];
            let Some(call) = self.calls.get(&id) else {
                i += 1;
                continue;
            };
            let (target, generated, particular) = (call.target, call.generated, call.particular());
            let agent = match target {
                Some(target) => self.agents[target].is_available().then_some(target),
                None if generated && generated_full => None,
                None => self.queues[q].choose(&self.agents, &self.rng, generated),
            };
            match agent {
                Some(agent) => {
                    self.queues[q].dequeue_at(i, particular);
                    particular_left -= usize::from(particular).min(particular_left);
                    self.ring(id, agent);
                }
                None if target.is_none() && !generated => return,
                None => {
                    if particular {
                        particular_left = particular_left.saturating_sub(1);
                    } else {
                        generated_full = true;
                    }
                    i += 1;
                }
            }
        }
    }

    /// Offers the agent's queues' callers to it, longest waiting first.
    pub(super) fn dispatch_for(&mut self, agent: usize) {
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

    pub(super) fn ring(&mut self, id: u64, agent: usize) {
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

    pub(super) fn agent_answers(&mut self, id: u64) {
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

    pub(super) fn customer_result(&mut self, id: u64) {
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
    pub(super) fn start_talk(&mut self, id: u64) {
        let now = self.now;
        let talk = self.exponential_ms(self.settings.talk_mean).max(1000);
        if talk >= 20_000 && self.rng.unit() < self.settings.hold_share {
            self.schedule(now + talk * 3 / 10, Event::HoldStarts(id));
            self.schedule(now + talk * 6 / 10, Event::HoldEnds(id));
        }
        self.schedule(now + talk, Event::TalkEnds(id));
    }

    /// A hold starts or ends on a call still in conversation.
    pub(super) fn hold(&mut self, id: u64, device: u8) {
        let now = self.now;
        let Some(call) = self.calls.get(&id) else { return };
        if let (Phase::Talking, Some(a)) = (call.phase, call.agent) {
            self.agents[a].set_status(device, now);
        }
    }

    pub(super) fn draw_outcome(&self) -> Outcome {
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

    pub(super) fn abandon(&mut self, id: u64) {
        let Some(call) = self.calls.get(&id) else { return };
        if call.phase != Phase::Waiting {
            return;
        }
        let (q, particular) = (call.queue, call.particular());
        self.queues[q].forget(id, particular);
        let day = self.day(self.now);
        self.queues[q].today(day).abandoned += 1;
        self.finish(id);
    }

    /// Ends a call now: its agent wraps up or is free again, its record goes to the world.
    pub(super) fn finish(&mut self, id: u64) {
        let now = self.now;
        let Some(mut call) = self.calls.remove(&id) else { return };
        if call.phase == Phase::Waiting {
            self.queues[call.queue].forget(id, call.particular());
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

    pub(super) fn wrapup_ends(&mut self, agent: usize) {
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
}
