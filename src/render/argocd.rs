//! ArgoCD: per environment, a root app-of-apps Application (`argocd/<env>/root.yaml`)
//! pointing at the environment's AppProject and one Application per component
//! (`argocd/<env>/apps/`), ordered by sync waves, with the resources finalizer,
//! retries and the environment's sync policy; and, for every environment, the
//! argocd-cm patch that makes those waves wait for child Applications' health.

use std::collections::BTreeSet;

use serde_json::{json, Value as J};

use super::kustomize::overlay_dir;
use super::meta::{annotate, labels, ENV_LABEL};
use super::{
    is_builtin_api, wave, BuiltObject, Bundle, Component, EnvRender, Object, Source, HEADER,
};
use crate::model::{Cluster, Env, Model};
use crate::yaml::emit::to_yaml;

pub const API: &str = "argoproj.io/v1alpha1";
const FINALIZER: &str = "resources-finalizer.argocd.argoproj.io";
/// Where the `argocd-cm` patch is written (for Argo CD installed from its
/// manifests; applied once by hand, see the README).
pub const HEALTH_PATCH_FILE: &str = "argocd/argocd-cm-patch.yaml";
/// The same health checks as values of the `argo-cd` Helm chart (`configs.cm`),
/// for Argo CD installed with Helm, whose next upgrade would revert a patch.
pub const HEALTH_VALUES_FILE: &str = "argocd/argo-cd-values.yaml";
/// Health checks Argo CD does not have for kinds the render uses, as argocd-cm
/// keys: `(group, kind, Lua)`. Argo CD removed the one for Applications in
/// 1.8, and app-of-apps sync waves only wait for child health with it; the OT
/// operator's kinds have none (FACTS.md §8), and of them only RedisReplication
/// reports anything (`status.masterNode`, once a master is elected; Redis and
/// RedisSentinel have no status at v0.26).
pub const HEALTH_CHECKS: &[(&str, &str, &str)] = &[
    ("argoproj.io", "Application", APPLICATION_HEALTH),
    (
        crate::catalog::operators::OT_GROUP,
        "RedisReplication",
        REDIS_REPLICATION_HEALTH,
    ),
];
const APPLICATION_HEALTH: &str = r#"hs = {}
hs.status = "Progressing"
hs.message = ""
if obj.status ~= nil and obj.status.health ~= nil then
  hs.status = obj.status.health.status
  if obj.status.health.message ~= nil then
    hs.message = obj.status.health.message
  end
end
return hs
"#;
const REDIS_REPLICATION_HEALTH: &str = r#"hs = {}
if obj.status ~= nil and obj.status.masterNode ~= nil and obj.status.masterNode ~= "" then
  hs.status = "Healthy"
  hs.message = "master: " .. obj.status.masterNode
  return hs
end
hs.status = "Progressing"
hs.message = "waiting for the operator to elect a master"
return hs
"#;

fn health_data() -> serde_json::Map<String, J> {
    HEALTH_CHECKS
        .iter()
        .map(|(group, kind, lua)| {
            (
                format!("resource.customizations.health.{group}_{kind}"),
                J::from(*lua),
            )
        })
        .collect()
}

fn sync_policy(automated: bool, options: &[&str]) -> J {
    let mut p = json!({
        "syncOptions": options,
        // CRDs from another Application, webhooks starting up, Secrets not synced
        // yet: transient on a first sync, so retry instead of failing.
        "retry": { "limit": 10, "backoff": { "duration": "10s", "factor": 2, "maxDuration": "5m" } },
    });
    if automated {
        p["automated"] = json!({ "prune": true, "selfHeal": true });
    }
    p
}

/// Where an Application sits: its env, name, component and sync wave.
struct Placement<'a> {
    env: &'a Env,
    name: &'a str,
    component: &'a str,
    wave: i32,
}

fn application(model: &Model, at: Placement<'_>, source: J, destination: J, sync: J) -> J {
    let Placement {
        env,
        name,
        component,
        wave,
    } = at;
    let mut l = labels(model, component);
    l.insert(ENV_LABEL.into(), J::from(env.name.as_str()));
    let mut app = json!({
        "apiVersion": API,
        "kind": "Application",
        "metadata": {
            "name": name,
            "namespace": model.project.argocd_namespace,
            "labels": l,
            "finalizers": [FINALIZER],
        },
        "spec": {
            "project": model.project.app_project(&env.name),
            "source": source,
            "destination": destination,
            "syncPolicy": sync,
        },
    });
    annotate(&mut app, "argocd.argoproj.io/sync-wave", &wave.to_string());
    app
}

/// Whether any object of the component is a custom resource, whose CRD another
/// Application installs: dry-run fails until that CRD exists.
fn has_custom_resources(c: &Component) -> bool {
    c.objects
        .iter()
        .any(|o| !is_builtin_api(o.value["apiVersion"].as_str().unwrap_or("")))
}

