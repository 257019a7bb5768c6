//! The charts: which ones a run gets, and the drawing kit they share.
//!
//! Each chart is drawn once per backend (SVG into a string, bitmap into an RGB buffer that
//! is then encoded as PNG), so both files show the same picture. Text uses DejaVu Sans,
//! embedded in the binary and rasterised by ab_glyph, so a chart is the same on every
//! machine. Series differ by dash pattern and marker, bars by hatching, as well as by
//! colour, so the charts survive black-and-white printing.

mod dependency;
mod downtime;
mod recovery;
mod schedule;
mod sensitivity;
mod spof;
mod whatif;

use std::sync::OnceLock;

use plotters::backend::{DrawingBackend, SVGBackend};
use plotters::coord::Shift;
use plotters::element::{Circle, PathElement, Polygon, Rectangle};
use plotters::prelude::{DrawingArea, IntoDrawingArea};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, FontStyle, IntoFont, RGBColor, ShapeStyle, TextStyle, WHITE};

use drtwin_model::Twin;
use drtwin_sim::{Family, Results};

use crate::document::family_scenarios;
use crate::text::slug;
use crate::{Artifact, VizError};

/// The family name text uses; the embedded font is registered under it.
pub const FONT: &str = "sans-serif";

static FONT_BYTES: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// With more scenarios than this, the overview shows each family's most severe scenario and
/// every family gets a chart of its own.
const OVERVIEW_LIMIT: usize = 8;

/// Which chart, and of what.
#[derive(Clone, Debug, PartialEq)]
pub enum ChartKind {
    RecoveryOverview,
    RecoveryFamily(Family),
    Spof,
    DowntimeByCause,
    /// `None` for the normal day, `Some(i)` for the i-th DST day.
    Schedule(Option<usize>),
    Dependency,
    Sensitivity,
    /// Production downtime before and after each measured recommendation.
    WhatIf,
}

/// A chart this run will draw.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedChart {
    /// File stem under `charts/`.
    pub name: String,
    pub title: String,
    pub kind: ChartKind,
}

impl PlannedChart {
    pub fn svg_path(&self) -> String {
        format!("charts/{}.svg", self.name)
    }
}

/// The charts a twin and its results get, in a stable order.
pub fn planned_charts(_twin: &Twin, results: &Results) -> Vec<PlannedChart> {
    let chart = |name: String, title: String, kind| PlannedChart { name, title, kind };
    let mut charts = vec![chart(
        "recovery-times".into(),
        "Recovery time after each failure scenario (cumulative distribution)".into(),
        ChartKind::RecoveryOverview,
    )];
    if results.scenarios.len() > OVERVIEW_LIMIT {
        for family in Family::ALL {
            if !family_scenarios(results, family).is_empty() {
                charts.push(chart(
                    format!("recovery-{}", slug(family.title())),
                    format!("Recovery time: {}", family.title()),
                    ChartKind::RecoveryFamily(family),
                ));
            }
        }
    }
    charts.push(chart(
        "spof-ranking".into(),
        "Single points of failure by yearly downtime contribution".into(),
        ChartKind::Spof,
    ));
    charts.push(chart(
        "downtime-by-cause".into(),
        "Expected yearly downtime per endpoint, by cause".into(),
        ChartKind::DowntimeByCause,
    ));
    charts.push(chart(
        "schedule".into(),
        format!("Scheduled jobs on a normal day ({})", results.schedule.normal_day.date),
        ChartKind::Schedule(None),
    ));
    for (index, day) in results.schedule.dst_days.iter().enumerate() {
        charts.push(chart(
            format!("schedule-dst-{}", slug(&day.date)),
            format!("Scheduled jobs on {} ({})", day.date, day.label),
            ChartKind::Schedule(Some(index)),
        ));
    }
    charts.push(chart(
        "dependency-graph".into(),
        "Dependency graph: endpoints on the left, the machine on the right".into(),
        ChartKind::Dependency,
    ));
    charts.push(chart(
        "sensitivity".into(),
        "Sensitivity of production downtime to each assumption".into(),
        ChartKind::Sensitivity,
    ));
    charts.push(chart(
        "whatif".into(),
        "What-if: production downtime before and after each measured recommendation".into(),
        ChartKind::WhatIf,
    ));
    charts
}

