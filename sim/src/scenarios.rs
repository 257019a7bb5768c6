//! The scenario catalogue, built from the twin (nothing here knows the example's names),
//! and its runs: each scenario injects one failure at a sampled time into an otherwise
//! quiet year and measures recovery time, the mechanism that ended it, endpoint downtime and
//! the data-loss window; or, for time effects without an outage process (DST, overlaps,
//! runs into the morning), samples the effect directly from the job duration model.
//!
//! Each result carries CURRENT BEHAVIOR statements citing the twin's evidence and
//! rule-based recommendations with a what-if change in RON.

use drtwin_model::{
    Component, Dependency, Edge, Ending, Evidence, JobPurpose, KeepAlive, Kind, Lock, NetworkKind,
    ProbeAction, ServiceRole, Strength, Twin,
};
use rand_pcg::Pcg64Mcg;

use crate::RunConfig;
use crate::engine::{Injection, Interval, Mode, Plant, Role, TrialSpec, overlapping};
use crate::estimate::{LogHistogram, Welford};
use crate::policy::Policy;
use crate::random::{Purpose, lognormal_exceeds, lognormal_quantile, stream, uniform};
use crate::results::{
    EndpointResult, Estimate, Family, Mechanism, Recommendation, ScenarioResult, Statement,
};
use crate::run::{fold_trials, union_seconds};
use crate::schedule::duration_model;

const DAY: f64 = 86_400.0;
const MECHANISMS: [Mechanism; 6] = [
    Mechanism::Supervisor,
    Mechanism::Monitor,
    Mechanism::Human,
    Mechanism::SelfHealed,
    Mechanism::Restore,
    Mechanism::NoOutage,
];

/// When an injected failure happens.
#[derive(Clone, Copy, Debug)]
enum When {
    /// Uniformly over the year (away from its ends).
    Anytime,
    /// This many seconds after a randomly chosen backup run starts.
    IntoBackup(f64),
    /// At this local wall-clock time (seconds after midnight) on a randomly chosen day.
    LocalTime(u32),
}

/// A time effect sampled directly.
#[derive(Clone, Copy, Debug)]
enum Sampled {
    /// A run is skipped; the next comes `gap` seconds later than usual.
    Skipped { gap: f64, backup: bool },
    /// A run happens twice.
    Doubled,
    /// A run outlasts `limit` (its period, or the start of the working day).
    Outlasts { median: f64, sigma: f64, limit: f64 },
    /// Nights of failed backups until one succeeds.
    SilentBackup,
}

#[derive(Clone, Copy, Debug)]
enum How {
    Inject { node: usize, mode: Mode, when: When, data_at_risk: bool },
    Sample(Sampled),
}

struct Spec {
    id: String,
    family: Family,
    title: String,
    injected: Vec<usize>,
    mode: &'static str,
    how: How,
    occurrences: f64,
}

/// Running sums of one scenario's trials.
#[derive(Clone, Debug)]
struct Tally {
    recovery: LogHistogram,
    mechanisms: [u64; 6],
    endpoints: Vec<Welford>,
    production: Welford,
    data_loss: LogHistogram,
}

impl Tally {
    fn new(endpoints: usize) -> Tally {
        Tally {
            recovery: LogHistogram::default(),
            mechanisms: [0; 6],
            endpoints: vec![Welford::default(); endpoints],
            production: Welford::default(),
            data_loss: LogHistogram::default(),
        }
    }

    fn merge(&mut self, other: Tally) {
        self.recovery.merge(&other.recovery);
        for (a, b) in self.mechanisms.iter_mut().zip(other.mechanisms) {
            *a += b;
        }
        self.endpoints.iter_mut().zip(&other.endpoints).for_each(|(a, b)| a.merge(b));
        self.production.merge(&other.production);
        self.data_loss.merge(&other.data_loss);
    }

    fn mechanism(&mut self, mechanism: Mechanism) {
        if let Some(i) = MECHANISMS.iter().position(|&m| m == mechanism) {
            self.mechanisms[i] += 1;
        }
    }
}

fn is_web_like(role: Role) -> bool {
    matches!(
        role,
        Role::Service(
            ServiceRole::Web | ServiceRole::Bot | ServiceRole::Tunnel | ServiceRole::Worker
        )
    )
}

