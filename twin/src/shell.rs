//! Shell scripts, read with the tree-sitter bash grammar and never run: what they probe
//! (HTTP URLs, `pg_isready`, `pgrep`, `launchctl list`), what they do when a probe fails
//! (restart through launchctl or brew, alert through a chat API or mail), what a backup
//! script copies where and for how long, and whether runs are locked and errors checked.
//!
//! Variables assigned in the script are expanded where they are plain strings
//! (`BACKUP_DIR="$HOME/backups"`); `$HOME` becomes `~`, which the path mapping understands.
//! Loop variables and command output stay unexpanded: a probe of `http://127.0.0.1:${port}`
//! is resolved by the assembler from the labels and ports the script's data lines name.

use std::collections::BTreeMap;

use drtwin_model::{BackupJob, Lock, OffsiteCopy};
use tree_sitter::{Node, Parser};

use crate::redact;

/// A simple command with its words, quotes removed and known variables expanded.
#[derive(Clone, Debug, PartialEq)]
pub struct ShellCommand {
    pub line: u32,
    pub name: String,
    pub args: Vec<String>,
    /// When this command is a failing check (`if ! cmd; then BODY`, `cmd || BODY`), the
    /// text that runs on failure.
    pub on_failure: Option<String>,
    pub excerpt: String,
}

/// An HTTP request the script makes.
#[derive(Clone, Debug, PartialEq)]
pub struct UrlUse {
    pub line: u32,
    pub url: String,
    pub host: String,
    pub port: Option<u16>,
    pub max_time: Option<f64>,
    pub on_failure: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AlertUse {
    pub line: u32,
    pub channel: String,
    pub host: Option<String>,
    pub excerpt: String,
}

/// What a script does, as far as the twin cares.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScriptFacts {
    pub commands: Vec<ShellCommand>,
    pub urls: Vec<UrlUse>,
    /// `pg_isready` checks: line, port, on-failure text.
    pub pg_checks: Vec<(u32, Option<u16>, Option<String>)>,
    /// `pgrep`/`pidof`/`launchctl list` checks: line, pattern, on-failure text.
    pub process_checks: Vec<(u32, String, Option<String>)>,
    /// Restart actions: line and the command text.
    pub restarts: Vec<(u32, String)>,
    pub alerts: Vec<AlertUse>,
    pub backup: Option<(BackupJob, u32)>,
    pub pg_dump_line: Option<u32>,
    pub date_stamp: Option<String>,
    pub lock: Option<(Lock, u32)>,
    pub set_e: bool,
    /// `df` calls: line and the path whose volume it measures.
    pub disk_checks: Vec<(u32, String)>,
    /// Lines of `launchctl load` run when a process check fails. For a job that is loaded
    /// but stopped, `load` does nothing (launchctl(1): it loads a plist; starting is
    /// `kickstart` or `start`), so the "restart" never happens.
    pub load_noops: Vec<u32>,
    /// The line of the off-site copy command.
    pub offsite_line: Option<u32>,
    /// `find ... -mtime +N -delete`: files older than this many days are deleted. It is the
    /// retention of the backup when the script makes one; alone it is a clean-up, not a
    /// backup.
    pub pruned_after_days: Option<u32>,
    /// Uploads drtwin cannot follow to a destination (a tool it does not model, or a
    /// repository the script does not name): line and a short description.
    pub unknown_uploads: Vec<(u32, String)>,
    /// Source lines without comments, for the assembler's label and port mentions.
    pub lines: Vec<(u32, String)>,
}

