//! Speed of the Monte Carlo engine on the built-in example's twin: trial-years per second
//! on one and two threads.

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use drtwin_sim::{Assumptions, RunConfig};

fn trial_years(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/macmini");
    let twin = match drtwin_twin::scan(&root, &drtwin_twin::ScanOptions::default()) {
        Ok(twin) => twin,
        Err(error) => panic!("cannot scan the example: {error}"),
    };
    let assumptions = Assumptions::shipped();
    let trials = 2_000;
    let config = RunConfig { trials, scenario_trials: 1, seed: 1, ..RunConfig::default() };

    let mut group = c.benchmark_group("simulate");
    group.sample_size(10);
    group.throughput(Throughput::Elements(trials));
    for threads in [1, 2] {
        let pool = match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
            Ok(pool) => pool,
            Err(error) => panic!("cannot start {threads} threads: {error}"),
        };
        group.bench_function(format!("example twin, {threads} threads"), |b| {
            b.iter(|| pool.install(|| drtwin_sim::simulate(&twin, &assumptions, &config, &|_| {})))
        });
    }
    group.finish();
}

criterion_group!(benches, trial_years);
criterion_main!(benches);