/// Builds the catalogue from the twin.
fn catalogue(twin: &Twin, plant: &Plant) -> Vec<Spec> {
    let p = &plant.params;
    let year = 365.0 * DAY;
    let per_year = |rate_per_second: f64| rate_per_second * year;
    let mut specs = Vec::new();
    let ids = |i: usize| plant.nodes[i].id.clone();
    let inject =
        |node, mode, data_at_risk| How::Inject { node, mode, when: When::Anytime, data_at_risk };

    for (i, node) in plant.nodes.iter().enumerate() {
        let component = &twin.components[i];
        match node.role {
            role if is_web_like(role) => {
                specs.push(Spec {
                    id: format!("service-crash/{}", node.id),
                    family: Family::ServiceCrash,
                    title: format!("{} crashes", component.name),
                    injected: vec![i],
                    mode: "crash",
                    how: inject(i, Mode::Crash, false),
                    occurrences: per_year(p.service_crash),
                });
                if role == Role::Service(ServiceRole::Tunnel) {
                    specs.push(Spec {
                        id: format!("network/tunnel-update-exit/{}", node.id),
                        family: Family::Network,
                        title: format!("{} exits with status 0 after an update", component.name),
                        injected: vec![i],
                        mode: "update-exit",
                        how: inject(i, Mode::Ends(Ending::CleanExit), false),
                        occurrences: per_year(p.tunnel_update),
                    });
                    specs.push(Spec {
                        id: format!("network/tunnel-disconnect/{}", node.id),
                        family: Family::Network,
                        title: format!("{} loses its edge connections", component.name),
                        injected: vec![i],
                        mode: "edge-disconnect",
                        how: inject(i, Mode::Blip { median: p.tunnel_reconnect }, false),
                        occurrences: per_year(p.tunnel_disconnect),
                    });
                }
            }
            Role::Service(ServiceRole::Database) => {
                specs.push(Spec {
                    id: format!("database/crash/{}", node.id),
                    family: Family::Database,
                    title: format!("{} crashes", component.name),
                    injected: vec![i],
                    mode: "crash",
                    how: inject(i, Mode::DatabaseCrash, false),
                    occurrences: per_year(p.database_crash),
                });
                if let Some(plan) = &plant.backup {
                    let window = p.backup_median / DAY;
                    let hhmm =
                        local_hhmm(plant, plan.firings.first().copied().unwrap_or(0.0) + 300.0);
                    specs.push(Spec {
                        id: format!("database/crash-during-backup/{}", node.id),
                        family: Family::Database,
                        title: format!(
                            "{} crashes at {hhmm}, while {} runs",
                            component.name, twin.components[plan.job].name
                        ),
                        injected: vec![i, plan.job],
                        mode: "crash-during-backup",
                        how: How::Inject {
                            node: i,
                            mode: Mode::DatabaseCrash,
                            when: When::IntoBackup(300.0),
                            data_at_risk: true,
                        },
                        occurrences: per_year(p.database_crash) * window,
                    });
                    specs.push(Spec {
                        id: format!("backup-recovery/restore/{}", node.id),
                        family: Family::BackupRecovery,
                        title: format!(
                            "{} is restored from the latest off-site dump",
                            component.name
                        ),
                        injected: vec![i],
                        mode: "restore",
                        how: inject(i, Mode::Restore, true),
                        occurrences: per_year(p.hardware_loss)
                            + if node.unsafe_writes {
                                per_year(p.database_crash) * p.corruption
                            } else {
                                0.0
                            },
                    });
                }
            }
            Role::Uplink | Role::Dns | Role::Power => {
                let (what, median, rate) = match node.role {
                    Role::Uplink => ("uplink", p.uplink_median, p.uplink_rate),
                    Role::Dns => ("dns", p.dns_median, p.dns_rate),
                    _ => ("power", p.power_median, p.power_rate),
                };
                specs.push(Spec {
                    id: format!("network/{what}-outage/{}", node.id),
                    family: Family::Network,
                    title: format!("{} outage", component.name),
                    injected: vec![i],
                    mode: "outage",
                    how: inject(i, Mode::Blip { median }, false),
                    occurrences: per_year(rate),
                });
            }
            Role::Api => specs.push(Spec {
                id: format!("dependency/{}", node.id),
                family: Family::DependencyFailure,
                title: format!("{} is unreachable", component.name),
                injected: vec![i],
                mode: "outage",
                how: inject(i, Mode::Blip { median: p.api_median }, false),
                occurrences: per_year(p.api_rate),
            }),
            Role::Volume => {
                let fill = node.fill_time.unwrap_or(f64::INFINITY);
                specs.push(Spec {
                    id: format!("disk-space/{}", node.id),
                    family: Family::DiskSpace,
                    title: format!("{} fills up", component.name),
                    injected: vec![i],
                    mode: "disk-full",
                    how: inject(i, Mode::DiskFull, false),
                    occurrences: fills_in_a_year(fill, year, p),
                });
            }
            Role::Host => {
                specs.push(Spec {
                    id: format!("machine-loss/{}", node.id),
                    family: Family::MachineLoss,
                    title: format!("{} is lost (disk or logic board)", twin.host.name),
                    injected: vec![i],
                    mode: "hardware-loss",
                    how: inject(i, Mode::HostLoss, true),
                    occurrences: per_year(p.hardware_loss),
                });
                if !plant.nodes.iter().any(|n| n.role == Role::Power) {
                    specs.push(Spec {
                        id: format!("network/power-outage/{}", node.id),
                        family: Family::Network,
                        title: "power outage".into(),
                        injected: vec![i],
                        mode: "outage",
                        how: inject(i, Mode::Blip { median: p.power_median }, false),
                        occurrences: per_year(p.power_rate),
                    });
                }
            }
            _ => {}
        }
    }

    // Memory pressure: the kernel's choice of victim depends on resident sizes the twin does
    // not have, so each long-running service is an equally likely victim and the host's rate
    // is split between them. What differs is whether its restart policy covers SIGKILL.
    let victims: Vec<usize> =
        (0..plant.len()).filter(|&i| is_web_like(plant.nodes[i].role)).collect();
    for &victim in &victims {
        specs.push(Spec {
            id: format!("memory-pressure/{}", ids(victim)),
            family: Family::MemoryPressure,
            title: format!("memory pressure kills {} (SIGKILL)", twin.components[victim].name),
            injected: vec![victim],
            mode: "memory-kill",
            how: inject(victim, Mode::Ends(Ending::Killed), false),
            occurrences: per_year(p.memory_kill) / victims.len() as f64,
        });
    }

    // Concurrent load: pools against max_connections, single workers under spikes.
    let available: Option<u32> = twin.components.iter().find_map(|c| match &c.kind {
        Kind::Service(s) => s
            .database
            .as_ref()
            .map(|db| db.max_connections.saturating_sub(db.superuser_reserved_connections)),
        _ => None,
    });
    let pooled: u32 = twin
        .components
        .iter()
        .filter_map(|c| match &c.kind {
            Kind::Service(s) => Some(
                s.pools.iter().map(|pool| pool.max_connections).sum::<u32>() * s.workers.max(1),
            ),
            _ => None,
        })
        .sum();
    // Pools that fit cannot exhaust the server: no scenario, rather than one that happens
    // zero times a year yet shows an outage.
    if let (Some(available), Some(db)) =
        (available, plant.nodes.iter().position(|n| n.role == Role::Service(ServiceRole::Database)))
        && pooled > available
    {
        specs.push(Spec {
            id: format!("concurrent-load/pool-exhaustion/{}", ids(db)),
            family: Family::ConcurrentLoad,
            title: format!(
                "a load spike opens every pool ({pooled} connections against {available} available)"
            ),
            injected: vec![db],
            mode: "overload",
            how: inject(db, Mode::Overload { median: p.spike_median }, false),
            // FIXME: every spike is taken to fill every pool when the pools can exceed the
            // server's limit; real spikes rarely hit all services at once.
            occurrences: per_year(p.spike_rate) * 0.5,
        });
    }
    for (i, component) in twin.components.iter().enumerate() {
        let Kind::Service(service) = &component.kind else {
            continue;
        };
        if service.role != ServiceRole::Web || plant.endpoints.is_empty() {
            continue;
        }
        let serves_production =
            plant.production.iter().any(|&e| plant.graph.closure(e).contains(&i));
        if !serves_production {
            continue;
        }
        let saturation = p.saturation / f64::from(service.workers.max(1));
        specs.push(Spec {
            id: format!("concurrent-load/saturation/{}", component.id),
            family: Family::ConcurrentLoad,
            title: format!(
                "a load spike saturates {} ({} worker{})",
                component.name,
                service.workers,
                if service.workers == 1 { "" } else { "s" }
            ),
            injected: vec![i],
            mode: "overload",
            how: inject(i, Mode::Overload { median: p.spike_median }, false),
            occurrences: per_year(p.spike_rate) * saturation,
        });
    }

    // Time effects and backups.
    let changes = plant.clock.dst_changes();
    for (i, component) in twin.components.iter().enumerate() {
        let Kind::Job(job) = &component.kind else {
            continue;
        };
        let firings = plant.clock.firings(&job.schedule);
        if firings.len() < 2 {
            continue;
        }
        let mut gaps: Vec<f64> = firings.windows(2).map(|w| w[1] - w[0]).collect();
        gaps.sort_by(f64::total_cmp);
        let period = gaps[gaps.len() / 2];
        let (median, sigma) = duration_model(plant, job.purpose);
        let is_backup = job.backup.is_some() || job.purpose == JobPurpose::Backup;

        for change in &changes {
            let start = plant.clock.midnight(change.date);
            let end = start + DAY;
            let on_day = firings.iter().filter(|&&t| t >= start && t < end).count();
            let normal =
                firings.iter().filter(|&&t| t >= start - 7.0 * DAY && t < end - 7.0 * DAY).count();
            if change.forward && on_day < normal {
                let worst_gap = gaps.last().copied().unwrap_or(period);
                specs.push(Spec {
                    id: format!("time/dst-skip/{}", component.id),
                    family: Family::TimeBased,
                    title: format!(
                        "{} does not run on {} (clocks spring forward)",
                        component.name, change.date
                    ),
                    injected: vec![i],
                    mode: "dst-skip",
                    how: How::Sample(Sampled::Skipped {
                        gap: worst_gap - period,
                        backup: is_backup,
                    }),
                    occurrences: (normal - on_day) as f64,
                });
            }
            if !change.forward && on_day > normal {
                specs.push(Spec {
                    id: format!("time/dst-double/{}", component.id),
                    family: Family::TimeBased,
                    title: format!(
                        "{} runs twice on {} (clocks fall back)",
                        component.name, change.date
                    ),
                    injected: vec![i],
                    mode: "dst-double",
                    how: How::Sample(Sampled::Doubled),
                    occurrences: (on_day - normal) as f64,
                });
            }
        }
        if job.lock.is_none() && period > 0.0 && job.purpose != JobPurpose::Backup {
            let chance = lognormal_exceeds(median, sigma, period);
            if job.purpose == JobPurpose::Sync || chance * firings.len() as f64 > 0.01 {
                specs.push(Spec {
                    id: format!("time/overlap/{}", component.id),
                    family: Family::TimeBased,
                    title: format!("two runs of {} overlap (no lock)", component.name),
                    injected: vec![i],
                    mode: "overlap",
                    how: How::Sample(Sampled::Outlasts { median, sigma, limit: period }),
                    occurrences: chance * firings.len() as f64,
                });
            }
        }
        if is_backup {
            let wake = f64::from(plant.params.wake_hour) * 3600.0;
            let start_of_day = firings.first().map_or(0.0, |&t| t.rem_euclid(DAY));
            let limit = (wake - start_of_day).rem_euclid(DAY).max(60.0);
            specs.push(Spec {
                id: format!("time/runs-long/{}", component.id),
                family: Family::TimeBased,
                title: format!("{} runs into the working day", component.name),
                injected: vec![i],
                mode: "runs-long",
                how: How::Sample(Sampled::Outlasts { median, sigma, limit }),
                occurrences: lognormal_exceeds(median, sigma, limit) * firings.len() as f64,
            });
            let silent = !job.backup.as_ref().is_some_and(|b| b.checks_errors);
            specs.push(Spec {
                id: format!("backup-recovery/silent-failure/{}", component.id),
                family: Family::BackupRecovery,
                title: if silent {
                    format!("{} fails without anyone noticing", component.name)
                } else {
                    format!("{} fails", component.name)
                },
                injected: vec![i],
                mode: "silent-failure",
                how: How::Sample(Sampled::SilentBackup),
                occurrences: firings.len() as f64 * plant.params.backup_failure,
            });
        }
        if job.date_stamp.is_some() {
            let to_midnight =
                firings.iter().map(|&t| DAY - t.rem_euclid(DAY)).fold(f64::INFINITY, f64::min);
            let chance = lognormal_exceeds(median, sigma, to_midnight);
            specs.push(Spec {
                id: format!("time/midnight-rollover/{}", component.id),
                family: Family::TimeBased,
                title: format!(
                    "a run of {} spans midnight and its dated names disagree",
                    component.name
                ),
                injected: vec![i],
                mode: "midnight-rollover",
                how: How::Sample(Sampled::Outlasts { median, sigma, limit: to_midnight }),
                occurrences: chance * 365.0,
            });
        }
    }
    specs
}

