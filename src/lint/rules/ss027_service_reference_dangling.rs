use super::super::object::k;
use super::super::{Context, Finding, Obj, Rule, Seg};
use crate::yaml::Node;

declare_rule! {
    /// ## What it flags
    /// A container env value naming an in-cluster host for which no Service
    /// exists in the set: `name.ns.svc[.cluster.local]`, `name.ns` (for a
    /// namespace of the set), a bare `name` in a variable named like a host
    /// (`…_HOST`, `…_ADDR`, `…_SERVICE`), or the host of a `redis://`,
    /// `postgres://`, `http(s)://` URL. Services operators create count (OT Redis
    /// `-headless`, `-master`, `-replica`, `-sentinel` for the pinned version;
    /// CloudNativePG `-rw`, `-ro`, `-r`). Runs when the set is complete (`shipshape check`, `lint --complete`).
    ///
    /// ## Why it matters
    /// DNS does not resolve and the app crash-loops, e.g. `redis-queue-master`
    /// with an OT operator older than 0.19, which creates no `-master` Service.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// - { name: REDIS_HOST, value: redis-queue-master.shop.svc.cluster.local }   # no such Service
    /// ```
    ///
    /// ## Use instead
    /// Name a Service the set (or its operators, at the pinned version) creates.
    ///
    /// ## References
    /// - https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/
    pub struct ServiceReferenceDangling {
        id: "SS027",
        name: "service-reference-dangling",
        severity: Error,
        summary: "env value names an in-cluster Service that does not exist",
        help: "Name a Service that exists (for an operator, one it creates at the pinned version).",
        whole_set: true,
    }
}

/// Variables whose bare single-label value is a host name.
fn host_variable(var: &str) -> bool {
    let v = var.to_ascii_uppercase();
    ["HOST", "HOSTNAME", "ADDR", "ADDRESS", "SERVICE", "SERVER"]
        .iter()
        .any(|s| v.ends_with(s))
}

/// The in-cluster Services a value names: (name, namespace if stated).
pub fn service_hosts(
    var: &str,
    value: &str,
    namespaces: &std::collections::BTreeSet<String>,
) -> Vec<(String, Option<String>)> {
    let v = value.trim();
    let (host, from_url) = match v.split_once("://") {
        Some((_, rest)) => {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
            let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            (hostport.split(':').next().unwrap_or(""), true)
        }
        None => (v.split(':').next().unwrap_or(""), false),
    };
    let host = host.trim_end_matches('.');
    let label = |s: &str| {
        !s.is_empty()
            && s.len() <= 63
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.bytes().all(|b| b.is_ascii_digit())
    };
    let parts: Vec<&str> = host.split('.').collect();
    if parts.iter().any(|p| !label(p)) || host == "localhost" {
        return Vec::new();
    }
    match parts.as_slice() {
        [name, ns, "svc"] | [name, ns, "svc", "cluster", "local"] => {
            vec![((*name).to_string(), Some((*ns).to_string()))]
        }
        [name, ns] if namespaces.contains(*ns) => {
            vec![((*name).to_string(), Some((*ns).to_string()))]
        }
        [name] if host_variable(var) || (from_url && !name.is_empty()) => {
            vec![((*name).to_string(), None)]
        }
        _ => Vec::new(),
    }
}

impl Rule for ServiceReferenceDangling {
    fn check(&self, obj: &Obj, cx: &Context, out: &mut Vec<Finding>) {
        if obj.is_fragment() {
            return;
        }
        let ix = cx.cluster();
        for c in obj.containers() {
            for (i, e) in c.env() {
                let (Some(var), Some(value)) = (
                    e.get("name").and_then(Node::as_str),
                    e.get("value").and_then(Node::as_str),
                ) else {
                    continue;
                };
                for (name, ns) in service_hosts(var, value, &ix.namespaces) {
                    let ns = ns.as_deref().or(obj.namespace);
                    if !ix.has_service(ns, &name) {
                        let wher = ns.map_or_else(String::new, |n| format!(" in namespace `{n}`"));
                        out.push(Finding::new(
                            &META,
                            obj,
                            c.at(&[k("env"), Seg::Index(i), k("value")]),
                            format!("{}: `{var}` names Service `{name}`{wher}, which nothing in the set creates", obj.display()),
                        ));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_in_values() {
        let ns: std::collections::BTreeSet<String> = ["shop".to_string()].into();
        let f = |var: &str, v: &str| service_hosts(var, v, &ns);
        assert_eq!(
            f("X", "redis.shop.svc.cluster.local"),
            vec![("redis".into(), Some("shop".into()))]
        );
        assert_eq!(
            f("X", "redis://:pw@redis-master.shop.svc:6379/0"),
            vec![("redis-master".into(), Some("shop".into()))]
        );
        assert_eq!(
            f("X", "api.shop:80"),
            vec![("api".into(), Some("shop".into()))]
        );
        assert_eq!(f("DB_HOST", "pg-rw"), vec![("pg-rw".into(), None)]);
        assert!(f("LOG_LEVEL", "info").is_empty());
        assert!(f("X", "api.example.com").is_empty());
        assert!(f("X", "http://localhost:8080").is_empty());
        assert!(f("X", "10.0.0.1").is_empty());
    }
}
