//! Where a release's values are found, and how they are merged, per tool:
//! a Flux HelmRelease, an Argo CD Application, a kustomization's
//! `helmCharts`, and a YAML file with no kind (a chart's own `values.yaml`, or
//! bare values). Values kept apart are joined through [`super::Links`].

use super::{chart_name, links, map_node, ChartMeta, Place, Release};
use crate::yaml::{Node, Span};

/// One release's values as its manifest gives them, merged from every
/// carrier in its tool's order.
pub(super) struct Found<'a> {
    pub(super) chart: Option<String>,
    pub(super) version: Option<String>,
    pub(super) dependency: bool,
    pub(super) name: String,
    pub(super) namespace: Option<Node>,
    pub(super) labels: Option<Node>,
    pub(super) values: std::borrow::Cow<'a, Node>,
    pub(super) at: Span,
    /// Parts of the values that could not be read (a string, a ConfigMap
    /// not in the repository), whatever chart reads the rest.
    pub(super) gaps: Vec<String>,
    /// Whether values no adapter claims are worth saying so: `false` for a
    /// bare YAML file that is not known to hold values.
    pub(super) listed: bool,
}

impl<'a> Found<'a> {
    /// The same release's facts, for a subchart of it.
    fn shell(&self) -> Found<'a> {
        Found {
            chart: None,
            version: None,
            dependency: false,
            name: self.name.clone(),
            namespace: self.namespace.clone(),
            labels: self.labels.clone(),
            values: std::borrow::Cow::Owned(map_node(vec![], self.at)),
            at: self.at,
            gaps: Vec::new(),
            listed: false,
        }
    }

    pub(super) fn release(&self) -> Release<'_> {
        Release {
            chart: self.chart.as_deref(),
            version: self.version.as_deref(),
            dependency: self.dependency,
            name: self.name.clone(),
            namespace: self.namespace.clone(),
            labels: self.labels.clone(),
            values: &self.values,
            at: self.at,
        }
    }
}

fn text(n: Option<&Node>) -> Option<String> {
    n.and_then(Node::scalar_text)
}

/// Values merged from the trees of files (in order) and then `over`.
fn merged<'a>(files: Vec<&Node>, over: Option<&'a Node>) -> Option<std::borrow::Cow<'a, Node>> {
    if files.is_empty() {
        return over.map(std::borrow::Cow::Borrowed);
    }
    let mut acc: Option<Node> = None;
    for f in files.into_iter().chain(over) {
        acc = Some(match acc {
            None => f.clone(),
            Some(a) => links::helm_merge(&a, f),
        });
    }
    acc.map(std::borrow::Cow::Owned)
}

/// Every set of Helm values a document holds or names.
pub(super) fn releases<'a>(doc: &'a Node, place: &Place) -> Vec<Found<'a>> {
    let kind = doc.get("kind").and_then(Node::as_str);
    match kind {
        Some("HelmRelease") => flux(doc, place).into_iter().collect(),
        Some("Application") => argo(doc, place),
        Some("Kustomization") => kustomize(doc, place),
        None if doc.get("helmCharts").is_some() => kustomize(doc, place),
        None => bare(doc, place),
        // Other objects hold no values (and cost no label copy).
        Some(_) => Vec::new(),
    }
}

fn meta<'a>(doc: &'a Node, key: &str) -> Option<&'a Node> {
    doc.pointer(["metadata", key])
}

fn own_name(doc: &Node) -> &str {
    meta(doc, "name")
        .and_then(Node::as_str)
        .unwrap_or("release")
}

