//! Object skeletons and the labels every rendered object carries, so the linter
//! can tell env, component and Redis role from the object alone.

use serde_json::{json, Map, Value as J};

use crate::model::Model;

pub const ENV_LABEL: &str = "shipshape.dev/env";
pub const COMPONENT_LABEL: &str = "shipshape.dev/component";
pub const ROLE_LABEL: &str = "shipshape.dev/redis-role";
pub const RELOADER_AUTO: &str = "reloader.stakater.com/auto";
/// Reloader restarts the workload when this Secret changes.
pub const RELOAD_ON_SECRET: &str = "secret.reloader.stakater.com/reload";

/// The env-independent labels of a component's objects. The env label is added
/// by the overlay (`labels:` in kustomization.yaml), so bases stay shareable.
pub fn labels(model: &Model, component: &str) -> Map<String, J> {
    let mut m = Map::new();
    m.insert("app.kubernetes.io/name".into(), J::from(component));
    m.insert(
        "app.kubernetes.io/part-of".into(),
        J::from(model.project.name.as_str()),
    );
    m.insert("app.kubernetes.io/managed-by".into(), J::from("shipshape"));
    m.insert(COMPONENT_LABEL.into(), J::from(component));
    m
}

/// Selector labels: stable for the life of a workload (never the env or version).
pub fn selector(component: &str) -> J {
    json!({ "app.kubernetes.io/name": component })
}

pub fn object(api_version: &str, kind: &str, name: &str, labels: Map<String, J>) -> J {
    json!({
        "apiVersion": api_version,
        "kind": kind,
        "metadata": { "name": name, "labels": labels },
    })
}

/// `object` with a `spec`.
pub fn with_spec(mut obj: J, spec: J) -> J {
    if let Some(m) = obj.as_object_mut() {
        m.insert("spec".into(), spec);
    }
    obj
}

pub fn annotate(obj: &mut J, key: &str, value: &str) {
    if let Some(meta) = obj.get_mut("metadata").and_then(J::as_object_mut) {
        let ann = meta.entry("annotations").or_insert_with(|| json!({}));
        if let Some(a) = ann.as_object_mut() {
            a.insert(key.into(), J::from(value));
        }
    }
}

/// Argo CD leaves the object alone when it leaves the spec (no prune) and when
/// its Application is deleted: removing a database from the spec must not delete
/// its data.
pub const STATEFUL_SYNC_OPTIONS: &str = "Prune=false,Delete=false";

pub fn protect_stateful(obj: &mut J) {
    annotate(
        obj,
        "argocd.argoproj.io/sync-options",
        STATEFUL_SYNC_OPTIONS,
    );
}

/// A container's security context: non-root, no privilege escalation, every
/// capability dropped, RuntimeDefault seccomp, less what the spec relaxes.
pub fn container_security(s: &crate::model::Security) -> J {
    let mut caps = json!({ "drop": ["ALL"] });
    if !s.add_capabilities.is_empty() {
        caps["add"] = J::from(s.add_capabilities.clone());
    }
    let mut c = json!({
        "allowPrivilegeEscalation": s.allow_privilege_escalation,
        "capabilities": caps,
        "runAsNonRoot": !s.run_as_root,
        "seccompProfile": { "type": "RuntimeDefault" },
    });
    if s.run_as_root {
        c["runAsUser"] = J::from(0);
    }
    c
}

/// A PodDisruptionBudget keeping all but one pod of a replicated workload up
/// through node drains.
pub fn disruption_budget(
    model: &Model,
    component: &str,
    name: &str,
    match_labels: Map<String, J>,
) -> J {
    with_spec(
        object(
            "policy/v1",
            "PodDisruptionBudget",
            name,
            labels(model, component),
        ),
        json!({ "maxUnavailable": 1, "selector": { "matchLabels": match_labels } }),
    )
}
