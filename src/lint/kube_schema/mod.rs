//! The Kubernetes API's own schemas (1.37, strict: unknown fields are
//! errors) for the built-in kinds most manifests are made of, shipped in the
//! binary (`schemas/kubernetes-1.37`, written by `scripts/vendor-k8s-schemas`)
//! and compiled once per kind, on first use, into a compact graph that is
//! walked over the positioned tree itself ([`walk`]). An object is checked as the API
//! server would decode it: unknown fields, wrong types, missing required
//! fields, values outside an enum.

mod shape;
mod walk;

use std::sync::OnceLock;

use serde_json::Value as J;

use shape::Shapes;

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
        include_str!("../../../schemas/kubernetes-1.37/deployment-apps-v1.json"),
    ),
    (
        "apps/v1",
        "StatefulSet",
        include_str!("../../../schemas/kubernetes-1.37/statefulset-apps-v1.json"),
    ),
    (
        "apps/v1",
        "DaemonSet",
        include_str!("../../../schemas/kubernetes-1.37/daemonset-apps-v1.json"),
    ),
    (
        "batch/v1",
        "Job",
        include_str!("../../../schemas/kubernetes-1.37/job-batch-v1.json"),
    ),
    (
        "batch/v1",
        "CronJob",
        include_str!("../../../schemas/kubernetes-1.37/cronjob-batch-v1.json"),
    ),
    (
        "v1",
        "Pod",
        include_str!("../../../schemas/kubernetes-1.37/pod-v1.json"),
    ),
    (
        "v1",
        "Service",
        include_str!("../../../schemas/kubernetes-1.37/service-v1.json"),
    ),
    (
        "v1",
        "ConfigMap",
        include_str!("../../../schemas/kubernetes-1.37/configmap-v1.json"),
    ),
    (
        "v1",
        "Secret",
        include_str!("../../../schemas/kubernetes-1.37/secret-v1.json"),
    ),
    (
        "networking.k8s.io/v1",
        "Ingress",
        include_str!("../../../schemas/kubernetes-1.37/ingress-networking-v1.json"),
    ),
    (
        "v1",
        "PersistentVolumeClaim",
        include_str!("../../../schemas/kubernetes-1.37/persistentvolumeclaim-v1.json"),
    ),
    (
        "v1",
        "ServiceAccount",
        include_str!("../../../schemas/kubernetes-1.37/serviceaccount-v1.json"),
    ),
    (
        "v1",
        "Namespace",
        include_str!("../../../schemas/kubernetes-1.37/namespace-v1.json"),
    ),
    (
        "networking.k8s.io/v1",
        "NetworkPolicy",
        include_str!("../../../schemas/kubernetes-1.37/networkpolicy-networking-v1.json"),
    ),
    (
        "policy/v1",
        "PodDisruptionBudget",
        include_str!("../../../schemas/kubernetes-1.37/poddisruptionbudget-policy-v1.json"),
    ),
    (
        "autoscaling/v2",
        "HorizontalPodAutoscaler",
        include_str!(
            "../../../schemas/kubernetes-1.37/horizontalpodautoscaler-autoscaling-v2.json"
        ),
    ),
    (
        "rbac.authorization.k8s.io/v1",
        "Role",
        include_str!("../../../schemas/kubernetes-1.37/role-rbac-v1.json"),
    ),
    (
        "rbac.authorization.k8s.io/v1",
        "RoleBinding",
        include_str!("../../../schemas/kubernetes-1.37/rolebinding-rbac-v1.json"),
    ),
    (
        "rbac.authorization.k8s.io/v1",
        "ClusterRole",
        include_str!("../../../schemas/kubernetes-1.37/clusterrole-rbac-v1.json"),
    ),
    (
        "rbac.authorization.k8s.io/v1",
        "ClusterRoleBinding",
        include_str!("../../../schemas/kubernetes-1.37/clusterrolebinding-rbac-v1.json"),
    ),
    (
        "postgresql.cnpg.io/v1",
        "Cluster",
        include_str!("../../../schemas/crds/postgresql.cnpg.io/cluster_v1.json"),
    ),
    (
        "postgresql.cnpg.io/v1",
        "ScheduledBackup",
        include_str!("../../../schemas/crds/postgresql.cnpg.io/scheduledbackup_v1.json"),
    ),
    (
        "external-secrets.io/v1",
        "ExternalSecret",
        include_str!("../../../schemas/crds/external-secrets.io/externalsecret_v1.json"),
    ),
    (
        "external-secrets.io/v1",
        "ClusterSecretStore",
        include_str!("../../../schemas/crds/external-secrets.io/clustersecretstore_v1.json"),
    ),
    (
        "external-secrets.io/v1",
        "SecretStore",
        include_str!("../../../schemas/crds/external-secrets.io/secretstore_v1.json"),
    ),
];
/// The Kubernetes minor the schemas are of.
pub const VERSION: &str = "1.37";

static COMPILED: [OnceLock<Option<Shapes>>; 25] = [const { OnceLock::new() }; 25];

/// `name` as static text, when it is an API version or a kind of the
/// schemas here.
pub fn static_name(name: &str) -> Option<&'static str> {
    SCHEMAS.iter().find_map(|(a, k, _)| {
        if *a == name {
            Some(*a)
        } else {
            (*k == name).then_some(*k)
        }
    })
}

/// Whether a kind has a schema here.
pub fn knows(api_version: &str, kind: &str) -> bool {
    index(api_version, kind).is_some()
}

fn index(api_version: &str, kind: &str) -> Option<usize> {
    SCHEMAS
        .iter()
        .position(|(a, k, _)| *a == api_version && *k == kind)
}

/// The kind's compiled schema, compiled on first use: a few hundred
/// kilobytes for the largest (the pod-template kinds share nothing, but
/// each definition is compiled once per kind, and patterns on first match).
fn shapes(i: usize) -> Option<&'static Shapes> {
    COMPILED
        .get(i)?
        .get_or_init(|| {
            let schema: J = serde_json::from_str(SCHEMAS.get(i)?.2).ok()?;
            shape::compile(&schema).ok()
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
    let shapes = shapes(index(api_version, kind)?)?;
    Some(walk::Walk::new(shapes, kind).run(node))
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
        for (i, p) in c.ports() {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A schema that does not compile would leave its kind unchecked in
    /// silence: every shipped one compiles.
    #[test]
    fn every_shipped_schema_compiles() {
        for (i, (api, kind, _)) in SCHEMAS.iter().enumerate() {
            let schema: J = serde_json::from_str(SCHEMAS[i].2).unwrap();
            if let Err(why) = shape::compile(&schema) {
                panic!("{api} {kind}: {why}");
            }
            assert!(shapes(i).is_some(), "{api} {kind}");
        }
        assert_eq!(SCHEMAS.len(), COMPILED.len());
    }
}
