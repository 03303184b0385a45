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
mod app_template_storage;
mod bitnami_redis;
mod carriers;
mod cloudflared;
mod credentials;
mod external_dns;
pub mod links;

use carriers::{looks_like_values, releases, subcharts, Found};
pub use links::{ChartMeta, Links};

use crate::yaml::{Node, Span, Value};

/// One Helm release's values, and what its manifest says about it.
#[derive(Clone)]
pub struct Release<'a> {
    /// The chart's name, when the manifest names it (`spec.chart.spec.chart`,
    /// `source.chart`, a `chartRef`'s source, a dependency in `Chart.yaml`);
    /// `None` for bare values of an unknown chart.
    pub chart: Option<&'a str>,
    /// The chart version the manifest pins, when it says.
    pub version: Option<&'a str>,
    /// The values are a dependency's, under its key in a wrapper chart's
    /// `values.yaml`: the key names the chart only if the shape agrees
    /// (unless the wrapper's `Chart.yaml` says it is that chart).
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

/// Helm values that were not read in full: where, and why.
#[derive(Debug, Clone)]
pub struct Unread {
    pub at: Span,
    pub why: String,
}

/// What a document's Helm values become: objects, and notes on the rest.
#[derive(Default)]
pub struct Reading {
    pub made: Vec<Made>,
    pub notes: Notes,
}

/// What the reading of a document's Helm values says beyond the objects they
/// become, each at its node, kept with the document.
#[derive(Debug, Clone, Default)]
pub struct Notes {
    /// Values not read in full, and why.
    pub unread: Vec<Unread>,
    /// Values shaped for another major version of their chart than the one
    /// pinned (SS046).
    pub wrong_shape: Vec<Unread>,
    /// Literal credentials under credential-named keys of values no adapter
    /// turns into objects (SS001): `why` holds the key's path.
    pub credentials: Vec<Unread>,
}

/// A chart family: whether the values are its chart's (cheap: asked for
/// every release), and the objects they become.
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

/// Where a document is read: what the repository says around it.
pub struct Place<'a> {
    pub links: &'a Links,
    /// The document's file, normalized, with forward slashes.
    pub file: &'a str,
    /// The kustomization folders of the document's build, outermost first
    /// (its own folder's when it is in no build): where `valuesFrom` finds
    /// generated ConfigMaps.
    pub layers: Vec<&'a str>,
}

impl Place<'static> {
    /// A document read with nothing around it (a render, standard input).
    pub fn alone() -> Place<'static> {
        Place {
            links: &links::NONE,
            file: "",
            layers: Vec::new(),
        }
    }
}

/// Whether a document is a file of Helm values read on its own: named like
/// values, or beside its chart's `Chart.yaml`, and not read where a
/// manifest installs its chart. Such a file is linted as an object of its
/// own (`HelmValues`), so rules that read values see it.
pub fn is_values_file(doc: &Node, place: &Place) -> bool {
    doc.get("kind").is_none()
        && doc.get("helmCharts").is_none()
        && doc.as_map().is_some()
        && !place.links.is_joined(place.file)
        && looks_like_values(place.file.rsplit('/').next().unwrap_or(place.file))
}

/// The objects the Helm values of `doc` become, for every chart an adapter
/// knows (read with nothing around it: see [`read`]).
pub fn objects(doc: &Node) -> Vec<Made> {
    read(doc, &Place::alone()).made
}

/// What the Helm values a document holds or names become, and which of them
/// were not read in full (their chart is unknown to shipshape, they are a
/// string, or part of them is kept where the repository does not show).
pub fn read(doc: &Node, place: &Place) -> Reading {
    let mut reading = Reading::default();
    let mut found = releases(doc, place);
    let bundled: Vec<Found> = found.iter().flat_map(subcharts).collect();
    found.extend(bundled);
    // Bare values whose keys are claimed as dependencies are read.
    let dependency_read = found.iter().any(|f| {
        let r = f.release();
        f.dependency && ADAPTERS.iter().any(|a| (a.claims)(&r))
    });
    for f in &found {
        for why in &f.gaps {
            reading.notes.unread.push(Unread {
                at: f.at,
                why: why.clone(),
            });
        }
        let r = f.release();
        reading
            .notes
            .wrong_shape
            .extend(app_template::wrong_shape(&r));
        let adapter = ADAPTERS.iter().find(|a| (a.claims)(&r));
        // Values no adapter turns into objects are still searched for
        // credentials written in them.
        if adapter.is_none() && !f.dependency {
            credentials::credentials(r.values, &mut String::new(), &mut reading.notes.credentials);
        }
        match adapter {
            Some(adapter) => {
                let made = (adapter.build)(&r);
                // Values that render nothing are said to, unless SS046
                // already says why.
                if made.is_empty()
                    && f.listed
                    && r.values.as_map().is_some_and(|m| !m.is_empty())
                    && reading.notes.wrong_shape.is_empty()
                {
                    reading.notes.unread.push(Unread {
                        at: f.at,
                        why: match r.chart {
                            Some(c) => {
                                format!("the values render no object as chart `{c}` reads them")
                            }
                            None => "the values render no object as their chart reads them".into(),
                        },
                    });
                }
                reading.made.extend(made);
            }
            None if f.listed
                && !(f.chart.is_none() && dependency_read)
                && r.values.as_map().is_some_and(|m| !m.is_empty()) =>
            {
                let why = match r.chart {
                    Some(c) => format!("no adapter reads the values of chart `{c}`"),
                    None => "values no manifest links to a chart, and shaped like no chart shipshape reads".into(),
                };
                reading.notes.unread.push(Unread { at: f.at, why });
            }
            None => {}
        }
    }
    reading
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
        let unread = |doc: &Node| -> Vec<String> {
            read(doc, &Place::alone())
                .notes
                .unread
                .into_iter()
                .map(|u| u.why)
                .collect()
        };
        let unknown = parse(
            "kind: HelmRelease\nmetadata: {name: x}\nspec:\n  chart: {spec: {chart: grafana}}\n  values: {replicas: 1}\n",
        );
        assert_eq!(
            unread(&unknown),
            ["no adapter reads the values of chart `grafana`"]
        );
        assert!(objects(&unknown).is_empty());
        let redis = parse(
            "kind: HelmRelease\nmetadata: {name: x}\nspec:\n  chart: {spec: {chart: redis}}\n  values: {architecture: standalone}\n",
        );
        assert!(unread(&redis).is_empty());
        assert!(!objects(&redis).is_empty());
        let string_values = parse(
            "kind: Application\nmetadata: {name: x}\nspec:\n  source: {chart: redis, helm: {values: 'auth: {enabled: false}'}}\n",
        );
        assert_eq!(
            unread(&string_values),
            ["values written as a string"],
            "values as a string are not read"
        );
        let nothing = parse(
            "kind: HelmRelease\nmetadata: {name: x}\nspec:\n  chart: {spec: {chart: app-template, version: 3.5.1}}\n  values: {controllers: {main: {image: {repository: x, tag: '1'}}}}\n",
        );
        assert_eq!(
            unread(&nothing),
            ["the values render no object as chart `app-template` reads them"],
            "values that build nothing are said to"
        );
        let elsewhere = parse(
            "kind: HelmRelease\nmetadata: {name: x}\nspec:\n  chart: {spec: {chart: redis}}\n  valuesFrom: [{kind: ConfigMap, name: redis-values}]\n",
        );
        assert_eq!(
            unread(&elsewhere),
            ["values from ConfigMap `redis-values` (key `values.yaml`), which is neither generated from a file by a linted kustomization nor among the linted objects"]
        );
    }
}
