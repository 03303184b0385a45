//! Command-line definitions and one function per subcommand. Each returns an
//! [`Outcome`] (what to print, and the exit code) instead of printing, so that
//! `main` is the only place that touches stdout and the commands are testable.

use clap::{Args, Parser, Subcommand};
use std::path::{Path, PathBuf};

use crate::emit::{self, Scope};
use crate::problem::{did_you_mean, At, Problem, Problems};
use crate::source::Sources;
use crate::spec::types::Name;
use crate::{model, render, spec};

/// Exit codes: 0 clean, 1 drift or findings, 2 bad input or tool error.
pub mod exit {
    pub const OK: u8 = 0;
    pub const FINDINGS: u8 = 1;
    pub const ERROR: u8 = 2;
}

#[derive(Debug, Parser)]
#[command(
    name = "shipshape",
    version,
    about = "Typed environment specs → deterministic GitOps output, and the deployment checklist as lint rules"
)]
pub struct Cli {
    /// Run as if started in DIR (where shipshape.yaml lives). Without it,
    /// project commands look for shipshape.yaml here and then in parent folders.
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Colour in human output (`NO_COLOR` turns `auto` off).
    #[arg(long, global = true, value_enum, default_value_t)]
    pub color: crate::ui::ColorChoice,
    /// Print only problems and findings: no progress or summary lines.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render environment specs into GitOps output.
    Render(RenderArgs),
    /// Write the JSON Schemas of the spec files (for editors) into schemas/.
    Schema(SchemaArgs),
    /// Lint Kubernetes YAML files and folders against the deployment checklist.
    Lint(crate::lint::cli::LintArgs),
    /// The CI and pre-commit gate: render in memory, report drift, lint everything.
    Check(crate::lint::cli::CheckArgs),
    /// List every suppression (comments, annotations, policy exemptions) of
    /// what `lint` would read, with its reason, owner, expiry and status.
    Suppressions(crate::lint::cli::LintArgs),
    /// List every rule.
    Rules {
        /// `human` (a table) or `json` (for tooling).
        #[arg(long, value_enum, default_value_t)]
        format: crate::diag::Format,
    },
    /// Show a rule's documentation (by id or name).
    Explain {
        #[arg(value_name = "RULE")]
        rule: String,
    },
    /// Validate cloudflared config files, or find the rule a URL routes to.
    #[command(subcommand)]
    Tunnel(crate::tunnel::cli::TunnelCommand),
    /// The platform components' supported chart versions and defaults (Markdown).
    Versions,
    /// What a change does to every environment: both sides rendered in memory
    /// and compared object by object, with Argo CD consequences and findings.
    Diff(DiffArgs),
    /// Replay an environment's Argo CD sync offline, from an empty cluster,
    /// wave by wave; exit 1 at the first step that would never turn Healthy.
    Simulate(crate::simulate::cli::SimulateArgs),
    /// Write a new project in DIR (default: here): commented specs for dev
    /// and prd, their schemas and render, pre-commit and CI configuration.
    Init {
        #[arg(value_name = "DIR", default_value = ".")]
        folder: PathBuf,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The environment to render (repeatable).
    #[arg(long = "env", value_name = "NAME", required_unless_present = "all")]
    pub envs: Vec<String>,
    /// Render every environment.
    #[arg(long, conflicts_with = "envs")]
    pub all: bool,
    /// Print the rendered files as one YAML stream instead of writing them.
    #[arg(long, conflicts_with = "check")]
    pub stdout: bool,
    /// Compare with the files on disk; exit 1 with a diff when they differ.
    #[arg(long)]
    pub check: bool,
    /// Output folder (default: the project's `output`, `gitops-out`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Format of the problems reported on bad input (the render itself is YAML).
    #[arg(long, value_enum, default_value_t)]
    pub format: crate::report::Format,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    #[default]
    Human,
    /// For a pull-request comment: a summary table, then one `<details>` per
    /// env and component, capped below GitHub's comment size.
    Markdown,
    Json,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The revision to compare with (default: the merge base with the upstream
    /// of the current branch, else HEAD).
    #[arg(long, value_name = "REF")]
    pub base: Option<String>,
    /// Only these environments (repeatable).
    #[arg(long = "env", value_name = "NAME")]
    pub envs: Vec<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: DiffFormat,
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Folder to write into (default: schemas/ in the project).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// What a command wants printed, and its exit code.
#[derive(Debug, Default)]
pub struct Outcome {
    pub stdout: String,
    /// Printed after `stdout`, written straight to it: a report too large to
    /// hold a second time as text.
    pub body: Option<Body>,
    pub stderr: String,
    pub code: u8,
}

/// Writes the rest of a command's standard output.
pub struct Body(Box<WriteOnce>);

type WriteOnce = dyn FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>;

impl Body {
    pub fn new(
        write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()> + 'static,
    ) -> Self {
        Body(Box::new(write))
    }
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Body(..)")
    }
}

impl Outcome {
    pub fn ok(stdout: String, stderr: String) -> Self {
        Outcome {
            stdout,
            stderr,
            code: exit::OK,
            body: None,
        }
    }
    pub fn error(stderr: String) -> Self {
        Outcome {
            stdout: String::new(),
            stderr,
            code: exit::ERROR,
            body: None,
        }
    }
    /// Writes the whole standard output: `stdout`, then the body.
    pub fn write_stdout(&mut self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        out.write_all(self.stdout.as_bytes())?;
        match self.body.take() {
            Some(Body(write)) => write(out),
            None => Ok(()),
        }
    }
    /// The whole standard output as text (a command that post-processes it).
    pub fn stdout_text(&mut self) -> String {
        if self.body.is_some() {
            self.stdout = crate::report::in_memory(|out| self.write_stdout(out));
        }
        self.stdout.clone()
    }
    fn problems(p: &Problems, sources: &Sources) -> Self {
        Self::error(p.render(sources))
    }
}

pub fn run(cli: Cli) -> Outcome {
    crate::ui::init(cli.color, cli.quiet);
    let mut note = String::new();
    // `-C DIR` works like git's: paths on the command line are relative to DIR.
    if let Some(dir) = &cli.dir {
        if let Err(e) = std::env::set_current_dir(dir) {
            return Outcome::error(format!(
                "error: cannot change to `{}`: {e}\n",
                dir.display()
            ));
        }
    }
    if let Ok(cwd) = std::env::current_dir() {
        crate::ui::set_invocation_dir(cwd);
    }
    // Project commands then find the project upwards, as git finds its repository.
    let project_command = matches!(
        cli.command,
        Command::Render(_) | Command::Check(_) | Command::Schema(_) | Command::Diff(_)
    ) || matches!(&cli.command, Command::Simulate(a) if a.path.is_none());
    if project_command && !Path::new(spec::PROJECT_FILE).is_file() {
        if let Some(up) = find_project_upwards() {
            if let Err(e) = std::env::set_current_dir(&up) {
                return Outcome::error(format!(
                    "error: cannot change to `{}`: {e}\n",
                    up.display()
                ));
            }
            let up_text = up.to_string_lossy().replace('\\', "/");
            crate::ui::set_display_prefix(format!("{up_text}/"));
            note = format!("note: using the project in `{up_text}`\n");
        }
    }
    let quiet = cli.quiet;
    let mut outcome = run_command(cli);
    outcome.stderr.insert_str(0, &note);
    if quiet && outcome.code == exit::OK {
        // Success messages only ("rendered …", "up to date"): problems keep their text.
        outcome.stderr.clear();
    }
    outcome
}

fn diff_cmd(root: &Path, args: &DiffArgs) -> Outcome {
    use crate::diff;
    // `--env` names environments of the working tree: a typo is bad input,
    // never "no change".
    if !args.envs.is_empty() {
        if let Ok(loaded) = load(root) {
            let known: Vec<String> = loaded.model.envs.iter().map(|e| e.name.clone()).collect();
            for env in &args.envs {
                if let Err(p) = crate::lint::cli::check_env_arg(env, Some(&known)) {
                    return Outcome::problems(&p, &Sources::new());
                }
            }
        }
    }
    match diff::diff(root, args.base.as_deref(), &args.envs) {
        Ok(d) => {
            let stdout = match args.format {
                DiffFormat::Human => diff::report::human(&d),
                DiffFormat::Markdown => diff::report::markdown(&d),
                DiffFormat::Json => diff::report::json(&d),
            };
            Outcome {
                stdout,
                stderr: String::new(),
                code: if d.is_empty() {
                    exit::OK
                } else {
                    exit::FINDINGS
                },
                body: None,
            }
        }
        Err(Ok(broken)) => {
            let mut o = Outcome::problems(&broken.problems, &broken.sources);
            o.stderr
                .insert_str(0, &format!("error: {} does not load:\n", broken.side));
            o
        }
        Err(Err(e)) => Outcome::problems(&diff::git_problem(&e), &Sources::new()),
    }
}

/// The nearest parent folder (as `..`, `../..`, …) holding shipshape.yaml.
fn find_project_upwards() -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    let mut rel = PathBuf::new();
    for dir in cwd.ancestors().skip(1) {
        rel.push("..");
        if dir.join(spec::PROJECT_FILE).is_file() {
            return Some(rel);
        }
    }
    None
}

fn run_command(cli: Cli) -> Outcome {
    let root = PathBuf::from(".");
    // `lint` reads paths where the user stands, and the project (its
    // policies, its environments) from the nearest folder up that has one.
    let lint_like = match &cli.command {
        Command::Lint(args) => Some((args, crate::lint::cli::Show::Findings)),
        Command::Suppressions(args) => Some((args, crate::lint::cli::Show::Suppressions)),
        _ => None,
    };
    if let Some((args, show)) = lint_like {
        if !Path::new(spec::PROJECT_FILE).is_file() {
            if let Some(up) = find_project_upwards() {
                let mut o = crate::lint::cli::lint_as(&up, args, show);
                let up_text = up.to_string_lossy().replace('\\', "/");
                o.stderr.insert_str(
                    0,
                    &format!("note: applying the policies of the project in `{up_text}`\n"),
                );
                return o;
            }
        }
    }
    match cli.command {
        Command::Render(args) => render_cmd(&root, &args),
        Command::Schema(args) => schema_cmd(&root, &args),
        Command::Tunnel(cmd) => crate::tunnel::cli::run(cmd),
        Command::Lint(args) => crate::lint::cli::lint(&root, &args),
        Command::Suppressions(args) => {
            crate::lint::cli::lint_as(&root, &args, crate::lint::cli::Show::Suppressions)
        }
        Command::Check(args) => crate::lint::cli::check(&root, &args),
        Command::Rules { format } => crate::lint::cli::rules(format),
        Command::Init { folder } => crate::init::init(&folder),
        Command::Explain { rule } => crate::lint::cli::explain(&root, &rule),
        Command::Versions => Outcome::ok(crate::catalog::versions_table(), String::new()),
        Command::Diff(args) => diff_cmd(&root, &args),
        Command::Simulate(args) => crate::simulate::cli::simulate(&root, &args),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut cmd, "shipshape", &mut out);
            Outcome::ok(String::from_utf8_lossy(&out).into_owned(), String::new())
        }
    }
}

