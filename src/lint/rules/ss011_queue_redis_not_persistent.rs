use super::super::object::k;
use super::super::{Context, Finding, Rule, Seg, Severity};

use super::redis::{finding, unit_finding};

declare_rule! {
    /// ## What it flags
    /// A queue Redis without `appendonly yes` in its persisted config. Error in
    /// production, warning elsewhere.
    ///
    /// ## Why it matters
    /// Without the append-only file, a restart loses every job enqueued since the
    /// last snapshot. `appendfsync everysec` bounds the loss to one second.
    ///
    /// ## Example (bad)
    /// ```text
    /// appendonly no
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// appendonly yes
    /// appendfsync everysec
    /// ```
    ///
    /// ## References
    /// - https://redis.io/docs/latest/operate/oss_and_stack/management/persistence/
    pub struct QueueRedisNotPersistent {
        id: "SS011",
        name: "queue-redis-not-persistent",
        severity: Error,
        summary: "queue Redis without AOF persistence",
        help: "Add `appendonly yes` and `appendfsync everysec` to the Redis config file.",
    }
}

impl Rule for QueueRedisNotPersistent {
    fn check_set(&self, cx: &Context, out: &mut Vec<Finding>) {
        for u in cx.redis_units() {
            if u.role() != Some("queue") {
                continue;
            }
            let sev = if u.obj.production {
                Severity::Error
            } else {
                Severity::Warning
            };
            match u.persisted("appendonly") {
                Some(s) if s.value == "yes" => {}
                Some(s) => out.push(
                    finding(
                        &META,
                        s,
                        format!(
                            "queue {} has `appendonly {}`{}",
                            u.obj.display(),
                            s.value,
                            u.role_note()
                        ),
                    )
                    .severity(sev),
                ),
                None => {
                    let path = vec![k("spec"), Seg::KeyNode];
                    let f = unit_finding(
                        &META,
                        u,
                        path,
                        format!(
                            "queue {} does not persist with `appendonly yes`{}",
                            u.obj.display(),
                            u.role_note()
                        ),
                    );
                    out.push(u.missing(f, sev));
                }
            }
        }
    }
}
