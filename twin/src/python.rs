//! Python service code, read with the tree-sitter Python grammar: outgoing HTTP calls (host,
//! timeout, and what happens when they fail), database connections and pools, uvicorn
//! settings, and the modules a file imports so the assembler can follow a service's code.
//!
//! Library defaults follow FORMATS.md: requests and urllib wait forever without a timeout,
//! httpx waits 5 s, aiohttp 300 s; psycopg2 without `connect_timeout` waits forever;
//! SQLAlchemy pools hold 5 + 10 connections and wait 30 s for one.

use std::collections::BTreeMap;

use drtwin_model::Duration;
use tree_sitter::{Node, Parser};

use crate::redact;

/// How a call's failure is handled where it is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Guard {
    /// An `except` that returns a value (cached data, a default): the caller carries on.
    Fallback,
    /// An `except` that logs and goes on without the result: the feature degrades.
    Swallowed,
    /// No handler, or one that re-raises: the failure reaches the caller.
    Unguarded,
}

#[derive(Clone, Debug, PartialEq)]
pub struct HttpCall {
    pub line: u32,
    pub host: String,
    pub library: String,
    /// `None` waits forever.
    pub timeout: Option<Duration>,
    pub guard: Guard,
    pub excerpt: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DbUse {
    pub line: u32,
    pub call: String,
    pub max_connections: u32,
    pub checkout_timeout: Option<Duration>,
    pub connect_timeout: Option<Duration>,
    pub excerpt: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct PythonFacts {
    pub http_calls: Vec<HttpCall>,
    pub db: Vec<DbUse>,
    pub uvicorn_workers: Option<u32>,
    /// Dotted module names imported (`gigi.voice_brain`, `requests`).
    pub imports: Vec<String>,
    /// The file talks to Telegram through python-telegram-bot.
    pub telegram_bot: bool,
    /// Database connections opened into a name and closed outside `finally` and `with`.
    pub leaks: Vec<Leak>,
}

/// A connection that goes back to the pool only when nothing between its opening and its
/// `close()` raises: an exception leaks it, and enough leaks exhaust the pool.
#[derive(Clone, Debug, PartialEq)]
pub struct Leak {
    /// Where the connection is opened.
    pub line: u32,
    /// Where it is closed (or returned with `putconn`) outside a `finally`.
    pub close_line: u32,
    pub excerpt: String,
}

// FIXME: a timeout set on a client object (`httpx.Client(timeout=None)`,
// `aiohttp.ClientSession(timeout=...)`) is not carried to its calls; each call gets the
// library's default unless it passes its own `timeout=`.
pub fn analyse(text: &str) -> PythonFacts {
    let mut facts = PythonFacts::default();
    let mut parser = Parser::new();
    if parser.set_language(&tree_sitter_python::LANGUAGE.into()).is_err() {
        return facts;
    }
    let Some(tree) = parser.parse(text, None) else {
        return facts;
    };
    let source = text.as_bytes();
    let node_text = |node: Node| node.utf8_text(source).unwrap_or("").to_string();

    // Pass 1: imports and every assignment of a string holding a URL, by name.
    let mut url_names: BTreeMap<String, String> = BTreeMap::new();
    let mut calls: Vec<Node> = Vec::new();
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "import_statement" => {
                let mut cursor = node.walk();
                for name in node.children_by_field_name("name", &mut cursor) {
                    let text = node_text(name);
                    facts.imports.push(text.split(" as ").next().unwrap_or(&text).to_string());
                }
            }
            "import_from_statement" => {
                if let Some(module) = node.child_by_field_name("module_name") {
                    let module = node_text(module);
                    let mut cursor = node.walk();
                    for name in node.children_by_field_name("name", &mut cursor) {
                        let name = node_text(name);
                        let name = name.split(" as ").next().unwrap_or(&name);
                        facts.imports.push(format!("{module}.{name}"));
                    }
                    facts.imports.push(module);
                }
            }
            "assignment" => {
                if let (Some(left), Some(right)) =
                    (node.child_by_field_name("left"), node.child_by_field_name("right"))
                {
                    let value = node_text(right);
                    if value.contains("://") || value.contains('{') {
                        url_names.entry(node_text(left)).or_insert(value);
                    }
                }
            }
            "call" => calls.push(node),
            _ => {}
        }
        let mut cursor = node.walk();
        stack.extend(node.children(&mut cursor));
    }
    calls.sort_by_key(|call| call.start_byte());
    facts.telegram_bot =
        facts.imports.iter().any(|m| m == "telegram" || m.starts_with("telegram."));
    let uses_httpx = facts.imports.iter().any(|m| m.starts_with("httpx"));
    let uses_requests = facts.imports.iter().any(|m| m.starts_with("requests"));

