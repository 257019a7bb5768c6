//! The dependency graph as a picture: components in layers from the endpoints a user
//! reaches (left) to the host and network (right), edges styled by kind.

use plotters::backend::DrawingBackend;
use plotters::coord::Shift;
use plotters::element::Rectangle;
use plotters::prelude::DrawingArea;
use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::{Color, RGBColor};

use drtwin_model::{Edge, Kind, Strength, Twin};

use super::{
    INK, LEGEND_ROW, OrDraw, Swatch, arrowhead, legend, polyline, shorten, text, text_style,
};
use crate::graph::layout;

const BOX_WIDTH: i32 = 200;
const BOX_HEIGHT: i32 = 36;
const COLUMN: i32 = 270;
const ROW: i32 = 50;
const TOP: i32 = 60;
const LEFT: i32 = 30;
const LEGEND_ROWS: i32 = 7;

pub fn size(twin: &Twin) -> (u32, u32) {
    let layout = layout(twin);
    let width = (LEFT * 2 + layout.layers.max(1) as i32 * COLUMN).max(800);
    let height = TOP + layout.rows.max(1) as i32 * ROW + 30 + LEGEND_ROWS * LEGEND_ROW;
    (width as u32, height as u32)
}

struct EdgeStyle {
    color: RGBColor,
    dash: &'static [i32],
    width: u32,
}

fn edge_style(edge: &Edge) -> EdgeStyle {
    let grey = RGBColor(130, 130, 130);
    match edge {
        Edge::Requires(requirement) => match requirement.strength {
            Strength::Hard => EdgeStyle { color: INK, dash: &[], width: 2 },
            Strength::Degrades => EdgeStyle { color: INK, dash: &[10, 5], width: 1 },
            Strength::Fallback => EdgeStyle { color: INK, dash: &[2, 4], width: 1 },
        },
        Edge::Routes { .. } => EdgeStyle { color: RGBColor(0, 114, 178), dash: &[], width: 3 },
        Edge::Supervises | Edge::Schedules => {
            EdgeStyle { color: grey, dash: &[12, 4, 3, 4], width: 1 }
        }
        Edge::Probes { .. } => EdgeStyle { color: grey, dash: &[3, 3], width: 1 },
        Edge::WritesTo { .. } | Edge::Copies => {
            EdgeStyle { color: RGBColor(0, 158, 115), dash: &[6, 3], width: 2 }
        }
    }
}

fn fill(kind: &Kind) -> RGBColor {
    match kind {
        Kind::Endpoint(_) => RGBColor(214, 234, 248),
        Kind::Service(_) => RGBColor(255, 255, 255),
        Kind::Job(_) | Kind::Monitor(_) => RGBColor(240, 240, 240),
        Kind::ExternalApi(_) => RGBColor(252, 236, 220),
        Kind::Volume(_) | Kind::BackupStore(_) => RGBColor(222, 242, 230),
        Kind::Host | Kind::Network(_) | Kind::Supervisor(_) => RGBColor(225, 225, 225),
    }
}

pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    twin: &Twin,
) -> Result<(), String> {
    let layout = layout(twin);
    let (width, _) = root.dim_in_pixel();
    text(root, title, (width as i32 / 2, 24), &text_style(20, INK, HPos::Center, VPos::Center))?;
    if let Some(host) = twin.components.iter().find(|c| matches!(c.kind, Kind::Host)) {
        let note =
            format!("Every service and job runs on {}; those edges are not drawn.", host.name);
        text(
            root,
            &note,
            (width as i32 / 2, 46),
            &text_style(12, INK, HPos::Center, VPos::Center),
        )?;
    }

    let position = |index: usize| {
        let (layer, row) = layout.positions[index];
        (LEFT + layer as i32 * COLUMN, TOP + row as i32 * ROW)
    };
    let index = |id: &str| twin.components.iter().position(|component| component.id == id);

    // Edges first, so boxes sit on top of them.
    for dependency in &twin.dependencies {
        let (Some(from), Some(to)) = (index(&dependency.from), index(&dependency.to)) else {
            continue;
        };
        // Every process and job runs on the host; drawing each of those edges hides the
        // others, so the caption says it once instead.
        if from == to || matches!(twin.components[to].kind, Kind::Host) {
            continue;
        }
        let (fx, fy) = position(from);
        let (tx, ty) = position(to);
        let style = edge_style(&dependency.kind);
        let (start, end) = if tx > fx {
            ((fx + BOX_WIDTH, fy + BOX_HEIGHT / 2), (tx, ty + BOX_HEIGHT / 2))
        } else if tx < fx {
            ((fx, fy + BOX_HEIGHT / 2), (tx + BOX_WIDTH, ty + BOX_HEIGHT / 2))
        } else if ty > fy {
            ((fx + BOX_WIDTH / 2, fy + BOX_HEIGHT), (tx + BOX_WIDTH / 2, ty))
        } else {
            ((fx + BOX_WIDTH / 2, fy), (tx + BOX_WIDTH / 2, ty + BOX_HEIGHT))
        };
        polyline(root, &[start, end], style.color.stroke_width(style.width), style.dash)?;
        arrowhead(root, start, end, style.color)?;
    }

    let name_style = text_style(12, INK, HPos::Center, VPos::Center);
    let kind_style = text_style(10, RGBColor(80, 80, 80), HPos::Center, VPos::Center);
    for (number, component) in twin.components.iter().enumerate() {
        let (x, y) = position(number);
        let corner = (x + BOX_WIDTH, y + BOX_HEIGHT);
        root.draw(&Rectangle::new([(x, y), corner], fill(&component.kind).filled())).or_draw()?;
        let border = match component.kind {
            Kind::Host | Kind::Endpoint(_) => 3,
            _ => 1,
        };
        root.draw(&Rectangle::new([(x, y), corner], INK.stroke_width(border))).or_draw()?;
        if matches!(component.kind, Kind::ExternalApi(_)) {
            polyline(
                root,
                &[(x + 3, y + 3), (x + BOX_WIDTH - 3, y + 3)],
                INK.stroke_width(1),
                &[3, 3],
            )?;
        }
        let middle = x + BOX_WIDTH / 2;
        text(root, &shorten(&component.name, 28), (middle, y + 12), &name_style)?;
        text(root, component.kind.label(), (middle, y + 27), &kind_style)?;
    }

    let grey = RGBColor(130, 130, 130);
    let entries = [
        (Swatch::Stroke(INK, &[], 2), "requires (hard: down when it is down)".to_string()),
        (Swatch::Stroke(INK, &[10, 5], 1), "requires, degrades without it".to_string()),
        (Swatch::Stroke(INK, &[2, 4], 1), "requires, falls back without it".to_string()),
        (Swatch::Stroke(RGBColor(0, 114, 178), &[], 3), "routes traffic to".to_string()),
        (Swatch::Stroke(grey, &[12, 4, 3, 4], 1), "supervises or schedules".to_string()),
        (Swatch::Stroke(grey, &[3, 3], 1), "probes (health check)".to_string()),
        (Swatch::Stroke(RGBColor(0, 158, 115), &[6, 3], 2), "writes to or copies to".to_string()),
    ];
    let top = TOP + layout.rows.max(1) as i32 * ROW + 20;
    legend(root, (LEFT, top), &entries)?;
    Ok(())
}