/// A Flux HelmRelease: `valuesFrom` in order, then `values`; the chart from
/// `chart.spec` or the source a `chartRef` names.
fn flux<'a>(doc: &'a Node, place: &Place) -> Option<Found<'a>> {
    let spec = doc.get("spec")?;
    let mut gaps = Vec::new();
    let (chart, version) = match spec.pointer(["chart", "spec"]) {
        Some(c) => (
            text(c.get("chart")).map(|c| chart_name(&c).to_string()),
            text(c.get("version")),
        ),
        None => match spec.get("chartRef") {
            Some(r) => {
                let name = text(r.get("name")).unwrap_or_default();
                let kind = text(r.get("kind")).unwrap_or_default();
                let dir = place.file.rsplit_once('/').map_or("", |(d, _)| d);
                match place.links.source(&name, dir) {
                    Some(s) => (Some(s.chart.clone()), s.version.clone()),
                    None => {
                        gaps.push(format!("its chart comes from {kind} `{name}`, which is not among the linted files"));
                        (None, None)
                    }
                }
            }
            None => (None, None),
        },
    };
    let repo = spec
        .pointer(["chart", "spec", "sourceRef", "name"])
        .and_then(Node::as_str);
    let (chart, version) = match repo.filter(|r| common_library(r)) {
        Some(_) => (Some(APP_TEMPLATE_V1.to_string()), None),
        None => (chart, version),
    };
    let mut files = Vec::new();
    for v in spec
        .get("valuesFrom")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        let kind = text(v.get("kind")).unwrap_or_else(|| "ConfigMap".into());
        let name = text(v.get("name")).unwrap_or_default();
        let key = text(v.get("valuesKey")).unwrap_or_else(|| "values.yaml".into());
        if v.get("targetPath").is_some() {
            gaps.push(format!(
                "values from {kind} `{name}` set at a `targetPath`, which is not read"
            ));
            continue;
        }
        let generated = place
            .links
            .generated(&place.layers, &name, &key)
            .and_then(|f| place.links.tree(f));
        match generated.or_else(|| place.links.inline(&kind, &name, &key)) {
            Some(tree) => files.push(tree),
            None => gaps.push(format!(
                "values from {kind} `{name}` (key `{key}`), which is neither generated from a file by a linted kustomization nor among the linted objects"
            )),
        }
    }
    let inline = spec.entry("values");
    // Where a chart default is reported: the values that come last.
    let at = inline.map_or_else(
        || files.last().map_or(spec.span, |t| t.span),
        |(k, _)| k.span,
    );
    let values = match merged(files, inline.map(|(_, v)| v)) {
        Some(v) => v,
        // Nothing to read, but what could not be read is still said.
        None if !gaps.is_empty() => std::borrow::Cow::Owned(map_node(vec![], at)),
        None => return None,
    };
    Some(Found {
        chart,
        version,
        dependency: false,
        at,
        name: text(spec.get("releaseName")).unwrap_or_else(|| own_name(doc).to_string()),
        namespace: spec
            .get("targetNamespace")
            .or_else(|| meta(doc, "namespace"))
            .cloned(),
        labels: meta(doc, "labels").cloned(),
        values,
        gaps,
        listed: true,
    })
}

/// An Argo CD Application: per Helm source, its chart's own `values.yaml`
/// (a chart in git), `valueFiles` in order, then `valuesObject`.
fn argo<'a>(doc: &'a Node, place: &Place) -> Vec<Found<'a>> {
    let single = doc.pointer(["spec", "source"]);
    let many = doc
        .pointer(["spec", "sources"])
        .and_then(Node::as_seq)
        .unwrap_or_default();
    let mut out = Vec::new();
    for source in single.into_iter().chain(many) {
        let Some(helm) = source.get("helm") else {
            continue;
        };
        let (files, chart_dir) = place.links.value_files(source);
        let mut gaps = Vec::new();
        let mut trees = Vec::new();
        let chart_meta = chart_dir.as_deref().and_then(|d| place.links.chart_in(d));
        if let Some(t) = chart_dir
            .as_deref()
            .and_then(|d| place.links.tree(&format!("{d}/values.yaml")))
        {
            trees.push(t);
        }
        for f in files {
            match f.as_deref().map(|f| place.links.tree(f).ok_or(f)) {
                Ok(Ok(t)) => trees.push(t),
                Ok(Err(f)) => gaps.push(format!("values file `{f}` holds no values map")),
                Err(why) => gaps.push(format!("values file {why}")),
            }
        }
        if helm
            .get("values")
            .is_some_and(|v| v.as_str().is_some_and(|s| !s.trim().is_empty()))
        {
            gaps.push("values written as a string".into());
        }
        let object = helm.entry("valuesObject");
        let at = object.map_or_else(
            || trees.last().map_or(helm.span, |t| t.span),
            |(k, _)| k.span,
        );
        let Some(values) = merged(trees, object.map(|(_, v)| v)) else {
            if !gaps.is_empty() {
                out.push(Found {
                    chart: text(source.get("chart")),
                    version: None,
                    dependency: false,
                    name: String::new(),
                    namespace: None,
                    labels: None,
                    values: std::borrow::Cow::Owned(map_node(vec![], at)),
                    at,
                    gaps,
                    listed: true,
                });
            }
            continue;
        };
        let repo = source
            .get("repoURL")
            .and_then(Node::as_str)
            .unwrap_or_default();
        let (chart, version) = match chart_meta {
            Some(m) => (Some(m.name.clone()), m.version.clone()),
            None if common_library(repo) => (Some(APP_TEMPLATE_V1.to_string()), None),
            None => (
                text(source.get("chart")).map(|c| chart_name(&c).to_string()),
                text(source.get("targetRevision")),
            ),
        };
        let release = Found {
            chart,
            version,
            dependency: false,
            at,
            name: text(helm.get("releaseName")).unwrap_or_else(|| own_name(doc).to_string()),
            namespace: doc.pointer(["spec", "destination", "namespace"]).cloned(),
            labels: meta(doc, "labels").cloned(),
            values,
            gaps,
            listed: true,
        };
        let subcharts = chart_meta
            .map(|m| dependencies(m, &release))
            .unwrap_or_default();
        out.push(release);
        out.extend(subcharts);
    }
    out
}

