//! The disaster-recovery policy: a target recovery time (RTO) and recovery point (RPO) per
//! class of disruption, and the check of the simulated scenarios against it.
//!
//! The shipped policy (`sim/policy.ron`) is built into the binary; a user's file has the
//! same shape and replaces the classes it names. The policy is the one place the RPO lives:
//! the risk rule "data loss beyond the policy RPO is CRITICAL" reads it from here, while the
//! downtime thresholds stay in [`drtwin_model::RiskThresholds`] (a policy may override them
//! under `risk_levels`).

use serde::{Deserialize, Serialize};

use drtwin_model::{Duration, RiskThresholds};

use crate::results::{Estimate, Family, PolicyCheck, ScenarioResult};

/// The policy shipped with drtwin.
pub const SHIPPED_POLICY: &str = include_str!("../policy.ron");

/// The four classes of disruption a policy sets targets for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum DisruptionClass {
    /// A process ends or is killed: service crashes, memory pressure.
    Process,
    /// The database crashes or must be restored.
    Database,
    /// The network or an outside dependency is away: uplink, DNS, power, vendor APIs.
    Network,
    /// The whole machine is gone.
    HostLoss,
}

impl DisruptionClass {
    pub const ALL: [DisruptionClass; 4] = [
        DisruptionClass::Process,
        DisruptionClass::Database,
        DisruptionClass::Network,
        DisruptionClass::HostLoss,
    ];

    /// The class a scenario family belongs to; disk space, load and time effects have none.
    pub fn of(family: Family) -> Option<DisruptionClass> {
        match family {
            Family::ServiceCrash | Family::MemoryPressure => Some(DisruptionClass::Process),
            Family::Database | Family::BackupRecovery => Some(DisruptionClass::Database),
            Family::Network | Family::DependencyFailure => Some(DisruptionClass::Network),
            Family::MachineLoss => Some(DisruptionClass::HostLoss),
            Family::DiskSpace | Family::ConcurrentLoad | Family::TimeBased => None,
        }
    }

    /// The name a policy file uses for the class.
    pub fn key(self) -> &'static str {
        match self {
            DisruptionClass::Process => "process",
            DisruptionClass::Database => "database",
            DisruptionClass::Network => "network",
            DisruptionClass::HostLoss => "host_loss",
        }
    }

    /// The name a report uses for the class.
    pub fn title(self) -> &'static str {
        match self {
            DisruptionClass::Process => "Process",
            DisruptionClass::Database => "Database",
            DisruptionClass::Network => "Network",
            DisruptionClass::HostLoss => "Host loss",
        }
    }
}

/// The targets for one class.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Longest acceptable recovery time.
    pub rto: Duration,
    /// Most recent data it is acceptable to lose.
    pub rpo: Duration,
}

/// A whole policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    pub process: Target,
    pub database: Target,
    pub network: Target,
    pub host_loss: Target,
    /// Yearly production downtime at which a scenario rates CRITICAL, HIGH and MEDIUM.
    pub risk_levels: RiskThresholds,
}

/// A policy file as written: every part optional, so a file may name only what it changes.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "policy")]
struct PolicyFile {
    #[serde(default)]
    process: Option<Target>,
    #[serde(default)]
    database: Option<Target>,
    #[serde(default)]
    network: Option<Target>,
    #[serde(default)]
    host_loss: Option<Target>,
    #[serde(default)]
    risk_levels: Option<RiskThresholds>,
}

/// Why a policy file was refused; `file` is the name the user gave.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("policy `{file}`, line {line}, column {column}: {message}")]
pub struct PolicyError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Classes are written bare, `process: (rto: "15m", rpo: "0s")`, not wrapped in `Some`.
fn ron_options() -> ron::Options {
    ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
}

impl Policy {
    /// The policy built into drtwin.
    pub fn shipped() -> Policy {
        // The shipped file is part of the source and a unit test parses it, so it parses.
        Policy::from_parts(PolicyFile {
            process: None,
            database: None,
            network: None,
            host_loss: None,
            risk_levels: None,
        })
    }

