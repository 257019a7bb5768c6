//! Scans the shipped example tree and the small fixture, and checks the facts each one
//! states: labels, ports, schedules, the tunnel's endpoints, the database limits and the
//! external APIs the code calls.

use std::path::{Path, PathBuf};

use drtwin_model::{Edge, Kind, ProbeAction, Strength, Tier, Timing, Twin};
use drtwin_twin::{ScanOptions, scan};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

fn scan_tree(relative: &str) -> Option<Twin> {
    let root = workspace().join(relative);
    if !root.is_dir() {
        return None;
    }
    Some(scan(&root, &ScanOptions::default()).expect("the tree exists"))
}

fn edge<'a>(twin: &'a Twin, from: &str, to: &str) -> Option<&'a Edge> {
    twin.dependencies.iter().find(|d| d.from == from && d.to == to).map(|d| &d.kind)
}

fn service<'a>(twin: &'a Twin, id: &str) -> &'a drtwin_model::Service {
    match twin.component(id).map(|c| &c.kind) {
        Some(Kind::Service(service)) => service,
        other => panic!("{id} is not a service: {other:?}"),
    }
}

#[test]
fn macmini_services_ports_and_plists() {
    let Some(twin) = scan_tree("examples/macmini") else {
        return;
    };
    if std::env::var("DRTWIN_DUMP").is_ok() {
        println!("{}", twin.to_ron().unwrap());
    }
    twin.validate().expect("edges name components");

    let web: Vec<&drtwin_model::Service> = twin
        .components
        .iter()
        .filter_map(|c| match &c.kind {
            Kind::Service(s) if s.role == drtwin_model::ServiceRole::Web => Some(s),
            _ => None,
        })
        .collect();
    assert_eq!(web.len(), 7, "seven web services");
    let ports: Vec<u16> = web.iter().flat_map(|s| s.ports.clone()).collect();
    assert!(ports.contains(&8765) && ports.contains(&8766), "{ports:?}");

    // The binary plist parsed, with line-0 evidence.
    let scheduler = twin.component("launchd:com.frontrangecare.scheduler").expect("binary plist");
    assert!(scheduler.evidence.iter().any(|e| e.cite().ends_with("scheduler.plist")));

    // KeepAlive as launchd reads it.
    let tunnel = service(&twin, "launchd:com.cloudflare.cloudflared");
    assert!(!tunnel.restart.restarts_after.clean_exit);
    assert!(tunnel.restart.restarts_after.error_exit);
    assert_eq!(tunnel.restart.throttle_interval.secs(), 5.0);
    let family = service(&twin, "launchd:com.frontrangecare.family-portal");
    assert!(family.restart.restarts_after.is_none(), "commented-out KeepAlive");

    // Secrets: names only.
    let portal = service(&twin, "launchd:com.frontrangecare.portal");
    let url = portal.environment.iter().find(|e| e.name == "DATABASE_URL").unwrap();
    assert_eq!(url.value, None);
    assert_eq!(portal.workers, 2);
    let ron = twin.to_ron().unwrap();
    assert!(!ron.contains("FAKE"), "a planted secret reached the twin");
}

#[test]
fn macmini_tunnel_endpoints_and_database() {
    let Some(twin) = scan_tree("examples/macmini") else {
        return;
    };
    let production = twin.component("endpoint:https://careassist.example.com").unwrap();
    assert!(matches!(&production.kind, Kind::Endpoint(e) if e.tier == Tier::Production));
    let staging = twin.component("endpoint:https://staging.careassist.example.com").unwrap();
    assert!(matches!(&staging.kind, Kind::Endpoint(e) if e.tier == Tier::Staging));
    assert!(
        edge(
            &twin,
            "endpoint:https://careassist.example.com",
            "launchd:com.cloudflare.cloudflared"
        )
        .is_some()
    );
    assert!(
        edge(&twin, "endpoint:https://careassist.example.com", "launchd:com.frontrangecare.portal")
            .is_some()
    );
    assert!(matches!(
        edge(
            &twin,
            "launchd:com.cloudflare.cloudflared",
            "launchd:com.frontrangecare.portal-staging"
        ),
        Some(Edge::Routes { port: 8766 })
    ));

    let database = service(&twin, "launchd:homebrew.mxcl.postgresql@16");
    let config = database.database.as_ref().expect("postgres config read");
    assert_eq!(config.max_connections, 40, "postgresql.auto.conf wins");
    assert_eq!(config.synchronous_commit, "off", "from the included tuning.conf");
    assert!(config.evidence.iter().any(
        |(name, e)| name == "synchronous_commit" && e.cite().starts_with("pgdata/tuning.conf")
    ));
    assert!(twin.findings.iter().any(|f| f.code == "unsafe-durability"));
    assert!(twin.findings.iter().any(|f| f.code == "pool-exceeds-max-connections"));
}

