//! Helm values as the objects they become, so every rule applies to them and
//! findings point at the values nodes. One adapter per chart family; values of
//! charts no adapter knows are not guessed at, only counted ([`unread`]).
//!
//! Values are found in a Flux HelmRelease's `spec.values`, an Argo CD
//! Application's `helm.valuesObject` (of `source` or any of `sources`), and in a
//! wrapper chart's `values.yaml`, whose top-level keys are its dependencies
//! (`app-template:`, `redis:`). An adapter builds typed-enough objects from
//! the values, every node keeping the span of the value it came from; where the
//! chart's default applies, the node takes the span of the nearest value the
//! user wrote, so a finding about a default points at the block that omits it.

mod app_template;
pub(crate) use app_template::{major as chart_major, v1_shaped as app_template_v1_shaped};
mod bitnami_redis;
mod cloudflared;
mod external_dns;

use crate::yaml::{Node, Span, Value};

/// One Helm release's values, and what its manifest says about it.
#[derive(Clone)]
pub struct Release<'a> {
    /// The chart's name, when the manifest names it (`spec.chart.spec.chart`,
    /// `source.chart`, a dependency key); `None` for `chartRef` and bare values.
    pub chart: Option<&'a str>,
    /// The chart version the manifest pins, when it says.
    pub version: Option<&'a str>,
    /// The values are a dependency's, under its key in a wrapper chart's
    /// `values.yaml`: the key names the chart only if the shape agrees.
    pub dependency: bool,
    /// The release name: Helm's `fullname` for most charts.
    pub name: String,
    /// Where the chart's objects go.
    pub namespace: Option<Node>,
    /// The manifest's labels (`shipshape.dev/redis-role`, the env label).
    pub labels: Option<Node>,
    pub values: &'a Node,
    /// The key that holds the values (`values:`, `redis:`): where findings
    /// about a chart default point.
    pub at: Span,
}

/// An object an adapter made, with the conventional kind of a document that
/// states none (a cloudflared `config.yaml`).
pub struct Made {
    pub node: Node,
    pub kind_hint: Option<&'static str>,
}

impl From<Node> for Made {
    fn from(node: Node) -> Self {
        Made {
            node,
            kind_hint: None,
        }
    }
}

/// A chart family: whether the values are its chart's (cheap: `unread` asks
/// for every release), and the objects they become.
struct Adapter {
    claims: fn(&Release) -> bool,
    build: fn(&Release) -> Vec<Made>,
}

const ADAPTERS: &[Adapter] = &[
    Adapter {
        claims: app_template::claims,
        build: app_template::build,
    },
    Adapter {
        claims: bitnami_redis::claims,
        build: bitnami_redis::build,
    },
    Adapter {
        claims: cloudflared::claims,
        build: cloudflared::build,
    },
    Adapter {
        claims: external_dns::claims,
        build: external_dns::build,
    },
];

