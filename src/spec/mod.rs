//! Reading spec files: the project file and one file per environment, into raw
//! types with spans. `extends` is resolved here, on the node trees (maps merge by
//! key, lists of named items by `name`), so every merged value keeps the span of
//! the file it came from. Every problem in every file is collected before failing.

pub mod raw;
pub mod schema;
pub mod types;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::problem::{did_you_mean, At, Problem, Problems};
use crate::source::{display_path, FileId, Sources};
use crate::yaml::{self, Node, Value};
use raw::{EnvFile, ProjectFile};
use types::Name;

pub const PROJECT_FILE: &str = "shipshape.yaml";

/// The project as read from disk, before validation.
#[derive(Debug)]
pub struct Spec {
    /// The folder holding the project file; every path in the spec is relative to it.
    pub root: PathBuf,
    pub project_file: FileId,
    pub project: ProjectFile,
    /// Every environment file, by name (abstract ones included).
    pub envs: BTreeMap<String, EnvSpec>,
}

#[derive(Debug)]
pub struct EnvSpec {
    pub name: Name,
    pub file: FileId,
    /// The environment with its `extends` chain merged in.
    pub spec: EnvFile,
}

/// Reads and checks `root/shipshape.yaml` alone (what `lint` needs from it).
pub fn load_project_file(
    root: &Path,
    sources: &mut Sources,
) -> Result<(ProjectFile, FileId), Problems> {
    let project_path = root.join(PROJECT_FILE);
    let text = crate::source::read_text_within(&project_path, root).map_err(|e| {
        Problem::new(
            "spec::no-project",
            format!("cannot read {PROJECT_FILE} in `{}`: {e}", root.display()),
            At::Nowhere,
        )
        .with_help("run shipshape from the project root, or pass -C DIR")
    })?;
    let project_file = sources.add(PROJECT_FILE, &project_path, text);
    let project_node = parse(sources, project_file)?;
    let problems = literal_secrets(&project_node);
    let project = checked_decode::<ProjectFile>(&project_node, schema::Kind::Project);
    match project {
        Ok(p) if problems.is_empty() => Ok((p, project_file)),
        Ok(_) => Err(problems.sorted()),
        Err(mut more) => {
            more.extend(problems);
            Err(more.sorted())
        }
    }
}

/// The lint-only configuration of a repository without a project.
pub const LINT_FILE: &str = ".shipshape.yaml";

/// Reads `root/.shipshape.yaml`, checked like every spec file.
pub fn load_lint_file(root: &Path, sources: &mut Sources) -> Result<raw::LintProject, Problems> {
    let path = root.join(LINT_FILE);
    let text = crate::source::read_text_within(&path, root).map_err(|e| {
        Problem::new(
            "spec::unreadable",
            format!("cannot read {LINT_FILE} in `{}`: {e}", root.display()),
            At::Nowhere,
        )
    })?;
    let id = sources.add(LINT_FILE, &path, text);
    let node = parse(sources, id)?;
    checked_decode::<raw::LintProject>(&node, schema::Kind::Lint).map_err(Problems::sorted)
}

/// Reads `root/shipshape.yaml` and every environment file it points at.
pub fn load(root: &Path, sources: &mut Sources) -> Result<Spec, Problems> {
    let (spec, problems) = load_partial(root, sources)?;
    problems.into_result(spec)
}

/// Like [`load`], but keeps the environments that did load next to the problems
/// of those that did not, so later stages can report their problems too.
pub fn load_partial(root: &Path, sources: &mut Sources) -> Result<(Spec, Problems), Problems> {
    let (project, project_file) = load_project_file(root, sources)?;
    let mut problems = Problems::default();
    let files = env_files(root, &project)?;
    // Parse every file first, so that one broken file does not hide another's problems.
    let nodes = parse_env_files(root, files, sources, &mut problems);
    let mut envs = BTreeMap::new();
    // Each environment is merged once, on top of its parent's merged result.
    let mut resolved: BTreeMap<String, Result<Node, Problem>> = BTreeMap::new();
    for (key, (name, file, _)) in &nodes {
        let merged = match resolve_extends(key, &nodes, &mut resolved) {
            Ok(m) => m,
            Err(p) => {
                problems.push(p);
                continue;
            }
        };
        match checked_decode::<EnvFile>(&merged, schema::Kind::Environment) {
            Ok(spec) => {
                envs.insert(
                    key.clone(),
                    EnvSpec {
                        name: name.clone(),
                        file: *file,
                        spec,
                    },
                );
            }
            Err(p) => problems.extend(p),
        }
    }
    if envs.is_empty() && problems.is_empty() {
        problems.push(
            Problem::at_span(
                "spec::no-environments",
                format!(
                    "no environment files (`<env>.yaml`) in `{}`",
                    project.environments.as_str()
                ),
                project.environments.span,
            )
            .with_help("add a file such as dev.yaml to that folder"),
        );
    }
    Ok((
        Spec {
            root: root.to_path_buf(),
            project_file,
            project,
            envs,
        },
        problems,
    ))
}

