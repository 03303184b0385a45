//! What gating across revisions needs: a finding's identity (stable across
//! line moves), filtering a report to what is new, and a project evaluated in
//! memory (rendered and linted, no drift) for `diff` and `check --new-only`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::cli::{load_project, policy_files, settings};
use super::{policy::Policy, Diagnostic, Report, Severity};
use crate::problem::{At, Problem, Problems};
use crate::source::Sources;
use crate::{model, render, spec};

/// A finding's identity across revisions and line moves: rule, object, field
/// path and environments (file and message for findings about a file).
pub fn identity(d: &Diagnostic) -> String {
    match &d.object {
        Some(o) => format!(
            "{} {} {}/{} {} [{}]",
            d.rule,
            o.kind,
            o.namespace.as_deref().unwrap_or("-"),
            o.name.as_deref().unwrap_or("-"),
            d.path,
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

/// A project rendered in memory and linted: what `diff` compares.
pub struct Evaluated {
    pub model: model::Model,
    pub bundle: render::Bundle,
    pub report: Report,
    pub sources: Sources,
}

/// Loads, renders and lints the project at `root` (no drift check: there is no
/// committed output to compare with at another revision).
pub fn evaluate(root: &Path) -> Result<Evaluated, (Problems, Sources)> {
    let mut sources = Sources::new();
    let project = match load_project(root, &mut sources) {
        Ok(Some(p)) => p,
        Ok(None) => {
            let p = Problem::new(
                "spec::no-project",
                format!("no {} here", spec::PROJECT_FILE),
                At::Nowhere,
            )
            .with_help("run it in the project's root, or pass -C DIR");
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
    let settings = settings(Some(&project));
    let Some(model) = project.model else {
        return Err((Problems::default(), sources));
    };
    let bundle = render::render(&model, None);
    let production: BTreeMap<String, bool> = model
        .envs
        .iter()
        .map(|e| (e.name.clone(), e.production))
        .collect();
    let docs =
        super::rendered::from_bundle(&bundle, &model.project.output, &mut sources, &production);
    let report = super::run(
        &sources,
        &docs,
        Vec::new(),
        true,
        &settings,
        &policy,
        bundle.files.len(),
    );
    Ok(Evaluated {
        model,
        bundle,
        report,
        sources,
    })
}