fn local_hhmm(plant: &Plant, t: f64) -> String {
    let stamp = jiff::Timestamp::from_second(plant.clock.start + t as i64);
    match stamp {
        Ok(ts) => {
            let dt = plant.clock.time_zone.to_datetime(ts);
            format!("{:02}:{:02}", dt.hour(), dt.minute())
        }
        Err(_) => "night".into(),
    }
}

/// Seconds into the year of `seconds` after local midnight on day `day` (0 = 1 January),
/// resolved through the clock so DST days keep the wall-clock time.
fn local_time_on(plant: &Plant, day: i64, seconds: u32) -> f64 {
    let (hour, minute) = ((seconds / 3600) as i8, ((seconds / 60) % 60) as i8);
    let date = jiff::civil::Date::new(plant.clock.year, 1, 1)
        .ok()
        .and_then(|first| first.checked_add(jiff::Span::new().days(day)).ok());
    let Some(date) = date else { return day as f64 * DAY + f64::from(seconds) };
    let mut out = Vec::new();
    plant.clock.resolve(
        date.at(hour, minute, 0, 0),
        drtwin_model::ScheduleSource::LaunchdCalendar,
        &mut out,
    );
    out.first().copied().unwrap_or_else(|| plant.clock.midnight(date) + f64::from(seconds))
}

/// Nights until a backup succeeds again (at least one failed).
fn failed_nights(plant: &Plant, rng: &mut Pcg64Mcg) -> f64 {
    let mut nights = 1.0;
    while nights < 365.0 && uniform(rng) < plant.params.backup_failure {
        nights += 1.0;
    }
    nights
}

/// One trial of a scenario.
#[allow(clippy::too_many_arguments)]
fn trial(
    plant: &Plant,
    spec: &Spec,
    config: &RunConfig,
    index: u64,
    trial: u64,
    tally: &mut Tally,
    scratch: &mut crate::engine::Scratch,
    buffer: &mut Vec<Interval>,
) {
    let mut rng =
        stream(config.seed ^ index.wrapping_mul(0x9e37), trial, usize::MAX, Purpose::Scenario);
    let length = plant.year_length();
    match spec.how {
        How::Inject { node, mode, when, data_at_risk } => {
            let at = match (when, &plant.backup) {
                (When::IntoBackup(offset), Some(plan)) if !plan.firings.is_empty() => {
                    let pick = (uniform(&mut rng) * (plan.firings.len() - 1) as f64) as usize;
                    plan.firings[pick
                        .clamp(7, plan.firings.len().saturating_sub(30).max(7))
                        .min(plan.firings.len() - 1)]
                        + offset
                }
                (When::LocalTime(seconds), _) => {
                    let days = (length / DAY).floor().max(48.0);
                    let day = 7.0 + (uniform(&mut rng) * (days - 40.0)).floor();
                    local_time_on(plant, day as i64, seconds)
                }
                _ => 7.0 * DAY + uniform(&mut rng) * (length - 40.0 * DAY),
            };
            let injection = Injection { node, mode, at };
            let run = TrialSpec {
                trial,
                background: false,
                injection: Some(injection),
                ..TrialSpec::default()
            };
            plant.run(config.seed, &run, scratch);

            let own = overlapping(&scratch.down[node], at - 1.0, length).copied();
            // Recovery counts from when the failure takes the component down: at once for
            // most, at the evening's restart for an update that waits for it.
            let start = own.map_or(at, |iv| iv.start.max(at));
            let mut latest: Option<Interval> = None;
            // Only what the injected failure started counts (a backup that merely ran long
            // in the same trial does not).
            let caused = |iv: &&Interval| spec.injected.contains(&(iv.cause as usize));
            for (k, &e) in plant.endpoints.iter().enumerate() {
                let intervals = &scratch.down[e];
                let seconds: f64 =
                    intervals.iter().filter(caused).map(|iv| iv.end - iv.start).sum();
                tally.endpoints[k].push(seconds);
                // The off-site copy's staleness ends the outage only when nothing else is down.
                let weight = if plant.offsite_endpoints.contains(&e) { 0.0 } else { 1.0 };
                for iv in intervals.iter().filter(caused).filter(|iv| iv.end > start - 1.0) {
                    let key = |iv: &Interval| (weight, iv.end);
                    if latest.is_none_or(|l: Interval| {
                        let best = (
                            if plant
                                .offsite_endpoints
                                .iter()
                                .any(|&o| scratch.down[o].iter().any(|x| x == &l))
                            {
                                0.0
                            } else {
                                1.0
                            },
                            l.end,
                        );
                        key(iv) > best
                    }) {
                        latest = Some(*iv);
                    }
                }
            }
            let ended = match (latest, own) {
                (Some(l), _) => Some(l),
                (None, Some(o)) => Some(o),
                (None, None) => None,
            };
            match ended {
                Some(iv) => {
                    let end = own.map_or(iv.end, |o| o.end.max(iv.end));
                    tally.recovery.push(end - start);
                    tally.mechanism(iv.mechanism);
                }
                None => {
                    tally.recovery.push(0.0);
                    tally.mechanism(Mechanism::NoOutage);
                }
            }
            tally.production.push(union_seconds(scratch, &plant.production, buffer, &|iv| {
                spec.injected.contains(&(iv.cause as usize))
            }));
            if data_at_risk {
                let age = plant.backup_age(&scratch.backups, at);
                let loss = match age {
                    Some(age) => {
                        // Nights that failed unnoticed before the loss make the copy older.
                        let extra = if uniform(&mut rng) < plant.params.backup_failure {
                            failed_nights(plant, &mut rng) * DAY
                        } else {
                            0.0
                        };
                        age + extra
                    }
                    None => length,
                };
                tally.data_loss.push(loss);
            }
        }
        How::Sample(sampled) => {
            let endpoints = plant.endpoints.len();
            let offsite = plant
                .offsite_endpoints
                .first()
                .and_then(|o| plant.endpoints.iter().position(|e| e == o));
            let mut stale = 0.0;
            match sampled {
                Sampled::Skipped { gap, backup } => {
                    tally.recovery.push(gap.max(0.0));
                    tally.mechanism(Mechanism::SelfHealed);
                    if backup {
                        let age = uniform(&mut rng) * DAY + gap;
                        tally.data_loss.push(age);
                        stale = (DAY + gap - plant.params.stale_after).max(0.0);
                    }
                }
                Sampled::Doubled => {
                    tally.recovery.push(0.0);
                    tally.mechanism(Mechanism::NoOutage);
                }
                Sampled::Outlasts { median, sigma, limit } => {
                    // A duration conditioned on exceeding the limit, by inverse CDF.
                    let below = 1.0 - lognormal_exceeds(median, sigma, limit);
                    let u = below + uniform(&mut rng) * (1.0 - below);
                    let duration = lognormal_quantile(median, sigma, u.min(1.0 - 1e-12));
                    tally.recovery.push((duration - limit).max(0.0));
                    tally.mechanism(Mechanism::SelfHealed);
                }
                Sampled::SilentBackup => {
                    let nights = failed_nights(plant, &mut rng);
                    tally.recovery.push(nights * DAY);
                    tally.mechanism(Mechanism::SelfHealed);
                    let age = nights * DAY + uniform(&mut rng) * DAY;
                    tally.data_loss.push(age);
                    stale = (nights * DAY + DAY - plant.params.stale_after).max(0.0);
                }
            }
            for k in 0..endpoints {
                tally.endpoints[k].push(if Some(k) == offsite { stale } else { 0.0 });
            }
            tally.production.push(0.0);
        }
    }
}

