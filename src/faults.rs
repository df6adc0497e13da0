//! Faults on demand, per instance (the test double's `POST /_mock/faults`): added latency, a forced
//! answer (a body, a status), a dropped connection, with a probability (seeded like everything else)
//! and a count.

use std::sync::Mutex;

use serde::Serialize;
use serde_json::Value;

/// The longest latency a fault may add, in milliseconds.
pub const MAX_LATENCY_MS: u64 = 60_000;
/// The most faults an instance holds at once.
pub const MAX_FAULTS: usize = 1_000;
/// The longest forced answer and path, in bytes.
pub const MAX_TEXT: usize = 64 * 1024;

/// One fault rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fault {
    pub id: u64,
    /// An exact path, or a prefix ending in `*`.
    pub path: String,
    /// Added latency: fixed (`min == max`) or drawn from a range, in milliseconds.
    pub latency_ms: Option<(u64, u64)>,
    /// A forced answer body, and its status (200 when only a body is given).
    pub answer: Option<String>,
    pub status: Option<u16>,
    /// Close the connection without an answer.
    pub drop: bool,
    pub probability: f64,
    /// How many more requests it hits (`None`: until cleared).
    pub times: Option<u64>,
}

/// What a matching fault does to a request.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub latency_ms: u64,
    pub answer: Option<(u16, String)>,
    pub drop: bool,
}

impl Hit {
    /// What the fault does, as the coverage report names it: `drop`, `answer` (a forced answer),
    /// else `latency`.
    pub fn kind(&self) -> &'static str {
        match (self.drop, &self.answer) {
            (true, _) => "drop",
            (false, Some(_)) => "answer",
            (false, None) => "latency",
        }
    }
}

impl Fault {
    /// Reads `{"path", "latency": ms | [min, max], "answer", "status", "drop", "probability", "times"}`.
    pub fn from_json(value: &Value) -> Result<Self, String> {
        let Value::Object(map) = value else { return Err("send a JSON object".into()) };
        let path = match map.get("path") {
            Some(Value::String(p)) if p.len() > MAX_TEXT => return Err(format!("path is over {MAX_TEXT} bytes")),
            Some(Value::String(p)) if p.starts_with('/') => p.clone(),
            _ => return Err("path must be a path starting with / (a trailing * matches a prefix)".into()),
        };
        let ms = |v: &Value| v.as_u64().filter(|&n| n <= MAX_LATENCY_MS);
        let latency_ms = match map.get("latency") {
            None | Some(Value::Null) => None,
            Some(Value::Array(range)) if range.len() == 2 => match (ms(&range[0]), ms(&range[1])) {
                (Some(a), Some(b)) if a <= b => Some((a, b)),
                _ => return Err(format!("latency must be [min, max] milliseconds, 0 to {MAX_LATENCY_MS}")),
            },
            Some(v) => match ms(v) {
                Some(n) => Some((n, n)),
                None => return Err(format!("latency must be milliseconds from 0 to {MAX_LATENCY_MS}, or [min, max]")),
            },
        };
        let answer = match map.get("answer") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.len() > MAX_TEXT => return Err(format!("answer is over {MAX_TEXT} bytes")),
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err("answer must be text (the body to answer)".into()),
        };
        let status = match map.get("status") {
            None | Some(Value::Null) => None,
            Some(v) => match v.as_u64().filter(|s| (200..=599).contains(s)) {
                Some(s) => Some(s as u16),
                None => return Err("status must be an HTTP status from 200 to 599".into()),
            },
        };
        let drop = match map.get("drop") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err("drop must be true or false".into()),
        };
        let probability = match map.get("probability") {
            None | Some(Value::Null) => 1.0,
            Some(v) => match v.as_f64().filter(|p| (0.0..=1.0).contains(p)) {
                Some(p) => p,
                None => return Err("probability must be a number from 0 to 1".into()),
            },
        };
        let times = match map.get("times") {
            None | Some(Value::Null) => None,
            Some(v) => match v.as_u64().filter(|&t| t >= 1) {
                Some(t) => Some(t),
                None => return Err("times must be a whole number >= 1".into()),
            },
        };
        if latency_ms.is_none() && answer.is_none() && status.is_none() && !drop {
            return Err("a fault needs a latency, an answer, a status or drop".into());
        }
        Ok(Self { id: 0, path, latency_ms, answer, status, drop, probability, times })
    }

    fn covers(&self, path: &str) -> bool {
        match self.path.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => self.path == path,
        }
    }
}

