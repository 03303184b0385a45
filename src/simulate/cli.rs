//! `shipshape simulate --env ENV [PATH]`: the replay of one environment's
//! app-of-apps, from the project's render (in memory) or from a folder of
//! Argo CD manifests. The findings printed with the timeline are those of
//! the lint rules that ask the same model, through the same reporters.

use clap::Args;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{facts::SyncFacts, report, Model};
use crate::cli::{exit, Outcome};
use crate::lint::cli::{
    bad_input, check_env_arg, finish, load_project, policy_files, settings, OutputArgs,
};
use crate::lint::{input, policy::Policy, rendered, Obj};
use crate::problem::{At, Problem};
use crate::report::Format;
use crate::source::Sources;
use crate::{render, spec};

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// The environment whose app-of-apps to replay (required for the
    /// project's render; for a folder, without it every app-of-apps found).
    #[arg(long, value_name = "NAME", required_unless_present = "path")]
    pub env: Option<String>,
    /// A folder of Argo CD manifests: a copy of the output folder, or another
    /// repository's app-of-apps (default: the project's render, in memory).
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn simulate(root: &Path, args: &SimulateArgs) -> Outcome {
    let mut sources = Sources::new();
    let format = args.output.format;
    if let Some(env) = args
        .env
        .as_deref()
        .filter(|e| crate::spec::types::Name::parse(e).is_err())
    {
        let p = Problem::new(
            "cli::bad-env",
            format!("`--env {env}` is not an environment name"),
            At::Nowhere,
        );
        return bad_input(&p.into(), &sources, format);
    }
    let project = match load_project(root, &mut sources) {
        Ok(p) => p,
        Err(p) => return bad_input(&p.sorted(), &sources, format),
    };
    let known = project.as_ref().and_then(|p| p.env_names());
    let policy = match Policy::load(
        &policy_files(root, project.as_ref(), &[]),
        &mut sources,
        known.as_deref(),
    ) {
        Ok(p) => p,
        Err(p) => return bad_input(&p, &sources, format),
    };
    let (docs, diags, files) =
        match documents(args, project.as_ref(), known.as_deref(), &mut sources) {
            Ok(read) => read,
            Err(p) => return bad_input(&p, &sources, format),
        };
    // The model, from the same facts `lint` gathers.
    let mut facts = SyncFacts::default();
    for (i, d) in docs.iter().enumerate() {
        if let Some(o) = Obj::new(i, d) {
            facts.add(&o, &crate::lint::rules::produced(&o));
        }
    }
    let model = Model::new(facts);
    let timelines: Vec<_> = model
        .timelines()
        .iter()
        .filter(|t| args.env.is_none() || t.env == args.env)
        .collect();
    if timelines.is_empty() {
        return bad_input(&no_applications(args, &model).into(), &sources, format);
    }
    // What could not be read was not replayed: the run fails closed. (A
    // template skipped with a warning is not YAML until rendered.)
    let unread = diags
        .iter()
        .filter(|d| d.severity == crate::lint::Severity::Error)
        .count();
    let settings = match settings(project.as_ref()) {
        Ok(s) => s,
        Err(p) => return bad_input(&p.into(), &sources, format),
    };
    let mut lint = crate::lint::run(&sources, &docs, diags, true, &settings, &policy, files);
    keep_blocking_steps(&mut lint, args.env.as_deref());
    let converges = timelines.iter().all(|t| t.converges());
    let mut prefix = match format {
        Format::Human => timelines
            .iter()
            .map(|t| report::human(t, &model.facts))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    };
    if unread > 0 && format == Format::Human {
        prefix.push_str(&format!(
            "{unread} file{} could not be read: {} not replayed, so the replay is incomplete\n",
            if unread == 1 { "" } else { "s" },
            if unread == 1 { "it was" } else { "they were" }
        ));
    }
    let mut outcome = finish(lint, sources, &policy, &args.output, prefix);
    if format == Format::Json {
        let diagnostics: serde_json::Value =
            serde_json::from_str(&outcome.stdout_text()).unwrap_or(serde_json::Value::Null);
        let out = serde_json::json!({
            "version": 1,
            "files_not_replayed": unread,
            "simulation": timelines.iter().map(|t| report::json(t, &model.facts)).collect::<Vec<_>>(),
            "report": diagnostics,
        });
        outcome.stdout = serde_json::to_string_pretty(&out).unwrap_or_default() + "\n";
    }
    if !converges || unread > 0 {
        outcome.code = exit::FINDINGS;
    }
    outcome
}

type Read = (Vec<input::Doc>, Vec<crate::lint::Diagnostic>, usize);

/// The documents to replay: the folder given, or the project's render of
/// the environment, in memory.
fn documents(
    args: &SimulateArgs,
    project: Option<&crate::lint::cli::Project>,
    known: Option<&[String]>,
    sources: &mut Sources,
) -> Result<Read, crate::problem::Problems> {
    if let Some(path) = &args.path {
        if !path.exists() {
            return Err(Problem::new(
                "lint::no-path",
                format!("`{}` does not exist", path.display()),
                At::Nowhere,
            )
            .into());
        }
        return Ok(input::read(std::slice::from_ref(path), sources, None));
    }
    let Some(model) = project.and_then(|p| p.model.as_ref()) else {
        return Err(Problem::new(
            "spec::no-project",
            format!(
                "no {} here; give a folder of Argo CD manifests to simulate",
                spec::PROJECT_FILE
            ),
            At::Nowhere,
        )
        .into());
    };
    let env = args.env.clone().unwrap_or_default();
    check_env_arg(&env, known)?;
    let bundle = render::render(model, Some(std::slice::from_ref(&env)));
    let production: BTreeMap<String, bool> = model
        .envs
        .iter()
        .map(|e| (e.name.clone(), e.production))
        .collect();
    let docs = rendered::from_bundle(&bundle, &model.project.output, sources, &production);
    let n = bundle.files.len();
    Ok((docs, Vec::new(), n))
}

fn no_applications(args: &SimulateArgs, model: &Model) -> Problem {
    let found: Vec<String> = model
        .timelines()
        .iter()
        .filter_map(|t| t.env.clone())
        .collect();
    Problem::new(
        "simulate::no-applications",
        match &args.env {
            Some(env) => format!("no Argo CD Application of env `{env}` was found"),
            None => "no Argo CD Application was found".to_string(),
        },
        At::Nowhere,
    )
    .with_help(if found.is_empty() {
        "Applications carry their env in the `shipshape.dev/env` label or an `…/<env>/…` folder"
            .to_string()
    } else {
        format!("envs found: {}", found.join(", "))
    })
}

/// Only the rules that report the simulator's blocking steps, and files that
/// could not be read, of the environment asked for; the summary recounted.
fn keep_blocking_steps(lint: &mut crate::lint::Report, env: Option<&str>) {
    lint.diagnostics.retain(|d| {
        (super::Cause::ALL.iter().any(|c| c.rule().id == d.rule)
            || d.rule == crate::lint::registry::INVALID_YAML.id)
            && (d.envs.is_empty() || env.is_none_or(|env| d.envs.iter().any(|e| e == env)))
    });
    let count =
        |s: crate::lint::Severity| lint.diagnostics.iter().filter(|d| d.severity == s).count();
    lint.summary.errors = count(crate::lint::Severity::Error);
    lint.summary.warnings = count(crate::lint::Severity::Warning);
    lint.summary.infos = count(crate::lint::Severity::Info);
}
