use super::super::object::k;
use super::super::{Context, Finding, Obj, Rule};
use crate::catalog::{operators::OT_GROUP, runtime, OperatorKind};

declare_rule! {
    /// ## What it flags
    /// An OT Redis Operator resource (Redis, RedisReplication, RedisSentinel,
    /// RedisCluster) with `spec.TLS`, in a set that pins the redis-operator
    /// chart at 0.24.0 or later without `featureGates:
    /// { GenerateConfigInInitContainer: true }` in its values.
    ///
    /// ## Why it matters
    /// From 0.24 the operator gives TLS pods `REDIS_TLS_CA_CERT` (it renamed
    /// `REDIS_TLS_CA_KEY`), but the `quay.io/opstree/redis` image's entrypoint
    /// still writes `tls-ca-cert-file "${REDIS_TLS_CA_KEY}"`: an empty path,
    /// and Redis exits with `FATAL CONFIG FILE ERROR`. The pods crash-loop,
    /// while Argo CD (no health check for these kinds) calls them Healthy. The
    /// operator's own config generator reads the new variable and also writes
    /// `tls-replication yes` for Sentinel, without which Sentinel cannot reach
    /// a TLS-only master.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// # redis-operator chart 0.26.1, valuesObject: {}
    /// kind: RedisReplication
    /// spec: { TLS: { secret: { secretName: redis-queue-tls } } }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// valuesObject: { featureGates: { GenerateConfigInInitContainer: true } }
    /// ```
    ///
    /// ## References
    /// - https://github.com/OT-CONTAINER-KIT/redis/issues/110
    /// - https://github.com/OT-CONTAINER-KIT/redis-operator/issues/1762
    pub struct OtRedisTlsWithoutInitConfig {
        id: "SS063",
        name: "ot-redis-tls-without-init-config",
        severity: Error,
        summary: "OT Redis with TLS under an operator whose config the image cannot read",
        help: "Set `featureGates: { GenerateConfigInInitContainer: true }` in the redis-operator chart values.",
    }
}

impl Rule for OtRedisTlsWithoutInitConfig {
    fn check(&self, obj: &Obj, cx: &Context, out: &mut Vec<Finding>) {
        if !obj.api_version.starts_with(OT_GROUP) || obj.get("spec.TLS").is_none() {
            return;
        }
        // The operator of the same env when the set says, else any pin.
        let charts = &cx.cluster().charts;
        let pins = || {
            charts
                .iter()
                .filter(|p| p.entry.kind == OperatorKind::RedisOperator)
        };
        let Some(pin) = pins()
            .find(|p| p.env.is_some() && p.env == obj.env)
            .or_else(|| pins().next())
        else {
            return;
        };
        let Some(version) = pin.version else { return };
        let gate = pin
            .values
            .as_ref()
            .and_then(|v| v.pointer(["featureGates", runtime::OT_INIT_CONFIG_GATE]))
            .is_some_and(|g| g.as_bool() == Some(true) || g.as_str() == Some("true"));
        if runtime::ot_tls_starts(&version, gate) {
            return;
        }
        out.push(Finding::new(
            &META,
            obj,
            vec![k("spec"), k("TLS")],
            format!(
                "{} uses TLS, but {} pins redis-operator {version} without the `{}` feature gate: the redis image reads REDIS_TLS_CA_KEY, the operator sets REDIS_TLS_CA_CERT, and the pods crash-loop",
                obj.display(),
                pin.display,
                runtime::OT_INIT_CONFIG_GATE
            ),
        ));
    }
}
