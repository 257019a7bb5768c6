//! `drtwin whatif` and `drtwin spof` driven as a user runs them, on the example Mac mini:
//! KeepAlive on the one web service without it cuts downtime with an interval clear of
//! zero, a change that does nothing has an interval holding zero, the same seed gives the
//! same output on one and two threads, and a malformed change file is one error naming its
//! line and column, exit status 2, with nothing written.

mod common;

use std::fs;

use serde_json::Value;

use common::{drtwin, drtwin_in, example, path_str, repo, shown};

fn change(name: &str) -> String {
    repo().join("examples/changes").join(name).display().to_string()
}

/// The production row of each comparison: (low, value, high) of the difference.
fn production(output: &std::process::Output) -> Vec<(f64, f64, f64)> {
    assert!(output.status.success(), "{}", shown(output));
    let json: Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    json.as_array()
        .expect("one comparison per change")
        .iter()
        .map(|comparison| {
            let d = &comparison["production"]["difference"];
            let number = |key: &str| d[key].as_f64().expect("a number");
            (number("low"), number("value"), number("high"))
        })
        .collect()
}

#[test]
fn keepalive_on_family_portal_cuts_downtime_and_a_noop_does_not() {
    let keepalive = change("keepalive-family-portal.ron");
    let noop = change("noop.ron");
    let root = example();
    let args = ["whatif", path_str(&root), &keepalive, &noop, "--trials", "300", "--seed", "5"];
    let output = drtwin(&[&args[..], &["--json"]].concat());
    let rows = production(&output);
    let (low, value, high) = rows[0];
    println!("KeepAlive for family-portal: {value:.1} min/yr (95% CI {low:.1} to {high:.1})");
    assert!(high < 0.0, "the KeepAlive interval must exclude zero: {low} {value} {high}");
    let (low, value, high) = rows[1];
    assert!(low <= 0.0 && 0.0 <= high, "the no-op interval must hold zero: {low} {value} {high}");

    // The family-portal endpoint is where the gain shows.
    let json: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let family = json[0]["endpoints"]
        .as_array()
        .expect("endpoints")
        .iter()
        .find(|e| e["label"] == "endpoint:https://family.careassist.example.com")
        .expect("the family portal's endpoint");
    assert!(family["difference"]["high"].as_f64().expect("number") < 0.0);

    // Text output names the change and shows the interval.
    let text = drtwin(&args);
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(stdout.contains("what-if `KeepAlive for family-portal`"), "{stdout}");
    assert!(stdout.contains("95% CI"), "{stdout}");
}

#[test]
fn same_seed_same_output_on_one_and_two_threads() {
    let ups = change("ups.ron");
    let run = |threads: &str| {
        let output = drtwin(&[
            "whatif",
            path_str(&example()),
            &ups,
            "--trials",
            "200",
            "--threads",
            threads,
            "--json",
        ]);
        assert!(output.status.success(), "{}", shown(&output));
        output.stdout
    };
    assert_eq!(run("1"), run("2"));
}

#[test]
fn a_malformed_change_file_names_line_and_column_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let bad = dir.path().join("bad.ron");
    fs::write(&bad, "(\n  name: \"broken\",\n  edits: [AddUps(runtime: 3600)],\n)\n")
        .expect("write the change file");
    let before: Vec<_> = fs::read_dir(dir.path()).expect("list").collect();
    let output = drtwin_in(
        Some(dir.path()),
        &["whatif", path_str(&example()), path_str(&bad), "--trials", "50"],
    );
    assert_eq!(output.status.code(), Some(2), "{}", shown(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bad.ron, line 3, column"), "{stderr}");
    assert!(stderr.contains("hint:"), "{stderr}");
    assert!(output.stdout.is_empty(), "nothing on stdout: {}", shown(&output));
    let after: Vec<_> = fs::read_dir(dir.path()).expect("list").collect();
    assert_eq!(before.len(), after.len(), "nothing written");

    // An unknown component is an error at its own line too.
    fs::write(&bad, "(name: \"x\",\n edits: [\n  AddLock(job: \"cron:nope\"),\n ])\n")
        .expect("write");
    let output = drtwin(&["whatif", path_str(&example()), path_str(&bad), "--trials", "50"]);
    assert_eq!(output.status.code(), Some(2), "{}", shown(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("line 3, column 16"), "{stderr}");
    assert!(stderr.contains("unknown component `cron:nope`"), "{stderr}");
}

#[test]
fn spof_shows_structural_spofs_with_their_chains() {
    let output = drtwin(&[
        "spof",
        path_str(&example()),
        "--endpoint",
        "endpoint:https://family.careassist.example.com",
        "--trials",
        "200",
        "--json",
    ]);
    assert!(output.status.success(), "{}", shown(&output));
    let json: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let report = &json.as_array().expect("one endpoint")[0];
    let singles = report["order_one"].as_array().expect("order-1 cut sets");
    let portal = singles
        .iter()
        .find(|s| s[0][0] == "launchd:com.frontrangecare.family-portal")
        .expect("the portal process is a structural SPOF of its endpoint");
    assert!(portal[1][0].as_array().is_some_and(|chain| chain.len() >= 2), "{portal}");

    // Ranked as an order-1 cut set; the closed-form tests in drtwin-sim check Q1 = 1.
    let ranking = report["ranking"].as_array().expect("ranking");
    let row = ranking
        .iter()
        .find(|r| r["component"] == "launchd:com.frontrangecare.family-portal")
        .expect("ranked");
    assert_eq!(row["cut_order"], 1);
    // Simulation confirms it: forced down, the endpoint is down all year (Q1 = 1), so
    // RAW = Q1/Q is 1/Q, with Q from the same 200 trials as the endpoint's downtime.
    let minutes = report["downtime_minutes_per_year"]["value"].as_f64().expect("number");
    let q = minutes / (365.0 * 1440.0);
    let raw = row["risk_achievement_worth"]["value"].as_f64().expect("number");
    assert!((raw * q - 1.0).abs() < 1e-6, "Q1 = RAW·Q = {}", raw * q);
    let text = drtwin(&["spof", path_str(&example()), "--trials", "200"]);
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(stdout.contains("structural SPOFs (order 1)"), "{stdout}");
    assert!(stdout.contains(" → "), "chains are shown: {stdout}");
}