/// Draws every planned chart as SVG and PNG.
pub fn render_all(twin: &Twin, results: &Results) -> Result<Vec<Artifact>, VizError> {
    register_font()?;
    let mut artifacts = Vec::new();
    for chart in planned_charts(twin, results) {
        let (width, height) = size(&chart, twin, results);
        let failed = |message: String| VizError::Draw { chart: chart.name.clone(), message };

        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
            draw(&chart, twin, results, &root).map_err(failed)?;
            root.present().map_err(|error| failed(error.to_string()))?;
        }

        // The PNG is the SVG rasterised, so both show the same chart; plotters' own bitmap
        // text places some glyphs (the full stop) off the baseline.
        let png = rasterise(&svg, width, height)
            .map_err(|message| VizError::Png { chart: chart.name.clone(), message })?;

        artifacts.push(Artifact { path: chart.svg_path(), bytes: svg.into_bytes() });
        artifacts.push(Artifact { path: format!("charts/{}.png", chart.name), bytes: png });
    }
    Ok(artifacts)
}

fn register_font() -> Result<(), VizError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES).is_ok()
    });
    if ok { Ok(()) } else { Err(VizError::Font) }
}

fn size(chart: &PlannedChart, twin: &Twin, results: &Results) -> (u32, u32) {
    match &chart.kind {
        ChartKind::RecoveryOverview | ChartKind::RecoveryFamily(_) => {
            recovery::size(&recovery::series(results, &chart.kind))
        }
        ChartKind::Spof => spof::size(twin, results),
        ChartKind::DowntimeByCause => downtime::size(results),
        ChartKind::Schedule(day) => schedule::size(results, *day),
        ChartKind::Dependency => dependency::size(twin),
        ChartKind::Sensitivity => sensitivity::size(results),
        ChartKind::WhatIf => whatif::size(results),
    }
}

fn draw<DB: DrawingBackend>(
    chart: &PlannedChart,
    twin: &Twin,
    results: &Results,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), String> {
    root.fill(&WHITE).or_draw()?;
    match &chart.kind {
        ChartKind::RecoveryOverview | ChartKind::RecoveryFamily(_) => {
            recovery::draw(root, &chart.title, &recovery::series(results, &chart.kind))
        }
        ChartKind::Spof => spof::draw(root, &chart.title, twin, results),
        ChartKind::DowntimeByCause => downtime::draw(root, &chart.title, twin, results),
        ChartKind::Schedule(day) => schedule::draw(root, &chart.title, twin, results, *day),
        ChartKind::Dependency => dependency::draw(root, &chart.title, twin),
        ChartKind::Sensitivity => sensitivity::draw(root, &chart.title, results),
        ChartKind::WhatIf => whatif::draw(root, &chart.title, results),
    }
}

/// The frame every horizontal-bar chart shares (SPOF ranking, downtime by cause,
/// sensitivity, what-if): a caption, a labelled x axis in minutes per year, rows without y
/// ticks (their names are drawn beside the bars), and a light vertical grid.
pub struct BarFrame<'t> {
    pub title: &'t str,
    pub x_desc: &'t str,
    pub y_desc: &'t str,
    pub x_range: std::ops::Range<f64>,
    pub rows: usize,
    /// Width of the row labels, pixels.
    pub label_width: u32,
    /// Margin right of the plot, pixels: room for per-row figures, 16 when there are none.
    pub right_margin: u32,
}

