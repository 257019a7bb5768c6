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

    /// A hard requirement of `from` on `to`. Two reasons for the same requirement (a bot's
    /// polling and its API calls both need the uplink) make one edge, so an edit such as an
    /// alternative uplink applies to all of it; its timeout is the laxest of the reasons',
    /// none when one of them has none.
    fn hard(&mut self, from: &str, to: &str, timeout: Option<Duration>, evidence: Evidence) {
        let existing = self.dependencies.iter_mut().find(|d| {
            d.from == from
                && d.to == to
                && matches!(&d.kind, Edge::Requires(r) if r.strength == Strength::Hard
                    && r.any_of.is_none())
        });
        if let Some(existing) = existing {
            if let Edge::Requires(requirement) = &mut existing.kind {
                requirement.timeout = match (requirement.timeout, timeout) {
                    (Some(a), Some(b)) => Some(if a.secs() >= b.secs() { a } else { b }),
                    _ => None,
                };
            }
            if !existing.evidence.contains(&evidence) {
                existing.evidence.push(evidence);
            }
            return;
        }
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
            // launchd keys jobs by Label and loads one job per label; the plists are walked
            // in path order, so the first one stands and the rest are named.
            Ok(job) if jobs.iter().any(|(kept, _)| kept.label == job.label) => {
                let kept = jobs.iter().find(|(kept, _)| kept.label == job.label);
                let other = kept.map_or(String::new(), |(kept, _)| kept.path.clone());
                tree.skip(
                    &path,
                    &format!(
                        "duplicate Label `{}` (also in {other}); launchd loads only one",
                        redact::excerpt(&job.label)
                    ),
                );
            }
            Ok(job) => {
                let text = (!bytes.starts_with(b"bplist"))
                    .then(|| launchd::blank_xml_comments(&String::from_utf8_lossy(&bytes)));
                jobs.push((job, text));
            }
            Err(reason) => tree.skip(&path, &format!("launchd would reject it: {reason}")),
        }
    }

    // OtherJobEnabled depends on which jobs exist: a job kept alive while another is loaded
    // restarts after any ending when that other job's plist is in the tree.
    let labels: BTreeSet<String> = jobs.iter().map(|(job, _)| job.label.clone()).collect();
    for (job, _) in &mut jobs {
        let loaded = |label: &str| labels.contains(label);
        if let Some((other, wanted)) =
            launchd::other_job_keeps_alive(&job.restart.keep_alive, &loaded)
        {
            job.restart.restarts_after = drtwin_model::Endings::ALL;
            let state = if wanted { "loaded" } else { "not loaded" };
            b.unlinked.push(format!(
                "`{}` is kept alive only while `{other}` is {state} (KeepAlive OtherJobEnabled); \
                 the tree says it is, so the twin restarts it after any ending",
                job.label
            ));
        }
    }
    for (job, _) in &jobs {
        if let Some(kind) = &job.keep_alive_wrong_type {
            b.finding(
                "keepalive-wrong-type",
                RiskLevel::High,
                format!(
                    "KeepAlive in {} is a {kind}, not a boolean or dictionary; launchd ignores it",
                    job.label
                ),
                "launchd.plist(5): KeepAlive is a boolean or a dictionary of conditions. launchd \
                 ignores a value of any other type, so the job is not kept alive and stays down \
                 after it ends. Write <true/> or a dictionary.",
                Some(&format!("launchd:{}", job.label)),
                vec![job.keep_alive_evidence.clone()],
            );
        }
    }
    if let Some((first, _)) = jobs.first() {
        b.add(
            "launchd",
            "launchd",
            Kind::Supervisor(SupervisorKind::Launchd),
            first.label_evidence.clone(),
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
    let mut scheduled_scripts: Vec<Work> = Vec::new();
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

        let shell_script = launchd_script(job, &working_directory, &tree);
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
            // A job that runs a shell script is read like a cron line's script (monitor,
            // backup, probes), below with the crontabs.
            if let Some(script) = shell_script {
                scheduled_scripts.push(Work {
                    id: Some(id.clone()),
                    supervisor: "launchd",
                    table: job.path.clone(),
                    evidence: job.label_evidence.clone(),
                    also: evidence.iter().skip(1).cloned().collect(),
                    schedule_evidence,
                    schedule,
                    command: job.arguments.join(" "),
                    entry: None,
                    script: Some(script),
                    working_directory: Some(working_directory.clone()),
                    entry_module: None,
                    name: name.to_string(),
                });
                continue;
            }
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
            // FIXME: a long-running script (a `while sleep` watchdog under KeepAlive) is read
            // and cited, but its probes are not yet turned into a monitor with a period.
            if let Some(script) = &shell_script
                && let Some(text) = tree.read_text(script)
            {
                b.cite(&id, Evidence::file(script.clone(), 1, "script the job runs"));
                let facts = shell::analyse(&text);
                if !facts.urls.is_empty()
                    || !facts.pg_checks.is_empty()
                    || !facts.process_checks.is_empty()
                {
                    b.unlinked.push(format!(
                        "`{}` runs `{script}` as a long-running service; its probes are not \
                         modelled as a monitor",
                        job.label
                    ));
                }
            }
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
    // Each rule with its tunnel and whether cloudflared serves it at all.
    let mut routes: Vec<(String, cloudflared::Ingress, bool)> = Vec::new();
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
        // cloudflared retries lost edge connections forever, with a backoff of up to about a
        // minute, and does not exit: it does not hang past a network outage (cloudflared's
        // documented reconnect behaviour), so these requirements carry that minute.
        let reconnect = Some(Duration::from_secs(60.0));
        b.hard(
            &id,
            "net:uplink",
            reconnect,
            Evidence::assumption("a tunnel reaches the edge over the uplink and reconnects"),
        );
        b.hard(
            &id,
            "net:dns",
            reconnect,
            Evidence::assumption("a tunnel resolves the edge by DNS and reconnects"),
        );
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
                // cloudflared checks the whole ingress list before it connects and exits when
                // the catch-all rule is broken (FORMATS.md, cloudflared), so the tunnel
                // serves no hostname at all. The simulator has no "always down" mark yet: the
                // endpoints keep requiring the tunnel, get no route to a service, and the
                // refusal is written on the tunnel, in the findings and in `unlinked`.
                let refused = !config.refusals.is_empty();
                if refused {
                    let reasons: Vec<String> =
                        config.refusals.iter().map(|(reason, _)| reason.clone()).collect();
                    let evidence: Vec<Evidence> =
                        config.refusals.iter().map(|(_, e)| e.clone()).collect();
                    b.finding(
                        "ingress-config",
                        RiskLevel::Critical,
                        format!(
                            "cloudflared refuses this config: no hostname is served ({})",
                            reasons.join("; ")
                        ),
                        "cloudflared validates every ingress rule before it connects: the last \
                         rule must be a catch-all (no hostname, or `*`) and no earlier rule may \
                         be one. This config fails that check, so cloudflared exits at start and \
                         every hostname of the tunnel is down, however often launchd restarts \
                         it.",
                        Some(&id),
                        evidence.clone(),
                    );
                    for e in evidence {
                        b.cite(&id, e);
                    }
                    b.unlinked.push(format!(
                        "tunnel `{}` serves nothing: cloudflared refuses `{config_path}` ({}); \
                         its endpoints are kept with no route to a service, and stay down \
                         while the tunnel runs",
                        job.label,
                        reasons.join("; ")
                    ));
                }
                for rule in config.ingress {
                    routes.push((id.clone(), rule, !refused));
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
        routes.iter().filter_map(|(_, r, _)| r.hostname.clone()).fold(Vec::new(), |mut v, h| {
            if !v.contains(&h) {
                v.push(h);
            }
            v
        });
    for (tunnel, rule, _) in routes.iter().filter(|(_, _, served)| *served) {
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
        let tier = hostname_tier(&hostname);
        let id = format!("endpoint:https://{hostname}");
        let rules: Vec<&(String, cloudflared::Ingress, bool)> =
            routes.iter().filter(|(_, r, _)| r.hostname.as_deref() == Some(&hostname)).collect();
        let Some((tunnel, first, served)) = rules.first() else {
            continue;
        };
        b.add(
            &id,
            &hostname,
            Kind::Endpoint(Endpoint { access: Access::PublicHostname(hostname.clone()), tier }),
            first.evidence.clone(),
        );
        b.hard(&id, tunnel, None, first.evidence.clone());
        if !served {
            continue;
        }
        let main_rules: Vec<&&(String, cloudflared::Ingress, bool)> = {
            let without_path: Vec<_> = rules.iter().filter(|(_, r, _)| r.path.is_none()).collect();
            if without_path.is_empty() { rules.iter().collect() } else { without_path }
        };
        for (_, rule, _) in main_rules {
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
                // python-telegram-bot polls with 5 s network timeouts and retries forever.
                b.hard(
                    id,
                    "net:uplink",
                    Some(Duration::from_secs(5.0)),
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
    // A tree with neither is most likely the wrong folder; saying nothing would let
    // `check --fail-on` pass on an empty twin.
    if jobs.is_empty() && cron_jobs.is_empty() {
        b.finding(
            "nothing-found",
            RiskLevel::High,
            "found no launchd jobs or crontabs — is this the home folder?".to_string(),
            "The scan found no launchd plist it could use in Library/LaunchAgents or \
             Library/LaunchDaemons and no crontab line (cron/, etc/crontab, \
             snapshot/crontab-l.txt), so the twin has nothing to simulate. Point drtwin at the \
             home folder that holds them.",
            Some("host"),
            vec![Evidence::file(".", 0, "scan root")],
        );
    }
    if let Some((path, entry, _)) = cron_jobs.first() {
        b.add(
            "cron",
            "cron",
            Kind::Supervisor(SupervisorKind::Cron),
            Evidence::file(path.clone(), entry.line, entry.excerpt.clone()),
        );
        b.hard("cron", "host", None, Evidence::assumption("cron runs on the host"));
    }
    let mut work: Vec<Work> = cron_jobs
        .iter()
        .map(|(path, entry, _)| {
            let evidence = Evidence::file(path.clone(), entry.line, entry.excerpt.clone());
            let (script, working_directory, entry_module) = script_of(&entry.command, &tree);
            let name = script
                .as_deref()
                .or(entry_module.as_deref())
                .map(|s| {
                    s.rsplit('/').next().unwrap_or(s).split('.').next().unwrap_or(s).to_string()
                })
                .unwrap_or_else(|| {
                    let first = entry.command.split_whitespace().next().unwrap_or("job");
                    first.rsplit('/').next().unwrap_or(first).to_string()
                });
            Work {
                id: None,
                supervisor: "cron",
                table: path.clone(),
                evidence: evidence.clone(),
                also: Vec::new(),
                schedule_evidence: evidence,
                schedule: entry.schedule.clone(),
                command: entry.command.clone(),
                entry: Some(entry.clone()),
                script,
                working_directory,
                entry_module,
                name,
            }
        })
        .collect();
    work.append(&mut scheduled_scripts);
    let mut monitors: Vec<(String, ScriptFacts, String)> = Vec::new();
    let mut used_ids: BTreeSet<String> = b.components.iter().map(|c| c.id.clone()).collect();
    for item in work {
        let Work {
            id,
            supervisor,
            table: path,
            evidence,
            also,
            schedule_evidence,
            schedule,
            command,
            entry,
            script,
            working_directory,
            entry_module,
            name: base,
        } = item;
        let path = &path;
        let id = id.unwrap_or_else(|| {
            let mut id = format!("cron:{base}");
            let mut suffix = 2;
            while used_ids.contains(&id) {
                id = format!("cron:{base}-{suffix}");
                suffix += 1;
            }
            id
        });
        used_ids.insert(id.clone());

        let shell_facts = match &script {
            Some(s) if !s.ends_with(".py") => tree.read_text(s).map(|t| shell::analyse(&t)),
            _ => None,
        };
        let inline = shell::analyse(&command);
        // launchd never starts a second copy of a job that is still running.
        let lock = if supervisor == "launchd" {
            Some(Lock::Supervisor)
        } else {
            inline
                .lock
                .clone()
                .or_else(|| shell_facts.as_ref().and_then(|f| f.lock.clone()))
                .map(|(lock, _)| lock)
        };
        let facts = shell_facts.unwrap_or(inline);
        let script_path = script.clone().unwrap_or(path.clone());
        cron_findings(&mut b, &id, path, entry.as_ref(), &script_path, &facts);
        let is_monitor = !matches!(schedule.timing, Timing::AtBoot)
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
            // The period is the gap between probes while the monitor runs; hours or days it
            // skips are stated apart, since a uniform average (48 min for `*/10 9-17/2`)
            // would describe no real probe.
            let period = cron::running_interval(&schedule.timing)
                .or_else(|| cron::period_of(&schedule.timing))
                .unwrap_or(Duration::from_mins(5.0));
            if let Some(gaps) = cron::idle_times(&schedule.timing) {
                b.finding(
                    "monitor-not-always-on",
                    RiskLevel::Medium,
                    format!("{base} probes every {period} but not {gaps}"),
                    "The monitor's schedule leaves hours (or days) without a probe: a service \
                     that fails then stays down, unnoticed and not restarted, until the monitor \
                     runs again.",
                    Some(&id),
                    vec![schedule_evidence.clone()],
                );
                b.unlinked.push(format!(
                    "monitor `{id}` probes every {period} only on its schedule `{}`, not {gaps}; \
                     the probe edges carry the running interval",
                    schedule.text
                ));
            }
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
            if schedule_evidence != evidence {
                b.cite(&id, schedule_evidence.clone());
            }
            monitors.push((id.clone(), facts.clone(), script.clone().unwrap_or(path.clone())));
        } else {
            let purpose =
                if backup.is_some() { JobPurpose::Backup } else { purpose_of(&base, Some(&facts)) };
            let job = Job {
                purpose,
                schedule: schedule.clone(),
                command: redact::excerpt(&command),
                script: script.clone(),
                lock,
                date_stamp: facts.date_stamp.clone().or_else(|| inline_date(&command)),
                backup: backup.clone(),
            };
            b.add(&id, &base, Kind::Job(job), evidence.clone());
            if schedule_evidence != evidence {
                b.cite(&id, schedule_evidence.clone());
            }
        }
        for e in also {
            b.cite(&id, e);
        }
        b.hard(&id, "host", None, evidence.clone());
        b.edge(supervisor, &id, Edge::Schedules, schedule_evidence.clone());
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
                facts.offsite_line,
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
        // A `launchctl load` answering a stopped process starts nothing (see the
        // watchdog-load-noop finding), so it is no restart.
        let restarts_anything =
            facts.restarts.iter().any(|(line, _)| !facts.load_noops.contains(line));
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
                    let noop = facts.load_noops.contains(line);
                    let action = if noop {
                        // The line that would restart it is the no-op itself.
                        if facts.alerts.is_empty() {
                            ProbeAction::Nothing
                        } else {
                            ProbeAction::Alert
                        }
                    } else if words.contains("restart")
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
                    // A stopped process answered by `launchctl load` alone is not restarted:
                    // the job is still loaded, so `load` starts nothing.
                    let load_only = on_failure.as_deref().is_some_and(|body| {
                        body.contains("launchctl load")
                            && !body.contains("kickstart")
                            && !body.contains("unload")
                    });
                    let action = match action_of(on_failure.as_deref(), facts) {
                        ProbeAction::Restart if load_only => {
                            if facts.alerts.is_empty() {
                                ProbeAction::Nothing
                            } else {
                                ProbeAction::Alert
                            }
                        }
                        action => action,
                    };
                    consider(action, *line, pattern);
                }
            }
            // Only a request to the service (or pg_isready for the database) fails when it
            // hangs; a process list sees a hung process as running. A local URL whose port
            // is a loop variable (`http://127.0.0.1:${port}/health` over a list of services)
            // counts for the services the script names.
            // The host is read from the URL's text: a port written as `${rest%%:*}` leaves
            // no clean host:port split.
            let sees_hangs = facts.urls.iter().any(|url| {
                ["://localhost", "://127.0.0.1", "://0.0.0.0"].iter().any(|h| url.url.contains(h))
                    && url.port.is_none_or(|p| service.ports.contains(&p))
            }) || (service.role == ServiceRole::Database
                && !facts.pg_checks.is_empty());
            if let Some((action, evidence)) = best {
                b.edge(monitor, id, Edge::Probes { period, action, sees_hangs }, evidence);
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
                            sees_hangs: true,
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
        // Where each API's calls are retried, so the report can cite the wrapper.
        let mut retried: BTreeMap<String, Vec<Evidence>> = BTreeMap::new();
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
                if let Some((line, said)) = &call.retry_evidence {
                    retried.entry(call.host.clone()).or_default().push(Evidence::file(
                        file.clone(),
                        *line,
                        said.clone(),
                    ));
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
        // The uplink carries every API call, so a lost uplink hangs the service exactly when
        // one of those calls has no timeout; otherwise its calls give up after the longest.
        let mut uplink_timeout: Option<Option<Duration>> = None;
        // The calls it carries are the uplink requirement's evidence, beside the assumption.
        let mut uplink_calls: Vec<Evidence> = Vec::new();
        for (host, (guard, timeout, evidence)) in apis {
            uplink_calls.push(evidence.clone());
            uplink_timeout = Some(match (uplink_timeout, timeout.flatten()) {
                (None, this) => this,
                (Some(None), _) | (_, None) => None,
                (Some(Some(a)), Some(b)) => Some(if a.secs() > b.secs() { a } else { b }),
            });
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
            for retry in retried.remove(&host).unwrap_or_default() {
                b.edge(&owner.id, &api, requirement.clone(), retry);
            }
        }
        if let Some(timeout) = uplink_timeout {
            b.hard(
                &owner.id,
                "net:uplink",
                timeout,
                Evidence::assumption("external APIs are reached over the uplink"),
            );
            for call in uplink_calls {
                b.hard(&owner.id, "net:uplink", timeout, call);
            }
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
            // The database runs on this machine: while its server is down a connection is
            // refused at once (no listener on the port or socket), so callers fail fast
            // instead of hanging, whatever connect_timeout says. A missing connect_timeout
            // still matters for a server that is up but stuck, which the finding reports.
            let timeout = timeout.or(Some(drtwin_model::Duration::ZERO));
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

    // Captured listings of the backups: the dump's table of contents, the config tarball.
    read_backup_listings(&mut tree, &mut b);

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

    // A tunnel config no cloudflared job reads is named for what it is, not as an unknown
    // format.
    let tunnel_configs: Vec<String> = tree
        .files
        .keys()
        .filter(|p| p.starts_with(".cloudflared/") && (p.ends_with(".yml") || p.ends_with(".yaml")))
        .filter(|p| !tree.used.contains(*p))
        .cloned()
        .collect();
    for path in tunnel_configs {
        tree.skip(&path, "no cloudflared job runs this config");
    }

    // Production rankings and `--fail-on` thresholds count production endpoints only; say
    // so when there are none, so an empty ranking is not read as "no risk".
    let production = b
        .components
        .iter()
        .any(|c| matches!(&c.kind, Kind::Endpoint(endpoint) if endpoint.tier == Tier::Production));
    if !production {
        b.unlinked.push(
            "the twin has no production endpoint (no public hostname outside staging, no bot); \
             production downtime is zero by construction, see the other tiers"
                .to_string(),
        );
    }

    // Whatever no reader used.
    tree.report_unused();
    b.unlinked.extend(std::mem::take(&mut tree.notes));
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
    entry: Option<&cron::CronEntry>,
    script: &str,
    facts: &ScriptFacts,
) {
    // crontab(5): an unescaped `%` ends the command; the rest becomes standard input.
    if let Some(entry) = entry
        && entry.stdin.is_some()
    {
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
    let is_backup =
        backup.dump_format.is_some() || !backup.archives.is_empty() || backup.offsite.is_some();
    if is_backup && backup.offsite.is_none() {
        for (line, what) in &facts.unknown_uploads {
            b.finding(
                "offsite-tool-unknown",
                RiskLevel::Medium,
                format!("{script}:{line} uploads with {what}, which drtwin does not model"),
                "The backup may leave the machine, but drtwin cannot tell where to or how fresh \
                 the copy is, so the twin has no off-site store for it and counts every backup \
                 as lost with the machine. Check the upload by hand.",
                Some(id),
                vec![Evidence::file(script, *line, redact::excerpt(what))],
            );
        }
    }
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
            let line = facts.offsite_line.unwrap_or(1);
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
        if !secret_name(name) {
            continue;
        }
        let line =
            // The line naming the file, else the archive step itself: never the whole script.
            facts.lines.iter().find(|(_, text)| text.contains(name)).map_or(
                facts.backup.as_ref().map_or(1, |(_, line)| *line),
                |(line, _)| *line,
            );
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

/// Whether a file name is one that holds secrets (`.env`, `.pgpass`, keys, credentials json).
fn secret_name(name: &str) -> bool {
    name == ".env"
        || name.starts_with(".env.")
        || name == ".pgpass"
        || name == ".netrc"
        || name == "rclone.conf"
        || name.ends_with(".pem")
        || name.ends_with(".key")
        || (name.ends_with(".json")
            && ["credentials", "service-account", "service_account", "token"]
                .iter()
                .any(|word| name.contains(word)))
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

/// The tier a public hostname serves. A hostname is staging only when one of its labels, or
/// a dash-separated part of one, is a staging word; the top-level domain does not count, since
/// `.test` is a reserved TLD (RFC 2606) that says nothing about the tier, and words that merely
/// contain one (`latest`, `devon`, `stagecoach`) do not either.
fn hostname_tier(hostname: &str) -> Tier {
    const WORDS: [&str; 5] = ["staging", "stage", "stg", "dev", "test"];
    let lower = hostname.to_ascii_lowercase();
    let labels: Vec<&str> = lower.trim_end_matches('.').split('.').collect();
    let without_tld = &labels[..labels.len().saturating_sub(1)];
    let staging =
        without_tld.iter().any(|label| label.split('-').any(|part| WORDS.contains(&part)));
    if staging { Tier::Staging } else { Tier::Production }
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
    let id = format!("launchd:{}", job.label);
    for problem in problems {
        if problem.stops_server {
            b.finding(
                "postgres-will-not-start",
                RiskLevel::Critical,
                format!("PostgreSQL refuses to start: {}", problem.reason),
                "PostgreSQL reads every configuration file at start-up and stops with \
                 \"configuration file contains errors\" when an `include` names a file that does \
                 not exist (only `include_if_exists` may) or includes nest too deep. The \
                 database, and everything that needs it, stays down until the file is fixed.",
                Some(&id),
                vec![problem.evidence.clone()],
            );
            b.unlinked.push(format!(
                "database `{}` cannot start ({}); the twin still models it as running",
                job.label, problem.reason
            ));
        } else {
            b.unlinked.push(format!("postgres configuration: {}", problem.reason));
        }
    }
    let config = postgres::database_config(&settings);
    if config.wal_level == "minimal"
        && (config.max_wal_senders > 0 || crate::findings::archiving(&config.archive_mode))
    {
        b.unlinked.push(format!(
            "database `{}` cannot start (wal_level = minimal with WAL senders or archiving); \
             the twin still models it as running",
            job.label
        ));
    }

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

/// Scheduled work read the same way whoever schedules it: a cron line, or a launchd job
/// with StartInterval/StartCalendarInterval that runs a shell script.
struct Work {
    /// Fixed for launchd (`launchd:<Label>`); made from the script's name for cron.
    id: Option<String>,
    /// The supervisor component that schedules it: `cron` or `launchd`.
    supervisor: &'static str,
    /// The crontab or plist that schedules it.
    table: String,
    /// The line naming the work (the cron line, the plist's Label).
    evidence: Evidence,
    /// More about it (the captured `launchctl list` row).
    also: Vec<Evidence>,
    /// The line giving the schedule.
    schedule_evidence: Evidence,
    schedule: Schedule,
    command: String,
    /// The cron line itself, for the checks only a crontab needs.
    entry: Option<cron::CronEntry>,
    script: Option<String>,
    working_directory: Option<String>,
    entry_module: Option<String>,
    /// A short name: the script's stem, or the label's last part.
    name: String,
}

/// The shell script a launchd job runs, when it is in the tree: the program itself
/// (`/Users/u/scripts/relay.sh`), the script a shell is given (`/bin/bash script.sh`), or the
/// script a `sh -c` command line names. Python entries are left to [`entry_of`].
fn launchd_script(job: &LaunchdJob, working_directory: &str, tree: &Tree) -> Option<String> {
    let program = job.program.rsplit('/').next().unwrap_or(&job.program);
    if matches!(program, "sh" | "bash" | "zsh" | "dash" | "ksh") {
        let arguments = job.arguments.get(1..).unwrap_or_default();
        if let Some(index) = arguments.iter().position(|a| a == "-c") {
            let (script, _, _) = script_of(arguments.get(index + 1)?, tree);
            return script.filter(|s| !s.ends_with(".py"));
        }
        let script = arguments.iter().find(|a| !a.starts_with('-'))?;
        return map_path(script, Some(working_directory)).filter(|s| tree.exists(s));
    }
    // No shell: launchd runs the program directly, so a script in the tree is run by its
    // `#!` line.
    map_path(&job.program, Some(working_directory))
        .filter(|s| tree.exists(s) && !s.ends_with(".py"))
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
    offsite_line: Option<u32>,
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

    // The off-site copy, cited at the command that uploads it.
    if let Some(offsite) = &backup.offsite {
        let evidence = offsite_line.map_or(evidence.clone(), |line| {
            Evidence::file(script, line, format!("{} {}", offsite.tool, offsite.mode))
        });
        // `rclone ls` of the remote: what the off-site store actually holds.
        let listing = first_existing(tree, &["snapshot/rclone-ls.txt", "snapshot/rclone_ls.txt"])
            .and_then(|path| tree.read_text(&path).map(|text| (path, text)));
        let rows = listing.as_ref().map(|(_, text)| snapshot::parse_rclone_ls(text));
        let dumps: Vec<&snapshot::RemoteFile> = rows
            .iter()
            .flatten()
            .filter(|r| r.path.ends_with(".dump") || r.path.contains(".sql"))
            .collect();
        let latest = dumps
            .iter()
            .filter(|r| logs::date_in_name(&r.path).is_some())
            .max_by_key(|r| logs::date_in_name(&r.path));
        let id = format!("backup:offsite:{}", offsite.remote);
        let store = BackupStore {
            location: offsite.remote.clone(),
            offsite: true,
            retention_days: None,
            dumps_found: dumps.len() as u32,
            latest_dump_bytes: latest.map(|r| r.size),
        };
        b.add(
            &id,
            &format!("off-site {}", offsite.remote),
            Kind::BackupStore(store),
            evidence.clone(),
        );
        if let Some((path, _)) = &listing {
            if let Some(newest) = latest {
                let excerpt = format!(
                    "{} dumps; newest {} ({} bytes)",
                    dumps.len(),
                    redact::excerpt(&newest.path),
                    newest.size
                );
                b.cite(&id, Evidence::file(path.clone(), newest.line, excerpt));
            } else {
                b.cite(&id, Evidence::file(path.clone(), 0, format!("{} dumps", dumps.len())));
            }
            for empty in dumps.iter().filter(|r| r.size == 0) {
                let name = redact::excerpt(&empty.path);
                b.finding(
                    "offsite-dump-empty",
                    RiskLevel::High,
                    format!("the off-site copy `{name}` on {} is 0 bytes", offsite.remote),
                    "The off-site store holds an empty dump for that day: restoring from it \
                     gives nothing, and the copy tool uploaded it as if it were good.",
                    Some(&id),
                    vec![Evidence::file(path.clone(), empty.line, format!("0 {name}"))],
                );
            }
        }
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
                // A stale off-site copy is data at risk (the RPO), not downtime users see;
                // as production it would top every production downtime ranking.
                tier: Tier::Internal,
            }),
            evidence.clone(),
        );
        b.hard("endpoint:backup:offsite", &id, None, evidence);
    }
}

/// `pg_restore --list` (is the dump readable, what it holds) and `tar -tzf` (what the config
/// tarball holds), both captured from one night's backup. The facts are cited on the backup
/// job and its local store; which night's files they are is not checked against the dumps.
fn read_backup_listings(tree: &mut Tree, b: &mut Builder) {
    let job = b
        .components
        .iter()
        .find(|c| matches!(&c.kind, Kind::Job(j) if j.backup.is_some()))
        .map(|c| c.id.clone());
    let store = b
        .components
        .iter()
        .find(|c| c.id.starts_with("backup:local:"))
        .map(|c| c.id.clone())
        .or_else(|| job.clone());
    // The facts go on the job's copy into its local store, not on the components: findings
    // cite a component's whole evidence, and a lock or disk finding should not cite these.
    let cite = |b: &mut Builder, evidence: Evidence| match (&job, &store) {
        (Some(job), Some(store)) if job != store => b.edge(job, store, Edge::Copies, evidence),
        (Some(job), _) => b.cite(job, evidence),
        _ => {}
    };

    if let Some(path) =
        first_existing(tree, &["snapshot/pg_restore-list.txt", "snapshot/pg_restore_list.txt"])
        && let Some(text) = tree.read_text(&path)
    {
        let listing = snapshot::parse_pg_restore_list(&text);
        if listing.readable() {
            if let Some((entries, line)) = listing.entries {
                let format =
                    listing.format.as_ref().map_or("unknown".to_string(), |(f, _)| f.clone());
                let db = listing
                    .dbname
                    .as_deref()
                    .map_or(String::new(), |d| format!(" of {}", redact::excerpt(d)));
                let excerpt = format!(
                    "dump{db} readable: {entries} TOC entries, format {}",
                    redact::excerpt(&format)
                );
                cite(b, Evidence::file(path.clone(), line, excerpt));
                if let Some((_, first)) = listing.tables.first() {
                    let names: Vec<String> = listing
                        .tables
                        .iter()
                        .map(|(n, _)| redact::excerpt(n.strip_prefix("public.").unwrap_or(n)))
                        .collect();
                    let excerpt = format!("{} tables: {}", names.len(), names.join(", "));
                    cite(b, Evidence::file(path.clone(), *first, excerpt));
                }
            }
        } else {
            let (line, excerpt) = match (&listing.stray, listing.entries) {
                (Some((text, line)), _) => (*line, redact::excerpt(text)),
                (None, Some((n, line))) => (line, format!("TOC Entries: {n}")),
                (None, None) => (0, "no TOC header".to_string()),
            };
            b.finding(
                "dump-unreadable",
                RiskLevel::High,
                format!("`pg_restore --list` cannot read the dump ({path}:{line})"),
                "pg_restore lists no table of contents for the dump, so restoring it would give \
                 an empty database: the backup exists but holds nothing usable.",
                store.as_deref(),
                vec![Evidence::file(path.clone(), line, excerpt)],
            );
        }
    }

    let Some(path) = first_existing(tree, &["snapshot/tar-tzf.txt", "snapshot/tar_tzf.txt"]) else {
        return;
    };
    let Some(text) = tree.read_text(&path) else {
        return;
    };
    let entries = snapshot::parse_tar_list(&text);
    let files: Vec<&(String, u32)> = entries.iter().filter(|(p, _)| !p.ends_with('/')).collect();
    if job.is_some() {
        let tops: BTreeSet<String> = files
            .iter()
            .map(|(p, _)| {
                let p = p.trim_start_matches('/');
                let p = p.strip_prefix("Users/").and_then(|r| r.split_once('/')).map_or(p, |r| r.1);
                parent(p).to_string()
            })
            .collect();
        let excerpt = format!(
            "config tarball: {} files in {}",
            files.len(),
            redact::excerpt(&tops.into_iter().collect::<Vec<_>>().join(", "))
        );
        cite(b, Evidence::file(path.clone(), 0, excerpt));
    }

    // Secrets in the tarball: add the listing's line to the script's finding for that file.
    for (entry, line) in &files {
        let name = entry.rsplit('/').next().unwrap_or(entry);
        if !secret_name(name) {
            continue;
        }
        let evidence = Evidence::file(path.clone(), *line, redact::excerpt(entry));
        let existing = b
            .findings
            .iter_mut()
            .find(|f| f.code == "secrets-in-backup" && f.title.contains(&format!("`{name}`")));
        match existing {
            Some(finding) => {
                if !finding.evidence.contains(&evidence) {
                    finding.evidence.push(evidence);
                }
            }
            None => b.finding(
                "secrets-in-backup",
                RiskLevel::High,
                format!("the config tarball holds `{name}`, a file of secrets"),
                "Every copy of the archive, local and off-site, now holds the credentials; \
                 anyone who can read the backup store can use them.",
                job.as_deref(),
                vec![evidence],
            ),
        }
    }

    // What the twin knows matters but the tarball lacks.
    let holds = |needle: &dyn Fn(&str) -> bool| files.iter().any(|(p, _)| needle(p));
    let crontab =
        tree.files.keys().find(|p| p.starts_with("cron/") && !p.ends_with(".md")).cloned().or_else(
            || {
                ["etc/crontab", "snapshot/crontab-l.txt"]
                    .iter()
                    .find(|p| tree.exists(p))
                    .map(|p| p.to_string())
            },
        );
    let agents = tree.files.keys().find(|p| p.starts_with("Library/LaunchAgents/")).cloned();
    let tunnel = first_existing(tree, &[".cloudflared/config.yml", ".cloudflared/config.yaml"]);
    let mut missing: Vec<(&str, String)> = Vec::new();
    if let Some(file) = crontab
        && b.has("cron")
        && !holds(&|p| p.contains("crontab") || p.contains("cron/tabs/") || p.contains("/cron/"))
    {
        missing.push(("the crontab", file));
    }
    if let Some(file) = agents
        && !holds(&|p| p.contains("Library/LaunchAgents/"))
    {
        missing.push(("the LaunchAgents", file));
    }
    if let Some(file) = tunnel
        && !holds(&|p| p.contains(".cloudflared/config.y"))
    {
        missing.push(("the cloudflared config", file));
    }
    if !missing.is_empty() {
        let names: Vec<&str> = missing.iter().map(|(what, _)| *what).collect();
        let mut evidence = vec![Evidence::file(
            path.clone(),
            0,
            format!("{} files; lacks {}", files.len(), names.join(", ")),
        )];
        evidence.extend(
            missing.iter().map(|(what, file)| Evidence::file(file.clone(), 0, what.to_string())),
        );
        b.finding(
            "config-backup-incomplete",
            RiskLevel::Medium,
            format!("the config tarball lacks {}", names.join(", ")),
            "Rebuilding the machine from the backup would leave these out: they must be \
             recreated from memory, and the jobs or services they define stay down until then.",
            job.as_deref(),
            evidence,
        );
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

    // Log files in the tree are never opened (they can be gigabytes); only their size, from
    // the walk's metadata, is used, and only when no `ls -l` capture gives sizes already.
    let log_files: Vec<String> =
        tree.under("logs").chain(tree.under("Library/Logs")).map(str::to_string).collect();
    let mut written: BTreeMap<String, (String, u64)> = BTreeMap::new();
    for file in &log_files {
        let size = tree.files.get(file).map_or(0, |f| f.size);
        let writer = services.iter().find(|(_, service, _)| {
            service.logs.iter().any(|log| map_path(log, None).as_deref() == Some(file.as_str()))
        });
        match (&ls, writer) {
            (None, Some((id, _, _))) => {
                tree.mark_used(file);
                written.insert(file.clone(), (id.clone(), size));
            }
            (Some(_), _) => tree.skip(file, crate::SKIP_LOG_CAPTURED),
            (None, None) => tree.skip(file, crate::SKIP_LOG_UNWRITTEN),
        }
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
            let first_row = sizes.iter().map(|s| s.line).min().unwrap_or(1);
            let mut cited = match (&ls, known) {
                (Some(path), true) => {
                    vec![Evidence::file(
                        path.clone(),
                        first_row,
                        "log growth from ls -l against du",
                    )]
                }
                _ => vec![Evidence::assumption("log growth unknown")],
            };
            // A log in the tree shows how big it is now, not how fast it grows: one size has
            // no time span. The size is cited and the rate stays unknown.
            for (file, (writer, size)) in &written {
                if writer == id {
                    cited.push(Evidence::file(
                        file.clone(),
                        0,
                        format!("{size} bytes now (size only; growth needs an earlier capture)"),
                    ));
                }
            }
            for evidence in cited {
                b.edge(id, "volume:/", Edge::WritesTo { bytes_per_day: per_day }, evidence);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staging_words_count_only_as_whole_labels_below_the_tld() {
        for staging in [
            "staging.shop.com",
            "shop-stg.example.com",
            "dev.api.example.org",
            "api.test.example.io",
        ] {
            assert_eq!(hostname_tier(staging), Tier::Staging, "{staging}");
        }
        for production in [
            "latest.bakery.com",
            "devon-bakery.co.uk",
            "stagecoach.com",
            "shop.contest.com",
            "shop.bakery.test",
            "*.orders.bakery.test",
        ] {
            assert_eq!(hostname_tier(production), Tier::Production, "{production}");
        }
    }

    #[test]
    fn retry_wrappers_are_cited_on_the_api_edge() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/macmini");
        if !root.is_dir() {
            return;
        }
        let twin = crate::scan(&root, &crate::ScanOptions::default()).expect("the tree exists");
        let cited = twin
            .dependencies
            .iter()
            .filter(|d| d.to == "api:api.wellsky.com")
            .flat_map(|d| &d.evidence)
            .any(|e| e.cite().ends_with("careassist/services/wellsky_service.py:18"));
        assert!(cited, "the urllib3 Retry in wellsky_service.py is cited");
    }
}
