//! What the linter reads: manifest files from disk (parsed once, in parallel,
//! every node keeping its position), or the objects of a render.

use rayon::prelude::*;

use std::path::{Component, Path, PathBuf};

use super::env::EnvRules;
use super::kustomize::Reach;
use super::registry::INVALID_YAML;
use super::values::Links;
use super::{Diagnostic, Location};
use crate::source::{FileId, Sources};
use crate::yaml::{self, Node, Span, Value};

/// Where a document came from, which decides where findings point.
#[derive(Debug, Clone)]
pub enum Origin {
    /// A file on disk: findings point at the node.
    File,
    /// Rendered by shipshape: findings point at the spec node that caused the
    /// object, with the rendered file as a secondary location.
    Rendered {
        spec: Span,
        /// Spec spans of single fields: `(field path, span)`.
        fields: Vec<(String, Span)>,
        file: String,
        file_node: Option<Node>,
    },
}

/// One YAML document to lint.
#[derive(Debug, Clone)]
pub struct Doc {
    pub file: FileId,
    pub node: Node,
    pub env: Option<String>,
    /// Whether the env is a production one, when the project says so.
    pub production: Option<bool>,
    /// The env the file's path suggests (`overlays/prd/…`), used when neither
    /// `--env` nor the `shipshape.dev/env` label says.
    pub path_env: Option<String>,
    /// The namespace a `kustomization.yaml` beside the file sets (`namespace:`):
    /// kustomize puts every object it builds there, whatever the object says.
    pub namespace_hint: Option<String>,
    /// The folder the document's file is in: objects with no namespace are
    /// related only to objects of the same folder.
    pub dir: String,
    pub origin: Origin,
    /// Listed under a kustomization's patches: a fragment, not a full object.
    pub is_patch: bool,
    /// The kind a document has by convention when it states none
    /// (`kustomization.yaml`, a cloudflared `config.yaml`).
    pub kind_hint: Option<&'static str>,
    /// Made from another document (a `List`'s item, an ApplicationSet's
    /// template, the objects Helm values become), not read as it stands.
    pub derived: bool,
    /// Emitted by a kustomization build among the linted files: its
    /// `images:`, `replicas:` and patches are applied already.
    pub built: bool,
    /// What reading the Helm values the document holds or names found
    /// beyond the objects they become.
    pub values: crate::lint::values::Notes,
}

/// Objects a document holds inside it: the items of a `List`, and the
/// Application template of an ApplicationSet (so its project, revision and
/// finalizer are checked).
fn expand(node: &Node) -> Vec<Node> {
    match node.get("kind").and_then(Node::as_str) {
        Some("List") => node
            .get("items")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter(|i| i.get("kind").is_some())
            .cloned()
            .collect(),
        Some("ApplicationSet") => {
            let Some(t) = node.pointer(["spec", "template"]) else {
                return Vec::new();
            };
            let span = t.span;
            let s = |v: &str| Node {
                value: Value::Str(v.into()),
                span,
            };
            let mut entries = vec![
                (s("apiVersion"), s("argoproj.io/v1alpha1")),
                (s("kind"), s("Application")),
            ];
            entries.extend(
                t.as_map()
                    .unwrap_or_default()
                    .iter()
                    .filter(|(k, _)| matches!(k.as_str(), Some("metadata" | "spec")))
                    .cloned(),
            );
            vec![Node {
                value: Value::Map(entries.into()),
                span,
            }]
        }
        _ => Vec::new(),
    }
}

pub const KUSTOMIZATION_HINT: &str = "Kustomization";
pub const CLOUDFLARED_HINT: &str = "CloudflaredConfig";
/// A file of Helm values read on its own (see [`crate::lint::values::is_values_file`]).
pub const VALUES_HINT: &str = "HelmValues";

/// YAML files under the given paths, sorted, skipping VCS and build folders.
pub fn yaml_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    yaml_files_in(paths, None)
}

