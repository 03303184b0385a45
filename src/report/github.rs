//! GitHub Actions workflow commands: one annotation per diagnostic.

use crate::lint::{Report, Severity};

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(report: &Report) -> String {
    let mut s = String::new();
    for d in &report.diagnostics {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let l = &d.location;
        s.push_str(&format!(
            "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            escape_property(&l.file),
            l.line,
            l.column,
            l.end_line,
            l.end_column,
            escape_property(&format!("{} {}", d.rule, d.name)),
            escape_data(&format!("{}\nhelp: {}", d.message, d.help))
        ));
    }
    s
}
