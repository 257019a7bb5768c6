//! The assumptions: failure rates, repair and response times, each with its public source.
//!
//! The shipped table lives in `sim/assumptions.ron` and is compiled in. A user's file
//! overrides single values by name (`{"power-outage-rate": 3.0, "human-response-day":
//! "1h"}`); an unknown name or a value of the wrong kind is an error with line and column.
//! Internally every value is a plain `f64`: rates per year, durations in seconds, a law's
//! index in [`LAWS`].

use std::collections::BTreeMap;

use serde::Deserialize;

use drtwin_model::Duration;

use crate::SimError;
use crate::results::AssumptionUsed;

const SHIPPED: &str = include_str!("../assumptions.ron");

/// What a value means, and so how it is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum ValueKind {
    /// Events per year, a plain number.
    Rate,
    /// A duration string with a unit.
    Duration,
    /// A probability or share in [0, 1].
    Fraction,
    /// Any other number (a sigma, an hour, bytes per second).
    Number,
    /// A probability law by name, one of [`LAWS`]; held as its index.
    Law,
}

/// The laws a `Law` value may name, in the order of their index.
pub const LAWS: [&str; 2] = ["lognormal", "exponential"];

/// A value as a file writes it. Deserialised by hand rather than as an untagged enum, so a
/// wrong shape (a list, `Some(...)`, a boolean) is reported as what was expected and what was
/// found, not as the name of an internal type.
#[derive(Clone, Debug)]
enum RawValue {
    Number(f64),
    Text(String),
}

/// What an assumption's value may be, as error messages name it.
const EXPECTED_VALUE: &str = "a number or a quoted string";

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<RawValue, D::Error> {
        struct RawValueVisitor;

        impl serde::de::Visitor<'_> for RawValueVisitor {
            type Value = RawValue;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str(EXPECTED_VALUE)
            }

            fn visit_f64<E: serde::de::Error>(self, value: f64) -> Result<RawValue, E> {
                Ok(RawValue::Number(value))
            }

            fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<RawValue, E> {
                Ok(RawValue::Number(value as f64))
            }

            fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<RawValue, E> {
                Ok(RawValue::Number(value as f64))
            }

            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<RawValue, E> {
                Ok(RawValue::Text(value.to_string()))
            }

            fn visit_string<E: serde::de::Error>(self, value: String) -> Result<RawValue, E> {
                Ok(RawValue::Text(value))
            }
        }

        deserializer.deserialize_any(RawValueVisitor)
    }
}

#[derive(Deserialize)]
struct RawEntry {
    name: String,
    kind: ValueKind,
    value: RawValue,
    source: String,
}

#[derive(Deserialize)]
struct RawTable {
    version: String,
    entries: Vec<RawEntry>,
}

/// One assumption with its value.
#[derive(Clone, Debug, PartialEq)]
pub struct Assumption {
    pub name: String,
    pub kind: ValueKind,
    /// Per year for rates, seconds for durations.
    pub value: f64,
    pub source: String,
    pub overridden: bool,
}

/// The table of assumptions a run uses.
#[derive(Clone, Debug, PartialEq)]
pub struct Assumptions {
    pub version: String,
    entries: Vec<Assumption>,
}

impl Assumptions {
    /// Version of the shipped table's format and contents.
    pub const VERSION: &'static str = "2027.1";

    /// The shipped table.
    pub fn shipped() -> Assumptions {
        // The shipped file is part of the binary and covered by a test, so a parse failure
        // here is a build defect, not bad input.
        let table: RawTable = match ron::from_str(SHIPPED) {
            Ok(table) => table,
            Err(error) => panic!("shipped assumptions.ron is invalid: {error}"),
        };
        let entries = table
            .entries
            .into_iter()
            .map(|raw| {
                let value = match convert(raw.kind, &raw.value) {
                    Ok(value) => value,
                    Err(message) => panic!("shipped assumption `{}`: {message}", raw.name),
                };
                Assumption {
                    name: raw.name,
                    kind: raw.kind,
                    value,
                    source: raw.source,
                    overridden: false,
                }
            })
            .collect();
        Assumptions { version: table.version, entries }
    }

