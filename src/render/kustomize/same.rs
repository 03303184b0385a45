//! Whether an object is the same in every environment once what the
//! overlays set is set aside: compared in place, field by field, rather than
//! on stripped copies (a render of 50 environments compared each object's
//! copy 50 times over).

use serde_json::{Map, Value as J};

use super::{image_repo, is_workload};
use crate::render::Object;

/// What the overlays may set differently per environment.
#[derive(Clone, Copy)]
pub enum Apart {
    /// `replicas` and image tags (kustomize's `replicas` and `images`).
    OverlayFields,
    /// Those, and containers' `env` and `resources` (a patch per overlay).
    PatchFields,
}

/// Whether `a` and `b` (the same kind and name in two environments) are
/// equal apart from what `apart` names. Only workloads have such fields.
pub fn same(a: &Object, b: &Object, apart: Apart) -> bool {
    if !is_workload(a) {
        return a.value == b.value;
    }
    // root: everything but `spec` as is.
    nested(&a.value, &b.value, "spec", &[], |a, b| {
        // spec: `replicas` set aside, `template` looked into.
        nested(a, b, "template", &["replicas"], |a, b| {
            nested(a, b, "spec", &[], |a, b| {
                nested(a, b, "containers", &[], |a, b| containers(a, b, apart))
            })
        })
    })
}

/// Two values equal when both are objects whose keys are equal but for
/// `ignored` (absent or not on either side) and `inner`, compared by
/// `compare` when both have it; values that are not both objects compare as
/// they are.
fn nested(a: &J, b: &J, inner: &str, ignored: &[&str], compare: impl Fn(&J, &J) -> bool) -> bool {
    let (Some(ma), Some(mb)) = (a.as_object(), b.as_object()) else {
        return a == b;
    };
    let skip = |k: &str| k == inner || ignored.contains(&k);
    same_keys_but(ma, mb, &skip)
        && match (ma.get(inner), mb.get(inner)) {
            (Some(x), Some(y)) => compare(x, y),
            (None, None) => true,
            _ => false,
        }
}

/// The entries of two maps are equal, those whose key `skip` names aside.
fn same_keys_but(a: &Map<String, J>, b: &Map<String, J>, skip: &impl Fn(&str) -> bool) -> bool {
    let kept = |m: &Map<String, J>| m.keys().filter(|k| !skip(k)).count();
    kept(a) == kept(b)
        && a.iter()
            .filter(|(k, _)| !skip(k))
            .all(|(k, v)| b.get(k) == Some(v))
}

fn containers(a: &J, b: &J, apart: Apart) -> bool {
    let (Some(ca), Some(cb)) = (a.as_array(), b.as_array()) else {
        return a == b;
    };
    ca.len() == cb.len() && ca.iter().zip(cb).all(|(x, y)| container(x, y, apart))
}

