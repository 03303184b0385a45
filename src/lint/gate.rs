//! What gating across revisions needs: a finding's identity (stable across
//! line moves), filtering a report to what is new, and a project evaluated in
//! memory (rendered and linted, no drift) for `diff` and `check --new-only`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::cli::{env_rules, load_project, policy_files, settings};
use super::{policy::Policy, Diagnostic, Report, Severity};
use crate::problem::{At, Problem, Problems};
use crate::source::Sources;
use crate::{model, render, spec};

/// A finding's identity across revisions and line moves: rule, object, field
/// path (list items by name where they have one) and environments (file and
/// message for findings about a file).
pub fn identity(d: &Diagnostic) -> String {
    match &d.object {
        Some(o) => format!(
            "{} {} {}/{} {} [{}]",
            d.rule,
            o.kind,
            o.namespace.as_deref().unwrap_or("-"),
            o.name.as_deref().unwrap_or("-"),
            if d.identity_path.is_empty() {
                &d.path
            } else {
                &d.identity_path
            },
            d.envs.join(",")
        ),
        None => format!("{} {} {}", d.rule, d.location.file, d.message),
    }
}

/// Keeps only the findings whose identity is not in `known`, and recounts.
pub fn only_new(report: &mut Report, known: &BTreeSet<String>) {
    report.diagnostics.retain(|d| !known.contains(&identity(d)));
    let (mut e, mut w, mut i) = (0, 0, 0);
    for d in &report.diagnostics {
        match d.severity {
            Severity::Error => e += 1,
            Severity::Warning => w += 1,
            Severity::Info => i += 1,
        }
    }
    report.summary.errors = e;
    report.summary.warnings = w;
    report.summary.infos = i;
}

/// A project rendered in memory and linted: what `check` reports, and what
/// `diff` and `check --new-only` compare across revisions.
pub struct Evaluated {
    pub model: model::Model,
    pub bundle: render::Bundle,
    pub report: Report,
    pub sources: Sources,
    pub policy: Policy,
    /// The unified diffs of the committed output, when drift was asked for.
    pub drift: String,
}

/// The one project session: load the specs → policy → render in memory →
/// the documents of the render plus `extra-manifests` (with the environments
/// `lint` would give them) → lint. `check` adds the committed output's drift
/// (`drift`); `diff` and the base side of `check --new-only` are the same
/// session at another revision, so the gates cannot disagree.
pub fn evaluate(root: &Path, drift: bool) -> Result<Evaluated, (Problems, Sources)> {
    let mut sources = Sources::new();
    let project = match load_project(root, &mut sources) {
        Ok(Some(p)) => p,
        Ok(None) => {
            let p = Problem::new(
                "spec::no-project",
                format!(
                    "no {} here; this command needs a shipshape project",
                    spec::PROJECT_FILE
                ),
                At::Nowhere,
            )
            .with_help("run it in the project's root, pass -C DIR, or use `shipshape lint` for plain manifests");
            return Err((p.into(), sources));
        }
        Err(p) => return Err((p.sorted(), sources)),
    };
    let known = project.env_names();
    let policy = match Policy::load(
        &policy_files(root, Some(&project), &[]),
        &mut sources,
        known.as_deref(),
    ) {
        Ok(p) => p,
        Err(p) => return Err((p, sources)),
    };
    let settings = match settings(Some(&project)) {
        Ok(s) => s,
        Err(p) => return Err((p.into(), sources)),
    };
    let envs = env_rules(Some(&project), None);
    let Some(model) = project.model else {
        return Err((Problems::default(), sources));
    };
    let bundle = render::render(&model, None);
    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut diffs = String::new();
    if drift {
        let out_dir = root.join(&model.project.output);
        let shown = format!("{}{}", crate::ui::display_prefix(), model.project.output);
        for d in crate::emit::check(&bundle.files, &out_dir, &crate::emit::Scope::All, &shown) {
            diffs.push_str(&d.diff);
            diags.push(Diagnostic::about_input(
                &super::registry::DRIFT,
                super::Location::file_start(format!("{shown}/{}", d.path)),
                format!("`{shown}/{}` differs from what the specs render", d.path),
            ));
        }
    }
    let production: BTreeMap<String, bool> = model
        .envs
        .iter()
        .map(|e| (e.name.clone(), e.production))
        .collect();
    let mut docs =
        super::rendered::from_bundle(&bundle, &model.project.output, &mut sources, &production);
    let extra: Vec<std::path::PathBuf> = model
        .project
        .extra_manifests
        .iter()
        .map(|(p, _)| root.join(p))
        .collect();
    let mut files = bundle.files.len();
    if !extra.is_empty() {
        let (more, more_diags, n) = super::input::read_with(&extra, &mut sources, &envs);
        docs.extend(more);
        diags.extend(more_diags);
        files += n;
    }
    let report = super::run(&sources, &docs, diags, true, &settings, &policy, files);
    Ok(Evaluated {
        model,
        bundle,
        report,
        sources,
        policy,
        drift: diffs,
    })
}
