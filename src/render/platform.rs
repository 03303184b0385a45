//! Platform operators: each an ArgoCD Application of a pinned Helm chart,
//! applied server-side (their CRDs are too large for client-side apply).

use serde_json::{json, Value as J};

use super::{wave, Component, Source};
use crate::model::{Env, Model, OperatorKind};

struct Catalog {
    component: &'static str,
    namespace: &'static str,
    repo_url: &'static str,
    chart: &'static str,
}

fn catalog(kind: OperatorKind) -> Catalog {
    let (component, namespace, repo_url, chart) = match kind {
        OperatorKind::ExternalSecrets => (
            "external-secrets",
            "external-secrets",
            "https://charts.external-secrets.io",
            "external-secrets",
        ),
        OperatorKind::Reloader => (
            "reloader",
            "reloader",
            "https://stakater.github.io/stakater-charts",
            "reloader",
        ),
        OperatorKind::RedisOperator => (
            "redis-operator",
            "ot-operators",
            "https://ot-container-kit.github.io/helm-charts",
            "redis-operator",
        ),
        OperatorKind::CloudnativePg => (
            "cloudnative-pg",
            "cnpg-system",
            "https://cloudnative-pg.github.io/charts",
            "cloudnative-pg",
        ),
        OperatorKind::IngressNginx => (
            "ingress-nginx",
            "ingress-nginx",
            "https://kubernetes.github.io/ingress-nginx",
            "ingress-nginx",
        ),
        OperatorKind::ExternalDns => (
            "external-dns",
            "external-dns",
            "https://kubernetes-sigs.github.io/external-dns",
            "external-dns",
        ),
        OperatorKind::TailscaleOperator => (
            "tailscale-operator",
            "tailscale",
            "https://pkgs.tailscale.com/helmcharts",
            "tailscale-operator",
        ),
    };
    Catalog {
        component,
        namespace,
        repo_url,
        chart,
    }
}

fn values(model: &Model, env: &Env, kind: OperatorKind) -> J {
    match kind {
        OperatorKind::ExternalSecrets => json!({ "installCRDs": true }),
        OperatorKind::Reloader => {
            json!({ "reloader": { "autoReloadAll": model.project.reloader_auto_all } })
        }
        OperatorKind::ExternalDns => json!({
            "provider": { "name": "cloudflare" },
            "sources": ["ingress", "crd"],
            "policy": "sync",
            "txtOwnerId": format!("{}-{}", model.project.name, env.name),
            "domainFilters": [],
            "env": [{ "name": "CF_API_TOKEN", "valueFrom": { "secretKeyRef": { "name": "cloudflare-api-token", "key": "api-token" } } }],
        }),
        OperatorKind::TailscaleOperator => {
            json!({ "operatorConfig": { "hostname": format!("{}-{}-operator", model.project.name, env.name) } })
        }
        OperatorKind::RedisOperator | OperatorKind::CloudnativePg | OperatorKind::IngressNginx => {
            json!({})
        }
    }
}

pub fn operators(model: &Model, env: &Env) -> Vec<Component> {
    env.operators
        .iter()
        .map(|op| {
            let c = catalog(op.kind);
            Component {
                name: c.component.into(),
                wave: wave::OPERATORS,
                namespace: Some(c.namespace.into()),
                source: Source::Helm {
                    repo_url: c.repo_url,
                    chart: c.chart,
                    version: op.version.clone(),
                    values: values(model, env, op.kind),
                },
                objects: Vec::new(),
                origin: op.span,
                server_side: true,
            }
        })
        .collect()
}
