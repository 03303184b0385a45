use super::super::object::k;
use super::super::{Context, Finding, Rule};

use super::redis::{unit_finding, Engine};
use crate::yaml::Node;

declare_rule! {
    /// ## What it flags
    /// An OT Redis Operator CR without `kubernetesConfig.redisSecret`, or a Redis
    /// StatefulSet whose redis-server gets no `requirepass` from a Secret.
    ///
    /// ## Why it matters
    /// Anything that can reach the pod can read and flush every key.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// kind: Redis
    /// spec:
    ///   kubernetesConfig: { image: quay.io/opstree/redis:v7.0.15 }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    ///   kubernetesConfig:
    ///     redisSecret: { name: redis-password, key: password }
    /// ```
    ///
    /// ## References
    /// - https://redis-operator.opstree.dev/docs/getting-started/standalone/
    pub struct RedisWithoutPassword {
        id: "SS014",
        name: "redis-without-password",
        severity: Error,
        summary: "Redis without a password from a Secret",
        help: "Give Redis a password from a Secret synced by an ExternalSecret.",
    }
}

impl Rule for RedisWithoutPassword {
    fn check_set(&self, cx: &Context, out: &mut Vec<Finding>) {
        for u in cx.redis_units() {
            match u.engine {
                Engine::Operator => {
                    if u.obj.get("spec.kubernetesConfig.redisSecret").is_none() {
                        out.push(unit_finding(
                            &META,
                            u,
                            vec![k("spec"), k("kubernetesConfig")],
                            format!(
                                "{} has no `redisSecret`: Redis runs without a password",
                                u.obj.display()
                            ),
                        ));
                    }
                }
                Engine::StatefulSet => {
                    let containers = u.obj.containers();
                    let Some(c) = u.container.and_then(|i| containers.get(i)) else {
                        continue;
                    };
                    let requirepass = u.persisted("requirepass").is_some()
                        || c.command_line()
                            .iter()
                            .any(|a| a.text.contains("requirepass"));
                    let from_secret = c
                        .env()
                        .any(|(_, e)| e.pointer(["valueFrom", "secretKeyRef"]).is_some())
                        || c.node
                            .get("envFrom")
                            .and_then(Node::as_seq)
                            .is_some_and(|s| s.iter().any(|e| e.get("secretRef").is_some()));
                    if !(requirepass && from_secret) {
                        let f = unit_finding(
                            &META,
                            u,
                            c.path(),
                            format!(
                                "{} runs redis-server without `requirepass` from a Secret",
                                u.obj.display()
                            ),
                        );
                        out.push(u.missing(f, META.severity));
                    }
                }
            }
        }
    }
}
