//! What one kustomization does to the objects it builds, in kustomize's order:
//! patches, then labels and annotations, images and replicas. Values a
//! kustomization sets keep their own position, so a finding about a tag set
//! under `images:` points there.

use std::collections::BTreeMap;

use crate::yaml::{Node, Span, Value};

#[derive(Debug, Default)]
pub struct Layer {
    /// The kustomization's folder.
    pub dir: Box<str>,
    pub namespace: Option<String>,
    labels: Vec<Labels>,
    annotations: Vec<(Node, Node)>,
    images: Vec<Image>,
    replicas: Vec<(String, Node)>,
    patches: Vec<super::patch::Patch>,
}

#[derive(Debug)]
struct Labels {
    pairs: Vec<(Node, Node)>,
    selectors: bool,
    templates: bool,
}

#[derive(Debug)]
struct Image {
    name: String,
    new_name: Option<String>,
    new_tag: Option<String>,
    digest: Option<String>,
    span: Span,
}

pub(super) fn text(n: Option<&Node>) -> Option<String> {
    n.and_then(Node::scalar_text)
}

fn map_entries(n: Option<&Node>) -> Vec<(Node, Node)> {
    n.and_then(Node::as_map)
        .map(<[_]>::to_vec)
        .unwrap_or_default()
}

impl Layer {
    pub fn read(dir: &str, k: &Node, patch_files: &BTreeMap<String, Vec<Node>>) -> Layer {
        let mut layer = Layer {
            dir: dir.into(),
            namespace: text(k.get("namespace")),
            annotations: map_entries(k.get("commonAnnotations")),
            ..Layer::default()
        };
        let common = map_entries(k.get("commonLabels"));
        if !common.is_empty() {
            layer.labels.push(Labels {
                pairs: common,
                selectors: true,
                templates: true,
            });
        }
        for l in k.get("labels").and_then(Node::as_seq).unwrap_or_default() {
            let selectors = l.get("includeSelectors").and_then(Node::as_bool) == Some(true);
            layer.labels.push(Labels {
                pairs: map_entries(l.get("pairs")),
                selectors,
                templates: selectors
                    || l.get("includeTemplates").and_then(Node::as_bool) == Some(true),
            });
        }
        for i in k.get("images").and_then(Node::as_seq).unwrap_or_default() {
            if let Some(name) = text(i.get("name")) {
                layer.images.push(Image {
                    name,
                    new_name: text(i.get("newName")),
                    new_tag: text(i.get("newTag")),
                    digest: text(i.get("digest")),
                    span: i.span,
                });
            }
        }
        for r in k.get("replicas").and_then(Node::as_seq).unwrap_or_default() {
            if let (Some(name), Some(count)) = (text(r.get("name")), r.get("count")) {
                layer.replicas.push((name, count.clone()));
            }
        }
        layer.patches = super::patch::read_patches(dir, k, patch_files);
        layer
    }

