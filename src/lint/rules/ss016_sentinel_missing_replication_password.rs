use super::super::object::k;
use super::super::{Context, Finding, Obj, Rule};

use crate::yaml::Node;

declare_rule! {
    /// ## What it flags
    /// A `RedisSentinel` without `redisSentinelConfig.redisReplicationPassword`
    /// while the `RedisReplication` it monitors has a password (`redisSecret`).
    ///
    /// ## Why it matters
    /// Sentinel cannot authenticate to the master: it marks it down and no
    /// failover ever happens — the exact failure the HA setup exists to avoid.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// kind: RedisSentinel
    /// spec:
    ///   redisSentinelConfig: { redisReplicationName: redis-queue }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    ///   redisSentinelConfig:
    ///     redisReplicationName: redis-queue
    ///     redisReplicationPassword: { secretKeyRef: { name: redis-queue-password, key: password } }
    /// ```
    ///
    /// ## References
    /// - https://redis-operator.opstree.dev/docs/getting-started/sentinel/
    pub struct SentinelMissingReplicationPassword {
        id: "SS016",
        name: "sentinel-missing-replication-password",
        severity: Error,
        summary: "Sentinel cannot authenticate to its password-protected replication",
        help: "Set `redisSentinelConfig.redisReplicationPassword` to the replication's password Secret.",
    }
}

impl Rule for SentinelMissingReplicationPassword {
    fn check(&self, obj: &Obj, cx: &Context, out: &mut Vec<Finding>) {
        if !(obj.kind == "RedisSentinel"
            && obj.api_version.starts_with("redis.redis.opstreelabs.in/"))
        {
            return;
        }
        if obj
            .get("spec.redisSentinelConfig.redisReplicationPassword")
            .is_some()
        {
            return;
        }
        let Some(repl) = obj
            .get("spec.redisSentinelConfig.redisReplicationName")
            .and_then(Node::as_str)
        else {
            return;
        };
        let protected = cx
            .named(crate::lint::Kept::RedisReplication, repl)
            .any(|o| {
                super::related(o.namespace, &o.doc.dir, obj.namespace, &obj.doc.dir)
                    && o.get("spec.kubernetesConfig.redisSecret").is_some()
            });
        if protected {
            out.push(Finding::new(
                &META,
                obj,
                vec![k("spec"), k("redisSentinelConfig")],
                format!("{} monitors `{repl}`, which has a password, without `redisReplicationPassword`", obj.display()),
            ));
        }
    }
}
