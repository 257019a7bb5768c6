//! Recovery-time CDFs: one line per scenario on a log time axis in minutes, with each
//! scenario's p50, p90 and p99 marked and named in a legend below the plot using the exact
//! scenario titles of the report.

use plotters::backend::DrawingBackend;
use plotters::coord::Shift;
use plotters::prelude::{ChartBuilder, DrawingArea, IntoLogRange};
use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::{Color, IntoFont};

use drtwin_sim::{Family, Results, ScenarioResult};

use super::{
    ChartKind, FONT, GRID, INK, LEGEND_ROW, OrDraw, Swatch, empty_state, legend, marker, polyline,
    series_style, text, text_style,
};
use crate::document::family_scenarios;

const PLOT_HEIGHT: u32 = 520;
const WIDTH: u32 = 1100;

/// The scenarios a recovery chart shows: all of them when few, else the most severe of each
/// family for the overview, or one family's.
pub fn series<'a>(results: &'a Results, kind: &ChartKind) -> Vec<&'a ScenarioResult> {
    match kind {
        ChartKind::RecoveryFamily(family) => family_scenarios(results, *family),
        _ if results.scenarios.len() <= super::OVERVIEW_LIMIT => {
            Family::ALL.iter().flat_map(|family| family_scenarios(results, *family)).collect()
        }
        _ => Family::ALL
            .iter()
            .filter_map(|family| family_scenarios(results, *family).first().copied())
            .collect(),
    }
}

pub fn size(scenarios: &[&ScenarioResult]) -> (u32, u32) {
    (WIDTH, PLOT_HEIGHT + 50 + (scenarios.len() as u32 + 1) * LEGEND_ROW as u32)
}

pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    scenarios: &[&ScenarioResult],
) -> Result<(), String> {
    let (plot, _) = root.split_vertically(PLOT_HEIGHT);

    // The time range in minutes, to whole decades.
    let minutes: Vec<f64> = scenarios
        .iter()
        .flat_map(|scenario| scenario.recovery_time.cdf.iter().map(|(seconds, _)| seconds / 60.0))
        .filter(|value| value.is_finite() && *value > 0.0)
        .collect();
    let floor = 0.01;
    let low = minutes.iter().copied().fold(f64::INFINITY, f64::min).max(floor);
    let high = minutes.iter().copied().fold(0.0, f64::max);
    let (low, high) = if minutes.is_empty() {
        (0.1, 1000.0)
    } else {
        (10f64.powf(low.log10().floor()), 10f64.powf((high.log10() + 1e-9).ceil()).max(low * 10.0))
    };

    let mut chart = ChartBuilder::on(&plot)
        .caption(title, (FONT, 20).into_font())
        .margin(16)
        .x_label_area_size(52)
        .y_label_area_size(72)
        .build_cartesian_2d((low..high).log_scale(), 0.0..1.0)
        .or_draw()?;
    chart
        .configure_mesh()
        .x_desc("Recovery time (minutes, log scale)")
        .y_desc("Fraction of trials recovered (cumulative probability)")
        .x_label_formatter(&|value| axis_minutes(*value))
        .y_label_formatter(&|value| format!("{value:.1}"))
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 14))
        .light_line_style(GRID.mix(0.3))
        .bold_line_style(GRID.mix(0.8))
        .draw()
        .or_draw()?;
    let area = chart.plotting_area();
    let map = |x: f64, y: f64| area.map_coordinate(&(x.clamp(low, high), y));
    let (left, top) = map(low, 1.0);
    let (right, bottom) = map(high, 0.0);

    // Reference lines at the three quantiles.
    let reference = text_style(12, INK, HPos::Right, VPos::Bottom);
    for (probability, label) in [(0.5, "p50"), (0.9, "p90"), (0.99, "p99")] {
        let (_, y) = map(low, probability);
        polyline(root, &[(left, y), (right, y)], GRID.stroke_width(1), &[4, 4])?;
        text(root, label, (right - 4, y - 1), &reference)?;
    }

    if scenarios.iter().all(|scenario| scenario.recovery_time.cdf.is_empty()) {
        empty_state(
            root,
            (left + 40, top + 120),
            (right - 40, bottom - 120),
            &["No recovery-time samples in these results."],
        )?;
    }

    // One line per scenario, then its quantile markers.
    let mut entries = Vec::new();
    for (index, scenario) in scenarios.iter().enumerate() {
        let style = series_style(index);
        let points: Vec<(i32, i32)> = scenario
            .recovery_time
            .cdf
            .iter()
            .filter(|(seconds, probability)| seconds.is_finite() && probability.is_finite())
            .map(|(seconds, probability)| map((seconds / 60.0).max(floor), *probability))
            .collect();
        polyline(root, &points, style.color.stroke_width(2), style.dash)?;
        let recovery = &scenario.recovery_time;
        if !recovery.cdf.is_empty() {
            for (estimate, probability) in
                [(&recovery.p50, 0.5), (&recovery.p90, 0.9), (&recovery.p99, 0.99)]
            {
                marker(
                    root,
                    map((estimate.value / 60.0).max(floor), probability),
                    style.marker,
                    style.color,
                    5,
                )?;
            }
        }
        let mut label = scenario.title.clone();
        if recovery.cdf.is_empty() {
            label.push_str(" (no samples)");
        }
        entries.push((Swatch::Line(style), label));
    }
    let note = text_style(13, INK, HPos::Left, VPos::Center);
    let legend_top = PLOT_HEIGHT as i32 + 8;
    text(
        root,
        "Markers on each line: the scenario's p50, p90 and p99 recovery time.",
        (left, legend_top + LEGEND_ROW / 2),
        &note,
    )?;
    legend(root, (left, legend_top + LEGEND_ROW), &entries)?;
    Ok(())
}

/// Axis labels in minutes without trailing zeros: `0.1`, `1`, `10`, `1000`.
fn axis_minutes(value: f64) -> String {
    if value >= 1.0 {
        format!("{value:.0}")
    } else {
        let text = format!("{value:.3}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}