/// Reads a script. A script the grammar cannot fully parse still yields what it can.
pub fn analyse(text: &str) -> ScriptFacts {
    let mut facts = ScriptFacts {
        lines: text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim_start().starts_with('#'))
            .map(|(index, line)| (index as u32 + 1, line.to_string()))
            .collect(),
        ..ScriptFacts::default()
    };
    if let Some(first) = text.lines().next()
        && first.starts_with("#!")
        && first.split_whitespace().any(|word| word == "-e" || word.starts_with("-e"))
    {
        facts.set_e = true;
    }

    let mut parser = Parser::new();
    if parser.set_language(&tree_sitter_bash::LANGUAGE.into()).is_err() {
        return facts;
    }
    let Some(tree) = parser.parse(text, None) else {
        return facts;
    };
    let source = text.as_bytes();

    // Plain assignments, for expansion.
    let mut variables: BTreeMap<String, String> = BTreeMap::new();
    variables.insert("HOME".to_string(), "~".to_string());
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        if node.kind() == "variable_assignment"
            && let (Some(name), Some(value)) =
                (node.child_by_field_name("name"), node.child_by_field_name("value"))
        {
            let name = name.utf8_text(source).unwrap_or("").to_string();
            let raw = value.utf8_text(source).unwrap_or("");
            if !raw.contains("$(") && !raw.contains('`') {
                let value = expand(&unquote(raw), &variables);
                variables.entry(name).or_insert(value);
            } else if let Some(format) = date_format(raw) {
                variables.entry(name).or_insert(format!("DATE[{format}]"));
            }
        }
        let mut cursor = node.walk();
        stack.extend(node.children(&mut cursor));
    }

    // Every simple command, in source order.
    let mut stack = vec![tree.root_node()];
    let mut commands = Vec::new();
    while let Some(node) = stack.pop() {
        if node.kind() == "command" {
            commands.push(command_of(node, source, &variables));
        }
        let mut cursor = node.walk();
        let children: Vec<Node> = node.children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    commands.sort_by_key(|command| command.line);

    for command in &commands {
        classify(command, &variables, &mut facts);
    }

    // A process check whose failure branch only `load`s: the job it probes is usually
    // loaded (launchd keeps it loaded after it exits), so `load` is a no-op.
    for command in &commands {
        let Some(body) = command.on_failure.as_deref() else {
            continue;
        };
        if matches!(command.name.as_str(), "pgrep" | "pidof")
            && body.contains("launchctl load")
            && !body.contains("kickstart")
            && !body.contains("unload")
            && let Some(load) = commands.iter().find(|c| {
                c.line > command.line
                    && c.name == "launchctl"
                    && c.args.first().map(String::as_str) == Some("load")
            })
        {
            facts.load_noops.push(load.line);
        }
    }
    facts.commands = commands;
    if let Some((backup, _)) = &mut facts.backup {
        backup.retention_days = facts.pruned_after_days;
        backup.checks_errors = facts.set_e
            || facts
                .lines
                .iter()
                .any(|(_, line)| line.contains("|| exit") || line.contains("|| die"));
    }
    facts
}

fn command_of(node: Node, source: &[u8], variables: &BTreeMap<String, String>) -> ShellCommand {
    let name = node
        .child_by_field_name("name")
        .and_then(|name| name.utf8_text(source).ok())
        .map(|name| expand(&unquote(name), variables))
        .unwrap_or_default();
    let mut args = Vec::new();
    let mut cursor = node.walk();
    for argument in node.children_by_field_name("argument", &mut cursor) {
        let raw = argument.utf8_text(source).unwrap_or("");
        args.push(expand(&unquote(raw), variables));
    }
    let line = node.start_position().row as u32 + 1;
    let text = node.utf8_text(source).unwrap_or("");

    // Wrappers run the real command: `exec flock ...`, `nice pg_dump ...`.
    let mut name = name;
    while matches!(name.as_str(), "exec" | "nice" | "nohup" | "sudo" | "time" | "caffeinate")
        && let Some(position) = args.iter().position(|a| !a.starts_with('-'))
    {
        name = args[position].clone();
        args.drain(..=position);
    }
    ShellCommand {
        line,
        name: name.rsplit('/').next().unwrap_or(&name).to_string(),
        args,
        on_failure: failure_branch(node, source),
        excerpt: redact::excerpt(text.lines().next().unwrap_or("")),
    }
}

/// The code that runs when `node` fails: the body of `if ! node; then ...` or the right side
/// of `node || ...`.
fn failure_branch(node: Node, source: &[u8]) -> Option<String> {
    let mut child = node;
    let mut negated = false;
    while let Some(parent) = child.parent() {
        match parent.kind() {
            "negated_command" => negated = !negated,
            "pipeline" | "redirected_statement" | "command_substitution" => {}
            "list" => {
                let mut cursor = parent.walk();
                let children: Vec<Node> = parent.children(&mut cursor).collect();
                let position = children.iter().position(|c| c.id() == child.id())?;
                let operator = children.get(position + 1)?;
                if operator.kind() == "||" {
                    return children.get(position + 2)?.utf8_text(source).ok().map(str::to_string);
                }
                return None;
            }
            "if_statement" | "elif_clause" | "while_statement" => {
                if !negated {
                    return None;
                }
                let text = parent.utf8_text(source).ok()?;
                let offset = child.end_byte().saturating_sub(parent.start_byte());
                let after = text.get(offset..)?;
                let body = after.split_once("then").map_or(after, |(_, body)| body);
                let body = body.split("\nelse").next().unwrap_or(body);
                return Some(body.to_string());
            }
            _ => return None,
        }
        child = parent;
    }
    None
}

