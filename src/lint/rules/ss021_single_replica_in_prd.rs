use super::super::object::k;
use super::super::{Context, Finding, Obj, Rule, Seg};

declare_rule! {
    /// ## What it flags
    /// In production: a Deployment or StatefulSet with fewer than 2 replicas, a
    /// `RedisReplication` with `clusterSize` below 2, or a CloudNativePG `Cluster`
    /// with fewer than 2 instances. An unset count means 1. Controllers that
    /// must run as a single pod (External-DNS, which has no leader election)
    /// are left alone.
    ///
    /// ## Why it matters
    /// One pod means downtime on every node drain, upgrade or crash.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// kind: Deployment
    /// spec: { replicas: 1 }
    /// ```
    ///
    /// ## Use instead
    /// `replicas: 2` or more, with a PodDisruptionBudget.
    ///
    /// ## References
    /// - https://kubernetes.io/docs/concepts/workloads/pods/disruptions/
    pub struct SingleReplicaInPrd {
        id: "SS021",
        name: "single-replica-in-prd",
        severity: Error,
        summary: "fewer than 2 replicas in production",
        help: "Run at least 2 replicas (or instances) in production.",
    }
}

impl Rule for SingleReplicaInPrd {
    fn check(&self, obj: &Obj, _cx: &Context, out: &mut Vec<Finding>) {
        if !obj.production {
            return;
        }
        let field = match obj.kind {
            "Deployment" | "StatefulSet" => "replicas",
            "RedisReplication" if obj.api_version.starts_with("redis.redis.opstreelabs.in/") => {
                "clusterSize"
            }
            "Cluster" if obj.api_version.starts_with("postgresql.cnpg.io/") => "instances",
            _ => return,
        };
        let single_writer = obj.containers().iter().any(|c| {
            !c.init
                && c.image()
                    .is_some_and(crate::catalog::operators::single_writer)
        });
        if single_writer {
            return;
        }
        let value = obj.get(&format!("spec.{field}")).and_then(|n| n.as_i64());
        if value.is_none() && obj.is_fragment() {
            return;
        }
        let n = value.unwrap_or(1);
        if n < 2 {
            let path = if value.is_some() {
                vec![k("spec"), k(field)]
            } else {
                vec![k("spec"), Seg::KeyNode]
            };
            out.push(Finding::new(
                &META,
                obj,
                path,
                match value {
                    Some(_) => format!("{} has `{field}: {n}` in production", obj.display()),
                    None => format!("{} leaves `{field}` unset (1) in production", obj.display()),
                },
            ));
        }
    }
}
