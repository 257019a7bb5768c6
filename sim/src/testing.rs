//! Twins built by hand for tests and benchmarks: a small builder, and a reference twin
//! shaped like the seed's Mac mini (services under launchd with mixed keep-alive policies,
//! PostgreSQL, a tunnel, a bot, two monitors, a nightly off-site backup, a sync job without
//! a lock, external APIs with and without timeouts).

use drtwin_model::schedule::{ALL_DAYS, ALL_MINUTES, ALL_MONTHS, ALL_WEEKDAYS};
use drtwin_model::*;

/// Builds a twin one component and edge at a time.
pub struct TwinBuilder {
    twin: Twin,
}

fn evidence(id: &str) -> Vec<Evidence> {
    let path = match id.strip_prefix("launchd:") {
        Some(label) => format!("Library/LaunchAgents/{label}.plist"),
        None => format!("fixture/{}", id.replace(':', "_")),
    };
    vec![Evidence::file(path, 1, id)]
}

impl TwinBuilder {
    pub fn new(time_zone: &str) -> TwinBuilder {
        TwinBuilder {
            twin: Twin {
                format: TWIN_FORMAT,
                host: HostInfo {
                    name: "fixture".into(),
                    platform: Platform::MacOs,
                    time_zone: time_zone.into(),
                    time_zone_evidence: Evidence::assumption("fixture"),
                    memory_bytes: Some(16 << 30),
                },
                components: Vec::new(),
                dependencies: Vec::new(),
                findings: Vec::new(),
                skipped: Vec::new(),
                unlinked: Vec::new(),
            },
        }
    }

    pub fn component(mut self, id: &str, kind: Kind) -> TwinBuilder {
        self.twin.components.push(Component {
            id: id.into(),
            name: match id.split_once(':') {
                Some(("launchd", label)) => label.rsplit('.').next().unwrap_or(label).into(),
                Some((_, rest)) => rest.into(),
                None => id.into(),
            },
            kind,
            evidence: evidence(id),
        });
        self
    }

    pub fn edge(mut self, from: &str, to: &str, kind: Edge) -> TwinBuilder {
        let line = self.twin.dependencies.len() as u32 + 10;
        self.twin.dependencies.push(Dependency {
            from: from.into(),
            to: to.into(),
            kind,
            evidence: vec![Evidence::file(format!("fixture/{}", from.replace(':', "_")), line, to)],
        });
        self
    }

    /// A requirement; `timeout` as a duration string or `None` for no timeout.
    pub fn requires(
        self,
        from: &str,
        to: &str,
        strength: Strength,
        timeout: Option<&str>,
    ) -> TwinBuilder {
        let timeout = timeout.and_then(|text| text.parse().ok());
        self.edge(from, to, Edge::Requires(Requirement { strength, timeout, any_of: None }))
    }

    pub fn any_of(self, from: &str, to: &str, group: &str) -> TwinBuilder {
        self.edge(
            from,
            to,
            Edge::Requires(Requirement {
                strength: Strength::Hard,
                timeout: Some(Duration::from_secs(5.0)),
                any_of: Some(group.into()),
            }),
        )
    }

    pub fn probes(self, monitor: &str, target: &str, period: &str, action: ProbeAction) -> Self {
        let period = period.parse().unwrap_or(Duration::from_mins(5.0));
        self.edge(monitor, target, Edge::Probes { period, action, sees_hangs: true })
    }

    pub fn build(self) -> Twin {
        self.twin
    }
}

/// A service kind with a launchd policy.
pub fn service(role: ServiceRole, restarts_after: Endings, run_at_load: bool, port: u16) -> Kind {
    let keep_alive = if restarts_after == Endings::ALL {
        KeepAlive::Always(true)
    } else if restarts_after.is_none() {
        KeepAlive::Absent
    } else {
        KeepAlive::Conditions(KeepAliveConditions::default())
    };
    Kind::Service(Service {
        role,
        program: "/usr/bin/python3".into(),
        restart: RestartPolicy {
            supervisor: Some("launchd".into()),
            keep_alive,
            restarts_after,
            run_at_load,
            throttle_interval: Duration::from_secs(10.0),
            exit_timeout: Duration::from_secs(20.0),
        },
        ports: if port == 0 { Vec::new() } else { vec![port] },
        workers: 1,
        concurrency_limit: None,
        pools: Vec::new(),
        logs: Vec::new(),
        memory_limit_bytes: None,
        environment: Vec::new(),
        database: None,
    })
}

