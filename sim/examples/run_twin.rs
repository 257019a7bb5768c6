//! Simulates a twin file and prints a short summary:
//! `cargo run --release -p drtwin-sim --example run_twin twin.ron [trials]`.

use drtwin_sim::{Assumptions, RunConfig, simulate};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        return eprintln!("usage: run_twin TWIN.ron [trials]");
    };
    let trials = args.next().and_then(|text| text.parse().ok()).unwrap_or(10_000);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) => return eprintln!("error: {path}: {error}"),
    };
    let twin = match drtwin_model::Twin::from_ron(&text) {
        Ok(twin) => twin,
        Err(error) => return eprintln!("error: {path}: {error}"),
    };
    let config = RunConfig { trials, scenario_trials: 2_000, ..RunConfig::default() };
    let started = std::time::Instant::now();
    let results = match simulate(&twin, &Assumptions::shipped(), &config, &|_| {}) {
        Ok(results) => results,
        Err(error) => return eprintln!("error: {error}"),
    };
    println!("simulated in {:.2} s", started.elapsed().as_secs_f64());
    for e in &results.endpoints {
        println!(
            "{:<50} {:?} down {:>7.0} min/yr  outages {:>5.1}  top cause {:?}",
            e.id,
            e.tier,
            e.downtime_minutes_per_year.value,
            e.outages_per_year.value,
            e.downtime_by_cause.first()
        );
    }
    for s in &results.scenarios {
        println!(
            "{:?} {:<70} p50 {:>9.0}s occ {:>7.2} prod {:>7.1} min/yr {}",
            s.family,
            s.id,
            s.recovery_time.p50.value,
            s.occurrences_per_year,
            s.yearly_production_minutes.value,
            s.risk
        );
    }
    for entry in results.spof.iter().take(10) {
        println!(
            "SPOF {} -> {} order {:?} contrib {:.0} min/yr",
            entry.component, entry.endpoint, entry.cut_order, entry.downtime_minutes_per_year.value
        );
    }
}