fn classify(command: &ShellCommand, variables: &BTreeMap<String, String>, facts: &mut ScriptFacts) {
    let args = &command.args;
    let has = |flag: &str| args.iter().any(|a| a == flag);
    let value_after = |flags: &[&str]| -> Option<String> {
        args.iter().enumerate().find_map(|(i, a)| {
            if flags.contains(&a.as_str()) {
                return args.get(i + 1).cloned();
            }
            flags.iter().find_map(|f| {
                a.strip_prefix(&format!("{f}="))
                    .or_else(|| {
                        // `-Fc`, `-p5432`: short flags glued to their value.
                        (f.len() == 2 && !f.starts_with("--")).then(|| a.strip_prefix(f)).flatten()
                    })
                    .filter(|v| !v.is_empty())
                    .map(str::to_string)
            })
        })
    };

    match command.name.as_str() {
        "set" => {
            for (i, arg) in args.iter().enumerate() {
                let flags = arg.strip_prefix('-').unwrap_or("");
                if !arg.starts_with("--") && flags.contains('e') {
                    facts.set_e = true;
                }
                if arg == "-o" && args.get(i + 1).map(String::as_str) == Some("errexit") {
                    facts.set_e = true;
                }
                if (arg == "-o" && args.get(i + 1).map(String::as_str) == Some("noclobber"))
                    || (!arg.starts_with("--") && flags.contains('C'))
                {
                    facts.lock.get_or_insert((Lock::Noclobber, command.line));
                }
            }
        }
        "curl" | "wget" => {
            let Some(url) = args.iter().find(|a| a.contains("://")).cloned() else {
                return;
            };
            let (host, port) = host_port(&url);
            let max_time =
                value_after(&["--max-time", "-m", "--timeout", "-T"]).and_then(|v| v.parse().ok());
            let channel = alert_channel(&host);
            // `-T`/`--upload-file` or a form field read from a file (`-F f=@x`) sends a file
            // to a host the twin has no store for; alert APIs are messages, not copies.
            let uploads = has("-T")
                || has("--upload-file")
                || args.windows(2).any(|pair| {
                    matches!(pair[0].as_str(), "-F" | "--form") && pair[1].contains("=@")
                });
            if uploads && channel.is_none() {
                facts.unknown_uploads.push((command.line, format!("curl upload to {host}")));
            }
            if let Some(channel) = channel {
                facts.alerts.push(AlertUse {
                    line: command.line,
                    channel: channel.to_string(),
                    host: Some(host.clone()),
                    excerpt: command.excerpt.clone(),
                });
            }
            facts.urls.push(UrlUse {
                line: command.line,
                url: redact::redact_text(&url),
                host,
                port,
                max_time,
                on_failure: command.on_failure.clone(),
            });
        }
        // `nc -z host port` is a TCP probe (nc(1) on macOS: -z scans without sending data).
        "nc" | "ncat"
            if has("-z") || args.iter().any(|a| a.starts_with('-') && a.contains('z')) =>
        {
            let mut positional = Vec::new();
            let mut skip_next = false;
            for arg in args {
                if skip_next {
                    skip_next = false;
                } else if arg.starts_with('-') {
                    skip_next = matches!(arg.as_str(), "-w" | "-G" | "-s" | "-p" | "-i");
                } else {
                    positional.push(arg.clone());
                }
            }
            if let Some(host) = positional.first() {
                let port = positional.get(1).and_then(|p| p.parse().ok());
                facts.urls.push(UrlUse {
                    line: command.line,
                    url: format!("tcp://{host}:{}", positional.get(1).map_or("", String::as_str)),
                    host: host.clone(),
                    port,
                    max_time: value_after(&["-w", "-G"]).and_then(|v| v.parse().ok()),
                    on_failure: command.on_failure.clone(),
                });
            }
        }
        "df" => {
            let path = args
                .iter()
                .find(|a| !a.starts_with('-'))
                .cloned()
                .unwrap_or_else(|| "/".to_string());
            facts.disk_checks.push((command.line, path));
        }
        "mail" | "mailx" | "sendmail" | "osascript" | "terminal-notifier" => {
            facts.alerts.push(AlertUse {
                line: command.line,
                channel: if command.name == "osascript" || command.name == "terminal-notifier" {
                    "notification".to_string()
                } else {
                    "email".to_string()
                },
                host: None,
                excerpt: command.excerpt.clone(),
            });
        }
        "pg_isready" => {
            let port = value_after(&["-p", "--port"]).and_then(|p| p.parse().ok());
            facts.pg_checks.push((command.line, port, command.on_failure.clone()));
        }
        "pgrep" | "pidof" => {
            if let Some(pattern) = args.iter().rev().find(|a| !a.starts_with('-')) {
                facts.process_checks.push((
                    command.line,
                    pattern.clone(),
                    command.on_failure.clone(),
                ));
            }
        }
        "launchctl" => match args.first().map(String::as_str) {
            Some("list" | "print") => facts.process_checks.push((
                command.line,
                args.get(1).cloned().unwrap_or_default(),
                command.on_failure.clone(),
            )),
            Some("kickstart" | "load" | "bootstrap" | "start" | "bootout" | "enable") => {
                facts.restarts.push((command.line, command.excerpt.clone()));
            }
            _ => {}
        },
        "brew" if args.first().map(String::as_str) == Some("services") => {
            if matches!(args.get(1).map(String::as_str), Some("restart" | "start" | "run")) {
                facts.restarts.push((command.line, command.excerpt.clone()));
            }
        }
        "flock" | "lockf" | "shlock" => {
            let file = args.iter().find(|a| !a.starts_with('-')).cloned().unwrap_or_default();
            facts.lock.get_or_insert((Lock::Flock(file), command.line));
        }
        "mkdir" if args.iter().any(|a| a.ends_with(".lock") || a.ends_with(".lck")) => {
            let file = args.iter().find(|a| !a.starts_with('-')).cloned().unwrap_or_default();
            facts.lock.get_or_insert((Lock::LockFile(file), command.line));
        }
        "pg_dump" | "pg_dumpall" => {
            let format = value_after(&["-F", "--format"]).map(|f| {
                match f.chars().next().unwrap_or('p') {
                    'c' => "custom",
                    'd' => "directory",
                    't' => "tar",
                    _ => "plain",
                }
                .to_string()
            });
            let backup = backup_of(facts, command.line);
            backup.dump_format = Some(format.unwrap_or_else(|| "plain".to_string()));
            facts.pg_dump_line.get_or_insert(command.line);
        }
        "tar" => {
            let Some(mode) = args.first() else { return };
            let creates = (mode.starts_with('-') && !mode.starts_with("--") && mode.contains('c'))
                || (!mode.starts_with('-') && mode.contains('c'))
                || has("--create");
            if !creates {
                return;
            }
            let mut archives = Vec::new();
            let mut skip_next = false;
            for arg in args {
                if skip_next {
                    skip_next = false;
                    continue;
                }
                if arg.starts_with('-') {
                    skip_next = (arg.ends_with('f') && !arg.starts_with("--")) || arg == "--file";
                    continue;
                }
                archives.push(arg.clone());
            }
            backup_of(facts, command.line).archives.extend(archives);
        }
        "rclone" | "rsync" | "scp" | "aws" | "gsutil" | "b2" | "restic" | "borg" => {
            match offsite_copy(&command.name, args, variables) {
                Destination::Offsite(copy) => {
                    facts.offsite_line.get_or_insert(command.line);
                    backup_of(facts, command.line).offsite = Some(copy);
                }
                Destination::Unknown(what) => facts.unknown_uploads.push((command.line, what)),
                Destination::Local => {}
            }
        }
        // Upload tools drtwin does not model: the data may leave the machine, but the twin
        // cannot say where to or how fresh it is.
        "s3cmd"
        | "s4cmd"
        | "azcopy"
        | "az"
        | "gcloud"
        | "mc"
        | "lftp"
        | "ftp"
        | "sftp"
        | "duplicity"
        | "duplicacy"
        | "kopia"
        | "tarsnap"
        | "rdiff-backup"
        | "rustic"
        | "dropbox_uploader.sh"
        | "gdrive"
        | "rsnapshot"
        | "megaput" => {
            facts.unknown_uploads.push((command.line, command.name.clone()));
        }
        "find" => {
            let deletes = has("-delete") || (has("-exec") && args.iter().any(|a| a == "rm"));
            if let Some(days) = value_after(&["-mtime", "-mmin"])
                && deletes
            {
                let minutes = args.iter().any(|a| a == "-mmin");
                if let Ok(number) = days.trim_start_matches('+').parse::<u32>() {
                    let days = if minutes { number.div_ceil(1440) } else { number };
                    facts.pruned_after_days =
                        Some(facts.pruned_after_days.map_or(days, |d| d.max(days)));
                }
            }
        }
        "date" => {
            if let Some(format) = args.iter().find_map(|a| a.strip_prefix('+'))
                && !format.contains(' ')
                && facts.date_stamp.is_none()
            {
                facts.date_stamp = Some(format.to_string());
            }
        }
        _ => {}
    }
}

