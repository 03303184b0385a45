//! The Kubernetes API's own schemas (1.37, strict: unknown fields are
//! errors) for the built-in kinds most manifests are made of, shipped in the
//! binary (`schemas/kubernetes-1.37`, written by `scripts/vendor-k8s-schemas`)
//! and compiled once per kind, on first use. An object is checked as the API
//! server would decode it: unknown fields, wrong types, missing required
//! fields, values outside an enum.

use std::sync::OnceLock;

use jsonschema::error::ValidationErrorKind;
use serde_json::Value as J;

use super::object::k;
use super::Seg;
use crate::yaml::Node;

/// `(apiVersion, kind, schema)` of every kind checked: the Kubernetes API's,
/// then the custom resources of the operators shipshape targets, at the
/// release the catalogue's current chart ships (`scripts/vendor-crd-schemas`).
static SCHEMAS: &[(&str, &str, &str)] = &[
    (
        "apps/v1",
        "Deployment",
        include_str!("../../schemas/kubernetes-1.37/deployment-apps-v1.json"),
    ),
    (
        "apps/v1",
        "StatefulSet",
        include_str!("../../schemas/kubernetes-1.37/statefulset-apps-v1.json"),
    ),
    (
        "apps/v1",
        "DaemonSet",
        include_str!("../../schemas/kubernetes-1.37/daemonset-apps-v1.json"),
    ),
    (
        "batch/v1",
        "Job",
        include_str!("../../schemas/kubernetes-1.37/job-batch-v1.json"),
    ),
    (
        "batch/v1",
        "CronJob",
        include_str!("../../schemas/kubernetes-1.37/cronjob-batch-v1.json"),
    ),
    (
        "v1",
        "Pod",
        include_str!("../../schemas/kubernetes-1.37/pod-v1.json"),
    ),
    (
        "v1",
        "Service",
        include_str!("../../schemas/kubernetes-1.37/service-v1.json"),
    ),
    (
        "v1",
        "ConfigMap",
        include_str!("../../schemas/kubernetes-1.37/configmap-v1.json"),
    ),
    (
        "v1",
        "Secret",
        include_str!("../../schemas/kubernetes-1.37/secret-v1.json"),
    ),
    (
        "networking.k8s.io/v1",
        "Ingress",
        include_str!("../../schemas/kubernetes-1.37/ingress-networking-v1.json"),
    ),
    (
        "v1",
        "PersistentVolumeClaim",
        include_str!("../../schemas/kubernetes-1.37/persistentvolumeclaim-v1.json"),
    ),
    (
        "v1",
        "ServiceAccount",
        include_str!("../../schemas/kubernetes-1.37/serviceaccount-v1.json"),
    ),
    (
        "v1",
        "Namespace",
        include_str!("../../schemas/kubernetes-1.37/namespace-v1.json"),
    ),
    (
        "networking.k8s.io/v1",
        "NetworkPolicy",
        include_str!("../../schemas/kubernetes-1.37/networkpolicy-networking-v1.json"),
    ),
    (
        "policy/v1",
        "PodDisruptionBudget",
        include_str!("../../schemas/kubernetes-1.37/poddisruptionbudget-policy-v1.json"),
    ),
    (
        "autoscaling/v2",
        "HorizontalPodAutoscaler",
        include_str!("../../schemas/kubernetes-1.37/horizontalpodautoscaler-autoscaling-v2.json"),
    ),
    (
        "rbac.authorization.k8s.io/v1",
        "Role",
        include_str!("../../schemas/kubernetes-1.37/role-rbac-v1.json"),
    ),
    (
        "rbac.authorization.k8s.io/v1",
        "RoleBinding",
        include_str!("../../schemas/kubernetes-1.37/rolebinding-rbac-v1.json"),
    ),
    (
        "rbac.authorization.k8s.io/v1",
        "ClusterRole",
        include_str!("../../schemas/kubernetes-1.37/clusterrole-rbac-v1.json"),
    ),
    (
        "rbac.authorization.k8s.io/v1",
        "ClusterRoleBinding",
        include_str!("../../schemas/kubernetes-1.37/clusterrolebinding-rbac-v1.json"),
    ),
    (
        "postgresql.cnpg.io/v1",
        "Cluster",
        include_str!("../../schemas/crds/postgresql.cnpg.io/cluster_v1.json"),
    ),
    (
        "postgresql.cnpg.io/v1",
        "ScheduledBackup",
        include_str!("../../schemas/crds/postgresql.cnpg.io/scheduledbackup_v1.json"),
    ),
    (
        "external-secrets.io/v1",
        "ExternalSecret",
        include_str!("../../schemas/crds/external-secrets.io/externalsecret_v1.json"),
    ),
    (
        "external-secrets.io/v1",
        "ClusterSecretStore",
        include_str!("../../schemas/crds/external-secrets.io/clustersecretstore_v1.json"),
    ),
    (
        "external-secrets.io/v1",
        "SecretStore",
        include_str!("../../schemas/crds/external-secrets.io/secretstore_v1.json"),
    ),
];
/// The Kubernetes minor the schemas are of.
pub const VERSION: &str = "1.37";