    /// Reads a policy file's text; classes it leaves out keep the shipped targets. Errors
    /// name `file`, the line and the column.
    pub fn from_ron(text: &str, file: &str) -> Result<Policy, PolicyError> {
        let parsed: PolicyFile = ron_options().from_str(text).map_err(|error| PolicyError {
            file: file.to_string(),
            line: error.span.start.line,
            column: error.span.start.col,
            message: error.code.to_string(),
        })?;
        Ok(Policy::from_parts(parsed))
    }

    fn from_parts(file: PolicyFile) -> Policy {
        let shipped: Option<PolicyFile> = ron_options().from_str(SHIPPED_POLICY).ok();
        let default_target = |pick: fn(&PolicyFile) -> Option<Target>, fallback: Target| {
            shipped.as_ref().and_then(pick).unwrap_or(fallback)
        };
        let hours = |h: f64| Duration::from_hours(h);
        Policy {
            process: file.process.unwrap_or_else(|| {
                default_target(|f| f.process, Target { rto: hours(0.25), rpo: Duration::ZERO })
            }),
            database: file.database.unwrap_or_else(|| {
                default_target(|f| f.database, Target { rto: hours(1.0), rpo: hours(24.0) })
            }),
            network: file.network.unwrap_or_else(|| {
                default_target(|f| f.network, Target { rto: hours(4.0), rpo: Duration::ZERO })
            }),
            host_loss: file.host_loss.unwrap_or_else(|| {
                default_target(|f| f.host_loss, Target { rto: hours(72.0), rpo: hours(24.0) })
            }),
            risk_levels: file.risk_levels.unwrap_or_default(),
        }
    }

    pub fn target(&self, class: DisruptionClass) -> Target {
        match class {
            DisruptionClass::Process => self.process,
            DisruptionClass::Database => self.database,
            DisruptionClass::Network => self.network,
            DisruptionClass::HostLoss => self.host_loss,
        }
    }

    /// The RPO that applies to a scenario family; families outside every class use the
    /// strictest RPO of the policy.
    pub fn rpo_for(&self, family: Family) -> Duration {
        match DisruptionClass::of(family) {
            Some(class) => self.target(class).rpo,
            None => DisruptionClass::ALL
                .iter()
                .map(|&class| self.target(class).rpo)
                .fold(Duration::from_secs(f64::INFINITY), |a, b| if b < a { b } else { a }),
        }
    }

    /// Checks each class against the scenarios that belong to it and happen at all: the
    /// worst p90 recovery time among those that take a production endpoint down (an RTO is
    /// about service to users, so an internal tool's outage does not count against it), and
    /// the worst p90 data-loss window among those that destroy data (data is lost whoever
    /// uses it; a backup that fails silently only leaves the next loss bigger).
    pub fn check(&self, scenarios: &[ScenarioResult]) -> Vec<PolicyCheck> {
        DisruptionClass::ALL
            .iter()
            .map(|&class| {
                let target = self.target(class);
                let members: Vec<&ScenarioResult> = scenarios
                    .iter()
                    .filter(|s| DisruptionClass::of(s.family) == Some(class))
                    .filter(|s| s.occurrences_per_year > 0.0)
                    .collect();
                let worst_recovery = members
                    .iter()
                    .filter(|s| s.yearly_production_minutes.value > 0.0)
                    .max_by(|a, b| a.recovery_time.p90.value.total_cmp(&b.recovery_time.p90.value));
                let worst_loss = members
                    .iter()
                    .filter(|s| s.loses_data)
                    .filter_map(|s| s.data_loss_window.as_ref().map(|d| (s, d.p90)))
                    .max_by(|a, b| a.1.value.total_cmp(&b.1.value));
                let recovery_p90: Option<Estimate> = worst_recovery.map(|s| s.recovery_time.p90);
                let data_loss_p90: Option<Estimate> = worst_loss.map(|(_, p90)| p90);
                // No recovery figure means no scenario of the class takes production down; no
                // data-loss window means none puts data at risk.
                let (rto_met, rpo_met) = if members.is_empty() {
                    (None, None)
                } else {
                    (
                        Some(recovery_p90.is_none_or(|p90| p90.value <= target.rto.secs())),
                        Some(data_loss_p90.is_none_or(|p90| p90.value <= target.rpo.secs())),
                    )
                };
                PolicyCheck {
                    class,
                    target_rto_seconds: target.rto.secs(),
                    target_rpo_seconds: target.rpo.secs(),
                    scenarios: members.len(),
                    recovery_p90_seconds: recovery_p90,
                    recovery_scenario: worst_recovery.map(|s| s.id.clone()),
                    data_loss_p90_seconds: data_loss_p90,
                    data_loss_scenario: worst_loss.map(|(s, _)| s.id.clone()),
                    rto_met,
                    rpo_met,
                }
            })
            .collect()
    }
}