/// The last segment of a chart reference (`oci://ghcr.io/x/app-template`,
/// `bitnami/redis`).
fn chart_name(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

/// Every set of Helm values a document holds.
fn releases(doc: &Node) -> Vec<Release<'_>> {
    let kind = doc.get("kind").and_then(Node::as_str);
    // Other objects hold no values (and cost no label copy).
    if kind.is_some_and(|k| !matches!(k, "HelmRelease" | "Application")) {
        return Vec::new();
    }
    let meta = |key: &str| doc.pointer(["metadata", key]);
    let labels = meta("labels").cloned();
    let own_name = meta("name").and_then(Node::as_str).unwrap_or("release");
    match kind {
        Some("HelmRelease") => {
            let Some((key, values)) = doc.get("spec").and_then(|s| s.entry("values")) else {
                return Vec::new();
            };
            let chart = doc.pointer(["spec", "chart", "spec"]);
            vec![Release {
                chart: chart
                    .and_then(|c| c.get("chart"))
                    .and_then(Node::as_str)
                    .map(chart_name),
                version: chart.and_then(|c| c.get("version")).and_then(Node::as_str),
                dependency: false,
                at: key.span,
                name: doc
                    .pointer(["spec", "releaseName"])
                    .and_then(Node::as_str)
                    .unwrap_or(own_name)
                    .to_string(),
                namespace: doc
                    .pointer(["spec", "targetNamespace"])
                    .or_else(|| meta("namespace"))
                    .cloned(),
                labels,
                values,
            }]
        }
        Some("Application") => {
            let single = doc.pointer(["spec", "source"]);
            let many = doc
                .pointer(["spec", "sources"])
                .and_then(Node::as_seq)
                .unwrap_or_default();
            single
                .into_iter()
                .chain(many)
                .filter_map(|source| {
                    let (key, values) = source.get("helm")?.entry("valuesObject")?;
                    Some(Release {
                        chart: source.get("chart").and_then(Node::as_str).map(chart_name),
                        version: source.get("targetRevision").and_then(Node::as_str),
                        dependency: false,
                        at: key.span,
                        name: source
                            .pointer(["helm", "releaseName"])
                            .and_then(Node::as_str)
                            .unwrap_or(own_name)
                            .to_string(),
                        namespace: doc.pointer(["spec", "destination", "namespace"]).cloned(),
                        labels: labels.clone(),
                        values,
                    })
                })
                .collect()
        }
        Some(_) => Vec::new(),
        // A wrapper chart's values.yaml: each dependency's key, and the values
        // themselves (a chart's own values file).
        None => {
            let mut out: Vec<Release> = doc
                .as_map()
                .unwrap_or_default()
                .iter()
                .filter(|(_, v)| v.as_map().is_some())
                .filter_map(|(k, v)| {
                    let key = k.as_str()?;
                    Some(Release {
                        chart: Some(key),
                        version: None,
                        dependency: true,
                        at: k.span,
                        name: key.to_string(),
                        namespace: None,
                        labels: None,
                        values: v,
                    })
                })
                .collect();
            out.push(Release {
                chart: None,
                version: None,
                dependency: false,
                at: doc.span,
                name: "release".to_string(),
                namespace: None,
                labels: None,
                values: doc,
            });
            out
        }
    }
}

/// The objects the Helm values of `doc` become, for every chart an adapter
/// knows.
pub fn objects(doc: &Node) -> Vec<Made> {
    let mut out = Vec::new();
    for release in releases(doc) {
        if let Some(adapter) = ADAPTERS.iter().find(|a| (a.claims)(&release)) {
            out.extend((adapter.build)(&release));
        }
    }
    out
}

/// Why the Helm values of a HelmRelease or Application were not read in
/// full, if they were not: its chart is unknown to shipshape, the values are
/// a string, or (Flux) part of them come from ConfigMaps or Secrets
/// (`valuesFrom`), which the objects built from the inline values lack.
pub fn unread(doc: &Node) -> Option<&'static str> {
    let kind = doc.get("kind").and_then(Node::as_str);
    if !matches!(kind, Some("HelmRelease" | "Application")) {
        return None;
    }
    let as_string = doc
        .pointer(["spec", "source", "helm", "values"])
        .is_some_and(|v| v.as_str().is_some_and(|s| !s.trim().is_empty()));
    if as_string {
        return Some("values written as a string");
    }
    let from_elsewhere = kind == Some("HelmRelease")
        && doc
            .pointer(["spec", "valuesFrom"])
            .and_then(Node::as_seq)
            .is_some_and(|s| !s.is_empty());
    if from_elsewhere {
        return Some("values from ConfigMaps or Secrets (valuesFrom)");
    }
    releases(doc)
        .iter()
        .any(|r| {
            r.values.as_map().is_some_and(|m| !m.is_empty())
                && !ADAPTERS.iter().any(|a| (a.claims)(r))
        })
        .then_some("no adapter for its chart")
}

// Building objects whose nodes keep the spans of the values they come from.

pub(super) fn str_node(s: &str, span: Span) -> Node {
    Node {
        value: Value::Str(s.into()),
        span,
    }
}

pub(super) fn int_node(i: i64, span: Span) -> Node {
    Node {
        value: Value::Int(i),
        span,
    }
}

pub(super) fn seq_node(items: Vec<Node>, span: Span) -> Node {
    Node {
        value: Value::Seq(items.into()),
        span,
    }
}

pub(super) fn map_node(entries: Vec<(&str, Node)>, span: Span) -> Node {
    Node {
        value: Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| (str_node(k, span), v))
                .collect(),
        ),
        span,
    }
}