/// [`yaml_files`] within a repository's lint scope: what `.gitignore` ignores
/// and what the configuration excludes is not read. A file named on the
/// command line is always read.
pub fn yaml_files_in(paths: &[PathBuf], scope: Option<&super::scope::Scope>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        // A named path that is not a folder is read as a file (a FIFO or device
        // then becomes an error there, not a silent skip).
        if p.is_file() || (p.exists() && !p.is_dir()) {
            out.push(p.clone());
            continue;
        }
        let walker = ignore::WalkBuilder::new(p)
            .standard_filters(false)
            .git_ignore(true)
            .git_exclude(true)
            .require_git(false)
            .parents(true)
            .sort_by_file_name(|a, b| a.cmp(b))
            .filter_entry(|e| {
                let name = e.file_name().to_string_lossy();
                e.depth() == 0
                    || !(e.file_type().is_some_and(|t| t.is_dir())
                        && (name.starts_with('.') || name == "target" || name == "node_modules"))
            })
            .build();
        for e in walker.filter_map(Result::ok) {
            if e.file_type().is_some_and(|t| t.is_file())
                && matches!(
                    e.path().extension().and_then(|x| x.to_str()),
                    Some("yaml" | "yml")
                )
                && !scope.is_some_and(|s| s.excluded(e.path()))
            {
                out.push(e.path().to_path_buf());
            }
        }
    }
    // A walk yields each folder sorted already: sorting is then one pass.
    out.sort();
    out.dedup();
    out
}