    // Pass 2: the calls.
    let mut unguarded_in: Vec<(usize, String)> = Vec::new();
    for call in &calls {
        let Some(function) = call.child_by_field_name("function") else {
            continue;
        };
        let function = node_text(function);
        let arguments = call.child_by_field_name("arguments");
        let keyword = |name: &str| -> Option<String> {
            let arguments = arguments?;
            let mut cursor = arguments.walk();
            let found = arguments.named_children(&mut cursor).find(|child| {
                child.kind() == "keyword_argument"
                    && child.child_by_field_name("name").map(node_text).as_deref() == Some(name)
            })?;
            found.child_by_field_name("value").map(node_text)
        };
        let first_argument = || -> Option<String> {
            let arguments = arguments?;
            let mut cursor = arguments.walk();
            let first = arguments.named_children(&mut cursor).find(|c| c.kind() != "comment")?;
            (first.kind() != "keyword_argument").then(|| node_text(first))
        };
        let line = call.start_position().row as u32 + 1;
        let excerpt = redact::excerpt(node_text(*call).lines().next().unwrap_or(""));
        let method = function.rsplit('.').next().unwrap_or(&function);
        let object = function.rsplit_once('.').map_or("", |(object, _)| object);
        let object_lower = object.to_ascii_lowercase();

        // HTTP calls.
        let http_method = matches!(
            method,
            "get" | "post" | "put" | "patch" | "delete" | "head" | "request" | "urlopen" | "stream"
        );
        let library = if function.starts_with("requests.") {
            Some("requests")
        } else if function.starts_with("httpx.") {
            Some("httpx")
        } else if function.ends_with("urlopen") {
            Some("urllib")
        } else if http_method
            && (object_lower.contains("session")
                || object_lower.contains("client")
                || object_lower.contains("http"))
            && !object_lower.contains("redis")
        {
            if object_lower.contains("aiohttp") {
                Some("aiohttp")
            } else if uses_httpx && !uses_requests {
                Some("httpx")
            } else {
                Some("requests")
            }
        } else {
            None
        };
        if let Some(library) = library
            && http_method
        {
            let url = keyword("url").or_else(first_argument).unwrap_or_default();
            let host = resolve_host(&url, &url_names);
            let Some(host) = host else { continue };
            let timeout = match keyword("timeout") {
                Some(value) => timeout_value(&value),
                None => match library {
                    "httpx" => Some(Duration::from_secs(5.0)),
                    "aiohttp" => Some(Duration::from_secs(300.0)),
                    _ => None,
                },
            };
            let guard = guard_of(*call, source);
            if guard == Guard::Unguarded
                && let Some(function_name) = enclosing_function(*call, source)
            {
                unguarded_in.push((facts.http_calls.len(), function_name));
            }
            facts.http_calls.push(HttpCall {
                line,
                host,
                library: library.into(),
                timeout,
                guard,
                excerpt,
            });
            continue;
        }

        // Database connections and pools.
        let seconds = |name: &str| -> Option<Duration> {
            keyword(name)
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|v| *v > 0.0)
                .map(Duration::from_secs)
        };
        let connect_timeout_in = |text: &str| -> Option<Duration> {
            let start = text.find("connect_timeout")?;
            let digits: String = text[start + 15..]
                .chars()
                .skip_while(|c| !c.is_ascii_digit())
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse::<f64>().ok().filter(|v| *v > 0.0).map(Duration::from_secs)
        };
        let call_text = node_text(*call);
        let number = |name: &str, default: u32| {
            keyword(name).and_then(|v| v.trim().parse().ok()).unwrap_or(default)
        };
        let db = match function.as_str() {
            "create_engine" | "sqlalchemy.create_engine" | "create_async_engine" => Some(DbUse {
                line,
                call: function.clone(),
                max_connections: number("pool_size", 5) + number("max_overflow", 10),
                checkout_timeout: Some(
                    seconds("pool_timeout").unwrap_or(Duration::from_secs(30.0)),
                ),
                connect_timeout: connect_timeout_in(&call_text),
                excerpt: excerpt.clone(),
            }),
            "psycopg2.connect"
            | "psycopg.connect"
            | "asyncpg.connect"
            | "psycopg2.extensions.connection" => {
                let asyncpg = function.starts_with("asyncpg");
                Some(DbUse {
                    line,
                    call: function.clone(),
                    max_connections: 1,
                    checkout_timeout: None,
                    // asyncpg's own connect timeout defaults to 60 s.
                    connect_timeout: seconds("timeout")
                        .filter(|_| asyncpg)
                        .or_else(|| connect_timeout_in(&call_text))
                        .or(asyncpg.then(|| Duration::from_secs(60.0))),
                    excerpt: excerpt.clone(),
                })
            }
            _ if method == "ThreadedConnectionPool" || method == "SimpleConnectionPool" => {
                Some(DbUse {
                    line,
                    call: function.clone(),
                    max_connections: number("maxconn", 1),
                    checkout_timeout: None,
                    connect_timeout: connect_timeout_in(&call_text),
                    excerpt: excerpt.clone(),
                })
            }
            "asyncpg.create_pool" => Some(DbUse {
                line,
                call: function.clone(),
                max_connections: number("max_size", 10),
                checkout_timeout: None,
                connect_timeout: Some(seconds("timeout").unwrap_or(Duration::from_secs(60.0))),
                excerpt: excerpt.clone(),
            }),
            _ => None,
        };
        if let Some(db) = db {
            facts.db.push(db);
        }
        if function == "uvicorn.run"
            && let Some(workers) = keyword("workers").and_then(|w| w.parse().ok())
        {
            facts.uvicorn_workers = Some(workers);
        }
    }

    // A helper without a handler inherits the handling of its call sites in this file.
    for (index, function_name) in unguarded_in {
        let sites: Vec<Guard> = calls
            .iter()
            .filter(|call| {
                call.child_by_field_name("function").map(node_text).is_some_and(|f| {
                    f == function_name || f.ends_with(&format!(".{function_name}"))
                })
            })
            .map(|call| guard_of(*call, source))
            .collect();
        if let Some(worst) = sites.iter().max()
            && !sites.is_empty()
        {
            facts.http_calls[index].guard = *worst;
        }
    }
    facts.leaks = leaks(&calls, source);
    facts
}

