use super::super::object::k;
use super::super::{Context, Finding, Obj, Rule};

use crate::yaml::Node;

declare_rule! {
    /// ## What it flags
    /// An ArgoCD Application without the `resources-finalizer.argocd.argoproj.io`
    /// finalizer. Applications without `destination` (Kustomize patches) are skipped.
    ///
    /// ## Why it matters
    /// Deleting the Application (or removing it from the app-of-apps) orphans
    /// everything it deployed, which keeps running unmanaged.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// metadata: { name: api }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// metadata:
    ///   name: api
    ///   finalizers: [resources-finalizer.argocd.argoproj.io]
    /// ```
    ///
    /// ## References
    /// - https://argo-cd.readthedocs.io/en/stable/user-guide/app_deletion/
    pub struct ArgocdMissingFinalizer {
        id: "SS042",
        name: "argocd-missing-finalizer",
        severity: Warning,
        summary: "Application without the resources finalizer",
        help: "Add `resources-finalizer.argocd.argoproj.io` to `metadata.finalizers`.",
    }
}

impl Rule for ArgocdMissingFinalizer {
    fn check(&self, obj: &Obj, _cx: &Context, out: &mut Vec<Finding>) {
        if !obj.is("argoproj.io/", "Application") || obj.is_fragment() {
            return;
        }
        let has = obj
            .get("metadata.finalizers")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .any(|f| {
                f.as_str()
                    .is_some_and(|s| s.starts_with("resources-finalizer.argocd.argoproj.io"))
            });
        if !has {
            out.push(Finding::new(
                &META,
                obj,
                vec![k("metadata")],
                format!("{} has no resources finalizer", obj.display()),
            ));
        }
    }
}