/// Where a copy command sends its data.
enum Destination {
    /// Off the machine, to a place the twin names.
    Offsite(OffsiteCopy),
    /// Off the machine as far as anyone can tell, but not to a place the script names.
    Unknown(String),
    /// Another folder or disk of this machine, or not a copy at all.
    Local,
}

/// The destination of `rclone`, `rsync`, `scp`, `aws s3`, `gsutil`, `b2`, `restic` and
/// `borg`, read from their documented command lines: the subcommand that copies, then the
/// destination argument (or the repository flag, or its environment variable).
fn offsite_copy(tool: &str, args: &[String], variables: &BTreeMap<String, String>) -> Destination {
    let positional: Vec<&str> =
        args.iter().map(String::as_str).filter(|a| !a.starts_with('-')).collect();
    // The destination is the last operand of the right shape after the source: a flag value
    // (`--log-level NOTICE`) may follow it, but never looks like a remote.
    let destination = |from: usize, remote: &dyn Fn(&str) -> bool| -> Option<&str> {
        positional.iter().skip(from).rfind(|word| remote(word)).copied()
    };
    let copy = |mode: &str, remote: &str| {
        Destination::Offsite(OffsiteCopy {
            tool: tool.to_string(),
            mode: mode.to_string(),
            remote: remote.to_string(),
        })
    };
    let flag_value = |flags: &[&str]| -> Option<String> {
        args.iter().enumerate().find_map(|(i, a)| {
            if flags.contains(&a.as_str()) {
                return args.get(i + 1).cloned();
            }
            flags.iter().find_map(|f| a.strip_prefix(&format!("{f}=")).map(str::to_string))
        })
    };
    match tool {
        // rclone(1): `copy`, `sync`, `move` take SOURCE DEST; `copyto`, `moveto` a file;
        // `rcat` writes standard input to DEST. A remote is `name:path`.
        "rclone" => {
            let mode = positional.first().copied().unwrap_or("");
            let copies = matches!(mode, "copy" | "sync" | "move" | "copyto" | "moveto" | "rcat");
            let from = if mode == "rcat" { 1 } else { 2 };
            match destination(from, &is_rclone_remote) {
                Some(remote) if copies => copy(mode, remote),
                _ => Destination::Local,
            }
        }
        // rsync(1) and scp(1): the destination is the last operand; `host:path`,
        // `user@host:path` and `rsync://` are remote. `--delete` makes rsync a mirror.
        "rsync" | "scp" => {
            let Some(remote) = destination(1, &is_ssh_remote) else {
                return Destination::Local;
            };
            let mirrors = args.iter().any(|a| a.starts_with("--delete"));
            copy(if mirrors { "sync" } else { "copy" }, remote)
        }
        // `aws s3 cp|sync|mv SOURCE DEST`: an upload when DEST is `s3://`.
        "aws" => {
            let sub = positional.get(1).copied().unwrap_or("");
            if positional.first() == Some(&"s3") && matches!(sub, "cp" | "sync" | "mv") {
                match destination(3, &|w| w.starts_with("s3://")) {
                    Some(remote) => copy(sub, remote),
                    None => Destination::Local,
                }
            } else if args.iter().any(|a| a.contains("put-object") || a.contains("upload")) {
                Destination::Unknown(format!("aws {}", positional.join(" ")))
            } else {
                Destination::Local
            }
        }
        // `gsutil [-m] cp|rsync|mv SOURCE gs://DEST`.
        "gsutil" => {
            let sub = positional.first().copied().unwrap_or("");
            match destination(2, &|w| w.starts_with("gs://")) {
                Some(remote) if matches!(sub, "cp" | "rsync" | "mv") => copy(sub, remote),
                _ => Destination::Local,
            }
        }
        // `b2 upload-file BUCKET LOCAL NAME`, `b2 file upload BUCKET LOCAL NAME`,
        // `b2 sync SOURCE b2://BUCKET/PATH`.
        "b2" => match positional.as_slice() {
            ["upload-file" | "upload_file", bucket, ..] => {
                copy("upload-file", &format!("b2://{bucket}"))
            }
            ["file", "upload", bucket, ..] => copy("upload-file", &format!("b2://{bucket}")),
            ["sync", .., destination] if destination.starts_with("b2://") => {
                copy("sync", destination)
            }
            _ => Destination::Local,
        },
        // `restic -r REPO backup PATHS`; without `-r` restic reads RESTIC_REPOSITORY. A
        // repository with a backend prefix (`b2:`, `s3:`, `sftp:`, `rest:`, ...) is off-site;
        // a plain path is a disk of this machine.
        "restic" => {
            if !positional.contains(&"backup") {
                return Destination::Local;
            }
            let repository = flag_value(&["-r", "--repo"])
                .or_else(|| variables.get("RESTIC_REPOSITORY").cloned())
                .filter(|r| !r.contains('$'));
            match repository {
                Some(repository) if is_restic_remote(&repository) => copy("backup", &repository),
                Some(_) => Destination::Local,
                None => Destination::Unknown(
                    "restic backup to a repository the script does not name".to_string(),
                ),
            }
        }
        // `borg create REPO::ARCHIVE PATHS`; `::ARCHIVE` takes the repository from BORG_REPO.
        // `user@host:path` and `ssh://` repositories are remote.
        "borg" => {
            if positional.first() != Some(&"create") {
                return Destination::Local;
            }
            let Some(target) = positional.iter().find(|p| p.contains("::")) else {
                return Destination::Local;
            };
            let repository = match target.split_once("::") {
                Some(("", _)) => variables.get("BORG_REPO").cloned(),
                Some((repository, _)) => Some(repository.to_string()),
                None => None,
            };
            match repository.filter(|r| !r.contains('$')) {
                Some(repository)
                    if repository.starts_with("ssh://") || is_ssh_remote(&repository) =>
                {
                    copy("create", &repository)
                }
                Some(_) => Destination::Local,
                None => Destination::Unknown(
                    "borg create to a repository the script does not name".to_string(),
                ),
            }
        }
        _ => Destination::Local,
    }
}

