//! `Agents/*` (docs/contract.md, section 3): calls placed from an agent's phone, hung up, tagged.
//! The engine places and ends them; a tag on a finished call goes to its CDR rows.

use super::World;
use super::error::{Failure, refuse};
use crate::model::agent_call::CallRequest;
use crate::model::why::Why;
use crate::store::records;

impl World {
    /// `Agents/AgentCall` and `AgentCallwithData`: the new call's guid.
    pub async fn agent_call(&self, request: CallRequest) -> Result<String, Failure> {
        if !request.outqueue.is_empty() && self.config().campaign(&request.outqueue).is_none() {
            return refuse(Why::UnknownCampaign, format!("outqueue {:?} is not a known campaign", request.outqueue));
        }
        let mut engine = self.engine().await?;
        let guid = engine.agent_call(request)?;
        self.publish_engine(&engine, &[]);
        Ok(guid)
    }

    /// `Agents/HangupPhone`.
    pub async fn hangup(&self, phone: &str) -> Result<(), Failure> {
        if phone.is_empty() {
            return refuse(Why::MissingField, "phone is required");
        }
        let mut engine = self.engine().await?;
        if !engine.hangup(phone) {
            return refuse(Why::PhoneIdle, format!("phone {phone:?} is not in a call"));
        }
        self.store_finished(&mut engine).await
    }

    /// `Agents/TagRecord`: the note of a live call, or of a finished call's CDR rows.
    pub async fn tag(&self, guid: &str, data: &str) -> Result<(), Failure> {
        let mut engine = self.engine().await?;
        if guid.is_empty() || engine.tag(guid, data) {
            return Ok(());
        }
        drop(engine);
        records::set_note(self.store().writer(), guid, data).await?;
        Ok(())
    }
}
