use super::super::object::k;
use super::super::{Context, Finding, Obj, Rule, RuleMeta, Seg};

use crate::yaml::Node;

declare_rule! {
    /// ## What it flags
    /// In production: an ArgoCD Application source that tracks `HEAD` or has no
    /// `targetRevision` (which means `HEAD`).
    ///
    /// ## Why it matters
    /// Production follows whatever the default branch points at, including a
    /// force-push or a branch rename, with no reviewable promotion step.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// source: { repoURL: https://github.com/acme/gitops.git, path: prd }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// source: { repoURL: …, path: prd, targetRevision: main }   # or a tag
    /// ```
    ///
    /// ## References
    /// - https://argo-cd.readthedocs.io/en/stable/user-guide/tracking_strategies/
    pub struct ArgocdUnpinnedRevision {
        id: "SS040",
        name: "argocd-unpinned-revision",
        severity: Error,
        summary: "production Application tracks HEAD",
        help: "Set `targetRevision` to a branch, tag or commit that production is promoted to.",
    }
}

impl Rule for ArgocdUnpinnedRevision {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn check(&self, obj: &Obj, _cx: &Context, out: &mut Vec<Finding>) {
        if !obj.production || !obj.is("argoproj.io/", "Application") || obj.is_fragment() {
            return;
        }
        let mut sources: Vec<(Vec<Seg>, &Node)> = Vec::new();
        if let Some(s) = obj.get("spec.source") {
            sources.push((vec![k("spec"), k("source")], s));
        }
        for (i, s) in obj
            .get("spec.sources")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            sources.push((vec![k("spec"), k("sources"), Seg::Index(i)], s));
        }
        for (mut path, s) in sources {
            let rev = s.get("targetRevision").and_then(Node::scalar_text);
            if rev.as_deref().is_none_or(|r| r.is_empty() || r == "HEAD") {
                if rev.is_some() {
                    path.push(k("targetRevision"));
                }
                out.push(Finding::new(
                    &META,
                    obj,
                    path,
                    format!("{} tracks `HEAD` in production", obj.display()),
                ));
            }
        }
    }
}
