//! PostgreSQL's `postgresql.conf` as the server reads it: `name [=] value`, names in any
//! case, single-quoted strings with `''` escapes, comments, `include`, `include_if_exists`
//! and `include_dir` relative to the including file, `postgresql.auto.conf` read last, and
//! the last occurrence of a setting winning.

use std::collections::BTreeMap;

use drtwin_model::{DatabaseConfig, Evidence};
use tracing::debug;

use crate::redact;

/// One setting's final value and where it was set.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    pub value: String,
    pub evidence: Evidence,
}

/// Something wrong with the configuration files, with where it is.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub reason: String,
    pub evidence: Evidence,
    /// The server refuses to start with it: PostgreSQL treats an error in any configuration
    /// file as fatal at start-up ("configuration file ... contains errors").
    pub stops_server: bool,
}

/// Reads the configuration of the data folder `data_dir` (a tree path). `read` returns a
/// file's text by tree path; `list` the tree paths directly in a folder. Returns the
/// settings and the problems found (missing includes, include cycles) with their evidence.
pub fn load(
    data_dir: &str,
    read: &mut dyn FnMut(&str) -> Option<String>,
    list: &dyn Fn(&str) -> Vec<String>,
) -> (BTreeMap<String, Setting>, Vec<Problem>) {
    let mut settings = BTreeMap::new();
    let mut problems = Vec::new();
    let mut visiting = Vec::new();
    let mut files = Files { read, list, settings: &mut settings, problems: &mut problems };
    let main = join(data_dir, "postgresql.conf");
    read_file(&main, Include::Main, &mut files, &mut visiting);
    let auto = join(data_dir, "postgresql.auto.conf");
    read_file(&auto, Include::Optional, &mut files, &mut visiting);
    (settings, problems)
}

/// What reading one file needs and fills.
struct Files<'a> {
    read: &'a mut dyn FnMut(&str) -> Option<String>,
    list: &'a dyn Fn(&str) -> Vec<String>,
    settings: &'a mut BTreeMap<String, Setting>,
    problems: &'a mut Vec<Problem>,
}

/// How a file came to be read, which decides what its absence means.
enum Include {
    /// `postgresql.conf` itself: absent from the tree says only that it was not captured.
    Main,
    /// `include_if_exists` and `postgresql.auto.conf`: absence is fine.
    Optional,
    /// `include` or a file of `include_dir`, at this line: absence stops the server.
    Required(Evidence),
}

fn join(folder: &str, name: &str) -> String {
    if folder.is_empty() { name.to_string() } else { format!("{folder}/{name}") }
}

fn read_file(path: &str, how: Include, files: &mut Files, visiting: &mut Vec<String>) {
    // PostgreSQL follows includes to a depth of ten and then fails ("maximum nesting depth
    // exceeded"), so a cycle is as fatal as a missing file; cite the include that closes it.
    if visiting.iter().any(|seen| seen == path) || visiting.len() > 10 {
        let (evidence, stops_server) = match how {
            Include::Required(evidence) => (evidence, true),
            Include::Main | Include::Optional => (Evidence::file(path, 1, "include cycle"), false),
        };
        files.problems.push(Problem {
            reason: format!("include cycle at `{path}`"),
            evidence,
            stops_server,
        });
        return;
    }
    let Some(text) = (files.read)(path) else {
        match how {
            Include::Required(evidence) => files.problems.push(Problem {
                reason: format!("`{path}` is included but missing"),
                evidence,
                stops_server: true,
            }),
            Include::Main => files.problems.push(Problem {
                reason: format!("`{path}` is not in the tree"),
                evidence: Evidence::assumption(format!("`{path}` was not captured")),
                stops_server: false,
            }),
            Include::Optional => {}
        }
        return;
    };
    visiting.push(path.to_string());
    let folder = crate::walk::parent(path).to_string();
    for (index, raw) in text.lines().enumerate() {
        let line_number = index as u32 + 1;
        let Some((name, value)) = parse_line(raw) else {
            continue;
        };
        let evidence = Evidence::file(path, line_number, redact::excerpt(strip_comment(raw)));
        match name.as_str() {
            "include" | "include_if_exists" => {
                let target = crate::walk::map_path(&value, Some(&folder)).unwrap_or_default();
                let how =
                    if name == "include" { Include::Required(evidence) } else { Include::Optional };
                read_file(&target, how, files, visiting);
            }
            "include_dir" => {
                let target = crate::walk::map_path(&value, Some(&folder)).unwrap_or_default();
                let mut listed: Vec<String> = (files.list)(&target)
                    .into_iter()
                    .filter(|p| {
                        let name = p.rsplit('/').next().unwrap_or(p);
                        name.ends_with(".conf") && !name.starts_with('.')
                    })
                    .collect();
                listed.sort();
                for file in listed {
                    read_file(&file, Include::Required(evidence.clone()), files, visiting);
                }
            }
            _ => {
                debug!(name, path, line_number, "postgres setting");
                files.settings.insert(name, Setting { value, evidence });
            }
        }
    }
    visiting.pop();
}

