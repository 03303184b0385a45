//! The validated model: defaults applied, references resolved, every rule of the
//! spec that is about legality checked once, all problems collected. Render and
//! lint only ever see a [`Model`]; what is legal but unwise is left to the rules.

mod components;
mod validate;

use std::path::PathBuf;

use crate::catalog::{self, Version};
use crate::source::FileId;
use crate::spec::raw::{RedisEngine, RedisRole, Topology};
use crate::spec::types::{ImageRef, Quantity};
use crate::yaml::Span;

pub use validate::{build, is_production_name, looks_secret};

/// Reads and validates a project, reporting the problems of every file at once:
/// environments that loaded are validated even when others did not.
pub fn load(
    root: &std::path::Path,
    sources: &mut crate::source::Sources,
) -> Result<Model, crate::problem::Problems> {
    let (spec, mut problems) = crate::spec::load_partial(root, sources)?;
    match build(&spec) {
        Ok(model) => problems.into_result(model),
        Err(more) => {
            problems.extend(more);
            Err(problems.sorted())
        }
    }
}

#[derive(Debug, Clone)]
pub struct Model {
    pub project: Project,
    /// Concrete (non-abstract) environments, by name.
    pub envs: Vec<Env>,
}

impl Model {
    pub fn env(&self, name: &str) -> Option<&Env> {
        self.envs.iter().find(|e| e.name == name)
    }
}

#[derive(Debug, Clone)]
pub struct Project {
    pub name: String,
    pub file: FileId,
    pub root: PathBuf,
    pub output: String,
    /// Where `output:` is written, when it is.
    pub output_span: Option<Span>,
    /// The folder of the environment files, relative to the root.
    pub environments: String,
    pub repo_url: String,
    pub revision: String,
    /// Where `repo.revision` is written, when it is.
    pub revision_span: Option<Span>,
    /// Folder of the project inside the Git repository ("" for the root).
    pub repo_path: String,
    pub argocd_namespace: String,
    /// Prefix of the per-environment AppProjects.
    pub argocd_project: String,
    pub reloader_auto_all: bool,
    pub policies: Vec<(String, Span)>,
    pub extra_manifests: Vec<(String, Span)>,
}

impl Project {
    /// Path of a rendered file as ArgoCD sees it in the repository.
    pub fn repo_relative(&self, rel: &str) -> String {
        let mut parts: Vec<&str> = Vec::new();
        if !self.repo_path.is_empty() {
            parts.push(&self.repo_path);
        }
        parts.push(&self.output);
        parts.push(rel);
        parts.join("/")
    }
    /// The Git revision an environment's Applications track, and the spec node
    /// that chose it (the env's `revision`, the project's, or the env file).
    pub fn revision_of(&self, env: &Env) -> (String, Span) {
        env.revision.clone().unwrap_or_else(|| {
            (
                self.revision.clone(),
                self.revision_span
                    .unwrap_or_else(|| Span::file_start(env.file)),
            )
        })
    }
    /// The AppProject of an environment's Applications.
    pub fn app_project(&self, env: &str) -> String {
        format!("{}-{env}", self.argocd_project)
    }
}

#[derive(Debug, Clone)]
pub struct Env {
    pub name: String,
    pub file: FileId,
    pub namespace: String,
    pub production: bool,
    pub automated: bool,
    /// The env's own `revision`, and where it is written.
    pub revision: Option<(String, Span)>,
    pub cluster: Cluster,
    pub operators: Vec<Operator>,
    pub doppler: Option<Doppler>,
    pub redis: Vec<Redis>,
    pub postgres: Vec<Postgres>,
    pub apps: Vec<App>,
    pub tunnel: Option<Tunnel>,
    pub tailscale: Option<Tailscale>,
}

impl Env {
    pub fn redis(&self, name: &str) -> Option<&Redis> {
        self.redis.iter().find(|r| r.name == name)
    }
    pub fn postgres(&self, name: &str) -> Option<&Postgres> {
        self.postgres.iter().find(|p| p.name == name)
    }
    pub fn has_operator(&self, kind: OperatorKind) -> bool {
        self.operators.iter().any(|o| o.kind == kind)
    }
    pub fn operator(&self, kind: OperatorKind) -> Option<&Operator> {
        self.operators.iter().find(|o| o.kind == kind)
    }
    /// The annotation prefix this environment's External-DNS reads, and whether
    /// its chart must be told (`annotationPrefix`).
    pub fn external_dns_prefix(&self) -> (&'static str, bool) {
        self.operator(OperatorKind::ExternalDns)
            .map_or((catalog::operators::DNS_PREFIX, false), |o| {
                catalog::operators::external_dns_prefix(&o.version)
            })
    }
    /// Exposed through Cloudflare Tunnel or Tailscale: nothing needs a public
    /// load balancer.
    pub fn exposed_privately(&self) -> bool {
        self.tunnel.is_some() || self.tailscale.is_some()
    }
    pub fn store_name(&self) -> String {
        format!("doppler-{}", self.name)
    }
}

pub use crate::catalog::OperatorKind;

#[derive(Debug, Clone)]
pub struct Operator {
    pub kind: OperatorKind,
    pub version: Version,
    /// The version's line, or what made shipshape add the operator.
    pub span: Span,
}

/// Where an environment's Applications deploy to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cluster {
    /// The cluster Argo CD runs in.
    InCluster,
    Server(String),
    Name(String),
}