/// A project loaded and validated.
pub struct Loaded {
    pub sources: Sources,
    pub model: model::Model,
}

pub fn load(root: &Path) -> Result<Loaded, Outcome> {
    let mut sources = Sources::new();
    match model::load(root, &mut sources) {
        Ok(model) => Ok(Loaded { sources, model }),
        Err(p) => Err(Outcome::problems(&p, &sources)),
    }
}

/// The environments `--env` names; their names were checked before loading.
fn selected_envs(args: &RenderArgs, model: &model::Model) -> Result<Vec<String>, Problems> {
    if args.all {
        return Ok(model.envs.iter().map(|e| e.name.clone()).collect());
    }
    let mut problems = Problems::default();
    let known: Vec<&str> = model.envs.iter().map(|e| e.name.as_str()).collect();
    for e in args.envs.iter().filter(|e| !known.contains(&e.as_str())) {
        let p = Problem::new(
            "cli::unknown-env",
            format!("--env `{e}` is not an environment"),
            At::Nowhere,
        );
        problems.push(match did_you_mean(e, known.iter().copied()) {
            Some(m) => p.with_help(format!("did you mean `{m}`?")),
            None => p.with_help(format!("environments: {}", known.join(", "))),
        });
    }
    problems.into_result(args.envs.clone())
}

