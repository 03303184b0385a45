//! Redis: OT Redis Operator CRs (standalone `Redis`, or `RedisReplication` +
//! `RedisSentinel`) or a plain StatefulSet, with the role's eviction and
//! persistence settings in the persisted config file (never `dynamicConfig`,
//! which a restart forgets), the password from an ExternalSecret, and a
//! NetworkPolicy that admits only the apps that use the instance.

use serde_json::{json, Map, Value as J};

use super::meta::{
    annotate, container_security, disruption_budget, labels, object, protect_stateful, selector,
    with_spec, RELOADER_AUTO, RELOAD_ON_SECRET, ROLE_LABEL,
};
use super::secrets::external_secret;
use super::{wave, Component, Object, Source};
use crate::catalog::{self, operators as ops, OperatorKind};
use crate::model::{Env, Model, Redis, Security};
use crate::spec::raw::{RedisEngine, RedisRole, Topology};

pub const OT_API: &str = "redis.redis.opstreelabs.in/v1beta2";
const CERT_API: &str = "cert-manager.io/v1";
const OT_IMAGE: &str = "quay.io/opstree/redis";
const OT_SENTINEL_IMAGE: &str = "quay.io/opstree/redis-sentinel";
const OT_EXPORTER_IMAGE: &str = "quay.io/opstree/redis-exporter:v1.44.0";
const EXPORTER_IMAGE: &str = "oliver006/redis_exporter:v1.66.0";
const TLS_DIR: &str = "/tls";

/// The lines of Redis config a role requires.
pub fn role_config(r: &Redis) -> Vec<String> {
    let mut lines = vec![format!("maxmemory {}", r.maxmemory)];
    match r.role {
        RedisRole::Cache => {
            lines.push("maxmemory-policy allkeys-lru".into());
            lines.push("appendonly no".into());
        }
        RedisRole::Queue => {
            // Queues must never lose a job to eviction, and survive restarts.
            lines.push("maxmemory-policy noeviction".into());
            lines.push("appendonly yes".into());
            lines.push("appendfsync everysec".into());
        }
        RedisRole::Session => {
            lines.push("maxmemory-policy volatile-lru".into());
            lines.push("appendonly yes".into());
            lines.push("appendfsync everysec".into());
        }
    }
    lines
}

fn role_name(r: &Redis) -> &'static str {
    match r.role {
        RedisRole::Cache => "cache",
        RedisRole::Queue => "queue",
        RedisRole::Session => "session",
    }
}

fn redis_labels(model: &Model, r: &Redis) -> Map<String, J> {
    let mut l = labels(model, &r.component());
    l.insert(ROLE_LABEL.into(), J::from(role_name(r)));
    l
}

fn config_map_name(r: &Redis) -> String {
    format!("{}-config", r.resource_name())
}

fn resources(r: &Redis) -> J {
    json!({ "requests": { "cpu": "100m", "memory": r.memory.as_str() }, "limits": { "memory": r.memory.as_str() } })
}

fn pvc(r: &Redis) -> J {
    let mut spec = json!({ "accessModes": ["ReadWriteOnce"], "resources": { "requests": { "storage": r.storage.as_str() } } });
    if let Some(sc) = &r.storage_class {
        spec["storageClassName"] = J::from(sc.as_str());
    }
    spec
}

