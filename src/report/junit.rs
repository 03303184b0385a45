//! JUnit XML: one test case per diagnostic (a failure for errors and warnings),
//! or one passing case when there is nothing to report.

use crate::diag::{Report, Severity};

/// Text as XML 1.0 can carry it: markup escaped, and characters it cannot
/// hold at all (control characters, lone surrogates' stand-ins, U+FFFE/FFFF)
/// written out as `\u{…}`, so the report stays well-formed whatever a file
/// name or key holds.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if xml_char(c) => out.push(c),
            c => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
        }
    }
    out
}

fn xml_char(c: char) -> bool {
    matches!(u32::from(c), 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

/// Writes the suite to `out`, one test case per diagnostic as they come.
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let failing = report
        .diagnostics
        .iter()
        .filter(|d| d.severity != Severity::Info)
        .count();
    let tests = report.diagnostics.len().max(1);
    out.write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")?;
    writeln!(
        out,
        "<testsuites name=\"shipshape\" tests=\"{tests}\" failures=\"{failing}\">"
    )?;
    writeln!(out, "  <testsuite name=\"shipshape lint\" tests=\"{tests}\" failures=\"{failing}\" errors=\"0\">")?;
    if report.diagnostics.is_empty() {
        out.write_all(b"    <testcase name=\"lint\" classname=\"shipshape\"/>\n")?;
    }
    for d in &report.diagnostics {
        let l = &d.location;
        out.write_all(
            format!(
                "    <testcase name=\"{}\" classname=\"{}\">\n",
                esc(&format!(
                    "{} {} {}:{}:{}",
                    d.rule, d.name, l.file, l.line, l.column
                )),
                esc(&l.file)
            )
            .as_bytes(),
        )?;
        if d.severity != Severity::Info {
            out.write_all(
                format!(
                    "      <failure type=\"{}\" message=\"{}\">{}:{}:{}: {}\nhelp: {}</failure>\n",
                    d.severity.as_str(),
                    esc(&d.message),
                    esc(&l.file),
                    l.line,
                    l.column,
                    esc(&d.message),
                    esc(&d.help)
                )
                .as_bytes(),
            )?;
        }
        out.write_all(b"    </testcase>\n")?;
    }
    out.write_all(b"  </testsuite>\n</testsuites>\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_xml_cannot_hold_are_spelled_out() {
        assert_eq!(
            esc("a\u{1b}[31m<b>\u{0}\u{fffe}"),
            "a\\u{1b}[31m&lt;b&gt;\\u{0}\\u{fffe}"
        );
        assert_eq!(esc("tab\there\nline"), "tab\there\nline");
    }
}
