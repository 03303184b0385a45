//! The spec as users write it: serde types that mirror the YAML, one per file kind.
//!
//! Doc comments here become the descriptions in the JSON Schemas (`shipshape
//! schema`). Defaults are applied in `model`, not here, so `extends` can tell an
//! absent field from a default one. There is deliberately no field that can hold
//! a password: secrets are named by their key in the secret provider.

use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

use super::types::{
    Capability, ChartVersion, ClusterRef, DopplerKey, EnvVarName, HttpPath, ImageRef, Name,
    PublicName, Quantity, RelPath,
};
use crate::yaml::Spanned;

/// `shipshape.yaml`: the project file at the repository root.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(title = "shipshape project file")]
pub struct ProjectFile {
    /// The project's name; names the root Applications and the default AppProject.
    pub name: Spanned<Name>,
    /// Folder holding one `<env>.yaml` per environment, relative to this file.
    pub environments: Spanned<RelPath>,
    /// Folder the render is written to (default `gitops-out`).
    pub output: Option<Spanned<RelPath>>,
    /// The Git repository ArgoCD pulls the rendered output from.
    pub repo: Repo,
    /// ArgoCD settings shared by every environment.
    pub argocd: Option<ArgoCd>,
    /// Stakater Reloader settings.
    pub reloader: Option<ReloaderProject>,
    /// Policy files (rule selection, severities, custom rules), relative to this file.
    #[serde(default)]
    pub policies: Vec<Spanned<RelPath>>,
    /// Extra folders of hand-written manifests that `shipshape check` lints too.
    #[serde(default)]
    pub extra_manifests: Vec<Spanned<RelPath>>,
    /// How `lint` reads manifests of this repository.
    pub lint: Option<LintProject>,
}

