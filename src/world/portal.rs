//! The agent portal (docs/contract.md, section 9): what an agent's portal shows (phone state, the current
//! call's CTI object) and the porthole.js actions an integrator's page sends it. Every action is the
//! HTTP route it stands for, from the portal agent's phone.

use serde_json::{Map, Value, json};

use super::World;
use super::error::{Failure, refuse};
use crate::engine::calls::{Call, Phase};
use crate::engine::dialing::{Lead, LeadSource};
use crate::model::agent_call::CallRequest;
use crate::model::why::{Refusal, Why};

/// A porthole action's reply (`data` of the answer envelope) and, for a refusal, why.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub data: Value,
    pub reason: Option<String>,
    /// The action it answers, one of [`ACTIONS`] (`None`: not an action the portal knows).
    pub action: Option<&'static str>,
}

/// The porthole actions the portal answers (docs/contract.md, section 9).
pub const ACTIONS: [&str; 7] = ["call", "callWithPhone", "hangup", "tag", "CTI", "respool", "schedule"];

impl Reply {
    fn done(data: Value) -> Self {
        Self { data, reason: None, action: None }
    }

    /// The vendor's refusal in the action's own shape (`{"guid": "0"}`, `{"result": "0"}`).
    fn refused(key: &str, reason: String) -> Self {
        Self { data: json!({ key: "0" }), reason: Some(reason), action: None }
    }

    fn of(key: &str, outcome: Result<Value, Failure>) -> Result<Self, Failure> {
        match outcome {
            Ok(value) => Ok(Self::done(json!({ key: value }))),
            Err(Failure::Refused(Refusal { text: reason, .. }) | Failure::Invalid { reason, .. }) => {
                Ok(Self::refused(key, reason))
            }
            Err(e) => Err(e),
        }
    }
}

/// The text of a field of an action's `data` (whole numbers are taken as their digits; a number
/// that cannot be kept exactly counts as not sent, never rounded: see `json::exact_text`).
fn text(data: &Map<String, Value>, key: &str) -> String {
    match data.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => super::json::exact_text(n).unwrap_or_default(),
        _ => String::new(),
    }
}