impl Cluster {
    pub const IN_CLUSTER_URL: &'static str = "https://kubernetes.default.svc";

    pub fn from_ref(r: &crate::spec::types::ClusterRef) -> Self {
        let s = r.as_str().trim_end_matches('/');
        if s == Self::IN_CLUSTER_URL || s == "in-cluster" {
            Cluster::InCluster
        } else if r.is_url() {
            Cluster::Server(s.to_string())
        } else {
            Cluster::Name(s.to_string())
        }
    }
    /// `destination` of an Argo CD Application or AppProject.
    pub fn destination(&self, namespace: &str) -> serde_json::Value {
        match self {
            Cluster::InCluster => {
                serde_json::json!({ "server": Self::IN_CLUSTER_URL, "namespace": namespace })
            }
            Cluster::Server(s) => serde_json::json!({ "server": s, "namespace": namespace }),
            Cluster::Name(n) => serde_json::json!({ "name": n, "namespace": namespace }),
        }
    }
    pub fn describe(&self) -> String {
        match self {
            Cluster::InCluster => "the cluster Argo CD runs in".into(),
            Cluster::Server(s) => format!("cluster `{s}`"),
            Cluster::Name(n) => format!("cluster `{n}`"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Doppler {
    pub project: String,
    pub config: String,
    pub token_secret: String,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Redis {
    pub name: String,
    pub span: Span,
    pub role: RedisRole,
    pub topology: Topology,
    pub engine: RedisEngine,
    pub version: String,
    /// Redis `maxmemory` as Redis reads it, e.g. `192mb`.
    pub maxmemory: String,
    pub maxmemory_span: Span,
    pub memory: Quantity,
    pub replicas: u32,
    pub replicas_span: Span,
    pub sentinels: u32,
    pub tls_secret: Option<String>,
    pub storage: Quantity,
    pub storage_class: Option<String>,
    pub exporter: bool,
    pub password_key: String,
}

impl Redis {
    pub fn component(&self) -> String {
        format!("redis-{}", self.name)
    }
    /// The Kubernetes Secret holding the password (synced from Doppler).
    pub fn secret_name(&self) -> String {
        format!("redis-{}-password", self.name)
    }
    /// The Service apps connect to: in sentinel topology the `-master` Service
    /// the OT operator creates for the RedisReplication (the model refuses
    /// operator versions that do not create it).
    pub fn service_name(&self) -> String {
        match (self.engine, self.topology) {
            (RedisEngine::OtOperator, Topology::Sentinel) => {
                format!("{}-master", self.resource_name())
            }
            _ => self.resource_name(),
        }
    }
    pub fn service_host(&self, namespace: &str) -> String {
        format!("{}.{namespace}.svc.cluster.local", self.service_name())
    }
    pub fn resource_name(&self) -> String {
        format!("redis-{}", self.name)
    }
}

#[derive(Debug, Clone)]
pub struct Postgres {
    pub name: String,
    pub span: Span,
    pub instances: u32,
    pub instances_span: Span,
    pub version: String,
    pub storage: Quantity,
    pub storage_class: Option<String>,
    pub database: String,
    pub owner: String,
    pub password_key: String,
    pub backup: Option<Backup>,
}

impl Postgres {
    pub fn component(&self) -> String {
        format!("postgres-{}", self.name)
    }
    pub fn cluster_name(&self) -> String {
        format!("pg-{}", self.name)
    }
    pub fn secret_name(&self) -> String {
        format!("pg-{}-app", self.name)
    }
}

#[derive(Debug, Clone)]
pub struct Backup {
    pub destination: String,
    pub endpoint_url: Option<String>,
    pub retention: String,
    pub schedule: String,
    pub access_key_id_key: String,
    pub secret_access_key_key: String,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct App {
    pub name: String,
    pub span: Span,
    pub image: ImageRef,
    pub image_span: Span,
    pub replicas: u32,
    pub replicas_span: Span,
    pub port: u16,
    pub env: Vec<(String, String)>,
    pub secret_env: Vec<(String, String)>,
    pub requests: Vec<(String, String)>,
    pub limits: Vec<(String, String)>,
    pub health: Option<Health>,
    pub security: Security,
    pub redis: Vec<String>,
    pub postgres: Vec<String>,
    /// DNS hostnames served through Cloudflare Tunnel.
    pub public: Vec<String>,
    /// Machine names on the tailnet (Tailscale).
    pub tailnet: Vec<String>,
    pub reload: bool,
    /// `runAsUser`/`runAsGroup` of the pod, when the spec sets them.
    pub run_as_user: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct Health {
    pub liveness: String,
    pub readiness: String,
}

/// The container's security settings; hardened unless the spec relaxes them
/// (with a reason).
#[derive(Debug, Clone, Default)]
pub struct Security {
    pub run_as_root: bool,
    pub allow_privilege_escalation: bool,
    pub add_capabilities: Vec<String>,
}

impl App {
    pub fn secret_name(&self) -> String {
        format!("{}-secrets", self.name)
    }
}

#[derive(Debug, Clone)]
pub struct Tunnel {
    pub tunnel_id: String,
    pub credentials_key: String,
    pub image: ImageRef,
    pub replicas: u32,
    pub via_ingress_nginx: bool,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Tailscale {
    pub tags: Vec<String>,
    pub span: Span,
}
