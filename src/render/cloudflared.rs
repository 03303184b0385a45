//! Cloudflare Tunnel: the locally-managed `config.yaml` (ingress rules most
//! specific first, `http_status:404` last), the same bytes in a ConfigMap for the
//! cloudflared Deployment, its credentials from an ExternalSecret, and DNS
//! records through External-DNS when the tunnel bypasses NGINX.

use serde_json::{json, Map, Value as J};

use super::meta::{
    annotate, container_security, disruption_budget, labels, object, selector, with_spec,
    RELOADER_AUTO,
};
use super::secrets::external_secret;
use super::{wave, Bundle, Component, EnvRender, Object, Source, HEADER};
use crate::catalog::runtime::CLOUDFLARED_UID;
use crate::model::{Env, Model, Security, Tunnel};

const NAMESPACE: &str = "cloudflared";
const NGINX: &str = "http://ingress-nginx-controller.ingress-nginx.svc.cluster.local:80";
const CREDENTIALS_DIR: &str = "/etc/cloudflared/creds";
const CONFIG_DIR: &str = "/etc/cloudflared/config";

/// Output-relative path of an environment's config.yaml.
pub fn config_path(env: &str) -> String {
    format!("cloudflared/{env}/config.yaml")
}

/// Exact hostnames before wildcards, deeper names before shallower: cloudflared
/// takes the first matching rule, so the most specific must come first.
fn specificity(host: &str) -> (bool, std::cmp::Reverse<usize>, String) {
    (
        host.starts_with("*."),
        std::cmp::Reverse(host.split('.').count()),
        host.to_string(),
    )
}

pub fn config(env: &Env, t: &Tunnel) -> J {
    let mut routes: Vec<(String, String)> = Vec::new();
    for app in &env.apps {
        for h in &app.public {
            let service = if t.via_ingress_nginx {
                NGINX.to_string()
            } else {
                format!("http://{}.{}.svc.cluster.local:80", app.name, env.namespace)
            };
            routes.push((h.clone(), service));
        }
    }
    routes.sort_by_key(|r| specificity(&r.0));
    let mut ingress: Vec<J> = routes
        .into_iter()
        .map(|(hostname, service)| json!({ "hostname": hostname, "service": service }))
        .collect();
    ingress.push(json!({ "service": "http_status:404" }));
    json!({
        "tunnel": t.tunnel_id,
        "credentials-file": format!("{CREDENTIALS_DIR}/credentials.json"),
        "metrics": "0.0.0.0:2000",
        "no-autoupdate": true,
        "ingress": ingress,
    })
}

/// The file's bytes: header, then the config.
pub fn config_text(config: &J) -> String {
    format!("{HEADER}\n{}", crate::yaml::emit::to_yaml(config))
}

pub fn config_file(r: &EnvRender, bundle: &mut Bundle) {
    if let Some((config, _)) = &r.cloudflared_config {
        bundle
            .files
            .insert(config_path(&r.env), config_text(config));
    }
}

pub fn component(model: &Model, env: &Env, t: &Tunnel, config: &J) -> Component {
    let name = "cloudflared";
    let mut objects = vec![Object::new(
        external_secret(
            model,
            env,
            name,
            "cloudflared-credentials",
            &[("credentials.json", &t.credentials_key)],
            None,
        ),
        t.span,
    )];
    let mut cm = object("v1", "ConfigMap", "cloudflared-config", labels(model, name));
    cm["data"] = json!({ "config.yaml": config_text(config) });
    objects.push(Object::new(cm, t.span));
    let mut security = container_security(&Security::default());
    security["readOnlyRootFilesystem"] = J::from(true);
    let container = json!({
        "name": "cloudflared",
        "image": t.image.to_string(),
        "args": ["tunnel", "--config", format!("{CONFIG_DIR}/config.yaml"), "run"],
        "ports": [{ "name": "metrics", "containerPort": 2000 }],
        // `/ready` reports the edge connections, so it gates traffic; liveness
        // asks only whether the process answers (`/healthcheck`): an edge blip
        // must not restart every replica at once.
        "readinessProbe": { "httpGet": { "path": "/ready", "port": "metrics" }, "periodSeconds": 10 },
        "livenessProbe": { "httpGet": { "path": "/healthcheck", "port": "metrics" }, "initialDelaySeconds": 10, "periodSeconds": 10, "failureThreshold": 3 },
        "resources": { "requests": { "cpu": "50m", "memory": "64Mi" }, "limits": { "memory": "256Mi" } },
        "securityContext": security,
        "volumeMounts": [
            { "name": "config", "mountPath": CONFIG_DIR, "readOnly": true },
            { "name": "credentials", "mountPath": CREDENTIALS_DIR, "readOnly": true },
        ],
    });
    let mut deployment = with_spec(
        object("apps/v1", "Deployment", name, labels(model, name)),
        json!({
            "replicas": t.replicas,
            "selector": { "matchLabels": selector(name) },
            "template": {
                "metadata": { "labels": labels(model, name) },
                "spec": {
                    "securityContext": {
                        "runAsNonRoot": true,
                        // Numeric, so the kubelet can check runAsNonRoot on
                        // releases whose image says `USER nonroot` (before 2025.7.0).
                        "runAsUser": CLOUDFLARED_UID,
                        "runAsGroup": CLOUDFLARED_UID,
                        "seccompProfile": { "type": "RuntimeDefault" },
                    },
                    "containers": [container],
                    "volumes": [
                        { "name": "config", "configMap": { "name": "cloudflared-config" } },
                        { "name": "credentials", "secret": { "secretName": "cloudflared-credentials" } },
                    ],
                },
            },
        }),
    );
    if !model.project.reloader_auto_all {
        annotate(&mut deployment, RELOADER_AUTO, "true");
    }
    objects.push(Object::new(deployment, t.span));
    if t.replicas >= 2 {
        let pods = selector(name).as_object().cloned().unwrap_or_default();
        objects.push(Object::new(
            disruption_budget(model, name, name, pods),
            t.span,
        ));
    }
    if !t.via_ingress_nginx {
        objects.extend(dns_endpoints(model, env, t));
    }
    Component {
        name: name.into(),
        wave: wave::EXPOSURE,
        namespace: Some(NAMESPACE.into()),
        source: Source::Manifests,
        objects,
        origin: t.span,
        server_side: false,
        own_namespaces: false,
    }
}

/// Without NGINX there is no Ingress for External-DNS to read: publish CNAMEs
/// through its CRD source instead.
fn dns_endpoints(model: &Model, env: &Env, t: &Tunnel) -> Vec<Object> {
    let (prefix, _) = env.external_dns_prefix();
    let mut out = Vec::new();
    for app in &env.apps {
        if app.public.is_empty() {
            continue;
        }
        let endpoints: Vec<J> = app
            .public
            .iter()
            .map(|h| {
                json!({
                    "dnsName": h,
                    "recordType": "CNAME",
                    "targets": [format!("{}.cfargotunnel.com", t.tunnel_id)],
                    "providerSpecific": [{ "name": format!("{prefix}cloudflare-proxied"), "value": "true" }],
                })
            })
            .collect();
        let mut l: Map<String, J> = labels(model, "cloudflared");
        l.insert(
            "app.kubernetes.io/instance".into(),
            J::from(app.name.as_str()),
        );
        out.push(Object::new(
            with_spec(
                object(
                    "externaldns.k8s.io/v1alpha1",
                    "DNSEndpoint",
                    &format!("{}-dns", app.name),
                    l,
                ),
                json!({ "endpoints": endpoints }),
            ),
            app.span,
        ));
    }
    out
}
