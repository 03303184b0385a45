//! Following kustomizations: the objects one kustomization root builds are one
//! set, as `kustomize build` would emit them. A base is judged in each overlay
//! that uses it (with that overlay's namespace, environment, labels, images,
//! replicas and patches), not alone.
//!
//! Only files among those being linted are followed: a remote base, or a base
//! outside the paths given, is not read (its objects are not in the set).
//! `namePrefix`/`nameSuffix` are not applied, to objects or to the references
//! between them, so joins by name hold either way.

mod patch;
mod transform;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::yaml::Node;
pub use transform::Layer;

/// Bounds a user's kustomization graph: deeper chains are not followed.
const MAX_DEPTH: usize = 32;

/// A root and the kustomizations on the way to one folder of its build,
/// innermost first (the order kustomize applies them in): shared by every
/// file of that folder.
#[derive(Debug)]
struct Chain {
    root: Box<str>,
    layers: Vec<Arc<Layer>>,
}

/// How one root reaches a file.
#[derive(Debug, Clone)]
pub struct Reach {
    chain: Arc<Chain>,
    /// The namespace of the `helmCharts` or generator entry that reads the file.
    chart_namespace: Option<Box<str>>,
}

impl Reach {
    /// The folder of the root kustomization.
    pub fn root(&self) -> &str {
        &self.chain.root
    }

    /// The namespace the build gives objects: the outermost one set.
    pub fn namespace(&self) -> Option<&str> {
        self.chain
            .layers
            .iter()
            .rev()
            .find_map(|l| l.namespace.as_deref())
            .or(self.chart_namespace.as_deref())
    }

    /// The folders of the kustomizations on the way to the file, outermost
    /// first (where a generated ConfigMap is looked up).
    pub fn layer_dirs(&self) -> Vec<&str> {
        self.chain.layers.iter().rev().map(|l| &*l.dir).collect()
    }

    /// A document as this build emits it: objects transformed, anything else
    /// (Helm values) as it stands.
    pub fn build(&self, node: Node) -> Node {
        if node.get("kind").is_none() {
            return node;
        }
        self.chain.layers.iter().fold(node, |n, l| l.apply(n))
    }
}

/// Which roots build each linted file.
#[derive(Debug, Default)]
pub struct Graph {
    reach: BTreeMap<Box<str>, Vec<Reach>>,
}

impl Graph {
    /// `kustomizations` maps each kustomization's folder to its document;
    /// `files` holds the linted files they name; `patches` the parsed patch
    /// files. Paths are normalized, with forward slashes.
    pub fn build(
        kustomizations: &BTreeMap<String, &Node>,
        files: &BTreeSet<String>,
        patches: &BTreeMap<String, Vec<Node>>,
    ) -> Graph {
        let layers: BTreeMap<&str, Arc<Layer>> = kustomizations
            .iter()
            .map(|(dir, k)| (dir.as_str(), Arc::new(Layer::read(dir, k, patches))))
            .collect();
        let children: BTreeMap<&str, Vec<Child>> = kustomizations
            .iter()
            .map(|(dir, k)| {
                let is_file = |p: &str| files.contains(p);
                (dir.as_str(), children(dir, k, &is_file, kustomizations))
            })
            .collect();
        let referenced: BTreeSet<&str> = children
            .values()
            .flatten()
            .filter_map(|c| match c {
                Child::Kustomization(d) => Some(d.as_str()),
                Child::File(..) => None,
            })
            .collect();
        let mut graph = Graph::default();
        for root in kustomizations
            .keys()
            .filter(|d| !referenced.contains(d.as_str()))
        {
            let mut walk = Walk {
                root: root.as_str().into(),
                layers: &layers,
                children: &children,
                stack: Vec::new(),
                seen: BTreeSet::new(),
            };
            walk.visit(root, &mut graph);
        }
        graph
    }

    /// The builds a file is part of (none: it is read as it stands).
    pub fn reaches(&self, file: &str) -> &[Reach] {
        self.reach.get(file).map_or(&[], Vec::as_slice)
    }

    pub fn is_empty(&self) -> bool {
        self.reach.is_empty()
    }
}

/// One root's walk down its kustomizations.
struct Walk<'k> {
    root: Box<str>,
    layers: &'k BTreeMap<&'k str, Arc<Layer>>,
    children: &'k BTreeMap<&'k str, Vec<Child>>,
    stack: Vec<Arc<Layer>>,
    seen: BTreeSet<&'k str>,
}

impl<'k> Walk<'k> {
    fn visit(&mut self, dir: &'k str, graph: &mut Graph) {
        // A cycle, or a chain deeper than any real repository has.
        if self.stack.len() >= MAX_DEPTH || !self.seen.insert(dir) {
            return;
        }
        let Some(layer) = self.layers.get(dir) else {
            return;
        };
        // Inner layers apply first: this one goes after its children's.
        self.stack.insert(0, layer.clone());
        let mut chain: Option<Arc<Chain>> = None;
        for child in self.children.get(dir).into_iter().flatten() {
            match child {
                Child::File(f, chart_namespace) => {
                    let reaches = graph.reach.entry(f.as_str().into()).or_default();
                    // Kustomize refuses one object twice in a build; the
                    // first path is the one it would report.
                    if reaches.iter().any(|r| r.chain.root == self.root) {
                        continue;
                    }
                    let chain = chain.get_or_insert_with(|| {
                        Arc::new(Chain {
                            root: self.root.clone(),
                            layers: self.stack.clone(),
                        })
                    });
                    reaches.push(Reach {
                        chain: chain.clone(),
                        chart_namespace: chart_namespace.as_deref().map(Into::into),
                    });
                }
                Child::Kustomization(d) => {
                    if let Some((&k, _)) = self.layers.get_key_value(d.as_str()) {
                        self.visit(k, graph);
                    }
                }
            }
        }
        self.stack.remove(0);
    }
}

