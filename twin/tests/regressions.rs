//! One test per defect a newcomer found by scanning trees of their own, each named after the
//! defect. Every test writes a small tree modelled on the one that showed the defect into its
//! own scratch folder, scans it, and checks the twin says what the real program would do.

use std::path::PathBuf;

use drtwin_model::{Access, Edge, Evidence, Kind, RiskLevel, Tier, Twin};
use drtwin_twin::{ScanOptions, scan};

/// A folder removed when the test ends, named after the test so parallel tests never meet.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let path =
            std::env::temp_dir().join(format!("drtwin-regress-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("temp folder");
        Scratch(path)
    }

    fn write(&self, relative: &str, bytes: impl AsRef<[u8]>) -> &Scratch {
        let path = self.0.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("folder");
        }
        std::fs::write(path, bytes).expect("write");
        self
    }

    fn scan(&self) -> Twin {
        let twin = scan(&self.0, &ScanOptions::default()).expect("scan finishes");
        twin.validate().expect("edges name components");
        twin
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A LaunchAgent plist with `Label`, `ProgramArguments` and any further keys.
fn agent(label: &str, arguments: &[&str], more: &str) -> String {
    let arguments: String = arguments.iter().map(|a| format!("<string>{a}</string>")).collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">\n<dict>\n\
         <key>Label</key><string>{label}</string>\n\
         <key>ProgramArguments</key><array>{arguments}</array>\n{more}\n</dict>\n</plist>\n"
    )
}

const TUNNEL: &str = "<key>RunAtLoad</key><true/>\n<key>KeepAlive</key><true/>";

fn findings(twin: &Twin, code: &str) -> Vec<drtwin_model::Finding> {
    drtwin_twin::findings(twin).into_iter().filter(|f| f.code == code).collect()
}

fn cites(evidence: &[Evidence], path: &str, line: u32) -> bool {
    evidence
        .iter()
        .any(|e| matches!(e, Evidence::File { path: p, line: l, .. } if p == path && *l == line))
}

fn skip_reason<'a>(twin: &'a Twin, path: &str) -> Option<&'a str> {
    twin.skipped.iter().find(|s| s.path == path).map(|s| s.reason.as_str())
}

fn tier(twin: &Twin, id: &str) -> Tier {
    match twin.component(id).map(|c| &c.kind) {
        Some(Kind::Endpoint(endpoint)) => endpoint.tier,
        other => panic!("`{id}` is not an endpoint: {other:?}"),
    }
}

/// A tunnel in front of one web service, with `config` as its config.yml.
fn tunnel_tree(name: &str, config: &str) -> Scratch {
    let tree = Scratch::new(name);
    tree.write(
        "Library/LaunchAgents/com.cloudflare.cloudflared.plist",
        agent(
            "com.cloudflare.cloudflared",
            &["/usr/local/bin/cloudflared", "tunnel", "run"],
            TUNNEL,
        ),
    )
    .write(
        "Library/LaunchAgents/net.shop.web.plist",
        agent("net.shop.web", &["/x/uvicorn", "app:app", "--port", "9100"], TUNNEL),
    )
    .write(".cloudflared/config.yml", config);
    tree
}

