//! GitLab Code Quality JSON (`artifacts:reports:codequality`): an array of
//! issues, each with a check name, a severity, a location and a fingerprint
//! that is stable across runs (GitLab compares merge request and target branch
//! by it).

use serde::Serialize;

use crate::diag::{Diagnostic, Report, Severity};

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

/// One issue as GitLab reads it (fields in the order written).
#[derive(Serialize)]
struct Issue<'d> {
    description: String,
    check_name: &'d str,
    fingerprint: String,
    severity: &'static str,
    location: IssueLocation<'d>,
}

#[derive(Serialize)]
struct IssueLocation<'d> {
    path: &'d str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
    end: u32,
}

impl<'d> Issue<'d> {
    fn of(d: &'d Diagnostic) -> Self {
        let l = &d.location;
        let severity = match d.severity {
            Severity::Error => "major",
            Severity::Warning => "minor",
            Severity::Info => "info",
        };
        let (line, column) = (l.line.to_string(), l.column.to_string());
        Issue {
            description: format!("{} {}: {}", d.rule, d.name, d.message),
            check_name: &d.rule,
            fingerprint: fingerprint(&[&d.rule, &l.file, &line, &column, &d.message]),
            severity,
            location: IssueLocation {
                path: &l.file,
                lines: Lines {
                    begin: l.line,
                    end: l.end_line.max(l.line),
                },
            },
        }
    }
}

/// The issues, serialized one by one as they are made.
struct Issues<'r>(&'r Report);

impl Serialize for Issues<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.diagnostics.iter().map(Issue::of))
    }
}

/// Writes the report to `out` as one pretty-printed JSON array.
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &Issues(report))?;
    out.write_all(b"\n")
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
