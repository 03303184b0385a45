//! `argocd/<env>/BOOTSTRAP.md`: every step a person does by hand before the
//! first sync of an environment, in order, with what the render needs from
//! outside the cluster (the Doppler keys its ExternalSecrets read, the tunnel,
//! the bucket, the token scopes, the tailnet tags). Prose from the model and
//! the rendered objects, so it cannot drift from what Argo CD will sync.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{argocd, secrets, EnvRender};
use crate::model::{Cluster, Env, Model};

/// The Argo CD release shipshape's Applications need: `valuesObject` in a
/// Helm source arrived in 2.8.
pub const ARGOCD_FLOOR: &str = "2.8";

pub fn path(env: &str) -> String {
    format!("argocd/{env}/BOOTSTRAP.md")
}

/// Doppler key → the Secrets (`namespace/name`) it is written to.
fn doppler_keys(env: &Env, r: &EnvRender) -> BTreeMap<String, Vec<String>> {
    let mut keys: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in &r.components {
        for o in c.objects.iter().filter(|o| o.kind() == "ExternalSecret") {
            let ns = o.value["metadata"]["namespace"]
                .as_str()
                .or(c.namespace.as_deref())
                .unwrap_or(&env.namespace);
            let target = o.value["spec"]["target"]["name"]
                .as_str()
                .unwrap_or_else(|| o.name());
            for d in o.value["spec"]["data"].as_array().into_iter().flatten() {
                if let Some(k) = d["remoteRef"]["key"].as_str() {
                    keys.entry(k.to_string())
                        .or_default()
                        .push(format!("`{ns}/{target}`"));
                }
            }
        }
    }
    for v in keys.values_mut() {
        v.sort();
        v.dedup();
    }
    keys
}

/// The markdown of one environment (without the generated-file header):
/// a numbered step per thing to do, only the steps this environment needs.
pub fn text(model: &Model, env: &Env, r: &EnvRender) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Bootstrap `{}`\n\nWhat to do by hand, in this order, before Argo CD syncs `{}` for the first time \
         on {}. `shipshape simulate --env {}` replays the sync that follows.",
        env.name,
        env.name,
        env.cluster.describe(),
        env.name
    );
    let steps = [
        Some(("Argo CD", argocd_step(model, env))),
        doppler_step(env, r).map(|b| ("Doppler", b)),
        cloudflare_step(env, r).map(|b| ("Cloudflare", b)),
        backup_step(env).map(|b| ("Backup storage", b)),
        tailscale_step(env).map(|b| ("Tailscale", b)),
        Some(("The first sync", first_sync_step(model, env))),
    ];
    for (n, (title, body)) in steps.into_iter().flatten().enumerate() {
        let _ = write!(s, "\n## {}. {title}\n\n{body}", n + 1);
    }
    s
}

fn argocd_step(model: &Model, env: &Env) -> String {
    let argocd_ns = &model.project.argocd_namespace;
    let mut s = String::new();
    let _ = write!(
        s,
        "Argo CD {ARGOCD_FLOOR} or newer in namespace `{argocd_ns}`, with the health checks the sync \
         waves rely on (Argo CD has none for `Application` since 1.8, nor for the OT Redis kinds):\n\n\
         - installed with Helm: add `{out}/{}` to the `argo-cd` chart's values;\n\
         - installed from manifests: `kubectl -n {argocd_ns} patch configmap argocd-cm --type merge --patch-file {out}/{}`.\n",
        argocd::HEALTH_VALUES_FILE,
        argocd::HEALTH_PATCH_FILE,
        out = model.project.output
    );
    match &env.cluster {
        Cluster::InCluster => {}
        Cluster::Server(c) | Cluster::Name(c) => {
            let _ = write!(
                s,
                "\nRegister the target cluster in Argo CD: `argocd cluster add <context> --name {c}`.\n"
            );
        }
    }
    s
}

