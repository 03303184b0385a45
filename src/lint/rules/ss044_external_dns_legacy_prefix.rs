use super::super::object::k;
use super::super::{Context, Finding, Obj, Rule, Seg};

use crate::yaml::Node;

declare_rule! {
    /// ## What it flags
    /// External-DNS annotations (and DNSEndpoint `providerSpecific` names) with a
    /// prefix that the environment's External-DNS does not read, going by the
    /// chart version the environment pins (`platform: { external-dns: … }`):
    /// `external-dns.alpha.kubernetes.io/` where the controller reads
    /// `external-dns.kubernetes.io/` (app 0.22+, or chart 1.20+ with
    /// `annotationPrefix` set, as shipshape renders it), and the reverse with older
    /// charts, which read only the alpha prefix. Without a shipshape project,
    /// the External-DNS Application or HelmRelease of the set tells: its
    /// `annotationPrefix` value or `--annotation-prefix` argument, else the
    /// default of the app version its chart ships.
    ///
    /// ## Why it matters
    /// There is no fallback between the prefixes: the record is never published,
    /// and with `policy: sync` External-DNS deletes the records these annotations
    /// used to publish.
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
        summary: "External-DNS annotation prefix the environment's External-DNS does not read",
        help: "Rename the key to the prefix the pinned External-DNS reads, or pin a chart that reads this one.",
    }
}

use crate::catalog::operators::{DNS_PREFIX, LEGACY_DNS_PREFIX};

/// The prefix the External-DNS the set installs (for the object's env) reads:
/// its `annotationPrefix` value or `--annotation-prefix` argument, else the
/// default of the app version its chart ships.
fn prefix_from_set(obj: &Obj, cx: &Context) -> Option<String> {
    let pin = cx.cluster().chart_for(
        crate::catalog::OperatorKind::ExternalDns,
        obj.env.as_deref(),
        &obj.doc.dir,
    )?;
    let from_values = pin.values.as_ref().and_then(|v| {
        v.get("annotationPrefix")
            .and_then(Node::as_str)
            .map(str::to_string)
            .or_else(|| {
                v.get("extraArgs")
                    .and_then(Node::as_seq)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(Node::as_str)
                    .find_map(|a| a.strip_prefix("--annotation-prefix=").map(str::to_string))
            })
    });
    from_values.or_else(|| {
        pin.version
            .and_then(|v| crate::catalog::operators::external_dns_default_prefix(&v))
            .map(str::to_string)
    })
}

/// The External-DNS prefix a key uses, if any.
fn prefix_of(key: &str) -> Option<&'static str> {
    [LEGACY_DNS_PREFIX, DNS_PREFIX]
        .into_iter()
        .find(|p| key.starts_with(p))
}

impl Rule for ExternalDnsLegacyPrefix {
    fn check(&self, obj: &Obj, cx: &Context, out: &mut Vec<Finding>) {
        // Which prefix the env's External-DNS reads is asked only of objects
        // that carry one: most objects then need nothing from the set.
        let annotated = obj
            .get("metadata.annotations")
            .and_then(Node::as_map)
            .unwrap_or_default()
            .iter()
            .any(|(key, _)| key.as_str().and_then(prefix_of).is_some());
        if !annotated && obj.kind != "DNSEndpoint" {
            return;
        }
        let from_project = obj
            .env
            .as_ref()
            .and_then(|e| cx.settings.external_dns_prefix.get(e))
            .map(|p| (*p).to_string());
        let Some(reads) = from_project.or_else(|| prefix_from_set(obj, cx)) else {
            return;
        };
        let reads = reads.as_str();
        let ignored = |name: &str| prefix_of(name).is_some_and(|p| p != reads);
        let message = |name: &str| {
            format!("`{name}` is ignored: this environment's External-DNS reads `{reads}…`")
        };
        for (key, _) in obj
            .get("metadata.annotations")
            .and_then(Node::as_map)
            .unwrap_or_default()
        {
            let Some(name) = key.as_str().filter(|n| ignored(n)) else {
                continue;
            };
            out.push(Finding::new(
                &META,
                obj,
                vec![k("metadata"), k("annotations"), k(name), Seg::KeyNode],
                message(name),
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
                    if let Some(name) = p.get("name").and_then(Node::as_str).filter(|n| ignored(n))
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
                            message(name),
                        ));
                    }
                }
            }
        }
    }
}