/// The environment files of the project, sorted; the folder must stay
/// inside the project.
fn env_files(root: &Path, project: &ProjectFile) -> Result<Vec<PathBuf>, Problems> {
    let env_dir = root.join(project.environments.as_str());
    // A committed link for the folder must not make the specs come from
    // elsewhere on the machine.
    let inside = |d: &Path| {
        std::fs::canonicalize(d)
            .ok()
            .zip(std::fs::canonicalize(root).ok())
            .is_none_or(|(d, r)| d.starts_with(r))
    };
    if !inside(&env_dir) {
        return Err(Problem::at_span(
            "spec::outside-project",
            format!(
                "the environments folder `{}` is a link to a folder outside the project",
                project.environments.as_str()
            ),
            project.environments.span,
        )
        .with_help("keep the environment files inside the project (shipshape reads only the project's own files)")
        .into());
    }
    let mut files = match std::fs::read_dir(&env_dir) {
        Ok(rd) => rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            // Anything named like an env file is read, so a FIFO or a link to a
            // device is refused there instead of skipped.
            .filter(|p| {
                !p.is_dir()
                    && matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
            })
            .collect::<Vec<_>>(),
        Err(e) => {
            return Err(Problem::at_span(
                "spec::no-environments",
                format!(
                    "cannot read the environments folder `{}`: {e}",
                    project.environments.as_str()
                ),
                project.environments.span,
            )
            .into())
        }
    };
    files.sort();
    Ok(files)
}

/// Every readable, well-named, parseable environment file by env name; the
/// problems of the others recorded.
fn parse_env_files(
    root: &Path,
    files: Vec<PathBuf>,
    sources: &mut Sources,
    problems: &mut Problems,
) -> BTreeMap<String, (Name, FileId, Node)> {
    let mut nodes: BTreeMap<String, (Name, FileId, Node)> = BTreeMap::new();
    for path in files {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let name = display_path(&path, root);
        let text = match crate::source::read_text_within(&path, root) {
            Ok(t) => t,
            Err(e) => {
                // Registered without its text, so the problem has a file to point at.
                let file = sources.add(name.clone(), &path, "");
                problems.push(
                    Problem::new(
                        "spec::unreadable",
                        format!("cannot read `{name}`: {e}"),
                        At::File(file),
                    )
                    .with_help("environment files are UTF-8 YAML text files"),
                );
                continue;
            }
        };
        let file = sources.add(name, &path, text);
        let env_name = match Name::parse(&stem) {
            Ok(n) => n,
            Err(e) => {
                problems.push(
                    Problem::new("spec::bad-env-name", format!("environment file name: {e}"), At::File(file))
                        .with_help("rename the file: environment names become Kubernetes names and folder names"),
                );
                continue;
            }
        };
        if nodes.contains_key(env_name.as_str()) {
            problems.push(Problem::new(
                "spec::duplicate-env",
                format!("environment `{env_name}` is defined by two files"),
                At::File(file),
            ));
            continue;
        }
        match parse(sources, file) {
            Ok(node) => {
                problems.extend(literal_secrets(&node));
                let dups = duplicate_names(&node);
                if dups.is_empty() {
                    nodes.insert(env_name.to_string(), (env_name, file, node));
                } else {
                    // `extends` merges by name: a duplicate would vanish there.
                    problems.extend(dups);
                }
            }
            Err(p) => problems.extend(p),
        }
    }
    nodes
}

