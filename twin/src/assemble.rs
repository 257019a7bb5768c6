//! The assembler: reads each file with its format's module and links the facts into the
//! twin's components and edges, following the id conventions (`host`, `launchd`, `cron`,
//! `launchd:<Label>`, `cron:<script>`, `api:<host>`, `volume:/`, `backup:local:<path>`,
//! `backup:offsite:<remote>`, `net:uplink|dns|power`, `endpoint:...`).
//!
//! Judgements made here, stated once:
//! - An external API call whose failure is caught and answered from a cache is `Fallback`;
//!   one caught and merely logged is `Degrades` (the request goes on without that part);
//!   anything else is `Hard`. A service's edge to an API takes the worst of its calls, and
//!   waits forever if any call does.
//! - A monitor probes a service when its script names the service's label, checks its port,
//!   matches its process (`pgrep`) or, for a database, runs `pg_isready`. The action is
//!   what runs on failure of that check; for data lines (`label:port:restart`) the words on
//!   the line decide, else whether the script restarts anything at all.

use std::collections::{BTreeMap, BTreeSet};

use drtwin_model::{
    Access, Alert, BackupStore, Component, Dependency, Duration, Edge, Endpoint, Evidence,
    ExternalApi, Finding, HostInfo, Job, JobPurpose, Kind, Lock, Monitor, NetworkKind, Platform,
    Pool, ProbeAction, Requirement, RiskLevel, Schedule, ScheduleSource, Service, ServiceRole,
    Strength, SupervisorKind, TWIN_FORMAT, Tier, Timing, Twin, Volume,
};
use tracing::debug;

use crate::launchd::LaunchdJob;
use crate::python::{Guard, PythonFacts};
use crate::shell::ScriptFacts;
use crate::walk::{Tree, map_path, parent};
use crate::{cloudflared, cron, launchd, logs, postgres, python, redact, shell, snapshot};

/// The twin under construction.
struct Builder {
    components: Vec<Component>,
    dependencies: Vec<Dependency>,
    findings: Vec<Finding>,
    unlinked: Vec<String>,
}

impl Builder {
    fn add(&mut self, id: &str, name: &str, kind: Kind, evidence: Evidence) {
        if let Some(existing) = self.components.iter_mut().find(|c| c.id == id) {
            if !existing.evidence.contains(&evidence) {
                existing.evidence.push(evidence);
            }
            return;
        }
        self.components.push(Component {
            id: id.to_string(),
            name: name.to_string(),
            kind,
            evidence: vec![evidence],
        });
    }

    /// Adds evidence to an existing component.
    fn cite(&mut self, id: &str, evidence: Evidence) {
        if let Some(existing) = self.components.iter_mut().find(|c| c.id == id)
            && !existing.evidence.contains(&evidence)
        {
            existing.evidence.push(evidence);
        }
    }

    fn has(&self, id: &str) -> bool {
        self.components.iter().any(|c| c.id == id)
    }

    fn edge(&mut self, from: &str, to: &str, kind: Edge, evidence: Evidence) {
        if from == to {
            return;
        }
        if let Some(existing) =
            self.dependencies.iter_mut().find(|d| d.from == from && d.to == to && d.kind == kind)
        {
            if !existing.evidence.contains(&evidence) {
                existing.evidence.push(evidence);
            }
            return;
        }
        self.dependencies.push(Dependency {
            from: from.to_string(),
            to: to.to_string(),
            kind,
            evidence: vec![evidence],
        });
    }

    fn hard(&mut self, from: &str, to: &str, timeout: Option<Duration>, evidence: Evidence) {
        let requirement = Requirement { strength: Strength::Hard, timeout, any_of: None };
        self.edge(from, to, Edge::Requires(requirement), evidence);
    }

    fn finding(
        &mut self,
        code: &str,
        level: RiskLevel,
        title: String,
        detail: &str,
        component: Option<&str>,
        evidence: Vec<Evidence>,
    ) {
        // One script run by two cron lines (a schedule and `@reboot`) shows its faults once.
        if self.findings.iter().any(|f| f.code == code && f.evidence == evidence) {
            return;
        }
        self.findings.push(Finding {
            code: code.to_string(),
            level,
            title,
            detail: detail.to_string(),
            component: component.map(str::to_string),
            evidence,
        });
    }

    fn api(&mut self, host: &str, evidence: Evidence) -> String {
        let id = format!("api:{host}");
        self.add(&id, host, Kind::ExternalApi(ExternalApi { host: host.to_string() }), evidence);
        id
    }
}

/// A unit of code the twin knows: the service or job id, its working folder, its entry.
struct CodeOwner {
    id: String,
    working_directory: String,
    entry: Option<String>,
    has_database_url: bool,
    database_url_evidence: Option<Evidence>,
}

