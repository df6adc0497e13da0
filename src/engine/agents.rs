//! Agents as the phone system sees them: logged in or not, paused with a reason, and a device state
//! that is always one of the status codes 0-9 of docs/contract.md, section 8.

use crate::clock::Millis;

/// The agent status codes of docs/contract.md, section 8 (Asterisk's device states).
pub mod status {
    pub const UNKNOWN: u8 = 0;
    pub const NOT_INUSE: u8 = 1;
    pub const INUSE: u8 = 2;
    pub const BUSY: u8 = 3;
    pub const INVALID: u8 = 4;
    pub const UNAVAILABLE: u8 = 5;
    pub const RINGING: u8 = 6;
    pub const RINGINUSE: u8 = 7;
    pub const ONHOLD: u8 = 8;
    pub const WRAPUP: u8 = 9;
}

/// One agent's live state.
#[derive(Debug, Clone)]
pub struct Agent {
    pub username: String,
    pub name: String,
    pub phone: String,
    pub tech: String,
    pub logged_in: bool,
    pub paused: bool,
    pub pause_reason: String,
    pub status: u8,
    /// When the agent's state last changed.
    pub changed_at: Millis,
    /// The call the agent is on (ringing, talking, or wrapping up after).
    pub call: Option<u64>,
    /// When wrap-up ends, while in wrap-up.
    pub wrapup_until: Option<Millis>,
    /// Offered the calls the simulation generates (see [`super::calls::Call::generated`]).
    pub takes_traffic: bool,
}

impl Agent {
    pub fn new(username: String, name: String, phone: String, tech: String, logged_in: bool, now: Millis) -> Self {
        let status = if logged_in { status::NOT_INUSE } else { status::UNAVAILABLE };
        Self {
            username,
            name,
            phone,
            tech,
            logged_in,
            paused: false,
            pause_reason: String::new(),
            status,
            changed_at: now,
            call: None,
            wrapup_until: None,
            takes_traffic: true,
        }
    }

    /// `SIP/1001`.
    pub fn interface(&self) -> String {
        format!("{}/{}", self.tech, self.phone)
    }

    /// Can a queue offer this agent a call now?
    pub fn is_available(&self) -> bool {
        self.logged_in && !self.paused && self.status == status::NOT_INUSE && self.call.is_none()
    }

    /// Is the phone on a call (ringing, talking, on hold)?
    pub fn in_call(&self) -> bool {
        self.call.is_some() && self.wrapup_until.is_none()
    }

    pub fn set_status(&mut self, status: u8, now: Millis) {
        if self.status != status {
            self.status = status;
            self.changed_at = now;
        }
    }
}
