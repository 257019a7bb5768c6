//! The example machine's deliberate weaknesses, each expected as a finding with its code and
//! the `path:line` a reader can open. A weakness the files show directly must be named by the
//! scan, not left for the reader to spot.

use std::path::Path;

use drtwin_model::{Finding, Twin};
use drtwin_twin::{ScanOptions, scan};

fn example() -> Twin {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/macmini");
    scan(&root, &ScanOptions::default()).expect("the example tree exists")
}

/// Asserts a finding with `code` cites `path:line` (line 0 cites the whole file).
fn expect(findings: &[Finding], code: &str, path: &str, line: u32) {
    let cited = findings.iter().any(|f| {
        f.code == code
            && f.evidence.iter().any(|e| {
                matches!(e, drtwin_model::Evidence::File { path: p, line: l, .. }
                    if p == path && *l == line)
            })
    });
    let same_code: Vec<String> = findings
        .iter()
        .filter(|f| f.code == code)
        .map(|f| {
            let cites: Vec<String> = f.evidence.iter().map(|e| e.cite()).collect();
            format!("{} [{}]", f.title, cites.join(", "))
        })
        .collect();
    assert!(
        cited,
        "no `{code}` finding cites {path}:{line}; findings with that code: {same_code:#?}"
    );
}

#[test]
fn every_weakness_of_the_example_is_a_finding_with_path_and_line() {
    let twin = example();
    let findings = drtwin_twin::findings(&twin);
    let agents = "Library/LaunchAgents";

    // launchd restart policies.
    expect(
        &findings,
        "no-keepalive",
        &format!("{agents}/com.frontrangecare.family-portal.plist"),
        6,
    );
    expect(
        &findings,
        "keepalive-partial",
        &format!("{agents}/com.frontrangecare.analytics.plist"),
        30,
    );
    expect(&findings, "keepalive-partial", &format!("{agents}/com.frontrangecare.gigi.plist"), 46);
    expect(
        &findings,
        "keepalive-partial",
        &format!("{agents}/com.frontrangecare.telegram-bot.plist"),
        29,
    );
    expect(
        &findings,
        "keepalive-partial",
        &format!("{agents}/com.cloudflare.cloudflared.plist"),
        21,
    );

    // Monitoring.
    expect(&findings, "monitor-alert-only", "scripts/health-monitor.sh", 35);
    expect(&findings, "monitor-alert-only", "scripts/health-monitor.sh", 36);
    expect(&findings, "monitor-alert-only", "scripts/watchdog.sh", 10);
    expect(&findings, "watchdog-load-noop", "scripts/watchdog.sh", 36);
    expect(&findings, "alert-same-host", "scripts/health-monitor.sh", 22);
    expect(&findings, "wrong-volume-disk-check", "scripts/health-monitor.sh", 77);

    // Power loss with FileVault.
    expect(&findings, "filevault-no-autologin", "snapshot/fdesetup-status.txt", 1);
    expect(
        &findings,
        "filevault-no-autologin",
        "snapshot/defaults-read-loginwindow-autoLoginUser.txt",
        2,
    );

    // The database.
    expect(&findings, "pool-exceeds-max-connections", "pgdata/postgresql.auto.conf", 3);
    expect(
        &findings,
        "staging-shares-production-db",
        &format!("{agents}/com.frontrangecare.portal-staging.plist"),
        24,
    );
    expect(&findings, "unsafe-durability", "pgdata/tuning.conf", 10);
    expect(&findings, "no-pitr", "pgdata/postgresql.conf", 38);
    expect(&findings, "no-pitr", "pgdata/postgresql.conf", 45);
    expect(&findings, "no-connect-timeout", "apps/careassist/services/wellsky_service.py", 78);
    expect(&findings, "no-connect-timeout", "apps/careassist/analytics/app.py", 9);
    expect(&findings, "connection-leak", "apps/careassist/gigi/main.py", 81);
    expect(&findings, "connection-leak", "apps/careassist/gigi/main.py", 90);

    // External APIs without timeouts: every call site.
    expect(&findings, "no-timeout", "apps/careassist/gigi/main.py", 35);
    expect(&findings, "no-timeout", "apps/careassist/gigi/main.py", 50);
    expect(&findings, "no-timeout", "apps/careassist/gigi/voice_brain.py", 97);
    expect(&findings, "no-timeout", "apps/careassist/gigi/voice_brain.py", 111);

    // Logs.
    expect(&findings, "no-rotation", "etc/newsyslog.d/frontrangecare.conf", 3);

    // Backups.
    expect(&findings, "offsite-never-pruned", "scripts/backup.sh", 25);
    expect(&findings, "no-error-check-in-backup", "scripts/backup.sh", 15);
    expect(&findings, "bad-dump", "backups/careassist-2026-11-29.dump", 0);
    expect(&findings, "secrets-in-backup", "scripts/backup.sh", 22);
    expect(&findings, "backups-same-disk", "scripts/backup.sh", 15);

    // cron.
    expect(&findings, "no-lock", "cron/ops.crontab", 20);
    expect(&findings, "no-lock", "cron/ops.crontab", 23);
    expect(&findings, "dst-gap-job", "cron/ops.crontab", 26);
    expect(&findings, "day-fields-or", "cron/ops.crontab", 29);
    expect(&findings, "unescaped-percent", "cron/ops.crontab", 35);

    // Capacity.
    assert!(
        findings.iter().any(|f| f.code == "single-worker" && f.title.starts_with("family-portal")),
        "single uvicorn worker"
    );
}

#[test]
fn findings_have_words_and_evidence() {
    let twin = example();
    for finding in drtwin_twin::findings(&twin) {
        assert!(!finding.title.is_empty(), "{}", finding.code);
        assert!(finding.detail.len() > 20, "`{}` needs a detail in plain words", finding.code);
        assert!(!finding.evidence.is_empty(), "`{}` cites nothing", finding.code);
    }
}

#[test]
fn findings_are_not_repeated() {
    let twin = example();
    let findings = drtwin_twin::findings(&twin);
    for (index, finding) in findings.iter().enumerate() {
        assert!(
            !findings[..index].iter().any(|f| f.code == finding.code
                && f.component == finding.component
                && f.evidence == finding.evidence),
            "`{}` twice: {}",
            finding.code,
            finding.title
        );
    }
}

#[test]
fn findings_survive_a_ron_round_trip() {
    let twin = example();
    let text = twin.to_ron().expect("serialises");
    let loaded = Twin::from_ron(&text).expect("reads back");
    assert_eq!(drtwin_twin::findings(&loaded), drtwin_twin::findings(&twin));
}
