//! Running trials in parallel with results independent of the thread count, and the
//! baseline figures built on them: per-endpoint downtime and outages, downtime by cause,
//! the SPOF ranking (forced down and never failing, under common random numbers) and the
//! sensitivity of production downtime to single assumptions.
//!
//! Trials are cut into fixed blocks of [`BLOCK`] in trial order; each block is folded on
//! whatever thread rayon picks, and blocks are merged in index order, so floating-point
//! sums come out the same on any thread count.

use rayon::prelude::*;

use drtwin_model::{Twin, graph::endpoint_indices};

use crate::RunConfig;
use crate::assumptions::Assumptions;
use crate::engine::{Interval, Plant, Scratch, TrialSpec, total};
use crate::estimate::{LogHistogram, Welford};
use crate::results::{EndpointResult, Estimate, Sensitivity, SpofEntry};

/// Trials per block.
pub const BLOCK: u64 = 64;

/// Runs trials `first..first + count` in blocks: `step` folds one trial into the block's
/// state, `merge` combines block states in order.
pub fn fold_trials<S, New, Step, Merge>(
    plant: &Plant,
    first: u64,
    count: u64,
    progress: &(dyn Fn(u64) + Sync),
    new: New,
    step: Step,
    merge: Merge,
) -> S
where
    S: Send,
    New: Fn() -> S + Sync,
    Step: Fn(&mut S, &mut Scratch, &mut Vec<Interval>, u64) + Sync,
    Merge: Fn(&mut S, S),
{
    // Blocks run in parallel a round at a time and are merged into the total in block order,
    // so the result does not depend on the thread count and memory holds one round of block
    // states, however many trials there are.
    const ROUND: u64 = 64;
    let blocks = count.div_ceil(BLOCK);
    let mut total_state = new();
    let mut round_start = 0;
    while round_start < blocks {
        let round_end = (round_start + ROUND).min(blocks);
        let states: Vec<S> = (round_start..round_end)
            .into_par_iter()
            .map_init(
                || (plant.scratch(), Vec::new()),
                |(scratch, buffer), block| {
                    let mut state = new();
                    let start = first + block * BLOCK;
                    let end = (start + BLOCK).min(first + count);
                    for trial in start..end {
                        step(&mut state, scratch, buffer, trial);
                    }
                    progress(end - start);
                    state
                },
            )
            .collect();
        for state in states {
            merge(&mut total_state, state);
        }
        round_start = round_end;
    }
    total_state
}

/// Seconds in the union of the given nodes' down-intervals that `keep` accepts.
///
/// Each node's list is sorted and disjoint, so the union is built one list at a time by a
/// linear merge, without sorting: `buffer` holds the union so far, the next union is
/// written behind it, and the old one is dropped.
pub fn union_seconds(
    scratch: &Scratch,
    nodes: &[usize],
    buffer: &mut Vec<Interval>,
    keep: &dyn Fn(&Interval) -> bool,
) -> f64 {
    buffer.clear();
    for &node in nodes {
        let list = &scratch.down[node];
        let before = buffer.len();
        let (mut i, mut j) = (0, 0);
        loop {
            let from_union = match (buffer[..before].get(i), list.get(j)) {
                (None, None) => break,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (Some(a), Some(b)) => a.start <= b.start,
            };
            let iv = if from_union {
                i += 1;
                buffer[i - 1]
            } else {
                j += 1;
                if !keep(&list[j - 1]) {
                    continue;
                }
                list[j - 1]
            };
            match buffer[before..].last_mut() {
                Some(last) if iv.start <= last.end => last.end = last.end.max(iv.end),
                _ => buffer.push(iv),
            }
        }
        buffer.drain(..before);
    }
    buffer.iter().map(|iv| iv.end - iv.start).sum()
}

/// The baseline's running sums.
#[derive(Clone, Debug)]
pub struct Baseline {
    pub trials: u64,
    /// Per endpoint (in `plant.endpoints` order): downtime seconds per year (its
    /// distribution, with the mean in `moments`) and outages per year.
    pub downtime: Vec<LogHistogram>,
    pub outages: Vec<Welford>,
    /// Per endpoint and cause node: downtime seconds per year (endpoint-major).
    pub by_cause: Vec<Welford>,
    /// Seconds per year any production endpoint is down.
    pub production: LogHistogram,
    /// One trial's seconds per cause, and which causes it touched: a block's scratch space.
    cause_seconds: Vec<f64>,
    touched: Vec<usize>,
}