fn parse(sources: &Sources, file: FileId) -> Result<Node, Problems> {
    let node = yaml::parse_single(&sources.text(file), file).map_err(|e| {
        Problems::from(Problem::at_span(
            "spec::yaml",
            format!("invalid YAML: {}", e.message),
            e.span,
        ))
    })?;
    match node.value {
        Value::Map(_) => Ok(node),
        Value::Null => Err(Problem::new(
            "spec::empty-file",
            "the file is empty (or holds only comments)",
            At::File(file),
        )
        .with_help("declare what the file is for (e.g. `apps: []`, or `abstract: true` for a template), or delete it")
        .into()),
        _ => Err(Problem::at_span(
            "spec::wrong-type",
            "a spec file must be a mapping (`key: value` lines)",
            node.span,
        )
        .into()),
    }
}

/// Decodes a spec node. Only when that fails is the JSON Schema checked (and
/// compiled, the first time), to report every structural problem of the file
/// at once: a valid spec, the pre-commit hook's usual case, never pays for it.
pub fn checked_decode<T: serde::de::DeserializeOwned>(
    node: &Node,
    kind: schema::Kind,
) -> Result<T, Problems> {
    match decode::<T>(node) {
        Ok(v) => Ok(v),
        Err(first) => {
            let all = schema::check(node, kind);
            Err(if all.is_empty() { first } else { all })
        }
    }
}

fn decode<T: serde::de::DeserializeOwned>(node: &Node) -> Result<T, Problems> {
    yaml::from_node::<T>(node).map_err(|e| {
        let at = e.span.map_or(At::Nowhere, At::Span);
        Problems::from(Problem::new("spec::invalid-value", e.message, at))
    })
}

/// Merges an environment with the chain of environments it extends. Results
/// are kept in `resolved`, so a chain is merged once however many environments
/// extend it (linear in the number of files).
fn resolve_extends(
    start: &str,
    nodes: &BTreeMap<String, (Name, FileId, Node)>,
    resolved: &mut BTreeMap<String, Result<Node, Problem>>,
) -> Result<Node, Problem> {
    if let Some(r) = resolved.get(start) {
        return r.clone();
    }
    let mut chain: Vec<&str> = vec![start];
    let mut on_chain: std::collections::BTreeSet<&str> = [start].into();
    let mut current = start;
    let mut base: Option<Result<Node, Problem>> = None;
    while let Some(ext) = nodes
        .get(current)
        .and_then(|(_, _, node)| node.get("extends"))
    {
        let problem = match ext.as_str() {
            None => Some(Problem::at_span(
                "spec::wrong-type",
                "`extends` must be an environment name",
                ext.span,
            )),
            Some(target) if !nodes.contains_key(target) => {
                let known: Vec<&str> = nodes.keys().map(String::as_str).collect();
                let p = Problem::at_span(
                    "spec::unknown-env",
                    format!("`extends` names `{target}`, which is not an environment"),
                    ext.span,
                );
                Some(match did_you_mean(target, known.iter().copied()) {
                    Some(m) => p.with_help(format!("did you mean `{m}`?")),
                    None => p.with_help(format!("environments: {}", known.join(", "))),
                })
            }
            Some(target) if on_chain.contains(target) => {
                chain.push(target);
                Some(
                    Problem::at_span(
                        "spec::extends-cycle",
                        format!("`extends` forms a cycle: {}", chain.join(" → ")),
                        ext.span,
                    )
                    .with_help("remove `extends` from one of these environments"),
                )
            }
            Some(_) => None,
        };
        if let Some(p) = problem {
            base = Some(Err(p));
            break;
        }
        let target = ext.as_str().unwrap_or_default();
        if let Some(r) = resolved.get(target) {
            base = Some(r.clone());
            break;
        }
        chain.push(target);
        on_chain.insert(target);
        current = target;
    }
    let mut merged: Option<Node> = match base {
        Some(Err(p)) => {
            for name in &chain {
                resolved.insert((*name).to_string(), Err(p.clone()));
            }
            return Err(p);
        }
        Some(Ok(n)) => Some(n),
        None => None,
    };
    for name in chain.iter().rev() {
        let Some((_, _, node)) = nodes.get(*name) else {
            continue;
        };
        let next = match merged {
            None => node.clone(),
            Some(base) => merge(&strip_inheritance(&base), node),
        };
        resolved.insert((*name).to_string(), Ok(next.clone()));
        merged = Some(next);
    }
    merged.ok_or_else(|| Problem::new("internal::extends", "empty extends chain", At::Nowhere))
}

/// `extends` and `abstract` describe a file, not its content: never inherited.
fn strip_inheritance(node: &Node) -> Node {
    match &node.value {
        Value::Map(entries) => Node {
            value: Value::Map(
                entries
                    .iter()
                    .filter(|(k, _)| !matches!(k.as_str(), Some("extends" | "abstract")))
                    .cloned()
                    .collect(),
            ),
            span: node.span,
        },
        _ => node.clone(),
    }
}

