//! Redaction: what counts as a secret, and the scrubbing every excerpt passes through before
//! it reaches the twin.
//!
//! The rules are deliberately greedy. A false positive costs a `***` in a report; a false
//! negative puts a password into a file the user may share.

/// Parts of a name that mark its value as a secret.
const SECRET_PARTS: [&str; 12] = [
    "KEY",
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "CREDENTIAL",
    "PASS",
    "AUTH",
    "JWT",
    "CLIENT_ID",
    "PRIVATE",
    "SALT",
];

/// Whether a variable or setting with this name holds a secret (`API_KEY`,
/// `TELEGRAM_BOT_TOKEN`, `client_secret`, `PGPASSWORD`, ...).
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_PARTS.iter().any(|part| upper.contains(part))
}

/// Whether a value holds a secret on its own: a URL with a password, or a token with a
/// well-known prefix.
pub fn is_secret_value(value: &str) -> bool {
    url_password_span(value).is_some() || looks_like_token(value)
}

/// Returns `text` with secrets replaced by `***`: URL passwords, values after secret-like
/// names (`KEY=...`, `"token": "..."`, `<key>API_KEY</key><string>...`), bearer tokens,
/// Telegram bot tokens in URL paths and words with well-known token prefixes.
pub fn redact_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (index, line) in text.split('\n').enumerate() {
        if index > 0 {
            out.push('\n');
        }
        out.push_str(&redact_line(line));
    }
    out
}

fn redact_line(line: &str) -> String {
    let mut line = line.to_string();

    // URL passwords: scheme://user:password@host.
    while let Some((start, end)) = url_password_span(&line) {
        line.replace_range(start..end, "***");
    }

    // Telegram bot tokens live in the path: /bot<token>/method.
    let mut search_from = 0;
    while let Some(found) = line[search_from..].find("/bot") {
        let start = search_from + found + 4;
        let end = line[start..].find('/').map_or(line.len(), |offset| start + offset);
        if end > start && !line[start..end].starts_with("***") {
            line.replace_range(start..end, "***");
        }
        search_from = (start + 3).min(line.len());
    }

    // Bearer tokens.
    for marker in ["Bearer ", "bearer ", "Basic "] {
        if let Some(found) = line.find(marker) {
            let start = found + marker.len();
            let end = line[start..]
                .find(|c: char| c.is_whitespace() || c == '"' || c == '\'')
                .map_or(line.len(), |offset| start + offset);
            if end > start {
                line.replace_range(start..end, "***");
            }
        }
    }

    // Values after secret-like names.
    line = redact_assignments(&line);

    // Words that look like tokens whatever their name.
    let words: Vec<String> = line
        .split(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '=' || c == ',')
        .filter(|word| looks_like_token(word))
        .map(str::to_string)
        .collect();
    for word in words {
        line = line.replace(&word, "***");
    }
    line
}

/// The byte span of the password in the first `scheme://user:password@` of `text`.
fn url_password_span(text: &str) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(found) = text[from..].find("://") {
        let authority_start = from + found + 3;
        let authority_end = text[authority_start..]
            .find(|c: char| c == '/' || c.is_whitespace() || c == '"' || c == '\'' || c == '<')
            .map_or(text.len(), |offset| authority_start + offset);
        let authority = &text[authority_start..authority_end];
        if let Some(at) = authority.rfind('@')
            && let Some(colon) = authority[..at].find(':')
        {
            let start = authority_start + colon + 1;
            let end = authority_start + at;
            if end > start && &text[start..end] != "***" {
                return Some((start, end));
            }
        }
        from = authority_start;
    }
    None
}

fn looks_like_token(word: &str) -> bool {
    let word =
        word.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_' && c != '.');
    const PREFIXES: [&str; 7] = ["sk-", "sk_live_", "AIza", "xoxb-", "xoxp-", "ghp_", "glpat-"];
    let jwt = word.starts_with("eyJ") && word.matches('.').count() >= 2;
    jwt || PREFIXES.iter().any(|prefix| word.starts_with(prefix) && word.len() >= prefix.len() + 8)
}

