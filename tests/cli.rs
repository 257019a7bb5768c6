//! End-to-end tests of the `drtwin` binary on the embedded example and on small fixture trees:
//! what `plan` writes, the report's five-field blocks, determinism across thread counts,
//! nothing tuned to the example's names, no secret in any output, and clear errors.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

const TRIALS: &str = "3000";
const SCENARIO_TRIALS: &str = "300";

fn drtwin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_drtwin"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the drtwin binary runs")
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn example() -> PathBuf {
    repo().join("examples/macmini")
}

fn text(output: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// One `drtwin plan` run on the built-in example, shared by the tests that read its output.
fn planned() -> &'static Path {
    static PLAN: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, out) = PLAN.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temporary folder");
        let out = dir.path().join("drtwin-out");
        let output = drtwin(&[
            "plan",
            "-o",
            out.to_str().expect("utf-8 path"),
            "--trials",
            TRIALS,
            "--scenario-trials",
            SCENARIO_TRIALS,
        ]);
        assert!(output.status.success(), "{}", text(&output));
        (dir, out)
    });
    out
}

#[test]
fn plan_writes_the_twin_results_report_and_charts() {
    let out = planned();
    for name in ["twin.ron", "results.ron", "report.md", "report.html"] {
        let path = out.join(name);
        assert!(path.is_file(), "{} missing", path.display());
        assert!(fs::metadata(&path).map(|m| m.len()).unwrap_or(0) > 100, "{name} is tiny");
    }
    let charts: Vec<String> = fs::read_dir(out.join("charts"))
        .expect("charts folder")
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    let stems = |extension: &str| -> BTreeSet<String> {
        charts.iter().filter_map(|name| name.strip_suffix(extension).map(str::to_string)).collect()
    };
    let both: Vec<String> = stems(".svg").intersection(&stems(".png")).cloned().collect();
    assert!(both.len() >= 2, "need two charts as SVG and PNG, found {charts:?}");
    assert!(both.iter().any(|stem| stem.starts_with("recovery")), "{both:?}");
    assert!(both.iter().any(|stem| stem.starts_with("spof")), "{both:?}");
}

/// The report's five-field blocks: field name to value, in order of appearance. A field's
/// value goes on over the following lines indented by two spaces.
fn five_field_blocks(report: &str) -> Vec<Vec<(String, String)>> {
    const FIELDS: [&str; 5] =
        ["SCENARIO:", "CURRENT BEHAVIOR:", "RECOVERY TIME:", "RISK LEVEL:", "RECOMMENDATION:"];
    let mut blocks: Vec<Vec<(String, String)>> = Vec::new();
    let mut in_field = false;
    for raw in report.lines() {
        let line = raw.trim().trim_start_matches("**").replace("**", "");
        let Some(field) = FIELDS.iter().find(|field| line.starts_with(*field)) else {
            let continues = in_field && raw.starts_with("  ") && !line.is_empty();
            match blocks.last_mut().and_then(|block| block.last_mut()) {
                Some((_, value)) if continues => {
                    value.push(' ');
                    value.push_str(&line);
                }
                _ => in_field = false,
            }
            continue;
        };
        let value = line[field.len()..].trim().to_string();
        if *field == "SCENARIO:" {
            blocks.push(Vec::new());
        }
        if let Some(block) = blocks.last_mut() {
            block.push((field.trim_end_matches(':').to_string(), value));
            in_field = true;
        }
    }
    blocks
}