#[test]
fn cloudflared_config_with_misplaced_catch_all_serves_no_hostname() {
    let tree = tunnel_tree(
        "refused",
        "tunnel: t\ningress:\n  - hostname: shop.example.com\n    service: http://localhost:9100\n\
         \x20 - service: http_status:404\n  - hostname: late.example.com\n    service: http://localhost:9100\n",
    );
    let twin = tree.scan();

    let refused = findings(&twin, "ingress-config")
        .into_iter()
        .find(|f| f.title.starts_with("cloudflared refuses this config: no hostname is served"))
        .expect("a refusal finding");
    assert_eq!(refused.level, RiskLevel::Critical);
    assert!(cites(&refused.evidence, ".cloudflared/config.yml", 5), "{:?}", refused.evidence);

    // The tunnel routes nowhere; each endpoint needs only the tunnel, which carries the cause.
    let tunnel = "launchd:com.cloudflare.cloudflared";
    assert!(!twin.dependencies.iter().any(|d| matches!(d.kind, Edge::Routes { .. })));
    for endpoint in ["endpoint:https://shop.example.com", "endpoint:https://late.example.com"] {
        let needs: Vec<&str> = twin
            .dependencies
            .iter()
            .filter(|d| d.from == endpoint)
            .map(|d| d.to.as_str())
            .collect();
        assert_eq!(needs, vec![tunnel], "{endpoint}");
    }
    let tunnel_evidence = &twin.component(tunnel).expect("tunnel").evidence;
    assert!(cites(tunnel_evidence, ".cloudflared/config.yml", 5));
    assert!(twin.unlinked.iter().any(|note| note.contains("serves nothing")));

    // Without a catch-all at all, the same.
    let tree = tunnel_tree(
        "no-catch-all",
        "ingress:\n  - hostname: shop.example.com\n    service: http://localhost:9100\n",
    );
    let twin = tree.scan();
    assert!(
        findings(&twin, "ingress-config")
            .iter()
            .any(|f| f.level == RiskLevel::Critical && f.title.contains("not a catch-all"))
    );
}

#[test]
fn quoted_yaml_hostname_gets_its_real_line() {
    let tree = tunnel_tree(
        "quoted",
        "tunnel: t\ningress:\n  - hostname: \"*.orders.example.com\"\n    service: http://localhost:9100\n\
         \x20 - service: http_status:404\n",
    );
    let twin = tree.scan();
    let endpoint = twin.component("endpoint:https://*.orders.example.com").expect("endpoint");
    assert!(cites(&endpoint.evidence, ".cloudflared/config.yml", 3), "{:?}", endpoint.evidence);
}

#[test]
fn backup_with_no_offsite_copy_is_reported() {
    let tree = Scratch::new("no-offsite");
    tree.write("cron/u.crontab", "0 2 * * * /Users/u/scripts/backup.sh\n").write(
        "scripts/backup.sh",
        "#!/bin/sh\nset -e\npg_dump -Fc app > /Users/u/backups/app.dump\n\
         rsync -a /Users/u/backups/ /Volumes/USB/backups/\n",
    );
    let twin = tree.scan();
    let missing = findings(&twin, "no-offsite-copy");
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert_eq!(missing[0].level, RiskLevel::High);
    assert!(findings(&twin, "offsite-tool-unknown").is_empty());
}

#[test]
fn backup_uploading_with_an_unmodelled_tool_is_reported() {
    let tree = Scratch::new("unknown-tool");
    tree.write("cron/u.crontab", "0 2 * * * /Users/u/scripts/backup.sh\n").write(
        "scripts/backup.sh",
        "#!/bin/sh\nset -e\npg_dump -Fc app > /Users/u/backups/app.dump\n\
         s3cmd put /Users/u/backups/app.dump s3://bk/\n",
    );
    let twin = tree.scan();
    let unknown = findings(&twin, "offsite-tool-unknown");
    assert_eq!(unknown.len(), 1, "{unknown:?}");
    assert!(cites(&unknown[0].evidence, "scripts/backup.sh", 4));
    assert!(findings(&twin, "no-offsite-copy").is_empty(), "one finding, not both");
}