/// Connections opened into a name (`conn = engine.connect()`, `pool.getconn()`,
/// `psycopg2.connect(...)`) whose release is not in a `finally` clause. A `with` block
/// releases on every path and never reaches here, since its call is not an assignment.
fn leaks(calls: &[Node], source: &[u8]) -> Vec<Leak> {
    let text = |node: Node| node.utf8_text(source).unwrap_or("").to_string();
    let mut out = Vec::new();
    for call in calls {
        let Some(function) = call.child_by_field_name("function").map(text) else {
            continue;
        };
        let method = function.rsplit('.').next().unwrap_or(&function);
        if !matches!(method, "connect" | "getconn" | "raw_connection") || !function.contains('.') {
            continue;
        }
        let Some(assignment) = call.parent().filter(|p| p.kind() == "assignment") else {
            continue;
        };
        let Some(name) = assignment.child_by_field_name("left").map(text) else {
            continue;
        };
        let Some(body) = enclosing_function_node(*call) else {
            continue;
        };
        let close_by_name = format!("{name}.close");
        let mut releases = Vec::new();
        let mut stack = vec![body];
        while let Some(node) = stack.pop() {
            if node.kind() == "call"
                && let Some(callee) = node.child_by_field_name("function").map(text)
            {
                let arguments = node.child_by_field_name("arguments").map(text).unwrap_or_default();
                if callee == close_by_name
                    || (callee.ends_with(".putconn") && arguments.contains(name.as_str()))
                {
                    releases.push(node);
                }
            }
            let mut cursor = node.walk();
            stack.extend(node.children(&mut cursor));
        }
        let in_finally = |node: Node| {
            let mut current = node.parent();
            while let Some(parent) = current {
                if parent.kind() == "finally_clause" {
                    return true;
                }
                current = parent.parent();
            }
            false
        };
        if let Some(release) = releases.iter().min_by_key(|n| n.start_byte())
            && !releases.iter().any(|n| in_finally(*n))
        {
            out.push(Leak {
                line: call.start_position().row as u32 + 1,
                close_line: release.start_position().row as u32 + 1,
                excerpt: redact::excerpt(text(assignment).lines().next().unwrap_or("")),
            });
        }
    }
    out
}

