//! Cost of the engine's unit of work beside a bare event queue: nanoseconds per event
//! (a down-interval created: a failure resolved, or one inherited from the host or a
//! requirement) on the example twin, one thread, next to a `BinaryHeap` push and pop of
//! the same number of items in heaps of the same size; and the cost of a quiet year, in
//! which nothing fails, to show that probes finding nothing wrong cost nothing.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;

mod common;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use drtwin_sim::Assumptions;
use drtwin_sim::engine::{Plant, Scratch, TrialSpec};

use common::example_plant;

const TRIALS: u64 = 512;

/// Runs `TRIALS` background trial-years and returns the events they created.
fn run_trials(plant: &Plant, scratch: &mut Scratch) -> u64 {
    let mut events = 0;
    for trial in 0..TRIALS {
        plant.run(1, &TrialSpec::measured_year(trial), scratch);
        events += scratch.events;
    }
    events
}

/// Pushes `per_trial` timestamped items and pops them all, `TRIALS` times.
fn heap_loop(heap: &mut BinaryHeap<Reverse<(u64, u32)>>, per_trial: u64) -> u64 {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut sum = 0u64;
    for _ in 0..TRIALS {
        for node in 0..per_trial {
            // A xorshift step for the event time.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            heap.push(Reverse((state, node as u32)));
        }
        while let Some(Reverse((time, node))) = heap.pop() {
            sum = sum.wrapping_add(time ^ u64::from(node));
        }
    }
    sum
}

fn per_event(c: &mut Criterion) {
    let assumptions = Assumptions::shipped();
    let plant = example_plant(&assumptions);
    let mut scratch = plant.scratch();
    let events = run_trials(&plant, &mut scratch);
    let per_trial = events.div_ceil(TRIALS);
    eprintln!("{events} events in {TRIALS} trial-years ({per_trial} a year on average)");

    let mut group = c.benchmark_group("per event");
    group.throughput(Throughput::Elements(events));
    group.bench_function("engine, example twin", |b| {
        b.iter(|| black_box(run_trials(&plant, &mut scratch)))
    });
    let mut heap = BinaryHeap::with_capacity(per_trial as usize);
    group.throughput(Throughput::Elements(per_trial * TRIALS));
    group.bench_function("bare BinaryHeap push + pop", |b| {
        b.iter(|| black_box(heap_loop(&mut heap, black_box(per_trial))))
    });
    group.finish();
}

fn quiet_year(c: &mut Criterion) {
    let zeros = drtwin_sim::testing::silenced_rates();
    let overrides = format!("{{{}, \"backup-failure-probability\": 0.0}}", zeros.join(", "));
    let assumptions = match Assumptions::shipped().with_overrides(&overrides) {
        Ok(assumptions) => assumptions,
        Err(error) => panic!("{error}"),
    };
    let plant = example_plant(&assumptions);
    let mut scratch = plant.scratch();

    let mut group = c.benchmark_group("quiet year");
    group.throughput(Throughput::Elements(TRIALS));
    group.bench_function("example twin, nothing fails", |b| {
        b.iter(|| black_box(run_trials(&plant, &mut scratch)))
    });
    group.finish();
}

criterion_group!(benches, per_event, quiet_year);
criterion_main!(benches);