/// Builds and draws a [`BarFrame`] on `plot`, returning the chart to draw bars into.
pub fn bar_frame<'a, DB: DrawingBackend>(
    plot: &'a DrawingArea<DB, Shift>,
    frame: &BarFrame<'_>,
) -> Result<
    plotters::chart::ChartContext<
        'a,
        DB,
        plotters::coord::cartesian::Cartesian2d<
            plotters::coord::types::RangedCoordf64,
            plotters::coord::types::RangedCoordf64,
        >,
    >,
    String,
> {
    let mut chart = plotters::prelude::ChartBuilder::on(plot)
        .caption(frame.title, (FONT, 20).into_font())
        .margin(16)
        .margin_right(frame.right_margin)
        .x_label_area_size(48)
        .y_label_area_size(frame.label_width + 44)
        .build_cartesian_2d(frame.x_range.clone(), 0.0..frame.rows as f64)
        .or_draw()?;
    chart
        .configure_mesh()
        .x_desc(frame.x_desc)
        .x_label_formatter(&|value| axis_number(*value))
        .y_desc(frame.y_desc)
        .y_labels(0)
        .disable_y_mesh()
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 14))
        .light_line_style(GRID.mix(0.3))
        .bold_line_style(GRID.mix(0.8))
        .draw()
        .or_draw()?;
    Ok(chart)
}

/// An axis tick label: whole numbers from 10 up, one decimal below, and thousands grouped
/// with a thin space so 12000 reads at a glance.
pub fn axis_number(value: f64) -> String {
    if value.abs() >= 10.0 || value == 0.0 {
        let whole = format!("{:.0}", value.abs());
        let mut grouped = String::new();
        for (index, digit) in whole.chars().enumerate() {
            if index > 0 && (whole.len() - index) % 3 == 0 {
                grouped.push('\u{2009}');
            }
            grouped.push(digit);
        }
        if value < 0.0 { format!("−{grouped}") } else { grouped }
    } else {
        format!("{value:.1}")
    }
}

/// Renders an SVG to PNG bytes with resvg, using only the embedded font.
fn rasterise(svg: &str, width: u32, height: u32) -> Result<Vec<u8>, String> {
    use resvg::{tiny_skia, usvg};

    static FONTS: OnceLock<std::sync::Arc<usvg::fontdb::Database>> = OnceLock::new();
    let fonts = FONTS.get_or_init(|| {
        let mut database = usvg::fontdb::Database::new();
        database.load_font_data(FONT_BYTES.to_vec());
        database.set_sans_serif_family("DejaVu Sans");
        std::sync::Arc::new(database)
    });
    let options = usvg::Options {
        font_family: "DejaVu Sans".into(),
        fontdb: fonts.clone(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|error| error.to_string())?;
    let mut pixmap = tiny_skia::Pixmap::new(width, height)
        .ok_or_else(|| format!("cannot allocate a {width}x{height} image"))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|error| error.to_string())
}

/// Turns any displayable drawing error into the message `VizError::Draw` carries.
pub trait OrDraw<T> {
    fn or_draw(self) -> Result<T, String>;
}

impl<T, E: std::fmt::Display> OrDraw<T> for Result<T, E> {
    fn or_draw(self) -> Result<T, String> {
        self.map_err(|error| error.to_string())
    }
}

// The drawing kit. Coordinates are backend pixels: every chart draws its data on the root
// area, whose origin is the picture's corner, after mapping through its plotting area.

pub const INK: RGBColor = RGBColor(26, 26, 26);
pub const GRID: RGBColor = RGBColor(200, 200, 200);

/// Okabe–Ito colours without the yellow that vanishes on paper.
pub const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
];

/// On/off lengths in pixels; empty is solid.
pub const DASHES: [&[i32]; 6] =
    [&[], &[12, 6], &[3, 4], &[14, 5, 3, 5], &[7, 4], &[18, 4, 3, 4, 3, 4]];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marker {
    Circle,
    Square,
    Triangle,
    Diamond,
    Cross,
    Plus,
}

