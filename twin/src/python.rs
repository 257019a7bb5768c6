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
    /// Extra attempts a retry wrapper makes after the first fails: `None` when no wrapper
    /// was found, [`UNBOUNDED`] when the wrapper has no attempt limit.
    pub retries: Option<u32>,
    /// Where the wrapper is written (line, and what it says), for the report to cite.
    pub retry_evidence: Option<(u32, String)>,
}

/// `retries` of a wrapper that keeps trying until it succeeds (or only a time limit stops it).
pub const UNBOUNDED: u32 = u32::MAX;

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
    let mut int_names: BTreeMap<String, u32> = BTreeMap::new();
    let mut retry_objects: BTreeMap<String, Node> = BTreeMap::new();
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
                        url_names.entry(node_text(left)).or_insert(value.clone());
                    }
                    if right.kind() == "integer"
                        && let Ok(number) = value.parse()
                    {
                        int_names.entry(node_text(left)).or_insert(number);
                    }
                    if right.kind() == "call" && is_retry_class(right, source) {
                        retry_objects.entry(node_text(left)).or_insert(right);
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

    // Retries mounted on a requests Session: `HTTPAdapter(max_retries=...)` and `.mount(...)`.
    let session_retry = session_retry(&calls, source, &int_names, &retry_objects);

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
            let on_session = library == "requests" && !function.starts_with("requests.");
            let (retries, retry_evidence) = retry_loop(*call, source, &int_names)
                .or_else(|| retry_decorator(*call, source, &int_names))
                .or_else(|| session_retry.clone().filter(|_| on_session))
                .map_or((None, None), |(n, line, text)| (Some(n), Some((line, text))));
            facts.http_calls.push(HttpCall {
                line,
                host,
                library: library.into(),
                timeout,
                guard,
                excerpt,
                retries,
                retry_evidence,
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

/// A retry wrapper found: extra attempts, line, and what it says.
type Retry = (u32, u32, String);

/// A whole number written literally or through a name assigned one in this file.
fn int_of(text: &str, int_names: &BTreeMap<String, u32>) -> Option<u32> {
    let text = text.trim();
    text.parse().ok().or_else(|| int_names.get(text).copied())
}

/// The first argument of the first `marker(` call in `text` (`stop_after_attempt(5)` → `5`).
fn argument_after<'a>(text: &'a str, marker: &str) -> Option<&'a str> {
    let start = text.find(marker)? + marker.len();
    let rest = &text[start..];
    Some(rest[..rest.find([')', ','])?].trim())
}

fn keyword_node<'t>(call: Node<'t>, name: &str, source: &[u8]) -> Option<Node<'t>> {
    let arguments = call.child_by_field_name("arguments")?;
    let mut cursor = arguments.walk();
    let found = arguments.named_children(&mut cursor).find(|child| {
        child.kind() == "keyword_argument"
            && child.child_by_field_name("name").and_then(|n| n.utf8_text(source).ok())
                == Some(name)
    })?;
    found.child_by_field_name("value")
}

fn callee(call: Node, source: &[u8]) -> String {
    call.child_by_field_name("function")
        .and_then(|f| f.utf8_text(source).ok())
        .unwrap_or("")
        .to_string()
}

/// urllib3's `Retry(...)` (also reached as `requests.packages.urllib3.util.retry.Retry`).
fn is_retry_class(call: Node, source: &[u8]) -> bool {
    let function = callee(call, source);
    function == "Retry" || function.ends_with(".Retry")
}

fn first_line(node: Node, source: &[u8]) -> String {
    redact::excerpt(node.utf8_text(source).unwrap_or("").lines().next().unwrap_or("").trim())
}

