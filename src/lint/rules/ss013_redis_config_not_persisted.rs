use super::super::{Context, Finding, Rule};

use super::redis::finding;

declare_rule! {
    /// ## What it flags
    /// An OT Redis Operator CR whose eviction or persistence settings
    /// (`maxmemory`, `maxmemory-policy`, `appendonly`, `appendfsync`) are only in
    /// `redisConfig.dynamicConfig`.
    ///
    /// ## Why it matters
    /// The operator applies `dynamicConfig` with `CONFIG SET` after start; a pod
    /// restart before it runs again starts Redis with the defaults.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// redisConfig:
    ///   dynamicConfig: ["maxmemory-policy noeviction"]
    /// ```
    ///
    /// ## Use instead
    /// A ConfigMap with `redis-additional.conf`, named in `redisConfig.additionalRedisConfig`.
    ///
    /// ## References
    /// - https://redis-operator.opstree.dev/docs/configuration/redis/
    pub struct RedisConfigNotPersisted {
        id: "SS013",
        name: "redis-config-not-persisted",
        severity: Warning,
        summary: "Redis settings only in dynamicConfig",
        help: "Move the setting into the `redis-additional.conf` ConfigMap named by `additionalRedisConfig`.",
    }
}

const SETTINGS: [&str; 4] = ["maxmemory", "maxmemory-policy", "appendonly", "appendfsync"];

impl Rule for RedisConfigNotPersisted {
    fn check_set(&self, cx: &Context, out: &mut Vec<Finding>) {
        for u in cx.redis_units() {
            for s in &u.dynamic {
                if SETTINGS.contains(&s.key.as_str()) && u.persisted(&s.key).is_none() {
                    out.push(finding(
                        &META,
                        s,
                        format!(
                            "{} sets `{}` only in dynamicConfig, which a restart forgets",
                            u.obj.display(),
                            s.key
                        ),
                    ));
                }
            }
        }
    }
}
