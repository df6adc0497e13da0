//! What the vendor's call routes ask of the simulation: `Agents/AgentCall` (and `AgentCallwithData`),
//! `Agents/HangupPhone`, `Agents/TagRecord` (docs/contract.md, section 3); and the action ids of the
//! Supervisor answers.

use super::agents::status;
use super::calls::Phase;
use super::{Engine, Event, Refusal, Why};
use crate::clock::Millis;
use crate::model::agent_call::CallRequest;
use crate::model::call::{Origin, Outcome};

impl Engine {
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
            return Err(Refusal::new(Why::MissingField, reason));
        }
        let agent =
            self.agents.iter().position(|a| a.phone == r.phone).ok_or_else(|| {
                Refusal::new(Why::UnknownAgent, format!("phone {} is not a known agent phone", r.phone))
            })?;
        if self.agents[agent].call.is_some() {
            return Err(Refusal::new(Why::PhoneBusy, format!("phone {} is already in a call", r.phone)));
        }
        let q = self.queues.iter().position(|q| q.name == r.outqueue).ok_or_else(|| {
            Refusal::new(Why::UnknownCampaign, format!("outqueue {:?} is not a known campaign", r.outqueue))
        })?;
        let id = self.new_call(q, Origin::Outbound, r.destination, r.callerid);
        let day = self.day(self.now);
        self.queues[q].today(day).offered += 1;
        let now = self.now;
        let ring = (self.settings.ring * 1000.0).round() as Millis;
        let a = &mut self.agents[agent];
        a.call = Some(id);
        a.wrapup_until = None;
        a.set_status(status::RINGING, now);
        let Some(call) = self.calls.get_mut(&id) else { return Err(Refusal::new(Why::Engine, "the call vanished")) };
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
    pub(super) fn action_id(&self) -> String {
        self.action_counter.set(self.action_counter.get() + 1);
        let mut number = itoa::Buffer::new();
        let mut id = String::with_capacity(32);
        id.push_str(number.format(self.action_prefix));
        id.push('_');
        id.push_str(number.format(self.action_counter.get()));
        id
    }
}
