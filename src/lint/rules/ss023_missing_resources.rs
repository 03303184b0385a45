use super::super::object::k;
use super::super::{Context, Finding, Obj, Rule};

declare_rule! {
    /// ## What it flags
    /// A container without a memory limit, or without resource requests.
    /// Patches are skipped.
    ///
    /// ## Why it matters
    /// Without requests the scheduler packs pods blindly; without a memory limit
    /// one leaking pod takes the node's memory from all the others.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// resources: {}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// resources:
    ///   requests: { cpu: 100m, memory: 256Mi }
    ///   limits: { memory: 512Mi }
    /// ```
    ///
    /// ## References
    /// - https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
    pub struct MissingResources {
        id: "SS023",
        name: "missing-resources",
        severity: Warning,
        summary: "container without memory limit or requests",
        help: "Set `resources.requests` (cpu, memory) and `resources.limits.memory`.",
    }
}

impl Rule for MissingResources {
    fn check(&self, obj: &Obj, _cx: &Context, out: &mut Vec<Finding>) {
        if obj.is_fragment() || !matches!(obj.kind, "Deployment" | "StatefulSet" | "DaemonSet") {
            return;
        }
        for c in obj.containers() {
            let res = c.node.get("resources");
            let mut missing = Vec::new();
            if res.and_then(|r| r.pointer(["limits", "memory"])).is_none() {
                missing.push("memory limit");
            }
            if res.and_then(|r| r.get("requests")).is_none() {
                missing.push("resource requests");
            }
            if !missing.is_empty() {
                let path = if res.is_some() {
                    c.at(&[k("resources")])
                } else {
                    c.path()
                };
                out.push(Finding::new(
                    &META,
                    obj,
                    path,
                    format!(
                        "container `{}` of {} has no {}",
                        c.name(),
                        obj.display(),
                        missing.join(" and no ")
                    ),
                ));
            }
        }
    }
}
