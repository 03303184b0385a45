//! What operators create from their custom resources: pod labels and Services.
//! Render names Services and selects pods by these; lint matches selectors and
//! host names against them.

use super::data::{
    CNPG_BARMAN_PLUGIN_SINCE, EXTERNAL_DNS_PREFIX_VALUE_SINCE, OT_MASTER_SERVICE_SINCE,
};
use super::Version;

pub const OT_GROUP: &str = "redis.redis.opstreelabs.in";
pub const CNPG_GROUP: &str = "postgresql.cnpg.io";

pub const LEGACY_DNS_PREFIX: &str = "external-dns.alpha.kubernetes.io/";
pub const DNS_PREFIX: &str = "external-dns.kubernetes.io/";

/// Controllers without leader election, which must run as exactly one pod:
/// more would write the same records concurrently (External-DNS: its chart
/// hard-codes `replicas: 1`, kubernetes-sigs/external-dns#2430). Matched on
/// the last path segment of the image repository.
const SINGLE_WRITERS: &[&str] = &["external-dns"];

/// The image runs a controller that must not have more than one replica.
pub fn single_writer(image: &str) -> bool {
    let repo = image.split('@').next().unwrap_or(image);
    let last = repo.rsplit('/').next().unwrap_or(repo);
    let name = last.split(':').next().unwrap_or(last);
    SINGLE_WRITERS.contains(&name)
}

/// The labels the OT Redis operator puts on the pods of a custom resource
/// (`common.GetRedisLabels`; RedisSentinel's since v0.16.0). Labels on the CR's
/// own metadata are added on top.
pub fn ot_pod_labels(kind: &str, name: &str) -> Option<Vec<(&'static str, String)>> {
    let (app, setup, role) = match kind {
        "Redis" => (name.to_string(), "standalone", "standalone"),
        "RedisReplication" => (name.to_string(), "replication", "replication"),
        "RedisSentinel" => (format!("{name}-sentinel"), "sentinel", "sentinel"),
        _ => return None,
    };
    Some(vec![
        ("app", app),
        ("redis_setup_type", setup.to_string()),
        ("role", role.to_string()),
    ])
}

/// The `app` label of the sentinel pods of a RedisSentinel named `name`.
pub fn ot_sentinel_app(name: &str) -> String {
    format!("{name}-sentinel")
}

/// The Services the OT operator creates for a custom resource at a chart version.
pub fn ot_services(kind: &str, name: &str, chart: &Version) -> Vec<String> {
    let mut s: Vec<String> = match kind {
        "Redis" => vec![
            name.into(),
            format!("{name}-headless"),
            format!("{name}-additional"),
        ],
        "RedisReplication" => {
            let mut v = vec![
                name.into(),
                format!("{name}-headless"),
                format!("{name}-additional"),
            ];
            if *chart >= Version::known(OT_MASTER_SERVICE_SINCE) {
                v.push(format!("{name}-master"));
                v.push(format!("{name}-replica"));
            }
            v
        }
        "RedisSentinel" => vec![
            format!("{name}-sentinel"),
            format!("{name}-sentinel-headless"),
            format!("{name}-sentinel-additional"),
        ],
        _ => Vec::new(),
    };
    s.sort();
    s
}

/// CloudNativePG labels every instance pod of a Cluster with `cnpg.io/cluster`.
pub fn cnpg_pod_labels(name: &str) -> Vec<(&'static str, String)> {
    vec![("cnpg.io/cluster", name.to_string())]
}

/// The Services CloudNativePG creates for a Cluster.
pub fn cnpg_services(name: &str) -> Vec<String> {
    vec![
        format!("{name}-r"),
        format!("{name}-ro"),
        format!("{name}-rw"),
    ]
}

/// Whether a CloudNativePG chart ships an operator the Barman Cloud plugin works with.
pub fn cnpg_supports_barman_plugin(chart: &Version) -> bool {
    *chart >= Version::known(CNPG_BARMAN_PLUGIN_SINCE)
}

pub fn cnpg_barman_plugin_since() -> Version {
    Version::known(CNPG_BARMAN_PLUGIN_SINCE)
}

/// The annotation prefix an External-DNS chart version reads, and whether the
/// chart's `annotationPrefix` value must be set to get it.
pub fn external_dns_prefix(chart: &Version) -> (&'static str, bool) {
    if *chart >= Version::known(EXTERNAL_DNS_PREFIX_VALUE_SINCE) {
        (DNS_PREFIX, true)
    } else {
        (LEGACY_DNS_PREFIX, false)
    }
}

/// The prefix an External-DNS chart reads when nothing sets it: the default of
/// the app version it ships (`external-dns.kubernetes.io/` from app 0.22).
/// `None` for chart versions newer than the catalogue knows.
pub fn external_dns_default_prefix(chart: &Version) -> Option<&'static str> {
    let entry = super::entry(super::OperatorKind::ExternalDns);
    let newest = entry
        .releases
        .iter()
        .map(|(c, _)| Version::known(c))
        .max()?;
    if *chart > newest {
        return None;
    }
    let app = Version::parse(entry.app_version(chart)?.trim_start_matches('v')).ok()?;
    Some(if app >= Version::new(0, 22, 0) {
        DNS_PREFIX
    } else {
        LEGACY_DNS_PREFIX
    })
}

/// Services a chart creates that other objects route to, for a release name.
pub fn chart_services(kind: super::OperatorKind, release: &str) -> Vec<String> {
    match kind {
        super::OperatorKind::IngressNginx => vec![format!("{release}-controller")],
        _ => Vec::new(),
    }
}

/// The Secrets a chart release reads in its namespace: those its chart
/// always mounts ([`chart_secrets`]) and every `secretKeyRef` its values pass
/// through (charts hand `env` lists to their containers as written), sorted.
/// `render` orders waves by it; the sync model checks it.
pub fn release_secrets(
    kind: Option<super::OperatorKind>,
    values: &serde_json::Value,
) -> Vec<String> {
    fn refs(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    if k == "secretKeyRef" {
                        if x["optional"] != serde_json::Value::Bool(true) {
                            out.extend(x["name"].as_str().map(str::to_string));
                        }
                    } else {
                        refs(x, out);
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    let mut out: Vec<String> = kind
        .map(chart_secrets)
        .unwrap_or_default()
        .iter()
        .map(|s| s.to_string())
        .collect();
    refs(values, &mut out);
    out.sort();
    out.dedup();
    out
}

/// Secrets a chart reads that something else must create in its namespace.
pub fn chart_secrets(kind: super::OperatorKind) -> &'static [&'static str] {
    match kind {
        // The operator's OAuth client (Tailscale admin console → OAuth clients).
        super::OperatorKind::TailscaleOperator => &["operator-oauth"],
        _ => &[],
    }
}

/// Secrets CloudNativePG creates for a Cluster (superuser only when enabled).
pub fn cnpg_secrets(name: &str) -> Vec<String> {
    vec![
        format!("{name}-app"),
        format!("{name}-ca"),
        format!("{name}-replication"),
        format!("{name}-server"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_prefix_follows_the_app_version() {
        let v = |s| Version::parse(s).unwrap_or(Version::new(0, 0, 0));
        assert_eq!(
            external_dns_default_prefix(&v("1.21.1")),
            Some(LEGACY_DNS_PREFIX)
        );
        assert_eq!(
            external_dns_default_prefix(&v("1.16.1")),
            Some(LEGACY_DNS_PREFIX)
        );
        assert_eq!(external_dns_default_prefix(&v("1.30.0")), None);
    }
}
