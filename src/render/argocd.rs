//! ArgoCD: per environment, a root app-of-apps Application (`argocd/<env>/root.yaml`)
//! pointing at one Application per component (`argocd/<env>/apps/`), ordered by
//! sync waves, with the resources finalizer and the environment's sync policy.

use serde_json::{json, Value as J};

use super::kustomize::overlay_dir;
use super::meta::{annotate, labels, ENV_LABEL};
use super::{BuiltObject, Bundle, Component, EnvRender, Object, Source, HEADER};
use crate::model::Model;
use crate::yaml::emit::to_yaml;

pub const API: &str = "argoproj.io/v1alpha1";
const FINALIZER: &str = "resources-finalizer.argocd.argoproj.io";
const IN_CLUSTER: &str = "https://kubernetes.default.svc";

fn sync_policy(automated: bool, options: &[&str]) -> J {
    let mut p = json!({ "syncOptions": options });
    if automated {
        p["automated"] = json!({ "prune": true, "selfHeal": true });
    }
    p
}

/// Where an Application sits: its env, name, component and sync wave.
struct Placement<'a> {
    env: &'a str,
    name: &'a str,
    component: &'a str,
    wave: i32,
}

fn application(model: &Model, at: Placement<'_>, source: J, namespace: &str, sync: J) -> J {
    let Placement {
        env,
        name,
        component,
        wave,
    } = at;
    let mut l = labels(model, component);
    l.insert(ENV_LABEL.into(), J::from(env));
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
            "project": model.project.argocd_project,
            "source": source,
            "destination": { "server": IN_CLUSTER, "namespace": namespace },
            "syncPolicy": sync,
        },
    });
    annotate(&mut app, "argocd.argoproj.io/sync-wave", &wave.to_string());
    app
}

fn component_app(model: &Model, r: &EnvRender, c: &Component, automated: bool) -> J {
    let env = r.env.as_str();
    let name = format!("{env}-{}", c.name);
    let source = match &c.source {
        Source::Manifests => json!({
            "repoURL": model.project.repo_url,
            "targetRevision": model.project.revision,
            "path": model.project.repo_relative(&overlay_dir(&c.name, env)),
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
        namespace,
        sync_policy(automated, &options),
    )
}

pub fn applications(model: &Model, r: &EnvRender, bundle: &mut Bundle) {
    let Some(env) = model.env(&r.env) else { return };
    let automated = env.automated;
    for c in &r.components {
        let app = component_app(model, r, c, automated);
        let path = format!("argocd/{}/apps/{}.yaml", r.env, c.name);
        bundle
            .files
            .insert(path.clone(), format!("{HEADER}\n{}", to_yaml(&app)));
        bundle.objects.push(BuiltObject {
            env: r.env.clone(),
            component: c.name.clone(),
            object: Object::new(app, c.origin),
            file: path,
        });
    }
    let root_name = format!("{}-{}", model.project.name, r.env);
    let source = json!({
        "repoURL": model.project.repo_url,
        "targetRevision": model.project.revision,
        "path": model.project.repo_relative(&format!("argocd/{}/apps", r.env)),
    });
    let at = Placement {
        env: &r.env,
        name: &root_name,
        component: "root",
        wave: 0,
    };
    let root = application(
        model,
        at,
        source,
        &model.project.argocd_namespace,
        sync_policy(automated, &[]),
    );
    let path = format!("argocd/{}/root.yaml", r.env);
    bundle
        .files
        .insert(path.clone(), format!("{HEADER}\n{}", to_yaml(&root)));
    let origin = crate::yaml::Span::file_start(env.file);
    bundle.objects.push(BuiltObject {
        env: r.env.clone(),
        component: "root".into(),
        object: Object::new(root, origin),
        file: path,
    });
}
