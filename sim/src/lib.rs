//! drtwin-sim: the Monte Carlo engine over a twin.
//!
//! [`simulate`] compiles the twin into a plant of indexed nodes ([`engine`]), runs the
//! baseline trial-years in fixed blocks across rayon's pool and folds them in trial order
//! ([`run`]), ranks single points of failure by forcing each component down and up under
//! common random numbers, runs the catalogue of injected-failure scenarios
//! ([`scenarios`]), and summarises the schedule for the Gantt chart ([`schedule`]). The
//! same seed gives byte-identical results on any thread count.

pub mod assumptions;
pub mod calendar;
pub mod engine;
pub mod estimate;
pub mod policy;
pub mod random;
pub mod results;
pub mod run;
pub mod scenarios;
pub mod schedule;
pub mod testing;
pub mod whatif;

pub use assumptions::Assumptions;
pub use policy::{DisruptionClass, Policy, PolicyError};
pub use results::*;
pub use scenarios::{InjectRequest, InjectWhen, modes_for_kind};

use drtwin_model::Twin;

/// Why a simulation could not run.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("assumptions, line {line}, column {column}: {message}")]
    Assumptions { line: usize, column: usize, message: String },
    #[error("time zone `{0}` is not usable: {1} (hint: set the host's IANA time zone)")]
    TimeZone(String, String),
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error("the twin has no endpoints to measure (hint: scan a tree with services)")]
    NoEndpoints,
    #[error("cannot read the injection `{input}`: {message}")]
    BadInjection { input: String, message: String },
    #[error("the twin has no component `{component}` to inject a failure into")]
    UnknownComponent {
        component: String,
        /// The components that take at least one mode.
        known: Vec<String>,
    },
    #[error("`{mode}` on `{component}` ({kind}) {reason}")]
    InvalidMode {
        component: String,
        kind: String,
        mode: String,
        reason: String,
        /// The modes this kind takes, as `list_modes` names them.
        valid: Vec<String>,
    },
}

/// How much to simulate.
#[derive(Clone, Debug, PartialEq)]
pub struct RunConfig {
    /// Baseline trial-years (an upper bound when `precision` is set).
    pub trials: u64,
    /// Trials per injected-failure scenario.
    pub scenario_trials: u64,
    pub seed: u64,
    /// The calendar year simulated.
    pub year: i16,
    /// Stop the baseline once the 95% half-width of mean production downtime is at most
    /// this many minutes per year.
    pub precision: Option<f64>,
}

impl Default for RunConfig {
    fn default() -> RunConfig {
        RunConfig { trials: 10_000, scenario_trials: 2_000, seed: 1, year: 2027, precision: None }
    }
}

/// Runs the whole simulation under the shipped DR policy. `progress` is called with the
/// number of trials just finished (an increment, from any thread) as baseline, importance
/// and scenario trials complete.
pub fn simulate(
    twin: &Twin,
    assumptions: &Assumptions,
    config: &RunConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Results, SimError> {
    simulate_with_policy(twin, assumptions, &Policy::shipped(), config, progress)
}

/// [`simulate`] under a given DR policy: its RPOs and risk levels rate the scenarios, and
/// the results check each class of disruption against its targets.
pub fn simulate_with_policy(
    twin: &Twin,
    assumptions: &Assumptions,
    policy: &Policy,
    config: &RunConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Results, SimError> {
    simulate_injected(twin, assumptions, policy, config, None, progress)
}

/// [`simulate_with_policy`] with one failure injected on request: its scenario, every trial
/// conditioned on that failure, comes first in `scenarios` (id
/// [`InjectRequest::scenario_id`]); the rest of the run is the same. An unknown component,
/// a mode its kind does not take or a time that cannot apply is an error before any trial.
pub fn simulate_injected(
    twin: &Twin,
    assumptions: &Assumptions,
    policy: &Policy,
    config: &RunConfig,
    inject: Option<&InjectRequest>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Results, SimError> {
    let clock = calendar::Clock::new(&twin.host.time_zone, config.year)?;
    let params = engine::Params::new(assumptions);
    let plant = engine::Plant::new(twin, params, clock);
    if plant.endpoints.is_empty() {
        return Err(SimError::NoEndpoints);
    }
    if let Some(request) = inject {
        scenarios::resolve_injection(twin, &plant, request)?;
    }

    let baseline = run::baseline(&plant, config, progress);
    let scenarios = scenarios::run_all(twin, &plant, config, policy, progress);
    let mut endpoints = run::endpoint_results(twin, &plant, &baseline);
    scenarios::attach_worst(&mut endpoints, &scenarios);
    let spof = run::spof(twin, &plant, config, &baseline, progress);
    let sensitivity = run::sensitivity(twin, assumptions, config, &plant);
    let schedule = schedule::summary(twin, &plant);
    let policy_checks = policy.check(&scenarios);
    let mut scenarios = scenarios;
    if let Some(request) = inject {
        let injected = scenarios::run_injected(twin, &plant, config, policy, request, progress)?;
        scenarios.insert(0, injected);
    }

    Ok(Results {
        format: RESULTS_FORMAT,
        twin_fingerprint: twin.fingerprint(),
        host: twin.host.name.clone(),
        time_zone: twin.host.time_zone.clone(),
        seed: config.seed,
        trials: baseline.trials,
        scenario_trials: config.scenario_trials,
        year: config.year,
        versions: Versions {
            drtwin: env!("CARGO_PKG_VERSION").to_string(),
            assumptions: assumptions.version.clone(),
            generator: random::GENERATOR.to_string(),
        },
        endpoints,
        scenarios,
        spof,
        assumptions: assumptions.used(),
        sensitivity,
        schedule,
        policy: policy_checks,
        production_downtime: baseline.production.distribution(1.0),
    })
}

/// The failure modes the engine knows: (component kind, mode, what happens). `--inject`
/// accepts exactly these mode names.
pub fn list_modes() -> Vec<(&'static str, &'static str, &'static str)> {
    scenarios::MODES.to_vec()
}
