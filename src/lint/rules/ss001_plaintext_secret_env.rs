use super::super::object::k;
use super::super::{Context, Finding, Obj, Rule, RuleMeta, Seg};
use super::{is_reference, secret_like_name};
use crate::yaml::Node;

declare_rule! {
    /// ## What it flags
    /// A container environment variable named like a credential (PASSWORD, PASSWD,
    /// SECRET, TOKEN, API_KEY, PRIVATE_KEY, CREDENTIALS) with a literal `value`.
    ///
    /// ## Why it matters
    /// The value is in Git, in every clone and CI log, and cannot be rotated
    /// without a commit. Secrets belong in the secret manager (Doppler), synced by
    /// an ExternalSecret.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// env:
    ///   - name: DB_PASSWORD
    ///     value: hunter2
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// env:
    ///   - name: DB_PASSWORD
    ///     valueFrom: { secretKeyRef: { name: app-secrets, key: DB_PASSWORD } }
    /// ```
    ///
    /// ## References
    /// - https://external-secrets.io/latest/provider/doppler/
    pub struct PlaintextSecretEnv {
        id: "SS001",
        name: "plaintext-secret-env",
        severity: Error,
        summary: "credential-named env var with a literal value",
        help: "Read the value from a Secret (`valueFrom.secretKeyRef`) synced from Doppler by an ExternalSecret.",
    }
}

impl Rule for PlaintextSecretEnv {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn check(&self, obj: &Obj, _cx: &Context, out: &mut Vec<Finding>) {
        for c in obj.containers() {
            for (i, e) in c.env() {
                let Some(name) = e.get("name").and_then(Node::as_str) else {
                    continue;
                };
                let Some(value) = e.get("value").and_then(Node::scalar_text) else {
                    continue;
                };
                if secret_like_name(name) && !is_reference(&value) {
                    out.push(
                        Finding::new(
                            &META,
                            obj,
                            c.at(&[k("env"), Seg::Index(i), k("value")]),
                            format!(
                                "container `{}` sets `{name}` to a literal value (not shown)",
                                c.name()
                            ),
                        )
                        .secret(),
                    );
                }
            }
        }
    }
}