/// How `lint` reads the manifests of a repository: the `lint:` section of
/// `shipshape.yaml`, or the whole of `.shipshape.yaml` in a repository that
/// only lints (no environment specs).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LintProject {
    /// Folders whose child folder names a manifest's environment when it has no
    /// `shipshape.dev/env` label (default: overlays, clusters, envs, environments).
    pub env_folders: Option<Vec<Name>>,
    /// The manifests `lint` is given hold every object they refer to (a whole
    /// rendered tree): run the whole-set rules as `lint --complete` does.
    pub complete: Option<bool>,
    /// Paths `lint` never reads: globs relative to this file's folder, e.g.
    /// `archive/**` (`.gitignore` is honoured as well).
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    /// The environment of the manifests under a path: glob (relative to this
    /// file's folder) → env name, e.g. `clusters/main/**: prd`. Checked before
    /// labels' absence falls back to `env-folders`.
    #[serde(default)]
    pub paths: BTreeMap<String, Spanned<Name>>,
    /// Environments whose manifests get the production rules, for
    /// repositories without environment specs (with specs, their
    /// `production:` decides).
    #[serde(default)]
    pub production: Vec<Spanned<Name>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Repo {
    /// Clone URL ArgoCD uses (`https://…` or `git@…`).
    pub url: Spanned<String>,
    /// Branch, tag or commit ArgoCD tracks (default `main`).
    pub revision: Option<Spanned<String>>,
    /// Folder inside the repository where the project file lives (default: the root).
    pub path: Option<Spanned<RelPath>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ArgoCd {
    /// Namespace ArgoCD runs in (default `argocd`).
    pub namespace: Option<Spanned<Name>>,
    /// Prefix of the AppProjects (default: the project name); each environment's
    /// Applications belong to the AppProject `<prefix>-<env>`.
    pub project: Option<Spanned<Name>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ReloaderProject {
    /// Reloader restarts every workload on any Secret/ConfigMap change, so
    /// workloads need no annotation.
    pub auto_reload_all: Option<bool>,
}

/// `<env>.yaml`: one environment.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(title = "shipshape environment file")]
pub struct EnvFile {
    /// Another environment this one starts from: maps merge by key, named lists
    /// (apps, redis, postgres) by `name`; this file wins.
    pub extends: Option<Spanned<Name>>,
    /// A template for other environments; it is not rendered itself.
    #[serde(rename = "abstract")]
    pub is_abstract: Option<bool>,
    /// Namespace for this environment's workloads (default: the environment name).
    pub namespace: Option<Spanned<Name>>,
    /// Production-grade environment: `true` makes the strict lint profile apply.
    pub production: Option<bool>,
    /// ArgoCD sync policy.
    pub sync: Option<Sync>,
    /// Git branch, tag or commit this environment's Applications track (default:
    /// the project's `repo.revision`). Production pins a tag or a commit and is
    /// promoted by changing it in a reviewed commit.
    pub revision: Option<Spanned<String>>,
    /// The cluster this environment deploys to: an API server URL
    /// (`https://…`) or the name of a cluster registered in Argo CD
    /// (default: the cluster Argo CD runs in).
    pub cluster: Option<Spanned<ClusterRef>>,
    /// Cluster operators, installed as ArgoCD Applications of pinned Helm charts.
    pub platform: Option<Platform>,
    /// Where secrets come from.
    pub secrets: Option<Secrets>,
    /// Redis instances.
    #[serde(default)]
    pub redis: Vec<Redis>,
    /// PostgreSQL clusters (CloudNativePG).
    #[serde(default)]
    pub postgres: Vec<Postgres>,
    /// Applications.
    #[serde(default)]
    pub apps: Vec<App>,
    /// How public hostnames reach the apps.
    pub exposure: Option<Exposure>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Sync {
    /// Sync automatically, pruning deleted objects and reverting drift (default false).
    pub automated: Option<bool>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Platform {
    /// cert-manager (added when something needs certificates).
    pub cert_manager: Option<Spanned<Chart>>,
    /// Barman Cloud plugin for CloudNativePG (added when a backup is set).
    pub barman_cloud: Option<Spanned<Chart>>,
    /// OT-Container-Kit Redis Operator.
    pub redis_operator: Option<Spanned<Chart>>,
    /// CloudNativePG operator.
    pub cloudnative_pg: Option<Spanned<Chart>>,
    /// External Secrets Operator.
    pub external_secrets: Option<Spanned<Chart>>,
    /// Stakater Reloader.
    pub reloader: Option<Spanned<Chart>>,
    /// External-DNS (Cloudflare provider).
    pub external_dns: Option<Spanned<Chart>>,
    /// NGINX Ingress controller.
    pub ingress_nginx: Option<Spanned<Chart>>,
    /// Tailscale Kubernetes operator.
    pub tailscale_operator: Option<Spanned<Chart>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Chart {
    /// Exact Helm chart version (pinned; no ranges). Default: the current release
    /// in shipshape's compatibility catalogue (see the README's versions table).
    pub version: Option<Spanned<ChartVersion>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Secrets {
    /// Doppler, read through External Secrets.
    pub doppler: Doppler,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Doppler {
    /// Doppler project.
    pub project: Spanned<String>,
    /// Doppler config (e.g. `prd`).
    pub config: Spanned<String>,
    /// The Kubernetes Secret (in the External Secrets namespace) holding the
    /// Doppler service token; created once out of band (default `doppler-token`).
    pub token_secret: Option<Spanned<Name>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RedisRole {
    /// Evicts least-recently-used keys at `maxmemory`.
    Cache,
    /// Job queue (BullMQ, Sidekiq…): never evicts, persists every second.
    Queue,
    /// Sessions: evicts only keys with a TTL.
    Session,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Topology {
    /// One Redis pod.
    Standalone,
    /// Replication with Sentinel-managed failover.
    Sentinel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RedisEngine {
    /// OT-Container-Kit Redis Operator CRs.
    OtOperator,
    /// A plain StatefulSet (standalone only).
    Statefulset,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Redis {
    pub name: Spanned<Name>,
    /// What the instance is for; drives eviction and persistence.
    pub role: Option<Spanned<RedisRole>>,
    /// standalone (default) or sentinel.
    pub topology: Option<Spanned<Topology>>,
    /// ot-operator (default) or statefulset.
    pub engine: Option<Spanned<RedisEngine>>,
    /// Redis image tag (default `v7.0.15` for the operator's images, `7.2.7` for the StatefulSet).
    pub version: Option<Spanned<String>>,
    /// Redis `maxmemory`, e.g. `256mb`.
    pub maxmemory: Option<Spanned<String>>,
    /// Container memory limit, e.g. `512Mi`.
    pub memory: Option<Spanned<Quantity>>,
    /// Replicas in sentinel topology (default 2: one master, one replica).
    pub replicas: Option<Spanned<u32>>,
    /// Sentinels in sentinel topology (default 3).
    pub sentinels: Option<Spanned<u32>>,
    /// TLS with a certificate that cert-manager issues from a CA of its own; apps
    /// that use the instance get the CA.
    pub tls: Option<Tls>,
    /// Persistent volume size, e.g. `1Gi` (default `1Gi`).
    pub storage: Option<Spanned<Quantity>>,
    /// Storage class for the volume.
    pub storage_class: Option<Spanned<String>>,
    /// Run the Prometheus exporter (default true).
    pub exporter: Option<bool>,
    /// Doppler key holding the password (default `REDIS_<NAME>_PASSWORD`).
    pub password_key: Option<Spanned<DopplerKey>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Tls {
    /// Name of the Secret cert-manager writes (`tls.crt`, `tls.key`, `ca.crt`;
    /// default `redis-<name>-tls`).
    pub secret: Option<Spanned<Name>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Postgres {
    pub name: Spanned<Name>,
    /// Instances (default 1); 2 or more for HA.
    pub instances: Option<Spanned<u32>>,
    /// PostgreSQL image tag (default `16.6`).
    pub version: Option<Spanned<String>>,
    /// Volume size (default `1Gi`).
    pub storage: Option<Spanned<Quantity>>,
    pub storage_class: Option<Spanned<String>>,
    /// Application database (default: the cluster name).
    pub database: Option<Spanned<Name>>,
    /// Owner role of the database (default: the database name).
    pub owner: Option<Spanned<Name>>,
    /// Doppler key holding the owner's password (default `POSTGRES_<NAME>_PASSWORD`).
    pub password_key: Option<Spanned<DopplerKey>>,
    /// Backups to object storage through the Barman Cloud plugin.
    pub backup: Option<Backup>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Backup {
    /// Destination, e.g. `s3://backups/pg`.
    pub destination: Spanned<String>,
    /// S3 endpoint for non-AWS storage.
    pub endpoint_url: Option<Spanned<String>>,
    /// Retention, e.g. `30d` (default `30d`).
    pub retention: Option<Spanned<String>>,
    /// Six-field cron schedule of base backups (default `0 0 3 * * *`).
    pub schedule: Option<Spanned<String>>,
    /// Doppler key of the access key id (default `BACKUP_ACCESS_KEY_ID`).
    pub access_key_id_key: Option<Spanned<DopplerKey>>,
    /// Doppler key of the secret access key (default `BACKUP_SECRET_ACCESS_KEY`).
    pub secret_access_key_key: Option<Spanned<DopplerKey>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct App {
    pub name: Spanned<Name>,
    /// Image with a tag or digest, e.g. `ghcr.io/acme/api:1.4.2`.
    pub image: Option<Spanned<ImageRef>>,
    /// Replicas (default 1).
    pub replicas: Option<Spanned<u32>>,
    /// Container port (default 8080).
    pub port: Option<Spanned<u16>>,
    /// Plain environment variables. Passwords do not belong here: use `secret-env`.
    #[serde(default)]
    pub env: BTreeMap<EnvVarName, Spanned<String>>,
    /// Environment variables read from the secret provider: variable → provider key.
    #[serde(default)]
    pub secret_env: BTreeMap<EnvVarName, Spanned<DopplerKey>>,
    pub resources: Option<Resources>,
    /// HTTP health checks.
    pub health: Option<Health>,
    /// Relaxations of the hardened container defaults (non-root, no privilege
    /// escalation, all capabilities dropped, RuntimeDefault seccomp).
    pub security: Option<Security>,
    /// Redis instances the app uses (by name).
    #[serde(default)]
    pub redis: Vec<Spanned<Name>>,
    /// PostgreSQL clusters the app uses (by name).
    #[serde(default)]
    pub postgres: Vec<Spanned<Name>>,
    /// Public hostnames routed to the app: DNS names behind Cloudflare Tunnel, or
    /// machine names on the tailnet (`api-dev`) with Tailscale.
    #[serde(default)]
    pub public: Vec<Spanned<PublicName>>,
    /// Restart on secret change through Reloader (default true).
    pub reload_on_secret_change: Option<bool>,
    /// The numeric user (and group) the app's container runs as. Default: unset,
    /// so the image's own `USER` applies, which must then be numeric and not
    /// root (`runAsNonRoot: true` is always on). Set it when the image says
    /// `USER nonroot` or another name: the kubelet refuses such an image under
    /// runAsNonRoot. `shipshape simulate` lists images whose user it cannot verify.
    pub run_as_user: Option<Spanned<u32>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Resources {
    pub requests: Option<ResourceSet>,
    pub limits: Option<ResourceSet>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ResourceSet {
    pub cpu: Option<Spanned<Quantity>>,
    pub memory: Option<Spanned<Quantity>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Health {
    /// Path of the liveness probe, e.g. `/livez`: it must not check Redis or
    /// PostgreSQL, or an outage of those restarts every pod.
    pub liveness: Spanned<HttpPath>,
    /// Path of the readiness probe, e.g. `/readyz`: may check dependencies.
    pub readiness: Spanned<HttpPath>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Security {
    /// Why the app needs these relaxations (required).
    pub reason: Spanned<String>,
    /// Run as root (UID 0).
    pub run_as_root: Option<bool>,
    /// Allow privilege escalation (setuid binaries).
    pub allow_privilege_escalation: Option<bool>,
    /// Linux capabilities to add back after dropping all, e.g. `NET_BIND_SERVICE`.
    #[serde(default)]
    pub add_capabilities: Vec<Spanned<Capability>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Exposure {
    /// Cloudflare Tunnel (locally managed: config.yaml in Git) with External-DNS.
    pub cloudflare_tunnel: Option<CloudflareTunnel>,
    /// Tailscale: apps reachable on the tailnet.
    pub tailscale: Option<Tailscale>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CloudflareTunnel {
    /// The tunnel's UUID.
    pub tunnel_id: Spanned<String>,
    /// Doppler key holding the tunnel credentials JSON (default `CLOUDFLARE_TUNNEL_CREDENTIALS`).
    pub credentials_key: Option<Spanned<DopplerKey>>,
    /// cloudflared image with a pinned tag (default `cloudflare/cloudflared:2025.8.1`; runs as UID 65532).
    pub image: Option<Spanned<ImageRef>>,
    /// cloudflared replicas (default 2).
    pub replicas: Option<Spanned<u32>>,
    /// Route through the NGINX Ingress controller (default true) instead of straight to the app Service.
    pub via_ingress_nginx: Option<bool>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Tailscale {
    /// Tailscale ACL tags for the exposed devices (default `tag:k8s`).
    #[serde(default)]
    pub tags: Vec<Spanned<String>>,
}
