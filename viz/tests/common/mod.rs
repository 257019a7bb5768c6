//! A small hand-built twin of a Mac mini and realistic results for it, with scenarios in
//! all ten families, for the rendering tests.

use drtwin_model::schedule::{ALL_DAYS, ALL_MONTHS, ALL_WEEKDAYS};
use drtwin_model::*;
use drtwin_sim::*;

fn file(path: &str, line: u32) -> Evidence {
    Evidence::file(path, line, "")
}

fn component(id: &str, name: &str, kind: Kind, evidence: Vec<Evidence>) -> Component {
    Component { id: id.into(), name: name.into(), kind, evidence }
}

fn service(role: ServiceRole, program: &str, ports: Vec<u16>) -> Kind {
    Kind::Service(Service {
        role,
        program: program.into(),
        restart: RestartPolicy {
            supervisor: Some("launchd".into()),
            keep_alive: KeepAlive::Always(true),
            restarts_after: Endings::ALL,
            run_at_load: true,
            throttle_interval: Duration::from_secs(10.0),
            exit_timeout: Duration::from_secs(20.0),
        },
        ports,
        workers: 1,
        concurrency_limit: None,
        pools: Vec::new(),
        logs: Vec::new(),
        memory_limit_bytes: None,
        environment: vec![EnvVar { name: "DATABASE_URL".into(), value: None }],
        database: None,
    })
}

fn job(purpose: JobPurpose, text: &str, command: &str, backup: Option<BackupJob>) -> Kind {
    Kind::Job(Job {
        purpose,
        schedule: Schedule {
            source: ScheduleSource::Cron,
            text: text.into(),
            timing: Timing::Calendar(vec![CalendarRule {
                minutes: 1,
                hours: 1 << 3,
                days: ALL_DAYS,
                months: ALL_MONTHS,
                weekdays: ALL_WEEKDAYS,
                days_or_weekdays: false,
            }]),
        },
        command: command.into(),
        script: None,
        lock: None,
        date_stamp: Some("%Y-%m-%d".into()),
        backup,
    })
}

fn endpoint(access: Access, tier: Tier) -> Kind {
    Kind::Endpoint(Endpoint { access, tier })
}

fn hard(from: &str, to: &str) -> Dependency {
    Dependency {
        from: from.into(),
        to: to.into(),
        kind: Edge::Requires(Requirement { strength: Strength::Hard, timeout: None, any_of: None }),
        evidence: vec![file("apps/portal/db.py", 12)],
    }
}

fn edge(from: &str, to: &str, kind: Edge) -> Dependency {
    Dependency { from: from.into(), to: to.into(), kind, evidence: Vec::new() }
}

