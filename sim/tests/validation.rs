//! Validation of the engine and its estimators against closed-form answers, each judged by
//! the 95% confidence interval the estimators report, and a check that those intervals
//! cover the true value as often as they claim.
//!
//! The engine's outage process for a self-healing component alternates: up for an
//! exponential time of rate λ (a component that is down does not fail again), then down
//! for an independent repair time D. In steady state it is down MTTR / (MTTF + MTTR) =
//! λ·E[D] / (1 + λ·E[D]) of the time whatever the law of D (renewal–reward). A trial
//! starts with everything up, so the expected share of a year differs from the steady
//! state by a start-up transient: with exponential failure and repair (rates λ and μ) the
//! component is down at t with probability λ/(λ+μ)·(1 − e^(−(λ+μ)t)); for other repair
//! laws the same probability p(t) solves the renewal equation
//! p(t) = ∫₀ᵗ λ·(1 − p(s))·P(D > t − s) ds, which the tests integrate numerically.
//!
//! Everything here runs the engine directly ([`Plant::run`]) or through the baseline
//! estimator ([`run::baseline`]), with fixed seeds.

use drtwin_model::{Access, Endings, Kind, ProbeAction, ServiceRole, Strength, Tier, Twin};
use drtwin_sim::calendar::Clock;
use drtwin_sim::engine::{Params, Plant, TrialSpec, total};
use drtwin_sim::estimate::{Welford, z_or_t};
use drtwin_sim::testing::{TwinBuilder, endpoint, service};
use drtwin_sim::{Assumptions, RunConfig, run};

const YEAR: f64 = 365.0 * 86_400.0;

fn api(host: &str) -> Kind {
    Kind::ExternalApi(drtwin_model::ExternalApi { host: host.into() })
}

/// The shipped table with every background failure switched off, then `overrides`.
fn quiet(overrides: &str) -> Assumptions {
    let zeros = drtwin_sim::testing::silenced_rates();
    let assumptions = Assumptions::shipped().with_overrides(&format!("{{{}}}", zeros.join(", ")));
    assumptions.and_then(|a| a.with_overrides(overrides)).expect("test overrides are valid")
}

/// [`quiet`] with API outages of exactly `seconds` arriving `per_year` times a year.
fn fixed_api_outages(per_year: f64, seconds: f64) -> Assumptions {
    quiet(&format!(
        "{{\"api-outage-rate\": {per_year}, \"api-outage-median\": \"{seconds}s\", \
         \"outage-duration-spread\": 0.0}}"
    ))
}

fn plant(twin: &Twin, assumptions: &Assumptions) -> Plant {
    let clock = Clock::new(&twin.host.time_zone, 2027).expect("UTC exists");
    Plant::new(twin, Params::new(assumptions), clock)
}

fn index(plant: &Plant, id: &str) -> usize {
    plant.nodes.iter().position(|node| node.id == id).expect("component in the twin")
}

/// Per-trial values of `measure` over `trials` background trial-years.
fn background(
    plant: &Plant,
    seed: u64,
    trials: u64,
    measure: &dyn Fn(&Plant, &drtwin_sim::engine::Scratch) -> f64,
) -> Welford {
    let mut scratch = plant.scratch();
    let mut values = Welford::default();
    for trial in 0..trials {
        let spec = TrialSpec { trial, background: true, ..TrialSpec::default() };
        plant.run(seed, &spec, &mut scratch);
        values.push(measure(plant, &scratch));
    }
    values
}

/// Asserts that the 95% interval of `estimate` contains `truth`.
fn covers(what: &str, estimate: &Welford, truth: f64) {
    let half = estimate.half_width();
    assert!(
        (estimate.mean - truth).abs() <= half,
        "{what}: {} ± {half} (n = {}) does not contain {truth}",
        estimate.mean,
        estimate.n
    );
}