#[test]
fn offsite_copies_by_aws_restic_rsync_and_rclone_rcat_are_recognised() {
    let tree = Scratch::new("offsite-tools");
    tree.write(
        "cron/u.crontab",
        "0 1 * * * pg_dump -Fc app | rclone rcat b2:bucket/app.dump\n\
         0 2 * * * /Users/u/scripts/b1.sh\n0 3 * * * /Users/u/scripts/b2.sh\n0 4 * * * /Users/u/scripts/b3.sh\n",
    )
    .write("scripts/b1.sh", "#!/bin/sh\nset -e\npg_dump -Fc app > /b/a.dump\naws s3 cp /b/a.dump s3://bk/\n")
    .write("scripts/b2.sh", "#!/bin/sh\nset -e\npg_dump -Fc app > /b/b.dump\nrsync -az /b/ nas.example.net:/bk/\n")
    .write("scripts/b3.sh", "#!/bin/sh\nset -e\npg_dump app > /b/c.sql\nrestic -r b2:bucket:/r backup /b\n");
    let twin = tree.scan();
    for store in [
        "backup:offsite:b2:bucket/app.dump",
        "backup:offsite:s3://bk/",
        "backup:offsite:nas.example.net:/bk/",
        "backup:offsite:b2:bucket:/r",
    ] {
        assert!(twin.component(store).is_some(), "{store}");
    }
    assert!(findings(&twin, "no-offsite-copy").is_empty());
    let upload = twin.component("backup:offsite:s3://bk/").expect("store");
    assert!(cites(&upload.evidence, "scripts/b1.sh", 4), "cited at the upload line");
}

#[test]
fn offsite_backup_endpoint_is_internal_not_production() {
    let tree = Scratch::new("offsite-tier");
    tree.write("cron/u.crontab", "0 1 * * * pg_dump -Fc app | rclone rcat b2:bucket/app.dump\n");
    let twin = tree.scan();
    assert_eq!(tier(&twin, "endpoint:backup:offsite"), Tier::Internal);
}

#[test]
fn postgres_with_a_missing_include_will_not_start() {
    let tree = Scratch::new("pg-include");
    tree.write(
        "Library/LaunchAgents/homebrew.mxcl.postgresql@14.plist",
        agent("homebrew.mxcl.postgresql@14", &["/x/postgres", "-D", "/Users/u/pg"], TUNNEL),
    )
    .write(
        "pg/postgresql.conf",
        "port = 5432\ninclude_if_exists 'optional.conf'\ninclude 'extra.conf'\n",
    );
    let twin = tree.scan();
    let stop = findings(&twin, "postgres-will-not-start");
    assert_eq!(stop.len(), 1, "{stop:?}");
    assert_eq!(stop[0].level, RiskLevel::Critical);
    assert!(cites(&stop[0].evidence, "pg/postgresql.conf", 3), "{:?}", stop[0].evidence);
}

#[test]
fn postgres_wal_level_minimal_with_senders_or_archiving_will_not_start() {
    let tree = Scratch::new("pg-wal");
    tree.write(
        "Library/LaunchAgents/homebrew.mxcl.postgresql@14.plist",
        agent("homebrew.mxcl.postgresql@14", &["/x/postgres", "-D", "/Users/u/pg"], TUNNEL),
    )
    .write("pg/postgresql.conf", "wal_level = minimal\narchive_mode = on\n");
    let twin = tree.scan();
    let stop = findings(&twin, "postgres-will-not-start");
    assert!(
        stop.iter().any(|f| f.title.contains("max_wal_senders = 10")
            && cites(&f.evidence, "pg/postgresql.conf", 1)),
        "the default of 10 WAL senders needs replica: {stop:?}"
    );
    assert!(stop.iter().any(|f| f.title.contains("archive_mode = on")));
    assert!(stop.iter().all(|f| f.level == RiskLevel::Critical));

    // With no senders and no archiving, minimal is allowed.
    let tree = Scratch::new("pg-wal-ok");
    tree.write(
        "Library/LaunchAgents/homebrew.mxcl.postgresql@14.plist",
        agent("homebrew.mxcl.postgresql@14", &["/x/postgres", "-D", "/Users/u/pg"], TUNNEL),
    )
    .write("pg/postgresql.conf", "wal_level = minimal\nmax_wal_senders = 0\n");
    assert!(findings(&tree.scan(), "postgres-will-not-start").is_empty());
}

