//! From raw spec to [`Model`]: defaults, cross-references and the checks that
//! make a spec illegal. Every problem is collected; nothing stops at the first.

use std::collections::BTreeSet;

use super::components::{build_app, build_postgres, build_redis, build_tunnel};
use super::*;
use crate::catalog;
use crate::problem::{At, Problem, Problems};
use crate::spec::raw::{self, EnvFile};
use crate::spec::{EnvSpec, Spec};
use crate::yaml::Spanned;

/// Environment variable names that hold credentials: a plain `env` entry named
/// like this is a literal secret in Git (`DB_PASS`, `API_KEY`; not
/// `SECRET_NAME` or `PASSWORD_FILE`, which name where a credential is).
pub fn looks_secret(name: &str) -> bool {
    crate::secret::is_secret_key(name)
}

/// Environment names that mean production when the spec does not say.
pub fn is_production_name(env: &str) -> bool {
    matches!(env, "prd" | "prod" | "production")
}

pub fn build(spec: &Spec) -> Result<Model, Problems> {
    let mut problems = Problems::default();
    let p = &spec.project;
    let project = Project {
        name: p.name.to_string(),
        file: spec.project_file,
        root: spec.root.clone(),
        output: p
            .output
            .as_ref()
            .map_or("gitops-out".to_string(), |o| o.to_string()),
        output_span: p.output.as_ref().map(|o| o.span),
        environments: p.environments.as_str().to_string(),
        repo_url: p.repo.url.value.clone(),
        revision: p
            .repo
            .revision
            .as_ref()
            .map_or("main".to_string(), |r| r.value.clone()),
        revision_span: p.repo.revision.as_ref().map(|r| r.span),
        repo_path: p.repo.path.as_ref().map_or(String::new(), |r| {
            r.to_string().trim_end_matches('/').to_string()
        }),
        argocd_namespace: p
            .argocd
            .as_ref()
            .and_then(|a| a.namespace.as_ref())
            .map_or("argocd".to_string(), |n| n.to_string()),
        argocd_project: p
            .argocd
            .as_ref()
            .and_then(|a| a.project.as_ref())
            .map_or(p.name.to_string(), |n| n.to_string()),
        reloader_auto_all: p
            .reloader
            .as_ref()
            .and_then(|r| r.auto_reload_all)
            .unwrap_or(false),
        policies: p.policies.iter().map(|s| (s.to_string(), s.span)).collect(),
        extra_manifests: p
            .extra_manifests
            .iter()
            .map(|s| (s.to_string(), s.span))
            .collect(),
    };
    if project.repo_url.trim().is_empty() {
        problems.push(Problem::at_span(
            "spec::invalid-value",
            "`url` must not be empty",
            p.repo.url.span,
        ));
    }
    let mut envs = Vec::new();
    for env in spec.envs.values() {
        if env.spec.is_abstract == Some(true) {
            continue;
        }
        if let Some(e) = build_env(env, &mut problems) {
            envs.push(e);
        }
    }
    shared_clusters(&envs, &mut problems);
    problems.into_result(Model { project, envs })
}

/// Two environments on one cluster must not both install an operator: their Helm
/// releases (same name, same namespace) would overwrite each other.
fn shared_clusters(envs: &[Env], problems: &mut Problems) {
    for (i, later) in envs.iter().enumerate() {
        for earlier in &envs[..i] {
            if earlier.cluster != later.cluster {
                continue;
            }
            for op in &later.operators {
                if earlier.has_operator(op.kind) {
                    problems.push(
                        Problem::at_span(
                            "spec::shared-cluster",
                            format!(
                                "`{}` and `{}` both install `{}` on {}; their Helm releases would overwrite each other",
                                earlier.name,
                                later.name,
                                catalog::entry(op.kind).key,
                                later.cluster.describe()
                            ),
                            op.span,
                        )
                        .with_help("give each environment its own `cluster:` (an API server URL or a cluster name registered in Argo CD)"),
                    );
                }
            }
        }
    }
}

