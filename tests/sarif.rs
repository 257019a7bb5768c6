//! `drtwin check --format sarif` as code-scanning tools read it: valid against the SARIF 2.1.0
//! JSON schema (vendored in `tests/data`, see its README for where it came from), plus the
//! rules the specification states in prose, which a schema cannot express: each result's
//! `ruleIndex` points at the rule named by its `ruleId`, and every location is a file of the
//! scanned tree with its line in range.

mod common;

use std::collections::BTreeSet;
use std::fs;

use serde_json::Value;

use common::{drtwin, example, path_str, shown};

fn sarif_of_example() -> Value {
    let output = drtwin(&["check", path_str(&example()), "--format", "sarif"]);
    assert!(output.status.success(), "{}", shown(&output));
    serde_json::from_slice(&output.stdout).expect("check --format sarif prints JSON")
}

#[test]
fn sarif_output_validates_against_the_sarif_2_1_0_schema() {
    let schema_path = common::repo().join("tests/data/sarif-schema-2.1.0.json");
    let schema: Value =
        serde_json::from_str(&fs::read_to_string(&schema_path).expect("vendored schema"))
            .expect("the schema is JSON");
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles");

    // The validator must be able to fail: a log with a wrong version and a result without a
    // message are both rejected.
    let broken = serde_json::json!({
        "version": "2.0.0",
        "runs": [{ "tool": { "driver": { "name": "x" } }, "results": [{ "ruleId": "r" }] }]
    });
    assert!(validator.iter_errors(&broken).count() >= 2);

    let sarif = sarif_of_example();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|error| format!("{}: {error}", error.instance_path()))
        .collect();
    assert!(errors.is_empty(), "SARIF output is not valid SARIF 2.1.0:\n{}", errors.join("\n"));
}

#[test]
fn sarif_rules_results_and_locations_are_consistent() {
    let sarif = sarif_of_example();
    assert_eq!(sarif["version"], "2.1.0");
    let runs = sarif["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run["tool"]["driver"]["name"], "drtwin");

    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let rule_ids: Vec<&str> =
        rules.iter().map(|rule| rule["id"].as_str().expect("rule id")).collect();
    let unique: BTreeSet<&&str> = rule_ids.iter().collect();
    assert_eq!(unique.len(), rule_ids.len(), "duplicate rule ids: {rule_ids:?}");

    let results = run["results"].as_array().expect("results");
    assert!(results.len() >= 5, "the example shows only {} findings", results.len());
    let mut located = 0;
    for result in results {
        let rule_id = result["ruleId"].as_str().expect("ruleId");
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(
            rule_ids.get(index),
            Some(&rule_id),
            "ruleIndex {index} does not name rule `{rule_id}`"
        );
        assert!(
            ["none", "note", "warning", "error"].contains(&result["level"].as_str().unwrap_or("")),
            "{result}"
        );
        let text = result["message"]["text"].as_str().expect("message.text");
        assert!(!text.trim().is_empty());

        for location in result["locations"].as_array().into_iter().flatten() {
            let physical = &location["physicalLocation"];
            let uri = physical["artifactLocation"]["uri"].as_str().expect("uri");
            assert!(
                !uri.starts_with('/') && !uri.contains(':'),
                "`{uri}` is not relative to the scanned folder"
            );
            let path = percent_decode(uri);
            let content = fs::read(example().join(&path))
                .unwrap_or_else(|_| panic!("location `{uri}` is not a file of the example"));
            if let Some(line) = physical["region"]["startLine"].as_u64() {
                let lines = content.split(|&byte| byte == b'\n').count() as u64;
                assert!((1..=lines).contains(&line), "`{uri}` line {line}, file has {lines} lines");
            }
            located += 1;
        }
    }
    assert!(located > 0, "no result has a location");
}

/// A URI reference's path with `%XX` escapes turned back into bytes.
fn percent_decode(uri: &str) -> String {
    let bytes = uri.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let escaped = (bytes[index] == b'%')
            .then(|| uri.get(index + 1..index + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                decoded.push(byte);
                index += 3;
            }
            None => {
                decoded.push(bytes[index]);
                index += 1;
            }
        }
    }
    String::from_utf8(decoded).expect("a UTF-8 path")
}
