//! The example's captured backup listings (`pg_restore --list`, `tar -tzf`, `rclone ls`) read
//! into facts and findings, each cited at `path:line`.

use std::path::Path;

use drtwin_model::{Edge, Evidence, Kind, Twin};
use drtwin_twin::{ScanOptions, scan};

fn example() -> Twin {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/macmini");
    scan(&root, &ScanOptions::default()).expect("the example tree exists")
}

fn cites(evidence: &[Evidence], path: &str, line: u32, words: &str) -> bool {
    evidence.iter().any(|e| {
        matches!(e, Evidence::File { path: p, line: l, excerpt }
            if p == path && *l == line && excerpt.contains(words))
    })
}

#[test]
fn the_example_backup_listings_are_facts_with_path_and_line() {
    let twin = example();
    let findings = drtwin_twin::findings(&twin);
    let pg = "snapshot/pg_restore-list.txt";
    let tar = "snapshot/tar-tzf.txt";
    let rclone = "snapshot/rclone-ls.txt";

    // None of the three is skipped any more.
    for path in [pg, tar, rclone] {
        assert!(!twin.skipped.iter().any(|s| s.path == path), "{path} skipped");
    }

    // pg_restore --list: readable, 214 entries, custom format, nine tables; cited on the
    // backup job's copy into the local store.
    let copies: Vec<Evidence> = twin
        .dependencies
        .iter()
        .filter(|d| d.from == "cron:backup" && d.to.starts_with("backup:local:"))
        .filter(|d| matches!(d.kind, Edge::Copies))
        .flat_map(|d| d.evidence.iter().cloned())
        .collect();
    assert!(cites(&copies, pg, 4, "214 TOC entries, format CUSTOM"), "{copies:#?}");
    assert!(cites(&copies, pg, 20, "9 tables: caregivers"), "{copies:#?}");
    assert!(!findings.iter().any(|f| f.code == "dump-unreadable"));

    // tar -tzf: what the tarball holds, the `.env` in it, and the crontab it lacks.
    assert!(cites(&copies, tar, 0, "17 files"), "{copies:#?}");
    let secrets = findings
        .iter()
        .find(|f| f.code == "secrets-in-backup" && f.title.contains("`.env`"))
        .expect("secrets-in-backup for .env");
    assert!(cites(&secrets.evidence, "scripts/backup.sh", 22, ""), "{secrets:#?}");
    assert!(cites(&secrets.evidence, tar, 18, "apps/careassist/.env"), "{secrets:#?}");
    let incomplete = findings
        .iter()
        .find(|f| f.code == "config-backup-incomplete")
        .expect("config-backup-incomplete");
    assert_eq!(incomplete.level, drtwin_model::RiskLevel::Medium);
    assert!(incomplete.title.contains("the crontab"), "{}", incomplete.title);
    assert!(!incomplete.title.contains("LaunchAgents"), "{}", incomplete.title);
    assert!(!incomplete.title.contains("cloudflared"), "{}", incomplete.title);
    assert!(cites(&incomplete.evidence, tar, 0, "lacks the crontab"));
    assert!(cites(&incomplete.evidence, "cron/ops.crontab", 0, "the crontab"));

    // rclone ls: 52 dumps, the newest of 2026-12-02 at its size, and the empty one.
    let offsite = twin
        .components
        .iter()
        .find(|c| c.id == "backup:offsite:gdrive:MacMini-Backups")
        .expect("the off-site store");
    let Kind::BackupStore(store) = &offsite.kind else {
        panic!("not a backup store");
    };
    assert_eq!(store.dumps_found, 52);
    assert_eq!(store.latest_dump_bytes, Some(190_595_994));
    assert!(cites(&offsite.evidence, rclone, 52, "newest careassist-2026-12-02.dump"));
    let empty =
        findings.iter().find(|f| f.code == "offsite-dump-empty").expect("offsite-dump-empty");
    assert_eq!(empty.level, drtwin_model::RiskLevel::High);
    assert_eq!(empty.component.as_deref(), Some(offsite.id.as_str()));
    assert!(cites(&empty.evidence, rclone, 49, "careassist-2026-11-29.dump"));
}
