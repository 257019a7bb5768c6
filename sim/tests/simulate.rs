//! End-to-end checks of `simulate` on the reference twin: every scenario family produces
//! numbers, the SPOF table follows the shared definitions, and the same seed gives the same
//! bytes on one and on two threads.

use drtwin_sim::testing::reference_twin;
use drtwin_sim::{Assumptions, Family, RunConfig, simulate};

fn small() -> RunConfig {
    RunConfig { trials: 300, scenario_trials: 200, seed: 42, year: 2027, precision: None }
}

fn run_with_threads(threads: usize) -> String {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    let twin = reference_twin();
    let results =
        pool.install(|| simulate(&twin, &Assumptions::shipped(), &small(), &|_| {})).unwrap();
    ron::ser::to_string(&results).unwrap()
}

#[test]
fn same_seed_same_bytes_on_one_and_two_threads() {
    assert_eq!(run_with_threads(1), run_with_threads(2));
}

#[test]
fn every_family_produces_numbers() {
    let twin = reference_twin();
    let started = std::time::Instant::now();
    let results = simulate(&twin, &Assumptions::shipped(), &small(), &|_| {}).unwrap();
    eprintln!("simulate took {:?}", started.elapsed());
    for family in Family::ALL {
        let scenarios: Vec<_> = results.scenarios.iter().filter(|s| s.family == family).collect();
        assert!(!scenarios.is_empty(), "no scenario for {family:?}");
        for scenario in scenarios {
            assert_eq!(scenario.recovery_time.samples, 200, "{}", scenario.id);
            assert!(scenario.recovery_time.mean.value.is_finite(), "{}", scenario.id);
            assert!(!scenario.behavior.is_empty(), "{}", scenario.id);
            eprintln!(
                "{:?} {} | {} | rec p50 {:.0}s mean {:.0}s | {:?} | occ {:.3} | prod {:.1} min/yr | {}",
                scenario.family,
                scenario.id,
                scenario.title,
                scenario.recovery_time.p50.value,
                scenario.recovery_time.mean.value,
                scenario.recovered_by,
                scenario.occurrences_per_year,
                scenario.yearly_production_minutes.value,
                scenario.risk
            );
        }
    }
    for endpoint in &results.endpoints {
        assert!((0.0..=1.0).contains(&endpoint.availability.value));
        eprintln!(
            "{} avail {:.5} down {:.0} min/yr outages {:.1} causes {:?}",
            endpoint.id,
            endpoint.availability.value,
            endpoint.downtime_minutes_per_year.value,
            endpoint.outages_per_year.value,
            &endpoint.downtime_by_cause[..endpoint.downtime_by_cause.len().min(5)]
        );
    }
    for entry in results.spof.iter().take(12) {
        eprintln!(
            "{} -> {} order {:?} B {:.4} FV {:.3} RAW {:.1} RRW {:.2} contrib {:.1}",
            entry.component,
            entry.endpoint,
            entry.cut_order,
            entry.birnbaum.value,
            entry.fussell_vesely.value,
            entry.risk_achievement_worth.value,
            entry.risk_reduction_worth.value,
            entry.downtime_minutes_per_year.value
        );
    }
    for s in &results.sensitivity {
        eprintln!("{} {:.0} .. {:.0}", s.assumption, s.minutes_at_low, s.minutes_at_high);
    }

    // The host is in every production endpoint's cut sets of order one.
    let host = results
        .spof
        .iter()
        .find(|e| e.component == "host" && e.endpoint == "endpoint:https://portal.example.com")
        .expect("host row");
    assert_eq!(host.cut_order, Some(1));
    assert!((host.birnbaum.value - 1.0).abs() < 0.05, "{:?}", host.birnbaum);
    assert_eq!(results.schedule.dst_days.len(), 2);
}

#[test]
fn the_policy_rpo_rates_data_loss_and_each_class_is_checked() {
    use drtwin_model::RiskLevel;
    use drtwin_sim::{DisruptionClass, Policy, simulate_with_policy};

    let twin = reference_twin();
    let run = |policy: &str| {
        let policy = Policy::from_ron(policy, "test.ron").unwrap();
        simulate_with_policy(&twin, &Assumptions::shipped(), &policy, &small(), &|_| {}).unwrap()
    };
    let machine_loss = |results: &drtwin_sim::Results| {
        let lost = |s: &&drtwin_sim::ScenarioResult| {
            s.family == Family::MachineLoss && s.mode == "hardware-loss"
        };
        results.scenarios.iter().find(lost).cloned().unwrap()
    };

    // The newest off-site copy is hours old, so a one-hour RPO makes losing the machine
    // CRITICAL, and a thirty-day RPO leaves it to the downtime thresholds.
    let strict = run("(host_loss: (rto: \"3d\", rpo: \"1h\"))");
    let lax = run("(host_loss: (rto: \"3d\", rpo: \"30d\"))");
    assert!(machine_loss(&strict).data_loss_window.is_some());
    assert_eq!(machine_loss(&strict).risk, RiskLevel::Critical);
    assert_ne!(machine_loss(&lax).risk, RiskLevel::Critical);

    let classes: Vec<DisruptionClass> = strict.policy.iter().map(|check| check.class).collect();
    assert_eq!(classes, DisruptionClass::ALL);
    let host = strict.policy.iter().find(|c| c.class == DisruptionClass::HostLoss).unwrap();
    assert_eq!(host.target_rpo_seconds, 3600.0);
    assert_eq!(host.rpo_met, Some(false));
    let p90 = host.recovery_p90_seconds.unwrap().value;
    assert_eq!(host.rto_met, Some(p90 <= 3.0 * 86_400.0));
    assert_eq!(
        lax.policy.iter().find(|c| c.class == DisruptionClass::HostLoss).unwrap().rpo_met,
        Some(true)
    );
}

#[test]
fn the_offsite_store_is_confirmed_as_the_offsite_copys_single_point() {
    // The structure makes the store a cut set of order one for the off-site endpoint; forced
    // down, no copy reaches it, so the simulation must agree (Q1 = 1).
    let results = simulate(&reference_twin(), &Assumptions::shipped(), &small(), &|_| {}).unwrap();
    let store = results
        .spof
        .iter()
        .find(|e| e.component == "store:gdrive" && e.endpoint == "endpoint:offsite-backup")
        .expect("the store is ranked for the off-site endpoint");
    assert_eq!(store.cut_order, Some(1));
    assert!(store.birnbaum.value > 0.5, "{:?}", store.birnbaum);
    assert!(store.risk_achievement_worth.value > 1.5, "{:?}", store.risk_achievement_worth);
}