#[test]
fn tree_with_no_jobs_or_crontabs_reports_nothing_found() {
    let tree = Scratch::new("nothing");
    tree.write("Documents/notes.txt", "hello\n");
    let twin = tree.scan();
    let nothing = findings(&twin, "nothing-found");
    assert_eq!(nothing.len(), 1);
    assert_eq!(nothing[0].level, RiskLevel::High);
    assert_eq!(nothing[0].title, "found no launchd jobs or crontabs — is this the home folder?");
    assert!(cites(&nothing[0].evidence, ".", 0));

    let tree = Scratch::new("something");
    tree.write("cron/u.crontab", "0 1 * * * /bin/true\n");
    assert!(findings(&tree.scan(), "nothing-found").is_empty());
}

#[test]
fn duplicate_and_empty_labels_and_custom_entities_are_skipped_with_reasons() {
    let tree = Scratch::new("labels");
    let agents = "Library/LaunchAgents";
    tree.write(
        &format!("{agents}/a.plist"),
        agent("dup", &["/x/uvicorn", "a:app", "--port", "8000"], ""),
    )
    .write(
        &format!("{agents}/b.plist"),
        agent("dup", &["/x/uvicorn", "a:app", "--port", "8001"], ""),
    )
    .write(&format!("{agents}/empty.plist"), agent("", &["/bin/true"], ""))
    .write(
        &format!("{agents}/entity.plist"),
        "<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY a \"aaaa\">]>\n<plist version=\"1.0\">\
             <dict><key>Label</key><string>&a;</string><key>ProgramArguments</key><array>\
             <string>/bin/true</string></array></dict></plist>\n",
    );
    let twin = tree.scan();
    let Some(Kind::Service(kept)) = twin.component("launchd:dup").map(|c| &c.kind) else {
        panic!("the first plist with the label is kept")
    };
    assert_eq!(kept.ports, vec![8000]);
    assert_eq!(
        skip_reason(&twin, &format!("{agents}/b.plist")),
        Some(
            "duplicate Label `dup` (also in Library/LaunchAgents/a.plist); launchd loads only one"
        )
    );
    assert!(
        skip_reason(&twin, &format!("{agents}/empty.plist")).is_some_and(|r| r.contains("Label"))
    );
    assert!(
        skip_reason(&twin, &format!("{agents}/entity.plist")).is_some_and(|r| r.contains("&a;"))
    );
    assert!(!twin.components.iter().any(|c| c.id == "launchd:"), "no job without a label");
}

#[test]
fn log_files_are_sized_or_skipped_never_silently_used() {
    let tree = Scratch::new("logs");
    tree.write(
        "Library/LaunchAgents/net.shop.web.plist",
        agent(
            "net.shop.web",
            &["/x/uvicorn", "app:app", "--port", "9100"],
            "<key>KeepAlive</key><true/>\n<key>StandardOutPath</key><string>/Users/u/logs/web.log</string>",
        ),
    )
    .write("logs/web.log", vec![b'x'; 4096])
    .write("logs/stray.log", "old\n");
    let twin = tree.scan();
    let writes = twin
        .dependencies
        .iter()
        .find(|d| d.from == "launchd:net.shop.web" && matches!(d.kind, Edge::WritesTo { .. }))
        .expect("the service writes its log");
    assert!(
        writes.evidence.iter().any(|e| matches!(e,
            Evidence::File { path, excerpt, .. } if path == "logs/web.log" && excerpt.contains("4096 bytes"))),
        "{:?}",
        writes.evidence
    );
    assert_eq!(skip_reason(&twin, "logs/stray.log"), Some(drtwin_twin::SKIP_LOG_UNWRITTEN));
    assert!(twin.skipped.iter().all(|s| s.path != "logs/web.log"), "its size is used");
}