fn component_app(model: &Model, env: &Env, c: &Component) -> J {
    let name = format!("{}-{}", env.name, c.name);
    let source = match &c.source {
        Source::Manifests => json!({
            "repoURL": model.project.repo_url,
            "targetRevision": model.project.revision_of(env).0,
            "path": model.project.repo_relative(&overlay_dir(&c.name, &env.name)),
        }),
        Source::Helm {
            repo_url,
            chart,
            version,
            values,
        } => json!({
            "repoURL": repo_url,
            "chart": chart,
            "targetRevision": version,
            "helm": { "releaseName": c.name, "valuesObject": values },
        }),
    };
    let mut options = vec!["CreateNamespace=true"];
    if c.server_side {
        options.push("ServerSideApply=true");
    }
    if has_custom_resources(c) {
        options.push("SkipDryRunOnMissingResource=true");
    }
    let namespace = c.namespace.as_deref().unwrap_or("default");
    let at = Placement {
        env,
        name: &name,
        component: &c.name,
        wave: c.wave,
    };
    application(
        model,
        at,
        source,
        env.cluster.destination(namespace),
        sync_policy(env.automated, &options),
    )
}

/// Every namespace the environment's objects land in.
fn namespaces(r: &EnvRender) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for c in &r.components {
        if let Some(ns) = &c.namespace {
            out.insert(ns.clone());
        }
        for o in &c.objects {
            if let Some(ns) = o.value["metadata"]["namespace"].as_str() {
                out.insert(ns.to_string());
            }
        }
    }
    out
}

/// The environment's AppProject: the Git repository and the chart repositories
/// it uses as sources, the namespaces it renders as destinations.
fn app_project(model: &Model, env: &Env, r: &EnvRender) -> J {
    let mut repos: BTreeSet<&str> = BTreeSet::new();
    repos.insert(&model.project.repo_url);
    for c in &r.components {
        if let Source::Helm { repo_url, .. } = &c.source {
            repos.insert(repo_url);
        }
    }
    let mut destinations: Vec<J> = namespaces(r)
        .iter()
        .map(|ns| env.cluster.destination(ns))
        .collect();
    // The root and its child Applications live in Argo CD's own namespace.
    let own = Cluster::InCluster.destination(&model.project.argocd_namespace);
    if !destinations.contains(&own) {
        destinations.push(own);
    }
    let mut l = labels(model, "appproject");
    l.insert(ENV_LABEL.into(), J::from(env.name.as_str()));
    let mut p = json!({
        "apiVersion": API,
        "kind": "AppProject",
        "metadata": {
            "name": model.project.app_project(&env.name),
            "namespace": model.project.argocd_namespace,
            "labels": l,
        },
        "spec": {
            "description": format!("{} {}: rendered by shipshape", model.project.name, env.name),
            "sourceRepos": repos.into_iter().collect::<Vec<_>>(),
            "destinations": destinations,
            // Operator charts install CRDs, ClusterRoles and webhooks.
            "clusterResourceWhitelist": [{ "group": "*", "kind": "*" }],
        },
    });
    annotate(
        &mut p,
        "argocd.argoproj.io/sync-wave",
        &wave::PROJECT.to_string(),
    );
    p
}

fn push(bundle: &mut Bundle, env: &str, component: &str, path: String, object: Object) {
    bundle.files.insert(
        path.clone(),
        format!("{HEADER}\n{}", to_yaml(&object.value)),
    );
    bundle.objects.push(BuiltObject {
        env: env.to_string(),
        component: component.to_string(),
        object,
        file: path,
    });
}

pub fn applications(model: &Model, r: &EnvRender, bundle: &mut Bundle) {
    let Some(env) = model.env(&r.env) else { return };
    let origin = crate::yaml::Span::file_start(env.file);
    let (revision, revision_span) = model.project.revision_of(env);
    for c in &r.components {
        let app = component_app(model, env, c);
        let path = format!("argocd/{}/apps/{}.yaml", r.env, c.name);
        let mut object = Object::new(app, c.origin);
        if matches!(c.source, Source::Manifests) {
            object = object.field("spec.source.targetRevision", revision_span);
        }
        push(bundle, &r.env, &c.name, path, object);
    }
    let project = app_project(model, env, r);
    let path = format!("argocd/{}/apps/appproject.yaml", r.env);
    push(
        bundle,
        &r.env,
        "appproject",
        path,
        Object::new(project, origin),
    );

    let root_name = format!("{}-{}", model.project.name, r.env);
    let source = json!({
        "repoURL": model.project.repo_url,
        "targetRevision": revision,
        "path": model.project.repo_relative(&format!("argocd/{}/apps", r.env)),
    });
    let at = Placement {
        env,
        name: &root_name,
        component: "root",
        wave: 0,
    };
    let root = application(
        model,
        at,
        source,
        Cluster::InCluster.destination(&model.project.argocd_namespace),
        sync_policy(env.automated, &[]),
    );
    let path = format!("argocd/{}/root.yaml", r.env);
    let root = Object::new(root, origin).field("spec.source.targetRevision", revision_span);
    push(bundle, &r.env, "root", path, root);
}

/// The health checks of [`HEALTH_CHECKS`], as an `argocd-cm` merge patch and
/// as `argo-cd` chart values, so that a wave of child Applications waits until
/// the previous one is healthy.
pub fn health_patch(model: &Model, bundle: &mut Bundle) {
    let patch = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "argocd-cm",
            "namespace": model.project.argocd_namespace,
            "labels": { "app.kubernetes.io/name": "argocd-cm", "app.kubernetes.io/part-of": "argocd" },
        },
        "data": health_data(),
    });
    bundle.files.insert(
        HEALTH_PATCH_FILE.to_string(),
        format!("{HEADER}\n{}", to_yaml(&patch)),
    );
    let values = json!({ "configs": { "cm": health_data() } });
    bundle.files.insert(
        HEALTH_VALUES_FILE.to_string(),
        format!("{HEADER}\n{}", to_yaml(&values)),
    );
}
