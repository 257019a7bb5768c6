//! drtwin-model: the twin of one machine as plain data.
//!
//! Components (a host, its supervisors, services, jobs, monitors, external APIs, volumes,
//! backup stores, network links and the endpoints users reach), the dependencies between
//! them, and the evidence behind each fact. This crate does no file IO: it turns a twin into
//! RON and back, and answers graph questions about it (which components an endpoint needs,
//! which single components or pairs take it down).

pub mod duration;
pub mod graph;
pub mod risk;
pub mod schedule;
pub mod twin;

pub use duration::{Duration, DurationError};
pub use risk::{RiskLevel, RiskThresholds};
pub use schedule::{CalendarRule, Schedule, ScheduleSource, Timing};
pub use twin::*;

/// Why a twin could not be read or used.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("line {line}, column {column}: {message}")]
    Parse { line: usize, column: usize, message: String },
    #[error("twin format {found} is not the supported format {expected} (hint: scan again)")]
    Format { found: u32, expected: u32 },
    #[error("component id `{0}` appears twice")]
    DuplicateId(String),
    #[error("a dependency names `{0}`, which is not a component of the twin")]
    UnknownComponent(String),
    #[error("could not write RON: {0}")]
    Serialize(String),
}
