use super::super::{Context, Finding, Obj, Rule};
use crate::simulate::kubelet::user_checks;

declare_rule! {
    /// ## What it flags
    /// A container under `runAsNonRoot: true` (its own or the pod's) without a
    /// numeric `runAsUser`, whose image runs as a user that is not a number
    /// (`USER nonroot`) or is root, for images whose `USER` per release the
    /// catalogue knows (e.g. `cloudflare/cloudflared` before 2025.7.0).
    ///
    /// ## Why it matters
    /// The kubelet cannot tell whether a named user is root, so it refuses to
    /// start the container: `CreateContainerConfigError: container has
    /// runAsNonRoot and image has non-numeric user`. The Deployment never
    /// becomes available, and every sync wave after it waits.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// securityContext: { runAsNonRoot: true }
    /// containers: [{ name: cloudflared, image: "cloudflare/cloudflared:2024.12.2" }]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532 }
    /// ```
    /// or an image release whose `USER` is numeric.
    ///
    /// ## References
    /// - https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
    /// - https://github.com/cloudflare/cloudflared/blob/master/Dockerfile
    pub struct ImageUserNotNumeric {
        id: "SS062",
        name: "image-user-not-numeric",
        severity: Error,
        summary: "runAsNonRoot on an image whose user is not numeric",
        help: "Set a numeric `runAsUser` (and `runAsGroup`), or use an image release whose USER is numeric.",
    }
}

impl Rule for ImageUserNotNumeric {
    fn check(&self, obj: &Obj, _cx: &Context, out: &mut Vec<Finding>) {
        if obj.is_fragment() {
            return;
        }
        for u in user_checks(obj) {
            if let Some(why) = &u.refusal {
                out.push(Finding::new(
                    &META,
                    obj,
                    u.path(),
                    format!("{}: {why}", obj.display()),
                ));
            }
        }
    }
}
