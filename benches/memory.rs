//! Peak memory of the baseline on the example twin at 10^4 and 10^6 trial-years, and the
//! time of the 10^4 run under Criterion. The high-water mark of a process never goes down,
//! so each size runs in a child process of this benchmark (the same binary, told by
//! `DRTWIN_MEMORY_TRIALS` to run one size), which reports `VmHWM` from `/proc/self/status`;
//! the parent prints both and their ratio, then runs the Criterion group. Linux only.
//!
//! `cargo bench --bench memory`

use std::process::Command;

mod common;

use criterion::{Criterion, Throughput, criterion_group};

use drtwin_sim::{Assumptions, RunConfig, run};

use common::example_plant;

const CHILD: &str = "DRTWIN_MEMORY_TRIALS";

/// Peak resident set size so far, in kB.
fn peak_kilobytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// One size, in this process: prints `trials kB seconds`.
fn child(trials: u64) {
    let plant = example_plant(&Assumptions::shipped());
    let config = RunConfig { trials, ..RunConfig::default() };
    let started = std::time::Instant::now();
    let baseline = run::baseline(&plant, &config, &|_| {});
    let seconds = started.elapsed().as_secs_f64();
    let kb = peak_kilobytes().map_or("?".to_string(), |kb| kb.to_string());
    println!("{} {kb} {seconds:.2}", baseline.trials);
}

/// Both sizes in child processes, and their ratio.
fn peaks() {
    let Ok(me) = std::env::current_exe() else {
        return eprintln!("memory: cannot find this benchmark's own binary");
    };
    let mut peaks = Vec::new();
    for trials in [10_000u64, 1_000_000] {
        let output = match Command::new(&me).env(CHILD, trials.to_string()).output() {
            Ok(output) => output,
            Err(error) => return eprintln!("memory: cannot run a child for {trials}: {error}"),
        };
        let text = String::from_utf8_lossy(&output.stdout);
        let fields: Vec<&str> = text.split_whitespace().collect();
        match (fields.get(1).and_then(|kb| kb.parse::<u64>().ok()), fields.get(2)) {
            (Some(kb), Some(seconds)) => {
                println!("memory: {trials:>9} trial-years, peak {kb} kB (VmHWM), {seconds} s");
                peaks.push(kb as f64);
            }
            _ => println!("memory: {trials:>9} trial-years, no VmHWM ({})", text.trim()),
        }
    }
    if let [small, large] = peaks[..] {
        println!("memory: peak at 10^6 / peak at 10^4 = {:.3}", large / small);
    }
}

fn baseline_ten_thousand(c: &mut Criterion) {
    let plant = example_plant(&Assumptions::shipped());
    let config = RunConfig { trials: 10_000, seed: 1, ..RunConfig::default() };
    let mut group = c.benchmark_group("memory");
    group.sample_size(10);
    group.throughput(Throughput::Elements(config.trials));
    group.bench_function("baseline, 10^4 trial-years", |b| {
        b.iter(|| run::baseline(&plant, &config, &|_| {}))
    });
    group.finish();
}

criterion_group!(benches, baseline_ten_thousand);

fn main() {
    if let Some(trials) = std::env::var(CHILD).ok().and_then(|text| text.parse().ok()) {
        return child(trials);
    }
    // `cargo bench` passes `--bench`; without it (`cargo test --benches`) Criterion only
    // checks that each benchmark runs, and the long children are skipped.
    if std::env::args().any(|arg| arg == "--bench") {
        peaks();
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
