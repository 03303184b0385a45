//! Validation of the components of an environment: Redis, PostgreSQL, the
//! tunnel and the apps. Each returns `None` after recording its problems.

use std::collections::BTreeSet;

use super::validate::require;
use super::*;
use crate::problem::{did_you_mean, Problem, Problems};
use crate::spec::raw;
use crate::spec::types::Quantity;

pub(super) fn build_redis(r: &raw::Redis, env: &Env, problems: &mut Problems) -> Option<Redis> {
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
    let mut ok = redis_fits_platform(r, engine, topology, env, problems);
    let memory = r
        .memory
        .as_ref()
        .map_or_else(|| Quantity::parse("256Mi").ok(), |m| Some(m.value.clone()))?;
    let (maxmemory, maxmemory_span) = match redis_maxmemory(r, &memory, problems) {
        Some(m) => m,
        None => {
            ok = false;
            (String::new(), r.name.span)
        }
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
        replicas_span: r.replicas.as_ref().map_or(r.name.span, |x| x.span),
        sentinels,
        tls_secret: r.tls.as_ref().map(|t| {
            t.secret
                .as_ref()
                .map_or_else(|| format!("redis-{}-tls", r.name.value), |s| s.to_string())
        }),
        storage,
        storage_class: r.storage_class.as_ref().map(|s| s.value.clone()),
        exporter: r.exporter.unwrap_or(true),
    })
}

/// Whether the environment can run this Redis: an engine that supports the
/// topology, the operator it needs, and the secret provider for its password.
fn redis_fits_platform(
    r: &raw::Redis,
    engine: RedisEngine,
    topology: Topology,
    env: &Env,
    problems: &mut Problems,
) -> bool {
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
                format!(
                    "redis `{}` needs a password from the secret provider",
                    r.name.value
                ),
                r.name.span,
            )
            .with_help("add `secrets: { doppler: { project: …, config: … } }` to this environment"),
        );
        ok = false;
    }
    ok
}

/// `maxmemory` as Redis reads it, and the span that set it; by default three
/// quarters of the container limit, which leaves room for fork and buffers.
/// `None` after recording a value Redis would not read.
fn redis_maxmemory(
    r: &raw::Redis,
    memory: &Quantity,
    problems: &mut Problems,
) -> Option<(String, crate::yaml::Span)> {
    let Some(m) = &r.maxmemory else {
        let mb = (memory.value() * 0.75 / (1024.0 * 1024.0)).floor() as u64;
        return Some((format!("{mb}mb"), r.name.span));
    };
    if crate::spec::types::redis_memory_bytes(m).is_none() {
        problems.push(
            Problem::at_span(
                "spec::invalid-value",
                format!("`maxmemory: {}` is not a Redis memory size", m.value),
                m.span,
            )
            .with_help("write it as Redis does, e.g. `192mb` or `1gb`"),
        );
        return None;
    }
    Some((m.value.to_ascii_lowercase(), m.span))
}

pub(super) fn build_postgres(
    p: &raw::Postgres,
    env: &Env,
    problems: &mut Problems,
) -> Option<Postgres> {
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
        instances_span: p.instances.as_ref().map_or(p.name.span, |i| i.span),
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

pub(super) fn build_tunnel(
    t: &raw::CloudflareTunnel,
    env: &Env,
    problems: &mut Problems,
) -> Option<Tunnel> {
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
        None => crate::spec::types::ImageRef::parse(&format!(
            "cloudflare/cloudflared:{}",
            crate::catalog::runtime::CLOUDFLARED_DEFAULT_TAG
        ))
        .ok()?,
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

pub(super) fn build_app(
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
    check_app_settings(a, env, problems);
    check_app_references(a, env, problems);
    let (public, tailnet) = public_names(a, env, problems);
    claim_hostnames(a, env, hostnames, problems);
    let requests = a
        .resources
        .as_ref()
        .map(|r| resource_set(r.requests.as_ref()))
        .unwrap_or_default();
    let limits = a
        .resources
        .as_ref()
        .map(|r| resource_set(r.limits.as_ref()))
        .unwrap_or_default();
    let health = app_health(a, problems);
    let security = app_security(a, problems);
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
        health,
        security,
        redis: a.redis.iter().map(|r| r.to_string()).collect(),
        postgres: a.postgres.iter().map(|r| r.to_string()).collect(),
        public,
        tailnet,
        reload: a.reload_on_secret_change.unwrap_or(true),
        run_as_user: a.run_as_user.as_ref().map(|u| u.value),
        name,
    })
}

/// Values an app may not hold: a credential in plain `env`, port 0,
/// `secret-env` without a provider, root through `run-as-user`.
fn check_app_settings(a: &raw::App, env: &Env, problems: &mut Problems) {
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
        }
    }
    if let Some(p) = a.port.as_ref().filter(|p| p.value == 0) {
        problems.push(
            Problem::at_span(
                "spec::out-of-range",
                "`port: 0` is not a port a container can listen on",
                p.span,
            )
            .with_help("use the port the app listens on, 1–65535 (default 8080)"),
        );
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
    if let Some(u) = a.run_as_user.as_ref().filter(|u| u.value == 0) {
        problems.push(
            Problem::at_span(
                "spec::root-user",
                "`run-as-user: 0` is root, which `runAsNonRoot` refuses",
                u.span,
            )
            .with_help("use a non-zero user, or `security: { run-as-root: true, reason: … }`"),
        );
    }
}