fn strip_comment(line: &str) -> &str {
    let mut in_quote = false;
    for (index, c) in line.char_indices() {
        match c {
            '\'' => in_quote = !in_quote,
            '#' if !in_quote => return line[..index].trim_end(),
            _ => {}
        }
    }
    line.trim_end()
}

/// `name [=] value` with the value unquoted, or `None` for blank and comment lines.
pub fn parse_line(raw: &str) -> Option<(String, String)> {
    let line = raw.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let name_end = line.find(|c: char| c.is_whitespace() || c == '=').unwrap_or(line.len());
    let name = line[..name_end].to_ascii_lowercase();
    let rest = line[name_end..].trim_start();
    let rest = rest.strip_prefix('=').unwrap_or(rest).trim_start();
    let value = if let Some(quoted) = rest.strip_prefix('\'') {
        let mut value = String::new();
        let mut chars = quoted.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\'' if chars.peek() == Some(&'\'') => {
                    value.push('\'');
                    chars.next();
                }
                '\'' => break,
                '\\' => {
                    if let Some(next) = chars.next() {
                        value.push(next);
                    }
                }
                other => value.push(other),
            }
        }
        value
    } else {
        rest.split(|c: char| c.is_whitespace() || c == '#').next().unwrap_or("").to_string()
    };
    (!name.is_empty()).then_some((name, value))
}

/// A boolean as PostgreSQL accepts it (unambiguous prefixes of on/off/true/false/yes/no).
pub fn boolean(value: &str) -> Option<bool> {
    let value = value.trim().to_ascii_lowercase();
    if value.is_empty() {
        return None;
    }
    let prefix_of = |word: &str| word.starts_with(value.as_str());
    if value == "1" || prefix_of("true") || prefix_of("yes") || value == "on" {
        Some(true)
    } else if value == "0"
        || prefix_of("false")
        || prefix_of("no")
        || value == "off"
        || value == "of"
    {
        Some(false)
    } else {
        None
    }
}