impl Baseline {
    fn new(plant: &Plant) -> Baseline {
        let endpoints = plant.endpoints.len();
        Baseline {
            trials: 0,
            downtime: vec![LogHistogram::default(); endpoints],
            outages: vec![Welford::default(); endpoints],
            by_cause: vec![Welford::default(); endpoints * plant.len()],
            production: LogHistogram::default(),
            cause_seconds: vec![0.0; plant.len()],
            touched: Vec::new(),
        }
    }

    fn merge(&mut self, other: Baseline) {
        self.trials += other.trials;
        self.downtime.iter_mut().zip(&other.downtime).for_each(|(a, b)| a.merge(b));
        self.outages.iter_mut().zip(&other.outages).for_each(|(a, b)| a.merge(b));
        // A block pushes a cause's seconds only in the trials where it cost something: the
        // other trials count as zeros.
        for (mine, theirs) in self.by_cause.iter_mut().zip(&other.by_cause) {
            let mut theirs = *theirs;
            theirs.merge(&Welford::zeros(other.trials - theirs.n));
            mine.merge(&theirs);
        }
        self.production.merge(&other.production);
    }
}

/// Runs the baseline trial-years, stopping early at the requested precision.
pub fn baseline(plant: &Plant, config: &RunConfig, progress: &(dyn Fn(u64) + Sync)) -> Baseline {
    let n = plant.len();
    let mut result = Baseline::new(plant);
    let round = match config.precision {
        Some(_) => (BLOCK * 16).min(config.trials.max(1)),
        None => config.trials,
    };
    while result.trials < config.trials {
        let count = round.min(config.trials - result.trials);
        let part = fold_trials(
            plant,
            result.trials,
            count,
            progress,
            || Baseline::new(plant),
            |state, scratch, buffer, trial| {
                let spec = TrialSpec::measured_year(trial);
                plant.run(config.seed, &spec, scratch);
                state.trials += 1;
                for (k, &endpoint) in plant.endpoints.iter().enumerate() {
                    let intervals = &scratch.down[endpoint];
                    state.downtime[k].push(total(intervals));
                    state.outages[k].push(intervals.len() as f64);
                    // Most causes cost nothing in most trials: one pass sums the trial's
                    // seconds per cause, and only those that cost something are pushed.
                    let Baseline { by_cause, cause_seconds, touched, .. } = state;
                    for iv in intervals.iter().filter(|iv| iv.end > iv.start) {
                        let cause = iv.cause as usize;
                        if cause_seconds[cause] == 0.0 {
                            touched.push(cause);
                        }
                        cause_seconds[cause] += iv.end - iv.start;
                    }
                    for cause in touched.drain(..) {
                        by_cause[k * n + cause].push(std::mem::take(&mut cause_seconds[cause]));
                    }
                }
                state.production.push(union_seconds(scratch, &plant.production, buffer, &|_| true));
            },
            |total, part| total.merge(part),
        );
        result.merge(part);
        if let Some(precision) = config.precision {
            let p = &result.production.moments;
            // `precision` is in minutes per year; the running figures are seconds per year.
            if p.n >= 2 * BLOCK && p.half_width() / 60.0 <= precision {
                break;
            }
        }
    }
    result
}