pub fn assemble(mut tree: Tree) -> Twin {
    let mut b = Builder {
        components: Vec::new(),
        dependencies: Vec::new(),
        findings: Vec::new(),
        unlinked: Vec::new(),
    };

    // The host and what it stands on.
    let host_name =
        tree.root.file_name().map_or("host".to_string(), |n| n.to_string_lossy().into_owned());
    let (time_zone, time_zone_evidence) = read_time_zone(&mut tree, &mut b);
    let memory_bytes = first_existing(&tree, &["snapshot/vm_stat.txt", "snapshot/vm_stat"])
        .and_then(|path| tree.read_text(&path))
        .and_then(|text| snapshot::memory_from_vm_stat(&text));
    b.add("host", &host_name, Kind::Host, Evidence::assumption("the scanned tree is one machine"));
    b.add(
        "net:power",
        "power",
        Kind::Network(NetworkKind::Power),
        Evidence::assumption("mains power"),
    );
    b.add(
        "net:uplink",
        "uplink",
        Kind::Network(NetworkKind::Uplink),
        Evidence::assumption("one internet uplink"),
    );
    b.add(
        "net:dns",
        "DNS",
        Kind::Network(NetworkKind::Dns),
        Evidence::assumption("public DNS resolution"),
    );
    b.hard("host", "net:power", None, Evidence::assumption("a host needs power"));

    // Disk.
    let df = first_existing(&tree, &["snapshot/df-h.txt", "snapshot/df.txt"]);
    let mut volume = Volume { mount: "/".to_string(), capacity_bytes: None, free_bytes: None };
    let mut volume_evidence = Evidence::assumption("one disk holds everything");
    if let Some(path) = df
        && let Some(text) = tree.read_text(&path)
        && let Some((capacity, free, line)) = logs::parse_df(&text, "/")
    {
        volume.capacity_bytes = Some(capacity);
        volume.free_bytes = Some(free);
        let row = text.lines().nth(line as usize - 1).unwrap_or("");
        volume_evidence = Evidence::file(path, line, redact::excerpt(row));
    }
    b.add("volume:/", "disk /", Kind::Volume(volume), volume_evidence);
    b.hard("host", "volume:/", None, Evidence::assumption("the system disk is part of the host"));

    // launchd jobs.
    let plists: Vec<String> = tree
        .files
        .keys()
        .filter(|p| {
            (p.starts_with("Library/LaunchAgents/") || p.starts_with("Library/LaunchDaemons/"))
                && p.ends_with(".plist")
        })
        .cloned()
        .collect();
    let mut jobs: Vec<(LaunchdJob, Option<String>)> = Vec::new();
    for path in plists {
        let Some(bytes) = tree.read_bytes(&path) else {
            continue;
        };
        match launchd::parse(&path, &bytes) {
            Ok(job) => {
                let text = (!bytes.starts_with(b"bplist"))
                    .then(|| launchd::blank_xml_comments(&String::from_utf8_lossy(&bytes)));
                jobs.push((job, text));
            }
            Err(reason) => tree.skip(&path, &format!("launchd would reject it: {reason}")),
        }
    }
    if !jobs.is_empty() {
        b.add(
            "launchd",
            "launchd",
            Kind::Supervisor(SupervisorKind::Launchd),
            Evidence::file(&jobs[0].0.path, 0, "launchd job"),
        );
        b.hard("launchd", "host", None, Evidence::assumption("launchd runs on the host"));
    }
    filevault(&mut tree, &mut b, &jobs);
    let listed =
        first_existing(&tree, &["snapshot/launchctl-list.txt", "snapshot/launchctl_list.txt"])
            .and_then(|path| {
                tree.read_text(&path).map(|text| (path, snapshot::parse_launchctl_list(&text)))
            });

    // Python code, read once.
    let python_files: Vec<String> =
        tree.files.keys().filter(|p| p.ends_with(".py")).cloned().collect();
    let mut python: BTreeMap<String, PythonFacts> = BTreeMap::new();
    for path in python_files {
        if let Some(text) = tree.read_text(&path) {
            python.insert(path, python::analyse(&text));
        }
    }

    // The database first, so services can link to it.
    let mut database_id: Option<(String, u16)> = None;
    let mut code_owners: Vec<CodeOwner> = Vec::new();
    for (job, text) in &jobs {
        let id = format!("launchd:{}", job.label);
        let mut evidence = vec![job.label_evidence.clone()];
        if let Some((path, rows)) = &listed
            && let Some(row) = rows.iter().find(|row| row.label == job.label)
        {
            let state = match row.pid {
                Some(pid) => format!("running as {pid}, last exit {}", row.status),
                None => format!("not running, last exit {}", row.status),
            };
            evidence.push(Evidence::file(path.clone(), row.line, state));
        } else if listed.is_some() {
            b.unlinked.push(format!(
                "`{}` has a plist but is not in the captured launchctl list",
                job.label
            ));
        }
        for (key, meant, key_evidence) in &job.misspelt {
            b.finding(
                "misspelt-key",
                RiskLevel::High,
                format!(
                    "`{key}` in {} is not a launchd key (meant `{meant}`?); launchd ignores it",
                    job.label
                ),
                "launchd.plist(5) keys are case-sensitive and launchd ignores unknown ones, so \
                 the setting this key was meant to make does not apply.",
                Some(&id),
                vec![key_evidence.clone()],
            );
        }
        let working_directory =
            job.working_directory.as_deref().and_then(|w| map_path(w, None)).unwrap_or_default();
        let entry = entry_of(&job.arguments, &working_directory, &tree);

        if job.is_scheduled() {
            let (schedule, schedule_evidence) = if let Some((rules, text, e)) = &job.calendar {
                (
                    Schedule {
                        source: ScheduleSource::LaunchdCalendar,
                        text: text.clone(),
                        timing: Timing::Calendar(rules.clone()),
                    },
                    e.clone(),
                )
            } else if let Some((seconds, e)) = &job.start_interval {
                (
                    Schedule {
                        source: ScheduleSource::LaunchdInterval,
                        text: format!("StartInterval {seconds}"),
                        timing: Timing::Every(Duration::from_secs(*seconds as f64)),
                    },
                    e.clone(),
                )
            } else {
                continue;
            };
            let name = job.label.rsplit('.').next().unwrap_or(&job.label);
            let script = entry.clone();
            let kind = Kind::Job(Job {
                purpose: purpose_of(name, None),
                schedule,
                command: redact::excerpt(&job.arguments.join(" ")),
                script,
                lock: Some(Lock::Supervisor),
                date_stamp: None,
                backup: None,
            });
            b.add(&id, name, kind, job.label_evidence.clone());
            for e in evidence.into_iter().skip(1).chain([schedule_evidence.clone()]) {
                b.cite(&id, e);
            }
            b.hard(&id, "host", None, job.label_evidence.clone());
            b.edge("launchd", &id, Edge::Schedules, schedule_evidence);
        } else {
            let mut database = None;
            if job.role == ServiceRole::Database {
                database = read_database(&mut tree, job, &mut b);
            }
            let ports: Vec<u16> = match &database {
                Some(config) => vec![config.port],
                None => job.ports.iter().map(|(port, _)| *port).collect(),
            };
            let service = Service {
                role: job.role,
                program: job.program.clone(),
                restart: job.restart.clone(),
                ports: ports.clone(),
                workers: job.workers.0,
                concurrency_limit: job.concurrency_limit,
                pools: Vec::new(),
                logs: job.logs.clone(),
                memory_limit_bytes: job.memory_limit_bytes,
                environment: job.env_vars(),
                database,
            };
            let name = job.label.rsplit('.').next().unwrap_or(&job.label).to_string();
            let name = if name.starts_with("postgresql") { job.label.clone() } else { name };
            b.add(&id, &name, Kind::Service(service), evidence[0].clone());
            for e in evidence.into_iter().skip(1).chain(job.ports.iter().map(|(_, e)| e.clone())) {
                b.cite(&id, e);
            }
            b.hard(&id, "host", None, job.label_evidence.clone());
            b.edge("launchd", &id, Edge::Supervises, job.keep_alive_evidence.clone());
            if job.role == ServiceRole::Database {
                database_id = Some((id.clone(), ports.first().copied().unwrap_or(5432)));
                b.hard(
                    &id,
                    "volume:/",
                    None,
                    Evidence::assumption("the data folder is on the system disk"),
                );
            }
        }
        let _ = text;
        code_owners.push(CodeOwner {
            id,
            working_directory,
            entry,
            has_database_url: job.env("DATABASE_URL").is_some(),
            database_url_evidence: job
                .env("DATABASE_URL")
                .map(|_| job.evidence_for("DATABASE_URL", text.as_deref())),
        });
    }

    // Tunnels.
    let mut routes: Vec<(String, cloudflared::Ingress)> = Vec::new();
    for (job, _) in jobs.iter().filter(|(job, _)| job.role == ServiceRole::Tunnel) {
        let id = format!("launchd:{}", job.label);
        let config_arg = job
            .arguments
            .iter()
            .position(|a| a == "--config")
            .and_then(|i| job.arguments.get(i + 1));
        let config_path = config_arg
            .and_then(|c| map_path(c, None))
            .unwrap_or_else(|| ".cloudflared/config.yml".to_string());
        b.hard(
            &id,
            "net:uplink",
            None,
            Evidence::assumption("a tunnel reaches the edge over the uplink"),
        );
        b.hard(&id, "net:dns", None, Evidence::assumption("a tunnel resolves the edge by DNS"));
        if !job.arguments.iter().any(|a| a == "run") {
            b.finding(
                "tunnel-no-run",
                RiskLevel::High,
                format!("{} starts cloudflared without `tunnel run`; it serves nothing", job.label),
                "cloudflared without the `tunnel run` subcommand starts, prints its usage and \
                 connects nothing, so every hostname of the tunnel is down.",
                Some(&id),
                vec![job.label_evidence.clone()],
            );
        }
        let Some(text) = tree.read_text(&config_path) else {
            b.unlinked.push(format!(
                "tunnel `{}` reads `{config_path}`, which is not in the tree",
                job.label
            ));
            continue;
        };
        match cloudflared::parse(&config_path, &text) {
            Ok(config) => {
                if let Some(credentials) = &config.credentials_file
                    && let Some(mapped) = map_path(credentials, None)
                    && tree.exists(&mapped)
                {
                    tree.skip(&mapped, "tunnel credentials; never opened");
                }
                for (problem, evidence) in config.problems {
                    b.finding(
                        "ingress-config",
                        RiskLevel::Medium,
                        problem,
                        "cloudflared matches ingress rules top to bottom; the last rule must \
                         match everything and no earlier rule may.",
                        Some(&id),
                        vec![evidence],
                    );
                }
                for rule in config.ingress {
                    routes.push((id.clone(), rule));
                }
            }
            Err(reason) => {
                tree.skip(&config_path, &format!("malformed YAML: {}", redact::excerpt(&reason)))
            }
        }
    }

    // Which service listens on which port.
    let listeners: BTreeMap<u16, String> = b
        .components
        .iter()
        .filter_map(|c| match &c.kind {
            Kind::Service(s) => {
                Some(s.ports.iter().map(|p| (*p, c.id.clone())).collect::<Vec<_>>())
            }
            _ => None,
        })
        .flatten()
        .collect();

    // Public endpoints through the tunnel.
    let mut tunnelled_ports = BTreeSet::new();
    let hostnames: Vec<String> =
        routes.iter().filter_map(|(_, r)| r.hostname.clone()).fold(Vec::new(), |mut v, h| {
            if !v.contains(&h) {
                v.push(h);
            }
            v
        });
    for (tunnel, rule) in &routes {
        let Some(port) = rule.port else { continue };
        match listeners.get(&port) {
            Some(service) => {
                b.edge(tunnel, service, Edge::Routes { port }, rule.evidence.clone());
                tunnelled_ports.insert(port);
            }
            None => b.unlinked.push(format!(
                "ingress `{}` routes to port {port}, where no service listens",
                rule.hostname.as_deref().unwrap_or("*")
            )),
        }
    }
    for hostname in hostnames {
        let lower = hostname.to_ascii_lowercase();
        let tier = if ["staging", "stage", "dev", "test"]
            .iter()
            .any(|w| lower.split(['.', '-']).any(|part| part == *w) || lower.contains("staging"))
        {
            Tier::Staging
        } else {
            Tier::Production
        };
        let id = format!("endpoint:https://{hostname}");
        let rules: Vec<&(String, cloudflared::Ingress)> =
            routes.iter().filter(|(_, r)| r.hostname.as_deref() == Some(&hostname)).collect();
        let Some((tunnel, first)) = rules.first() else {
            continue;
        };
        b.add(
            &id,
            &hostname,
            Kind::Endpoint(Endpoint { access: Access::PublicHostname(hostname.clone()), tier }),
            first.evidence.clone(),
        );
        b.hard(&id, tunnel, None, first.evidence.clone());
        let main_rules: Vec<&&(String, cloudflared::Ingress)> = {
            let without_path: Vec<_> = rules.iter().filter(|(_, r)| r.path.is_none()).collect();
            if without_path.is_empty() { rules.iter().collect() } else { without_path }
        };
        for (_, rule) in main_rules {
            if let Some(service) = rule.port.and_then(|port| listeners.get(&port)) {
                b.hard(&id, service, Some(rule.connect_timeout), rule.evidence.clone());
            }
        }
    }

    // Local web ports and bots.
    let services: Vec<(String, Service, Evidence)> = b
        .components
        .iter()
        .filter_map(|c| match &c.kind {
            Kind::Service(s) => Some((c.id.clone(), s.clone(), c.evidence[0].clone())),
            _ => None,
        })
        .collect();
    for (id, service, evidence) in &services {
        match service.role {
            ServiceRole::Web => {
                for port in service.ports.iter().filter(|p| !tunnelled_ports.contains(p)) {
                    let endpoint = format!("endpoint:port:{port}");
                    b.add(
                        &endpoint,
                        &format!("port {port}"),
                        Kind::Endpoint(Endpoint {
                            access: Access::LocalPort(*port),
                            tier: Tier::Internal,
                        }),
                        evidence.clone(),
                    );
                    b.hard(&endpoint, id, None, evidence.clone());
                }
            }
            ServiceRole::Bot => {
                let label = id.trim_start_matches("launchd:");
                let endpoint = format!("endpoint:bot:{label}");
                b.add(
                    &endpoint,
                    &format!("bot {label}"),
                    Kind::Endpoint(Endpoint {
                        access: Access::Bot(label.to_string()),
                        tier: Tier::Production,
                    }),
                    evidence.clone(),
                );
                b.hard(&endpoint, id, None, evidence.clone());
                let api = b.api(
                    "api.telegram.org",
                    Evidence::assumption("a Telegram bot polls api.telegram.org"),
                );
                b.hard(
                    id,
                    &api,
                    Some(Duration::from_secs(5.0)),
                    Evidence::assumption("python-telegram-bot network timeout 5 s"),
                );
                b.hard(
                    id,
                    "net:uplink",
                    None,
                    Evidence::assumption("a bot reaches its API over the uplink"),
                );
            }
            _ => {}
        }
    }

    // Cron tables.
    let mut tables: Vec<(String, bool)> = tree
        .files
        .keys()
        .filter(|p| p.starts_with("cron/") && !p.ends_with(".md"))
        .map(|p| (p.clone(), false))
        .collect();
    if tree.exists("etc/crontab") {
        tables.push(("etc/crontab".to_string(), true));
    }
    if tables.is_empty() && tree.exists("snapshot/crontab-l.txt") {
        tables.push(("snapshot/crontab-l.txt".to_string(), false));
    } else {
        tree.mark_used("snapshot/crontab-l.txt");
    }
    let mut cron_jobs: Vec<(String, cron::CronEntry, String)> = Vec::new();
    for (path, system) in tables {
        let Some(text) = tree.read_text(&path) else {
            continue;
        };
        let (entries, errors) = cron::parse(&text, system);
        for (line, reason) in errors {
            b.unlinked.push(format!("{path}:{line}: cron would reject this line: {reason}"));
        }
        for entry in entries {
            cron_jobs.push((path.clone(), entry, String::new()));
        }
    }
    if !cron_jobs.is_empty() {
        b.add(
            "cron",
            "cron",
            Kind::Supervisor(SupervisorKind::Cron),
            Evidence::file(&cron_jobs[0].0, 0, "crontab"),
        );
        b.hard("cron", "host", None, Evidence::assumption("cron runs on the host"));
    }
    let mut monitors: Vec<(String, ScriptFacts, String)> = Vec::new();
    let mut used_ids = BTreeSet::new();
    for (path, entry, _) in &cron_jobs {
        let evidence = Evidence::file(path.clone(), entry.line, entry.excerpt.clone());
        let (script, working_directory, entry_module) = script_of(&entry.command, &tree);
        let base = script
            .as_deref()
            .or(entry_module.as_deref())
            .map(|s| s.rsplit('/').next().unwrap_or(s).split('.').next().unwrap_or(s).to_string())
            .unwrap_or_else(|| {
                let first = entry.command.split_whitespace().next().unwrap_or("job");
                first.rsplit('/').next().unwrap_or(first).to_string()
            });
        let mut id = format!("cron:{base}");
        let mut suffix = 2;
        while used_ids.contains(&id) {
            id = format!("cron:{base}-{suffix}");
            suffix += 1;
        }
        used_ids.insert(id.clone());

        let shell_facts = match &script {
            Some(s) if !s.ends_with(".py") => tree.read_text(s).map(|t| shell::analyse(&t)),
            _ => None,
        };
        let inline = shell::analyse(&entry.command);
        let lock = inline
            .lock
            .clone()
            .or_else(|| shell_facts.as_ref().and_then(|f| f.lock.clone()))
            .map(|(lock, _)| lock);
        let facts = shell_facts.unwrap_or(inline);
        let script_path = script.clone().unwrap_or(path.clone());
        cron_findings(&mut b, &id, path, entry, &script_path, &facts);
        let is_monitor = !matches!(entry.schedule.timing, Timing::AtBoot)
            && (["health", "watchdog", "monitor"]
                .iter()
                .any(|w| base.to_ascii_lowercase().contains(w))
                || ((!facts.urls.is_empty()
                    || !facts.pg_checks.is_empty()
                    || !facts.process_checks.is_empty())
                    && (!facts.restarts.is_empty() || !facts.alerts.is_empty())));
        // Retention alone (`find -delete`) is cleanup; a backup dumps, archives or copies.
        let backup = facts
            .backup
            .as_ref()
            .filter(|(b, _)| {
                b.dump_format.is_some() || !b.archives.is_empty() || b.offsite.is_some()
            })
            .map(|(backup, _)| backup.clone());
        if is_monitor {
            let period =
                cron::period_of(&entry.schedule.timing).unwrap_or(Duration::from_mins(5.0));
            let alert = facts.alerts.first().map(|alert| {
                let mut via =
                    vec!["host".to_string(), "net:uplink".to_string(), "net:dns".to_string()];
                if let Some(host) = &alert.host {
                    via.push(format!("api:{host}"));
                }
                Alert {
                    channel: alert.channel.clone(),
                    via,
                    evidence: Evidence::file(
                        script.clone().unwrap_or(path.clone()),
                        alert.line,
                        alert.excerpt.clone(),
                    ),
                }
            });
            if let Some(alert) = &alert
                && let Some(api) = alert.via.iter().find(|v| v.starts_with("api:"))
            {
                b.api(api.trim_start_matches("api:"), alert.evidence.clone());
            }
            b.add(&id, &base, Kind::Monitor(Monitor { period, alert }), evidence.clone());
            monitors.push((id.clone(), facts.clone(), script.clone().unwrap_or(path.clone())));
        } else {
            let purpose =
                if backup.is_some() { JobPurpose::Backup } else { purpose_of(&base, Some(&facts)) };
            let job = Job {
                purpose,
                schedule: entry.schedule.clone(),
                command: redact::excerpt(&entry.command),
                script: script.clone(),
                lock,
                date_stamp: facts.date_stamp.clone().or_else(|| inline_date(&entry.command)),
                backup: backup.clone(),
            };
            b.add(&id, &base, Kind::Job(job), evidence.clone());
        }
        b.hard(&id, "host", None, evidence.clone());
        b.edge("cron", &id, Edge::Schedules, evidence.clone());
        if let Some(script) = &script {
            b.cite(&id, Evidence::file(script.clone(), 1, "script"));
        }
        if let (Some(backup), Some((_, line))) = (&backup, &facts.backup) {
            link_backup(
                &mut b,
                &mut tree,
                &id,
                backup,
                script.as_deref().unwrap_or(path),
                *line,
                facts.pg_dump_line,
                database_id.as_ref().map(|d| d.0.as_str()),
            );
        }
        if script.as_deref().is_some_and(|s| s.ends_with(".py")) || entry_module.is_some() {
            code_owners.push(CodeOwner {
                id: id.clone(),
                working_directory: working_directory.unwrap_or_default(),
                entry: script.filter(|s| s.ends_with(".py")).or(entry_module),
                has_database_url: false,
                database_url_evidence: None,
            });
        }
    }

    // Monitors' probes.
    for (monitor, facts, script) in &monitors {
        let period = match b.components.iter().find(|c| &c.id == monitor).map(|c| &c.kind) {
            Some(Kind::Monitor(m)) => m.period,
            _ => continue,
        };
        let restarts_anything = !facts.restarts.is_empty();
        for (id, service, _) in &services {
            let label = id.trim_start_matches("launchd:");
            let mut best: Option<(ProbeAction, Evidence)> = None;
            let mut consider = |action: ProbeAction, line: u32, text: &str| {
                let rank = |a: ProbeAction| match a {
                    ProbeAction::Restart => 2,
                    ProbeAction::Alert => 1,
                    ProbeAction::Nothing => 0,
                };
                if best.as_ref().is_none_or(|(a, _)| rank(action) > rank(*a)) {
                    best =
                        Some((action, Evidence::file(script.clone(), line, redact::excerpt(text))));
                }
            };
            for (line, text) in &facts.lines {
                let tokens: Vec<&str> = text
                    .split(|c: char| !(c.is_ascii_alphanumeric() || "._@-".contains(c)))
                    .collect();
                if tokens.iter().any(|t| *t == label || t.strip_suffix(".plist") == Some(label)) {
                    let words = text.to_ascii_lowercase();
                    let action = if words.contains("restart")
                        || words.contains("kickstart")
                        || words.contains("launchctl load")
                    {
                        ProbeAction::Restart
                    } else if words.contains("alert") {
                        ProbeAction::Alert
                    } else if restarts_anything {
                        ProbeAction::Restart
                    } else if !facts.alerts.is_empty() {
                        ProbeAction::Alert
                    } else {
                        ProbeAction::Nothing
                    };
                    consider(action, *line, text);
                }
            }
            for url in &facts.urls {
                if matches!(url.host.as_str(), "localhost" | "127.0.0.1" | "0.0.0.0")
                    && url.port.is_some_and(|p| service.ports.contains(&p))
                {
                    consider(action_of(url.on_failure.as_deref(), facts), url.line, &url.url);
                }
            }
            if service.role == ServiceRole::Database {
                for (line, port, on_failure) in &facts.pg_checks {
                    if port.is_none_or(|p| service.ports.contains(&p)) {
                        consider(action_of(on_failure.as_deref(), facts), *line, "pg_isready");
                    }
                }
            }
            for (line, pattern, on_failure) in &facts.process_checks {
                let program = service.program.rsplit('/').next().unwrap_or("");
                if !pattern.is_empty()
                    && (program.contains(pattern.as_str()) || label.contains(pattern.as_str()))
                    && pattern.len() > 3
                {
                    consider(action_of(on_failure.as_deref(), facts), *line, pattern);
                }
            }
            if let Some((action, evidence)) = best {
                b.edge(monitor, id, Edge::Probes { period, action }, evidence);
            }
        }
        for url in &facts.urls {
            if !matches!(url.host.as_str(), "localhost" | "127.0.0.1" | "0.0.0.0")
                && shell::alert_channel(&url.host).is_none()
            {
                let endpoint = format!("endpoint:https://{}", url.host);
                if b.has(&endpoint) {
                    b.edge(
                        monitor,
                        &endpoint,
                        Edge::Probes {
                            period,
                            action: action_of(url.on_failure.as_deref(), facts),
                        },
                        Evidence::file(script.clone(), url.line, redact::excerpt(&url.url)),
                    );
                }
            }
        }
    }

    // Code: what each service or job calls.
    let mut leaks_seen: BTreeSet<(String, u32)> = BTreeSet::new();
    let mut linked_code: BTreeSet<String> = BTreeSet::new();
    for owner in &code_owners {
        let files = code_files(owner, &python);
        linked_code.extend(files.iter().cloned());
        let mut apis: BTreeMap<String, (Guard, Option<Option<Duration>>, Evidence)> =
            BTreeMap::new();
        // Every call that waits forever, so a finding can name each line to fix.
        let mut untimed: BTreeMap<String, Vec<Evidence>> = BTreeMap::new();
        let mut pools = Vec::new();
        for file in &files {
            let Some(facts) = python.get(file) else {
                continue;
            };
            for call in &facts.http_calls {
                if matches!(call.host.as_str(), "localhost" | "127.0.0.1") {
                    continue;
                }
                let evidence = Evidence::file(file.clone(), call.line, call.excerpt.clone());
                if call.timeout.is_none() {
                    untimed.entry(call.host.clone()).or_default().push(evidence.clone());
                }
                let entry =
                    apis.entry(call.host.clone()).or_insert((call.guard, None, evidence.clone()));
                if call.guard > entry.0 {
                    *entry = (call.guard, entry.1, evidence);
                }
                entry.1 = Some(match entry.1 {
                    None => call.timeout,
                    Some(None) => None,
                    Some(Some(t)) => call.timeout.map(|c| if c.secs() > t.secs() { c } else { t }),
                });
            }
            for leak in &facts.leaks {
                if !leaks_seen.insert((file.clone(), leak.line)) {
                    continue;
                }
                b.finding(
                    "connection-leak",
                    RiskLevel::Medium,
                    format!(
                        "{file}:{} opens a database connection that an exception never returns",
                        leak.line
                    ),
                    "The connection is closed on the normal path only (no `try/finally` or \
                     `with`). Every exception in between keeps a pooled connection checked out; \
                     enough of them exhaust the pool and every request then waits for one.",
                    Some(&owner.id),
                    vec![
                        Evidence::file(file.clone(), leak.line, leak.excerpt.clone()),
                        Evidence::file(file.clone(), leak.close_line, "close() outside finally"),
                    ],
                );
            }
            for db in &facts.db {
                pools.push(Pool {
                    max_connections: db.max_connections,
                    checkout_timeout: db.checkout_timeout,
                    connect_timeout: db.connect_timeout,
                    evidence: Evidence::file(file.clone(), db.line, db.excerpt.clone()),
                });
            }
            if facts.telegram_bot {
                let api =
                    b.api("api.telegram.org", Evidence::file(file.clone(), 1, "imports telegram"));
                b.hard(
                    &owner.id,
                    &api,
                    Some(Duration::from_secs(5.0)),
                    Evidence::file(file.clone(), 1, "python-telegram-bot"),
                );
            }
        }
        for (host, (guard, timeout, evidence)) in apis {
            let api = b.api(&host, evidence.clone());
            let strength = match guard {
                Guard::Fallback => Strength::Fallback,
                Guard::Swallowed => Strength::Degrades,
                Guard::Unguarded => Strength::Hard,
            };
            let requirement =
                Edge::Requires(Requirement { strength, timeout: timeout.flatten(), any_of: None });
            b.edge(&owner.id, &api, requirement.clone(), evidence);
            if timeout.flatten().is_none() {
                for call in untimed.remove(&host).unwrap_or_default() {
                    b.edge(&owner.id, &api, requirement.clone(), call);
                }
            }
            b.hard(
                &owner.id,
                "net:uplink",
                None,
                Evidence::assumption("external APIs are reached over the uplink"),
            );
        }
        if let Some((database, _)) = &database_id
            && (owner.has_database_url || !pools.is_empty())
        {
            let timeout = if pools.is_empty() {
                None
            } else {
                pools
                    .iter()
                    .map(|p| p.connect_timeout)
                    .reduce(|a, b| match (a, b) {
                        (Some(a), Some(b)) => Some(if a.secs() > b.secs() { a } else { b }),
                        _ => None,
                    })
                    .flatten()
            };
            let evidence = pools
                .first()
                .map(|p| p.evidence.clone())
                .or_else(|| owner.database_url_evidence.clone())
                .unwrap_or_else(|| Evidence::assumption("code connects to the database"));
            b.hard(&owner.id, database, timeout, evidence);
            // The service's own connection string says which server it uses; a shared code
            // folder alone does not.
            if let Some(url) = &owner.database_url_evidence {
                b.hard(&owner.id, database, timeout, url.clone());
            }
        }
        if let Some(component) = b.components.iter_mut().find(|c| c.id == owner.id)
            && let Kind::Service(service) = &mut component.kind
        {
            service.pools = pools;
            if let Some(workers) =
                files.iter().find_map(|f| python.get(f).and_then(|p| p.uvicorn_workers))
                && service.workers <= 1
            {
                service.workers = workers;
            }
        }
    }

    // Code no job or service runs was read, but its calls belong to nothing in the twin.
    for path in python.keys().filter(|p| !linked_code.contains(*p)) {
        tree.skip(
            path,
            "Python code that no launchd job or cron line runs (directly or by import); its \
             calls are not in the twin",
        );
    }

    // Logs: growth and rotation.
    read_logs(&mut tree, &mut b, &services);

    // Files that hold secrets are named, never read.
    let secret_files: Vec<String> = tree
        .files
        .keys()
        .filter(|p| {
            let name = p.rsplit('/').next().unwrap_or(p);
            name == ".env"
                || name.starts_with(".env.")
                || name == ".pgpass"
                || name == ".netrc"
                || name == "rclone.conf"
                || (p.starts_with(".cloudflared/") && name.ends_with(".json"))
                || name.ends_with(".pem")
                || name.ends_with(".key")
        })
        .cloned()
        .collect();
    for path in secret_files {
        tree.skip(&path, crate::SKIP_SECRET_FILE);
    }

    // Whatever no reader used.
    tree.report_unused();
    debug!(components = b.components.len(), edges = b.dependencies.len(), "assembled");

    Twin {
        format: TWIN_FORMAT,
        host: HostInfo {
            name: host_name,
            platform: Platform::MacOs,
            time_zone,
            time_zone_evidence,
            memory_bytes,
        },
        components: b.components,
        dependencies: b.dependencies,
        findings: b.findings,
        skipped: tree.skipped,
        unlinked: b.unlinked,
    }
}

