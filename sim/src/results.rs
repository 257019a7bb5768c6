//! What a simulation run hands to the report: per-endpoint downtime, per-scenario recovery
//! time distributions, the SPOF ranking and the assumptions used, each number an estimate
//! with its 95% confidence interval.
//!
//! These types are the contract between the engine and `drtwin-viz`; they serialise to RON
//! (`results.ron`) and JSON. Floating-point fields are plain numbers in stated units so a
//! reader of the file needs no code to use it.

use serde::{Deserialize, Serialize};

use drtwin_model::{Evidence, RiskLevel, Tier};

use crate::policy::DisruptionClass;

/// Bumped whenever a change to these types makes older results files unreadable.
pub const RESULTS_FORMAT: u32 = 1;

/// One run of `drtwin simulate`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Results {
    pub format: u32,
    /// [`drtwin_model::Twin::fingerprint`] of the twin simulated, so a report can refuse
    /// results that belong to another twin.
    pub twin_fingerprint: String,
    pub host: String,
    pub time_zone: String,
    pub seed: u64,
    /// Trial-years simulated for the baseline.
    pub trials: u64,
    /// Trials per injected-failure scenario.
    pub scenario_trials: u64,
    /// The calendar year the trials simulate (for DST dates and weekdays).
    pub year: i16,
    pub versions: Versions,
    pub endpoints: Vec<EndpointResult>,
    pub scenarios: Vec<ScenarioResult>,
    pub spof: Vec<SpofEntry>,
    pub assumptions: Vec<AssumptionUsed>,
    /// Which assumptions move production downtime most, largest swing first.
    #[serde(default)]
    pub sensitivity: Vec<Sensitivity>,
    /// Every scheduled job's runs on a normal day and on the DST change days.
    #[serde(default)]
    pub schedule: ScheduleSummary,
    /// The DR policy's targets per class of disruption, against what the scenarios measured.
    #[serde(default)]
    pub policy: Vec<PolicyCheck>,
    /// Seconds in a simulated year during which any production endpoint is down.
    #[serde(default)]
    pub production_downtime: TimeDistribution,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Versions {
    pub drtwin: String,
    pub assumptions: String,
    pub generator: String,
}

/// A mean or quantile with its 95% confidence interval. `low` and `high` equal `value`
/// when the quantity is exact. Infinite values (an RRW with a component in every cut set)
/// are written as `inf`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

impl Estimate {
    pub fn exact(value: f64) -> Estimate {
        Estimate { value, low: value, high: value }
    }

    pub fn half_width(&self) -> f64 {
        (self.high - self.low) / 2.0
    }

    pub fn contains(&self, value: f64) -> bool {
        self.low <= value && value <= self.high
    }
}

/// A distribution of a time in seconds, from one sample per trial.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TimeDistribution {
    pub samples: u64,
    pub mean: Estimate,
    pub p50: Estimate,
    pub p90: Estimate,
    pub p99: Estimate,
    /// The empirical CDF at fixed probabilities: `(seconds, probability)` pairs, increasing,
    /// for charts.
    pub cdf: Vec<(f64, f64)>,
}

/// Yearly figures for one endpoint from the baseline trials.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EndpointResult {
    pub id: String,
    pub name: String,
    pub tier: Tier,
    /// Fraction of the year it is up.
    pub availability: Estimate,
    pub downtime_minutes_per_year: Estimate,
    /// Seconds down in a simulated year: mean, median, p90 (a bad year, one in ten) and p99.
    #[serde(default)]
    pub yearly_downtime: TimeDistribution,
    pub outages_per_year: Estimate,
    /// Expected minutes per year by the component whose failure started each outage,
    /// largest first.
    pub downtime_by_cause: Vec<(String, f64)>,
    /// The scenario id causing the most expected downtime here.
    #[serde(default)]
    pub worst_scenario: Option<String>,
}

/// The nine scenario families of the seed, plus the loss of the whole machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Family {
    ServiceCrash,
    Database,
    Network,
    DiskSpace,
    MemoryPressure,
    DependencyFailure,
    BackupRecovery,
    ConcurrentLoad,
    TimeBased,
    MachineLoss,
}

impl Family {
    pub const ALL: [Family; 10] = [
        Family::ServiceCrash,
        Family::Database,
        Family::Network,
        Family::DiskSpace,
        Family::MemoryPressure,
        Family::DependencyFailure,
        Family::BackupRecovery,
        Family::ConcurrentLoad,
        Family::TimeBased,
        Family::MachineLoss,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Family::ServiceCrash => "Service crash recovery",
            Family::Database => "Database resilience",
            Family::Network => "Network failure handling",
            Family::DiskSpace => "Disk space",
            Family::MemoryPressure => "Memory pressure",
            Family::DependencyFailure => "Dependency failure",
            Family::BackupRecovery => "Backup recovery",
            Family::ConcurrentLoad => "Concurrent load",
            Family::TimeBased => "Time-based failures",
            Family::MachineLoss => "Loss of the whole machine",
        }
    }
}

/// How an injected failure ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Mechanism {
    /// The supervisor restarted it (launchd KeepAlive, systemd Restart=).
    Supervisor,
    /// A monitor's probe found it and restarted it.
    Monitor,
    /// A person noticed (alerted or not) and fixed it.
    Human,
    /// The cause went away by itself (an upstream API came back, a reconnect).
    SelfHealed,
    /// Hardware replaced and data restored from the latest off-site copy.
    Restore,
    /// Nothing went down.
    NoOutage,
}

/// One statement of CURRENT BEHAVIOR with the files and lines it rests on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Statement {
    pub text: String,
    pub evidence: Vec<Evidence>,
}

