//! `shipshape lint`, `check`, `rules` and `explain`.

use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};

use super::{input, policy::Policy, registry, Report, RuleMeta, Settings, Severity};
use crate::cli::{exit, Outcome};
use crate::problem::{did_you_mean, At, Problem, Problems};
use crate::report::{self, Format};
use crate::source::Sources;
use crate::{model, spec};

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
    /// Files and folders to lint (recursively; default: the current folder);
    /// `-` reads a YAML stream from standard input.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Environment of the manifests (otherwise their `shipshape.dev/env` label).
    #[arg(long, value_name = "NAME")]
    pub env: Option<String>,
    /// Extra policy files (the project's, from shipshape.yaml, always apply).
    #[arg(long = "policy", value_name = "FILE")]
    pub policies: Vec<PathBuf>,
    /// The file name to report for `-` (standard input).
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,
    /// Also list, on stderr, what could not be looked into (Helm values of
    /// charts no adapter reads).
    #[arg(short, long)]
    pub verbose: bool,
    /// Report only findings not in this baseline (written by `--write-baseline`).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// The paths hold every object the manifests refer to (a whole rendered
    /// tree, or `kustomize build` output): also run the rules that need the
    /// whole set (dangling Secret and Service references, selectors matching
    /// no pod). Without it they are not run, and the summary says so.
    #[arg(long)]
    pub complete: bool,
    /// Write the run's findings to FILE as a baseline, and report nothing.
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    pub write_baseline: Option<PathBuf>,
    /// Run only these rules (ids or names, comma-separated or repeated), at
    /// the severities the policy gives them.
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    pub select: Vec<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Changed files (as pre-commit passes them). The whole project is always
    /// checked: cross-resource rules need every object.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Fail only on findings that are not present at the base revision (for
    /// adopting shipshape on an existing repository).
    #[arg(long)]
    pub new_only: bool,
    /// The base for `--new-only` (default: the merge base with the upstream of
    /// the current branch, else HEAD).
    #[arg(long, value_name = "REF", requires = "new_only")]
    pub base: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// What `lint` and `check` take from a project: its policy files, and, when
/// the environments load, the model (env names, production flags, pinned charts).
pub(crate) struct Project {
    pub(crate) policies: Vec<(String, crate::yaml::Span)>,
    /// The `lint:` section: paths → env, excludes, env folders, completeness.
    pub(crate) scope: super::scope::Scope,
    pub(crate) model: Option<model::Model>,
}

impl Project {
    pub(crate) fn env_names(&self) -> Option<Vec<String>> {
        self.model
            .as_ref()
            .map(|m| m.envs.iter().map(|e| e.name.clone()).collect())
    }
}

/// The project around `root`, with its environments. Every command that
/// judges manifests needs the env facts (names, which are production): an
/// environment that does not load stops it with the located error, never a
/// silent fall back to defaults that would lower production severities.
pub(crate) fn load_project(
    root: &Path,
    sources: &mut Sources,
) -> Result<Option<Project>, Problems> {
    if !root.join(spec::PROJECT_FILE).is_file() {
        return Ok(None);
    }
    let (file, _) = spec::load_project_file(root, sources)?;
    let policies = file
        .policies
        .iter()
        .map(|s| (s.to_string(), s.span))
        .collect();
    let model = Some(model::load(root, sources)?);
    let scope = match &file.lint {
        Some(l) => super::scope::Scope::from_raw(l, root)?,
        None => super::scope::Scope::at(root),
    };
    Ok(Some(Project {
        policies,
        scope,
        model,
    }))
}

/// How manifests get their environment in a project: `--env`, else the
/// label, the path (the project's env folders) or the namespace, with the
/// envs' production flags. `lint` and `check` (its `extra-manifests`) share it.
pub(crate) fn env_rules(p: Option<&Project>, env: Option<String>) -> super::env::EnvRules {
    scoped_env_rules(p, p.map(|p| &p.scope), env)
}

/// [`env_rules`] for a repository that has only a lint configuration
/// (`.shipshape.yaml`), or a project and its `lint:` section.
pub(crate) fn scoped_env_rules(
    p: Option<&Project>,
    scope: Option<&super::scope::Scope>,
    env: Option<String>,
) -> super::env::EnvRules {
    // The env specs decide production; a lint configuration names it for
    // envs that have no spec.
    let mut production: std::collections::BTreeMap<String, bool> = scope
        .map(|s| s.production.iter().map(|e| (e.clone(), true)).collect())
        .unwrap_or_default();
    if let Some(m) = p.and_then(|p| p.model.as_ref()) {
        production.extend(m.envs.iter().map(|e| (e.name.clone(), e.production)));
    }
    super::env::EnvRules {
        env,
        folders: scope.and_then(|s| s.env_folders.clone()),
        known: p.and_then(Project::env_names),
        production,
        scope: scope.cloned(),
    }
}

