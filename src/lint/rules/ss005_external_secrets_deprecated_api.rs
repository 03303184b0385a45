use super::super::object::k;
use super::super::{Context, Finding, Obj, Rule};

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
    fn check(&self, obj: &Obj, _cx: &Context, out: &mut Vec<Finding>) {
        if !obj.api_version.starts_with("external-secrets.io/") {
            return;
        }
        let es = crate::catalog::entry(crate::catalog::OperatorKind::ExternalSecrets);
        let current = es.default_version();
        if let crate::catalog::Served::No { .. } = es.serves(obj.api_version, obj.kind, &current) {
            let finding = Finding::new(
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
            );
            out.push(match v1_since(obj, es) {
                Some(since) => finding.help(format!(
                    "Change `apiVersion` to `external-secrets.io/v1`, which the external-secrets chart serves from {since}: move a chart pinned below it together with the API (SS006 names such a pin)."
                )),
                None => finding,
            });
        }
    }
}

/// The chart release that first serves `v1` of the object's kind: the
/// advice names it, so that it agrees with SS006 on a set that pins an older
/// chart (asked without the set, so the object is checked as it is read).
fn v1_since(obj: &Obj, es: &crate::catalog::Entry) -> Option<&'static str> {
    es.apis
        .iter()
        .find(|a| a.api_version == "external-secrets.io/v1" && a.kinds.contains(&obj.kind))
        .map(|a| a.since)
}
