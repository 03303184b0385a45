use super::super::object::k;
use super::super::{Context, Finding, Obj, Rule, RuleMeta, Seg};

use crate::yaml::Node;

declare_rule! {
    /// ## What it flags
    /// `external-dns.alpha.kubernetes.io/` annotations (and DNSEndpoint
    /// `providerSpecific` names) when the project declares External-DNS 0.22 or
    /// newer (`external-dns: { version: … }` in `shipshape.yaml`).
    ///
    /// ## Why it matters
    /// External-DNS 0.22 reads only `external-dns.kubernetes.io/`, with no
    /// fallback: with `policy: sync` it deletes the records these annotations used
    /// to publish.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// annotations: { external-dns.alpha.kubernetes.io/target: tunnel.example.com }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// annotations: { external-dns.kubernetes.io/target: tunnel.example.com }
    /// ```
    ///
    /// ## References
    /// - https://github.com/kubernetes-sigs/external-dns/releases
    pub struct ExternalDnsLegacyPrefix {
        id: "SS044",
        name: "external-dns-legacy-prefix",
        severity: Error,
        summary: "legacy External-DNS annotation prefix with External-DNS 0.22+",
        help: "Rename the key to the `external-dns.kubernetes.io/` prefix.",
    }
}

const LEGACY: &str = "external-dns.alpha.kubernetes.io/";

impl Rule for ExternalDnsLegacyPrefix {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn check(&self, obj: &Obj, cx: &Context, out: &mut Vec<Finding>) {
        if !cx.settings.external_dns_modern {
            return;
        }
        for (key, _) in obj
            .get("metadata.annotations")
            .and_then(Node::as_map)
            .unwrap_or_default()
        {
            let Some(name) = key.as_str().filter(|n| n.starts_with(LEGACY)) else {
                continue;
            };
            out.push(Finding::new(
                &META,
                obj,
                vec![k("metadata"), k("annotations"), k(name), Seg::KeyNode],
                format!("`{name}` is ignored by External-DNS 0.22+"),
            ));
        }
        if obj.kind == "DNSEndpoint" {
            for (i, e) in obj
                .get("spec.endpoints")
                .and_then(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                for (j, p) in e
                    .get("providerSpecific")
                    .and_then(Node::as_seq)
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                {
                    if let Some(name) = p
                        .get("name")
                        .and_then(Node::as_str)
                        .filter(|n| n.starts_with(LEGACY))
                    {
                        out.push(Finding::new(
                            &META,
                            obj,
                            vec![
                                k("spec"),
                                k("endpoints"),
                                Seg::Index(i),
                                k("providerSpecific"),
                                Seg::Index(j),
                                k("name"),
                            ],
                            format!("`{name}` is ignored by External-DNS 0.22+"),
                        ));
                    }
                }
            }
        }
    }
}
