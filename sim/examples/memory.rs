//! Peak memory of the baseline at 10^4 and 10^6 trial-years on the reference twin:
//! `cargo run --release -p drtwin-sim --example memory`. Each size runs in a child process
//! of this example (the high-water mark never goes down), which reports `VmHWM` from
//! `/proc/self/status` after its run; the parent prints both and their ratio. Linux only.
//!
//! `memory <trials>` runs one size and prints its own figure.

use std::process::Command;

use drtwin_sim::calendar::Clock;
use drtwin_sim::engine::{Params, Plant};
use drtwin_sim::testing::reference_twin;
use drtwin_sim::{Assumptions, RunConfig, run};

/// Peak resident set size so far, in kB.
fn peak_kilobytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn child(trials: u64) {
    let twin = reference_twin();
    let assumptions = Assumptions::shipped();
    let Ok(clock) = Clock::new(&twin.host.time_zone, 2027) else {
        return;
    };
    let plant = Plant::new(&twin, Params::new(&assumptions), clock);
    let config = RunConfig { trials, ..RunConfig::default() };
    let started = std::time::Instant::now();
    let baseline = run::baseline(&plant, &config, &|_| {});
    let seconds = started.elapsed().as_secs_f64();
    match peak_kilobytes() {
        Some(kb) => println!("{trials} {kb} {seconds:.2} {:.0}", baseline.production.mean / 60.0),
        None => println!("{trials} ? {seconds:.2} -"),
    }
}

fn main() {
    if let Some(trials) = std::env::args().nth(1).and_then(|text| text.parse().ok()) {
        child(trials);
        return;
    }
    let Ok(me) = std::env::current_exe() else {
        return;
    };
    let mut peaks = Vec::new();
    for trials in [10_000u64, 1_000_000] {
        let Ok(output) = Command::new(&me).arg(trials.to_string()).output() else {
            println!("cannot run a child for {trials} trials");
            return;
        };
        let text = String::from_utf8_lossy(&output.stdout);
        let fields: Vec<&str> = text.split_whitespace().collect();
        let kb: Option<u64> = fields.get(1).and_then(|field| field.parse().ok());
        let seconds = fields.get(2).copied().unwrap_or("?");
        match kb {
            Some(kb) => {
                println!("{trials:>9} trial-years: peak {kb} kB (VmHWM), {seconds} s");
                peaks.push(kb as f64);
            }
            None => println!("{trials:>9} trial-years: no VmHWM ({})", text.trim()),
        }
    }
    if let [small, large] = peaks[..] {
        println!("ratio 10^6 / 10^4: {:.3}", large / small);
    }
}