pub fn twin() -> Twin {
    let plist = |name: &str| file(&format!("Library/LaunchAgents/{name}.plist"), 5);
    let components = vec![
        component(
            "endpoint:portal",
            "Portal (portal.example.com)",
            endpoint(Access::PublicHostname("portal.example.com".into()), Tier::Production),
            vec![file("etc/cloudflared/config.yml", 4)],
        ),
        component(
            "endpoint:staging",
            "Staging (port 8766)",
            endpoint(Access::LocalPort(8766), Tier::Staging),
            vec![],
        ),
        component(
            "endpoint:bot",
            "Telegram bot",
            endpoint(Access::Bot("gigi".into()), Tier::Production),
            vec![],
        ),
        component(
            "launchd:com.example.portal",
            "portal",
            service(ServiceRole::Web, "/Users/me/apps/venv/bin/python3", vec![8765]),
            vec![plist("com.example.portal")],
        ),
        component(
            "launchd:com.example.staging",
            "portal-staging",
            service(ServiceRole::Web, "/Users/me/apps/venv/bin/python3", vec![8766]),
            vec![plist("com.example.staging")],
        ),
        component(
            "launchd:com.example.bot",
            "telegram-bot",
            service(ServiceRole::Bot, "/Users/me/apps/venv/bin/python3", vec![]),
            vec![plist("com.example.bot")],
        ),
        component(
            "launchd:com.cloudflare.cloudflared",
            "cloudflared",
            service(ServiceRole::Tunnel, "/opt/homebrew/bin/cloudflared", vec![]),
            vec![plist("com.cloudflare.cloudflared")],
        ),
        component(
            "pg:main",
            "PostgreSQL 16",
            service(
                ServiceRole::Database,
                "/opt/homebrew/opt/postgresql@16/bin/postgres",
                vec![5432],
            ),
            vec![plist("homebrew.mxcl.postgresql@16")],
        ),
        component("launchd", "launchd", Kind::Supervisor(SupervisorKind::Launchd), vec![]),
        component(
            "cron:backup",
            "nightly backup",
            job(
                JobPurpose::Backup,
                "0 3 * * *",
                "/bin/bash scripts/backup.sh",
                Some(BackupJob {
                    dump_format: Some("custom".into()),
                    archives: vec![
                        "Library/LaunchAgents".into(),
                        "apps/careassist/.env.example".into(),
                    ],
                    offsite: Some(OffsiteCopy {
                        tool: "rclone".into(),
                        mode: "copy".into(),
                        remote: "gdrive:MacMini-Backups".into(),
                    }),
                    retention_days: Some(7),
                    checks_errors: false,
                }),
            ),
            vec![file("cron/crontab", 3)],
        ),
        component(
            "cron:wellsky-sync",
            "WellSky sync",
            job(JobPurpose::Sync, "0 */2 * * *", "/usr/local/bin/python3 scripts/sync.py", None),
            vec![file("cron/crontab", 5)],
        ),
        component(
            "monitor:health",
            "health monitor",
            Kind::Monitor(Monitor { period: Duration::from_mins(5.0), alert: None }),
            vec![file("scripts/health-monitor.sh", 1)],
        ),
        component(
            "api:api.wellsky.com",
            "WellSky API",
            Kind::ExternalApi(ExternalApi { host: "api.wellsky.com".into() }),
            vec![],
        ),
        component(
            "volume:/",
            "system disk",
            Kind::Volume(Volume {
                mount: "/".into(),
                capacity_bytes: Some(500_000_000_000),
                free_bytes: Some(80_000_000_000),
            }),
            vec![],
        ),
        component(
            "store:local",
            "local backups",
            Kind::BackupStore(BackupStore {
                location: "~/backups".into(),
                offsite: false,
                retention_days: Some(7),
                dumps_found: 7,
                latest_dump_bytes: Some(52_000_000),
            }),
            vec![],
        ),
        component(
            "store:gdrive",
            "Google Drive",
            Kind::BackupStore(BackupStore {
                location: "gdrive:MacMini-Backups".into(),
                offsite: true,
                retention_days: None,
                dumps_found: 0,
                latest_dump_bytes: None,
            }),
            vec![],
        ),
        component("net:uplink", "internet uplink", Kind::Network(NetworkKind::Uplink), vec![]),
        component("host", "Mac mini", Kind::Host, vec![]),
    ];
    let dependencies = vec![
        hard("endpoint:portal", "launchd:com.cloudflare.cloudflared"),
        edge(
            "launchd:com.cloudflare.cloudflared",
            "launchd:com.example.portal",
            Edge::Routes { port: 8765 },
        ),
        hard("endpoint:portal", "launchd:com.example.portal"),
        hard("endpoint:staging", "launchd:com.example.staging"),
        hard("endpoint:bot", "launchd:com.example.bot"),
        hard("launchd:com.example.portal", "pg:main"),
        hard("launchd:com.example.staging", "pg:main"),
        hard("launchd:com.example.bot", "pg:main"),
        Dependency {
            from: "launchd:com.example.bot".into(),
            to: "api:api.wellsky.com".into(),
            kind: Edge::Requires(Requirement {
                strength: Strength::Degrades,
                timeout: None,
                any_of: None,
            }),
            evidence: vec![file("apps/gigi/voice_brain.py", 88)],
        },
        hard("launchd:com.cloudflare.cloudflared", "net:uplink"),
        hard("pg:main", "volume:/"),
        hard("volume:/", "host"),
        hard("net:uplink", "host"),
        hard("launchd", "host"),
        edge("launchd", "launchd:com.example.portal", Edge::Supervises),
        edge("launchd", "pg:main", Edge::Supervises),
        edge(
            "monitor:health",
            "launchd:com.example.portal",
            Edge::Probes {
                period: Duration::from_mins(5.0),
                action: ProbeAction::Restart,
                sees_hangs: true,
            },
        ),
        edge("cron:backup", "store:local", Edge::Copies),
        edge("cron:backup", "store:gdrive", Edge::Copies),
        edge(
            "cron:wellsky-sync",
            "api:api.wellsky.com",
            Edge::Requires(Requirement {
                strength: Strength::Hard,
                timeout: Some(Duration::from_secs(30.0)),
                any_of: None,
            }),
        ),
        edge("cron:backup", "volume:/", Edge::WritesTo { bytes_per_day: 52e6 }),
    ];
    Twin {
        format: TWIN_FORMAT,
        host: HostInfo {
            name: "macmini".into(),
            platform: Platform::MacOs,
            time_zone: "America/Denver".into(),
            time_zone_evidence: file("etc/localtime", 0),
            memory_bytes: Some(16 << 30),
        },
        components,
        dependencies,
        findings: vec![Finding {
            code: "no-timeout".into(),
            level: RiskLevel::High,
            title: "WellSky calls have no timeout".into(),
            detail: "A hung WellSky API hangs the bot.".into(),
            component: Some("launchd:com.example.bot".into()),
            evidence: vec![file("apps/gigi/voice_brain.py", 88)],
        }],
        skipped: vec![Skipped { path: "pgdata/base/1/123".into(), reason: "binary file".into() }],
        unlinked: Vec::new(),
    }
}

