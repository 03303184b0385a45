//! Human output: `file:line:col: severity[ID name]: message`, the source line
//! with the node underlined (masked when it holds a secret), help, summary.

use rayon::prelude::*;

use super::excerpt::{excerpt_in, printable, Lines};
use crate::diag::Report;
use crate::diag::{Diagnostic, Family};
use crate::source::Sources;

pub fn render(report: &Report, sources: &Sources) -> String {
    let mut s = diagnostics(&report.diagnostics, sources);
    if crate::ui::style().quiet {
        return s;
    }
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
    // Masking a file's text for its excerpts reads it again: do every file
    // once, in parallel, before writing in order.
    let files: std::collections::BTreeSet<_> = diagnostics
        .iter()
        .filter_map(|d| d.location.span.map(|sp| sp.file))
        .collect();
    let lines: std::collections::BTreeMap<_, _> = files
        .par_iter()
        .map(|&f| (f, Lines::new(sources.shown_text(f))))
        .collect();
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
        if let Some((span, lines)) = l.span.and_then(|sp| Some((sp, lines.get(&sp.file)?))) {
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
