//! The what-if chart: for each recommendation whose effect was measured, production downtime
//! a year before the change (the baseline) and after it, with the 95% interval of the paired
//! difference as whiskers on the after bar. Largest saving on top.

use plotters::backend::DrawingBackend;
use plotters::coord::Shift;
use plotters::prelude::DrawingArea;
use plotters::style::Color;
use plotters::style::text_anchor::{HPos, VPos};

use drtwin_sim::Results;

use super::{
    BarFrame, Hatch, INK, LEGEND_ROW, PALETTE, Swatch, bar_frame, empty_state, hatched_rect,
    legend, polyline, shorten, text, text_style, text_width,
};
use crate::document::{MeasuredFix, measured_fixes};
use crate::text::minutes;

const TOP: usize = 10;
const ROW: u32 = 46;
const WIDTH: u32 = 1200;
/// Room right of the plot for each row's figures, so no caption runs off the picture.
const CAPTION_COLUMN: u32 = 330;

pub fn size(results: &Results) -> (u32, u32) {
    let rows = measured_fixes(results).len().clamp(3, TOP) as u32;
    (WIDTH, 190 + rows * ROW + 3 * LEGEND_ROW as u32)
}

pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    results: &Results,
) -> Result<(), String> {
    let mut fixes: Vec<MeasuredFix<'_>> = measured_fixes(results);
    fixes.truncate(TOP);
    let rows = fixes.len().clamp(3, TOP);

    let values = fixes
        .iter()
        .flat_map(|fix| {
            [fix.baseline, fix.baseline + fix.effect.low, fix.baseline + fix.effect.high]
        })
        .filter(|value| value.is_finite());
    let high = values.fold(0.0, f64::max).max(1.0) * 1.05;

    let labels: Vec<String> = fixes
        .iter()
        .enumerate()
        .map(|(index, fix)| format!("{}. {}", index + 1, shorten(&fix.recommendation.text, 48)))
        .collect();
    let label_width =
        labels.iter().map(|label| text_width(root, label, 13)).max().unwrap_or(120).clamp(120, 420);
    let (plot, _) = root.split_vertically(130 + rows as u32 * ROW);
    let chart = bar_frame(
        &plot,
        &BarFrame {
            title,
            x_desc: "Production downtime (minutes per year)",
            y_desc: "Recommendation",
            x_range: 0.0..high,
            rows,
            label_width,
            right_margin: CAPTION_COLUMN,
        },
    )?;
    let area = chart.plotting_area();
    let map = |x: f64, y: f64| area.map_coordinate(&(x.clamp(0.0, high), y));
    let (left, top) = map(0.0, rows as f64);
    let (right, bottom) = map(high, 0.0);

    if fixes.is_empty() {
        empty_state(
            root,
            (left + 20, top + 10),
            (right - 20, bottom - 10),
            &[
                "No recommendation has a measured effect in these results.",
                "A recommendation is measured when it comes with a change the twin can apply;",
                "`drtwin plan` runs each such change against the baseline on the same random numbers.",
            ],
        )?;
    }

    let label_style = text_style(13, INK, HPos::Right, VPos::Center);
    let value_style = text_style(11, INK, HPos::Left, VPos::Center);
    for (index, fix) in fixes.iter().enumerate() {
        let center = rows as f64 - index as f64 - 0.5;

        // Before: the baseline, on top of the row; after: baseline plus the difference.
        let after = (fix.baseline + fix.effect.value).max(0.0);
        let (x0, y0) = map(0.0, center + 0.38);
        let (x1, y1) = map(fix.baseline, center + 0.02);
        hatched_rect(root, (x0, y0), (x1, y1), PALETTE[0], Hatch::Forward)?;
        let caption_x = right + 10;
        text(
            root,
            &format!("before {}", minutes(fix.baseline)),
            (caption_x, (y0 + y1) / 2),
            &value_style,
        )?;
        // The baseline's edge, dashed, so a small saving shows as a gap beside it.
        polyline(root, &[(x1, y0), (x1, y1 + (y1 - y0) + 4)], INK.stroke_width(1), &[4, 3])?;
        let (x0, y0) = map(0.0, center - 0.02);
        let (x1, y1) = map(after, center - 0.38);
        hatched_rect(root, (x0, y0), (x1, y1), PALETTE[1], Hatch::Cross)?;

        // Whiskers: the 95% interval of the paired difference, placed at the after bar.
        let whisker_low = (fix.baseline + fix.effect.low).max(0.0);
        let whisker_high = (fix.baseline + fix.effect.high).max(0.0);
        let (wl, wy) = map(whisker_low, center - 0.2);
        let (wh, _) = map(whisker_high, center - 0.2);
        let stroke = INK.stroke_width(2);
        polyline(root, &[(wl, wy), (wh, wy)], stroke, &[])?;
        polyline(root, &[(wl, wy - 6), (wl, wy + 6)], stroke, &[])?;
        polyline(root, &[(wh, wy - 6), (wh, wy + 6)], stroke, &[])?;

        let change = if fix.effect.value <= 0.0 {
            format!(
                "after {}: saves {} (95% CI {}–{})",
                minutes(after),
                minutes(-fix.effect.value),
                minutes(-fix.effect.high.min(0.0)),
                minutes(-fix.effect.low)
            )
        } else {
            format!("after {}: adds {}", minutes(after), minutes(fix.effect.value))
        };
        text(root, &change, (caption_x, wy), &value_style)?;
        let (_, y) = map(0.0, center);
        text(root, &labels[index], (left - 8, y), &label_style)?;
    }

    let entries = [
        (Swatch::Fill(PALETTE[0], Hatch::Forward), "Before: baseline as configured".to_string()),
        (Swatch::Fill(PALETTE[1], Hatch::Cross), "After the recommended change".to_string()),
        (
            Swatch::Stroke(INK, &[], 2),
            "Whisker: 95% confidence interval of the paired difference".to_string(),
        ),
    ];
    legend(root, (left, 130 + rows as i32 * ROW as i32 + 8), &entries)?;
    Ok(())
}