/// Findings one cron line and its script show on their own.
fn cron_findings(
    b: &mut Builder,
    id: &str,
    table: &str,
    entry: &cron::CronEntry,
    script: &str,
    facts: &ScriptFacts,
) {
    // crontab(5): an unescaped `%` ends the command; the rest becomes standard input.
    if entry.stdin.is_some() {
        b.finding(
            "unescaped-percent",
            RiskLevel::Medium,
            format!("{table}:{} has an unescaped `%`; cron cuts the command there", entry.line),
            "cron turns the first unescaped `%` into a newline and feeds the rest to the \
             command's standard input, so the command that runs is not the one written. Escape \
             it as `\\%`.",
            Some(id),
            vec![Evidence::file(table, entry.line, entry.excerpt.clone())],
        );
    }
    for line in &facts.load_noops {
        b.finding(
            "watchdog-load-noop",
            RiskLevel::High,
            format!("{script}:{line} answers a stopped process with `launchctl load`"),
            "When the process is down but its job is still loaded (launchd keeps a job loaded \
             after it exits), `launchctl load` reports it is already loaded and starts nothing. \
             `launchctl kickstart` starts it.",
            Some(id),
            vec![Evidence::file(script, *line, "launchctl load")],
        );
    }
    // On APFS (macOS 10.15 and later) `/` is the read-only system volume; data, logs and
    // the database live on the Data volume at /System/Volumes/Data, so `df /` reports the
    // wrong volume's use.
    for (line, mount) in &facts.disk_checks {
        if mount == "/" {
            b.finding(
                "wrong-volume-disk-check",
                RiskLevel::Medium,
                format!("{script}:{line} measures `/`, the system volume, not the data volume"),
                "On macOS the home folder, logs and database sit on the Data volume \
                 (/System/Volumes/Data). `df /` shows the sealed system volume, so the alert \
                 can stay quiet while the data volume fills.",
                Some(id),
                vec![Evidence::file(script, *line, "df /")],
            );
        }
    }
    let Some((backup, _)) = &facts.backup else {
        return;
    };
    if let Some(offsite) = &backup.offsite
        && offsite.mode == "copy"
    {
        let prunes = facts.commands.iter().any(|c| {
            c.name == offsite.tool
                && c.args.iter().any(|a| {
                    matches!(a.as_str(), "delete" | "purge" | "cleanup" | "forget" | "prune")
                        || a.starts_with("--max-age")
                        || a.starts_with("--min-age")
                })
        });
        if !prunes {
            let line = facts.offsite_line.unwrap_or(0);
            b.finding(
                "offsite-never-pruned",
                RiskLevel::Low,
                format!("`{} copy` to {} never deletes anything", offsite.tool, offsite.remote),
                "`copy` adds files and never removes them, so the off-site store grows without \
                 bound; when its quota fills, every later upload fails while the local job \
                 still reports success.",
                Some(id),
                vec![Evidence::file(script, line, format!("{} copy", offsite.tool))],
            );
        }
    }
    for archive in &backup.archives {
        let name = archive.rsplit('/').next().unwrap_or(archive);
        let secret = name == ".env"
            || name.starts_with(".env.")
            || name == ".pgpass"
            || name == ".netrc"
            || name == "rclone.conf"
            || name.ends_with(".pem")
            || name.ends_with(".key");
        if !secret {
            continue;
        }
        let line =
            facts.lines.iter().find(|(_, text)| text.contains(name)).map_or(0, |(line, _)| *line);
        b.finding(
            "secrets-in-backup",
            RiskLevel::High,
            format!("the backup archives `{name}`, a file of secrets"),
            "Every copy of the archive, local and off-site, now holds the credentials; anyone \
             who can read the backup store can use them.",
            Some(id),
            vec![Evidence::file(script, line, redact::excerpt(archive))],
        );
    }
}