fn enclosing_function_node(node: Node) -> Option<Node> {
    let mut current = node.parent();
    while let Some(parent) = current {
        if parent.kind() == "function_definition" {
            return Some(parent);
        }
        current = parent.parent();
    }
    None
}

// FIXME: URLs are resolved only from names assigned in the same file; a base URL imported
// from another module, or built from configuration at run time, leaves the call unlinked.
/// The host a URL expression names: a literal, an f-string whose first part is a literal or
/// a known constant, or a name assigned a URL elsewhere in the file.
fn resolve_host(expression: &str, names: &BTreeMap<String, String>) -> Option<String> {
    let mut text = expression.to_string();
    for _ in 0..3 {
        if let Some(start) = text.find("://") {
            let rest = &text[start + 3..];
            let end = rest.find(['/', '"', '\'', ':', '?', '{', '}']).unwrap_or(rest.len());
            let host = rest[..end].to_ascii_lowercase();
            return (!host.is_empty() && host.contains('.')).then_some(host);
        }
        // Replace the first name the expression uses by its assigned value.
        let trimmed = text.trim_start_matches(['f', '"', '\'', '{']);
        let name: String = trimmed
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
            .collect();
        let value =
            names.get(&name).or_else(|| names.get(name.rsplit('.').next().unwrap_or("")))?;
        text = value.clone();
    }
    None
}

fn timeout_value(value: &str) -> Option<Duration> {
    let value = value.trim();
    if value == "None" {
        return None;
    }
    // A (connect, read) tuple: the read timeout bounds a hung response.
    let numbers: Vec<f64> = value
        .trim_matches(['(', ')'])
        .split(',')
        .filter_map(|part| part.trim().parse().ok())
        .collect();
    if let Some(max) = numbers.iter().copied().reduce(f64::max) {
        return Some(Duration::from_secs(max));
    }
    // httpx.Timeout(10.0) and alikes: the first number.
    let digits: String = value
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    digits.parse().ok().map(Duration::from_secs)
}