const MARKERS: [Marker; 6] = [
    Marker::Circle,
    Marker::Square,
    Marker::Triangle,
    Marker::Diamond,
    Marker::Cross,
    Marker::Plus,
];

/// How one line series looks; colour, dash and marker all differ between neighbours.
#[derive(Clone, Copy, Debug)]
pub struct SeriesStyle {
    pub color: RGBColor,
    pub dash: &'static [i32],
    pub marker: Marker,
}

pub fn series_style(index: usize) -> SeriesStyle {
    SeriesStyle {
        color: PALETTE[index % PALETTE.len()],
        dash: DASHES[index % DASHES.len()],
        marker: MARKERS[(index + index / DASHES.len()) % MARKERS.len()],
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hatch {
    None,
    Forward,
    Backward,
    Cross,
    Horizontal,
    Vertical,
    Dots,
}

pub const HATCHES: [Hatch; 7] = [
    Hatch::Forward,
    Hatch::Backward,
    Hatch::Horizontal,
    Hatch::Cross,
    Hatch::Vertical,
    Hatch::Dots,
    Hatch::None,
];

/// A fill for the `index`-th category of a stacked or grouped bar.
pub fn fill_style(index: usize) -> (RGBColor, Hatch) {
    (PALETTE[index % PALETTE.len()], HATCHES[index % HATCHES.len()])
}

/// A light tint of a colour for bar interiors, so the hatching stays visible.
pub fn tint(color: RGBColor, amount: f64) -> RGBColor {
    let mix = |c: u8| (f64::from(c) + (255.0 - f64::from(c)) * amount).round() as u8;
    RGBColor(mix(color.0), mix(color.1), mix(color.2))
}

pub fn text_style(size: u32, color: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    (FONT, size).into_font().color(&color).pos(Pos::new(h, v))
}

pub fn text<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    value: &str,
    at: (i32, i32),
    style: &TextStyle,
) -> Result<(), String> {
    root.draw_text(value, style, at).or_draw()
}

/// Width in pixels a text would take, from the embedded font's metrics.
pub fn text_width<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    value: &str,
    size: u32,
) -> u32 {
    root.estimate_text_size(value, &TextStyle::from((FONT, size).into_font()))
        .map(|(width, _)| width)
        .unwrap_or((value.chars().count() as u32) * size * 6 / 10)
}

/// Shortens a label to `max` characters with an ellipsis.
pub fn shorten(value: &str, max: usize) -> String {
    if value.chars().count() <= max {
        value.to_string()
    } else {
        let mut short: String = value.chars().take(max.saturating_sub(1)).collect();
        short.push('…');
        short
    }
}

/// A polyline with a dash pattern; the pattern carries over from one segment to the next.
pub fn polyline<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    points: &[(i32, i32)],
    style: ShapeStyle,
    dash: &[i32],
) -> Result<(), String> {
    if points.len() < 2 {
        return Ok(());
    }
    if dash.is_empty() {
        return root.draw(&PathElement::new(points.to_vec(), style)).or_draw();
    }
    let mut phase = 0usize;
    let mut left = f64::from(dash[0]);
    let mut current: Vec<(i32, i32)> = vec![points[0]];
    for pair in points.windows(2) {
        let (x0, y0) = (f64::from(pair[0].0), f64::from(pair[0].1));
        let (x1, y1) = (f64::from(pair[1].0), f64::from(pair[1].1));
        let length = ((x1 - x0).powi(2) + (y1 - y0).powi(2)).sqrt();
        let mut travelled = 0.0;
        while length - travelled > left {
            travelled += left;
            let t = travelled / length;
            let at = ((x0 + (x1 - x0) * t).round() as i32, (y0 + (y1 - y0) * t).round() as i32);
            if phase & 1 == 0 {
                current.push(at);
                root.draw(&PathElement::new(std::mem::take(&mut current), style)).or_draw()?;
            } else {
                current = vec![at];
            }
            phase = (phase + 1) % dash.len().max(2);
            left = f64::from(dash[phase % dash.len()].max(1));
        }
        left -= length - travelled;
        if phase & 1 == 0 {
            current.push(pair[1]);
        }
    }
    if phase & 1 == 0 && current.len() > 1 {
        root.draw(&PathElement::new(current, style)).or_draw()?;
    }
    Ok(())
}