    /// Applies a user's overrides, a RON map from assumption name to value.
    pub fn with_overrides(mut self, ron_text: &str) -> Result<Assumptions, SimError> {
        let map: BTreeMap<String, RawValue> =
            ron::from_str(ron_text).map_err(|error| SimError::Assumptions {
                line: error.span.start.line,
                column: error.span.start.col,
                message: parse_message(&error.code),
            })?;
        for (name, raw) in map {
            let (line, column) = locate(ron_text, &name);
            let Some(entry) = self.entries.iter_mut().find(|entry| entry.name == name) else {
                return Err(SimError::Assumptions {
                    line,
                    column,
                    message: format!(
                        "unknown assumption `{name}` (hint: `drtwin assumptions` lists the names)"
                    ),
                });
            };
            entry.value = convert(entry.kind, &raw).map_err(|message| SimError::Assumptions {
                line,
                column,
                message: format!("`{name}`: {message}"),
            })?;
            entry.overridden = true;
        }
        Ok(self)
    }

    /// Every assumption as the results list them.
    pub fn used(&self) -> Vec<AssumptionUsed> {
        self.entries
            .iter()
            .map(|entry| AssumptionUsed {
                name: entry.name.clone(),
                value: display(entry.kind, entry.value),
                source: entry.source.clone(),
                overridden: entry.overridden,
            })
            .collect()
    }

    pub fn entries(&self) -> &[Assumption] {
        &self.entries
    }

    /// The value of `name`: per year, seconds, or a plain number. Unknown names read as 0,
    /// which a test rules out for every name the engine asks for.
    pub fn get(&self, name: &str) -> f64 {
        self.entries.iter().find(|entry| entry.name == name).map_or(0.0, |entry| entry.value)
    }

    /// Sets a value directly (sensitivity runs); returns false for an unknown name.
    pub fn set(&mut self, name: &str, value: f64) -> bool {
        match self.entries.iter_mut().find(|entry| entry.name == name) {
            Some(entry) => {
                entry.value = value;
                true
            }
            None => false,
        }
    }

    pub fn kind(&self, name: &str) -> Option<ValueKind> {
        self.entries.iter().find(|entry| entry.name == name).map(|entry| entry.kind)
    }
}

/// The value as the files write it.
pub fn display(kind: ValueKind, value: f64) -> String {
    match kind {
        ValueKind::Duration => Duration::from_secs(value).to_string(),
        ValueKind::Rate => format!("{value}/yr"),
        ValueKind::Law => LAWS.get(value as usize).unwrap_or(&"?").to_string(),
        ValueKind::Fraction | ValueKind::Number => format!("{value}"),
    }
}

fn convert(kind: ValueKind, raw: &RawValue) -> Result<f64, String> {
    match (kind, raw) {
        (ValueKind::Duration, RawValue::Text(text)) => {
            text.parse::<Duration>().map(Duration::secs).map_err(|error| error.to_string())
        }
        (ValueKind::Duration, RawValue::Number(number)) => {
            Err(format!("`{number}` has no unit (hint: write e.g. `\"90s\"` or `\"2h\"`)"))
        }
        (ValueKind::Law, RawValue::Text(text)) => {
            LAWS.iter().position(|law| law == text).map(|index| index as f64).ok_or_else(|| {
                format!(
                    "unknown law `{text}` (hint: one of {})",
                    LAWS.map(|l| format!("`{l}`")).join(", ")
                )
            })
        }
        (ValueKind::Law, RawValue::Number(number)) => {
            Err(format!("expected a law's name, found `{number}` (hint: `\"exponential\"`)"))
        }
        (_, RawValue::Text(text)) => Err(format!("expected a number, found `\"{text}\"`")),
        (ValueKind::Fraction, RawValue::Number(number)) if !(0.0..=1.0).contains(number) => {
            Err(format!("`{number}` is not a fraction in [0, 1]"))
        }
        (_, RawValue::Number(number)) if !number.is_finite() || *number < 0.0 => {
            Err(format!("`{number}` is negative or not finite"))
        }
        (_, RawValue::Number(number)) => Ok(*number),
    }
}

