//! Kustomize patches: which objects a patch targets, strategic merge (list
//! items paired by their merge key, `$patch` directives) and JSON 6902
//! operations. Patch values keep their own position, so a finding about a
//! value a patch sets points at the patch.

use std::collections::BTreeMap;

use super::transform::{str_node, text};
use crate::yaml::{Node, Span, Value};

#[derive(Debug)]
pub(super) struct Patch {
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

pub(super) fn read_patches(dir: &str, k: &Node, files: &BTreeMap<String, Vec<Node>>) -> Vec<Patch> {
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

impl Patch {
    /// The object after this patch, if it targets it.
    pub(super) fn apply(&self, node: Node) -> Node {
        if !self.target.matches(&node) {
            return node;
        }
        match &self.body {
            Body::StrategicMerge(patch) => merge(&node, patch, None).unwrap_or(node),
            Body::Json6902(ops) => ops.iter().fold(node, json_op),
        }
    }
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
