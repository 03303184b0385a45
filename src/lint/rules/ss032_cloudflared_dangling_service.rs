use super::super::{Context, Finding, Obj, Rule};
use super::cloudflared_configs;
use crate::yaml::Node;

declare_rule! {
    /// ## What it flags
    /// A cloudflared ingress rule whose service is an in-cluster address
    /// (`http://name.namespace.svc[.cluster.local][:port]`) that is not a Service
    /// in the set, or not on that port. Runs only when the set is complete;
    /// namespaces that a Helm-chart Application deploys into are trusted, since
    /// their Services are not visible in the set.
    ///
    /// ## Why it matters
    /// The tunnel answers 502 for that hostname: public traffic fails while every
    /// pod looks healthy.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// - hostname: api.example.com
    ///   service: http://api.prd.svc.cluster.local:8080   # the Service listens on 80
    /// ```
    ///
    /// ## Use instead
    /// The Service's name, namespace and port exactly.
    ///
    /// ## References
    /// - https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/
    pub struct CloudflaredDanglingService {
        id: "SS032",
        name: "cloudflared-dangling-service",
        severity: Error,
        summary: "cloudflared routes to a Service that does not exist",
        help: "Point the rule at an existing Service name, namespace and port.",
        whole_set: true,
    }
}

/// `(service, namespace, port)` of an in-cluster service URL.
fn in_cluster(url: &str) -> Option<(String, String, u16)> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().ok()?),
        None => (authority, if scheme == "https" { 443 } else { 80 }),
    };
    let host = host.strip_suffix(".cluster.local").unwrap_or(host);
    let base = host.strip_suffix(".svc")?;
    let (svc, ns) = base.split_once('.')?;
    Some((svc.to_string(), ns.to_string(), port))
}

impl Rule for CloudflaredDanglingService {
    fn check(&self, obj: &Obj, cx: &Context, out: &mut Vec<Finding>) {
        let configs = cloudflared_configs(obj);
        if configs.is_empty() {
            return;
        }
        let trusted = &cx.cluster().chart_namespaces;
        for cfg in configs {
            for rule in cfg
                .root
                .get("ingress")
                .and_then(Node::as_seq)
                .unwrap_or_default()
            {
                let Some(svc_node) = rule.get("service") else {
                    continue;
                };
                let Some((svc, ns, port)) = svc_node.as_str().and_then(in_cluster) else {
                    continue;
                };
                if trusted.contains(&ns) {
                    continue;
                }
                let service = cx
                    .named(crate::lint::Kept::Service, &svc)
                    .find(|o| o.namespace == Some(ns.as_str()));
                let message = match service {
                    None => format!("cloudflared routes to Service `{svc}` in namespace `{ns}`, which is not in the set"),
                    Some(s) => {
                        let ports: Vec<i64> = s.get("spec.ports").and_then(Node::as_seq).unwrap_or_default().iter().filter_map(|p| p.get("port").and_then(Node::as_i64)).collect();
                        if ports.contains(&i64::from(port)) {
                            continue;
                        }
                        format!("cloudflared routes to port {port} of Service `{svc}.{ns}`, which listens on {ports:?}")
                    }
                };
                out.push(cfg.finding(&META, svc_node.span, message));
            }
        }
    }
}
