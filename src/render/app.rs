//! Applications: Deployment, Service, the ExternalSecret behind `secret-env`, and
//! an Ingress for public hostnames (NGINX behind Cloudflare Tunnel, with
//! External-DNS annotations; or the Tailscale ingress class in dev).

use serde_json::{json, Value as J};

use super::meta::{
    annotate, container_security, disruption_budget, labels, object, selector, with_spec,
    RELOADER_AUTO,
};
use super::postgres;
use super::secrets::external_secret;
use super::{wave, Component, Object, Source};
use crate::model::{App, Env, Model};

fn env_prefix(kind: &str, name: &str, several: bool) -> String {
    if several {
        format!("{kind}_{}_", name.to_ascii_uppercase().replace('-', "_"))
    } else {
        format!("{kind}_")
    }
}

fn secret_ref(var: &str, secret: &str, key: &str) -> J {
    json!({ "name": var, "valueFrom": { "secretKeyRef": { "name": secret, "key": key } } })
}

fn plain(var: &str, value: &str) -> J {
    json!({ "name": var, "value": value })
}

/// The container's environment: plain values, then connection settings for each
/// data service, then secrets, each group in a stable order.
fn container_env(env: &Env, app: &App) -> Vec<J> {
    let mut out: Vec<J> = app.env.iter().map(|(k, v)| plain(k, v)).collect();
    for name in &app.redis {
        let Some(r) = env.redis(name) else { continue };
        let p = env_prefix("REDIS", &r.name, app.redis.len() > 1);
        out.push(plain(&format!("{p}HOST"), &r.service_host(&env.namespace)));
        out.push(plain(&format!("{p}PORT"), "6379"));
        out.push(plain(
            &format!("{p}TLS_ENABLED"),
            if r.tls_secret.is_some() {
                "true"
            } else {
                "false"
            },
        ));
        if r.tls_secret.is_some() {
            out.push(plain(
                &format!("{p}TLS_CA_FILE"),
                &format!("{}/ca.crt", ca_dir(&r.name)),
            ));
        }
        out.push(secret_ref(
            &format!("{p}PASSWORD"),
            &r.secret_name(),
            "password",
        ));
    }
    for name in &app.postgres {
        let Some(pg) = env.postgres(name) else {
            continue;
        };
        let p = env_prefix("POSTGRES", &pg.name, app.postgres.len() > 1);
        out.push(plain(
            &format!("{p}HOST"),
            &postgres::host(pg, &env.namespace),
        ));
        out.push(plain(&format!("{p}PORT"), "5432"));
        out.push(plain(&format!("{p}DATABASE"), &pg.database));
        out.push(secret_ref(
            &format!("{p}USER"),
            &pg.secret_name(),
            "username",
        ));
        out.push(secret_ref(
            &format!("{p}PASSWORD"),
            &pg.secret_name(),
            "password",
        ));
    }
    for (var, _) in &app.secret_env {
        out.push(secret_ref(var, &app.secret_name(), var));
    }
    out
}

/// Where an app finds the CA of a Redis with TLS.
fn ca_dir(redis: &str) -> String {
    format!("/etc/redis-tls/{redis}")
}

/// Volumes (and their mounts) with only `ca.crt` of each TLS Redis the app uses:
/// enough to verify the server, never its key.
fn ca_volumes(env: &Env, app: &App) -> (Vec<J>, Vec<J>) {
    let mut volumes = Vec::new();
    let mut mounts = Vec::new();
    for r in app.redis.iter().filter_map(|n| env.redis(n)) {
        let Some(secret) = &r.tls_secret else {
            continue;
        };
        let vol = format!("redis-{}-ca", r.name);
        volumes.push(json!({ "name": vol, "secret": { "secretName": secret, "items": [{ "key": "ca.crt", "path": "ca.crt" }] } }));
        mounts.push(json!({ "name": vol, "mountPath": ca_dir(&r.name), "readOnly": true }));
    }
    (volumes, mounts)
}

fn consumes_secrets(app: &App) -> bool {
    !app.redis.is_empty() || !app.postgres.is_empty() || !app.secret_env.is_empty()
}

