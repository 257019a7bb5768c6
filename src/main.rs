//! The `drtwin` binary: parses the command line, sets up logging, runs one command and turns
//! its failure into a one-line error with a hint and exit status 2.
//!
//! Data and summaries go to stdout; logs, progress and errors to stderr.

mod cli;
mod commands;
mod example;
mod output;
mod sarif;

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use crate::cli::{Cli, Command};

/// Exit status for usage, input and output errors.
const EXIT_ERROR: u8 = 2;

/// An error the user can act on: what went wrong, and what to do about it.
#[derive(Debug)]
pub struct UserError {
    pub message: String,
    pub hint: Option<String>,
}

impl UserError {
    pub fn new(message: impl Into<String>) -> UserError {
        UserError { message: message.into(), hint: None }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> UserError {
        self.hint = Some(hint.into());
        self
    }
}

impl std::fmt::Display for UserError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UserError {}

fn main() -> ExitCode {
    // Rust ignores SIGPIPE, so printing into a closed pipe (`drtwin spof twin.ron | head`)
    // panics; a command-line tool should end quietly instead, as the default action does.
    #[cfg(unix)]
    // SAFETY: called first thing, before any other thread exists; SIG_DFL is a valid action.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    init_logging(cli.verbose);

    let outcome = match cli.command {
        Command::Plan(args) => commands::plan(args),
        Command::Scan(args) => commands::scan(args),
        Command::Check(args) => commands::check(args),
        Command::Simulate(args) => commands::simulate(args),
        Command::Report(args) => commands::report(args),
        Command::Graph(args) => commands::graph(args),
        Command::Spof(args) => commands::spof(args),
        Command::Whatif(args) => commands::whatif(args),
        Command::Assumptions(args) => commands::assumptions(args),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "drtwin", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
    };

    match outcome {
        Ok(code) => code,
        Err(error) => {
            report_error(&error);
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Logs go to stderr; `RUST_LOG` overrides the level chosen by `-v`.
fn init_logging(verbose: u8) {
    let default = match verbose {
        // resvg reports a degenerate path it skips (a zero-length whisker) as a warning;
        // the chart is still right, so only its errors reach the user.
        0 => "warn,resvg=error,usvg=error,tiny_skia=error",
        1 => "info,drtwin=debug,drtwin_twin=debug,drtwin_sim=debug,drtwin_viz=debug",
        _ => "debug,drtwin=trace,drtwin_twin=trace,drtwin_sim=trace,drtwin_viz=trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let color = std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
        && std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(color)
        .with_target(false)
        .without_time()
        .init();
}

fn report_error(error: &anyhow::Error) {
    eprintln!("error: {error}");
    for cause in error.chain().skip(1) {
        eprintln!("  caused by: {cause}");
    }
    if let Some(hint) = error.chain().find_map(|cause| cause.downcast_ref::<UserError>()) {
        if let Some(hint) = &hint.hint {
            eprintln!("hint: {hint}");
        }
    }
}