/// The expected fraction of a year, from an all-up start, that a structure function `f` of
/// independent components is down, each an alternating process with failure rate `rate`
/// and repair survival `survival(s)` = P(D > s) of mean `mean_repair`. p(t) comes from the
/// renewal equation on a grid up to `horizon`, by which time it has settled; after that the
/// steady state holds.
fn expected_fraction_of(
    rate: f64,
    survival: &dyn Fn(f64) -> f64,
    mean_repair: f64,
    horizon: f64,
    f: &dyn Fn(f64) -> f64,
) -> f64 {
    let steps = 4_000;
    let h = horizon / steps as f64;
    // Starts of outages per unit time at each grid point: λ·(1 − p).
    let mut starts = Vec::with_capacity(steps + 1);
    let mut previous = f(0.0);
    let mut ramp = 0.0;
    starts.push(rate);
    for k in 1..=steps {
        // Midpoint rule for the convolution, trapezoid for the year's integral.
        let down: f64 =
            (0..k).map(|j| starts[j] * h * survival((k - j) as f64 * h - h / 2.0)).sum();
        starts.push(rate * (1.0 - down));
        let current = f(down);
        ramp += (previous + current) / 2.0 * h;
        previous = current;
    }
    let steady = rate * mean_repair / (1.0 + rate * mean_repair);
    (ramp + (YEAR - horizon) * f(steady)) / YEAR
}

/// [`expected_fraction_of`] for a fixed repair time.
fn expected_fraction(rate: f64, duration: f64, f: &dyn Fn(f64) -> f64) -> f64 {
    let survival = |s: f64| if s < duration { 1.0 } else { 0.0 };
    expected_fraction_of(rate, &survival, duration, 20.0 * duration, f)
}

/// One external API behind a production endpoint.
fn single_api() -> Twin {
    TwinBuilder::new("UTC")
        .component("api:a", api("a"))
        .component("endpoint:e", endpoint(Access::LocalPort(1), Tier::Production))
        .requires("endpoint:e", "api:a", Strength::Hard, Some("5s"))
        .build()
}

fn down_fraction(node: usize) -> impl Fn(&Plant, &drtwin_sim::engine::Scratch) -> f64 {
    move |_, scratch| total(&scratch.down[node]) / YEAR
}

#[test]
fn one_component_with_exponential_failure_and_repair() {
    // 400 failures a year, repairs exponential with a 2-hour median (MTTR = 2 h / ln 2).
    let twin = single_api();
    let assumptions = quiet(
        "{\"api-outage-rate\": 400.0, \"api-outage-median\": \"2h\", \
         \"outage-duration-law\": \"exponential\"}",
    );
    let plant = plant(&twin, &assumptions);
    let e = index(&plant, "endpoint:e");
    let (failure, repair) = (400.0 / YEAR, std::f64::consts::LN_2 / 7200.0);
    let both = failure + repair;
    let steady = failure / both;
    let truth = steady * (1.0 - (1.0 - (-both * YEAR).exp()) / (both * YEAR));
    let estimate = background(&plant, 10, 3000, &down_fraction(e));
    covers("exponential failure and repair", &estimate, truth);
    // The steady-state availability μ/(λ+μ): the start-up transient moves the yearly
    // figure by steady/((λ+μ)·L), a tenth of the interval's half-width here.
    let availability = 1.0 - estimate.mean;
    assert!(
        (availability - repair / both).abs() <= estimate.half_width() + steady / (both * YEAR),
        "availability {availability} vs μ/(λ+μ) = {}",
        repair / both
    );
    // The first-order λ·MTTR is resolved away from the answer.
    let first_order = failure / repair;
    assert!((estimate.mean - first_order).abs() > 3.0 * estimate.half_width(), "not resolved");
}

