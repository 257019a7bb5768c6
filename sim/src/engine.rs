//! The trial engine: the twin compiled into a `Plant` of indexed nodes, and one simulated
//! year (or one injected failure) computed as down-intervals per node.
//!
//! A trial first draws each node's own failures from its own random stream and resolves
//! each into a down-interval with the first recovery mechanism that applies (supervisor
//! respawn when the policy covers how the process ended, a monitor's next probe, a human).
//! It then walks the nodes in dependency order and adds the intervals their hard
//! requirements impose: plain outages while a dependency is down, hangs that outlast it
//! when a call has no timeout, and restarts after the host comes back (agents need a GUI
//! login). Intervals are merged so each keeps the cause that started it and the mechanism
//! that ended it. Quiet periods cost nothing: probes are computed arithmetically from a
//! random phase, and only failures create work.

use drtwin_model::graph::RequiresGraph;
use drtwin_model::{
    Access, Edge, Ending, Endings, Kind, NetworkKind, ProbeAction, ServiceRole, Strength, Tier,
    Twin,
};
use rand_pcg::Pcg64Mcg;

use crate::assumptions::Assumptions;
use crate::calendar::Clock;
use crate::random::{Purpose, exponential, lognormal, stream, uniform};
use crate::results::Mechanism;

const YEAR: f64 = 365.0 * 86_400.0;

/// The assumption values the engine reads, in engine units (seconds, per-second rates).
#[derive(Clone, Debug)]
pub struct Params {
    pub service_crash: f64,
    pub ending_error: f64,
    pub ending_signal: f64,
    pub memory_kill: f64,
    pub database_crash: f64,
    pub database_recovery: f64,
    pub corruption: f64,
    pub tunnel_update: f64,
    pub tunnel_disconnect: f64,
    pub tunnel_reconnect: f64,
    pub uplink_rate: f64,
    pub uplink_median: f64,
    pub dns_rate: f64,
    pub dns_median: f64,
    pub power_rate: f64,
    pub power_median: f64,
    pub boot: f64,
    pub auto_login: f64,
    pub hardware_loss: f64,
    pub procurement: f64,
    pub install: f64,
    pub restore_speed: f64,
    pub restore_fixed: f64,
    pub reboot_rate: f64,
    pub reboot_time: f64,
    pub api_rate: f64,
    pub api_median: f64,
    pub spread: f64,
    pub outage_law: OutageLaw,
    pub response_day: f64,
    pub fix_time: f64,
    pub unalerted: f64,
    pub night_wake: f64,
    pub sleep_hour: u8,
    pub wake_hour: u8,
    pub weekend_factor: f64,
    pub monitor_restart: f64,
    pub startup: f64,
    pub throttle_default: f64,
    pub backup_failure: f64,
    pub backup_median: f64,
    pub sync_median: f64,
    pub job_spread: f64,
    pub job_median: f64,
    pub growth_spread: f64,
    pub cleanup: f64,
    pub spike_rate: f64,
    pub spike_median: f64,
    pub saturation: f64,
    pub stale_after: f64,
}

/// Every assumption name the engine reads (a test checks each exists in the shipped table).
pub const NAMES_READ: [&str; 51] = [
    "service-crash-rate",
    "crash-ending-error-exit",
    "crash-ending-crash-signal",
    "memory-pressure-kill-rate",
    "database-crash-rate",
    "database-crash-recovery",
    "database-corruption-probability",
    "tunnel-update-exit-rate",
    "tunnel-edge-disconnect-rate",
    "tunnel-reconnect-time",
    "uplink-outage-rate",
    "uplink-outage-median",
    "dns-outage-rate",
    "dns-outage-median",
    "power-outage-rate",
    "power-outage-median",
    "host-boot-time",
    "auto-login-probability",
    "disk-failure-rate",
    "logic-board-failure-rate",
    "hardware-procurement-time",
    "hardware-install-time",
    "restore-speed",
    "restore-fixed-time",
    "os-update-reboot-rate",
    "os-update-reboot-time",
    "api-outage-rate",
    "api-outage-median",
    "outage-duration-spread",
    "outage-duration-law",
    "human-response-day",
    "human-fix-time",
    "human-unalerted-delay",
    "human-night-wake-probability",
    "human-sleep-hour",
    "human-wake-hour",
    "human-weekend-factor",
    "monitor-restart-time",
    "service-startup-time",
    "launchd-throttle-default",
    "backup-failure-probability",
    "backup-duration-median",
    "sync-duration-median",
    "job-duration-spread",
    "job-duration-median",
    "log-growth-spread",
    "disk-cleanup-time",
    "load-spike-rate",
    "load-spike-median",
    "single-worker-saturation-probability",
    "backup-stale-after",
];

impl Params {
    pub fn new(a: &Assumptions) -> Params {
        let rate = |name: &str| a.get(name) / YEAR;
        Params {
            service_crash: rate("service-crash-rate"),
            ending_error: a.get("crash-ending-error-exit"),
            ending_signal: a.get("crash-ending-crash-signal"),
            memory_kill: rate("memory-pressure-kill-rate"),
            database_crash: rate("database-crash-rate"),
            database_recovery: a.get("database-crash-recovery"),
            corruption: a.get("database-corruption-probability"),
            tunnel_update: rate("tunnel-update-exit-rate"),
            tunnel_disconnect: rate("tunnel-edge-disconnect-rate"),
            tunnel_reconnect: a.get("tunnel-reconnect-time"),
            uplink_rate: rate("uplink-outage-rate"),
            uplink_median: a.get("uplink-outage-median"),
            dns_rate: rate("dns-outage-rate"),
            dns_median: a.get("dns-outage-median"),
            power_rate: rate("power-outage-rate"),
            power_median: a.get("power-outage-median"),
            boot: a.get("host-boot-time"),
            auto_login: a.get("auto-login-probability"),
            hardware_loss: rate("disk-failure-rate") + rate("logic-board-failure-rate"),
            procurement: a.get("hardware-procurement-time"),
            install: a.get("hardware-install-time"),
            restore_speed: a.get("restore-speed").max(1.0),
            restore_fixed: a.get("restore-fixed-time"),
            reboot_rate: rate("os-update-reboot-rate"),
            reboot_time: a.get("os-update-reboot-time"),
            api_rate: rate("api-outage-rate"),
            api_median: a.get("api-outage-median"),
            spread: a.get("outage-duration-spread"),
            // The law is held as its index in `assumptions::LAWS`.
            outage_law: if a.get("outage-duration-law") == 1.0 {
                OutageLaw::Exponential
            } else {
                OutageLaw::Lognormal
            },
            response_day: a.get("human-response-day"),
            fix_time: a.get("human-fix-time"),
            unalerted: a.get("human-unalerted-delay"),
            night_wake: a.get("human-night-wake-probability"),
            sleep_hour: (a.get("human-sleep-hour") as u8).min(23),
            wake_hour: (a.get("human-wake-hour") as u8).min(23),
            weekend_factor: a.get("human-weekend-factor").max(1.0),
            monitor_restart: a.get("monitor-restart-time"),
            startup: a.get("service-startup-time"),
            throttle_default: a.get("launchd-throttle-default"),
            backup_failure: a.get("backup-failure-probability"),
            backup_median: a.get("backup-duration-median"),
            sync_median: a.get("sync-duration-median"),
            job_spread: a.get("job-duration-spread"),
            job_median: a.get("job-duration-median"),
            growth_spread: a.get("log-growth-spread"),
            cleanup: a.get("disk-cleanup-time"),
            spike_rate: rate("load-spike-rate"),
            spike_median: a.get("load-spike-median"),
            saturation: a.get("single-worker-saturation-probability"),
            stale_after: a.get("backup-stale-after"),
        }
    }
}

