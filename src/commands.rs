//! One function per command: read the inputs, call the library crates, write the outputs and
//! print the summary. All file IO of the program happens here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration as WallDuration, Instant};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use tracing::{info, warn};

use drtwin_model::{Duration, Evidence, Finding, RiskLevel, Twin};
use drtwin_sim::{Assumptions, Family, Policy, Results, RunConfig};

use crate::UserError;
use crate::cli::{
    AssumptionsArgs, CheckArgs, CheckFormat, GraphArgs, GraphFormat, Level, PlanArgs, ReportArgs,
    RunArgs, ScanArgs, SimulateArgs, SpofArgs, WhatifArgs,
};
use crate::{example, output};

/// Exit status of `check --fail-on` when a finding reaches the level.
const EXIT_FINDINGS: u8 = 3;

pub fn plan(args: PlanArgs) -> Result<ExitCode> {
    output::check_output_folder(&args.output)?;

    // The embedded example is unpacked for the length of the run; a user's folder is read
    // where it is.
    let unpacked;
    let root: PathBuf = match &args.root {
        Some(root) => root.clone(),
        None => {
            unpacked = example::unpack()?;
            info!("no folder given: planning for the built-in example Mac mini");
            unpacked.root()
        }
    };
    refuse_output_inside(&args.output, &root)?;
    let twin = scan_tree(&root, drtwin_twin::ScanOptions::default())?;
    let policy = load_policy(args.run.policy.as_deref())?;
    let results = run_simulation(&twin, &args.run, &policy, None)?;
    let artifacts = drtwin_viz::render_plan(&twin, &results).context("cannot render the plan")?;

    let mut files = vec![
        ("twin.ron".to_string(), twin.to_ron()?.into_bytes()),
        ("results.ron".to_string(), results_ron(&results)?.into_bytes()),
    ];
    files.extend(artifacts.into_iter().map(|artifact| (artifact.path, artifact.bytes)));
    output::write_folder(&args.output, &files)?;

    let summary = PlanSummary::new(&twin, &results, &args.output);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print!("{}", summary.text());
    }
    Ok(ExitCode::SUCCESS)
}

