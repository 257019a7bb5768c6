//! Renders the plan for a hand-built twin and checks what a reader relies on: ten
//! five-field scenario blocks, charts with unit-bearing axis titles and one legend entry
//! per scenario, an HTML page that fetches nothing, and PNGs that decode and show ink.

mod common;

use drtwin_sim::Family;
use drtwin_viz::{Artifact, graph_dot, graph_mermaid, render_plan, report_html, report_markdown};

fn plan() -> Vec<Artifact> {
    let twin = common::twin();
    let results = common::results(&twin);
    render_plan(&twin, &results).expect("the plan renders")
}

fn text_of<'a>(artifacts: &'a [Artifact], path: &str) -> &'a str {
    let artifact = artifacts
        .iter()
        .find(|artifact| artifact.path == path)
        .unwrap_or_else(|| panic!("no artifact `{path}`"));
    std::str::from_utf8(&artifact.bytes).expect("utf-8")
}

#[test]
fn markdown_has_ten_five_field_blocks_in_family_order() {
    let twin = common::twin();
    let results = common::results(&twin);
    let report = report_markdown(&twin, &results);
    let labels =
        ["SCENARIO:", "CURRENT BEHAVIOR:", "RECOVERY TIME:", "RISK LEVEL:", "RECOMMENDATION:"];

    let lines: Vec<&str> = report.lines().collect();
    let starts: Vec<usize> =
        (0..lines.len()).filter(|&i| lines[i].starts_with("SCENARIO:")).collect();
    assert_eq!(starts.len(), 10, "one block per family");

    let mut titles = Vec::new();
    for start in starts {
        // The five labels appear in order, each at the start of a line.
        let mut found = Vec::new();
        for line in &lines[start..] {
            if let Some(label) = labels.iter().find(|label| line.starts_with(**label)) {
                found.push((*label, *line));
            }
            if found.len() == 5 {
                break;
            }
        }
        assert_eq!(found.iter().map(|(label, _)| *label).collect::<Vec<_>>(), labels);

        let recovery = found[2].1;
        assert!(
            recovery.split_whitespace().any(|word| word.parse::<f64>().is_ok())
                && [" s", " min", " h", " d"].iter().any(|unit| recovery.contains(unit)),
            "RECOVERY TIME needs a number with a unit: {recovery}"
        );
        let risk = found[3].1.trim_start_matches("RISK LEVEL:").trim();
        assert!(
            ["CRITICAL", "HIGH", "MEDIUM", "LOW"].iter().any(|level| risk.starts_with(level)),
            "{risk}"
        );
        titles.push(found[0].1.trim_start_matches("SCENARIO:").trim().to_string());
    }

    // The most severe scenario of each family leads its block, in Family::ALL order.
    let expected: Vec<&str> = Family::ALL
        .iter()
        .map(|family| {
            common::SCENARIOS
                .iter()
                .filter(|(f, ..)| f == family)
                .max_by_key(|(_, _, _, risk)| *risk)
                .map(|(_, title, ..)| *title)
                .unwrap()
        })
        .collect();
    assert_eq!(titles, expected);
}

#[test]
fn markdown_cites_evidence_and_prints_no_secrets_or_bad_numbers() {
    let twin = common::twin();
    let results = common::results(&twin);
    let report = report_markdown(&twin, &results);
    assert!(report.contains("Library/LaunchAgents/com.example.portal.plist:12"));
    assert!(report.contains("apps/gigi/voice_brain.py:88"), "finding evidence");
    assert!(report.contains('∞'), "infinite RRW prints as ∞");
    for bad in ["NaN", " inf ", "| inf", "DATABASE_URL"] {
        assert!(!report.contains(bad), "report contains {bad:?}");
    }
    assert!(!report.contains("ghost:component"), "components outside the twin are left out");
    assert!(
        report.contains("`postgresql@16`") && report.contains("`cloudflared`"),
        "runbook installs"
    );
    // Database before the applications, the tunnel last.
    let database = report.find("Start PostgreSQL 16").unwrap();
    let portal = report.find("Start portal ").unwrap();
    let tunnel = report.find("Start cloudflared").unwrap();
    assert!(database < portal && portal < tunnel);
    assert!(report.contains(&twin.fingerprint()));
}

