//! What the DR plan refers to must be real: every component its summary, runbook and tables
//! name is a component of the twin, and every file it cites (`path` or `path:line`) is a file
//! of the scanned tree with the line in range. Checked on `drtwin plan` of the built-in
//! example, whose tree is `examples/macmini`.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use drtwin_model::Twin;
use serde_json::Value;

use common::{drtwin, example, path_str, shown};

/// One plan of the built-in example: its output folder and its JSON summary.
struct Plan {
    _dir: tempfile::TempDir,
    out: PathBuf,
    summary: Value,
    text_summary: String,
}

fn plan() -> &'static Plan {
    static PLAN: OnceLock<Plan> = OnceLock::new();
    PLAN.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temporary folder");
        let out = dir.path().join("out");
        let run = |extra: &[&str]| {
            let mut args = vec!["plan", "-o", path_str(&out), "--trials", "300"];
            args.extend_from_slice(&["--scenario-trials", "60", "--seed", "11"]);
            args.extend_from_slice(extra);
            let output = drtwin(&args);
            assert!(output.status.success(), "{}", shown(&output));
            String::from_utf8(output.stdout).expect("UTF-8 summary")
        };
        let text_summary = run(&[]);
        let summary = serde_json::from_str(&run(&["--json"])).expect("plan --json prints JSON");
        Plan { _dir: dir, out, summary, text_summary }
    })
}

fn twin() -> Twin {
    let text = fs::read_to_string(plan().out.join("twin.ron")).expect("twin.ron written");
    Twin::from_ron(&text).expect("twin.ron reads back")
}

fn report() -> String {
    fs::read_to_string(plan().out.join("report.md")).expect("report.md written")
}

/// The text of a `## ` section whose heading starts with `heading`, up to the next one.
fn section<'a>(report: &'a str, heading: &str) -> &'a str {
    let start = report
        .find(&format!("\n## {heading}"))
        .unwrap_or_else(|| panic!("the report has no section `{heading}`"));
    let rest = &report[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |end| end + 3);
    &rest[..end]
}

/// Words of a text, split at spaces and at the punctuation Markdown and prose put around
/// names and paths, with a trailing full stop or colon removed.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c.is_whitespace() || "`()[],;|*\"'<>".contains(c))
        .map(|word| word.trim_end_matches(['.', ':']))
        .filter(|word| !word.is_empty())
}

/// Words shaped like a component id (`launchd:…`, `api:…`, `volume:…`): a prefix that some id
/// of the twin has, a colon, and more.
fn id_shaped<'a>(text: &'a str, twin: &Twin) -> Vec<&'a str> {
    let prefixes: BTreeSet<&str> = twin
        .components
        .iter()
        .filter_map(|component| component.id.split_once(':').map(|(prefix, _)| prefix))
        .collect();
    words(text)
        .filter(|word| {
            word.split_once(':')
                .is_some_and(|(prefix, rest)| prefixes.contains(prefix) && !rest.is_empty())
        })
        .collect()
}

#[test]
fn every_component_id_the_report_and_summary_name_exists() {
    let twin = twin();
    let ids: BTreeSet<&str> = twin.components.iter().map(|c| c.id.as_str()).collect();
    let report = report();
    let texts =
        [("report.md", report.as_str()), ("the plan summary", plan().text_summary.as_str())];
    let mut named = 0;
    for (source, text) in texts {
        for word in id_shaped(text, &twin) {
            assert!(ids.contains(word), "{source} names `{word}`, not a component of the twin");
            named += 1;
        }
    }
    assert!(named >= 20, "only {named} component ids found: the check would prove little");

    // The summary's structured form names components and endpoints by id.
    let spofs = plan().summary["top_spofs"].as_array().expect("top_spofs");
    assert!(!spofs.is_empty());
    for spof in spofs {
        for field in ["component", "endpoint"] {
            let id = spof[field].as_str().expect("an id");
            assert!(ids.contains(id), "summary names {field} `{id}`, not in the twin");
        }
    }
}

