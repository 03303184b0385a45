//! Bitnami's `redis` and `valkey` charts (also as a dependency: `redis:` in a
//! parent chart's values): the StatefulSets running the server, the ConfigMap
//! with its config file, and the Secret a literal `auth.password` becomes, so
//! the Redis rules (password, TLS, persistence, eviction, memory) apply.
//!
//! What the chart does with its values, as the objects show it:
//! - `architecture`: `replication` (the default) runs a primary
//!   (`<fullname>-master`, valkey `-primary`) and `replica.replicaCount`
//!   replicas (`-replicas`), or one `-node` StatefulSet with Sentinel;
//!   `standalone` runs the primary alone.
//! - `auth.enabled` (default on) starts the server with `--requirepass` from
//!   the Secret `auth.existingSecret` (else the chart's own, holding
//!   `auth.password` or a generated one).
//! - `commonConfiguration` (default `appendonly yes`, `save ""`) and
//!   `<primary>.configuration` are the config file; `<primary>.extraFlags` are
//!   flags.
//! - `<primary>.persistence.enabled` (default on) gives a volume claim;
//!   `tls.enabled` (default off) adds `--tls-port`.

use super::{
    chart_image, enabled, int_node, map_node, object, pod_template, seq_node, str_node, Made,
    Release,
};
use crate::yaml::Node;

struct Flavor {
    chart: &'static str,
    /// The values key of the primary, which is also its StatefulSet's suffix.
    primary: &'static str,
    password_key: &'static str,
    image: &'static str,
}

const REDIS: Flavor = Flavor {
    chart: "redis",
    primary: "master",
    password_key: "redis-password",
    image: "docker.io/bitnami/redis",
};

const VALKEY: Flavor = Flavor {
    chart: "valkey",
    primary: "primary",
    password_key: "valkey-password",
    image: "docker.io/bitnami/valkey",
};

/// The chart's default `commonConfiguration`.
const DEFAULT_CONFIG: &str = "appendonly yes\nsave \"\"\n";

/// Keys only Bitnami's Redis-family values have (other charts' `redis:`
/// blocks, Argo CD's say, have none of them).
fn bitnami_shaped(v: &Node) -> bool {
    matches!(
        v.get("architecture").and_then(Node::as_str),
        Some("standalone" | "replication")
    ) || v.get("commonConfiguration").is_some()
        || ["master", "primary", "replica"]
            .iter()
            .any(|k| v.get(k).and_then(|n| n.get("persistence")).is_some())
        || v.pointer(["auth", "existingSecretPasswordKey"]).is_some()
}

fn flavor(r: &Release) -> Option<&'static Flavor> {
    let v = r.values;
    let named = match r.chart {
        Some("redis") => &REDIS,
        Some("valkey") => &VALKEY,
        Some(_) => return None,
        // Bare values: only with the keys that are Bitnami Redis's own.
        None if v.get("commonConfiguration").is_some() && v.get("architecture").is_some() => {
            if v.get("primary").is_some() {
                &VALKEY
            } else {
                &REDIS
            }
        }
        None => return None,
    };
    (!r.dependency || bitnami_shaped(v)).then_some(named)
}

/// What `resourcesPreset` (default `nano`, redis chart 19 and later, every
/// valkey chart) gives a container that sets no `resources`:
/// `(requests cpu, requests memory, limits memory)`.
fn preset(name: &str) -> Option<(&'static str, &'static str, &'static str)> {
    Some(match name {
        "nano" => ("100m", "128Mi", "192Mi"),
        "micro" => ("250m", "256Mi", "384Mi"),
        "small" => ("500m", "512Mi", "768Mi"),
        "medium" => ("500m", "1024Mi", "1536Mi"),
        "large" => ("1.0", "2048Mi", "3072Mi"),
        "xlarge" => ("1.0", "3072Mi", "6144Mi"),
        "2xlarge" => ("1.0", "3072Mi", "12288Mi"),
        _ => return None,
    })
}

/// The chart gives containers preset resources (redis 19+, valkey always).
fn has_presets(r: &Release, f: &Flavor) -> bool {
    f.chart == "valkey"
        || r.version
            .and_then(|v| {
                v.trim_start_matches('v')
                    .split('.')
                    .next()?
                    .parse::<u32>()
                    .ok()
            })
            .is_none_or(|major| major >= 19)
}

/// Helm's `fullname` of Bitnami charts.
fn fullname(r: &Release, chart: &str) -> String {
    let text = |key: &str| r.values.get(key).and_then(Node::as_str);
    if let Some(f) = text("fullnameOverride") {
        return f.to_string();
    }
    let name = text("nameOverride").unwrap_or(chart);
    if r.name.contains(name) {
        r.name.clone()
    } else {
        format!("{}-{name}", r.name)
    }
}

