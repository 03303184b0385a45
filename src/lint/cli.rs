//! `shipshape lint`, `check`, `rules` and `explain`.

use clap::{Args, ValueEnum};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{
    input, policy::Policy, registry, Diagnostic, Location, Report, RuleMeta, Settings, Severity,
};
use crate::cli::{exit, Outcome};
use crate::emit::{self, Scope};
use crate::problem::{did_you_mean, At, Problem, Problems};
use crate::report::{self, Format};
use crate::source::Sources;
use crate::{model, render, spec};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum FailOn {
    Info,
    Warning,
    #[default]
    Error,
}

impl FailOn {
    fn threshold(self) -> Severity {
        match self {
            FailOn::Info => Severity::Info,
            FailOn::Warning => Severity::Warning,
            FailOn::Error => Severity::Error,
        }
    }
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Exit 1 when a finding at or above this severity remains.
    #[arg(long, value_enum, default_value_t)]
    pub fail_on: FailOn,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Files and folders to lint (recursively; default: the current folder).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Environment of the manifests (otherwise their `shipshape.dev/env` label).
    #[arg(long, value_name = "NAME")]
    pub env: Option<String>,
    /// Extra policy files (the project's, from shipshape.yaml, always apply).
    #[arg(long = "policy", value_name = "FILE")]
    pub policies: Vec<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Changed files (as pre-commit passes them). The whole project is always
    /// checked: cross-resource rules need every object.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// A project, when the folder has one: its model, settings and policy files.
struct Project {
    model: model::Model,
}

fn load_project(root: &Path, sources: &mut Sources) -> Result<Option<Project>, Problems> {
    if !root.join(spec::PROJECT_FILE).is_file() {
        return Ok(None);
    }
    let model = model::load(root, sources)?;
    Ok(Some(Project { model }))
}

fn settings(p: Option<&Project>) -> Settings {
    match p {
        Some(p) => Settings {
            reloader_auto_all: p.model.project.reloader_auto_all,
            external_dns_prefix: p
                .model
                .envs
                .iter()
                .filter(|e| e.has_operator(model::OperatorKind::ExternalDns))
                .map(|e| (e.name.clone(), e.external_dns_prefix().0))
                .collect(),
        },
        None => Settings::default(),
    }
}

fn policy_files(root: &Path, p: Option<&Project>, extra: &[PathBuf]) -> Vec<(String, PathBuf)> {
    let mut files = p
        .map(|p| super::policy::project_files(root, &p.model.project.policies))
        .unwrap_or_default();
    files.extend(
        extra
            .iter()
            .map(|f| (f.to_string_lossy().replace('\\', "/"), f.clone())),
    );
    files
}

fn all_rules(policy: &Policy) -> Vec<&'static RuleMeta> {
    let mut v = registry::all_metas();
    v.extend(policy.custom_metas());
    v
}

fn finish(
    report: &Report,
    sources: &Sources,
    policy: &Policy,
    out: &OutputArgs,
    prefix: String,
) -> Outcome {
    let failing = report
        .diagnostics
        .iter()
        .any(|d| d.severity >= out.fail_on.threshold());
    let mut stdout = prefix;
    stdout.push_str(&report::render(
        out.format,
        report,
        sources,
        &all_rules(policy),
    ));
    Outcome {
        stdout,
        stderr: String::new(),
        code: if failing { exit::FINDINGS } else { exit::OK },
    }
}

pub fn lint(root: &Path, args: &LintArgs) -> Outcome {
    let mut sources = Sources::new();
    let project = match load_project(root, &mut sources) {
        Ok(p) => p,
        Err(p) => return Outcome::error(p.sorted().render(&sources)),
    };
    let policy = match Policy::load(
        &policy_files(root, project.as_ref(), &args.policies),
        &mut sources,
    ) {
        Ok(p) => p,
        Err(p) => return Outcome::error(p.render(&sources)),
    };
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    for p in &paths {
        if !p.exists() {
            return Outcome::error(
                Problems::from(Problem::new(
                    "lint::no-path",
                    format!("`{}` does not exist", p.display()),
                    At::Nowhere,
                ))
                .render(&sources),
            );
        }
    }
    let (docs, diags, files) = input::read(&paths, &mut sources, args.env.as_deref());
    let report = super::run(
        &sources,
        &docs,
        diags,
        false,
        &settings(project.as_ref()),
        &policy,
        files,
    );
    finish(&report, &sources, &policy, &args.output, String::new())
}

