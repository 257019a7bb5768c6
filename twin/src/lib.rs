//! drtwin-twin: builds the twin of one machine from the files of its home-directory tree.
//!
//! [`scan`] walks a folder shaped like a macOS home directory (LaunchAgents, crontabs,
//! scripts, the PostgreSQL data folder, the tunnel configuration, the Python code, logs,
//! backups and captured command outputs), reads each file with the module that knows its
//! format, and links the facts into a [`Twin`]. Parsers never fail the scan: a file they
//! cannot use is named in `twin.skipped` with the reason. The tree is only ever read.
//!
//! Secrets never reach the twin: every excerpt passes through [`redact`], and environment
//! values with secret-like names are dropped.

use std::path::{Path, PathBuf};

use drtwin_model::{Finding, Skipped, Twin};

mod assemble;
mod cloudflared;
mod cron;
mod findings;
mod launchd;
mod logs;
mod postgres;
mod python;
pub mod redact;
mod shell;
mod snapshot;
mod walk;

/// How a scan treats its input.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    /// Files larger than this are skipped with a warning.
    pub max_file_bytes: u64,
}

impl Default for ScanOptions {
    fn default() -> ScanOptions {
        ScanOptions { max_file_bytes: 10 * 1024 * 1024 }
    }
}

/// Why a scan could not start. Everything past the root is a skipped file, not an error.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("scan root `{path}` does not exist (hint: pass the folder holding the home tree)")]
    NotFound { path: PathBuf },
    #[error("scan root `{path}` is not a directory")]
    NotADirectory { path: PathBuf },
    #[error("cannot read scan root `{path}`: {source}")]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Builds the twin of the machine whose home tree is at `root`.
/// Reason given for a file no reader of drtwin understands (a README, captured output it does
/// not parse yet). Routine: the file is named, not a problem.
pub const SKIP_UNKNOWN_FORMAT: &str = "not a format drtwin reads";
/// Reason given for a script that nothing on the machine runs.
pub const SKIP_UNUSED_SCRIPT: &str = "a script no launchd job or cron line runs; not read";
/// Reason given for a file that may hold secrets (`.env`, `.pgpass`, credentials): it is
/// never opened, so its values cannot leak.
pub const SKIP_SECRET_FILE: &str = "may hold secrets; never read";

/// Reason given for a log file when a captured `ls -l` already gives the sizes: log files can
/// be gigabytes, so they are never opened.
pub const SKIP_LOG_CAPTURED: &str =
    "log file; its size comes from the captured `ls -l`, so it is not read";
/// Reason given for a log file no service of the twin writes.
pub const SKIP_LOG_UNWRITTEN: &str = "log file no service in the twin writes; not read";

/// Whether a skipped file is routine (a format drtwin does not read, a secrets file it will
/// not open, a log it need not open) rather than a problem with the input (unparseable, too
/// large, a symlink loop, a duplicate job).
pub fn is_routine_skip(skipped: &Skipped) -> bool {
    [
        SKIP_UNKNOWN_FORMAT,
        SKIP_UNUSED_SCRIPT,
        SKIP_SECRET_FILE,
        SKIP_LOG_CAPTURED,
        SKIP_LOG_UNWRITTEN,
    ]
    .contains(&skipped.reason.as_str())
}

pub fn scan(root: &Path, options: &ScanOptions) -> Result<Twin, ScanError> {
    let metadata = match std::fs::metadata(root) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(ScanError::NotFound { path: root.to_path_buf() });
        }
        Err(source) => {
            return Err(ScanError::Unreadable { path: root.to_path_buf(), source });
        }
    };
    if !metadata.is_dir() {
        return Err(ScanError::NotADirectory { path: root.to_path_buf() });
    }
    let tree = walk::Tree::walk(root, options)
        .map_err(|source| ScanError::Unreadable { path: root.to_path_buf(), source })?;
    let mut twin = assemble::assemble(tree);
    twin.findings = findings::findings(&twin);
    Ok(twin)
}

/// The risks the twin's files show directly, without simulation.
pub fn findings(twin: &Twin) -> Vec<Finding> {
    findings::findings(twin)
}