pub fn component(model: &Model, env: &Env, r: &Redis) -> Component {
    let name = r.resource_name();
    let mut objects = vec![Object::new(
        external_secret(
            model,
            env,
            &r.component(),
            &r.secret_name(),
            &[("password", &r.password_key)],
            None,
        ),
        r.span,
    )];
    if let Some(tls) = &r.tls_secret {
        objects.extend(certificates(model, env, r, tls));
    }
    match r.engine {
        RedisEngine::OtOperator => ot_objects(model, r, &name, &mut objects),
        RedisEngine::Statefulset => statefulset_objects(model, r, &name, &mut objects),
    }
    objects.push(Object::new(network_policy(model, env, r), r.span));
    for (pdb_name, pods, count) in pod_groups(r) {
        if count >= 2 {
            objects.push(Object::new(
                disruption_budget(model, &r.component(), &pdb_name, pods),
                r.span,
            ));
        }
    }
    Component {
        name: r.component(),
        wave: wave::DATA,
        namespace: Some(env.namespace.clone()),
        source: Source::Manifests,
        objects,
        origin: r.span,
        server_side: false,
        own_namespaces: false,
    }
}

fn ot_objects(model: &Model, r: &Redis, name: &str, objects: &mut Vec<Object>) {
    objects.push(config_file(
        model,
        r,
        "redis-additional.conf",
        role_config(r),
    ));
    let secret = json!({ "name": r.secret_name(), "key": "password" });
    let mut spec = json!({
        "kubernetesConfig": {
            "image": format!("{OT_IMAGE}:{}", r.version),
            "imagePullPolicy": "IfNotPresent",
            "resources": resources(r),
            "redisSecret": secret,
        },
        "redisConfig": { "additionalRedisConfig": config_map_name(r) },
        "redisExporter": { "enabled": r.exporter, "image": OT_EXPORTER_IMAGE },
        // Deleting the CR (or the operator's chart, whose CRDs go with it)
        // must not delete the data: the operator keeps the claims.
        "storage": { "volumeClaimTemplate": { "spec": pvc(r) }, "keepAfterDelete": true },
        "podSecurityContext": { "runAsUser": 1000, "fsGroup": 1000 },
    });
    if let Some(tls) = &r.tls_secret {
        spec["TLS"] = json!({ "ca": "ca.crt", "cert": "tls.crt", "key": "tls.key", "secret": { "secretName": tls } });
    }
    // Redis reads its certificate once, at start: restart on renewal. The
    // operator copies a CR's annotations to its StatefulSet, where Reloader
    // reads them.
    let tls_reload = |o: &mut J| {
        if let Some(tls) = &r.tls_secret {
            annotate(o, RELOAD_ON_SECRET, tls);
        }
    };
    match r.topology {
        Topology::Standalone => {
            let mut redis = with_spec(object(OT_API, "Redis", name, redis_labels(model, r)), spec);
            protect_stateful(&mut redis);
            tls_reload(&mut redis);
            objects.push(Object::new(redis, r.span));
        }
        Topology::Sentinel => {
            let mut repl = spec.clone();
            repl["clusterSize"] = J::from(r.replicas);
            let mut replication = with_spec(
                object(OT_API, "RedisReplication", name, redis_labels(model, r)),
                repl,
            );
            protect_stateful(&mut replication);
            tls_reload(&mut replication);
            objects
                .push(Object::new(replication, r.span).field("spec.clusterSize", r.replicas_span));
            let mut sentinel = json!({
                "clusterSize": r.sentinels,
                "kubernetesConfig": {
                    "image": format!("{OT_SENTINEL_IMAGE}:{}", r.version),
                    "imagePullPolicy": "IfNotPresent",
                    "resources": { "requests": { "cpu": "50m", "memory": "64Mi" }, "limits": { "memory": "128Mi" } },
                    "redisSecret": secret,
                },
                "redisSentinelConfig": {
                    "redisReplicationName": name,
                    "masterGroupName": r.name,
                    "quorum": (r.sentinels / 2 + 1).to_string(),
                    "redisReplicationPassword": { "secretKeyRef": { "name": r.secret_name(), "key": "password" } },
                },
                "podSecurityContext": { "runAsUser": 1000, "fsGroup": 1000 },
            });
            if let Some(tls) = spec.get("TLS") {
                sentinel["TLS"] = tls.clone();
            }
            let mut sentinel = with_spec(
                // Named like the replication: the operator labels its pods
                // `app=<name>-sentinel` and creates the `<name>-sentinel` Service.
                object(OT_API, "RedisSentinel", name, redis_labels(model, r)),
                sentinel,
            );
            tls_reload(&mut sentinel);
            objects.push(Object::new(sentinel, r.span));
        }
    }
}

