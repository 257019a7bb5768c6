//! Measures baseline trial-years per second on the reference twin, or on a twin file:
//! `cargo run --release -p drtwin-sim --example throughput [trials] [twin.ron]`.
//! `drtwin scan examples/macmini` writes the example's twin for the second form.

use drtwin_sim::calendar::Clock;
use drtwin_sim::engine::{Params, Plant};
use drtwin_sim::testing::reference_twin;
use drtwin_sim::{Assumptions, RunConfig, run};

fn main() {
    let mut args = std::env::args().skip(1);
    let trials = args.next().and_then(|text| text.parse().ok()).unwrap_or(100_000);
    let twin = match args.next() {
        None => reference_twin(),
        Some(path) => {
            let parsed = std::fs::read_to_string(&path)
                .map_err(|error| error.to_string())
                .and_then(|text| drtwin_model::Twin::from_ron(&text).map_err(|e| e.to_string()));
            match parsed {
                Ok(twin) => twin,
                Err(error) => return eprintln!("error: {path}: {error}"),
            }
        }
    };
    let assumptions = Assumptions::shipped();
    let Ok(clock) = Clock::new(&twin.host.time_zone, 2027) else {
        return eprintln!("error: unknown time zone `{}`", twin.host.time_zone);
    };
    let plant = Plant::new(&twin, Params::new(&assumptions), clock);
    let config = RunConfig { trials, ..RunConfig::default() };
    let threads: Vec<usize> = match std::env::var("THREADS") {
        Ok(list) => list.split(',').filter_map(|t| t.parse().ok()).collect(),
        Err(_) => vec![1, 2],
    };
    for threads in threads {
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
            baseline.production.moments.mean / 60.0
        );
    }
}