/// The per-endpoint rows of the results.
pub fn endpoint_results(twin: &Twin, plant: &Plant, baseline: &Baseline) -> Vec<EndpointResult> {
    let n = plant.len();
    let length = plant.year_length();
    plant
        .endpoints
        .iter()
        .enumerate()
        .map(|(k, &endpoint)| {
            let component = &twin.components[endpoint];
            let tier = match &component.kind {
                drtwin_model::Kind::Endpoint(e) => e.tier,
                _ => drtwin_model::Tier::Internal,
            };
            let down = baseline.downtime[k].moments.estimate(1.0);
            let availability = Estimate {
                value: 1.0 - down.value / length,
                low: (1.0 - down.high / length).max(0.0),
                high: (1.0 - down.low / length).min(1.0),
            };
            let mut by_cause: Vec<(String, f64)> = (0..n)
                .map(|cause| {
                    (plant.nodes[cause].id.clone(), baseline.by_cause[k * n + cause].mean / 60.0)
                })
                .filter(|(_, minutes)| *minutes > 0.0)
                .collect();
            by_cause.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            EndpointResult {
                id: component.id.clone(),
                name: component.name.clone(),
                tier,
                availability,
                downtime_minutes_per_year: baseline.downtime[k].moments.estimate(1.0 / 60.0),
                yearly_downtime: baseline.downtime[k].distribution(1.0),
                outages_per_year: baseline.outages[k].estimate(1.0),
                downtime_by_cause: by_cause,
                worst_scenario: None,
            }
        })
        .collect()
}

/// Paired sums for one component's importance on every endpoint.
#[derive(Clone, Debug)]
struct Importance {
    /// Per endpoint: Q, Q1, Q0, Q1 − Q0, Q − Q0 (fractions of the year).
    cells: Vec<[Welford; 5]>,
}

/// The SPOF ranking. Importance runs use `min(trials, 1000)` trials per component (the
/// first trials of the baseline, so Q is paired with Q1 and Q0), over the components in
/// any endpoint's hard closure; the ranking is by the baseline's downtime contribution.
pub fn spof(
    twin: &Twin,
    plant: &Plant,
    config: &RunConfig,
    baseline: &Baseline,
    progress: &(dyn Fn(u64) + Sync),
) -> Vec<SpofEntry> {
    let n = plant.len();
    let length = plant.year_length();
    let trials = config.trials.clamp(1, 1000);
    let endpoints = endpoint_indices(twin, &plant.graph);
    let mut entries = Vec::new();

    let mut candidates: Vec<usize> = Vec::new();
    for &(_, endpoint) in &endpoints {
        for node in hard_closure(plant, endpoint) {
            if node != endpoint && !candidates.contains(&node) {
                candidates.push(node);
            }
        }
    }
    candidates.sort_unstable();

    for &candidate in &candidates {
        let importance = fold_trials(
            plant,
            0,
            trials,
            progress,
            || Importance { cells: vec![Default::default(); plant.endpoints.len()] },
            |state, scratch, _, trial| {
                let base = TrialSpec::measured_year(trial);
                let specs = [
                    base,
                    TrialSpec { force_down: Some(candidate), ..base },
                    TrialSpec { force_up: Some(candidate), ..base },
                ];
                let mut values = [[0.0f64; 3]; 64];
                let m = plant.endpoints.len().min(64);
                for (s, spec) in specs.iter().enumerate() {
                    plant.run(config.seed, spec, scratch);
                    for (k, &e) in plant.endpoints.iter().take(m).enumerate() {
                        values[k][s] = total(&scratch.down[e]) / length;
                    }
                }
                for (k, cell) in state.cells.iter_mut().take(m).enumerate() {
                    let [qq, q1, q0] = values[k];
                    cell[0].push(qq);
                    cell[1].push(q1);
                    cell[2].push(q0);
                    cell[3].push(q1 - q0);
                    cell[4].push(qq - q0);
                }
            },
            |total, part| {
                for (a, b) in total.cells.iter_mut().zip(&part.cells) {
                    for (x, y) in a.iter_mut().zip(b) {
                        x.merge(y);
                    }
                }
            },
        );

        for &(ref endpoint_id, endpoint) in &endpoints {
            let closure = hard_closure(plant, endpoint);
            if !closure.contains(&candidate) {
                continue;
            }
            let via_host = !plant.graph.closure(endpoint).contains(&candidate);
            let Some(k) = plant.endpoints.iter().position(|&e| e == endpoint) else {
                continue;
            };
            let [q, q1, q0, birnbaum, reduction] = &importance.cells[k];
            let (singles, pairs) = cut_sets_cached(plant, endpoint);
            let id = &plant.nodes[candidate].id;
            // The host and what it needs sit under every process by the boot rule rather
            // than by edges: their loss takes down every process the endpoint needs.
            let cut_order = if via_host || singles.iter().any(|c| c.components.contains(id)) {
                Some(1)
            } else if pairs.iter().any(|c| c.components.contains(id)) {
                Some(2)
            } else {
                None
            };
            // Ratios carry the uncertainty of both sides: the bounds combine the numerator's
            // and the denominator's 95% intervals, which covers at least 95%.
            // FIXME: a delta-method interval using the paired covariance would be narrower.
            let q_estimate = q.estimate(1.0);
            let ratio = |num: Estimate, den: Estimate| {
                let value = num.value / den.value;
                let low = if den.high > 0.0 { num.low / den.high } else { 0.0 };
                let high = if den.low > 0.0 { num.high / den.low } else { f64::INFINITY };
                Estimate { value, low: low.min(value), high: high.max(value) }
            };
            let q_mean = q.mean;
            let fussell_vesely = if q_mean > 0.0 {
                let e = ratio(reduction.estimate(1.0), q_estimate);
                Estimate { value: e.value, low: e.low.max(0.0), high: e.high.min(1.0).max(e.value) }
            } else {
                Estimate::exact(0.0)
            };
            let raw = if q_mean > 0.0 {
                let e = ratio(q1.estimate(1.0), q_estimate);
                Estimate { value: e.value.max(1.0), low: e.low.max(1.0), high: e.high.max(1.0) }
            } else {
                Estimate::exact(if q1.mean > 0.0 { f64::INFINITY } else { 1.0 })
            };
            let rrw = if q0.mean <= 0.0 {
                if q_mean > 0.0 { Estimate::exact(f64::INFINITY) } else { Estimate::exact(1.0) }
            } else {
                let e = ratio(q_estimate, q0.estimate(1.0));
                Estimate { value: e.value.max(1.0), low: e.low.max(1.0), high: e.high.max(1.0) }
            };
            let contribution = baseline.by_cause[k * n + candidate].estimate(1.0 / 60.0);
            entries.push(SpofEntry {
                component: id.clone(),
                endpoint: endpoint_id.clone(),
                cut_order,
                chain: chain(plant, endpoint, candidate),
                birnbaum: birnbaum.estimate(1.0),
                fussell_vesely,
                risk_achievement_worth: raw,
                risk_reduction_worth: rrw,
                downtime_minutes_per_year: contribution,
            });
        }
    }
    entries.sort_by(|a, b| {
        b.downtime_minutes_per_year
            .value
            .total_cmp(&a.downtime_minutes_per_year.value)
            .then_with(|| a.endpoint.cmp(&b.endpoint))
            .then_with(|| a.component.cmp(&b.component))
    });
    entries
}

