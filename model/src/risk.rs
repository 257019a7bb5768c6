//! Risk levels and the one place their thresholds live.
//!
//! A scenario's level comes from the expected yearly downtime it causes on production, or
//! from data loss beyond the policy's recovery point objective. The thresholds are the
//! shared definitions from the project's conventions; a policy file may override them.

use serde::{Deserialize, Serialize};

use crate::duration::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RiskLevel {
    Low,
    Medium,
    High,
    Critical,
}

impl RiskLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            RiskLevel::Low => "LOW",
            RiskLevel::Medium => "MEDIUM",
            RiskLevel::High => "HIGH",
            RiskLevel::Critical => "CRITICAL",
        }
    }

    /// Parses `low`, `MEDIUM`, ... case-insensitively.
    pub fn parse(text: &str) -> Option<RiskLevel> {
        match text.to_ascii_lowercase().as_str() {
            "low" => Some(RiskLevel::Low),
            "medium" => Some(RiskLevel::Medium),
            "high" => Some(RiskLevel::High),
            "critical" => Some(RiskLevel::Critical),
            _ => None,
        }
    }
}

impl std::fmt::Display for RiskLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Yearly production downtime at or above which a scenario is rated at each level.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RiskThresholds {
    pub critical: Duration,
    pub high: Duration,
    pub medium: Duration,
}

impl Default for RiskThresholds {
    fn default() -> RiskThresholds {
        RiskThresholds {
            critical: Duration::from_hours(24.0),
            high: Duration::from_hours(4.0),
            medium: Duration::from_mins(30.0),
        }
    }
}

impl RiskThresholds {
    /// The level for an expected yearly downtime; `data_loss_beyond_rpo` makes it critical.
    pub fn level(&self, yearly_downtime: Duration, data_loss_beyond_rpo: bool) -> RiskLevel {
        let downtime = yearly_downtime.secs();
        if data_loss_beyond_rpo || downtime >= self.critical.secs() {
            RiskLevel::Critical
        } else if downtime >= self.high.secs() {
            RiskLevel::High
        } else if downtime >= self.medium.secs() {
            RiskLevel::Medium
        } else {
            RiskLevel::Low
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_follow_the_shared_definition() {
        let thresholds = RiskThresholds::default();
        assert_eq!(thresholds.level(Duration::from_hours(24.0), false), RiskLevel::Critical);
        assert_eq!(thresholds.level(Duration::from_hours(23.9), false), RiskLevel::High);
        assert_eq!(thresholds.level(Duration::from_hours(4.0), false), RiskLevel::High);
        assert_eq!(thresholds.level(Duration::from_mins(30.0), false), RiskLevel::Medium);
        assert_eq!(thresholds.level(Duration::from_mins(29.0), false), RiskLevel::Low);
        assert_eq!(thresholds.level(Duration::ZERO, true), RiskLevel::Critical);
    }
}
