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

pub fn write(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let doc = Document {
        version: 1,
        diagnostics: &report.diagnostics,
        summary: &report.summary,
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(std::io::Error::from)?;
    out.write_all(b"\n")
}