/// The ConfigMap holding the config file Redis reads at start, one setting a line.
fn config_file(model: &Model, r: &Redis, key: &str, lines: Vec<String>) -> Object {
    let mut text = lines.join("\n");
    text.push('\n');
    Object::new(
        with_data(
            object(
                "v1",
                "ConfigMap",
                &config_map_name(r),
                redis_labels(model, r),
            ),
            key,
            &text,
        ),
        r.maxmemory_span,
    )
}

fn with_data(mut obj: J, key: &str, value: &str) -> J {
    obj["data"] = json!({ key: value });
    obj
}

fn statefulset_objects(model: &Model, r: &Redis, name: &str, objects: &mut Vec<Object>) {
    let mut conf = vec!["dir /data".to_string()];
    if r.tls_secret.is_some() {
        conf.extend([
            "port 0".to_string(),
            "tls-port 6379".to_string(),
            format!("tls-cert-file {TLS_DIR}/tls.crt"),
            format!("tls-key-file {TLS_DIR}/tls.key"),
            format!("tls-ca-cert-file {TLS_DIR}/ca.crt"),
            "tls-auth-clients optional".to_string(),
        ]);
    }
    conf.extend(role_config(r));
    objects.push(config_file(model, r, "redis.conf", conf));
    let mut ports = vec![json!({ "name": "redis", "port": 6379, "targetPort": "redis" })];
    if r.exporter {
        ports.push(json!({ "name": "metrics", "port": 9121, "targetPort": "metrics" }));
    }
    objects.push(Object::new(
        with_spec(
            object("v1", "Service", name, redis_labels(model, r)),
            json!({ "clusterIP": "None", "selector": selector(&r.component()), "ports": ports }),
        ),
        r.span,
    ));
    let password_env = json!({ "name": "REDIS_PASSWORD", "valueFrom": { "secretKeyRef": { "name": r.secret_name(), "key": "password" } } });
    let probe =
        json!({ "tcpSocket": { "port": "redis" }, "initialDelaySeconds": 5, "periodSeconds": 10 });
    let mut mounts = vec![
        json!({ "name": "data", "mountPath": "/data" }),
        json!({ "name": "config", "mountPath": "/etc/redis" }),
    ];
    let mut volumes =
        vec![json!({ "name": "config", "configMap": { "name": config_map_name(r) } })];
    if let Some(tls) = &r.tls_secret {
        mounts.push(json!({ "name": "tls", "mountPath": TLS_DIR, "readOnly": true }));
        volumes.push(json!({ "name": "tls", "secret": { "secretName": tls } }));
    }
    let hardened = container_security(&Security::default());
    let mut containers = vec![json!({
        "name": "redis",
        "image": format!("redis:{}", r.version),
        "securityContext": hardened,
        // The password reaches redis-server through the environment, never the manifest.
        "command": ["sh", "-c", "exec redis-server /etc/redis/redis.conf --requirepass \"$REDIS_PASSWORD\""],
        "env": [password_env],
        "ports": [{ "name": "redis", "containerPort": 6379 }],
        "readinessProbe": probe,
        "livenessProbe": probe,
        "resources": resources(r),
        "volumeMounts": mounts,
    })];
    if r.exporter {
        let scheme = if r.tls_secret.is_some() {
            "rediss"
        } else {
            "redis"
        };
        containers.push(json!({
            "name": "exporter",
            "image": EXPORTER_IMAGE,
            "env": [
                { "name": "REDIS_ADDR", "value": format!("{scheme}://localhost:6379") },
                password_env,
            ],
            "ports": [{ "name": "metrics", "containerPort": 9121 }],
            "securityContext": hardened,
            "readinessProbe": { "httpGet": { "path": "/", "port": "metrics" } },
            "livenessProbe": { "httpGet": { "path": "/", "port": "metrics" } },
            "resources": { "requests": { "cpu": "10m", "memory": "32Mi" }, "limits": { "memory": "64Mi" } },
        }));
    }
    let mut pod_labels = redis_labels(model, r);
    pod_labels.insert("app.kubernetes.io/name".into(), J::from(r.component()));
    let mut sts = with_spec(
        object("apps/v1", "StatefulSet", name, redis_labels(model, r)),
        json!({
            "serviceName": name,
            "replicas": 1,
            "selector": { "matchLabels": selector(&r.component()) },
            "template": {
                "metadata": { "labels": pod_labels },
                "spec": {
                    "securityContext": {
                        "runAsNonRoot": true, "runAsUser": 999, "runAsGroup": 999, "fsGroup": 999,
                        "seccompProfile": { "type": "RuntimeDefault" },
                    },
                    "containers": containers,
                    "volumes": volumes,
                },
            },
            "volumeClaimTemplates": [{ "metadata": { "name": "data" }, "spec": pvc(r) }],
        }),
    );
    if !model.project.reloader_auto_all {
        annotate(&mut sts, RELOADER_AUTO, "true");
    }
    protect_stateful(&mut sts);
    objects.push(Object::new(sts, r.span));
}

