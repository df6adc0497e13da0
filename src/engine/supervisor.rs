//! `Supervisor/queuesummary` and `Supervisor/campaignstatus` (docs/contract.md, section 8), computed from the
//! engine's live state and the day's counted events. Keys, order and types are the vendor's.

use serde_json::{Map, Value, json};

use super::Engine;
use super::agents::{Agent, status};
use super::queues::{DayStats, Queue};
use crate::clock::{Millis, local_naive};
use crate::model::vendor_date::VendorDate;

impl Engine {
    /// `Supervisor/queuesummary`: one object per campaign, then the closing object, as JSON text
    /// (keys in the vendor's order). Made again only when the engine's generation or the second
    /// moved; otherwise the last one is given with this answer's own action id. The generation
    /// moves at each mutable access through [`super::Locked`]: call this through the lock, not
    /// between changes made through one `&mut Engine`.
    pub fn queue_summary(&self) -> String {
        let action = self.action_id();
        let second = self.now.div_euclid(1000);
        let mut kept = self.summary.borrow_mut();
        if kept.made != Some((self.generation, second)) {
            *kept = self.make_summary(second);
        }
        let mut out = String::with_capacity(kept.text.len() + action.len() * kept.actions.len());
        let mut from = 0;
        for &at in &kept.actions {
            out.push_str(&kept.text[from..at]);
            out.push_str(&action);
            from = at;
        }
        out.push_str(&kept.text[from..]);
        out
    }

    /// Written by hand: the two values every object shares are escaped once (neither has anything
    /// JSON would escape: digits and `_`; letters, digits, `,:` and spaces).
    fn make_summary(&self, second: Millis) -> Summary {
        let day = self.day(self.now);
        let received = self.java_date(self.now);
        let mut text = String::with_capacity(256 * (self.queues.len() + 1));
        let mut actions = Vec::with_capacity(self.queues.len() + 1);
        let mut number = itoa::Buffer::new();
        text.push('[');
        for q in &self.queues {
            let stats = q.stats_of(day);
            let members = || q.members.iter().map(|m| &self.agents[m.agent]);
            let longest = q
                .waiting
                .iter()
                .filter_map(|id| self.calls.get(id))
                .map(|c| self.now - c.created_in_queue.unwrap_or(c.created))
                .max();
            text.push_str("{\"queue\":");
            push_json_text(&mut text, &q.name);
            for (key, value) in [
                ("loggedIn", members().filter(|a| a.logged_in).count() as i64),
                ("available", members().filter(|a| a.is_available()).count() as i64),
                ("callers", q.waiting.len() as i64),
                ("holdTime", average_seconds(stats.hold_ms, stats.hold_count)),
                ("talkTime", average_seconds(stats.talk_ms, stats.talk_count)),
                ("longestHoldTime", longest.unwrap_or(0) / 1000),
            ] {
                text.push_str(",\"");
                text.push_str(key);
                text.push_str("\":");
                text.push_str(number.format(value));
            }
            text.push(',');
            push_closing(&mut text, &mut actions, &received);
            text.push(',');
        }
        text.push('{');
        push_closing(&mut text, &mut actions, &received);
        text.push(']');
        Summary { made: Some((self.generation, second)), text, actions }
    }

    /// `Supervisor/campaignstatus`: every campaign keyed by name, or one campaign and its members
    /// keyed by interface; `{}` for an unknown campaign.
    pub fn campaign_status(&mut self, queue: &str) -> Value {
        let mut out = Map::new();
        if queue.is_empty() {
            for q in &self.queues {
                out.insert(q.name.clone(), self.campaign_object(q));
            }
            return Value::Object(out);
        }
        let Some(q) = self.queues.iter().position(|q| q.name == queue) else { return Value::Object(out) };
        let action = self.action_id();
        let q = &self.queues[q];
        out.insert(q.name.clone(), self.campaign_object(q));
        for m in &q.members {
            let a = &self.agents[m.agent];
            let paused_reason = match (a.logged_in, a.paused) {
                (false, _) => "[]".to_string(),
                (true, true) => a.pause_reason.clone(),
                (true, false) => String::new(),
            };
            out.insert(
                a.interface(),
                json!({
                    "queue": q.name,
                    "location": a.interface(),
                    "membership": "",
                    "name": a.name,
                    "penalty": m.penalty,
                    "callsTaken": m.calls_taken,
                    "lastCall": m.last_call,
                    "status": a.status,
                    "paused": a.paused,
                    "stateinterface": a.interface(),
                    "incall": i32::from(a.in_call()),
                    "pausedreason": paused_reason,
                    "internalActionId": action,
                    "dateReceived": self.java_date(a.changed_at),
                    "server": hms((self.now - a.changed_at).max(0) / 1000),
                }),
            );
        }
        Value::Object(out)
    }

