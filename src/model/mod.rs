//! Plain data shared by the engine, the store and the world: the vendor's dates, the configured
//! contact center, calls and their CDRs, and the forms the engine and the store take. It imports
//! nothing of the crate, so every layer above can use it and none of them needs another for it.

/// The form of `Agents/AgentCall`.
pub mod agent_call;
/// A call's origin, legs and outcome; the finished call.
pub mod call;
/// CDR rows, and getrecords' page and filter.
pub mod cdr;
/// Campaigns, members, agents, users, dispositions, call settings.
pub mod config;
/// The form of `api/DispositionCall`.
pub mod disposition;
/// A vendor form as the world reads it.
pub mod form;
/// The dialer's lists: entry states, the never-dialled status, the blacklist's every campaign.
pub mod lists;
/// Which required values a request lacks.
pub mod required;
/// Tokens, and how the control API masks them.
pub mod token;
/// `yyyy-MM-dd HH:mm:ss` and `HH:mm`.
pub mod vendor_date;
/// Why a route answered `0`: each reason declared once.
pub mod why;