/// A parse error of an overrides file in the user's terms. RON words a value of the wrong
/// shape as "Expected ... but found ... instead"; this says it lower case, with how to write
/// the value instead.
fn parse_message(code: &ron::Error) -> String {
    match code {
        ron::Error::InvalidValueForType { expected, found } if expected == EXPECTED_VALUE => {
            format!(
                "expected {expected}, found {found} (hint: write the value bare, e.g. `3.0`, \
                 `\"2h\"` or `\"exponential\"`, not in brackets or `Some(...)`)"
            )
        }
        other => other.to_string(),
    }
}

/// Line and column (1-based) of the first mention of `name` in `text`.
fn locate(text: &str, name: &str) -> (usize, usize) {
    for (index, line) in text.lines().enumerate() {
        if let Some(column) = line.find(name) {
            return (index + 1, column + 1);
        }
    }
    (1, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_table_parses_with_sources() {
        let assumptions = Assumptions::shipped();
        assert_eq!(assumptions.version, Assumptions::VERSION);
        assert!(assumptions.entries().len() > 40);
        assert!(assumptions.entries().iter().all(|entry| !entry.source.is_empty()));
        assert_eq!(assumptions.get("launchd-throttle-default"), 10.0);
        assert_eq!(assumptions.get("power-outage-rate"), 1.3);
    }

    #[test]
    fn overrides_replace_values_and_mark_them() {
        let assumptions = Assumptions::shipped()
            .with_overrides("{\"power-outage-rate\": 3.0, \"human-response-day\": \"1h\"}")
            .unwrap();
        assert_eq!(assumptions.get("power-outage-rate"), 3.0);
        assert_eq!(assumptions.get("human-response-day"), 3600.0);
        let law =
            Assumptions::shipped().with_overrides("{\"outage-duration-law\": \"exponential\"}");
        assert_eq!(law.unwrap().get("outage-duration-law"), 1.0);
        let used = assumptions.used();
        let power = used.iter().find(|u| u.name == "power-outage-rate").unwrap();
        assert!(power.overridden);
    }

    #[test]
    fn unknown_names_and_bad_values_are_errors_with_a_position() {
        let error = Assumptions::shipped().with_overrides("{\n  \"no-such-thing\": 1.0 }");
        match error {
            Err(SimError::Assumptions { line, column, message }) => {
                assert_eq!((line, column), (2, 4));
                assert!(message.contains("no-such-thing"));
            }
            other => panic!("{other:?}"),
        }
        let error = Assumptions::shipped().with_overrides("{\"human-response-day\": 30.0}");
        assert!(matches!(error, Err(SimError::Assumptions { .. })));
        let error = Assumptions::shipped().with_overrides("{\"outage-duration-law\": \"weibull\"}");
        assert!(
            matches!(error, Err(SimError::Assumptions { message, .. }) if message.contains("`exponential`"))
        );
        let error = Assumptions::shipped().with_overrides("{\"power-outage-rate\": }");
        assert!(matches!(error, Err(SimError::Assumptions { line: 1, .. })));
    }

    #[test]
    fn a_value_of_the_wrong_shape_says_what_was_expected_not_an_internal_name() {
        let cases = [
            ("{\n  \"outage-duration-law\": [\"exponential\"] }", "a sequence"),
            ("{\n  \"outage-duration-law\": Some(\"exponential\") }", "an optional value"),
            ("{\n  \"power-outage-rate\": true }", "the boolean `true`"),
        ];
        for (text, found) in cases {
            match Assumptions::shipped().with_overrides(text) {
                Err(SimError::Assumptions { line, column, message }) => {
                    assert_eq!(line, 2, "{text}: {message}");
                    assert!(column > 1, "{text}: column {column}");
                    assert!(
                        message.starts_with("expected a number or a quoted string, found "),
                        "{text}: {message}"
                    );
                    assert!(message.contains(found), "{text}: {message}");
                    assert!(message.contains("hint:"), "{text}: {message}");
                    assert!(!message.contains("RawValue"), "{text}: {message}");
                    assert!(!message.contains("untagged"), "{text}: {message}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }

        // Whole numbers are numbers: `3` overrides a rate as `3.0` does.
        let whole = Assumptions::shipped().with_overrides("{\"power-outage-rate\": 3}");
        assert_eq!(whole.map(|a| a.get("power-outage-rate")).ok(), Some(3.0));
    }
}
