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

/// Renders a lint report. `rules` is the rule registry (plus custom rules),
/// which SARIF lists in full.
pub fn render(
    format: Format,
    report: &Report,
    sources: &Sources,
    rules: &[&'static RuleMeta],
) -> String {
    match format {
        Format::Human => human::render(report, sources),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report, rules),
        Format::Github => github::render(report),
        Format::Junit => junit::render(report),
        Format::Gitlab => gitlab::render(report),
    }
}