/// Retries of a `HTTPAdapter(max_retries=...)` in a file that mounts adapters on a session.
/// `max_retries` is a count, or a urllib3 `Retry` written in place or through a name.
fn session_retry(
    calls: &[Node],
    source: &[u8],
    int_names: &BTreeMap<String, u32>,
    retry_objects: &BTreeMap<String, Node>,
) -> Option<Retry> {
    let mounts = calls.iter().any(|call| callee(*call, source).ends_with(".mount"));
    if !mounts {
        return None;
    }
    calls.iter().find_map(|call| {
        let function = callee(*call, source);
        if function != "HTTPAdapter" && !function.ends_with(".HTTPAdapter") {
            return None;
        }
        let value = keyword_node(*call, "max_retries", source)?;
        let value_text = value.utf8_text(source).unwrap_or("");
        let adapter_line = call.start_position().row as u32 + 1;
        if let Some(count) = int_of(value_text, int_names) {
            let text = format!("HTTPAdapter(max_retries={value_text}) on the session");
            return (count > 0).then_some((count, adapter_line, text));
        }
        let retry = if value.kind() == "call" && is_retry_class(value, source) {
            value
        } else {
            *retry_objects.get(value_text)?
        };
        let text_of =
            |name: &str| keyword_node(retry, name, source).and_then(|n| n.utf8_text(source).ok());
        let positional = retry.child_by_field_name("arguments").and_then(|arguments| {
            let mut cursor = arguments.walk();
            let first = arguments.named_children(&mut cursor).next()?;
            (first.kind() != "keyword_argument").then(|| first.utf8_text(source).unwrap_or(""))
        });
        // urllib3 counts `total` first; without it, the largest specific count; default 10.
        let count = text_of("total")
            .or(positional)
            .and_then(|t| int_of(t, int_names))
            .or_else(|| {
                ["connect", "read", "status"]
                    .iter()
                    .filter_map(|name| text_of(name).and_then(|t| int_of(t, int_names)))
                    .max()
            })
            .unwrap_or(10);
        let backoff = text_of("backoff_factor").unwrap_or("0");
        let text = format!(
            "urllib3 Retry(total={count}, backoff_factor={backoff}) mounted via HTTPAdapter \
             (line {adapter_line})"
        );
        (count > 0).then_some((count, retry.start_position().row as u32 + 1, text))
    })
}

/// A tenacity `@retry(...)` or `@backoff.on_exception(...)` on the function making the call.
fn retry_decorator(node: Node, source: &[u8], int_names: &BTreeMap<String, u32>) -> Option<Retry> {
    let mut current = node.parent();
    let function = loop {
        let parent = current?;
        if parent.kind() == "function_definition" {
            break parent;
        }
        current = parent.parent();
    };
    let decorated = function.parent().filter(|p| p.kind() == "decorated_definition")?;
    let mut cursor = decorated.walk();
    let decorators: Vec<Node> =
        decorated.children(&mut cursor).filter(|c| c.kind() == "decorator").collect();
    decorators.into_iter().find_map(|decorator| {
        let expression = decorator.named_child(0)?;
        let name = if expression.kind() == "call" {
            callee(expression, source)
        } else {
            expression.utf8_text(source).unwrap_or("").to_string()
        };
        let text = decorator.utf8_text(source).unwrap_or("");
        let line = decorator.start_position().row as u32 + 1;
        let attempts = if name == "retry" || name.ends_with(".retry") {
            // tenacity's `stop_after_attempt(N)`, or the older `retrying` keyword.
            argument_after(text, "stop_after_attempt(")
                .or_else(|| argument_after(text, "stop_max_attempt_number="))
                .and_then(|t| int_of(t, int_names))
        } else if name.ends_with("on_exception") || name.ends_with("on_predicate") {
            (expression.kind() == "call")
                .then(|| keyword_node(expression, "max_tries", source))
                .flatten()
                .and_then(|n| int_of(n.utf8_text(source).unwrap_or(""), int_names))
        } else {
            return None;
        };
        let retries = attempts.map_or(UNBOUNDED, |a| a.saturating_sub(1));
        (retries > 0).then(|| (retries, line, first_line(decorator, source)))
    })
}