/// The instance's pods, as label sets, with how many of each run: by the OT
/// operator's conventions (see the catalogue), or the StatefulSet's selector.
fn pod_groups(r: &Redis) -> Vec<(String, Map<String, J>, u32)> {
    let name = r.resource_name();
    let cr = name.clone();
    let labels = move |kind: &str| -> Map<String, J> {
        ops::ot_pod_labels(kind, &cr)
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k.to_string(), J::from(v)))
            .collect()
    };
    match (r.engine, r.topology) {
        (RedisEngine::Statefulset, _) => {
            let sel = selector(&r.component());
            let m = sel.as_object().cloned().unwrap_or_default();
            vec![(name, m, 1)]
        }
        (RedisEngine::OtOperator, Topology::Standalone) => vec![(name, labels("Redis"), 1)],
        (RedisEngine::OtOperator, Topology::Sentinel) => vec![
            (name.clone(), labels("RedisReplication"), r.replicas),
            (
                ops::ot_sentinel_app(&name),
                labels("RedisSentinel"),
                r.sentinels,
            ),
        ],
    }
}

/// The Services the instance is reached by, as the operator creates them.
fn services(r: &Redis) -> Vec<String> {
    let name = r.resource_name();
    // The model admits only operator versions that create the `-master`
    // Service, so the supported minimum names the Services of every one.
    let version = catalog::entry(OperatorKind::RedisOperator).min();
    match (r.engine, r.topology) {
        (RedisEngine::Statefulset, _) => vec![name],
        (RedisEngine::OtOperator, Topology::Standalone) => {
            ops::ot_services("Redis", &name, &version)
        }
        (RedisEngine::OtOperator, Topology::Sentinel) => {
            let mut v = ops::ot_services("RedisReplication", &name, &version);
            v.extend(ops::ot_services("RedisSentinel", &name, &version));
            v
        }
    }
}