/// Runs every scenario of the catalogue; within a family the worst for production first.
pub fn run_all(
    twin: &Twin,
    plant: &Plant,
    config: &RunConfig,
    policy: &Policy,
    progress: &(dyn Fn(u64) + Sync),
) -> Vec<ScenarioResult> {
    let trials = config.scenario_trials.max(1);
    let mut results: Vec<ScenarioResult> = catalogue(twin, plant)
        .into_iter()
        .enumerate()
        .map(|(index, spec)| {
            let tally = fold_trials(
                plant,
                0,
                trials,
                progress,
                || Tally::new(plant.endpoints.len()),
                |tally, scratch, buffer, t| {
                    trial(plant, &spec, config, index as u64, t, tally, scratch, buffer);
                },
                |total, part| total.merge(part),
            );
            result(twin, plant, &spec, &tally, policy)
        })
        .collect();
    results.sort_by(|a, b| {
        a.family.cmp(&b.family).then_with(|| {
            b.yearly_production_minutes
                .value
                .total_cmp(&a.yearly_production_minutes.value)
                .then_with(|| a.id.cmp(&b.id))
        })
    });
    results
}

/// Names each endpoint's worst scenario: the most expected yearly downtime there.
pub fn attach_worst(endpoints: &mut [EndpointResult], scenarios: &[ScenarioResult]) {
    for endpoint in endpoints.iter_mut() {
        let mut worst: Option<(f64, &str)> = None;
        for scenario in scenarios {
            let Some((_, minutes)) =
                scenario.endpoints_down.iter().find(|(id, _)| *id == endpoint.id)
            else {
                continue;
            };
            let yearly = minutes.value * scenario.occurrences_per_year;
            if yearly > 0.0 && worst.is_none_or(|(w, _)| yearly > w) {
                worst = Some((yearly, &scenario.id));
            }
        }
        endpoint.worst_scenario = worst.map(|(_, id)| id.to_string());
    }
}

fn result(
    twin: &Twin,
    plant: &Plant,
    spec: &Spec,
    tally: &Tally,
    policy: &Policy,
) -> ScenarioResult {
    let n = tally.recovery.count().max(1) as f64;
    let recovered_by: Vec<(Mechanism, f64)> = MECHANISMS
        .iter()
        .zip(tally.mechanisms)
        .filter(|(_, count)| *count > 0)
        .map(|(&m, count)| (m, count as f64 / n))
        .collect();
    let endpoints_down = plant
        .endpoints
        .iter()
        .enumerate()
        .filter(|(k, _)| tally.endpoints[*k].mean > 0.0)
        .map(|(k, &e)| (plant.nodes[e].id.clone(), tally.endpoints[k].estimate(1.0 / 60.0)))
        .collect();
    let production = tally.production.estimate(1.0 / 60.0);
    let yearly = Estimate {
        value: production.value * spec.occurrences,
        low: production.low.max(0.0) * spec.occurrences,
        high: production.high * spec.occurrences,
    };
    let data_loss_window = (tally.data_loss.count() > 0).then(|| tally.data_loss.distribution(1.0));
    // Only a scenario that destroys the data loses it; a failed backup only widens the
    // window a later loss would have, so it is reported but not rated as a loss.
    let loses_data = matches!(spec.how, How::Inject { data_at_risk: true, .. });
    let rpo = policy.rpo_for(spec.family).secs();
    let beyond_rpo = loses_data
        && data_loss_window.as_ref().is_some_and(|d| d.mean.value > rpo)
        && spec.occurrences > 0.0;
    let risk =
        policy.risk_levels.level(drtwin_model::Duration::from_mins(yearly.value), beyond_rpo);
    let recovery_time = tally.recovery.distribution(1.0);
    let mut behavior = describe(twin, plant, spec);
    behavior.push(Statement {
        text: outcome_sentence(
            spec,
            &recovery_time,
            &recovered_by,
            production.value,
            &data_loss_window,
            loses_data,
            rpo,
        ),
        evidence: Vec::new(),
    });
    ScenarioResult {
        id: spec.id.clone(),
        family: spec.family,
        title: spec.title.clone(),
        injected: spec.injected.iter().map(|&i| plant.nodes[i].id.clone()).collect(),
        mode: spec.mode.to_string(),
        recovery_time,
        recovered_by,
        endpoints_down,
        data_loss_window,
        loses_data,
        occurrences_per_year: spec.occurrences,
        yearly_production_minutes: yearly,
        risk,
        behavior,
        recommendations: recommend(twin, plant, spec),
        requested: false,
    }
}

fn human(seconds: f64) -> String {
    drtwin_model::Duration::from_secs(seconds).human()
}

fn outcome_sentence(
    spec: &Spec,
    recovery: &crate::results::TimeDistribution,
    recovered_by: &[(Mechanism, f64)],
    production_minutes: f64,
    data_loss: &Option<crate::results::TimeDistribution>,
    loses_data: bool,
    rpo: f64,
) -> String {
    let mechanisms: Vec<String> = recovered_by
        .iter()
        .map(|(m, share)| format!("{} {:.0}%", mechanism_name(*m), share * 100.0))
        .collect();
    let mut text = format!(
        "In {} simulated occurrences, recovery took {} at the median and {} at the 90th \
         percentile (ended by: {}); production was down {:.1} min per occurrence on average, \
         about {:.2} occurrences a year.",
        recovery.samples,
        human(recovery.p50.value),
        human(recovery.p90.value),
        mechanisms.join(", "),
        production_minutes,
        spec.occurrences
    );
    match data_loss {
        Some(loss) if loses_data => text.push_str(&format!(
            " Data written in the last {} (median; {} at p90) before the failure would be lost; \
             the policy RPO is {}.",
            human(loss.p50.value),
            human(loss.p90.value),
            human(rpo)
        )),
        Some(loss) => text.push_str(&format!(
            " Nothing is lost by this failure itself, but until it is noticed the newest \
             off-site copy is {} old (median; {} at p90): what losing the machine then would \
             cost, against a policy RPO of {}.",
            human(loss.p50.value),
            human(loss.p90.value),
            human(rpo)
        )),
        None => {}
    }
    text
}

fn mechanism_name(mechanism: Mechanism) -> &'static str {
    match mechanism {
        Mechanism::Supervisor => "supervisor restart",
        Mechanism::Monitor => "monitor restart",
        Mechanism::Human => "a person",
        Mechanism::SelfHealed => "healed by itself",
        Mechanism::Restore => "hardware and restore",
        Mechanism::NoOutage => "no outage",
    }
}

fn cite(evidence: &[Evidence]) -> String {
    evidence.first().map(Evidence::cite).unwrap_or_else(|| "no file".into())
}

fn policy_sentence(component: &Component) -> Option<Statement> {
    let Kind::Service(service) = &component.kind else {
        return None;
    };
    let restart = &service.restart;
    let after = restart.restarts_after;
    let text = match &restart.keep_alive {
        _ if after == drtwin_model::Endings::ALL => format!(
            "{} has KeepAlive true: launchd restarts it after any exit, at most once \
             per ThrottleInterval ({}).",
            component.id,
            human(restart.throttle_interval.secs())
        ),
        KeepAlive::Absent | KeepAlive::Always(false) => format!(
            "{} has no KeepAlive: after it ends nothing restarts it until a \
             monitor's probe or a person does.",
            component.id
        ),
        _ => {
            let mut covered = Vec::new();
            let mut missed = Vec::new();
            for (ending, name) in [
                (Ending::ErrorExit, "an error exit"),
                (Ending::CrashSignal, "a crash signal"),
                (Ending::CleanExit, "exit status 0"),
                (Ending::Killed, "SIGKILL/SIGTERM"),
            ] {
                if after.covers(ending) { covered.push(name) } else { missed.push(name) }
            }
            format!(
                "{}'s KeepAlive conditions restart it after {} but not after {}.",
                component.id,
                if covered.is_empty() { "nothing".into() } else { covered.join(", ") },
                missed.join(", ")
            )
        }
    };
    Some(Statement { text, evidence: component.evidence.iter().take(1).cloned().collect() })
}

