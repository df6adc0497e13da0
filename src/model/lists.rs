//! The dialer's three lists (the spool, schedules, tasks) as the vendor's routes fill them and the
//! dialer works them (docs/contract.md, section 7): where an entry stands, which spool entries the
//! dialer may never call, and the blacklist's campaign that stands for every campaign.

/// Where an entry of a dialer list stands (`state` in `GET /_mock/state/*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryState {
    /// Waiting for the dialer (due now or later).
    Pending,
    /// Taken by the dialer for an attempt in progress.
    Dialing,
    /// Its attempt was made: talked to, or (a schedule or task) tried once.
    Done,
    /// Not dialled: the number is blacklisted.
    Skipped,
    /// Unreached after every retry of its last number.
    Exhausted,
    /// Its last number failed and no alternative is left.
    Failed,
}

impl EntryState {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Dialing => "dialing",
            Self::Done => "done",
            Self::Skipped => "skipped",
            Self::Exhausted => "exhausted",
            Self::Failed => "failed",
        }
    }
}

impl From<EntryState> for String {
    fn from(state: EntryState) -> Self {
        state.as_str().to_string()
    }
}

/// A spool entry's `status` that keeps the dialer from it for good (Respool's `status 0: never dialled`).
pub const NEVER_DIALLED: i64 = 0;
/// The `status` of a spool entry filed without one.
pub const ENABLED: i64 = 1;

/// The blacklist campaign that blocks a number in every campaign (`admin/addblack`, section 5).
pub const EVERY_CAMPAIGN: &str = "*";
