//! Expected yearly downtime per endpoint as horizontal stacked bars, one segment per cause
//! (the component whose failure started the outage), with the endpoint total's 95%
//! interval as a whisker. Causes beyond the seven largest are pooled as "other causes".

use std::collections::BTreeMap;

use plotters::backend::DrawingBackend;
use plotters::coord::Shift;
use plotters::element::PathElement;
use plotters::prelude::DrawingArea;
use plotters::style::Color;
use plotters::style::text_anchor::{HPos, VPos};

use drtwin_model::Twin;
use drtwin_sim::Results;

use super::{
    BarFrame, INK, LEGEND_ROW, OrDraw, Swatch, bar_frame, empty_state, fill_style, hatched_rect,
    legend, shorten, text, text_style, text_width,
};
use crate::text::{minutes, name_of};

const CAUSES: usize = 7;
const ROW: u32 = 40;
const WIDTH: u32 = 1100;

pub fn size(results: &Results) -> (u32, u32) {
    let rows = results.endpoints.len().max(2) as u32;
    (WIDTH, 190 + rows * ROW + (CAUSES as u32 + 2) * LEGEND_ROW as u32)
}

pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    twin: &Twin,
    results: &Results,
) -> Result<(), String> {
    let endpoints = &results.endpoints;
    let rows = endpoints.len().max(2);

    // The largest causes overall get their own segment.
    let mut totals: BTreeMap<&str, f64> = BTreeMap::new();
    for endpoint in endpoints {
        for (cause, value) in &endpoint.downtime_by_cause {
            *totals.entry(cause.as_str()).or_default() += value.max(0.0);
        }
    }
    let mut causes: Vec<(&str, f64)> = totals.into_iter().collect();
    causes.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let named: Vec<&str> = causes.iter().take(CAUSES).map(|(cause, _)| *cause).collect();
    let pooled = causes.len() > CAUSES;

    let high = endpoints
        .iter()
        .map(|endpoint| {
            let sum: f64 = endpoint.downtime_by_cause.iter().map(|(_, v)| v.max(0.0)).sum();
            sum.max(endpoint.downtime_minutes_per_year.high)
        })
        .filter(|value| value.is_finite())
        .fold(1.0, f64::max)
        * 1.15;
    let labels: Vec<String> =
        endpoints.iter().map(|endpoint| shorten(&endpoint.name, 40)).collect();
    let label_width =
        labels.iter().map(|label| text_width(root, label, 13)).max().unwrap_or(100).clamp(100, 360);

    let (plot, _) = root.split_vertically(130 + rows as u32 * ROW);
    let chart = bar_frame(
        &plot,
        &BarFrame {
            title,
            x_desc: "Expected downtime (minutes per year)",
            y_desc: "Endpoint",
            x_range: 0.0..high,
            rows,
            label_width,
            right_margin: 16,
        },
    )?;
    let area = chart.plotting_area();
    let map = |x: f64, y: f64| area.map_coordinate(&(x.clamp(0.0, high), y));

    if endpoints.is_empty() {
        let (x0, y0) = map(0.0, rows as f64);
        let (x1, y1) = map(high, 0.0);
        empty_state(
            root,
            (x0 + 20, y0 + 10),
            (x1 - 20, y1 - 10),
            &["These results hold no endpoint."],
        )?;
    }

    let label_style = text_style(13, INK, HPos::Right, VPos::Center);
    let value_style = text_style(12, INK, HPos::Left, VPos::Center);
    for (index, endpoint) in endpoints.iter().enumerate() {
        let center = rows as f64 - index as f64 - 0.5;
        let mut segments: Vec<(usize, f64)> = named
            .iter()
            .enumerate()
            .map(|(slot, cause)| {
                let value: f64 = endpoint
                    .downtime_by_cause
                    .iter()
                    .filter(|(id, _)| id == cause)
                    .map(|(_, v)| v.max(0.0))
                    .sum();
                (slot, value)
            })
            .collect();
        let other: f64 = endpoint
            .downtime_by_cause
            .iter()
            .filter(|(id, _)| !named.contains(&id.as_str()))
            .map(|(_, v)| v.max(0.0))
            .sum();
        segments.push((CAUSES, other));

        let mut start = 0.0;
        for (slot, value) in segments {
            if value <= 0.0 || !value.is_finite() {
                continue;
            }
            let (color, hatch) = fill_style(slot);
            let (x0, y0) = map(start, center + 0.3);
            let (x1, y1) = map(start + value, center - 0.3);
            hatched_rect(root, (x0, y0), (x1, y1), color, hatch)?;
            start += value;
        }

        let estimate = &endpoint.downtime_minutes_per_year;
        let (_, y) = map(0.0, center);
        let (wl, _) = map(estimate.low.max(0.0), center);
        let (wh, _) = map(if estimate.high.is_finite() { estimate.high } else { high }, center);
        let stroke = INK.stroke_width(2);
        root.draw(&PathElement::new(vec![(wl, y), (wh, y)], stroke)).or_draw()?;
        for x in [wl, wh] {
            root.draw(&PathElement::new(vec![(x, y - 6), (x, y + 6)], stroke)).or_draw()?;
        }
        let (x0, _) = map(0.0, center);
        let (end, _) = map(start, center);
        text(root, &labels[index], (x0 - 8, y), &label_style)?;
        text(root, &format!("{}/yr", minutes(estimate.value)), (end.max(wh) + 6, y), &value_style)?;
    }

    let mut entries: Vec<(Swatch, String)> = named
        .iter()
        .enumerate()
        .map(|(slot, cause)| {
            let (color, hatch) = fill_style(slot);
            (Swatch::Fill(color, hatch), name_of(twin, cause).to_string())
        })
        .collect();
    if pooled {
        let (color, hatch) = fill_style(CAUSES);
        entries.push((Swatch::Fill(color, hatch), "other causes".into()));
    }
    entries.push((
        Swatch::Stroke(INK, &[], 2),
        "Whisker: 95% confidence interval of the total".into(),
    ));
    let (left, _) = map(0.0, 0.0);
    legend(root, (left, 130 + rows as i32 * ROW as i32 + 8), &entries)?;
    Ok(())
}