/// CURRENT BEHAVIOR statements from the twin's facts about the injected components.
fn describe(twin: &Twin, plant: &Plant, spec: &Spec) -> Vec<Statement> {
    let mut statements = Vec::new();

    // Scenarios whose mechanism lies outside the injected component get its facts first.
    if spec.mode == "overload" && spec.id.starts_with("concurrent-load/pool-exhaustion/") {
        statements.extend(pool_statement(twin));
    }
    if matches!(spec.mode, "restore" | "crash-during-backup")
        && let Some(plan) = &plant.backup
    {
        statements.extend(backup_statements(twin, plan.job));
    }
    for &i in &spec.injected {
        let component = &twin.components[i];
        if let Some(statement) = policy_sentence(component) {
            statements.push(statement);
        }
        for &probe_index in &plant.nodes[i].probes {
            let probe = &plant.probes[probe_index];
            let dependency = &twin.dependencies[probe.dependency];
            let action = match probe.action {
                ProbeAction::Restart => "restarts it",
                ProbeAction::Alert => "sends an alert",
                ProbeAction::Nothing => "only logs",
            };
            statements.push(Statement {
                text: format!(
                    "{} probes {} every {} and {action} when the probe fails.",
                    dependency.from,
                    dependency.to,
                    human(probe.period),
                ),
                evidence: dependency.evidence.clone(),
            });
        }
        if plant.nodes[i].probes.is_empty() && matches!(plant.nodes[i].role, Role::Service(_)) {
            statements.push(Statement {
                text: format!("No monitor probes {}.", component.id),
                evidence: Vec::new(),
            });
        }
        let dependents: Vec<&Dependency> = twin
            .dependencies
            .iter()
            .filter(|d| d.to == component.id && matches!(d.kind, Edge::Requires(_)))
            .collect();
        for dependency in dependents.iter().take(8) {
            let Edge::Requires(requirement) = &dependency.kind else {
                continue;
            };
            let what = match (requirement.strength, &requirement.timeout) {
                (Strength::Hard, None)
                    if is_process_id(twin, &dependency.from)
                        && matches!(component.kind, Kind::Service(_) | Kind::ExternalApi(_)) =>
                {
                    "needs it and calls it without a timeout: it hangs while it is down and stays \
                     hung after it returns until something restarts it"
                        .to_string()
                }
                (Strength::Hard, Some(t)) if t.secs() == 0.0 => {
                    "needs it: its calls are refused at once while it is down, so it is down \
                     while it is down and back when it returns"
                        .to_string()
                }
                (Strength::Hard, Some(t)) => {
                    format!(
                        "needs it (calls time out after {}): down while it is down",
                        human(t.secs())
                    )
                }
                (Strength::Hard, None) => {
                    "needs it, and a call without a timeout hangs: down while it is down, and \
                     possibly after"
                        .to_string()
                }
                (Strength::Degrades, _) => "works worse while it is down".to_string(),
                (Strength::Fallback, _) => {
                    "falls back (cached data or a queue) while it is down".to_string()
                }
            };
            statements.push(Statement {
                text: format!("{} {what}.", dependency.from),
                evidence: dependency.evidence.clone(),
            });
        }
        // What the static findings already say about this component (or, for a power cut,
        // about the machine that has to come back up) belongs to its current behaviour.
        let concerned: &[&str] = match &component.kind {
            Kind::Network(NetworkKind::Power) => &["host"],
            _ => &[],
        };
        // Findings that repeat what the statements above already say (the restart policy,
        // what each probe does) are left out.
        let said_above: &[&str] = &["no-keepalive", "keepalive-partial", "monitor-alert-only"];
        let mut related: Vec<&drtwin_model::Finding> = twin
            .findings
            .iter()
            .filter(|finding| {
                finding
                    .component
                    .as_deref()
                    .is_some_and(|id| id == component.id || concerned.contains(&id))
                    && !said_above.contains(&finding.code.as_str())
            })
            .collect();
        related.sort_by(|a, b| b.level.cmp(&a.level).then_with(|| a.code.cmp(&b.code)));
        for finding in related.into_iter().take(3) {
            let text = finding.title.clone();
            if !statements.iter().any(|statement: &Statement| statement.text == text) {
                statements.push(Statement { text, evidence: finding.evidence.clone() });
            }
        }

        match &component.kind {
            Kind::Job(job) => {
                if let Some(backup) = &job.backup {
                    let text = format!(
                        "{} runs `{}`; off-site copy: {}; it {} on a failed step.",
                        component.id,
                        job.schedule.text,
                        backup
                            .offsite
                            .as_ref()
                            .map(|o| format!("{} {} to {}", o.tool, o.mode, o.remote))
                            .unwrap_or_else(|| "none".into()),
                        if backup.checks_errors { "stops" } else { "does not stop or alert" }
                    );
                    statements.push(Statement { text, evidence: component.evidence.clone() });
                } else {
                    let lock = match &job.lock {
                        None => "no lock".to_string(),
                        Some(Lock::Supervisor) => "launchd's single instance".to_string(),
                        Some(lock) => format!("{lock:?}"),
                    };
                    statements.push(Statement {
                        text: format!("{} runs `{}` with {lock}.", component.id, job.schedule.text),
                        evidence: component.evidence.clone(),
                    });
                }
            }
            Kind::Volume(volume) => {
                let text = match (volume.free_bytes, plant.nodes[i].fill_time) {
                    (Some(free), Some(fill)) => format!(
                        "{} has {:.1} GB free and fills at the measured growth in about {}; a \
                         full disk stops the database writing to it.",
                        volume.mount,
                        free as f64 / 1e9,
                        human(fill)
                    ),
                    _ => format!("{}: no free-space or growth figures were found.", volume.mount),
                };
                statements.push(Statement { text, evidence: component.evidence.clone() });
            }
            Kind::Host if spec.mode == "os-update-reboot" => {
                let agents = plant.nodes.iter().filter(|n| n.agent && n.on_host).count();
                statements.push(Statement {
                    text: format!(
                        "{} restarts for a macOS update about {:.0} times a year (taken to be \
                         installed at 20:00 by someone present); after the boot {agents} \
                         LaunchAgents wait for a GUI login, which FileVault without automatic \
                         login requires.",
                        twin.host.name,
                        plant.params.reboot_rate * 365.0 * DAY
                    ),
                    evidence: vec![
                        Evidence::assumption("os-update-reboot-rate"),
                        Evidence::assumption("auto-login-probability"),
                    ],
                });
            }
            Kind::Host if plant.backup.as_ref().is_none_or(|plan| !plan.offsite) => {
                statements.push(Statement {
                    text: format!(
                        "Everything runs on {}: its loss means buying and setting up a new \
                         machine ({} + {} assumed), and no backup is copied off the machine, \
                         so its data is lost with it.",
                        twin.host.name,
                        human(plant.params.procurement),
                        human(plant.params.install),
                    ),
                    evidence: vec![Evidence::assumption("hardware-procurement-time")],
                });
            }
            Kind::Host => {
                let restore = plant.restore_time();
                statements.push(Statement {
                    text: format!(
                        "Everything runs on {}: its loss means buying and setting up a new \
                         machine ({} + {} assumed) and restoring the latest off-site dump ({}).",
                        twin.host.name,
                        human(plant.params.procurement),
                        human(plant.params.install),
                        human(restore)
                    ),
                    evidence: vec![
                        Evidence::assumption("hardware-procurement-time"),
                        Evidence::assumption("restore-speed"),
                    ],
                });
            }
            _ => {}
        }
    }
    statements
}

