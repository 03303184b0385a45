use super::super::{Context, Finding, Rule};

use super::redis::finding;

declare_rule! {
    /// ## What it flags
    /// A queue Redis (BullMQ, Sidekiq, Celery…) whose persisted `maxmemory-policy`
    /// is anything but `noeviction` — in its config file (ConfigMap `redis.conf` /
    /// `redis-additional.conf`) or its command-line flags. The role comes from the
    /// `shipshape.dev/redis-role` label, or is inferred from the name.
    ///
    /// ## Why it matters
    /// When memory fills up, an evicting Redis silently deletes jobs and the locks
    /// that guard them. Queues need Redis to refuse writes instead.
    ///
    /// ## Example (bad)
    /// ```text
    /// maxmemory-policy allkeys-lru
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// maxmemory-policy noeviction
    /// ```
    ///
    /// ## References
    /// - https://docs.bullmq.io/guide/going-to-production#max-memory-policy
    pub struct QueueRedisEvicts {
        id: "SS010",
        name: "queue-redis-evicts",
        severity: Error,
        summary: "queue Redis may evict keys",
        help: "Set `maxmemory-policy noeviction` in the Redis config file.",
    }
}

impl Rule for QueueRedisEvicts {
    fn check_set(&self, cx: &Context, out: &mut Vec<Finding>) {
        for u in cx.redis_units() {
            if u.role() != Some("queue") {
                continue;
            }
            if let Some(s) = u
                .persisted("maxmemory-policy")
                .filter(|s| s.value != "noeviction")
            {
                out.push(finding(
                    &META,
                    s,
                    format!(
                        "queue {} evicts keys with `maxmemory-policy {}`{}",
                        u.obj.display(),
                        s.value,
                        u.role_note()
                    ),
                ));
            }
        }
    }
}
