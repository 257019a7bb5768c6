//! `--inject`: one requested failure becomes the run's first scenario, and bad requests are
//! errors before any trial.

use drtwin_sim::testing::reference_twin;
use drtwin_sim::{
    Assumptions, Family, InjectRequest, InjectWhen, Policy, RunConfig, SimError, list_modes,
    simulate_injected,
};

fn small() -> RunConfig {
    RunConfig { trials: 64, scenario_trials: 50, seed: 5, year: 2027, precision: None }
}

fn run(request: &str) -> Result<drtwin_sim::Results, SimError> {
    let request: InjectRequest = request.parse()?;
    simulate_injected(
        &reference_twin(),
        &Assumptions::shipped(),
        &Policy::shipped(),
        &small(),
        Some(&request),
        &|_| {},
    )
}

#[test]
fn parses_ids_with_colons_and_at_signs() {
    let r: InjectRequest = "launchd:homebrew.mxcl.postgresql@16:crash@03:05".parse().unwrap();
    assert_eq!(r.component, "launchd:homebrew.mxcl.postgresql@16");
    assert_eq!(r.mode, "crash");
    assert_eq!(r.when, Some(InjectWhen::At { hour: 3, minute: 5 }));
    let r: InjectRequest = "launchd:homebrew.mxcl.postgresql@16:crash".parse().unwrap();
    assert_eq!(r.component, "launchd:homebrew.mxcl.postgresql@16");
    assert_eq!(r.when, None);
    let r: InjectRequest = "volume:/:disk-full".parse().unwrap();
    assert_eq!((r.component.as_str(), r.mode.as_str()), ("volume:/", "disk-full"));
    let r: InjectRequest = "pg:main:crash@backup".parse().unwrap();
    assert_eq!(r.when, Some(InjectWhen::Backup));
    assert_eq!(r.scenario_id(), "inject/pg:main/crash@backup");
    // A bare number after `@` belongs to the id; a wrong time is still a wrong time.
    let r: InjectRequest = "launchd:homebrew.mxcl.postgresql@16".parse().unwrap();
    assert_eq!((r.component.as_str(), r.mode.as_str()), ("launchd", "homebrew.mxcl.postgresql@16"));
    for bad in [
        "pg:main:crash@25:00",
        "pg:main:crash@3pm",
        "pg:main:crash@03:5",
        "net:dns:outage@-1:00",
        "crash",
        ":x",
    ] {
        let error = bad.parse::<InjectRequest>().unwrap_err();
        assert!(matches!(error, SimError::BadInjection { .. }), "{bad}: {error}");
    }
}

#[test]
fn a_database_crash_at_0305_comes_first_and_takes_time() {
    let results = run("pg:main:crash@03:05").unwrap();
    let first = &results.scenarios[0];
    assert_eq!(first.id, "inject/pg:main/crash@03:05");
    assert_eq!(first.family, Family::Database);
    assert_eq!(first.injected, vec!["pg:main".to_string()]);
    assert_eq!(first.recovery_time.samples, 50);
    assert!(first.recovery_time.p50.value > 0.0, "{:?}", first.recovery_time);
    assert!(!first.endpoints_down.is_empty());
    // The rest of the run is the catalogue, unchanged.
    let plain = simulate_injected(
        &reference_twin(),
        &Assumptions::shipped(),
        &Policy::shipped(),
        &small(),
        None,
        &|_| {},
    )
    .unwrap();
    assert_eq!(results.scenarios[1..], plain.scenarios[..]);
    assert_eq!(results.policy, plain.policy);
    assert_eq!(results.endpoints, plain.endpoints);
}

#[test]
fn a_restore_carries_a_data_loss_window() {
    let results = run("pg:main:restore").unwrap();
    assert_eq!(results.scenarios[0].id, "inject/pg:main/restore");
    assert!(results.scenarios[0].data_loss_window.is_some());
}

#[test]
fn a_component_without_a_mode_is_named_as_such() {
    let error = run("pg:main").unwrap_err().to_string();
    assert!(error.contains("names a component but no mode"), "{error}");
    assert!(error.contains("crash-during-backup"), "{error}");
    let error = run("pg:main:crash-during-backup@12:00").unwrap_err().to_string();
    assert!(error.contains("`crash@HH:MM`"), "{error}");
}

#[test]
fn an_update_restart_counts_from_the_restart_and_has_a_rate() {
    // Injected at noon, the restart waits for 20:00: the outage is the restart itself.
    let results = run("host:os-update-reboot@12:00").unwrap();
    let first = &results.scenarios[0];
    assert!(first.occurrences_per_year > 0.0, "no yearly rate");
    assert!(first.recovery_time.p50.value < 4.0 * 3600.0, "{:?}", first.recovery_time);
    assert!(first.behavior.iter().any(|s| s.text.contains("macOS update")), "{:?}", first.behavior);
    assert!(!first.behavior.iter().any(|s| s.text.contains("buying")), "{:?}", first.behavior);
}

#[test]
fn bad_requests_are_errors_naming_the_valid_modes() {
    match run("pg:main:explode") {
        Err(SimError::InvalidMode { kind, valid, .. }) => {
            assert_eq!(kind, "service/database");
            let table: Vec<&str> = list_modes()
                .into_iter()
                .filter(|(k, _, _)| *k == "service/database" || *k == "service")
                .map(|(_, m, _)| m)
                .collect();
            assert!(valid.iter().all(|m| table.contains(&m.as_str())), "{valid:?}");
            assert!(valid.contains(&"crash-during-backup".to_string()));
        }
        other => panic!("{:?}", other.map(|r| r.scenarios.len())),
    }
    assert!(matches!(run("net:dns:disk-full"), Err(SimError::InvalidMode { .. })));
    assert!(matches!(run("pg:nope:crash"), Err(SimError::UnknownComponent { .. })));
    assert!(matches!(run("pg:main:crash@24:00"), Err(SimError::BadInjection { .. })));
    assert!(matches!(run("cron:backup:dst-skip@03:00"), Err(SimError::InvalidMode { .. })));
}