/// The endpoint's hard closure, plus the host and the host's own requirements when a
/// process in the closure runs on the host.
pub fn hard_closure(plant: &Plant, endpoint: usize) -> Vec<usize> {
    let mut closure = plant.graph.closure(endpoint);
    if let Some(host) = plant.host
        && closure.iter().any(|&i| plant.nodes[i].on_host)
    {
        for node in plant.graph.closure(host) {
            if !closure.contains(&node) {
                closure.push(node);
            }
        }
    }
    closure
}

/// The chain of requirements from the endpoint to the component, through the host where
/// the host rule applies.
fn chain(plant: &Plant, endpoint: usize, component: usize) -> Vec<String> {
    let direct = plant.graph.chain(endpoint, component);
    if !direct.is_empty() {
        return direct;
    }
    let Some(host) = plant.host else {
        return direct;
    };
    let closure = plant.graph.closure(endpoint);
    let Some(&process) = closure.iter().find(|&&i| plant.nodes[i].on_host) else {
        return direct;
    };
    let mut chain = plant.graph.chain(endpoint, process);
    let mut rest = plant.graph.chain(host, component);
    if rest.is_empty() {
        rest = vec![plant.nodes[host].id.clone()];
    }
    chain.extend(rest);
    chain
}

fn cut_sets_cached(
    plant: &Plant,
    endpoint: usize,
) -> (Vec<drtwin_model::graph::CutSet>, Vec<drtwin_model::graph::CutSet>) {
    // FIXME: recomputed per candidate; cheap for a few dozen components, but a cache keyed
    // by endpoint would avoid the O(n²·e) pair search per row on bigger twins.
    plant.graph.cut_sets(endpoint)
}