pub fn endpoint(access: Access, tier: Tier) -> Kind {
    Kind::Endpoint(Endpoint { access, tier })
}

/// A daily cron rule at `hour:minute`.
pub fn daily(hour: u8, minute: u8) -> Schedule {
    Schedule {
        source: ScheduleSource::Cron,
        text: format!("{minute} {hour} * * *"),
        timing: Timing::Calendar(vec![CalendarRule {
            minutes: 1 << minute,
            hours: 1 << hour,
            days: ALL_DAYS,
            months: ALL_MONTHS,
            weekdays: ALL_WEEKDAYS,
            days_or_weekdays: false,
        }]),
    }
}

/// A cron rule `0 */every * * *`.
pub fn every_hours(every: u8) -> Schedule {
    let hours = (0..24).step_by(every.max(1) as usize).fold(0u32, |mask, h| mask | (1 << h));
    Schedule {
        source: ScheduleSource::Cron,
        text: format!("0 */{every} * * *"),
        timing: Timing::Calendar(vec![CalendarRule {
            minutes: 1,
            hours,
            days: ALL_DAYS,
            months: ALL_MONTHS,
            weekdays: ALL_WEEKDAYS,
            days_or_weekdays: false,
        }]),
    }
}

pub fn job(purpose: JobPurpose, schedule: Schedule, backup: Option<BackupJob>) -> Kind {
    Kind::Job(Job {
        purpose,
        schedule,
        command: "/bin/bash script.sh".into(),
        script: None,
        lock: None,
        date_stamp: Some("%Y-%m-%d".into()),
        backup,
    })
}

