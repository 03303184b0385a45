//! Human output: `file:line:col: severity[ID name]: message`, the source line
//! with the node underlined (masked when it holds a secret), help, summary.

use rayon::prelude::*;

use super::excerpt::{excerpt_in, printable, Lines};
use crate::diag::Report;
use crate::diag::{Diagnostic, Family};
use crate::source::Sources;
use std::io::Write;

pub fn render(report: &Report, sources: &Sources) -> String {
    super::in_memory(|out| write(report, sources, out))
}

/// Writes the report to `out`, file by file: only the texts of the files
/// being written are in memory.
pub fn write(report: &Report, sources: &Sources, out: &mut dyn Write) -> std::io::Result<()> {
    write_diagnostics(&report.diagnostics, sources, out)?;
    if crate::ui::style().quiet {
        return Ok(());
    }
    out.write_all(summary(report).as_bytes())
}

fn summary(report: &Report) -> String {
    let mut s = String::new();
    let sum = &report.summary;
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    let unread = match sum.values_unread.len() {
        0 => String::new(),
        n => format!(
            "; Helm values not read in full at {} (--verbose lists them and why)",
            plural(n, "place")
        ),
    };
    s.push_str(&format!(
        "{}, {}, {} in {} ({}, {} without apiVersion/kind skipped{unread})\n",
        plural(sum.errors, "error"),
        plural(sum.warnings, "warning"),
        plural(sum.infos, "info"),
        plural(sum.files, "file"),
        plural(sum.objects, "object"),
        sum.skipped
    ));
    let unchecked: usize = sum.schema_unchecked.values().sum();
    if unchecked > 0 {
        s.push_str(&format!(
            "note: {} of {} without a built-in schema not schema-checked (--verbose lists them)\n",
            plural(unchecked, "object"),
            plural(sum.schema_unchecked.len(), "kind"),
        ));
    }
    if !sum.rules_not_run.is_empty() {
        s.push_str(&format!(
            "note: {} not run ({}): they need the whole set and the input may be partial; pass --complete when it holds every object\n",
            plural(sum.rules_not_run.len(), "whole-set rule"),
            sum.rules_not_run.join(", ")
        ));
    }
    s
}

/// Every diagnostic as `file:line:col: severity[CODE name]: message`, the
/// source line with the node underlined (masked when it holds a secret), and
/// help: the one human form every command prints, findings and bad input alike.
pub fn diagnostics(diagnostics: &[Diagnostic], sources: &Sources) -> String {
    super::in_memory(|out| write_diagnostics(diagnostics, sources, out))
}

/// [`diagnostics`] into `out`. Runs of diagnostics in one file (a report is
/// sorted by file) are written a few hundred files at a time, each file's
/// text read and masked once, in parallel, and let go once written.
fn write_diagnostics(
    diagnostics: &[Diagnostic],
    sources: &Sources,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    const FILES_AT_ONCE: usize = 256;
    let file_of = |d: &Diagnostic| d.location.span.map(|sp| sp.file);
    let runs: Vec<&[Diagnostic]> = diagnostics
        .chunk_by(|a, b| file_of(a) == file_of(b))
        .collect();
    for batch in runs.chunks(FILES_AT_ONCE) {
        let written: Vec<String> = batch
            .par_iter()
            .map(|run| {
                let text = run.first().and_then(file_of).map(|f| sources.shown(f));
                let lines = text.as_deref().map(Lines::new);
                run_text(run, lines.as_ref())
            })
            .collect();
        for w in written {
            out.write_all(w.as_bytes())?;
        }
    }
    Ok(())
}

/// Diagnostics of one file, with the lines of its shown text.
fn run_text(diagnostics: &[Diagnostic], lines: Option<&Lines>) -> String {
    let mut s = String::new();
    for d in diagnostics {
        let l = &d.location;
        let envs = if d.envs.len() > 1 {
            format!(" (in {})", d.envs.join(", "))
        } else {
            String::new()
        };
        let at = if l.file.is_empty() {
            String::new()
        } else {
            format!("{}:{}:{}: ", l.file, l.line, l.column)
        };
        // Bad-input and tunnel codes name themselves (`spec::unknown-key`);
        // a rule id is followed by its name (`SS020 missing-resources`).
        let code = match d.family {
            Family::Lint | Family::Drift => format!("{} {}", d.rule, d.name),
            Family::Input | Family::Tunnel => d.rule.to_string(),
        };
        s.push_str(&format!(
            "{}{}[{code}]: {}{envs}\n",
            printable(&at),
            crate::ui::severity(d.severity.as_str()),
            printable(&d.message)
        ));
        if let (Some(span), Some(lines)) = (l.span, lines) {
            s.push_str(&excerpt_in(lines, span, d.secret));
        }
        if let Some(r) = &d.rendered {
            s.push_str(&format!("  rendered: {}:{}:{}", r.file, r.line, r.column));
            if !d.path.is_empty() {
                s.push_str(&format!(" ({})", d.path));
            }
            s.push('\n');
        }
        s.push_str(&format!("  help: {}\n", printable(&d.help)));
    }
    s
}
