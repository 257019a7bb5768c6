//! The command line: commands, flags and the help text each one shows.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Builds a digital twin of one self-hosted machine from its configuration files and runs its
/// disasters on the twin: a ranking of single points of failure, what-if runs, and a
/// disaster-recovery plan with charts.
///
/// drtwin only reads: it never runs the scripts it reads, never writes into the tree it
/// scans, and connects to nothing.
#[derive(Debug, Parser)]
#[command(name = "drtwin", version, after_help = EXAMPLES)]
pub struct Cli {
    /// More logging on stderr: -v for decisions, -vv for detail.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

const EXAMPLES: &str = "\
Examples:
  drtwin plan                              plan for the built-in example Mac mini
  drtwin plan ~ -o ~/dr-plan               scan your home folder, simulate, write the plan
  drtwin scan ~ -o twin.ron                only build the twin
  drtwin check ~                           list risks the files show directly
  drtwin simulate twin.ron -o results.ron  run the Monte Carlo trials
  drtwin report results.ron -o out         write report.md, report.html and charts

Exit status: 0 on success, 2 on an error (with a hint on stderr), 3 when `check --fail-on` finds
a risk at or above the level.";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan, simulate and write the DR plan in one go (on the built-in example when given no
    /// folder).
    ///
    /// Writes twin.ron, results.ron, report.md, report.html and charts/ into the output folder
    /// and prints a summary: the top single points of failure and each scenario family's risk.
    /// Without a folder it plans for the built-in example Mac mini, so you can see a plan before
    /// pointing drtwin at your own machine. The output folder is replaced only once everything
    /// is written.
    #[command(after_help = "Examples:
  drtwin plan                                        the built-in example, into ./drtwin-out
  drtwin plan ~ -o dr-plan --trials 20000 --seed 7   your home folder, into ./dr-plan")]
    Plan(PlanArgs),

    /// Build the twin from a machine's files and write it as RON.
    ///
    /// Reads launchd plists, crontabs, scripts, app code and config files under the folder and
    /// links them into components and dependencies, each with the file and line it came from.
    /// Files that may hold secrets are never read; files it cannot use are named in a warning.
    #[command(after_help = "Example:
  drtwin scan ~ -o twin.ron      then: drtwin simulate twin.ron")]
    Scan(ScanArgs),

    /// List the risks the files show directly, without simulating.
    ///
    /// Each finding has a level (low, medium, high, critical), a code and the files and lines
    /// that show it. With --fail-on, the exit status is 3 when a finding at or above the level
    /// exists, so a CI job can stop on it.
    #[command(after_help = "Examples:
  drtwin check ~                                 a readable list
  drtwin check ~ --fail-on high                  exit status 3 on a high or critical finding
  drtwin check ~ --format sarif > drtwin.sarif   for code-scanning tools")]
    Check(CheckArgs),

    /// Run the Monte Carlo trials over a twin and write the results.
    ///
    /// Simulates years of the machine's life (failures, restarts, probes, people, restores) and
    /// one set of trials per failure scenario, and prints each endpoint's availability. The same
    /// seed gives the same results on any number of threads.
    #[command(after_help = "Example:
  drtwin simulate twin.ron -o results.ron --trials 20000 --seed 7 --threads 2")]
    Simulate(SimulateArgs),

    /// Write report.md, report.html and the charts from a results file.
    ///
    /// The results must come from the same twin: a results file simulated from another twin is
    /// refused. report.html is self-contained (charts inline), to open from disk or mail.
    #[command(after_help = "Example:
  drtwin report results.ron --twin twin.ron -o dr-plan")]
    Report(ReportArgs),

    /// Rank single points of failure per endpoint, with importance measures.
    ///
    /// For each endpoint (production first): the components whose loss alone takes it down
    /// (order-1 cut sets) and the pairs that do so together (order 2), each with its chain of
    /// requirements; then every component ranked by the yearly downtime it starts, with
    /// Birnbaum, Fussell-Vesely, RAW and RRW importance and 95% intervals, all estimated on
    /// common random numbers.
    #[command(after_help = "Examples:
  drtwin spof twin.ron
  drtwin spof twin.ron --endpoint endpoint:https://portal.example.com --json")]
    Spof(SpofArgs),

    /// Run the baseline and each change file on the same random numbers and print the
    /// paired difference in yearly downtime.
    ///
    /// A change file (RON) lists edits: SetKeepAlive, AddTimeout, AddLock, MoveSchedule,
    /// SetProbePeriod, AddProbe, AddUps, AddStandby, AddAlternative, SetBackup and
    /// SetAssumption. Each variant runs trial for trial against the baseline with the same
    /// seed, so the difference's 95% interval is narrow; the same seed gives the same output
    /// on any thread count.
    #[command(after_help = "Example:
  drtwin whatif twin.ron examples/changes/keepalive-family-portal.ron --trials 2000")]
    Whatif(WhatifArgs),

    /// Print the shipped assumptions: each failure rate, repair and response time with its
    /// source.
    ///
    /// These are the names an assumptions file (--assumptions FILE on plan, simulate, spof and
    /// whatif) overrides, e.g. `{"power-outage-rate": 3.0, "human-response-day": "1h"}`.
    /// Values are written as such a file writes them: rates per year, durations with a unit,
    /// laws by name.
    #[command(after_help = "Examples:
  drtwin assumptions                   name, value and source, one per line
  drtwin assumptions --json            a JSON array of {name, kind, value, source}")]
    Assumptions(AssumptionsArgs),

    /// Print the dependency graph as Graphviz DOT or Mermaid.
    #[command(after_help = "Examples:
  drtwin graph twin.ron | dot -Tsvg > graph.svg
  drtwin graph twin.ron --format mermaid > graph.mmd")]
    Graph(GraphArgs),