fn estimate(value: f64) -> Estimate {
    Estimate { value, low: value * 0.85, high: value * 1.2 }
}

/// A log-normal-looking recovery distribution around a median, in seconds.
fn distribution(median_seconds: f64, spread: f64) -> TimeDistribution {
    let cdf: Vec<(f64, f64)> = (1..=99)
        .map(|percent| {
            let p = f64::from(percent) / 100.0;
            // A logistic quantile on the log scale is close enough for pictures.
            let z = (p / (1.0 - p)).ln() / 1.7;
            (median_seconds * spread.powf(z), p)
        })
        .collect();
    let at = |p: f64| {
        let z = (p / (1.0 - p)).ln() / 1.7;
        estimate(median_seconds * spread.powf(z))
    };
    TimeDistribution {
        samples: 2000,
        mean: estimate(median_seconds * 1.3),
        p50: at(0.5),
        p90: at(0.9),
        p99: at(0.99),
        cdf,
    }
}

/// Titles of the scenarios `results` holds, for the tests to look for.
pub const SCENARIOS: [(Family, &str, f64, RiskLevel); 13] = [
    (
        Family::ServiceCrash,
        "portal crashes (SIGSEGV) under launchd KeepAlive",
        20.0,
        RiskLevel::Low,
    ),
    (Family::ServiceCrash, "telegram-bot exits cleanly & is not restarted", 900.0, RiskLevel::High),
    (Family::Database, "PostgreSQL 16 stops", 600.0, RiskLevel::High),
    (Family::Network, "cloudflared tunnel drops", 120.0, RiskLevel::Medium),
    (Family::Network, "internet uplink down for hours", 5400.0, RiskLevel::High),
    (Family::DiskSpace, "system disk fills up with logs", 14_400.0, RiskLevel::Medium),
    (Family::MemoryPressure, "memory pressure kills the portal", 60.0, RiskLevel::Low),
    (
        Family::DependencyFailure,
        "WellSky API unreachable, calls without timeout",
        3600.0,
        RiskLevel::High,
    ),
    (Family::BackupRecovery, "nightly backup fails silently", 86_400.0, RiskLevel::Critical),
    (Family::ConcurrentLoad, "more callers than uvicorn workers", 300.0, RiskLevel::Medium),
    (Family::TimeBased, "WellSky sync runs overlap", 900.0, RiskLevel::Low),
    (Family::TimeBased, "backup misses the DST gap", 86_400.0, RiskLevel::Medium),
    (Family::MachineLoss, "the Mac mini is lost", 172_800.0, RiskLevel::Critical),
];