/// A hand-written `for attempt in range(N):` loop whose `try` body makes the call and which
/// sleeps between attempts.
fn retry_loop(node: Node, source: &[u8], int_names: &BTreeMap<String, u32>) -> Option<Retry> {
    let mut child = node;
    let mut in_try = false;
    while let Some(parent) = child.parent() {
        match parent.kind() {
            "function_definition" | "lambda" => return None,
            "try_statement"
                if parent.child_by_field_name("body").is_some_and(|b| b.id() == child.id()) =>
            {
                in_try = true;
            }
            "for_statement" if in_try => {
                let right = parent.child_by_field_name("right")?;
                let body = parent.child_by_field_name("body")?;
                let sleeps = body.utf8_text(source).unwrap_or("").contains("sleep(");
                if right.kind() == "call" && callee(right, source) == "range" && sleeps {
                    let arguments = right.child_by_field_name("arguments")?;
                    let mut cursor = arguments.walk();
                    let bounds: Vec<u32> = arguments
                        .named_children(&mut cursor)
                        .map(|a| int_of(a.utf8_text(source).unwrap_or(""), int_names))
                        .collect::<Option<_>>()?;
                    let attempts = match bounds[..] {
                        [end] => end,
                        [start, end] | [start, end, 1] => end.saturating_sub(start),
                        _ => return None,
                    };
                    let retries = attempts.saturating_sub(1);
                    let line = parent.start_position().row as u32 + 1;
                    return (retries > 0).then(|| (retries, line, first_line(parent, source)));
                }
            }
            _ => {}
        }
        child = parent;
    }
    None
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

    fn retry_of(text: &str, host: &str) -> (Option<u32>, Option<u32>) {
        let facts = analyse(text);
        let call = facts.http_calls.iter().find(|c| c.host == host).expect("call found");
        (call.retries, call.retry_evidence.as_ref().map(|(line, _)| *line))
    }

    #[test]
    fn urllib3_retry_mounted_on_a_session() {
        let text = "import requests\nfrom requests.adapters import HTTPAdapter\n\
                    from urllib3.util.retry import Retry\n\n\
                    def make():\n    retry = Retry(\n        total=4,\n        backoff_factor=2,\n    )\n\
                    \x20   s = requests.Session()\n    s.mount(\"https://\", HTTPAdapter(max_retries=retry))\n\
                    \x20   return s\n\n\
                    def fetch(session):\n    return session.get(\"https://api.a.example/x\", timeout=5)\n\n\
                    def direct():\n    return requests.get(\"https://api.b.example/y\", timeout=5)\n";
        assert_eq!(retry_of(text, "api.a.example"), (Some(4), Some(6)));
        let facts = analyse(text);
        let (_, said) = facts.http_calls[0].retry_evidence.clone().unwrap();
        assert!(said.contains("backoff_factor=2") && said.contains("line 11"), "{said}");
        assert_eq!(retry_of(text, "api.b.example"), (None, None), "module call, no session");
    }

    #[test]
    fn adapter_with_a_plain_count() {
        let text = "import requests\nfrom requests.adapters import HTTPAdapter\n\
                    session = requests.Session()\nadapter = HTTPAdapter(max_retries=3)\n\
                    session.mount(\"https://\", adapter)\n\
                    session.post(\"https://api.a.example/x\")\n";
        assert_eq!(retry_of(text, "api.a.example"), (Some(3), Some(4)));
    }

    #[test]
    fn tenacity_decorator() {
        let text = "import requests\nfrom tenacity import retry, stop_after_attempt, wait_exponential\n\n\
                    @retry(stop=stop_after_attempt(5), wait=wait_exponential(multiplier=1, max=30))\n\
                    def fetch():\n    return requests.get(\"https://api.a.example/x\", timeout=5)\n";
        assert_eq!(retry_of(text, "api.a.example"), (Some(4), Some(4)));
        let forever = "import httpx, tenacity\n\n@tenacity.retry\n\
                       def fetch():\n    return httpx.get(\"https://api.a.example/x\")\n";
        assert_eq!(retry_of(forever, "api.a.example"), (Some(UNBOUNDED), Some(3)));
    }

    #[test]
    fn backoff_decorator() {
        let text = "import backoff, requests\nTRIES = 6\n\n\
                    @backoff.on_exception(backoff.expo, requests.RequestException, max_tries=TRIES)\n\
                    def fetch():\n    return requests.get(\"https://api.a.example/x\", timeout=5)\n";
        assert_eq!(retry_of(text, "api.a.example"), (Some(5), Some(4)));
    }

    #[test]
    fn hand_written_retry_loop() {
        let text = "import time, requests\n\n\
                    def fetch():\n    for attempt in range(3):\n        try:\n\
                    \x20           return requests.get(\"https://api.a.example/x\", timeout=5)\n\
                    \x20       except requests.RequestException:\n\
                    \x20           time.sleep(2 ** attempt)\n    raise RuntimeError(\"gave up\")\n";
        assert_eq!(retry_of(text, "api.a.example"), (Some(2), Some(4)));
        // A loop over pages without a sleep is not a retry.
        let pages = "import requests\n\ndef fetch():\n    for page in range(3):\n        try:\n\
                     \x20           requests.get(\"https://api.a.example/x\", timeout=5)\n\
                     \x20       except Exception:\n            pass\n";
        assert_eq!(retry_of(pages, "api.a.example"), (None, None));
    }

    #[test]
    fn no_wrapper_no_retries() {
        let facts = analyse(CODE);
        assert!(facts.http_calls.iter().all(|c| c.retries.is_none() && c.retry_evidence.is_none()));
    }
}
