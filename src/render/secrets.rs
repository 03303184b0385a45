//! Secrets: one Doppler ClusterSecretStore per environment, and the
//! ExternalSecret (`external-secrets.io/v1`) every password is read through.

use serde_json::{json, Value as J};

use super::meta::{labels, object, with_spec};
use super::{wave, Component, Object, Source};
use crate::model::{Env, Model, OperatorKind};

pub const API: &str = "external-secrets.io/v1";

/// An ExternalSecret that writes `target` from Doppler keys: `(secret key, Doppler key)`.
pub fn external_secret(
    model: &Model,
    env: &Env,
    component: &str,
    target: &str,
    data: &[(&str, &str)],
    template: Option<J>,
) -> J {
    let mut target_spec =
        json!({ "name": target, "creationPolicy": "Owner", "deletionPolicy": "Retain" });
    if let Some(t) = template {
        target_spec["template"] = t;
    }
    let data: Vec<J> = data
        .iter()
        .map(|(k, remote)| json!({ "secretKey": k, "remoteRef": { "key": remote } }))
        .collect();
    with_spec(
        object(API, "ExternalSecret", target, labels(model, component)),
        json!({
            "refreshInterval": "1h",
            "secretStoreRef": { "kind": "ClusterSecretStore", "name": env.store_name() },
            "target": target_spec,
            "data": data,
        }),
    )
}

/// The env's ClusterSecretStore plus the secrets the platform operators read.
pub fn store(model: &Model, env: &Env) -> Option<Component> {
    let d = env.doppler.as_ref()?;
    let component = "secret-store";
    let mut objects = vec![Object::new(
        with_spec(
            object(
                API,
                "ClusterSecretStore",
                &env.store_name(),
                labels(model, component),
            ),
            json!({
                "provider": { "doppler": {
                    "auth": { "secretRef": { "dopplerToken": {
                        "name": d.token_secret, "key": "dopplerToken", "namespace": "external-secrets",
                    }}},
                    "project": d.project,
                    "config": d.config,
                }},
            }),
        ),
        d.span,
    )];
    if let Some(op) = env
        .operators
        .iter()
        .find(|o| o.kind == OperatorKind::ExternalDns)
    {
        let mut es = external_secret(
            model,
            env,
            component,
            "cloudflare-api-token",
            &[("api-token", "CLOUDFLARE_API_TOKEN")],
            None,
        );
        es["metadata"]["namespace"] = J::from("external-dns");
        objects.push(Object::new(es, op.span));
    }
    if let Some(op) = env
        .operators
        .iter()
        .find(|o| o.kind == OperatorKind::TailscaleOperator)
    {
        let mut es = external_secret(
            model,
            env,
            component,
            "operator-oauth",
            &[
                ("client_id", "TAILSCALE_OAUTH_CLIENT_ID"),
                ("client_secret", "TAILSCALE_OAUTH_CLIENT_SECRET"),
            ],
            None,
        );
        es["metadata"]["namespace"] = J::from("tailscale");
        objects.push(Object::new(es, op.span));
    }
    Some(Component {
        name: component.into(),
        wave: wave::SECRETS,
        namespace: None,
        source: Source::Manifests,
        objects,
        origin: d.span,
        server_side: false,
    })
}