    fn campaign_object(&self, q: &Queue) -> Value {
        let stats: DayStats = q.stats_of(self.day(self.now));
        let mut buckets = [0u32; 6]; // availables, notavailables, paused, busy, busypaused, onwrapup
        for m in &q.members {
            buckets[bucket(&self.agents[m.agent])] += 1;
        }
        let logged = q.members.iter().filter(|m| self.agents[m.agent].logged_in).count();
        json!({
            "campaign": q.name,
            "availables": buckets[0],
            "notavailables": buckets[1],
            "paused": buckets[2],
            "busy": buckets[3],
            "busypaused": buckets[4],
            "totalagents": buckets.iter().sum::<u32>(),
            "logged": logged,
            "onwrapup": buckets[5],
            "completed": stats.completed,
            "abandoned": stats.abandoned,
            // As deployed wallboards read them: the average per call ("Media hablado", "Media en
            // espera"), then how many calls it averages.
            "talked": format!("{}-{}", hms(average_seconds(stats.talk_ms, stats.talk_count)), stats.talk_count),
            "hold": format!("{}-{}", hms(average_seconds(stats.hold_ms, stats.hold_count)), stats.hold_count),
            // The vendor's examples write "0" when nobody abandoned (and "0.0" for the service levels).
            "abandonedlevel": if stats.abandoned == 0 { "0".to_string() } else { percent(stats.abandoned, stats.offered) },
            "totalcalls": stats.offered,
            // Callers waiting in the campaign's queue now, as queuesummary's `callers` (wallboards show
            // it as "En espera").
            "acd": q.waiting.len(),
            "servicelevel": percent(stats.within_threshold, stats.queue_answered),
            "servicelevel2": percent(stats.within_threshold, stats.queue_answered + stats.abandoned),
            "strategy": q.strategy,
            "slevelthreshold": q.threshold_s.to_string(),
            "wrapup": q.wrapup_s,
        })
    }

    fn java_date(&self, at: Millis) -> String {
        VendorDate::from(local_naive(self.zone, at)).java_style()
    }
}

/// `text` as a JSON string literal.
fn json_text(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

/// Appends `text` as a JSON string literal (as is when nothing in it needs escaping).
fn push_json_text(out: &mut String, text: &str) {
    if text.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(text);
        out.push('"');
    } else {
        out.push_str(&json_text(text));
    }
}

/// The two keys every queuesummary object ends with (`action` and `received` need no escaping).
/// queuesummary's answer without its action id, and where the id goes.
#[derive(Debug, Default)]
pub struct Summary {
    /// The engine's generation and the second it was made for.
    made: Option<(u64, Millis)>,
    text: String,
    actions: Vec<usize>,
}

fn push_closing(out: &mut String, actions: &mut Vec<usize>, received: &str) {
    out.push_str("\"internalActionId\":\"");
    actions.push(out.len());
    out.push_str("\",\"dateReceived\":\"");
    out.push_str(received);
    out.push_str("\"}");
}

/// The one bucket of docs/contract.md, section 8 an agent falls in (index into the campaign's counts).
fn bucket(a: &Agent) -> usize {
    let busy = matches!(a.status, status::INUSE | status::BUSY | status::RINGING | status::RINGINUSE | status::ONHOLD);
    match (a.logged_in, a.paused, a.status) {
        (false, _, _) | (_, _, status::UNKNOWN | status::INVALID | status::UNAVAILABLE) => 1,
        (_, _, status::WRAPUP) => 5,
        (_, true, _) if busy => 4,
        (_, false, _) if busy => 3,
        (_, true, _) => 2,
        _ => 0,
    }
}

fn average_seconds(total_ms: i64, count: u64) -> i64 {
    if count == 0 { 0 } else { total_ms / 1000 / count as i64 }
}

/// A percentage with one decimal, as text (`"0.0"` when there is nothing to count).
fn percent(part: u64, whole: u64) -> String {
    if whole == 0 { "0.0".to_string() } else { format!("{:.1}", part as f64 * 100.0 / whole as f64) }
}

/// `HH:MM:SS` (hours may pass 99).
fn hms(seconds: i64) -> String {
    format!("{:02}:{:02}:{:02}", seconds / 3600, seconds % 3600 / 60, seconds % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_names_are_escaped_as_serde_json_escapes_them() {
        for name in [
            "Ventas->",
            "nombreCampaña->",
            "a\"b",
            "back\\slash",
            "new\nline",
            "\u{1f}unit",
            "del\u{7f}",
            "\u{2028}",
            "",
        ] {
            let mut out = String::new();
            push_json_text(&mut out, name);
            assert_eq!(out, serde_json::to_string(name).unwrap(), "{name:?}");
        }
    }
}