#[test]
fn one_component_unavailability_depends_only_on_the_mean_repair_time() {
    // 400 outages a year of 2 h fixed: λ·D ≈ 0.091, so Q = 0.084, where the overlapping
    // (M/G/∞) reading 1 − exp(−λ·D) would give 0.087.
    let twin = single_api();
    let fixed = fixed_api_outages(400.0, 7200.0);
    let plant = plant(&twin, &fixed);
    let e = index(&plant, "endpoint:e");
    let rate = 400.0 / YEAR;
    let truth = expected_fraction(rate, 7200.0, &|q| q);
    let estimate = background(&plant, 11, 3000, &down_fraction(e));
    covers("fixed repair", &estimate, truth);
    let overlapping = 1.0 - (-rate * 7200.0f64).exp();
    assert!((estimate.mean - overlapping).abs() > 3.0 * estimate.half_width(), "not resolved");

    // Spread-out repair times (lognormal, σ = 1): only the mean repair time matters.
    let spread = quiet(
        "{\"api-outage-rate\": 400.0, \"api-outage-median\": \"2h\", \"outage-duration-spread\": 1.0}",
    );
    let plant_spread = self::plant(&twin, &spread);
    let survival = |s: f64| drtwin_sim::random::lognormal_exceeds(7200.0, 1.0, s);
    let mean = 7200.0 * 0.5f64.exp();
    let truth = expected_fraction_of(rate, &survival, mean, 7200.0 * 200.0, &|q| q);
    let steady = rate * mean / (1.0 + rate * mean);
    assert!((truth - steady).abs() < 1e-3, "{truth} vs steady state {steady}");
    let estimate = background(&plant_spread, 12, 3000, &down_fraction(e));
    covers("lognormal repair", &estimate, truth);
}

#[test]
fn outages_start_at_rate_times_probability_up() {
    let twin = single_api();
    let assumptions = fixed_api_outages(400.0, 7200.0);
    let plant = plant(&twin, &assumptions);
    let e = index(&plant, "endpoint:e");
    let count = background(&plant, 13, 3000, &|_, scratch| scratch.down[e].len() as f64);
    // λ·∫₀ᴸ (1 − p(t)) dt: the rate times the expected up time of the year.
    let (rate, duration) = (400.0 / YEAR, 7200.0);
    let truth = rate * YEAR * (1.0 - expected_fraction(rate, duration, &|q| q));
    covers("outages per year", &count, truth);
}

#[test]
fn series_and_parallel_pairs_follow_their_structure_functions() {
    let assumptions = fixed_api_outages(600.0, 3.0 * 3600.0);
    let (rate, duration) = (600.0 / YEAR, 3.0 * 3600.0);
    let base = || {
        TwinBuilder::new("UTC")
            .component("api:a", api("a"))
            .component("api:b", api("b"))
            .component("endpoint:e", endpoint(Access::LocalPort(1), Tier::Production))
    };

    let series = base()
        .requires("endpoint:e", "api:a", Strength::Hard, Some("5s"))
        .requires("endpoint:e", "api:b", Strength::Hard, Some("5s"))
        .build();
    let plant_series = plant(&series, &assumptions);
    let e = index(&plant_series, "endpoint:e");
    let estimate = background(&plant_series, 21, 2000, &down_fraction(e));
    let truth = expected_fraction(rate, duration, &|q| 1.0 - (1.0 - q) * (1.0 - q));
    covers("series", &estimate, truth);

    let parallel =
        base().any_of("endpoint:e", "api:a", "g").any_of("endpoint:e", "api:b", "g").build();
    let plant_parallel = plant(&parallel, &assumptions);
    let e = index(&plant_parallel, "endpoint:e");
    let estimate = background(&plant_parallel, 22, 2000, &down_fraction(e));
    let truth = expected_fraction(rate, duration, &|q| q * q);
    covers("parallel", &estimate, truth);
}

#[test]
fn yearly_failure_counts_are_poisson() {
    // Outages of one second take a negligible share of the year, so the count of outages
    // is the count of failures: Poisson with mean and variance λ·L.
    let twin = single_api();
    let assumptions = fixed_api_outages(30.0, 1.0);
    let plant = plant(&twin, &assumptions);
    let a = index(&plant, "api:a");
    let counts = background(&plant, 31, 4000, &|_, scratch| scratch.down[a].len() as f64);
    let mean = 30.0;
    covers("mean yearly count", &counts, mean);

    // The sample variance's standard error for a Poisson law: √((μ₄ − σ⁴)/n) with
    // μ₄ = λ + 3λ², σ⁴ = λ².
    let standard_error = ((mean + 2.0 * mean * mean) / counts.n as f64).sqrt();
    let half = z_or_t(counts.n) * standard_error;
    assert!(
        (counts.variance() - mean).abs() <= half,
        "variance {} ± {half} does not contain {mean}",
        counts.variance()
    );
}

