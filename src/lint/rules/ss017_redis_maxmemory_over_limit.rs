use super::super::{Context, Finding, Rule};

use super::redis::finding;
use crate::spec::types::redis_memory_bytes;

declare_rule! {
    /// ## What it flags
    /// A Redis whose `maxmemory` is at or above its container's memory limit.
    ///
    /// ## Why it matters
    /// Redis needs memory beyond `maxmemory` for buffers, fork on save and
    /// fragmentation: the kernel kills it before eviction or `noeviction` ever
    /// applies.
    ///
    /// ## Example (bad)
    /// ```text
    /// maxmemory 1gb        # container limit: 1Gi
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// maxmemory 768mb      # about 75% of the limit
    /// ```
    ///
    /// ## References
    /// - https://redis.io/docs/latest/operate/oss_and_stack/management/optimization/memory-optimization/
    pub struct RedisMaxmemoryOverLimit {
        id: "SS017",
        name: "redis-maxmemory-over-limit",
        severity: Error,
        summary: "Redis maxmemory at or above the container limit",
        help: "Set `maxmemory` to about 75% of the container memory limit.",
    }
}

impl Rule for RedisMaxmemoryOverLimit {
    fn check_set(&self, cx: &Context, out: &mut Vec<Finding>) {
        for u in cx.redis_units() {
            let Some((limit, _)) = &u.memory_limit else {
                continue;
            };
            let Some(s) = u.persisted("maxmemory").or(u.dynamic("maxmemory")) else {
                continue;
            };
            let Some(max) = redis_memory_bytes(&s.value) else {
                continue;
            };
            if max >= *limit {
                out.push(finding(
                    &META,
                    s,
                    format!(
                        "{}: `maxmemory {}` is not below the container memory limit ({:.0} MiB)",
                        u.obj.display(),
                        s.value,
                        limit / 1048576.0
                    ),
                ));
            }
        }
    }
}