/// Assumptions whose swing (×0.5 and ×2) is measured, with fewer trials and the same
/// random numbers as each other.
const SENSITIVE: [&str; 9] = [
    "backup-failure-probability",
    "service-crash-rate",
    "power-outage-rate",
    "uplink-outage-rate",
    "api-outage-rate",
    "human-unalerted-delay",
    "human-response-day",
    "hardware-procurement-time",
    "tunnel-update-exit-rate",
];

/// Production downtime at the low and high value of each sensitive assumption.
pub fn sensitivity(
    twin: &Twin,
    assumptions: &Assumptions,
    config: &RunConfig,
    plant: &Plant,
) -> Vec<Sensitivity> {
    let trials = config.trials.clamp(1, 400);
    let quiet = |_: u64| {};
    let measure = |assumptions: &Assumptions| {
        let params = crate::engine::Params::new(assumptions);
        let variant = Plant::new(twin, params, plant.clock.clone());
        let production = fold_trials(
            &variant,
            0,
            trials,
            &quiet,
            Welford::default,
            |state, scratch, buffer, trial| {
                let spec = TrialSpec::measured_year(trial);
                variant.run(config.seed, &spec, scratch);
                state.push(union_seconds(scratch, &variant.production, buffer, &|_| true));
            },
            |total, part| total.merge(&part),
        );
        production.mean / 60.0
    };
    let baseline = measure(assumptions);
    let mut rows: Vec<Sensitivity> = SENSITIVE
        .iter()
        .filter_map(|&name| {
            let kind = assumptions.kind(name)?;
            let value = assumptions.get(name);
            let (mut low, mut high) = (assumptions.clone(), assumptions.clone());
            low.set(name, value * 0.5);
            high.set(name, value * 2.0);
            Some(Sensitivity {
                assumption: name.to_string(),
                low_value: crate::assumptions::display(kind, value * 0.5),
                high_value: crate::assumptions::display(kind, value * 2.0),
                minutes_at_low: measure(&low),
                minutes_at_high: measure(&high),
                minutes_at_baseline: baseline,
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        let swing = |s: &Sensitivity| (s.minutes_at_high - s.minutes_at_low).abs();
        swing(b).total_cmp(&swing(a)).then_with(|| a.assumption.cmp(&b.assumption))
    });
    rows
}

/// The baseline and the SPOF ranking alone, without the scenario catalogue: what
/// `drtwin spof` needs.
pub fn rank(
    twin: &Twin,
    assumptions: &Assumptions,
    config: &RunConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(Vec<EndpointResult>, Vec<SpofEntry>), crate::SimError> {
    let clock = crate::calendar::Clock::new(&twin.host.time_zone, config.year)?;
    let plant = Plant::new(twin, crate::engine::Params::new(assumptions), clock);
    if plant.endpoints.is_empty() {
        return Err(crate::SimError::NoEndpoints);
    }
    let baseline = baseline(&plant, config, progress);
    let endpoints = endpoint_results(twin, &plant, &baseline);
    let ranking = spof(twin, &plant, config, &baseline, progress);
    Ok((endpoints, ranking))
}

#[cfg(test)]
mod tests {
    //! Importance measures on small hand-built twins against their closed forms. Every
    //! component is an uplink-like link with the same outage process, so at a random
    //! instant each is down with the same probability `q`, independently; the closed forms
    //! follow from the structure function by enumerating the 2⁵ states.

    use super::*;
    use crate::testing::{TwinBuilder, endpoint};
    use drtwin_model::{Access, Kind, NetworkKind, Tier};

    /// Rate 50/yr with a 1-day median and σ = 1: mean outage e^½ days, so the share of
    /// time down is λ·E[D]/(1 + λ·E[D]) (up and down times alternate).
    fn assumptions() -> Assumptions {
        Assumptions::shipped()
            .with_overrides(
                "{\"uplink-outage-rate\": 50.0, \"uplink-outage-median\": \"1d\", \
                 \"outage-duration-spread\": 1.0}",
            )
            .unwrap()
    }

    fn q() -> f64 {
        let x = 50.0 / 365.0 * 0.5f64.exp();
        x / (1.0 + x)
    }

    /// Builds `E` over links `a`, `b`, ...: `groups` lists (from, to, any_of group).
    fn twin(links: &[&str], groups: &[(&str, &str, Option<&str>)]) -> Twin {
        let mut builder = TwinBuilder::new("America/Denver");
        for link in links {
            builder = builder.component(link, Kind::Network(NetworkKind::Uplink));
        }
        builder = builder.component(
            "endpoint:e",
            endpoint(Access::PublicHostname("e.example.com".into()), Tier::Production),
        );
        for &(from, to, group) in groups {
            builder = match group {
                Some(group) => builder.any_of(from, to, group),
                None => builder.requires(from, to, drtwin_model::Strength::Hard, Some("5s")),
            };
        }
        builder.build()
    }

    /// Unavailability from the structure function, every link down with probability `q`;
    /// `fixed` pins one link down (`Some(true)`) or up (`Some(false)`).
    fn closed_form(
        links: usize,
        up: &dyn Fn(&[bool]) -> bool,
        pinned: Option<(usize, bool)>,
    ) -> f64 {
        let q = q();
        let mut total = 0.0;
        for state in 0u32..(1 << links) {
            let down: Vec<bool> = (0..links).map(|i| state & (1 << i) != 0).collect();
            let mut p = 1.0;
            for (i, &is_down) in down.iter().enumerate() {
                p *= match pinned {
                    Some((j, pin)) if j == i => f64::from(u8::from(is_down == pin)),
                    _ if is_down => q,
                    _ => 1.0 - q,
                };
            }
            if !up(&down) {
                total += p;
            }
        }
        total
    }

    fn ranking(twin: &Twin) -> Vec<SpofEntry> {
        let config = RunConfig { trials: 1000, seed: 17, ..RunConfig::default() };
        let (_, ranking) = rank(twin, &assumptions(), &config, &|_| {}).unwrap();
        ranking
    }

    /// Checks each measure of `component` against the closed form, within its interval.
    fn check(
        entries: &[SpofEntry],
        component: &str,
        index: usize,
        links: usize,
        up: &dyn Fn(&[bool]) -> bool,
    ) {
        let entry = entries.iter().find(|e| e.component == component).unwrap();
        let q = closed_form(links, up, None);
        let q1 = closed_form(links, up, Some((index, true)));
        let q0 = closed_form(links, up, Some((index, false)));
        let expected = [
            ("Birnbaum", q1 - q0, entry.birnbaum),
            ("Fussell-Vesely", (q - q0) / q, entry.fussell_vesely),
            ("RAW", q1 / q, entry.risk_achievement_worth),
        ];
        for (name, value, estimate) in expected {
            println!("{component} {name}: closed form {value:.4}, estimate {estimate:?}");
            assert!(estimate.contains(value), "{component} {name}: {value} vs {estimate:?}");
        }
        let rrw = entry.risk_reduction_worth;
        if q0 == 0.0 {
            assert!(rrw.value.is_infinite(), "{component} RRW must be ∞: {rrw:?}");
        } else {
            println!("{component} RRW: closed form {:.4}, estimate {rrw:?}", q / q0);
            assert!(rrw.contains(q / q0), "{component} RRW: {} vs {rrw:?}", q / q0);
        }
    }

    #[test]
    fn series_pair_matches_its_closed_form() {
        let twin = twin(
            &["net:a", "net:b"],
            &[("endpoint:e", "net:a", None), ("endpoint:e", "net:b", None)],
        );
        let up = |d: &[bool]| !d[0] && !d[1];
        let entries = ranking(&twin);
        check(&entries, "net:a", 0, 2, &up);
        check(&entries, "net:b", 1, 2, &up);
        assert!(entries.iter().all(|e| e.cut_order == Some(1)));
    }

    #[test]
    fn parallel_pair_matches_its_closed_form_with_infinite_rrw() {
        let twin = twin(
            &["net:a", "net:b"],
            &[("endpoint:e", "net:a", Some("g")), ("endpoint:e", "net:b", Some("g"))],
        );
        let up = |d: &[bool]| !d[0] || !d[1];
        let entries = ranking(&twin);
        // Each is in the only cut set {a, b}: never failing, the endpoint never fails.
        check(&entries, "net:a", 0, 2, &up);
        check(&entries, "net:b", 1, 2, &up);
        assert!(entries.iter().all(|e| e.cut_order == Some(2)));
    }

    #[test]
    fn bridge_matches_its_closed_form() {
        // Paths {A, C}, {B, D}, {A, X, D}, {B, X, C}: X is the bridge.
        let twin = twin(
            &["net:a", "net:b", "net:c", "net:d", "net:x"],
            &[
                ("endpoint:e", "net:c", Some("e")),
                ("endpoint:e", "net:d", Some("e")),
                ("net:c", "net:a", Some("c")),
                ("net:c", "net:x", Some("c")),
                ("net:d", "net:b", Some("d")),
                ("net:d", "net:x", Some("d")),
                ("net:x", "net:a", Some("x")),
                ("net:x", "net:b", Some("x")),
            ],
        );
        let up = |d: &[bool]| {
            let [a, b, c, x, dd] = [!d[0], !d[1], !d[2], !d[4], !d[3]];
            (a && c) || (b && dd) || (a && x && dd) || (b && x && c)
        };
        let entries = ranking(&twin);
        for (index, id) in ["net:a", "net:b", "net:c", "net:d", "net:x"].iter().enumerate() {
            check(&entries, id, index, 5, &up);
        }
    }

    #[test]
    fn a_component_in_every_cut_set_has_infinite_rrw_and_q1_of_one() {
        // E needs `a`, and one of `b` or `c`: `a` is the order-1 cut set.
        let twin = twin(
            &["net:a", "net:b", "net:c"],
            &[
                ("endpoint:e", "net:a", None),
                ("endpoint:e", "net:b", Some("g")),
                ("endpoint:e", "net:c", Some("g")),
            ],
        );
        let up = |d: &[bool]| !d[0] && (!d[1] || !d[2]);
        let entries = ranking(&twin);
        check(&entries, "net:a", 0, 3, &up);
        check(&entries, "net:b", 1, 3, &up);
        let a = entries.iter().find(|e| e.component == "net:a").unwrap();
        assert_eq!(a.cut_order, Some(1));
        // Q1 = 1: forced down, the endpoint is down all year, so RAW is exactly 1/Q.
        assert!((a.birnbaum.value + closed_form(3, &up, Some((0, false))) - 1.0).abs() < 0.02);
    }

    /// The union's length, against a grid count over a few overlapping lists, with and
    /// without a filter on the cause.
    #[test]
    fn union_seconds_counts_overlaps_once() {
        let iv = |start, end, cause| Interval {
            start,
            end,
            cause,
            mechanism: crate::results::Mechanism::Human,
        };
        let mut scratch = Scratch::default();
        scratch.down = vec![
            vec![iv(0.0, 4.0, 0), iv(10.0, 12.0, 1), iv(20.0, 30.0, 0)],
            vec![iv(2.0, 6.0, 1), iv(11.0, 15.0, 0), iv(29.0, 31.0, 1)],
            vec![],
            vec![iv(5.0, 5.5, 2), iv(40.0, 41.0, 2)],
        ];
        let mut buffer = Vec::new();
        let all = union_seconds(&scratch, &[0, 1, 2, 3], &mut buffer, &|_| true);
        assert_eq!(all, 6.0 + 5.0 + 11.0 + 1.0);
        let only_zero = union_seconds(&scratch, &[0, 1, 2, 3], &mut buffer, &|iv| iv.cause == 0);
        assert_eq!(only_zero, 4.0 + 4.0 + 10.0);
        assert_eq!(union_seconds(&scratch, &[2], &mut buffer, &|_| true), 0.0);
    }
}
