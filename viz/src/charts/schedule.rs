//! The day's schedule as a Gantt chart: one row per job, each run drawn from its start as a
//! solid bar to its 10th-percentile end and a hatched band to its 90th-percentile end, with
//! a tick at the median end. Runs of jobs the engine found overlapping are outlined.

use plotters::backend::DrawingBackend;
use plotters::coord::Shift;
use plotters::element::{PathElement, Rectangle};
use plotters::prelude::{ChartBuilder, DrawingArea};
use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::{Color, IntoFont, RGBColor};

use drtwin_model::Twin;
use drtwin_sim::{DaySchedule, JobRun, Results};

use super::{
    FONT, GRID, Hatch, INK, LEGEND_ROW, OrDraw, PALETTE, Swatch, empty_state, hatched_rect, legend,
    shorten, text, text_style, text_width,
};
use crate::text::name_of;

const ROW: u32 = 30;
const WIDTH: u32 = 1200;
const DAY: f64 = 1440.0;
const OVERLAP: RGBColor = RGBColor(200, 0, 0);

fn day(results: &Results, index: Option<usize>) -> Option<&DaySchedule> {
    match index {
        None => Some(&results.schedule.normal_day),
        Some(index) => results.schedule.dst_days.get(index),
    }
}

fn jobs(day: &DaySchedule) -> Vec<&str> {
    let mut jobs: Vec<&str> = day.runs.iter().map(|run| run.job.as_str()).collect();
    jobs.sort_unstable();
    jobs.dedup();
    jobs
}

pub fn size(results: &Results, index: Option<usize>) -> (u32, u32) {
    let rows = day(results, index).map(|day| jobs(day).len()).unwrap_or(0).max(2) as u32;
    (WIDTH, 190 + rows * ROW + 5 * LEGEND_ROW as u32)
}

/// A run's span, minutes after midnight, split where it crosses midnight.
fn spans(start: f64, end: f64) -> Vec<(f64, f64)> {
    let start = start.rem_euclid(DAY);
    let end = start + (end - start.min(end)).max(0.0);
    if end <= DAY { vec![(start, end)] } else { vec![(start, DAY), (0.0, (end - DAY).min(DAY))] }
}

fn run_end(run: &JobRun, minutes: f64) -> f64 {
    run.start_minute + if minutes.is_finite() { minutes.max(0.0) } else { 0.0 }
}

pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    twin: &Twin,
    results: &Results,
    index: Option<usize>,
) -> Result<(), String> {
    let empty = DaySchedule::default();
    let day = day(results, index).unwrap_or(&empty);
    let jobs = jobs(day);
    let rows = jobs.len().max(2);
    let labels: Vec<String> = jobs.iter().map(|job| shorten(name_of(twin, job), 36)).collect();
    let label_width =
        labels.iter().map(|label| text_width(root, label, 13)).max().unwrap_or(100).clamp(100, 320);

    let (plot, _) = root.split_vertically(130 + rows as u32 * ROW);
    let mut chart = ChartBuilder::on(&plot)
        .caption(title, (FONT, 20).into_font())
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(label_width + 44)
        .build_cartesian_2d(0.0..DAY, 0.0..rows as f64)
        .or_draw()?;
    chart
        .configure_mesh()
        .x_desc(format!("Time of day (hours, local time in {})", results.time_zone))
        .y_desc("Job")
        .x_labels(13)
        .x_label_formatter(&|minute| format!("{:02}", (minute / 60.0).round() as i64))
        .y_labels(0)
        .disable_y_mesh()
        .label_style((FONT, 12))
        .axis_desc_style((FONT, 14))
        .light_line_style(GRID.mix(0.3))
        .bold_line_style(GRID.mix(0.8))
        .draw()
        .or_draw()?;
    let area = chart.plotting_area();
    let map = |x: f64, y: f64| area.map_coordinate(&(x.clamp(0.0, DAY), y));

    if day.runs.is_empty() {
        let (x0, y0) = map(0.0, rows as f64);
        let (x1, y1) = map(DAY, 0.0);
        empty_state(
            root,
            (x0 + 20, y0 + 10),
            (x1 - 20, y1 - 10),
            &["No scheduled job runs on this day."],
        )?;
    }

    let row_of = |job: &str| jobs.iter().position(|candidate| *candidate == job).unwrap_or(0);
    let center = |row: usize| rows as f64 - row as f64 - 0.5;
    let label_style = text_style(13, INK, HPos::Right, VPos::Center);
    for (row, label) in labels.iter().enumerate() {
        let (x, y) = map(0.0, center(row));
        text(root, label, (x - 8, y), &label_style)?;
    }

    for run in &day.runs {
        let row = row_of(&run.job);
        let color = PALETTE[row % PALETTE.len()];
        let c = center(row);
        for (start, end) in spans(run.start_minute, run_end(run, run.duration_p90)) {
            let (x0, y0) = map(start, c + 0.3);
            let (x1, y1) = map(end, c - 0.3);
            hatched_rect(root, (x0, y0), (x1.max(x0 + 2), y1), color, Hatch::Forward)?;
        }
        for (start, end) in spans(run.start_minute, run_end(run, run.duration_p10)) {
            let (x0, y0) = map(start, c + 0.3);
            let (x1, y1) = map(end, c - 0.3);
            root.draw(&Rectangle::new([(x0, y0), (x1.max(x0 + 2), y1)], color.filled()))
                .or_draw()?;
        }
        let (x, y0) = map(run_end(run, run.duration_p50).rem_euclid(DAY), c + 0.42);
        let (_, y1) = map(0.0, c - 0.42);
        root.draw(&PathElement::new(vec![(x, y0), (x, y1)], INK.stroke_width(2))).or_draw()?;
    }

    // Overlaps: the shared span of any two runs of a listed pair, outlined on both rows.
    for (first, second) in &day.overlaps {
        let runs_of =
            |job: &String| day.runs.iter().filter(|run| &run.job == job).collect::<Vec<_>>();
        for a in runs_of(first) {
            for b in runs_of(second) {
                let start = a.start_minute.max(b.start_minute);
                let end = run_end(a, a.duration_p90).min(run_end(b, b.duration_p90));
                if end <= start {
                    continue;
                }
                for job in [first, second] {
                    let c = center(row_of(job));
                    for (s, e) in spans(start, end) {
                        let (x0, y0) = map(s, c + 0.46);
                        let (x1, y1) = map(e, c - 0.46);
                        let (x0, x1) = (x0 - 2, x1.max(x0 + 2) + 2);
                        root.draw(&Rectangle::new([(x0, y0), (x1, y1)], OVERLAP.stroke_width(2)))
                            .or_draw()?;
                        root.draw(&PathElement::new(
                            vec![(x0, y0), (x1, y1)],
                            OVERLAP.stroke_width(1),
                        ))
                        .or_draw()?;
                    }
                }
            }
        }
    }
    // FIXME: the hour a spring-forward night skips (or a fall-back night repeats) is not
    // shaded: `DaySchedule` does not say which hour it is.

    let (left, _) = map(0.0, 0.0);
    let entries = [
        (
            Swatch::Fill(PALETTE[0], Hatch::None),
            "Running for certain: start to 10th-percentile end".to_string(),
        ),
        (
            Swatch::Fill(PALETTE[0], Hatch::Forward),
            "May still run: 10th- to 90th-percentile end".to_string(),
        ),
        (Swatch::Stroke(INK, &[], 3), "Median end (tick)".to_string()),
        (
            Swatch::Stroke(OVERLAP, &[2, 2], 2),
            "Overlap: two jobs without a lock can run at once (outlined, struck through)"
                .to_string(),
        ),
    ];
    legend(root, (left, 130 + rows as i32 * ROW as i32 + 8), &entries)?;
    Ok(())
}
