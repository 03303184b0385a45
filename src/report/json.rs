//! JSON output, stable and documented in the README:
//! `{"version":1,"diagnostics":[…],"summary":{…}}`.

use serde::Serialize;

use crate::diag::{Diagnostic, Report, Summary};

/// The document, serialized straight from the report (no value tree).
#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    diagnostics: &'a [Diagnostic],
    summary: &'a Summary,
}

pub fn render(report: &Report) -> String {
    let doc = Document {
        version: 1,
        diagnostics: &report.diagnostics,
        summary: &report.summary,
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
