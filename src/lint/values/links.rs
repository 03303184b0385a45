//! Values that live apart from the manifest that installs their chart, joined
//! to it as Helm, Argo CD, Flux and kustomize would join them:
//!
//! - an Argo CD Application's `helm.valueFiles` (`$ref/path` of a `ref:`
//!   source, or a path inside a chart's folder in git);
//! - a Flux HelmRelease's `valuesFrom` ConfigMaps and Secrets that a
//!   kustomization generates from files (`configMapGenerator`), and its
//!   `chartRef` to an OCIRepository or HelmChart (which names the chart);
//! - kustomize `helmCharts` (`valuesFile`, `additionalValuesFiles`);
//! - a chart's own `values.yaml` beside its `Chart.yaml`, whose dependencies
//!   say which top-level keys are subcharts, at which version.
//!
//! The files are read before the other documents (see `lint::input`), so the
//! manifest that installs the chart can merge them in its tool's order; a
//! values file so joined is read there, not again on its own.

use std::collections::{BTreeMap, BTreeSet};

use crate::lint::kustomize::join;
use crate::yaml::{Node, Value};

/// A chart a Flux source object serves (`OCIRepository`, `HelmChart`).
#[derive(Debug, Clone)]
pub struct SourceChart {
    /// The folder of the file that declares it.
    dir: String,
    pub chart: String,
    pub version: Option<String>,
}

/// A `Chart.yaml`: the chart's name, version and dependencies.
#[derive(Debug, Clone, Default)]
pub struct ChartMeta {
    pub name: String,
    pub version: Option<String>,
    /// `(values key, chart name, version)`: the key is the alias, if any.
    pub dependencies: Vec<(String, String, Option<String>)>,
}

/// A file a kustomization generates a ConfigMap or Secret key from.
#[derive(Debug, Clone)]
struct Generated {
    name: String,
    key: String,
    file: String,
}

/// What the repository says about values kept apart from their chart.
#[derive(Debug, Default)]
pub struct Links {
    /// The first document of each values file a manifest names, by path.
    trees: BTreeMap<String, Node>,
    /// Flux chart sources by name.
    sources: BTreeMap<String, Vec<SourceChart>>,
    /// Each kustomization folder's generated keys.
    generated: BTreeMap<String, Vec<Generated>>,
    /// Each `Chart.yaml` by folder.
    charts: BTreeMap<String, ChartMeta>,
    /// Values files read where their chart is installed: not read again alone.
    joined: BTreeSet<String>,
    /// ConfigMaps and Secrets a `valuesFrom` names that no kustomization
    /// generates: looked for among the objects of the repository.
    wanted_objects: BTreeSet<String>,
    /// Values kept in a ConfigMap's `data` or a Secret's `stringData`, by
    /// (kind, name, key): every node at the key (the text is a string).
    inline: BTreeMap<(String, String, String), Node>,
    /// Linted file paths by last segment: `$ref/path` names a file by its
    /// path in the repository, which ends the linted path.
    by_name: BTreeMap<String, Vec<String>>,
}

/// No links: for documents read with nothing around them.
pub static NONE: Links = Links {
    trees: BTreeMap::new(),
    sources: BTreeMap::new(),
    generated: BTreeMap::new(),
    charts: BTreeMap::new(),
    joined: BTreeSet::new(),
    wanted_objects: BTreeSet::new(),
    inline: BTreeMap::new(),
    by_name: BTreeMap::new(),
};

/// Text markers of the documents that name values files or chart sources:
/// only files holding one are read ahead of the others.
pub const MARKERS: &[&str] = &["valueFiles", "valuesFrom", "chartRef", "OCIRepository"];

/// Whether a file is a chart's `Chart.yaml`.
pub fn is_chart_file(path: &str) -> bool {
    path == "Chart.yaml" || path.ends_with("/Chart.yaml")
}

fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

fn text(n: Option<&Node>) -> Option<String> {
    n.and_then(Node::scalar_text)
}

