use super::super::object::k;
use super::super::{Context, Finding, Obj, Rule};
use crate::catalog::operators::{CNPG_GROUP, OT_GROUP};
use crate::yaml::Node;

const SYNC_OPTIONS: &str = "argocd.argoproj.io/sync-options";

declare_rule! {
    /// ## What it flags
    /// In production, a stateful object that Argo CD manages without
    /// `argocd.argoproj.io/sync-options: Prune=false,Delete=false`: a
    /// CloudNativePG `Cluster`, an OT Redis custom resource, a StatefulSet with
    /// `volumeClaimTemplates`, a PersistentVolumeClaim. "Managed by Argo CD":
    /// the set holds Argo CD objects.
    ///
    /// ## Why it matters
    /// Removing the object from Git (a rename, a refactor) or deleting its
    /// Application prunes it, and the operator deletes the data with it.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// kind: Cluster   # postgresql.cnpg.io/v1, no sync-options annotation
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// metadata:
    ///   annotations: { argocd.argoproj.io/sync-options: "Prune=false,Delete=false" }
    /// ```
    ///
    /// ## References
    /// - https://argo-cd.readthedocs.io/en/stable/user-guide/sync-options/
    pub struct StatefulPruneUnprotected {
        id: "SS045",
        name: "stateful-prune-unprotected",
        severity: Error,
        summary: "stateful object Argo CD may prune or delete with its data",
        help: "Annotate it `argocd.argoproj.io/sync-options: Prune=false,Delete=false`.",
    }
}

fn stateful(obj: &Obj) -> bool {
    match obj.kind {
        "Cluster" => obj.api_version.starts_with(CNPG_GROUP),
        "Redis" | "RedisReplication" | "RedisCluster" => obj.api_version.starts_with(OT_GROUP),
        "StatefulSet" => obj
            .get("spec.volumeClaimTemplates")
            .and_then(Node::as_seq)
            .is_some_and(|v| !v.is_empty()),
        "PersistentVolumeClaim" => true,
        _ => false,
    }
}

impl Rule for StatefulPruneUnprotected {
    fn check(&self, obj: &Obj, cx: &Context, out: &mut Vec<Finding>) {
        if !obj.production || obj.is_fragment() || !stateful(obj) || !cx.cluster().uses_argocd {
            return;
        }
        let options = obj.annotation(SYNC_OPTIONS).unwrap_or("");
        let has = |o: &str| options.split(',').any(|x| x.trim() == o);
        let missing: Vec<&str> = ["Prune=false", "Delete=false"]
            .into_iter()
            .filter(|o| !has(o))
            .collect();
        if missing.is_empty() {
            return;
        }
        let path = if obj.annotation(SYNC_OPTIONS).is_some() {
            vec![k("metadata"), k("annotations"), k(SYNC_OPTIONS)]
        } else {
            vec![k("metadata")]
        };
        out.push(Finding::new(
            &META,
            obj,
            path,
            format!(
                "{} holds data but Argo CD may remove it: `{SYNC_OPTIONS}` lacks {}",
                obj.display(),
                missing.join(" and ")
            ),
        ));
    }
}
