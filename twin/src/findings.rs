//! Static findings: risks the twin shows without simulation, each with a stable code, a
//! risk level and the evidence behind it. Findings the assembler made while reading files
//! (misspelt keys, ingress problems, unrotated logs) are kept; the rest are derived from the
//! twin here, so a twin loaded from RON yields the same list.

use std::collections::BTreeSet;

use drtwin_model::{Edge, Evidence, Finding, Kind, RiskLevel, ServiceRole, Timing, Twin};

/// Codes only the assembler can raise, since the twin no longer holds their cause.
const READ_TIME_CODES: [&str; 4] = [
    "misspelt-key",
    "ingress-config",
    "no-rotation",
    "tunnel-no-run",
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
        if endings.is_none() {
            push(
                "no-keepalive",
                RiskLevel::High,
                format!(
                    "{} is not restarted by launchd when it ends",
                    component.name
                ),
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
                format!(
                    "{} is not restarted after {}",
                    component.name,
                    missing.join(", ")
                ),
                "The KeepAlive dictionary covers only some endings.",
                &component.id,
                first.clone(),
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
        let available = u64::from(
            db.max_connections
                .saturating_sub(db.superuser_reserved_connections),
        );
        if total > available {
            if let Some((_, e)) = db
                .evidence
                .iter()
                .find(|(name, _)| name == "max_connections")
            {
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

    // Edges without timeouts.
    for dependency in &twin.dependencies {
        let Edge::Requires(requirement) = &dependency.kind else {
            continue;
        };
        if requirement.timeout.is_some() {
            continue;
        }
        let Some(target) = twin.component(&dependency.to) else {
            continue;
        };
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
                format!(
                    "{} connects to the database without connect_timeout",
                    dependency.from
                ),
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
                    Timing::Calendar(rules) => rules
                        .iter()
                        .any(|r| r.hours.count_ones() > 1 || r.minutes.count_ones() > 1),
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
                        format!(
                            "{} has no lock; a long run overlaps the next",
                            component.name
                        ),
                        "Nothing stops two runs at once (no flock, lock file or noclobber).",
                        &component.id,
                        evidence.clone(),
                    );
                }
                if let Some(backup) = &job.backup
                    && !backup.checks_errors
                {
                    {
                        push(
                            "no-error-check-in-backup",
                            RiskLevel::High,
                            format!("{} carries on after a failed step", component.name),
                            "Without `set -e` or `|| exit`, a failed pg_dump still gets copied off-site and old good dumps get deleted.",
                            &component.id,
                            evidence.clone(),
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
                let level = if has_offsite {
                    RiskLevel::Medium
                } else {
                    RiskLevel::Critical
                };
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
    out
}
