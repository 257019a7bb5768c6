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
    let clock = calendar::Clock::new(&twin.host.time_zone, config.year)?;
    let params = engine::Params::new(assumptions);
    let plant = engine::Plant::new(twin, params, clock);
    if plant.endpoints.is_empty() {
        return Err(SimError::NoEndpoints);
    }

    let baseline = run::baseline(&plant, config, progress);
    let scenarios = scenarios::run_all(twin, &plant, config, policy, progress);
    let mut endpoints = run::endpoint_results(twin, &plant, &baseline);
    scenarios::attach_worst(&mut endpoints, &scenarios);
    let spof = run::spof(twin, &plant, config, &baseline, progress);
    let sensitivity = run::sensitivity(twin, assumptions, config, &plant);
    let schedule = schedule::summary(twin, &plant);
    let policy_checks = policy.check(&scenarios);

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
    })
}

/// The failure modes the engine knows: (component kind, mode, what happens).
pub fn list_modes() -> Vec<(&'static str, &'static str, &'static str)> {
    vec![
        ("service", "crash", "exits with an error, a crash signal or status 0 (assumed mix)"),
        ("service", "memory-kill", "SIGKILL under memory pressure; KeepAlive Crashed misses it"),
        ("service", "hang", "stops answering without exiting; only a probe or a person helps"),
        ("service", "overload", "a load spike saturates its workers or pools for a while"),
        ("service/tunnel", "update-exit", "exits with status 0 after an update"),
        ("service/tunnel", "edge-disconnect", "loses its edge connections and reconnects"),
        ("service/database", "crash", "crash, respawn and WAL crash recovery"),
        ("service/database", "crash-during-backup", "crash at 03:05 while the dump runs"),
        ("service/database", "restore", "restore from the latest off-site dump"),
        ("host", "hardware-loss", "disk or logic board: replace, reinstall, restore"),
        ("host", "os-update-reboot", "restart for an update; agents need a GUI login"),
        ("network/power", "outage", "host down for the outage and a boot"),
        ("network/uplink", "outage", "no traffic in or out"),
        ("network/dns", "outage", "names do not resolve"),
        ("external-api", "outage", "the vendor's API is down (lognormal duration)"),
        ("volume", "disk-full", "writes fail; the database stops until cleaned up"),
        ("job/backup", "silent-failure", "a night's dump or copy fails without telling anyone"),
        ("job/backup", "runs-long", "the backup runs into the working day"),
        ("job", "dst-skip", "cron skips a run in the spring-forward gap"),
        ("job", "dst-double", "cron runs twice in the fall-back repeat"),
        ("job/sync", "overlap", "a run without a lock outlasts its period"),
        ("job", "midnight-rollover", "a run spans midnight and its date-stamped names disagree"),
    ]
}
