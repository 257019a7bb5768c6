//! The restore runbook for the loss of the whole machine, derived from the twin: what to
//! install (packages inferred from the programs services and jobs run), where the newest
//! off-site copies are, and which supervised services to start in which order (database
//! first, then the applications, the tunnel last, scheduled work after that).

use std::collections::BTreeSet;

use drtwin_model::{Evidence, Kind, Platform, ServiceRole, SupervisorKind, Twin};
use drtwin_sim::Results;

use crate::document::{Block, machine_loss_scenario};
use crate::text::{name_of, seconds};

/// The runbook as report blocks.
pub fn build(twin: &Twin, results: &Results) -> Vec<Block> {
    let mut steps = Vec::new();

    // Hardware and operating system.
    let platform = match twin.host.platform {
        Platform::MacOs => "macOS",
        Platform::Linux => "Linux",
    };
    steps.push(format!(
        "Get a replacement machine with {platform}, set its time zone to `{}` (scheduled work \
         depends on it) and create the same user account.{}",
        twin.host.time_zone,
        step_time(results, &["hardware", "replace"])
    ));

    // Software.
    let packages = packages(twin);
    if packages.is_empty() {
        steps.push("Install the programs the services run (none could be inferred).".into());
    } else {
        let manager =
            if twin.host.platform == Platform::MacOs { "Homebrew" } else { "the package manager" };
        steps.push(format!(
            "Install with {manager}: {}.{}",
            packages.iter().map(|package| format!("`{package}`")).collect::<Vec<_>>().join(", "),
            step_time(results, &["install"])
        ));
    }

    // Data from the backup stores, off-site first.
    let mut stores: Vec<_> = twin
        .components
        .iter()
        .filter_map(|component| match &component.kind {
            Kind::BackupStore(store) => Some((component, store)),
            _ => None,
        })
        .collect();
    stores.sort_by_key(|(component, store)| (!store.offsite, component.id.clone()));
    for (component, store) in &stores {
        if !store.offsite {
            steps.push(format!(
                "Do not count on {} (`{}`): it was on the lost machine.",
                component.name, store.location
            ));
            continue;
        }
        let mut text = format!(
            "Fetch the newest copy from {} ({}, `{}`",
            component.name,
            if store.offsite { "off-site" } else { "on this machine: gone with it" },
            store.location
        );
        if let Some(days) = store.retention_days {
            text.push_str(&format!(", keeps {days} days"));
        }
        if store.dumps_found > 0 {
            text.push_str(&format!(", {} dumps found", store.dumps_found));
        }
        if let Some(bytes) = store.latest_dump_bytes {
            text.push_str(&format!(", newest {}", bytes_human(bytes)));
        }
        text.push_str(").");
        if store.offsite {
            text.push_str(&step_time(results, &["download", "transfer", "fetch"]));
        }
        steps.push(text);
    }

    // Configs from the tarball.
    let archives: BTreeSet<&str> = twin
        .components
        .iter()
        .filter_map(|component| match &component.kind {
            Kind::Job(job) => job.backup.as_ref(),
            _ => None,
        })
        .flat_map(|backup| backup.archives.iter().map(String::as_str))
        .collect();
    if !archives.is_empty() {
        steps.push(format!(
            "Unpack the newest config tarball into the home folder; it holds {}.",
            archives.iter().map(|path| format!("`{path}`")).collect::<Vec<_>>().join(", ")
        ));
    }

    // Services in dependency order.
    let mut services: Vec<StartStep> = Vec::new();
    for component in &twin.components {
        let Kind::Service(service) = &component.kind else {
            continue;
        };
        let rank = match service.role {
            ServiceRole::Database => 0,
            ServiceRole::Worker => 1,
            ServiceRole::Web => 2,
            ServiceRole::Bot => 3,
            ServiceRole::Tunnel => 4,
        };
        let file = component.evidence.iter().find(|e| matches!(e, Evidence::File { .. }));
        services.push((
            rank,
            &component.id,
            &component.name,
            file,
            service.restart.supervisor.clone(),
        ));
    }
    services.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
    for (rank, id, name, file, supervisor) in &services {
        let how = start_command(twin, *file, supervisor.as_deref());
        let extra = match rank {
            0 => {
                " Then restore the newest dump into it (`pg_restore` for a custom-format dump) \
                  before anything else starts."
                    .to_string()
                    + &step_time(results, &["restore", "pg_restore", "dump"])
            }
            4 => " Last, so users reach the services only once they work.".to_string(),
            _ => String::new(),
        };
        steps.push(format!("Start {name} (`{id}`): {how}.{extra}"));
    }

    // Scheduled work and monitors after the services.
    let scheduled: Vec<String> = twin
        .components
        .iter()
        .filter(|component| matches!(component.kind, Kind::Job(_) | Kind::Monitor(_)))
        .map(|component| component.name.clone())
        .collect::<BTreeSet<String>>()
        .into_iter()
        .collect();
    if !scheduled.is_empty() {
        steps.push(format!(
            "Load the scheduled jobs and monitors: {}. Run the backup once by hand and check the \
             off-site copy appears.",
            scheduled.join(", ")
        ));
    }

    // Check the endpoints.
    let endpoints: Vec<String> =
        twin.endpoints().iter().map(|endpoint| name_of(twin, &endpoint.id).to_string()).collect();
    if !endpoints.is_empty() {
        steps.push(format!("Check every endpoint answers: {}.", endpoints.join(", ")));
    }

    let mut blocks = Vec::new();
    match machine_loss_scenario(results) {
        Some(loss) => blocks.push(Block::Paragraph(format!(
            "Simulated total for these steps: p50 {}, p90 {}, p99 {}. Per-step times below come \
             from the assumptions where one names the step.",
            seconds(loss.recovery_time.p50.value),
            seconds(loss.recovery_time.p90.value),
            seconds(loss.recovery_time.p99.value)
        ))),
        None => blocks.push(Block::Paragraph(
            "These results hold no machine-loss scenario, so the steps carry no times.".into(),
        )),
    }
    // FIXME: the engine reports only the total restore time; per-step times are read from
    // assumptions whose names mention the step, which is a guess about their naming.
    blocks.push(Block::Ordered(steps));
    blocks
}