#[test]
fn report_has_ten_five_field_blocks_citing_real_lines() {
    let report = fs::read_to_string(planned().join("report.md")).expect("report.md");
    let blocks: Vec<Vec<(String, String)>> =
        five_field_blocks(&report).into_iter().filter(|block| block.len() == 5).collect();
    assert!(blocks.len() >= 10, "found {} complete five-field blocks", blocks.len());

    for block in &blocks {
        let names: Vec<&str> = block.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(
            names,
            ["SCENARIO", "CURRENT BEHAVIOR", "RECOVERY TIME", "RISK LEVEL", "RECOMMENDATION"]
        );
        let recovery = &block[2].1;
        assert!(has_number_with_unit(recovery), "RECOVERY TIME without a unit: {recovery}");
        let risk = block[3].1.trim();
        assert!(["CRITICAL", "HIGH", "MEDIUM", "LOW"].contains(&risk), "RISK LEVEL is `{risk}`");
        let cites = path_line_citations(&block[1].1);
        assert!(!cites.is_empty(), "CURRENT BEHAVIOR cites nothing: {}", block[1].1);
        // The restart policy is said once, not again in a finding's words.
        let behavior = &block[1].1;
        assert!(
            !(behavior.contains("has no KeepAlive")
                && behavior.contains("is not restarted by launchd when it ends")),
            "CURRENT BEHAVIOR says the restart policy twice: {behavior}"
        );
        for (path, line) in cites {
            let file = example().join(&path);
            let content = fs::read(&file).unwrap_or_else(|_| panic!("cited {path} is missing"));
            let lines = content.split(|&b| b == b'\n').count();
            assert!(line >= 1 && line <= lines, "cited {path}:{line}, file has {lines} lines");
        }
    }
}

fn has_number_with_unit(text: &str) -> bool {
    let words: Vec<&str> = text.split_whitespace().collect();
    words.windows(2).any(|pair| {
        let number = pair[0].trim_matches(|c: char| !c.is_ascii_digit() && c != '.');
        let unit = pair[1].trim_matches(|c: char| !c.is_alphabetic());
        !number.is_empty()
            && number.parse::<f64>().is_ok()
            && ["s", "ms", "min", "h", "d", "sec", "hours", "minutes", "days", "seconds"]
                .contains(&unit)
    })
}

/// `path:line` citations in a text, as (path, line).
fn path_line_citations(text: &str) -> Vec<(String, usize)> {
    text.split(|c: char| c.is_whitespace() || "`(),;[]".contains(c))
        .filter_map(|word| {
            let word = word.trim_end_matches(['.', ':']);
            let (path, line) = word.rsplit_once(':')?;
            let line: usize = line.parse().ok()?;
            (path.contains('/') || path.contains('.')).then(|| (path.to_string(), line))
        })
        .collect()
}

#[test]
fn same_seed_gives_identical_results_on_one_and_two_threads() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let twin = dir.path().join("twin.ron");
    let output = drtwin(&["scan", example().to_str().unwrap(), "-o", twin.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output));

    let mut written = Vec::new();
    for threads in ["1", "2"] {
        let results = dir.path().join(format!("results-{threads}.ron"));
        let output = drtwin(&[
            "simulate",
            twin.to_str().unwrap(),
            "-o",
            results.to_str().unwrap(),
            "--trials",
            "2000",
            "--scenario-trials",
            "200",
            "--seed",
            "99",
            "--threads",
            threads,
        ]);
        assert!(output.status.success(), "{}", text(&output));
        written.push(fs::read(&results).expect("results written"));
    }
    assert!(written[0] == written[1], "results differ between 1 and 2 threads");
}

#[test]
fn a_different_host_is_read_from_its_own_files() {
    let fixture = repo().join("tests/fixtures/smallhost");
    let output = drtwin(&["scan", fixture.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output));
    let twin = String::from_utf8_lossy(&output.stdout);
    for expected in [
        "launchd:org.harborbakery.shop",
        "launchd:org.harborbakery.orders",
        "9100",
        "9200",
        "5433",
        "api:api.stripe.com",
        "api:api.sendgrid.com",
        "endpoint:https://shop.harborbakery.test",
        "Europe/Berlin",
        "45 1 * * *",
        "*/10 * * * *",
        "b2:bakery-backups",
    ] {
        assert!(twin.contains(expected), "the twin of smallhost lacks `{expected}`");
    }
    for foreign in ["frontrangecare", "8765", "api.wellsky.com", "America/Denver"] {
        assert!(!twin.contains(foreign), "the twin of smallhost mentions `{foreign}`");
    }
}