/// `name:path` or `:backend:path`, as rclone names a remote; not a URL, not a local path.
fn is_rclone_remote(word: &str) -> bool {
    match word.split_once(':') {
        Some((name, _)) => !word.contains("://") && !name.contains('/'),
        None => false,
    }
}

/// `host:path`, `user@host:path` or `rsync://host/...`, as rsync and scp name a remote.
fn is_ssh_remote(word: &str) -> bool {
    if word.starts_with("rsync://") || word.starts_with("ssh://") {
        return true;
    }
    match word.split_once(':') {
        Some((host, _)) => !host.is_empty() && !host.contains('/') && !word.contains("://"),
        None => false,
    }
}

/// A restic repository on a backend other than the local disk (restic's repository docs).
fn is_restic_remote(repository: &str) -> bool {
    ["sftp:", "rest:", "s3:", "b2:", "azure:", "gs:", "swift:", "rclone:"]
        .iter()
        .any(|prefix| repository.starts_with(prefix))
}

fn backup_of(facts: &mut ScriptFacts, line: u32) -> &mut BackupJob {
    &mut facts
        .backup
        .get_or_insert_with(|| {
            (
                BackupJob {
                    dump_format: None,
                    archives: Vec::new(),
                    offsite: None,
                    retention_days: None,
                    checks_errors: false,
                },
                line,
            )
        })
        .0
}