#[test]
fn scripts_run_by_launchd_jobs_are_read_like_cron_scripts() {
    let tree = Scratch::new("launchd-scripts");
    let agents = "Library/LaunchAgents";
    let every = |seconds: u32| format!("<key>StartInterval</key><integer>{seconds}</integer>");
    tree.write(
        &format!("{agents}/net.shop.web.plist"),
        agent("net.shop.web", &["/x/uvicorn", "app:app", "--port", "9100"], "<key>KeepAlive</key><true/>"),
    )
    .write(&format!("{agents}/net.shop.check.plist"), agent("net.shop.check", &["/Users/u/scripts/check.sh"], &every(300)))
    .write(
        &format!("{agents}/net.shop.backup.plist"),
        agent("net.shop.backup", &["/bin/bash", "/Users/u/scripts/nightly.sh"], &every(86_400)),
    )
    .write(&format!("{agents}/net.shop.tick.plist"), agent("net.shop.tick", &["/bin/sh", "-c", "~/scripts/tick.sh $HOME"], &every(900)))
    .write(
        "scripts/check.sh",
        "#!/bin/sh\ncurl -fsS --max-time 5 http://localhost:9100/health || launchctl kickstart -k gui/501/net.shop.web\n",
    )
    .write(
        "scripts/nightly.sh",
        "#!/bin/bash\nset -e\npg_dump -Fc app > /Users/u/backups/app.dump\nrclone copy /Users/u/backups r2:bk\n",
    )
    .write("scripts/tick.sh", "#!/bin/sh\necho tick\n");
    let twin = tree.scan();

    for script in ["scripts/check.sh", "scripts/nightly.sh", "scripts/tick.sh"] {
        assert_eq!(skip_reason(&twin, script), None, "{script} is run by a launchd job");
    }
    let Some(Kind::Monitor(monitor)) = twin.component("launchd:net.shop.check").map(|c| &c.kind)
    else {
        panic!("the probing script is a monitor")
    };
    assert_eq!(monitor.period.secs(), 300.0);
    assert!(twin.dependencies.iter().any(|d| d.from == "launchd:net.shop.check"
        && d.to == "launchd:net.shop.web"
        && matches!(d.kind, Edge::Probes { .. })));
    assert!(twin.dependencies.iter().any(|d| d.from == "launchd"
        && d.to == "launchd:net.shop.check"
        && matches!(d.kind, Edge::Schedules)));
    let Some(Kind::Job(backup)) = twin.component("launchd:net.shop.backup").map(|c| &c.kind) else {
        panic!("the backup script is a job")
    };
    assert!(backup.backup.as_ref().is_some_and(|b| b.offsite.is_some()));
    assert!(twin.component("backup:offsite:r2:bk").is_some());
    assert_eq!(
        twin.component("launchd:net.shop.tick").and_then(|c| match &c.kind {
            Kind::Job(job) => job.script.clone(),
            _ => None,
        }),
        Some("scripts/tick.sh".to_string())
    );
}

#[test]
fn ports_from_positional_and_bind_flags_become_endpoints() {
    let tree = Scratch::new("ports");
    let agents = "Library/LaunchAgents";
    tree.write(
        &format!("{agents}/a.plist"),
        agent("net.kiosk", &["/usr/bin/python3", "-m", "http.server", "8080"], ""),
    )
    .write(
        &format!("{agents}/b.plist"),
        agent("net.api", &["/x/gunicorn", "-b", "0.0.0.0:8000", "app:app"], ""),
    )
    .write(
        &format!("{agents}/c.plist"),
        agent("net.flask", &["/x/flask", "run", "-p", "5001"], ""),
    );
    let twin = tree.scan();
    for port in [8080, 8000, 5001] {
        assert!(twin.component(&format!("endpoint:port:{port}")).is_some(), "port {port}");
    }
}

