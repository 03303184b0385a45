//! The kubernetes-sigs `external-dns` chart: one Deployment whose container
//! gets `env` as written (provider credentials belong in Secrets), the flags
//! the values set (`annotationPrefix` as `--annotation-prefix`, `txtOwnerId`,
//! `policy`, `extraArgs`), `image.tag`, `resources`, the chart's probes, and
//! its security contexts (the chart's defaults unless the values set their own).
//! SS044 reads the same values to know the prefix the controller reads.

use super::{
    chart_image, int_node, map_node, object, pod_template, seq_node, str_node, Made, Release,
};
use crate::yaml::{Node, Span, Value};

fn bool_node(b: bool, span: Span) -> Node {
    Node {
        value: Value::Bool(b),
        span,
    }
}

/// The chart's container `securityContext` when the values set none: non-root
/// (65532), no privilege escalation, read-only root, every capability
/// dropped (charts/external-dns/values.yaml, chart 1.15.0 through 1.21.1).
fn default_security(span: Span) -> Node {
    map_node(
        vec![
            ("privileged", bool_node(false, span)),
            ("allowPrivilegeEscalation", bool_node(false, span)),
            ("readOnlyRootFilesystem", bool_node(true, span)),
            ("runAsNonRoot", bool_node(true, span)),
            ("runAsUser", int_node(65532, span)),
            ("runAsGroup", int_node(65532, span)),
            (
                "capabilities",
                map_node(
                    vec![("drop", seq_node(vec![str_node("ALL", span)], span))],
                    span,
                ),
            ),
        ],
        span,
    )
}

/// The chart's `podSecurityContext` when the values set none.
fn default_pod_security(span: Span) -> Node {
    map_node(
        vec![
            ("runAsNonRoot", bool_node(true, span)),
            ("fsGroup", int_node(65534, span)),
            (
                "seccompProfile",
                map_node(vec![("type", str_node("RuntimeDefault", span))], span),
            ),
        ],
        span,
    )
}

pub(super) fn claims(r: &Release) -> bool {
    r.chart == Some("external-dns")
}

pub(super) fn build(r: &Release) -> Vec<Made> {
    let v = r.values;
    let span = r.at;
    let flag = |key: &str, flag: &str| {
        v.get(key)
            .and_then(|n| Some(str_node(&format!("--{flag}={}", n.scalar_text()?), n.span)))
    };
    let mut args: Vec<Node> = [
        ("annotationPrefix", "annotation-prefix"),
        ("txtOwnerId", "txt-owner-id"),
        ("txtPrefix", "txt-prefix"),
        ("policy", "policy"),
    ]
    .iter()
    .filter_map(|(key, f)| flag(key, f))
    .collect();
    // `extraArgs`: a list of flags, or (newer charts) a map of flag to value.
    match v.get("extraArgs").map(|e| &e.value) {
        Some(crate::yaml::Value::Seq(items)) => args.extend(items.iter().cloned()),
        Some(crate::yaml::Value::Map(entries)) => {
            for (key, val) in entries {
                let (Some(k), Some(val)) = (key.as_str(), val.scalar_text()) else {
                    continue;
                };
                args.push(str_node(&format!("--{k}={val}"), key.span));
            }
        }
        _ => {}
    }
    let image = chart_image(v, "registry.k8s.io/external-dns/external-dns", span);
    let probe = || map_node(vec![("httpGet", map_node(vec![], span))], span);
    let mut container = vec![
        ("name", str_node("external-dns", span)),
        ("image", image),
        ("args", seq_node(args, span)),
        ("livenessProbe", probe()),
        ("readinessProbe", probe()),
    ];
    for key in ["env", "resources"] {
        if let Some(n) = v.get(key) {
            container.push((key, n.clone()));
        }
    }
    container.push((
        "securityContext",
        v.get("securityContext")
            .cloned()
            .unwrap_or_else(|| default_security(span)),
    ));
    let pod = map_node(
        vec![
            (
                "securityContext",
                v.get("podSecurityContext")
                    .cloned()
                    .unwrap_or_else(|| default_pod_security(span)),
            ),
            (
                "containers",
                seq_node(vec![map_node(container, span)], span),
            ),
        ],
        span,
    );
    let deployment = object(
        "apps/v1",
        "Deployment",
        &r.name,
        r,
        v.get("deploymentAnnotations"),
        vec![(
            "spec",
            map_node(
                pod_template(
                    vec![
                        ("app.kubernetes.io/name", "external-dns"),
                        ("app.kubernetes.io/instance", &r.name),
                    ],
                    v.get("podAnnotations"),
                    pod,
                    span,
                ),
                span,
            ),
        )],
        span,
    );
    vec![Made::from(deployment)]
}