/// FileVault with no auto-login: after a power loss the Mac waits at the unlock screen, and
/// LaunchAgents (which need a logged-in GUI session, launchd.plist(5)) do not start until
/// someone types the password.
fn filevault(tree: &mut Tree, b: &mut Builder, jobs: &[(LaunchdJob, Option<String>)]) {
    let status =
        first_existing(tree, &["snapshot/fdesetup-status.txt", "snapshot/fdesetup_status.txt"]);
    let login = first_existing(
        tree,
        &["snapshot/defaults-read-loginwindow-autoLoginUser.txt", "snapshot/autologin.txt"],
    );
    let Some(status) = status else {
        return;
    };
    let Some(text) = tree.read_text(&status) else {
        return;
    };
    let Some((line, _)) = text.lines().enumerate().find(|(_, l)| l.contains("FileVault is On"))
    else {
        return;
    };
    let mut evidence = vec![Evidence::file(status, line as u32 + 1, "FileVault is On.")];
    if let Some(login) = login
        && let Some(text) = tree.read_text(&login)
    {
        match text.lines().enumerate().find(|(_, l)| l.contains("does not exist")) {
            Some((line, _)) => evidence.push(Evidence::file(
                login,
                line as u32 + 1,
                "autoLoginUser does not exist",
            )),
            // A user is set, but FileVault disables auto-login anyway: the disk must be
            // unlocked by a password at boot.
            None => evidence.push(Evidence::file(login, 1, "autoLoginUser set")),
        }
    }
    let agents: Vec<&LaunchdJob> =
        jobs.iter().map(|(job, _)| job).filter(|job| job.path.contains("LaunchAgents")).collect();
    let Some(first) = agents.first() else {
        return;
    };
    evidence.push(first.label_evidence.clone());
    b.finding(
        "filevault-no-autologin",
        RiskLevel::High,
        format!(
            "after a power loss none of the {} LaunchAgents starts until someone logs in",
            agents.len()
        ),
        "FileVault is on and no user logs in automatically, so a reboot stops at the unlock \
         screen. LaunchAgents run only in a logged-in session; the services stay down until a \
         person unlocks the Mac. LaunchDaemons would start at boot.",
        Some("host"),
        evidence,
    );
}

