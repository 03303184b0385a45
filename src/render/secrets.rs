//! Secrets: one Doppler ClusterSecretStore per environment, and the
//! ExternalSecret (`external-secrets.io/v1`) every password is read through.

use std::collections::BTreeSet;

use serde_json::{json, Value as J};

use super::meta::{annotate, labels, object, with_spec, STATEFUL_SYNC_OPTIONS};
use super::{wave, Component, Object, Source};
use crate::model::{Env, Model, OperatorKind};

/// Where the secret store's Application goes: External Secrets' own
/// namespace, which holds the Doppler token and which the AppProject lists.
pub const STORE_NAMESPACE: &str = "external-secrets";
/// Doppler keys of the Secrets the platform operators read (BOOTSTRAP.md
/// tells where each comes from).
pub const CLOUDFLARE_API_TOKEN_KEY: &str = "CLOUDFLARE_API_TOKEN";
pub const TAILSCALE_CLIENT_ID_KEY: &str = "TAILSCALE_OAUTH_CLIENT_ID";
pub const TAILSCALE_CLIENT_SECRET_KEY: &str = "TAILSCALE_OAUTH_CLIENT_SECRET";

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
                        "name": d.token_secret, "key": "dopplerToken", "namespace": STORE_NAMESPACE,
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
            &[("api-token", CLOUDFLARE_API_TOKEN_KEY)],
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
                ("client_id", TAILSCALE_CLIENT_ID_KEY),
                ("client_secret", TAILSCALE_CLIENT_SECRET_KEY),
            ],
            None,
        );
        es["metadata"]["namespace"] = J::from("tailscale");
        objects.push(Object::new(es, op.span));
    }
    // `CreateNamespace=true` creates only the destination: the namespaces of
    // the platform's ExternalSecrets come with them (their operators sync in
    // a later wave), and outlive this Application.
    let elsewhere: BTreeSet<String> = objects
        .iter()
        .filter_map(|o| o.value["metadata"]["namespace"].as_str())
        .filter(|ns| *ns != STORE_NAMESPACE)
        .map(str::to_string)
        .collect();
    for ns in elsewhere {
        let mut n = object("v1", "Namespace", &ns, labels(model, component));
        annotate(
            &mut n,
            "argocd.argoproj.io/sync-options",
            STATEFUL_SYNC_OPTIONS,
        );
        objects.push(Object::new(n, d.span));
    }
    Some(Component {
        name: component.into(),
        wave: wave::SECRETS,
        namespace: Some(STORE_NAMESPACE.into()),
        source: Source::Manifests,
        objects,
        origin: d.span,
        server_side: false,
        // Its ExternalSecrets go to the namespaces of the operators that read them.
        own_namespaces: true,
    })
}

/// Limits the env's ClusterSecretStore to the namespaces whose ExternalSecrets
/// read it (without `conditions` every namespace can read every key), and
/// keeps the Secrets that retained objects read when their ExternalSecret
/// goes (`creationPolicy: Orphan`): a Redis or database left in place by
/// `Delete=false` must not lose its password with its Application.
pub fn finish(components: &mut [Component]) {
    let mut readers: BTreeSet<String> = BTreeSet::new();
    for c in components.iter_mut() {
        let retains = c.objects.iter().any(|o| {
            o.value["metadata"]["annotations"]["argocd.argoproj.io/sync-options"]
                .as_str()
                .is_some_and(|s| s.contains("Delete=false"))
                && o.kind() != "Namespace"
        });
        for o in c
            .objects
            .iter_mut()
            .filter(|o| o.kind() == "ExternalSecret")
        {
            let ns = o.value["metadata"]["namespace"]
                .as_str()
                .map(str::to_string)
                .or_else(|| c.namespace.clone());
            readers.extend(ns);
            if retains {
                o.value["spec"]["target"]["creationPolicy"] = J::from("Orphan");
            }
        }
    }
    for c in components.iter_mut() {
        for o in c
            .objects
            .iter_mut()
            .filter(|o| o.kind() == "ClusterSecretStore")
        {
            o.value["spec"]["conditions"] = json!([{ "namespaces": readers }]);
        }
    }
}