/// Secret values planted in a tree: values of secret-named variables in plists and `.env`
/// files, and passwords in URLs. Found independently of the scanner's own redaction.
fn planted_secrets(root: &Path) -> BTreeSet<String> {
    let secret_name = |name: &str| {
        let name = name.to_ascii_uppercase();
        ["KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL"]
            .iter()
            .any(|word| name.contains(word))
    };
    let mut secrets = BTreeSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let Ok(content) = fs::read_to_string(&path) else {
                continue;
            };
            let lines: Vec<&str> = content.lines().map(str::trim).collect();
            for (index, line) in lines.iter().enumerate() {
                // NAME=value in .env files and shell scripts.
                if let Some((name, value)) = line.trim_start_matches("export ").split_once('=') {
                    let value = value.trim().trim_matches(['"', '\'']);
                    if secret_name(name.trim()) && value.len() >= 8 && !value.contains('$') {
                        secrets.insert(value.to_string());
                    }
                }
                // <key>NAME</key> followed by <string>value</string> in plists.
                if let Some(name) =
                    line.strip_prefix("<key>").and_then(|rest| rest.strip_suffix("</key>"))
                {
                    let next = lines.get(index + 1).copied().unwrap_or_default();
                    if let Some(value) =
                        next.strip_prefix("<string>").and_then(|r| r.strip_suffix("</string>"))
                    {
                        if secret_name(name) && value.len() >= 8 {
                            secrets.insert(value.to_string());
                        }
                    }
                }
                // scheme://user:password@host
                for part in line.split("://").skip(1) {
                    let authority = part.split(['/', ' ', '"', '\'']).next().unwrap_or_default();
                    if let Some((credentials, _)) = authority.rsplit_once('@') {
                        if let Some((_, password)) = credentials.split_once(':') {
                            if password.len() >= 6 && !password.contains('$') {
                                secrets.insert(password.to_string());
                            }
                        }
                    }
                }
            }
        }
    }
    secrets
}

fn all_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() { stack.push(path) } else { files.push(path) }
        }
    }
    files
}

/// Secret values planted in the example by hand, beyond what `planted_secrets` finds by
/// shape (a token inside a log line, a password in `.pgpass`, a key in a binary plist).
const KNOWN_PLANTED: [&str; 13] = [
    "s3cr3t-FAKE-pw-7731",
    "sk-ant-FAKE-api03-000000000000000000000000000000000000000000000000-FAKE0AA",
    "key_FAKE_retell_3f9a1c7e5b2d4a6c8e0f",
    "rc-FAKE-secret-8d2f6a1b9c0e",
    "eyJhbGciOiJub25lIn0.eyJzdWIiOiJGQUtFIn0.FAKE-jwt-signature",
    "wsk-FAKE-secret-5e7c3a9b1d2f",
    "AIzaSyFAKE000000000000000000000000000000",
    "0000000000:AAFAKE-telegram-bot-token-000000000",
    "FAKE-session-secret-2c4e6a8b0d1f",
    "FAKE-staging-session-9a7b5c3d",
    "FAKE-family-session-4b6d8f0a",
    "ya29.FAKE-access-token-000000000000",
    "1//FAKE-refresh-token-0000000000",
];

#[test]
fn no_secret_from_the_example_reaches_any_output() {
    let mut secrets = planted_secrets(&example());
    assert!(secrets.len() >= 5, "the example plants too few secrets: {secrets:?}");
    let example_text: String = all_files(&example())
        .into_iter()
        .map(|file| String::from_utf8_lossy(&fs::read(file).unwrap_or_default()).into_owned())
        .collect();
    for known in KNOWN_PLANTED {
        assert!(example_text.contains(known), "`{known}` is no longer planted in the example");
        secrets.insert(known.to_string());
    }
    let files = all_files(planned());
    assert!(files.len() > 4);
    for file in files {
        let bytes = fs::read(&file).expect("output readable");
        let content = String::from_utf8_lossy(&bytes);
        for secret in &secrets {
            assert!(
                !content.contains(secret.as_str()),
                "`{}` leaks a secret value of the example",
                file.display()
            );
        }
    }
}