/// Every third scenario's recommendation is left unmeasured, as one without a change would
/// be; the others save `7 × (index + 1)` minutes a year against a 4400-minute baseline and
/// cite the file and line to change.
pub const UNMEASURED_EVERY: usize = 3;

fn recommendation(index: usize) -> Recommendation {
    let measured = index % UNMEASURED_EVERY != UNMEASURED_EVERY - 1;
    let saving = 7.0 * (index + 1) as f64;
    Recommendation {
        text: format!(
            "Fix number {index}: set KeepAlive for the portal \
             (Library/LaunchAgents/com.example.portal.plist:{}).",
            index + 3
        ),
        change: Some(format!("(name: \"fix-{index}\", edits: [])")),
        effect_minutes_per_year: measured.then_some(Estimate {
            value: -saving,
            low: -saving * 1.3,
            high: -saving * 0.7,
        }),
        baseline_minutes_per_year: measured.then_some(estimate(4400.0)),
    }
}

/// How many recommendations of [`results`] carry a measured effect.
pub fn measured_recommendations() -> usize {
    (0..SCENARIOS.len()).filter(|index| index % UNMEASURED_EVERY != UNMEASURED_EVERY - 1).count()
}

pub fn results(twin: &Twin) -> Results {
    let scenarios = SCENARIOS
        .iter()
        .enumerate()
        .map(|(index, (family, title, median, risk))| ScenarioResult {
            id: format!("scenario-{index}"),
            family: *family,
            title: (*title).into(),
            injected: vec!["launchd:com.example.portal".into()],
            mode: "crash".into(),
            recovery_time: distribution(*median, 3.0),
            recovered_by: vec![(Mechanism::Supervisor, 0.7), (Mechanism::Human, 0.3)],
            endpoints_down: vec![("endpoint:portal".into(), estimate(median / 60.0))],
            data_loss_window: (*family == Family::MachineLoss)
                .then(|| distribution(12.0 * 3600.0, 1.8)),
            loses_data: true,
            occurrences_per_year: 2.0,
            yearly_production_minutes: estimate(2.0 * median / 60.0),
            risk: *risk,
            behavior: vec![
                Statement {
                    text: format!("When {title}, launchd restarts the process."),
                    evidence: vec![file("Library/LaunchAgents/com.example.portal.plist", 12)],
                },
                Statement {
                    text: "Nobody is alerted.".into(),
                    evidence: vec![Evidence::assumption("human-response-time")],
                },
            ],
            recommendations: vec![recommendation(index)],
            requested: false,
        })
        .collect::<Vec<ScenarioResult>>();
    let policy = Policy::shipped().check(&scenarios);

    let spof_entry =
        |component: &str, endpoint: &str, order: Option<u8>, minutes: f64, rrw: f64| SpofEntry {
            component: component.into(),
            endpoint: endpoint.into(),
            cut_order: order,
            chain: vec![endpoint.into(), component.into()],
            birnbaum: estimate(0.9),
            fussell_vesely: estimate(0.3),
            risk_achievement_worth: estimate(120.0),
            risk_reduction_worth: Estimate { value: rrw, low: rrw, high: rrw },
            downtime_minutes_per_year: estimate(minutes),
        };
    let spof = vec![
        spof_entry("host", "endpoint:portal", Some(1), 1800.0, f64::INFINITY),
        spof_entry("pg:main", "endpoint:portal", Some(1), 240.0, 1.4),
        spof_entry("launchd:com.cloudflare.cloudflared", "endpoint:portal", Some(1), 90.0, 1.1),
        spof_entry("api:api.wellsky.com", "endpoint:bot", None, 30.0, 1.02),
        spof_entry("ghost:component", "endpoint:portal", Some(1), 5000.0, 2.0),
    ];

    let endpoint_result = |id: &str, tier: Tier, minutes: f64| EndpointResult {
        id: id.into(),
        name: twin.component(id).map(|c| c.name.clone()).unwrap_or_default(),
        tier,
        availability: Estimate::exact(1.0 - minutes / 525_600.0),
        downtime_minutes_per_year: estimate(minutes),
        yearly_downtime: distribution(minutes * 60.0 * 0.8, 2.0),
        outages_per_year: estimate(6.0),
        downtime_by_cause: vec![
            ("host".into(), minutes * 0.6),
            ("pg:main".into(), minutes * 0.25),
            ("launchd:com.cloudflare.cloudflared".into(), minutes * 0.15),
        ],
        worst_scenario: Some("scenario-12".into()),
    };

    let run = |job: &str, start: f64, p50: f64| JobRun {
        job: job.into(),
        start_minute: start,
        duration_p10: p50 * 0.6,
        duration_p50: p50,
        duration_p90: p50 * 2.5,
    };
    let mut normal_runs: Vec<JobRun> =
        (0..12).map(|hour| run("cron:wellsky-sync", f64::from(hour) * 120.0, 50.0)).collect();
    normal_runs.push(run("cron:backup", 180.0, 35.0));
    let dst_runs = vec![run("cron:wellsky-sync", 0.0, 50.0), run("cron:wellsky-sync", 120.0, 50.0)];

    Results {
        format: RESULTS_FORMAT,
        twin_fingerprint: twin.fingerprint(),
        host: "macmini".into(),
        time_zone: "America/Denver".into(),
        seed: 42,
        trials: 10_000,
        scenario_trials: 2_000,
        year: 2025,
        versions: Versions {
            drtwin: "0.1.0".into(),
            assumptions: "2025.1".into(),
            generator: "pcg64".into(),
        },
        endpoints: vec![
            endpoint_result("endpoint:portal", Tier::Production, 2400.0),
            endpoint_result("endpoint:bot", Tier::Production, 1900.0),
            endpoint_result("endpoint:staging", Tier::Staging, 3000.0),
        ],
        production_downtime: distribution(4000.0 * 60.0 * 0.8, 2.0),
        scenarios,
        spof,
        assumptions: vec![
            AssumptionUsed {
                name: "host-replacement-time".into(),
                value: "2d".into(),
                source: "vendor next-business-day replacement terms".into(),
                overridden: false,
            },
            AssumptionUsed {
                name: "pg-restore-rate".into(),
                value: "50 MB/min".into(),
                source: "measured on similar hardware".into(),
                overridden: true,
            },
        ],
        sensitivity: vec![
            Sensitivity {
                assumption: "host-replacement-time".into(),
                low_value: "1d".into(),
                high_value: "5d".into(),
                minutes_at_low: 3300.0,
                minutes_at_high: 8900.0,
                minutes_at_baseline: 4400.0,
            },
            Sensitivity {
                assumption: "human-response-time".into(),
                low_value: "10m".into(),
                high_value: "4h".into(),
                minutes_at_low: 4000.0,
                minutes_at_high: 4700.0,
                minutes_at_baseline: 4400.0,
            },
        ],
        schedule: ScheduleSummary {
            normal_day: DaySchedule {
                date: "2025-06-10".into(),
                label: "normal day".into(),
                runs: normal_runs,
                overlaps: vec![("cron:wellsky-sync".into(), "cron:backup".into())],
            },
            dst_days: vec![DaySchedule {
                date: "2025-03-09".into(),
                label: "spring forward".into(),
                runs: dst_runs,
                overlaps: Vec::new(),
            }],
        },
        policy,
    }
}