/// Connections the services' pools may open (per worker process) against what the database
/// accepts, with the lines that say so.
fn pool_statement(twin: &Twin) -> Option<Statement> {
    let mut evidence = Vec::new();
    let mut parts = Vec::new();
    let mut total = 0u32;
    let mut limit = None;
    for component in &twin.components {
        let Kind::Service(service) = &component.kind else { continue };
        if let Some(database) = &service.database {
            let available =
                database.max_connections.saturating_sub(database.superuser_reserved_connections);
            limit = Some(available);
            if let Some((_, line)) =
                database.evidence.iter().find(|(name, _)| name == "max_connections")
            {
                evidence.push(line.clone());
            }
        }
        let per_process: u32 = service.pools.iter().map(|pool| pool.max_connections).sum();
        if per_process == 0 {
            continue;
        }
        let opened = per_process * service.workers.max(1);
        total += opened;
        parts.push(format!("{} {opened}", component.name));
        evidence.extend(service.pools.iter().map(|pool| pool.evidence.clone()));
    }
    let limit = limit?;
    evidence.dedup();
    evidence.truncate(10);
    Some(Statement {
        text: format!(
            "The services' connection pools may open {total} connections ({}) while the \
             database accepts {limit} for applications; past that, new connections fail with \
             \"too many clients\" and requests wait for the pool timeout",
            parts.join(", ")
        ),
        evidence,
    })
}

/// What the backup job does and what the scan found wrong with it.
fn backup_statements(twin: &Twin, job: usize) -> Vec<Statement> {
    let component = &twin.components[job];
    let Kind::Job(details) = &component.kind else { return Vec::new() };
    let mut statements = Vec::new();
    if let Some(backup) = &details.backup {
        let offsite = backup
            .offsite
            .as_ref()
            .map(|copy| format!("{} {} to {}", copy.tool, copy.mode, copy.remote))
            .unwrap_or_else(|| "no off-site copy".into());
        let kept = backup
            .retention_days
            .map(|days| format!("{days} days kept locally"))
            .unwrap_or_else(|| "no local retention found".into());
        statements.push(Statement {
            text: format!(
                "{} runs `{}`: {} dump, {offsite}, {kept}",
                component.name,
                details.schedule.text,
                backup.dump_format.as_deref().unwrap_or("unknown-format")
            ),
            evidence: component.evidence.iter().take(2).cloned().collect(),
        });
    }
    let mut related: Vec<&drtwin_model::Finding> = twin
        .findings
        .iter()
        .filter(|finding| finding.component.as_deref() == Some(component.id.as_str()))
        .collect();
    related.sort_by(|a, b| b.level.cmp(&a.level).then_with(|| a.code.cmp(&b.code)));
    statements.extend(related.into_iter().take(3).map(|finding| Statement {
        text: finding.title.clone(),
        evidence: finding.evidence.clone(),
    }));
    statements
}

fn is_process_id(twin: &Twin, id: &str) -> bool {
    matches!(twin.component(id).map(|c| &c.kind), Some(Kind::Service(_)))
}

/// Rule-based recommendations for the injected components.
fn recommend(twin: &Twin, plant: &Plant, spec: &Spec) -> Vec<Recommendation> {
    let mut out = Vec::new();
    let mut add = |text: String, change: Option<String>| {
        if !out.iter().any(|r: &Recommendation| r.text == text) {
            out.push(Recommendation {
                text,
                change,
                effect_minutes_per_year: None,
                baseline_minutes_per_year: None,
            });
        }
    };
    for &i in &spec.injected {
        let component = &twin.components[i];
        match &component.kind {
            Kind::Service(service) => {
                if service.restart.restarts_after != drtwin_model::Endings::ALL
                    && service.role != ServiceRole::Database
                {
                    add(
                        format!(
                            "Set KeepAlive to true for {} ({}) so launchd restarts it after any \
                             exit, including exit 0 and SIGKILL.",
                            component.id,
                            cite(&component.evidence)
                        ),
                        Some(format!(
                            "SetKeepAlive(service: \"{}\", keep_alive: Always(true))",
                            component.id
                        )),
                    );
                }
                if !plant.nodes[i].probes.iter().any(|&p| plant.probes[p].action == ProbeAction::Restart) {
                    // The monitor that already restarts something is the watchdog to extend.
                    let watchdog = plant
                        .probes
                        .iter()
                        .find(|p| p.action == ProbeAction::Restart)
                        .map(|p| plant.nodes[p.monitor].id.clone());
                    add(
                        format!("Add {} to the watchdog's restart list, probing its health URL.", component.id),
                        watchdog.map(|monitor| format!(
                            "AddProbe(monitor: \"{monitor}\", target: \"{}\", period: \"2m\", action: Restart)",
                            component.id
                        )),
                    );
                }
                for dependency in &twin.dependencies {
                    if let Edge::Requires(r) = &dependency.kind
                        && dependency.to == component.id && r.strength == Strength::Hard && r.timeout.is_none()
                            && is_process_id(twin, &dependency.from)
                        {
                            add(
                                format!(
                                    "Give {}'s calls to {} a timeout (e.g. connect_timeout=5) so it \
                                     fails fast and recovers when {} returns ({}).",
                                    dependency.from,
                                    dependency.to,
                                    dependency.to,
                                    cite(&dependency.evidence)
                                ),
                                Some(format!(
                                    "AddTimeout(from: \"{}\", to: \"{}\", timeout: \"5s\")",
                                    dependency.from, dependency.to
                                )),
                            );
                        }
                }
                if spec.family == Family::ConcurrentLoad {
                    add(
                        "Keep the sum of connection pools below max_connections minus reserved \
                         connections, and run uvicorn with --workers 2 or more."
                            .into(),
                        None,
                    );
                }
            }
            Kind::Network(NetworkKind::Uplink) => add(
                "Add a second uplink (an LTE failover router) and let the tunnel use either.".into(),
                Some(format!("AddAlternative(component: \"{}\", alternative: \"net:lte\")", component.id)),
            ),
            Kind::Network(NetworkKind::Power) => add(
                "Put the machine and router on a UPS with about 2 h of runtime, longer than most \
                 outages."
                    .into(),
                Some("AddUps(runtime: \"2h\")".into()),
            ),
            Kind::Network(NetworkKind::Dns) => add(
                "Configure a second DNS resolver.".into(),
                None,
            ),
            Kind::ExternalApi(api) => add(
                format!(
                    "Make callers of {} fall back to cached data or queue work while it is down, \
                     with short timeouts.",
                    api.host
                ),
                None,
            ),
            Kind::Volume(_) => add(
                "Rotate logs with newsyslog (count and size limits) and alert on free space below 15%."
                    .into(),
                None,
            ),
            Kind::Host => add(
                // The measured change is the database's standby alone (what a change file can
                // express), so the text says that is what its effect covers.
                "Run a standby of the database on a second machine (its measured effect below \
                 is that standby alone: the services still wait for this machine or a rebuild), \
                 and keep a tested restore runbook with an hourly off-site WAL or dump copy."
                    .into(),
                // A standby of the database on another machine is the part a change file
                // can express; the rest of the machine is rebuilt from the runbook.
                twin.components
                    .iter()
                    .find(|c| matches!(&c.kind, Kind::Service(s) if s.role == ServiceRole::Database))
                    .map(|db| format!("AddStandby(component: \"{}\", failover: \"15m\")", db.id)),
            ),
            Kind::Job(job) => {
                if let Some(backup) = &job.backup
                    && !backup.checks_errors {
                        add(
                            format!(
                                "Make {} stop on errors (set -euo pipefail) and alert when the \
                                 dump or the off-site copy fails.",
                                component.id
                            ),
                            None,
                        );
                    }
                if job.lock.is_none() && spec.mode == "overlap" {
                    add(
                        format!("Run {} under flock so two runs never overlap.", component.id),
                        Some(format!("AddLock(job: \"{}\", lock: Flock(\"/tmp/{}.lock\"))", component.id, component.name)),
                    );
                }
                if spec.mode.starts_with("dst") {
                    add(
                        format!("Move {} out of 01:00–02:59 local time, or schedule it in UTC.", component.id),
                        Some(format!("MoveSchedule(job: \"{}\", cron: \"30 3 * * *\")", component.id)),
                    );
                }
                if spec.mode == "midnight-rollover" {
                    add(
                        "Compute the date stamp once at the start of the run and reuse it.".into(),
                        None,
                    );
                }
            }
            _ => {}
        }
    }
    if matches!(spec.how, How::Inject { data_at_risk: true, .. }) {
        add("Test a restore of the latest off-site dump every month and time it.".into(), None);
    }
    out
}