#[test]
fn staging_words_count_only_below_the_tld_and_no_production_is_noted() {
    let tree = tunnel_tree(
        "tiers",
        "ingress:\n  - hostname: shop.bakery.test\n    service: http://localhost:9100\n\
         \x20 - hostname: latest.bakery.com\n    service: http://localhost:9100\n\
         \x20 - hostname: shop-stg.bakery.com\n    service: http://localhost:9100\n\
         \x20 - service: http_status:404\n",
    );
    let twin = tree.scan();
    assert_eq!(tier(&twin, "endpoint:https://shop.bakery.test"), Tier::Production);
    assert_eq!(tier(&twin, "endpoint:https://latest.bakery.com"), Tier::Production);
    assert_eq!(tier(&twin, "endpoint:https://shop-stg.bakery.com"), Tier::Staging);
    assert!(!twin.unlinked.iter().any(|n| n.contains("no production endpoint")));

    let tree = tunnel_tree(
        "only-staging",
        "ingress:\n  - hostname: staging.bakery.com\n    service: http://localhost:9100\n\
         \x20 - service: http_status:404\n",
    );
    let twin = tree.scan();
    assert!(
        twin.unlinked.iter().any(|n| n.contains("no production endpoint")),
        "{:?}",
        twin.unlinked
    );
}

#[test]
fn monitor_restricted_to_hours_keeps_its_interval_and_names_the_gap() {
    let tree = Scratch::new("hours");
    tree.write(
        "Library/LaunchAgents/net.shop.web.plist",
        agent("net.shop.web", &["/x/uvicorn", "app:app", "--port", "9100"], "<key>KeepAlive</key><true/>"),
    )
    .write("cron/u.crontab", "*/10 9-17/2 * * * /Users/u/scripts/check.sh\n")
    .write(
        "scripts/check.sh",
        "#!/bin/sh\ncurl -fsS http://localhost:9100/health || launchctl kickstart -k gui/501/net.shop.web\n",
    );
    let twin = tree.scan();
    let Some(Kind::Monitor(monitor)) = twin.component("cron:check").map(|c| &c.kind) else {
        panic!("monitor")
    };
    assert_eq!(monitor.period.secs(), 600.0, "ten minutes while it runs, not a 48-minute mean");
    let gap = findings(&twin, "monitor-not-always-on");
    assert_eq!(gap.len(), 1);
    assert_eq!(gap[0].level, RiskLevel::Medium);
    assert!(gap[0].title.contains("0-8, 10, 12, 14, 16, 18-23"), "{}", gap[0].title);
    assert!(twin.unlinked.iter().any(|n| n.contains("cron:check") && n.contains("18-23")));
}

#[test]
fn keepalive_crashed_false_other_job_enabled_and_wrong_types_follow_launchd() {
    let tree = Scratch::new("keepalive");
    let agents = "Library/LaunchAgents";
    let web = |label: &str, port: &str, keep_alive: &str| {
        agent(
            label,
            &["/x/uvicorn", "app:app", "--port", port],
            &format!("<key>KeepAlive</key>{keep_alive}"),
        )
    };
    tree.write(
        &format!("{agents}/a.plist"),
        web("s.crashed-false", "8101", "<dict><key>Crashed</key><false/></dict>"),
    )
    .write(
        &format!("{agents}/b.plist"),
        web(
            "s.other-present",
            "8102",
            "<dict><key>OtherJobEnabled</key><dict><key>s.crashed-false</key><true/></dict></dict>",
        ),
    )
    .write(
        &format!("{agents}/c.plist"),
        web(
            "s.other-absent",
            "8103",
            "<dict><key>OtherJobEnabled</key><dict><key>s.nowhere</key><true/></dict></dict>",
        ),
    )
    .write(&format!("{agents}/d.plist"), web("s.int", "8104", "<integer>1</integer>"))
    .write(&format!("{agents}/e.plist"), web("s.string", "8105", "<string>true</string>"));
    let twin = tree.scan();
    let endings = |id: &str| match twin.component(id).map(|c| &c.kind) {
        Some(Kind::Service(service)) => service.restart.restarts_after,
        other => panic!("{id}: {other:?}"),
    };

    let crashed_false = endings("launchd:s.crashed-false");
    assert!(crashed_false.clean_exit && crashed_false.error_exit && crashed_false.killed);
    assert!(!crashed_false.crash_signal);
    assert_eq!(endings("launchd:s.other-present"), drtwin_model::Endings::ALL);
    assert!(endings("launchd:s.other-absent").is_none());
    assert!(
        twin.unlinked
            .iter()
            .any(|n| n.contains("s.other-present") && n.contains("OtherJobEnabled"))
    );
    for (id, kind) in [("launchd:s.int", "<integer>"), ("launchd:s.string", "<string>")] {
        assert!(endings(id).is_none());
        assert!(
            findings(&twin, "keepalive-wrong-type")
                .iter()
                .any(|f| f.component.as_deref() == Some(id) && f.title.contains(kind)),
            "{id}"
        );
    }
}

