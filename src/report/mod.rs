//! Turning diagnostics into bytes, one file per format. Reporters never decide
//! findings or exit codes, and never print a secret: diagnostics flagged
//! `secret` have their source excerpt masked, and no format carries values.

pub mod excerpt;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod suppressions;

use crate::diag::Report;
use crate::lint::RuleMeta;
use crate::source::Sources;

pub use crate::diag::Format;

/// Writes a lint report to `out`. `rules` is the rule registry (plus custom
/// rules), which SARIF lists in full. JSON and SARIF are serialized straight
/// into `out`, finding by finding.
pub fn write(
    format: Format,
    report: &Report,
    sources: &Sources,
    rules: &[&'static RuleMeta],
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Human => human::write(report, sources, out),
        Format::Json => json::write(report, out),
        Format::Sarif => sarif::write(report, rules, out),
        Format::Github => github::write(report, out),
        Format::Junit => junit::write(report, out),
        Format::Gitlab => gitlab::write(report, out),
    }
}

/// [`write`] into a string, for the small reports of stops and tests.
pub fn render(
    format: Format,
    report: &Report,
    sources: &Sources,
    rules: &[&'static RuleMeta],
) -> String {
    in_memory(|out| write(format, report, sources, rules, out))
}

/// What a writer writes, as a string (writing into memory cannot fail; a
/// reporter writes UTF-8).
pub fn in_memory(write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>) -> String {
    let mut out = Vec::new();
    let _ = write(&mut out);
    String::from_utf8(out).unwrap_or_default()
}