#[test]
fn plan_prints_spofs_scenarios_and_the_report_path() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let out = dir.path().join("plan");
    let output = drtwin(&[
        "plan",
        "-o",
        out.to_str().unwrap(),
        "--trials",
        "500",
        "--scenario-trials",
        "100",
    ]);
    assert!(output.status.success(), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("Top single points of failure"), "{stdout}");
    assert!(stdout.contains("report.html"), "{stdout}");
    for level in ["CRITICAL", "HIGH", "MEDIUM", "LOW"] {
        if stdout.contains(level) {
            return;
        }
    }
    panic!("no risk level in the summary: {stdout}");
}

#[test]
fn errors_are_one_line_with_a_hint_and_exit_two() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let missing = dir.path().join("nowhere");
    let output = drtwin(&["scan", missing.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains("hint: "), "{stderr}");

    let file = dir.path().join("a-file");
    fs::write(&file, "x").unwrap();
    let output = drtwin(&["plan", "-o", file.to_str().unwrap(), "--trials", "10"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is a file"));
    assert_eq!(fs::read_to_string(&file).unwrap(), "x", "the file was changed");

    let bad = dir.path().join("bad.ron");
    fs::write(&bad, "(format: 1,\n host: oops").unwrap();
    let output = drtwin(&["simulate", bad.to_str().unwrap(), "-o", "/dev/null"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("line 2"), "{}", text(&output));
}

#[test]
fn scanning_never_writes_into_the_tree() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let copy = dir.path().join("tree");
    copy_tree(&repo().join("tests/fixtures/smallhost"), &copy);
    let before = snapshot(&copy);
    let output = drtwin(&["scan", copy.to_str().unwrap(), "-o", "/dev/null"]);
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(before, snapshot(&copy), "the scanned tree changed");
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn snapshot(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<(PathBuf, Vec<u8>)> =
        all_files(root).into_iter().map(|path| (path.clone(), fs::read(path).unwrap())).collect();
    files.sort();
    files
}

#[test]
fn plan_refuses_to_write_into_the_tree_it_scans() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let tree = dir.path().join("home");
    copy_tree(&repo().join("tests/fixtures/smallhost"), &tree);
    let before = snapshot(&tree);

    let inside = tree.join("drtwin-out");
    let output = drtwin(&["plan", tree.to_str().unwrap(), "-o", inside.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("inside the scanned folder"));

    // The default output folder, from a shell sitting in the tree.
    let output = Command::new(env!("CARGO_BIN_EXE_drtwin"))
        .args(["plan", "."])
        .current_dir(&tree)
        .output()
        .expect("the drtwin binary runs");
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert_eq!(before, snapshot(&tree), "the scanned tree changed");
}

#[test]
fn a_tunnel_config_cloudflared_refuses_serves_nothing_in_the_simulation() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let tree = dir.path().join("home");
    copy_tree(&repo().join("tests/fixtures/smallhost"), &tree);
    // The catch-all first: cloudflared refuses a config whose last rule is not a catch-all.
    fs::write(
        tree.join(".cloudflared/config.yml"),
        "tunnel: 9d0e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a\n\
         credentials-file: /Users/kim/.cloudflared/9d0e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a.json\n\
         ingress:\n  - service: http_status:404\n  - hostname: shop.harborbakery.test\n    \
         service: http://localhost:9100\n",
    )
    .unwrap();
    let twin = dir.path().join("twin.ron");
    let results = dir.path().join("results.json");
    let output = drtwin(&["scan", tree.to_str().unwrap(), "-o", twin.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output));
    let output = drtwin(&[
        "simulate",
        twin.to_str().unwrap(),
        "-o",
        results.to_str().unwrap(),
        "--trials",
        "100",
        "--scenario-trials",
        "20",
    ]);
    assert!(output.status.success(), "{}", text(&output));

    let results: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&results).unwrap()).unwrap();
    let endpoint = results["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|endpoint| endpoint["id"] == "endpoint:https://shop.harborbakery.test")
        .expect("the hostname is still an endpoint");
    let availability = endpoint["availability"]["value"].as_f64().unwrap();
    assert!(availability < 1e-9, "a refused tunnel config shows {availability} availability");
}

#[test]
fn simulate_injects_one_failure_and_reports_it_first() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let twin = dir.path().join("twin.ron");
    let output = drtwin(&["scan", example().to_str().unwrap(), "-o", twin.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output));
    let results = dir.path().join("results.json");
    let run_with = |inject: &str, extra: &[&str]| {
        let mut args = vec![
            "simulate",
            twin.to_str().unwrap(),
            "-o",
            results.to_str().unwrap(),
            "--trials",
            "200",
            "--scenario-trials",
            "50",
            "--inject",
            inject,
        ];
        args.extend_from_slice(extra);
        drtwin(&args)
    };
    let run = |inject: &str| run_with(inject, &[]);

    let output = run("launchd:homebrew.mxcl.postgresql@16:crash@03:05");
    assert!(output.status.success(), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let id = "inject/launchd:homebrew.mxcl.postgresql@16/crash@03:05";
    assert!(stdout.contains(&format!("injected {id}")), "{}", text(&output));
    assert!(stdout.contains("recovery: p50"), "{}", text(&output));
    let written: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&results).unwrap()).unwrap();
    assert_eq!(written["scenarios"][0]["id"], id);
    // It happens as often as the database crashes, so it has a yearly figure and a risk.
    let rate = written["scenarios"][0]["occurrences_per_year"].as_f64().unwrap();
    assert!(rate > 0.0, "injected scenario without a yearly rate");
    assert!(stdout.contains("times a year") && stdout.contains(", risk "), "{stdout}");
    fs::remove_file(&results).unwrap();

    let output = run_with("net:dns:outage@12:00", &["--json"]);
    assert!(output.status.success(), "{}", text(&output));
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let injected = &summary["injected"];
    assert_eq!(injected["id"], "inject/net:dns/outage@12:00", "{summary}");
    assert!(injected["recovery_seconds"]["p50"]["value"].as_f64().unwrap() > 0.0, "{summary}");
    assert!(injected["risk"].is_string(), "{summary}");
    let bad_year = &summary["endpoints"][0]["yearly_downtime_seconds"]["p90"]["value"];
    assert!(bad_year.as_f64().is_some_and(|p90| p90 > 0.0), "{summary}");
    fs::remove_file(&results).unwrap();

    let output = run("launchd:homebrew.mxcl.postgresql@16:explode");
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("error:") && stderr.contains("`explode`"), "{}", text(&output));
    let hint = stderr.lines().find(|l| l.starts_with("hint:")).expect("a hint");
    for mode in ["crash", "crash-during-backup", "restore"] {
        assert!(hint.contains(mode), "{hint}");
    }
    assert!(!results.exists(), "a failed run wrote results");

    let output = run("net:dns:outage@25:00");
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(!results.exists(), "a failed run wrote results");
}