#[test]
fn recovery_charts_name_every_scenario_and_label_axes_with_units() {
    let artifacts = plan();
    let overview = text_of(&artifacts, "charts/recovery-times.svg");
    assert!(overview.contains("Recovery time (minutes, log scale)"));
    assert!(overview.contains("Fraction of trials recovered"));

    // More than eight scenarios: the overview holds each family's most severe, and every
    // scenario appears in its family's chart under its exact (escaped) title.
    for (family, title, ..) in common::SCENARIOS {
        let escaped = title.replace('&', "&amp;");
        let name = format!("charts/recovery-{}.svg", slug(family.title()));
        let chart = text_of(&artifacts, &name);
        assert_eq!(
            svg_texts(chart).iter().filter(|text| **text == escaped).count(),
            1,
            "{title} in {name}"
        );
    }
    let family_chart = text_of(&artifacts, "charts/recovery-service-crash-recovery.svg");
    assert!(family_chart.matches("<polyline").count() >= 2, "one line per scenario");
}

/// The contents of an SVG's `<text>` elements, trimmed.
fn svg_texts(svg: &str) -> Vec<&str> {
    svg.split("<text")
        .skip(1)
        .filter_map(|rest| {
            let start = rest.find('>')? + 1;
            let end = rest.find("</text>")?;
            Some(rest[start..end].trim())
        })
        .collect()
}

fn slug(text: &str) -> String {
    text.to_lowercase().replace(' ', "-")
}

#[test]
fn every_chart_exists_as_svg_and_png_with_ink() {
    let artifacts = plan();
    let names = [
        "recovery-times",
        "spof-ranking",
        "downtime-by-cause",
        "schedule",
        "schedule-dst-2025-03-09",
        "dependency-graph",
        "sensitivity",
        "whatif",
    ];
    for name in names {
        let svg = text_of(&artifacts, &format!("charts/{name}.svg"));
        assert!(svg.starts_with("<svg") || svg.contains("<svg"), "{name}");
        let png = artifacts
            .iter()
            .find(|artifact| artifact.path == format!("charts/{name}.png"))
            .unwrap_or_else(|| panic!("no png for {name}"));
        let decoder = png::Decoder::new(png.bytes.as_slice());
        let mut reader = decoder.read_info().expect("png header");
        let mut pixels = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut pixels).expect("png frame");
        assert!(info.width >= 600 && info.height >= 300, "{name}");
        let channels = info.color_type.samples();
        let ink = pixels[..info.buffer_size()]
            .chunks(channels)
            .filter(|p| p.iter().take(3).any(|&c| c < 128))
            .count();
        assert!(ink > 2000, "{name} has only {ink} dark pixels");
    }
    for (name, unit) in [
        ("spof-ranking", "(minutes per year)"),
        ("downtime-by-cause", "(minutes per year)"),
        ("schedule", "(hours, local time"),
        ("sensitivity", "(minutes per year)"),
        ("whatif", "(minutes per year)"),
    ] {
        assert!(text_of(&artifacts, &format!("charts/{name}.svg")).contains(unit), "{name}");
    }
}

#[test]
fn sensitivity_chart_explains_itself_when_empty() {
    let twin = common::twin();
    let mut results = common::results(&twin);
    results.sensitivity.clear();
    let artifacts = drtwin_viz::render_charts(&twin, &results).unwrap();
    assert!(text_of(&artifacts, "charts/sensitivity.svg").contains("No sensitivity analysis"));
}