/// A service to start: order rank, id, name, its supervisor file and supervisor id.
type StartStep<'a> = (u8, &'a str, &'a str, Option<&'a Evidence>, Option<String>);

/// ` Expected: VALUE (assumption NAME).` for the first assumption whose name holds a key.
fn step_time(results: &Results, keys: &[&str]) -> String {
    results
        .assumptions
        .iter()
        .find(|assumption| {
            // Only durations can say how long a step takes; a rate (bytes per second) is not.
            let name = assumption.name.to_ascii_lowercase();
            keys.iter().any(|key| name.contains(key))
                && assumption.value.trim_matches('"').parse::<drtwin_model::Duration>().is_ok()
        })
        .map(|assumption| {
            format!(" Expected: {} (assumption `{}`).", assumption.value, assumption.name)
        })
        .unwrap_or_default()
}

fn start_command(twin: &Twin, file: Option<&Evidence>, supervisor: Option<&str>) -> String {
    let path = match file {
        Some(Evidence::File { path, .. }) => Some(path.as_str()),
        _ => None,
    };
    let kind =
        supervisor.and_then(|id| twin.component(id)).and_then(|component| match component.kind {
            Kind::Supervisor(kind) => Some(kind),
            _ => None,
        });
    match (kind, path) {
        // Daemons live in the system's /Library/LaunchDaemons and are loaded as root; agents
        // in the user's ~/Library/LaunchAgents, in the user's session.
        (Some(SupervisorKind::Launchd), Some(path))
            if path.starts_with("Library/LaunchDaemons/") =>
        {
            format!("`sudo launchctl load -w /{path}`")
        }
        (Some(SupervisorKind::Launchd), Some(path)) if path.starts_with("Library/") => {
            format!("`launchctl load -w ~/{path}`")
        }
        (Some(SupervisorKind::Launchd), Some(path)) => {
            format!("load its launchd job from `{path}`")
        }
        (Some(SupervisorKind::Systemd), Some(path)) => format!("enable its unit from `{path}`"),
        (_, Some(path)) => format!("start it as `{path}` describes"),
        _ => "start it by hand (no supervisor file found)".into(),
    }
}

/// Package names inferred from program paths: `/opt/homebrew/opt/NAME/...`,
/// `/opt/homebrew/Cellar/NAME/...`, `/opt/homebrew/bin/NAME`, `/usr/local/bin/NAME`, and
/// the tools named at the start of job commands.
fn packages(twin: &Twin) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let consider = |found: &mut BTreeSet<String>, program: &str| {
        for prefix in
            ["/opt/homebrew/opt/", "/opt/homebrew/Cellar/", "/usr/local/opt/", "/usr/local/Cellar/"]
        {
            if let Some(rest) = program.split(prefix).nth(1) {
                if let Some(name) = rest.split('/').next().filter(|name| !name.is_empty()) {
                    found.insert(name.to_string());
                }
                return;
            }
        }
        for prefix in ["/opt/homebrew/bin/", "/usr/local/bin/"] {
            if let Some(rest) = program.split(prefix).nth(1) {
                if let Some(name) = rest.split([' ', '/']).next().filter(|name| !name.is_empty()) {
                    found.insert(name.to_string());
                }
                return;
            }
        }
        let base = program.rsplit('/').next().unwrap_or(program);
        if base.starts_with("python") {
            found.insert("python".into());
        }
    };
    for component in &twin.components {
        match &component.kind {
            Kind::Service(service) => consider(&mut found, &service.program),
            Kind::Job(job) => {
                for word in job.command.split_whitespace() {
                    if word.contains("/bin/") || word.contains("/opt/") {
                        consider(&mut found, word);
                    }
                }
                if let Some(backup) = &job.backup {
                    if backup.dump_format.is_some() {
                        found.insert("postgresql client (pg_dump, pg_restore)".into());
                    }
                    if let Some(offsite) = &backup.offsite {
                        found.insert(offsite.tool.clone());
                    }
                }
            }
            _ => {}
        }
    }
    // PostgreSQL's client programs come with the server's formula, not formulas of their own.
    let clients = ["psql", "pg_dump", "pg_restore", "pg_isready", "pg_dumpall", "postgres"];
    let has_server =
        found.iter().any(|name| name.starts_with("postgresql@") || name == "postgresql");
    if has_server {
        found.retain(|name| !name.starts_with("postgresql client"));
    }
    if found.iter().any(|name| clients.contains(&name.as_str())) {
        found.retain(|name| !clients.contains(&name.as_str()));
        if !has_server {
            found.insert("postgresql client (pg_dump, pg_restore)".into());
        }
    }
    found
}

fn bytes_human(bytes: u64) -> String {
    let units = ["B", "KB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < units.len() {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", units[unit])
}
