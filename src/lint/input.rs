//! What the linter reads: manifest files from disk (parsed once, in parallel,
//! every node keeping its position), or the objects of a render.

use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use super::registry::INVALID_YAML;
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

/// Folders whose child folder names an environment: `overlays/prd/…`,
/// `clusters/production/…`, `envs/dev/…`, `environments/staging/…`.
pub const ENV_FOLDERS: &[&str] = &["overlays", "clusters", "envs", "environments"];

/// The environment a path names by convention: the folder after the last of
/// `folders` on the path, when it is a DNS label.
pub fn env_from_path(path: &Path, folders: &[&str]) -> Option<String> {
    let parts: Vec<String> = path
        .parent()?
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts
        .windows(2)
        .rfind(|w| folders.contains(&w[0].as_str()))
        .map(|w| w[1].clone())
        .filter(|e| crate::spec::types::Name::parse(e).is_ok())
}

pub const KUSTOMIZATION_HINT: &str = "Kustomization";
pub const CLOUDFLARED_HINT: &str = "CloudflaredConfig";

/// YAML files under the given paths, sorted, skipping VCS and build folders.
pub fn yaml_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        // A named path that is not a folder is read as a file (a FIFO or device
        // then becomes an error there, not a silent skip).
        if p.is_file() || (p.exists() && !p.is_dir()) {
            out.push(p.clone());
            continue;
        }
        let walker = walkdir::WalkDir::new(p)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                let name = e.file_name().to_string_lossy();
                e.depth() == 0
                    || !(e.file_type().is_dir()
                        && (name.starts_with('.') || name == "target" || name == "node_modules"))
            });
        for e in walker.filter_map(Result::ok) {
            if e.file_type().is_file()
                && matches!(
                    e.path().extension().and_then(|x| x.to_str()),
                    Some("yaml" | "yml")
                )
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

fn normalize(p: &Path) -> PathBuf {
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
    out
}

fn is_kustomization_file(p: &Path) -> bool {
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
    let loaded = load(paths, None, sources);
    let envs = EnvRules {
        env: env.map(str::to_string),
        ..EnvRules::default()
    };
    let mut docs = Vec::new();
    let diags = parse_each(&loaded, sources, &envs, |_, d| d, |d| docs.extend(d));
    (docs, diags, loaded.count)
}

/// The files of a run, registered in [`Sources`]; each text is read by the
/// worker that parses it (it then stays there to locate and show findings).
pub struct Loaded {
    files: Vec<(FileId, PathBuf)>,
    /// How many files the run covers.
    pub count: usize,
}

/// Finds every YAML file under `paths`, plus a document stream that came on
/// standard input, as `(name to show, text)`.
pub fn load(paths: &[PathBuf], stdin: Option<(String, String)>, sources: &mut Sources) -> Loaded {
    let mut files = yaml_files(paths);
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
fn read_and_parse(
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
    yaml::parse_stream(text, id).map_err(|e| Box::new(parse_error(sources, id, &e)))
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

/// How each document's environment is found: `--env`, the env folders and
/// names the project declares, and which envs are production.
#[derive(Debug, Clone, Default)]
pub struct EnvRules {
    pub env: Option<String>,
    /// The project's env folders (else [`ENV_FOLDERS`]).
    pub folders: Option<Vec<String>>,
    /// The project's envs: `namespace: shop-prd` names env `prd`.
    pub known: Option<Vec<String>>,
    /// Production-ness by env, from the env specs.
    pub production: BTreeMap<String, bool>,
}

impl EnvRules {
    /// The env a file's path names (once per file).
    fn of_path(&self, path: &Path) -> Option<String> {
        match &self.folders {
            Some(f) => env_from_path(path, &f.iter().map(String::as_str).collect::<Vec<_>>()),
            None => env_from_path(path, ENV_FOLDERS),
        }
    }

    /// Sets a document's env facts; `path_env` is [`EnvRules::of_path`] of its file.
    fn apply(&self, d: &mut Doc, path_env: Option<&String>) {
        d.env.clone_from(&self.env);
        d.path_env = path_env.cloned();
        if let (None, Some(known)) = (&d.path_env, &self.known) {
            let ns = d
                .node
                .get("metadata")
                .and_then(|m| m.get("namespace"))
                .and_then(Node::as_str);
            d.path_env = ns.and_then(|ns| {
                known
                    .iter()
                    .filter(|e| ns == e.as_str() || ns.ends_with(&format!("-{e}")))
                    .max_by_key(|e| e.len())
                    .cloned()
            });
        }
        if let Some(p) = d
            .env
            .as_deref()
            .or(d.path_env.as_deref())
            .and_then(|e| self.production.get(e))
        {
            d.production = Some(*p);
        }
    }
}

/// Parses the loaded files in parallel and hands each file's documents to
/// `each` (with the file's position), so that a caller can check them and
/// drop their trees right away; `consume` then gets each result in input
/// order. Files that are not YAML become the diagnostics returned.
pub fn parse_each<R: Send>(
    loaded: &Loaded,
    sources: &Sources,
    envs: &EnvRules,
    each: impl Fn(u32, Vec<Doc>) -> R + Sync,
    mut consume: impl FnMut(R),
) -> Vec<Diagnostic> {
    /// Files in flight at once: results wait for `consume` a chunk at a
    /// time, so memory does not grow with the number of files.
    const CHUNK: usize = 512;
    // Kustomizations first: their `namespace:` and `patches` change how the
    // other files of their folder read.
    let mut kustomizations: BTreeMap<usize, Result<Vec<Node>, Box<Diagnostic>>> = loaded
        .files
        .par_iter()
        .enumerate()
        .filter(|(_, (_, path))| is_kustomization_file(path))
        .map(|(i, (id, path))| (i, read_and_parse(sources, *id, path)))
        .collect::<Vec<_>>()
        .into_iter()
        .collect();
    let mut kust_ns: BTreeMap<PathBuf, String> = BTreeMap::new();
    let mut patch_files: BTreeSet<PathBuf> = BTreeSet::new();
    for (i, result) in &kustomizations {
        let (Some((_, path)), Ok(docs)) = (loaded.files.get(*i), result) else {
            continue;
        };
        let dir = path.parent().unwrap_or(Path::new(""));
        if let Some(ns) = docs
            .iter()
            .find_map(|d| d.get("namespace").and_then(Node::as_str))
        {
            kust_ns.insert(normalize(dir), ns.to_string());
        }
        // Files a kustomization lists as patches hold fragments, not objects.
        for d in docs {
            patch_files.extend(patch_refs(d).into_iter().map(|r| normalize(&dir.join(r))));
        }
    }
    let mut diags = Vec::new();
    for (c, files) in loaded.files.chunks(CHUNK).enumerate() {
        let pre: Vec<Option<Result<Vec<Node>, Box<Diagnostic>>>> = (0..files.len())
            .map(|i| kustomizations.remove(&(c * CHUNK + i)))
            .collect();
        let results: Vec<Result<R, Box<Diagnostic>>> = files
            .par_iter()
            .zip(pre)
            .enumerate()
            .map(|(i, ((id, path), pre))| {
                let i = c * CHUNK + i;
                let nodes = pre.unwrap_or_else(|| read_and_parse(sources, *id, path))?;
                let dir = normalize(path.parent().unwrap_or(Path::new("")));
                let file = FileFacts {
                    id: *id,
                    dir: dir.to_string_lossy().replace('\\', "/"),
                    is_patch: patch_files.contains(&normalize(path)),
                    kustomization: is_kustomization_file(path),
                    namespace: kust_ns.get(&dir).cloned(),
                };
                let mut docs = file.docs(nodes);
                let path_env = envs.of_path(path);
                for d in &mut docs {
                    envs.apply(d, path_env.as_ref());
                }
                Ok(each(u32::try_from(i).unwrap_or(u32::MAX), docs))
            })
            .collect();
        for r in results {
            match r {
                Ok(r) => consume(r),
                Err(d) => diags.push(*d),
            }
        }
    }
    diags
}

/// The files a kustomization lists as patches.
fn patch_refs(d: &Node) -> Vec<&str> {
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
struct FileFacts {
    id: FileId,
    dir: String,
    is_patch: bool,
    kustomization: bool,
    /// The `namespace:` of the folder's kustomization.
    namespace: Option<String>,
}

impl FileFacts {
    /// The documents of a file: each object, the items of a `List`, the
    /// Application an ApplicationSet stamps out, and the objects Helm values
    /// a chart adapter understands become.
    fn docs(&self, nodes: Vec<Node>) -> Vec<Doc> {
        let doc = |node: Node, is_patch: bool, kind_hint: Option<&'static str>| Doc {
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
        };
        let mut docs = Vec::new();
        for node in nodes {
            if matches!(node.value, Value::Null) {
                continue;
            }
            let kind_hint = if self.kustomization {
                Some(KUSTOMIZATION_HINT)
            } else if looks_like_cloudflared(&node) {
                Some(CLOUDFLARED_HINT)
            } else {
                None
            };
            for made in expand(&node) {
                docs.push(doc(made, self.is_patch, None));
            }
            for made in super::values::objects(&node) {
                docs.push(doc(made.node, false, made.kind_hint));
            }
            docs.push(doc(node, self.is_patch, kind_hint));
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
    Diagnostic::about_input(
        &INVALID_YAML,
        location_of(sources, id, e),
        format!("not plain YAML, skipped: {}", e.message),
    )
}

fn location_of(sources: &Sources, id: FileId, e: &yaml::YamlError) -> Location {
    let line = e.span.start.line.max(1);
    let column = e.span.start.col.max(1);
    Location {
        file: sources.name(id).to_string(),
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
    fn env_from_conventional_folders() {
        let f = |p: &str| env_from_path(Path::new(p), ENV_FOLDERS);
        assert_eq!(
            f("apps/api/overlays/prd/deployment.yaml").as_deref(),
            Some("prd")
        );
        assert_eq!(
            f("clusters/production/apps/x.yaml").as_deref(),
            Some("production")
        );
        assert_eq!(f("overlays/Prod/x.yaml"), None);
        assert_eq!(f("apps/api/base/deployment.yaml"), None);
        assert_eq!(f("overlays/x.yaml"), None);
    }
}