#[test]
fn whatif_chart_has_unit_axis_and_one_bar_pair_per_measured_recommendation() {
    let artifacts = plan();
    let svg = text_of(&artifacts, "charts/whatif.svg");
    let texts = svg_texts(svg);
    assert!(texts.contains(&"Production downtime (minutes per year)"), "x axis title");
    assert!(texts.contains(&"Recommendation"), "y axis title");

    // Each measured recommendation gets a before bar, an after bar and one caption each;
    // the unmeasured ones get nothing.
    let measured = common::measured_recommendations();
    assert!(measured >= 2 && measured < common::SCENARIOS.len());
    let before = texts.iter().filter(|text| text.starts_with("before ")).count();
    let after = texts.iter().filter(|text| text.starts_with("after ")).count();
    assert_eq!((before, after), (measured, measured));
    let rows = texts.iter().filter(|text| text.contains("Fix number")).count();
    assert_eq!(rows, measured);

    // Largest saving first: the last scenario's fix saves most and leads the chart.
    let first_row = texts.iter().find(|text| text.contains("Fix number")).unwrap();
    assert!(first_row.starts_with("1. Fix number 12"), "{first_row}");
}

#[test]
fn whatif_chart_explains_itself_when_nothing_was_measured() {
    let twin = common::twin();
    let mut results = common::results(&twin);
    for scenario in &mut results.scenarios {
        for recommendation in &mut scenario.recommendations {
            recommendation.effect_minutes_per_year = None;
        }
    }
    let artifacts = drtwin_viz::render_charts(&twin, &results).unwrap();
    let svg = text_of(&artifacts, "charts/whatif.svg");
    assert!(svg.contains("No recommendation has a measured effect"));
    assert!(!svg_texts(svg).iter().any(|text| text.starts_with("after ")));
    let report = report_markdown(&twin, &results);
    assert!(report.contains("No recommendation of this run has a measured saving yet"));
}

#[test]
fn report_has_the_policy_table_and_the_fix_first_list() {
    let twin = common::twin();
    let results = common::results(&twin);
    let report = report_markdown(&twin, &results);

    // One row per class, each with a verdict on RTO and RPO.
    assert!(report.contains("## Does the twin meet the DR policy?"));
    assert!(report.contains("| Class | Target RTO | Recovery p90 | RTO | Target RPO |"));
    for class in ["Process", "Database", "Network", "Host loss"] {
        let row = report
            .lines()
            .find(|line| line.starts_with(&format!("| {class} |")))
            .unwrap_or_else(|| panic!("no policy row for {class}"));
        assert!(row.contains("met") || row.contains("not assessed"), "{row}");
    }
    // The builder's machine loss takes 2 d at the median and a 3 d target; its p90 is past it.
    let host = report.lines().find(|line| line.starts_with("| Host loss |")).unwrap();
    assert!(host.contains("| 3 d |"), "{host}");

    // Up to five distinct fixes, largest saving first, each naming its file and line.
    let start = report.find("## What to fix first").expect("fix-first heading");
    let section = &report[start..];
    let items: Vec<&str> = section
        .lines()
        .take_while(|line| !line.starts_with("## Endpoints"))
        .filter(|line| line.starts_with(|c: char| c.is_ascii_digit()) && line.contains(". Saves"))
        .collect();
    assert_eq!(items.len(), 5, "{section}");
    assert!(items[0].starts_with("1. Saves **91 min**"), "{}", items[0]);
    assert!(items[0].contains("95% CI"), "{}", items[0]);
    assert!(
        items[0].contains("Change: `Library/LaunchAgents/com.example.portal.plist:15`"),
        "{}",
        items[0]
    );
    let savings: Vec<&str> = items.iter().map(|item| item.split("**").nth(1).unwrap()).collect();
    assert_eq!(savings, ["91 min", "77 min", "70 min", "56 min", "49 min"]);
    assert!(section.contains("charts/whatif.svg"), "the chart sits with the list");
}