fn shown(p: &Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

pub(super) fn normalize(p: &Path) -> std::borrow::Cow<'_, Path> {
    // No `.` or `..` segment, no doubled or trailing separator: the path
    // already reads as its components joined.
    let b = p.as_os_str().as_encoded_bytes();
    let sep = |c: &u8| std::path::is_separator(char::from(*c));
    let plain = !b
        .windows(2)
        .any(|w| (sep(&w[0]) && (sep(&w[1]) || w[1] == b'.')) || (w[0] == b'.' && sep(&w[1])))
        && !b.last().is_some_and(sep)
        && b != b"."
        && b != b"..";
    if plain {
        return std::borrow::Cow::Borrowed(p);
    }
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A normalized path as text, with forward slashes on every machine.
pub(super) fn slashed(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

pub(super) fn is_kustomization_file(p: &Path) -> bool {
    matches!(
        p.file_name().and_then(|n| n.to_str()),
        Some("kustomization.yaml" | "kustomization.yml" | "Kustomization")
    )
}

fn looks_like_cloudflared(n: &Node) -> bool {
    n.get("ingress").is_some_and(|i| i.as_seq().is_some())
        && (n.get("tunnel").is_some()
            || n.get("credentials-file").is_some()
            || n.get("originRequest").is_some())
}

/// Reads and parses every YAML file under `paths`, all documents at once
/// (`lint` streams them through the engine instead, see [`parse_each`]).
/// Files that are not valid YAML (Helm or Flux templating) become warnings.
pub fn read(
    paths: &[PathBuf],
    sources: &mut Sources,
    env: Option<&str>,
) -> (Vec<Doc>, Vec<Diagnostic>, usize) {
    let envs = EnvRules {
        env: env.map(str::to_string),
        ..EnvRules::default()
    };
    read_with(paths, sources, &envs)
}

/// [`read`] with a project's rules for environments.
pub fn read_with(
    paths: &[PathBuf],
    sources: &mut Sources,
    envs: &EnvRules,
) -> (Vec<Doc>, Vec<Diagnostic>, usize) {
    let loaded = load_scoped(paths, None, sources, envs.scope.as_ref());
    let (docs, diags) = parse_each(
        &loaded,
        sources,
        envs,
        Vec::new,
        |all, _, docs| all.extend(docs),
        |all, later| all.extend(later),
    );
    (docs, diags, loaded.count)
}

/// The files of a run, registered in [`Sources`]; each text is read by the
/// worker that parses it (it then stays there to locate and show findings).
pub struct Loaded {
    pub(super) files: Vec<(FileId, PathBuf)>,
    /// How many files the run covers.
    pub count: usize,
}

/// Finds every YAML file under `paths`, plus a document stream that came on
/// standard input, as `(name to show, text)`.
pub fn load(paths: &[PathBuf], stdin: Option<(String, String)>, sources: &mut Sources) -> Loaded {
    load_scoped(paths, stdin, sources, None)
}

/// [`load`] within a repository's lint scope ([`yaml_files_in`]).
pub fn load_scoped(
    paths: &[PathBuf],
    stdin: Option<(String, String)>,
    sources: &mut Sources,
    scope: Option<&super::scope::Scope>,
) -> Loaded {
    let mut files = yaml_files_in(paths, scope);
    let mut ids = Vec::new();
    if let Some((name, text)) = stdin {
        let path = PathBuf::from(&name);
        ids.push((sources.add(name, &path, text), path.clone()));
        files.push(path);
    }
    let from_stdin: Vec<PathBuf> = ids.iter().map(|(_, p)| p.clone()).collect();
    for path in files.iter().filter(|p| !from_stdin.contains(p)) {
        ids.push((sources.reserve(shown(path), path), path.clone()));
    }
    Loaded {
        files: ids,
        count: files.len(),
    }
}

/// A file's documents as trees: its text read first when it was only
/// reserved. A file that cannot be read, or is not YAML, is a diagnostic.
pub(super) fn read_and_parse(
    sources: &Sources,
    id: FileId,
    path: &Path,
) -> Result<Vec<Node>, Box<Diagnostic>> {
    let text = match sources.try_text(id) {
        Some(t) => t,
        None => match crate::source::read_text(path) {
            Ok(t) => sources.fill(id, t),
            // Nothing in it was checked: the gate fails closed.
            Err(e) => {
                let mut d = file_warning(shown(path), &format!("cannot be read: {e}"));
                d.severity = crate::lint::Severity::Error;
                return Err(Box::new(d));
            }
        },
    };
    yaml::parse_stream(&text, id).map_err(|e| Box::new(parse_error(sources, id, &e)))
}

/// The floor every lint pays: read and parse every file, in parallel,
/// dropping each tree at once. Returns the number of documents (the
/// benchmark's baseline).
pub fn read_and_parse_all(loaded: &Loaded, sources: &Sources) -> usize {
    loaded
        .files
        .par_iter()
        .map(|(id, path)| read_and_parse(sources, *id, path).map_or(0, |d| d.len()))
        .sum()
}

/// Parses the loaded files in parallel and hands each file's documents to
/// `each` (with the file's position), so that a caller can check them and
/// drop their trees right away. Each worker folds its run of consecutive
/// files into an accumulator from `init`; `merge` then joins neighbouring
/// accumulators, the earlier first, so the result reads in input order with
/// no worker waiting on another. Files that are not YAML become the
/// diagnostics returned.
pub fn parse_each<A: Send>(
    loaded: &Loaded,
    sources: &Sources,
    envs: &EnvRules,
    init: impl Fn() -> A + Sync,
    each: impl Fn(&mut A, u32, Vec<Doc>) + Sync,
    merge: impl Fn(&mut A, A) + Sync,
) -> (A, Vec<Diagnostic>) {
    let super::read_ahead::Ahead {
        names,
        mut pre,
        kust_ns,
        patch_files,
        graph,
        links,
    } = super::read_ahead::read_ahead(loaded, sources);
    let start = || (init(), Vec::new());
    loaded
        .files
        .par_iter()
        .zip(pre.par_iter_mut())
        .enumerate()
        .fold(start, |(mut acc, mut diags), (i, ((id, path), pre))| {
            let parsed = pre
                .take()
                .unwrap_or_else(|| read_and_parse(sources, *id, path));
            let nodes = match parsed {
                Ok(nodes) => nodes,
                Err(d) => {
                    diags.push(*d);
                    return (acc, diags);
                }
            };
            let name = names[i].as_str();
            let dir = name.rsplit_once('/').map_or("", |(d, _)| d).to_string();
            let file = FileFacts {
                id: *id,
                is_patch: !patch_files.is_empty() && patch_files.contains(name),
                kustomization: is_kustomization_file(path),
                namespace: kust_ns.get(&dir).cloned(),
                layers: vec![name.rsplit_once('/').map_or("", |(d, _)| d)],
                dir,
                built: false,
                path: name,
                links: &links,
            };
            let reaches = if file.kustomization || file.is_patch || graph.is_empty() {
                &[]
            } else {
                graph.reaches(name)
            };
            let docs = if reaches.is_empty() {
                let mut docs = file.docs(nodes);
                let path_env = envs.of_path(path);
                for d in &mut docs {
                    envs.apply(d, path_env.as_ref());
                }
                docs
            } else {
                built(&file, nodes, reaches, envs)
            };
            each(&mut acc, u32::try_from(i).unwrap_or(u32::MAX), docs);
            (acc, diags)
        })
        .reduce(start, |(mut acc, mut diags), (later, more)| {
            merge(&mut acc, later);
            diags.extend(more);
            (acc, diags)
        })
}

/// A file's documents as each kustomization root that includes it builds
/// them: in the root's folder (so they join the root's other objects), with
/// its namespace and environment and its transformations applied.
fn built(file: &FileFacts, nodes: Vec<Node>, reaches: &[Reach], envs: &EnvRules) -> Vec<Doc> {
    let mut out = Vec::new();
    // Every build but the last gets a copy; the last (most often the only
    // one) takes the parsed trees themselves.
    let mut nodes = Some(nodes);
    for (i, r) in reaches.iter().enumerate() {
        let own = if i + 1 == reaches.len() {
            nodes.take().unwrap_or_default()
        } else {
            nodes.clone().unwrap_or_default()
        };
        let facts = FileFacts {
            id: file.id,
            dir: r.root().to_string(),
            is_patch: false,
            kustomization: false,
            namespace: r.namespace().map(str::to_string),
            built: true,
            path: file.path,
            links: file.links,
            layers: r.layer_dirs(),
        };
        let mut docs = facts.docs(own.into_iter().map(|n| r.build(n)).collect());
        let path_env = envs.of_path(&Path::new(r.root()).join("kustomization.yaml"));
        for d in &mut docs {
            envs.apply(d, path_env.as_ref());
        }
        out.extend(docs);
    }
    out
}

/// Whether a file may link Helm values to a chart (see
/// [`super::values::links::MARKERS`]): its text is read now, once.
pub(super) fn links_values(sources: &Sources, id: FileId, path: &Path) -> bool {
    static MARKERS: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        let alternatives: Vec<String> = super::values::links::MARKERS
            .iter()
            .map(|m| regex::escape(m))
            .collect();
        regex::Regex::new(&alternatives.join("|")).ok()
    });
    let text = match sources.try_text(id) {
        Some(t) => t,
        None => match crate::source::read_text(path) {
            Ok(t) => sources.fill(id, t),
            // Said where the file is parsed.
            Err(_) => return false,
        },
    };
    MARKERS.as_ref().is_none_or(|m| m.is_match(&text))
}