fn container(a: &J, b: &J, apart: Apart) -> bool {
    let (Some(ma), Some(mb)) = (a.as_object(), b.as_object()) else {
        return a == b;
    };
    let patched = |k: &str| matches!(apart, Apart::PatchFields) && matches!(k, "env" | "resources");
    let skip = |k: &str| k == "image" || patched(k);
    // An image that is a string is compared by repository (the tag is the
    // overlay's); any other value as it is.
    let image = |m: &Map<String, J>| {
        m.get("image").map(|i| {
            i.as_str()
                .map_or_else(|| i.clone(), |s| J::from(image_repo(s)))
        })
    };
    same_keys_but(ma, mb, &skip) && image(ma) == image(mb)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The definition, on copies: what the overlays set, removed.
    fn stripped(o: &Object, apart: Apart) -> J {
        let mut v = o.value.clone();
        if is_workload(o) {
            if let Some(spec) = v.get_mut("spec").and_then(J::as_object_mut) {
                spec.shift_remove("replicas");
            }
            if let Some(cs) = v
                .pointer_mut("/spec/template/spec/containers")
                .and_then(J::as_array_mut)
            {
                for c in cs {
                    if let Some(img) = c.get("image").and_then(J::as_str) {
                        c["image"] = J::from(image_repo(img));
                    }
                    if let (Apart::PatchFields, Some(m)) = (apart, c.as_object_mut()) {
                        m.shift_remove("env");
                        m.shift_remove("resources");
                    }
                }
            }
        }
        v
    }

    fn object(value: J) -> Object {
        Object {
            value,
            origin: crate::yaml::Span::default(),
            fields: Vec::new(),
        }
    }

    #[test]
    fn comparing_in_place_agrees_with_comparing_stripped_copies() {
        let base = json!({
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": { "name": "api" },
            "spec": { "replicas": 2, "template": { "metadata": { "labels": { "a": "b" } },
                "spec": { "containers": [ { "name": "api", "image": "ghcr.io/x/api:1.0",
                    "env": [ { "name": "A", "value": "1" } ], "resources": { "limits": { "cpu": "1" } } } ] } } }
        });
        let variants: Vec<J> = vec![
            base.clone(),
            // What overlays set: equal apart from them.
            json!({"spec": {"replicas": 5}}),
            json!({"spec": {"template": {"spec": {"containers": [ { "image": "ghcr.io/x/api:2.0" } ]}}}}),
            // What a patch carries.
            json!({"spec": {"template": {"spec": {"containers": [ { "env": [] } ]}}}}),
            json!({"spec": {"template": {"spec": {"containers": [ { "resources": null } ]}}}}),
            // Real differences.
            json!({"spec": {"template": {"spec": {"containers": [ { "image": "ghcr.io/y/api:1.0" } ]}}}}),
            json!({"spec": {"template": {"spec": {"containers": [ { "image": 7 } ]}}}}),
            json!({"spec": {"template": {"metadata": {"labels": {"a": "c"}}}}}),
            json!({"metadata": {"name": "api", "labels": {"x": "y"}}}),
            json!({"spec": {"template": {"spec": {"containers": [ { "name": "other" } ]}}}}),
            json!({"spec": {"template": {"spec": {"containers": "none"}}}}),
            json!({"spec": {"selector": {}}}),
            json!({"spec": "none"}),
        ];
        let merge = |patch: &J| {
            let mut v = base.clone();
            json_patch(&mut v, patch);
            v
        };
        let objects: Vec<Object> = variants.iter().map(|p| object(merge(p))).collect();
        let mut without_replicas = base.clone();
        if let Some(s) = without_replicas["spec"].as_object_mut() {
            s.shift_remove("replicas");
        }
        let mut all = objects;
        all.push(object(without_replicas));
        all.push(object(json!({"kind": "ConfigMap", "data": {"a": "1"}})));
        all.push(object(json!({"kind": "ConfigMap", "data": {"a": "2"}})));
        let mut differing = 0;
        for a in &all {
            for b in &all {
                if a.kind() != b.kind() {
                    continue;
                }
                for apart in [Apart::OverlayFields, Apart::PatchFields] {
                    let expected = stripped(a, apart) == stripped(b, apart);
                    differing += usize::from(!expected);
                    assert_eq!(same(a, b, apart), expected, "{}\n{}", a.value, b.value);
                }
            }
        }
        assert!(differing > 0, "the cases include real differences");
    }

    /// Merges `patch` into `v` (objects merged, containers' first item
    /// merged, anything else replaced).
    fn json_patch(v: &mut J, patch: &J) {
        match (v, patch) {
            (J::Object(m), J::Object(p)) => {
                for (k, pv) in p {
                    json_patch(m.entry(k.clone()).or_insert(J::Null), pv);
                }
            }
            (J::Array(items), J::Array(p)) if !items.is_empty() && p.len() == 1 => {
                json_patch(&mut items[0], &p[0]);
            }
            (v, p) => *v = p.clone(),
        }
    }
}
