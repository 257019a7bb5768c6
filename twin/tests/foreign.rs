//! Trees written in styles the example does not use, hostile files, and planted secrets.
//!
//! Each test writes its own tree into a fresh folder under the system temp folder, scans
//! it, and checks three promises of the scanner: the scan finishes; every file either
//! becomes facts (some evidence cites it) or is named in `twin.skipped` with a reason; and
//! no secret value reaches `twin.ron`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use drtwin_model::{Edge, Kind, Twin};
use drtwin_twin::{ScanOptions, scan};

/// A folder removed when the test ends, named after the test so parallel tests never meet.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let path = std::env::temp_dir().join(format!("drtwin-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("temp folder");
        Scratch(path)
    }

    fn write(&self, relative: &str, bytes: impl AsRef<[u8]>) {
        let path = self.0.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("folder");
        }
        std::fs::write(path, bytes).expect("write");
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(
                self.0.join("scripts/locked.sh"),
                std::fs::Permissions::from_mode(0o644),
            );
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Every regular file under `root`, as a `/`-separated relative path; links are not followed.
fn files_under(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(metadata) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            let relative = path
                .strip_prefix(root)
                .map(|p| p.to_string_lossy().replace('\\', "/"))
                .unwrap_or_default();
            if metadata.file_type().is_symlink() {
                out.push(relative);
            } else if metadata.is_dir() {
                pending.push(path);
            } else {
                out.push(relative);
            }
        }
    }
    out.sort();
    out
}

/// Every path any `Evidence::File` of the twin cites. The twin is written to RON without its
/// skipped list, so every remaining `path:` field is an evidence path, wherever the model
/// nests it.
fn cited_paths(twin: &Twin) -> BTreeSet<String> {
    let mut bare = twin.clone();
    bare.skipped.clear();
    let text = bare.to_ron().expect("serialises");
    let mut out = BTreeSet::new();
    for piece in text.split("path: \"").skip(1) {
        if let Some(end) = piece.find('"') {
            out.insert(piece[..end].to_string());
        }
    }
    out
}

/// No silent drop: each file is cited by evidence or named as skipped with a reason.
fn assert_nothing_dropped(root: &Path, twin: &Twin) {
    let cited = cited_paths(twin);
    for file in files_under(root) {
        let skipped = twin.skipped.iter().find(|s| s.path == file).map(|s| s.reason.as_str());
        assert!(
            cited.contains(&file) || skipped.is_some_and(|r| !r.is_empty()),
            "`{file}` was dropped silently: no evidence cites it and it is not skipped"
        );
    }
}

fn skip_reason<'a>(twin: &'a Twin, path: &str) -> Option<&'a str> {
    twin.skipped.iter().find(|s| s.path == path).map(|s| s.reason.as_str())
}

