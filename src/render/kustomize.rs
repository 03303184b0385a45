//! Kustomize layout: `apps/<component>/base/` and `apps/<component>/overlays/<env>/`.
//!
//! What is the same in every environment goes to the base; an overlay sets the
//! namespace, the env label (`labels`, never `commonLabels`), image tags
//! (`images`), replica counts (`replicas`), and patches a workload whose
//! environments differ only in its containers' env and resources. Anything else
//! that differs lives whole in the overlay. The decision is made per object by
//! comparing the environments' renders, so it is deterministic and always builds.

use serde_json::{json, Map, Value as J};
use std::collections::{BTreeMap, BTreeSet};

use super::meta::ENV_LABEL;
use super::{BuiltObject, Bundle, Component, EnvRender, Object, Source, HEADER};
use crate::model::Model;
use crate::yaml::emit::to_yaml;
use same::Apart;

mod same;

const KUSTOMIZE_API: &str = "kustomize.config.k8s.io/v1beta1";

pub fn component_dir(component: &str) -> String {
    format!("apps/{component}")
}

pub fn overlay_dir(component: &str, env: &str) -> String {
    format!("apps/{component}/overlays/{env}")
}

fn file_name(o: &Object) -> String {
    format!("{}-{}.yaml", o.kind().to_ascii_lowercase(), o.name())
}

fn is_workload(o: &Object) -> bool {
    matches!(o.kind(), "Deployment" | "StatefulSet")
}

fn containers_mut(v: &mut J) -> Vec<&mut J> {
    match v
        .pointer_mut("/spec/template/spec/containers")
        .and_then(J::as_array_mut)
    {
        Some(cs) => cs.iter_mut().collect(),
        None => Vec::new(),
    }
}

fn image_repo(image: &str) -> String {
    crate::spec::types::ImageRef::parse(image).map_or_else(|_| image.to_string(), |r| r.repository)
}

fn patch_for(o: &Object) -> J {
    let containers: Vec<J> = o
        .value
        .pointer("/spec/template/spec/containers")
        .and_then(J::as_array)
        .map(|cs| {
            cs.iter()
                .map(|c| {
                    let mut m = Map::new();
                    m.insert("name".into(), c["name"].clone());
                    for k in ["env", "resources"] {
                        if let Some(x) = c.get(k) {
                            m.insert(k.into(), x.clone());
                        }
                    }
                    J::Object(m)
                })
                .collect()
        })
        .unwrap_or_default();
    json!({
        "apiVersion": o.value["apiVersion"],
        "kind": o.kind(),
        "metadata": { "name": o.name() },
        "spec": { "template": { "spec": { "containers": containers } } },
    })
}

/// Base version of a workload placed by patch: the stripped object with the
/// first env's replicas and image, so the base itself builds and reads well.
fn patched_base(o: &Object) -> J {
    let mut v = o.value.clone();
    for c in containers_mut(&mut v) {
        if let Some(m) = c.as_object_mut() {
            m.shift_remove("env");
            m.shift_remove("resources");
        }
    }
    v
}

#[derive(Clone, Copy)]
enum Placement {
    Base,
    BasePatched,
    Overlay,
}

fn doc(value: &J) -> String {
    format!("{HEADER}\n{}", to_yaml(value))
}

pub fn layout(model: &Model, renders: &[EnvRender], bundle: &mut Bundle) {
    let names: BTreeSet<&str> = renders
        .iter()
        .flat_map(|r| r.components.iter())
        .filter(|c| c.source == Source::Manifests)
        .map(|c| c.name.as_str())
        .collect();
    let by_env: Vec<(&str, BTreeMap<&str, &Component>)> = renders
        .iter()
        .map(|r| {
            let m = r.components.iter().map(|c| (c.name.as_str(), c)).collect();
            (r.env.as_str(), m)
        })
        .collect();
    for name in names {
        let envs: Vec<(&str, &Component)> = by_env
            .iter()
            .filter_map(|(env, m)| m.get(name).map(|c| (*env, *c)))
            .collect();
        layout_component(model, name, &envs, bundle);
    }
}

type Key<'a> = (&'a str, &'a str);

/// Each env's objects by (kind, name): placement and the overlays look objects
/// up here instead of scanning, so layout is linear in envs × objects.
fn index<'a>(envs: &[(&str, &'a Component)]) -> Vec<BTreeMap<Key<'a>, &'a Object>> {
    envs.iter()
        .map(|(_, c)| {
            c.objects
                .iter()
                .map(|x| ((x.kind(), x.name()), x))
                .collect()
        })
        .collect()
}

