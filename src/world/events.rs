//! The world's event stream (`GET /_mock/events`): every state change as a small JSON object with a
//! kind: `agent` (status, pause, login), `call` (started, answered, ended), `upload`, `disposition`,
//! `lists` (spool, schedules, tasks), `blacklist`, `clock`, `recording`. The engine is pure, so its changes are found by comparing its agents and
//! calls with what was last published.

use std::collections::HashMap;

use serde_json::{Value, json};
use tokio::sync::broadcast;

use super::World;
use crate::engine::{Engine, Finished};

/// How many events a slow listener may fall behind before it misses some.
pub const BACKLOG: usize = 1024;

/// One published change.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub kind: &'static str,
    pub data: Value,
}

/// What was last published of the engine, to publish only what changed.
#[derive(Debug, Default)]
pub struct Seen {
    agents: Vec<(u8, bool, bool)>,
    calls: HashMap<u64, &'static str>,
}

impl World {
    /// Tells every listener of this instance about a change: what `data` makes, made only when
    /// someone listens.
    pub fn publish(&self, kind: &'static str, data: impl FnOnce() -> Value) {
        if let Some(events) = self.events.get().filter(|events| events.receiver_count() > 0) {
            let _ = events.send(Event { kind, data: data() });
        }
    }

    /// A new listener of this instance's events.
    pub fn listen(&self) -> broadcast::Receiver<Event> {
        self.events.get_or_init(|| broadcast::channel(BACKLOG).0).subscribe()
    }

    /// Publishes what changed in the engine since the last look, and the calls it finished.
    pub(super) fn publish_engine(&self, engine: &Engine, finished: &[Finished]) {
        if self.events.get().is_none_or(|events| events.receiver_count() == 0) {
            return;
        }
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let at = self.clock().stamp();
        for (i, a) in engine.agents().iter().enumerate() {
            let now = (a.status, a.paused, a.logged_in);
            if seen.agents.get(i) != Some(&now) {
                self.publish("agent", || {
                    json!({"user": a.username, "phone": a.phone, "status": a.status, "paused": a.paused,
                           "pausedreason": a.pause_reason, "logged_in": a.logged_in, "at": at})
                });
            }
        }
        seen.agents = engine.agents().iter().map(|a| (a.status, a.paused, a.logged_in)).collect();
        let mut calls = HashMap::new();
        for c in engine.calls() {
            let phase = c.phase.as_str();
            if seen.calls.get(&c.id) != Some(&phase) {
                let campaign = &engine.queues()[c.queue].name;
                self.publish("call", || {
                    json!({"guid": c.guid, "campaign": campaign, "phase": phase, "customer": c.customer,
                           "agent": c.agent_label, "at": at})
                });
            }
            calls.insert(c.id, phase);
        }
        seen.calls = calls;
        for f in finished {
            let legs = &f.call.legs;
            let answered = legs.iter().any(|l| l.answered.is_some());
            self.publish("call", || {
                json!({"guid": f.call.guid, "campaign": f.call.campaign, "phase": "ended", "customer": f.call.customer,
                       "agent": f.call.agent, "answered": answered, "at": at})
            });
        }
    }
}
