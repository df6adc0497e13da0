//! The vendor's one date format on the wire, `yyyy-MM-dd HH:mm:ss` (docs/contract.md, section 1), parsed
//! strictly at the edge: `2015-10-11 15:00:00` is a date, `2015-10-11 15:00` and `11/10/2015` are not.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

const FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// A local wall time in the instance's zone, as the vendor writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VendorDate(NaiveDateTime);

impl VendorDate {
    pub fn naive(self) -> NaiveDateTime {
        self.0
    }

    /// Java's default `DateFormat` style used by the vendor's `dateReceived`:
    /// `Nov 2, 2018 11:31:42 AM`.
    pub fn java_style(self) -> String {
        // By hand: chrono's formatter parses its pattern on every call, and this is on hot paths.
        const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        let (d, t) = (self.0.date(), self.0.time());
        let hour = match t.hour() % 12 {
            0 => 12,
            h => h,
        };
        let half = if t.hour() < 12 { "AM" } else { "PM" };
        let month = MONTHS[d.month0() as usize];
        let two = |n: u32| [char::from(b'0' + (n / 10) as u8), char::from(b'0' + (n % 10) as u8)];
        let mut out = String::with_capacity(24);
        out.push_str(month);
        out.push(' ');
        out.push_str(itoa::Buffer::new().format(d.day()));
        out.push_str(", ");
        out.push_str(itoa::Buffer::new().format(d.year()));
        out.push(' ');
        out.push_str(itoa::Buffer::new().format(hour));
        out.push(':');
        out.extend(two(t.minute()));
        out.push(':');
        out.extend(two(t.second()));
        out.push(' ');
        out.push_str(half);
        out
    }
}

impl From<NaiveDateTime> for VendorDate {
    fn from(value: NaiveDateTime) -> Self {
        Self(value)
    }
}

/// Why a text is not a vendor date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAVendorDate(pub String);

impl fmt::Display for NotAVendorDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is not a date of the form yyyy-MM-dd HH:mm:ss", self.0)
    }
}

impl std::error::Error for NotAVendorDate {}

impl FromStr for VendorDate {
    type Err = NotAVendorDate;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        // chrono alone accepts unpadded fields; the vendor's format is fixed-width.
        let shape_ok = text.len() == 19
            && text.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-',
                10 => b == b' ',
                13 | 16 => b == b':',
                _ => b.is_ascii_digit(),
            });
        if !shape_ok {
            return Err(NotAVendorDate(text.to_string()));
        }
        // chrono reads second 60 as a leap second and year 0000 as 1 BC; the vendor's dates
        // (Java's SimpleDateFormat, not lenient) have neither.
        let leap_second = &text[17..] == "60";
        let year_zero = &text[..4] == "0000";
        if leap_second || year_zero {
            return Err(NotAVendorDate(text.to_string()));
        }
        NaiveDateTime::parse_from_str(text, FORMAT).map(Self).map_err(|_| NotAVendorDate(text.to_string()))
    }
}

impl fmt::Display for VendorDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `FORMAT`, by hand (chrono parses its pattern on every call).
        let (d, t) = (self.0.date(), self.0.time());
        write!(f, "{:04}-{:02}-{:02} {:02}:{:02}:{:02}", d.year(), d.month(), d.day(), t.hour(), t.minute(), t.second())
    }
}

/// A time of day `HH:mm`, as in getrecords' `range` and the campaigns' calling hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimeOfDay(pub NaiveTime);

impl FromStr for TimeOfDay {
    type Err = NotAVendorDate;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let b = text.as_bytes();
        let shape_ok = b.len() == 5 && b[2] == b':' && [0, 1, 3, 4].iter().all(|&i| b[i].is_ascii_digit());
        if !shape_ok {
            return Err(NotAVendorDate(text.to_string()));
        }
        NaiveTime::parse_from_str(text, "%H:%M").map(Self).map_err(|_| NotAVendorDate(text.to_string()))
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%H:%M"))
    }
}

/// The placeholder date some clients send for "no date" in a dialer task.
pub fn is_null_date(text: &str) -> bool {
    text.is_empty() || text == "1900-01-01 00:00:00"
}

/// Midnight of the day of `at`.
pub fn midnight(at: NaiveDateTime) -> NaiveDateTime {
    NaiveDate::and_time(&at.date(), NaiveTime::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_the_fixed_width_form() {
        assert!("2015-10-11 15:00:00".parse::<VendorDate>().is_ok());
        for bad in [
            "2015-10-11 15:00",
            "2015-1-11 15:00:00",
            "2015-10-11T15:00:00",
            "2015-02-30 10:00:00",
            "",
            "2015-10-11 25:00:00",
            "٢٠١٥-10-11 15:00:00",
            "2015-10-11 10:00:60",
            "2016-12-31 23:59:60",
            "0000-01-01 00:00:00",
            "2015-10-11 10:60:00",
        ] {
            assert!(bad.parse::<VendorDate>().is_err(), "{bad}");
        }
    }

    #[test]
    fn java_style_matches_the_seed() {
        let d: VendorDate = "2018-11-02 11:31:42".parse().unwrap();
        assert_eq!(d.java_style(), "Nov 2, 2018 11:31:42 AM");
        let d: VendorDate = "2018-11-12 23:05:09".parse().unwrap();
        assert_eq!(d.java_style(), "Nov 12, 2018 11:05:09 PM");
    }

    #[test]
    fn hand_formatting_agrees_with_chrono_every_hour_of_a_year() {
        let mut at = NaiveDate::from_ymd_opt(2016, 1, 1).unwrap().and_hms_opt(0, 0, 7).unwrap();
        while at.year() == 2016 {
            let d = VendorDate(at);
            assert_eq!(d.to_string(), at.format(FORMAT).to_string());
            assert_eq!(d.java_style(), at.format("%b %-d, %Y %-I:%M:%S %p").to_string());
            at += chrono::Duration::minutes(61);
        }
    }

    #[test]
    fn time_of_day() {
        assert!("08:00".parse::<TimeOfDay>().is_ok());
        assert!("8:00".parse::<TimeOfDay>().is_err());
        assert!("24:00".parse::<TimeOfDay>().is_err());
    }
}