/// Every failure mode: (component kind, mode, what happens). `drtwin simulate --list-modes`
/// prints this table and `--inject` accepts exactly its mode names; a kind also takes the
/// modes of the kinds it refines (`service/database` those of `service`).
pub(crate) const MODES: &[(&str, &str, &str)] = &[
    ("service", "crash", "exits with an error, a crash signal or status 0 (assumed mix)"),
    ("service", "memory-kill", "SIGKILL under memory pressure; KeepAlive Crashed misses it"),
    ("service", "hang", "stops answering without exiting; only a probe or a person helps"),
    ("service", "overload", "a load spike saturates its workers or pools for a while"),
    ("service/tunnel", "update-exit", "exits with status 0 after an update"),
    ("service/tunnel", "edge-disconnect", "loses its edge connections and reconnects"),
    ("service/database", "crash", "crash, respawn and WAL crash recovery"),
    ("service/database", "crash-during-backup", "crash at 03:05 while the dump runs"),
    ("service/database", "restore", "restore from the latest off-site dump"),
    ("host", "hardware-loss", "disk or logic board: replace, reinstall, restore"),
    ("host", "os-update-reboot", "restart for an update; agents need a GUI login"),
    ("network/power", "outage", "host down for the outage and a boot"),
    ("network/uplink", "outage", "no traffic in or out"),
    ("network/dns", "outage", "names do not resolve"),
    ("external-api", "outage", "the vendor's API is down (duration law from the assumptions)"),
    ("volume", "disk-full", "writes fail; the database stops until cleaned up"),
    ("job/backup", "silent-failure", "a night's dump or copy fails without telling anyone"),
    ("job/backup", "runs-long", "the backup runs into the working day"),
    ("job", "dst-skip", "cron skips a run in the spring-forward gap"),
    ("job", "dst-double", "cron runs twice in the fall-back repeat"),
    ("job/sync", "overlap", "a run without a lock outlasts its period"),
    ("job", "midnight-rollover", "a run spans midnight and its date-stamped names disagree"),
];

/// How often a volume that fills in `fill` seconds at the measured growth fills within a
/// year that starts from the scanned free space, as the engine runs it: the k-th fill comes
/// after k fills and k − 1 clean-ups, with one growth factor (lognormal, median 1) drawn per
/// year. The clean-up is taken at its assumed median times (unnoticed delay, fix, clean-up).
fn fills_in_a_year(fill: f64, year: f64, p: &crate::engine::Params) -> f64 {
    if !fill.is_finite() || fill <= 0.0 {
        return 0.0;
    }
    let cleanup = p.unalerted + p.fix_time + p.cleanup;
    let mut expected = 0.0;
    for k in 1..=10_000u32 {
        let k = f64::from(k);
        let room = year - (k - 1.0) * cleanup;
        if room <= 0.0 {
            break;
        }
        // P(k · fill · factor ≤ room) for the year's growth factor.
        let chance = 1.0 - lognormal_exceeds(1.0, p.growth_spread, room / (k * fill));
        expected += chance;
        if chance < 1e-9 {
            break;
        }
    }
    expected
}

/// Seconds after the start of a backup run at which `@backup` (and `crash-during-backup`)
/// injects the failure.
const INTO_BACKUP: f64 = 300.0;

/// When a requested failure happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InjectWhen {
    /// At this local time (the host's zone) on a day chosen per trial.
    At { hour: u8, minute: u8 },
    /// Five minutes into a nightly backup run chosen per trial.
    Backup,
}

impl std::fmt::Display for InjectWhen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InjectWhen::At { hour, minute } => write!(f, "{hour:02}:{minute:02}"),
            InjectWhen::Backup => f.write_str("backup"),
        }
    }
}

/// One failure asked for as `COMPONENT:MODE[@WHEN]`, e.g.
/// `launchd:homebrew.mxcl.postgresql@16:crash@03:05`, `net:dns:outage`, `volume:/:disk-full`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InjectRequest {
    pub component: String,
    pub mode: String,
    pub when: Option<InjectWhen>,
}

impl InjectRequest {
    /// The stable id of its scenario: `inject/<component>/<mode>[@when]`.
    pub fn scenario_id(&self) -> String {
        match &self.when {
            Some(when) => format!("inject/{}/{}@{when}", self.component, self.mode),
            None => format!("inject/{}/{}", self.component, self.mode),
        }
    }
}

impl std::str::FromStr for InjectRequest {
    type Err = crate::SimError;

    /// The WHEN is what follows the last `@`, unless that has a colon and letters
    /// (`postgresql@16:crash`) or is a bare number (`postgresql@16`): those `@` belong to the
    /// component id. So `03:05`, `backup`, and wrong times to complain about (`-1:00`,
    /// `3pm`) are WHENs. The mode is what follows the last `:` before it; the component is
    /// everything before that.
    fn from_str(text: &str) -> Result<InjectRequest, crate::SimError> {
        let bad = |message: String| crate::SimError::BadInjection { input: text.into(), message };
        let (rest, when) = match text.rsplit_once('@') {
            Some((rest, suffix))
                if !suffix.is_empty()
                    && if suffix.contains(':') {
                        !suffix.chars().any(|c| c.is_ascii_alphabetic())
                    } else {
                        !suffix.chars().all(|c| c.is_ascii_digit())
                    } =>
            {
                (rest, Some(parse_when(suffix).map_err(bad)?))
            }
            _ => (text, None),
        };
        let Some((component, mode)) = rest.rsplit_once(':') else {
            return Err(bad("expected COMPONENT:MODE[@WHEN]".into()));
        };
        if component.is_empty() || mode.is_empty() {
            return Err(bad("expected COMPONENT:MODE[@WHEN]".into()));
        }
        Ok(InjectRequest { component: component.into(), mode: mode.into(), when })
    }
}

fn parse_when(text: &str) -> Result<InjectWhen, String> {
    if text == "backup" {
        return Ok(InjectWhen::Backup);
    }
    let wrong = || format!("`{text}` is not a time: give HH:MM (local, 00:00-23:59) or `backup`");
    let (hour, minute) = text.split_once(':').ok_or_else(wrong)?;
    if hour.is_empty() || hour.len() > 2 || minute.len() != 2 {
        return Err(wrong());
    }
    let hour: u8 = hour.parse().map_err(|_| wrong())?;
    let minute: u8 = minute.parse().map_err(|_| wrong())?;
    if hour > 23 || minute > 59 {
        return Err(wrong());
    }
    Ok(InjectWhen::At { hour, minute })
}

/// The kind of a component as the mode table names it.
fn kind_name(twin: &Twin, plant: &Plant, i: usize) -> &'static str {
    match plant.nodes[i].role {
        Role::Service(ServiceRole::Database) => "service/database",
        Role::Service(ServiceRole::Tunnel) => "service/tunnel",
        Role::Service(_) => "service",
        Role::Host => "host",
        Role::Power => "network/power",
        Role::Uplink => "network/uplink",
        Role::Dns => "network/dns",
        Role::Api => "external-api",
        Role::Volume => "volume",
        Role::Job => match &twin.components[i].kind {
            Kind::Job(job) if job.backup.is_some() || job.purpose == JobPurpose::Backup => {
                "job/backup"
            }
            Kind::Job(job) if job.purpose == JobPurpose::Sync => "job/sync",
            _ => "job",
        },
        Role::Monitor => "monitor",
        Role::Endpoint(_) => "endpoint",
        Role::Other => "other",
    }
}

/// The modes a kind accepts, its own first, each name once.
pub fn modes_for_kind(kind: &str) -> Vec<&'static str> {
    let mut kinds: Vec<&str> = vec![kind];
    let mut rest = kind;
    while let Some((parent, _)) = rest.rsplit_once('/') {
        kinds.push(parent);
        rest = parent;
    }
    let mut modes: Vec<&'static str> = Vec::new();
    for k in kinds {
        for &(_, mode, _) in MODES.iter().filter(|(table, _, _)| *table == k) {
            if !modes.contains(&mode) {
                modes.push(mode);
            }
        }
    }
    modes
}

