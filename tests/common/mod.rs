//! Helpers shared by the integration tests: running the `drtwin` binary and showing what it
//! printed when an assertion fails.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `drtwin` with `args` in `cwd` (the test's own folder when `None`), without colour.
pub fn drtwin_in(cwd: Option<&Path>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_drtwin"));
    command.args(args).env("NO_COLOR", "1").env_remove("RUST_LOG");
    if let Some(cwd) = cwd {
        command.current_dir(cwd);
    }
    command.output().expect("the drtwin binary runs")
}

pub fn drtwin(args: &[&str]) -> Output {
    drtwin_in(None, args)
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn example() -> PathBuf {
    repo().join("examples/macmini")
}

pub fn path_str(path: &Path) -> &str {
    path.to_str().expect("test paths are UTF-8")
}

/// Exit status, stdout and stderr, for assertion messages.
pub fn shown(output: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
