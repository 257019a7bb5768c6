//! Crontabs as Vixie-derived cron (the one macOS ships) reads them: five time fields with
//! lists, ranges, steps and names, the `@` macros, environment lines, the `%` rule, the
//! user field of the system table, and the rule that ORs day-of-month with day-of-week only
//! when neither field starts with `*`.

use drtwin_model::{CalendarRule, Schedule, ScheduleSource, Timing, schedule};

/// One schedule line of a crontab.
#[derive(Clone, Debug, PartialEq)]
pub struct CronEntry {
    pub line: u32,
    /// The line as written, redacted.
    pub excerpt: String,
    pub schedule: Schedule,
    /// The user field of the system table.
    pub user: Option<String>,
    /// The command up to the first unescaped `%`, with `\%` unescaped.
    pub command: String,
    /// What follows the first `%` (standard input), if anything.
    pub stdin: Option<String>,
}

/// Parses a crontab. `system` tables carry a user field. Returns the entries and, for each
/// line cron would reject, its line number and reason.
pub fn parse(text: &str, system: bool) -> (Vec<CronEntry>, Vec<(u32, String)>) {
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line_number = index as u32 + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }

        // An environment line starts with a name; no time field starts with a letter.
        if line.starts_with(|c: char| c.is_ascii_alphabetic() || c == '"' || c == '\'')
            && line.contains('=')
        {
            continue;
        }
        match parse_line(line, system) {
            Ok((schedule, user, command_text)) => {
                let (command, stdin) = split_percent(&command_text);
                entries.push(CronEntry {
                    line: line_number,
                    excerpt: crate::redact::excerpt(line),
                    schedule,
                    user,
                    command,
                    stdin,
                });
            }
            Err(reason) => errors.push((line_number, reason)),
        }
    }
    (entries, errors)
}

fn parse_line(line: &str, system: bool) -> Result<(Schedule, Option<String>, String), String> {
    let mut rest = line;
    let take = |rest: &mut &str| -> Option<String> {
        let trimmed = rest.trim_start();
        if trimmed.is_empty() {
            return None;
        }
        let end = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
        let word = trimmed[..end].to_string();
        *rest = &trimmed[end..];
        Some(word)
    };

    let first = take(&mut rest).ok_or("empty line")?;
    let (text, timing) = if let Some(name) = first.strip_prefix('@') {
        let fields = match name.to_ascii_lowercase().as_str() {
            "reboot" => None,
            "yearly" | "annually" => Some("0 0 1 1 *"),
            "monthly" => Some("0 0 1 * *"),
            "weekly" => Some("0 0 * * 0"),
            "daily" | "midnight" => Some("0 0 * * *"),
            "hourly" => Some("0 * * * *"),
            other => return Err(format!("unknown macro `@{other}`")),
        };
        let timing = match fields {
            None => Timing::AtBoot,
            Some(fields) => {
                let parts: Vec<&str> = fields.split(' ').collect();
                Timing::Calendar(vec![rule(&parts)?])
            }
        };
        (first.clone(), timing)
    } else {
        let mut fields = vec![first];
        for _ in 0..4 {
            fields.push(take(&mut rest).ok_or("fewer than five time fields")?);
        }
        let parts: Vec<&str> = fields.iter().map(String::as_str).collect();
        (fields.join(" "), Timing::Calendar(vec![rule(&parts)?]))
    };
    let user = if system { Some(take(&mut rest).ok_or("no user field")?) } else { None };
    let command = rest.trim().to_string();
    if command.is_empty() {
        return Err("no command".to_string());
    }
    Ok((Schedule { source: ScheduleSource::Cron, text, timing }, user, command))
}