/// A twin of the built-in example, written once into a temporary folder.
fn example_twin() -> &'static Path {
    static TWIN: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, twin) = TWIN.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temporary folder");
        let twin = dir.path().join("twin.ron");
        let output = drtwin(&["scan", example().to_str().unwrap(), "-o", twin.to_str().unwrap()]);
        assert!(output.status.success(), "{}", text(&output));
        (dir, twin)
    });
    twin
}

/// The character offsets at which the whitespace-separated columns after the first start,
/// for a line whose first `columns` fields hold no spaces.
fn column_starts(line: &str, columns: usize) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut in_gap = false;
    for (index, c) in line.char_indices() {
        if c == ' ' {
            in_gap = true;
        } else if in_gap {
            starts.push(index);
            in_gap = false;
            if starts.len() == columns {
                break;
            }
        }
    }
    starts
}

#[test]
fn simulate_list_modes_needs_no_twin_and_lines_up_its_columns() {
    let output = drtwin(&["simulate", "--list-modes"]);
    assert!(output.status.success(), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines.iter().any(|line| line.starts_with("service/database ")), "{stdout}");

    // The mode and its description start at the same column on every line, the longest
    // kind (`service/database`) included, with at least one space before each.
    let starts: BTreeSet<Vec<usize>> = lines.iter().map(|line| column_starts(line, 2)).collect();
    assert_eq!(starts.len(), 1, "columns do not line up:\n{stdout}");
    let widest_kind = lines.iter().filter_map(|line| line.split(' ').next()).map(str::len).max();
    let first = starts.iter().next().and_then(|s| s.first().copied());
    assert!(first > widest_kind, "the mode column starts inside the kinds:\n{stdout}");

    // A twin is still accepted, and ignored.
    let with_twin = drtwin(&["simulate", "no-such-twin.ron", "--list-modes"]);
    assert!(with_twin.status.success(), "{}", text(&with_twin));
    assert_eq!(with_twin.stdout, output.stdout);

    // Neither a twin nor --list-modes: one error line, and a hint naming both ways out.
    let neither = drtwin(&["simulate"]);
    assert_eq!(neither.status.code(), Some(2), "{}", text(&neither));
    let stderr = String::from_utf8_lossy(&neither.stderr);
    assert!(stderr.starts_with("error: no twin"), "{}", text(&neither));
    let hint = stderr.lines().find(|line| line.starts_with("hint:")).expect("a hint");
    assert!(hint.contains("twin.ron") && hint.contains("--list-modes"), "{hint}");
}

