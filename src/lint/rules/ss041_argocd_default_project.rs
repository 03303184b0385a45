use super::super::object::k;
use super::super::{Context, Finding, Obj, Rule};

use crate::yaml::Node;

declare_rule! {
    /// ## What it flags
    /// An ArgoCD Application in the `default` AppProject.
    ///
    /// ## Why it matters
    /// `default` allows any source repository, any destination and any resource
    /// kind: a typo in `destination` can deploy into `kube-system`.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// spec: { project: default }
    /// ```
    ///
    /// ## Use instead
    /// An AppProject that lists the repositories and namespaces the team owns.
    ///
    /// ## References
    /// - https://argo-cd.readthedocs.io/en/stable/user-guide/projects/
    pub struct ArgocdDefaultProject {
        id: "SS041",
        name: "argocd-default-project",
        severity: Warning,
        summary: "Application in the default AppProject",
        help: "Create an AppProject with allowed sources and destinations and use it.",
    }
}

impl Rule for ArgocdDefaultProject {
    fn check(&self, obj: &Obj, _cx: &Context, out: &mut Vec<Finding>) {
        if obj.is("argoproj.io/", "Application")
            && !obj.is_fragment()
            && obj.get("spec.project").and_then(Node::as_str) == Some("default")
        {
            out.push(Finding::new(
                &META,
                obj,
                vec![k("spec"), k("project")],
                format!("{} is in the `default` AppProject", obj.display()),
            ));
        }
    }
}