/// A service behind a 2-minute (or `period`) restarting watchdog, with people too slow to
/// matter.
fn watched(period: &str) -> (Plant, usize) {
    let twin = TwinBuilder::new("UTC")
        .component("launchd:svc", service(ServiceRole::Web, Endings::NONE, true, 80))
        .component(
            "monitor:watchdog",
            Kind::Monitor(drtwin_model::Monitor {
                period: period.parse().expect("period"),
                alert: None,
            }),
        )
        .probes("monitor:watchdog", "launchd:svc", period, ProbeAction::Restart)
        .build();
    let assumptions =
        quiet("{\"human-unalerted-delay\": \"30d\", \"monitor-restart-time\": \"20s\"}");
    let plant = plant(&twin, &assumptions);
    let svc = index(&plant, "launchd:svc");
    (plant, svc)
}

#[test]
fn a_probe_detects_after_half_its_period_on_average() {
    for (period, seconds) in [("2m", 120.0), ("15m", 900.0)] {
        let (plant, svc) = watched(period);
        let mut scratch = plant.scratch();
        let mut delay = Welford::default();
        for trial in 0..3000 {
            let at = 1e6 + trial as f64 * 7919.0;
            let injection = drtwin_sim::engine::Injection {
                node: svc,
                mode: drtwin_sim::engine::Mode::Ends(drtwin_model::Ending::ErrorExit),
                at,
            };
            let spec = TrialSpec { trial, injection: Some(injection), ..TrialSpec::default() };
            plant.run(5, &spec, &mut scratch);
            let down = total(&scratch.down[svc]) - 20.0;
            assert!((0.0..=seconds).contains(&down), "{period}: detected after {down}");
            delay.push(down);
        }
        covers(&format!("detection delay, period {period}"), &delay, seconds / 2.0);
    }
}

#[test]
fn keepalive_crash_loop_waits_out_the_rest_of_the_throttle() {
    // A KeepAlive service with a one-hour ThrottleInterval T that crashes at rate λ while
    // it runs: a run of X ~ Exp(λ) is followed by max(0, T − X) of throttle and the start-up
    // time s. E[max(0, T − X)] = T − (1 − e^(−λT))/λ, and by renewal–reward the service is
    // down for E[D]/(1/λ + E[D]) of the time, with D = max(0, T − X) + s.
    let throttle = 3600.0;
    let mut kind = service(ServiceRole::Web, Endings::ALL, true, 80);
    if let Kind::Service(service) = &mut kind {
        service.restart.throttle_interval = drtwin_model::Duration::from_secs(throttle);
    }
    let twin = TwinBuilder::new("UTC").component("launchd:svc", kind).build();
    let crashes_per_year = YEAR / 3600.0;
    let assumptions = quiet(&format!(
        "{{\"service-crash-rate\": {crashes_per_year}, \"crash-ending-error-exit\": 1.0, \
         \"crash-ending-crash-signal\": 0.0, \"service-startup-time\": \"30s\", \
         \"human-unalerted-delay\": \"30d\"}}"
    ));
    let plant = plant(&twin, &assumptions);
    let svc = index(&plant, "launchd:svc");
    let rate = 1.0 / 3600.0;
    let wait = throttle - (1.0 - (-rate * throttle).exp()) / rate;
    let down = wait + 30.0;
    let truth = down / (1.0 / rate + down);
    let estimate = background(&plant, 41, 300, &down_fraction(svc));
    covers("crash loop", &estimate, truth);
    // Without the throttle it would be s/(1/λ + s), under 1%.
    assert!(estimate.mean > 0.2, "{}", estimate.mean);
}

/// The true mean production downtime (seconds a year) of [`single_api`] at 20 outages a
/// year of 2 h: cheap to simulate, and known exactly.
const COVERAGE_RATE: f64 = 20.0;
const COVERAGE_DURATION: f64 = 7200.0;

