//! Number and text formatting shared by the report and the charts: durations in human
//! units, estimates with their confidence intervals, importance measures that may be
//! infinite, and the small escapes Markdown tables and file names need.

use drtwin_model::{Duration, Evidence, Twin};
use drtwin_sim::Estimate;

/// Minutes as a human duration (`45 s`, `12.5 min`, `3.2 h`).
pub fn minutes(value: f64) -> String {
    Duration::from_mins(value).human()
}

/// Seconds as a human duration.
pub fn seconds(value: f64) -> String {
    Duration::from_secs(value).human()
}

/// An estimate in minutes with its 95% interval: `12 min (95% CI 10 min–14 min)`.
pub fn minutes_ci(estimate: &Estimate) -> String {
    if estimate.low == estimate.high {
        return minutes(estimate.value);
    }
    format!(
        "{} (95% CI {}–{})",
        minutes(estimate.value),
        minutes(estimate.low),
        minutes(estimate.high)
    )
}

/// An estimate in seconds with its 95% interval.
pub fn seconds_ci(estimate: &Estimate) -> String {
    if estimate.low == estimate.high {
        return seconds(estimate.value);
    }
    format!(
        "{} (95% CI {}–{})",
        seconds(estimate.value),
        seconds(estimate.low),
        seconds(estimate.high)
    )
}

/// A dimensionless measure: `∞` for infinity, `–` for a value that is not a number, so a
/// table never shows `inf`, `NaN` or a misleading zero.
pub fn measure(value: f64, decimals: usize) -> String {
    if value.is_nan() {
        "–".into()
    } else if value.is_infinite() {
        if value > 0.0 { "∞".into() } else { "−∞".into() }
    } else if value != 0.0 && value.abs() < 0.5 * 10f64.powi(-(decimals as i32)) {
        format!("{value:.1e}")
    } else {
        format!("{value:.decimals$}")
    }
}

/// A measure with its interval, when the interval says something.
pub fn measure_ci(estimate: &Estimate, decimals: usize) -> String {
    let value = measure(estimate.value, decimals);
    if estimate.low == estimate.high || (estimate.value.is_infinite() && estimate.low.is_nan()) {
        return value;
    }
    format!("{value} ({}–{})", measure(estimate.low, decimals), measure(estimate.high, decimals))
}

/// Availability as a percentage with enough digits to tell 99.9% from 99.99%.
pub fn percent(fraction: f64) -> String {
    if !fraction.is_finite() {
        return "–".into();
    }
    let percent = fraction * 100.0;
    if (99.0..100.0).contains(&percent) {
        format!("{percent:.3} %")
    } else {
        format!("{percent:.1} %")
    }
}

/// A component's display name, or its id when the twin does not know it.
pub fn name_of<'a>(twin: &'a Twin, id: &'a str) -> &'a str {
    twin.component(id).map(|component| component.name.as_str()).unwrap_or(id)
}

/// `path:line` for files; the assumption's name otherwise. Plain text, no Markdown.
pub fn cite_plain(evidence: &Evidence) -> String {
    match evidence {
        Evidence::Assumption { name } => format!("assumption {name}"),
        file => file.cite(),
    }
}

/// `path:line` as inline code, for Markdown and HTML prose.
pub fn cite_code(evidence: &Evidence) -> String {
    match evidence {
        Evidence::Assumption { name } => format!("assumption `{name}`"),
        file => format!("`{}`", file.cite()),
    }
}

/// A file-name-safe slug: lower-case ASCII letters, digits and dashes.
pub fn slug(text: &str) -> String {
    let mut slug = String::new();
    for character in text.chars() {
        if character.is_ascii_alphanumeric() {
            slug.push(character.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
}

/// Removes backticks, for text that goes inside a code block.
pub fn plain(text: &str) -> String {
    text.replace('`', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infinite_and_nan_measures_never_print_as_numbers() {
        assert_eq!(measure(f64::INFINITY, 2), "∞");
        assert_eq!(measure(f64::NAN, 2), "–");
        assert_eq!(measure(1.234, 2), "1.23");
        assert_eq!(measure(0.00001, 3), "1.0e-5");
        let estimate = Estimate { value: f64::INFINITY, low: 40.0, high: f64::INFINITY };
        assert_eq!(measure_ci(&estimate, 1), "∞ (40.0–∞)");
    }

    #[test]
    fn slugs_are_file_safe() {
        assert_eq!(slug("Loss of the whole machine"), "loss-of-the-whole-machine");
        assert_eq!(slug("2025-03-09 (spring forward)"), "2025-03-09-spring-forward");
    }

    #[test]
    fn availability_keeps_the_nines() {
        assert_eq!(percent(0.99987), "99.987 %");
        assert_eq!(percent(0.5), "50.0 %");
    }
}