/// The alert channel an HTTP host stands for, if it is a known messaging API.
pub fn alert_channel(host: &str) -> Option<&'static str> {
    if host.contains("telegram.org") {
        Some("telegram")
    } else if host.contains("slack.com") {
        Some("slack")
    } else if host.contains("discord.com") {
        Some("discord")
    } else if host.contains("ntfy") || host.contains("pushover") {
        Some("push")
    } else if host.contains("twilio.com") {
        Some("sms")
    } else {
        None
    }
}

/// Host and explicit port of a URL.
pub fn host_port(url: &str) -> (String, Option<u16>) {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let authority = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    match authority.rsplit_once(':') {
        Some((host, port))
            if !host.is_empty() && !host.ends_with(']') || authority.contains(']') =>
        {
            (host.to_ascii_lowercase(), port.parse().ok())
        }
        _ => (authority.to_ascii_lowercase(), None),
    }
}

/// The strftime format of `$(date +FORMAT)` in `text`, if any.
fn date_format(text: &str) -> Option<String> {
    let start =
        text.find("date +").or_else(|| text.find("date '+")).or_else(|| text.find("date \"+"))?;
    let rest = &text[start + 5..];
    let rest = rest.trim_start_matches(['\'', '"', '+']);
    let end = rest.find(['\'', '"', ')', ' ']).unwrap_or(rest.len());
    Some(rest[..end].to_string()).filter(|f| f.contains('%'))
}

fn unquote(text: &str) -> String {
    text.chars().filter(|c| *c != '"' && *c != '\'').collect()
}