#[test]
fn the_95_percent_interval_covers_the_truth_in_90_to_99_percent_of_seeds() {
    let assumptions = fixed_api_outages(COVERAGE_RATE, COVERAGE_DURATION);
    let plant = plant(&single_api(), &assumptions);
    let truth = expected_fraction(COVERAGE_RATE / YEAR, COVERAGE_DURATION, &|q| q) * YEAR;

    let seeds = 200;
    let mut covered = 0;
    for seed in 0..seeds {
        let config =
            RunConfig { trials: 200, scenario_trials: 1, seed, year: 2027, precision: None };
        let baseline = run::baseline(&plant, &config, &|_| {});
        let production = &baseline.production.moments;
        if (production.mean - truth).abs() <= production.half_width() {
            covered += 1;
        }
    }
    let share = f64::from(covered) / f64::from(seeds as u32);
    eprintln!("coverage {share} over {seeds} seeds");
    assert!((0.90..=0.99).contains(&share), "coverage {share} over {seeds} seeds");
}

#[test]
fn a_years_downtime_has_the_quantiles_of_its_outage_count() {
    // 20 outages a year of exactly 2 h: a year's downtime is 2 h times the number of
    // outages, which is Poisson with mean λ·(expected up time), so its quantiles are 2 h times
    // the Poisson quantiles (the histogram keeps values to within its 4% bins).
    use statrs::distribution::{DiscreteCDF, Poisson};
    let assumptions = fixed_api_outages(COVERAGE_RATE, COVERAGE_DURATION);
    let plant = plant(&single_api(), &assumptions);
    let config =
        RunConfig { trials: 20_000, scenario_trials: 1, seed: 5, year: 2027, precision: None };
    let baseline = run::baseline(&plant, &config, &|_| {});
    let yearly = baseline.downtime[0].distribution(1.0);
    assert_eq!(yearly.samples, 20_000);

    let up = 1.0 - expected_fraction(COVERAGE_RATE / YEAR, COVERAGE_DURATION, &|q| q);
    let count = Poisson::new(COVERAGE_RATE * up).expect("a positive mean");
    let quantile = |p: f64| (0..).find(|&k| count.cdf(k) >= p).expect("a finite quantile");
    for (p, estimate) in [(0.5, yearly.p50), (0.9, yearly.p90), (0.99, yearly.p99)] {
        let truth = quantile(p) as f64 * COVERAGE_DURATION;
        assert!(
            (estimate.value / truth - 1.0).abs() < 0.05,
            "p{}: {} s against {truth} s",
            p * 100.0,
            estimate.value
        );
    }
    assert!(yearly.p50.value <= yearly.p90.value && yearly.p90.value <= yearly.p99.value);
}

#[test]
fn after_a_power_cut_the_machine_boots_before_its_services_start() {
    // 50 cuts a year of exactly 1 h: the machine boots for 10 min after each, then the
    // service starts in 30 s (anyone may log in: automatic login). Cuts alternate with up
    // time, so they come λ·L/(1 + λ·D) times a year, each costing D + boot + start-up; a
    // next cut inside the 10.5 min of boot and start-up (chance λ·10.5 min ≈ 0.1%) is
    // within the slack.
    let twin = TwinBuilder::new("UTC")
        .component("host", Kind::Host)
        .component("net:power", Kind::Network(drtwin_model::NetworkKind::Power))
        .component("launchd:svc", service(ServiceRole::Web, Endings::ALL, true, 80))
        .component("endpoint:e", endpoint(Access::LocalPort(80), Tier::Production))
        .requires("host", "net:power", Strength::Hard, None)
        .requires("launchd:svc", "host", Strength::Hard, None)
        .requires("endpoint:e", "launchd:svc", Strength::Hard, Some("5s"))
        .build();
    let assumptions = quiet(
        "{\"power-outage-rate\": 50.0, \"power-outage-median\": \"1h\", \
         \"outage-duration-spread\": 0.0, \"host-boot-time\": \"10m\", \
         \"service-startup-time\": \"30s\", \"auto-login-probability\": 1.0}",
    );
    let plant = plant(&twin, &assumptions);
    let e = index(&plant, "endpoint:e");
    let estimate = background(&plant, 51, 2000, &|_, scratch| total(&scratch.down[e]));
    let (rate, cut) = (50.0 / YEAR, 3600.0);
    let truth = rate * YEAR / (1.0 + rate * cut) * (cut + 600.0 + 30.0);
    let half = estimate.half_width() + truth * 0.002;
    assert!(
        (estimate.mean - truth).abs() <= half,
        "{} ± {half} s a year against {truth} s",
        estimate.mean
    );
}