    /// The object after this layer.
    pub fn apply(&self, node: Node) -> Node {
        let mut node = node;
        for p in &self.patches {
            node = p.apply(node);
        }
        let kind = text(node.get("kind")).unwrap_or_default();
        let template = template_path(&kind);
        for l in &self.labels {
            node = add_pairs(node, &["metadata", "labels"], &l.pairs);
            if l.templates {
                if let Some(t) = template {
                    let path: Vec<&str> = t.iter().copied().chain(["metadata", "labels"]).collect();
                    node = add_pairs(node, &path, &l.pairs);
                }
            }
            if l.selectors {
                match (kind.as_str(), template) {
                    ("Service", _) => node = add_pairs(node, &["spec", "selector"], &l.pairs),
                    (_, Some(_)) => {
                        node = add_pairs(node, &["spec", "selector", "matchLabels"], &l.pairs);
                    }
                    _ => {}
                }
            }
        }
        if !self.annotations.is_empty() {
            node = add_pairs(node, &["metadata", "annotations"], &self.annotations);
            if let Some(t) = template {
                let path: Vec<&str> = t
                    .iter()
                    .copied()
                    .chain(["metadata", "annotations"])
                    .collect();
                node = add_pairs(node, &path, &self.annotations);
            }
        }
        if !self.images.is_empty() {
            node = self.set_images(node, &kind);
        }
        let name = node
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Node::scalar_text);
        if matches!(
            kind.as_str(),
            "Deployment" | "StatefulSet" | "ReplicaSet" | "ReplicationController"
        ) {
            if let Some((_, count)) = self.replicas.iter().find(|(n, _)| Some(n) == name.as_ref()) {
                node = set(node, &["spec", "replicas"], count.clone());
            }
        }
        node
    }

    fn set_images(&self, mut node: Node, kind: &str) -> Node {
        let pod: Vec<&str> = match kind {
            "Pod" => vec!["spec"],
            "CronJob" => vec!["spec", "jobTemplate", "spec", "template", "spec"],
            _ => match template_path(kind) {
                Some(t) => t.iter().copied().chain(["spec"]).collect(),
                None => return node,
            },
        };
        for list in ["initContainers", "containers"] {
            let path: Vec<&str> = pod.iter().copied().chain([list]).collect();
            let Some(items) = node.pointer(path.iter().copied()).and_then(Node::as_seq) else {
                continue;
            };
            let items: Vec<Node> = items
                .iter()
                .map(|c| {
                    let Some(image) = c.get("image").and_then(Node::as_str) else {
                        return c.clone();
                    };
                    match self.images.iter().find_map(|i| i.rewrite(image)) {
                        Some((new, span)) => set(c.clone(), &["image"], str_node(&new, span)),
                        None => c.clone(),
                    }
                })
                .collect();
            let span = node
                .pointer(path.iter().copied())
                .map_or(node.span, |n| n.span);
            node = set(
                node,
                &path,
                Node {
                    value: Value::Seq(items.into()),
                    span,
                },
            );
        }
        node
    }
}

impl Image {
    /// The image reference after this rule, when it names the image.
    fn rewrite(&self, image: &str) -> Option<(String, Span)> {
        let (name, suffix) = split_image(image);
        if name != self.name {
            return None;
        }
        let new_name = self.new_name.as_deref().unwrap_or(name);
        let suffix = match (&self.digest, &self.new_tag) {
            (Some(d), _) => format!("@{d}"),
            (None, Some(t)) => format!(":{t}"),
            (None, None) => suffix.to_string(),
        };
        Some((format!("{new_name}{suffix}"), self.span))
    }
}

/// An image reference as name and the `:tag` / `@digest` after it.
fn split_image(image: &str) -> (&str, &str) {
    if let Some(at) = image.find('@') {
        let (name, rest) = image.split_at(at);
        let name = match name.rfind(':') {
            Some(c) if !name[c..].contains('/') => &name[..c],
            _ => name,
        };
        return (name, &image[image.len() - rest.len()..]);
    }
    match image.rfind(':') {
        Some(c) if !image[c..].contains('/') => image.split_at(c),
        _ => (image, ""),
    }
}

/// Where a kind keeps its pod template.
fn template_path(kind: &str) -> Option<&'static [&'static str]> {
    match kind {
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "Job"
        | "ReplicationController" => Some(&["spec", "template"]),
        _ => None,
    }
}

pub(super) fn str_node(s: &str, span: Span) -> Node {
    Node {
        value: Value::Str(s.into()),
        span,
    }
}

/// Adds `pairs` to the map at `path` (made when missing), replacing same keys.
fn add_pairs(node: Node, path: &[&str], pairs: &[(Node, Node)]) -> Node {
    let span = pairs.first().map_or(node.span, |(k, _)| k.span);
    let mut entries = map_entries(node.pointer(path.iter().copied()));
    for (k, v) in pairs {
        match entries.iter_mut().find(|(ek, _)| ek.as_str() == k.as_str()) {
            Some(e) => e.1 = v.clone(),
            None => entries.push((k.clone(), v.clone())),
        }
    }
    let span = node.pointer(path.iter().copied()).map_or(span, |n| n.span);
    set(
        node,
        path,
        Node {
            value: Value::Map(entries.into()),
            span,
        },
    )
}

