//! What each object tells the sync model, gathered while its tree is in memory:
//! an Application's placement (project, wave, destination, source), an
//! AppProject's permissions, a kustomization's resources and namespace, and of
//! every other object the Secrets and stores it needs and makes and why its
//! pods could not start. Owned and small, so `lint` gathers them on its
//! streaming path and `simulate` from the same function.

use std::borrow::Cow;

use crate::catalog::{self, runtime, Version};
use crate::lint::input::KUSTOMIZATION_HINT;
use crate::lint::rules::{custom_resource_secret_refs, secret_refs, Produced};
use crate::lint::Obj;
use crate::yaml::Node;

/// The wave annotation Argo CD orders a sync by.
pub const WAVE_ANNOTATION: &str = "argocd.argoproj.io/sync-wave";
/// An argocd-cm key that gives a kind a health check.
const HEALTH_KEY_PREFIX: &str = "resource.customizations.health.";

/// An Argo CD Application.
#[derive(Debug, Clone)]
pub struct AppFact {
    pub name: String,
    /// Where the Application object itself lives (Argo CD's namespace).
    pub argocd_ns: Option<String>,
    pub env: Option<String>,
    pub dir: String,
    pub project: String,
    pub wave: i32,
    /// `spec.destination.server`, or its `name`.
    pub server: Option<String>,
    pub cluster_name: Option<String>,
    pub dest_ns: Option<String>,
    pub create_namespace: bool,
    pub repo_url: Option<String>,
    /// The folder of manifests it syncs (repository-relative).
    pub path: Option<String>,
    pub chart: Option<ChartFact>,
}

/// A Helm chart an Application installs.
#[derive(Debug, Clone)]
pub struct ChartFact {
    pub entry: Option<&'static catalog::Entry>,
    pub chart: String,
    pub version: Option<Version>,
    /// Secrets the release reads in its namespace: from the catalogue
    /// (mounted by the chart whatever the values say) and every
    /// `secretKeyRef` the values pass through.
    pub secrets: Vec<String>,
    /// The OT operator's `featureGates` turn on the init-container config.
    pub ot_init_config: bool,
}

impl AppFact {
    pub fn display(&self) -> String {
        format!("Application {}", self.name)
    }
    /// The destination as messages show it.
    pub fn destination(&self) -> String {
        let where_ = self
            .server
            .clone()
            .or_else(|| self.cluster_name.as_ref().map(|n| format!("cluster `{n}`")))
            .unwrap_or_else(|| "(no server)".into());
        format!(
            "{where_}, namespace `{}`",
            self.dest_ns.as_deref().unwrap_or("")
        )
    }
}

