//! Logs, disk and backups: log sizes from a captured `ls -l` (and growth against an earlier
//! `du -k` capture), disk capacity from `df -h`, rotation rules from newsyslog and
//! logrotate, and the dumps a backup folder holds, with the `PGDMP` header of custom-format
//! dumps read natively (never by running pg_restore).

use std::collections::BTreeMap;

/// A log file's size now and, where an earlier capture allows, its growth.
#[derive(Clone, Debug, PartialEq)]
pub struct LogSize {
    pub name: String,
    pub bytes: u64,
    pub bytes_per_day: Option<f64>,
    pub line: u32,
}

/// One `ls -l` row: name, size, (month, day) when shown, line.
pub type LsRow = (String, u64, Option<(u32, u32)>, u32);

/// Parses `ls -l` output: size is the fifth column, the name the last; month and day give
/// the date (the year is not shown, so the caller supplies it).
pub fn parse_ls(text: &str) -> Vec<LsRow> {
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let mut out = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() < 9 || !fields[0].starts_with('-') {
            continue;
        }
        let Ok(size) = fields[4].parse::<u64>() else {
            continue;
        };
        let month = MONTHS.iter().position(|m| *m == fields[5]).map(|m| m as u32 + 1);
        let day = fields[6].parse::<u32>().ok();
        let date = month.zip(day);
        let name = fields[8..].join(" ");
        out.push((name, size, date, index as u32 + 1));
    }
    out
}

/// Parses `du -k` output: kibibytes, then a path.
pub fn parse_du(text: &str) -> BTreeMap<String, u64> {
    text.lines()
        .filter_map(|line| {
            let (size, path) = line.trim().split_once(char::is_whitespace)?;
            let name = path.trim().rsplit('/').next()?.to_string();
            Some((name, size.parse::<u64>().ok()? * 1024))
        })
        .collect()
}

/// Log sizes with growth per day where an earlier `du` capture (dated `year, month, day`)
/// exists.
pub fn log_sizes(ls: &str, earlier: Option<(&str, (i32, u32, u32))>) -> Vec<LogSize> {
    let earlier_sizes = earlier.map(|(text, date)| (parse_du(text), date));
    parse_ls(ls)
        .into_iter()
        .map(|(name, bytes, date, line)| {
            let bytes_per_day = earlier_sizes.as_ref().and_then(|(sizes, (year, month, day))| {
                let before = *sizes.get(&name)?;
                let (now_month, now_day) = date?;
                let now_year = if now_month < *month { year + 1 } else { *year };
                let days =
                    day_number(now_year, now_month, now_day) - day_number(*year, *month, *day);
                (days > 0).then(|| bytes.saturating_sub(before) as f64 / days as f64)
            });
            LogSize { name, bytes, bytes_per_day, line }
        })
        .collect()
}

/// Days since an arbitrary epoch (proleptic Gregorian), for differences only.
fn day_number(year: i32, month: u32, day: u32) -> i64 {
    let (y, m) = if month <= 2 { (year - 1, month + 9) } else { (year, month - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m as i32 + 2) / 5 + day as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    i64::from(era) * 146_097 + i64::from(doe)
}

/// A size as `df -h` prints it: `228Gi`, `26G`, `483Mi`, `0Bi` (powers of 1024).
pub fn human_bytes(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let number: f64 = text[..split].parse().ok()?;
    let unit = text[split..].trim_end_matches('i').trim_end_matches('B');
    let power = match unit {
        "" => 0,
        "K" | "k" => 1,
        "M" => 2,
        "G" => 3,
        "T" => 4,
        "P" => 5,
        _ => return None,
    };
    Some((number * 1024f64.powi(power)) as u64)
}

/// The row of `df -h` for `mount`: capacity, free bytes and the line.
pub fn parse_df(text: &str, mount: &str) -> Option<(u64, u64, u32)> {
    for (index, line) in text.lines().enumerate().skip(1) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() < 6 || fields.last() != Some(&mount) {
            continue;
        }
        let size = human_bytes(fields.get(fields.len() - 8).copied().unwrap_or(fields[1]))
            .or_else(|| human_bytes(fields[1]))?;
        let free = human_bytes(fields[3])?;
        return Some((size, free, index as u32 + 1));
    }
    None
}

