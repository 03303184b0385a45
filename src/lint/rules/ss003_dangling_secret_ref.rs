use super::super::{Context, Finding, Obj, Rule};
use super::{custom_resource_secret_refs, related, secret_refs};

declare_rule! {
    /// ## What it flags
    /// A `secretKeyRef`, `secretRef` or secret volume naming a Secret that nothing
    /// in the set produces, or a key the producing ExternalSecret does not
    /// provide; also the Secrets operators' custom resources read (OT Redis
    /// `redisSecret`, `TLS.secret`, the Sentinel's replication password;
    /// CloudNativePG `bootstrap.initdb.secret`, `superuserSecret`, managed roles;
    /// Barman Cloud `ObjectStore` credentials). Producers: Secrets, ExternalSecret
    /// targets, cert-manager Certificates, CloudNativePG clusters (`<name>-app`,
    /// `-superuser`, `-ca`, `-server`, `-replication`), SealedSecrets. Runs only
    /// when the set is complete (`shipshape check`, `lint --complete`).
    ///
    /// ## Why it matters
    /// The pod never starts: it waits in `CreateContainerConfigError` until someone
    /// notices, usually in production.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// valueFrom: { secretKeyRef: { name: api-secrets, key: API_TOKEN } }
    /// # …but no ExternalSecret writes `api-secrets`, or it has no `API_TOKEN`
    /// ```
    ///
    /// ## Use instead
    /// Add the key to the ExternalSecret's `data` (or fix the name).
    ///
    /// ## References
    /// - https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets
    pub struct DanglingSecretRef {
        id: "SS003",
        name: "dangling-secret-ref",
        severity: Error,
        summary: "reference to a Secret or key nothing produces",
        help: "Create the Secret through an ExternalSecret, or fix the name or key in the reference.",
        whole_set: true,
    }
}

impl Rule for DanglingSecretRef {
    fn check(&self, obj: &Obj, cx: &Context, out: &mut Vec<Finding>) {
        if obj.is_fragment() {
            return;
        }
        let produced = cx.produced_secrets();
        let mut refs = secret_refs(obj);
        refs.extend(custom_resource_secret_refs(obj));
        for (name, key, path) in refs {
            let candidates: Vec<_> = produced
                .named(&name)
                .iter()
                .filter(|p| related(p.namespace.as_deref(), &p.dir, obj.namespace, &obj.doc.dir))
                .collect();
            if candidates.is_empty() {
                out.push(Finding::new(
                    &META,
                    obj,
                    path,
                    format!(
                        "{} reads Secret `{name}`, which nothing in the set produces",
                        obj.display()
                    ),
                ));
                continue;
            }
            if let Some(key) = key {
                let has = candidates.iter().any(|p| {
                    p.keys
                        .as_ref()
                        .is_none_or(|ks| ks.iter().any(|k| k == &key))
                });
                if !has {
                    out.push(
                        Finding::new(&META, obj, path, format!("{} reads key `{key}` of Secret `{name}`, which its producer does not provide", obj.display()))
                            .help(format!("add `{key}` to the ExternalSecret that writes `{name}`, or fix the key")),
                    );
                }
            }
        }
    }
}
