use super::super::object::k;
use super::super::{Context, Finding, Obj, Rule, Seg};
use crate::yaml::{Node, Value};

declare_rule! {
    /// ## What it flags
    /// A switch that turns TLS verification (or TLS) off, from a catalogue of
    /// known switches per tool: environment variables
    /// (`NODE_TLS_REJECT_UNAUTHORIZED: "0"`, `PYTHONHTTPSVERIFY: "0"`,
    /// `GIT_SSL_NO_VERIFY`, `*_INSECURE_SKIP_VERIFY`, `*_TLS_VERIFY: false`,
    /// `sslmode=disable` in a PostgreSQL URL), command-line flags
    /// (`--insecure-skip-tls-verify`, `--kubelet-insecure-tls`,
    /// `--serverstransport.insecureskipverify=true`), and
    /// `insecureSkipVerify: true` anywhere in an object (Traefik
    /// ServersTransports, Prometheus `tlsConfig`, Argo CD clusters).
    /// cloudflared's `noTLSVerify` is SS031's.
    ///
    /// ## Why it matters
    /// Without verification anything that can answer on the address receives
    /// the traffic, credentials included. A warning outside production, an
    /// error in it.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// env:
    ///   - { name: NODE_TLS_REJECT_UNAUTHORIZED, value: "0" }
    /// ```
    ///
    /// ## Use instead
    /// Give the client the CA that signed the server's certificate
    /// (`NODE_EXTRA_CA_CERTS`, `SSL_CERT_FILE`, `tlsConfig.ca`).
    ///
    /// ## References
    /// - https://nodejs.org/api/cli.html#node_tls_reject_unauthorized
    pub struct TlsVerificationOff {
        id: "SS047",
        name: "tls-verification-off",
        severity: Warning,
        summary: "TLS verification (or TLS) turned off",
        help: "Trust the server's CA instead (a CA bundle or `tlsConfig.ca`), and remove the switch.",
    }
}

fn truthy(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "on"
    )
}

fn falsy(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "0" | "false" | "no" | "off"
    )
}

/// Whether an environment variable turns verification off: exact names with
/// their "off" value, then suffixes.
fn env_turns_off(name: &str, value: &str) -> bool {
    let n = name.to_ascii_uppercase();
    match n.as_str() {
        "NODE_TLS_REJECT_UNAUTHORIZED" | "PYTHONHTTPSVERIFY" => return falsy(value),
        "GIT_SSL_NO_VERIFY" | "CURL_INSECURE" => return truthy(value),
        _ => {}
    }
    let skip = [
        "_INSECURE_SKIP_VERIFY",
        "_SKIP_TLS_VERIFY",
        "_TLS_SKIP_VERIFY",
        "_SKIP_SSL_VERIFY",
        "_TLS_INSECURE",
        "_SSL_INSECURE",
    ];
    let verify = [
        "_TLS_VERIFY",
        "_SSL_VERIFY",
        "_VERIFY_SSL",
        "_VERIFY_TLS",
        "_VERIFY_CERTS",
    ];
    (skip.iter().any(|s| n.ends_with(s)) && truthy(value))
        || (verify.iter().any(|s| n.ends_with(s)) && falsy(value))
        || (value.contains("sslmode=disable") && value.starts_with("postgres"))
}

/// Command-line flags that skip verification, bare or `=true`.
const FLAGS: &[&str] = &[
    "insecure-skip-tls-verify",
    "insecure-skip-verify",
    "kubelet-insecure-tls",
    "serverstransport.insecureskipverify",
    "tls-skip-verify",
    "skip-tls-verify",
    "insecure-skip-backend-tls-verify",
];

fn flag_turns_off(arg: &str) -> bool {
    let Some(flag) = arg.strip_prefix("--") else {
        return false;
    };
    let (name, value) = flag
        .split_once('=')
        .map_or((flag, None), |(n, v)| (n, Some(v)));
    FLAGS.contains(&name.to_ascii_lowercase().as_str()) && value.is_none_or(truthy)
}

/// `insecureSkipVerify: true` (any case) anywhere under `node`, with its path.
fn insecure_keys(node: &Node, path: &mut Vec<Seg>, out: &mut Vec<Vec<Seg>>) {
    match &node.value {
        Value::Map(entries) => {
            for (key, v) in entries.iter() {
                let Some(name) = key.as_str() else { continue };
                path.push(k(name));
                if name.eq_ignore_ascii_case("insecureSkipVerify") && v.as_bool() == Some(true) {
                    out.push(path.clone());
                } else {
                    insecure_keys(v, path, out);
                }
                path.pop();
            }
        }
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Seg::Index(i));
                insecure_keys(item, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

impl Rule for TlsVerificationOff {
    fn check(&self, obj: &Obj, _cx: &Context, out: &mut Vec<Finding>) {
        let mut push = |path: Vec<Seg>, what: String| {
            out.push(
                Finding::new(&META, obj, path, format!("{}: {what}", obj.display()))
                    .strict_in_prd(obj),
            );
        };
        for c in obj.containers() {
            for (i, e) in c.env() {
                let (Some(name), Some(value)) = (
                    e.get("name").and_then(Node::as_str),
                    e.get("value").and_then(Node::scalar_text),
                ) else {
                    continue;
                };
                if env_turns_off(name, &value) {
                    let what = if value.contains("sslmode=disable") {
                        format!(
                            "container `{}` connects to PostgreSQL without TLS (`sslmode=disable` in `{name}`)",
                            c.name()
                        )
                    } else {
                        format!(
                            "container `{}` turns TLS verification off with `{name}`",
                            c.name()
                        )
                    };
                    push(c.at(&[k("env"), Seg::Index(i), k("value")]), what);
                }
            }
            for list in ["command", "args"] {
                let items = c.node.get(list).and_then(Node::as_seq).unwrap_or_default();
                for (i, item) in items.iter().enumerate() {
                    if item.as_str().is_some_and(flag_turns_off) {
                        push(
                            c.at(&[k(list), Seg::Index(i)]),
                            format!(
                                "container `{}` skips TLS verification on its command line",
                                c.name()
                            ),
                        );
                    }
                }
            }
        }
        // cloudflared's own switch is SS031's; pods are covered above.
        if obj.containers().is_empty() && !obj.is_cloudflared_config() {
            let mut found = Vec::new();
            insecure_keys(obj.node(), &mut Vec::new(), &mut found);
            for path in found {
                push(
                    path,
                    "`insecureSkipVerify: true` accepts any certificate".into(),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switches_by_tool() {
        assert!(env_turns_off("NODE_TLS_REJECT_UNAUTHORIZED", "0"));
        assert!(!env_turns_off("NODE_TLS_REJECT_UNAUTHORIZED", "1"));
        assert!(env_turns_off("VAULT_SKIP_TLS_VERIFY", "true"));
        assert!(env_turns_off("ES_SSL_VERIFY", "false"));
        assert!(!env_turns_off("ES_SSL_VERIFY", "true"));
        assert!(env_turns_off(
            "DATABASE_URL",
            "postgres://db/app?sslmode=disable"
        ));
        assert!(flag_turns_off("--kubelet-insecure-tls"));
        assert!(flag_turns_off("--serverstransport.insecureskipverify=true"));
        assert!(!flag_turns_off("--insecure-skip-tls-verify=false"));
        assert!(!flag_turns_off("--insecure"));
    }
}
