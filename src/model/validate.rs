//! From raw spec to [`Model`]: defaults, cross-references and the checks that
//! make a spec illegal. Every problem is collected; nothing stops at the first.

use std::collections::BTreeSet;

use super::components::{build_app, build_postgres, build_redis, build_tunnel};
use super::*;
use crate::problem::{At, Problem, Problems};
use crate::spec::raw::{self, EnvFile};
use crate::spec::{EnvSpec, Spec};
use crate::yaml::Spanned;

/// Environment variable names that hold credentials: a plain `env` entry named
/// like this is a literal secret in Git.
pub fn looks_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    [
        "PASSWORD",
        "PASSWD",
        "SECRET",
        "TOKEN",
        "API_KEY",
        "APIKEY",
        "PRIVATE_KEY",
        "CREDENTIAL",
    ]
    .iter()
    .any(|w| upper.contains(w))
}

/// `scheme://user:password@host`: credentials inside a URL.
pub fn has_url_credentials(value: &str) -> bool {
    value.split_once("://").is_some_and(|(_, rest)| {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        authority
            .split_once('@')
            .is_some_and(|(userinfo, _)| userinfo.contains(':'))
    })
}

/// Environment names that mean production when the spec does not say.
pub fn is_production_name(env: &str) -> bool {
    matches!(env, "prd" | "prod" | "production")
}

pub fn build(spec: &Spec) -> Result<Model, Problems> {
    let mut problems = Problems::default();
    let p = &spec.project;
    let external_dns_legacy = match &p.external_dns {
        Some(ed) => match version_before(&ed.version, (0, 22)) {
            Some(b) => b,
            None => {
                problems.push(
                    Problem::at_span(
                        "spec::invalid-value",
                        "`version` must look like `0.15.1`",
                        ed.version.span,
                    )
                    .with_help("write the External-DNS version as MAJOR.MINOR[.PATCH]"),
                );
                false
            }
        },
        None => false,
    };
    let project = Project {
        name: p.name.to_string(),
        file: spec.project_file,
        root: spec.root.clone(),
        output: p
            .output
            .as_ref()
            .map_or("gitops-out".to_string(), |o| o.to_string()),
        repo_url: p.repo.url.value.clone(),
        revision: p
            .repo
            .revision
            .as_ref()
            .map_or("main".to_string(), |r| r.value.clone()),
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
        external_dns_legacy,
        external_dns_declared: p.external_dns.is_some(),
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
    problems.into_result(Model { project, envs })
}

fn version_before(v: &str, (maj, min): (u64, u64)) -> Option<bool> {
    let mut parts = v.trim_start_matches('v').split('.');
    let a: u64 = parts.next()?.parse().ok()?;
    let b: u64 = parts.next()?.parse().ok()?;
    Some((a, b) < (maj, min))
}

fn operator(kind: OperatorKind, c: &Option<raw::Chart>, out: &mut Vec<Operator>) {
    if let Some(c) = c {
        out.push(Operator {
            kind,
            version: c.version.value.clone(),
            span: c.version.span,
        });
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

fn unique<'a, T>(
    items: &'a [T],
    name: impl Fn(&'a T) -> &'a Spanned<crate::spec::types::Name>,
    what: &str,
    problems: &mut Problems,
) {
    let mut seen = BTreeSet::new();
    for item in items {
        let n = name(item);
        if !seen.insert(n.as_str()) {
            problems.push(Problem::at_span(
                "spec::duplicate-name",
                format!("two {what} are named `{}`", n.value),
                n.span,
            ));
        }
    }
}

fn build_env(es: &EnvSpec, problems: &mut Problems) -> Option<Env> {
    let s: &EnvFile = &es.spec;
    let before = problems.len();
    let name = es.name.to_string();
    let production = s.production.unwrap_or(is_production_name(&name));
    let mut operators = Vec::new();
    if let Some(pl) = &s.platform {
        operator(
            OperatorKind::ExternalSecrets,
            &pl.external_secrets,
            &mut operators,
        );
        operator(OperatorKind::Reloader, &pl.reloader, &mut operators);
        operator(
            OperatorKind::RedisOperator,
            &pl.redis_operator,
            &mut operators,
        );
        operator(
            OperatorKind::CloudnativePg,
            &pl.cloudnative_pg,
            &mut operators,
        );
        operator(
            OperatorKind::IngressNginx,
            &pl.ingress_nginx,
            &mut operators,
        );
        operator(OperatorKind::ExternalDns, &pl.external_dns, &mut operators);
        operator(
            OperatorKind::TailscaleOperator,
            &pl.tailscale_operator,
            &mut operators,
        );
    }
    operators.sort_by_key(|o| o.kind);
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
    unique(&s.redis, |r| &r.name, "redis instances", problems);
    unique(&s.postgres, |r| &r.name, "postgres clusters", problems);
    unique(&s.apps, |r| &r.name, "apps", problems);

    let mut env = Env {
        name: name.clone(),
        file: es.file,
        namespace: s.namespace.as_ref().map_or(name.clone(), |n| n.to_string()),
        production,
        automated: s.sync.as_ref().and_then(|x| x.automated).unwrap_or(false),
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
            let span = ts.tags.first().map_or(
                Span {
                    file: es.file,
                    ..Span::default()
                },
                |t| t.span,
            );
            env.tailscale = Some(Tailscale {
                tags: if ts.tags.is_empty() {
                    vec!["tag:k8s".into()]
                } else {
                    ts.tags.iter().map(|t| t.value.clone()).collect()
                },
                span,
            });
            if !env.has_operator(OperatorKind::TailscaleOperator) {
                problems.push(
                    Problem::new("spec::missing-operator", "Tailscale exposure needs the `tailscale-operator` operator", At::File(es.file))
                        .with_help("add `platform: { tailscale-operator: { version: \"…\" } }` to this environment"),
                );
            }
        }
    }
    let mut hostnames: BTreeSet<String> = BTreeSet::new();
    for a in &s.apps {
        if let Some(app) = build_app(a, &env, &mut hostnames, problems) {
            env.apps.push(app);
        }
    }
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
    (problems.len() == before).then_some(env)
}