impl Default for Policy {
    fn default() -> Policy {
        Policy::shipped()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_policy_parses_with_the_documented_targets() {
        let parsed = Policy::from_ron(SHIPPED_POLICY, "policy.ron").unwrap();
        assert_eq!(parsed, Policy::shipped());
        assert_eq!(parsed.process.rto.secs(), 15.0 * 60.0);
        assert_eq!(parsed.process.rpo.secs(), 0.0);
        assert_eq!(parsed.database.rto.secs(), 3600.0);
        assert_eq!(parsed.database.rpo.secs(), 86_400.0);
        assert_eq!(parsed.network.rto.secs(), 4.0 * 3600.0);
        assert_eq!(parsed.host_loss.rto.secs(), 3.0 * 86_400.0);
        assert_eq!(parsed.host_loss.rpo.secs(), 86_400.0);
        assert_eq!(parsed.risk_levels, RiskThresholds::default());
    }

    #[test]
    fn a_good_file_overrides_the_classes_it_names() {
        let text = "// stricter\n(\n  database: (rto: \"30m\", rpo: \"1h\"),\n  \
                    risk_levels: (critical: \"12h\", high: \"2h\", medium: \"10m\"),\n)\n";
        let policy = Policy::from_ron(text, "mine.ron").unwrap();
        assert_eq!(policy.database.rto.secs(), 1800.0);
        assert_eq!(policy.database.rpo.secs(), 3600.0);
        assert_eq!(policy.process, Policy::shipped().process);
        assert_eq!(policy.host_loss, Policy::shipped().host_loss);
        assert_eq!(policy.risk_levels.critical.secs(), 12.0 * 3600.0);
        assert_eq!(policy.rpo_for(Family::BackupRecovery).secs(), 3600.0);
        assert_eq!(policy.rpo_for(Family::MachineLoss).secs(), 86_400.0);
        assert_eq!(policy.rpo_for(Family::DiskSpace).secs(), 0.0);
    }

    #[test]
    fn a_bad_duration_names_the_file_line_and_column() {
        let text =
            "(\n  process: (rto: \"15m\", rpo: \"0s\"),\n  network: (rto: \"4\", rpo: \"0s\"),\n)";
        let error = Policy::from_ron(text, "bad.ron").unwrap_err();
        assert_eq!(error.file, "bad.ron");
        assert_eq!(error.line, 3, "{error}");
        assert!(error.column > 1, "{error}");
        let message = error.to_string();
        assert!(message.starts_with("policy `bad.ron`, line 3, column "), "{message}");
        assert!(message.contains("no unit"), "{message}");
    }

    #[test]
    fn malformed_ron_names_the_line_and_column() {
        let error =
            Policy::from_ron("(\n  process: (rto: \"15m\" rpo: \"0s\"),\n)", "x.ron").unwrap_err();
        assert_eq!((error.file.as_str(), error.line), ("x.ron", 2), "{error}");
        assert!(error.column > 1, "{error}");
    }

    #[test]
    fn an_unknown_class_is_refused_and_the_known_ones_are_listed() {
        let text =
            "(\n  process: (rto: \"15m\", rpo: \"0s\"),\n  storage: (rto: \"1h\", rpo: \"0s\"),\n)";
        let error = Policy::from_ron(text, "classes.ron").unwrap_err();
        assert_eq!(error.line, 3, "{error}");
        assert!(error.message.contains("storage"), "{error}");
        assert!(error.message.contains("host_loss"), "{error}");
    }

    /// A scenario of `family` recovered at p90 after `p90` seconds, costing production
    /// `production` minutes a year.
    fn scenario(id: &str, family: Family, p90: f64, production: f64) -> ScenarioResult {
        let exact = Estimate::exact;
        ScenarioResult {
            id: id.into(),
            family,
            title: id.into(),
            injected: Vec::new(),
            mode: "crash".into(),
            recovery_time: crate::results::TimeDistribution {
                samples: 100,
                mean: exact(p90 / 2.0),
                p50: exact(p90 / 2.0),
                p90: exact(p90),
                p99: exact(p90),
                cdf: Vec::new(),
            },
            recovered_by: Vec::new(),
            endpoints_down: Vec::new(),
            data_loss_window: None,
            loses_data: false,
            occurrences_per_year: 1.0,
            yearly_production_minutes: exact(production),
            risk: drtwin_model::RiskLevel::Low,
            behavior: Vec::new(),
            recommendations: Vec::new(),
            requested: false,
        }
    }

    #[test]
    fn recovery_targets_count_only_what_takes_production_down() {
        let policy = Policy::shipped();
        let internal = scenario("internal-tool", Family::ServiceCrash, 6.0 * 3600.0, 0.0);
        let public = scenario("public-site", Family::ServiceCrash, 600.0, 12.0);
        let checks = policy.check(&[internal.clone(), public]);
        let process = &checks[0];
        assert_eq!(process.class, DisruptionClass::Process);
        assert_eq!(process.scenarios, 2);
        assert_eq!(process.recovery_scenario.as_deref(), Some("public-site"));
        assert_eq!(process.rto_met, Some(true));

        // Only an internal outage: production stays up, and the target holds.
        let checks = policy.check(&[internal]);
        assert_eq!(checks[0].recovery_p90_seconds, None);
        assert_eq!(checks[0].rto_met, Some(true));
        assert_eq!(checks[1].rto_met, None, "no database scenario ran");
    }

    #[test]
    fn only_a_failure_that_destroys_data_counts_against_the_rpo() {
        let policy = Policy::shipped();
        let window = |hours: f64| crate::results::TimeDistribution {
            samples: 100,
            p90: Estimate::exact(hours * 3600.0),
            ..Default::default()
        };
        let silent = ScenarioResult {
            data_loss_window: Some(window(46.0)),
            loses_data: false,
            ..scenario("silent-failure", Family::BackupRecovery, 60.0, 0.0)
        };
        let restore = ScenarioResult {
            data_loss_window: Some(window(20.0)),
            loses_data: true,
            ..scenario("restore", Family::BackupRecovery, 3600.0, 0.0)
        };
        let checks = policy.check(&[silent.clone(), restore]);
        let database = checks.iter().find(|c| c.class == DisruptionClass::Database).unwrap();
        assert_eq!(database.data_loss_scenario.as_deref(), Some("restore"));
        assert_eq!(database.rpo_met, Some(true), "20 h lost against a 24 h RPO");

        let checks = policy.check(&[silent]);
        let database = checks.iter().find(|c| c.class == DisruptionClass::Database).unwrap();
        assert_eq!(database.data_loss_p90_seconds, None);
        assert_eq!(database.rpo_met, Some(true));
    }

    #[test]
    fn every_scenario_family_but_three_has_a_class() {
        let classed = Family::ALL.iter().filter(|&&f| DisruptionClass::of(f).is_some()).count();
        assert_eq!(classed, 7);
        assert_eq!(DisruptionClass::of(Family::MemoryPressure), Some(DisruptionClass::Process));
        assert_eq!(DisruptionClass::of(Family::DependencyFailure), Some(DisruptionClass::Network));
    }
}