pub fn marker<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    marker: Marker,
    color: RGBColor,
    size: i32,
) -> Result<(), String> {
    let line = color.stroke_width(2);
    let fill = color.filled();
    match marker {
        Marker::Circle => root.draw(&Circle::new((x, y), size, fill)).or_draw(),
        Marker::Square => {
            root.draw(&Rectangle::new([(x - size, y - size), (x + size, y + size)], fill)).or_draw()
        }
        Marker::Triangle => root
            .draw(&Polygon::new(
                vec![(x, y - size - 1), (x - size - 1, y + size), (x + size + 1, y + size)],
                fill,
            ))
            .or_draw(),
        Marker::Diamond => root
            .draw(&Polygon::new(
                vec![(x, y - size - 2), (x + size + 1, y), (x, y + size + 2), (x - size - 1, y)],
                fill,
            ))
            .or_draw(),
        Marker::Cross => {
            root.draw(&PathElement::new(vec![(x - size, y - size), (x + size, y + size)], line))
                .or_draw()?;
            root.draw(&PathElement::new(vec![(x - size, y + size), (x + size, y - size)], line))
                .or_draw()
        }
        Marker::Plus => {
            root.draw(&PathElement::new(vec![(x - size - 1, y), (x + size + 1, y)], line))
                .or_draw()?;
            root.draw(&PathElement::new(vec![(x, y - size - 1), (x, y + size + 1)], line)).or_draw()
        }
    }
}

/// A bar: tinted fill, hatching in the full colour, dark outline.
pub fn hatched_rect<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    (x0, y0): (i32, i32),
    (x1, y1): (i32, i32),
    color: RGBColor,
    hatch: Hatch,
) -> Result<(), String> {
    let (x0, x1) = (x0.min(x1), x0.max(x1));
    let (y0, y1) = (y0.min(y1), y0.max(y1));
    let x1 = x1.max(x0 + 1);
    root.draw(&Rectangle::new([(x0, y0), (x1, y1)], tint(color, 0.65).filled())).or_draw()?;
    let line = color.stroke_width(1);
    let step = 7;
    let mut segments: Vec<[(i32, i32); 2]> = Vec::new();
    if matches!(hatch, Hatch::Forward | Hatch::Cross) {
        // Lines x + y = c, drawn "/".
        let mut c = x0 + y0 + step;
        while c < x1 + y1 {
            let start = x0.max(c - y1);
            let end = x1.min(c - y0);
            if start < end {
                segments.push([(start, c - start), (end, c - end)]);
            }
            c += step;
        }
    }
    if matches!(hatch, Hatch::Backward | Hatch::Cross) {
        // Lines x - y = c, drawn "\".
        let mut c = x0 - y1 + step;
        while c < x1 - y0 {
            let start = x0.max(c + y0);
            let end = x1.min(c + y1);
            if start < end {
                segments.push([(start, start - c), (end, end - c)]);
            }
            c += step;
        }
    }
    if hatch == Hatch::Horizontal {
        let mut y = y0 + 4;
        while y < y1 {
            segments.push([(x0, y), (x1, y)]);
            y += 5;
        }
    }
    if hatch == Hatch::Vertical {
        let mut x = x0 + 4;
        while x < x1 {
            segments.push([(x, y0), (x, y1)]);
            x += 5;
        }
    }
    for segment in segments {
        root.draw(&PathElement::new(segment.to_vec(), line)).or_draw()?;
    }
    if hatch == Hatch::Dots {
        let mut y = y0 + 3;
        while y < y1 - 1 {
            let mut x = x0 + 3 + (y / 6 % 2) * 3;
            while x < x1 - 1 {
                root.draw(&Circle::new((x, y), 1, color.filled())).or_draw()?;
                x += 6;
            }
            y += 6;
        }
    }
    root.draw(&Rectangle::new([(x0, y0), (x1, y1)], INK.stroke_width(1))).or_draw()
}