fn render_cmd(root: &Path, args: &RenderArgs) -> Outcome {
    let bad = |p: &Problems, s: &Sources| crate::lint::cli::bad_input(p, s, args.format);
    // `--env` is checked before loading too, so `../etc` never reaches a path.
    for e in &args.envs {
        if let Err(msg) = Name::parse(e) {
            return bad(
                &Problem::new("cli::bad-env", format!("--env {msg}"), At::Nowhere).into(),
                &Sources::new(),
            );
        }
    }
    let mut sources = Sources::new();
    let loaded = match model::load(root, &mut sources) {
        Ok(model) => Loaded { sources, model },
        Err(p) => return bad(&p, &sources),
    };
    let envs = match selected_envs(args, &loaded.model) {
        Ok(e) => e,
        Err(p) => return bad(&p, &loaded.sources),
    };
    // Bases are shared between environments, so the layout always sees them all.
    // Left to the exit: freeing every object one by one costs more than the
    // process exit does.
    let bundle = std::mem::ManuallyDrop::new(render::render(&loaded.model, None));
    let scopes: Vec<Scope> = if args.all {
        vec![Scope::All]
    } else {
        envs.iter().map(|e| Scope::Env(e.clone())).collect()
    };
    let in_scope = |p: &str| scopes.iter().any(|s| s.contains(p));
    let prefix = crate::ui::display_prefix();
    let (out_dir, shown) = match &args.out {
        // Relative to where the user stands, even after finding the project upwards.
        Some(o) if o.is_relative() => (
            crate::ui::invocation_dir().join(o),
            o.to_string_lossy().replace('\\', "/"),
        ),
        Some(o) => (o.clone(), o.to_string_lossy().replace('\\', "/")),
        None => (
            root.join(&loaded.model.project.output),
            format!("{prefix}{}", loaded.model.project.output),
        ),
    };

    if args.stdout {
        let mut s = String::new();
        // One YAML stream: the Markdown files (BOOTSTRAP.md) are left out.
        for (path, content) in bundle
            .files
            .iter()
            .filter(|(p, _)| in_scope(p) && p.ends_with(".yaml"))
        {
            s.push_str("---\n# Source: ");
            s.push_str(&format!("{shown}/{path}\n"));
            s.push_str(content);
        }
        return Outcome::ok(s, String::new());
    }
    if args.check {
        let mut drifts = Vec::new();
        for scope in &scopes {
            for d in emit::check(&bundle.files, &out_dir, scope, &shown) {
                if !drifts.contains(&d) {
                    drifts.push(d);
                }
            }
        }
        if drifts.is_empty() {
            return Outcome::ok(
                String::new(),
                format!("{shown}/ is up to date with the specs\n"),
            );
        }
        let mut s = String::new();
        for d in &drifts {
            s.push_str(&d.diff);
        }
        let stderr = format!(
            "{} file{} in {shown}/ differ from the specs; run `shipshape render {}` and commit the result\n",
            drifts.len(),
            if drifts.len() == 1 { "" } else { "s" },
            if args.all { "--all".to_string() } else { envs.iter().map(|e| format!("--env {e}")).collect::<Vec<_>>().join(" ") }
        );
        return Outcome {
            stdout: s,
            stderr,
            code: exit::FINDINGS,
            body: None,
        };
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    let inputs = [root.join(&loaded.model.project.environments)];
    if let Err(e) = emit::check_target(&out_dir, &cwd, root, &inputs) {
        // Located at `output:` when the project file chose the folder.
        let at = match (&args.out, loaded.model.project.output_span) {
            (None, Some(s)) => format!(
                "{}:{}:{}: ",
                loaded.sources.name(s.file),
                s.start.line,
                s.start.col
            ),
            _ => String::new(),
        };
        return Outcome::error(format!("{at}error: {e}\nnothing was written\n"));
    }
    let total = match emit::write(&bundle.files, &out_dir, &scopes) {
        Ok(r) => r,
        Err(emit::EmitError::Foreign(p)) => {
            return Outcome::error(format!(
                "error: `{shown}/{p}` exists and was not generated by shipshape; refusing to overwrite it\n  help: move the file out of {shown}/, or delete it if the render should own it\nnothing was written\n"
            ))
        }
        // The new tree is in place; the old one could not be removed.
        Err(e @ emit::EmitError::OldTreeLeft(..)) => {
            return Outcome::error(format!("error: {e}\n"))
        }
        Err(e) => return Outcome::error(format!("error: {e}\nnothing was written: {shown}/ is as it was\n")),
    };
    Outcome::ok(
        String::new(),
        format!(
            "rendered {}: {} written, {} unchanged, {} removed in {shown}/\n",
            envs.join(", "),
            total.written,
            total.unchanged,
            total.removed
        ),
    )
}

/// `shipshape schema` in a project folder (for `init`).
pub(crate) fn schema_in(root: &Path) -> Outcome {
    schema_cmd(root, &SchemaArgs { out: None })
}

/// `shipshape render --all` in a project folder (for `init`).
pub(crate) fn render_all_in(root: &Path) -> Outcome {
    let args = RenderArgs {
        envs: Vec::new(),
        all: true,
        stdout: false,
        check: false,
        out: None,
        format: crate::report::Format::Human,
    };
    render_cmd(root, &args)
}

fn schema_cmd(root: &Path, args: &SchemaArgs) -> Outcome {
    let dir = args.out.clone().unwrap_or_else(|| root.join("schemas"));
    let is_link = |p: &Path| std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink());
    let schemas = spec::schema::all();
    // Checked before anything is written: a cloned repository's link must
    // not turn this command into a write outside the project.
    for p in std::iter::once(dir.clone()).chain(schemas.iter().map(|(n, _)| dir.join(n))) {
        if is_link(&p) {
            return Outcome::error(format!(
                "error: {}\nnothing was written\n",
                emit::EmitError::Symlink(p.display().to_string())
            ));
        }
    }
    if let Err(e) = std::fs::create_dir_all(&dir) {
        return Outcome::error(format!("error: cannot create `{}`: {e}\n", dir.display()));
    }
    let mut written = Vec::new();
    for (name, schema) in schemas {
        // A new file renamed over the old name: replaces a name, never
        // writes into whatever it pointed at.
        let target = dir.join(name);
        let tmp = dir.join(format!(".{name}.shipshape-tmp"));
        let result = std::fs::write(&tmp, schema_text(&schema))
            .and_then(|()| std::fs::rename(&tmp, &target));
        if let Err(e) = result {
            let _ = std::fs::remove_file(&tmp);
            return Outcome::error(format!("error: cannot write `{name}`: {e}\n"));
        }
        written.push(name);
    }
    Outcome::ok(String::new(), format!("wrote {}\n", written.join(", ")))
}

/// A schema file's exact bytes (pretty JSON, trailing newline).
pub fn schema_text(schema: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(schema).unwrap_or_default();
    s.push('\n');
    s
}