// FIXME: handler inheritance follows call sites one level deep and within one file only; a
// helper called from another module keeps its own (unguarded) reading.
/// How the nearest enclosing `try` handles a failure of `node`.
fn guard_of(node: Node, source: &[u8]) -> Guard {
    let mut child = node;
    while let Some(parent) = child.parent() {
        if parent.kind() == "function_definition" {
            return Guard::Unguarded;
        }
        if parent.kind() == "try_statement"
            && parent.child_by_field_name("body").is_some_and(|body| body.id() == child.id())
        {
            let mut cursor = parent.walk();
            let mut best = None;
            for clause in parent.children(&mut cursor) {
                if clause.kind() != "except_clause" {
                    continue;
                }
                let text = clause.utf8_text(source).unwrap_or("");
                let body: Vec<&str> = text.lines().skip(1).map(str::trim).collect();
                let guard = if body.iter().any(|l| l.starts_with("raise")) {
                    Guard::Unguarded
                } else if body.iter().any(|l| l.starts_with("return ") && l != &"return None") {
                    Guard::Fallback
                } else {
                    Guard::Swallowed
                };
                best = Some(best.map_or(guard, |b: Guard| b.min(guard)));
            }
            if let Some(guard) = best {
                return guard;
            }
        }
        child = parent;
    }
    Guard::Unguarded
}

fn enclosing_function(node: Node, source: &[u8]) -> Option<String> {
    let mut current = node.parent();
    while let Some(parent) = current {
        if parent.kind() == "function_definition" {
            return parent.child_by_field_name("name")?.utf8_text(source).ok().map(str::to_string);
        }
        current = parent.parent();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODE: &str = r#"
import requests, httpx
from sqlalchemy import create_engine
import psycopg2
BASE = "https://api.partner.example/v1"
engine = create_engine(URL, pool_size=4, max_overflow=2, connect_args={"connect_timeout": 5})

def token():
    return requests.post(f"{BASE}/token", timeout=(3, 20)).json()

def schedule():
    try:
        r = requests.get(f"{BASE}/items", headers={"t": token()})
        return r.json()
    except requests.RequestException:
        return load_cache()

def notify():
    try:
        httpx.post("https://hooks.chat.example/x")
    except Exception:
        log.warning("failed")
    return True

def plain():
    conn = psycopg2.connect(DSN)
    session = requests.Session()
    session.get("https://api.other.example/y")
"#;

    #[test]
    fn http_calls_hosts_timeouts_and_guards() {
        let facts = analyse(CODE);
        let find = |host: &str, line: u32| {
            facts.http_calls.iter().find(|c| c.host == host && c.line == line).cloned().unwrap()
        };
        let token = find("api.partner.example", 9);
        assert_eq!(token.timeout.map(|t| t.secs()), Some(20.0));
        assert_eq!(token.guard, Guard::Fallback, "only called from inside a fallback");
        let items = find("api.partner.example", 13);
        assert_eq!(items.timeout, None);
        assert_eq!(items.guard, Guard::Fallback);
        let hook = find("hooks.chat.example", 20);
        assert_eq!(hook.timeout.map(|t| t.secs()), Some(5.0), "httpx default");
        assert_eq!(hook.guard, Guard::Swallowed);
        let other = find("api.other.example", 28);
        assert_eq!(other.guard, Guard::Unguarded);
    }

    #[test]
    fn pools_and_connects() {
        let facts = analyse(CODE);
        assert_eq!(facts.db.len(), 2);
        assert_eq!(facts.db[0].max_connections, 6);
        assert_eq!(facts.db[0].connect_timeout.map(|t| t.secs()), Some(5.0));
        assert_eq!(facts.db[1].connect_timeout, None);
        assert!(facts.imports.iter().any(|m| m == "sqlalchemy.create_engine"));
    }

    #[test]
    fn connection_closed_outside_finally_is_a_leak() {
        let text = "def a():\n    conn = engine.connect()\n    conn.execute(q)\n    conn.close()\n\n\
                    def b():\n    conn = pool.getconn()\n    try:\n        run(conn)\n    finally:\n        pool.putconn(conn)\n\n\
                    def c():\n    with engine.connect() as conn:\n        conn.execute(q)\n";
        let facts = analyse(text);
        assert_eq!(facts.leaks.len(), 1, "{:?}", facts.leaks);
        assert_eq!((facts.leaks[0].line, facts.leaks[0].close_line), (2, 4));
    }
}
