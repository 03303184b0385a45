//! The canonical YAML writer for rendered output.
//!
//! Keys keep the order the renderer built them in (Kubernetes order: apiVersion,
//! kind, metadata, spec), sequences are indented under their key, and any string
//! another YAML reader could retype (`on`, `yes`, `0755`, `1_000`, dates, numbers)
//! is quoted. Multi-line strings use literal blocks so embedded config files stay
//! readable in review. The same value always gives the same bytes.

use serde_json::Value;
use std::fmt::Write;

/// Writes one document (no `---`), ending in a newline.
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(m) if !m.is_empty() => write_map(&mut out, m, 0),
        Value::Array(a) if !a.is_empty() => write_seq(&mut out, a, 0),
        other => {
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
    out
}

fn indent(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(' ');
    }
}

fn write_map(out: &mut String, map: &serde_json::Map<String, Value>, level: usize) {
    for (k, v) in map {
        indent(out, level);
        out.push_str(&scalar_str(k));
        out.push(':');
        write_after_key(out, v, level);
    }
}

fn write_after_key(out: &mut String, v: &Value, level: usize) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            write_map(out, m, level + 2);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            write_seq(out, a, level + 2);
        }
        Value::String(s) if is_block(s) => write_block(out, s, level + 2),
        other => {
            out.push(' ');
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
}

fn write_seq(out: &mut String, items: &[Value], level: usize) {
    for item in items {
        indent(out, level);
        out.push('-');
        match item {
            Value::Object(m) if !m.is_empty() => {
                // The first key sits on the dash line; the rest align under it.
                let mut first = true;
                for (k, v) in m {
                    if first {
                        out.push(' ');
                        first = false;
                    } else {
                        indent(out, level + 2);
                    }
                    out.push_str(&scalar_str(k));
                    out.push(':');
                    write_after_key(out, v, level + 2);
                }
            }
            Value::Array(a) if !a.is_empty() => {
                out.push('\n');
                write_seq(out, a, level + 2);
            }
            Value::String(s) if is_block(s) => write_block(out, s, level + 2),
            other => {
                out.push(' ');
                out.push_str(&inline(other));
                out.push('\n');
            }
        }
    }
}

fn inline(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => scalar_str(s),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
    }
}

/// A multi-line string that a literal block can hold exactly.
fn is_block(s: &str) -> bool {
    s.contains('\n')
        && !s.starts_with([' ', '\t', '\n'])
        && s.lines().all(|l| !l.ends_with([' ', '\t']))
        && !s.chars().any(|c| c.is_control() && c != '\n')
}

fn write_block(out: &mut String, s: &str, level: usize) {
    let chomp = if s.ends_with("\n\n") {
        "+"
    } else if s.ends_with('\n') {
        ""
    } else {
        "-"
    };
    let _ = writeln!(out, " |{chomp}");
    let body = s.strip_suffix('\n').unwrap_or(s);
    for line in body.split('\n') {
        if !line.is_empty() {
            indent(out, level);
            out.push_str(line);
        }
        out.push('\n');
    }
}

/// A string as a plain scalar when no reader could misread it, else double-quoted.
pub fn scalar_str(s: &str) -> String {
    if needs_quotes(s) {
        serde_json::to_string(s).unwrap_or_else(|_| format!("\"{}\"", s.escape_default()))
    } else {
        s.to_string()
    }
}

fn needs_quotes(s: &str) -> bool {
    if s.is_empty() || s.trim() != s {
        return true;
    }
    let first = s.chars().next().unwrap_or(' ');
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        // `-foo` and `:foo` are plain-safe only in some contexts: quote them all.
        return true;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return true;
    }
    if s.chars().any(|c| c.is_control()) {
        return true;
    }
    looks_typed(s)
}

/// True when YAML 1.1 or 1.2 would read `s` as something other than a string.
fn looks_typed(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "~" | "null"
            | "true"
            | "false"
            | "yes"
            | "no"
            | "on"
            | "off"
            | "y"
            | "n"
            | ".inf"
            | "-.inf"
            | "+.inf"
            | ".nan"
    ) {
        return true;
    }
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    if body.is_empty() {
        return false;
    }
    let numeric_chars = body.chars().all(|c| {
        c.is_ascii_hexdigit()
            || matches!(
                c,
                '.' | '_' | 'x' | 'o' | 'X' | 'O' | 'e' | 'E' | '+' | '-' | ':'
            )
    });
    if numeric_chars && body.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return true;
    }
    // Timestamps (2024-01-01) are typed by YAML 1.1 readers.
    let b = s.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quotes_what_readers_would_retype() {
        let v = json!({"a": "on", "b": "0755", "c": "1_000", "d": "2024-01-01", "e": "plain", "f": "true",
                       "g": "1", "h": "", "i": "*.example.com", "j": "http_status:404", "k": "a: b"});
        let y = to_yaml(&v);
        assert_eq!(
            y,
            "a: \"on\"\nb: \"0755\"\nc: \"1_000\"\nd: \"2024-01-01\"\ne: plain\nf: \"true\"\ng: \"1\"\nh: \"\"\ni: \"*.example.com\"\nj: http_status:404\nk: \"a: b\"\n"
        );
    }

    #[test]
    fn nested_layout_round_trips() {
        let v = json!({"spec": {"containers": [{"name": "x", "args": ["a", "b"], "env": []}]},
                       "data": {"redis.conf": "maxmemory 1mb\nappendonly yes\n"}});
        let y = to_yaml(&v);
        let back = crate::yaml::parse_single(&y, crate::source::FileId(0)).expect("valid yaml");
        assert_eq!(back.to_json(), v, "{y}");
    }
}