/// A tree in other people's styles.
fn write_foreign(tree: &Scratch) {
    // Comment before the prolog, an old Apple DOCTYPE, `<false />`, keys launchd does not
    // know, ThrottleInterval last, Program without ProgramArguments, KeepAlive with only
    // Crashed.
    tree.write(
        "Library/LaunchAgents/net.harbor.api.plist",
        r#"<!-- installed by hand, 2019 -->
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key><string>net.harbor.api</string>
	<key>Program</key><string>/opt/harbor/bin/api-server</string>
	<key>X-Harbor-Owner</key><string>ops team</string>
	<key>RunAtLoad</key><false />
	<key>KeepAlive</key>
	<dict>
		<key>Crashed</key><true/>
		<key>SomethingElse</key><integer>3</integer>
	</dict>
	<key>EnvironmentVariables</key>
	<dict>
		<key>PORT</key><string>7001</string>
		<key>DATABASE_URL</key><string>postgres://harbor:hunter2planted@127.0.0.1:5433/harbor</string>
		<key>STRIPE_API_KEY</key><string>sk_live_PLANTEDPLANTED0001</string>
	</dict>
	<key>ThrottleInterval</key><integer>60</integer>
</dict>
</plist>
"#,
    );
    // A system daemon on a calendar array, Weekday 7 for Sunday.
    tree.write(
        "Library/LaunchDaemons/net.harbor.vacuum.plist",
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist SYSTEM "file://localhost/System/Library/DTDs/PropertyList.dtd">
<plist version="0.9">
<dict>
  <key>Label</key>
  <string>net.harbor.vacuum</string>
  <key>ProgramArguments</key>
  <array>
    <string>/opt/harbor/bin/vacuum</string>
  </array>
  <key>StartCalendarInterval</key>
  <array>
    <dict><key>Weekday</key><integer>7</integer><key>Hour</key><integer>4</integer></dict>
    <dict><key>Day</key><integer>1</integer><key>Minute</key><integer>15</integer></dict>
  </array>
</dict>
</plist>
"#,
    );
    // A misspelt key.
    tree.write(
        "Library/LaunchAgents/net.harbor.queue.plist",
        r#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>Label</key><string>net.harbor.queue</string>
<key>ProgramArguments</key><array><string>/opt/harbor/bin/queue</string><string>--port</string><string>7002</string></array>
<key>Keep-Alive</key><true/>
</dict></plist>
"#,
    );
    // Tabs, quoted environment lines, steps on ranges, names in any case, a macro, an
    // escaped `%`, and a token in a URL path.
    tree.write(
        "cron/harbor.crontab",
        "SHELL=/bin/zsh\nMAILTO=\"ops@harbor.test\"\nAPI_TOKEN='tok_PLANTEDCRON77'\n\
         1-30/7\t*\t*\tJAN,jul\tmon-fri\t/Users/harbor/scripts/probe.sh\n\
         @midnight   /Users/harbor/scripts/rotate.sh\n\
         0 5 * * * curl -fsS https://api.telegram.org/bot123456:ABCDEFplanted/sendMessage -d text=ok\n\
         0 6 * * * date +\\%F >> /tmp/x\n",
    );
    // The system table, with its user field.
    tree.write("etc/crontab", "# /etc/crontab\n*/10\t*\t*\t*\t*\troot\t/usr/libexec/atrun\n");
    // A monitor that probes with wget and nc and notifies with osascript.
    tree.write(
        "scripts/probe.sh",
        "#!/bin/zsh\nset -u\nif ! wget -q --spider http://127.0.0.1:7001/health; then\n  \
         osascript -e 'display notification \"api down\"'\n  launchctl kickstart -k gui/501/net.harbor.api\nfi\n\
         nc -z -w 3 127.0.0.1 7002 || osascript -e 'display notification \"queue down\"'\n",
    );
    tree.write(
        "scripts/rotate.sh",
        "#!/bin/sh\nfind /Users/harbor/logs -name '*.log' -mtime +14 -delete\n",
    );
    // Python in styles the example does not use.
    tree.write(
        "apps/harbor/service.py",
        r#"import asyncio
import urllib.request

import aiohttp
import asyncpg
import httpx
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

PARTNER = "https://partner.harbor-api.test/v2"
client = httpx.Client(timeout=None)
session = requests.Session()
session.mount("https://", HTTPAdapter(max_retries=Retry(total=5, backoff_factor=2)))


def partner_status():
    return client.get(f"{PARTNER}/status")


def weather():
    with urllib.request.urlopen("https://weather.example.net/now", timeout=3) as r:
        return r.read()


def ledger():
    return session.post("https://ledger.example.org/sync", headers={"Authorization": "Bearer PLANTEDBEARER123456"})


async def fetch_rates():
    async with aiohttp.ClientSession() as http:
        async with http.get("https://rates.example.com/today") as response:
            return await response.json()


async def pool():
    return await asyncpg.create_pool(dsn="postgresql://harbor@127.0.0.1:5433/harbor", max_size=25)
"#,
    );
    // PostgreSQL: include_dir order, a dot-file, `''`, units, a password in a setting.
    tree.write(
        "pgdata/postgresql.conf",
        "port = 5433\nlisten_addresses = 'it''s-not-a-host'\nshared_buffers = 1GB\n\
         checkpoint_timeout = 15min\nfsync = of\ninclude_dir 'conf.d'\n\
         primary_conninfo = 'host=10.0.0.9 user=repl password=replPLANTED999'\n",
    );
    tree.write("pgdata/conf.d/10-first.conf", "max_connections = 50\n");
    tree.write("pgdata/conf.d/20-second.conf", "max_connections = 60\n");
    tree.write("pgdata/conf.d/.30-hidden.conf", "max_connections = 999\n");
    tree.write("pgdata/conf.d/notes.txt", "max_connections = 1\n");
    tree.write(
        "Library/LaunchAgents/homebrew.mxcl.postgresql@15.plist",
        r#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>Label</key><string>homebrew.mxcl.postgresql@15</string>
<key>ProgramArguments</key><array><string>/opt/homebrew/opt/postgresql@15/bin/postgres</string><string>-D</string><string>/Users/harbor/pgdata</string></array>
<key>KeepAlive</key><true/>
</dict></plist>
"#,
    );
    // cloudflared: a catch-all before the end, a wildcard and a path rule.
    tree.write(
        "Library/LaunchAgents/com.cloudflare.cloudflared.plist",
        r#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>Label</key><string>com.cloudflare.cloudflared</string>
<key>ProgramArguments</key><array><string>/opt/homebrew/bin/cloudflared</string><string>tunnel</string><string>--config</string><string>/Users/harbor/.cloudflared/config.yml</string><string>run</string></array>
<key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict>
</dict></plist>
"#,
    );
    tree.write(
        ".cloudflared/config.yml",
        "tunnel: 6ff42ae2\ncredentials-file: /Users/harbor/.cloudflared/6ff42ae2.json\n\
         ingress:\n  - hostname: \"*.harbor.test\"\n    path: ^/api/.*\n    service: http://localhost:7001\n\
         \x20 - service: http_status:404\n  - hostname: queue.harbor.test\n    service: http://localhost:7002\n",
    );
    tree.write(".cloudflared/6ff42ae2.json", r#"{"TunnelSecret":"c2VjcmV0UExBTlRFRA=="}"#);
    tree.write(
        ".config/rclone/rclone.conf",
        "[b2]\ntype = b2\naccount = 000PLANTEDACCOUNT\nkey = K000PLANTEDRCLONEKEY\n",
    );
    tree.write("apps/harbor/.env", "STRIPE_API_KEY=sk_live_PLANTEDENV0002\n");
    tree.write("snapshot/systemsetup-gettimezone.txt", "Time Zone: Europe/Lisbon\n");
    tree.write("NOTES.md", "# harbor\nNothing for the scanner here.\n");
}

#[test]
fn foreign_styles_become_facts_and_nothing_is_dropped() {
    let tree = Scratch::new("foreign");
    write_foreign(&tree);
    let twin = scan(&tree.0, &ScanOptions::default()).expect("scan finishes");
    twin.validate().expect("edges name components");
    assert_nothing_dropped(&tree.0, &twin);

    // Program without ProgramArguments; KeepAlive with only Crashed.
    let Some(Kind::Service(api)) = twin.component("launchd:net.harbor.api").map(|c| &c.kind) else {
        panic!("the Program-only plist is a service")
    };
    assert_eq!(api.program, "/opt/harbor/bin/api-server");
    assert!(api.restart.restarts_after.crash_signal);
    assert!(!api.restart.restarts_after.clean_exit && !api.restart.restarts_after.killed);
    assert_eq!(api.restart.throttle_interval.secs(), 60.0);
    assert_eq!(api.ports, vec![7001]);

    // The misspelt key: no keep-alive, and a finding.
    assert!(
        twin.findings.iter().any(|f| f.code == "misspelt-key" && f.title.contains("Keep-Alive"))
    );

    // The daemon's calendar: Weekday 7 is Sunday, a missing key is a wildcard.
    let Some(Kind::Job(vacuum)) = twin.component("launchd:net.harbor.vacuum").map(|c| &c.kind)
    else {
        panic!("the calendar daemon is a job")
    };
    let drtwin_model::Timing::Calendar(rules) = &vacuum.schedule.timing else { panic!("calendar") };
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0].weekdays, 1, "Weekday 7 is Sunday");
    assert_eq!(rules[0].minutes, drtwin_model::schedule::ALL_MINUTES);

    // cron in other styles.
    let Some(Kind::Monitor(probe)) = twin.component("cron:probe").map(|c| &c.kind) else {
        panic!("probe.sh is a monitor: {:?}", twin.component("cron:probe"))
    };
    assert!(probe.period.secs() > 0.0);
    assert!(twin.component("cron:atrun").is_some(), "system table with user field");
    assert!(
        matches!(
            twin.dependencies
                .iter()
                .find(|d| d.from == "cron:probe" && d.to == "launchd:net.harbor.api")
                .map(|d| &d.kind),
            Some(Edge::Probes { .. })
        ),
        "wget --spider probes the api's port"
    );
    assert!(
        twin.dependencies
            .iter()
            .any(|d| d.from == "cron:probe" && d.to == "launchd:net.harbor.queue"),
        "nc -z probes the queue's port"
    );

    // The Python file runs under no job here, so it is named as skipped with that reason.
    assert!(skip_reason(&twin, "apps/harbor/service.py").is_some_and(|r| r.contains("no launchd")));

    // PostgreSQL: include_dir in C order, the dot-file skipped; `of` is off.
    let Some(Kind::Service(database)) =
        twin.component("launchd:homebrew.mxcl.postgresql@15").map(|c| &c.kind)
    else {
        panic!("database")
    };
    let config = database.database.as_ref().expect("config read");
    assert_eq!(config.port, 5433);
    assert_eq!(config.max_connections, 60);
    assert!(!config.fsync);
    assert_eq!(config.listen_addresses, "it's-not-a-host");

    // cloudflared: the catch-all in the middle is a finding; the wildcard is an endpoint.
    assert!(
        twin.findings.iter().any(|f| f.code == "ingress-config" && f.title.contains("catch-all"))
    );
    assert!(twin.component("endpoint:https://*.harbor.test").is_some());

    // Credentials are named, never read.
    assert!(skip_reason(&twin, ".cloudflared/6ff42ae2.json").is_some());
    assert!(skip_reason(&twin, ".config/rclone/rclone.conf").is_some());
}