pub(crate) fn settings(p: Option<&Project>) -> Result<Settings, Problem> {
    let mut settings = match p.and_then(|p| p.model.as_ref()) {
        Some(m) => Settings {
            reloader_auto_all: m.project.reloader_auto_all,
            external_dns_prefix: m
                .envs
                .iter()
                .filter(|e| e.has_operator(model::OperatorKind::ExternalDns))
                .map(|e| (e.name.clone(), e.external_dns_prefix().0))
                .collect(),
            ..Settings::default()
        },
        None => Settings::default(),
    };
    settings.today = Some(today()?);
    Ok(settings)
}

/// The day suppressions expire against: `SHIPSHAPE_TODAY` (YYYY-MM-DD, for
/// a reproducible run or a look ahead), else the clock's date in UTC.
fn today() -> Result<chrono::NaiveDate, Problem> {
    let Ok(given) = std::env::var("SHIPSHAPE_TODAY") else {
        return Ok(chrono::Utc::now().date_naive());
    };
    chrono::NaiveDate::parse_from_str(given.trim(), "%Y-%m-%d").map_err(|_| {
        Problem::new(
            "cli::bad-date",
            format!("SHIPSHAPE_TODAY=`{given}` is not a date"),
            At::Nowhere,
        )
        .with_help("write it as YYYY-MM-DD, or unset it to use today's date")
    })
}

/// A stop on bad input, in the requested format: the human text on stderr
/// always, and for a machine format the same problems on stdout, so a CI upload
/// (SARIF, JUnit, GitLab) or annotation shows them at their file:line:col.
pub fn bad_input(problems: &Problems, sources: &Sources, format: Format) -> Outcome {
    let human = problems.render(sources);
    if format == Format::Human {
        return Outcome::error(human);
    }
    Outcome {
        stdout: report::render(
            format,
            &problems.report(sources),
            sources,
            &registry::all_metas(),
        ),
        stderr: human,
        code: exit::ERROR,
        body: None,
    }
}

pub(crate) fn policy_files(
    root: &Path,
    p: Option<&Project>,
    extra: &[PathBuf],
) -> Vec<super::policy::PolicyFile> {
    let mut files = p
        .map(|p| super::policy::project_files(root, &p.policies))
        .unwrap_or_default();
    files.extend(extra.iter().map(|f| super::policy::PolicyFile {
        name: f.to_string_lossy().replace('\\', "/"),
        path: f.clone(),
        within: None,
    }));
    files
}

fn all_rules(policy: &Policy) -> Vec<&'static RuleMeta> {
    let mut v = registry::all_metas();
    v.extend(policy.custom_metas());
    v
}

/// The outcome of a run that judged objects: its exit code from the
/// findings, and the report written straight to stdout after `prefix` (the
/// report and its sources move into the writer: nothing is copied).
pub(crate) fn finish(
    report: Report,
    sources: Sources,
    policy: &Policy,
    out: &OutputArgs,
    prefix: String,
) -> Outcome {
    let failing = report
        .diagnostics
        .iter()
        .any(|d| d.severity >= out.fail_on.threshold());
    let format = out.format;
    let rules = all_rules(policy);
    Outcome {
        stdout: prefix,
        stderr: String::new(),
        code: if failing { exit::FINDINGS } else { exit::OK },
        body: Some(crate::cli::Body::new(move |w| {
            let written = report::write(format, &report, &sources, &rules, w);
            // The process ends once the report is printed: freeing every
            // finding and text one by one would only delay the exit.
            std::mem::forget((report, sources));
            written
        })),
    }
}

/// The baseline file format: 2 identifies list items by name.
const BASELINE_VERSION: u32 = 2;

/// What a lint run prints: its findings, or the suppressions it met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Show {
    Findings,
    Suppressions,
}

pub fn lint(root: &Path, args: &LintArgs) -> Outcome {
    lint_as(root, args, Show::Findings)
}