fn first_existing(tree: &Tree, paths: &[&str]) -> Option<String> {
    paths.iter().find(|p| tree.exists(p)).map(|p| (*p).to_string())
}

fn read_time_zone(tree: &mut Tree, b: &mut Builder) -> (String, Evidence) {
    let candidates: Vec<String> = tree
        .files
        .keys()
        .filter(|p| p.starts_with("snapshot/") && p.contains("timezone"))
        .cloned()
        .collect();
    for path in candidates {
        if let Some(text) = tree.read_text(&path)
            && let Some((zone, line)) = snapshot::time_zone(&text)
        {
            let excerpt = text.lines().nth(line as usize - 1).unwrap_or("").to_string();
            return (zone, Evidence::file(path, line, redact::excerpt(&excerpt)));
        }
    }
    b.unlinked.push(
        "no captured time zone (snapshot/systemsetup-gettimezone.txt); assumed UTC".to_string(),
    );
    ("UTC".to_string(), Evidence::assumption("time zone UTC when none is captured"))
}

fn read_database(
    tree: &mut Tree,
    job: &LaunchdJob,
    b: &mut Builder,
) -> Option<drtwin_model::DatabaseConfig> {
    let data_dir = job
        .arguments
        .iter()
        .position(|a| a == "-D")
        .and_then(|i| job.arguments.get(i + 1))
        .or_else(|| job.environment.iter().find(|(k, _)| k == "PGDATA").map(|(_, v)| v))
        .and_then(|d| map_path(d, None));
    let Some(data_dir) = data_dir else {
        b.unlinked
            .push(format!("database `{}` has no `-D` data folder; defaults assumed", job.label));
        return Some(postgres::database_config(&BTreeMap::new()));
    };
    let listing: BTreeMap<String, Vec<String>> =
        tree.files.keys().fold(BTreeMap::new(), |mut map, p| {
            map.entry(parent(p).to_string()).or_default().push(p.clone());
            map
        });
    let list = move |folder: &str| listing.get(folder).cloned().unwrap_or_default();
    let mut files_read: Vec<String> = Vec::new();
    let mut read = |path: &str| {
        let text = tree.read_text(path);
        if text.is_some() {
            files_read.push(path.to_string());
        }
        text
    };
    let (settings, problems) = postgres::load(&data_dir, &mut read, &list);
    for (problem, _) in problems {
        b.unlinked.push(format!("postgres configuration: {problem}"));
    }
    let config = postgres::database_config(&settings);

    // A file read whose settings all lost to later ones (or are not ones the twin models)
    // is named, so the user sees it was read and why it changed nothing.
    for path in files_read {
        let cited = config
            .evidence
            .iter()
            .any(|(_, e)| matches!(e, Evidence::File { path: p, .. } if *p == path));
        if !cited {
            tree.skip(
                &path,
                "PostgreSQL configuration read; later files override the settings the twin \
                 models, or it sets none of them",
            );
        }
    }
    Some(config)
}