/// One destination an AppProject permits (globs, as Argo CD matches them).
#[derive(Debug, Clone)]
pub struct Destination {
    pub server: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ProjectFact {
    pub name: String,
    pub destinations: Vec<Destination>,
    pub source_repos: Vec<String>,
    /// `clusterResourceWhitelist` as `(group, kind)` globs; `None` when unset.
    pub cluster_whitelist: Vec<(String, String)>,
}

/// A kustomization: the folders it pulls in and the namespace it sets.
#[derive(Debug, Clone)]
pub struct KustomizationFact {
    pub dir: String,
    pub namespace: Option<String>,
    pub resource_dirs: Vec<String>,
}

/// Any other object. Kept for every object of a run: the common API
/// versions and kinds are not copied, and what it needs and makes (nothing,
/// for most objects) is boxed apart.
#[derive(Debug, Clone)]
pub struct ObjFact {
    pub api_version: Cow<'static, str>,
    pub kind: Cow<'static, str>,
    pub name: String,
    /// As the object (or the kustomization beside it) states it.
    pub namespace: Option<String>,
    pub dir: String,
    relations: Option<Box<Relations>>,
    /// An OT Redis resource with TLS (its pods depend on the operator's config).
    pub ot_tls: bool,
}

/// What an object needs, makes, and why its pods cannot start.
#[derive(Debug, Clone, Default)]
pub struct Relations {
    pub needs_secrets: Vec<String>,
    /// Secrets read in a namespace the reference names (a store's credentials).
    pub needs_secrets_at: Vec<(String, String)>,
    pub makes_secrets: Vec<String>,
    /// `ClusterSecretStore`s an ExternalSecret reads through.
    pub needs_stores: Vec<String>,
    pub makes_store: Option<String>,
    /// The API group a CustomResourceDefinition serves.
    pub makes_crd_group: Option<String>,
    /// Why its pods cannot start, known from the object alone.
    pub stops: Vec<String>,
    /// Images under `runAsNonRoot` whose user the catalogue does not know.
    pub unverified: Vec<String>,
}

static NO_RELATIONS: Relations = Relations {
    needs_secrets: Vec::new(),
    needs_secrets_at: Vec::new(),
    makes_secrets: Vec::new(),
    needs_stores: Vec::new(),
    makes_store: None,
    makes_crd_group: None,
    stops: Vec::new(),
    unverified: Vec::new(),
};

impl Relations {
    fn is_empty(&self) -> bool {
        self.needs_secrets.is_empty()
            && self.needs_secrets_at.is_empty()
            && self.makes_secrets.is_empty()
            && self.needs_stores.is_empty()
            && self.makes_store.is_none()
            && self.makes_crd_group.is_none()
            && self.stops.is_empty()
            && self.unverified.is_empty()
    }
}

/// A name as static text when it is one of the built-in schemas' API
/// versions or kinds (most objects), else owned.
fn known(name: &str) -> Cow<'static, str> {
    crate::lint::kube_schema::static_name(name)
        .map_or_else(|| Cow::Owned(name.to_string()), Cow::Borrowed)
}

impl ObjFact {
    pub fn relations(&self) -> &Relations {
        self.relations.as_deref().unwrap_or(&NO_RELATIONS)
    }

    pub fn display(&self) -> String {
        format!("{} {}", self.kind, self.name)
    }
    pub fn is_custom_resource(&self) -> bool {
        !crate::render::is_builtin_api(&self.api_version)
    }
    pub fn is_cluster_scoped(&self) -> bool {
        CLUSTER_SCOPED.contains(&&*self.kind)
    }
}

/// Kinds without a namespace (the common ones; others are taken as namespaced).
const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "ClusterSecretStore",
    "ClusterExternalSecret",
    "ClusterIssuer",
    "StorageClass",
    "PriorityClass",
    "IngressClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "ClusterImageCatalog",
    "PersistentVolume",
];

/// Everything the objects of a run told the model, in input order. Facts
/// are boxed: joining the lists of parallel workers moves pointers, not
/// facts, and a list's spare room costs a pointer per slot.
#[derive(Debug, Default)]
pub struct SyncFacts {
    pub apps: Vec<Box<AppFact>>,
    pub projects: Vec<ProjectFact>,
    pub kustomizations: Vec<KustomizationFact>,
    pub objects: Vec<Box<ObjFact>>,
    /// Kinds an argocd-cm in the set gives a health check: `(group, kind)`.
    pub health_checks: Vec<(String, String)>,
}

impl SyncFacts {
    pub fn merge(&mut self, mut other: SyncFacts) {
        self.apps.append(&mut other.apps);
        self.projects.append(&mut other.projects);
        self.kustomizations.append(&mut other.kustomizations);
        self.objects.append(&mut other.objects);
        self.health_checks.append(&mut other.health_checks);
    }

