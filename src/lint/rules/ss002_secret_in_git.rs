use super::super::object::k;
use super::super::{Context, Finding, Obj, Rule, RuleMeta, Seg};

use crate::yaml::Node;

declare_rule! {
    /// ## What it flags
    /// A `Secret` committed with `data` or `stringData`. SOPS-encrypted Secrets
    /// (a top-level `sops:` key, or `ENC[…]` values) are not flagged.
    ///
    /// ## Why it matters
    /// Base64 is not encryption: anyone who can read the repository can read the
    /// secret, forever, through Git history.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// kind: Secret
    /// data:
    ///   password: aHVudGVyMg==
    /// ```
    ///
    /// ## Use instead
    /// An `ExternalSecret` (`external-secrets.io/v1`) that syncs the value from Doppler.
    ///
    /// ## References
    /// - https://external-secrets.io/latest/api/externalsecret/
    pub struct SecretInGit {
        id: "SS002",
        name: "secret-in-git",
        severity: Error,
        summary: "Secret with data committed to Git",
        help: "Delete the Secret from Git, rotate the value, and sync it with an ExternalSecret instead.",
    }
}

fn encrypted(obj: &Obj) -> bool {
    obj.node().get("sops").is_some()
        || ["data", "stringData"].iter().any(|key| {
            obj.get(key).and_then(Node::as_map).is_some_and(|m| {
                !m.is_empty()
                    && m.iter()
                        .all(|(_, v)| v.as_str().is_some_and(|s| s.starts_with("ENC[")))
            })
        })
}

impl Rule for SecretInGit {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn check(&self, obj: &Obj, _cx: &Context, out: &mut Vec<Finding>) {
        if obj.kind != "Secret" || obj.api_version != "v1" || encrypted(obj) {
            return;
        }
        for key in ["data", "stringData"] {
            if obj
                .get(key)
                .and_then(Node::as_map)
                .is_some_and(|m| !m.is_empty())
            {
                out.push(
                    Finding::new(
                        &META,
                        obj,
                        vec![k(key), Seg::KeyNode],
                        format!(
                            "{} commits secret values in `{key}` (not shown)",
                            obj.display()
                        ),
                    )
                    .secret(),
                );
            }
        }
    }
}
