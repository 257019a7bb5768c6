//! Static findings as SARIF 2.1.0, so code-scanning tools show them beside the files.
//!
//! One rule per finding code; a finding's level maps to SARIF's `error` (critical, high),
//! `warning` (medium) or `note` (low). Locations are the finding's file evidence, relative
//! to the scanned folder; assumption evidence has no location and is left out.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use drtwin_model::{Evidence, Finding, RiskLevel};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

pub fn sarif(findings: &[Finding]) -> Value {
    let mut rules: BTreeMap<&str, &Finding> = BTreeMap::new();
    for finding in findings {
        rules.entry(finding.code.as_str()).or_insert(finding);
    }
    let rule_index: BTreeMap<&str, usize> =
        rules.keys().enumerate().map(|(index, code)| (*code, index)).collect();

    let rules: Vec<Value> = rules
        .values()
        .map(|finding| {
            json!({
                "id": finding.code,
                "name": finding.code,
                "shortDescription": { "text": finding.title },
                "defaultConfiguration": { "level": level(finding.level) },
            })
        })
        .collect();

    let results: Vec<Value> = findings
        .iter()
        .map(|finding| {
            let locations: Vec<Value> = finding
                .evidence
                .iter()
                .filter_map(|evidence| match evidence {
                    Evidence::File { path, line, .. } if *line > 0 => Some(json!({
                        "physicalLocation": {
                            "artifactLocation": { "uri": uri(path) },
                            "region": { "startLine": line },
                        }
                    })),
                    Evidence::File { path, .. } => Some(json!({
                        "physicalLocation": { "artifactLocation": { "uri": uri(path) } }
                    })),
                    Evidence::Assumption { .. } => None,
                })
                .collect();
            json!({
                "ruleId": finding.code,
                "ruleIndex": rule_index.get(finding.code.as_str()).copied().unwrap_or(0),
                "level": level(finding.level),
                "message": { "text": format!("{}: {}", finding.title, finding.detail) },
                "locations": locations,
            })
        })
        .collect();

    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "drtwin",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

fn level(level: RiskLevel) -> &'static str {
    match level {
        RiskLevel::Critical | RiskLevel::High => "error",
        RiskLevel::Medium => "warning",
        RiskLevel::Low => "note",
    }
}

/// A relative path as a URI reference: forward slashes, spaces and other reserved
/// characters percent-encoded.
fn uri(path: &str) -> String {
    let mut encoded = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                encoded.push(byte as char)
            }
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_levels_and_locations() {
        let finding = Finding {
            code: "no-keepalive".into(),
            level: RiskLevel::High,
            title: "no KeepAlive".into(),
            detail: "stays down after a crash".into(),
            component: None,
            evidence: vec![
                Evidence::file("Library/LaunchAgents/a b.plist", 7, "<key>Label</key>"),
                Evidence::assumption("x"),
            ],
        };
        let document = sarif(&[finding]);
        let result = &document["runs"][0]["results"][0];
        assert_eq!(result["level"], "error");
        assert_eq!(result["locations"].as_array().map(Vec::len), Some(1));
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], "Library/LaunchAgents/a%20b.plist");
        assert_eq!(location["region"]["startLine"], 7);
        assert_eq!(document["runs"][0]["tool"]["driver"]["rules"][0]["id"], "no-keepalive");
    }
}
