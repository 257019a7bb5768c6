//! launchd property lists (`Library/LaunchAgents`, `Library/LaunchDaemons`): one job per file,
//! with its restart policy derived exactly as launchd reads KeepAlive, its schedule when it
//! is a timed job, and what its arguments say about its role, ports and workers.
//!
//! XML and binary plists both go through the `plist` crate. XML files may carry comments
//! before the prolog; when the first parse fails the text is retried from `<?xml` or
//! `<plist`. Line numbers come from searching the XML text with comments blanked out (so a
//! commented-out key is never cited); binary plists cite line 0.

use drtwin_model::{
    CalendarRule, Duration, Evidence, KeepAlive, KeepAliveConditions, RestartPolicy, ServiceRole,
    schedule,
};
use plist::Value;
use tracing::debug;

use crate::redact;

/// Keys launchd knows at the top level of a job, for spotting misspellings.
const KNOWN_KEYS: [&str; 40] = [
    "Label",
    "Disabled",
    "UserName",
    "GroupName",
    "inetdCompatibility",
    "LimitLoadToHosts",
    "LimitLoadFromHosts",
    "LimitLoadToSessionType",
    "Program",
    "ProgramArguments",
    "EnableGlobbing",
    "EnableTransactions",
    "OnDemand",
    "KeepAlive",
    "RunAtLoad",
    "RootDirectory",
    "WorkingDirectory",
    "EnvironmentVariables",
    "Umask",
    "TimeOut",
    "ExitTimeOut",
    "ThrottleInterval",
    "InitGroups",
    "WatchPaths",
    "QueueDirectories",
    "StartOnMount",
    "StartInterval",
    "StartCalendarInterval",
    "StandardInPath",
    "StandardOutPath",
    "StandardErrorPath",
    "Debug",
    "WaitForDebugger",
    "SoftResourceLimits",
    "HardResourceLimits",
    "Nice",
    "ProcessType",
    "AbandonProcessGroup",
    "MachServices",
    "Sockets",
];

/// One launchd job as its plist describes it.
#[derive(Clone, Debug)]
pub struct LaunchdJob {
    pub path: String,
    pub label: String,
    pub program: String,
    pub arguments: Vec<String>,
    pub working_directory: Option<String>,
    /// Names and raw values. Raw values stay inside the crate: only [`Self::env_vars`] (with
    /// secrets dropped) reaches the twin.
    pub environment: Vec<(String, String)>,
    pub restart: RestartPolicy,
    pub keep_alive_evidence: Evidence,
    /// Misspelt keys launchd ignores, with where they are.
    pub misspelt: Vec<(String, String, Evidence)>,
    pub start_interval: Option<(u64, Evidence)>,
    pub calendar: Option<(Vec<CalendarRule>, String, Evidence)>,
    pub logs: Vec<String>,
    pub memory_limit_bytes: Option<u64>,
    pub role: ServiceRole,
    pub ports: Vec<(u16, Evidence)>,
    pub workers: (u32, Option<Evidence>),
    pub concurrency_limit: Option<u32>,
    pub label_evidence: Evidence,
    /// The plist type KeepAlive was given when it is neither a boolean nor a dictionary
    /// (`<integer>`, `<string>`, ...): launchd ignores such a value.
    pub keep_alive_wrong_type: Option<String>,
    /// From `Library/LaunchDaemons` (starts at boot) rather than LaunchAgents (at login).
    #[allow(dead_code)]
    pub daemon: bool,
}

impl LaunchdJob {
    /// Environment for the twin: secret values (by name or by content) become `None`.
    pub fn env_vars(&self) -> Vec<drtwin_model::EnvVar> {
        self.environment
            .iter()
            .map(|(name, value)| drtwin_model::EnvVar {
                name: name.clone(),
                value: (!redact::is_secret_name(name) && !redact::is_secret_value(value))
                    .then(|| value.clone()),
            })
            .collect()
    }

