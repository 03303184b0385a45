use super::super::object::k;
use super::super::{Context, Finding, Rule, Seg};

use super::redis::{finding, unit_finding};

declare_rule! {
    /// ## What it flags
    /// A cache Redis without `maxmemory` (nor the operator's
    /// `maxMemoryPercentOfLimit`), or with `maxmemory-policy noeviction`.
    ///
    /// ## Why it matters
    /// An unbounded cache grows until the kernel kills it; a cache that refuses
    /// writes when full turns a cache miss into an application error.
    ///
    /// ## Example (bad)
    /// ```text
    /// maxmemory-policy noeviction
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// maxmemory 192mb
    /// maxmemory-policy allkeys-lru
    /// ```
    ///
    /// ## References
    /// - https://redis.io/docs/latest/develop/reference/eviction/
    pub struct CacheRedisUnbounded {
        id: "SS012",
        name: "cache-redis-unbounded",
        severity: Warning,
        summary: "cache Redis without a memory bound or with noeviction",
        help: "Set `maxmemory` below the container limit and `maxmemory-policy allkeys-lru`.",
    }
}

impl Rule for CacheRedisUnbounded {
    fn check_set(&self, cx: &Context, out: &mut Vec<Finding>) {
        for u in cx.redis_units() {
            if u.role() != Some("cache") {
                continue;
            }
            let bounded = u
                .persisted("maxmemory")
                .or(u.dynamic("maxmemory"))
                .is_some()
                || u.max_memory_percent;
            if !bounded {
                let f = unit_finding(
                    &META,
                    u,
                    vec![k("spec"), Seg::KeyNode],
                    format!(
                        "cache {} has no `maxmemory`{}",
                        u.obj.display(),
                        u.role_note()
                    ),
                );
                out.push(u.missing(f, META.severity));
            }
            if let Some(s) = u
                .persisted("maxmemory-policy")
                .or(u.dynamic("maxmemory-policy"))
                .filter(|s| s.value == "noeviction")
            {
                out.push(finding(
                    &META,
                    s,
                    format!(
                        "cache {} refuses writes when full (`noeviction`){}",
                        u.obj.display(),
                        u.role_note()
                    ),
                ));
            }
        }
    }
}