#[derive(Debug)]
enum Child {
    /// A file, and the namespace of the chart that reads it as values.
    File(String, Option<String>),
    Kustomization(String),
}

/// What a kustomization includes, among the linted files: `resources`,
/// `components` and the deprecated `bases`, each a file or a folder with a
/// kustomization, the values files of its `helmCharts`, and the YAML files
/// of its `configMapGenerator`.
fn children(
    dir: &str,
    k: &Node,
    is_file: &dyn Fn(&str) -> bool,
    kustomizations: &BTreeMap<String, &Node>,
) -> Vec<Child> {
    let mut out = Vec::new();
    for key in ["resources", "components", "bases"] {
        for entry in k.get(key).and_then(Node::as_seq).unwrap_or_default() {
            let Some(rel) = entry.as_str() else { continue };
            // Remote bases are not read.
            if rel.contains("://") || rel.starts_with("github.com/") {
                continue;
            }
            let Some(path) = join(dir, rel) else { continue };
            if kustomizations.contains_key(&path) {
                out.push(Child::Kustomization(path));
            } else if is_file(&path) {
                out.push(Child::File(path, None));
            }
        }
    }
    // The values files of charts the build inflates: what they make is
    // part of this build, in the chart's namespace.
    for chart in k
        .get("helmCharts")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        let ns = chart.get("namespace").and_then(Node::scalar_text);
        let extra = chart.get("additionalValuesFiles").and_then(Node::as_seq);
        for rel in chart
            .get("valuesFile")
            .into_iter()
            .chain(extra.unwrap_or_default())
            .filter_map(Node::as_str)
        {
            if let Some(path) = join(dir, rel).filter(|p| is_file(p)) {
                out.push(Child::File(path, ns.clone()));
            }
        }
    }
    // Files a ConfigMap is generated from (Flux reads Helm values so).
    for gen in k
        .get("configMapGenerator")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        let ns = gen.get("namespace").and_then(Node::scalar_text);
        for entry in gen.get("files").and_then(Node::as_seq).unwrap_or_default() {
            let Some(spec) = entry.as_str() else { continue };
            let rel = spec.split_once('=').map_or(spec, |(_, p)| p);
            if let Some(path) = join(dir, rel).filter(|p| is_file(p)) {
                out.push(Child::File(path, ns.clone()));
            }
        }
    }
    out
}

/// Every file path the kustomizations name: the only files [`Graph::build`]
/// needs to know exist.
pub fn named_files(kustomizations: &BTreeMap<String, &Node>) -> BTreeSet<String> {
    let any = |_: &str| true;
    kustomizations
        .iter()
        .flat_map(|(dir, k)| children(dir, k, &any, kustomizations))
        .filter_map(|c| match c {
            Child::File(f, _) => Some(f),
            Child::Kustomization(_) => None,
        })
        .collect()
}

/// `dir/rel` normalized, `None` when it climbs above the start of the paths.
pub(crate) fn join(dir: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    let lead = dir.starts_with('/');
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    Some(if lead { format!("/{joined}") } else { joined })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn parse(text: &str) -> Node {
        crate::yaml::parse_single(text, FileId::default()).unwrap()
    }

    #[test]
    fn a_base_is_built_by_each_overlay_with_the_outer_namespace() {
        let base = parse("namespace: inner\nresources: [deploy.yaml]\n");
        let dev = parse("namespace: dev-ns\nresources: [../../base]\n");
        let prd = parse("resources: [../../base]\n");
        let kusts: BTreeMap<String, &Node> = [
            ("app/base".to_string(), &base),
            ("app/overlays/dev".to_string(), &dev),
            ("app/overlays/prd".to_string(), &prd),
        ]
        .into_iter()
        .collect();
        let files: BTreeSet<String> = ["app/base/deploy.yaml".to_string()].into();
        let g = Graph::build(&kusts, &files, &BTreeMap::new());
        let r = g.reaches("app/base/deploy.yaml");
        let got: Vec<(&str, Option<&str>)> = r.iter().map(|r| (r.root(), r.namespace())).collect();
        assert_eq!(
            got,
            [
                ("app/overlays/dev", Some("dev-ns")),
                ("app/overlays/prd", Some("inner"))
            ]
        );
    }

    #[test]
    fn cycles_and_climbing_paths_end() {
        let a = parse("resources: [../b]\n");
        let b = parse("resources: [../a, x.yaml]\n");
        let kusts: BTreeMap<String, &Node> = [("a".to_string(), &a), ("b".to_string(), &b)]
            .into_iter()
            .collect();
        let files: BTreeSet<String> = ["b/x.yaml".to_string()].into();
        // Both are referenced: neither is a root, nothing is followed.
        assert!(Graph::build(&kusts, &files, &BTreeMap::new()).is_empty());
        assert_eq!(join("a", "../../x"), None);
        assert_eq!(join("a/b", "../c/./d.yaml").as_deref(), Some("a/c/d.yaml"));
    }
}