/// One run for `lint` and `suppressions`, so they read the same files with
/// the same policies and can never disagree on a suppression.
pub fn lint_as(root: &Path, args: &LintArgs, show: Show) -> Outcome {
    let mut sources = Sources::new();
    let format = args.output.format;
    crate::diag::set_stop_format(format);
    let project = match load_project(root, &mut sources) {
        Ok(p) => p,
        Err(p) => return bad_input(&p.sorted(), &sources, format),
    };
    let known = project.as_ref().and_then(Project::env_names);
    if let Some(env) = &args.env {
        if let Err(p) = check_env_arg(env, known.as_deref()) {
            return bad_input(&p, &sources, format);
        }
    }
    let scope = match lint_scope(root, project.as_ref(), &mut sources) {
        Ok(s) => s,
        Err(p) => return bad_input(&p, &sources, format),
    };
    let mut policy = match Policy::load(
        &policy_files(root, project.as_ref(), &args.policies),
        &mut sources,
        known.as_deref(),
    ) {
        Ok(p) => p,
        Err(p) => return bad_input(&p, &sources, format),
    };
    if !args.select.is_empty() {
        if let Err(p) = policy.select(&args.select) {
            return bad_input(&p.into(), &sources, format);
        }
    }
    let (paths, stdin) = match input_paths(args) {
        Ok(input) => input,
        Err(p) => return bad_input(&p.into(), &sources, format),
    };
    let loaded = input::load_scoped(&paths, stdin, &mut sources, scope.as_ref());
    let envs = scoped_env_rules(project.as_ref(), scope.as_ref(), args.env.clone());
    let settings = match settings(project.as_ref()) {
        Ok(s) => s,
        Err(p) => return bad_input(&p.into(), &sources, format),
    };
    let (mut report, kept) = super::engine::lint_files(
        loaded,
        &sources,
        &envs,
        &settings,
        &policy,
        format.shows_excerpts(),
        args.complete || scope.as_ref().is_some_and(|s| s.complete),
    );
    if show == Show::Suppressions {
        return match report::suppressions::render(format, &report.summary.suppressions) {
            Ok(stdout) => Outcome::ok(stdout, String::new()),
            Err(p) => bad_input(&p.into(), &sources, Format::Human),
        };
    }
    if let Some(path) = &args.write_baseline {
        return write_baseline(path, &report);
    }
    if let Some(path) = &args.baseline {
        match read_baseline(path) {
            Ok(known) => super::gate::only_new(&mut report, &known),
            Err(p) => return bad_input(&p.into(), &sources, format),
        }
    }
    let mut notes = String::new();
    if args.verbose {
        for (kind, n) in &report.summary.schema_unchecked {
            notes.push_str(&format!(
                "note: not schema-checked (no built-in schema): {kind} ×{n}\n"
            ));
        }
        for r in &report.summary.values_unread {
            notes.push_str(&format!("note: Helm values not read in full: {r}\n"));
        }
    }
    let mut outcome = finish(report, sources, &policy, &args.output, String::new());
    outcome.stderr.push_str(&notes);
    // The process ends once the report is printed: freeing every node of every
    // tree one by one would only delay the exit.
    std::mem::forget(kept);
    outcome
}

/// The repository's lint configuration: the project's `lint:` section, or
/// `.shipshape.yaml` here or in the nearest parent folder.
fn lint_scope(
    root: &Path,
    project: Option<&Project>,
    sources: &mut Sources,
) -> Result<Option<super::scope::Scope>, Problems> {
    if let Some(p) = project {
        return Ok(Some(p.scope.clone()));
    }
    let Some(dir) = lint_file_upwards(root) else {
        return Ok(None);
    };
    crate::spec::load_lint_file(&dir, sources)
        .and_then(|raw| super::scope::Scope::from_raw(&raw, &dir))
        .map(Some)
}

/// Standard input's name (`--stdin-filename`) and text.
type Stdin = (String, String);

/// The paths to lint (`.` when none is given) and standard input when `-`
/// is among them, read within the budget of one file.
fn input_paths(args: &LintArgs) -> Result<(Vec<PathBuf>, Option<Stdin>), Problem> {
    let mut paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut stdin = None;
    if let Some(i) = paths.iter().position(|p| p.as_os_str() == "-") {
        paths.remove(i);
        let name = args
            .stdin_filename
            .clone()
            .unwrap_or_else(|| "<stdin>".into());
        stdin = Some((name, read_stdin()?));
    }
    if let Some(missing) = paths.iter().find(|p| !p.exists()) {
        return Err(Problem::new(
            "lint::no-path",
            format!("`{}` does not exist", missing.display()),
            At::Nowhere,
        )
        .with_help("pass existing files or folders, or `-` to read standard input"));
    }
    Ok((paths, stdin))
}