/// Builds the calendar rule of five fields.
pub fn rule(fields: &[&str]) -> Result<CalendarRule, String> {
    if fields.len() != 5 {
        return Err(format!("expected five time fields, found {}", fields.len()));
    }
    const MONTHS: [&str; 12] =
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
    let minutes = field(fields[0], 0, 59, &[], 0)?;
    let hours = field(fields[1], 0, 23, &[], 0)?;
    let days = field(fields[2], 1, 31, &[], 0)?;
    let months = field(fields[3], 1, 12, &MONTHS, 1)?;
    let mut weekdays = field(fields[4], 0, 7, &DAYS, 0)?;
    if weekdays & (1 << 7) != 0 {
        weekdays = (weekdays & !(1 << 7)) | 1;
    }
    Ok(CalendarRule {
        minutes,
        hours: hours as u32,
        days: days as u32,
        months: months as u16,
        weekdays: weekdays as u8,
        days_or_weekdays: !fields[2].starts_with('*') && !fields[4].starts_with('*'),
    })
}

/// One field as a bit mask: `*`, numbers, names, `a-b`, lists, `/step`.
fn field(text: &str, min: u32, max: u32, names: &[&str], name_base: u32) -> Result<u64, String> {
    let value = |word: &str| -> Result<u32, String> {
        if let Ok(number) = word.parse::<u32>() {
            if number < min || number > max {
                return Err(format!("`{word}` is outside {min}-{max}"));
            }
            return Ok(number);
        }
        names
            .iter()
            .position(|name| name.eq_ignore_ascii_case(word))
            .map(|index| index as u32 + name_base)
            .ok_or_else(|| format!("`{word}` is not a number or a name"))
    };
    let mut mask = 0u64;
    for item in text.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => {
                let step: u32 = step.parse().map_err(|_| format!("bad step in `{item}`"))?;
                if step == 0 {
                    return Err(format!("zero step in `{item}`"));
                }
                (range, step)
            }
            None => (item, 1),
        };
        let (low, high) = if range == "*" {
            (min, max)
        } else if let Some((low, high)) = range.split_once('-') {
            (value(low)?, value(high)?)
        } else {
            let single = value(range)?;
            // `a/n` runs from a to the end of the field, as FreeBSD's cron reads it.
            if item.contains('/') { (single, max) } else { (single, single) }
        };
        if low > high {
            return Err(format!("range `{range}` runs backwards"));
        }
        let mut current = low;
        while current <= high {
            mask |= 1 << current;
            current += step;
        }
    }
    Ok(mask)
}

/// Splits a command at its first unescaped `%`; the rest, with `%` as newlines, is stdin.
fn split_percent(command: &str) -> (String, Option<String>) {
    let mut out = String::new();
    let mut chars = command.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'%') => {
                out.push('%');
                chars.next();
            }
            '%' => {
                let rest: String = chars.collect();
                return (out, Some(rest.replace('%', "\n")));
            }
            other => out.push(other),
        }
    }
    (out, None)
}

/// The time between firings of a schedule, averaged over a day (`*/5` gives five minutes).
pub fn period_of(timing: &Timing) -> Option<drtwin_model::Duration> {
    match timing {
        Timing::Every(period) => Some(*period),
        Timing::AtBoot => None,
        Timing::Calendar(rules) => {
            let per_day: u32 =
                rules.iter().map(|rule| rule.minutes.count_ones() * rule.hours.count_ones()).sum();
            let all_days = rules.iter().all(|rule| {
                rule.days == schedule::ALL_DAYS && rule.weekdays == schedule::ALL_WEEKDAYS
            });
            (per_day > 0).then(|| {
                let day = if all_days { 86_400.0 } else { 7.0 * 86_400.0 };
                drtwin_model::Duration::from_secs(day / f64::from(per_day))
            })
        }
    }
}