#[test]
fn html_is_self_contained() {
    let artifacts = plan();
    let html = text_of(&artifacts, "report.html");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<script"));
    let lower = html.to_lowercase();
    for attribute in ["src=", "href=", "url("] {
        for (position, _) in lower.match_indices(attribute) {
            let after = &lower[position..(position + 40).min(lower.len())];
            assert!(!after.contains("http"), "remote reference: {after}");
        }
    }
    assert!(!lower.contains("http://") && !lower.contains("https://"));
    assert!(html.matches("<svg").count() >= 7, "charts inline");
    assert_eq!(html.matches("class=\"label\">SCENARIO:").count(), 10);
}

#[test]
fn html_without_charts_still_renders() {
    let twin = common::twin();
    let results = common::results(&twin);
    let html = report_html(&twin, &results, &[]);
    assert!(!html.contains("<svg") && html.contains("RECOVERY TIME:"));
}

#[test]
fn graph_exports_name_every_component() {
    let twin = common::twin();
    let dot = graph_dot(&twin);
    let mermaid = graph_mermaid(&twin);
    assert!(dot.starts_with("digraph") && mermaid.starts_with("flowchart LR"));
    for component in &twin.components {
        assert!(dot.contains(&format!("\"{}\"", component.id)), "{}", component.id);
        assert!(mermaid.contains(&component.name), "{}", component.name);
    }
    assert_eq!(dot.matches(" -> ").count(), twin.dependencies.len());
}

#[test]
fn rendering_is_deterministic() {
    assert_eq!(plan(), plan());
}

/// Writes the plan to `DRTWIN_VIZ_DUMP` when set, for looking at the charts by eye.
#[test]
fn dump_when_asked() {
    let Some(folder) = std::env::var_os("DRTWIN_VIZ_DUMP") else {
        return;
    };
    let folder = std::path::PathBuf::from(folder);
    for artifact in plan() {
        let path = folder.join(&artifact.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &artifact.bytes).unwrap();
    }
}

#[test]
fn a_requested_failure_stands_apart_from_the_families() {
    let twin = common::twin();
    let mut results = common::results(&twin);
    let mut requested = results.scenarios[0].clone();
    requested.id = "inject/host/os-update-reboot@12:00".into();
    requested.title = "macmini restarts for an OS update at 12:00 (injected)".into();
    requested.risk = drtwin_model::RiskLevel::Critical;
    requested.requested = true;
    results.scenarios.insert(0, requested);

    let report = report_markdown(&twin, &results);
    let asked = report.find("## The failure you asked about").expect("its own section");
    let policy = report.find("## Does the twin meet the DR policy?").expect("policy section");
    assert!(asked < policy, "the requested failure comes right after the summary");
    // Its five fields appear once, in its own section; the families are as before.
    assert_eq!(report.matches("SCENARIO: macmini restarts for an OS update at 12:00").count(), 1);
    assert_eq!(report.matches("\nSCENARIO:").count(), 11, "ten families and the request");
    let summary = report.lines().find(|line| line.starts_with("drtwin read")).expect("summary");
    assert!(!summary.contains("(injected)"), "{summary}");
}

#[test]
fn the_spof_table_has_one_row_per_component_naming_the_other_endpoints() {
    let twin = common::twin();
    let mut results = common::results(&twin);
    let mut on_bot = results.spof[0].clone();
    assert_eq!(on_bot.component, "host");
    on_bot.endpoint = "endpoint:bot".into();
    on_bot.downtime_minutes_per_year.value /= 2.0;
    results.spof.push(on_bot);

    let report = report_markdown(&twin, &results);
    let section = &report[report.find("## Single points of failure").expect("section")..];
    let host = twin.component("host").map(|c| c.name.clone()).expect("host");
    let rows: Vec<&str> = section
        .lines()
        .take_while(|line| !line.starts_with("## ") || line.starts_with("## Single"))
        .filter(|line| line.starts_with("| ") && line.contains(&format!("| {host} |")))
        .collect();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let bot = twin.component("endpoint:bot").map(|c| c.name.clone()).expect("bot endpoint");
    assert!(rows[0].trim_end_matches(" |").ends_with(&bot), "{}", rows[0]);
}