/// The catalogue entry `request` names, checked against the twin.
fn injected_spec(
    twin: &Twin,
    plant: &Plant,
    request: &InjectRequest,
) -> Result<Spec, crate::SimError> {
    let Some(i) = twin.components.iter().position(|c| c.id == request.component) else {
        // `launchd:homebrew.mxcl.postgresql@16` alone splits into a component and a "mode":
        // the whole is a component that lacks its mode.
        let whole = format!("{}:{}", request.component, request.mode);
        if let Some(i) = twin.components.iter().position(|c| c.id == whole) {
            let modes = modes_for_kind(kind_name(twin, plant, i));
            return Err(crate::SimError::BadInjection {
                input: whole.clone(),
                message: format!(
                    "it names a component but no mode: add one, e.g. `{whole}:{}` (its modes: \
                     {})",
                    modes.first().unwrap_or(&"MODE"),
                    modes.join(", ")
                ),
            });
        }
        let known = (0..twin.components.len())
            .filter(|&i| !modes_for_kind(kind_name(twin, plant, i)).is_empty())
            .map(|i| twin.components[i].id.clone())
            .collect();
        return Err(crate::SimError::UnknownComponent {
            component: request.component.clone(),
            known,
        });
    };
    let kind = kind_name(twin, plant, i);
    let valid = modes_for_kind(kind);
    let invalid = |reason: &str| crate::SimError::InvalidMode {
        component: request.component.clone(),
        kind: kind.to_string(),
        mode: request.mode.clone(),
        reason: reason.to_string(),
        valid: valid.iter().map(|m| m.to_string()).collect(),
    };
    let Some(&mode) = valid.iter().find(|&&m| m == request.mode) else {
        return Err(invalid("is not a mode of this kind"));
    };
    if mode == "crash-during-backup" && request.when.is_some() {
        return Err(invalid("already happens five minutes into the backup: use `crash@HH:MM`"));
    }
    // The most specific table row that has the mode decides what it does.
    let (row, what) = std::iter::successors(Some(kind), |k| k.rsplit_once('/').map(|(p, _)| p))
        .find_map(|k| {
            MODES.iter().find(|(table, m, _)| *table == k && *m == mode).map(|r| (r.0, r.2))
        })
        .unwrap_or((kind, ""));
    let p = &plant.params;
    let (family, engine_mode, data_at_risk, into_backup) = match (row, mode) {
        ("service/database", "crash") => (Family::Database, Mode::DatabaseCrash, false, false),
        ("service/database", "crash-during-backup") => {
            (Family::Database, Mode::DatabaseCrash, true, true)
        }
        ("service/database", "restore") => (Family::BackupRecovery, Mode::Restore, true, false),
        ("service", "crash") => (Family::ServiceCrash, Mode::Crash, false, false),
        ("service", "memory-kill") => {
            (Family::MemoryPressure, Mode::Ends(Ending::Killed), false, false)
        }
        ("service", "hang") => (Family::ServiceCrash, Mode::Hang, false, false),
        ("service", "overload") => {
            (Family::ConcurrentLoad, Mode::Overload { median: p.spike_median }, false, false)
        }
        ("service/tunnel", "update-exit") => {
            (Family::Network, Mode::Ends(Ending::CleanExit), false, false)
        }
        ("service/tunnel", "edge-disconnect") => {
            (Family::Network, Mode::Blip { median: p.tunnel_reconnect }, false, false)
        }
        ("host", "hardware-loss") => (Family::MachineLoss, Mode::HostLoss, true, false),
        ("host", "os-update-reboot") => (Family::MachineLoss, Mode::Reboot, false, false),
        ("network/power", _) => {
            (Family::Network, Mode::Blip { median: p.power_median }, false, false)
        }
        ("network/uplink", _) => {
            (Family::Network, Mode::Blip { median: p.uplink_median }, false, false)
        }
        ("network/dns", _) => (Family::Network, Mode::Blip { median: p.dns_median }, false, false),
        ("external-api", _) => {
            (Family::DependencyFailure, Mode::Blip { median: p.api_median }, false, false)
        }
        ("volume", _) => (Family::DiskSpace, Mode::DiskFull, false, false),
        _ => {
            // A job's time effect is sampled from its schedule: only the catalogue's own
            // entry for this job has the numbers, and it has no time of day to move.
            if request.when.is_some() {
                return Err(invalid("is a schedule effect and takes no @WHEN"));
            }
            let Some(found) = catalogue(twin, plant)
                .into_iter()
                .find(|s| s.injected.first() == Some(&i) && s.mode == mode)
            else {
                return Err(invalid("cannot happen to this job (its schedule never meets it)"));
            };
            return Ok(Spec {
                id: request.scenario_id(),
                title: format!("{} (injected)", found.title),
                ..found
            });
        }
    };
    let backup_needed = into_backup || request.when == Some(InjectWhen::Backup);
    if backup_needed && plant.backup.as_ref().is_none_or(|plan| plan.firings.is_empty()) {
        return Err(invalid("needs a nightly backup job, and the twin has none"));
    }
    let when = match request.when {
        Some(InjectWhen::At { hour, minute }) => {
            When::LocalTime(u32::from(hour) * 3600 + u32::from(minute) * 60)
        }
        Some(InjectWhen::Backup) => When::IntoBackup(INTO_BACKUP),
        None if into_backup => When::IntoBackup(INTO_BACKUP),
        None => When::Anytime,
    };
    let mut injected = vec![i];
    if backup_needed && let Some(plan) = &plant.backup {
        injected.push(plan.job);
    }
    let at = match request.when {
        Some(InjectWhen::Backup) => " during the nightly backup".to_string(),
        Some(when) => format!(" at {when}"),
        None => String::new(),
    };
    // The injected failure happens as often as the catalogue's failure of the same component
    // and mode, so its yearly figure and risk level read "if every such failure went like
    // this one". It is added after the policy checks and each endpoint's worst scenario are
    // worked out, so it counts in neither twice.
    let year = 365.0 * DAY;
    let occurrences = catalogue(twin, plant)
        .into_iter()
        .find(|s| s.injected.first() == Some(&i) && s.mode == mode)
        .map(|s| s.occurrences)
        .or_else(|| {
            // Not in the catalogue (a memory kill of the database): the node's own rate.
            let rated = plant.nodes[i].modes.iter().find(|rated| rated.mode == engine_mode)?;
            Some(rated.rate * year)
        })
        .unwrap_or(0.0);
    Ok(Spec {
        id: request.scenario_id(),
        family,
        title: format!("{}: {what}{at} (injected)", twin.components[i].name),
        injected,
        mode,
        how: How::Inject { node: i, mode: engine_mode, when, data_at_risk },
        occurrences,
    })
}

/// Checks `request` against the twin before any trial runs.
pub(crate) fn resolve_injection(
    twin: &Twin,
    plant: &Plant,
    request: &InjectRequest,
) -> Result<(), crate::SimError> {
    injected_spec(twin, plant, request).map(|_| ())
}

/// Runs the scenario `request` names, its trials conditioned on that one failure.
pub fn run_injected(
    twin: &Twin,
    plant: &Plant,
    config: &RunConfig,
    policy: &Policy,
    request: &InjectRequest,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<ScenarioResult, crate::SimError> {
    let spec = injected_spec(twin, plant, request)?;
    // Its own random streams, apart from every catalogue index.
    let index = u64::MAX;
    let tally = fold_trials(
        plant,
        0,
        config.scenario_trials.max(1),
        progress,
        || Tally::new(plant.endpoints.len()),
        |tally, scratch, buffer, t| trial(plant, &spec, config, index, t, tally, scratch, buffer),
        |total, part| total.merge(part),
    );
    Ok(ScenarioResult { requested: true, ..result(twin, plant, &spec, &tally, policy) })
}

#[cfg(test)]
mod inject_tests {
    use super::*;

    #[test]
    fn a_local_time_stays_on_the_wall_clock_all_year() {
        let twin = crate::testing::reference_twin();
        let clock = crate::calendar::Clock::new(&twin.host.time_zone, 2027).unwrap();
        let params = crate::engine::Params::new(&crate::Assumptions::shipped());
        let plant = Plant::new(&twin, params, clock);
        for day in 0..360 {
            let t = local_time_on(&plant, day, 3 * 3600 + 5 * 60);
            assert_eq!(plant.clock.local(t).0, 3, "day {day}");
            assert!(t >= day as f64 * DAY - 2.0 * 3600.0, "day {day}: {t}");
        }
    }
}