#[test]
fn planted_secrets_never_reach_the_twin() {
    let tree = Scratch::new("secrets");
    write_foreign(&tree);
    let twin = scan(&tree.0, &ScanOptions::default()).expect("scan finishes");
    let ron = twin.to_ron().expect("serialises");
    for secret in [
        "hunter2planted",
        "sk_live_PLANTEDPLANTED0001",
        "tok_PLANTEDCRON77",
        "ABCDEFplanted",
        "replPLANTED999",
        "PLANTEDBEARER123456",
        "K000PLANTEDRCLONEKEY",
        "000PLANTEDACCOUNT",
        "c2VjcmV0UExBTlRFRA",
        "sk_live_PLANTEDENV0002",
    ] {
        assert!(!ron.contains(secret), "`{secret}` reached twin.ron");
    }
    // Names stay, so the report can say what to rotate.
    assert!(ron.contains("STRIPE_API_KEY"));
}

#[test]
fn hostile_inputs_warn_and_the_scan_goes_on() {
    let tree = Scratch::new("hostile");
    let agents = "Library/LaunchAgents";

    // A valid binary plist, and a corrupt one.
    let mut dict = plist::Dictionary::new();
    dict.insert("Label".into(), plist::Value::String("net.hostile.bin".into()));
    dict.insert("Program".into(), plist::Value::String("/usr/bin/true".into()));
    dict.insert("KeepAlive".into(), plist::Value::Boolean(true));
    let mut binary = Vec::new();
    plist::Value::Dictionary(dict).to_writer_binary(&mut binary).expect("binary plist");
    tree.write(&format!("{agents}/net.hostile.bin.plist"), &binary);
    let mut corrupt = b"bplist00".to_vec();
    corrupt.extend((0u8..=200).map(|b| b.wrapping_mul(37)));
    tree.write(&format!("{agents}/net.hostile.corrupt.plist"), &corrupt);

    // Valid XML that is not a dictionary, and an empty plist.
    tree.write(
        &format!("{agents}/net.hostile.array.plist"),
        "<?xml version=\"1.0\"?>\n<plist version=\"1.0\"><array><string>x</string></array></plist>\n",
    );
    tree.write(&format!("{agents}/net.hostile.empty.plist"), "");

    // Latin-1 bytes in a crontab and the script it runs.
    tree.write(
        "cron/latin.crontab",
        b"# r\xe9sum\xe9 des t\xe2ches\n0 1 * * * /Users/h/scripts/caf\xe9.sh\n5 1 * * * /Users/h/scripts/ok.sh\n",
    );
    tree.write("scripts/ok.sh", b"#!/bin/sh\necho \xe9t\xe9\n");
    tree.write("cron/empty.crontab", "");

    // A tunnel whose config is not YAML.
    tree.write(
        &format!("{agents}/com.cloudflare.cloudflared.plist"),
        "<?xml version=\"1.0\"?><plist version=\"1.0\"><dict><key>Label</key>\
         <string>com.cloudflare.cloudflared</string><key>ProgramArguments</key><array>\
         <string>cloudflared</string><string>tunnel</string><string>run</string></array>\
         </dict></plist>",
    );
    tree.write(".cloudflared/config.yml", "ingress: [\n  - hostname: {{\n\t: bad\n");

    // A 50 MB sparse file: over the limit, so it must be skipped without being read.
    let huge = tree.0.join(format!("{agents}/net.hostile.huge.plist"));
    std::fs::File::create(&huge).and_then(|f| f.set_len(50 * 1024 * 1024)).expect("sparse file");

    // Symlink loops: a -> b, b -> a, and a folder link to its parent.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(tree.0.join("loop/b"), tree.0.join("loop-a")).ok();
        std::fs::create_dir_all(tree.0.join("loop")).expect("folder");
        std::os::unix::fs::symlink(tree.0.join("loop-a"), tree.0.join("loop/b")).expect("link");
        std::os::unix::fs::symlink(&tree.0, tree.0.join("loop/up")).expect("link");
    }

    // An unreadable script.
    tree.write("scripts/locked.sh", "#!/bin/sh\necho locked\n");
    #[cfg(unix)]
    let locked_readable = {
        use std::os::unix::fs::PermissionsExt;
        let path = tree.0.join("scripts/locked.sh");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).expect("chmod");
        std::fs::read(&path).is_ok()
    };
    tree.write("cron/locked.crontab", "0 2 * * * /Users/h/scripts/locked.sh\n");

    let twin = scan(&tree.0, &ScanOptions::default()).expect("scan finishes");
    assert_nothing_dropped(&tree.0, &twin);

    // The valid binary plist still became a service.
    assert!(twin.component("launchd:net.hostile.bin").is_some());

    let reason = |path: &str| skip_reason(&twin, path).unwrap_or_default().to_string();
    assert!(reason(&format!("{agents}/net.hostile.corrupt.plist")).contains("binary"));
    assert!(reason(&format!("{agents}/net.hostile.array.plist")).contains("not a dictionary"));
    assert!(!reason(&format!("{agents}/net.hostile.empty.plist")).is_empty());
    assert!(reason(&format!("{agents}/net.hostile.huge.plist")).contains("limit"));
    // Read with replacement characters: not skipped, but noted as read with a warning.
    for lossy in ["cron/latin.crontab", "scripts/ok.sh"] {
        assert!(skip_reason(&twin, lossy).is_none(), "{lossy} was read, not skipped");
        assert!(
            twin.unlinked.iter().any(|note| note.contains(lossy) && note.contains("UTF-8")),
            "{lossy} needs a note: {:?}",
            twin.unlinked
        );
    }
    assert!(reason("cron/empty.crontab").contains("empty"));
    assert!(reason(".cloudflared/config.yml").contains("YAML"));
    #[cfg(unix)]
    {
        assert!(reason("loop-a").contains("link"));
        assert!(reason("loop/b").contains("link"));
        assert!(reason("loop/up").contains("link"));
    }

    // The Latin-1 crontab still gave its jobs.
    assert!(
        twin.component("cron:ok").is_some(),
        "{:?}",
        twin.components.iter().map(|c| &c.id).collect::<Vec<_>>()
    );

    #[cfg(unix)]
    if locked_readable {
        println!("running with privileges that read mode-000 files; unreadable-file check skipped");
    } else {
        assert!(reason("scripts/locked.sh").contains("unreadable"));
    }
}