fn placement(o: &Object, envs: &[BTreeMap<Key<'_>, &Object>]) -> Placement {
    let same = |apart| {
        envs.iter().all(|m| {
            m.get(&(o.kind(), o.name()))
                .is_some_and(|x| same::same(o, x, apart))
        })
    };
    if same(Apart::OverlayFields) {
        Placement::Base
    } else if is_workload(o) && same(Apart::PatchFields) {
        Placement::BasePatched
    } else {
        Placement::Overlay
    }
}

fn layout_component(_model: &Model, name: &str, envs: &[(&str, &Component)], bundle: &mut Bundle) {
    let Some((_, first)) = envs.first() else {
        return;
    };
    let dir = component_dir(name);
    let by_env = index(envs);
    // Computed once per object of the first env: the overlays only look them up.
    let placements: BTreeMap<Key<'_>, Placement> = first
        .objects
        .iter()
        .map(|o| ((o.kind(), o.name()), placement(o, &by_env)))
        .collect();
    let mut base_files: Vec<String> = Vec::new();
    let mut base_workloads: BTreeSet<Key<'_>> = BTreeSet::new();
    let mut patched: BTreeSet<Key<'_>> = BTreeSet::new();
    for o in &first.objects {
        let key = (o.kind(), o.name());
        match placements.get(&key).copied().unwrap_or(Placement::Overlay) {
            Placement::Base => {
                bundle
                    .files
                    .insert(format!("{dir}/base/{}", file_name(o)), doc(&o.value));
                base_files.push(file_name(o));
                if is_workload(o) {
                    base_workloads.insert(key);
                }
            }
            Placement::BasePatched => {
                bundle.files.insert(
                    format!("{dir}/base/{}", file_name(o)),
                    doc(&patched_base(o)),
                );
                base_files.push(file_name(o));
                base_workloads.insert(key);
                patched.insert(key);
            }
            Placement::Overlay => {}
        }
    }
    bundle.files.insert(
        format!("{dir}/base/kustomization.yaml"),
        doc(&json!({ "apiVersion": KUSTOMIZE_API, "kind": "Kustomization", "resources": base_files })),
    );

    for (env, comp) in envs {
        let odir = overlay_dir(name, env);
        let mut resources = vec![J::from("../../base")];
        let mut patches = Vec::new();
        let mut images: Vec<J> = Vec::new();
        let mut replicas: Vec<J> = Vec::new();
        for o in &comp.objects {
            let key = (o.kind(), o.name());
            let in_base = placements
                .get(&key)
                .is_some_and(|p| !matches!(p, Placement::Overlay));
            let path = if in_base {
                if patched.contains(&key) {
                    let patch = format!("patch-{}", file_name(o));
                    bundle
                        .files
                        .insert(format!("{odir}/{patch}"), doc(&patch_for(o)));
                    patches.push(json!({ "path": patch }));
                }
                if base_workloads.contains(&key) {
                    overlay_fields(o, &mut images, &mut replicas);
                }
                format!("{dir}/base/{}", file_name(o))
            } else {
                bundle
                    .files
                    .insert(format!("{odir}/{}", file_name(o)), doc(&o.value));
                resources.push(J::from(file_name(o)));
                format!("{odir}/{}", file_name(o))
            };
            bundle.objects.push(BuiltObject {
                env: (*env).to_string(),
                component: name.to_string(),
                object: built(o, comp, env),
                file: path,
            });
        }
        let mut k = Map::new();
        k.insert("apiVersion".into(), J::from(KUSTOMIZE_API));
        k.insert("kind".into(), J::from("Kustomization"));
        if let (Some(ns), false) = (&comp.namespace, comp.own_namespaces) {
            k.insert("namespace".into(), J::from(ns.as_str()));
        }
        k.insert("resources".into(), J::Array(resources));
        k.insert(
            "labels".into(),
            json!([{ "pairs": { ENV_LABEL: env }, "includeSelectors": false, "includeTemplates": true }]),
        );
        images.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
        images.dedup();
        if !images.is_empty() {
            k.insert("images".into(), J::Array(images));
        }
        if !replicas.is_empty() {
            k.insert("replicas".into(), J::Array(replicas));
        }
        if !patches.is_empty() {
            k.insert("patches".into(), J::Array(patches));
        }
        bundle
            .files
            .insert(format!("{odir}/kustomization.yaml"), doc(&J::Object(k)));
    }
}

fn overlay_fields(o: &Object, images: &mut Vec<J>, replicas: &mut Vec<J>) {
    if let Some(n) = o.value.pointer("/spec/replicas") {
        replicas.push(json!({ "name": o.name(), "count": n }));
    }
    if let Some(cs) = o
        .value
        .pointer("/spec/template/spec/containers")
        .and_then(J::as_array)
    {
        for c in cs {
            let Some(img) = c.get("image").and_then(J::as_str) else {
                continue;
            };
            let Ok(r) = crate::spec::types::ImageRef::parse(img) else {
                continue;
            };
            let mut e = json!({ "name": r.repository });
            match (&r.digest, &r.tag) {
                (Some(d), _) => e["digest"] = J::from(d.as_str()),
                (None, Some(t)) => e["newTag"] = J::from(t.as_str()),
                (None, None) => continue,
            }
            images.push(e);
        }
    }
}

/// The object as `kubectl kustomize` of the overlay outputs it: namespace and
/// env label applied (to the pod template too, as `includeTemplates` does).
fn built(o: &Object, comp: &Component, env: &str) -> Object {
    let mut v = o.value.clone();
    if let (Some(ns), false) = (&comp.namespace, comp.own_namespaces) {
        v["metadata"]["namespace"] = J::from(ns.as_str());
    }
    for ptr in ["/metadata/labels", "/spec/template/metadata/labels"] {
        if let Some(l) = v.pointer_mut(ptr).and_then(J::as_object_mut) {
            l.insert(ENV_LABEL.into(), J::from(env));
        }
    }
    // `includeTemplates` reaches StatefulSet volume claim templates too.
    if let Some(claims) = v
        .pointer_mut("/spec/volumeClaimTemplates")
        .and_then(J::as_array_mut)
    {
        for claim in claims {
            if let Some(meta) = claim.get_mut("metadata").and_then(J::as_object_mut) {
                let labels = meta.entry("labels").or_insert_with(|| json!({}));
                labels[ENV_LABEL] = J::from(env);
            }
        }
    }
    Object {
        value: v,
        origin: o.origin,
        fields: o.fields.clone(),
    }
}
