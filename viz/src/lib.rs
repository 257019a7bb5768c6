//! drtwin-viz: what a person reads after a run. Charts (SVG and PNG, drawn with plotters
//! and a font embedded in the binary), the disaster-recovery report (Markdown and one
//! self-contained HTML file) and exports of the dependency graph (DOT and Mermaid).
//!
//! The crate does no file IO: every renderer returns [`Artifact`]s, paths relative to the
//! output folder plus their bytes, and the binary writes them.

mod charts;
mod document;
mod graph;
mod html;
mod markdown;
mod runbook;
mod text;

use drtwin_model::Twin;
use drtwin_sim::Results;

pub use graph::{graph_dot, graph_mermaid};

/// One file the caller should write, relative to the output folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artifact {
    /// Relative path with forward slashes: `report.md`, `charts/recovery-times.svg`, ...
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Why a chart or the report could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum VizError {
    #[error("the embedded chart font could not be loaded")]
    Font,
    #[error("could not draw chart `{chart}`: {message}")]
    Draw { chart: String, message: String },
    #[error("could not encode chart `{chart}` as PNG: {message}")]
    Png { chart: String, message: String },
}

/// Everything `drtwin plan` writes: `report.md`, `report.html` (with the charts inline) and
/// every chart as SVG and PNG.
pub fn render_plan(twin: &Twin, results: &Results) -> Result<Vec<Artifact>, VizError> {
    let charts = render_charts(twin, results)?;
    let svgs: Vec<(String, String)> = charts
        .iter()
        .filter(|artifact| artifact.path.ends_with(".svg"))
        .map(|artifact| (artifact.path.clone(), String::from_utf8_lossy(&artifact.bytes).into()))
        .collect();

    let mut artifacts = vec![
        Artifact { path: "report.md".into(), bytes: report_markdown(twin, results).into_bytes() },
        Artifact {
            path: "report.html".into(),
            bytes: report_html(twin, results, &svgs).into_bytes(),
        },
    ];
    artifacts.extend(charts);
    Ok(artifacts)
}

/// Every chart as `charts/NAME.svg` and `charts/NAME.png`, in a stable order.
pub fn render_charts(twin: &Twin, results: &Results) -> Result<Vec<Artifact>, VizError> {
    charts::render_all(twin, results)
}

/// The disaster-recovery report as Markdown. Charts are linked as `charts/NAME.svg`.
pub fn report_markdown(twin: &Twin, results: &Results) -> String {
    let blocks = document::build(twin, results, &charts::planned_charts(twin, results));
    markdown::render(&blocks)
}

/// The report as one self-contained HTML page: inline CSS, the charts' SVG inline (given as
/// `(path, svg text)` pairs, as [`render_charts`] names them), no scripts and no remote
/// resources.
pub fn report_html(twin: &Twin, results: &Results, charts_svg: &[(String, String)]) -> String {
    let blocks = document::build(twin, results, &charts::planned_charts(twin, results));
    html::render(&blocks, &results.host, charts_svg)
}