#[test]
fn the_runbook_names_only_components_of_the_twin() {
    let twin = twin();
    let names: BTreeSet<&str> = twin.components.iter().map(|c| c.name.as_str()).collect();
    let report = report();
    let runbook = section(&report, "Restore runbook");

    let mut checked = 0;
    for line in runbook.lines() {
        let step = line.split_once(". ").map_or(line, |(_, step)| step);

        // "Start NAME (`ID`): ..." names the component and its id; they must agree.
        if let Some(rest) = step.strip_prefix("Start ") {
            let (name, rest) = rest.split_once(" (`").expect("Start NAME (`ID`)");
            let id = rest.split('`').next().unwrap_or_default();
            let component = twin
                .components
                .iter()
                .find(|component| component.id == id)
                .unwrap_or_else(|| panic!("runbook starts `{id}`, not in the twin: {line}"));
            assert_eq!(component.name, name, "{line}");
            checked += 1;
        }

        // Lists of jobs and of endpoints name components by name.
        for lead in ["Load the scheduled jobs and monitors:", "Check every endpoint answers:"] {
            if let Some(list) = step.strip_prefix(lead) {
                let list = list.split(". ").next().unwrap_or_default();
                for name in list.split(", ") {
                    let name = name.trim().trim_end_matches('.');
                    assert!(names.contains(name), "runbook lists `{name}`, not in the twin");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 10, "only {checked} runbook mentions checked: has its wording changed?");
}

#[test]
fn the_summary_paragraph_names_components_of_the_twin() {
    let twin = twin();
    let names: BTreeSet<&str> = twin.components.iter().map(|c| c.name.as_str()).collect();
    let report = report();
    let paragraph = report.split("\n\n").nth(1).expect("a summary paragraph under the title");

    let between = |after: &str, before: &str| -> String {
        let start = paragraph
            .find(after)
            .unwrap_or_else(|| panic!("the summary lacks `{after}`: {paragraph}"))
            + after.len();
        let end = paragraph[start..].find(before).expect("end of the name") + start;
        paragraph[start..end].trim().to_string()
    };
    let riskiest = between("The biggest single risk is ", ", which alone takes ");
    let endpoint = between(", which alone takes ", " down");
    let exposed = between("The most exposed production endpoint, ", ", is expected");
    for name in [&riskiest, &endpoint, &exposed] {
        assert!(names.contains(name.as_str()), "the summary names `{name}`, not in the twin");
    }
}

/// Relative paths with a file name (`dir/file.ext`, `.name`) and an optional `:line`; not
/// globs, home-relative or absolute paths (those name places on the machine, not evidence).
fn citations(text: &str) -> Vec<(String, Option<usize>)> {
    words(text)
        .filter_map(|word| {
            let (path, line) = match word.rsplit_once(':') {
                Some((path, line)) if line.bytes().all(|b| b.is_ascii_digit()) => {
                    (path, Some(line.parse().ok()?))
                }
                _ => (word, None),
            };
            let file_name = path.rsplit('/').next()?;
            // A bare dot-file name (`.env`) is prose about a kind of file unless a line follows.
            let looks_like_file = path.contains('/') && file_name.contains('.')
                || path.starts_with('.') && !path.starts_with("..") && line.is_some();
            let relative = !path.starts_with(['/', '~', '$']) && !path.contains("://");
            let plain = path.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-/@".contains(&b));
            // The report's own charts are files of the output, not of the scanned tree.
            let own_chart = path.starts_with("charts/");
            (looks_like_file && relative && plain && !own_chart).then(|| (path.to_string(), line))
        })
        .collect()
}

fn check_citations(source: &str, text: &str, root: &Path) -> usize {
    let cited = citations(text);
    for (path, line) in &cited {
        let file = root.join(path);
        let content = fs::read(&file)
            .unwrap_or_else(|_| panic!("{source} cites `{path}`, not a file of the tree"));
        if let Some(line) = line {
            let lines =
                content.split(|&b| b == b'\n').count() - usize::from(content.ends_with(b"\n"));
            assert!(
                (1..=lines).contains(line),
                "{source} cites `{path}:{line}`, the file has {lines} lines"
            );
        }
    }
    cited.len()
}

#[test]
fn every_file_and_line_the_report_cites_exists_in_the_scanned_tree() {
    let root = example();
    let cited_md = check_citations("report.md", &report(), &root);
    assert!(cited_md >= 30, "report.md cites only {cited_md} files");

    // The HTML report, with its tags and entities out of the way.
    let html = fs::read_to_string(plan().out.join("report.html")).expect("report.html");
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text.replace("&amp;", "&").replace("&#64;", "@");
    let cited_html = check_citations("report.html", &text, &root);
    assert!(cited_html >= cited_md / 2, "report.html cites {cited_html}, report.md {cited_md}");

    // The check itself: a made-up line and a made-up file are caught.
    let result = std::panic::catch_unwind(|| {
        check_citations("probe", "see `scripts/backup.sh:99999`", &example())
    });
    assert!(result.is_err(), "a line past the end was not caught");
    let result = std::panic::catch_unwind(|| {
        check_citations("probe", "see `scripts/nothing-here.sh:1`", &example())
    });
    assert!(result.is_err(), "a missing file was not caught");
}