/// The files a kustomization lists as patches.
pub(super) fn patch_refs(d: &Node) -> Vec<&str> {
    let mut refs: Vec<&str> = Vec::new();
    for key in ["patches", "patchesJson6902"] {
        for p in d.get(key).and_then(Node::as_seq).unwrap_or_default() {
            if let Some(s) = p.get("path").and_then(Node::as_str) {
                refs.push(s);
            }
        }
    }
    for p in d
        .get("patchesStrategicMerge")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        if let Some(s) = p.as_str().filter(|s| !s.contains('\n')) {
            refs.push(s);
        }
    }
    refs
}

/// What a file's place in the repository says about its documents.
struct FileFacts<'a> {
    id: FileId,
    dir: String,
    is_patch: bool,
    kustomization: bool,
    /// The `namespace:` of the folder's kustomization.
    namespace: Option<String>,
    built: bool,
    /// The file's normalized path, and the values files and chart sources
    /// the repository links (read ahead).
    path: &'a str,
    links: &'a Links,
    /// The kustomization folders of the build, outermost first.
    layers: Vec<&'a str>,
}

impl FileFacts<'_> {
    /// The documents of a file: each object, the items of a `List`, the
    /// Application an ApplicationSet stamps out, and the objects Helm values
    /// a chart adapter understands become.
    fn docs(&self, nodes: Vec<Node>) -> Vec<Doc> {
        let doc = |node: Node, is_patch: bool, kind_hint: Option<&'static str>, derived| Doc {
            file: self.id,
            node,
            env: None,
            production: None,
            path_env: None,
            namespace_hint: self.namespace.clone(),
            dir: self.dir.clone(),
            origin: Origin::File,
            is_patch,
            kind_hint,
            derived,
            built: self.built,
            values: Default::default(),
        };
        let place = crate::lint::values::Place {
            links: self.links,
            file: self.path,
            layers: self.layers.clone(),
        };
        let mut docs = Vec::with_capacity(nodes.len());
        for node in nodes {
            if matches!(node.value, Value::Null) {
                continue;
            }
            let kind_hint = if self.kustomization {
                Some(KUSTOMIZATION_HINT)
            } else if looks_like_cloudflared(&node) {
                Some(CLOUDFLARED_HINT)
            } else if !self.is_patch && crate::lint::values::is_values_file(&node, &place) {
                Some(VALUES_HINT)
            } else {
                None
            };
            for made in expand(&node) {
                docs.push(doc(made, self.is_patch, None, true));
            }
            let reading = if self.is_patch {
                crate::lint::values::Reading::default()
            } else {
                crate::lint::values::read(&node, &place)
            };
            for made in reading.made {
                docs.push(doc(made.node, false, made.kind_hint, true));
            }
            let mut own = doc(node, self.is_patch, kind_hint, false);
            own.values = reading.notes;
            docs.push(own);
        }
        docs
    }
}