#[test]
fn lossy_utf8_file_is_read_with_a_note_not_skipped() {
    let tree = Scratch::new("lossy");
    tree.write("cron/u.crontab", b"# caf\xe9\n0 1 * * * /bin/true\n".as_slice());
    let twin = tree.scan();
    assert_eq!(skip_reason(&twin, "cron/u.crontab"), None);
    assert!(
        twin.unlinked.iter().any(|n| n.contains("cron/u.crontab") && n.contains("invalid UTF-8"))
    );
}

#[test]
fn tunnel_config_without_a_tunnel_job_says_so() {
    let tree = Scratch::new("no-tunnel-job");
    tree.write("cron/u.crontab", "0 1 * * * /bin/true\n").write(
        ".cloudflared/config.yml",
        "ingress:\n  - hostname: a.example.com\n    service: http://localhost:1\n  - service: http_status:404\n",
    );
    let twin = tree.scan();
    assert_eq!(
        skip_reason(&twin, ".cloudflared/config.yml"),
        Some("no cloudflared job runs this config")
    );
}

#[test]
fn scan_is_deterministic() {
    let tree = tunnel_tree(
        "determinism",
        "ingress:\n  - hostname: shop.example.com\n    service: http://localhost:9100\n\
         \x20 - service: http_status:404\n",
    );
    tree.write("cron/u.crontab", "*/10 9-17 * * * /Users/u/scripts/check.sh\n0 1 * * * pg_dumpall > /b/x.sql\n")
        .write("scripts/check.sh", "#!/bin/sh\ncurl -fsS http://localhost:9100/ || launchctl kickstart -k gui/501/net.shop.web\n");
    let first = tree.scan().to_ron().expect("serialises");
    let second = tree.scan().to_ron().expect("serialises");
    assert_eq!(first, second);
    assert!(matches!(
        tree.scan().component("endpoint:https://shop.example.com").map(|c| &c.kind),
        Some(Kind::Endpoint(drtwin_model::Endpoint { access: Access::PublicHostname(_), .. }))
    ));
}

/// A tunnel config with one hostname routed to the web service's port 9100.
const ONE_HOSTNAME: &str = "tunnel: t\ningress:\n  - hostname: shop.example.com\n    service: \
                            http://localhost:9100\n  - service: http_status:404\n";