/// An operator the spec pins: its version must be in the catalogue's supported range.
fn operator(
    kind: OperatorKind,
    c: &Option<Spanned<raw::Chart>>,
    out: &mut Vec<Operator>,
    problems: &mut Problems,
) {
    let Some(c) = c else { return };
    let e = catalog::entry(kind);
    let (version, span) = match &c.version {
        Some(v) => (v.version(), v.span),
        None => (e.default_version(), c.span),
    };
    if !e.supports(&version) {
        problems.push(
            Problem::at_span(
                "spec::unsupported-version",
                format!(
                    "{} chart `{version}` is outside the supported range `{}` ({})",
                    e.title,
                    e.range(),
                    e.why_min
                ),
                span,
            )
            .with_help(format!(
                "pin a version in the range, e.g. the current release `{}`, or leave `version` out to get it",
                e.default
            )),
        );
    }
    out.push(Operator {
        kind,
        version,
        span,
    });
}

/// Adds an operator the environment needs but does not pin, at the catalogue's
/// default version; `span` is what needs it.
fn add_needed(env: &mut Env, kind: OperatorKind, span: Span) {
    if !env.has_operator(kind) {
        env.operators.push(Operator {
            kind,
            version: catalog::entry(kind).default_version(),
            span,
        });
        env.operators.sort_by_key(|o| o.kind);
    }
}

pub(super) fn require(
    env: &Env,
    kind: OperatorKind,
    why: &str,
    key: &str,
    span: Span,
    problems: &mut Problems,
) {
    if !env.has_operator(kind) {
        problems.push(
            Problem::at_span(
                "spec::missing-operator",
                format!("{why} needs the `{key}` operator"),
                span,
            )
            .with_help(format!(
                "add `platform: {{ {key}: {{ version: \"…\" }} }}` to this environment"
            )),
        );
    }
}

/// What the environment's components need installed: cert-manager for
/// certificates, the Barman Cloud plugin (and its CloudNativePG) for backups.
fn prerequisites(env: &mut Env, problems: &mut Problems) {
    if let Some(r) = env.redis.iter().find(|r| r.tls_secret.is_some()) {
        add_needed(env, OperatorKind::CertManager, r.span);
    }
    let Some(b) = env.postgres.iter().find_map(|p| p.backup.as_ref()) else {
        return;
    };
    let span = b.span;
    add_needed(env, OperatorKind::BarmanCloud, span);
    add_needed(env, OperatorKind::CertManager, span);
    if let Some(cnpg) = env.operator(OperatorKind::CloudnativePg) {
        if !catalog::operators::cnpg_supports_barman_plugin(&cnpg.version) {
            let app = catalog::entry(OperatorKind::CloudnativePg)
                .app_version(&cnpg.version)
                .unwrap_or("older than 1.26");
            problems.push(
                Problem::at_span(
                    "spec::unsupported-version",
                    format!(
                        "backups run through the Barman Cloud plugin, which needs CloudNativePG 1.26 (chart >= {}); chart `{}` ships operator {app}",
                        catalog::operators::cnpg_barman_plugin_since(),
                        cnpg.version
                    ),
                    cnpg.span,
                )
                .with_help(format!(
                    "pin `cloudnative-pg` at `{}` or newer",
                    catalog::operators::cnpg_barman_plugin_since()
                )),
            );
        }
    }
}

