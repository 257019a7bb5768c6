//! cloudflared's `config.yml`: the tunnel, where its credentials file is (the path only;
//! the file is never opened), the ingress rules in order, and origin timeouts. Rule
//! validation follows cloudflared: the last rule must be a catch-all and no earlier rule
//! may be one. A config that breaks that rule is not served at all: cloudflared validates the
//! whole ingress list before it connects and exits with an error when the check fails
//! (FORMATS.md, cloudflared), so those problems are kept apart as refusals.

use drtwin_model::{Duration, Evidence};
use serde_yaml_ng::Value;

use crate::redact;

#[derive(Clone, Debug, PartialEq)]
pub struct Ingress {
    pub hostname: Option<String>,
    pub path: Option<String>,
    pub service: String,
    /// The local port of an `http://localhost:N` service.
    pub port: Option<u16>,
    pub connect_timeout: Duration,
    pub evidence: Evidence,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct TunnelConfig {
    pub tunnel: Option<String>,
    pub credentials_file: Option<String>,
    pub ingress: Vec<Ingress>,
    /// Problems that make cloudflared refuse the whole config: no hostname is served.
    pub refusals: Vec<(String, Evidence)>,
    /// Problems cloudflared would misroute or warn about, with evidence.
    pub problems: Vec<(String, Evidence)>,
}

pub fn parse(path: &str, text: &str) -> Result<TunnelConfig, String> {
    let document: Value = serde_yaml_ng::from_str(text).map_err(|error| error.to_string())?;
    let get = |value: &Value, key: &str| value.get(key).cloned();
    let string = |value: Option<Value>| value.and_then(|v| v.as_str().map(str::to_string));
    let line_of = |needle: &str, from: usize| -> (u32, String) {
        text.lines()
            .enumerate()
            .skip(from)
            .find(|(_, line)| line.contains(needle) && !line.trim_start().starts_with('#'))
            .map_or((0, needle.to_string()), |(i, line)| (i as u32 + 1, redact::excerpt(line)))
    };
    let timeout = |value: Option<&Value>, default: Duration| -> Duration {
        value
            .and_then(|v| v.get("connectTimeout"))
            .and_then(|v| match v {
                Value::String(s) => s.parse::<Duration>().ok(),
                Value::Number(n) => n.as_f64().map(Duration::from_secs),
                _ => None,
            })
            .unwrap_or(default)
    };

    let mut config = TunnelConfig {
        tunnel: string(get(&document, "tunnel")),
        credentials_file: string(get(&document, "credentials-file")),
        ..TunnelConfig::default()
    };
    let top_timeout = timeout(document.get("originRequest"), Duration::from_secs(30.0));
    let rules = document.get("ingress").and_then(Value::as_sequence).cloned().unwrap_or_default();
    let ingress_line = line_of("ingress:", 0).0;
    let mut search_from = ingress_line as usize;
    let count = rules.len();
    for (index, rule) in rules.iter().enumerate() {
        let hostname = string(get(rule, "hostname"));
        let rule_path = string(get(rule, "path"));
        let service = string(get(rule, "service")).unwrap_or_default();
        // YAML may quote the value (`hostname: "*.example.org"`), so the line is found by
        // the key and its unquoted value, not by the text as the parser returned it.
        let (key, value) = match &hostname {
            Some(host) => ("hostname", host.as_str()),
            None => ("service", service.as_str()),
        };
        let (line, excerpt) = key_line(text, search_from, key, value)
            .or_else(|| key_line(text, search_from, "service", &service))
            .unwrap_or((ingress_line.max(1), "ingress rule".to_string()));
        if line > 0 {
            search_from = line as usize;
        }
        let evidence = Evidence::file(path, line, excerpt);
        let catch_all = hostname.as_deref().is_none_or(|h| h == "*")
            && rule_path.as_deref().is_none_or(|p| p == "*");
        if catch_all && index + 1 < count {
            config.refusals.push((
                format!("ingress rule {} is a catch-all before the last rule", index + 1),
                evidence.clone(),
            ));
        }
        if !catch_all && index + 1 == count {
            config
                .refusals
                .push(("the last ingress rule is not a catch-all".to_string(), evidence.clone()));
        }
        if let Some(host) = &hostname
            && host.contains('*')
            && !host.starts_with("*.")
        {
            config.problems.push((
                format!("wildcard `{host}` is only allowed as a `*.` prefix"),
                evidence.clone(),
            ));
        }
        let port = local_port(&service);
        config.ingress.push(Ingress {
            hostname,
            path: rule_path,
            connect_timeout: timeout(rule.get("originRequest"), top_timeout),
            service,
            port,
            evidence,
        });
    }
    if count == 0 {
        // Without ingress rules cloudflared answers every request with an error page; cite
        // the `ingress:` key, or the first line when the key is missing.
        let line = ingress_line.max(1);
        let excerpt = text.lines().nth(line as usize - 1).map_or(String::new(), redact::excerpt);
        config.problems.push(("no ingress rules".to_string(), Evidence::file(path, line, excerpt)));
    }
    Ok(config)
}

/// The 1-based line at or after line index `from` where `key:` has `value` (quotes and a
/// trailing comment removed), with the line as excerpt.
fn key_line(text: &str, from: usize, key: &str, value: &str) -> Option<(u32, String)> {
    text.lines().enumerate().skip(from).find_map(|(index, line)| {
        let trimmed = line.trim_start().trim_start_matches('-').trim_start();
        let rest = trimmed.strip_prefix(key)?.trim_start().strip_prefix(':')?;
        let rest = match rest.find(" #") {
            Some(end) => &rest[..end],
            None => rest,
        };
        let written = rest.trim().trim_matches(|c| c == '"' || c == '\'');
        (written == value).then(|| (index as u32 + 1, redact::excerpt(line)))
    })
}

/// The port of `http://localhost:8765`, `https://127.0.0.1:8443` or `tcp://localhost:22`.
fn local_port(service: &str) -> Option<u16> {
    let (_, rest) = service.split_once("://")?;
    let authority = rest.split('/').next()?;
    let (host, port) = authority.rsplit_once(':')?;
    matches!(host, "localhost" | "127.0.0.1" | "[::1]" | "0.0.0.0").then_some(())?;
    port.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ingress_rules_and_timeouts() {
        let text = "tunnel: abc\ncredentials-file: /Users/u/.cloudflared/abc.json\n\
                    originRequest:\n  connectTimeout: 10s\ningress:\n  - hostname: a.example.org\n\
                    \x20   service: http://localhost:9000\n  - hostname: b.example.org\n\
                    \x20   service: http://127.0.0.1:9001\n    originRequest:\n      connectTimeout: 45s\n\
                    \x20 - service: http_status:404\n";
        let config = parse("c.yml", text).unwrap();
        assert_eq!(config.tunnel.as_deref(), Some("abc"));
        assert_eq!(config.ingress.len(), 3);
        assert_eq!(config.ingress[0].port, Some(9000));
        assert_eq!(config.ingress[0].connect_timeout.secs(), 10.0);
        assert_eq!(config.ingress[1].connect_timeout.secs(), 45.0);
        assert!(matches!(&config.ingress[1].evidence, Evidence::File { line: 8, .. }));
        assert!(config.problems.is_empty(), "{:?}", config.problems);
    }

    #[test]
    fn catch_all_problems() {
        let config = parse(
            "c.yml",
            "ingress:\n  - service: http://localhost:1\n  - hostname: x.org\n    service: http://localhost:2\n",
        )
        .unwrap();
        assert_eq!(config.refusals.len(), 2, "both break the catch-all rule");
        assert!(config.problems.is_empty());
        assert!(parse("c.yml", "ingress: [").is_err());
    }

    #[test]
    fn wildcard_path_rule_and_early_catch_all() {
        let text = "ingress:\n  - hostname: \"*.example.org\"\n    path: ^/api/.*\n\
                    \x20   service: http://localhost:7001\n  - service: http_status:404\n\
                    \x20 - hostname: late.example.org\n    service: http://localhost:7002\n";
        let config = parse("c.yml", text).unwrap();
        assert_eq!(config.ingress[0].hostname.as_deref(), Some("*.example.org"));
        assert_eq!(config.ingress[0].path.as_deref(), Some("^/api/.*"));
        assert_eq!(config.ingress[0].port, Some(7001));
        assert!(
            config.refusals.iter().any(|(p, e)| p.contains("catch-all before")
                && matches!(e, Evidence::File { line: 5, .. }))
        );
        assert!(config.refusals.iter().any(|(p, _)| p.contains("not a catch-all")));
        let bad = parse(
            "c.yml",
            "ingress:\n  - hostname: a*b.example.org\n    service: x\n  - service: y\n",
        )
        .unwrap();
        assert!(bad.problems.iter().any(|(p, _)| p.contains("wildcard")));
    }

    #[test]
    fn quoted_hostname_gets_its_real_line() {
        let text = "tunnel: t\ningress:\n  - hostname: a.example.org\n    service: http://localhost:1\n\
                    \x20 - hostname: \"*.orders.example.org\"  # wildcard\n    service: http://localhost:2\n\
                    \x20 - service: http_status:404\n";
        let config = parse("c.yml", text).unwrap();
        let lines: Vec<u32> = config
            .ingress
            .iter()
            .map(|rule| match &rule.evidence {
                Evidence::File { line, .. } => *line,
                Evidence::Assumption { .. } => 0,
            })
            .collect();
        assert_eq!(lines, vec![3, 5, 7]);
        assert!(config.refusals.is_empty());
    }
}
