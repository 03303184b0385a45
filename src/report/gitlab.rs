//! GitLab Code Quality JSON (`artifacts:reports:codequality`): an array of
//! issues, each with a check name, a severity, a location and a fingerprint
//! that is stable across runs (GitLab compares merge request and target branch
//! by it).

use serde_json::{json, Value as J};

use crate::diag::{Report, Severity};

/// FNV-1a, 64 bits: deterministic everywhere, no dependency.
fn fingerprint(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

pub fn render(report: &Report) -> String {
    let issues: Vec<J> = report
        .diagnostics
        .iter()
        .map(|d| {
            let l = &d.location;
            let severity = match d.severity {
                Severity::Error => "major",
                Severity::Warning => "minor",
                Severity::Info => "info",
            };
            let line = l.line.to_string();
            let column = l.column.to_string();
            json!({
                "description": format!("{} {}: {}", d.rule, d.name, d.message),
                "check_name": d.rule,
                "fingerprint": fingerprint(&[&d.rule, &l.file, &line, &column, &d.message]),
                "severity": severity,
                "location": { "path": l.file, "lines": { "begin": l.line, "end": l.end_line.max(l.line) } },
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&J::Array(issues)).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::fingerprint;

    #[test]
    fn fingerprints_are_stable_and_distinct() {
        assert_eq!(fingerprint(&["a", "b"]), fingerprint(&["a", "b"]));
        assert_ne!(fingerprint(&["ab", ""]), fingerprint(&["a", "b"]));
        assert_eq!(fingerprint(&[]), "cbf29ce484222325");
    }
}
