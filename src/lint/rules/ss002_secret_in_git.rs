use super::super::object::k;
use super::super::{Context, Finding, Obj, Rule, Seg};

use crate::yaml::Node;

declare_rule! {
    /// ## What it flags
    /// A `Secret` committed with `data` or `stringData`. SOPS-encrypted Secrets
    /// (a top-level `sops:` key, or `ENC[…]` values) are not flagged.
    ///
    /// Values that only point at a secret elsewhere (`op://…`, `ref+…`,
    /// `vault:…`, `<path:…>`, `ENC[…]`, templates) and Secrets whose keys,
    /// values and type hold no credential are not flagged.
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

/// A value that points at a secret elsewhere instead of holding it: 1Password
/// `op://`, vals `ref+…`, Vault `vault:…`, argocd-vault-plugin `<path:…>`,
/// SOPS `ENC[…]`, and templates.
fn reference(v: &str) -> bool {
    let v = v.trim();
    [
        "op://", "ref+", "vault:", "<path:", "ENC[", "${", "{{", "akv:", "gcpsm:", "awssm:",
    ]
    .iter()
    .any(|p| v.starts_with(p))
}

/// Keys and Secret types that hold credentials.
fn credential(key: &str, value: &str, secret_type: &str) -> bool {
    const FILES: &[&str] = &[
        "tls.key",
        ".dockerconfigjson",
        ".dockercfg",
        "ssh-privatekey",
        "id_rsa",
        "id_ed25519",
        "credentials.json",
        "credentials",
        "kubeconfig",
        "htpasswd",
    ];
    const TYPES: &[&str] = &[
        "kubernetes.io/tls",
        "kubernetes.io/dockerconfigjson",
        "kubernetes.io/dockercfg",
        "kubernetes.io/ssh-auth",
        "kubernetes.io/basic-auth",
        "kubernetes.io/service-account-token",
    ];
    TYPES.contains(&secret_type)
        || FILES.contains(&key)
        || crate::secret::is_secret_key(key)
        || crate::secret::looks_secret_value(value)
}

/// Base64 decoding for `data:` values (invalid input decodes to nothing).
fn base64_decode(s: &str) -> String {
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' | b'\n' | b'\r' | b' ' => continue,
            _ => return String::new(),
        };
        bits = (bits << 6) | u32::from(v);
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push(u8::try_from((bits >> n) & 0xFF).unwrap_or(0));
        }
    }
    String::from_utf8_lossy(&out).into_owned()
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
    fn check(&self, obj: &Obj, _cx: &Context, out: &mut Vec<Finding>) {
        if obj.kind != "Secret" || obj.api_version != "v1" || encrypted(obj) {
            return;
        }
        let secret_type = obj.get("type").and_then(Node::as_str).unwrap_or("Opaque");
        for key in ["data", "stringData"] {
            let holds_credentials = obj.get(key).and_then(Node::as_map).is_some_and(|m| {
                m.iter().any(|(k, v)| {
                    let name = k.scalar_text().unwrap_or_default();
                    let raw = v.scalar_text().unwrap_or_default();
                    let value = if key == "data" {
                        base64_decode(&raw)
                    } else {
                        raw
                    };
                    !reference(&value) && credential(&name, &value, secret_type)
                })
            });
            if holds_credentials {
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