fn read_stdin() -> Result<String, Problem> {
    let mut text = String::new();
    // The budget of a file: one byte past it says the stream is too large.
    let limit = crate::source::MAX_FILE_BYTES;
    let read = std::io::Read::read_to_string(
        &mut std::io::Read::take(std::io::stdin(), limit + 1),
        &mut text,
    );
    if let Err(e) = read {
        return Err(Problem::new(
            "lint::no-path",
            format!("cannot read standard input: {e}"),
            At::Nowhere,
        ));
    }
    if text.len() as u64 > limit {
        return Err(Problem::new(
            "lint::no-path",
            format!(
                "standard input is larger than {} MiB; lint files instead",
                limit >> 20
            ),
            At::Nowhere,
        ));
    }
    Ok(text)
}

fn write_baseline(path: &Path, report: &Report) -> Outcome {
    let ids: std::collections::BTreeSet<String> = report
        .diagnostics
        .iter()
        .map(super::gate::identity)
        .collect();
    let text = serde_json::to_string_pretty(
        &serde_json::json!({ "version": BASELINE_VERSION, "findings": ids }),
    )
    .unwrap_or_default();
    match std::fs::write(path, text + "\n") {
        Ok(()) => Outcome::ok(
            String::new(),
            format!("wrote {} findings to {}\n", ids.len(), path.display()),
        ),
        Err(e) => Outcome::error(format!("error: cannot write {}: {e}\n", path.display())),
    }
}

/// The identities a baseline lists; an unreadable or older baseline is bad
/// input, never an empty one (that would report every finding as new).
fn read_baseline(path: &Path) -> Result<std::collections::BTreeSet<String>, Problem> {
    let json = crate::source::read_text(path)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok());
    let known = json
        .as_ref()
        .filter(|j| j["version"] == BASELINE_VERSION)
        .and_then(|j| serde_json::from_value(j["findings"].clone()).ok());
    if let Some(known) = known {
        return Ok(known);
    }
    Err(if json.is_some_and(|j| j["version"] == 1) {
        Problem::new(
            "lint::baseline",
            format!("`{}` is a baseline of an older shipshape, whose findings were identified by list position", path.display()),
            At::Nowhere,
        )
        .with_help("write it again with `shipshape lint --write-baseline FILE`: findings are now identified by name, so inserting an item no longer makes old ones new")
    } else {
        Problem::new(
            "lint::baseline",
            format!("`{}` is not a shipshape baseline", path.display()),
            At::Nowhere,
        )
        .with_help("write one with `shipshape lint --write-baseline FILE`")
    })
}

/// The folder of the nearest `.shipshape.yaml`: `root` or a parent of it.
fn lint_file_upwards(root: &Path) -> Option<std::path::PathBuf> {
    let start = std::fs::canonicalize(root).ok()?;
    let mut rel = root.to_path_buf();
    for dir in start.ancestors() {
        if dir.join(crate::spec::LINT_FILE).is_file() {
            return Some(rel);
        }
        rel.push("..");
    }
    None
}

/// `--env` must be an environment name, and one of the project's when known.
pub(crate) fn check_env_arg(env: &str, known: Option<&[String]>) -> Result<(), Problems> {
    if crate::spec::types::Name::parse(env).is_err() {
        let lower = env.to_ascii_lowercase();
        return Err(Problem::new(
            "cli::bad-env",
            format!("`--env {env}` is not an environment name"),
            At::Nowhere,
        )
        .with_help(format!(
            "environment names are lowercase DNS labels, e.g. `--env {lower}`"
        ))
        .into());
    }
    match known {
        Some(k) if !k.iter().any(|e| e == env) => {
            let help = did_you_mean(env, k.iter().map(String::as_str)).map_or_else(
                || format!("the project's environments: {}", k.join(", ")),
                |m| format!("did you mean `{m}`?"),
            );
            Err(Problem::new(
                "cli::unknown-env",
                format!("the project has no environment `{env}`"),
                At::Nowhere,
            )
            .with_help(help)
            .into())
        }
        _ => Ok(()),
    }
}