/// How long a self-healing outage lasts, given its median.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutageLaw {
    /// Lognormal with the median and `outage-duration-spread` as sigma.
    Lognormal,
    /// Exponential with the same median (mean median / ln 2): memoryless repair.
    Exponential,
}

/// What a node is, as far as the engine cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Host,
    Power,
    Uplink,
    Dns,
    Api,
    Service(ServiceRole),
    Volume,
    Job,
    Monitor,
    Endpoint(Tier),
    Other,
}

/// A failure mode as the engine resolves it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mode {
    /// A process ends: error exit, crash signal or clean exit from the assumed mix.
    Crash,
    /// A process ends in a specific way (an injected crash, a memory-pressure SIGKILL).
    Ends(Ending),
    /// The database server crashes: supervisor or human, then crash recovery; with unsafe
    /// settings possibly a restore.
    DatabaseCrash,
    /// An outage that heals by itself after a lognormal time.
    Blip { median: f64 },
    /// The machine is lost: notice, buy, install, restore.
    HostLoss,
    /// An OS update restarts the machine at night.
    Reboot,
    /// The volume is full.
    DiskFull,
    /// A load spike saturates the service for a lognormal time.
    Overload { median: f64 },
    /// The process hangs (no exit): only a probe's restart or a human helps.
    Hang,
    /// The data is gone: a person restores the latest off-site dump.
    Restore,
}

#[derive(Clone, Copy, Debug)]
pub struct Rated {
    pub mode: Mode,
    /// Per second.
    pub rate: f64,
}

/// A monitor's probe of one target.
#[derive(Clone, Debug)]
pub struct Probe {
    pub monitor: usize,
    pub target: usize,
    pub period: f64,
    pub action: ProbeAction,
    /// Components the alert needs to get out.
    pub via: Vec<usize>,
    /// The twin dependency index of the Probes edge.
    pub dependency: usize,
    /// Whether the check fails on a hung process, not only on one that is gone.
    pub sees_hangs: bool,
}

/// One requirement of a node: which alternatives, and whether a call without timeout makes
/// the caller hang.
#[derive(Clone, Debug)]
pub struct Group {
    pub alternatives: Vec<usize>,
    pub hangs: bool,
}

#[derive(Clone, Debug)]
pub struct Node {
    pub id: String,
    pub role: Role,
    pub modes: Vec<Rated>,
    pub groups: Vec<Group>,
    /// Runs on the host: goes down with it and must come back after a boot.
    pub on_host: bool,
    pub restarts_after: Endings,
    pub throttle: f64,
    /// Whether launchd starts it at load (RunAtLoad or a keep-alive).
    pub starts_at_load: bool,
    /// A LaunchAgent: needs a GUI login after a reboot.
    pub agent: bool,
    /// Probes that see this node's failures (target is it, or an endpoint behind which it
    /// sits), indices into `Plant::probes`.
    pub probes: Vec<usize>,
    /// Seconds to fill its volume at the measured growth rate, for volumes.
    pub fill_time: Option<f64>,
    /// A database whose settings (fsync or full_page_writes off) risk corruption on a crash.
    pub unsafe_writes: bool,
    /// Seconds of a self-healing outage of this node that something absorbs (a UPS on the
    /// power feed); set only by what-if variants, zero in a scanned twin.
    pub ride_through: f64,
    /// The program refuses its configuration (cloudflared with a misplaced catch-all,
    /// PostgreSQL with settings it will not start with): it is down for the whole trial.
    pub refuses_config: bool,
}

/// Critical findings that mean the program will not run its configuration at all.
const REFUSED_CONFIG_CODES: [&str; 2] = ["ingress-config", "postgres-will-not-start"];

/// The nightly backup, if any.
#[derive(Clone, Debug)]
pub struct BackupPlan {
    pub job: usize,
    pub firings: Vec<f64>,
    pub offsite: bool,
    pub dump_bytes: f64,
    /// The stores the off-site endpoints read: a copy reaches none of them while one is
    /// forced down (they have no failures of their own).
    pub stores: Vec<usize>,
}

/// The twin compiled for simulation.
#[derive(Clone, Debug)]
pub struct Plant {
    pub nodes: Vec<Node>,
    pub probes: Vec<Probe>,
    /// Processing order: alert paths first, then dependencies before dependents, endpoints
    /// last.
    pub order: Vec<usize>,
    /// `order` without the nodes no measure of a background trial reads: kept are the
    /// endpoints and everything their intervals are built from (requirements, the host, alert
    /// paths) and the nightly backup with its requirements. A job that nothing needs, say a
    /// log clean-up, costs nothing. Skipping a node changes no other node's draws, since
    /// every node draws from its own streams.
    pub measured: Vec<usize>,
    pub host: Option<usize>,
    pub endpoints: Vec<usize>,
    pub production: Vec<usize>,
    /// Endpoints that stand for "the data is safe off-site".
    pub offsite_endpoints: Vec<usize>,
    pub backup: Option<BackupPlan>,
    pub clock: Clock,
    pub params: Params,
    pub graph: RequiresGraph,
}

/// One down-interval of a node: `[start, end)` seconds into the year.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    pub start: f64,
    pub end: f64,
    /// The node whose failure started it.
    pub cause: u32,
    /// What ended it.
    pub mechanism: Mechanism,
}

/// An injected failure for a scenario trial.
#[derive(Clone, Copy, Debug)]
pub struct Injection {
    pub node: usize,
    pub mode: Mode,
    pub at: f64,
}

/// What a trial includes.
#[derive(Clone, Copy, Debug, Default)]
pub struct TrialSpec {
    pub trial: u64,
    /// Background failures from the assumed rates.
    pub background: bool,
    pub force_down: Option<usize>,
    pub force_up: Option<usize>,
    pub injection: Option<Injection>,
    /// Compute only the nodes a measure reads ([`Plant::measured`]); other nodes are left
    /// without intervals.
    pub measured_only: bool,
}

impl TrialSpec {
    /// A background trial-year for the estimators: only what they read is computed.
    pub fn measured_year(trial: u64) -> TrialSpec {
        TrialSpec { trial, background: true, measured_only: true, ..TrialSpec::default() }
    }
}

