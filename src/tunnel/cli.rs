//! `shipshape tunnel validate` and `shipshape tunnel match`.

use clap::Subcommand;
use serde_json::{json, Value as J};
use std::path::PathBuf;

use super::{match_url, validate, Validation};
use crate::cli::{exit, Outcome};
use crate::source::{FileId, Sources};

pub use crate::diag::Format;

/// The findings of every file as lint diagnostics (`tunnel::<code>`), for the
/// formats every command shares.
fn as_report(results: &[(FileId, Validation)], sources: &Sources) -> crate::diag::Report {
    use crate::diag::{Diagnostic, Location, Report, Summary};
    let mut diagnostics = Vec::new();
    for (id, v) in results {
        for f in &v.findings {
            diagnostics.push(Diagnostic {
                family: crate::diag::Family::Tunnel,
                rule: format!("tunnel::{}", f.code).into(),
                name: f.code.to_string().into(),
                severity: f.severity,
                message: f.message.clone(),
                help: f.help.clone().into(),
                location: Location {
                    file: sources.shared_name(*id),
                    line: f.span.start.line.max(1),
                    column: f.span.start.col.max(1),
                    end_line: f.span.end.line.max(1),
                    end_column: f.span.end.col.max(1),
                    // A finding about the whole file has no node to show.
                    span: (f.span.start.line > 0).then_some(f.span),
                },
                rendered: None,
                object: None,
                // Which ingress rule, when the finding is about one.
                path: f.rule.map(|i| format!("ingress[{i}]")).unwrap_or_default(),
                envs: Vec::new(),
                identity_path: String::new(),
                secret: false,
            });
        }
    }
    let mut summary = Summary {
        files: results.len(),
        ..Summary::default()
    };
    for d in &diagnostics {
        match d.severity {
            crate::diag::Severity::Error => summary.errors += 1,
            crate::diag::Severity::Warning => summary.warnings += 1,
            crate::diag::Severity::Info => summary.infos += 1,
        }
    }
    Report {
        diagnostics,
        summary,
    }
}

#[derive(Debug, Subcommand)]
pub enum TunnelCommand {
    /// Validate cloudflared config files as cloudflared does, reporting every problem.
    Validate {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Print the ingress rule cloudflared routes each URL to.
    Match {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        #[arg(required = true, value_name = "URL")]
        urls: Vec<String>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

pub fn run(cmd: TunnelCommand) -> Outcome {
    match cmd {
        TunnelCommand::Validate { files, format } => validate_cmd(&files, format),
        TunnelCommand::Match { file, urls, format } => match_cmd(&file, &urls, format),
    }
}

fn shown(path: &std::path::Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

fn validate_cmd(files: &[PathBuf], format: Format) -> Outcome {
    let mut sources = Sources::new();
    let mut results: Vec<(FileId, Validation)> = Vec::new();
    for path in files {
        let text = match crate::source::read_text(path) {
            Ok(t) => t,
            Err(e) => {
                return Outcome::error(format!("error: cannot read `{}`: {e}\n", shown(path)))
            }
        };
        let id = sources.add(shown(path), path, text);
        results.push((id, validate(&sources.text(id), id)));
    }
    let all_valid = results.iter().all(|(_, v)| v.is_valid());
    let code = if all_valid { exit::OK } else { exit::FINDINGS };
    let report = as_report(&results, &sources);
    let stdout = match format {
        // The one human form, with a verdict per file as cloudflared would give it.
        Format::Human => {
            let mut s = String::new();
            for (id, v) in &results {
                let name = sources.name(*id);
                let of_file: Vec<_> = report
                    .diagnostics
                    .iter()
                    .filter(|d| &*d.location.file == name)
                    .cloned()
                    .collect();
                s.push_str(&crate::report::human::diagnostics(&of_file, &sources));
                let (e, w) = (v.errors().count(), v.warnings().count());
                s.push_str(&format!(
                    "{name}: {} ({e} error{}, {w} warning{})\n",
                    if v.is_valid() { "valid" } else { "invalid" },
                    if e == 1 { "" } else { "s" },
                    if w == 1 { "" } else { "s" }
                ));
            }
            s
        }
        machine => crate::report::render(machine, &report, &sources, &[]),
    };
    Outcome {
        stdout,
        stderr: String::new(),
        code,
        body: None,
    }
}

fn match_cmd(file: &std::path::Path, urls: &[String], format: Format) -> Outcome {
    let name = shown(file);
    let text = match crate::source::read_text(file) {
        Ok(t) => t,
        Err(e) => return Outcome::error(format!("error: cannot read `{name}`: {e}\n")),
    };
    let mut sources = Sources::new();
    let id = sources.add(name.clone(), file, text);
    let v = validate(&sources.text(id), id);
    if !v.is_valid() {
        let mut s = format!("error: `{name}` is not a valid cloudflared config; cloudflared would not start with it\n");
        let mut report = as_report(&[(id, v)], &sources);
        report
            .diagnostics
            .retain(|d| d.severity == crate::diag::Severity::Error);
        s.push_str(&crate::report::human::diagnostics(
            &report.diagnostics,
            &sources,
        ));
        return Outcome::error(s);
    }
    let mut out = Vec::new();
    for url in urls {
        match match_url(&v.rules, url) {
            Ok(i) => out.push((url.clone(), i)),
            Err(e) => return Outcome::error(crate::secret::redact(&format!("error: {e}\n"))),
        }
    }
    let stdout = match format {
        Format::Sarif | Format::Github | Format::Junit | Format::Gitlab => {
            return Outcome::error(
                "error: `tunnel match` prints routes, in `human` or `json` only\n".into(),
            )
        }
        Format::Json => {
            let items: Vec<J> = out
                .iter()
                .map(|(url, i)| {
                    let r = &v.rules[*i];
                    let redact = |t: &str| crate::secret::redact(t);
                    json!({
                        "url": redact(url),
                        "rule": i,
                        "hostname": (!r.hostname.is_empty()).then(|| redact(&r.hostname)),
                        "path": r.path_text,
                        "service": redact(&r.service),
                    })
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&items).unwrap_or_default();
            s.push('\n');
            s
        }
        Format::Human => out
            .iter()
            .map(|(url, i)| {
                let r = &v.rules[*i];
                let host = if r.hostname.is_empty() {
                    "*"
                } else {
                    r.hostname.as_str()
                };
                let path = r
                    .path_text
                    .as_deref()
                    .map(|p| format!(" path {p}"))
                    .unwrap_or_default();
                crate::secret::redact(&format!(
                    "{url}\trule {i} (line {}): hostname {host}{path} → {}\n",
                    r.span.start.line, r.service
                ))
            })
            .collect(),
    };
    Outcome::ok(stdout, String::new())
}
