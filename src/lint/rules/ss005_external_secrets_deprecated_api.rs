use super::super::object::k;
use super::super::{Context, Finding, Obj, Rule, RuleMeta};

declare_rule! {
    /// ## What it flags
    /// External Secrets Operator kinds on an API version that current releases no
    /// longer serve, by the compatibility catalogue: `ExternalSecret`,
    /// `SecretStore`, `ClusterSecretStore`, `ClusterExternalSecret` on `v1beta1` or
    /// `v1alpha1`. Kinds whose only version is still served (`PushSecret` on
    /// `v1alpha1`, the generators) are left alone.
    ///
    /// ## Why it matters
    /// ESO 0.17 stopped serving `v1beta1`: the object is rejected on apply and the
    /// secret stops syncing after an operator upgrade.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// apiVersion: external-secrets.io/v1beta1
    /// kind: ExternalSecret
    /// ```
    ///
    /// ## Use instead
    /// `apiVersion: external-secrets.io/v1` (the fields are the same for most objects).
    ///
    /// ## References
    /// - https://external-secrets.io/latest/introduction/deprecation-policy/
    pub struct ExternalSecretsDeprecatedApi {
        id: "SS005",
        name: "external-secrets-deprecated-api",
        severity: Error,
        summary: "External Secrets object on a removed API version",
        help: "Change `apiVersion` to `external-secrets.io/v1`.",
    }
}

impl Rule for ExternalSecretsDeprecatedApi {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn check(&self, obj: &Obj, _cx: &Context, out: &mut Vec<Finding>) {
        if !obj.api_version.starts_with("external-secrets.io/") {
            return;
        }
        let es = crate::catalog::entry(crate::catalog::OperatorKind::ExternalSecrets);
        let current = es.default_version();
        if let crate::catalog::Served::No { .. } = es.serves(obj.api_version, obj.kind, &current) {
            out.push(Finding::new(
                &META,
                obj,
                vec![k("apiVersion")],
                format!(
                    "{} uses `{}`, which External Secrets no longer serves (not since {})",
                    obj.display(),
                    obj.api_version,
                    es.apis
                        .iter()
                        .filter(|a| a.api_version == obj.api_version && a.kinds.contains(&obj.kind))
                        .filter_map(|a| a.until)
                        .max()
                        .unwrap_or("a release the catalogue knows")
                ),
            ));
        }
    }
}