/// The faults of one instance.
#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<(u64, Vec<Fault>)>,
}

impl Faults {
    /// Arms `fault`; answers its id, or why not: the instance holds [`MAX_FAULTS`] already.
    pub fn add(&self, mut fault: Fault) -> Result<u64, String> {
        let mut guard = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        if guard.1.len() >= MAX_FAULTS {
            return Err(format!(
                "this instance holds {MAX_FAULTS} faults, the most it keeps: DELETE /_mock/faults clears them"
            ));
        }
        guard.0 += 1;
        fault.id = guard.0;
        guard.1.push(fault);
        Ok(guard.0)
    }

    pub fn list(&self) -> Vec<Fault> {
        self.rules.lock().unwrap_or_else(|e| e.into_inner()).1.clone()
    }

    pub fn clear(&self) {
        self.rules.lock().unwrap_or_else(|e| e.into_inner()).1.clear();
    }

    /// The first fault that hits a request to `path`; `draw` gives uniform numbers in [0, 1) (the
    /// instance's seeded stream), asked only when a probability or a latency range needs one.
    pub fn hit(&self, path: &str, draw: impl Fn() -> f64) -> Option<Hit> {
        let mut guard = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        let rules = &mut guard.1;
        let index = rules.iter().position(|f| f.covers(path) && (f.probability >= 1.0 || draw() < f.probability))?;
        let fault = &mut rules[index];
        let latency_ms = match fault.latency_ms {
            Some((min, max)) if max > min => min + ((max - min + 1) as f64 * draw()) as u64,
            Some((min, _)) => min,
            None => 0,
        };
        let answer = match (&fault.answer, fault.status) {
            (None, None) => None,
            (body, status) => Some((status.unwrap_or(200), body.clone().unwrap_or_default())),
        };
        let hit = Hit { latency_ms, answer, drop: fault.drop };
        if let Some(times) = fault.times.as_mut() {
            *times -= 1;
            if *times == 0 {
                rules.remove(index);
            }
        }
        Some(hit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_counted_fault_hits_then_goes() {
        let faults = Faults::default();
        faults
            .add(
                Fault::from_json(&json!({"path": "/Integra/resources/Agents/AgentCall", "answer": "0", "times": 2}))
                    .unwrap(),
            )
            .unwrap();
        let hit = |p: &str| faults.hit(p, || 0.5);
        assert_eq!(hit("/Integra/resources/Agents/AgentCall").unwrap().answer, Some((200, "0".into())));
        assert!(hit("/Integra/resources/Agents/HangupPhone").is_none());
        assert!(hit("/Integra/resources/Agents/AgentCall").is_some());
        assert!(hit("/Integra/resources/Agents/AgentCall").is_none());
    }

    #[test]
    fn prefixes_probabilities_and_bad_rules() {
        let faults = Faults::default();
        faults
            .add(
                Fault::from_json(&json!({"path": "/Integra/resources/Dialers/*", "status": 503, "probability": 0.25}))
                    .unwrap(),
            )
            .unwrap();
        assert!(faults.hit("/Integra/resources/Dialers/Respool", || 0.9).is_none());
        assert_eq!(
            faults.hit("/Integra/resources/Dialers/Respool", || 0.1).unwrap().answer,
            Some((503, String::new()))
        );
        for bad in [
            json!({}),
            json!({"path": "x", "drop": true}),
            json!({"path": "/a"}),
            json!({"path": "/a", "latency": 60_001}),
            json!({"path": "/a", "latency": [5, 1]}),
            json!({"path": "/a", "drop": true, "times": 0}),
            json!({"path": "/a", "drop": true, "probability": 2}),
            json!({"path": "/a", "status": 99}),
            json!({"path": "/a", "answer": "x".repeat(MAX_TEXT + 1)}),
        ] {
            assert!(Fault::from_json(&bad).is_err(), "{bad}");
        }
    }
}
