//! Durations as the twin, the assumptions and the change files write them: strings with a
//! unit (`"90s"`, `"5m"`, `"2h"`, `"3d"`), held as seconds.
//!
//! A bare number is refused on purpose: a value without a unit is the most common way a
//! hand-edited file goes wrong by a factor of sixty.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A non-negative span of time, in seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd)]
pub struct Duration(f64);

/// Why a duration string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("empty duration")]
    Empty,
    #[error("`{0}` has no unit (hint: write e.g. `90s`, `5m`, `2h` or `3d`)")]
    NoUnit(String),
    #[error("`{0}` has an unknown unit (known: ms, s, m, min, h, d, w, y)")]
    UnknownUnit(String),
    #[error("`{0}` is not a number followed by a unit")]
    NotANumber(String),
    #[error("`{0}` is negative or not finite")]
    OutOfRange(String),
}

const UNITS: [(&str, f64); 9] = [
    ("ms", 0.001),
    ("s", 1.0),
    ("min", 60.0),
    ("m", 60.0),
    ("h", 3600.0),
    ("d", 86_400.0),
    ("w", 604_800.0),
    ("y", 31_536_000.0),
    ("yr", 31_536_000.0),
];

impl Duration {
    pub const ZERO: Duration = Duration(0.0);

    /// A duration of `seconds`; negative or non-finite values become zero.
    pub fn from_secs(seconds: f64) -> Duration {
        if seconds.is_finite() && seconds > 0.0 { Duration(seconds) } else { Duration(0.0) }
    }

    pub fn from_mins(minutes: f64) -> Duration {
        Duration::from_secs(minutes * 60.0)
    }

    pub fn from_hours(hours: f64) -> Duration {
        Duration::from_secs(hours * 3600.0)
    }

    pub fn from_days(days: f64) -> Duration {
        Duration::from_secs(days * 86_400.0)
    }

    pub fn secs(self) -> f64 {
        self.0
    }

    pub fn hours(self) -> f64 {
        self.0 / 3600.0
    }

    /// A short human form with the largest unit that keeps the number readable: `45s`,
    /// `12.5m`, `3.2h`, `4.1d`.
    pub fn human(self) -> String {
        let s = self.0;
        let (value, unit) = if s < 1.0 && s > 0.0 {
            (s * 1000.0, "ms")
        } else if s < 120.0 {
            (s, "s")
        } else if s < 2.0 * 3600.0 {
            (s / 60.0, "min")
        } else if s < 2.0 * 86_400.0 {
            (s / 3600.0, "h")
        } else {
            (s / 86_400.0, "d")
        };
        if (value - value.round()).abs() < 0.05 {
            format!("{value:.0} {unit}")
        } else {
            format!("{value:.1} {unit}")
        }
    }
}

impl fmt::Display for Duration {
    /// The exact form the file formats use: the largest unit that divides the value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        for (unit, size) in [("d", 86_400.0), ("h", 3600.0), ("m", 60.0), ("s", 1.0)] {
            if s >= size && (s / size).fract() == 0.0 {
                return write!(f, "{}{unit}", s / size);
            }
        }
        if s == 0.0 {
            return write!(f, "0s");
        }
        if (s * 1000.0).fract() == 0.0 {
            return write!(f, "{}ms", s * 1000.0);
        }
        write!(f, "{s}s")
    }
}

impl FromStr for Duration {
    type Err = DurationError;

    fn from_str(text: &str) -> Result<Duration, DurationError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(DurationError::Empty);
        }
        let split = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+' || c == 'e'))
            .ok_or_else(|| DurationError::NoUnit(text.to_string()))?;
        let (number, unit) = text.split_at(split);
        let unit = unit.trim();
        let size = UNITS
            .iter()
            .find(|(name, _)| *name == unit)
            .map(|(_, size)| *size)
            .ok_or_else(|| DurationError::UnknownUnit(text.to_string()))?;
        let value: f64 =
            number.trim().parse().map_err(|_| DurationError::NotANumber(text.into()))?;
        if !value.is_finite() || value < 0.0 {
            return Err(DurationError::OutOfRange(text.to_string()));
        }
        Ok(Duration(value * size))
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        assert_eq!("90s".parse::<Duration>().unwrap().secs(), 90.0);
        assert_eq!("5m".parse::<Duration>().unwrap().secs(), 300.0);
        assert_eq!("5min".parse::<Duration>().unwrap().secs(), 300.0);
        assert_eq!("2h".parse::<Duration>().unwrap().secs(), 7200.0);
        assert_eq!("1.5h".parse::<Duration>().unwrap().secs(), 5400.0);
        assert_eq!("3d".parse::<Duration>().unwrap().secs(), 259_200.0);
        assert_eq!("250ms".parse::<Duration>().unwrap().secs(), 0.25);
    }

    #[test]
    fn refuses_bare_numbers_and_unknown_units() {
        assert!(matches!("90".parse::<Duration>(), Err(DurationError::NoUnit(_))));
        assert!(matches!("9 parsecs".parse::<Duration>(), Err(DurationError::UnknownUnit(_))));
        assert!(matches!("-5m".parse::<Duration>(), Err(DurationError::OutOfRange(_))));
        assert!(matches!("".parse::<Duration>(), Err(DurationError::Empty)));
    }

    #[test]
    fn display_round_trips() {
        for text in ["90s", "5m", "2h", "3d", "250ms", "0s", "36h"] {
            let parsed: Duration = text.parse().unwrap();
            let again: Duration = parsed.to_string().parse().unwrap();
            assert_eq!(parsed, again, "{text}");
        }
        assert_eq!(Duration::from_secs(7200.0).to_string(), "2h");
        assert_eq!(Duration::from_secs(90.0).to_string(), "90s");
    }

    #[test]
    fn human_form_is_readable() {
        assert_eq!(Duration::from_secs(45.0).human(), "45 s");
        assert_eq!(Duration::from_mins(12.5).human(), "12.5 min");
        assert_eq!(Duration::from_hours(3.2).human(), "3.2 h");
        assert_eq!(Duration::from_days(4.0).human(), "4 d");
    }
}
