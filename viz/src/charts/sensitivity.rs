//! The tornado chart: for each assumption, production downtime at its low and its high
//! value, widest swing on top, around the baseline.

use plotters::backend::DrawingBackend;
use plotters::coord::Shift;
use plotters::prelude::DrawingArea;
use plotters::style::Color;
use plotters::style::text_anchor::{HPos, VPos};

use drtwin_model::Tier;
use drtwin_sim::{Results, Sensitivity};

use super::{
    BarFrame, Hatch, INK, LEGEND_ROW, PALETTE, Swatch, bar_frame, empty_state, hatched_rect,
    legend, polyline, shorten, text, text_style, text_width,
};
use crate::text::minutes;

const TOP: usize = 12;
const ROW: u32 = 34;
const WIDTH: u32 = 1100;

pub fn size(results: &Results) -> (u32, u32) {
    let rows = results.sensitivity.len().clamp(4, TOP) as u32;
    (WIDTH, 190 + rows * ROW + 3 * LEGEND_ROW as u32)
}

fn swing(sensitivity: &Sensitivity) -> f64 {
    (sensitivity.minutes_at_high - sensitivity.minutes_at_low).abs()
}

pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    results: &Results,
) -> Result<(), String> {
    let mut ranked: Vec<&Sensitivity> = results.sensitivity.iter().collect();
    ranked.sort_by(|a, b| {
        swing(b).total_cmp(&swing(a)).then_with(|| a.assumption.cmp(&b.assumption))
    });
    ranked.truncate(TOP);
    let rows = ranked.len().clamp(4, TOP);

    // Each row carries the baseline its own runs measured; older results lack it, and then
    // the production endpoints' expected downtime stands in.
    let baseline: f64 = match ranked.first() {
        Some(row) if row.minutes_at_baseline > 0.0 => row.minutes_at_baseline,
        _ => results
            .endpoints
            .iter()
            .filter(|endpoint| endpoint.tier == Tier::Production)
            .map(|endpoint| endpoint.downtime_minutes_per_year.value)
            .sum(),
    };
    let values = ranked
        .iter()
        .flat_map(|s| [s.minutes_at_low, s.minutes_at_high])
        .chain([baseline])
        .filter(|value| value.is_finite());
    let low = values.clone().fold(f64::INFINITY, f64::min).min(0.0);
    let high = values.fold(0.0, f64::max).max(1.0) * 1.15;

    let labels: Vec<String> = ranked.iter().map(|s| shorten(&s.assumption, 44)).collect();
    let label_width =
        labels.iter().map(|label| text_width(root, label, 13)).max().unwrap_or(120).clamp(120, 400);
    let (plot, _) = root.split_vertically(130 + rows as u32 * ROW);
    let chart = bar_frame(
        &plot,
        &BarFrame {
            title,
            x_desc: "Production downtime (minutes per year)",
            y_desc: "Assumption",
            x_range: low..high,
            rows,
            label_width,
            right_margin: 16,
        },
    )?;
    let area = chart.plotting_area();
    let map = |x: f64, y: f64| area.map_coordinate(&(x.clamp(low, high), y));
    let (left, top) = map(low, rows as f64);
    let (right, bottom) = map(high, 0.0);

    if ranked.is_empty() {
        empty_state(
            root,
            (left + 20, top + 10),
            (right - 20, bottom - 10),
            &[
                "No sensitivity analysis in these results.",
                "This run varied no assumption, so none can be ranked;",
                "the simulator fills this chart when it runs each assumption at a low and a high value.",
            ],
        )?;
    }

    let label_style = text_style(13, INK, HPos::Right, VPos::Center);
    let value_left = text_style(11, INK, HPos::Right, VPos::Center);
    let value_right = text_style(11, INK, HPos::Left, VPos::Center);
    for (index, sensitivity) in ranked.iter().enumerate() {
        let center = rows as f64 - index as f64 - 0.5;
        for (value, label, color, hatch) in [
            (sensitivity.minutes_at_low, &sensitivity.low_value, PALETTE[0], Hatch::Forward),
            (sensitivity.minutes_at_high, &sensitivity.high_value, PALETTE[1], Hatch::Backward),
        ] {
            if !value.is_finite() {
                continue;
            }
            let (x0, y0) = map(baseline, center + 0.3);
            let (x1, y1) = map(value, center - 0.3);
            hatched_rect(root, (x0, y0), (x1, y1), color, hatch)?;
            let (_, y) = map(0.0, center);
            let caption = format!("{label}: {}", minutes(value));
            if value < baseline {
                text(root, &caption, (x1 - 4, y), &value_left)?;
            } else {
                text(root, &caption, (x1 + 4, y), &value_right)?;
            }
        }
        let (_, y) = map(0.0, center);
        text(root, &labels[index], (left - 8, y), &label_style)?;
    }
    let (x, _) = map(baseline, 0.0);
    polyline(root, &[(x, top), (x, bottom)], INK.stroke_width(2), &[6, 3])?;

    let entries = [
        (Swatch::Fill(PALETTE[0], Hatch::Forward), "Assumption at its low value".to_string()),
        (Swatch::Fill(PALETTE[1], Hatch::Backward), "Assumption at its high value".to_string()),
        (
            Swatch::Stroke(INK, &[6, 3], 2),
            format!("Baseline: {} a year of production downtime", minutes(baseline)),
        ),
    ];
    legend(root, (left, 130 + rows as i32 * ROW as i32 + 8), &entries)?;
    Ok(())
}