/// An object field sent either as an object or as its JSON text (both are seen in integrations).
fn object_text(data: &Map<String, Value>, key: &str) -> Option<String> {
    match data.get(key)? {
        Value::Object(o) => Some(Value::Object(o.clone()).to_string()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// The agent's call (ringing, dialing, talking) and its campaign, as the engine holds it now.
fn current_call(engine: &crate::engine::Engine, user: &str) -> Option<(Call, String)> {
    let id = engine.agents().iter().find(|a| a.username == user)?.call?;
    let call = engine.calls().find(|c| c.id == id)?;
    Some((call.clone(), engine.queues()[call.queue].name.clone()))
}

impl World {
    fn portal_agent(&self, user: &str) -> Result<&crate::model::config::Agent, Failure> {
        match self.config().agents.iter().find(|a| a.username == user) {
            Some(agent) => Ok(agent),
            None => refuse(Why::UnknownAgent, format!("no agent {user:?}")),
        }
    }

    /// Logs the portal's agent in (as the real portal does when an agent opens it).
    pub async fn portal_login(&self, user: &str) -> Result<Value, Failure> {
        self.portal_agent(user)?;
        self.agent_action(user, crate::engine::actions::AgentAction::Login).await?;
        self.portal_view(user).await
    }

    /// What the portal shows of its agent: name, phone, status code, pause, and the current call's
    /// CTI object (null when the phone is idle), all read at one moment.
    pub async fn portal_view(&self, user: &str) -> Result<Value, Failure> {
        let agent = self.portal_agent(user)?;
        let (live, current) = {
            let engine = self.engine().await?;
            let live = engine.agents().iter().find(|a| a.username == user).cloned();
            (live, current_call(&engine, user))
        };
        let phase = current.as_ref().map(|(call, _)| call.phase.as_str());
        let cti = match current {
            Some((call, campaign)) => Some(self.cti_of(&call, &campaign).await?),
            None => None,
        };
        Ok(json!({
            "user": agent.username, "name": agent.name, "phone": agent.phone, "tech": agent.tech,
            "logged_in": live.as_ref().is_some_and(|a| a.logged_in), "paused": live.as_ref().is_some_and(|a| a.paused),
            "pausedreason": live.as_ref().map(|a| a.pause_reason.clone()).unwrap_or_default(),
            "status": live.as_ref().map_or(0, |a| a.status), "phase": phase,
            "now": self.clock().stamp(), "CTI": cti,
        }))
    }

    /// The CTI object of the agent's current call (docs/contract.md, section 9); `None` with no call.
    pub async fn cti(&self, user: &str) -> Result<Option<Value>, Failure> {
        let current = current_call(&*self.engine().await?, user);
        match current {
            Some((call, campaign)) => Ok(Some(self.cti_of(&call, &campaign).await?)),
            None => Ok(None),
        }
    }

    /// A call's CTI object, with its `Dialer` part for a dialer call.
    async fn cti_of(&self, call: &Call, campaign: &str) -> Result<Value, Failure> {
        let answered = matches!(call.phase, Phase::Talking | Phase::Ended);
        let parameters = call.lead.as_ref().map(|l| l.data.clone()).or_else(|| call.data.clone()).unwrap_or_default();
        let mut cti = json!({
            "Guid": call.guid, "Screen": "TRUE", "Form": call.form.clone().unwrap_or_default(),
            "Campaign": campaign, "Callerid": call.customer, "ParAndValues": parameters, "Beep": "FALSE",
            "Answer": if answered { "TRUE" } else { "FALSE" },
        });
        if let Some(lead) = &call.lead {
            cti["Dialer"] = self.dialer_part(call, campaign, lead).await?;
        }
        Ok(cti)
    }

    /// The `Dialer` part: the lead as a Respool object (its retries and priority from the list).
    async fn dialer_part(&self, call: &Call, campaign: &str, lead: &Lead) -> Result<Value, Failure> {
        let pool = self.store().reader();
        let (retries, priority): (i64, i64) = match lead.source {
            LeadSource::Spool(id) => crate::store::spool::retries_and_priority(pool, id)
                .await?
                .unwrap_or((0, super::dispositions::DEFAULT_PRIORITY)),
            LeadSource::Task(id) => {
                (0, crate::store::tasks::priority(pool, id).await?.unwrap_or(super::dispositions::DEFAULT_PRIORITY))
            }
            // Priority 1 is the schedules' (docs/contract.md, section 7).
            LeadSource::Schedule(_) => (0, 1),
        };
        Ok(json!({
            "campaign": campaign, "destination": call.customer, "status": 1, "data": lead.data,
            "alternatives": lead.alternatives, "retries": retries, "contact": lead.contact,
            "dialerbase": lead.dialerbase, "priority": priority, "agentphone": lead.agentphone,
        }))
    }

    /// Answers one porthole action sent by the page in the portal of `user`.
    pub async fn portal_action(&self, user: &str, data: &Value) -> Result<Reply, Failure> {
        let agent = self.portal_agent(user)?.clone();
        let Some(data) = data.as_object() else {
            return Ok(Reply::refused("result", "the message's data is not an object".into()));
        };
        let action = text(data, "action");
        let reply = self.run_action(agent, user, &action, data).await?;
        Ok(Reply { action: ACTIONS.iter().copied().find(|a| *a == action), ..reply })
    }

    async fn run_action(
        &self,
        agent: crate::model::config::Agent,
        user: &str,
        action: &str,
        data: &Map<String, Value>,
    ) -> Result<Reply, Failure> {
        let call = |callerid: String, campaign: String, destination: String| CallRequest {
            callerid,
            agent: agent.username.clone(),
            phone: agent.phone.clone(),
            tech: agent.tech.clone(),
            context: agent.context.clone(),
            outqueue: campaign,
            destination,
            data: None,
            form: None,
        };
        match action {
            "call" => {
                let request = call(text(data, "callerid"), text(data, "campaign"), text(data, "destination"));
                Reply::of("guid", self.agent_call(request).await.map(Value::String))
            }
            "callWithPhone" => {
                let campaign = text(data, "campaign");
                let callerid = match self.config().campaign(&campaign) {
                    Some(c) if !c.callerid.is_empty() => c.callerid.clone(),
                    Some(c) => c.did.clone(),
                    None => String::new(),
                };
                let request = call(callerid, campaign, text(data, "destination"));
                Reply::of("guid", self.agent_call(request).await.map(Value::String))
            }
            "hangup" => Reply::of("result", self.hangup(&agent.phone).await.map(|()| json!("1"))),
            // TagRecord answers at once and stores the tag on its own (docs/contract.md, section 3).
            "tag" => {
                if let Err(e) = self.tag(&text(data, "guid"), &text(data, "message")).await {
                    tracing::warn!(error = ?e, "a portal tag could not be stored");
                }
                Ok(Reply::done(json!({"result": "1"})))
            }
            "CTI" => Ok(Reply::done(json!({"CTI": self.cti(user).await?}))),
            "respool" => match object_text(data, "objetoRespool") {
                Some(callspool) => Reply::of("result", self.respool(Some(&callspool)).await.map(|()| json!("1"))),
                None => Ok(Reply::refused("result", "objetoRespool must be a callspool object".into())),
            },
            "schedule" => {
                let Some(Value::Object(mut dialer)) =
                    object_text(data, "objectDialer").and_then(|t| serde_json::from_str::<Value>(&t).ok())
                else {
                    return Ok(Reply::refused("result", "objectDialer must be an object".into()));
                };
                let mut schedule = Map::new();
                schedule.insert("calldate".into(), json!(text(data, "callDate")));
                for key in ["campaign", "destination", "alternatives", "agentphone", "data"] {
                    if let Some(value) = dialer.remove(key) {
                        schedule.insert(key.into(), value);
                    }
                }
                let callschedule = Value::Object(schedule).to_string();
                Reply::of("result", self.schedule_call(Some(&callschedule)).await.map(|()| json!("1")))
            }
            other => Ok(Reply::refused("result", format!("unknown action {other:?}"))),
        }
    }
}
