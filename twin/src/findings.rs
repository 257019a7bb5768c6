//! Static findings: risks the twin shows without simulation, each with a stable code, a
//! risk level and the evidence behind it. Findings the assembler made while reading files
//! (misspelt keys, ingress problems, unrotated logs) are kept; the rest are derived from the
//! twin here, so a twin loaded from RON yields the same list.

use std::collections::BTreeSet;

use drtwin_model::{
    Edge, Evidence, Finding, Kind, ProbeAction, RiskLevel, ServiceRole, Tier, Timing, Twin,
};

/// Codes only the assembler can raise, since the twin no longer holds their cause.
const READ_TIME_CODES: [&str; 20] = [
    "misspelt-key",
    "ingress-config",
    "no-rotation",
    "tunnel-no-run",
    "unescaped-percent",
    "watchdog-load-noop",
    "wrong-volume-disk-check",
    "offsite-never-pruned",
    "secrets-in-backup",
    "filevault-no-autologin",
    "connection-leak",
    "bad-dump",
    "offsite-tool-unknown",
    "postgres-will-not-start",
    "nothing-found",
    "keepalive-wrong-type",
    "monitor-not-always-on",
    "dump-unreadable",
    "config-backup-incomplete",
    "offsite-dump-empty",
];

pub fn findings(twin: &Twin) -> Vec<Finding> {
    let mut out: Vec<Finding> = twin
        .findings
        .iter()
        .filter(|f| READ_TIME_CODES.contains(&f.code.as_str()))
        .cloned()
        .collect();
    let mut push = |code: &str,
                    level: RiskLevel,
                    title: String,
                    detail: &str,
                    component: &str,
                    evidence: Vec<Evidence>| {
        out.push(Finding {
            code: code.to_string(),
            level,
            title,
            detail: detail.to_string(),
            component: Some(component.to_string()),
            evidence,
        });
    };
    let probed: BTreeSet<&str> = twin
        .dependencies
        .iter()
        .filter(|d| matches!(d.kind, Edge::Probes { .. }))
        .map(|d| d.to.as_str())
        .collect();
    let database = twin.components.iter().find_map(|c| match &c.kind {
        Kind::Service(s) => s.database.as_ref().map(|db| (c, db)),
        _ => None,
    });

    // Services: restart policy, monitoring, workers.
    for component in &twin.components {
        let Kind::Service(service) = &component.kind else {
            continue;
        };
        let endings = service.restart.restarts_after;
        let first = component.evidence.clone();
        // The supervisor's edge carries the KeepAlive key's line; cite it before the label.
        let keep_alive: Vec<Evidence> = twin
            .dependencies
            .iter()
            .filter(|d| d.to == component.id && matches!(d.kind, Edge::Supervises))
            .flat_map(|d| d.evidence.iter().cloned())
            .filter(|e| matches!(e, Evidence::File { line, .. } if *line > 0))
            .chain(first.iter().cloned())
            .collect();
        if endings.is_none() {
            push(
                "no-keepalive",
                RiskLevel::High,
                format!("{} is not restarted by launchd when it ends", component.name),
                "KeepAlive is absent or false: after any exit or kill the service stays down until a monitor or a person starts it.",
                &component.id,
                first.clone(),
            );
        } else if !(endings.clean_exit
            && endings.error_exit
            && endings.crash_signal
            && endings.killed)
        {
            let mut missing = Vec::new();
            if !endings.clean_exit {
                missing.push("exit 0");
            }
            if !endings.error_exit {
                missing.push("a non-zero exit");
            }
            if !endings.crash_signal {
                missing.push("a crash signal");
            }
            if !endings.killed {
                missing.push("SIGKILL/SIGTERM");
            }
            push(
                "keepalive-partial",
                RiskLevel::Medium,
                format!("{} is not restarted after {}", component.name, missing.join(", ")),
                "launchd.plist(5): the KeepAlive dictionary restarts the job only for the \
                 endings its keys name (SuccessfulExit=false skips exit 0, Crashed=true covers \
                 crash signals only); any other ending leaves the service down.",
                &component.id,
                keep_alive.clone(),
            );
        }
        if !probed.contains(component.id.as_str()) && service.role != ServiceRole::Database
            || (service.role == ServiceRole::Database && !probed.contains(component.id.as_str()))
        {
            push(
                "not-monitored",
                RiskLevel::Medium,
                format!("no monitor probes {}", component.name),
                "Neither the health monitor nor the watchdog checks it; a hang goes unnoticed.",
                &component.id,
                first.clone(),
            );
        }
        let restarted_by_monitor = twin.dependencies.iter().any(|d| {
            d.to == component.id
                && matches!(d.kind, Edge::Probes { action: ProbeAction::Restart, .. })
        });
        if probed.contains(component.id.as_str()) && !restarted_by_monitor {
            // Cite the alert-only probe, and each monitor that restarts other services but
            // leaves this one out.
            let mut evidence: Vec<Evidence> = twin
                .dependencies
                .iter()
                .filter(|d| d.to == component.id && matches!(d.kind, Edge::Probes { .. }))
                .flat_map(|d| d.evidence.iter().cloned())
                .collect();
            for restarter in twin
                .dependencies
                .iter()
                .filter(|d| {
                    matches!(d.kind, Edge::Probes { action: ProbeAction::Restart, .. })
                        && !twin
                            .dependencies
                            .iter()
                            .any(|o| o.from == d.from && o.to == component.id)
                })
                .map(|d| d.from.as_str())
                .collect::<BTreeSet<_>>()
            {
                if let Some(probe) = twin
                    .dependencies
                    .iter()
                    .filter(|d| d.from == restarter && matches!(d.kind, Edge::Probes { .. }))
                    .flat_map(|d| d.evidence.iter())
                    .min()
                {
                    evidence.push(probe.clone());
                }
            }
            push(
                "monitor-alert-only",
                RiskLevel::Medium,
                format!("no monitor restarts {}; its probes only alert or log", component.name),
                "A monitor notices when it is down but only sends an alert or logs it (a \
                 `launchctl load` of a loaded job starts nothing), and the monitor that restarts \
                 the other services leaves it out; it stays down until a person acts.",
                &component.id,
                evidence,
            );
        }
        if service.role == ServiceRole::Web && service.workers <= 1 {
            push(
                "single-worker",
                RiskLevel::Low,
                format!("{} runs one worker", component.name),
                "One blocked request (a hung call) stalls every other request.",
                &component.id,
                first.clone(),
            );
        }
    }

    // Pools against the server's connection limit.
    if let Some((db_component, db)) = database {
        let mut total = 0u64;
        let mut evidence = Vec::new();
        for component in &twin.components {
            let Kind::Service(service) = &component.kind else {
                continue;
            };
            for pool in &service.pools {
                total += u64::from(pool.max_connections) * u64::from(service.workers.max(1));
                evidence.push(pool.evidence.clone());
            }
        }
        let available =
            u64::from(db.max_connections.saturating_sub(db.superuser_reserved_connections));
        if total > available {
            if let Some((_, e)) = db.evidence.iter().find(|(name, _)| name == "max_connections") {
                evidence.push(e.clone());
            }
            push(
                "pool-exceeds-max-connections",
                RiskLevel::High,
                format!("pools may open {total} connections; the server allows {available}"),
                "Sum over services of pool size times workers exceeds max_connections minus the superuser reserve.",
                &db_component.id,
                evidence,
            );
        }
        let mut unsafe_settings = Vec::new();
        if !db.fsync {
            unsafe_settings.push("fsync=off");
        }
        if !db.full_page_writes {
            unsafe_settings.push("full_page_writes=off");
        }
        if db.synchronous_commit == "off" {
            unsafe_settings.push("synchronous_commit=off");
        }
        if !unsafe_settings.is_empty() {
            let evidence = db
                .evidence
                .iter()
                .filter(|(name, _)| {
                    ["fsync", "full_page_writes", "synchronous_commit"].contains(&name.as_str())
                })
                .map(|(_, e)| e.clone())
                .filter(|e| matches!(e, Evidence::File { .. }))
                .collect();
            let level = if db.fsync && db.full_page_writes {
                RiskLevel::Medium
            } else {
                RiskLevel::Critical
            };
            push(
                "unsafe-durability",
                level,
                format!("PostgreSQL runs with {}", unsafe_settings.join(", ")),
                "fsync or full_page_writes off risks corruption after a crash; synchronous_commit off loses the last commits.",
                &db_component.id,
                evidence,
            );
        }
    }

    // Settings PostgreSQL refuses at start-up (xlog.c checks them before anything else):
    // "WAL streaming (max_wal_senders > 0) requires wal_level replica or logical" and "WAL
    // archival cannot be enabled when wal_level is minimal".
    if let Some((db_component, db)) = database
        && db.wal_level == "minimal"
    {
        let cite = |names: &[&str]| -> Vec<Evidence> {
            db.evidence
                .iter()
                .filter(|(name, _)| names.contains(&name.as_str()))
                .map(|(_, e)| e.clone())
                .collect()
        };
        if db.max_wal_senders > 0 {
            push(
                "postgres-will-not-start",
                RiskLevel::Critical,
                format!(
                    "PostgreSQL refuses to start: wal_level = minimal with max_wal_senders = {}",
                    db.max_wal_senders
                ),
                "PostgreSQL stops at start-up with \"WAL streaming (max_wal_senders > 0) requires \
                 wal_level replica or logical\" (max_wal_senders defaults to 10). Set \
                 max_wal_senders = 0 or raise wal_level.",
                &db_component.id,
                cite(&["wal_level", "max_wal_senders"]),
            );
        }
        if archiving(&db.archive_mode) {
            push(
                "postgres-will-not-start",
                RiskLevel::Critical,
                format!(
                    "PostgreSQL refuses to start: archive_mode = {} with wal_level = minimal",
                    db.archive_mode
                ),
                "PostgreSQL stops at start-up with \"WAL archival cannot be enabled when wal_level \
                 is minimal\". Turn archive_mode off or raise wal_level.",
                &db_component.id,
                cite(&["wal_level", "archive_mode"]),
            );
        }
    }

    // Point-in-time recovery needs WAL archiving or a streaming standby (PostgreSQL docs,
    // "Continuous Archiving and Point-in-Time Recovery").
    if let Some((db_component, db)) = database
        && db.archive_mode == "off"
    {
        let evidence: Vec<Evidence> = db
            .evidence
            .iter()
            .filter(|(name, _)| {
                name == "archive_mode" || (name == "max_wal_senders" && db.max_wal_senders == 0)
            })
            .map(|(_, e)| e.clone())
            .collect();
        let standby = if db.max_wal_senders == 0 {
            " and max_wal_senders = 0 rules out a standby or pg_basebackup"
        } else {
            ""
        };
        push(
            "no-pitr",
            RiskLevel::High,
            format!("PostgreSQL keeps no WAL archive{standby}"),
            "With archive_mode off the only restore point is the last dump: everything written \
             since it is lost with the disk.",
            &db_component.id,
            evidence,
        );
    }

    // Staging and production on one database server: a staging load test or migration
    // takes connections and I/O from production.
    let tier_services = |tier: Tier| -> BTreeSet<&str> {
        twin.endpoints()
            .into_iter()
            .filter(|e| matches!(&e.kind, Kind::Endpoint(endpoint) if endpoint.tier == tier))
            .flat_map(|e| {
                twin.dependencies
                    .iter()
                    .filter(move |d| d.from == e.id && matches!(d.kind, Edge::Requires(_)))
                    .map(|d| d.to.as_str())
            })
            .filter(|id| matches!(twin.component(id).map(|c| &c.kind), Some(Kind::Service(s)) if s.role != ServiceRole::Tunnel))
            .collect()
    };
    let production = tier_services(Tier::Production);
    let staging = tier_services(Tier::Staging);
    if let Some((db_component, _)) = database {
        let uses_db = |service: &str| {
            twin.dependencies.iter().find(|d| d.from == service && d.to == db_component.id)
        };
        let shared_with_production = production.iter().any(|p| uses_db(p).is_some());
        for service in staging.difference(&production) {
            if let (true, Some(edge)) = (shared_with_production, uses_db(service)) {
                push(
                    "staging-shares-production-db",
                    RiskLevel::Medium,
                    format!("staging {service} uses the production database server"),
                    "Staging and production connect to the same PostgreSQL server: they share \
                     its connection limit, disk and crashes, so a staging mistake takes \
                     production down with it.",
                    service,
                    edge.evidence.clone(),
                );
            }
        }
    }

    // Edges without timeouts.
    for dependency in &twin.dependencies {
        let Edge::Requires(requirement) = &dependency.kind else {
            continue;
        };
        let Some(target) = twin.component(&dependency.to) else {
            continue;
        };
        // A zero timeout on a database edge is the assembler's "refused at once while the
        // local server is down", not a configured connect_timeout.
        let unbounded = match requirement.timeout {
            None => true,
            Some(timeout) => timeout.secs() == 0.0 && matches!(target.kind, Kind::Service(_)),
        };
        if !unbounded {
            continue;
        }
        match &target.kind {
            Kind::ExternalApi(api) => push(
                "no-timeout",
                RiskLevel::High,
                format!("{} calls {} without a timeout", dependency.from, api.host),
                "A slow or silent API hangs the caller's worker forever.",
                &dependency.from,
                dependency.evidence.clone(),
            ),
            Kind::Service(service) if service.role == ServiceRole::Database => push(
                "no-connect-timeout",
                RiskLevel::Medium,
                format!("{} connects to the database without connect_timeout", dependency.from),
                "libpq waits forever for a connection when the server is hung.",
                &dependency.from,
                dependency.evidence.clone(),
            ),
            _ => {}
        }
    }

    // Jobs and monitors.
    let dst_zone = !matches!(
        twin.host.time_zone.as_str(),
        "UTC"
            | "Etc/UTC"
            | "GMT"
            | "Asia/Tokyo"
            | "Asia/Kolkata"
            | "America/Phoenix"
            | "Asia/Shanghai"
    );
    for component in &twin.components {
        match &component.kind {
            Kind::Job(job) => {
                let evidence = component.evidence.clone();
                let frequent = match &job.schedule.timing {
                    Timing::Calendar(rules) => {
                        rules.iter().any(|r| r.hours.count_ones() > 1 || r.minutes.count_ones() > 1)
                    }
                    Timing::Every(_) => true,
                    Timing::AtBoot => false,
                };
                if job.lock.is_none() && !matches!(job.schedule.timing, Timing::AtBoot) {
                    let level = if frequent || job.backup.is_some() {
                        RiskLevel::Medium
                    } else {
                        RiskLevel::Low
                    };
                    push(
                        "no-lock",
                        level,
                        format!("{} has no lock; a long run overlaps the next", component.name),
                        "Nothing stops two runs at once (no flock, lock file or noclobber).",
                        &component.id,
                        evidence.clone(),
                    );
                }
                // A backup with no copy off the machine is lost with it (theft, fire, a dead
                // disk). An upload drtwin cannot follow has its own read-time finding.
                if let Some(backup) = &job.backup
                    && backup.offsite.is_none()
                    && !twin.findings.iter().any(|f| {
                        f.code == "offsite-tool-unknown"
                            && f.component.as_deref() == Some(component.id.as_str())
                    })
                {
                    let dump_evidence: Vec<Evidence> = twin
                        .dependencies
                        .iter()
                        .filter(|d| {
                            d.from == component.id && database.is_some_and(|(db, _)| db.id == d.to)
                        })
                        .flat_map(|d| d.evidence.iter().cloned())
                        .chain(evidence.iter().cloned())
                        .collect();
                    push(
                        "no-offsite-copy",
                        RiskLevel::High,
                        format!("{} keeps every backup on this machine", component.name),
                        "The backup job copies nothing off the machine (no rclone, aws s3, gsutil, \
                         b2, restic or borg to a remote, no rsync or scp to another host): losing \
                         the machine or its disk loses the data and every backup of it.",
                        &component.id,
                        dump_evidence,
                    );
                }
                if let Some(backup) = &job.backup
                    && !backup.checks_errors
                {
                    // The pg_dump line is on the job's edge to the database.
                    let dump_evidence: Vec<Evidence> = twin
                        .dependencies
                        .iter()
                        .filter(|d| {
                            d.from == component.id && database.is_some_and(|(db, _)| db.id == d.to)
                        })
                        .flat_map(|d| d.evidence.iter().cloned())
                        .chain(evidence.iter().cloned())
                        .collect();
                    {
                        push(
                            "no-error-check-in-backup",
                            RiskLevel::High,
                            format!("{} carries on after a failed step", component.name),
                            "Without `set -e` or `|| exit`, a failed pg_dump still gets copied off-site and old good dumps get deleted.",
                            &component.id,
                            dump_evidence,
                        );
                    }
                }
                if dst_zone
                    && job.schedule.source == drtwin_model::ScheduleSource::Cron
                    && let Timing::Calendar(rules) = &job.schedule.timing
                    && rules.iter().any(|r| {
                        r.hours & (1 << 2) != 0
                            && r.hours.count_ones() < 24
                            && r.hours.count_ones() <= 12
                    })
                    && rules.iter().any(|r| r.hours.count_ones() == 1)
                {
                    push(
                        "dst-gap-job",
                        RiskLevel::Low,
                        format!(
                            "{} runs at 02:xx, which {} skips on the spring-forward night",
                            component.name, twin.host.time_zone
                        ),
                        "macOS cron without -s does not run jobs in the skipped hour.",
                        &component.id,
                        evidence.clone(),
                    );
                }
                // crontab(5): when both day fields are restricted (neither starts with `*`)
                // a day matching either runs the job; launchd ORs Day and Weekday too.
                if let Timing::Calendar(rules) = &job.schedule.timing
                    && rules.iter().any(|r| {
                        r.days_or_weekdays
                            && r.days != drtwin_model::schedule::ALL_DAYS
                            && r.weekdays != drtwin_model::schedule::ALL_WEEKDAYS
                    })
                {
                    push(
                        "day-fields-or",
                        RiskLevel::Low,
                        format!(
                            "{} runs on its days of the month and also on every matching weekday",
                            component.name
                        ),
                        "Both the day-of-month and the day-of-week field are set, so cron runs the job when either matches (not both): `1,15 * 1` runs on the 1st, the 15th and every Monday.",
                        &component.id,
                        evidence.clone(),
                    );
                }
            }
            Kind::Monitor(monitor) => {
                if let Some(alert) = &monitor.alert
                    && alert.via.iter().any(|v| v == "host")
                {
                    push(
                        "alert-same-host",
                        RiskLevel::High,
                        format!("{} alerts from the machine it watches", component.name),
                        "When the host, its power or its uplink fails, no alert leaves it.",
                        &component.id,
                        vec![alert.evidence.clone()],
                    );
                }
            }
            Kind::BackupStore(store) if !store.offsite => {
                let has_offsite = twin
                    .components
                    .iter()
                    .any(|c| matches!(&c.kind, Kind::BackupStore(s) if s.offsite));
                let level = if has_offsite { RiskLevel::Medium } else { RiskLevel::Critical };
                push(
                    "backups-same-disk",
                    level,
                    format!("{} is on the database's disk", component.name),
                    "A disk loss takes the database and its local dumps together.",
                    &component.id,
                    component.evidence.clone(),
                );
            }
            _ => {}
        }
    }

    // A code both read-time and derived (the PostgreSQL start checks) appears once: after a
    // scan, `twin.findings` already holds the derived ones.
    let mut unique: Vec<Finding> = Vec::with_capacity(out.len());
    for finding in out {
        if !unique.iter().any(|f| {
            f.code == finding.code
                && f.component == finding.component
                && f.evidence == finding.evidence
                && f.title == finding.title
        }) {
            unique.push(finding);
        }
    }
    unique
}

/// Whether `archive_mode` turns archiving on: `always`, or a boolean PostgreSQL reads as true.
pub fn archiving(archive_mode: &str) -> bool {
    archive_mode == "always" || crate::postgres::boolean(archive_mode) == Some(true)
}