/// The entry file of a launchd job's code: `pkg.mod:app` for uvicorn/gunicorn, a script
/// path, or `-m pkg.mod`.
fn entry_of(arguments: &[String], working_directory: &str, tree: &Tree) -> Option<String> {
    for (index, argument) in arguments.iter().enumerate().skip(1) {
        if argument == "-m" {
            let module = arguments.get(index + 1)?;
            return module_file(module, working_directory, tree);
        }
        if argument.ends_with(".py") || argument.ends_with(".sh") {
            let mapped = map_path(argument, Some(working_directory))?;
            return tree.exists(&mapped).then_some(mapped);
        }
        if let Some((module, _)) = argument.split_once(':')
            && !argument.starts_with('-')
            && !module.contains('/')
            && let Some(file) = module_file(module, working_directory, tree)
        {
            return Some(file);
        }
    }
    None
}

fn module_file(module: &str, working_directory: &str, tree: &Tree) -> Option<String> {
    let base = module.replace('.', "/");
    let prefix =
        if working_directory.is_empty() { String::new() } else { format!("{working_directory}/") };
    [format!("{prefix}{base}.py"), format!("{prefix}{base}/__init__.py")]
        .into_iter()
        .find(|p| tree.exists(p))
}

/// The script a cron command runs, the folder it runs in and, for `python -m`, the module's
/// file.
fn script_of(command: &str, tree: &Tree) -> (Option<String>, Option<String>, Option<String>) {
    let words: Vec<&str> = command
        .split(|c: char| {
            c.is_whitespace() || c == ';' || c == '&' || c == '|' || c == '(' || c == ')'
        })
        .filter(|w| !w.is_empty())
        .map(|w| w.trim_matches(|c| c == '"' || c == '\''))
        .collect();
    let mut working_directory = None;
    for (index, word) in words.iter().enumerate() {
        if *word == "cd" {
            working_directory = words.get(index + 1).and_then(|d| map_path(d, None));
        }
        if *word == "-m"
            && let Some(module) = words.get(index + 1)
        {
            let folder = working_directory.clone().unwrap_or_default();
            return (None, working_directory.clone(), module_file(module, &folder, tree));
        }
        let script_like =
            [".sh", ".py", ".bash", ".zsh", ".pl", ".rb"].iter().any(|e| word.ends_with(e));
        if script_like && !words.get(index.wrapping_sub(1)).is_some_and(|w| w.starts_with('>')) {
            let mapped = map_path(word, working_directory.as_deref());
            if let Some(mapped) = mapped.filter(|m| tree.exists(m)) {
                return (Some(mapped), working_directory, None);
            }
        }
    }
    (None, working_directory, None)
}