/// Per-thread buffers reused across trials.
#[derive(Clone, Debug, Default)]
pub struct Scratch {
    pub down: Vec<Vec<Interval>>,
    own: Vec<Interval>,
    /// Where each sorted run of `own` starts, and the merge's cursors into them.
    runs: Vec<usize>,
    heads: Vec<(usize, usize)>,
    group: Vec<Interval>,
    other: Vec<Interval>,
    phases: Vec<f64>,
    login_delay: Vec<f64>,
    /// Instants at which a backup reached its destination this trial.
    pub backups: Vec<f64>,
    /// Firings that failed because something they need was down, with that cause.
    failed_backups: Vec<(f64, u32)>,
    /// Down-intervals created in the last trial, before merging: one per failure resolved
    /// and one per interval a node inherits from the host or a requirement. This is the
    /// engine's unit of work (what an event is in an event-queue simulator); the benchmarks
    /// divide by it.
    pub events: u64,
}

impl Plant {
    /// Compiles a twin.
    pub fn new(twin: &Twin, params: Params, clock: Clock) -> Plant {
        let graph = RequiresGraph::new(twin);
        let n = twin.components.len();
        let index = |id: &str| twin.components.iter().position(|c| c.id == id);
        let host = twin.components.iter().position(|c| matches!(c.kind, Kind::Host));
        let has_power =
            twin.components.iter().any(|c| matches!(c.kind, Kind::Network(NetworkKind::Power)));
        let service_count = twin.components.iter().filter(|c| is_process(&c.kind)).count().max(1);

        // Writers of each volume and how fast they fill it.
        let mut growth = vec![0.0f64; n];
        let mut writers: Vec<Vec<usize>> = vec![Vec::new(); n];
        for dependency in &twin.dependencies {
            if let Edge::WritesTo { bytes_per_day } = dependency.kind
                && let (Some(from), Some(to)) = (index(&dependency.from), index(&dependency.to))
            {
                growth[to] += bytes_per_day.max(0.0);
                writers[to].push(from);
            }
        }

        let mut nodes: Vec<Node> = twin
            .components
            .iter()
            .enumerate()
            .map(|(i, component)| {
                let agent = component.evidence.iter().any(|evidence| {
                    matches!(evidence, drtwin_model::Evidence::File { path, .. }
                        if path.contains("LaunchAgents"))
                });
                let mut node = Node {
                    id: component.id.clone(),
                    role: Role::Other,
                    modes: Vec::new(),
                    groups: Vec::new(),
                    on_host: false,
                    restarts_after: Endings::NONE,
                    throttle: 0.0,
                    starts_at_load: false,
                    agent,
                    probes: Vec::new(),
                    fill_time: None,
                    unsafe_writes: false,
                    ride_through: 0.0,
                    refuses_config: twin.findings.iter().any(|finding| {
                        finding.level == drtwin_model::RiskLevel::Critical
                            && REFUSED_CONFIG_CODES.contains(&finding.code.as_str())
                            && finding.component.as_deref() == Some(component.id.as_str())
                    }),
                };
                let p = &params;
                match &component.kind {
                    Kind::Host => {
                        node.role = Role::Host;
                        node.modes.push(Rated { mode: Mode::HostLoss, rate: p.hardware_loss });
                        node.modes.push(Rated { mode: Mode::Reboot, rate: p.reboot_rate });
                        if !has_power {
                            // FIXME: without a power component the outage is charged to the
                            // host itself, so the SPOF table cannot separate the two.
                            node.modes.push(Rated {
                                mode: Mode::Blip { median: p.power_median },
                                rate: p.power_rate,
                            });
                        }
                    }
                    Kind::Network(kind) => {
                        let (role, median, rate) = match kind {
                            NetworkKind::Power => (Role::Power, p.power_median, p.power_rate),
                            NetworkKind::Uplink => (Role::Uplink, p.uplink_median, p.uplink_rate),
                            NetworkKind::Dns => (Role::Dns, p.dns_median, p.dns_rate),
                        };
                        node.role = role;
                        node.modes.push(Rated { mode: Mode::Blip { median }, rate });
                    }
                    Kind::ExternalApi(_) => {
                        node.role = Role::Api;
                        // FIXME: one rate for every API; per-vendor rates would need a table
                        // keyed by host name in the assumptions.
                        node.modes.push(Rated {
                            mode: Mode::Blip { median: p.api_median },
                            rate: p.api_rate,
                        });
                    }
                    Kind::Service(service) => {
                        node.role = Role::Service(service.role);
                        node.on_host = true;
                        node.restarts_after = service.restart.restarts_after;
                        node.throttle = service.restart.throttle_interval.secs();
                        if node.throttle == 0.0 && service.restart.supervisor.is_some() {
                            node.throttle = p.throttle_default;
                        }
                        node.unsafe_writes = service
                            .database
                            .as_ref()
                            .is_some_and(|db| !db.fsync || !db.full_page_writes);
                        node.starts_at_load = service.restart.run_at_load
                            || !service.restart.restarts_after.is_none();
                        match service.role {
                            ServiceRole::Database => node
                                .modes
                                .push(Rated { mode: Mode::DatabaseCrash, rate: p.database_crash }),
                            ServiceRole::Tunnel => {
                                node.modes.push(Rated { mode: Mode::Crash, rate: p.service_crash });
                                node.modes.push(Rated {
                                    mode: Mode::Ends(Ending::CleanExit),
                                    rate: p.tunnel_update,
                                });
                                node.modes.push(Rated {
                                    mode: Mode::Blip { median: p.tunnel_reconnect },
                                    rate: p.tunnel_disconnect,
                                });
                            }
                            _ => {
                                node.modes.push(Rated { mode: Mode::Crash, rate: p.service_crash })
                            }
                        }
                        // FIXME: memory-pressure kills pick a victim uniformly; the twin has no
                        // per-process memory sizes to weight by.
                        node.modes.push(Rated {
                            mode: Mode::Ends(Ending::Killed),
                            rate: p.memory_kill / service_count as f64,
                        });
                    }
                    Kind::Job(_) => {
                        node.role = Role::Job;
                        node.on_host = true;
                    }
                    Kind::Monitor(_) => {
                        node.role = Role::Monitor;
                        node.on_host = true;
                    }
                    Kind::Volume(volume) => {
                        node.role = Role::Volume;
                        if let Some(free) = volume.free_bytes
                            && growth[i] > 0.0
                        {
                            node.fill_time = Some(free as f64 / growth[i] * 86_400.0);
                            node.modes.push(Rated { mode: Mode::DiskFull, rate: 0.0 });
                        }
                    }
                    Kind::Endpoint(endpoint) => node.role = Role::Endpoint(endpoint.tier),
                    Kind::Supervisor(_) | Kind::BackupStore(_) => {}
                }
                node
            })
            .collect();

        // Hard requirements, grouped by any_of.
        for dependency in &twin.dependencies {
            let Edge::Requires(requirement) = &dependency.kind else {
                continue;
            };
            if requirement.strength != Strength::Hard {
                continue;
            }
            let (Some(from), Some(to)) = (index(&dependency.from), index(&dependency.to)) else {
                continue;
            };
            if Some(to) == host && nodes[from].on_host {
                continue; // handled by the restart-after-boot rule
            }
            let hangs =
                requirement.timeout.is_none() && matches!(nodes[from].role, Role::Service(_));
            let existing = requirement.any_of.as_ref().and_then(|group| {
                twin.dependencies.iter().position(|other| {
                    matches!(&other.kind, Edge::Requires(r) if r.any_of.as_ref() == Some(group)
                        && r.strength == Strength::Hard)
                        && other.from == dependency.from
                        && other.to != dependency.to
                })
            });
            let grouped = existing.and_then(|other| {
                let other_to = index(&twin.dependencies[other].to)?;
                nodes[from].groups.iter().position(|g| g.alternatives.contains(&other_to))
            });
            match grouped {
                Some(position) => {
                    let group = &mut nodes[from].groups[position];
                    group.alternatives.push(to);
                    group.hangs |= hangs;
                }
                None => nodes[from].groups.push(Group { alternatives: vec![to], hangs }),
            }
        }

        // A full volume stops the database writing to it.
        for (volume, volume_writers) in writers.iter().enumerate() {
            for &writer in volume_writers {
                if nodes[writer].role == Role::Service(ServiceRole::Database)
                    && !nodes[writer].groups.iter().any(|g| g.alternatives == [volume])
                {
                    nodes[writer].groups.push(Group { alternatives: vec![volume], hangs: false });
                }
            }
        }

        // The host needs power.
        if let Some(host) = host {
            for (i, component) in twin.components.iter().enumerate() {
                if matches!(component.kind, Kind::Network(NetworkKind::Power))
                    && !nodes[host].groups.iter().any(|g| g.alternatives.contains(&i))
                {
                    nodes[host].groups.push(Group { alternatives: vec![i], hangs: false });
                }
            }
        }

        // Probes, and which nodes each one sees.
        let mut probes = Vec::new();
        for (dependency_index, dependency) in twin.dependencies.iter().enumerate() {
            let Edge::Probes { period, action, sees_hangs } = &dependency.kind else {
                continue;
            };
            let (Some(monitor), Some(target)) = (index(&dependency.from), index(&dependency.to))
            else {
                continue;
            };
            let via = match &twin.components[monitor].kind {
                Kind::Monitor(m) => m
                    .alert
                    .as_ref()
                    .map(|alert| alert.via.iter().filter_map(|id| index(id)).collect())
                    .unwrap_or_default(),
                _ => Vec::new(),
            };
            let probe_index = probes.len();
            probes.push(Probe {
                monitor,
                target,
                period: period.secs().max(1.0),
                action: *action,
                via,
                dependency: dependency_index,
                sees_hangs: *sees_hangs,
            });
            nodes[target].probes.push(probe_index);
            if !matches!(nodes[target].role, Role::Service(_)) {
                for covered in graph.closure(target) {
                    if covered != target
                        && matches!(nodes[covered].role, Role::Service(_))
                        && !nodes[covered].probes.contains(&probe_index)
                    {
                        nodes[covered].probes.push(probe_index);
                    }
                }
            }
        }

        // Order: alert paths, then dependencies first, endpoints last.
        let mut order = Vec::with_capacity(n);
        let mut state = vec![0u8; n];
        let mut roots: Vec<usize> = probes.iter().flat_map(|p| p.via.iter().copied()).collect();
        roots.extend(host);
        roots.extend((0..n).filter(|&i| !matches!(nodes[i].role, Role::Endpoint(_))));
        roots.extend((0..n).filter(|&i| matches!(nodes[i].role, Role::Endpoint(_))));
        for root in roots {
            visit(root, &nodes, host, &mut state, &mut order);
        }

        let endpoints: Vec<usize> =
            twin.endpoints().iter().filter_map(|component| index(&component.id)).collect();
        let production = endpoints
            .iter()
            .copied()
            .filter(|&e| nodes[e].role == Role::Endpoint(Tier::Production))
            .collect();

        // The nightly backup: prefer one that copies off-site.
        let mut backup = None;
        for (i, component) in twin.components.iter().enumerate() {
            let Kind::Job(job) = &component.kind else {
                continue;
            };
            let is_backup = job.backup.is_some() || job.purpose == drtwin_model::JobPurpose::Backup;
            if !is_backup {
                continue;
            }
            let offsite = job.backup.as_ref().is_some_and(|b| b.offsite.is_some());
            let better = match &backup {
                None => true,
                Some(BackupPlan { offsite: false, .. }) => offsite,
                Some(_) => false,
            };
            if better {
                let dump_bytes = twin
                    .components
                    .iter()
                    .filter_map(|c| match &c.kind {
                        Kind::BackupStore(store) => store.latest_dump_bytes,
                        _ => None,
                    })
                    .max()
                    .unwrap_or(0) as f64;
                backup = Some(BackupPlan {
                    job: i,
                    firings: clock.firings(&job.schedule),
                    offsite,
                    dump_bytes,
                    stores: Vec::new(),
                });
            }
        }
        // The off-site endpoint is judged by backup freshness, not by a process.
        let mut offsite_endpoints = Vec::new();
        for &e in &endpoints {
            if let Kind::Endpoint(endpoint) = &twin.components[e].kind
                && matches!(endpoint.access, Access::OffsiteBackup(_))
            {
                if let Some(plan) = &mut backup {
                    plan.stores.extend(
                        nodes[e]
                            .groups
                            .iter()
                            .flat_map(|g| g.alternatives.iter().copied())
                            .filter(|&s| matches!(twin.components[s].kind, Kind::BackupStore(_))),
                    );
                }
                nodes[e].groups.clear();
                offsite_endpoints.push(e);
            }
        }

        // What a background trial's measures read, closed under what each node is built from.
        let mut needed = vec![false; n];
        let mut stack: Vec<usize> = endpoints.clone();
        stack.extend(host);
        stack.extend(probes.iter().flat_map(|p| p.via.iter().copied()));
        stack.extend(backup.as_ref().map(|b| b.job));
        while let Some(node) = stack.pop() {
            if std::mem::replace(&mut needed[node], true) {
                continue;
            }
            stack.extend(nodes[node].groups.iter().flat_map(|g| g.alternatives.iter().copied()));
            if nodes[node].on_host {
                stack.extend(host);
            }
        }
        let measured = order.iter().copied().filter(|&node| needed[node]).collect();

        Plant {
            nodes,
            probes,
            order,
            measured,
            host,
            endpoints,
            production,
            offsite_endpoints,
            backup,
            clock,
            params,
            graph,
        }
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn year_length(&self) -> f64 {
        self.clock.length
    }

    pub fn is_offsite_endpoint(&self, node: usize) -> bool {
        self.offsite_endpoints.contains(&node)
    }
}

fn is_process(kind: &Kind) -> bool {
    matches!(kind, Kind::Service(service) if service.role != ServiceRole::Database)
}

fn visit(
    node: usize,
    nodes: &[Node],
    host: Option<usize>,
    state: &mut [u8],
    order: &mut Vec<usize>,
) {
    if state[node] != 0 {
        return;
    }
    state[node] = 1;
    if nodes[node].on_host
        && let Some(host) = host
    {
        visit(host, nodes, Some(host), state, order);
    }
    for group in &nodes[node].groups {
        for &dependency in &group.alternatives {
            visit(dependency, nodes, host, state, order);
        }
    }
    state[node] = 2;
    order.push(node);
}

/// Read-only state a resolution may look at.
struct View<'a> {
    down: &'a [Vec<Interval>],
    phases: &'a [f64],
}