/// The subcharts a `Chart.yaml` lists, each with its values under its key.
fn dependencies<'a>(meta: &ChartMeta, parent: &Found<'a>) -> Vec<Found<'a>> {
    meta.dependencies
        .iter()
        .filter_map(|(key, chart, version)| {
            let (k, v) = parent.values.entry(key)?;
            v.as_map()?;
            Some(Found {
                chart: Some(chart.clone()),
                version: version.clone(),
                dependency: false,
                // Helm names a subchart's objects after the parent release.
                name: parent.name.clone(),
                namespace: parent.namespace.clone(),
                labels: parent.labels.clone(),
                values: std::borrow::Cow::Owned(v.clone()),
                at: k.span,
                gaps: Vec::new(),
                listed: false,
            })
        })
        .collect()
}

/// The charts of k8s-at-home (`https://k8s-at-home.com/charts/`, archived
/// in 2022) are built on its common library, whose values have the shape
/// app-template 1.x took over: they are read as such.
const APP_TEMPLATE_V1: &str = "app-template";

/// A Helm repository (URL, or the name a Flux HelmRepository is given) of
/// the k8s-at-home charts.
fn common_library(repo: &str) -> bool {
    repo.contains("k8s-at-home")
}

/// The subcharts the catalogue says a release's chart version bundles, each
/// with its values under its key; a key whose meaning depends on a version
/// that is not known is said to be unread.
pub(super) fn subcharts<'a>(parent: &Found<'a>) -> Vec<Found<'a>> {
    let Some(chart) = parent.chart.as_deref().filter(|_| !parent.dependency) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for known in crate::catalog::subcharts::keys_of(chart) {
        let Some((k, v)) = parent
            .values
            .entry(known.key)
            .filter(|(_, v)| v.as_map().is_some())
        else {
            continue;
        };
        let version = parent.version.as_deref();
        let Some(sub) = crate::catalog::subcharts::bundles(chart, version, known.key) else {
            let exact = version.is_some_and(|v| crate::catalog::Version::parse(v.trim()).is_ok());
            if !exact {
                out.push(Found {
                    gaps: vec![format!(
                        "whether `{}` is a subchart of chart `{chart}` depends on the chart version, which is not pinned exactly",
                        known.key
                    )],
                    listed: false,
                    values: std::borrow::Cow::Owned(map_node(vec![], k.span)),
                    at: k.span,
                    ..parent.shell()
                });
            }
            continue;
        };
        out.push(Found {
            chart: Some(sub.subchart.to_string()),
            version: None,
            values: std::borrow::Cow::Owned(v.clone()),
            at: k.span,
            listed: false,
            gaps: Vec::new(),
            ..parent.shell()
        });
    }
    // One gap per key is enough.
    out.dedup_by(|a, b| a.gaps == b.gaps && !a.gaps.is_empty());
    out
}