/// What a legend entry shows next to its label.
#[derive(Clone, Copy, Debug)]
pub enum Swatch {
    Line(SeriesStyle),
    Fill(RGBColor, Hatch),
    /// A plain line with a dash pattern and width.
    Stroke(RGBColor, &'static [i32], u32),
}

/// A legend, one entry per line from `top`, starting at `left`. Returns the bottom edge.
pub fn legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    (left, top): (i32, i32),
    entries: &[(Swatch, String)],
) -> Result<i32, String> {
    let style = text_style(13, INK, HPos::Left, VPos::Center);
    let mut y = top;
    for (swatch, label) in entries {
        let middle = y + LEGEND_ROW / 2;
        match swatch {
            Swatch::Line(series) => {
                polyline(
                    root,
                    &[(left, middle), (left + 44, middle)],
                    series.color.stroke_width(2),
                    series.dash,
                )?;
                marker(root, (left + 22, middle), series.marker, series.color, 4)?;
            }
            Swatch::Fill(color, hatch) => {
                hatched_rect(
                    root,
                    (left + 6, middle - 7),
                    (left + 38, middle + 7),
                    *color,
                    *hatch,
                )?;
            }
            Swatch::Stroke(color, dash, width) => {
                polyline(
                    root,
                    &[(left, middle), (left + 44, middle)],
                    color.stroke_width(*width),
                    dash,
                )?;
            }
        }
        text(root, label, (left + 54, middle), &style)?;
        y += LEGEND_ROW;
    }
    Ok(y)
}

/// Height of one legend row in pixels.
pub const LEGEND_ROW: i32 = 20;

/// A message in the middle of an otherwise empty plot.
pub fn empty_state<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    (x0, y0): (i32, i32),
    (x1, y1): (i32, i32),
    lines: &[&str],
) -> Result<(), String> {
    root.draw(&Rectangle::new([(x0, y0), (x1, y1)], RGBColor(245, 245, 245).filled())).or_draw()?;
    root.draw(&Rectangle::new([(x0, y0), (x1, y1)], GRID.stroke_width(1))).or_draw()?;
    let style = text_style(15, INK, HPos::Center, VPos::Center);
    let middle = (y0 + y1) / 2 - (lines.len() as i32 - 1) * 11;
    for (index, line) in lines.iter().enumerate() {
        text(root, line, ((x0 + x1) / 2, middle + index as i32 * 22), &style)?;
    }
    Ok(())
}

/// A small filled arrowhead at `tip`, pointing away from `from`.
pub fn arrowhead<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    from: (i32, i32),
    tip: (i32, i32),
    color: RGBColor,
) -> Result<(), String> {
    let (dx, dy) = (f64::from(tip.0 - from.0), f64::from(tip.1 - from.1));
    let length = (dx * dx + dy * dy).sqrt().max(1.0);
    let (ux, uy) = (dx / length, dy / length);
    let back = (f64::from(tip.0) - ux * 9.0, f64::from(tip.1) - uy * 9.0);
    let left = ((back.0 - uy * 4.0).round() as i32, (back.1 + ux * 4.0).round() as i32);
    let right = ((back.0 + uy * 4.0).round() as i32, (back.1 - ux * 4.0).round() as i32);
    root.draw(&Polygon::new(vec![tip, left, right], color.filled())).or_draw()
}