pub fn check(root: &Path, args: &CheckArgs) -> Outcome {
    let format = args.output.format;
    let _ = &args.files;
    let mut e = match super::gate::evaluate(root, true) {
        Ok(e) => e,
        Err((p, sources)) => return bad_input(&p, &sources, format),
    };
    if args.new_only {
        match crate::diff::base_findings(root, args.base.as_deref()) {
            Ok(known) => super::gate::only_new(&mut e.report, &known),
            Err(Err(err)) => return bad_input(&crate::diff::git_problem(&err), &e.sources, format),
            Err(Ok(broken)) => {
                let mut o = bad_input(&broken.problems, &broken.sources, format);
                o.stderr
                    .insert_str(0, &format!("error: {} does not load:\n", broken.side));
                return o;
            }
        }
    }
    let prefix = if format == Format::Human {
        std::mem::take(&mut e.drift)
    } else {
        String::new()
    };
    finish(e.report, e.sources, &e.policy, &args.output, prefix)
}

pub fn rules(format: Format) -> Outcome {
    match format {
        Format::Human => {}
        Format::Json => {
            let engine_reported: Vec<&str> = registry::META_RULES.iter().map(|m| m.id).collect();
            let list: Vec<serde_json::Value> = registry::all_metas()
                .iter()
                .map(|m| {
                    serde_json::json!({
                        "id": m.id,
                        "name": m.name,
                        "severity": m.severity.as_str(),
                        "whole_set": m.whole_set,
                        "engine_reported": engine_reported.contains(&m.id),
                        "summary": m.summary,
                        "help": m.help,
                        "doc": registry::doc_text(m),
                    })
                })
                .collect();
            let out = serde_json::json!({ "version": 1, "rules": list });
            return Outcome::ok(
                serde_json::to_string_pretty(&out).unwrap_or_default() + "\n",
                String::new(),
            );
        }
        _ => {
            let p = Problem::new(
                "cli::format",
                "`rules` lists in `human` or `json` only (SARIF carries the rules in `driver.rules`)",
                At::Nowhere,
            );
            return bad_input(&p.into(), &Sources::new(), Format::Human);
        }
    }
    let mut s = format!(
        "{:<7} {:<38} {:<8} {}\n",
        "ID", "NAME", "SEVERITY", "SUMMARY"
    );
    for m in registry::all_metas() {
        s.push_str(&format!(
            "{:<7} {:<38} {:<8} {}{}\n",
            m.id,
            m.name,
            m.severity.as_str(),
            m.summary,
            if m.whole_set { " (whole set)" } else { "" }
        ));
    }
    s.push_str(
        "\n(whole set): runs only over a complete set of objects: `check`, `lint --complete`\n",
    );
    Outcome::ok(s, String::new())
}

/// The text of a rule or code: built-in rules, the custom rules of the
/// project's policies (so every id lint prints here can be explained), and
/// the bad-input and cloudflared codes.
pub fn explain(root: &Path, rule: &str) -> Outcome {
    let mut sources = Sources::new();
    // A project whose files do not load has no custom rules to add; lint
    // says why when it runs.
    let policy = load_project(root, &mut sources).ok().and_then(|project| {
        let known = project.as_ref().and_then(Project::env_names);
        Policy::load(
            &policy_files(root, project.as_ref(), &[]),
            &mut sources,
            known.as_deref(),
        )
        .ok()
    });
    let metas = policy.as_ref().map_or_else(registry::all_metas, all_rules);
    // A cloudflared code may be named bare, as older output showed it.
    let code = crate::codes::find(rule).or_else(|| crate::codes::find(&format!("tunnel::{rule}")));
    match (
        metas
            .iter()
            .find(|m| m.id.eq_ignore_ascii_case(rule) || m.name == rule),
        code,
    ) {
        (Some(m), _) => Outcome::ok(
            format!(
                "{} {} ({} by default)\n{}\n{}\n{}",
                m.id,
                m.name,
                m.severity.as_str(),
                m.summary,
                registry::whole_set_note(m),
                registry::doc_text(m)
            ),
            String::new(),
        ),
        (None, Some(c)) => Outcome::ok(
            format!(
                "{} ({})\n{}\n\n{}\n",
                c.code,
                c.exit_behaviour(),
                c.summary,
                c.doc
            ),
            String::new(),
        ),
        (None, None) => {
            let names: Vec<&str> = metas
                .iter()
                .flat_map(|m| [m.id, m.name])
                .chain(crate::codes::CODES.iter().map(|c| c.code))
                .collect();
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