/// cert-manager objects: a CA of the instance's own (self-signed, long-lived),
/// and the server certificate it signs into the instance's TLS Secret, valid for
/// every Service name the operator creates. Apps read `ca.crt` from that Secret.
fn certificates(model: &Model, env: &Env, r: &Redis, secret: &str) -> Vec<Object> {
    let base = r.resource_name();
    let comp = r.component();
    let ns = &env.namespace;
    let selfsigned = format!("{base}-selfsigned");
    let ca = format!("{base}-ca");
    let mut dns: Vec<String> = Vec::new();
    for svc in services(r) {
        for host in [
            svc.clone(),
            format!("{svc}.{ns}"),
            format!("{svc}.{ns}.svc"),
            format!("{svc}.{ns}.svc.cluster.local"),
        ] {
            dns.push(host);
        }
        if svc.ends_with("-headless") {
            dns.push(format!("*.{svc}.{ns}.svc"));
            dns.push(format!("*.{svc}.{ns}.svc.cluster.local"));
        }
    }
    dns.sort();
    dns.dedup();
    let l = || labels(model, &comp);
    vec![
        Object::new(
            with_spec(
                object(CERT_API, "Issuer", &selfsigned, l()),
                json!({ "selfSigned": {} }),
            ),
            r.span,
        ),
        Object::new(
            with_spec(
                object(CERT_API, "Certificate", &ca, l()),
                json!({
                    "isCA": true,
                    "commonName": ca,
                    "secretName": ca,
                    "duration": "87600h",
                    "privateKey": { "algorithm": "ECDSA", "size": 256 },
                    "issuerRef": { "name": selfsigned, "kind": "Issuer", "group": "cert-manager.io" },
                }),
            ),
            r.span,
        ),
        Object::new(
            with_spec(
                object(CERT_API, "Issuer", &ca, l()),
                json!({ "ca": { "secretName": ca } }),
            ),
            r.span,
        ),
        Object::new(
            with_spec(
                object(CERT_API, "Certificate", secret, l()),
                json!({
                    "secretName": secret,
                    "commonName": r.service_name(),
                    "dnsNames": dns,
                    "usages": ["server auth", "client auth"],
                    // 90 days, renewed 30 days ahead; Redis restarts on renewal.
                    "duration": "2160h",
                    "renewBefore": "720h",
                    "privateKey": { "algorithm": "ECDSA", "size": 256 },
                    "issuerRef": { "name": ca, "kind": "Issuer", "group": "cert-manager.io" },
                }),
            ),
            r.span,
        ),
    ]
}

fn network_policy(model: &Model, env: &Env, r: &Redis) -> J {
    let groups = pod_groups(r);
    let own = match r.engine {
        RedisEngine::OtOperator => {
            let apps: Vec<J> = groups
                .iter()
                .filter_map(|(_, m, _)| m.get("app").cloned())
                .collect();
            json!({ "matchExpressions": [{ "key": "app", "operator": "In", "values": apps }] })
        }
        RedisEngine::Statefulset => json!({ "matchLabels": selector(&r.component()) }),
    };
    let mut clients: Vec<J> = env
        .apps
        .iter()
        .filter(|a| a.redis.contains(&r.name))
        .map(|a| json!({ "podSelector": { "matchLabels": selector(&a.name) } }))
        .collect();
    clients.push(json!({ "podSelector": own }));
    let mut ports = vec![json!({ "protocol": "TCP", "port": 6379 })];
    if r.topology == Topology::Sentinel {
        ports.push(json!({ "protocol": "TCP", "port": 26379 }));
    }
    if r.engine == RedisEngine::OtOperator {
        // The operator connects to the pods to set up replication and failover.
        let ns = catalog::entry(OperatorKind::RedisOperator).namespace;
        clients.push(json!({ "namespaceSelector": { "matchLabels": { "kubernetes.io/metadata.name": ns } } }));
    }
    let mut ingress = vec![json!({ "from": clients, "ports": ports })];
    if r.exporter {
        // Metrics are scraped from outside the namespace; they carry no data.
        ingress.push(json!({ "ports": [{ "protocol": "TCP", "port": 9121 }] }));
    }
    with_spec(
        object(
            "networking.k8s.io/v1",
            "NetworkPolicy",
            &r.resource_name(),
            redis_labels(model, r),
        ),
        json!({ "podSelector": own, "policyTypes": ["Ingress"], "ingress": ingress }),
    )
}
