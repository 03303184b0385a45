use super::super::object::k;
use super::super::{Context, Finding, Obj, Rule, Seg};
use super::{is_reference, secret_like_name};
use crate::yaml::Node;

declare_rule! {
    /// ## What it flags
    /// A credential written as a literal: a container env var named like one
    /// (`DB_PASS`, `API_TOKEN`, `CLIENT_SECRET`; not `PASSWORD_FILE`,
    /// `SECRET_NAME`, `TOKEN_TTL`, `USE_TOKEN_AUTH`, which name or configure
    /// one), any env value holding a URL with a password (`redis://:pw@host`) or
    /// a known token shape (`ghp_…`, `AKIA…`, `sk_live_…`, `xoxb-…`, a PEM
    /// private key), and the same in ConfigMap data, including `key=value`
    /// properties files (`spring.datasource.password=admin`); `--password X`
    /// in `args`; and, in the Helm values of charts no adapter models, a
    /// credential-named key with a literal value (`adminPassword: …`; not
    /// `existingSecret`, nor a `…Secret` key whose value is a Secret's name).
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

/// Whether a literal env value is a credential: by the variable's name (a
/// boolean or a number is a setting, not a secret), or by its own shape.
pub(crate) fn literal_credential(name: &str, value: &str) -> bool {
    if is_reference(value) {
        return false;
    }
    (secret_like_name(name) && !is_setting(value)) || crate::secret::looks_secret_value(value)
}

/// Values that configure a credential rather than hold one: booleans,
/// numbers, durations (`1h`, `hours=1`), and URLs without a password (a
/// token endpoint). A URL with a password is caught by its shape.
fn is_setting(value: &str) -> bool {
    let v = value.trim();
    let number = v.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let duration = number.parse::<f64>().is_ok()
        && matches!(&v[number.len()..], "ms" | "s" | "m" | "h" | "d" | "w");
    let assignment = v.split_once('=').is_some_and(|(k, n)| {
        k.chars().all(|c| c.is_ascii_alphabetic()) && n.parse::<f64>().is_ok()
    });
    let url = v.split_once("://").is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
    });
    matches!(v, "true" | "false") || v.parse::<f64>().is_ok() || duration || assignment || url
}

/// `--password X` / `--password=X` (and `--db-token …`) in a container's
/// `args` or `command`: the index of the item that holds the value.
fn flag_credentials(items: &[Node]) -> Vec<usize> {
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Some(text) = item.as_str() else { continue };
        let Some(flag) = text.strip_prefix("--").or_else(|| text.strip_prefix('-')) else {
            continue;
        };
        let (name, inline) = match flag.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (flag, None),
        };
        if !crate::secret::is_secret_key(name) {
            continue;
        }
        let (at, value) = match inline {
            Some(v) => (i, Some(v)),
            None => (i + 1, items.get(i + 1).and_then(Node::as_str)),
        };
        if value.is_some_and(|v| !v.starts_with('-') && literal_credential(name, v)) {
            out.push(at);
        }
    }
    out
}

/// `key=value` / `key: value` lines of a properties or env file in ConfigMap
/// data whose key names a credential: the 1-based line of each.
fn property_credentials(text: &str) -> Vec<u32> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.starts_with('#') || l.starts_with('!') {
            continue;
        }
        let Some((key, value)) = l.split_once(['=', ':']) else {
            continue;
        };
        let key = key.trim().trim_start_matches("export ");
        let last = key.rsplit(['.', '_', '-']).next().unwrap_or(key);
        let value = value.trim().trim_matches(['"', '\'']);
        let named = crate::secret::is_secret_key(last) || crate::secret::is_secret_key(key);
        if !value.is_empty()
            && ((named && literal_credential(key, value))
                || crate::secret::looks_secret_value(value))
        {
            out.push(u32::try_from(i + 1).unwrap_or(u32::MAX));
        }
    }
    out
}

impl Rule for PlaintextSecretEnv {
    fn check(&self, obj: &Obj, _cx: &Context, out: &mut Vec<Finding>) {
        // Helm values of charts no adapter models: the key says it is one.
        for c in &obj.doc.values.credentials {
            let mut f = Finding::new(
                &META,
                obj,
                Vec::new(),
                format!("Helm values set `{}` to a literal value (not shown)", c.why),
            )
            .secret();
            f.span = Some(c.at);
            out.push(f);
        }
        for c in obj.containers() {
            for list in ["command", "args"] {
                let items = c.node.get(list).and_then(Node::as_seq).unwrap_or_default();
                for i in flag_credentials(items) {
                    out.push(
                        Finding::new(
                            &META,
                            obj,
                            c.at(&[k(list), Seg::Index(i)]),
                            format!(
                                "container `{}` passes a credential on its command line in `{list}` (not shown)",
                                c.name()
                            ),
                        )
                        .secret(),
                    );
                }
            }
            for (i, e) in c.env() {
                let Some(name) = e.get("name").and_then(Node::as_str) else {
                    continue;
                };
                // Most values are strings: read them in place.
                let Some(v) = e.get("value") else { continue };
                let value: std::borrow::Cow<str> = match v.as_str() {
                    Some(s) => s.into(),
                    None => match v.scalar_text() {
                        Some(t) => t.into(),
                        None => continue,
                    },
                };
                if literal_credential(name, &value) {
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
        if obj.kind == "ConfigMap" && obj.api_version == "v1" {
            for (key, value) in obj.get("data").and_then(Node::as_map).unwrap_or_default() {
                let (Some(name), Some(text)) = (key.scalar_text(), value.as_str()) else {
                    continue;
                };
                let path = vec![k("data"), k(&name)];
                if !text.contains('\n') && literal_credential(&name, text) {
                    out.push(
                        Finding::new(
                            &META,
                            obj,
                            path,
                            format!(
                                "{} holds a credential in `data.{name}` (not shown)",
                                obj.display()
                            ),
                        )
                        .secret(),
                    );
                    continue;
                }
                for line in property_credentials(text) {
                    let mut f = Finding::new(
                        &META,
                        obj,
                        path.clone(),
                        format!(
                            "{} holds a credential on line {line} of `data.{name}` (not shown)",
                            obj.display()
                        ),
                    )
                    .secret();
                    f.inner = Some((line, 1));
                    out.push(f);
                }
            }
        }
    }
}
