//! The instance's clock (docs/contract.md, section 1). Every timestamp, timer and statistic reads it; nothing
//! else calls the system clock. `real` follows the system clock; `manual` holds still at its start
//! until `/_mock/clock` moves it; `xN` runs N times faster than the system clock from its start.
//! Time is kept as milliseconds since the Unix epoch; the wire sees local wall time of the zone.

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Instant;

use chrono::{NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::model::vendor_date::VendorDate;

/// Milliseconds since the Unix epoch: the engine's time.
pub type Millis = i64;

/// How the clock moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockMode {
    /// Follows the system clock.
    Real,
    /// Starts at `--clock-start` and moves only when told.
    Manual,
    /// Starts at `--clock-start` and runs this many times faster than the system clock.
    Accelerated(u32),
}

impl FromStr for ClockMode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "real" => Ok(Self::Real),
            "manual" => Ok(Self::Manual),
            _ => match text.strip_prefix('x').map(str::parse::<u32>) {
                Some(Ok(factor)) if (1..=100_000).contains(&factor) => Ok(Self::Accelerated(factor)),
                _ => Err(format!("{text:?} is not real, manual or xN (N from 1 to 100000)")),
            },
        }
    }
}

impl fmt::Display for ClockMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Real => write!(f, "real"),
            Self::Manual => write!(f, "manual"),
            Self::Accelerated(n) => write!(f, "x{n}"),
        }
    }
}

/// One instance's clock.
#[derive(Debug)]
pub struct Clock {
    mode: ClockMode,
    zone: Tz,
    start: Millis,
    origin: Instant,
    manual: AtomicI64,
}

/// Why the clock could not be moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CannotMove(pub String);

impl Clock {
    /// A clock in `zone`; `start` is where a manual or accelerated clock begins (a real one starts now).
    pub fn new(mode: ClockMode, zone: Tz, start: VendorDate) -> Self {
        let start = match mode {
            ClockMode::Real => Utc::now().timestamp_millis(),
            _ => local_to_millis(zone, start.naive()),
        };
        Self { mode, zone, start, origin: Instant::now(), manual: AtomicI64::new(start) }
    }

    pub fn mode(&self) -> ClockMode {
        self.mode
    }

    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// Where the clock started, local: fixture dates are relative to it.
    pub fn start(&self) -> NaiveDateTime {
        self.local(self.start)
    }

    /// Now, in milliseconds since the epoch.
    pub fn now_millis(&self) -> Millis {
        match self.mode {
            ClockMode::Real => Utc::now().timestamp_millis(),
            ClockMode::Manual => self.manual.load(Ordering::SeqCst),
            ClockMode::Accelerated(factor) => {
                self.start + (self.origin.elapsed().as_millis() as i64).saturating_mul(i64::from(factor))
            }
        }
    }

    /// Local wall time now, to the second.
    pub fn now(&self) -> NaiveDateTime {
        self.local(self.now_millis())
    }

    /// Now as the wire writes it (`yyyy-MM-dd HH:mm:ss`).
    pub fn stamp(&self) -> String {
        VendorDate::from(self.now()).to_string()
    }

    /// Local wall time of an instant, to the second.
    pub fn local(&self, at: Millis) -> NaiveDateTime {
        local_naive(self.zone, at)
    }

    /// The instant of a local wall time (see [`local_to_millis`]).
    pub fn instant(&self, local: NaiveDateTime) -> Millis {
        local_to_millis(self.zone, local)
    }

    /// Seconds since the Unix epoch of a local wall time of this zone.
    pub fn epoch(&self, local: NaiveDateTime) -> i64 {
        self.instant(local).div_euclid(1000)
    }

    /// Moves a manual clock forward to `to`; it never goes back.
    pub fn move_to(&self, to: Millis) -> Result<(), CannotMove> {
        if self.mode != ClockMode::Manual {
            return Err(CannotMove(format!(
                "the clock is {}: only a manual clock is moved by hand; start the mock with --clock manual \
                 (a data file keeps what happened under the other clock: use a new --db, or :memory:)",
                self.mode
            )));
        }
        let now = self.manual.load(Ordering::SeqCst);
        if to < now {
            return Err(CannotMove(format!(
                "the clock does not go back ({} is before {})",
                self.local(to),
                self.local(now)
            )));
        }
        self.manual.store(to, Ordering::SeqCst);
        Ok(())
    }
}

/// The local wall time of an instant, to the second.
pub fn local_naive(zone: Tz, at: Millis) -> NaiveDateTime {
    zone.timestamp_opt(at.div_euclid(1000), 0).single().map(|t| t.naive_local()).unwrap_or_default()
}

/// The local date of an instant.
pub fn local_date(zone: Tz, at: Millis) -> chrono::NaiveDate {
    zone.timestamp_millis_opt(at).single().map(|t| t.date_naive()).unwrap_or_default()
}

/// The instant of a local wall time: the earlier one when a clock change makes it ambiguous, the
/// instant after the gap when it does not exist.
pub fn local_to_millis(zone: Tz, local: NaiveDateTime) -> Millis {
    match zone.from_local_datetime(&local) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => t.timestamp_millis(),
        chrono::LocalResult::None => local_to_millis(zone, local + chrono::Duration::hours(1)) - 3_600_000,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse() {
        assert_eq!("real".parse(), Ok(ClockMode::Real));
        assert_eq!("manual".parse(), Ok(ClockMode::Manual));
        assert_eq!("x60".parse(), Ok(ClockMode::Accelerated(60)));
        for bad in ["x0", "x", "fast", "60", "x-1"] {
            assert!(bad.parse::<ClockMode>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_manual_clock_holds_still_and_only_moves_forward() {
        let start: VendorDate = "2026-01-05 09:00:00".parse().unwrap();
        let clock = Clock::new(ClockMode::Manual, chrono_tz::America::Montevideo, start);
        assert_eq!(clock.stamp(), "2026-01-05 09:00:00");
        let t = clock.now_millis();
        clock.move_to(t + 90_500).unwrap();
        assert_eq!(clock.stamp(), "2026-01-05 09:01:30");
        assert!(clock.move_to(t).is_err());
        assert_eq!(clock.epoch(clock.start()), t / 1000);
    }
}