/// The first interval of `intervals` (sorted, disjoint) overlapping `[from, to)`.
pub fn overlapping(intervals: &[Interval], from: f64, to: f64) -> Option<&Interval> {
    let first = intervals.partition_point(|iv| iv.end <= from);
    intervals.get(first).filter(|iv| iv.start < to)
}

/// Whether `t` falls inside one of `intervals`.
pub fn is_down(intervals: &[Interval], t: f64) -> bool {
    overlapping(intervals, t, t + 1e-9).is_some()
}

/// Merges the overlapping intervals of `raw` into `out`, in order of start (then end), so
/// each merged interval keeps the cause of its earliest part and the mechanism of its
/// latest-ending part.
///
/// `raw` is a few sorted runs end to end, each starting at an offset in `runs` (a failure
/// mode's intervals, the host's, each requirement's), so a k-way merge of the runs stands in
/// for a sort. Ties go to the earlier run, which gives the order a stable sort would. A run
/// that is out of order (a what-if ride-through can shift an outage's start past the next
/// one's) is sorted on its own first.
fn merge_runs(
    raw: &mut [Interval],
    runs: &[usize],
    heads: &mut Vec<(usize, usize)>,
    out: &mut Vec<Interval>,
) {
    out.clear();
    let order =
        |a: &Interval, b: &Interval| a.start.total_cmp(&b.start).then(a.end.total_cmp(&b.end));
    heads.clear();
    for (k, &from) in runs.iter().enumerate() {
        let to = runs.get(k + 1).copied().unwrap_or(raw.len());
        if from < to {
            let run = &mut raw[from..to];
            if !run.is_sorted_by(|a, b| order(a, b).is_le()) {
                run.sort_by(order);
            }
            heads.push((from, to));
        }
    }
    let mut add = |iv: &Interval| {
        if iv.end <= iv.start {
            return;
        }
        match out.last_mut() {
            Some(last) if iv.start <= last.end => {
                if iv.end > last.end {
                    last.end = iv.end;
                    last.mechanism = iv.mechanism;
                }
            }
            _ => out.push(*iv),
        }
    };
    if let [(from, to)] = heads[..] {
        raw[from..to].iter().for_each(add);
        return;
    }
    while !heads.is_empty() {
        let mut best = 0;
        for k in 1..heads.len() {
            if order(&raw[heads[k].0], &raw[heads[best].0]).is_lt() {
                best = k;
            }
        }
        add(&raw[heads[best].0]);
        heads[best].0 += 1;
        if heads[best].0 == heads[best].1 {
            heads.remove(best);
        }
    }
}