/// The usual gap between two firings while the schedule runs: the most common gap between
/// consecutive firings of a day (`*/10 9-17/2` gives ten minutes, not its daily average).
/// `None` for work that fires at most once a day, or only at boot.
pub fn running_interval(timing: &Timing) -> Option<drtwin_model::Duration> {
    let rules = match timing {
        Timing::Every(period) => return Some(*period),
        Timing::AtBoot => return None,
        Timing::Calendar(rules) => rules,
    };
    let mut firings: Vec<u32> = Vec::new();
    for rule in rules {
        for hour in (0..24).filter(|h| rule.hours & (1 << h) != 0) {
            for minute in (0..60).filter(|m| rule.minutes & (1u64 << m) != 0) {
                firings.push(hour * 60 + minute);
            }
        }
    }
    firings.sort_unstable();
    firings.dedup();
    let mut counts: std::collections::BTreeMap<u32, u32> = std::collections::BTreeMap::new();
    for pair in firings.windows(2) {
        *counts.entry(pair[1] - pair[0]).or_default() += 1;
    }
    // The most common gap; on a tie the shorter one, as the map is ordered by gap.
    let (gap, _) = counts.iter().fold(
        (0, 0),
        |best, (gap, count)| {
            if *count > best.1 { (*gap, *count) } else { best }
        },
    );
    (gap > 0).then(|| drtwin_model::Duration::from_mins(f64::from(gap)))
}