#[test]
fn assumptions_lists_the_shipped_table_as_text_and_as_json() {
    let output = drtwin(&["assumptions"]);
    assert!(output.status.success(), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let rows: Vec<&str> = stdout.lines().skip(2).collect();
    let row = |name: &str| {
        rows.iter()
            .find(|row| row.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no row for `{name}`:\n{stdout}"))
    };
    assert_eq!(row("power-outage-rate").split_whitespace().nth(1), Some("1.3/yr"), "{stdout}");
    assert_eq!(row("database-crash-recovery").split_whitespace().nth(1), Some("45s"), "{stdout}");
    assert!(row("database-crash-recovery").contains("PostgreSQL documentation"), "{stdout}");
    let starts: BTreeSet<Vec<usize>> =
        stdout.lines().skip(1).map(|line| column_starts(line, 2)).collect();
    assert_eq!(starts.len(), 1, "columns do not line up:\n{stdout}");

    let output = drtwin(&["assumptions", "--json"]);
    assert!(output.status.success(), "{}", text(&output));
    let entries: Vec<serde_json::Value> =
        serde_json::from_slice(&output.stdout).expect("a JSON array");
    assert_eq!(entries.len(), rows.len(), "text and JSON list different entries");
    let entry = |name: &str| {
        entries
            .iter()
            .find(|entry| entry["name"] == name)
            .unwrap_or_else(|| panic!("no entry `{name}`"))
    };
    assert_eq!(entry("power-outage-rate")["kind"], "rate");
    assert_eq!(entry("power-outage-rate")["value"], 1.3);
    assert_eq!(entry("database-crash-recovery")["kind"], "duration");
    assert_eq!(entry("database-crash-recovery")["value"], "45s");
    assert_eq!(entry("outage-duration-law")["kind"], "law");
    assert!(entries.iter().all(|entry| entry["source"].as_str().is_some_and(|s| !s.is_empty())));

    // Every value is written as an overrides file writes it: the whole table, read back as
    // overrides, changes nothing in a run with the same seed.
    let dir = tempfile::tempdir().expect("temporary folder");
    let overrides: serde_json::Map<String, serde_json::Value> = entries
        .iter()
        .map(|entry| (entry["name"].as_str().unwrap().to_string(), entry["value"].clone()))
        .collect();
    let file = dir.path().join("all.ron");
    fs::write(&file, serde_json::to_string_pretty(&overrides).unwrap()).unwrap();
    let fixture = repo().join("tests/fixtures/smallhost");
    let spof = |extra: &[&str]| {
        let mut args = vec!["spof", fixture.to_str().unwrap(), "--trials", "20", "--json"];
        args.extend_from_slice(extra);
        let output = drtwin(&args);
        assert!(output.status.success(), "{}", text(&output));
        output.stdout
    };
    assert_eq!(spof(&[]), spof(&["--assumptions", file.to_str().unwrap()]));
}

#[test]
fn assumption_errors_say_what_a_value_may_be_and_name_a_command_that_exists() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let fixture = repo().join("tests/fixtures/smallhost");
    let run = |overrides: &str| {
        let file = dir.path().join("overrides.ron");
        fs::write(&file, overrides).unwrap();
        drtwin(&[
            "spof",
            fixture.to_str().unwrap(),
            "--trials",
            "2",
            "--assumptions",
            file.to_str().unwrap(),
        ])
    };

    for bad in [
        "{\"outage-duration-law\": [\"exponential\"]}",
        "{\"outage-duration-law\": Some(\"exponential\")}",
    ] {
        let output = run(bad);
        assert_eq!(output.status.code(), Some(2), "{}", text(&output));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("line 1, column "), "{}", text(&output));
        assert!(stderr.contains("expected a number or a quoted string"), "{}", text(&output));
        assert!(!stderr.contains("RawValue") && !stderr.contains("untagged"), "{}", text(&output));
    }

    // The hint of an unknown name points at `drtwin assumptions`, which lists every name.
    let output = run("{\"power-outage-rat\": 3.0}");
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("`drtwin assumptions`"));
    let listed = drtwin(&["assumptions"]);
    assert!(listed.status.success(), "{}", text(&listed));
    assert!(String::from_utf8_lossy(&listed.stdout).contains("power-outage-rate "));
}

