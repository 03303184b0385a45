//! Cloudflare's `cloudflare-tunnel` chart: its `config.yaml` is built from
//! `cloudflare.tunnelName` and the rules of `cloudflare.ingress`, to which the
//! chart appends the catch-all `http_status:404`; `cloudflare.secret` (the
//! tunnel secret) becomes the chart's credentials Secret. So the tunnel rules
//! (config validity, `noTLSVerify`, dangling origins) and the secret rules
//! apply to the values, at the values' nodes.
//!
//! Other cloudflared charts lay out their values differently; they are not
//! guessed at and count as unread.

use super::{
    chart_image, int_node, map_node, object, pod_template, seq_node, str_node, Made, Release,
};
use crate::lint::input::CLOUDFLARED_HINT;
use crate::yaml::Node;

pub(super) fn claims(r: &Release) -> bool {
    r.chart == Some("cloudflare-tunnel")
}

pub(super) fn build(r: &Release) -> Vec<Made> {
    let v = r.values;
    let Some(cf) = v.get("cloudflare").filter(|c| c.as_map().is_some()) else {
        return Vec::new();
    };
    let span = cf.span;
    let mut out = Vec::new();

    let mut rules: Vec<Node> = cf
        .get("ingress")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .to_vec();
    let at = cf.get("ingress").map_or(span, |i| i.span);
    rules.push(map_node(
        vec![("service", str_node("http_status:404", at))],
        at,
    ));
    let mut config = Vec::new();
    if let Some(t) = cf.get("tunnelName") {
        config.push(("tunnel", t.clone()));
    }
    config.push((
        "credentials-file",
        str_node("/etc/cloudflared/creds/credentials.json", span),
    ));
    if let Some(w) = cf.get("enableWarp") {
        config.push(("warp-routing", map_node(vec![("enabled", w.clone())], span)));
    }
    config.push(("ingress", seq_node(rules, at)));
    out.push(Made {
        node: map_node(config, span),
        kind_hint: Some(CLOUDFLARED_HINT),
    });

    // The tunnel secret written into the values: the chart puts it in a Secret.
    if let Some(secret) = cf
        .get("secret")
        .filter(|s| s.as_str().is_some_and(|s| !s.is_empty()))
    {
        out.push(Made::from(object(
            "v1",
            "Secret",
            &r.name,
            r,
            None,
            vec![(
                "stringData",
                map_node(vec![("TunnelSecret", secret.clone())], secret.span),
            )],
            secret.span,
        )));
    }

    // The connector Deployment: its image, replicas and resources.
    let image = chart_image(v, "cloudflare/cloudflared", r.at);
    let mut container = vec![
        ("name", str_node("cloudflared", r.at)),
        ("image", image),
        (
            "args",
            seq_node(
                [
                    "tunnel",
                    "--config",
                    "/etc/cloudflared/config/config.yaml",
                    "run",
                ]
                .iter()
                .map(|a| str_node(a, r.at))
                .collect(),
                r.at,
            ),
        ),
        (
            "livenessProbe",
            map_node(vec![("httpGet", map_node(vec![], r.at))], r.at),
        ),
    ];
    if let Some(res) = v.get("resources") {
        container.push(("resources", res.clone()));
    }
    let replicas = v
        .get("replicaCount")
        .cloned()
        .unwrap_or_else(|| int_node(2, r.at));
    let pod = map_node(
        vec![(
            "containers",
            seq_node(vec![map_node(container, r.at)], r.at),
        )],
        r.at,
    );
    out.push(Made::from(object(
        "apps/v1",
        "Deployment",
        &r.name,
        r,
        None,
        vec![(
            "spec",
            map_node(
                std::iter::once(("replicas", replicas))
                    .chain(pod_template(
                        vec![
                            ("app.kubernetes.io/name", "cloudflare-tunnel"),
                            ("app.kubernetes.io/instance", &r.name),
                        ],
                        v.get("podAnnotations"),
                        pod,
                        r.at,
                    ))
                    .collect(),
                r.at,
            ),
        )],
        r.at,
    )));
    out
}