/// The log paths newsyslog or logrotate rotates, with the line of each rule.
pub fn rotated_paths(text: &str) -> Vec<(String, u32)> {
    let mut out = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        // newsyslog: the first field is the path. logrotate: `path [path...] {`.
        let paths = trimmed
            .trim_end_matches('{')
            .split_whitespace()
            .take_while(|w| w.starts_with('/') || w.starts_with('~'));
        for path in paths {
            out.push((path.to_string(), index as u32 + 1));
        }
    }
    out
}

/// Whether a rotation pattern (`/x/logs/*.log`) covers a path.
pub fn pattern_covers(pattern: &str, path: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == path,
        Some((prefix, suffix)) => {
            path.starts_with(prefix)
                && path.ends_with(suffix)
                && path.len() >= prefix.len() + suffix.len()
        }
    }
}

/// The header of a pg_dump custom-format archive: format version and the format byte.
#[derive(Clone, Debug, PartialEq)]
pub struct DumpHeader {
    pub version: (u8, u8, u8),
    pub custom_format: bool,
}

/// Reads `PGDMP`, three version bytes, int size, offset size and the format byte.
pub fn dump_header(bytes: &[u8]) -> Option<DumpHeader> {
    if bytes.len() < 11 || !bytes.starts_with(b"PGDMP") {
        return None;
    }
    Some(DumpHeader { version: (bytes[5], bytes[6], bytes[7]), custom_format: bytes[10] == 1 })
}

/// A `YYYY-MM-DD` or `YYYYMMDD` date in a file name.
pub fn date_in_name(name: &str) -> Option<String> {
    let bytes = name.as_bytes();
    for start in 0..bytes.len() {
        let rest = &name[start..];
        if rest.len() >= 10
            && rest.as_bytes()[..4].iter().all(u8::is_ascii_digit)
            && rest.as_bytes()[4] == b'-'
            && rest.as_bytes()[7] == b'-'
        {
            return Some(rest[..10].to_string());
        }
        if rest.len() >= 8
            && rest.as_bytes()[..8].iter().all(u8::is_ascii_digit)
            && rest.starts_with("20")
        {
            return Some(rest[..8].to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ls_du_and_growth() {
        let ls = "total 8\n-rw-r--r--  1 u  staff  3145728 Nov 30 14:22 app.log\n\
                  drwxr-xr-x  2 u  staff  64 Nov 10 16:24 archive\n";
        let du = "1024\t/Users/u/logs/app.log\n";
        let sizes = log_sizes(ls, Some((du, (2026, 11, 25))));
        assert_eq!(sizes.len(), 1);
        assert_eq!(sizes[0].bytes, 3_145_728);
        assert_eq!(sizes[0].bytes_per_day, Some((3_145_728.0 - 1_048_576.0) / 5.0));
        let across_year = log_sizes(
            "-rw-r--r--  1 u  staff  2048 Jan  2 10:00 a.log\n",
            Some(("1\t/x/a.log\n", (2026, 12, 31))),
        );
        assert_eq!(across_year[0].bytes_per_day, Some(512.0));
    }

    #[test]
    fn df_rows() {
        let df = "Filesystem Size Used Avail Capacity iused ifree %iused Mounted on\n\
                  /dev/disk3s1s1   228Gi    10Gi    26Gi    28%  426k  272M    0%   /\n";
        let (size, free, line) = parse_df(df, "/").unwrap();
        assert_eq!(size, 228 * 1024 * 1024 * 1024);
        assert_eq!(free, 26 * 1024 * 1024 * 1024);
        assert_eq!(line, 2);
        assert_eq!(human_bytes("1.5Ki"), Some(1536));
    }

    #[test]
    fn rotation_and_dumps() {
        let rules =
            rotated_paths("# c\n/Users/u/logs/a.log  u:staff 644 7 * $D0 J\n/var/log/x/*.log {\n");
        assert_eq!(rules.len(), 2);
        assert!(pattern_covers("/var/log/x/*.log", "/var/log/x/y.log"));
        assert!(!pattern_covers("/var/log/x/*.log", "/var/log/z.log"));
        let header = dump_header(b"PGDMP\x01\x0f\x00\x04\x08\x01\x01").unwrap();
        assert_eq!(header.version, (1, 15, 0));
        assert!(header.custom_format);
        assert!(dump_header(b"not a dump").is_none());
        assert_eq!(date_in_name("db-2026-11-25.dump").as_deref(), Some("2026-11-25"));
        assert_eq!(date_in_name("gigi-20261125.log").as_deref(), Some("20261125"));
    }
}