#[test]
fn an_injected_failure_without_a_yearly_rate_has_no_risk_level_in_json_either() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let results = dir.path().join("results.ron");
    let args = |extra: &'static [&'static str]| {
        let mut args = vec![
            "simulate".to_string(),
            example_twin().to_str().unwrap().to_string(),
            "-o".to_string(),
            results.to_str().unwrap().to_string(),
            "--trials".to_string(),
            "200".to_string(),
            "--scenario-trials".to_string(),
            "40".to_string(),
            "--inject".to_string(),
            "launchd:com.frontrangecare.portal:hang".to_string(),
        ];
        args.extend(extra.iter().map(|arg| arg.to_string()));
        args
    };
    let run = |extra: &'static [&'static str]| {
        let args = args(extra);
        drtwin(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };

    let output = run(&[]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("no risk level"), "{}", text(&output));

    let output = run(&["--json"]);
    assert!(output.status.success(), "{}", text(&output));
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let injected = &summary["injected"];
    assert_eq!(injected["occurrences_per_year"], 0.0, "{summary}");
    assert!(injected["risk"].is_null(), "{summary}");
    assert!(injected["yearly_production_minutes"]["value"].is_number(), "{summary}");
}

#[test]
fn a_rare_injected_failure_reads_as_a_return_period_and_a_critical_risk_says_why() {
    let dir = tempfile::tempdir().expect("temporary folder");
    // A one-hour RPO for the database: a restore from a nightly dump loses more than that,
    // while its yearly downtime stays far below the CRITICAL threshold.
    let policy = dir.path().join("policy.ron");
    fs::write(&policy, "(\n  database: (rto: \"1h\", rpo: \"1h\"),\n)\n").unwrap();
    let output = drtwin(&[
        "simulate",
        example_twin().to_str().unwrap(),
        "-o",
        dir.path().join("results.json").to_str().unwrap(),
        "--trials",
        "200",
        "--scenario-trials",
        "50",
        "--policy",
        policy.to_str().unwrap(),
        "--inject",
        "launchd:homebrew.mxcl.postgresql@16:restore",
    ]);
    assert!(output.status.success(), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let written: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(dir.path().join("results.json")).expect("results written"),
    )
    .expect("JSON results");
    let scenario = &written["scenarios"][0];
    let rate = scenario["occurrences_per_year"].as_f64().expect("a rate");
    assert!(rate > 0.0 && rate < 0.1, "the restore is no longer rare: {rate} a year");

    let happens = stdout.lines().find(|line| line.contains("happens")).expect("a rate line");
    assert!(!happens.contains("0.00 times"), "{happens}");
    let years: f64 = happens
        .split("once in ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|years| years.parse().ok())
        .unwrap_or_else(|| panic!("no return period in `{happens}`"));
    assert!((years * rate - 1.0).abs() < 0.1, "once in {years} years for {rate} a year");

    assert_eq!(scenario["risk"], "Critical", "{}", text(&output));
    let yearly_minutes = scenario["yearly_production_minutes"]["value"].as_f64().unwrap();
    assert!(yearly_minutes < 24.0 * 60.0, "critical by downtime alone: {yearly_minutes} min");
    let why = stdout
        .lines()
        .find(|line| line.trim_start().starts_with("risk CRITICAL:"))
        .unwrap_or_else(|| panic!("no reason for the CRITICAL risk:\n{stdout}"));
    assert!(why.contains("is lost on average") && why.contains("RPO"), "{why}");
}

#[test]
fn a_bad_injection_is_refused_before_the_run_is_announced() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let results = dir.path().join("results.ron");
    let run = |inject: &str| {
        drtwin(&[
            "simulate",
            example_twin().to_str().unwrap(),
            "-o",
            results.to_str().unwrap(),
            "--trials",
            "200",
            "--scenario-trials",
            "20",
            "--inject",
            inject,
        ])
    };
    for bad in ["no-such-component:crash", "launchd:homebrew.mxcl.postgresql@16:explode"] {
        let output = run(bad);
        assert_eq!(output.status.code(), Some(2), "{}", text(&output));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("simulating"), "announced before refusing `{bad}`:\n{stderr}");
        assert!(stderr.contains("error: "), "{stderr}");
    }

    // A good injection is still announced, once.
    let output = run("net:dns:outage");
    assert!(output.status.success(), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.matches("simulating with seed").count(), 1, "{stderr}");
}

#[test]
fn losing_a_machine_that_copies_nothing_off_loses_all_its_data() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let tree = dir.path().join("home");
    copy_tree(&repo().join("tests/fixtures/smallhost"), &tree);
    // The same machine without its nightly backup line.
    let crontab = tree.join("cron/kim.crontab");
    let kept: Vec<String> = fs::read_to_string(&crontab)
        .unwrap()
        .lines()
        .filter(|line| !line.contains("nightly-backup"))
        .map(str::to_string)
        .collect();
    fs::write(&crontab, kept.join("\n") + "\n").unwrap();
    let twin = dir.path().join("twin.ron");
    let output = drtwin(&["scan", tree.to_str().unwrap(), "-o", twin.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output));

    let results = dir.path().join("results.ron");
    let output = drtwin(&[
        "simulate",
        twin.to_str().unwrap(),
        "-o",
        results.to_str().unwrap(),
        "--trials",
        "64",
        "--scenario-trials",
        "20",
        "--inject",
        "host:hardware-loss",
    ]);
    assert!(output.status.success(), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("data lost: all of it"), "{stdout}");
    assert!(stdout.contains("risk CRITICAL: all data is lost"), "{stdout}");
    assert!(!stdout.contains("365 d"), "{stdout}");
}
