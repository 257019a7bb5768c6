//! Exports of the twin's dependency graph (Graphviz DOT and Mermaid) and the layered
//! layout the dependency-graph chart draws.
//!
//! Layout: every edge points from the component that needs, starts or watches to the one
//! it acts on, so layers follow the longest path from the left. Endpoints are pinned to
//! the first layer and the host, network and power to the last; inside a layer nodes are
//! ordered by the mean position of their predecessors, which untangles most crossings.

use std::fmt::Write;

use drtwin_model::{Edge, Kind, Strength, Twin};

/// Graphviz DOT, left to right, one node per component, edges styled by kind.
pub fn graph_dot(twin: &Twin) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph \"{}\" {{", dot_escape(&twin.host.name));
    out.push_str("  rankdir=LR;\n  node [shape=box, fontname=\"DejaVu Sans\"];\n");
    for component in &twin.components {
        let shape = match component.kind {
            Kind::Endpoint(_) => "doubleoctagon",
            Kind::Host => "box3d",
            Kind::ExternalApi(_) => "cloud",
            Kind::BackupStore(_) | Kind::Volume(_) => "cylinder",
            Kind::Job(_) | Kind::Monitor(_) => "note",
            _ => "box",
        };
        let _ = writeln!(
            out,
            "  \"{}\" [label=\"{}\\n({})\", shape={shape}];",
            dot_escape(&component.id),
            dot_escape(&component.name),
            component.kind.label()
        );
    }
    for dependency in &twin.dependencies {
        let (label, style) = edge_label(&dependency.kind);
        let _ = writeln!(
            out,
            "  \"{}\" -> \"{}\" [label=\"{}\", style={style}];",
            dot_escape(&dependency.from),
            dot_escape(&dependency.to),
            dot_escape(&label)
        );
    }
    out.push_str("}\n");
    out
}

/// Mermaid `flowchart LR`; node ids are `n0`, `n1`, ... in the twin's order.
pub fn graph_mermaid(twin: &Twin) -> String {
    let mut out = String::from("flowchart LR\n");
    let index = |id: &str| twin.components.iter().position(|component| component.id == id);
    for (number, component) in twin.components.iter().enumerate() {
        let label = mermaid_escape(&format!("{} ({})", component.name, component.kind.label()));
        let (open, close) = match component.kind {
            Kind::Endpoint(_) => ("([", "])"),
            Kind::BackupStore(_) | Kind::Volume(_) => ("[(", ")]"),
            Kind::ExternalApi(_) => ("{{", "}}"),
            _ => ("[", "]"),
        };
        let _ = writeln!(out, "  n{number}{open}\"{label}\"{close}");
    }
    for dependency in &twin.dependencies {
        let (Some(from), Some(to)) = (index(&dependency.from), index(&dependency.to)) else {
            continue;
        };
        let (label, style) = edge_label(&dependency.kind);
        let arrow = match style {
            "solid" | "bold" => "-->",
            _ => "-.->",
        };
        let _ = writeln!(out, "  n{from} {arrow}|\"{}\"| n{to}", mermaid_escape(&label));
    }
    out
}

/// A short label and a DOT line style for an edge.
pub fn edge_label(edge: &Edge) -> (String, &'static str) {
    match edge {
        Edge::Requires(requirement) => {
            let mut label = match requirement.strength {
                Strength::Hard => "requires".to_string(),
                Strength::Degrades => "degrades without".to_string(),
                Strength::Fallback => "falls back without".to_string(),
            };
            if let Some(group) = &requirement.any_of {
                let _ = write!(label, " (one of {group})");
            }
            if requirement.timeout.is_none() {
                label.push_str(", no timeout");
            }
            let style = match requirement.strength {
                Strength::Hard => "bold",
                Strength::Degrades => "dashed",
                Strength::Fallback => "dotted",
            };
            (label, style)
        }
        Edge::Supervises => ("supervises".into(), "dashed"),
        Edge::Probes { period, action, .. } => {
            (format!("probes every {period}, {}", format!("{action:?}").to_lowercase()), "dotted")
        }
        Edge::Routes { port } => (format!("routes to port {port}"), "solid"),
        Edge::Schedules => ("schedules".into(), "dashed"),
        Edge::WritesTo { bytes_per_day } => {
            (format!("writes {:.0} MB/day", bytes_per_day / 1e6), "dotted")
        }
        Edge::Copies => ("copies".into(), "solid"),
    }
}

fn dot_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

fn mermaid_escape(text: &str) -> String {
    text.replace('"', "#quot;")
}

/// Each component's layer (column) and its position within the layer.
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    /// Per component, in the twin's order: (layer, row).
    pub positions: Vec<(usize, usize)>,
    pub layers: usize,
    /// The most nodes any layer holds.
    pub rows: usize,
}

/// Computes the layered layout of the twin's components.
pub fn layout(twin: &Twin) -> Layout {
    let count = twin.components.len();
    let index = |id: &str| twin.components.iter().position(|component| component.id == id);
    let edges: Vec<(usize, usize)> = twin
        .dependencies
        .iter()
        .filter_map(|dependency| Some((index(&dependency.from)?, index(&dependency.to)?)))
        .filter(|(from, to)| from != to)
        .collect();
    let pinned_last = |i: usize| matches!(twin.components[i].kind, Kind::Host | Kind::Network(_));
    let pinned_first = |i: usize| matches!(twin.components[i].kind, Kind::Endpoint(_));

    // Longest path by relaxation; a cycle stops growing after `count` rounds.
    let mut layer = vec![0usize; count];
    for _ in 0..count {
        let mut changed = false;
        for &(from, to) in &edges {
            if pinned_first(to) || pinned_last(from) {
                continue;
            }
            if layer[to] < layer[from] + 1 && layer[from] + 1 < count {
                layer[to] = layer[from] + 1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let mut used: Vec<usize> = (0..count).filter(|&i| !pinned_last(i)).map(|i| layer[i]).collect();
    used.sort_unstable();
    used.dedup();
    // Compact the layers so no column is empty, then pin the ends.
    for (i, value) in layer.iter_mut().enumerate() {
        *value = if pinned_first(i) {
            0
        } else if pinned_last(i) {
            usize::MAX
        } else {
            used.iter().position(|&l| l == *value).unwrap_or(0)
        };
    }
    let mut layers = used.len().max(1);
    if (0..count).any(pinned_last) {
        for value in layer.iter_mut().filter(|value| **value == usize::MAX) {
            *value = layers;
        }
        layers += 1;
    }

    // Order within layers by the mean row of predecessors, layer by layer.
    let mut row = vec![0usize; count];
    let mut rows = 0;
    for current in 0..layers {
        let mut members: Vec<(f64, usize)> = (0..count)
            .filter(|&i| layer[i] == current)
            .map(|i| {
                let parents: Vec<f64> = edges
                    .iter()
                    .filter(|(from, to)| *to == i && layer[*from] < current)
                    .map(|(from, _)| row[*from] as f64)
                    .collect();
                let mean = if parents.is_empty() {
                    f64::MAX
                } else {
                    parents.iter().sum::<f64>() / parents.len() as f64
                };
                (mean, i)
            })
            .collect();
        members.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for (position, (_, i)) in members.iter().enumerate() {
            row[*i] = position;
        }
        rows = rows.max(members.len());
    }
    Layout { positions: (0..count).map(|i| (layer[i], row[i])).collect(), layers, rows }
}