pub fn component(model: &Model, env: &Env, app: &App) -> Component {
    let mut objects = Vec::new();
    if !app.secret_env.is_empty() {
        let data: Vec<(&str, &str)> = app
            .secret_env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        objects.push(Object::new(
            external_secret(model, env, &app.name, &app.secret_name(), &data, None),
            app.span,
        ));
    }
    let mut container = json!({
        "name": app.name,
        "image": app.image.to_string(),
        "ports": [{ "name": "http", "containerPort": app.port }],
        "env": container_env(env, app),
        "securityContext": container_security(&app.security),
    });
    let (volumes, mounts) = ca_volumes(env, app);
    if !mounts.is_empty() {
        container["volumeMounts"] = J::from(mounts);
    }
    let mut resources = json!({});
    if !app.requests.is_empty() {
        resources["requests"] = app
            .requests
            .iter()
            .map(|(k, v)| (k.clone(), J::from(v.as_str())))
            .collect();
    }
    if !app.limits.is_empty() {
        resources["limits"] = app
            .limits
            .iter()
            .map(|(k, v)| (k.clone(), J::from(v.as_str())))
            .collect();
    }
    container["resources"] = resources;
    if let Some(h) = &app.health {
        container["readinessProbe"] =
            json!({ "httpGet": { "path": h.readiness, "port": "http" }, "periodSeconds": 10 });
        // Liveness is slower to act: a restart is the last resort.
        container["livenessProbe"] = json!({ "httpGet": { "path": h.liveness, "port": "http" }, "periodSeconds": 10, "failureThreshold": 6 });
    }
    let mut pod_spec = json!({
        "securityContext": { "runAsNonRoot": !app.security.run_as_root, "seccompProfile": { "type": "RuntimeDefault" } },
        "containers": [container],
    });
    if let Some(uid) = app.run_as_user {
        pod_spec["securityContext"]["runAsUser"] = J::from(uid);
        pod_spec["securityContext"]["runAsGroup"] = J::from(uid);
    }
    if !volumes.is_empty() {
        pod_spec["volumes"] = J::from(volumes);
    }
    let mut deployment = with_spec(
        object("apps/v1", "Deployment", &app.name, labels(model, &app.name)),
        json!({
            "replicas": app.replicas,
            "selector": { "matchLabels": selector(&app.name) },
            "template": {
                "metadata": { "labels": labels(model, &app.name) },
                "spec": pod_spec,
            },
        }),
    );
    if app.reload && consumes_secrets(app) && !model.project.reloader_auto_all {
        annotate(&mut deployment, RELOADER_AUTO, "true");
    }
    objects.push(
        Object::new(deployment, app.span)
            .field("spec.replicas", app.replicas_span)
            .field("spec.template.spec.containers[0].image", app.image_span),
    );
    objects.push(Object::new(
        with_spec(
            object("v1", "Service", &app.name, labels(model, &app.name)),
            json!({ "selector": selector(&app.name), "ports": [{ "name": "http", "port": 80, "targetPort": "http" }] }),
        ),
        app.span,
    ));
    if app.replicas >= 2 {
        let pods = selector(&app.name).as_object().cloned().unwrap_or_default();
        objects.push(
            Object::new(
                disruption_budget(model, &app.name, &app.name, pods),
                app.span,
            )
            .field("spec", app.replicas_span),
        );
    }
    if let Some(ingress) = tunnel_ingress(model, env, app) {
        objects.push(Object::new(ingress, app.span));
    }
    for ingress in tailnet_ingresses(model, env, app) {
        objects.push(Object::new(ingress, app.span));
    }
    Component {
        name: app.name.clone(),
        wave: wave::APPS,
        namespace: Some(env.namespace.clone()),
        source: Source::Manifests,
        objects,
        origin: app.span,
        server_side: false,
        own_namespaces: false,
    }
}

fn backend(app: &App) -> J {
    json!({ "service": { "name": app.name, "port": { "name": "http" } } })
}

fn tunnel_ingress(model: &Model, env: &Env, app: &App) -> Option<J> {
    if app.public.is_empty() {
        return None;
    }
    let t = env.tunnel.as_ref().filter(|t| t.via_ingress_nginx)?;
    let rules: Vec<J> = app
        .public
        .iter()
        .map(|h| json!({ "host": h, "http": { "paths": [{ "path": "/", "pathType": "Prefix", "backend": backend(app) }] } }))
        .collect();
    let mut ing = with_spec(
        object(
            "networking.k8s.io/v1",
            "Ingress",
            &app.name,
            labels(model, &app.name),
        ),
        json!({ "ingressClassName": "nginx", "rules": rules }),
    );
    let (prefix, _) = env.external_dns_prefix();
    annotate(
        &mut ing,
        &format!("{prefix}target"),
        &format!("{}.cfargotunnel.com", t.tunnel_id),
    );
    annotate(&mut ing, &format!("{prefix}cloudflare-proxied"), "true");
    Some(ing)
}

/// One Ingress per tailnet machine name: the Tailscale operator serves only the
/// first `tls.hosts` entry of an Ingress.
fn tailnet_ingresses(model: &Model, env: &Env, app: &App) -> Vec<J> {
    let Some(ts) = &env.tailscale else {
        return Vec::new();
    };
    app.tailnet
        .iter()
        .map(|machine| {
            let name = if app.tailnet.len() == 1 && app.public.is_empty() {
                app.name.clone()
            } else {
                format!("{}-{machine}", app.name)
            };
            let mut ing = with_spec(
                object(
                    "networking.k8s.io/v1",
                    "Ingress",
                    &name,
                    labels(model, &app.name),
                ),
                json!({
                    "ingressClassName": "tailscale",
                    "defaultBackend": backend(app),
                    "tls": [{ "hosts": [machine] }],
                }),
            );
            annotate(&mut ing, "tailscale.com/tags", &ts.tags.join(","));
            ing
        })
        .collect()
}
