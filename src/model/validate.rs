//! From raw spec to [`Model`]: defaults, cross-references and the checks that
//! make a spec illegal. Every problem is collected; nothing stops at the first.

use std::collections::BTreeSet;

use super::*;
use crate::problem::{did_you_mean, At, Problem, Problems};
use crate::spec::raw::{self, EnvFile};
use crate::spec::types::{parse_quantity, Quantity};
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

fn require(
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
    let production = s
        .production
        .unwrap_or(matches!(name.as_str(), "prd" | "prod" | "production"));
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

fn redis_maxmemory_bytes(s: &str) -> Option<f64> {
    let lower = s.to_ascii_lowercase();
    let split = lower
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(lower.len());
    let (n, unit) = lower.split_at(split);
    let n: f64 = n.parse().ok()?;
    let m = match unit {
        "" | "b" => 1.0,
        "k" => 1000.0,
        "kb" => 1024.0,
        "m" => 1e6,
        "mb" => 1024.0 * 1024.0,
        "g" => 1e9,
        "gb" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    Some(n * m)
}

fn build_redis(r: &raw::Redis, env: &Env, problems: &mut Problems) -> Option<Redis> {
    let name = r.name.to_string();
    let role = r.role.as_ref().map_or(RedisRole::Cache, |x| x.value);
    let topology = r
        .topology
        .as_ref()
        .map_or(Topology::Standalone, |x| x.value);
    let engine = r
        .engine
        .as_ref()
        .map_or(RedisEngine::OtOperator, |x| x.value);
    let mut ok = true;
    if engine == RedisEngine::Statefulset && topology == Topology::Sentinel {
        let span = r.topology.as_ref().map_or(r.name.span, |t| t.span);
        problems.push(
            Problem::at_span(
                "spec::unsupported",
                "the `statefulset` engine runs standalone Redis only",
                span,
            )
            .with_help("use `engine: ot-operator` for sentinel, or `topology: standalone`"),
        );
        ok = false;
    }
    if engine == RedisEngine::OtOperator {
        require(
            env,
            OperatorKind::RedisOperator,
            "a Redis on the OT operator",
            "redis-operator",
            r.name.span,
            problems,
        );
    }
    if env.doppler.is_none() {
        problems.push(
            Problem::at_span(
                "spec::missing-secrets",
                format!("redis `{name}` needs a password from the secret provider"),
                r.name.span,
            )
            .with_help("add `secrets: { doppler: { project: …, config: … } }` to this environment"),
        );
        ok = false;
    }
    let memory = r
        .memory
        .as_ref()
        .map_or_else(|| Quantity::parse("256Mi").ok(), |m| Some(m.value.clone()))?;
    let (maxmemory, maxmemory_span) = match &r.maxmemory {
        Some(m) => {
            if redis_maxmemory_bytes(m).is_none() {
                problems.push(
                    Problem::at_span(
                        "spec::invalid-value",
                        format!("`maxmemory: {}` is not a Redis memory size", m.value),
                        m.span,
                    )
                    .with_help("write it as Redis does, e.g. `192mb` or `1gb`"),
                );
                ok = false;
            }
            (m.value.to_ascii_lowercase(), m.span)
        }
        // Three quarters of the container limit leaves room for fork and buffers.
        None => (
            format!(
                "{}mb",
                (memory.value() * 0.75 / (1024.0 * 1024.0)).floor() as u64
            ),
            r.name.span,
        ),
    };
    let version = r.version.as_ref().map_or_else(
        || {
            if engine == RedisEngine::OtOperator {
                "v7.0.15".to_string()
            } else {
                "7.2.7".to_string()
            }
        },
        |v| v.value.clone(),
    );
    let replicas = r.replicas.as_ref().map_or(2, |x| x.value);
    let sentinels = r.sentinels.as_ref().map_or(3, |x| x.value);
    if topology == Topology::Sentinel && sentinels.is_multiple_of(2) {
        if let Some(s) = &r.sentinels {
            problems.push(
                Problem::at_span(
                    "spec::invalid-value",
                    "sentinels must be an odd number so a quorum exists",
                    s.span,
                )
                .with_help("use 3 or 5"),
            );
            ok = false;
        }
    }
    let storage = r
        .storage
        .as_ref()
        .map_or_else(|| Quantity::parse("1Gi").ok(), |m| Some(m.value.clone()))?;
    ok.then(|| Redis {
        password_key: r.password_key.as_ref().map_or_else(
            || {
                format!(
                    "REDIS_{}_PASSWORD",
                    name.to_ascii_uppercase().replace('-', "_")
                )
            },
            |k| k.to_string(),
        ),
        name,
        span: r.name.span,
        role,
        topology,
        engine,
        version,
        maxmemory,
        maxmemory_span,
        memory,
        replicas,
        sentinels,
        tls_secret: r.tls.as_ref().map(|t| t.secret.to_string()),
        storage,
        storage_class: r.storage_class.as_ref().map(|s| s.value.clone()),
        exporter: r.exporter.unwrap_or(true),
    })
}

fn build_postgres(p: &raw::Postgres, env: &Env, problems: &mut Problems) -> Option<Postgres> {
    let name = p.name.to_string();
    require(
        env,
        OperatorKind::CloudnativePg,
        "a PostgreSQL cluster",
        "cloudnative-pg",
        p.name.span,
        problems,
    );
    if env.doppler.is_none() {
        problems.push(
            Problem::at_span(
                "spec::missing-secrets",
                format!("postgres `{name}` needs its password from the secret provider"),
                p.name.span,
            )
            .with_help("add `secrets: { doppler: { project: …, config: … } }` to this environment"),
        );
        return None;
    }
    let database = p.database.as_ref().map_or(name.clone(), |d| d.to_string());
    let upper = name.to_ascii_uppercase().replace('-', "_");
    Some(Postgres {
        instances: p.instances.as_ref().map_or(1, |i| i.value),
        version: p
            .version
            .as_ref()
            .map_or("16.6".into(), |v| v.value.clone()),
        storage: p
            .storage
            .as_ref()
            .map_or_else(|| Quantity::parse("1Gi").ok(), |s| Some(s.value.clone()))?,
        storage_class: p.storage_class.as_ref().map(|s| s.value.clone()),
        owner: p.owner.as_ref().map_or(database.clone(), |o| o.to_string()),
        database,
        password_key: p
            .password_key
            .as_ref()
            .map_or_else(|| format!("POSTGRES_{upper}_PASSWORD"), |k| k.to_string()),
        backup: p.backup.as_ref().map(|b| Backup {
            destination: b.destination.value.clone(),
            endpoint_url: b.endpoint_url.as_ref().map(|e| e.value.clone()),
            retention: b
                .retention
                .as_ref()
                .map_or("30d".into(), |r| r.value.clone()),
            schedule: b
                .schedule
                .as_ref()
                .map_or("0 0 3 * * *".into(), |r| r.value.clone()),
            access_key_id_key: b
                .access_key_id_key
                .as_ref()
                .map_or("BACKUP_ACCESS_KEY_ID".into(), |k| k.to_string()),
            secret_access_key_key: b
                .secret_access_key_key
                .as_ref()
                .map_or("BACKUP_SECRET_ACCESS_KEY".into(), |k| k.to_string()),
            span: b.destination.span,
        }),
        name,
        span: p.name.span,
    })
}

fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn build_tunnel(t: &raw::CloudflareTunnel, env: &Env, problems: &mut Problems) -> Option<Tunnel> {
    let before = problems.len();
    if !is_uuid(&t.tunnel_id) {
        problems.push(
            Problem::at_span(
                "spec::invalid-value",
                "`tunnel-id` must be the tunnel's UUID",
                t.tunnel_id.span,
            )
            .with_help(
                "copy it from `cloudflared tunnel list`, e.g. 6ff42ae2-765d-4adf-8112-31c55c1551ef",
            ),
        );
    }
    if env.doppler.is_none() {
        problems.push(
            Problem::at_span(
                "spec::missing-secrets",
                "the tunnel credentials come from the secret provider",
                t.tunnel_id.span,
            )
            .with_help("add `secrets: { doppler: { project: …, config: … } }` to this environment"),
        );
    }
    let via = t.via_ingress_nginx.unwrap_or(true);
    if via {
        require(
            env,
            OperatorKind::IngressNginx,
            "routing the tunnel through NGINX",
            "ingress-nginx",
            t.tunnel_id.span,
            problems,
        );
    }
    require(
        env,
        OperatorKind::ExternalDns,
        "publishing tunnel hostnames in DNS",
        "external-dns",
        t.tunnel_id.span,
        problems,
    );
    let image = match &t.image {
        Some(i) => i.value.clone(),
        None => crate::spec::types::ImageRef::parse("cloudflare/cloudflared:2024.12.2").ok()?,
    };
    (problems.len() == before).then(|| Tunnel {
        tunnel_id: t.tunnel_id.value.clone(),
        credentials_key: t
            .credentials_key
            .as_ref()
            .map_or("CLOUDFLARE_TUNNEL_CREDENTIALS".into(), |k| k.to_string()),
        image,
        replicas: t.replicas.as_ref().map_or(2, |r| r.value),
        via_ingress_nginx: via,
        span: t.tunnel_id.span,
    })
}

fn build_app(
    a: &raw::App,
    env: &Env,
    hostnames: &mut BTreeSet<String>,
    problems: &mut Problems,
) -> Option<App> {
    let before = problems.len();
    let name = a.name.to_string();
    let Some(image) = &a.image else {
        problems.push(
            Problem::at_span(
                "spec::missing-key",
                format!("app `{name}` has no `image`"),
                a.name.span,
            )
            .with_help("add `image: registry/name:tag` (here or in the environment it extends)"),
        );
        return None;
    };
    for (k, v) in &a.env {
        if looks_secret(k.as_str()) {
            problems.push(
                Problem::at_span(
                    "spec::literal-secret",
                    format!("`{k}` looks like a credential but is a plain value in `env`; its value is not shown"),
                    v.span,
                )
                .with_help(format!("move it to `secret-env: {{ {k}: DOPPLER_KEY }}` and store the value in Doppler"))
                .secret(),
            );
        } else if has_url_credentials(v) {
            problems.push(
                Problem::at_span(
                    "spec::literal-secret",
                    format!("`{k}` holds a URL with a password in it; its value is not shown"),
                    v.span,
                )
                .with_help(
                    "put the URL (or its password) in Doppler and read it through `secret-env`",
                )
                .secret(),
            );
        }
    }
    if !a.secret_env.is_empty() && env.doppler.is_none() {
        problems.push(
            Problem::at_span(
                "spec::missing-secrets",
                "`secret-env` needs a secret provider",
                a.name.span,
            )
            .with_help("add `secrets: { doppler: { project: …, config: … } }` to this environment"),
        );
    }
    for r in &a.redis {
        if env.redis(r.as_str()).is_none() {
            let mut p = Problem::at_span(
                "spec::unknown-reference",
                format!(
                    "app `{name}` uses redis `{}`, which is not declared",
                    r.value
                ),
                r.span,
            );
            if let Some(m) = did_you_mean(r.as_str(), env.redis.iter().map(|x| x.name.as_str())) {
                p = p.with_help(format!("did you mean `{m}`?"));
            } else {
                p = p.with_help("declare it under `redis:` in this environment");
            }
            problems.push(p);
        }
    }
    for pg in &a.postgres {
        if env.postgres(pg.as_str()).is_none() {
            let mut p = Problem::at_span(
                "spec::unknown-reference",
                format!(
                    "app `{name}` uses postgres `{}`, which is not declared",
                    pg.value
                ),
                pg.span,
            );
            if let Some(m) = did_you_mean(pg.as_str(), env.postgres.iter().map(|x| x.name.as_str()))
            {
                p = p.with_help(format!("did you mean `{m}`?"));
            } else {
                p = p.with_help("declare it under `postgres:` in this environment");
            }
            problems.push(p);
        }
    }
    for h in &a.public {
        if !hostnames.insert(h.to_string()) {
            problems.push(Problem::at_span(
                "spec::duplicate-name",
                format!("hostname `{}` is routed to two apps", h.value),
                h.span,
            ));
        }
        if env.tunnel.is_none() && env.tailscale.is_none() {
            problems.push(
                Problem::at_span(
                    "spec::no-exposure",
                    format!(
                        "`{}` is public but the environment has no exposure",
                        h.value
                    ),
                    h.span,
                )
                .with_help(
                    "add `exposure: { cloudflare-tunnel: … }` or `exposure: { tailscale: {} }`",
                ),
            );
        }
    }
    let set = |rs: &Option<raw::ResourceSet>| -> Vec<(String, String)> {
        let mut v = Vec::new();
        if let Some(rs) = rs {
            if let Some(c) = &rs.cpu {
                v.push(("cpu".to_string(), c.to_string()));
            }
            if let Some(m) = &rs.memory {
                v.push(("memory".to_string(), m.to_string()));
            }
        }
        v
    };
    let requests = a
        .resources
        .as_ref()
        .map(|r| set(&r.requests))
        .unwrap_or_default();
    let limits = a
        .resources
        .as_ref()
        .map(|r| set(&r.limits))
        .unwrap_or_default();
    let _ = parse_quantity;
    (problems.len() == before).then(|| App {
        span: a.name.span,
        image: image.value.clone(),
        image_span: image.span,
        replicas: a.replicas.as_ref().map_or(1, |r| r.value),
        replicas_span: a.replicas.as_ref().map_or(a.name.span, |r| r.span),
        port: a.port.as_ref().map_or(8080, |p| p.value),
        env: a
            .env
            .iter()
            .map(|(k, v)| (k.to_string(), v.value.clone()))
            .collect(),
        secret_env: a
            .secret_env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        requests,
        limits,
        health_path: a.health.as_ref().map(|h| h.path.value.clone()),
        redis: a.redis.iter().map(|r| r.to_string()).collect(),
        postgres: a.postgres.iter().map(|r| r.to_string()).collect(),
        public: a.public.iter().map(|h| h.to_string()).collect(),
        reload: a.reload_on_secret_change.unwrap_or(true),
        name,
    })
}
