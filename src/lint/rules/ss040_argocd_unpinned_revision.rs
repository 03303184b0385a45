use super::super::object::k;
use super::super::{Context, Finding, Obj, Rule, Seg};

use crate::yaml::Node;

declare_rule! {
    /// ## What it flags
    /// In production: an Argo CD Application source that tracks `HEAD`, has no
    /// `targetRevision` (which means `HEAD`) or tracks a Git branch, and a Helm
    /// chart source whose `targetRevision` is a version range (`*`, `^1.2`,
    /// `~1.2`, `>=1.0.0`, `1.x`): Argo CD installs whatever newest release
    /// matches. A Git revision is pinned when it is a commit (7 to 40 hex
    /// digits) or a tag carrying a version or a date (`v2026.11.1`,
    /// `prd-2026-11-22`, `refs/tags/…`); a name without digits (`main`,
    /// `master`, `production`) or `refs/heads/…` is a branch. In a shipshape
    /// project, set the environment's `revision:`.
    ///
    /// ## Why it matters
    /// Production follows whatever the default branch or the chart repository
    /// points at, including a force-push or a new major release, with no
    /// reviewable promotion step.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// source: { repoURL: https://github.com/acme/gitops.git, path: prd }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// source: { repoURL: …, path: prd, targetRevision: prd-2026.11.1 }   # a tag or a commit
    /// source: { repoURL: https://charts.jetstack.io, chart: cert-manager, targetRevision: v1.21.1 }
    /// ```
    ///
    /// ## References
    /// - https://argo-cd.readthedocs.io/en/stable/user-guide/tracking_strategies/
    pub struct ArgocdUnpinnedRevision {
        id: "SS040",
        name: "argocd-unpinned-revision",
        severity: Error,
        summary: "production Application tracks HEAD, a branch or a chart version range",
        help: "Set `targetRevision` to a tag or a commit that production is promoted to (in a shipshape project: the environment's `revision:`).",
    }
}

/// A Git revision that moves: a branch. Commits and tags that carry a
/// version or a date are pinned.
fn branch(r: &str) -> bool {
    if r.starts_with("refs/tags/") {
        return false;
    }
    if r.starts_with("refs/heads/") {
        return true;
    }
    let commit = (7..=40).contains(&r.len()) && r.chars().all(|c| c.is_ascii_hexdigit());
    !commit && !r.chars().any(|c| c.is_ascii_digit())
}

/// A Helm version constraint rather than one version.
fn version_range(r: &str) -> bool {
    r.contains(['*', '^', '~', '>', '<', '|', ' '])
        || r.split('.').any(|p| p.eq_ignore_ascii_case("x"))
}

impl Rule for ArgocdUnpinnedRevision {
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
            if s.get("chart").is_some() {
                if let Some(r) = rev.as_deref().filter(|r| version_range(r)) {
                    path.push(k("targetRevision"));
                    out.push(Finding::new(
                        &META,
                        obj,
                        path,
                        format!("{} installs chart version range `{r}` in production", obj.display()),
                    ).help("Pin the exact chart version (e.g. `1.21.1`) and upgrade it in a reviewed change."));
                    continue;
                }
            }
            if let Some(r) = rev
                .as_deref()
                .filter(|r| s.get("chart").is_none() && *r != "HEAD" && !r.is_empty() && branch(r))
            {
                path.push(k("targetRevision"));
                out.push(Finding::new(
                    &META,
                    obj,
                    path,
                    format!("{} tracks branch `{r}` in production", obj.display()),
                ));
                continue;
            }
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
