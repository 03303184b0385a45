use super::super::object::k;
use super::super::{Context, Finding, Obj, Rule, Seg};

declare_rule! {
    /// ## What it flags
    /// A Kustomization (`kustomization.yaml`) using a field kustomize deprecated:
    /// `commonLabels`, `patchesStrategicMerge`, `patchesJson6902`, `bases`, `vars`.
    ///
    /// ## Why it matters
    /// They are removed in kustomize v6. `commonLabels` also rewrites selectors,
    /// which makes Deployments immutable the day a label changes.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// commonLabels: { env: prd }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// labels:
    ///   - pairs: { env: prd }
    ///     includeSelectors: false
    /// ```
    /// (`patches` for patches, `resources` for bases, `replacements` for vars;
    /// `kustomize edit fix` converts most of them.)
    ///
    /// ## References
    /// - https://kubectl.docs.kubernetes.io/references/kustomize/kustomization/
    pub struct KustomizeDeprecatedField {
        id: "SS043",
        name: "kustomize-deprecated-field",
        severity: Warning,
        summary: "deprecated kustomization field",
        help: "Replace it (`labels`, `patches`, `resources`, `replacements`); `kustomize edit fix` converts most.",
    }
}

const FIELDS: [(&str, &str); 5] = [
    ("commonLabels", "labels"),
    ("patchesStrategicMerge", "patches"),
    ("patchesJson6902", "patches"),
    ("bases", "resources"),
    ("vars", "replacements"),
];

impl Rule for KustomizeDeprecatedField {
    fn check(&self, obj: &Obj, _cx: &Context, out: &mut Vec<Finding>) {
        let is_kustomize = obj.kind == "Kustomization"
            && (obj.api_version.is_empty()
                || obj.api_version.starts_with("kustomize.config.k8s.io/"));
        if !is_kustomize {
            return;
        }
        for (field, instead) in FIELDS {
            if obj.node().get(field).is_some() {
                out.push(
                    Finding::new(
                        &META,
                        obj,
                        vec![k(field), Seg::KeyNode],
                        format!("`{field}` is deprecated"),
                    )
                    .help(format!("use `{instead}` instead")),
                );
            }
        }
    }
}