pub fn check(root: &Path, args: &CheckArgs) -> Outcome {
    let mut sources = Sources::new();
    let project = match load_project(root, &mut sources) {
        Ok(Some(p)) => p,
        Ok(None) => {
            return Outcome::error(format!(
                "error: no {} here; `check` needs a shipshape project (try `shipshape lint`)\n",
                spec::PROJECT_FILE
            ))
        }
        Err(p) => return Outcome::error(p.sorted().render(&sources)),
    };
    let policy = match Policy::load(&policy_files(root, Some(&project), &[]), &mut sources) {
        Ok(p) => p,
        Err(p) => return Outcome::error(p.render(&sources)),
    };
    let model = &project.model;
    let bundle = render::render(model, None);
    let out_dir = root.join(&model.project.output);
    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut diffs = String::new();
    for d in emit::check(&bundle.files, &out_dir, &Scope::All, &model.project.output) {
        diffs.push_str(&d.diff);
        diags.push(Diagnostic::about_input(
            &registry::DRIFT,
            Location::file_start(format!("{}/{}", model.project.output, d.path)),
            format!(
                "`{}/{}` differs from what the specs render",
                model.project.output, d.path
            ),
        ));
    }
    let production: BTreeMap<String, bool> = model
        .envs
        .iter()
        .map(|e| (e.name.clone(), e.production))
        .collect();
    let mut docs = input::from_bundle(&bundle, &model.project.output, &mut sources, &production);
    let extra: Vec<PathBuf> = model
        .project
        .extra_manifests
        .iter()
        .map(|(p, _)| root.join(p))
        .collect();
    let mut files = bundle.files.len();
    if !extra.is_empty() {
        let (more, more_diags, n) = input::read(&extra, &mut sources, None);
        docs.extend(more);
        diags.extend(more_diags);
        files += n;
    }
    let _ = &args.files;
    let report = super::run(
        &sources,
        &docs,
        diags,
        true,
        &settings(Some(&project)),
        &policy,
        files,
    );
    let prefix = if args.output.format == Format::Human {
        diffs
    } else {
        String::new()
    };
    finish(&report, &sources, &policy, &args.output, prefix)
}

pub fn rules() -> Outcome {
    let mut s = format!(
        "{:<7} {:<38} {:<8} {}\n",
        "ID", "NAME", "SEVERITY", "SUMMARY"
    );
    for m in registry::all_metas() {
        s.push_str(&format!(
            "{:<7} {:<38} {:<8} {}\n",
            m.id,
            m.name,
            m.severity.as_str(),
            m.summary
        ));
    }
    Outcome::ok(s, String::new())
}

pub fn explain(rule: &str) -> Outcome {
    let metas = registry::all_metas();
    match metas
        .iter()
        .find(|m| m.id.eq_ignore_ascii_case(rule) || m.name == rule)
    {
        Some(m) => Outcome::ok(
            format!(
                "{} {} ({} by default)\n{}\n\n{}",
                m.id,
                m.name,
                m.severity.as_str(),
                m.summary,
                registry::doc_text(m)
            ),
            String::new(),
        ),
        None => {
            let names: Vec<&str> = metas.iter().flat_map(|m| [m.id, m.name]).collect();
            let hint = did_you_mean(rule, names).map_or_else(
                || "`shipshape rules` lists them all".to_string(),
                |m| format!("did you mean `{m}`?"),
            );
            Outcome::error(format!(
                "error: no rule is called `{rule}`\n  help: {hint}\n"
            ))
        }
    }
}