impl Links {
    /// Reads what the kustomizations, the read-ahead documents (`(path,
    /// documents)`) and the set of linted paths say; [`Links::wanted`] then
    /// lists the values files to read before the others.
    pub fn plan<'a>(
        kustomizations: &BTreeMap<String, &Node>,
        ahead: impl IntoIterator<Item = (&'a str, &'a [Node])>,
        paths: impl IntoIterator<Item = String>,
    ) -> Links {
        let mut links = Links::default();
        for p in paths {
            let name = p.rsplit('/').next().unwrap_or(&p).to_string();
            links.by_name.entry(name).or_default().push(p);
        }
        for (dir, k) in kustomizations {
            links.read_kustomization(dir, k);
        }
        let ahead: Vec<(&str, &[Node])> = ahead.into_iter().collect();
        // Charts first: an Application that installs one from git joins its values.
        for (path, docs) in &ahead {
            if is_chart_file(path) {
                if let Some(meta) = docs.first().and_then(chart_meta) {
                    links.charts.insert(dir_of(path).to_string(), meta);
                }
            }
        }
        for (path, docs) in &ahead {
            for doc in docs.iter() {
                links.read_ahead(path, doc);
            }
        }
        links
    }

    fn read_kustomization(&mut self, dir: &str, k: &Node) {
        for key in ["configMapGenerator", "secretGenerator"] {
            for g in k.get(key).and_then(Node::as_seq).unwrap_or_default() {
                let Some(name) = text(g.get("name")) else {
                    continue;
                };
                for entry in g.get("files").and_then(Node::as_seq).unwrap_or_default() {
                    let Some(spec) = entry.as_str() else { continue };
                    let (key, rel) = match spec.split_once('=') {
                        Some((key, rel)) => (key.to_string(), rel),
                        None => (spec.rsplit('/').next().unwrap_or(spec).to_string(), spec),
                    };
                    if let Some(file) = join(dir, rel) {
                        self.generated
                            .entry(dir.to_string())
                            .or_default()
                            .push(Generated {
                                name: name.clone(),
                                key,
                                file,
                            });
                    }
                }
            }
        }
        for chart in k
            .get("helmCharts")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            let extra = chart.get("additionalValuesFiles").and_then(Node::as_seq);
            for rel in chart
                .get("valuesFile")
                .into_iter()
                .chain(extra.unwrap_or_default())
                .filter_map(Node::as_str)
            {
                if let Some(file) = join(dir, rel) {
                    self.joined.insert(file);
                }
            }
        }
    }

    fn read_ahead(&mut self, path: &str, doc: &Node) {
        match doc.get("kind").and_then(Node::as_str) {
            Some("OCIRepository") => {
                let url = text(doc.pointer(["spec", "url"]));
                let chart = url.as_deref().map(|u| super::chart_name(u).to_string());
                let version = text(doc.pointer(["spec", "ref", "tag"]))
                    .or_else(|| text(doc.pointer(["spec", "ref", "semver"])));
                self.add_source(path, doc, chart, version);
            }
            Some("HelmChart") => {
                let chart = text(doc.pointer(["spec", "chart"]));
                let version = text(doc.pointer(["spec", "version"]));
                self.add_source(path, doc, chart, version);
            }
            Some("Application") => {
                let many = doc.pointer(["spec", "sources"]).and_then(Node::as_seq);
                for source in doc
                    .pointer(["spec", "source"])
                    .into_iter()
                    .chain(many.unwrap_or_default())
                {
                    let (files, chart_dir) = self.value_files(source);
                    self.joined.extend(files.into_iter().filter_map(Result::ok));
                    if let Some(dir) = chart_dir {
                        self.joined.insert(format!("{dir}/values.yaml"));
                    }
                }
            }
            Some("HelmRelease") => {
                // The files its `valuesFrom` may name: any generated key of
                // that name, in any kustomization (which build it is in is
                // known only when it is read).
                for (name, _) in values_from(doc) {
                    let files: Vec<String> = self
                        .generated
                        .values()
                        .flatten()
                        .filter(|g| g.name == name)
                        .map(|g| g.file.clone())
                        .collect();
                    if files.is_empty() {
                        self.wanted_objects.insert(name);
                    }
                    self.joined.extend(files);
                }
            }
            _ => {}
        }
    }

    fn add_source(
        &mut self,
        path: &str,
        doc: &Node,
        chart: Option<String>,
        version: Option<String>,
    ) {
        let (Some(name), Some(chart)) = (text(doc.pointer(["metadata", "name"])), chart) else {
            return;
        };
        self.sources.entry(name).or_default().push(SourceChart {
            dir: dir_of(path).to_string(),
            chart,
            version,
        });
    }

    /// The values files a manifest names that are to be read first.
    pub fn wanted(&self) -> Vec<String> {
        self.joined.iter().cloned().collect()
    }

    /// Keeps the first document of a values file read ahead.
    pub fn fill(&mut self, path: String, docs: &[Node]) {
        if let Some(first) = docs.iter().find(|d| d.as_map().is_some()) {
            self.trees.insert(path, first.clone());
        }
    }

    /// The names of ConfigMaps and Secrets to look for among the objects.
    pub fn wanted_objects(&self) -> &BTreeSet<String> {
        &self.wanted_objects
    }

    /// Keeps the values a wanted ConfigMap or Secret holds as text, each
    /// key's values parsed; their nodes all point at the key (a position
    /// inside the text is not the file's).
    pub fn fill_objects(&mut self, docs: &[Node]) {
        for doc in docs {
            let kind = doc.get("kind").and_then(Node::as_str);
            let field = match kind {
                Some("ConfigMap") => "data",
                Some("Secret") => "stringData",
                _ => continue,
            };
            let Some(name) = text(doc.pointer(["metadata", "name"])) else {
                continue;
            };
            if !self.wanted_objects.contains(&name) {
                continue;
            }
            for (k, v) in doc
                .get(field)
                .and_then(Node::as_map)
                .unwrap_or_default()
                .iter()
            {
                let (Some(key), Some(body)) = (k.as_str(), v.as_str()) else {
                    continue;
                };
                if let Ok(tree) = crate::yaml::parse_single(body, k.span.file) {
                    if tree.as_map().is_some() {
                        let kind = kind.unwrap_or_default().to_string();
                        self.inline
                            .insert((kind, name.clone(), key.to_string()), at(&tree, k.span));
                    }
                }
            }
        }
    }

    /// The values a ConfigMap or Secret of the repository holds under `key`.
    pub fn inline(&self, kind: &str, name: &str, key: &str) -> Option<&Node> {
        self.inline
            .get(&(kind.to_string(), name.to_string(), key.to_string()))
    }

    pub fn is_empty(&self) -> bool {
        self.trees.is_empty() && self.sources.is_empty() && self.charts.is_empty()
    }

    /// A values file is read where its chart is installed, not alone.
    pub fn is_joined(&self, path: &str) -> bool {
        self.joined.contains(path)
    }

    pub fn tree(&self, path: &str) -> Option<&Node> {
        self.trees.get(path)
    }

    pub fn chart_in(&self, dir: &str) -> Option<&ChartMeta> {
        self.charts.get(dir)
    }

    /// The chart a Flux `chartRef` names: the source of that name declared
    /// in the referring file's folder, else the only one of that name.
    pub fn source(&self, name: &str, dir: &str) -> Option<&SourceChart> {
        let all = self.sources.get(name)?;
        all.iter().find(|s| s.dir == dir).or(match all.as_slice() {
            [only] => Some(only),
            _ => None,
        })
    }

    /// The file a generated ConfigMap or Secret key comes from, looked up in
    /// the kustomization folders of the build, outermost first.
    pub fn generated(&self, layers: &[&str], name: &str, key: &str) -> Option<&str> {
        layers.iter().find_map(|dir| {
            self.generated
                .get(*dir)?
                .iter()
                .rev()
                .find(|g| g.name == name && g.key == key)
                .map(|g| g.file.as_str())
        })
    }

    /// A path in the repository (`kubernetes/apps/x/values.yaml`) as the
    /// linted file it names: the only one whose path ends with it.
    pub fn resolve(&self, repo_path: &str) -> Result<&str, String> {
        let repo_path = repo_path.trim_start_matches("./").trim_start_matches('/');
        let name = repo_path.rsplit('/').next().unwrap_or(repo_path);
        let found: Vec<&String> = self
            .by_name
            .get(name)
            .into_iter()
            .flatten()
            .filter(|p| {
                *p == repo_path
                    || p.strip_suffix(repo_path)
                        .is_some_and(|head| head.ends_with('/'))
            })
            .collect();
        match found.as_slice() {
            [one] => Ok(one.as_str()),
            [] => Err(format!("`{repo_path}` is not among the linted files")),
            _ => Err(format!(
                "`{repo_path}` names {} linted files, so which one is unknown",
                found.len()
            )),
        }
    }

    /// The files an Argo CD source's `helm.valueFiles` name, resolved (or
    /// why not), and the folder of the chart it installs from git.
    pub fn value_files(&self, source: &Node) -> (Vec<Result<String, String>>, Option<String>) {
        let path = source.get("path").and_then(Node::as_str);
        let chart_dir = path
            .filter(|_| source.get("chart").is_none())
            .and_then(|p| {
                let p = p.trim_end_matches('/');
                self.resolve(&format!("{p}/Chart.yaml")).ok()
            })
            .map(|f| dir_of(f).to_string());
        let files = source
            .pointer(["helm", "valueFiles"])
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::as_str)
            .map(|f| {
                let repo_path = match f.strip_prefix('$') {
                    // `$ref/path`: a path from the root of the `ref:` source.
                    Some(rest) => rest.split_once('/').map(|(_, p)| p.to_string()),
                    // Relative to the chart's folder in the same repository.
                    None => path.and_then(|p| join(p, f)),
                };
                let repo_path = repo_path.ok_or_else(|| format!("`{f}` names no file"))?;
                match &chart_dir {
                    Some(dir) if !f.starts_with('$') => {
                        join(dir, f).ok_or_else(|| format!("`{f}` names no file"))
                    }
                    _ => self.resolve(&repo_path).map(str::to_string),
                }
            })
            .collect();
        (files, chart_dir)
    }
}