    /// What one object tells the model; `made` is what it produces
    /// ([`crate::lint::rules::produced`]).
    pub fn add(&mut self, o: &Obj, made: &[Produced]) {
        // Objects made from an Application's Helm values belong to its chart,
        // whose needs its AppFact carries.
        if o.is_fragment() || o.doc.derived {
            return;
        }
        if o.kind == KUSTOMIZATION_HINT {
            self.kustomizations.push(kustomization(o));
            return;
        }
        if o.api_version.starts_with("argoproj.io/") {
            match o.kind {
                "Application" => self.apps.push(Box::new(application(o))),
                "AppProject" => self.projects.push(project(o)),
                _ => {}
            }
            return;
        }
        if o.kind == "ConfigMap" && o.name == Some("argocd-cm") {
            for (k, _) in o.get("data").and_then(Node::as_map).unwrap_or_default() {
                if let Some(gk) = k.as_str().and_then(|k| k.strip_prefix(HEALTH_KEY_PREFIX)) {
                    if let Some((g, kind)) = gk.split_once('_') {
                        self.health_checks.push((g.to_string(), kind.to_string()));
                    }
                }
            }
        }
        if o.api_version.is_empty() {
            return;
        }
        self.objects.push(Box::new(object(o, made)));
    }
}

fn str_at(o: &Obj, path: &str) -> Option<String> {
    o.get(path).and_then(Node::scalar_text)
}

/// The wave of an object: its annotation, 0 when unset or not a number
/// (Argo CD treats an unparsable wave as 0).
pub fn wave_of(o: &Obj) -> i32 {
    o.annotation(WAVE_ANNOTATION)
        .and_then(|w| w.trim().parse().ok())
        .unwrap_or(0)
}

fn application(o: &Obj) -> AppFact {
    let source = o
        .get("spec.source")
        .or_else(|| o.get("spec.sources").and_then(Node::as_seq)?.first());
    let s = |k: &str| source.and_then(|s| s.get(k)).and_then(Node::scalar_text);
    let create_namespace = o
        .get("spec.syncPolicy.syncOptions")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .any(|x| x.as_str() == Some("CreateNamespace=true"));
    let dest_ns = str_at(o, "spec.destination.namespace");
    let chart = s("chart").map(|chart| {
        let entry = catalog::by_chart(&chart);
        let values = source.and_then(|s| s.pointer(["helm", "valuesObject"]));
        let secrets = catalog::operators::release_secrets(
            entry.map(|e| e.kind),
            &values.map_or(serde_json::Value::Null, Node::to_json),
        );
        let ot_init_config = values
            .and_then(|v| v.pointer(["featureGates", runtime::OT_INIT_CONFIG_GATE]))
            .is_some_and(|g| g.as_bool() == Some(true) || g.as_str() == Some("true"));
        ChartFact {
            entry,
            chart,
            version: s("targetRevision").and_then(|v| Version::parse(&v).ok()),
            secrets,
            ot_init_config,
        }
    });
    AppFact {
        name: o.name.unwrap_or("").to_string(),
        argocd_ns: o.namespace.map(str::to_string),
        env: o.env.clone(),
        dir: o.doc.dir.clone(),
        project: str_at(o, "spec.project").unwrap_or_else(|| "default".into()),
        wave: wave_of(o),
        server: str_at(o, "spec.destination.server"),
        cluster_name: str_at(o, "spec.destination.name"),
        dest_ns,
        create_namespace,
        repo_url: s("repoURL"),
        path: s("path").filter(|_| s("chart").is_none()),
        chart,
    }
}

fn project(o: &Obj) -> ProjectFact {
    let list = |p: &str| o.get(p).and_then(Node::as_seq).unwrap_or_default();
    ProjectFact {
        name: o.name.unwrap_or("").to_string(),
        destinations: list("spec.destinations")
            .iter()
            .map(|d| Destination {
                server: d.get("server").and_then(Node::scalar_text),
                name: d.get("name").and_then(Node::scalar_text),
                namespace: d.get("namespace").and_then(Node::scalar_text),
            })
            .collect(),
        source_repos: list("spec.sourceRepos")
            .iter()
            .filter_map(Node::scalar_text)
            .collect(),
        cluster_whitelist: list("spec.clusterResourceWhitelist")
            .iter()
            .map(|w| {
                (
                    w.get("group")
                        .and_then(Node::scalar_text)
                        .unwrap_or_default(),
                    w.get("kind")
                        .and_then(Node::scalar_text)
                        .unwrap_or_default(),
                )
            })
            .collect(),
    }
}

