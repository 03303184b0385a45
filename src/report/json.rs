//! JSON output, stable and documented in the README:
//! `{"version":1,"diagnostics":[…],"summary":{…}}`.

use serde_json::json;

use crate::lint::Report;

pub fn render(report: &Report) -> String {
    let v = json!({
        "version": 1,
        "diagnostics": report.diagnostics,
        "summary": report.summary,
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}