#[test]
fn a_tunnel_does_not_hang_after_a_network_outage() {
    // cloudflared reconnects by itself once the uplink and DNS are back; a web service whose
    // API calls all time out gives up on them when the uplink is lost, and one call without a
    // timeout is enough to hang it.
    let tree = tunnel_tree("tunnel-network", ONE_HOSTNAME);
    tree.write(
        "Library/LaunchAgents/net.shop.web.plist",
        agent(
            "net.shop.web",
            &["/x/uvicorn", "app:app", "--port", "9100"],
            "<key>WorkingDirectory</key><string>/Users/me/shop</string>\n\
             <key>KeepAlive</key><true/>",
        ),
    )
    .write(
        "shop/app.py",
        "import requests\n\ndef rates():\n    return requests.get('https://api.rates.example/v1', \
         timeout=10)\n\ndef stock():\n    return requests.get('https://api.stock.example/v1')\n",
    );
    let twin = tree.scan();
    let requirement = |from: &str, to: &str| {
        twin.dependencies
            .iter()
            .filter(|d| d.from == from && d.to == to)
            .find_map(|d| match &d.kind {
                Edge::Requires(requirement) => Some(requirement.timeout),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no requirement {from} -> {to}"))
    };
    let tunnel = "launchd:com.cloudflare.cloudflared";
    assert!(requirement(tunnel, "net:uplink").is_some(), "the tunnel hangs on the uplink");
    assert!(requirement(tunnel, "net:dns").is_some(), "the tunnel hangs on DNS");
    assert_eq!(requirement("launchd:net.shop.web", "net:uplink"), None, "one untimed call hangs");
    let uplink_edges = twin
        .dependencies
        .iter()
        .filter(|d| d.from == "launchd:net.shop.web" && d.to == "net:uplink")
        .count();
    assert_eq!(uplink_edges, 1, "one uplink requirement per service");
}

#[test]
fn one_hard_requirement_per_pair_so_an_alternative_covers_all_of_it() {
    // The Telegram bot needs the uplink for its polling and for its API calls; two edges made
    // an added LTE uplink cover one of them, and the bot stayed down with the wired uplink.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/macmini");
    let twin = scan(&root, &ScanOptions::default()).expect("the example scans");
    let mut pairs: Vec<(&str, &str)> = twin
        .dependencies
        .iter()
        .filter(|d| {
            matches!(&d.kind, Edge::Requires(r) if r.strength == drtwin_model::Strength::Hard
                && r.any_of.is_none())
        })
        .map(|d| (d.from.as_str(), d.to.as_str()))
        .collect();
    let all = pairs.len();
    pairs.sort_unstable();
    pairs.dedup();
    assert_eq!(pairs.len(), all, "a pair has two hard requirements");
    assert!(pairs.contains(&("launchd:com.frontrangecare.telegram-bot", "net:uplink")));
}

#[test]
fn a_watchdog_that_only_loads_a_loaded_job_restarts_nothing() {
    // `launchctl load` of a job launchd still has loaded starts nothing, so the watchdog's
    // probe of the tunnel is no restart; its `kickstart` of the web service is one.
    let tree = tunnel_tree("watchdog-load", ONE_HOSTNAME);
    tree.write(
        "cron/me.crontab",
        "*/2 * * * * /Users/me/scripts/watchdog.sh >> /Users/me/logs/watchdog.log 2>&1\n",
    )
    .write(
        "scripts/watchdog.sh",
        "#!/bin/bash\n\
         if ! pgrep -f cloudflared > /dev/null; then\n\
         \x20   launchctl load -w ~/Library/LaunchAgents/com.cloudflare.cloudflared.plist\n\
         fi\n\
         if ! pgrep -f uvicorn > /dev/null; then\n\
         \x20   launchctl kickstart gui/501/net.shop.web\n\
         fi\n",
    );
    let twin = tree.scan();
    let action = |target: &str| {
        twin.dependencies
            .iter()
            .find_map(|d| match d.kind {
                Edge::Probes { action, .. } if d.to == target => Some(action),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no probe of {target}"))
    };
    use drtwin_model::ProbeAction;
    assert_ne!(action("launchd:com.cloudflare.cloudflared"), ProbeAction::Restart);
    assert_eq!(action("launchd:net.shop.web"), ProbeAction::Restart);
    assert_eq!(findings(&twin, "watchdog-load-noop").len(), 1);
    // A process list cannot see a hung process.
    let sees_hangs = twin.dependencies.iter().find_map(|d| match d.kind {
        Edge::Probes { sees_hangs, .. } if d.to == "launchd:net.shop.web" => Some(sees_hangs),
        _ => None,
    });
    assert_eq!(sees_hangs, Some(false));
}
