//! The objects of a render as lint documents: each knows the spec span that
//! caused it and the rendered file it is written to, so findings point at
//! the spec line a user edits.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::input::{Doc, Origin};
use crate::render::Bundle;
use crate::source::{FileId, Sources};
use crate::yaml::{self, Node, Pos, Span, Value};

/// A JSON value as a node tree (positionless: rendered objects are located
/// through their spec span and their rendered file instead).
pub fn json_to_node(v: &serde_json::Value, file: FileId) -> Node {
    use serde_json::Value as J;
    let span = Span {
        file,
        start: Pos::default(),
        end: Pos::default(),
    };
    let value = match v {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => n
            .as_i64()
            .map_or_else(|| Value::Float(n.as_f64().unwrap_or(0.0)), Value::Int),
        J::String(s) => Value::Str(s.as_str().into()),
        J::Array(a) => Value::Seq(a.iter().map(|x| json_to_node(x, file)).collect()),
        J::Object(m) => Value::Map(
            m.iter()
                .map(|(k, x)| {
                    (
                        Node {
                            value: Value::Str(k.as_str().into()),
                            span,
                        },
                        json_to_node(x, file),
                    )
                })
                .collect(),
        ),
    };
    Node { value, span }
}

/// The objects of a render, each with its spec span and rendered file.
pub fn from_bundle(
    bundle: &Bundle,
    output: &str,
    sources: &mut Sources,
    production: &BTreeMap<String, bool>,
) -> Vec<Doc> {
    let mut file_ids: BTreeMap<&str, (FileId, Vec<Node>)> = BTreeMap::new();
    for b in &bundle.objects {
        if file_ids.contains_key(b.file.as_str()) {
            continue;
        }
        let text = bundle.files.get(&b.file).cloned().unwrap_or_default();
        let id = sources.add(format!("{output}/{}", b.file), PathBuf::from(&b.file), text);
        let nodes = yaml::parse_stream(&sources.text(id), id).unwrap_or_default();
        file_ids.insert(&b.file, (id, nodes));
    }
    bundle
        .objects
        .iter()
        .map(|b| {
            let (id, nodes) = &file_ids[b.file.as_str()];
            let file_node = nodes
                .iter()
                .find(|n| {
                    n.get("kind").and_then(Node::as_str) == Some(b.object.kind())
                        && n.pointer(["metadata", "name"]).and_then(Node::as_str)
                            == Some(b.object.name())
                })
                .cloned();
            Doc {
                path_env: None,
                namespace_hint: None,
                dir: Path::new(&b.file)
                    .parent()
                    .map(|d| d.to_string_lossy().replace('\\', "/"))
                    .unwrap_or_default(),
                file: *id,
                node: json_to_node(&b.object.value, *id),
                env: Some(b.env.clone()),
                production: production.get(&b.env).copied(),
                origin: Origin::Rendered {
                    spec: b.object.origin,
                    fields: b.object.fields.clone(),
                    file: b.file.clone(),
                    file_node,
                },
                is_patch: false,
                kind_hint: None,
                derived: false,
                built: false,
                values: Default::default(),
            }
        })
        .flat_map(|d| {
            let made = helm_values(&d);
            std::iter::once(d).chain(made)
        })
        .chain(read_as_files(bundle, output, sources, production))
        .collect()
}

/// The objects the Helm values of a rendered Application become, read from
/// its rendered file as `lint` reads them (so `check` and `lint` of the
/// output judge the same objects, at the same lines).
fn helm_values(d: &Doc) -> Vec<Doc> {
    let Origin::Rendered {
        file_node: Some(node),
        ..
    } = &d.origin
    else {
        return Vec::new();
    };
    super::values::objects(node)
        .into_iter()
        .map(|made| Doc {
            node: made.node,
            kind_hint: made.kind_hint,
            origin: Origin::File,
            derived: true,
            built: false,
            values: Default::default(),
            ..d.clone()
        })
        .collect()
}

/// The render's kustomizations, as read from their files: which folders an
/// overlay pulls in and the namespace it sets decide which Application syncs
/// which object (the sync model), as they do on disk. And the argocd-cm
/// patch, whose health checks decide when a sync wave is Healthy.
fn read_as_files(
    bundle: &Bundle,
    output: &str,
    sources: &mut Sources,
    production: &BTreeMap<String, bool>,
) -> Vec<Doc> {
    let mut out = Vec::new();
    for (file, text) in &bundle.files {
        let path = Path::new(file);
        let kustomization = path.file_name().and_then(|n| n.to_str()) == Some("kustomization.yaml");
        // The argocd-cm patch: which kinds Argo CD judges the health of.
        if !kustomization && file != crate::render::HEALTH_PATCH_FILE {
            continue;
        }
        let id = sources.add(
            format!("{output}/{file}"),
            PathBuf::from(file),
            text.clone(),
        );
        let Ok(nodes) = yaml::parse_stream(&sources.text(id), id) else {
            continue;
        };
        let dir = path
            .parent()
            .map(|d| d.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        // `apps/<component>/overlays/<env>`: the env of an overlay.
        let env = dir
            .rsplit_once("/overlays/")
            .map(|(_, e)| e.to_string())
            .filter(|e| !e.contains('/'));
        for node in nodes {
            out.push(Doc {
                path_env: None,
                namespace_hint: None,
                dir: dir.clone(),
                file: id,
                node,
                production: env.as_ref().and_then(|e| production.get(e).copied()),
                env: env.clone(),
                origin: Origin::File,
                is_patch: false,
                kind_hint: kustomization.then_some(super::input::KUSTOMIZATION_HINT),
                derived: false,
                built: false,
                values: Default::default(),
            });
        }
    }
    out
}