/// Intersection of two sorted disjoint lists: down only while both are. The part that
/// failed last is the cause, the part that recovered first ended it.
fn intersect(a: &[Interval], b: &[Interval], out: &mut Vec<Interval>) {
    out.clear();
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let start = a[i].start.max(b[j].start);
        let end = a[i].end.min(b[j].end);
        if start < end {
            let cause = if a[i].start >= b[j].start { a[i].cause } else { b[j].cause };
            let mechanism = if a[i].end <= b[j].end { a[i].mechanism } else { b[j].mechanism };
            out.push(Interval { start, end, cause, mechanism });
        }
        if a[i].end < b[j].end {
            i += 1;
        } else {
            j += 1;
        }
    }
}

impl Plant {
    pub fn scratch(&self) -> Scratch {
        Scratch { down: vec![Vec::new(); self.len()], ..Scratch::default() }
    }

    /// Restore time for the latest dump: fixed work plus size over speed.
    pub fn restore_time(&self) -> f64 {
        let bytes = self.backup.as_ref().map_or(0.0, |b| b.dump_bytes);
        self.params.restore_fixed + bytes / self.params.restore_speed
    }

    /// Delay until a person has acted on a problem seen at `t`: sleep, weekend and whether
    /// an alert reached them decide it.
    pub fn human_delay(&self, t: f64, alerted: bool, rng: &mut Pcg64Mcg) -> f64 {
        let p = &self.params;
        let (hour, weekday) = self.clock.local(t);
        let asleep = if p.sleep_hour > p.wake_hour {
            hour >= p.sleep_hour || hour < p.wake_hour
        } else {
            hour >= p.sleep_hour && hour < p.wake_hour
        };
        let woken = alerted && uniform(rng) < p.night_wake;
        let wait = if asleep && !woken { self.clock.until_hour(t, p.wake_hour) } else { 0.0 };
        let factor = if weekday == 0 || weekday == 6 { p.weekend_factor } else { 1.0 };
        let notice = if alerted { p.response_day } else { p.unalerted };
        wait + lognormal(rng, notice, 0.8) * factor + lognormal(rng, p.fix_time, 0.5)
    }

    fn next_probe(&self, probe: usize, t: f64, phases: &[f64]) -> f64 {
        let period = self.probes[probe].period;
        let phase = phases.get(probe).copied().unwrap_or(0.0);
        let steps = ((t - phase) / period).ceil().max(0.0);
        phase + steps * period
    }

    /// When a process that ended at `t` in the way `ending` runs again.
    #[allow(clippy::too_many_arguments)]
    fn process_end(
        &self,
        c: usize,
        t: f64,
        ending: Ending,
        run_time: f64,
        extra: f64,
        rng: &mut Pcg64Mcg,
        view: &View,
    ) -> Interval {
        let node = &self.nodes[c];
        let p = &self.params;
        let mut end = t + self.human_delay(t, false, rng) + extra;
        let mut mechanism = Mechanism::Human;
        if node.restarts_after.covers(ending) {
            let respawn = t + respawn_delay(node.throttle, run_time, p.startup) + extra;
            if respawn < end {
                end = respawn;
                mechanism = Mechanism::Supervisor;
            }
        }
        let (probe_end, probe_mechanism) = self.probe_recovery(c, t, t, extra, false, rng, view);
        if probe_end < end {
            end = probe_end;
            mechanism = probe_mechanism;
        }
        Interval { start: t, end, cause: c as u32, mechanism }
    }