fn build_env(es: &EnvSpec, problems: &mut Problems) -> Option<Env> {
    let s: &EnvFile = &es.spec;
    let before = problems.len();
    let name = es.name.to_string();
    let production = s.production.unwrap_or(is_production_name(&name));
    let operators = env_operators(s, problems);
    let doppler = s.secrets.as_ref().map(|sec| Doppler {
        project: sec.doppler.project.value.clone(),
        config: sec.doppler.config.value.clone(),
        token_secret: sec
            .doppler
            .token_secret
            .as_ref()
            .map_or("doppler-token".into(), |t| t.to_string()),
        span: sec.doppler.project.span,
    });

    let mut env = Env {
        name: name.clone(),
        file: es.file,
        namespace: s.namespace.as_ref().map_or(name.clone(), |n| n.to_string()),
        production,
        automated: s.sync.as_ref().and_then(|x| x.automated).unwrap_or(false),
        revision: s.revision.as_ref().map(|r| (r.value.clone(), r.span)),
        cluster: s
            .cluster
            .as_ref()
            .map_or(Cluster::InCluster, |c| Cluster::from_ref(c)),
        operators,
        doppler,
        redis: Vec::new(),
        postgres: Vec::new(),
        apps: Vec::new(),
        tunnel: None,
        tailscale: None,
    };
    if let Some(sec) = &s.secrets {
        require(
            &env,
            OperatorKind::ExternalSecrets,
            "Doppler secrets",
            "external-secrets",
            sec.doppler.project.span,
            problems,
        );
    }
    for r in &s.redis {
        if let Some(redis) = build_redis(r, &env, problems) {
            env.redis.push(redis);
        }
    }
    for pg in &s.postgres {
        if let Some(p) = build_postgres(pg, &env, problems) {
            env.postgres.push(p);
        }
    }
    if let Some(ex) = &s.exposure {
        if let Some(t) = &ex.cloudflare_tunnel {
            env.tunnel = build_tunnel(t, &env, problems);
        }
        if let Some(ts) = &ex.tailscale {
            env.tailscale = Some(build_tailscale(ts, es.file, &env, problems));
        }
    }
    prerequisites(&mut env, problems);
    let mut hostnames: BTreeSet<String> = BTreeSet::new();
    for a in &s.apps {
        if let Some(app) = build_app(a, &env, &mut hostnames, problems) {
            env.apps.push(app);
        }
    }
    check_component_names(&env, problems);
    (problems.len() == before).then_some(env)
}

/// The operators the environment pins, in a fixed order.
fn env_operators(s: &EnvFile, problems: &mut Problems) -> Vec<Operator> {
    let mut operators = Vec::new();
    if let Some(pl) = &s.platform {
        let pins = [
            (OperatorKind::CertManager, &pl.cert_manager),
            (OperatorKind::ExternalSecrets, &pl.external_secrets),
            (OperatorKind::Reloader, &pl.reloader),
            (OperatorKind::RedisOperator, &pl.redis_operator),
            (OperatorKind::CloudnativePg, &pl.cloudnative_pg),
            (OperatorKind::BarmanCloud, &pl.barman_cloud),
            (OperatorKind::IngressNginx, &pl.ingress_nginx),
            (OperatorKind::ExternalDns, &pl.external_dns),
            (OperatorKind::TailscaleOperator, &pl.tailscale_operator),
        ];
        for (kind, chart) in pins {
            operator(kind, chart, &mut operators, problems);
        }
    }
    operators.sort_by_key(|o| o.kind);
    operators
}

fn build_tailscale(
    ts: &crate::spec::raw::Tailscale,
    file: crate::source::FileId,
    env: &Env,
    problems: &mut Problems,
) -> Tailscale {
    if !env.has_operator(OperatorKind::TailscaleOperator) {
        problems.push(
            Problem::new(
                "spec::missing-operator",
                "Tailscale exposure needs the `tailscale-operator` operator",
                At::File(file),
            )
            .with_help(
                "add `platform: { tailscale-operator: { version: \"…\" } }` to this environment",
            ),
        );
    }
    Tailscale {
        tags: if ts.tags.is_empty() {
            vec!["tag:k8s".into()]
        } else {
            ts.tags.iter().map(|t| t.value.clone()).collect()
        },
        span: ts.tags.first().map_or(
            Span {
                file,
                ..Span::default()
            },
            |t| t.span,
        ),
    }
}

/// Apps, `redis-<name>`, `postgres-<name>` and the platform components share
/// one folder namespace in the render.
fn check_component_names(env: &Env, problems: &mut Problems) {
    let mut components = BTreeSet::new();
    for (c, span) in env
        .apps
        .iter()
        .map(|a| (a.name.clone(), a.span))
        .chain(env.redis.iter().map(|r| (r.component(), r.span)))
        .chain(env.postgres.iter().map(|p| (p.component(), p.span)))
    {
        if crate::render::RESERVED_COMPONENTS.contains(&c.as_str()) || !components.insert(c.clone())
        {
            problems.push(
                Problem::at_span("spec::duplicate-name", format!("component name `{c}` is used twice in this environment"), span)
                    .with_help("rename it: apps, `redis-<name>`, `postgres-<name>` and the platform components share one folder namespace"),
            );
        }
    }
}
