//! Snapshots of what a person reads in the terminal: `drtwin --help`, each command's `--help`,
//! and the summary `drtwin plan` prints. Each snapshot is a plain text file under
//! `tests/snapshots/` with the command, its exit status, stdout and stderr, so a reviewer sees
//! a change to the text in the diff.
//!
//! A test fails when the output differs from its file. To accept a change, run the tests with
//! `DRTWIN_UPDATE_SNAPSHOTS=1` and review the diff of `tests/snapshots/`.

mod common;

use std::fs;
use std::path::Path;
use std::process::Output;

use common::{drtwin_in, repo};

/// Compares `output` of `command` with `tests/snapshots/{name}.txt`, or rewrites the file
/// when `DRTWIN_UPDATE_SNAPSHOTS=1`.
fn assert_snapshot(name: &str, command: &str, output: &Output) {
    let actual = format!(
        "$ {command}\nexit status: {}\n--- stdout\n{}--- stderr\n{}",
        output.status.code().map_or("signal".to_string(), |code| code.to_string()),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let path = repo().join("tests/snapshots").join(format!("{name}.txt"));
    if std::env::var_os("DRTWIN_UPDATE_SNAPSHOTS").is_some_and(|value| value == "1") {
        fs::create_dir_all(path.parent().expect("snapshot folder")).expect("snapshot folder");
        fs::write(&path, &actual).expect("snapshot written");
        return;
    }
    let expected = fs::read_to_string(&path).unwrap_or_default();
    if expected != actual {
        panic!(
            "`{command}` differs from {}\n{}\nRun with DRTWIN_UPDATE_SNAPSHOTS=1 to accept it.",
            path.display(),
            line_diff(&expected, &actual)
        );
    }
}

/// The lines that differ, marked `-` (snapshot) and `+` (now), with their line numbers.
fn line_diff(expected: &str, actual: &str) -> String {
    let expected: Vec<&str> = expected.lines().collect();
    let actual: Vec<&str> = actual.lines().collect();
    let mut diff = String::new();
    for index in 0..expected.len().max(actual.len()) {
        let (old, new) = (expected.get(index), actual.get(index));
        if old != new {
            if let Some(old) = old {
                diff.push_str(&format!("{:>4} - {old}\n", index + 1));
            }
            if let Some(new) = new {
                diff.push_str(&format!("{:>4} + {new}\n", index + 1));
            }
        }
    }
    diff
}

/// Help is wrapped to the terminal's width; a fixed width keeps the snapshot the same
/// everywhere.
fn help(args: &[&str]) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_drtwin"));
    command.args(args).env("NO_COLOR", "1").env("COLUMNS", "100");
    command.output().expect("the drtwin binary runs")
}

const COMMANDS: [&str; 10] = [
    "plan",
    "scan",
    "check",
    "simulate",
    "report",
    "spof",
    "whatif",
    "assumptions",
    "graph",
    "completions",
];

#[test]
fn top_level_help() {
    assert_snapshot("help", "drtwin --help", &help(&["--help"]));
}

#[test]
fn each_command_explains_itself_with_an_example() {
    let mut failures = Vec::new();
    for command in COMMANDS {
        let output = help(&[command, "--help"]);
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !stdout.contains("Example") || !stdout.contains(&format!("drtwin {command} ")) {
            failures.push(format!("`drtwin {command} --help` shows no example"));
        }
        let result = std::panic::catch_unwind(|| {
            assert_snapshot(
                &format!("help-{command}"),
                &format!("drtwin {command} --help"),
                &output,
            )
        });
        if let Err(panic) = result {
            failures.push(
                panic
                    .downcast_ref::<String>()
                    .cloned()
                    .unwrap_or_else(|| format!("`drtwin {command} --help` differs")),
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_command_has_a_help_snapshot() {
    // A new command must come with its snapshot: the list above is checked against the
    // commands the top-level help lists.
    let output = help(&["--help"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let listed: Vec<&str> = stdout
        .split("Commands:")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .expect("a Commands section")
        .lines()
        .filter_map(|line| line.strip_prefix("  "))
        .filter(|line| !line.starts_with(' '))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .collect();
    assert_eq!(listed, COMMANDS);
}

/// The plan summary with a fixed seed and thread count, written to a relative folder inside a
/// fresh working folder, so every line of it is the same on every run.
#[test]
fn plan_summary() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let args = [
        "plan",
        "-o",
        "out",
        "--trials",
        "300",
        "--scenario-trials",
        "60",
        "--seed",
        "7",
        "--threads",
        "2",
    ];
    let output = drtwin_in(Some(dir.path()), &args);
    assert!(Path::new(&dir.path().join("out/report.html")).is_file());
    assert_snapshot("plan-summary", &format!("drtwin {}", args.join(" ")), &output);
}