    /// The earliest end a probe brings to a problem of `c` that began at `t` and can be
    /// fixed from `free` on. A `hung` process still runs, so only probes that see hangs
    /// notice it.
    #[allow(clippy::too_many_arguments)]
    fn probe_recovery(
        &self,
        c: usize,
        t: f64,
        free: f64,
        extra: f64,
        hung: bool,
        rng: &mut Pcg64Mcg,
        view: &View,
    ) -> (f64, Mechanism) {
        let mut best = (f64::INFINITY, Mechanism::Human);
        for &probe in &self.nodes[c].probes {
            if hung && !self.probes[probe].sees_hangs {
                continue;
            }
            let candidate = match self.probes[probe].action {
                ProbeAction::Restart => {
                    let detect = self.next_probe(probe, free, view.phases);
                    (detect + self.params.monitor_restart + extra, Mechanism::Monitor)
                }
                ProbeAction::Alert => {
                    let detect = self.next_probe(probe, t, view.phases);
                    let delivered =
                        self.probes[probe].via.iter().all(|&v| !is_down(&view.down[v], detect));
                    if !delivered {
                        continue;
                    }
                    let acted = detect + self.human_delay(detect, true, rng);
                    (acted.max(free) + extra, Mechanism::Human)
                }
                ProbeAction::Nothing => continue,
            };
            if candidate.0 < best.0 {
                best = candidate;
            }
        }
        best
    }

    /// A process stuck from `t` (`hung`, or never started) that can be fixed from `free`:
    /// a restarting probe, an alerted human, or an unalerted one.
    fn recover_stuck(
        &self,
        c: usize,
        (t, free): (f64, f64),
        hung: bool,
        rng: &mut Pcg64Mcg,
        view: &View,
    ) -> (f64, Mechanism) {
        let noticed = t + self.human_delay(t, false, rng);
        let mut best = (noticed.max(free + self.params.fix_time), Mechanism::Human);
        let probe = self.probe_recovery(c, t, free, 0.0, hung, rng, view);
        if probe.0 < best.0 {
            best = probe;
        }
        best
    }

    /// The down-interval one failure of `c` at `t` causes.
    ///
    /// `run_time` is how long the process had been running when it ended (infinite for a
    /// process up since before the year, or for a failure that is not a process ending): it
    /// decides how much of launchd's throttle interval is still to wait.
    fn resolve(
        &self,
        c: usize,
        mode: Mode,
        t: f64,
        run_time: f64,
        rng: &mut Pcg64Mcg,
        view: &View,
    ) -> Interval {
        let p = &self.params;
        let cause = c as u32;
        match mode {
            Mode::Crash => {
                let u = uniform(rng);
                let ending = if u < p.ending_error {
                    Ending::ErrorExit
                } else if u < p.ending_error + p.ending_signal {
                    Ending::CrashSignal
                } else {
                    Ending::CleanExit
                };
                self.process_end(c, t, ending, run_time, 0.0, rng, view)
            }
            Mode::Ends(ending) => self.process_end(c, t, ending, run_time, 0.0, rng, view),
            Mode::Hang => {
                let (end, mechanism) = self.recover_stuck(c, (t, t), true, rng, view);
                Interval { start: t, end, cause, mechanism }
            }
            Mode::DatabaseCrash => {
                let mut iv = self.process_end(
                    c,
                    t,
                    Ending::CrashSignal,
                    run_time,
                    p.database_recovery,
                    rng,
                    view,
                );
                if self.nodes[c].unsafe_writes && uniform(rng) < p.corruption {
                    iv.end = t + self.human_delay(t, false, rng) + self.restore_time();
                    iv.mechanism = Mechanism::Restore;
                }
                iv
            }
            Mode::Blip { median } => {
                let duration = match p.outage_law {
                    OutageLaw::Lognormal => lognormal(rng, median, p.spread),
                    OutageLaw::Exponential => exponential(rng, std::f64::consts::LN_2 / median),
                };
                let end = t + duration;
                // What-if hook: an outage shorter than the ride-through leaves an empty
                // interval, which merging drops.
                let start = (t + self.nodes[c].ride_through).min(end);
                // A power cut charged to the machine itself ends when it has booted again.
                let boot =
                    if self.nodes[c].role == Role::Host && start < end { p.boot } else { 0.0 };
                Interval { start, end: end + boot, cause, mechanism: Mechanism::SelfHealed }
            }
            Mode::HostLoss => {
                let procurement = lognormal(rng, p.procurement, 0.5);
                let end = t
                    + self.human_delay(t, false, rng)
                    + procurement
                    + lognormal(rng, p.install, 0.4)
                    + self.restore_time();
                Interval { start: t, end, cause, mechanism: Mechanism::Restore }
            }
            Mode::Reboot => {
                // FIXME: updates are taken to be installed by the operator at 20:00 local,
                // who is present to log in; unattended night installs would need the
                // login wait too.
                let start = t + self.clock.until_hour(t, 20);
                Interval {
                    start,
                    end: start + lognormal(rng, p.reboot_time, 0.4),
                    cause,
                    mechanism: Mechanism::Human,
                }
            }
            Mode::DiskFull => {
                // FIXME: a monitor that checks free space would alert; the twin's probes do
                // not say what they check, so a full disk is noticed unalerted.
                let end = t + self.human_delay(t, false, rng) + p.cleanup;
                Interval { start: t, end, cause, mechanism: Mechanism::Human }
            }
            Mode::Restore => {
                let end = t + self.human_delay(t, false, rng) + self.restore_time();
                Interval { start: t, end, cause, mechanism: Mechanism::Restore }
            }
            Mode::Overload { median } => Interval {
                start: t,
                end: t + lognormal(rng, median, p.spread),
                cause,
                mechanism: Mechanism::SelfHealed,
            },
        }
    }

