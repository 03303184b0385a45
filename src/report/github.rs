//! GitHub Actions workflow commands: one annotation per diagnostic.

use crate::diag::{Report, Severity};

/// Workflow-command data: `%`, CR and LF escaped as the runner decodes them,
/// and every other control character percent-encoded (shown as typed, never
/// passed raw to the log: an ESC would drive the reader's terminal).
fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c if c.is_control() => out.push_str(&format!("%{:02X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Writes one annotation per diagnostic to `out`, as they come.
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    for d in &report.diagnostics {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let l = &d.location;
        writeln!(
            out,
            "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(&l.file),
            l.line,
            l.column,
            l.end_line,
            l.end_column,
            escape_property(&format!("{} {}", d.rule, d.name)),
            escape_data(&format!("{}\nhelp: {}", d.message, d.help))
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_never_reach_the_log_raw() {
        assert_eq!(escape_data("a\u{1b}[2J\u{7}b%\n"), "a%1B[2J%07b%25%0A");
        assert_eq!(escape_property("x:y,z"), "x%3Ay%2Cz");
    }
}