fn inline_date(command: &str) -> Option<String> {
    let start = command.find("date +")?;
    let rest = &command[start + 6..];
    let end = rest.find([')', ' ', '"', '\'']).unwrap_or(rest.len());
    Some(rest[..end].replace("\\%", "%"))
}

fn purpose_of(name: &str, facts: Option<&ScriptFacts>) -> JobPurpose {
    let name = name.to_ascii_lowercase();
    if name.contains("backup") || facts.is_some_and(|f| f.backup.is_some()) {
        JobPurpose::Backup
    } else if name.contains("sync") {
        JobPurpose::Sync
    } else if name.contains("report") {
        JobPurpose::Report
    } else if ["cleanup", "clean", "purge", "prune", "rotate"].iter().any(|w| name.contains(w)) {
        JobPurpose::Cleanup
    } else if ["health", "watchdog", "monitor"].iter().any(|w| name.contains(w)) {
        JobPurpose::Monitor
    } else {
        JobPurpose::Other
    }
}

fn action_of(on_failure: Option<&str>, facts: &ScriptFacts) -> ProbeAction {
    let Some(body) = on_failure else {
        return if !facts.restarts.is_empty() {
            ProbeAction::Restart
        } else if !facts.alerts.is_empty() {
            ProbeAction::Alert
        } else {
            ProbeAction::Nothing
        };
    };
    if [
        "kickstart",
        "launchctl load",
        "launchctl start",
        "launchctl bootstrap",
        "services restart",
        "services start",
    ]
    .iter()
    .any(|w| body.contains(w))
    {
        ProbeAction::Restart
    } else if body.contains("alert")
        || body.contains("curl")
        || body.contains("mail")
        || body.contains("notify")
    {
        ProbeAction::Alert
    } else {
        ProbeAction::Nothing
    }
}

// FIXME: imports are followed only into the service's working folder; namespace packages,
// `sys.path` edits and relative imports beyond one level are not resolved.
/// The Python files behind a service: its entry and what it imports from the same tree.
fn code_files(owner: &CodeOwner, python: &BTreeMap<String, PythonFacts>) -> Vec<String> {
    let Some(entry) = &owner.entry else {
        return Vec::new();
    };
    let mut seen = vec![entry.clone()];
    let mut index = 0;
    while index < seen.len() {
        let file = seen[index].clone();
        index += 1;
        let Some(facts) = python.get(&file) else {
            continue;
        };
        for module in &facts.imports {
            let base = module.replace('.', "/");
            let prefix = if owner.working_directory.is_empty() {
                String::new()
            } else {
                format!("{}/", owner.working_directory)
            };
            for candidate in [
                format!("{prefix}{base}.py"),
                format!("{prefix}{base}/__init__.py"),
                format!("{}/{base}.py", parent(&file)),
            ] {
                if python.contains_key(&candidate) && !seen.contains(&candidate) {
                    seen.push(candidate);
                }
            }
        }
    }
    seen
}