/// A recommended change and, once measured, its effect on production downtime.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    pub text: String,
    /// The change in the what-if file format (RON), when it can be simulated.
    #[serde(default)]
    pub change: Option<String>,
    /// Paired difference in production downtime, minutes per year (negative is better).
    #[serde(default)]
    pub effect_minutes_per_year: Option<Estimate>,
    /// Production downtime, minutes per year, of the baseline the effect was measured
    /// against (the same trials and random numbers), so a chart can show before and after.
    #[serde(default)]
    pub baseline_minutes_per_year: Option<Estimate>,
}

/// One injected-failure scenario: its recovery-time distribution and what it cost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScenarioResult {
    /// Stable id, e.g. `service-crash/launchd:com.example.portal`.
    pub id: String,
    pub family: Family,
    /// The SCENARIO line.
    pub title: String,
    /// Component ids the failure is injected into, and the failure mode.
    pub injected: Vec<String>,
    pub mode: String,
    pub recovery_time: TimeDistribution,
    /// Fraction of trials recovered by each mechanism.
    pub recovered_by: Vec<(Mechanism, f64)>,
    /// Mean minutes each endpoint was down per occurrence.
    pub endpoints_down: Vec<(String, Estimate)>,
    /// Data written since the last good off-site copy, in seconds, when data is at risk.
    #[serde(default)]
    pub data_loss_window: Option<TimeDistribution>,
    /// Whether the failure destroys data (the window is lost), or only leaves the off-site
    /// copy older (the window is what a loss of the machine then would cost, as for a backup
    /// that fails without telling anyone). Only a loss counts against the policy RPO.
    #[serde(default = "loses_data_by_default")]
    pub loses_data: bool,
    /// How often per year the scenario happens, from the assumptions.
    pub occurrences_per_year: f64,
    /// Expected production downtime per year it causes, minutes.
    pub yearly_production_minutes: Estimate,
    pub risk: RiskLevel,
    pub behavior: Vec<Statement>,
    pub recommendations: Vec<Recommendation>,
    /// Asked for with `simulate --inject`: conditioned on happening, it stands apart in the
    /// report and counts in no family's ranking.
    #[serde(default)]
    pub requested: bool,
}

/// Results written before `loses_data` was recorded count every data-loss window as a loss.
fn loses_data_by_default() -> bool {
    true
}

/// Importance of one component for one endpoint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpofEntry {
    pub component: String,
    pub endpoint: String,
    /// 1 when its loss alone takes the endpoint down, 2 when it does so with one other
    /// component, `None` when no cut set of order two or less holds it.
    pub cut_order: Option<u8>,
    /// The chain of hard requirements from the endpoint to the component.
    pub chain: Vec<String>,
    pub birnbaum: Estimate,
    pub fussell_vesely: Estimate,
    pub risk_achievement_worth: Estimate,
    pub risk_reduction_worth: Estimate,
    /// Expected yearly minutes of endpoint downtime that start with a failure of this
    /// component.
    pub downtime_minutes_per_year: Estimate,
}

/// One assumption as used, with where its value comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AssumptionUsed {
    pub name: String,
    pub value: String,
    pub source: String,
    /// Whether the user's assumptions file overrode the shipped value.
    pub overridden: bool,
}

/// How far production downtime moves when one assumption goes to its low and high value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sensitivity {
    pub assumption: String,
    pub low_value: String,
    pub high_value: String,
    /// Production downtime, minutes per year, at the low and high value.
    pub minutes_at_low: f64,
    pub minutes_at_high: f64,
    /// Production downtime at the shipped value, measured the same way (the same trials
    /// and random numbers), so the swing is read against its own baseline.
    #[serde(default)]
    pub minutes_at_baseline: f64,
}

/// Job runs for the schedule chart: start minute of day and sampled durations.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ScheduleSummary {
    pub normal_day: DaySchedule,
    #[serde(default)]
    pub dst_days: Vec<DaySchedule>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DaySchedule {
    /// Local date, `YYYY-MM-DD`.
    pub date: String,
    pub label: String,
    pub runs: Vec<JobRun>,
    /// Pairs of job ids whose runs overlap on this day.
    #[serde(default)]
    pub overlaps: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobRun {
    pub job: String,
    /// Local start, minutes after midnight (wall clock as the scheduler saw it).
    pub start_minute: f64,
    /// Sampled duration band, minutes: 10th, 50th and 90th percentile.
    pub duration_p10: f64,
    pub duration_p50: f64,
    pub duration_p90: f64,
}

/// One class of the DR policy: its targets, the worst p90 its scenarios measured, and
/// whether the twin as it stands meets them. Times are seconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyCheck {
    pub class: DisruptionClass,
    pub target_rto_seconds: f64,
    pub target_rpo_seconds: f64,
    /// Scenarios of the class that happen at all (a yearly rate above zero).
    pub scenarios: usize,
    /// The largest p90 recovery time among those scenarios that take a production endpoint
    /// down, and the scenario it comes from; `None` when none does.
    pub recovery_p90_seconds: Option<Estimate>,
    pub recovery_scenario: Option<String>,
    /// The largest p90 data-loss window among them; `None` when none puts data at risk.
    pub data_loss_p90_seconds: Option<Estimate>,
    pub data_loss_scenario: Option<String>,
    /// `None` when no scenario of the class was simulated.
    pub rto_met: Option<bool>,
    pub rpo_met: Option<bool>,
}

impl PolicyCheck {
    /// Both targets met; `None` when nothing was measured.
    pub fn met(&self) -> Option<bool> {
        match (self.rto_met, self.rpo_met) {
            (Some(rto), Some(rpo)) => Some(rto && rpo),
            _ => None,
        }
    }
}
