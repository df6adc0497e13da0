//! The instance's clock (CONTRACT section 1). Every timestamp the mock writes or answers reads it;
//! nothing else calls the system clock. `real` follows the system clock in the instance's zone;
//! `manual` holds still at its start until the engine moves it.

use std::sync::Mutex;

use chrono::{NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::world::vendor_date::VendorDate;

/// How the clock moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ClockMode {
    /// Follows the system clock.
    Real,
    /// Starts at `--clock-start` and moves only when told.
    Manual,
}

/// One instance's clock: wall time in the instance's zone, to the second.
#[derive(Debug)]
pub struct Clock {
    mode: ClockMode,
    zone: Tz,
    start: NaiveDateTime,
    manual_now: Mutex<NaiveDateTime>,
}

impl Clock {
    /// A clock in `zone`; `start` is where a manual clock begins (a real clock starts now).
    pub fn new(mode: ClockMode, zone: Tz, start: VendorDate) -> Self {
        let start = match mode {
            ClockMode::Manual => start.naive(),
            ClockMode::Real => real_now(zone),
        };
        Self { mode, zone, start, manual_now: Mutex::new(start) }
    }

    pub fn mode(&self) -> ClockMode {
        self.mode
    }

    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// Where the clock started: fixture dates are relative to it.
    pub fn start(&self) -> NaiveDateTime {
        self.start
    }

    /// Local wall time now, to the second.
    pub fn now(&self) -> NaiveDateTime {
        match self.mode {
            ClockMode::Real => real_now(self.zone),
            ClockMode::Manual => *self.manual_now.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }

    /// Now as the wire writes it (`yyyy-MM-dd HH:mm:ss`).
    pub fn stamp(&self) -> String {
        VendorDate::from(self.now()).to_string()
    }

    /// Seconds since the Unix epoch of a local wall time of this zone (the earlier one when a
    /// clock change makes it ambiguous, the instant after a gap when it does not exist).
    pub fn epoch(&self, local: NaiveDateTime) -> i64 {
        match self.zone.from_local_datetime(&local) {
            chrono::LocalResult::Single(t) => t.timestamp(),
            chrono::LocalResult::Ambiguous(t, _) => t.timestamp(),
            chrono::LocalResult::None => self.epoch(local + chrono::Duration::hours(1)) - 3600,
        }
    }
}

fn real_now(zone: Tz) -> NaiveDateTime {
    use chrono::Timelike;
    let now = Utc::now().with_timezone(&zone).naive_local();
    now.with_nanosecond(0).unwrap_or(now)
}