static COMPILED: [OnceLock<Option<jsonschema::Validator>>; 25] = [const { OnceLock::new() }; 25];

/// Whether a kind has a schema here.
pub fn knows(api_version: &str, kind: &str) -> bool {
    index(api_version, kind).is_some()
}

fn index(api_version: &str, kind: &str) -> Option<usize> {
    SCHEMAS
        .iter()
        .position(|(a, k, _)| *a == api_version && *k == kind)
}

fn validator(i: usize) -> Option<&'static jsonschema::Validator> {
    COMPILED
        .get(i)?
        .get_or_init(|| {
            let schema: J = serde_json::from_str(SCHEMAS.get(i)?.2).ok()?;
            // The API server matches `pattern` with Go's RE2: the `regex`
            // engine is the same language, and bounded it compiles small (the
            // default engine took ~100 MB for the External Secrets CRD).
            let patterns = jsonschema::PatternOptions::regex()
                .size_limit(1 << 20)
                .dfa_size_limit(1 << 20);
            // Draft 7 reads these schemas the same (`$ref`s are plain
            // pointers) and compiles them in a third of the memory and time
            // of 2020-12: 156 MB / 0.13 s against 498 MB / 0.5 s for five kinds.
            jsonschema::options()
                .with_draft(jsonschema::Draft::Draft7)
                .with_pattern_options(patterns)
                .build(&schema)
                .ok()
        })
        .as_ref()
}

/// One problem the API server would refuse the object for: where, and what.
pub struct Invalid {
    pub path: Vec<Seg>,
    pub message: String,
}

/// What the schema of the object's kind refuses in it (`None`: no schema
/// for the kind, or the built-in schema does not compile).
pub fn check(api_version: &str, kind: &str, node: &Node) -> Option<Vec<Invalid>> {
    let validator = validator(index(api_version, kind)?)?;
    let mut instance = node.to_json();
    // A SOPS-encrypted file: its `sops` block is removed when it is decrypted
    // before it is applied (Flux, ksops, helm-secrets).
    if let Some(map) = instance.as_object_mut() {
        map.remove("sops");
    }
    let mut out: Vec<Invalid> = Vec::new();
    for err in validator.iter_errors(&instance) {
        let segments: Vec<String> = err
            .instance_path
            .as_str()
            .trim_start_matches('/')
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect();
        // `{{ .value }}` of a template parses as a mapping keyed by a mapping:
        // not what its author wrote, and not a value to judge.
        let at = node.pointer(segments.iter().map(String::as_str));
        if at
            .and_then(Node::as_map)
            .is_some_and(|m| m.iter().any(|(k, _)| k.as_map().is_some()))
        {
            continue;
        }
        let mut path = to_path(node, &segments);
        let field = field_name(&segments, kind);
        let message = match &err.kind {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                for key in unexpected {
                    let mut at = path.clone();
                    at.push(k(key));
                    at.push(Seg::KeyNode);
                    out.push(Invalid {
                        path: at,
                        message: format!("unknown field `{key}` in {field}"),
                    });
                }
                continue;
            }
            ValidationErrorKind::Required { property } => {
                format!(
                    "{field} is missing the required field `{}`",
                    property.as_str().unwrap_or("?")
                )
            }
            // `0644` unquoted: Kubernetes reads YAML 1.1, where it is an
            // octal integer; shipshape's YAML 1.2 reader keeps it as text.
            ValidationErrorKind::Type { .. } if is_octal(&instance, &err.instance_path) => {
                continue;
            }
            ValidationErrorKind::Type { kind: t } => {
                let expected = crate::spec::schema::expected_types(t);
                format!(
                    "{field} must be {expected}, found {}",
                    json_type(&instance, &err.instance_path)
                )
            }
            ValidationErrorKind::Enum { options } => {
                let opts: Vec<String> = options
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect();
                format!("{field} must be one of: {}", opts.join(", "))
            }
            ValidationErrorKind::OneOfNotValid | ValidationErrorKind::AnyOf => {
                format!("{field} must be a string or an integer")
            }
            _ => {
                path = to_path(node, &segments);
                format!("{field} is not valid: {}", short(&err.to_string()))
            }
        };
        out.push(Invalid { path, message });
    }
    Some(out)
}

