//! Closed-form checks of the engine: unavailability of one component and of series and
//! parallel pairs, a probe's mean detection delay of half its period, and launchd's
//! throttle on respawn.

use drtwin_model::{Endings, Kind, ProbeAction, ServiceRole, Strength, Tier, Twin};
use drtwin_sim::calendar::Clock;
use drtwin_sim::engine::{Injection, Mode, Params, Plant, TrialSpec, respawn_delay, total};
use drtwin_sim::estimate::Welford;
use drtwin_sim::testing::{TwinBuilder, endpoint, service};
use drtwin_sim::{Assumptions, RunConfig, simulate};

const YEAR: f64 = 365.0 * 86_400.0;

fn api(host: &str) -> Kind {
    Kind::ExternalApi(drtwin_model::ExternalApi { host: host.into() })
}

fn apis(overrides: &str) -> Assumptions {
    Assumptions::shipped().with_overrides(overrides).unwrap()
}

/// Mean and CI of the first endpoint's unavailability.
fn unavailability(twin: &Twin, assumptions: &Assumptions, trials: u64) -> drtwin_sim::Estimate {
    let config = RunConfig { trials, scenario_trials: 10, seed: 9, year: 2027, precision: None };
    let results = simulate(twin, assumptions, &config, &|_| {}).unwrap();
    let minutes = results.endpoints[0].downtime_minutes_per_year;
    drtwin_sim::Estimate {
        value: minutes.value * 60.0 / YEAR,
        low: minutes.low * 60.0 / YEAR,
        high: minutes.high * 60.0 / YEAR,
    }
}

fn near(estimate: drtwin_sim::Estimate, expected: f64) {
    // The CI, widened by a tenth for the clipping of outages at the year's end.
    let slack = estimate.half_width() * 0.1 + 1e-6;
    assert!(
        estimate.low - slack <= expected && expected <= estimate.high + slack,
        "{estimate:?} does not contain {expected}"
    );
}

// Up and down times alternate (a component that is down does not fail again), so with a
// fixed repair time D the unavailability is MTTR/(MTTF + MTTR) = λD/(1 + λD), up to a
// start-up transient of order D/L that the 10% slack in `near` absorbs.
#[test]
fn single_component_unavailability() {
    let twin = TwinBuilder::new("UTC")
        .component("api:a", api("a"))
        .component("endpoint:e", endpoint(drtwin_model::Access::LocalPort(1), Tier::Production))
        .requires("endpoint:e", "api:a", Strength::Hard, Some("5s"))
        .build();
    let assumptions = apis(
        "{\"api-outage-rate\": 200.0, \"api-outage-median\": \"2h\", \"outage-duration-spread\": 0.0}",
    );
    let x = 200.0 * 7200.0 / YEAR;
    near(unavailability(&twin, &assumptions, 3000), x / (1.0 + x));
}

#[test]
fn series_and_parallel_pairs() {
    let assumptions = apis(
        "{\"api-outage-rate\": 500.0, \"api-outage-median\": \"2h\", \"outage-duration-spread\": 0.0}",
    );
    let x = 500.0 * 7200.0 / YEAR;
    let q = x / (1.0 + x);
    let base = || {
        TwinBuilder::new("UTC")
            .component("api:a", api("a"))
            .component("api:b", api("b"))
            .component("endpoint:e", endpoint(drtwin_model::Access::LocalPort(1), Tier::Production))
    };
    let series = base()
        .requires("endpoint:e", "api:a", Strength::Hard, Some("5s"))
        .requires("endpoint:e", "api:b", Strength::Hard, Some("5s"))
        .build();
    near(unavailability(&series, &assumptions, 2000), 1.0 - (1.0 - q) * (1.0 - q));
    let parallel =
        base().any_of("endpoint:e", "api:a", "g").any_of("endpoint:e", "api:b", "g").build();
    near(unavailability(&parallel, &assumptions, 2000), q * q);
}

fn plant(twin: &Twin, overrides: &str) -> Plant {
    let assumptions = apis(overrides);
    Plant::new(twin, Params::new(&assumptions), Clock::new("UTC", 2027).unwrap())
}

fn crash_recovery(plant: &Plant, trials: u64) -> Welford {
    let node = 0;
    let mut scratch = plant.scratch();
    let mut recovery = Welford::default();
    for trial in 0..trials {
        let at = 1e7 + trial as f64 * 977.0;
        let injection = Injection { node, mode: Mode::Ends(drtwin_model::Ending::ErrorExit), at };
        let spec = TrialSpec { trial, injection: Some(injection), ..TrialSpec::default() };
        plant.run(3, &spec, &mut scratch);
        recovery.push(total(&scratch.down[node]));
    }
    recovery
}

#[test]
fn probe_detection_delay_is_half_the_period() {
    let twin = TwinBuilder::new("UTC")
        .component("launchd:svc", service(ServiceRole::Web, Endings::NONE, true, 80))
        .component(
            "monitor:watchdog",
            Kind::Monitor(drtwin_model::Monitor { period: "10m".parse().unwrap(), alert: None }),
        )
        .probes("monitor:watchdog", "launchd:svc", "10m", ProbeAction::Restart)
        .build();
    let plant =
        plant(&twin, "{\"human-unalerted-delay\": \"30d\", \"monitor-restart-time\": \"20s\"}");
    let recovery = crash_recovery(&plant, 4000);
    let expected = 300.0 + 20.0;
    assert!(
        (recovery.mean - expected).abs() < recovery.half_width() * 1.2 + 1.0,
        "mean {} ± {} vs {expected}",
        recovery.mean,
        recovery.half_width()
    );
}

#[test]
fn keepalive_respawn_waits_out_the_throttle() {
    assert_eq!(respawn_delay(10.0, 0.0, 0.0), 10.0);
    assert_eq!(respawn_delay(10.0, 4.0, 0.0), 6.0);
    assert_eq!(respawn_delay(10.0, 3600.0, 8.0), 8.0);

    // A long-running process that crashes comes back after its start-up time only.
    let twin = TwinBuilder::new("UTC")
        .component("launchd:svc", service(ServiceRole::Web, Endings::ALL, true, 80))
        .build();
    let plant = plant(&twin, "{\"service-startup-time\": \"8s\"}");
    let recovery = crash_recovery(&plant, 50);
    assert!((recovery.mean - 8.0).abs() < 1e-9, "{}", recovery.mean);

    // KeepAlive that covers only crash signals leaves an error exit to a person.
    let only_crashes = Endings { crash_signal: true, ..Endings::NONE };
    let twin = TwinBuilder::new("UTC")
        .component("launchd:svc", service(ServiceRole::Web, only_crashes, true, 80))
        .build();
    let recovery = crash_recovery(&plant_of(&twin), 200);
    assert!(recovery.mean > 3600.0, "{}", recovery.mean);
}

fn plant_of(twin: &Twin) -> Plant {
    plant(twin, "{}")
}