/// Credentials written into a spec anywhere: a URL with a password (the Git
/// repository, a backup endpoint, an env value) or a known token shape. The
/// value is never echoed.
fn literal_secrets(node: &Node) -> Problems {
    let mut problems = Problems::default();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        match &n.value {
            Value::Str(s) if crate::secret::looks_secret_value(s) => {
                problems.push(
                        Problem::at_span(
                            "spec::literal-secret",
                            "a credential is written into the spec (a URL with a password, or a token); its value is not shown",
                            n.span,
                        )
                        .with_help("keep credentials in Doppler: a URL without its password, the password through `secret-env`; for the Git repository, configure the credentials in Argo CD")
                        .secret(),
                    );
            }
            Value::Seq(items) => stack.extend(items.iter()),
            Value::Map(entries) => stack.extend(entries.iter().map(|(_, v)| v)),
            _ => {}
        }
    }
    problems
}

/// Two items of one named list (`apps`, `redis`, `postgres`) with one name,
/// reported at the second, in the file that has them.
fn duplicate_names(node: &Node) -> Problems {
    let mut problems = Problems::default();
    for list in ["apps", "redis", "postgres"] {
        let mut seen: std::collections::BTreeMap<&str, u32> = std::collections::BTreeMap::new();
        for item in node.get(list).and_then(Node::as_seq).unwrap_or_default() {
            let Some((key, name)) = item.entry("name") else {
                continue;
            };
            let Some(n) = name.as_str() else { continue };
            if let Some(line) = seen.get(n) {
                problems.push(
                    Problem::at_span(
                        "spec::duplicate-name",
                        format!("`{list}` has two items named `{n}` (the first on line {line})"),
                        name.span,
                    )
                    .with_help("names must be unique in a list: rename or merge the two"),
                );
            } else {
                seen.insert(n, key.span.start.line);
            }
        }
    }
    problems
}

fn named(n: &Node) -> Option<&str> {
    n.get("name").and_then(Node::as_str)
}

/// Typed merge: maps by key, lists of named maps by `name`, anything else replaced.
pub fn merge(base: &Node, over: &Node) -> Node {
    match (&base.value, &over.value) {
        (Value::Map(b), Value::Map(o)) => {
            let mut out: Vec<(Node, Node)> = Vec::with_capacity(b.len() + o.len());
            let over_keys: BTreeMap<Option<String>, usize> = o
                .iter()
                .enumerate()
                .rev()
                .map(|(i, (k, _))| (k.scalar_text(), i))
                .collect();
            let base_keys: std::collections::BTreeSet<Option<String>> =
                b.iter().map(|(k, _)| k.scalar_text()).collect();
            for (k, v) in b {
                match over_keys.get(&k.scalar_text()).and_then(|i| o.get(*i)) {
                    Some((ok, ov)) => out.push((ok.clone(), merge(v, ov))),
                    None => out.push((k.clone(), v.clone())),
                }
            }
            for (ok, ov) in o {
                if !base_keys.contains(&ok.scalar_text()) {
                    out.push((ok.clone(), ov.clone()));
                }
            }
            Node {
                value: Value::Map(out.into()),
                span: over.span,
            }
        }
        (Value::Seq(b), Value::Seq(o))
            if b.iter().chain(o.iter()).all(|n| named(n).is_some()) && !b.is_empty() =>
        {
            let mut out: Vec<Node> = Vec::with_capacity(b.len() + o.len());
            let over_names: BTreeMap<&str, usize> = o
                .iter()
                .enumerate()
                .rev()
                .filter_map(|(i, x)| named(x).map(|n| (n, i)))
                .collect();
            let base_names: std::collections::BTreeSet<&str> = b.iter().filter_map(named).collect();
            for item in b {
                match named(item)
                    .and_then(|n| over_names.get(n))
                    .and_then(|i| o.get(*i))
                {
                    Some(ov) => out.push(merge(item, ov)),
                    None => out.push(item.clone()),
                }
            }
            for item in o {
                if !named(item).is_some_and(|n| base_names.contains(n)) {
                    out.push(item.clone());
                }
            }
            Node {
                value: Value::Seq(out.into()),
                span: over.span,
            }
        }
        _ => over.clone(),
    }
}
