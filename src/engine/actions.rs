//! Scenario actions on the simulated contact center: agents log in or out, pause with a reason, take
//! a forced device status; a caller is injected into a queue.

use super::agents::status;
use super::{Engine, Refusal, Why};

/// What can be done to an agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentAction {
    Login,
    Logout,
    Pause(String),
    Unpause,
    /// Forces a device status code (0-9) on an idle agent.
    Status(u8),
}

impl Engine {
    /// Applies `action` to the agent `username`.
    pub fn agent_action(&mut self, username: &str, action: AgentAction) -> Result<(), Refusal> {
        let now = self.now;
        let a = self.agents.iter().position(|a| a.username == username);
        let a = a.ok_or_else(|| Refusal::new(Why::UnknownAgent, format!("no agent {username:?}")))?;
        let agent = &mut self.agents[a];
        match action {
            AgentAction::Login => {
                agent.logged_in = true;
                if agent.call.is_none() && agent.wrapup_until.is_none() {
                    agent.set_status(status::NOT_INUSE, now);
                }
            }
            AgentAction::Logout => {
                if agent.call.is_some() {
                    return Err(Refusal::new(Why::AgentState, format!("{username} is in a call")));
                }
                agent.logged_in = false;
                agent.paused = false;
                agent.pause_reason.clear();
                agent.wrapup_until = None;
                agent.set_status(status::UNAVAILABLE, now);
            }
            AgentAction::Pause(reason) => {
                if !agent.logged_in {
                    return Err(Refusal::new(Why::AgentState, format!("{username} is not logged in")));
                }
                agent.paused = true;
                agent.pause_reason = reason;
                agent.changed_at = now;
            }
            AgentAction::Unpause => {
                agent.paused = false;
                agent.pause_reason.clear();
                agent.changed_at = now;
            }
            AgentAction::Status(code) => {
                if code > 9 {
                    return Err(Refusal::new(Why::BadValue, format!("{code} is not a status code (0-9)")));
                }
                if agent.call.is_some() {
                    return Err(Refusal::new(Why::AgentState, format!("{username} is in a call")));
                }
                agent.set_status(code, now);
            }
        }
        self.dispatch_for(a);
        Ok(())
    }

    /// A caller from `customer` arrives at `campaign` now; answers the call's guid.
    pub fn inject(&mut self, campaign: &str, customer: &str) -> Result<String, Refusal> {
        let q = self.queue_named(campaign)?;
        Ok(self.arrive(q, customer.to_string()))
    }
}
