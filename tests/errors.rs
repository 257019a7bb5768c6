//! Exit statuses and errors as a script or a person meets them: `check --fail-on` exits 3 only
//! when a finding reaches the level; `NO_COLOR` turns colour off even on a terminal; and each
//! kind of bad input is one `error:` line and one `hint:` line, exit status 2, with nothing
//! written or changed in the output's folder.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use common::{drtwin, drtwin_in, example, path_str, repo, shown};

const LEVELS: [&str; 4] = ["low", "medium", "high", "critical"];

/// The exit status `check --fail-on LEVEL` must have, given the levels of the findings.
fn expected_fail_on_status(findings: &[Value], level: &str) -> i32 {
    let rank = |name: &str| {
        LEVELS
            .iter()
            .position(|level| level.eq_ignore_ascii_case(name))
            .unwrap_or_else(|| panic!("unknown level `{name}`"))
    };
    let reached = findings
        .iter()
        .any(|finding| rank(finding["level"].as_str().expect("level")) >= rank(level));
    if reached { 3 } else { 0 }
}

#[test]
fn fail_on_exits_3_when_a_finding_reaches_the_level_and_0_otherwise() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let empty = dir.path().join("empty-home");
    fs::create_dir(&empty).expect("empty folder");
    let twin = dir.path().join("twin.ron");
    let output = drtwin(&["scan", path_str(&example()), "-o", path_str(&twin)]);
    assert!(output.status.success(), "{}", shown(&output));

    let inputs = [example(), repo().join("tests/fixtures/smallhost"), twin, empty];
    let mut statuses_seen = BTreeMap::new();
    for input in &inputs {
        let output = drtwin(&["check", path_str(input), "--json"]);
        assert!(output.status.success(), "{}", shown(&output));
        let findings: Vec<Value> =
            serde_json::from_slice(&output.stdout).expect("check --json prints a JSON array");

        for level in LEVELS {
            let output = drtwin(&["check", path_str(input), "--fail-on", level]);
            let expected = expected_fail_on_status(&findings, level);
            assert_eq!(
                output.status.code(),
                Some(expected),
                "check {} --fail-on {level}\n{}",
                input.display(),
                shown(&output)
            );
            assert!(!output.stdout.is_empty(), "the findings are still printed");
            *statuses_seen.entry(expected).or_insert(0) += 1;
        }
    }
    // Both outcomes occur, so the test can tell a broken --fail-on from a working one.
    assert!(statuses_seen.contains_key(&0) && statuses_seen.contains_key(&3), "{statuses_seen:?}");
}

/// Runs `command_line` on a pseudo-terminal (through `script`), so the program sees a
/// terminal on stdout and stderr; `None` when `script` is not installed.
fn on_terminal(command_line: &str, no_color: bool) -> Option<String> {
    let script = Path::new("/usr/bin/script");
    if !script.exists() {
        return None;
    }
    let mut command = Command::new(script);
    command
        .args(["-qec", command_line, "/dev/null"])
        .env("TERM", "xterm-256color")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("RUST_LOG");
    if no_color {
        command.env("NO_COLOR", "1");
    }
    let output = command.output().expect("script runs");
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[test]
fn no_color_turns_colour_off_on_a_terminal() {
    let binary = env!("CARGO_BIN_EXE_drtwin");
    let fixture = repo().join("tests/fixtures/smallhost");
    let commands = [
        // Log lines about skipped files, from the logger (info level, hence -v).
        format!("{binary} -v scan {} -o /dev/null", path_str(&fixture)),
        // A usage error, from the argument parser.
        format!("{binary} --no-such-flag"),
    ];
    for command_line in &commands {
        let Some(coloured) = on_terminal(command_line, false) else {
            eprintln!("skipped: /usr/bin/script is not installed");
            return;
        };
        // Without NO_COLOR the terminal gets colour, so the check below can fail.
        assert!(
            coloured.contains('\u{1b}'),
            "no colour on a terminal for `{command_line}`:\n{coloured}"
        );
        let plain = on_terminal(command_line, true).expect("script is installed");
        assert!(!plain.contains('\u{1b}'), "NO_COLOR=1 still colours `{command_line}`:\n{plain:?}");
        assert!(plain.len() > 20, "{plain}");
    }
}

/// Every file under `root` with its bytes, to show that a failed command changed nothing.
fn tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).expect("readable folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                files.insert(path.clone(), b"<folder>".to_vec());
                stack.push(path);
            } else {
                files.insert(path.clone(), fs::read(&path).expect("readable file"));
            }
        }
    }
    files
}

/// Runs a command in `cwd` that must fail on bad input: exit status 2, stderr exactly an
/// `error:` line that mentions `mentions` and a `hint:` line, no stdout, and no file under
/// `cwd` created, changed or removed.
fn assert_clean_error(cwd: &Path, args: &[&str], mentions: &str) -> Output {
    let before = tree(cwd);
    let output = drtwin_in(Some(cwd), args);
    let context = format!("drtwin {}\n{}", args.join(" "), shown(&output));

    assert_eq!(output.status.code(), Some(2), "{context}");
    assert!(output.stdout.is_empty(), "{context}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "want an error and a hint line: {context}");
    assert!(lines[0].starts_with("error: "), "{context}");
    assert!(lines[0].contains(mentions), "the error does not name `{mentions}`: {context}");
    assert!(lines[1].starts_with("hint: ") && lines[1].len() > 10, "{context}");
    assert!(tree(cwd) == before, "the failed command wrote, changed or removed files: {context}");
    output
}

#[test]
fn a_missing_path_is_a_clean_error() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let cwd = dir.path();
    assert_clean_error(cwd, &["scan", "nowhere"], "nowhere");
    assert_clean_error(cwd, &["scan", "nowhere", "-o", "twin.ron"], "nowhere");
    assert_clean_error(cwd, &["check", "nowhere"], "nowhere");
    assert_clean_error(cwd, &["plan", "nowhere", "-o", "out"], "nowhere");
    assert_clean_error(cwd, &["simulate", "nowhere.ron", "-o", "results.ron"], "nowhere.ron");
    assert_clean_error(cwd, &["report", "nowhere.ron", "-o", "out"], "nowhere.ron");
    assert_clean_error(cwd, &["graph", "nowhere.ron"], "nowhere.ron");
}