    /// Print a shell completion script.
    #[command(after_help = "Example:
  drtwin completions bash > ~/.local/share/bash-completion/completions/drtwin")]
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The machine's home folder (or a copy of it); the built-in example when omitted.
    pub root: Option<PathBuf>,

    /// Folder to write twin.ron, results.ron, the report and charts into.
    #[arg(short, long, default_value = "drtwin-out")]
    pub output: PathBuf,

    #[command(flatten)]
    pub run: RunArgs,

    /// Print the summary as JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// The machine's home folder (or a copy of it).
    pub root: PathBuf,

    /// Where to write the twin; stdout when omitted.
    #[arg(short, long)]
    pub output: Option<PathBuf>,

    /// Skip files larger than this many bytes (they are named in a warning).
    #[arg(long, default_value_t = 10 * 1024 * 1024)]
    pub max_file_bytes: u64,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// A folder to scan, or a twin.ron written by `drtwin scan`.
    pub input: PathBuf,

    /// How to print the findings.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,

    /// Shorthand for `--format json`.
    #[arg(long)]
    pub json: bool,

    /// Exit with status 3 when a finding at or above this level exists (for CI).
    #[arg(long, value_enum)]
    pub fail_on: Option<Level>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// One finding per line, with its files and lines.
    Text,
    /// A JSON array of findings.
    Json,
    /// SARIF 2.1.0, for code-scanning tools.
    Sarif,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Level {
    Low,
    Medium,
    High,
    Critical,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// A twin.ron written by `drtwin scan`; required unless --list-modes is given.
    //
    // Optional to clap so that a missing twin is reported as drtwin reports any bad input,
    // one error line and a hint naming --list-modes, rather than as clap's usage error.
    pub twin: Option<PathBuf>,

    /// Where to write the results (RON, or JSON when the name ends in .json).
    #[arg(short, long, default_value = "results.ron")]
    pub output: PathBuf,

    #[command(flatten)]
    pub run: RunArgs,

    /// Print the list of failure modes per component kind and exit; needs no twin.
    #[arg(long)]
    pub list_modes: bool,

    /// Add a scenario whose every trial has this one failure, reported first:
    /// COMPONENT:MODE[@WHEN], WHEN being HH:MM local time or `backup` (e.g.
    /// `net:dns:outage`, `volume:/:disk-full`, `pg:main:crash@03:05`).
    #[arg(long, value_name = "COMPONENT:MODE[@WHEN]")]
    pub inject: Option<String>,

    /// Print the summary (seed, trials, per-endpoint availability) as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Trial-years for the baseline.
    #[arg(long, default_value_t = 20_000)]
    pub trials: u64,

    /// Trials per injected-failure scenario.
    #[arg(long, default_value_t = 2_000)]
    pub scenario_trials: u64,

    /// Seed of the random numbers; the same seed gives the same results on any thread count.
    #[arg(long, default_value_t = 20_261_204)]
    pub seed: u64,

    /// Worker threads; all cores when omitted.
    #[arg(long)]
    pub threads: Option<usize>,

    /// An assumptions file (RON) overriding any subset of the shipped table.
    #[arg(long)]
    pub assumptions: Option<PathBuf>,

    /// A DR policy file (RON): target RTO and RPO per class of disruption (process,
    /// database, network, host_loss); classes it leaves out keep the shipped targets.
    #[arg(long)]
    pub policy: Option<PathBuf>,

    /// Stop early once the 95% interval of production downtime is this many minutes per
    /// year wide on either side.
    #[arg(long)]
    pub precision: Option<f64>,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A results file written by `drtwin simulate`.
    pub results: PathBuf,

    /// The twin the results came from; `twin.ron` beside the results when omitted.
    #[arg(long)]
    pub twin: Option<PathBuf>,

    /// Folder to write the report and charts into.
    #[arg(short, long, default_value = "drtwin-out")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct AssumptionsArgs {
    /// Print a JSON array of {name, kind, value, source} instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// A twin.ron written by `drtwin scan`.
    pub twin: PathBuf,

    /// The graph language to print.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT, for `dot -Tsvg`.
    Dot,
    /// A Mermaid flowchart, for Markdown viewers.
    Mermaid,
}

#[derive(Debug, Args)]
pub struct SpofArgs {
    /// A twin.ron written by `drtwin scan`, or a folder to scan.
    pub twin: PathBuf,

    /// Show only this endpoint (an id from twin.ron).
    #[arg(long)]
    pub endpoint: Option<String>,

    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,

    /// Trial-years for the baseline (importance uses at most 1000 of them).
    #[arg(long, default_value_t = 2_000)]
    pub trials: u64,

    /// Seed of the random numbers.
    #[arg(long, default_value_t = 20_261_204)]
    pub seed: u64,

    /// Worker threads; all cores when omitted.
    #[arg(long)]
    pub threads: Option<usize>,

    /// An assumptions file (RON) overriding any subset of the shipped table.
    #[arg(long)]
    pub assumptions: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct WhatifArgs {
    /// A twin.ron written by `drtwin scan`, or a folder to scan.
    pub twin: PathBuf,

    /// One or more change files (RON).
    #[arg(required = true)]
    pub changes: Vec<PathBuf>,

    /// Paired trial-years per change.
    #[arg(long, default_value_t = 2_000)]
    pub trials: u64,

    /// Seed of the random numbers; baseline and variants share it.
    #[arg(long, default_value_t = 20_261_204)]
    pub seed: u64,

    /// Worker threads; all cores when omitted.
    #[arg(long)]
    pub threads: Option<usize>,

    /// An assumptions file (RON) overriding any subset of the shipped table.
    #[arg(long)]
    pub assumptions: Option<PathBuf>,

    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
}
