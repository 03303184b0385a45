//! What one kustomization does to the objects it builds, in kustomize's order:
//! patches, then labels and annotations, images and replicas. Values a
//! kustomization sets keep their own position, so a finding about a tag set
//! under `images:` points there.

use std::collections::BTreeMap;

use crate::yaml::{Node, Span, Value};

#[derive(Debug, Default)]
pub struct Layer {
    pub namespace: Option<String>,
    labels: Vec<Labels>,
    annotations: Vec<(Node, Node)>,
    images: Vec<Image>,
    replicas: Vec<(String, Node)>,
    patches: Vec<Patch>,
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

#[derive(Debug)]
struct Patch {
    target: Target,
    body: Body,
}

#[derive(Debug)]
enum Body {
    StrategicMerge(Node),
    Json6902(Vec<Node>),
}

/// Which objects a patch applies to; `None` fields match anything.
#[derive(Debug, Default)]
struct Target {
    group: Option<String>,
    version: Option<String>,
    kind: Option<String>,
    name: Option<String>,
    namespace: Option<String>,
    labels: Vec<(String, String)>,
}

fn text(n: Option<&Node>) -> Option<String> {
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
        layer.patches = read_patches(dir, k, patch_files);
        layer
    }

    /// The object after this layer.
    pub fn apply(&self, node: Node) -> Node {
        let mut node = node;
        for p in &self.patches {
            if p.target.matches(&node) {
                node = match &p.body {
                    Body::StrategicMerge(patch) => merge(&node, patch, None).unwrap_or(node),
                    Body::Json6902(ops) => ops.iter().fold(node, json_op),
                };
            }
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

fn str_node(s: &str, span: Span) -> Node {
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

fn read_patches(dir: &str, k: &Node, files: &BTreeMap<String, Vec<Node>>) -> Vec<Patch> {
    let mut out = Vec::new();
    let from_file = |rel: &str| {
        super::join(dir, rel)
            .and_then(|p| files.get(&p))
            .cloned()
            .unwrap_or_default()
    };
    // Inline patches are text inside the kustomization: their values point
    // at the patch's own entry.
    let inline = |n: &Node| {
        let text = n.as_str()?;
        let parsed = crate::yaml::parse_stream(text, n.span.file).ok()?;
        Some(
            parsed
                .into_iter()
                .map(|d| respan(d, n.span))
                .collect::<Vec<_>>(),
        )
    };
    let bodies = |docs: Vec<Node>, target: Option<&Node>, out: &mut Vec<Patch>| {
        for d in docs {
            let body = match &d.value {
                Value::Seq(ops) => Body::Json6902(ops.to_vec()),
                Value::Map(_) => Body::StrategicMerge(d.clone()),
                _ => continue,
            };
            let target = match target {
                Some(t) => Target::read(t),
                None => Target::of_patch(&d),
            };
            out.push(Patch { target, body });
        }
    };
    for key in ["patches", "patchesJson6902"] {
        for p in k.get(key).and_then(Node::as_seq).unwrap_or_default() {
            let docs = match (p.get("path").and_then(Node::as_str), p.get("patch")) {
                (Some(rel), _) => from_file(rel),
                (None, Some(n)) => inline(n).unwrap_or_default(),
                _ => continue,
            };
            bodies(docs, p.get("target"), &mut out);
        }
    }
    for p in k
        .get("patchesStrategicMerge")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        let Some(s) = p.as_str() else { continue };
        let docs = if s.contains('\n') {
            inline(p).unwrap_or_default()
        } else {
            from_file(s)
        };
        bodies(docs, None, &mut out);
    }
    out
}

fn respan(node: Node, span: Span) -> Node {
    let value = match node.value {
        Value::Seq(items) => Value::Seq(
            items
                .into_vec()
                .into_iter()
                .map(|n| respan(n, span))
                .collect(),
        ),
        Value::Map(entries) => Value::Map(
            entries
                .into_vec()
                .into_iter()
                .map(|(k, v)| (respan(k, span), respan(v, span)))
                .collect(),
        ),
        other => other,
    };
    Node { value, span }
}

impl Target {
    fn read(t: &Node) -> Target {
        Target {
            group: text(t.get("group")),
            version: text(t.get("version")),
            kind: text(t.get("kind")),
            name: text(t.get("name")),
            namespace: text(t.get("namespace")),
            labels: text(t.get("labelSelector"))
                .map(|s| {
                    s.split(',')
                        .filter_map(|kv| kv.split_once('='))
                        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// A strategic-merge patch with no target names its object itself.
    fn of_patch(p: &Node) -> Target {
        let meta = p.get("metadata");
        Target {
            kind: text(p.get("kind")),
            name: text(meta.and_then(|m| m.get("name"))),
            namespace: text(meta.and_then(|m| m.get("namespace"))),
            ..Target::default()
        }
    }

    fn matches(&self, obj: &Node) -> bool {
        let api = text(obj.get("apiVersion")).unwrap_or_default();
        let (group, version) = api.rsplit_once('/').unwrap_or(("", &api));
        let meta = obj.get("metadata");
        let field = |k: &str| text(meta.and_then(|m| m.get(k)));
        let eq = |want: &Option<String>, got: Option<String>| {
            want.as_ref().is_none_or(|w| Some(w) == got.as_ref())
        };
        // kustomize reads a target's name as an anchored pattern; plain names
        // (the common case) compare as text.
        let name_ok = match &self.name {
            None => true,
            Some(w) if w.chars().any(|c| "^$.*+?[](){}|\\".contains(c)) => {
                regex_lite_match(w, &field("name").unwrap_or_default())
            }
            Some(w) => Some(w) == field("name").as_ref(),
        };
        eq(&self.group, Some(group.to_string()))
            && eq(&self.version, Some(version.to_string()))
            && eq(&self.kind, text(obj.get("kind")))
            && name_ok
            && eq(&self.namespace, field("namespace"))
            && self.labels.iter().all(|(k, v)| {
                meta.and_then(|m| m.get("labels"))
                    .and_then(|l| l.get(k))
                    .and_then(Node::scalar_text)
                    .as_deref()
                    == Some(v.as_str())
            })
    }
}

/// Anchored pattern match for a patch target's name.
fn regex_lite_match(pattern: &str, name: &str) -> bool {
    regex::Regex::new(&format!("^(?:{pattern})$")).is_ok_and(|r| r.is_match(name))
}

/// The key kustomize's strategic merge pairs list items by, for a field.
fn merge_key(field: Option<&str>, items: &[Node]) -> Option<&'static str> {
    let key = match field {
        Some("volumeMounts" | "volumeDevices") => "mountPath",
        Some("ports") if items.iter().any(|i| i.get("containerPort").is_some()) => "containerPort",
        Some("ports") => "port",
        _ => "name",
    };
    items
        .iter()
        .all(|i| i.as_map().is_some() && i.get(key).is_some())
        .then_some(key)
}

/// A strategic merge of `patch` into `base`; `None` when the patch deletes it.
fn merge(base: &Node, patch: &Node, field: Option<&str>) -> Option<Node> {
    let directive = patch.get("$patch").and_then(Node::as_str);
    if directive == Some("delete") {
        return None;
    }
    match (&base.value, &patch.value) {
        (Value::Map(b), Value::Map(p)) if directive != Some("replace") => {
            let mut entries: Vec<(Node, Node)> = b.to_vec();
            for (k, v) in p.iter() {
                let Some(key) = k.as_str() else { continue };
                if key.starts_with('$') {
                    continue;
                }
                let at = entries.iter().position(|(ek, _)| ek.as_str() == Some(key));
                match (at, &v.value) {
                    (Some(i), Value::Null) => {
                        entries.remove(i);
                    }
                    (Some(i), _) => match merge(&entries[i].1, v, Some(key)) {
                        Some(m) => entries[i].1 = m,
                        None => {
                            entries.remove(i);
                        }
                    },
                    (None, Value::Null) => {}
                    (None, _) => entries.push((k.clone(), strip_directives(v))),
                }
            }
            Some(Node {
                value: Value::Map(entries.into()),
                span: base.span,
            })
        }
        (Value::Seq(b), Value::Seq(p)) => {
            let Some(key) = merge_key(field, b).filter(|_| merge_key(field, p).is_some()) else {
                return Some(strip_directives(patch));
            };
            let mut items: Vec<Node> = b.to_vec();
            for item in p.iter() {
                let id = item.get(key).and_then(Node::scalar_text);
                let at = items
                    .iter()
                    .position(|i| i.get(key).and_then(Node::scalar_text) == id);
                match at {
                    Some(i) => match merge(&items[i], item, None) {
                        Some(m) => items[i] = m,
                        None => {
                            items.remove(i);
                        }
                    },
                    None if item.get("$patch").and_then(Node::as_str) == Some("delete") => {}
                    None => items.push(strip_directives(item)),
                }
            }
            Some(Node {
                value: Value::Seq(items.into()),
                span: base.span,
            })
        }
        _ => Some(strip_directives(patch)),
    }
}

/// A patch value as it lands in the object: without `$patch` keys.
fn strip_directives(n: &Node) -> Node {
    match &n.value {
        Value::Map(entries) => Node {
            value: Value::Map(
                entries
                    .iter()
                    .filter(|(k, _)| !k.as_str().is_some_and(|k| k.starts_with('$')))
                    .map(|(k, v)| (k.clone(), strip_directives(v)))
                    .collect(),
            ),
            span: n.span,
        },
        Value::Seq(items) => Node {
            value: Value::Seq(items.iter().map(strip_directives).collect()),
            span: n.span,
        },
        _ => n.clone(),
    }
}

/// One JSON patch operation (RFC 6902): `add`, `replace`, `remove`, `copy`
/// and `move`; `test` changes nothing. An operation that does not apply
/// leaves the object as it was (kustomize would stop the build there).
fn json_op(node: Node, op: &Node) -> Node {
    let path = |k: &str| op.get(k).and_then(Node::as_str).map(pointer);
    let Some(kind) = op.get("op").and_then(Node::as_str) else {
        return node;
    };
    let Some(to) = path("path") else { return node };
    match kind {
        "add" | "replace" => match op.get("value") {
            Some(v) => edit(node, &to, Edit::Put(v.clone(), kind == "add")),
            None => node,
        },
        "remove" => edit(node, &to, Edit::Remove),
        "copy" | "move" => {
            let Some(from) = path("from") else {
                return node;
            };
            let Some(v) = node.pointer(from.iter().map(String::as_str)).cloned() else {
                return node;
            };
            let node = if kind == "move" {
                edit(node, &from, Edit::Remove)
            } else {
                node
            };
            edit(node, &to, Edit::Put(v, true))
        }
        _ => node,
    }
}

/// A JSON pointer's segments, unescaped.
fn pointer(p: &str) -> Vec<String> {
    p.split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

enum Edit {
    /// The value, and whether it is inserted (`add`) rather than replacing.
    Put(Node, bool),
    Remove,
}

fn edit(node: Node, path: &[String], e: Edit) -> Node {
    let Some((first, rest)) = path.split_first() else {
        return match e {
            Edit::Put(v, _) => v,
            Edit::Remove => node,
        };
    };
    let span = node.span;
    match node.value {
        Value::Map(entries) => {
            let mut entries = entries.into_vec();
            let at = entries.iter().position(|(k, _)| k.as_str() == Some(first));
            match (at, rest.is_empty(), e) {
                (Some(i), true, Edit::Remove) => {
                    entries.remove(i);
                }
                (Some(i), true, Edit::Put(v, _)) => entries[i].1 = v,
                (None, true, Edit::Put(v, true)) => entries.push((str_node(first, v.span), v)),
                (Some(i), false, e) => {
                    let old = std::mem::replace(&mut entries[i].1, str_node("", span));
                    entries[i].1 = edit(old, rest, e);
                }
                _ => {}
            }
            Node {
                value: Value::Map(entries.into()),
                span,
            }
        }
        Value::Seq(items) => {
            let mut items = items.into_vec();
            let index = if first == "-" {
                Some(items.len())
            } else {
                first.parse::<usize>().ok()
            };
            match (index, rest.is_empty(), e) {
                (Some(i), true, Edit::Remove) if i < items.len() => {
                    items.remove(i);
                }
                (Some(i), true, Edit::Put(v, true)) if i <= items.len() => items.insert(i, v),
                (Some(i), true, Edit::Put(v, false)) if i < items.len() => items[i] = v,
                (Some(i), false, e) if i < items.len() => {
                    let old = std::mem::replace(&mut items[i], str_node("", span));
                    items[i] = edit(old, rest, e);
                }
                _ => {}
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