/// The server's container: flags for auth and TLS, the password from its
/// Secret, the user's extra flags and resources.
fn container(r: &Release, node_values: &Node, f: &Flavor, full: &str) -> Node {
    let v = r.values;
    let span = node_values.span;
    let auth = v.get("auth");
    let auth_span = auth.map_or(r.at, |a| a.span);
    let mut args = Vec::new();
    let mut env = Vec::new();
    if enabled(auth.and_then(|a| a.get("enabled"))) {
        let secret = auth
            .and_then(|a| a.get("existingSecret"))
            .filter(|s| s.as_str().is_some_and(|s| !s.is_empty()))
            .cloned()
            .unwrap_or_else(|| str_node(full, auth_span));
        let key = auth
            .and_then(|a| a.get("existingSecretPasswordKey"))
            .filter(|s| s.as_str().is_some_and(|s| !s.is_empty()))
            .cloned()
            .unwrap_or_else(|| str_node(f.password_key, auth_span));
        args.push(str_node("--requirepass", auth_span));
        args.push(str_node("$(REDIS_PASSWORD)", auth_span));
        env.push(map_node(
            vec![
                ("name", str_node("REDIS_PASSWORD", auth_span)),
                (
                    "valueFrom",
                    map_node(
                        vec![(
                            "secretKeyRef",
                            map_node(vec![("name", secret), ("key", key)], auth_span),
                        )],
                        auth_span,
                    ),
                ),
            ],
            auth_span,
        ));
    }
    let tls = v.get("tls");
    if tls.is_some_and(|t| t.get("enabled").and_then(Node::as_bool) == Some(true)) {
        let at = tls.map_or(span, |t| t.span);
        args.push(str_node("--tls-port", at));
        args.push(str_node("6379", at));
    }
    for flag in node_values
        .get("extraFlags")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        args.push(flag.clone());
    }
    let mut fields = vec![
        ("name", str_node(f.chart, span)),
        ("image", chart_image(r.values, f.image, r.at)),
        (
            "command",
            seq_node(vec![str_node("redis-server", span)], span),
        ),
        ("args", seq_node(args, span)),
        ("env", seq_node(env, span)),
    ];
    if let Some(res) = node_values.get("resources") {
        fields.push(("resources", res.clone()));
    } else if has_presets(r, f) {
        let name = node_values.get("resourcesPreset");
        let at = name.map_or(span, |n| n.span);
        if let Some((cpu, req, lim)) = preset(name.and_then(Node::as_str).unwrap_or("nano")) {
            let q = |cpu: Option<&str>, mem: &str| {
                let mut m = vec![("memory", str_node(mem, at))];
                if let Some(c) = cpu {
                    m.push(("cpu", str_node(c, at)));
                }
                map_node(m, at)
            };
            let res = map_node(
                vec![("requests", q(Some(cpu), req)), ("limits", q(None, lim))],
                at,
            );
            fields.push(("resources", res));
        }
    }
    for probe in ["livenessProbe", "readinessProbe"] {
        if enabled(node_values.pointer([probe, "enabled"])) {
            fields.push((
                probe,
                map_node(vec![("exec", map_node(vec![], span))], span),
            ));
        }
    }
    map_node(fields, span)
}

/// One StatefulSet of the chart: the primary, the replicas, or the Sentinel nodes.
fn stateful_set(
    r: &Release,
    f: &Flavor,
    full: &str,
    suffix: &str,
    node_values: &Node,
    replicas: Node,
    config_map: &str,
) -> Node {
    let span = node_values.span;
    let persistence = node_values.get("persistence");
    let mut spec = vec![("replicas", replicas)];
    let volumes = seq_node(
        vec![map_node(
            vec![
                ("name", str_node("config", span)),
                (
                    "configMap",
                    map_node(vec![("name", str_node(config_map, span))], span),
                ),
            ],
            span,
        )],
        span,
    );
    let pod = map_node(
        vec![
            (
                "containers",
                seq_node(vec![container(r, node_values, f, full)], span),
            ),
            ("volumes", volumes),
        ],
        span,
    );
    spec.extend(pod_template(
        vec![
            ("app.kubernetes.io/name", f.chart),
            ("app.kubernetes.io/instance", &r.name),
            ("app.kubernetes.io/component", suffix),
        ],
        node_values.get("podAnnotations"),
        pod,
        span,
    ));
    if enabled(persistence.and_then(|p| p.get("enabled"))) {
        let at = persistence.map_or(span, |p| p.span);
        let claim = map_node(
            vec![(
                "metadata",
                map_node(vec![("name", str_node("redis-data", at))], at),
            )],
            at,
        );
        spec.push(("volumeClaimTemplates", seq_node(vec![claim], at)));
    }
    object(
        "apps/v1",
        "StatefulSet",
        &format!("{full}-{suffix}"),
        r,
        None,
        vec![("spec", map_node(spec, span))],
        span,
    )
}

pub(super) fn claims(r: &Release) -> bool {
    flavor(r).is_some()
}