    /// Runs one trial, leaving every node's down-intervals in `scratch.down`.
    pub fn run(&self, seed: u64, spec: &TrialSpec, scratch: &mut Scratch) {
        let length = self.clock.length;
        let Scratch {
            down,
            own,
            runs,
            heads,
            group,
            other,
            phases,
            login_delay,
            backups,
            failed_backups,
            events,
        } = scratch;
        *events = 0;
        down.resize_with(self.len(), Vec::new);
        down.iter_mut().for_each(Vec::clear);
        backups.clear();
        failed_backups.clear();
        login_delay.clear();

        // One random phase per monitor, shared by its probes.
        phases.clear();
        for probe in &self.probes {
            let mut rng = stream(seed, spec.trial, probe.monitor, Purpose::Phase);
            phases.push(uniform(&mut rng) * probe.period);
        }

        // An injected node may be one no measure reads: scenario trials run everything.
        let order = if spec.measured_only && spec.injection.is_none() {
            &self.measured
        } else {
            &self.order
        };
        for &c in order {
            let node = &self.nodes[c];
            own.clear();
            runs.clear();
            let mut responses = stream(seed, spec.trial, c, Purpose::Responses);
            let forced_down =
                spec.force_down == Some(c) || (node.refuses_config && spec.force_up != Some(c));
            if forced_down {
                runs.push(own.len());
                own.push(Interval {
                    start: 0.0,
                    end: length,
                    cause: c as u32,
                    mechanism: Mechanism::Human,
                });
            }

            // Own failures.
            if !forced_down && spec.background && spec.force_up != Some(c) {
                let view = View { down, phases };
                let mut failures = stream(seed, spec.trial, c, Purpose::Failures);
                for rated in &node.modes {
                    runs.push(own.len());
                    if rated.mode == Mode::DiskFull {
                        let Some(fill) = node.fill_time else { continue };
                        let fill = fill * lognormal(&mut failures, 1.0, self.params.growth_spread);
                        let mut t = fill;
                        while t < length {
                            let iv = self.resolve(
                                c,
                                Mode::DiskFull,
                                t,
                                f64::INFINITY,
                                &mut responses,
                                &view,
                            );
                            own.push(iv);
                            // FIXME: a clean-up is taken to free as much room as there was
                            // at the scan; in truth it depends on what the person deletes.
                            t = iv.end + fill;
                        }
                        continue;
                    }
                    // What is down cannot fail again in the same way: the next failure comes
                    // an exponential up-time after it is back (memoryless, so the rate while
                    // up is unchanged). Up and down times alternate, the two-state model
                    // whose availability is MTTF / (MTTF + MTTR). For a process the up-time
                    // also decides how much of launchd's throttle interval is left, so
                    // crashes in quick succession crash-loop at launchd's pace.
                    // FIXME: up-time is tracked per failure mode; a kill shortly after a
                    // crash of the same process is charged no throttle.
                    let process =
                        matches!(rated.mode, Mode::Crash | Mode::Ends(_) | Mode::DatabaseCrash);
                    let mut up_since = f64::NEG_INFINITY;
                    let mut t = exponential(&mut failures, rated.rate);
                    while t < length {
                        let run_time = if process { t - up_since } else { f64::INFINITY };
                        let iv = self.resolve(c, rated.mode, t, run_time, &mut responses, &view);
                        own.push(iv);
                        up_since = iv.end;
                        t += exponential(&mut failures, rated.rate);
                        if t < iv.end {
                            t = iv.end + exponential(&mut failures, rated.rate);
                        }
                    }
                }
            }
            if let Some(injection) = spec.injection.filter(|i| i.node == c && !forced_down) {
                let view = View { down, phases };
                let mut rng = stream(seed, spec.trial, c, Purpose::Scenario);
                let at = injection.at;
                runs.push(own.len());
                own.push(self.resolve(c, injection.mode, at, f64::INFINITY, &mut rng, &view));
            }

            // The off-site endpoint is down while the latest off-site copy is stale.
            if self.offsite_endpoints.contains(&c) && !forced_down {
                runs.push(own.len());
                self.staleness(backups, failed_backups, own);
            }

            // Down with the host, and back only once restarted after the boot.
            if let (true, Some(host)) = (node.on_host, self.host)
                && host != c
                && !forced_down
            {
                runs.push(own.len());
                for (k, iv) in down[host].iter().enumerate() {
                    let login = if node.agent { login_delay.get(k).copied() } else { None };
                    let login = login.unwrap_or(0.0);
                    let mut after = *iv;
                    if matches!(node.role, Role::Service(_)) {
                        after.end += login;
                        if login > 0.0 {
                            after.mechanism = Mechanism::Human;
                        }
                        if node.starts_at_load {
                            after.end += self.params.startup;
                        } else {
                            let view = View { down, phases };
                            let (end, mechanism) = self.recover_stuck(
                                c,
                                (iv.start, after.end),
                                false,
                                &mut responses,
                                &view,
                            );
                            after.end = end;
                            after.mechanism = mechanism;
                        }
                    }
                    own.push(after);
                }
            }

            // Down while a hard requirement is; hung past it without a timeout.
            if !forced_down {
                for requirement in &node.groups {
                    let intervals: &[Interval] = match requirement.alternatives.as_slice() {
                        [single] => &down[*single],
                        [first, rest @ ..] => {
                            group.clear();
                            group.extend_from_slice(&down[*first]);
                            for &alternative in rest {
                                intersect(group, &down[alternative], other);
                                std::mem::swap(group, other);
                            }
                            group
                        }
                        [] => &[],
                    };
                    let host_down: &[Interval] = match self.host {
                        Some(host) if node.on_host && host != c => &down[host],
                        _ => &[],
                    };
                    // The machine is back from a power cut only once it has booted.
                    let boot = if node.role == Role::Host
                        && requirement
                            .alternatives
                            .iter()
                            .all(|&a| self.nodes[a].role == Role::Power)
                    {
                        self.params.boot
                    } else {
                        0.0
                    };
                    runs.push(own.len());
                    for iv in intervals {
                        let mut after = *iv;
                        if after.end > after.start {
                            after.end += boot;
                        }
                        // A caller restarted with the host does not keep a hung call.
                        let restarted = overlapping(host_down, iv.start, iv.end).is_some();
                        if requirement.hangs && !restarted {
                            let view = View { down, phases };
                            let (end, mechanism) = self.recover_stuck(
                                c,
                                (iv.start, iv.end),
                                true,
                                &mut responses,
                                &view,
                            );
                            after.end = end.max(iv.end);
                            after.mechanism = mechanism;
                        }
                        own.push(after);
                    }
                }
            }

            *events += own.len() as u64;
            let mut merged = std::mem::take(&mut down[c]);
            merge_runs(own, runs, heads, &mut merged);
            for iv in merged.iter_mut() {
                iv.end = iv.end.min(length);
            }
            merged.retain(|iv| iv.start < length);
            down[c] = merged;

            // After the host's intervals are known: does anyone have to log in?
            if Some(c) == self.host {
                let mut rng = stream(seed, spec.trial, c, Purpose::Scenario);
                for iv in &down[c] {
                    let needs_login = iv.mechanism == Mechanism::SelfHealed
                        && uniform(&mut rng) >= self.params.auto_login;
                    login_delay.push(if needs_login {
                        self.human_delay(iv.end, false, &mut rng)
                    } else {
                        0.0
                    });
                }
            }

            // The nightly backup runs once its own requirements are known.
            if self.backup.as_ref().is_some_and(|b| b.job == c) {
                self.run_backups(seed, spec, c, &down[c], backups, failed_backups);
            }
        }
    }

    /// Which nightly runs reached their destination; records completion instants.
    fn run_backups(
        &self,
        seed: u64,
        spec: &TrialSpec,
        job: usize,
        job_down: &[Interval],
        backups: &mut Vec<f64>,
        failed: &mut Vec<(f64, u32)>,
    ) {
        let Some(plan) = &self.backup else { return };
        let mut rng = stream(seed, spec.trial, job, Purpose::Failures);
        // Scenario trials keep the backups clean unless the scenario breaks them.
        let failure = if spec.force_up == Some(job) || !spec.background {
            0.0
        } else {
            self.params.backup_failure
        };
        // The job's down-intervals are walked with a cursor since firings are sorted.
        let (median, sigma) = (self.params.backup_median, self.params.job_spread);
        let mut cursor = 0;
        for &firing in &plan.firings {
            let duration = lognormal(&mut rng, median, sigma);
            let failed_randomly = uniform(&mut rng) < failure;
            let store_forced = spec.force_down.is_some_and(|f| plan.stores.contains(&f));
            if spec.force_down == Some(job) || store_forced || failed_randomly {
                continue;
            }
            while job_down.get(cursor).is_some_and(|iv| iv.end <= firing) {
                cursor += 1;
            }
            match job_down.get(cursor).filter(|iv| iv.start < firing + duration) {
                None => backups.push(firing + duration),
                Some(iv) => failed.push((firing, iv.cause)),
            }
        }
    }