/// A kustomization's `helmCharts`: `valuesFile`, `additionalValuesFiles`,
/// then `valuesInline` (unless `valuesMerge: replace` keeps only it).
fn kustomize<'a>(doc: &'a Node, place: &Place) -> Vec<Found<'a>> {
    let dir = place.file.rsplit_once('/').map_or("", |(d, _)| d);
    let mut out = Vec::new();
    for chart in doc
        .get("helmCharts")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        let mut gaps = Vec::new();
        let mut trees = Vec::new();
        let replace = chart.get("valuesMerge").and_then(Node::as_str) == Some("replace");
        let extra = chart.get("additionalValuesFiles").and_then(Node::as_seq);
        for rel in chart
            .get("valuesFile")
            .into_iter()
            .chain(extra.unwrap_or_default())
            .filter_map(Node::as_str)
            .filter(|_| !replace)
        {
            match crate::lint::kustomize::join(dir, rel)
                .as_deref()
                .and_then(|f| place.links.tree(f))
            {
                Some(t) => trees.push(t),
                None => gaps.push(format!("values file `{rel}` is not among the linted files")),
            }
        }
        let inline = chart.entry("valuesInline");
        let at = inline.map_or_else(
            || trees.last().map_or(chart.span, |t| t.span),
            |(k, _)| k.span,
        );
        let Some(values) = merged(trees, inline.map(|(_, v)| v)) else {
            continue;
        };
        let chart_name_text = text(chart.get("name"));
        out.push(Found {
            name: text(chart.get("releaseName"))
                .or_else(|| chart_name_text.clone())
                .unwrap_or_else(|| "release".into()),
            chart: chart_name_text,
            version: text(chart.get("version")),
            dependency: false,
            namespace: chart
                .get("namespace")
                .or_else(|| doc.get("namespace"))
                .cloned(),
            labels: None,
            values,
            at,
            gaps,
            listed: true,
        });
    }
    out
}

/// A YAML file with no kind: a chart's `values.yaml` beside its
/// `Chart.yaml` (whose dependencies name the subcharts), or bare values of a
/// chart nothing names, where each top-level key may be a dependency's.
fn bare<'a>(doc: &'a Node, place: &Place) -> Vec<Found<'a>> {
    // Read where its chart is installed.
    if place.links.is_joined(place.file) {
        return Vec::new();
    }
    let (dir, file_name) = place.file.rsplit_once('/').unwrap_or(("", place.file));
    let named_values = looks_like_values(file_name);
    if let Some(meta) = place.links.chart_in(dir).filter(|_| named_values) {
        let own = Found {
            chart: Some(meta.name.clone()),
            version: meta.version.clone(),
            dependency: false,
            name: meta.name.clone(),
            namespace: None,
            labels: None,
            values: std::borrow::Cow::Borrowed(doc),
            at: doc.span,
            gaps: Vec::new(),
            listed: false,
        };
        let mut out = dependencies(meta, &own);
        out.insert(0, own);
        return out;
    }
    let mut out: Vec<Found> = doc
        .as_map()
        .unwrap_or_default()
        .iter()
        .filter(|(_, v)| v.as_map().is_some())
        .filter_map(|(k, v)| {
            let key = k.as_str()?;
            Some(Found {
                chart: Some(key.to_string()),
                version: None,
                dependency: true,
                at: k.span,
                name: key.to_string(),
                namespace: None,
                labels: None,
                values: std::borrow::Cow::Borrowed(v),
                gaps: Vec::new(),
                listed: false,
            })
        })
        .collect();
    out.push(Found {
        chart: None,
        version: None,
        dependency: false,
        at: doc.span,
        name: "release".to_string(),
        namespace: None,
        labels: None,
        values: std::borrow::Cow::Borrowed(doc),
        gaps: Vec::new(),
        listed: named_values,
    });
    out
}

/// `values.yaml`, `values-prd.yaml`, `redis-values.yml`: a file named for
/// Helm values.
pub(super) fn looks_like_values(file_name: &str) -> bool {
    let stem = file_name
        .strip_suffix(".yaml")
        .or_else(|| file_name.strip_suffix(".yml"))
        .unwrap_or(file_name);
    stem == "values"
        || stem.starts_with("values-")
        || stem.starts_with("values.")
        || stem.starts_with("values_")
        || stem.ends_with("-values")
        || stem.ends_with("_values")
        || stem.ends_with(".values")
}