/// The image a chart runs: `image.repository` (behind `image.registry`) with
/// `image.digest` or `image.tag` as written, pointing at the tag; without a
/// tag, the chart's own image, pinned by the chart version (`:chart-default`,
/// pointing at `image` or the values).
pub(super) fn chart_image(values: &Node, default_repo: &str, at: Span) -> Node {
    let img = values.get("image");
    let field = |k: &str| img.and_then(|i| i.get(k)).and_then(Node::as_str);
    let repo = match (field("registry"), field("repository")) {
        (Some(reg), Some(repo)) => format!("{reg}/{repo}"),
        (None, Some(repo)) => repo.to_string(),
        (_, None) => default_repo.to_string(),
    };
    match img.and_then(|i| i.get("digest").or_else(|| i.get("tag"))) {
        Some(t) => {
            let tag = t.scalar_text().unwrap_or_default();
            let sep = if tag.starts_with("sha256:") { '@' } else { ':' };
            str_node(&format!("{repo}{sep}{tag}"), t.span)
        }
        None => str_node(&format!("{repo}:chart-default"), img.map_or(at, |i| i.span)),
    }
}

/// `false` only when the value is the boolean `false` (Helm's `enabled`
/// switches default to on).
pub(super) fn enabled(node: Option<&Node>) -> bool {
    !matches!(node.map(|n| &n.value), Some(Value::Bool(false)))
}

/// A workload's `selector` and pod `template`: the pods carry the labels the
/// selector matches, as the chart's do.
/// `annotations` are the pod's (Reloader reads them too).
pub(super) fn pod_template(
    labels: Vec<(&str, &str)>,
    annotations: Option<&Node>,
    pod_spec: Node,
    span: Span,
) -> Vec<(&'static str, Node)> {
    let labels = map_node(
        labels
            .into_iter()
            .map(|(k, v)| (k, str_node(v, span)))
            .collect(),
        span,
    );
    let mut meta = vec![("labels", labels.clone())];
    if let Some(a) = annotations {
        meta.push(("annotations", a.clone()));
    }
    vec![
        ("selector", map_node(vec![("matchLabels", labels)], span)),
        (
            "template",
            map_node(
                vec![("metadata", map_node(meta, span)), ("spec", pod_spec)],
                span,
            ),
        ),
    ]
}

/// A Kubernetes object with the release's namespace and labels.
pub(super) fn object(
    api_version: &str,
    kind: &str,
    name: &str,
    release: &Release,
    annotations: Option<&Node>,
    rest: Vec<(&str, Node)>,
    span: Span,
) -> Node {
    let mut meta = vec![("name", str_node(name, span))];
    if let Some(ns) = &release.namespace {
        meta.push(("namespace", ns.clone()));
    }
    if let Some(l) = &release.labels {
        meta.push(("labels", l.clone()));
    }
    if let Some(a) = annotations {
        meta.push(("annotations", a.clone()));
    }
    let mut fields = vec![
        ("apiVersion", str_node(api_version, span)),
        ("kind", str_node(kind, span)),
        ("metadata", map_node(meta, span)),
    ];
    fields.extend(rest);
    map_node(fields, span)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn parse(text: &str) -> Node {
        match crate::yaml::parse_single(text, FileId(0)) {
            Ok(n) => n,
            Err(e) => panic!("{}", e.message),
        }
    }

    #[test]
    fn charts_are_named_by_their_last_segment() {
        assert_eq!(
            chart_name("oci://ghcr.io/bjw-s/helm/app-template"),
            "app-template"
        );
        assert_eq!(chart_name("bitnami/redis"), "redis");
    }

    #[test]
    fn values_of_unknown_charts_are_unread_and_of_known_ones_read() {
        let unknown = parse(
            "kind: HelmRelease\nmetadata: {name: x}\nspec:\n  chart: {spec: {chart: grafana}}\n  values: {replicas: 1}\n",
        );
        assert_eq!(unread(&unknown), Some("no adapter for its chart"));
        assert!(objects(&unknown).is_empty());
        let redis = parse(
            "kind: HelmRelease\nmetadata: {name: x}\nspec:\n  chart: {spec: {chart: redis}}\n  values: {architecture: standalone}\n",
        );
        assert_eq!(unread(&redis), None);
        assert!(!objects(&redis).is_empty());
        let string_values = parse(
            "kind: Application\nmetadata: {name: x}\nspec:\n  source: {chart: redis, helm: {values: 'auth: {enabled: false}'}}\n",
        );
        assert_eq!(
            unread(&string_values),
            Some("values written as a string"),
            "values as a string are not read"
        );
    }
}