/// Replaces the value of `NAME=value`, `NAME: value`, `"NAME": "value"` and the plist form
/// `<key>NAME</key><string>value</string>` when NAME is secret-like.
fn redact_assignments(line: &str) -> String {
    let bytes = line.as_bytes();
    let mut out = String::with_capacity(line.len());
    let mut index = 0;
    while index < bytes.len() {
        let is_name = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.';
        if !is_name(bytes[index]) || (index > 0 && is_name(bytes[index - 1])) {
            out.push(line[index..].chars().next().unwrap_or(' '));
            index += line[index..].chars().next().map_or(1, char::len_utf8);
            continue;
        }
        let name_start = index;
        while index < bytes.len() && is_name(bytes[index]) {
            index += 1;
        }
        let name = &line[name_start..index];
        out.push_str(name);
        if !is_secret_name(name) {
            continue;
        }

        // The separator: optional closing quote or `</key>`, spaces, then `=` or `:` (or a
        // plist `<string>`).
        let mut cursor = index;
        let rest = &line[cursor..];
        let mut separator_found = false;
        if rest.starts_with("</key>") {
            cursor += "</key>".len();
            let after = line[cursor..].trim_start();
            cursor = line.len() - after.len();
            if after.starts_with("<string>") {
                cursor += "<string>".len();
                separator_found = true;
            }
        } else {
            while cursor < bytes.len() && (bytes[cursor] == b'"' || bytes[cursor] == b'\'') {
                cursor += 1;
            }
            while cursor < bytes.len() && bytes[cursor] == b' ' {
                cursor += 1;
            }
            if cursor < bytes.len() && (bytes[cursor] == b'=' || bytes[cursor] == b':') {
                cursor += 1;
                if cursor < bytes.len() && bytes[cursor] == b'=' {
                    // `==` is a comparison, not an assignment.
                    continue;
                }
                while cursor < bytes.len() && bytes[cursor] == b' ' {
                    cursor += 1;
                }
                separator_found = true;
            }
        }
        if !separator_found {
            continue;
        }

        // The value: a quoted string, or a run up to whitespace, `<`, `,` or `&`.
        let value_start = cursor;
        let value_end = if cursor < bytes.len() && (bytes[cursor] == b'"' || bytes[cursor] == b'\'')
        {
            let quote = bytes[cursor];
            line[cursor + 1..]
                .find(quote as char)
                .map_or(line.len(), |offset| cursor + 1 + offset + 1)
        } else {
            line[cursor..]
                .find(|c: char| c.is_whitespace() || c == '<' || c == ',' || c == '&' || c == ')')
                .map_or(line.len(), |offset| cursor + offset)
        };
        let value = &line[value_start..value_end];
        let inner = value.trim_matches(|c| c == '"' || c == '\'');
        out.push_str(&line[index..value_start]);
        if inner.is_empty() || is_reference(inner) {
            out.push_str(value);
        } else {
            out.push_str("***");
        }
        index = value_end;
    }
    out
}

/// A value that only names where the secret lives (`${TOKEN}`, `$TOKEN`, `os.environ[...]`)
/// is not itself a secret.
fn is_reference(value: &str) -> bool {
    value.starts_with('$')
        || value.starts_with("os.environ")
        || value.starts_with("os.getenv")
        || value.starts_with("self.")
        || value == "***"
}

/// Shortens an excerpt to at most 120 characters after redaction.
pub(crate) fn excerpt(text: &str) -> String {
    let redacted = redact_text(text.trim());
    let mut short: String = redacted.chars().take(120).collect();
    if redacted.chars().count() > 120 {
        short.push('…');
    }
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for name in ["API_KEY", "TELEGRAM_BOT_TOKEN", "client_secret", "PGPASSWORD", "aws_creds"] {
            assert_eq!(is_secret_name(name), name != "aws_creds", "{name}");
        }
        assert!(!is_secret_name("DATABASE_URL"));
        assert!(!is_secret_name("PORT"));
    }

    #[test]
    fn planted_secrets_never_survive() {
        let planted = [
            ("DATABASE_URL=postgresql://app:hunter2-PLANT@localhost:5432/app", "hunter2-PLANT"),
            ("ANTHROPIC_API_KEY=sk-ant-PLANTED0123456789", "PLANTED0123456789"),
            ("export SESSION_SECRET='plant-me-secret'", "plant-me-secret"),
            ("\"client_secret\": \"wsk-PLANT-secret\",", "wsk-PLANT-secret"),
            ("<key>GOOGLE_API_KEY</key><string>AIzaSyPLANT0000000</string>", "AIzaSyPLANT"),
            ("curl https://api.telegram.org/bot123456:AAPLANTtoken/sendMessage", "AAPLANTtoken"),
            ("token = PLANTtok3n", "PLANTtok3n"),
            ("-H 'Authorization: Bearer PLANTbearer123'", "PLANTbearer123"),
            ("password: plantpass", "plantpass"),
        ];
        for (text, secret) in planted {
            let redacted = redact_text(text);
            assert!(!redacted.contains(secret), "{text} -> {redacted}");
            assert!(redacted.contains("***"), "{text} -> {redacted}");
        }
    }

    #[test]
    fn references_and_plain_text_stay() {
        assert_eq!(redact_text("port = 5432"), "port = 5432");
        assert_eq!(redact_text("KEY=${API_KEY}"), "KEY=${API_KEY}");
        assert_eq!(
            redact_text("os.environ[\"TELEGRAM_BOT_TOKEN\"]"),
            "os.environ[\"TELEGRAM_BOT_TOKEN\"]"
        );
        assert!(
            redact_text("https://api.telegram.org/bot${TELEGRAM_BOT_TOKEN}/sendMessage")
                .contains("api.telegram.org/bot***/sendMessage")
        );
    }
}