fn kustomization(o: &Obj) -> KustomizationFact {
    let dir = o.doc.dir.clone();
    let resource_dirs = o
        .get("resources")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(Node::as_str)
        // Files are read where they are; folders are other kustomizations.
        .filter(|r| !r.ends_with(".yaml") && !r.ends_with(".yml") && !r.contains("://"))
        .map(|r| join(&dir, r))
        .collect();
    KustomizationFact {
        namespace: str_at(o, "namespace"),
        dir,
        resource_dirs,
    }
}

/// `dir/rel`, with `.` and `..` resolved as text (folders need not exist).
pub fn join(dir: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = dir
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    let absolute = dir.starts_with('/');
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

fn object(o: &Obj, made: &[Produced]) -> ObjFact {
    let mut needs_secrets: Vec<String> = secret_refs(o)
        .into_iter()
        .chain(custom_resource_secret_refs(o))
        .map(|(name, _, _)| name)
        .collect();
    needs_secrets.sort();
    needs_secrets.dedup();
    let mut makes_secrets: Vec<String> = made.iter().map(|p| p.name.clone()).collect();
    makes_secrets.sort();
    makes_secrets.dedup();
    let is_es = o.is("external-secrets.io/", "ExternalSecret");
    let needs_stores = if is_es
        && o.get("spec.secretStoreRef.kind").and_then(Node::as_str) == Some("ClusterSecretStore")
    {
        str_at(o, "spec.secretStoreRef.name").into_iter().collect()
    } else {
        Vec::new()
    };
    let makes_store = o
        .is("external-secrets.io/", "ClusterSecretStore")
        .then(|| o.name.unwrap_or("").to_string());
    let mut needs_secrets_at = Vec::new();
    if o.api_version.starts_with("external-secrets.io/")
        && matches!(o.kind, "ClusterSecretStore" | "SecretStore")
    {
        if let Some(p) = o.get("spec.provider") {
            store_credentials(p, o.namespace, &mut needs_secrets_at);
        }
    }
    let (stops, unverified) = super::kubelet::start_problems(o);
    let relations = Relations {
        needs_secrets,
        needs_secrets_at,
        makes_secrets,
        needs_stores,
        makes_store,
        makes_crd_group: (o.kind == "CustomResourceDefinition")
            .then(|| str_at(o, "spec.group"))
            .flatten(),
        stops,
        unverified,
    };
    ObjFact {
        api_version: known(o.api_version),
        kind: known(o.kind),
        name: o.name.unwrap_or("").to_string(),
        namespace: o.namespace.map(str::to_string),
        dir: o.doc.dir.clone(),
        relations: (!relations.is_empty()).then(|| Box::new(relations)),
        ot_tls: o.api_version.starts_with(catalog::operators::OT_GROUP)
            && o.get("spec.TLS").is_some(),
    }
}

/// The Secrets a store's provider authenticates with: every secret key
/// selector (`{ name, key, namespace? }`) under `spec.provider`.
fn store_credentials(v: &Node, own_ns: Option<&str>, out: &mut Vec<(String, String)>) {
    if let Some(m) = v.as_map() {
        let name = v.get("name").and_then(Node::as_str);
        if let (Some(name), Some(_)) = (name, v.get("key")) {
            let ns = v.get("namespace").and_then(Node::as_str).or(own_ns);
            if let Some(ns) = ns {
                out.push((ns.to_string(), name.to_string()));
            }
            return;
        }
        for (_, x) in m {
            store_credentials(x, own_ns, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::join;

    #[test]
    fn joins_relative_folders() {
        assert_eq!(join("apps/x/overlays/prd", "../../base"), "apps/x/base");
        assert_eq!(join("/tmp/c/a", "./b"), "/tmp/c/a/b");
        assert_eq!(join("a", "../../b"), "../b");
    }
}