/// The `(name, key)` of every ConfigMap or Secret a HelmRelease reads values
/// from (`valuesKey` defaults to `values.yaml`).
pub fn values_from(doc: &Node) -> Vec<(String, String)> {
    doc.pointer(["spec", "valuesFrom"])
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|v| {
            let name = text(v.get("name"))?;
            let key = text(v.get("valuesKey")).unwrap_or_else(|| "values.yaml".into());
            Some((name, key))
        })
        .collect()
}

/// A tree whose every node is placed at `span`.
fn at(tree: &Node, span: crate::yaml::Span) -> Node {
    let value = match &tree.value {
        Value::Map(entries) => Value::Map(
            entries
                .iter()
                .map(|(k, v)| (at(k, span), at(v, span)))
                .collect(),
        ),
        Value::Seq(items) => Value::Seq(items.iter().map(|i| at(i, span)).collect()),
        other => other.clone(),
    };
    Node { value, span }
}

fn chart_meta(doc: &Node) -> Option<ChartMeta> {
    let name = text(doc.get("name"))?;
    let dependencies = doc
        .get("dependencies")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|d| {
            let chart = text(d.get("name"))?;
            let key = text(d.get("alias")).unwrap_or_else(|| chart.clone());
            Some((key, chart, text(d.get("version"))))
        })
        .collect();
    Some(ChartMeta {
        name,
        version: text(doc.get("version")),
        dependencies,
    })
}