/// The hours of the day, and days of the week, on which a calendar schedule that fires
/// several times a day never fires, in words (`at hours 0-8, 10, 18-23`, `on Sat, Sun`).
/// `None` when it covers every hour of every day or fires at most once a day.
pub fn idle_times(timing: &Timing) -> Option<String> {
    let Timing::Calendar(rules) = timing else {
        return None;
    };
    running_interval(timing)?;
    let hours = rules.iter().fold(0u32, |mask, rule| mask | rule.hours);
    let weekdays = if rules.iter().all(|rule| rule.days == schedule::ALL_DAYS) {
        rules.iter().fold(0u8, |mask, rule| mask | rule.weekdays)
    } else {
        schedule::ALL_WEEKDAYS
    };
    let mut parts = Vec::new();
    let idle_hours: Vec<u32> = (0..24).filter(|h| hours & (1 << h) == 0).collect();
    if !idle_hours.is_empty() {
        let mut ranges: Vec<String> = Vec::new();
        let mut index = 0;
        while index < idle_hours.len() {
            let start = idle_hours[index];
            let mut end = start;
            while index + 1 < idle_hours.len() && idle_hours[index + 1] == end + 1 {
                index += 1;
                end = idle_hours[index];
            }
            ranges.push(if start == end { format!("{start}") } else { format!("{start}-{end}") });
            index += 1;
        }
        parts.push(format!("at hours {}", ranges.join(", ")));
    }
    const NAMES: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    let idle_days: Vec<&str> =
        (0..7).filter(|d| weekdays & (1 << d) == 0).map(|d| NAMES[d]).collect();
    if !idle_days.is_empty() {
        parts.push(format!("on {}", idle_days.join(", ")));
    }
    (!parts.is_empty()).then(|| parts.join(" or "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn only_rule(line: &str) -> CalendarRule {
        let (entries, errors) = parse(line, false);
        assert!(errors.is_empty(), "{errors:?}");
        match &entries[0].schedule.timing {
            Timing::Calendar(rules) => rules[0],
            other => panic!("not a calendar: {other:?}"),
        }
    }

    #[test]
    fn steps_ranges_lists_and_names() {
        let rule = only_rule("*/5 * * * * /bin/true");
        assert_eq!(rule.minutes.count_ones(), 12);
        let rule = only_rule("0 */2 * * * x");
        assert_eq!(rule.hours.count_ones(), 12);
        assert_eq!(rule.minutes, 1);
        let rule = only_rule("10-50/20 1,3 * JAN-mar Mon-Fri x");
        assert_eq!(rule.minutes, (1 << 10) | (1 << 30) | (1 << 50));
        assert_eq!(rule.hours, (1 << 1) | (1 << 3));
        assert_eq!(rule.months, (1 << 1) | (1 << 2) | (1 << 3));
        assert_eq!(rule.weekdays, 0b0111110);
        assert!(!rule.days_or_weekdays);
        assert_eq!(only_rule("0 0 * * 7 x").weekdays, 1, "7 is Sunday");
    }

    #[test]
    fn day_fields_or_only_without_star() {
        assert!(only_rule("15 4 1,15 * 1 x").days_or_weekdays);
        assert!(!only_rule("15 4 */2 * 1 x").days_or_weekdays);
        assert!(!only_rule("15 4 1 * * x").days_or_weekdays);
    }

    #[test]
    fn macros_env_percent_and_system_user() {
        let text = "SHELL=/bin/bash\nMAILTO=\"\"\n# comment\n@reboot sleep 9 && run.sh\n\
                    @daily backup.sh\n0 6 * * mon echo a\\%b % input%more\n";
        let (entries, errors) = parse(text, false);
        assert!(errors.is_empty());
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[0].schedule.timing, Timing::AtBoot);
        assert_eq!(entries[0].line, 4);
        assert!(matches!(&entries[1].schedule.timing, Timing::Calendar(r) if r[0].hours == 1));
        assert_eq!(entries[2].command, "echo a%b ");
        assert_eq!(entries[2].stdin.as_deref(), Some(" input\nmore"));

        let (system, _) = parse("*/10 * * * * root /usr/libexec/atrun\n", true);
        assert_eq!(system[0].user.as_deref(), Some("root"));
        assert_eq!(system[0].command, "/usr/libexec/atrun");
    }

    #[test]
    fn bad_lines_are_reported_not_fatal() {
        let (entries, errors) = parse("61 * * * * x\n* * *\n@fortnightly x\n0 1 * * * ok\n", false);
        assert_eq!(entries.len(), 1);
        assert_eq!(errors.len(), 3);
    }

    #[test]
    fn periods() {
        let rule = only_rule("*/5 * * * * x");
        let period = period_of(&Timing::Calendar(vec![rule])).unwrap();
        assert_eq!(period.secs(), 300.0);
        let rule = only_rule("0 */2 * * * x");
        assert_eq!(period_of(&Timing::Calendar(vec![rule])).unwrap().secs(), 7200.0);
    }

    #[test]
    fn midnight_lists_of_names_and_stepped_ranges() {
        let (entries, errors) = parse("@midnight x\n1-30/7\t*\t*\tJAN,jul\tmon-fri\ty\n", false);
        assert!(errors.is_empty(), "{errors:?}");
        assert!(
            matches!(&entries[0].schedule.timing, Timing::Calendar(r) if r[0].hours == 1 && r[0].minutes == 1)
        );
        let Timing::Calendar(rules) = &entries[1].schedule.timing else { panic!("calendar") };
        assert_eq!(rules[0].minutes, (1 << 1) | (1 << 8) | (1 << 15) | (1 << 22) | (1 << 29));
        assert_eq!(rules[0].months, (1 << 1) | (1 << 7));
        assert_eq!(rules[0].weekdays, 0b0111110);
        assert_eq!(entries[1].command, "y");
    }

    #[test]
    fn restricted_hours_keep_the_running_interval() {
        let timing = Timing::Calendar(vec![only_rule("*/10 9-17/2 * * * x")]);
        assert_eq!(running_interval(&timing).map(|d| d.secs()), Some(600.0));
        assert_eq!(idle_times(&timing).as_deref(), Some("at hours 0-8, 10, 12, 14, 16, 18-23"));
        let always = Timing::Calendar(vec![only_rule("*/5 * * * * x")]);
        assert_eq!(running_interval(&always).map(|d| d.secs()), Some(300.0));
        assert_eq!(idle_times(&always), None);
        let weekdays = Timing::Calendar(vec![only_rule("*/15 * * * mon-fri x")]);
        assert_eq!(idle_times(&weekdays).as_deref(), Some("on Sun, Sat"));
        let daily = Timing::Calendar(vec![only_rule("0 3 * * * x")]);
        assert_eq!((running_interval(&daily), idle_times(&daily)), (None, None));
    }
}