/// `node` with `value` at the map path `path`, maps made on the way.
fn set(node: Node, path: &[&str], value: Node) -> Node {
    let Some((first, rest)) = path.split_first() else {
        return value;
    };
    let span = node.span;
    match node.value {
        Value::Map(entries) => {
            let mut entries = entries.into_vec();
            match entries.iter_mut().find(|(k, _)| k.as_str() == Some(first)) {
                Some(e) => {
                    let old = std::mem::replace(&mut e.1, str_node("", span));
                    e.1 = set(old, rest, value);
                }
                None => {
                    let empty = Node {
                        value: Value::Map(Box::new([])),
                        span: value.span,
                    };
                    let key_span = value.span;
                    entries.push((str_node(first, key_span), set(empty, rest, value)));
                }
            }
            Node {
                value: Value::Map(entries.into()),
                span,
            }
        }
        Value::Seq(items) => {
            let mut items = items.into_vec();
            if let Some(item) = first.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                let old = std::mem::replace(item, str_node("", span));
                *item = set(old, rest, value);
            }
            Node {
                value: Value::Seq(items.into()),
                span,
            }
        }
        other => Node { value: other, span },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn parse(text: &str) -> Node {
        crate::yaml::parse_single(text, FileId::default()).unwrap()
    }

    fn yaml(n: &Node) -> serde_json::Value {
        n.to_json()
    }

    const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: api }\nspec:\n  replicas: 1\n  selector: { matchLabels: { app: api } }\n  template:\n    metadata: { labels: { app: api } }\n    spec:\n      containers:\n        - { name: api, image: \"ghcr.io/x/api:1.0\", env: [{ name: A, value: a }] }\n        - { name: side, image: \"busybox\" }\n";

    #[test]
    fn strategic_merge_pairs_containers_and_env_by_name() {
        let patch = parse("apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: api }\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          env: [{ name: B, value: b }]\n        - { name: side, $patch: delete }\n");
        let mut files = BTreeMap::new();
        files.insert("o/p.yaml".to_string(), vec![patch]);
        let k = parse("patches: [{ path: p.yaml }]\n");
        let out = Layer::read("o", &k, &files).apply(parse(DEPLOY));
        let c = &yaml(&out)["spec"]["template"]["spec"]["containers"];
        assert_eq!(c.as_array().unwrap().len(), 1, "{c}");
        assert_eq!(c[0]["image"], "ghcr.io/x/api:1.0");
        assert_eq!(c[0]["env"][1]["name"], "B", "{c}");
    }

    #[test]
    fn json_patches_labels_images_and_replicas() {
        let k = parse("commonLabels: { team: a }\nimages: [{ name: ghcr.io/x/api, newTag: \"2.0\" }, { name: busybox, digest: \"sha256:abc\" }]\nreplicas: [{ name: api, count: 3 }]\npatches:\n  - target: { kind: Deployment, name: \"a.*\" }\n    patch: |-\n      - op: replace\n        path: /spec/template/spec/containers/0/name\n        value: main\n      - op: add\n        path: /metadata/annotations\n        value: { x: y }\n");
        let out = yaml(&Layer::read("o", &k, &BTreeMap::new()).apply(parse(DEPLOY)));
        let spec = &out["spec"];
        assert_eq!(spec["replicas"], 3);
        assert_eq!(spec["selector"]["matchLabels"]["team"], "a");
        assert_eq!(spec["template"]["metadata"]["labels"]["team"], "a");
        assert_eq!(out["metadata"]["labels"]["team"], "a");
        assert_eq!(out["metadata"]["annotations"]["x"], "y");
        let c = &spec["template"]["spec"]["containers"];
        assert_eq!(c[0]["name"], "main");
        assert_eq!(c[0]["image"], "ghcr.io/x/api:2.0");
        assert_eq!(c[1]["image"], "busybox@sha256:abc");
    }

    #[test]
    fn image_names_split_at_the_tag_not_the_registry_port() {
        assert_eq!(split_image("reg:5000/a/b:1.2"), ("reg:5000/a/b", ":1.2"));
        assert_eq!(split_image("reg:5000/a/b"), ("reg:5000/a/b", ""));
        assert_eq!(split_image("a@sha256:1"), ("a", "@sha256:1"));
        assert_eq!(split_image("a:1@sha256:1"), ("a", "@sha256:1"));
    }
}