/// Helm's merge of values: maps key by key, anything else replaced, and a
/// `null` removes the key. Every node keeps the span it was written at.
pub fn helm_merge(base: &Node, over: &Node) -> Node {
    let (Value::Map(b), Value::Map(o)) = (&base.value, &over.value) else {
        return over.clone();
    };
    let mut out: Vec<(Node, Node)> = Vec::with_capacity(b.len() + o.len());
    let over_at: BTreeMap<Option<String>, usize> = o
        .iter()
        .enumerate()
        .map(|(i, (k, _))| (k.scalar_text(), i))
        .collect();
    let mut used = BTreeSet::new();
    for (k, v) in b.iter() {
        let key = k.scalar_text();
        match over_at.get(&key).map(|i| &o[*i]) {
            Some((ok, ov)) => {
                used.insert(key);
                if !matches!(ov.value, Value::Null) {
                    out.push((ok.clone(), helm_merge(v, ov)));
                }
            }
            None => out.push((k.clone(), v.clone())),
        }
    }
    for (k, v) in o.iter() {
        if !used.contains(&k.scalar_text()) && !matches!(v.value, Value::Null) {
            out.push((k.clone(), v.clone()));
        }
    }
    Node {
        value: Value::Map(out.into()),
        span: over.span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn parse(text: &str) -> Node {
        match crate::yaml::parse_single(text, FileId(0)) {
            Ok(n) => n,
            Err(e) => panic!("{}", e.message),
        }
    }

    #[test]
    fn helm_merges_maps_replaces_lists_and_drops_nulls() {
        let base = parse("a: {b: 1, c: 2}\nlist: [1, 2]\ngone: x\n");
        let over = parse("a: {c: 3}\nlist: [9]\ngone: null\nnew: y\n");
        let merged = helm_merge(&base, &over);
        assert_eq!(
            merged
                .pointer(["a", "b"])
                .and_then(Node::scalar_text)
                .as_deref(),
            Some("1")
        );
        assert_eq!(
            merged
                .pointer(["a", "c"])
                .and_then(Node::scalar_text)
                .as_deref(),
            Some("3")
        );
        assert_eq!(
            merged.get("list").and_then(Node::as_seq).map(<[Node]>::len),
            Some(1)
        );
        assert!(merged.get("gone").is_none());
        assert!(merged.get("new").is_some());
    }

    #[test]
    fn repository_paths_name_the_one_linted_file_they_end() {
        let links = Links::plan(
            &BTreeMap::new(),
            [],
            [
                "corpus/repo/apps/a/values.yaml".to_string(),
                "corpus/repo/apps/b/values.yaml".to_string(),
                "corpus/repo/xapps/a/values.yaml".to_string(),
            ],
        );
        assert_eq!(
            links.resolve("apps/a/values.yaml"),
            Ok("corpus/repo/apps/a/values.yaml")
        );
        assert!(links.resolve("values.yaml").is_err(), "three files end so");
        assert!(links.resolve("apps/c/values.yaml").is_err());
    }
}