/// Expands `$NAME` and `${NAME}` for plain variables the script assigns.
fn expand(text: &str, variables: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('$') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let (name, consumed) = if let Some(inner) = after.strip_prefix('{') {
            let end = inner.find('}').unwrap_or(inner.len());
            (&inner[..end], end + 2)
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        match variables.get(name) {
            Some(value) if !name.is_empty() => out.push_str(value),
            _ => out.push_str(&rest[start..(start + 1 + consumed).min(rest.len())]),
        }
        rest = &rest[(start + 1 + consumed).min(rest.len())..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MONITOR: &str = r#"#!/bin/bash
TOKEN_URL="https://api.telegram.org/bot${BOT_TOKEN}/sendMessage"
alert() { curl -s --max-time 10 -X POST "$TOKEN_URL" -d text="$1"; }
if ! curl -sf --max-time 5 http://127.0.0.1:9001/health; then
    launchctl kickstart -k gui/501/org.example.app
    alert "app down"
fi
if ! pg_isready -h localhost -p 6543 -q; then
    alert "db down"
fi
pgrep -f cloudflared > /dev/null || launchctl load -w ~/Library/LaunchAgents/t.plist
"#;

    #[test]
    fn monitor_probes_actions_and_alerts() {
        let facts = analyse(MONITOR);
        let probe = facts.urls.iter().find(|u| u.host == "127.0.0.1").unwrap();
        assert_eq!(probe.port, Some(9001));
        assert_eq!(probe.max_time, Some(5.0));
        assert!(probe.on_failure.as_deref().unwrap().contains("kickstart"));
        assert_eq!(facts.pg_checks[0].1, Some(6543));
        assert!(!facts.pg_checks[0].2.as_deref().unwrap().contains("kickstart"));
        assert_eq!(facts.process_checks[0].1, "cloudflared");
        assert!(facts.process_checks[0].2.as_deref().unwrap().contains("launchctl load"));
        assert_eq!(facts.restarts.len(), 2);
        assert_eq!(facts.alerts[0].channel, "telegram");
        assert!(facts.urls.iter().all(|u| !u.url.contains("BOT_TOKEN}")));
    }

    #[test]
    fn deleting_old_files_alone_is_a_clean_up_not_a_backup() {
        let facts = analyse(
            "#!/bin/bash\nfind \"$HOME/apps/tmp\" -type f -mtime +3 -print -delete\n\
             find \"$HOME/reports\" -name 'daily-*.html' -mtime +60 -delete\n",
        );
        assert!(facts.backup.is_none(), "{:?}", facts.backup);
        assert_eq!(facts.pruned_after_days, Some(60));
        // Retention found before the dump still belongs to the backup.
        let facts = analyse(
            "#!/bin/sh\nfind ~/backups -name '*.dump' -mtime +7 -delete\npg_dump -Fc db > \
             ~/backups/db.dump\n",
        );
        assert_eq!(facts.backup.map(|(backup, _)| backup.retention_days), Some(Some(7)));
    }

    #[test]
    fn backup_script() {
        let facts = analyse(
            "#!/bin/sh\nset -euo pipefail\nDIR=\"$HOME/backups\"\nDATE=$(date +%Y-%m-%d)\n\
             pg_dump -Fc db > \"$DIR/db-$DATE.dump\"\ntar -czf \"$DIR/c.tgz\" ~/etc /x/y\n\
             rclone sync \"$DIR\" remote:bk --log-level NOTICE\nfind \"$DIR\" -name '*.dump' -mtime +14 -delete\n",
        );
        let (backup, line) = facts.backup.clone().unwrap();
        assert_eq!(line, 5);
        assert_eq!(backup.dump_format.as_deref(), Some("custom"));
        assert_eq!(backup.archives, vec!["~/etc".to_string(), "/x/y".to_string()]);
        let offsite = backup.offsite.unwrap();
        assert_eq!((offsite.mode.as_str(), offsite.remote.as_str()), ("sync", "remote:bk"));
        assert_eq!(backup.retention_days, Some(14));
        assert!(backup.checks_errors);
        assert_eq!(facts.date_stamp.as_deref(), Some("%Y-%m-%d"));
        assert!(facts.lock.is_none());
    }

    #[test]
    fn locks_and_missing_error_checks() {
        let facts = analyse("set -C\npg_dump db > /tmp/x\n");
        assert!(matches!(facts.lock, Some((Lock::Noclobber, 1))));
        assert!(!facts.backup.unwrap().0.checks_errors);
        let facts = analyse("exec flock -n /tmp/job.lock ./run.sh\n");
        assert!(matches!(facts.lock, Some((Lock::Flock(ref f), 1)) if f == "/tmp/job.lock"));
    }

    #[test]
    fn host_and_port() {
        assert_eq!(host_port("http://localhost:8765/health"), ("localhost".into(), Some(8765)));
        assert_eq!(host_port("https://Api.Example.com/v1"), ("api.example.com".into(), None));
        assert_eq!(host_port("postgres://u:p@db:5432/x"), ("db".into(), Some(5432)));
    }

    #[test]
    fn nc_df_and_load_noop() {
        let facts = analyse(
            "#!/bin/sh\nnc -z -w 3 127.0.0.1 7002 || echo down\ndf -P / | tail -1\n\
             if ! pgrep -f tunnel >/dev/null; then\n  launchctl load -w ~/Library/LaunchAgents/t.plist\nfi\n",
        );
        assert!(facts.urls.iter().any(|u| u.host == "127.0.0.1" && u.port == Some(7002)));
        assert_eq!(facts.disk_checks, vec![(3, "/".to_string())]);
        assert_eq!(facts.load_noops, vec![5]);
    }

    #[test]
    fn offsite_copies_by_every_modelled_tool() {
        let remote = |script: &str| {
            let facts = analyse(script);
            facts.backup.and_then(|(b, _)| b.offsite).map(|o| (o.tool, o.mode, o.remote))
        };
        let expect = |script: &str, tool: &str, mode: &str, destination: &str| {
            assert_eq!(
                remote(script),
                Some((tool.to_string(), mode.to_string(), destination.to_string())),
                "{script}"
            );
        };
        expect("rclone copyto /b/a.dump r2:bk/a.dump\n", "rclone", "copyto", "r2:bk/a.dump");
        expect(
            "pg_dump -Fc app | rclone rcat b2:bucket/app.dump\n",
            "rclone",
            "rcat",
            "b2:bucket/app.dump",
        );
        expect("aws s3 cp /b/x.dump s3://bk/ --sse\n", "aws", "cp", "s3://bk/");
        expect("aws s3 sync /b s3://bk/db\n", "aws", "sync", "s3://bk/db");
        expect("gsutil -m cp /b/x gs://bk/x\n", "gsutil", "cp", "gs://bk/x");
        expect("gsutil rsync -r /b gs://bk\n", "gsutil", "rsync", "gs://bk");
        expect("restic -r b2:bucket:/r backup /b\n", "restic", "backup", "b2:bucket:/r");
        expect(
            "export RESTIC_REPOSITORY=sftp:nas:/srv/r\nrestic backup --tag db /b\n",
            "restic",
            "backup",
            "sftp:nas:/srv/r",
        );
        expect("borg create ssh://u@nas/./r::db-{now} /b\n", "borg", "create", "ssh://u@nas/./r");
        expect("borg create u@nas:r::db /b\n", "borg", "create", "u@nas:r");
        expect(
            "rsync -az /b/ backup@nas.example.net:/vol/bk/\n",
            "rsync",
            "copy",
            "backup@nas.example.net:/vol/bk/",
        );
        expect("rsync -a --delete /b/ nas:/bk\n", "rsync", "sync", "nas:/bk");
        expect("scp /b/x.dump nas:/bk/\n", "scp", "copy", "nas:/bk/");
        expect("b2 upload-file bk /b/x.dump x.dump\n", "b2", "upload-file", "b2://bk");
        expect("b2 sync /b b2://bk/db\n", "b2", "sync", "b2://bk/db");

        // Local destinations are not off-site copies.
        for local in [
            "rsync -a /b/ /Volumes/Backup/b/\n",
            "restic -r /Volumes/Backup/r backup /b\n",
            "borg create /Volumes/Backup/r::db /b\n",
            "rclone copy /b /Volumes/Backup\n",
            "aws s3 cp s3://bk/x.dump /b/\n",
        ] {
            assert_eq!(remote(local), None, "{local}");
        }
    }

    #[test]
    fn uploads_drtwin_cannot_follow_are_named() {
        let facts = analyse(
            "pg_dump app > /b/x.sql\nrestic backup /b\ns3cmd put /b/x.sql s3://bk/\n\
             curl -T /b/x.sql https://dav.example.net/bk/\n\
             curl -s https://api.telegram.org/bot1/sendMessage -d text=ok\n",
        );
        let lines: Vec<u32> = facts.unknown_uploads.iter().map(|(line, _)| *line).collect();
        assert_eq!(lines, vec![2, 3, 4], "{:?}", facts.unknown_uploads);
        assert!(facts.backup.unwrap().0.offsite.is_none());
    }
}
