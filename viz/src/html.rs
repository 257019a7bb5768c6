//! Renders report blocks as one self-contained HTML page: inline CSS, the charts' SVG
//! inline, no scripts, no fonts or images fetched from anywhere.

use std::fmt::Write;

use drtwin_model::RiskLevel;

use crate::document::Block;

const STYLE: &str = "
body { font-family: 'DejaVu Sans', Verdana, sans-serif; max-width: 70rem; margin: 2rem auto;
  padding: 0 1rem; color: #1a1a1a; line-height: 1.45; }
h1 { border-bottom: 3px solid #1a1a1a; padding-bottom: .3rem; }
h2 { border-bottom: 1px solid #999; margin-top: 2.5rem; }
table { border-collapse: collapse; margin: 1rem 0; font-size: .9rem; }
th, td { border: 1px solid #999; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #eee; }
code { background: #f2f2f2; padding: 0 .2rem; font-size: .9em; }
.scenario { border: 2px solid #555; border-left-width: .6rem; padding: .4rem 1rem;
  margin: 1rem 0; background: #fafafa; }
.scenario p { margin: .3rem 0; }
.scenario .label { font-weight: bold; letter-spacing: .03em; }
.risk-critical { border-color: #8b0000; } .risk-high { border-color: #c45a00; }
.risk-medium { border-color: #a08000; } .risk-low { border-color: #2f6f2f; }
figure { margin: 1.5rem 0; } figure svg { max-width: 100%; height: auto; }
figcaption { font-style: italic; font-size: .9rem; }
@media print { body { max-width: none; } .scenario, figure, table { break-inside: avoid; } }
";

pub fn render(blocks: &[Block], host: &str, charts_svg: &[(String, String)]) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(out, "<title>Disaster-recovery plan for {}</title>", escape(host));
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");

    for block in blocks {
        match block {
            Block::Heading(level, text) => {
                let _ = writeln!(out, "<h{level}>{}</h{level}>", inline(text));
            }
            Block::Paragraph(text) => {
                let _ = writeln!(out, "<p>{}</p>", inline(text));
            }
            Block::List(items) | Block::Ordered(items) => {
                let tag = if matches!(block, Block::List(_)) { "ul" } else { "ol" };
                let _ = writeln!(out, "<{tag}>");
                for item in items {
                    let _ = writeln!(out, "<li>{}</li>", inline(item));
                }
                let _ = writeln!(out, "</{tag}>");
            }
            Block::Table { header, rows } => {
                out.push_str("<table>\n<thead><tr>");
                for cell in header {
                    let _ = write!(out, "<th>{}</th>", inline(cell));
                }
                out.push_str("</tr></thead>\n<tbody>\n");
                for cells in rows {
                    out.push_str("<tr>");
                    for cell in cells {
                        let _ = write!(out, "<td>{}</td>", inline(cell));
                    }
                    out.push_str("</tr>\n");
                }
                out.push_str("</tbody>\n</table>\n");
            }
            Block::Fields { risk, fields } => {
                let class = match risk {
                    Some(RiskLevel::Critical) => "risk-critical",
                    Some(RiskLevel::High) => "risk-high",
                    Some(RiskLevel::Medium) => "risk-medium",
                    Some(RiskLevel::Low) => "risk-low",
                    None => "risk-unknown",
                };
                let _ = writeln!(out, "<div class=\"scenario {class}\">");
                for (label, value) in fields {
                    let _ = writeln!(
                        out,
                        "<p><span class=\"label\">{label}:</span> {}</p>",
                        escape(value)
                    );
                }
                out.push_str("</div>\n");
            }
            Block::Chart { path, caption } => {
                let Some((_, svg)) = charts_svg.iter().find(|(name, _)| name == path) else {
                    continue;
                };
                let _ = writeln!(
                    out,
                    "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>",
                    inline_svg(svg),
                    escape(caption)
                );
            }
        }
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// The chart's SVG for embedding: without an XML declaration and without the namespace
/// attribute, which HTML does not need, so the page names no address at all.
fn inline_svg(svg: &str) -> String {
    let start = svg.find("<svg").unwrap_or(0);
    svg[start..].replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            other => out.push(other),
        }
    }
    out
}

/// Escapes text and turns `code` and **bold** spans into elements. An unpaired marker is
/// left as it is.
fn inline(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        let code = rest.find('`');
        let bold = rest.find("**");
        let (start, marker, tag) = match (code, bold) {
            (Some(c), Some(b)) if b < c => (b, "**", "strong"),
            (Some(c), _) => (c, "`", "code"),
            (None, Some(b)) => (b, "**", "strong"),
            (None, None) => break,
        };
        let after = &rest[start + marker.len()..];
        let Some(end) = after.find(marker) else { break };
        out.push_str(&escape(&rest[..start]));
        let _ = write!(out, "<{tag}>{}</{tag}>", escape(&after[..end]));
        rest = &after[end + marker.len()..];
    }
    out.push_str(&escape(rest));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_markup_becomes_elements_and_text_is_escaped() {
        assert_eq!(
            inline("see `a<b`, **now** & then"),
            "see <code>a&lt;b</code>, <strong>now</strong> &amp; then"
        );
        assert_eq!(inline("a lone ` stays"), "a lone ` stays");
    }

    #[test]
    fn inline_svg_drops_the_namespace() {
        let svg = "<svg width=\"1\" xmlns=\"http://www.w3.org/2000/svg\"></svg>";
        assert_eq!(inline_svg(svg), "<svg width=\"1\"></svg>");
    }
}
