//! `shipshape tunnel validate` and `shipshape tunnel match`.

use clap::Subcommand;
use serde_json::{json, Value as J};
use std::path::PathBuf;

use super::{match_url, validate, Finding, Validation};
use crate::cli::{exit, Outcome};
use crate::report::excerpt::excerpt;
use crate::source::FileId;

pub use crate::diag::Format;

/// The findings of every file as lint diagnostics (`tunnel::<code>`), for the
/// formats every command shares.
fn as_report(results: &[(String, String, Validation)]) -> crate::lint::Report {
    use crate::lint::{Diagnostic, Location, Report, Summary};
    let mut diagnostics = Vec::new();
    for (name, _, v) in results {
        for f in &v.findings {
            diagnostics.push(Diagnostic {
                family: crate::lint::Family::Tunnel,
                rule: format!("tunnel::{}", f.code),
                name: f.code.to_string(),
                severity: f.severity,
                message: f.message.clone(),
                help: f.help.clone(),
                location: Location {
                    file: name.clone(),
                    line: f.span.start.line.max(1),
                    column: f.span.start.col.max(1),
                    end_line: f.span.end.line.max(1),
                    end_column: f.span.end.col.max(1),
                    span: None,
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
            crate::lint::Severity::Error => summary.errors += 1,
            crate::lint::Severity::Warning => summary.warnings += 1,
            crate::lint::Severity::Info => summary.infos += 1,
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

/// Human form of one finding: `file:line:col: severity[code]: message`, the line, help.
/// `text` is the file's text with secrets masked (`secret::masked`).
pub fn finding_human(name: &str, text: &str, f: &Finding) -> String {
    let sev = f.severity.as_str();
    // The code as `explain` knows it: with its family.
    format!(
        "{name}:{}:{}: {sev}[tunnel::{}]: {}\n{}  help: {}\n",
        f.span.start.line,
        f.span.start.col,
        f.code,
        f.message,
        excerpt(text, f.span, false),
        f.help
    )
}

fn validate_cmd(files: &[PathBuf], format: Format) -> Outcome {
    let mut results: Vec<(String, String, Validation)> = Vec::new();
    for (i, path) in files.iter().enumerate() {
        let text = match crate::source::read_text(path) {
            Ok(t) => t,
            Err(e) => {
                return Outcome::error(format!("error: cannot read `{}`: {e}\n", shown(path)))
            }
        };
        let v = validate(&text, FileId(u32::try_from(i).unwrap_or(u32::MAX)));
        results.push((shown(path), text, v));
    }
    let all_valid = results.iter().all(|(_, _, v)| v.is_valid());
    let code = if all_valid { exit::OK } else { exit::FINDINGS };
    let shared = |f: crate::report::Format| {
        crate::report::render(f, &as_report(&results), &crate::source::Sources::new(), &[])
    };
    // Every machine format is the one every command writes.
    let stdout = match format {
        Format::Human => {
            let mut s = String::new();
            for (name, text, v) in &results {
                let shown = crate::secret::masked(text);
                for f in &v.findings {
                    s.push_str(&finding_human(name, &shown, f));
                }
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
        machine => shared(machine),
    };
    Outcome {
        stdout,
        stderr: String::new(),
        code,
    }
}

fn match_cmd(file: &std::path::Path, urls: &[String], format: Format) -> Outcome {
    let name = shown(file);
    let text = match crate::source::read_text(file) {
        Ok(t) => t,
        Err(e) => return Outcome::error(format!("error: cannot read `{name}`: {e}\n")),
    };
    let v = validate(&text, FileId(0));
    if !v.is_valid() {
        let mut s = format!("error: `{name}` is not a valid cloudflared config; cloudflared would not start with it\n");
        let shown = crate::secret::masked(&text);
        for f in v.errors() {
            s.push_str(&finding_human(&name, &shown, f));
        }
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
