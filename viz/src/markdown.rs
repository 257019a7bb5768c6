//! Renders report blocks as GitHub-flavoured Markdown. Scenario blocks go in fenced code
//! blocks so each of the five fields starts its own line exactly as the seed writes them.

use crate::document::Block;

/// Line width inside scenario blocks; longer values wrap with a two-space indent.
const FIELD_WIDTH: usize = 96;

pub fn render(blocks: &[Block]) -> String {
    let mut out = String::new();
    for block in blocks {
        match block {
            Block::Heading(level, text) => {
                out.push_str(&"#".repeat(usize::from(*level)));
                out.push(' ');
                out.push_str(text);
                out.push('\n');
            }
            Block::Paragraph(text) => {
                out.push_str(text);
                out.push('\n');
            }
            Block::List(items) => {
                for item in items {
                    out.push_str(&format!("- {item}\n"));
                }
            }
            Block::Ordered(items) => {
                for (index, item) in items.iter().enumerate() {
                    out.push_str(&format!("{}. {item}\n", index + 1));
                }
            }
            Block::Table { header, rows } => {
                out.push_str(&row(header));
                out.push_str(&row(&header.iter().map(|_| "---".to_string()).collect::<Vec<_>>()));
                for cells in rows {
                    out.push_str(&row(cells));
                }
            }
            Block::Fields { fields, .. } => {
                out.push_str("```text\n");
                for (label, value) in fields {
                    out.push_str(&wrap(&format!("{label}: {value}"), FIELD_WIDTH));
                }
                out.push_str("```\n");
            }
            Block::Chart { path, caption } => {
                out.push_str(&format!("![{caption}]({path})\n"));
            }
        }
        out.push('\n');
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

fn row(cells: &[String]) -> String {
    let cells: Vec<String> =
        cells.iter().map(|cell| cell.replace('|', "\\|").replace('\n', " ")).collect();
    format!("| {} |\n", cells.join(" | "))
}

/// Wraps at spaces; continuation lines are indented by two spaces so no continuation can be
/// mistaken for a field label.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let limit = if out.is_empty() { width } else { width - 2 };
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > limit {
            out.push_str(if out.is_empty() { "" } else { "  " });
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push_str(if out.is_empty() { "" } else { "  " });
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_fields_wrap_with_an_indent() {
        let text = format!("RECOMMENDATION: {}", "word ".repeat(40));
        let wrapped = wrap(&text, 40);
        let lines: Vec<&str> = wrapped.lines().collect();
        assert!(lines.len() > 2);
        assert!(lines[0].starts_with("RECOMMENDATION: "));
        assert!(lines[1..].iter().all(|line| line.starts_with("  ") && line.len() <= 40));
    }

    #[test]
    fn table_cells_escape_pipes() {
        assert_eq!(row(&["a|b".into()]), "| a\\|b |\n");
    }
}
