//! Speed of the Monte Carlo engine on the built-in example's twin (scanned from
//! `examples/macmini`): baseline trial-years per second on one and two threads, and the
//! whole of `simulate` (baseline, SPOF ranking, scenarios, sensitivity) for scale.

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use drtwin_sim::calendar::Clock;
use drtwin_sim::engine::{Params, Plant};
use drtwin_sim::{Assumptions, RunConfig, run};

fn example_twin() -> drtwin_model::Twin {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/macmini");
    match drtwin_twin::scan(&root, &drtwin_twin::ScanOptions::default()) {
        Ok(twin) => twin,
        Err(error) => panic!("cannot scan the example: {error}"),
    }
}

fn pool(threads: usize) -> rayon::ThreadPool {
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool,
        Err(error) => panic!("cannot start {threads} threads: {error}"),
    }
}

fn baseline_trial_years(c: &mut Criterion) {
    let twin = example_twin();
    let assumptions = Assumptions::shipped();
    let clock = match Clock::new(&twin.host.time_zone, 2027) {
        Ok(clock) => clock,
        Err(error) => panic!("{error}"),
    };
    let plant = Plant::new(&twin, Params::new(&assumptions), clock);
    // 256 blocks of 64: enough for both threads to stay busy to the end.
    let trials = 16_384;
    let config = RunConfig { trials, seed: 1, ..RunConfig::default() };

    let mut group = c.benchmark_group("baseline");
    group.sample_size(10);
    group.throughput(Throughput::Elements(trials));
    for threads in [1, 2] {
        let pool = pool(threads);
        group.bench_function(format!("example twin, {threads} thread(s)"), |b| {
            b.iter(|| pool.install(|| run::baseline(&plant, &config, &|_| {})))
        });
    }
    group.finish();
}

fn whole_simulate(c: &mut Criterion) {
    let twin = example_twin();
    let assumptions = Assumptions::shipped();
    let trials = 2_000;
    let config = RunConfig { trials, scenario_trials: 200, seed: 1, ..RunConfig::default() };

    let mut group = c.benchmark_group("simulate");
    group.sample_size(10);
    for threads in [1, 2] {
        let pool = pool(threads);
        group.bench_function(
            format!("example twin, 2000 + 200 per scenario, {threads} thread(s)"),
            |b| {
                b.iter(|| {
                    pool.install(|| drtwin_sim::simulate(&twin, &assumptions, &config, &|_| {}))
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, baseline_trial_years, whole_simulate);
criterion_main!(benches);