fn doppler_step(env: &Env, r: &EnvRender) -> Option<String> {
    let d = env.doppler.as_ref()?;
    let mut s = String::new();
    let _ = write!(
        s,
        "In Doppler project `{}`, config `{}`, create a service token (read-only) and store it \
         in the cluster (the one Secret made by hand):\n\n\
         ```sh\nkubectl create namespace external-secrets\n\
         kubectl -n external-secrets create secret generic {} --from-literal=dopplerToken=dp.st.…\n```\n\n\
         Then set every key below in that config; an ExternalSecret whose key is missing stays \
         not Ready, and its wave never turns Healthy.\n\n| Doppler key | written to Secret |\n|---|---|\n",
        d.project, d.config, d.token_secret
    );
    for (k, secrets) in doppler_keys(env, r) {
        let _ = writeln!(s, "| `{k}` | {} |", secrets.join(", "));
    }
    Some(s)
}

fn cloudflare_step(env: &Env, r: &EnvRender) -> Option<String> {
    let t = env.tunnel.as_ref()?;
    let mut s = String::new();
    let mut zones: Vec<String> = Vec::new();
    for c in &r.components {
        if let super::Source::Helm { values, .. } = &c.source {
            for z in values["domainFilters"].as_array().into_iter().flatten() {
                zones.extend(z.as_str().map(|z| format!("`{z}`")));
            }
        }
    }
    let _ = write!(
        s,
        "- The tunnel `{}` (locally managed): `cloudflared tunnel create <name>`; put the \
         credentials JSON it writes into Doppler key `{}`.\n\
         - An API token for External-DNS with **Zone → Zone → Read** and **Zone → DNS → Edit** \
         on the zone(s) {}; put it into Doppler key `{}`.\n",
        t.tunnel_id,
        t.credentials_key,
        if zones.is_empty() {
            "it manages".to_string()
        } else {
            zones.join(", ")
        },
        secrets::CLOUDFLARE_API_TOKEN_KEY
    );
    Some(s)
}

fn backup_step(env: &Env) -> Option<String> {
    let backups: Vec<_> = env
        .postgres
        .iter()
        .filter_map(|p| p.backup.as_ref().map(|b| (p, b)))
        .collect();
    if backups.is_empty() {
        return None;
    }
    let mut s = String::new();
    for (p, b) in backups {
        let _ = writeln!(
            s,
            "- PostgreSQL `{}`: the bucket `{}`{} with an access key allowed to list, read and \
             write it; its id in Doppler key `{}`, its secret in `{}`.",
            p.name,
            b.destination,
            b.endpoint_url
                .as_ref()
                .map(|u| format!(" (endpoint `{u}`)"))
                .unwrap_or_default(),
            b.access_key_id_key,
            b.secret_access_key_key
        );
    }
    Some(s)
}

fn tailscale_step(env: &Env) -> Option<String> {
    let ts = env.tailscale.as_ref()?;
    let mut s = String::new();
    let tags: Vec<String> = ts.tags.iter().map(|t| format!("\"{t}\"")).collect();
    let _ = write!(
        s,
        "- In the tailnet policy file, let the operator own the tags it gives devices:\n\n\
         ```json\n\"tagOwners\": {{\n  \"tag:k8s-operator\": [],\n{}\n}}\n```\n\n\
         - An OAuth client with the **Devices Core** and **Auth Keys** write scopes and tag \
         `tag:k8s-operator`; its id and secret into Doppler keys `{}` and `{}`.\n",
        tags.iter()
            .map(|t| format!("  {t}: [\"tag:k8s-operator\"]"))
            .collect::<Vec<_>>()
            .join(",\n"),
        secrets::TAILSCALE_CLIENT_ID_KEY,
        secrets::TAILSCALE_CLIENT_SECRET_KEY
    );
    Some(s)
}

fn first_sync_step(model: &Model, env: &Env) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "Apply the AppProject and the root Application once; Argo CD manages both from then on:\n\n\
         ```sh\nkubectl apply -f {out}/argocd/{e}/apps/appproject.yaml -f {out}/argocd/{e}/root.yaml\n```\n",
        e = env.name,
        out = model.project.output
    );
    s
}

pub fn file(model: &Model, env: &Env, r: &EnvRender) -> String {
    format!("{}\n{}", super::markdown_header(), text(model, env, r))
}
