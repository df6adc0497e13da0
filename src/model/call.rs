//! A call as plain data: where it came from, the legs it rang and how each ended, and the finished
//! call the engine hands over for its CDRs (docs/contract.md, section 10).

use chrono::NaiveDateTime;

/// Where a call came from, which decides `accountcode`, `direction` and the legs' apps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A caller reached a queue.
    Inbound,
    /// An agent placed it (AgentCall): the agent's phone first, then the customer.
    Outbound,
    /// The dialer placed it: the customer first, then an agent.
    Dialer,
}

/// The CDR `lastapp` of the leg that dials the customer (Asterisk's application).
pub const DIAL_APP: &str = "Dial";

/// How a leg ended (the CDR `disposition`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Answered,
    NoAnswer,
    Busy,
    Failed,
}

impl Origin {
    /// The CDR `direction` of calls of this origin.
    pub fn direction(self) -> &'static str {
        if self == Self::Inbound { "inbound" } else { "outbound" }
    }
}

impl Outcome {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Answered => "ANSWERED",
            Self::NoAnswer => "NO ANSWER",
            Self::Busy => "BUSY",
            Self::Failed => "FAILED",
        }
    }

    /// The Q.850 cause Asterisk records for it.
    pub fn cause(self) -> &'static str {
        match self {
            Self::Answered => "16",
            Self::NoAnswer => "19",
            Self::Busy => "17",
            Self::Failed => "34",
        }
    }
}

/// Who a leg rang.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Party {
    /// An agent's phone (`phone`), agent `username`.
    Agent { username: String, phone: String },
    /// The customer's number.
    Customer,
    /// Nobody: a caller who hung up while waiting in the queue.
    Queue,
}

/// One leg: who it rang, when it started, when (if) it was answered, when it ended.
#[derive(Debug, Clone)]
pub struct Leg {
    pub party: Party,
    pub start: NaiveDateTime,
    pub answered: Option<NaiveDateTime>,
    pub end: NaiveDateTime,
    pub outcome: Outcome,
}

/// A finished call, as much as its CDR needs.
#[derive(Debug, Clone)]
pub struct FinishedCall {
    pub guid: String,
    pub campaign: String,
    pub origin: Origin,
    /// The customer's number.
    pub customer: String,
    /// The number shown: the customer's for inbound calls, the campaign's callerid for outbound.
    pub callerid: String,
    /// The number dialled in: the campaign's DID for inbound calls.
    pub did: String,
    /// The agent the call was delivered to (`peeraccount`), empty when none.
    pub agent: String,
    /// The dial context an AgentCall named (`dcontext`), when one did.
    pub context: Option<String>,
    pub legs: Vec<Leg>,
    pub note: Option<String>,
    pub rating: i64,
    pub contact: Option<String>,
    pub dialerbase: Option<String>,
    pub parandvalues: Option<String>,
    pub alternatives: Option<String>,
}
