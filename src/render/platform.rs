//! Platform operators: each an ArgoCD Application of a pinned Helm chart from
//! the compatibility catalogue, applied server-side (their CRDs are too large for
//! client-side apply). Values follow what the pinned version reads.

use serde_json::{json, Value as J};

use super::{wave, Component, Source};
use crate::catalog;
use crate::model::{Env, Model, Operator, OperatorKind};

fn values(model: &Model, env: &Env, op: &Operator) -> J {
    match op.kind {
        OperatorKind::CertManager => json!({
            "crds": { "enabled": true, "keep": true },
            // Keep leader election in the release namespace, which the AppProject allows,
            // instead of the chart's default kube-system.
            "global": { "leaderElection": { "namespace": catalog::entry(op.kind).namespace } },
        }),
        OperatorKind::ExternalSecrets => json!({ "installCRDs": true }),
        OperatorKind::Reloader => json!({ "reloader": {
            "autoReloadAll": model.project.reloader_auto_all,
            // The default `env-vars` strategy edits the pod template, which Argo CD's
            // selfHeal reverts; annotations are what Reloader recommends with Argo CD.
            "reloadStrategy": "annotations",
        }}),
        OperatorKind::ExternalDns => {
            let mut v = json!({
                "provider": { "name": "cloudflare" },
                "sources": ["ingress", "crd"],
                "policy": "sync",
                "txtOwnerId": format!("{}-{}", model.project.name, env.name),
                "domainFilters": domain_filters(env),
                "env": [{ "name": "CF_API_TOKEN", "valueFrom": { "secretKeyRef": { "name": "cloudflare-api-token", "key": "api-token" } } }],
                // One controller pod: small, and bounded.
                "resources": { "requests": { "cpu": "10m", "memory": "64Mi" }, "limits": { "memory": "128Mi" } },
            });
            if !model.project.reloader_auto_all {
                // It reads the API token once, at start: restart on rotation.
                v["deploymentAnnotations"] = json!({ super::meta::RELOADER_AUTO: "true" });
            }
            let (prefix, set) = catalog::operators::external_dns_prefix(&op.version);
            if set {
                v["annotationPrefix"] = J::from(prefix);
            }
            v
        }
        OperatorKind::IngressNginx if env.exposed_privately() => {
            // Traffic arrives through the tunnel or the tailnet: no public load balancer.
            json!({ "controller": { "service": { "type": "ClusterIP" } } })
        }
        OperatorKind::TailscaleOperator => {
            json!({ "operatorConfig": { "hostname": format!("{}-{}-operator", model.project.name, env.name) } })
        }
        OperatorKind::RedisOperator
            if op.version >= catalog::Version::known(catalog::runtime::OT_TLS_CA_RENAMED_SINCE) =>
        {
            // From 0.24 the redis image's entrypoint cannot read the TLS
            // variables the operator sets: let the operator write the config.
            json!({ "featureGates": { catalog::runtime::OT_INIT_CONFIG_GATE: true } })
        }
        OperatorKind::RedisOperator
        | OperatorKind::CloudnativePg
        | OperatorKind::BarmanCloud
        | OperatorKind::IngressNginx => json!({}),
    }
}

/// The DNS names External-DNS may manage: the parent domain of each public
/// hostname (`api.example.com` → `example.com`; an apex stays itself). With
/// `policy: sync`, an empty list would let it manage every zone the token reaches.
fn domain_filters(env: &Env) -> Vec<String> {
    let mut out: Vec<String> = env
        .apps
        .iter()
        .flat_map(|a| a.public.iter())
        .map(|h| {
            let labels: Vec<&str> = h.split('.').collect();
            if labels.len() > 2 {
                labels[1..].join(".")
            } else {
                h.to_string()
            }
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

pub fn operators(model: &Model, env: &Env) -> Vec<Component> {
    env.operators
        .iter()
        .map(|op| {
            let c = catalog::entry(op.kind);
            let values = values(model, env, op);
            // cert-manager first: the Barman Cloud plugin's chart creates
            // Certificates. A chart that reads a Secret the store makes waits
            // for the store's wave, or it never turns Healthy.
            let wave = if op.kind == OperatorKind::CertManager {
                wave::PREREQUISITES
            } else if !catalog::operators::release_secrets(Some(op.kind), &values).is_empty() {
                wave::SECRET_READERS
            } else {
                wave::OPERATORS
            };
            Component {
                name: c.key.into(),
                wave,
                namespace: Some(c.namespace.into()),
                source: Source::Helm {
                    repo_url: c.repo_url,
                    chart: c.chart,
                    version: op.version.to_string(),
                    values,
                },
                objects: Vec::new(),
                origin: op.span,
                server_side: true,
                own_namespaces: false,
            }
        })
        .collect()
}
