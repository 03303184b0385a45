use super::super::{Context, Finding, Obj, Rule};

declare_rule! {
    /// ## What it flags
    /// A container (not an init container) without a readiness or a liveness
    /// probe. Patches, which only carry the fields they change, are skipped.
    ///
    /// ## Why it matters
    /// Without readiness, traffic reaches pods that are still starting; without
    /// liveness, a hung process is never restarted. The checklist asks for a
    /// working health check endpoint.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// containers:
    ///   - name: api
    ///     image: ghcr.io/acme/api:1.4.2
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    ///     readinessProbe: { httpGet: { path: /healthz, port: http } }
    ///     livenessProbe: { httpGet: { path: /healthz, port: http } }
    /// ```
    ///
    /// ## References
    /// - https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
    pub struct MissingProbes {
        id: "SS022",
        name: "missing-probes",
        severity: Warning,
        summary: "container without readiness or liveness probe",
        help: "Add a readinessProbe and a livenessProbe (e.g. httpGet on the health endpoint).",
    }
}

impl Rule for MissingProbes {
    fn check(&self, obj: &Obj, _cx: &Context, out: &mut Vec<Finding>) {
        if obj.is_fragment() || !matches!(obj.kind, "Deployment" | "StatefulSet" | "DaemonSet") {
            return;
        }
        for c in obj.containers().iter().filter(|c| !c.init) {
            let missing: Vec<&str> = ["readinessProbe", "livenessProbe"]
                .into_iter()
                .filter(|p| c.node.get(p).is_none())
                .collect();
            if !missing.is_empty() {
                out.push(Finding::new(
                    &META,
                    obj,
                    c.path(),
                    format!(
                        "container `{}` of {} has no {}",
                        c.name(),
                        obj.display(),
                        missing.join(" or ")
                    ),
                ));
            }
        }
    }
}