fn parse_error(sources: &Sources, id: FileId, e: &yaml::YamlError) -> Diagnostic {
    if e.limit {
        // Valid YAML, maybe, but not read in full: the gate must not pass on it.
        let mut d = Diagnostic::about_input(
            &INVALID_YAML,
            location_of(sources, id, e),
            format!(
                "could not be read in full ({}); nothing in it was checked",
                e.message
            ),
        );
        d.severity = crate::lint::Severity::Error;
        d.help = "split the file, or lint the documents in smaller files".into();
        return d;
    }
    // Templates (Helm, Jinja, Flux substitutions) are not YAML until
    // rendered: skipped with a warning. Anything else is a syntax error, and
    // the gate fails closed on it.
    let templated = sources
        .try_text(id)
        .is_some_and(|t| t.contains("{{") || t.contains("{%") || t.contains("${"));
    if templated {
        return Diagnostic::about_input(
            &INVALID_YAML,
            location_of(sources, id, e),
            format!("templated, not plain YAML: skipped ({})", e.message),
        );
    }
    let mut d = Diagnostic::about_input(
        &INVALID_YAML,
        location_of(sources, id, e),
        format!(
            "YAML syntax error, nothing in the file was checked: {}",
            e.message
        ),
    );
    d.severity = crate::lint::Severity::Error;
    d.help = "fix the YAML at this line".into();
    d
}

fn location_of(sources: &Sources, id: FileId, e: &yaml::YamlError) -> Location {
    let line = e.span.start.line.max(1);
    let column = e.span.start.col.max(1);
    Location {
        file: sources.shared_name(id),
        line,
        column,
        end_line: line,
        end_column: column,
        span: Some(e.span),
    }
}

fn file_warning(file: String, message: &str) -> Diagnostic {
    Diagnostic::about_input(&INVALID_YAML, Location::file_start(file), message.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_keeps_plain_paths_and_rebuilds_the_others() {
        for (path, want) in [
            ("apps/api/deploy.yaml", "apps/api/deploy.yaml"),
            ("apps/.hidden/x.yaml", "apps/.hidden/x.yaml"),
            ("a./b", "a./b"),
            ("./apps/x.yaml", "apps/x.yaml"),
            ("apps/./x.yaml", "apps/x.yaml"),
            ("apps//x.yaml", "apps/x.yaml"),
            ("apps/api/", "apps/api"),
            ("apps/api/../web/x.yaml", "apps/web/x.yaml"),
            ("../x.yaml", "../x.yaml"),
            (".", ""),
        ] {
            assert_eq!(normalize(Path::new(path)), Path::new(want), "{path}");
            assert_eq!(slashed(&normalize(Path::new(path))), want, "{path}");
        }
    }
}