/// The seed's machine in miniature.
pub fn reference_twin() -> Twin {
    let keep_all = Endings::ALL;
    let crashed_only = Endings { crash_signal: true, ..Endings::NONE };
    let not_clean = Endings { error_exit: true, crash_signal: true, killed: true, ..Endings::NONE };
    let mut database = service(ServiceRole::Database, keep_all, true, 5432);
    if let Kind::Service(service) = &mut database {
        service.database = Some(DatabaseConfig {
            engine: "postgresql".into(),
            port: 5432,
            max_connections: 100,
            superuser_reserved_connections: 3,
            fsync: true,
            full_page_writes: true,
            synchronous_commit: "on".into(),
            wal_level: "replica".into(),
            max_wal_senders: 10,
            archive_mode: "off".into(),
            listen_addresses: "localhost".into(),
            evidence: Vec::new(),
        });
    }
    let mut portal = service(ServiceRole::Web, keep_all, true, 8765);
    if let Kind::Service(service) = &mut portal {
        service.pools.push(Pool {
            max_connections: 60,
            checkout_timeout: Some(Duration::from_secs(30.0)),
            connect_timeout: None,
            evidence: Evidence::file("apps/portal/app.py", 12, "create_engine(...)"),
        });
    }
    let mut gigi = service(ServiceRole::Web, crashed_only, true, 8767);
    if let Kind::Service(service) = &mut gigi {
        service.pools.push(Pool {
            max_connections: 60,
            checkout_timeout: Some(Duration::from_secs(30.0)),
            connect_timeout: Some(Duration::from_secs(10.0)),
            evidence: Evidence::file("apps/gigi/main.py", 20, "create_engine(...)"),
        });
    }
    let backup = BackupJob {
        dump_format: Some("custom".into()),
        archives: vec!["Library/LaunchAgents".into()],
        offsite: Some(OffsiteCopy {
            tool: "rclone".into(),
            mode: "copy".into(),
            remote: "gdrive:MacMini-Backups".into(),
        }),
        retention_days: Some(7),
        checks_errors: false,
    };
    let health = Kind::Monitor(Monitor {
        period: Duration::from_mins(5.0),
        alert: Some(Alert {
            channel: "telegram".into(),
            via: vec!["net:uplink".into(), "api:api.telegram.org".into()],
            evidence: Evidence::file("scripts/health-monitor.sh", 30, "curl api.telegram.org"),
        }),
    });
    let watchdog = Kind::Monitor(Monitor { period: Duration::from_mins(2.0), alert: None });
    let api = |host: &str| Kind::ExternalApi(ExternalApi { host: host.into() });

    TwinBuilder::new("America/Denver")
        .component("host", Kind::Host)
        .component("net:power", Kind::Network(NetworkKind::Power))
        .component("net:uplink", Kind::Network(NetworkKind::Uplink))
        .component("net:dns", Kind::Network(NetworkKind::Dns))
        .component("launchd", Kind::Supervisor(SupervisorKind::Launchd))
        .component("pg:main", database)
        .component("launchd:com.cloudflare.cloudflared", {
            service(ServiceRole::Tunnel, not_clean, true, 0)
        })
        .component("launchd:com.example.portal", portal)
        .component("launchd:com.example.portal-staging", {
            service(ServiceRole::Web, Endings::NONE, true, 8766)
        })
        .component("launchd:com.example.family-portal", {
            service(ServiceRole::Web, Endings::NONE, true, 8768)
        })
        .component("launchd:com.example.gigi", gigi)
        .component("launchd:com.example.telegram-bot", {
            service(ServiceRole::Bot, keep_all, true, 0)
        })
        .component("monitor:health", health)
        .component("monitor:watchdog", watchdog)
        .component("cron:backup", job(JobPurpose::Backup, daily(3, 0), Some(backup)))
        .component("cron:wellsky-sync", job(JobPurpose::Sync, every_hours(2), None))
        .component("api:api.wellsky.com", api("api.wellsky.com"))
        .component("api:api.anthropic.com", api("api.anthropic.com"))
        .component("api:platform.ringcentral.com", api("platform.ringcentral.com"))
        .component("api:api.telegram.org", api("api.telegram.org"))
        .component(
            "volume:/",
            Kind::Volume(Volume {
                mount: "/".into(),
                capacity_bytes: Some(256_000_000_000),
                free_bytes: Some(40_000_000_000),
            }),
        )
        .component(
            "store:gdrive",
            Kind::BackupStore(BackupStore {
                location: "gdrive:MacMini-Backups".into(),
                offsite: true,
                retention_days: None,
                dumps_found: 7,
                latest_dump_bytes: Some(2_000_000_000),
            }),
        )
        .component(
            "endpoint:https://portal.example.com",
            endpoint(Access::PublicHostname("portal.example.com".into()), Tier::Production),
        )
        .component(
            "endpoint:https://family.example.com",
            endpoint(Access::PublicHostname("family.example.com".into()), Tier::Production),
        )
        .component(
            "endpoint:https://gigi.example.com",
            endpoint(Access::PublicHostname("gigi.example.com".into()), Tier::Production),
        )
        .component("endpoint:localhost:8766", endpoint(Access::LocalPort(8766), Tier::Staging))
        .component(
            "endpoint:telegram-bot",
            endpoint(Access::Bot("telegram".into()), Tier::Internal),
        )
        .component(
            "endpoint:offsite-backup",
            endpoint(Access::OffsiteBackup("gdrive".into()), Tier::Internal),
        )
        .requires("host", "net:power", Strength::Hard, None)
        .requires("launchd:com.cloudflare.cloudflared", "net:uplink", Strength::Hard, Some("30s"))
        .requires("launchd:com.cloudflare.cloudflared", "net:dns", Strength::Hard, Some("30s"))
        .requires("launchd:com.example.portal", "pg:main", Strength::Hard, None)
        .requires("launchd:com.example.portal-staging", "pg:main", Strength::Hard, None)
        .requires("launchd:com.example.family-portal", "pg:main", Strength::Hard, Some("10s"))
        .requires("launchd:com.example.gigi", "pg:main", Strength::Hard, Some("10s"))
        .requires("launchd:com.example.gigi", "api:api.anthropic.com", Strength::Hard, Some("30s"))
        .requires("launchd:com.example.gigi", "api:api.wellsky.com", Strength::Fallback, None)
        .requires(
            "launchd:com.example.gigi",
            "api:platform.ringcentral.com",
            Strength::Degrades,
            Some("10s"),
        )
        .requires("launchd:com.example.telegram-bot", "net:uplink", Strength::Hard, Some("5s"))
        .requires(
            "launchd:com.example.telegram-bot",
            "api:api.telegram.org",
            Strength::Hard,
            Some("5s"),
        )
        .requires("cron:backup", "pg:main", Strength::Hard, Some("30s"))
        .requires("cron:backup", "net:uplink", Strength::Hard, Some("30s"))
        .requires("cron:wellsky-sync", "api:api.wellsky.com", Strength::Hard, None)
        .requires(
            "endpoint:https://portal.example.com",
            "launchd:com.cloudflare.cloudflared",
            Strength::Hard,
            Some("30s"),
        )
        .requires(
            "endpoint:https://portal.example.com",
            "launchd:com.example.portal",
            Strength::Hard,
            Some("100s"),
        )
        .requires(
            "endpoint:https://family.example.com",
            "launchd:com.cloudflare.cloudflared",
            Strength::Hard,
            Some("30s"),
        )
        .requires(
            "endpoint:https://family.example.com",
            "launchd:com.example.family-portal",
            Strength::Hard,
            Some("100s"),
        )
        .requires(
            "endpoint:https://gigi.example.com",
            "launchd:com.cloudflare.cloudflared",
            Strength::Hard,
            Some("30s"),
        )
        .requires(
            "endpoint:https://gigi.example.com",
            "launchd:com.example.gigi",
            Strength::Hard,
            Some("100s"),
        )
        .requires(
            "endpoint:localhost:8766",
            "launchd:com.example.portal-staging",
            Strength::Hard,
            None,
        )
        .requires("endpoint:telegram-bot", "launchd:com.example.telegram-bot", Strength::Hard, None)
        .requires("endpoint:offsite-backup", "store:gdrive", Strength::Hard, None)
        .edge("launchd", "launchd:com.example.portal", Edge::Supervises)
        .edge("cron:backup", "store:gdrive", Edge::Copies)
        .edge("pg:main", "volume:/", Edge::WritesTo { bytes_per_day: 150_000_000.0 })
        .edge("launchd:com.example.portal", "volume:/", Edge::WritesTo { bytes_per_day: 5e7 })
        .probes("monitor:health", "endpoint:https://portal.example.com", "5m", ProbeAction::Alert)
        .probes("monitor:health", "launchd:com.example.gigi", "5m", ProbeAction::Alert)
        .probes("monitor:watchdog", "launchd:com.example.portal", "2m", ProbeAction::Restart)
        .probes("monitor:watchdog", "launchd:com.example.gigi", "2m", ProbeAction::Restart)
        .build()
}

/// Every-minute cron schedule, for tests of dense schedules.
/// Every assumption that makes something fail in the background; tests and benchmarks zero
/// them to watch one mechanism at a time.
pub const BACKGROUND_FAILURE_RATES: [&str; 13] = [
    "service-crash-rate",
    "memory-pressure-kill-rate",
    "database-crash-rate",
    "tunnel-update-exit-rate",
    "tunnel-edge-disconnect-rate",
    "uplink-outage-rate",
    "dns-outage-rate",
    "power-outage-rate",
    "disk-failure-rate",
    "logic-board-failure-rate",
    "os-update-reboot-rate",
    "api-outage-rate",
    "load-spike-rate",
];

/// `BACKGROUND_FAILURE_RATES` as entries of an assumptions override map, each set to zero.
pub fn silenced_rates() -> Vec<String> {
    BACKGROUND_FAILURE_RATES.iter().map(|name| format!("\"{name}\": 0.0")).collect()
}

pub fn every_minute() -> Schedule {
    Schedule {
        source: ScheduleSource::Cron,
        text: "* * * * *".into(),
        timing: Timing::Calendar(vec![CalendarRule {
            minutes: ALL_MINUTES,
            ..CalendarRule::EVERY_MINUTE
        }]),
    }
}