pub(super) fn build(r: &Release) -> Vec<Made> {
    let v = r.values;
    let Some(f) = flavor(r).filter(|_| enabled(v.get("enabled"))) else {
        return Vec::new();
    };
    let full = fullname(r, f.chart);
    let empty = map_node(vec![], r.at);
    let primary = v.get(f.primary).unwrap_or(&empty);
    let replica = v.get("replica").unwrap_or(&empty);
    let mut out = Vec::new();

    // The config file: the common part, then the primary's own.
    let config_map = format!("{full}-configuration");
    let common = v
        .get("commonConfiguration")
        .cloned()
        .unwrap_or_else(|| str_node(DEFAULT_CONFIG, r.at));
    let mut data = vec![("redis.conf", common)];
    if let Some(own) = primary.get("configuration") {
        data.push(("primary.conf", own.clone()));
    }
    out.push(object(
        "v1",
        "ConfigMap",
        &config_map,
        r,
        None,
        vec![("data", map_node(data, r.at))],
        r.at,
    ));

    // A literal password becomes the chart's Secret: a credential in Git.
    if let Some(pw) = v
        .pointer(["auth", "password"])
        .filter(|p| p.as_str().is_some_and(|s| !s.is_empty()))
    {
        out.push(object(
            "v1",
            "Secret",
            &full,
            r,
            None,
            vec![(
                "stringData",
                map_node(vec![(f.password_key, pw.clone())], pw.span),
            )],
            pw.span,
        ));
    }

    let architecture = v.get("architecture");
    let standalone = architecture.and_then(Node::as_str) == Some("standalone");
    let arch_span = architecture.map_or(r.at, |a| a.span);
    let sentinel = v
        .pointer(["sentinel", "enabled"])
        .and_then(Node::as_bool)
        .unwrap_or(false);
    let count = |values: &Node, key: &str, default: i64| {
        values
            .get(key)
            .cloned()
            .unwrap_or_else(|| int_node(default, arch_span))
    };
    if !standalone && sentinel {
        let n = count(replica, "replicaCount", 3);
        out.push(stateful_set(r, f, &full, "node", replica, n, &config_map));
    } else {
        let n = count(primary, "count", 1);
        out.push(stateful_set(
            r,
            f,
            &full,
            f.primary,
            primary,
            n,
            &config_map,
        ));
        if !standalone {
            let n = count(replica, "replicaCount", 3);
            out.push(stateful_set(
                r,
                f,
                &full,
                "replicas",
                replica,
                n,
                &config_map,
            ));
        }
    }
    out.into_iter().map(Made::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;
    use crate::yaml::Span;

    fn release<'a>(
        chart: &'a str,
        name: &str,
        version: Option<&'a str>,
        v: &'a Node,
    ) -> Release<'a> {
        Release {
            chart: Some(chart),
            version,
            dependency: false,
            name: name.to_string(),
            namespace: None,
            labels: None,
            values: v,
            at: Span::file_start(FileId(0)),
        }
    }

    fn values(text: &str) -> Node {
        crate::yaml::parse_single(text, FileId(0)).unwrap_or_else(|e| panic!("{}", e.message))
    }

    #[test]
    fn fullname_follows_the_chart() {
        let v = values("{}");
        assert_eq!(
            fullname(&release("redis", "cache-redis", None, &v), "redis"),
            "cache-redis"
        );
        assert_eq!(
            fullname(&release("redis", "cache", None, &v), "redis"),
            "cache-redis"
        );
        let v = values("fullnameOverride: sessions");
        assert_eq!(
            fullname(&release("redis", "cache", None, &v), "redis"),
            "sessions"
        );
    }

    #[test]
    fn presets_apply_from_redis_chart_19() {
        let v = values("{}");
        assert!(!has_presets(
            &release("redis", "r", Some("18.19.4"), &v),
            &REDIS
        ));
        assert!(has_presets(
            &release("redis", "r", Some("20.6.2"), &v),
            &REDIS
        ));
        assert!(has_presets(&release("redis", "r", None, &v), &REDIS));
        assert!(has_presets(
            &release("valkey", "r", Some("2.2.0"), &v),
            &VALKEY
        ));
        assert_eq!(preset("nano"), Some(("100m", "128Mi", "192Mi")));
        assert_eq!(preset("none"), None);
    }

    #[test]
    fn a_redis_block_of_another_chart_is_not_taken_for_bitnami() {
        // Argo CD's values have a `redis:` block of their own.
        let v = values("nodeSelector: { kubernetes.io/os: linux }\nresources: {}");
        let mut r = release("redis", "redis", None, &v);
        r.dependency = true;
        assert!(!claims(&r));
        let v = values("architecture: standalone\nauth: { existingSecret: s }");
        let mut r = release("redis", "redis", None, &v);
        r.dependency = true;
        assert!(claims(&r) && !build(&r).is_empty());
    }
}
