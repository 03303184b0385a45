use super::super::kube_schema::{check, enum_problems};
use super::super::{Context, Finding, Obj, Rule};

declare_rule! {
    /// ## What it flags
    /// An object of a built-in kind that the Kubernetes API's schema (1.37,
    /// strict) refuses: an unknown field (`replica: 3`), a value of the wrong
    /// type (`replicas: "two"`, `containerPort: "http"`), a required field
    /// missing, a value outside the set the API server accepts
    /// (`imagePullPolicy: Sometimes`, a Service `type`, a port `protocol`,
    /// `restartPolicy`, `dnsPolicy`), a value the API server's decoding
    /// refuses (a length, a pattern such as a quantity, a minimum, a number
    /// beyond a 32-bit field, a time that is not RFC 3339). One
    /// finding per problem, at its node. Kinds checked: Deployment,
    /// StatefulSet, DaemonSet, Job, CronJob, Pod, Service, ConfigMap, Secret,
    /// Ingress, PersistentVolumeClaim, ServiceAccount, Namespace,
    /// NetworkPolicy, PodDisruptionBudget, HorizontalPodAutoscaler (v2), Role,
    /// RoleBinding, ClusterRole, ClusterRoleBinding; and against their CRDs,
    /// CloudNativePG `Cluster` and `ScheduledBackup`, External Secrets
    /// `ExternalSecret`, `SecretStore` and `ClusterSecretStore`. Patches, fragments and
    /// objects made from Helm values are not checked (they are not whole).
    ///
    /// ## Why it matters
    /// The API server refuses the object at sync (`strict decoding error:
    /// unknown field`), or silently drops an unknown field with a lenient
    /// client: the setting you wrote never applies.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// spec:
    ///   replica: 3
    ///   template: { spec: { containers: [{ name: api, image: a:1, imagePullPolicy: Sometimes }] } }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   replicas: 3
    ///   template: { spec: { containers: [{ name: api, image: a:1, imagePullPolicy: IfNotPresent }] } }
    /// ```
    ///
    /// ## References
    /// - https://kubernetes.io/docs/reference/kubernetes-api/
    /// - https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation
    pub struct SchemaInvalid {
        id: "SS007",
        name: "schema-invalid",
        severity: Error,
        summary: "object the Kubernetes API schema refuses",
        help: "Fix the field as the API defines it (`kubectl explain KIND.FIELD`).",
    }
}

impl Rule for SchemaInvalid {
    fn check(&self, obj: &Obj, _cx: &Context, out: &mut Vec<Finding>) {
        if obj.is_fragment() || obj.doc.derived || obj.doc.is_patch {
            return;
        }
        let Some(mut problems) = check(obj.api_version, obj.kind, obj.node()) else {
            return;
        };
        problems.extend(enum_problems(obj));
        for problem in problems {
            out.push(Finding::new(
                &META,
                obj,
                problem.path,
                format!("{}: {}", obj.display(), problem.message),
            ));
        }
    }
}
