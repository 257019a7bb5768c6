//! The SPOF ranking: horizontal bars of each component's yearly downtime contribution to an
//! endpoint, largest first, with the 95% interval as whiskers and the cut order as hatching.

use plotters::backend::DrawingBackend;
use plotters::coord::Shift;
use plotters::element::PathElement;
use plotters::prelude::DrawingArea;
use plotters::style::Color;
use plotters::style::text_anchor::{HPos, VPos};

use drtwin_model::Twin;
use drtwin_sim::Results;

use super::{
    BarFrame, Hatch, INK, LEGEND_ROW, OrDraw, PALETTE, Swatch, bar_frame, empty_state,
    hatched_rect, legend, shorten, text, text_style, text_width,
};
use crate::document::ranked_spof;
use crate::text::{minutes, name_of};

const TOP: usize = 12;
const ROW: u32 = 34;
const WIDTH: u32 = 1100;

pub fn size(twin: &Twin, results: &Results) -> (u32, u32) {
    let rows = ranked_spof(twin, results).len().clamp(3, TOP) as u32;
    (WIDTH, 190 + rows * ROW + 4 * LEGEND_ROW as u32)
}

pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    twin: &Twin,
    results: &Results,
) -> Result<(), String> {
    let entries: Vec<_> = ranked_spof(twin, results).into_iter().take(TOP).collect();
    let rows = entries.len().clamp(3, TOP);
    let labels: Vec<String> = entries
        .iter()
        .map(|entry| {
            shorten(
                &format!(
                    "{} → {}",
                    name_of(twin, &entry.component),
                    name_of(twin, &entry.endpoint)
                ),
                58,
            )
        })
        .collect();
    let label_width =
        labels.iter().map(|label| text_width(root, label, 13)).max().unwrap_or(100).clamp(100, 460);
    let high = entries
        .iter()
        .map(|entry| {
            entry.downtime_minutes_per_year.high.max(entry.downtime_minutes_per_year.value)
        })
        .filter(|value| value.is_finite())
        .fold(1.0, f64::max)
        * 1.15;

    let (plot, _) = root.split_vertically(130 + rows as u32 * ROW);
    let chart = bar_frame(
        &plot,
        &BarFrame {
            title,
            x_desc: "Downtime contribution (minutes per year)",
            y_desc: "Component → endpoint",
            x_range: 0.0..high,
            rows,
            label_width,
            right_margin: 16,
        },
    )?;
    let area = chart.plotting_area();
    let map = |x: f64, y: f64| area.map_coordinate(&(x.clamp(0.0, high), y));

    if entries.is_empty() {
        let (x0, y0) = map(0.0, rows as f64);
        let (x1, y1) = map(high, 0.0);
        empty_state(
            root,
            (x0 + 20, y0 + 10),
            (x1 - 20, y1 - 10),
            &["These results rank no component."],
        )?;
    }

    let label_style = text_style(13, INK, HPos::Right, VPos::Center);
    let value_style = text_style(12, INK, HPos::Left, VPos::Center);
    for (index, entry) in entries.iter().enumerate() {
        let center = rows as f64 - index as f64 - 0.5;
        let estimate = &entry.downtime_minutes_per_year;
        let (color, hatch) = cut_style(entry.cut_order);
        let (x0, y0) = map(0.0, center + 0.32);
        let (x1, y1) = map(estimate.value.max(0.0), center - 0.32);
        hatched_rect(root, (x0, y0), (x1, y1), color, hatch)?;

        // Whisker for the 95% interval.
        let (_, y) = map(0.0, center);
        let (wl, _) = map(estimate.low.max(0.0), center);
        let (wh, _) = map(if estimate.high.is_finite() { estimate.high } else { high }, center);
        let stroke = INK.stroke_width(2);
        root.draw(&PathElement::new(vec![(wl, y), (wh, y)], stroke)).or_draw()?;
        for x in [wl, wh] {
            root.draw(&PathElement::new(vec![(x, y - 6), (x, y + 6)], stroke)).or_draw()?;
        }
        text(root, &labels[index], (x0 - 8, y), &label_style)?;
        text(root, &format!("{}/yr", minutes(estimate.value)), (wh.max(x1) + 6, y), &value_style)?;
    }

    let (left, _) = map(0.0, 0.0);
    let entries = [
        (
            Swatch::Fill(cut_style(Some(1)).0, cut_style(Some(1)).1),
            "Cut order 1: takes the endpoint down alone".to_string(),
        ),
        (
            Swatch::Fill(cut_style(Some(2)).0, cut_style(Some(2)).1),
            "Cut order 2: together with one other component".to_string(),
        ),
        (
            Swatch::Fill(cut_style(None).0, cut_style(None).1),
            "No cut set of order 1 or 2".to_string(),
        ),
        (Swatch::Stroke(INK, &[], 2), "Whisker: 95% confidence interval".to_string()),
    ];
    legend(root, (left, 130 + rows as i32 * ROW as i32 + 8), &entries)?;
    Ok(())
}

fn cut_style(order: Option<u8>) -> (plotters::style::RGBColor, Hatch) {
    match order {
        Some(1) => (PALETTE[1], Hatch::Cross),
        Some(2) => (PALETTE[0], Hatch::Forward),
        _ => (PALETTE[2], Hatch::Dots),
    }
}