    pub fn env(&self, name: &str) -> Option<&str> {
        self.environment.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// Evidence for a key of this file.
    pub fn evidence_for(&self, key: &str, text: Option<&str>) -> Evidence {
        key_evidence(&self.path, text, key)
    }

    /// Whether it is a timed job rather than a long-running service.
    pub fn is_scheduled(&self) -> bool {
        self.start_interval.is_some() || self.calendar.is_some()
    }
}

/// Parses one plist file. `Err` carries the reason launchd would reject it.
pub fn parse(path: &str, bytes: &[u8]) -> Result<LaunchdJob, String> {
    let is_binary = bytes.starts_with(b"bplist");
    let text = if is_binary { None } else { Some(String::from_utf8_lossy(bytes).into_owned()) };

    // Parse as is, then from the prolog if comments or junk come first.
    let value = match Value::from_reader(std::io::Cursor::new(bytes)) {
        Ok(value) => value,
        Err(first) => {
            let Some(text) = &text else {
                return Err(format!("malformed binary plist: {first}"));
            };
            let start = text.find("<?xml").or_else(|| text.find("<plist"));
            match start {
                Some(start) if start > 0 => {
                    Value::from_reader(std::io::Cursor::new(&text.as_bytes()[start..]))
                        .map_err(|error| format!("malformed plist: {error}"))?
                }
                _ => return Err(format!("malformed plist: {first}")),
            }
        }
    };
    let Some(dict) = value.as_dictionary() else {
        return Err("the top level is not a dictionary".to_string());
    };
    let searchable = text.as_deref().map(blank_xml_comments);
    let search = searchable.as_deref();
    let evidence = |key: &str| key_evidence(path, search, key);

    // CFPropertyList, which launchd reads plists with, knows only XML's five predefined
    // entities and character references; a file that defines its own (`<!ENTITY>`) and uses
    // them is rejected. The `plist` crate would read such a reference as empty text instead.
    if let Some(entity) = search.and_then(custom_entity) {
        return Err(format!(
            "uses the XML entity `&{entity};`, which launchd's plist parser does not define"
        ));
    }

    let Some(label) = dict.get("Label").and_then(Value::as_string).map(str::to_string) else {
        return Err("no Label; launchd refuses a job without one".to_string());
    };
    if label.trim().is_empty() {
        return Err("empty Label; launchd refuses a job without one".to_string());
    }
    let arguments: Vec<String> = dict
        .get("ProgramArguments")
        .and_then(Value::as_array)
        .map(|array| array.iter().filter_map(|v| v.as_string().map(str::to_string)).collect())
        .unwrap_or_default();
    let program = dict
        .get("Program")
        .and_then(Value::as_string)
        .map(str::to_string)
        .or_else(|| arguments.first().cloned())
        .unwrap_or_default();
    if program.is_empty() {
        return Err("neither Program nor ProgramArguments".to_string());
    }
    let environment: Vec<(String, String)> = dict
        .get("EnvironmentVariables")
        .and_then(Value::as_dictionary)
        .map(|env| {
            env.iter()
                .map(|(k, v)| (k.clone(), v.as_string().map(str::to_string).unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();

    // KeepAlive, exactly as launchd reads it. launchd takes a boolean or a dictionary and
    // ignores any other type, so `<integer>1</integer>` or `<string>true</string>` leave the
    // job with no keep-alive.
    let mut keep_alive_wrong_type = None;
    let keep_alive = match dict.get("KeepAlive") {
        None => KeepAlive::Absent,
        Some(Value::Boolean(value)) => KeepAlive::Always(*value),
        Some(Value::Dictionary(conditions)) => {
            let flag = |key: &str| conditions.get(key).and_then(Value::as_boolean);
            let pairs = |key: &str| -> Vec<(String, bool)> {
                conditions
                    .get(key)
                    .and_then(Value::as_dictionary)
                    .map(|d| {
                        d.iter()
                            .filter_map(|(k, v)| v.as_boolean().map(|b| (k.clone(), b)))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            KeepAlive::Conditions(KeepAliveConditions {
                successful_exit: flag("SuccessfulExit"),
                crashed: flag("Crashed"),
                path_state: pairs("PathState"),
                other_job_enabled: pairs("OtherJobEnabled"),
                network_state: flag("NetworkState"),
                after_initial_demand: flag("AfterInitialDemand"),
            })
        }
        Some(other) => {
            keep_alive_wrong_type = Some(plist_type(other).to_string());
            KeepAlive::Absent
        }
    };
    let restarts_after = keep_alive.endings();
    debug!(label, ?restarts_after, "keep-alive read");

    // Misspelt keys launchd silently ignores.
    let mut misspelt = Vec::new();
    for key in dict.keys() {
        if KNOWN_KEYS.contains(&key.as_str()) {
            continue;
        }
        if let Some(meant) = KNOWN_KEYS.iter().find(|known| near(key, known)) {
            misspelt.push((key.clone(), (*meant).to_string(), evidence(key)));
        }
    }

    let seconds = |key: &str, default: f64| {
        dict.get(key)
            .and_then(|v| v.as_signed_integer().or_else(|| v.as_real().map(|r| r as i64)))
            .map_or(default, |v| v.max(0) as f64)
    };
    let run_at_load = dict.get("RunAtLoad").and_then(Value::as_boolean).unwrap_or(false)
        || matches!(&keep_alive, KeepAlive::Conditions(c) if c.successful_exit.is_some());
    let restart = RestartPolicy {
        supervisor: Some("launchd".to_string()),
        keep_alive,
        restarts_after,
        run_at_load,
        throttle_interval: Duration::from_secs(seconds("ThrottleInterval", 10.0)),
        exit_timeout: Duration::from_secs(seconds("ExitTimeOut", 20.0)),
    };

    // Timed work.
    let start_interval = dict
        .get("StartInterval")
        .and_then(|v| v.as_signed_integer())
        .filter(|v| *v > 0)
        .map(|v| (v as u64, evidence("StartInterval")));
    let calendar = dict.get("StartCalendarInterval").and_then(|value| {
        let dicts: Vec<&plist::Dictionary> = match value {
            Value::Dictionary(d) => vec![d],
            Value::Array(items) => items.iter().filter_map(Value::as_dictionary).collect(),
            _ => Vec::new(),
        };
        if dicts.is_empty() {
            return None;
        }
        let rules: Vec<CalendarRule> = dicts.iter().map(|d| calendar_rule(d)).collect();
        let text = dicts
            .iter()
            .map(|d| {
                let parts: Vec<String> = d
                    .iter()
                    .filter_map(|(k, v)| v.as_signed_integer().map(|n| format!("{k}={n}")))
                    .collect();
                format!("{{{}}}", parts.join(" "))
            })
            .collect::<Vec<_>>()
            .join(", ");
        Some((rules, format!("StartCalendarInterval {text}"), evidence("StartCalendarInterval")))
    });

    let logs: Vec<String> = ["StandardOutPath", "StandardErrorPath"]
        .iter()
        .filter_map(|key| dict.get(key).and_then(Value::as_string).map(str::to_string))
        .fold(Vec::new(), |mut logs, path| {
            if !logs.contains(&path) {
                logs.push(path);
            }
            logs
        });
    let memory_limit_bytes = ["HardResourceLimits", "SoftResourceLimits"].iter().find_map(|key| {
        dict.get(key)
            .and_then(Value::as_dictionary)
            .and_then(|d| d.get("ResidentSetSize").or_else(|| d.get("Data")))
            .and_then(|v| v.as_signed_integer())
            .map(|v| v.max(0) as u64)
    });

    // Ports, workers and role from the command line and environment.
    let mut ports = Vec::new();
    let mut workers = (1, None);
    let mut concurrency_limit = None;
    for (index, argument) in arguments.iter().enumerate() {
        let next = arguments.get(index + 1).map(String::as_str);
        let (flag, inline) = match argument.split_once('=') {
            Some((flag, value)) if flag.starts_with('-') => (flag, Some(value)),
            _ => (argument.as_str(), None),
        };
        let value = inline.or(next);
        match flag {
            "--port" | "-p" if program_base(&program) != "postgres" => {
                if let Some(port) = value.and_then(|v| v.parse().ok()) {
                    ports.push((port, evidence_text(path, search, argument, value)));
                }
            }
            "--bind" | "-b" => {
                if let Some(port) = value.and_then(|v| v.rsplit(':').next()?.parse().ok()) {
                    ports.push((port, evidence_text(path, search, argument, value)));
                }
            }
            "--workers" | "-w" => {
                if let Some(count) = value.and_then(|v| v.parse().ok()) {
                    workers = (count, Some(evidence_text(path, search, argument, value)));
                }
            }
            "--limit-concurrency" => concurrency_limit = value.and_then(|v| v.parse().ok()),
            _ => {}
        }
    }
    // `python3 -m http.server [PORT]` takes its port as a positional argument and listens on
    // 8000 without one (Python's http.server documentation).
    if let Some(index) = arguments.windows(2).position(|pair| {
        pair[0] == "-m" && matches!(pair[1].as_str(), "http.server" | "SimpleHTTPServer")
    }) {
        let mut rest = arguments[index + 2..].iter();
        let mut port = None;
        while let Some(argument) = rest.next() {
            if matches!(argument.as_str(), "-b" | "--bind" | "-d" | "--directory" | "--protocol") {
                rest.next();
            } else if !argument.starts_with('-') {
                port = argument.parse::<u16>().ok().map(|p| (p, argument.clone()));
                break;
            }
        }
        match port {
            Some((port, written)) => {
                ports.push((port, evidence_text(path, search, &written, None)));
            }
            None => ports.push((8000, evidence_text(path, search, "http.server", None))),
        }
    }
    if ports.is_empty()
        && let Some(port) = environment.iter().find(|(k, _)| k == "PORT")
        && let Ok(number) = port.1.parse()
    {
        ports.push((number, evidence("PORT")));
    }
    if workers.1.is_none()
        && let Some((_, value)) = environment.iter().find(|(k, _)| k == "WEB_CONCURRENCY")
        && let Ok(count) = value.parse()
    {
        workers = (count, Some(evidence("WEB_CONCURRENCY")));
    }
    let role = role_of(&label, &program, &arguments, !ports.is_empty());

    Ok(LaunchdJob {
        path: path.to_string(),
        label_evidence: evidence("Label"),
        keep_alive_evidence: evidence("KeepAlive"),
        keep_alive_wrong_type,
        label,
        program,
        arguments,
        working_directory: dict.get("WorkingDirectory").and_then(Value::as_string).map(Into::into),
        environment,
        restart,
        misspelt,
        start_interval,
        calendar,
        logs,
        memory_limit_bytes,
        role,
        ports,
        workers,
        concurrency_limit,
        daemon: path.contains("LaunchDaemons"),
    })
}

// FIXME: AfterInitialDemand and the agent-versus-daemon start (login needed for agents) are
// recorded but not yet reflected in the policy; the simulator sees only `restarts_after`.
/// The first `OtherJobEnabled` condition that holds, given which labels have a plist in the
/// tree (taken as loaded: launchd loads every plist of the folders it reads). `{label: true}`
/// holds while that job is loaded, `{label: false}` while it is not. When one holds, launchd
/// keeps the job alive whatever way it ends.
pub fn other_job_keeps_alive(
    keep_alive: &KeepAlive,
    loaded: &dyn Fn(&str) -> bool,
) -> Option<(String, bool)> {
    let KeepAlive::Conditions(conditions) = keep_alive else {
        return None;
    };
    conditions.other_job_enabled.iter().find(|(label, wanted)| loaded(label) == *wanted).cloned()
}

/// The plist type of a value, as its XML element names it.
fn plist_type(value: &Value) -> &'static str {
    match value {
        Value::Array(_) => "<array>",
        Value::Dictionary(_) => "<dict>",
        Value::Boolean(_) => "<true/> or <false/>",
        Value::Data(_) => "<data>",
        Value::Date(_) => "<date>",
        Value::Real(_) => "<real>",
        Value::Integer(_) => "<integer>",
        Value::String(_) => "<string>",
        _ => "an unknown type",
    }
}

/// The first entity reference other than XML's predefined five and character references.
fn custom_entity(text: &str) -> Option<String> {
    let mut rest = text;
    while let Some(start) = rest.find('&') {
        let after = &rest[start + 1..];
        if let Some(end) = after.find(';') {
            let name = &after[..end];
            let is_name =
                !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || "_-.:".contains(c));
            if is_name
                && !name.starts_with('#')
                && !["lt", "gt", "amp", "quot", "apos"].contains(&name)
            {
                return Some(name.to_string());
            }
        }
        rest = after;
    }
    None
}

fn calendar_rule(dict: &plist::Dictionary) -> CalendarRule {
    let get = |key: &str| dict.get(key).and_then(|v| v.as_signed_integer());
    let minute = get("Minute").filter(|v| (0..60).contains(v));
    let hour = get("Hour").filter(|v| (0..24).contains(v));
    let day = get("Day").filter(|v| (1..32).contains(v));
    let month = get("Month").filter(|v| (1..13).contains(v));
    let weekday = get("Weekday").filter(|v| (0..8).contains(v)).map(|v| v % 7);
    CalendarRule {
        minutes: minute.map_or(schedule::ALL_MINUTES, |m| 1 << m),
        hours: hour.map_or(schedule::ALL_HOURS, |h| 1 << h),
        days: day.map_or(schedule::ALL_DAYS, |d| 1 << d),
        months: month.map_or(schedule::ALL_MONTHS, |m| 1 << m),
        weekdays: weekday.map_or(schedule::ALL_WEEKDAYS, |w| 1 << w),
        days_or_weekdays: day.is_some() && weekday.is_some(),
    }
}

fn program_base(program: &str) -> &str {
    program.rsplit('/').next().unwrap_or(program)
}

/// The role a job plays, from its label, program and arguments.
fn role_of(label: &str, program: &str, arguments: &[String], has_port: bool) -> ServiceRole {
    let base = program_base(program).to_ascii_lowercase();
    let all = format!("{label} {}", arguments.join(" ")).to_ascii_lowercase();
    if base.contains("cloudflared") || all.contains("cloudflared") {
        ServiceRole::Tunnel
    } else if base == "postgres" || base == "postmaster" || label.contains("postgresql") {
        ServiceRole::Database
    } else if all.contains("telegram") || all.contains("bot") {
        ServiceRole::Bot
    } else if has_port || all.contains("uvicorn") || all.contains("gunicorn") {
        ServiceRole::Web
    } else {
        ServiceRole::Worker
    }
}

/// Whether `key` looks like a misspelling of `known` (case, punctuation, or one or two
/// letters off).
fn near(key: &str, known: &str) -> bool {
    let squash = |s: &str| -> String {
        s.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
    };
    let (a, b) = (squash(key), squash(known));
    a == b || (b.len() > 6 && edit_distance(&a, &b) <= 2)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != *cb)).min(row[j] + 1).min(row[j + 1] + 1);
            previous = current;
        }
    }
    row[b.len()]
}

/// Replaces the characters of XML comments by spaces, keeping newlines, so line numbers stay
/// right and a commented-out key is never found.
pub fn blank_xml_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let end = after.find("-->").map_or(after.len(), |e| e + 3);
        out.extend(after[..end].chars().map(|c| if c == '\n' { '\n' } else { ' ' }));
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Evidence for `<key>KEY</key>` in the (comment-blanked) text, or line 0 for binary files.
pub fn key_evidence(path: &str, text: Option<&str>, key: &str) -> Evidence {
    let Some(text) = text else {
        return Evidence::file(path, 0, format!("{key} (binary plist)"));
    };
    let needle = format!("<key>{key}</key>");
    for (index, line) in text.lines().enumerate() {
        if line.contains(&needle) {
            // Show the key with its value when the value sits on the next line.
            let next = text.lines().nth(index + 1).unwrap_or("").trim();
            let excerpt = if line.trim() == needle {
                format!("{} {next}", line.trim())
            } else {
                line.trim().to_string()
            };
            return Evidence::file(path, index as u32 + 1, redact::excerpt(&excerpt));
        }
    }
    Evidence::file(path, 0, key.to_string())
}

fn evidence_text(path: &str, text: Option<&str>, flag: &str, value: Option<&str>) -> Evidence {
    let Some(text) = text else {
        return Evidence::file(path, 0, format!("{flag} {}", value.unwrap_or("")));
    };
    let lines: Vec<&str> = text.lines().collect();
    for (index, line) in lines.iter().enumerate() {
        if line.contains(&format!("<string>{flag}</string>")) || line.contains(flag) {
            let excerpt = format!("{} {}", line.trim(), lines.get(index + 1).unwrap_or(&"").trim());
            return Evidence::file(path, index as u32 + 1, redact::excerpt(&excerpt));
        }
    }
    Evidence::file(path, 0, format!("{flag} {}", value.unwrap_or("")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use drtwin_model::Endings;

    fn plist(body: &str) -> String {
        format!(
            "<!-- leading comment -->\n<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist \
             version=\"1.0\">\n<dict>\n<key>Label</key>\n<string>org.example.app</string>\n\
             <key>ProgramArguments</key>\n<array><string>/usr/bin/uvicorn</string>\
             <string>app:app</string><string>--port</string><string>9001</string>\
             <string>--workers</string><string>3</string></array>\n{body}\n</dict>\n</plist>\n"
        )
    }

    fn parse_body(body: &str) -> LaunchdJob {
        parse("Library/LaunchAgents/x.plist", plist(body).as_bytes()).unwrap()
    }

    #[test]
    fn keep_alive_shapes() {
        assert_eq!(parse_body("").restart.restarts_after, Endings::NONE);
        assert_eq!(parse_body("<key>KeepAlive</key><true />").restart.restarts_after, Endings::ALL);
        assert_eq!(
            parse_body("<key>KeepAlive</key><false/>").restart.restarts_after,
            Endings::NONE
        );
        let exit_false =
            parse_body("<key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict>");
        let endings = exit_false.restart.restarts_after;
        assert!(
            !endings.clean_exit && endings.error_exit && endings.crash_signal && endings.killed
        );
        assert!(exit_false.restart.run_at_load, "SuccessfulExit implies RunAtLoad");
        let crashed = parse_body("<key>KeepAlive</key><dict><key>Crashed</key><true/></dict>")
            .restart
            .restarts_after;
        assert_eq!(crashed, Endings { crash_signal: true, ..Endings::NONE });
        let not_crashed = parse_body("<key>KeepAlive</key><dict><key>Crashed</key><false/></dict>")
            .restart
            .restarts_after;
        assert_eq!(
            not_crashed,
            Endings { clean_exit: true, error_exit: true, killed: true, crash_signal: false },
            "Crashed=false restarts after SIGKILL too: it is not a crash signal"
        );
        let path_state = parse_body(
            "<key>KeepAlive</key><dict><key>PathState</key><dict><key>/tmp/x</key><true/></dict>\
             </dict>",
        );
        assert!(path_state.restart.restarts_after.is_none());
        assert!(
            matches!(&path_state.restart.keep_alive, KeepAlive::Conditions(c) if c.path_state.len() == 1)
        );
    }

    #[test]
    fn misspelt_key_is_absent_and_reported() {
        let job = parse_body("<key>Keep-Alive</key><true/>");
        assert_eq!(job.restart.keep_alive, KeepAlive::Absent);
        assert_eq!(job.misspelt.len(), 1);
        assert_eq!(job.misspelt[0].1, "KeepAlive");
    }

    #[test]
    fn defaults_ports_workers_and_role() {
        let job = parse_body(
            "<key>EnvironmentVariables</key><dict><key>API_KEY</key>\
                              <string>sk-PLANTEDPLANTED</string><key>MODE</key><string>prod</string>\
                              </dict>",
        );
        assert_eq!(job.restart.throttle_interval.secs(), 10.0);
        assert_eq!(job.restart.exit_timeout.secs(), 20.0);
        assert_eq!(job.ports[0].0, 9001);
        assert_eq!(job.workers.0, 3);
        assert_eq!(job.role, ServiceRole::Web);
        let env = job.env_vars();
        assert_eq!(env[0].value, None);
        assert_eq!(env[1].value.as_deref(), Some("prod"));
        assert_eq!(job.label, "org.example.app");
    }

    #[test]
    fn commented_keys_are_not_cited() {
        let job = parse_body("<!-- <key>KeepAlive</key><true/> -->\n<key>RunAtLoad</key><true/>");
        assert_eq!(job.restart.keep_alive, KeepAlive::Absent);
        assert!(matches!(job.keep_alive_evidence, Evidence::File { line: 0, .. }));
    }

    #[test]
    fn calendar_intervals() {
        let job = parse_body(
            "<key>StartCalendarInterval</key><array><dict><key>Hour</key><integer>3</integer>\
             </dict><dict><key>Weekday</key><integer>7</integer><key>Day</key><integer>1</integer>\
             <key>Minute</key><integer>30</integer></dict></array>",
        );
        let (rules, _, _) = job.calendar.unwrap();
        assert_eq!(rules[0].minutes, schedule::ALL_MINUTES, "a missing key is a wildcard");
        assert_eq!(rules[0].hours, 1 << 3);
        assert_eq!(rules[1].weekdays, 1, "weekday 7 is Sunday");
        assert!(rules[1].days_or_weekdays);
    }

    #[test]
    fn binary_plists_parse() {
        let mut dict = plist::Dictionary::new();
        dict.insert("Label".into(), Value::String("org.example.bin".into()));
        dict.insert("Program".into(), Value::String("/usr/bin/true".into()));
        dict.insert("StartInterval".into(), Value::Integer(600.into()));
        let mut bytes = Vec::new();
        Value::Dictionary(dict).to_writer_binary(&mut bytes).unwrap();
        let job = parse("x.plist", &bytes).unwrap();
        assert_eq!(job.start_interval.as_ref().map(|s| s.0), Some(600));
        assert!(matches!(job.label_evidence, Evidence::File { line: 0, .. }));
        assert!(parse("y.plist", b"bplist00garbage").is_err());
        assert!(parse("z.plist", b"<plist><dict><key>Label</key>").is_err());
    }

    #[test]
    fn program_without_arguments_and_daemon_folder() {
        let text = "<?xml version=\"1.0\"?><plist version=\"1.0\"><dict><key>Label</key>\
                    <string>org.example.d</string><key>Program</key><string>/usr/sbin/d</string>\
                    </dict></plist>";
        let daemon = parse("Library/LaunchDaemons/d.plist", text.as_bytes()).unwrap();
        assert_eq!(daemon.program, "/usr/sbin/d");
        assert!(daemon.arguments.is_empty());
        assert!(daemon.daemon, "LaunchDaemons start at boot");
        let agent = parse("Library/LaunchAgents/d.plist", text.as_bytes()).unwrap();
        assert!(!agent.daemon, "LaunchAgents start at login");
    }

    #[test]
    fn keepalive_wrong_type_is_absent_and_named() {
        for (value, kind) in [
            ("<integer>1</integer>", "<integer>"),
            ("<string>true</string>", "<string>"),
            ("<array><true/></array>", "<array>"),
        ] {
            let job = parse_body(&format!("<key>KeepAlive</key>{value}"));
            assert_eq!(job.restart.keep_alive, KeepAlive::Absent, "{value}");
            assert!(job.restart.restarts_after.is_none());
            assert_eq!(job.keep_alive_wrong_type.as_deref(), Some(kind));
        }
        assert_eq!(parse_body("<key>KeepAlive</key><true/>").keep_alive_wrong_type, None);
    }

    #[test]
    fn other_job_enabled_holds_only_for_jobs_in_the_tree() {
        let job = parse_body(
            "<key>KeepAlive</key><dict><key>OtherJobEnabled</key><dict><key>org.other</key>\
             <true/></dict></dict>",
        );
        assert!(job.restart.restarts_after.is_none(), "unknown until the tree is known");
        let present = |label: &str| label == "org.other";
        let absent = |_: &str| false;
        assert_eq!(
            other_job_keeps_alive(&job.restart.keep_alive, &present),
            Some(("org.other".to_string(), true))
        );
        assert_eq!(other_job_keeps_alive(&job.restart.keep_alive, &absent), None);
    }

    #[test]
    fn empty_label_and_custom_entities_are_rejected() {
        let empty = plist("").replace("org.example.app", " ");
        assert!(parse("x.plist", empty.as_bytes()).unwrap_err().contains("empty Label"));
        let entity = plist("")
            .replace(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
                "<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY a \"aa\">]>",
            )
            .replace("org.example.app", "&a;");
        let error = parse("x.plist", entity.as_bytes()).unwrap_err();
        assert!(error.contains("`&a;`"), "{error}");
        let escaped = plist("").replace("org.example.app", "a&amp;b&#38;c");
        assert_eq!(parse("x.plist", escaped.as_bytes()).unwrap().label, "a&b&c");
    }

    #[test]
    fn ports_from_every_server_style() {
        let port_of = |arguments: &[&str], env: &str| {
            let strings: String =
                arguments.iter().map(|a| format!("<string>{a}</string>")).collect();
            let text = format!(
                "<?xml version=\"1.0\"?>\n<plist version=\"1.0\">\n<dict>\n<key>Label</key>\
                 <string>x</string>\n<key>ProgramArguments</key>\n<array>{strings}</array>\n{env}\
                 </dict>\n</plist>\n"
            );
            let job = parse("x.plist", text.as_bytes()).unwrap();
            job.ports.iter().map(|(port, _)| *port).collect::<Vec<_>>()
        };
        assert_eq!(port_of(&["/usr/bin/python3", "-m", "http.server", "8080"], ""), vec![8080]);
        assert_eq!(port_of(&["python3", "-m", "http.server", "-b", "127.0.0.1", "9"], ""), vec![9]);
        assert_eq!(port_of(&["/usr/bin/python3", "-m", "http.server"], ""), vec![8000]);
        assert_eq!(port_of(&["gunicorn", "-b", "0.0.0.0:8000", "app:app"], ""), vec![8000]);
        assert_eq!(port_of(&["gunicorn", "--bind=127.0.0.1:8001", "app:app"], ""), vec![8001]);
        assert_eq!(port_of(&["node", "server.js", "--port", "3000"], ""), vec![3000]);
        assert_eq!(port_of(&["uvicorn", "app:app", "--port=7000"], ""), vec![7000]);
        assert_eq!(port_of(&["flask", "run", "-p", "5001"], ""), vec![5001]);
        let env =
            "<key>EnvironmentVariables</key><dict><key>PORT</key><string>4000</string></dict>";
        assert_eq!(port_of(&["node", "server.js"], env), vec![4000]);
        let job = parse(
            "x.plist",
            plist("").replace("<string>--port</string><string>9001</string>", "").as_bytes(),
        )
        .unwrap();
        assert!(job.ports.is_empty());
    }
}
