//! Speed of the Monte Carlo engine on the built-in example's twin (scanned from
//! `examples/macmini`): baseline trial-years per second on one and two threads, and the
//! whole of `simulate` (baseline, SPOF ranking, scenarios, sensitivity) for scale.

mod common;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use drtwin_sim::{Assumptions, RunConfig, run};

use common::{example_plant, example_twin};

fn pool(threads: usize) -> rayon::ThreadPool {
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool,
        Err(error) => panic!("cannot start {threads} threads: {error}"),
    }
}

fn baseline_trial_years(c: &mut Criterion) {
    let plant = example_plant(&Assumptions::shipped());
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
