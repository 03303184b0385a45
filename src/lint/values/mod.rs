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
mod cloudflared;
mod external_dns;
pub mod links;

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

/// One release's values as its manifest gives them, merged from every
/// carrier in its tool's order.
struct Found<'a> {
    chart: Option<String>,
    version: Option<String>,
    dependency: bool,
    name: String,
    namespace: Option<Node>,
    labels: Option<Node>,
    values: std::borrow::Cow<'a, Node>,
    at: Span,
    /// Parts of the values that could not be read (a string, a ConfigMap
    /// not in the repository), whatever chart reads the rest.
    gaps: Vec<String>,
    /// Whether values no adapter claims are worth saying so: `false` for a
    /// bare YAML file that is not known to hold values.
    listed: bool,
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

    fn release(&self) -> Release<'_> {
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
fn releases<'a>(doc: &'a Node, place: &Place) -> Vec<Found<'a>> {
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
fn subcharts<'a>(parent: &Found<'a>) -> Vec<Found<'a>> {
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
fn looks_like_values(file_name: &str) -> bool {
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

/// Literal credentials under credential-named keys, anywhere in `values`;
/// `path` is the dotted path so far.
fn credentials(values: &Node, path: &mut String, out: &mut Vec<Unread>) {
    match &values.value {
        Value::Map(entries) => {
            for (k, v) in entries.iter() {
                let Some(key) = k.as_str() else { continue };
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                match v.as_str() {
                    Some(text) if credential_in_values(key, text) => {
                        out.push(Unread {
                            at: v.span,
                            why: path.clone(),
                        });
                    }
                    _ => credentials(v, path, out),
                }
                path.truncate(len);
            }
        }
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                credentials(item, path, out);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

/// Whether a Helm value is a literal credential by its key. Keys that name
/// where a credential is kept are references: `existingSecret…`, a key
/// ending in `Secret` whose value reads as a Secret's name (`tlsSecret:
/// app-tls`), and keys that are annotation or resource names (`a.b/c`).
fn credential_in_values(key: &str, value: &str) -> bool {
    if value.is_empty() || key.contains(['.', '/']) || !crate::secret::is_secret_key(key) {
        return false;
    }
    let lower = key.to_ascii_lowercase();
    let names_secret = (lower.ends_with("secret") || lower.ends_with("secrets"))
        && value.len() <= 253
        && value.bytes().any(|b| b.is_ascii_lowercase())
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    !lower.contains("existing")
        && !names_secret
        && crate::lint::rules::ss001_plaintext_secret_env::literal_credential(key, value)
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
            credentials(r.values, &mut String::new(), &mut reading.notes.credentials);
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