/// The settings that matter, with the defaults of FORMATS.md where a setting is absent.
pub fn database_config(settings: &BTreeMap<String, Setting>) -> DatabaseConfig {
    let text = |name: &str, default: &str| {
        settings.get(name).map_or_else(|| default.to_string(), |s| s.value.to_ascii_lowercase())
    };
    let number = |name: &str, default: u32| {
        settings.get(name).and_then(|s| s.value.trim().parse().ok()).unwrap_or(default)
    };
    let flag = |name: &str, default: bool| {
        settings.get(name).and_then(|s| boolean(&s.value)).unwrap_or(default)
    };
    let names = [
        "port",
        "max_connections",
        "superuser_reserved_connections",
        "fsync",
        "full_page_writes",
        "synchronous_commit",
        "wal_level",
        "max_wal_senders",
        "archive_mode",
        "listen_addresses",
    ];
    let evidence = names
        .iter()
        .map(|name| {
            let evidence = settings.get(*name).map_or_else(
                || Evidence::assumption(format!("postgres-default-{name}")),
                |s| s.evidence.clone(),
            );
            ((*name).to_string(), evidence)
        })
        .collect();
    DatabaseConfig {
        engine: "postgresql".to_string(),
        port: number("port", 5432).min(65535) as u16,
        max_connections: number("max_connections", 100),
        superuser_reserved_connections: number("superuser_reserved_connections", 3),
        fsync: flag("fsync", true),
        full_page_writes: flag("full_page_writes", true),
        synchronous_commit: text("synchronous_commit", "on"),
        wal_level: text("wal_level", "replica"),
        max_wal_senders: number("max_wal_senders", 10),
        archive_mode: text("archive_mode", "off"),
        listen_addresses: text("listen_addresses", "localhost"),
        evidence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_from(files: &[(&str, &str)]) -> (BTreeMap<String, Setting>, Vec<Problem>) {
        let owned: BTreeMap<String, String> =
            files.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect();
        let listing = owned.clone();
        let mut read = |path: &str| owned.get(path).cloned();
        let list = move |folder: &str| -> Vec<String> {
            listing.keys().filter(|p| crate::walk::parent(p) == folder).cloned().collect()
        };
        load("pg", &mut read, &list)
    }

    #[test]
    fn syntax_includes_and_last_wins() {
        let (settings, problems) = load_from(&[
            (
                "pg/postgresql.conf",
                "# comment\nMax_Connections = 100\nfsync off # risky\n\
                 listen_addresses = 'it''s'  # quoted\ninclude 'extra.conf'\n\
                 include_if_exists 'absent.conf'\ninclude_dir 'conf.d'\n",
            ),
            ("pg/extra.conf", "max_connections = 60\ninclude 'postgresql.conf'\n"),
            ("pg/conf.d/01.conf", "wal_level = minimal\n"),
            ("pg/conf.d/.hidden.conf", "wal_level = logical\n"),
            ("pg/postgresql.auto.conf", "synchronous_commit = 'off'\n"),
        ]);
        assert_eq!(settings["max_connections"].value, "60");
        assert!(matches!(&settings["max_connections"].evidence,
            Evidence::File { path, line: 1, .. } if path == "pg/extra.conf"));
        assert_eq!(settings["listen_addresses"].value, "it's");
        assert_eq!(settings["wal_level"].value, "minimal");
        assert_eq!(problems.len(), 1, "the cycle is reported, the missing optional file is not");
        let config = database_config(&settings);
        assert!(!config.fsync);
        assert_eq!(config.synchronous_commit, "off");
        assert_eq!(config.superuser_reserved_connections, 3);
        assert_eq!(config.max_wal_senders, 10);
    }

    #[test]
    fn auto_conf_overrides() {
        let (settings, _) = load_from(&[
            ("pg/postgresql.conf", "max_connections = 100\n"),
            ("pg/postgresql.auto.conf", "max_connections = '40'\n"),
        ]);
        assert_eq!(database_config(&settings).max_connections, 40);
    }

    #[test]
    fn booleans() {
        assert_eq!(boolean("on"), Some(true));
        assert_eq!(boolean("t"), Some(true));
        assert_eq!(boolean("OFF"), Some(false));
        assert_eq!(boolean("maybe"), None);
    }

    #[test]
    fn include_cycle_terminates_with_a_warning() {
        let (settings, problems) = load_from(&[
            ("pg/postgresql.conf", "include 'b.conf'\nport = 5433\n"),
            ("pg/b.conf", "include 'postgresql.conf'\nmax_connections = 7\n"),
        ]);
        assert_eq!(settings["port"].value, "5433");
        assert_eq!(settings["max_connections"].value, "7");
        assert!(problems.iter().any(|p| p.reason.contains("cycle") && p.stops_server));
    }

    #[test]
    fn include_dir_order_and_boolean_prefixes() {
        let (settings, _) = load_from(&[
            ("pg/postgresql.conf", "include_dir 'conf.d'\n"),
            ("pg/conf.d/20.conf", "port = 2\n"),
            ("pg/conf.d/10.conf", "port = 1\n"),
            ("pg/conf.d/.99.conf", "port = 99\n"),
            ("pg/conf.d/30.txt", "port = 30\n"),
        ]);
        assert_eq!(settings["port"].value, "2", "C order; dot-files and non-.conf skipped");
        assert_eq!(boolean("of"), Some(false));
        assert_eq!(boolean("tr"), Some(true));
        assert_eq!(boolean("y"), Some(true));
        assert_eq!(boolean("n"), Some(false));
        assert_eq!(boolean("o"), None, "`o` is ambiguous between on and off");
        // Values with units stay as written; the twin's settings are unitless counts.
        let (settings, _) = load_from(&[(
            "pg/postgresql.conf",
            "shared_buffers = 1GB\ncheckpoint_timeout = '15min'\n",
        )]);
        assert_eq!(settings["shared_buffers"].value, "1GB");
        assert_eq!(settings["checkpoint_timeout"].value, "15min");
    }

    #[test]
    fn missing_include_stops_the_server_and_cites_the_include_line() {
        let (_, problems) = load_from(&[(
            "pg/postgresql.conf",
            "port = 5432\ninclude_if_exists 'optional.conf'\ninclude 'tuning.conf'\n",
        )]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].stops_server);
        assert!(matches!(&problems[0].evidence,
            Evidence::File { path, line: 3, .. } if path == "pg/postgresql.conf"));
    }
}