/// Every Redis and PostgreSQL an app uses is declared in its environment.
fn check_app_references(a: &raw::App, env: &Env, problems: &mut Problems) {
    let redis: Vec<&str> = env.redis.iter().map(|x| x.name.as_str()).collect();
    let postgres: Vec<&str> = env.postgres.iter().map(|x| x.name.as_str()).collect();
    for (kind, used, declared) in [
        ("redis", &a.redis, redis),
        ("postgres", &a.postgres, postgres),
    ] {
        for r in used.iter().filter(|r| !declared.contains(&r.as_str())) {
            let help = match did_you_mean(r.as_str(), declared.iter().copied()) {
                Some(m) => format!("did you mean `{m}`?"),
                None => format!("declare it under `{kind}:` in this environment"),
            };
            problems.push(
                Problem::at_span(
                    "spec::unknown-reference",
                    format!(
                        "app `{}` uses {kind} `{}`, which is not declared",
                        a.name.value, r.value
                    ),
                    r.span,
                )
                .with_help(help),
            );
        }
    }
}

/// Each public hostname routes to one app of the environment, which must
/// have an exposure to serve it.
fn claim_hostnames(
    a: &raw::App,
    env: &Env,
    hostnames: &mut BTreeSet<String>,
    problems: &mut Problems,
) {
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
}

fn resource_set(rs: Option<&raw::ResourceSet>) -> Vec<(String, String)> {
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
}

fn app_health(a: &raw::App, problems: &mut Problems) -> Option<Health> {
    let h = a.health.as_ref()?;
    if h.liveness.as_str() == h.readiness.as_str() {
        problems.push(
            Problem::at_span(
                "spec::invalid-value",
                "liveness and readiness probe the same path",
                h.liveness.span,
            )
            .with_help("give liveness its own path that checks only the process (e.g. `/livez`); a readiness path that checks Redis or PostgreSQL would otherwise restart every pod during their outage"),
        );
    }
    Some(Health {
        liveness: h.liveness.to_string(),
        readiness: h.readiness.to_string(),
    })
}

/// The relaxations an app asks for, each with a reason; hardened by default.
fn app_security(a: &raw::App, problems: &mut Problems) -> Security {
    let Some(sec) = &a.security else {
        return Security::default();
    };
    let s = Security {
        run_as_root: sec.run_as_root.unwrap_or(false),
        allow_privilege_escalation: sec.allow_privilege_escalation.unwrap_or(false),
        add_capabilities: sec.add_capabilities.iter().map(|c| c.to_string()).collect(),
    };
    if sec.reason.trim().is_empty() {
        problems.push(
            Problem::at_span(
                "spec::invalid-value",
                "`reason` must say why the app needs these relaxations",
                sec.reason.span,
            )
            .with_help("e.g. `reason: \"binds port 80 inside the pod\"`"),
        );
    }
    if !s.run_as_root && !s.allow_privilege_escalation && s.add_capabilities.is_empty() {
        problems.push(
            Problem::at_span(
                "spec::invalid-value",
                "`security` relaxes nothing",
                sec.reason.span,
            )
            .with_help("remove `security:`; the hardened defaults apply"),
        );
    }
    s
}

/// Splits an app's public names by how they are served: DNS hostnames through
/// Cloudflare Tunnel, machine names (`api-dev`, or `api-dev.<tailnet>.ts.net`)
/// through Tailscale. A name that fits no exposure of the env is refused.
fn public_names(a: &raw::App, env: &Env, problems: &mut Problems) -> (Vec<String>, Vec<String>) {
    let mut public = Vec::new();
    let mut tailnet = Vec::new();
    for h in &a.public {
        let name = h.as_str();
        let machine = name
            .strip_suffix(".ts.net")
            .and_then(|rest| rest.split_once('.'))
            .map(|(m, _)| m)
            .or((!name.contains('.')).then_some(name));
        match (machine, env.tailscale.is_some(), env.tunnel.is_some()) {
            (Some(m), true, _) => tailnet.push(m.to_string()),
            (None, _, true) if crate::spec::types::Hostname::parse(name).is_ok() => {
                public.push(name.to_string())
            }
            (Some(_), false, true) => problems.push(
                Problem::at_span(
                    "spec::invalid-value",
                    format!("`{name}` is a tailnet machine name, but this environment is exposed through Cloudflare Tunnel"),
                    h.span,
                )
                .with_help("write the public DNS hostname, e.g. `api.example.com`"),
            ),
            (None, true, false) => problems.push(
                Problem::at_span(
                    "spec::invalid-value",
                    format!("`{name}` is a DNS hostname, but Tailscale serves apps by machine name on the tailnet"),
                    h.span,
                )
                .with_help(format!(
                    "write the machine name, e.g. `{}`; Tailscale serves it as <name>.<tailnet>.ts.net",
                    name.split('.').next().unwrap_or("api")
                )),
            ),
            // No exposure at all is reported below with the hostname checks.
            _ => {}
        }
    }
    (public, tailnet)
}
