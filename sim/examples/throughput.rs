//! Measures baseline trial-years per second on the reference twin:
//! `cargo run --release -p drtwin-sim --example throughput [trials]`.

use drtwin_sim::calendar::Clock;
use drtwin_sim::engine::{Params, Plant};
use drtwin_sim::testing::reference_twin;
use drtwin_sim::{Assumptions, RunConfig, run};

fn main() {
    let trials = std::env::args().nth(1).and_then(|text| text.parse().ok()).unwrap_or(100_000);
    let twin = reference_twin();
    let assumptions = Assumptions::shipped();
    let Ok(clock) = Clock::new(&twin.host.time_zone, 2027) else {
        return;
    };
    let plant = Plant::new(&twin, Params::new(&assumptions), clock);
    let config = RunConfig { trials, ..RunConfig::default() };
    for threads in [1, 2] {
        let Ok(pool) = rayon::ThreadPoolBuilder::new().num_threads(threads).build() else {
            return;
        };
        let started = std::time::Instant::now();
        let baseline = pool.install(|| run::baseline(&plant, &config, &|_| {}));
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "{threads} thread(s): {} trial-years in {seconds:.2} s = {:.0} trial-years/s; \
             production downtime {:.0} min/yr",
            baseline.trials,
            baseline.trials as f64 / seconds,
            baseline.production.mean / 60.0
        );
    }
    let started = std::time::Instant::now();
    let config = RunConfig { trials: 10_000, scenario_trials: 2_000, ..RunConfig::default() };
    let results = drtwin_sim::simulate(&twin, &assumptions, &config, &|_| {});
    println!(
        "full simulate (10k baseline, 2k per scenario): {:.2} s, {} scenarios",
        started.elapsed().as_secs_f64(),
        results.map(|r| r.scenarios.len()).unwrap_or(0)
    );
}
