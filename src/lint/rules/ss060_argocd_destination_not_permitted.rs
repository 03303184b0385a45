use super::super::later::Verdict;
use super::super::{Context, Finding, Obj, Rule};
use crate::simulate::{Cause, Model};

declare_rule! {
    /// ## What it flags
    /// An Argo CD Application its AppProject does not admit: a destination
    /// (server or cluster name, and namespace) that no entry of the project's
    /// `destinations` matches, a source repository outside `sourceRepos`, or a
    /// cluster-scoped kind (ClusterSecretStore, Namespace, …) outside
    /// `clusterResourceWhitelist`. Judged by the sync model (`shipshape
    /// simulate`) with Argo CD's glob matching, on any set that holds the
    /// AppProject.
    ///
    /// ## Why it matters
    /// Argo CD sets `InvalidSpecError` (or fails the sync); the Application's
    /// health stays Unknown, and an app-of-apps waiting on it in a sync wave
    /// waits forever (the default `controller.sync.timeout.seconds` is 0).
    /// Nothing after that wave is ever deployed.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// kind: Application
    /// spec:
    ///   project: shop-prd          # destinations: namespaces shop, shop-jobs
    ///   destination: { server: https://kubernetes.default.svc, namespace: default }
    /// ```
    ///
    /// ## Use instead
    /// Send the Application to a namespace the project lists (for cluster-scoped
    /// objects, the namespace of the controller that reads them), or add the
    /// destination to the AppProject.
    ///
    /// ## References
    /// - https://argo-cd.readthedocs.io/en/stable/user-guide/projects/
    /// - shipshape simulate --help
    pub struct ArgocdDestinationNotPermitted {
        id: "SS060",
        name: "argocd-destination-not-permitted",
        severity: Error,
        summary: "Application its AppProject does not admit",
        help: "Use a destination and source the AppProject lists, or add them to the AppProject.",
    }
}

/// Where a refusal is reported: the Application's field at fault.
const FIELDS: &[&str] = &[
    "spec",
    "spec.project",
    "spec.source.repoURL",
    "spec.destination.namespace",
    "spec.source",
];

impl Rule for ArgocdDestinationNotPermitted {
    fn check(&self, obj: &Obj, _cx: &Context, out: &mut Vec<Finding>) {
        let Some(app) = Model::app_key(obj) else {
            return;
        };
        let places = FIELDS.iter().map(|f| crate::lint::path(f)).collect();
        out.push(Finding::later(&META, obj, places, move |set| {
            // Reported once: the first timeline that refuses it.
            let blocks = set.cluster.sync.blocks_for(&app, Cause::Refused);
            let Some(b) = blocks.first() else {
                return Vec::new();
            };
            let at = FIELDS
                .iter()
                .position(|f| Some(*f) == b.field)
                .unwrap_or(0);
            vec![Verdict::at(at, b.message.clone()).help(b.fix.clone())]
        }));
    }
}