pub fn scan(args: ScanArgs) -> Result<ExitCode> {
    if let Some(path) = &args.output {
        output::check_output_file(path)?;
    }
    let options = drtwin_twin::ScanOptions { max_file_bytes: args.max_file_bytes };
    let twin = scan_tree(&args.root, options)?;
    let text = twin.to_ron()?;
    match &args.output {
        Some(path) => {
            output::write_file(path, text.as_bytes())?;
            println!(
                "{} components, {} dependencies, {} findings, {} files skipped -> {}",
                twin.components.len(),
                twin.dependencies.len(),
                twin.findings.len(),
                twin.skipped.len(),
                path.display()
            );
        }
        None => println!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

pub fn check(args: CheckArgs) -> Result<ExitCode> {
    if !args.input.exists() {
        return Err(UserError::new(format!("`{}` does not exist", args.input.display()))
            .hint("give the machine's home folder, or a twin.ron written by `drtwin scan`")
            .into());
    }
    let twin = if args.input.is_dir() {
        scan_tree(&args.input, drtwin_twin::ScanOptions::default())?
    } else {
        load_twin(&args.input)?
    };
    let mut findings = twin.findings.clone();
    findings.sort_by(|a, b| b.level.cmp(&a.level).then_with(|| a.code.cmp(&b.code)));

    let format = if args.json { CheckFormat::Json } else { args.format };
    match format {
        CheckFormat::Json => println!("{}", serde_json::to_string_pretty(&findings)?),
        CheckFormat::Text => print!("{}", findings_text(&findings)),
        CheckFormat::Sarif => {
            println!("{}", serde_json::to_string_pretty(&crate::sarif::sarif(&findings))?)
        }
    }

    let threshold = args.fail_on.map(|level| match level {
        Level::Low => RiskLevel::Low,
        Level::Medium => RiskLevel::Medium,
        Level::High => RiskLevel::High,
        Level::Critical => RiskLevel::Critical,
    });
    match threshold {
        Some(level) if findings.iter().any(|finding| finding.level >= level) => {
            Ok(ExitCode::from(EXIT_FINDINGS))
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}

pub fn simulate(args: SimulateArgs) -> Result<ExitCode> {
    if args.list_modes {
        print!("{}", modes_text(&drtwin_sim::list_modes()));
        return Ok(ExitCode::SUCCESS);
    }
    let Some(twin_path) = &args.twin else {
        return Err(UserError::new("no twin to simulate")
            .hint(
                "give a twin.ron written by `drtwin scan`, e.g. `drtwin simulate twin.ron`, or \
                 list the failure modes with `drtwin simulate --list-modes`",
            )
            .into());
    };
    let inject = match &args.inject {
        Some(text) => Some(text.parse::<drtwin_sim::InjectRequest>().map_err(injection_error)?),
        None => None,
    };
    output::check_output_file(&args.output)?;
    let twin = load_twin(twin_path)?;
    let policy = load_policy(args.run.policy.as_deref())?;
    let results = run_simulation(&twin, &args.run, &policy, inject.as_ref())?;

    let text = if args.output.extension().is_some_and(|extension| extension == "json") {
        serde_json::to_string_pretty(&results)?
    } else {
        results_ron(&results)?
    };
    output::write_file(&args.output, text.as_bytes())?;
    if args.json {
        let endpoints: Vec<serde_json::Value> = results
            .endpoints
            .iter()
            .map(|endpoint| {
                serde_json::json!({
                    "id": endpoint.id,
                    "availability": endpoint.availability,
                    "downtime_minutes_per_year": endpoint.downtime_minutes_per_year,
                    "yearly_downtime_seconds": {
                        "p50": endpoint.yearly_downtime.p50,
                        "p90": endpoint.yearly_downtime.p90,
                        "p99": endpoint.yearly_downtime.p99,
                    },
                })
            })
            .collect();
        let mut summary = serde_json::json!({
            "seed": results.seed,
            "trials": results.trials,
            "scenario_trials": results.scenario_trials,
            "results": args.output.display().to_string(),
            "endpoints": endpoints,
        });
        if let Some(scenario) = injected_scenario(&results, inject.as_ref()) {
            summary["injected"] = serde_json::json!({
                "id": scenario.id,
                "title": scenario.title,
                "recovery_seconds": {
                    "mean": scenario.recovery_time.mean,
                    "p50": scenario.recovery_time.p50,
                    "p90": scenario.recovery_time.p90,
                    "p99": scenario.recovery_time.p99,
                },
                "recovered_by": scenario.recovered_by,
                "endpoints_down_minutes": scenario.endpoints_down,
                "data_loss_window_seconds": scenario.data_loss_window.as_ref().map(|loss| {
                    serde_json::json!({ "p50": loss.p50, "p90": loss.p90, "p99": loss.p99 })
                }),
                "occurrences_per_year": scenario.occurrences_per_year,
                "yearly_production_minutes": scenario.yearly_production_minutes,
                // A failure the assumptions give no yearly rate has no risk level, as the
                // text output says; its level would read LOW only for want of a rate.
                "risk": (scenario.occurrences_per_year > 0.0).then_some(scenario.risk),
            });
        }
        println!("{}", serde_json::to_string_pretty(&summary)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "seed {}, {} trial-years, {} trials per scenario -> {}",
        results.seed,
        results.trials,
        results.scenario_trials,
        args.output.display()
    );
    for endpoint in &results.endpoints {
        println!(
            "  {:<48} {:>9.4}% available, {} down a year, {} in a bad year (p90)",
            endpoint.id,
            endpoint.availability.value * 100.0,
            Duration::from_mins(endpoint.downtime_minutes_per_year.value).human(),
            Duration::from_secs(endpoint.yearly_downtime.p90.value).human()
        );
    }
    if let Some(scenario) = injected_scenario(&results, inject.as_ref()) {
        print!("{}", injected_text(scenario, &policy));
    }
    Ok(ExitCode::SUCCESS)
}

/// The `--list-modes` table, its columns as wide as their widest entry.
fn modes_text(modes: &[(&str, &str, &str)]) -> String {
    let kind_width = modes.iter().map(|(kind, _, _)| kind.chars().count()).max().unwrap_or(0);
    let mode_width = modes.iter().map(|(_, mode, _)| mode.chars().count()).max().unwrap_or(0);
    let mut text = String::new();
    for (kind, mode, what) in modes {
        text.push_str(&format!("{kind:<kind_width$}  {mode:<mode_width$}  {what}\n"));
    }
    text
}

/// `drtwin assumptions`: the shipped table, as an overrides file names and writes it.
pub fn assumptions(args: AssumptionsArgs) -> Result<ExitCode> {
    use drtwin_sim::assumptions::{ValueKind, display};

    let assumptions = Assumptions::shipped();
    if args.json {
        let entries: Vec<serde_json::Value> = assumptions
            .entries()
            .iter()
            .map(|entry| {
                let kind = match entry.kind {
                    ValueKind::Rate => "rate",
                    ValueKind::Duration => "duration",
                    ValueKind::Fraction => "fraction",
                    ValueKind::Number => "number",
                    ValueKind::Law => "law",
                };
                // The value as an overrides file writes it: numbers bare (rates per year),
                // durations and laws as strings.
                let value = match entry.kind {
                    ValueKind::Duration | ValueKind::Law => {
                        serde_json::Value::from(display(entry.kind, entry.value))
                    }
                    ValueKind::Rate | ValueKind::Fraction | ValueKind::Number => {
                        serde_json::Value::from(entry.value)
                    }
                };
                serde_json::json!({
                    "name": entry.name,
                    "kind": kind,
                    "value": value,
                    "source": entry.source,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&entries)?);
        return Ok(ExitCode::SUCCESS);
    }

    let used = assumptions.used();
    let name_width = used.iter().map(|entry| entry.name.chars().count()).max().unwrap_or(0);
    let value_width = used.iter().map(|entry| entry.value.chars().count()).max().unwrap_or(0);
    println!(
        "shipped assumptions {} ({} entries; override any with --assumptions FILE)",
        assumptions.version,
        used.len()
    );
    println!("{:<name_width$}  {:<value_width$}  source", "name", "value");
    for entry in &used {
        println!("{:<name_width$}  {:<value_width$}  {}", entry.name, entry.value, entry.source);
    }
    Ok(ExitCode::SUCCESS)
}

/// The scenario `--inject` asked for, among the results.
fn injected_scenario<'a>(
    results: &'a drtwin_sim::Results,
    request: Option<&drtwin_sim::InjectRequest>,
) -> Option<&'a drtwin_sim::ScenarioResult> {
    let id = request?.scenario_id();
    results.scenarios.iter().find(|scenario| scenario.id == id)
}

/// A data-loss window this long means everything: with no copy off the machine, the
/// simulator counts the whole simulated year as lost.
const ALL_DATA_SECONDS: f64 = 365.0 * 86_400.0;

/// What `simulate --inject` prints about its scenario; `policy` is the one that rated it.
fn injected_text(scenario: &drtwin_sim::ScenarioResult, policy: &Policy) -> String {
    let human = |seconds: f64| Duration::from_secs(seconds).human();
    let recovery = &scenario.recovery_time;
    let mut text = format!(
        "injected {} ({}, {} trials)\n  recovery: p50 {}, p90 {}, p99 {}\n",
        scenario.id,
        scenario.title,
        recovery.samples,
        human(recovery.p50.value),
        human(recovery.p90.value),
        human(recovery.p99.value)
    );
    if scenario.endpoints_down.is_empty() {
        text.push_str("  no endpoint went down\n");
    }
    for (id, minutes) in &scenario.endpoints_down {
        text.push_str(&format!(
            "  {:<48} down {} on average\n",
            id,
            Duration::from_mins(minutes.value).human()
        ));
    }
    match &scenario.data_loss_window {
        Some(loss) if loss.p50.value >= ALL_DATA_SECONDS => {
            text.push_str("  data lost: all of it, since nothing is copied off the machine\n")
        }
        Some(loss) => text.push_str(&format!(
            "  data-loss window: {} at the median, {} at p90\n",
            human(loss.p50.value),
            human(loss.p90.value)
        )),
        None => text.push_str("  no data at risk\n"),
    }
    if scenario.occurrences_per_year > 0.0 {
        text.push_str(&format!(
            "  happens {}: {} of production downtime a year if each went like this, risk {}\n",
            yearly_rate_text(scenario.occurrences_per_year),
            Duration::from_mins(scenario.yearly_production_minutes.value).human(),
            scenario.risk
        ));
        if let Some(reason) = data_loss_reason(scenario, policy) {
            text.push_str(&format!("  {reason}\n"));
        }
    } else {
        text.push_str("  no yearly rate in the assumptions for this failure: no risk level\n");
    }
    text
}

/// How often a failure happens, readable for rare ones too: a rate of 0.0017 a year reads
/// "about once in 590 years", not "0.00 times a year".
fn yearly_rate_text(occurrences_per_year: f64) -> String {
    if occurrences_per_year >= 0.1 {
        return format!("{occurrences_per_year:.2} times a year");
    }
    // Two significant digits of the return period: more would claim a precision the
    // assumed rates do not have.
    let years = 1.0 / occurrences_per_year;
    let step = 10f64.powi(years.log10().floor() as i32 - 1).max(1.0);
    format!("about once in {:.0} years", (years / step).round() * step)
}

/// Why a scenario is CRITICAL when its yearly downtime stays below the CRITICAL threshold:
/// the only other way to CRITICAL is data lost beyond the policy's RPO.
fn data_loss_reason(scenario: &drtwin_sim::ScenarioResult, policy: &Policy) -> Option<String> {
    let yearly_downtime = Duration::from_mins(scenario.yearly_production_minutes.value);
    if scenario.risk != RiskLevel::Critical
        || yearly_downtime.secs() >= policy.risk_levels.critical.secs()
    {
        return None;
    }
    let loss = scenario.data_loss_window.as_ref()?;
    let rpo = policy.rpo_for(scenario.family);
    let limit = if rpo.secs() > 0.0 {
        format!("beyond the {} RPO", rpo.human())
    } else {
        "and the RPO allows no data loss".to_string()
    };
    if loss.mean.value >= ALL_DATA_SECONDS {
        return Some(format!("risk CRITICAL: all data is lost, {limit}"));
    }
    Some(format!(
        "risk CRITICAL: data written in the last {} is lost on average, {limit}",
        Duration::from_secs(loss.mean.value).human()
    ))
}

/// A bad `--inject` as the user sees it: what is wrong, and the modes that would do.
fn injection_error(error: drtwin_sim::SimError) -> anyhow::Error {
    let hint = match &error {
        drtwin_sim::SimError::InvalidMode { kind, valid, .. } if valid.is_empty() => {
            format!(
                "`{kind}` components take no injected failure; see `drtwin simulate --list-modes`"
            )
        }
        drtwin_sim::SimError::InvalidMode { kind, valid, .. } => {
            format!("modes for `{kind}` components: {}", valid.join(", "))
        }
        drtwin_sim::SimError::UnknownComponent { known, .. } => {
            let shown: Vec<&str> = known.iter().take(12).map(String::as_str).collect();
            format!(
                "components that take a failure: {}{}",
                shown.join(", "),
                if known.len() > shown.len() { ", ..." } else { "" }
            )
        }
        _ => "write COMPONENT:MODE[@WHEN], e.g. `net:dns:outage` or `pg:main:crash@03:05`; \
              modes are listed by `drtwin simulate --list-modes`"
            .to_string(),
    };
    UserError::new(error.to_string()).hint(hint).into()
}

pub fn report(args: ReportArgs) -> Result<ExitCode> {
    output::check_output_folder(&args.output)?;
    let results = load_results(&args.results)?;
    let twin_path = args.twin.clone().unwrap_or_else(|| sibling(&args.results, "twin.ron"));
    let twin = load_twin(&twin_path).map_err(|error| {
        if args.twin.is_none() && !twin_path.exists() {
            UserError::new(format!("no twin beside `{}`", args.results.display()))
                .hint("pass the twin the results came from with --twin twin.ron")
                .into()
        } else {
            error
        }
    })?;
    if results.twin_fingerprint != twin.fingerprint() {
        return Err(UserError::new(format!(
            "`{}` was simulated from another twin than `{}`",
            args.results.display(),
            twin_path.display()
        ))
        .hint("simulate this twin again, or pass the matching twin with --twin")
        .into());
    }

    let artifacts = drtwin_viz::render_plan(&twin, &results).context("cannot render the plan")?;
    let files: Vec<(String, Vec<u8>)> =
        artifacts.into_iter().map(|artifact| (artifact.path, artifact.bytes)).collect();
    output::write_folder(&args.output, &files)?;
    println!("report: {}", args.output.join("report.html").display());
    Ok(ExitCode::SUCCESS)
}

pub fn graph(args: GraphArgs) -> Result<ExitCode> {
    let twin = load_twin(&args.twin)?;
    match args.format {
        GraphFormat::Dot => print!("{}", drtwin_viz::graph_dot(&twin)),
        GraphFormat::Mermaid => print!("{}", drtwin_viz::graph_mermaid(&twin)),
    }
    Ok(ExitCode::SUCCESS)
}

/// drtwin never writes into the tree it scans: an output folder inside it would change the
/// machine's files (a `report.md` of the owner's own could be replaced) and the next scan
/// would read drtwin's own output back.
fn refuse_output_inside(output: &Path, root: &Path) -> Result<()> {
    let Ok(root) = root.canonicalize() else {
        return Ok(());
    };
    // The output folder may not exist yet: resolve its nearest existing ancestor.
    let absolute = if output.is_absolute() {
        output.to_path_buf()
    } else {
        std::env::current_dir().context("cannot read the current folder")?.join(output)
    };
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    while !existing.exists() {
        let (Some(parent), Some(name)) = (existing.parent(), existing.file_name()) else {
            break;
        };
        rest.push(name.to_os_string());
        existing = parent;
    }
    let mut resolved = existing.canonicalize().unwrap_or_else(|_| existing.to_path_buf());
    resolved.extend(rest.iter().rev());
    if resolved.starts_with(&root) {
        return Err(UserError::new(format!(
            "output folder `{}` is inside the scanned folder `{}`",
            output.display(),
            root.display()
        ))
        .hint("drtwin never writes into the tree it scans; choose -o outside it")
        .into());
    }
    Ok(())
}

fn sibling(path: &Path, name: &str) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.join(name),
        _ => PathBuf::from(name),
    }
}

/// Scans a folder, logging each skipped file as a warning naming its path and reason.
fn scan_tree(root: &Path, options: drtwin_twin::ScanOptions) -> Result<Twin> {
    if !root.exists() {
        return Err(UserError::new(format!("`{}` does not exist", root.display()))
            .hint("give the machine's home folder, or a copy of it")
            .into());
    }
    if !root.is_dir() {
        return Err(UserError::new(format!("`{}` is not a folder", root.display()))
            .hint("`drtwin scan` reads a home folder; to use a twin.ron, see `drtwin simulate`")
            .into());
    }
    let started = Instant::now();
    let twin = drtwin_twin::scan(root, &options)
        .with_context(|| format!("cannot scan `{}`", root.display()))?;
    for skipped in &twin.skipped {
        if drtwin_twin::is_routine_skip(skipped) {
            info!("skipped {}: {}", skipped.path, skipped.reason);
        } else {
            warn!("skipped {}: {}", skipped.path, skipped.reason);
        }
    }
    for note in &twin.unlinked {
        info!("unlinked: {note}");
    }
    info!(
        "scanned {} in {:.2?}: {} components, {} dependencies",
        root.display(),
        started.elapsed(),
        twin.components.len(),
        twin.dependencies.len()
    );
    Ok(twin)
}

fn read_text(path: &Path, what: &str) -> Result<String> {
    if !path.exists() {
        return Err(UserError::new(format!("{what} `{}` does not exist", path.display()))
            .hint("check the path")
            .into());
    }
    if path.is_dir() {
        let hint = if what == "twin" {
            format!(
                "build a twin from a folder first: `drtwin scan {} -o twin.ron`",
                path.display()
            )
        } else {
            format!("give the {what} file itself")
        };
        return Err(UserError::new(format!("{what} `{}` is a folder", path.display()))
            .hint(hint)
            .into());
    }
    let bytes =
        std::fs::read(path).with_context(|| format!("cannot read {what} `{}`", path.display()))?;
    String::from_utf8(bytes).map_err(|_| {
        UserError::new(format!("{what} `{}` is not UTF-8 text", path.display()))
            .hint(format!("is this really a {what}?"))
            .into()
    })
}

fn load_twin(path: &Path) -> Result<Twin> {
    let text = read_text(path, "twin")?;
    Twin::from_ron(&text).map_err(|error| {
        UserError::new(format!("cannot read twin `{}`: {error}", path.display()))
            .hint("write it again with `drtwin scan ROOT -o twin.ron`")
            .into()
    })
}

fn load_results(path: &Path) -> Result<Results> {
    let text = read_text(path, "results file")?;
    let parsed: Result<Results, String> =
        if path.extension().is_some_and(|extension| extension == "json") {
            serde_json::from_str(&text).map_err(|error| {
                format!("line {}, column {}: {error}", error.line(), error.column())
            })
        } else {
            ron::from_str(&text).map_err(|error| {
                format!(
                    "line {}, column {}: {}",
                    error.span.start.line, error.span.start.col, error.code
                )
            })
        };
    let results = parsed.map_err(|message| {
        UserError::new(format!("cannot read results `{}`: {message}", path.display()))
            .hint("write it again with `drtwin simulate twin.ron -o results.ron`")
    })?;
    if results.format != drtwin_sim::RESULTS_FORMAT {
        return Err(UserError::new(format!(
            "results `{}` have format {}, this drtwin reads {}",
            path.display(),
            results.format,
            drtwin_sim::RESULTS_FORMAT
        ))
        .hint("simulate again with this version")
        .into());
    }
    Ok(results)
}

fn results_ron(results: &Results) -> Result<String> {
    let config = ron::ser::PrettyConfig::new().depth_limit(6).indentor("  ".to_string());
    ron::ser::to_string_pretty(results, config).context("cannot serialise the results")
}

/// Runs the trials on a pool of the requested size, with a progress bar on stderr once the
/// run has taken more than a second (hidden when stderr is not a terminal).
fn run_simulation(
    twin: &Twin,
    args: &RunArgs,
    policy: &Policy,
    inject: Option<&drtwin_sim::InjectRequest>,
) -> Result<Results> {
    let assumptions = load_assumptions(args.assumptions.as_deref())?;
    if args.trials < 2 || args.scenario_trials < 2 {
        return Err(UserError::new("--trials and --scenario-trials must be at least 2")
            .hint("a confidence interval needs two trials or more; try --trials 20000")
            .into());
    }
    if args.trials < 1000 {
        warn!("{} trial-years give wide intervals; 20000 is the default", args.trials);
    }
    let config = RunConfig {
        trials: args.trials,
        scenario_trials: args.scenario_trials,
        seed: args.seed,
        precision: args.precision,
        ..RunConfig::default()
    };

    let threads = args.threads.unwrap_or(0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("cannot start the worker threads")?;
    // The run is announced when its first trials finish, not before: the library checks the
    // twin and any `--inject` before the first trial, so a refused injection is an error
    // alone, never an error after "simulating".
    let threads = pool.current_num_threads();
    let announce = std::sync::Once::new();

    let started = Instant::now();
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed} {human_pos} trials ({per_sec})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let shown = std::sync::atomic::AtomicBool::new(false);
    let progress = |done: u64| {
        announce.call_once(|| {
            eprintln!(
                "simulating with seed {} ({} trial-years, {threads} threads)",
                config.seed, config.trials
            );
        });
        bar.inc(done);
        if started.elapsed() > WallDuration::from_secs(1)
            && !shown.swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    };
    let mut results = pool
        .install(|| {
            drtwin_sim::simulate_injected(twin, &assumptions, policy, &config, inject, &progress)
        })
        .map_err(|error| match error {
            error @ (drtwin_sim::SimError::BadInjection { .. }
            | drtwin_sim::SimError::UnknownComponent { .. }
            | drtwin_sim::SimError::InvalidMode { .. }) => injection_error(error),
            error => anyhow::Error::new(error).context("simulation failed"),
        })?;
    // Each recommendation's change runs paired against the baseline for its effect.
    let unmeasured = pool
        .install(|| {
            drtwin_sim::whatif::measure_recommendations(
                twin,
                &assumptions,
                &config,
                &mut results,
                &progress,
            )
        })
        .context("measuring the recommendations failed")?;
    for skipped in unmeasured {
        info!("recommendation `{}` not measured: {}", skipped.change, skipped.reason);
    }
    bar.finish_and_clear();
    info!("simulated in {:.2?}", started.elapsed());
    Ok(results)
}

fn findings_text(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "no findings\n".to_string();
    }
    let mut text = String::new();
    for finding in findings {
        let cites: Vec<String> = finding.evidence.iter().map(Evidence::cite).collect();
        text.push_str(&format!(
            "{:<8} {:<30} {}\n         {}\n",
            finding.level.as_str(),
            finding.code,
            finding.title,
            cites.join(", ")
        ));
    }
    text.push_str(&format!("{} findings\n", findings.len()));
    text
}

/// What `plan` prints: top SPOFs, each scenario family's risk and median recovery, and
/// where the report is.
#[derive(Debug, Serialize)]
struct PlanSummary {
    host: String,
    seed: u64,
    trials: u64,
    top_spofs: Vec<SpofLine>,
    scenarios: Vec<ScenarioLine>,
    report: String,
}

#[derive(Debug, Serialize)]
struct SpofLine {
    component: String,
    /// The endpoint where it costs most.
    endpoint: String,
    /// How many other endpoints it also takes down.
    other_endpoints: usize,
    downtime_minutes_per_year: f64,
}

#[derive(Debug, Serialize)]
struct ScenarioLine {
    family: String,
    scenario: String,
    risk: RiskLevel,
    median_recovery_seconds: f64,
}

impl PlanSummary {
    fn new(twin: &Twin, results: &Results, output: &Path) -> PlanSummary {
        // One line per component, at the endpoint where it costs most; a component that takes
        // many endpoints down (the disk, the uplink) would otherwise fill the list.
        let mut by_component: BTreeMap<&str, (&drtwin_sim::SpofEntry, usize)> = BTreeMap::new();
        // What users reach comes first: production endpoints, or every endpoint when the
        // twin has none.
        let production: Vec<&str> = results
            .endpoints
            .iter()
            .filter(|endpoint| endpoint.tier == drtwin_model::Tier::Production)
            .map(|endpoint| endpoint.id.as_str())
            .collect();
        let relevant = |entry: &&drtwin_sim::SpofEntry| {
            production.is_empty() || production.contains(&entry.endpoint.as_str())
        };
        for entry in results.spof.iter().filter(relevant) {
            let slot = by_component.entry(entry.component.as_str()).or_insert((entry, 0));
            slot.1 += 1;
            if entry.downtime_minutes_per_year.value > slot.0.downtime_minutes_per_year.value {
                slot.0 = entry;
            }
        }
        let mut spofs: Vec<(&drtwin_sim::SpofEntry, usize)> = by_component.into_values().collect();
        spofs.sort_by(|(a, _), (b, _)| {
            b.downtime_minutes_per_year
                .value
                .total_cmp(&a.downtime_minutes_per_year.value)
                .then_with(|| a.component.cmp(&b.component))
        });
        let top_spofs = spofs
            .into_iter()
            .take(5)
            .map(|(entry, endpoints)| SpofLine {
                component: entry.component.clone(),
                endpoint: entry.endpoint.clone(),
                other_endpoints: endpoints - 1,
                downtime_minutes_per_year: entry.downtime_minutes_per_year.value,
            })
            .collect();

        // Per family, the scenario with the highest risk, then the most yearly downtime.
        let mut worst: BTreeMap<Family, &drtwin_sim::ScenarioResult> = BTreeMap::new();
        for scenario in &results.scenarios {
            let replace = worst.get(&scenario.family).is_none_or(|current| {
                (scenario.risk, scenario.yearly_production_minutes.value)
                    > (current.risk, current.yearly_production_minutes.value)
            });
            if replace {
                worst.insert(scenario.family, scenario);
            }
        }
        let scenarios = worst
            .into_values()
            .map(|scenario| ScenarioLine {
                family: scenario.family.title().to_string(),
                scenario: scenario.title.clone(),
                risk: scenario.risk,
                median_recovery_seconds: scenario.recovery_time.p50.value,
            })
            .collect();

        PlanSummary {
            host: twin.host.name.clone(),
            seed: results.seed,
            trials: results.trials,
            top_spofs,
            scenarios,
            report: output.join("report.html").display().to_string(),
        }
    }

    fn text(&self) -> String {
        let mut text = format!(
            "drtwin plan for {} (seed {}, {} trial-years)\n\nTop single points of failure for \
             production (expected downtime they start, per year):\n",
            self.host, self.seed, self.trials
        );
        for spof in &self.top_spofs {
            let others = match spof.other_endpoints {
                0 => String::new(),
                1 => " and 1 other endpoint".to_string(),
                n => format!(" and {n} other endpoints"),
            };
            text.push_str(&format!(
                "  {:<44} {:>10}  on {}{others}\n",
                spof.component,
                Duration::from_mins(spof.downtime_minutes_per_year).human(),
                spof.endpoint
            ));
        }
        text.push_str("\nScenarios (worst of each family):\n");
        for scenario in &self.scenarios {
            text.push_str(&format!(
                "  {:<9} {:<28} median recovery {:>9}  {}\n",
                scenario.risk.as_str(),
                scenario.family,
                Duration::from_secs(scenario.median_recovery_seconds).human(),
                scenario.scenario
            ));
        }
        text.push_str(&format!("\nReport: {}\n", self.report));
        text
    }
}

fn load_policy(path: Option<&Path>) -> Result<Policy> {
    let Some(path) = path else {
        return Ok(Policy::shipped());
    };
    let text = read_text(path, "policy file")?;
    Policy::from_ron(&text, &path.display().to_string()).map_err(|error| {
        UserError::new(format!("cannot read {error}"))
            .hint(
                "a policy names classes `process`, `database`, `network` and `host_loss`, each \
                 as `(rto: \"1h\", rpo: \"24h\")`",
            )
            .into()
    })
}

fn load_assumptions(path: Option<&Path>) -> Result<Assumptions> {
    let assumptions = Assumptions::shipped();
    let Some(path) = path else {
        return Ok(assumptions);
    };
    let text = read_text(path, "assumptions file")?;
    assumptions.with_overrides(&text).map_err(|error| {
        UserError::new(format!("cannot read assumptions `{}`: {error}", path.display()))
            .hint(
                "an assumptions file is a map `{\"name\": value}`; `drtwin assumptions` lists \
                 the names and how each value is written",
            )
            .into()
    })
}

/// A twin from a twin.ron, or from scanning a folder.
fn twin_or_scan(path: &Path) -> Result<Twin> {
    if path.is_dir() {
        scan_tree(path, drtwin_twin::ScanOptions::default())
    } else {
        load_twin(path)
    }
}

fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .context("cannot start the worker threads")
}

/// A ratio measure, with `∞` for an infinite one (an RRW whose Q0 is 0).
fn ratio_text(value: f64) -> String {
    if value.is_infinite() { "∞".to_string() } else { format!("{value:.3}") }
}

fn estimate_text(estimate: &drtwin_sim::Estimate, digits: usize) -> String {
    let number = |v: f64| {
        if v.is_infinite() {
            "∞".to_string()
        } else {
            format!("{v:.digits$}").replace('-', "−")
        }
    };
    format!("{} [{}, {}]", number(estimate.value), number(estimate.low), number(estimate.high))
}

pub fn spof(args: SpofArgs) -> Result<ExitCode> {
    let twin = twin_or_scan(&args.twin)?;
    let assumptions = load_assumptions(args.assumptions.as_deref())?;
    if args.trials == 0 {
        return Err(UserError::new("--trials must be at least 1").hint("try --trials 2000").into());
    }
    if let Some(endpoint) = &args.endpoint
        && !twin.endpoints().iter().any(|c| c.id == *endpoint)
    {
        let known: Vec<&str> = twin.endpoints().iter().map(|c| c.id.as_str()).collect();
        return Err(UserError::new(format!("`{endpoint}` is not an endpoint of the twin"))
            .hint(format!("endpoints: {}", known.join(", ")))
            .into());
    }
    let config = RunConfig { trials: args.trials, seed: args.seed, ..RunConfig::default() };
    let pool = thread_pool(args.threads)?;
    let quiet = |_: u64| {};
    let (endpoints, ranking) = pool
        .install(|| drtwin_sim::run::rank(&twin, &assumptions, &config, &quiet))
        .context("simulation failed")?;

    let graph = drtwin_model::graph::RequiresGraph::new(&twin);
    let mut report = Vec::new();
    for endpoint in &endpoints {
        if args.endpoint.as_ref().is_some_and(|wanted| *wanted != endpoint.id) {
            continue;
        }
        let (singles, pairs) =
            graph.index_of(&endpoint.id).map(|i| graph.cut_sets(i)).unwrap_or_default();
        let rows: Vec<&drtwin_sim::SpofEntry> =
            ranking.iter().filter(|entry| entry.endpoint == endpoint.id).collect();
        report.push(SpofReport {
            endpoint: endpoint.id.clone(),
            tier: format!("{:?}", endpoint.tier).to_lowercase(),
            downtime_minutes_per_year: endpoint.downtime_minutes_per_year,
            order_one: singles.iter().map(|c| (c.components.clone(), c.chains.clone())).collect(),
            order_two: pairs.iter().map(|c| (c.components.clone(), c.chains.clone())).collect(),
            ranking: rows.into_iter().cloned().collect(),
        });
    }

    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "SPOF ranking (seed {}, {} trial-years; 95% intervals in brackets)",
        args.seed, args.trials
    );
    for endpoint in &report {
        println!(
            "\n{} ({}): down {} min/yr",
            endpoint.endpoint,
            endpoint.tier,
            estimate_text(&endpoint.downtime_minutes_per_year, 1)
        );
        println!("  structural SPOFs (order 1):");
        if endpoint.order_one.is_empty() {
            println!("    none");
        }
        for (components, chains) in &endpoint.order_one {
            let chain = chains.first().map(|c| c.join(" → ")).unwrap_or_default();
            println!("    {:<44} {chain}", components.join(", "));
        }
        if !endpoint.order_two.is_empty() {
            println!("  pairs (order 2):");
            for (components, _) in &endpoint.order_two {
                println!("    {}", components.join(" + "));
            }
        }
        println!(
            "  {:<44} {:>5} {:>26} {:>24} {:>24} {:>24} {:>24}",
            "component", "order", "downtime min/yr", "Birnbaum", "Fussell-Vesely", "RAW", "RRW"
        );
        for entry in &endpoint.ranking {
            let order = entry.cut_order.map_or("-".to_string(), |o| o.to_string());
            let rrw = &entry.risk_reduction_worth;
            let rrw = if rrw.value.is_infinite() {
                "∞".to_string()
            } else {
                format!(
                    "{} [{}, {}]",
                    ratio_text(rrw.value),
                    ratio_text(rrw.low),
                    ratio_text(rrw.high)
                )
            };
            println!(
                "  {:<44} {:>5} {:>26} {:>24} {:>24} {:>24} {:>24}",
                entry.component,
                order,
                estimate_text(&entry.downtime_minutes_per_year, 1),
                estimate_text(&entry.birnbaum, 4),
                estimate_text(&entry.fussell_vesely, 4),
                estimate_text(&entry.risk_achievement_worth, 2),
                rrw
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `drtwin spof` for one endpoint.
#[derive(Debug, Serialize)]
struct SpofReport {
    endpoint: String,
    tier: String,
    downtime_minutes_per_year: drtwin_sim::Estimate,
    /// Components whose loss alone takes the endpoint down, with their chains of edges.
    order_one: Vec<(Vec<String>, Vec<Vec<String>>)>,
    /// Pairs that take it down together while neither does alone.
    order_two: Vec<(Vec<String>, Vec<Vec<String>>)>,
    ranking: Vec<drtwin_sim::SpofEntry>,
}

pub fn whatif(args: WhatifArgs) -> Result<ExitCode> {
    use drtwin_sim::whatif::{Change, apply, compare};

    if args.trials < 2 {
        return Err(UserError::new("--trials must be at least 2 for an interval")
            .hint("try --trials 2000")
            .into());
    }
    let twin = twin_or_scan(&args.twin)?;
    let assumptions = load_assumptions(args.assumptions.as_deref())?;

    // Every change file is read and applied before any trial runs, so a bad file fails fast.
    let mut variants = Vec::new();
    for path in &args.changes {
        let text = read_text(path, "change file")?;
        let file = path.display().to_string();
        let variant = Change::from_ron(&text, &file)
            .and_then(|change| apply(&change, &twin, &assumptions, &text, &file))
            .map_err(|error| {
                UserError::new(format!("cannot use change file {error}")).hint(
                    "a change file is `(name: \"...\", edits: [SetKeepAlive(service: \"ID\", \
                     keep_alive: Always(true)), ...])`; see examples/changes/",
                )
            })?;
        variants.push(variant);
    }

    let config = RunConfig { trials: args.trials, seed: args.seed, ..RunConfig::default() };
    let pool = thread_pool(args.threads)?;
    let quiet = |_: u64| {};
    let mut comparisons = Vec::new();
    for variant in &variants {
        let comparison = pool
            .install(|| compare(&twin, &assumptions, variant, &config, &quiet))
            .context("simulation failed")?;
        comparisons.push(comparison);
    }

    if args.json {
        println!("{}", serde_json::to_string_pretty(&comparisons)?);
        return Ok(ExitCode::SUCCESS);
    }
    for comparison in &comparisons {
        print!("{}", whatif_text(comparison));
    }
    Ok(ExitCode::SUCCESS)
}

fn whatif_text(comparison: &drtwin_sim::whatif::Comparison) -> String {
    let line = |d: &drtwin_sim::whatif::Difference| {
        format!(
            "  {:<52} {:>10.1} {:>10.1} {:>10} (95% CI {} to {})\n",
            d.label,
            d.baseline.value,
            d.variant.value,
            format!("{:+.1}", d.difference.value).replace('-', "−"),
            format!("{:.1}", d.difference.low).replace('-', "−"),
            format!("{:.1}", d.difference.high).replace('-', "−"),
        )
    };
    let mut text = format!(
        "what-if `{}` (seed {}, {} paired trial-years; minutes of downtime per year)\n",
        comparison.name, comparison.seed, comparison.trials
    );
    text.push_str(&format!(
        "  {:<52} {:>10} {:>10} {:>10}\n",
        "", "baseline", "variant", "difference"
    ));
    text.push_str(&line(&comparison.production));
    text.push_str("  per endpoint:\n");
    for endpoint in &comparison.endpoints {
        text.push_str(&line(endpoint));
    }
    text.push_str("  production downtime per scenario family:\n");
    for family in &comparison.families {
        text.push_str(&line(family));
    }
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rare_failures_read_as_a_return_period_not_as_zero() {
        assert_eq!(yearly_rate_text(0.0017), "about once in 590 years");
        assert_eq!(yearly_rate_text(0.02), "about once in 50 years");
        assert_eq!(yearly_rate_text(0.095), "about once in 11 years");
        assert_eq!(yearly_rate_text(0.000_01), "about once in 100000 years");
        assert_eq!(yearly_rate_text(0.2), "0.20 times a year");
        assert_eq!(yearly_rate_text(12.0), "12.00 times a year");
    }

    #[test]
    fn mode_columns_are_as_wide_as_their_widest_entry() {
        let text = modes_text(&[
            ("service", "crash", "exits"),
            ("service/database", "crash-during-backup", "crash while the dump runs"),
        ]);
        assert_eq!(
            text,
            "service           crash                exits\n\
             service/database  crash-during-backup  crash while the dump runs\n"
        );
    }
}