#[test]
fn macmini_cron_jobs_monitors_and_backups() {
    let Some(twin) = scan_tree("examples/macmini") else {
        return;
    };
    let schedule = |id: &str| match twin.component(id).map(|c| &c.kind) {
        Some(Kind::Job(job)) => job.schedule.clone(),
        other => panic!("{id} is not a job: {other:?}"),
    };
    let backup = schedule("cron:backup");
    assert!(
        matches!(&backup.timing, Timing::Calendar(r) if r[0].hours == 1 << 3 && r[0].minutes == 1)
    );
    let cleanup = schedule("cron:cleanup");
    assert!(matches!(&cleanup.timing, Timing::Calendar(r) if r[0].days_or_weekdays));
    let sync = schedule("cron:wellsky_sync");
    assert!(matches!(&sync.timing, Timing::Calendar(r) if r[0].hours.count_ones() == 12));
    assert!(
        matches!(schedule("launchd:com.frontrangecare.token-refresh").timing, Timing::Every(d) if d.secs() == 1800.0)
    );

    let Some(Kind::Monitor(health)) = twin.component("cron:health-monitor").map(|c| &c.kind) else {
        panic!("health monitor")
    };
    assert_eq!(health.period.secs(), 300.0);
    assert!(
        health.alert.as_ref().is_some_and(|a| a.via.iter().any(|v| v == "api:api.telegram.org"))
    );
    assert!(matches!(
        edge(&twin, "cron:health-monitor", "launchd:com.frontrangecare.family-portal"),
        Some(Edge::Probes { action: ProbeAction::Alert, .. })
    ));
    // health-monitor.sh requests each service's /health (a loop over label:port lines), which
    // a hung service fails; the watchdog reads PIDs only.
    assert!(matches!(
        edge(&twin, "cron:health-monitor", "launchd:com.frontrangecare.gigi"),
        Some(Edge::Probes { sees_hangs: true, .. })
    ));
    assert!(matches!(
        edge(&twin, "cron:watchdog", "launchd:com.frontrangecare.gigi"),
        Some(Edge::Probes { sees_hangs: false, .. })
    ));
    // watchdog.sh answers a stopped cloudflared with `launchctl load`, which starts nothing
    // while the job is loaded: its probe restarts nothing.
    assert!(matches!(
        edge(&twin, "cron:watchdog", "launchd:com.cloudflare.cloudflared"),
        Some(Edge::Probes { action: ProbeAction::Nothing, sees_hangs: false, .. })
    ));

    let Some(Kind::Job(job)) = twin.component("cron:backup").map(|c| &c.kind) else { panic!() };
    let backup_job = job.backup.as_ref().unwrap();
    assert_eq!(backup_job.dump_format.as_deref(), Some("custom"));
    assert_eq!(backup_job.retention_days, Some(7));
    assert_eq!(
        backup_job.offsite.as_ref().map(|o| o.remote.as_str()),
        Some("gdrive:MacMini-Backups")
    );
    assert!(twin.component("backup:offsite:gdrive:MacMini-Backups").is_some());
    assert!(twin.component("endpoint:backup:offsite").is_some());
    assert!(twin.component("backup:local:~/backups").is_some());
    assert!(twin.findings.iter().any(|f| f.code == "dst-gap-job"), "02:30 in America/Denver");
    assert_eq!(twin.host.time_zone, "America/Denver");
}

#[test]
fn macmini_external_apis_from_code() {
    let Some(twin) = scan_tree("examples/macmini") else {
        return;
    };
    for host in ["api.wellsky.com", "api.anthropic.com", "api.retellai.com", "api.telegram.org"] {
        assert!(twin.component(&format!("api:{host}")).is_some(), "{host}");
    }
    // Gigi's WellSky lookups fall back to a cache; its Retell calls have no timeout.
    let requirement = |from: &str, to: &str| match edge(&twin, from, to) {
        Some(Edge::Requires(r)) => r.clone(),
        other => panic!("{from} -> {to}: {other:?}"),
    };
    let gigi = "launchd:com.frontrangecare.gigi";
    assert_eq!(requirement(gigi, "api:api.wellsky.com").strength, Strength::Fallback);
    assert_eq!(requirement(gigi, "api:api.retellai.com").timeout, None);
    assert_eq!(requirement(gigi, "api:api.retellai.com").strength, Strength::Hard);
    assert!(edge(&twin, gigi, "launchd:homebrew.mxcl.postgresql@16").is_some());
    assert!(
        edge(
            &twin,
            "endpoint:bot:com.frontrangecare.telegram-bot",
            "launchd:com.frontrangecare.telegram-bot"
        )
        .is_some()
    );
}

#[test]
fn smallhost_reads_its_own_names() {
    let Some(twin) = scan_tree("tests/fixtures/smallhost") else {
        return;
    };
    twin.validate().expect("edges name components");
    assert_eq!(twin.host.time_zone, "Europe/Berlin");
    let shop = service(&twin, "launchd:org.harborbakery.shop");
    assert_eq!(shop.ports, vec![9100]);
    assert!(service(&twin, "launchd:org.harborbakery.orders").ports.contains(&9200));
    let database = service(&twin, "launchd:homebrew.mxcl.postgresql@15");
    assert_eq!(database.database.as_ref().map(|d| d.port), Some(5433));
    assert!(twin.component("endpoint:https://shop.harborbakery.test").is_some());
    assert!(twin.component("endpoint:port:9200").is_some());
    assert!(twin.component("api:api.stripe.com").is_some());
    assert!(twin.components.iter().all(|c| !c.id.contains("frontrangecare")));
    assert!(!twin.to_ron().unwrap().contains("FAKE"));
}

#[test]
fn missing_root_is_an_error() {
    let missing = workspace().join("no/such/tree");
    assert!(matches!(
        scan(&missing, &ScanOptions::default()),
        Err(drtwin_twin::ScanError::NotFound { .. })
    ));
    let file = workspace().join("Cargo.toml");
    assert!(matches!(
        scan(&file, &ScanOptions::default()),
        Err(drtwin_twin::ScanError::NotADirectory { .. })
    ));
}