    /// Intervals during which the latest good off-site copy is older than the stale limit.
    fn staleness(&self, backups: &[f64], failed: &[(f64, u32)], out: &mut Vec<Interval>) {
        let Some(plan) = &self.backup else {
            return;
        };
        let job = plan.job as u32;
        // The first run that failed for a known reason names the cause of a stale spell.
        let cause_after = |last: f64, until: f64| {
            let first = failed.partition_point(|&(t, _)| t <= last);
            failed.get(first).filter(|&&(t, _)| t < until).map_or(job, |&(_, cause)| cause)
        };
        let limit = self.params.stale_after;
        let first = plan.firings.first().copied().unwrap_or(0.0);
        let mut last = if plan.offsite && !plan.firings.is_empty() {
            first + self.params.backup_median - 86_400.0
        } else {
            f64::NEG_INFINITY
        };
        for &done in backups {
            if done - last > limit {
                out.push(Interval {
                    start: (last + limit).max(0.0),
                    end: done,
                    cause: cause_after(last, done),
                    mechanism: Mechanism::SelfHealed,
                });
            }
            last = done;
        }
        if !plan.offsite {
            return;
        }
        if self.clock.length - last > limit {
            out.push(Interval {
                start: (last + limit).max(0.0),
                end: self.clock.length,
                cause: cause_after(last, self.clock.length),
                mechanism: Mechanism::Human,
            });
        }
    }

    /// Age of the latest good off-site copy at `t`, from this trial's backups; `None` when
    /// nothing is copied off-site.
    pub fn backup_age(&self, backups: &[f64], t: f64) -> Option<f64> {
        let plan = self.backup.as_ref().filter(|plan| plan.offsite)?;
        let before = backups.partition_point(|&done| done <= t);
        let last = if before > 0 {
            backups[before - 1]
        } else {
            plan.firings.first().copied().unwrap_or(0.0) + self.params.backup_median - 86_400.0
        };
        Some((t - last).max(0.0))
    }
}

/// launchd's respawn delay for a job that ran `run_time` seconds: it waits out the rest of
/// the throttle interval, then the process starts up.
pub fn respawn_delay(throttle: f64, run_time: f64, startup: f64) -> f64 {
    (throttle - run_time).max(0.0) + startup
}

/// Total seconds covered by `intervals`.
pub fn total(intervals: &[Interval]) -> f64 {
    intervals.iter().map(|iv| iv.end - iv.start).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_the_engine_reads_is_shipped() {
        let assumptions = Assumptions::shipped();
        for name in NAMES_READ {
            assert!(assumptions.kind(name).is_some(), "`{name}` is not in assumptions.ron");
        }
    }

    /// The merge of sorted runs gives what a stable sort of the whole and one sweep gave,
    /// on runs drawn at random with ties, empty intervals and one run out of order.
    #[test]
    fn merging_runs_matches_a_stable_sort() {
        let mut rng = stream(5, 0, 0, Purpose::Failures);
        for case in 0..200 {
            let mut raw = Vec::new();
            let mut runs = Vec::new();
            for run in 0..(1 + case % 6) {
                runs.push(raw.len());
                let mut t = 0.0;
                for k in 0..(case % 9) {
                    t += (uniform(&mut rng) * 4.0).floor();
                    let length = (uniform(&mut rng) * 5.0).floor();
                    let mechanism = if k % 2 == 0 { Mechanism::Human } else { Mechanism::Monitor };
                    raw.push(Interval { start: t, end: t + length, cause: run, mechanism });
                }
            }
            if case % 7 == 0 && raw.len() > 1 {
                raw.swap(0, 1);
            }
            let mut sorted = raw.clone();
            sorted.sort_by(|a, b| a.start.total_cmp(&b.start).then(a.end.total_cmp(&b.end)));
            let mut expected: Vec<Interval> = Vec::new();
            for iv in sorted.iter().filter(|iv| iv.end > iv.start) {
                match expected.last_mut() {
                    Some(last) if iv.start <= last.end => {
                        if iv.end > last.end {
                            last.end = iv.end;
                            last.mechanism = iv.mechanism;
                        }
                    }
                    _ => expected.push(*iv),
                }
            }
            let mut out = Vec::new();
            merge_runs(&mut raw, &runs, &mut Vec::new(), &mut out);
            assert_eq!(out, expected, "case {case}");
        }
    }

    /// Skipping the nodes no measure reads leaves every endpoint's intervals as they were.
    #[test]
    fn measured_trials_keep_the_endpoints_intervals() {
        let twin = crate::testing::reference_twin();
        let clock = Clock::new(&twin.host.time_zone, 2027).unwrap();
        let plant = Plant::new(&twin, Params::new(&Assumptions::shipped()), clock);
        assert!(plant.measured.len() < plant.order.len(), "nothing to skip in the reference twin");
        let (mut all, mut measured) = (plant.scratch(), plant.scratch());
        for trial in 0..50 {
            let spec = TrialSpec::measured_year(trial);
            plant.run(3, &TrialSpec { measured_only: false, ..spec }, &mut all);
            plant.run(3, &spec, &mut measured);
            for &e in &plant.endpoints {
                assert_eq!(all.down[e], measured.down[e], "trial {trial}, {}", plant.nodes[e].id);
            }
            assert_eq!(all.backups, measured.backups);
        }
    }

    #[test]
    fn merge_keeps_first_cause_and_last_mechanism() {
        let iv = |start, end, cause, mechanism| Interval { start, end, cause, mechanism };
        let mut raw = vec![
            iv(5.0, 9.0, 2, Mechanism::Monitor),
            iv(0.0, 6.0, 1, Mechanism::Supervisor),
            iv(20.0, 21.0, 3, Mechanism::Human),
        ];
        let mut out = Vec::new();
        merge_runs(&mut raw, &[0, 1, 2], &mut Vec::new(), &mut out);
        assert_eq!(
            out,
            vec![iv(0.0, 9.0, 1, Mechanism::Monitor), iv(20.0, 21.0, 3, Mechanism::Human)]
        );
        let mut both = Vec::new();
        intersect(&out, &[iv(8.0, 30.0, 4, Mechanism::SelfHealed)], &mut both);
        assert_eq!(
            both,
            vec![iv(8.0, 9.0, 4, Mechanism::Monitor), iv(20.0, 21.0, 3, Mechanism::Human)]
        );
    }
}