/// The field as messages name it: `spec`, `ports[0]`, or the kind.
fn field_name(segments: &[String], kind: &str) -> String {
    match segments {
        [] => kind.to_string(),
        [.., list, last] if last.parse::<usize>().is_ok() => format!("`{list}[{last}]`"),
        [.., last] => format!("`{last}`"),
    }
}

/// Values the API server's validation accepts for fields the schema types
/// only as strings.
const ENUMS: &[(&str, &[&str])] = &[
    ("imagePullPolicy", &["Always", "IfNotPresent", "Never"]),
    ("restartPolicy", &["Always", "OnFailure", "Never"]),
    ("protocol", &["TCP", "UDP", "SCTP"]),
    (
        "dnsPolicy",
        &["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"],
    ),
];

/// Fields of a pod spec and of a Service whose values the API server checks
/// against a fixed set.
pub fn enum_problems(obj: &super::Obj) -> Vec<Invalid> {
    let mut out = Vec::new();
    let mut check = |path: Vec<Seg>, n: Option<&Node>, key: &str| {
        let Some(value) = n.and_then(|n| n.get(key)).and_then(Node::as_str) else {
            return;
        };
        if let Some((_, allowed)) = ENUMS.iter().find(|(k, _)| *k == key) {
            if !allowed.contains(&value) {
                let mut at = path;
                at.push(k(key));
                out.push(Invalid {
                    path: at,
                    message: format!("`{key}: {value}` is not one of: {}", allowed.join(", ")),
                });
            }
        }
    };
    for c in obj.containers() {
        check(c.path(), Some(c.node), "imagePullPolicy");
        for (i, p) in c
            .node
            .get("ports")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            check(c.at(&[k("ports"), Seg::Index(i)]), Some(p), "protocol");
        }
    }
    if let Some((base, spec)) = obj.pod_spec() {
        check(base.clone(), Some(spec), "restartPolicy");
        check(base, Some(spec), "dnsPolicy");
    }
    if obj.kind == "Service" && obj.api_version == "v1" {
        let ports = obj
            .get("spec.ports")
            .and_then(Node::as_seq)
            .unwrap_or_default();
        for (i, p) in ports.iter().enumerate() {
            check(
                vec![k("spec"), k("ports"), Seg::Index(i)],
                Some(p),
                "protocol",
            );
        }
        let types = ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"];
        if let Some(t) = obj.get("spec.type").and_then(Node::as_str) {
            if !types.contains(&t) {
                out.push(Invalid {
                    path: vec![k("spec"), k("type")],
                    message: format!("`type: {t}` is not one of: {}", types.join(", ")),
                });
            }
        }
    }
    out
}

/// The segments as a path into our tree (list items by index).
fn to_path(node: &Node, segments: &[String]) -> Vec<Seg> {
    let mut path = Vec::with_capacity(segments.len());
    let mut cur = Some(node);
    for s in segments {
        let is_seq = cur.and_then(Node::as_seq).is_some();
        match (is_seq, s.parse::<usize>()) {
            (true, Ok(i)) => {
                cur = cur.and_then(|n| n.as_seq()).and_then(|items| items.get(i));
                path.push(Seg::Index(i));
            }
            _ => {
                cur = cur.and_then(|n| n.get(s));
                path.push(k(s));
            }
        }
    }
    path
}

fn json_type(instance: &J, ptr: &jsonschema::paths::Location) -> &'static str {
    match instance.pointer(ptr.as_str()) {
        Some(J::String(_)) => "a string",
        Some(J::Number(n)) if n.is_i64() || n.is_u64() => "an integer",
        Some(J::Number(_)) => "a number",
        Some(J::Bool(_)) => "a boolean",
        Some(J::Array(_)) => "a list",
        Some(J::Object(_)) => "a mapping",
        Some(J::Null) | None => "nothing",
    }
}

fn is_octal(instance: &J, ptr: &jsonschema::paths::Location) -> bool {
    instance
        .pointer(ptr.as_str())
        .and_then(J::as_str)
        .is_some_and(|s| {
            s.len() > 1 && s.starts_with('0') && s.bytes().all(|b| (b'0'..=b'7').contains(&b))
        })
}

/// A validator's message without the value it quotes (it may be a secret).
fn short(message: &str) -> String {
    message
        .rsplit_once(" is ")
        .map_or("the value does not match the schema", |(_, why)| why)
        .chars()
        .take(120)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A schema that does not compile would leave its kind unchecked in
    /// silence: every shipped one compiles.
    #[test]
    fn every_shipped_schema_compiles() {
        for (i, (api, kind, _)) in SCHEMAS.iter().enumerate() {
            assert!(validator(i).is_some(), "{api} {kind}");
        }
        assert_eq!(SCHEMAS.len(), COMPILED.len());
    }
}
