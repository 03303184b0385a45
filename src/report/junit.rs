//! JUnit XML: one test case per diagnostic (a failure for errors and warnings),
//! or one passing case when there is nothing to report.

use crate::lint::{Report, Severity};

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

pub fn render(report: &Report) -> String {
    let failing = report
        .diagnostics
        .iter()
        .filter(|d| d.severity != Severity::Info)
        .count();
    let tests = report.diagnostics.len().max(1);
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    s.push_str(&format!(
        "<testsuites name=\"shipshape\" tests=\"{tests}\" failures=\"{failing}\">\n"
    ));
    s.push_str(&format!("  <testsuite name=\"shipshape lint\" tests=\"{tests}\" failures=\"{failing}\" errors=\"0\">\n"));
    if report.diagnostics.is_empty() {
        s.push_str("    <testcase name=\"lint\" classname=\"shipshape\"/>\n");
    }
    for d in &report.diagnostics {
        let l = &d.location;
        s.push_str(&format!(
            "    <testcase name=\"{}\" classname=\"{}\">\n",
            esc(&format!(
                "{} {} {}:{}:{}",
                d.rule, d.name, l.file, l.line, l.column
            )),
            esc(&l.file)
        ));
        if d.severity != Severity::Info {
            s.push_str(&format!(
                "      <failure type=\"{}\" message=\"{}\">{}:{}:{}: {}\nhelp: {}</failure>\n",
                d.severity.as_str(),
                esc(&d.message),
                esc(&l.file),
                l.line,
                l.column,
                esc(&d.message),
                esc(&d.help)
            ));
        }
        s.push_str("    </testcase>\n");
    }
    s.push_str("  </testsuite>\n</testsuites>\n");
    s
}