// FIXME: the local store is found as the tree folder holding dated dumps, not from the
// script's redirect target; a backup written outside the tree is not linked.
#[allow(clippy::too_many_arguments)]
fn link_backup(
    b: &mut Builder,
    tree: &mut Tree,
    job: &str,
    backup: &drtwin_model::BackupJob,
    script: &str,
    line: u32,
    pg_dump_line: Option<u32>,
    database: Option<&str>,
) {
    let evidence = Evidence::file(script, line, "backup step");
    if let (Some(database), Some(dump_line)) = (database, pg_dump_line) {
        b.hard(job, database, None, Evidence::file(script, dump_line, "pg_dump"));
    }

    // The local store: the tree folder holding dated dumps.
    let folders: BTreeSet<String> = tree
        .files
        .keys()
        .filter(|p| (p.ends_with(".dump") || p.contains(".sql")) && logs::date_in_name(p).is_some())
        .map(|p| parent(p).to_string())
        .collect();
    let sizes = tree
        .exists("snapshot/du-backups.txt")
        .then(|| tree.read_text("snapshot/du-backups.txt"))
        .flatten()
        .map(|t| logs::parse_du(&t))
        .unwrap_or_default();
    for folder in folders {
        let dumps: Vec<String> = tree
            .under(&folder)
            .filter(|p| p.ends_with(".dump") || p.contains(".sql"))
            .map(str::to_string)
            .collect();
        let mut latest: Option<(String, u64)> = None;
        for dump in &dumps {
            if dump.ends_with(".dump")
                && let Some(bytes) = tree.read_bytes(dump)
                && logs::dump_header(&bytes).is_none()
            {
                let size = bytes.len();
                let (title, excerpt) = if size == 0 {
                    (format!("`{dump}` is empty"), "0 bytes".to_string())
                } else {
                    (
                        format!("`{dump}` is not a custom-format dump"),
                        format!("{size} bytes without the PGDMP header"),
                    )
                };
                b.finding(
                    "bad-dump",
                    RiskLevel::High,
                    title,
                    "A dump that pg_restore cannot read was kept as if it were good, and the \
                     retention rule deletes the good ones around it as they age.",
                    Some(job),
                    vec![Evidence::file(dump.clone(), 0, excerpt)],
                );
            }
            let name = dump.rsplit('/').next().unwrap_or(dump).to_string();
            let size = sizes
                .get(&name)
                .copied()
                .or_else(|| tree.files.get(dump).map(|f| f.size))
                .unwrap_or(0);
            if latest
                .as_ref()
                .is_none_or(|(n, _)| logs::date_in_name(&name) > logs::date_in_name(n))
            {
                latest = Some((name, size));
            }
        }
        for file in tree.under(&folder).map(str::to_string).collect::<Vec<_>>() {
            tree.mark_used(&file);
        }
        let id = format!("backup:local:~/{folder}");
        let store = BackupStore {
            location: format!("~/{folder}"),
            offsite: false,
            retention_days: backup.retention_days,
            dumps_found: dumps.len() as u32,
            latest_dump_bytes: latest.map(|(_, s)| s),
        };
        b.add(
            &id,
            &format!("local backups ~/{folder}"),
            Kind::BackupStore(store),
            evidence.clone(),
        );
        b.edge(job, &id, Edge::Copies, evidence.clone());
        b.hard(&id, "volume:/", None, Evidence::assumption("local backups share the system disk"));
    }

    // The off-site copy.
    if let Some(offsite) = &backup.offsite {
        let listing = ["snapshot/rclone-ls.txt", "snapshot/rclone_ls.txt"]
            .iter()
            .find(|p| tree.exists(p))
            .and_then(|p| tree.read_text(p));
        let dumps = listing.as_deref().map_or(0, |t| {
            t.lines().filter(|l| l.contains(".dump") || l.contains(".sql")).count() as u32
        });
        let latest = listing.as_deref().and_then(|t| {
            t.lines()
                .filter(|l| l.contains(".dump"))
                .max_by_key(|l| logs::date_in_name(l))
                .and_then(|l| l.split_whitespace().next()?.parse().ok())
        });
        let id = format!("backup:offsite:{}", offsite.remote);
        let store = BackupStore {
            location: offsite.remote.clone(),
            offsite: true,
            retention_days: None,
            dumps_found: dumps,
            latest_dump_bytes: latest,
        };
        b.add(
            &id,
            &format!("off-site {}", offsite.remote),
            Kind::BackupStore(store),
            evidence.clone(),
        );
        b.edge(job, &id, Edge::Copies, evidence.clone());
        b.hard(&id, job, None, evidence.clone());
        b.hard(
            job,
            "net:uplink",
            None,
            Evidence::assumption("the off-site copy travels over the uplink"),
        );
        b.add(
            "endpoint:backup:offsite",
            "off-site backup",
            Kind::Endpoint(Endpoint {
                access: Access::OffsiteBackup(offsite.remote.clone()),
                tier: Tier::Production,
            }),
            evidence.clone(),
        );
        b.hard("endpoint:backup:offsite", &id, None, evidence);
    }
}

// FIXME: growth needs an earlier `du -k` capture next to `ls -l`; without one the WritesTo
// rate is 0 with an assumption. newsyslog's count/size/when are not modelled, only coverage.
fn read_logs(tree: &mut Tree, b: &mut Builder, services: &[(String, Service, Evidence)]) {
    // Sizes and growth.
    let ls = ["snapshot/ls-logs.txt", "snapshot/ls-l-logs.txt"]
        .iter()
        .find(|p| tree.exists(p))
        .map(|p| (*p).to_string());
    let du = tree.files.keys().find(|p| p.starts_with("snapshot/du-logs")).cloned();
    let mut sizes: Vec<logs::LogSize> = Vec::new();
    if let Some(ls_path) = &ls
        && let Some(ls_text) = tree.read_text(ls_path)
    {
        let earlier = du.as_ref().and_then(|path| {
            let date = logs::date_in_name(path)?;
            let parts: Vec<&str> = date.split('-').collect();
            let ymd = (
                parts.first()?.parse().ok()?,
                parts.get(1)?.parse().ok()?,
                parts.get(2)?.parse().ok()?,
            );
            Some((tree.read_text(path)?, ymd))
        });
        sizes = logs::log_sizes(&ls_text, earlier.as_ref().map(|(t, d)| (t.as_str(), *d)));
    }
    for file in tree.under("logs").map(str::to_string).collect::<Vec<_>>() {
        tree.mark_used(&file);
    }
    for file in tree.under("Library/Logs").map(str::to_string).collect::<Vec<_>>() {
        tree.mark_used(&file);
    }

    // Rotation rules.
    let mut rotated: Vec<String> = Vec::new();
    let rule_files: Vec<String> = tree
        .files
        .keys()
        .filter(|p| {
            *p == "etc/newsyslog.conf"
                || p.starts_with("etc/newsyslog.d/")
                || *p == "etc/logrotate.conf"
                || p.starts_with("etc/logrotate.d/")
        })
        .cloned()
        .collect();
    let mut rule_evidence: Vec<Evidence> = Vec::new();
    for path in rule_files {
        if let Some(text) = tree.read_text(&path) {
            let paths = logs::rotated_paths(&text);
            if let Some((_, line)) = paths.first() {
                rule_evidence.push(Evidence::file(
                    path.clone(),
                    *line,
                    format!("{} log rotation rules", paths.len()),
                ));
            }
            rotated.extend(paths.into_iter().map(|(p, _)| p));
        }
    }

    for (id, service, evidence) in services {
        let mut per_day = 0.0;
        let mut known = false;
        let mut unrotated = Vec::new();
        for log in &service.logs {
            let name = log.rsplit('/').next().unwrap_or(log);
            if let Some(size) = sizes.iter().find(|s| s.name == name)
                && let Some(growth) = size.bytes_per_day
            {
                per_day += growth;
                known = true;
            }
            if !rotated.iter().any(|pattern| logs::pattern_covers(pattern, log)) {
                unrotated.push(format!("`{log}`"));
            }
        }
        if !unrotated.is_empty() {
            let title = format!("{} writes logs nothing rotates: {}", id, unrotated.join(", "));
            let mut cited = vec![evidence.clone()];
            cited.extend(rule_evidence.iter().cloned());
            b.finding(
                "no-rotation",
                RiskLevel::Medium,
                title,
                "No newsyslog or logrotate rule names these files, so they grow until the disk \
                 is full.",
                Some(id),
                cited,
            );
        }
        if !service.logs.is_empty() {
            let evidence = match (&ls, known) {
                (Some(path), true) => {
                    Evidence::file(path.clone(), 0, "log growth from ls -l against du")
                }
                _ => Evidence::assumption("log growth unknown"),
            };
            b.edge(id, "volume:/", Edge::WritesTo { bytes_per_day: per_day }, evidence);
        }
    }
}
