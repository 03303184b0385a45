use super::super::object::k;
use super::super::{Context, Finding, Obj, Rule, Seg};

use super::redis::{unit_finding, Engine};
use crate::yaml::Node;

declare_rule! {
    /// ## What it flags
    /// In production: a Redis without TLS (an OT operator CR without `TLS`, a
    /// StatefulSet without `tls-port`), or an app whose `REDIS_TLS_ENABLED` (or
    /// `REDIS_<NAME>_TLS_ENABLED`) is not `true`. Anywhere: `REDIS_TLS_SKIP_VERIFY=true`.
    ///
    /// ## Why it matters
    /// The deployment checklist requires TLS with verification in production:
    /// passwords and data otherwise cross the network in clear text.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// env:
    ///   - { name: REDIS_TLS_ENABLED, value: "false" }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    ///   - { name: REDIS_TLS_ENABLED, value: "true" }
    /// ```
    ///
    /// ## References
    /// - https://redis.io/docs/latest/operate/oss_and_stack/management/security/encryption/
    pub struct RedisTlsOff {
        id: "SS015",
        name: "redis-tls-off",
        severity: Error,
        summary: "Redis traffic without TLS in production",
        help: "Enable TLS on the Redis (a certificate Secret) and set REDIS_TLS_ENABLED=true with verification on.",
    }
}

fn redis_env(name: &str, suffix: &str) -> bool {
    name.starts_with("REDIS_") && name.ends_with(suffix)
}

impl RedisTlsOff {
    /// Connection settings with no TLS switch at all: `REDIS_HOST` without
    /// `REDIS_TLS_ENABLED`, or a `redis://` (not `rediss://`) URL.
    fn unflagged_connections(
        &self,
        obj: &Obj,
        c: &super::super::object::Container,
        out: &mut Vec<Finding>,
    ) {
        let names: Vec<&str> = c
            .env()
            .filter_map(|(_, e)| e.get("name").and_then(Node::as_str))
            .collect();
        for (i, e) in c.env() {
            let Some(name) = e.get("name").and_then(Node::as_str) else {
                continue;
            };
            let at = || c.at(&[k("env"), Seg::Index(i)]);
            if let Some(prefix) = name
                .strip_suffix("HOST")
                .filter(|p| p.starts_with("REDIS_"))
            {
                let switch = format!("{prefix}TLS_ENABLED");
                if !names.contains(&switch.as_str()) {
                    out.push(Finding::new(&META, obj, at(), format!("container `{}` connects to Redis (`{name}`) in production without `{switch}`", c.name())));
                }
            } else if name.starts_with("REDIS") && name.ends_with("URL") {
                let plain = e
                    .get("value")
                    .and_then(Node::as_str)
                    .is_some_and(|v| v.starts_with("redis://"));
                if plain {
                    out.push(Finding::new(&META, obj, at(), format!("container `{}` connects to Redis with a `redis://` URL in production", c.name())).help("Use a `rediss://` URL (TLS) and keep certificate verification on."));
                }
            }
        }
    }
}

impl Rule for RedisTlsOff {
    fn check(&self, obj: &Obj, _cx: &Context, out: &mut Vec<Finding>) {
        for c in obj.containers() {
            if obj.production {
                self.unflagged_connections(obj, c, out);
            }
            for (i, e) in c.env() {
                let Some(name) = e.get("name").and_then(Node::as_str) else {
                    continue;
                };
                let value = e
                    .get("value")
                    .and_then(Node::scalar_text)
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                let at = || c.at(&[k("env"), Seg::Index(i), k("value")]);
                if redis_env(name, "TLS_SKIP_VERIFY") && value == "true" {
                    out.push(Finding::new(
                        &META,
                        obj,
                        at(),
                        format!(
                            "container `{}` skips Redis certificate verification (`{name}=true`)",
                            c.name()
                        ),
                    ));
                } else if obj.production
                    && redis_env(name, "TLS_ENABLED")
                    && e.get("valueFrom").is_none()
                    && value != "true"
                {
                    out.push(Finding::new(&META, obj, at(), format!("container `{}` connects to Redis without TLS in production (`{name}={value}`)", c.name())));
                }
            }
        }
    }
    fn check_set(&self, cx: &Context, out: &mut Vec<Finding>) {
        for u in cx.redis_units() {
            if !u.obj.production {
                continue;
            }
            let tls = match u.engine {
                Engine::Operator => u.obj.get("spec.TLS").is_some(),
                Engine::StatefulSet => u.persisted("tls-port").is_some_and(|s| s.value != "0"),
            };
            if !tls {
                let f = unit_finding(
                    &META,
                    u,
                    vec![k("spec"), Seg::KeyNode],
                    format!(
                        "{} accepts clients without TLS in production",
                        u.obj.display()
                    ),
                );
                // The operator's TLS is its CR's, never its config file's.
                out.push(match u.engine {
                    Engine::Operator => f,
                    Engine::StatefulSet => u.missing(f, META.severity),
                });
            }
        }
    }
}