#[test]
fn an_unreadable_twin_is_a_clean_error() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let cwd = dir.path();

    // Bytes that are not text, bytes that are text but not RON, and a twin cut short.
    let binary: Vec<u8> = (0..512u32).map(|i| (i * 7919 % 251) as u8).collect();
    fs::write(cwd.join("binary.ron"), binary).expect("fixture");
    fs::write(cwd.join("text.ron"), "garbage (( not a twin").expect("fixture");
    let output = drtwin(&["scan", path_str(&example())]);
    assert!(output.status.success(), "{}", shown(&output));
    let half = &output.stdout[..output.stdout.len() / 2];
    fs::write(cwd.join("truncated.ron"), half).expect("fixture");
    // An earlier results file must survive a failed run.
    fs::write(cwd.join("results.ron"), "earlier results").expect("fixture");

    for twin in ["binary.ron", "text.ron", "truncated.ron"] {
        assert_clean_error(cwd, &["simulate", twin, "-o", "results.ron"], twin);
        assert_clean_error(cwd, &["check", twin], twin);
        assert_clean_error(cwd, &["graph", twin], twin);
    }
    let output = assert_clean_error(cwd, &["simulate", "text.ron"], "text.ron");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("line 1"),
        "a malformed twin's error gives the line: {}",
        shown(&output)
    );
}

#[test]
fn results_from_another_twin_are_refused() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let cwd = dir.path();
    let small = repo().join("tests/fixtures/smallhost");
    let example = example();
    let steps: [&[&str]; 3] = [
        &["scan", path_str(&small), "-o", "small.ron"],
        &[
            "simulate",
            "small.ron",
            "-o",
            "small-results.ron",
            "--trials",
            "50",
            "--scenario-trials",
            "10",
        ],
        &["scan", path_str(&example), "-o", "example.ron"],
    ];
    for args in steps {
        let output = drtwin_in(Some(cwd), args);
        assert!(output.status.success(), "{}", shown(&output));
    }

    // An earlier report in the output folder stays as it was.
    fs::create_dir(cwd.join("out")).expect("output folder");
    fs::write(cwd.join("out/report.md"), "earlier report").expect("fixture");
    assert_clean_error(
        cwd,
        &["report", "small-results.ron", "--twin", "example.ron", "-o", "out"],
        "small-results.ron",
    );

    // Without --twin, the twin beside the results is used: put the wrong one there.
    fs::create_dir(cwd.join("mixed")).expect("folder");
    fs::copy(cwd.join("small-results.ron"), cwd.join("mixed/results.ron")).expect("copy");
    fs::copy(cwd.join("example.ron"), cwd.join("mixed/twin.ron")).expect("copy");
    assert_clean_error(cwd, &["report", "mixed/results.ron", "-o", "out"], "results.ron");
}

#[test]
fn an_output_folder_that_is_a_file_is_a_clean_error() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let cwd = dir.path();
    fs::write(cwd.join("taken"), "a file, not a folder").expect("fixture");
    let output = drtwin_in(Some(cwd), &["scan", path_str(&example()), "-o", "twin.ron"]);
    assert!(output.status.success(), "{}", shown(&output));
    let output = drtwin_in(
        Some(cwd),
        &["simulate", "twin.ron", "-o", "results.ron", "--trials", "50", "--scenario-trials", "10"],
    );
    assert!(output.status.success(), "{}", shown(&output));

    assert_clean_error(cwd, &["plan", "-o", "taken", "--trials", "10"], "taken");
    assert_clean_error(
        cwd,
        &["plan", path_str(&example()), "-o", "taken", "--trials", "10"],
        "taken",
    );
    assert_clean_error(cwd, &["report", "results.ron", "-o", "taken"], "taken");
}

#[test]
fn a_bad_policy_file_names_the_file_line_and_column() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let cwd = dir.path();
    fs::write(
        cwd.join("policy.ron"),
        "(\n  process: (rto: \"15m\", rpo: \"0s\"),\n  network: (rto: \"4\", rpo: \"0s\"),\n)\n",
    )
    .expect("fixture");
    fs::write(cwd.join("classes.ron"), "(\n  storage: (rto: \"1h\", rpo: \"0s\"),\n)\n")
        .expect("fixture");

    let twin = cwd.join("twin.ron");
    let output = drtwin(&["scan", path_str(&example()), "-o", path_str(&twin)]);
    assert!(output.status.success(), "{}", shown(&output));
    let trials = ["--trials", "50", "--scenario-trials", "10"];
    let mut plan = vec!["plan", "--policy", "policy.ron", "-o", "out"];
    plan.extend(trials);
    assert_clean_error(cwd, &plan, "policy `policy.ron`, line 3, column");
    let mut simulate = vec!["simulate", "twin.ron", "--policy", "classes.ron", "-o", "results.ron"];
    simulate.extend(trials);
    let output = assert_clean_error(cwd, &simulate, "policy `classes.ron`, line 2, column");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("`storage`") && stderr.contains("`host_loss`"), "{stderr}");
}
