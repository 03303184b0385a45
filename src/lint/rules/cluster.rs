//! What the whole set puts on a cluster, indexed once per run for the
//! cross-object rules: the pods (workload templates, and what operators create
//! from their custom resources), the Services (declared, and created by
//! operators and charts), the charts pinned, the AppProjects. The operators'
//! conventions come from the compatibility catalogue.

use std::collections::{BTreeMap, BTreeSet};

use super::super::Obj;
use crate::catalog::{self, operators as ops, Version};
use crate::yaml::Node;

/// A chart the set installs: an Argo CD Application or a Flux HelmRelease.
/// Owned, so the tree it came from can be dropped once the object is checked.
pub struct Pinned {
    pub entry: &'static catalog::Entry,
    pub version: Option<Version>,
    pub env: Option<String>,
    pub namespace: Option<String>,
    pub release: String,
    /// The object that pins it, as messages name it.
    pub display: String,
    /// The folder of that object.
    pub dir: String,
    /// The chart's values as the pin sets them (Argo `valuesObject`, Flux `values`).
    pub values: Option<Node>,
}

pub struct ClusterIndex {
    /// Services by (namespace, name).
    pub services: BTreeSet<(Option<String>, String)>,
    pub charts: Vec<Pinned>,
    pub app_projects: BTreeSet<String>,
    pub namespaces: BTreeSet<String>,
    pub uses_argocd: bool,
    /// Image names a kustomization's `images:` pins (`newTag` or `digest`).
    pub image_overrides: BTreeSet<String>,
    /// Namespaces an Argo CD Application installs a Helm chart into: their
    /// Services come from charts shipshape does not read.
    pub chart_namespaces: BTreeSet<String>,
    /// The sync model of the set's Argo CD Applications (`simulate`).
    pub sync: crate::simulate::Model,
    /// Pod labels by namespace, and of pods whose namespace is unknown
    /// (those match a selector in any namespace).
    pods_by_ns: BTreeMap<String, Vec<BTreeMap<String, String>>>,
    pods_unknown_ns: Vec<BTreeMap<String, String>>,
    service_names: BTreeSet<String>,
    /// What clients use each Redis Service for: (namespace, Service) →
    /// (role, evidence), the first client found.
    redis_clients: BTreeMap<RedisService, RedisUse>,
    /// The earliest pin of a component by the env it names and a folder
    /// prefix it is under: [`ClusterIndex::chart_for`] is a few lookups per
    /// object, not a scan of every pin.
    pins: BTreeMap<(catalog::OperatorKind, PinEnv, String), usize>,
}

/// The env a pin is indexed under.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum PinEnv {
    /// Any pin, whatever env it names (for objects of no env).
    Any,
    /// Pins that name no env (they apply to every env).
    Unset,
    Named(String),
}

/// The keys a folder is indexed and looked up under, nearest first: every
/// prefix of its leading non-empty segments (`a/b/c` → `a/b/c`, `a/b`, `a`);
/// a folder with none (the root, an absolute path) only under itself, as
/// such a folder shares no segment with another and matches only its equal.
fn prefixes(dir: &str) -> Vec<String> {
    let segments: Vec<&str> = dir.split('/').take_while(|s| !s.is_empty()).collect();
    if segments.is_empty() {
        return vec![format!("\0{dir}")];
    }
    (1..=segments.len())
        .rev()
        .map(|n| segments[..n].join("/"))
        .collect()
}

/// What objects contribute to the [`ClusterIndex`], gathered from each object
/// while its tree is in memory and merged in input order.
#[derive(Default)]
pub struct ClusterFacts {
    pods: Vec<(Option<String>, BTreeMap<String, String>)>,
    services: BTreeSet<(Option<String>, String)>,
    charts: Vec<Pinned>,
    app_projects: BTreeSet<String>,
    namespaces: BTreeSet<String>,
    uses_argocd: bool,
    image_overrides: BTreeSet<String>,
    chart_namespaces: BTreeSet<String>,
    /// OT Redis Operator objects `(namespace, kind, name)`: the Services the
    /// operator creates for them depend on the operator version the set pins.
    ot_objects: Vec<(Option<String>, String, String)>,
    sync: crate::simulate::SyncFacts,
    redis_clients: Vec<(RedisService, RedisUse)>,
}

/// A Redis Service a client names: (namespace, Service name).
type RedisService = (Option<String>, String);
/// What the client uses it for: (role, evidence).
type RedisUse = (&'static str, String);

/// A `labels` map as text keys and values.
pub fn labels_of(n: Option<&Node>) -> BTreeMap<String, String> {
    n.and_then(Node::as_map)
        .unwrap_or_default()
        .iter()
        .filter_map(|(k, v)| Some((k.scalar_text()?, v.scalar_text()?)))
        .collect()
}

/// The inline values of each chart a HelmRelease or Application installs,
/// with the chart's name.
fn chart_values<'a>(o: &Obj<'a>) -> Vec<(&'a str, &'a Node)> {
    let last = |c: &'a str| c.rsplit('/').next().unwrap_or(c);
    match o.kind {
        "HelmRelease" => o
            .get("spec.chart.spec.chart")
            .and_then(Node::as_str)
            .zip(o.get("spec.values"))
            .map(|(c, v)| (last(c), v))
            .into_iter()
            .collect(),
        "Application" => o
            .get("spec.source")
            .into_iter()
            .chain(
                o.get("spec.sources")
                    .and_then(Node::as_seq)
                    .unwrap_or_default(),
            )
            .filter_map(|s| {
                let chart = s.get("chart").and_then(Node::as_str)?;
                Some((last(chart), s.pointer(["helm", "valuesObject"])?))
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The chart an Application or HelmRelease installs, with its version.
fn pinned(o: &Obj) -> Vec<Pinned> {
    let mut out = Vec::new();
    let values = o
        .get("spec.source.helm.valuesObject")
        .or_else(|| o.get("spec.values"));
    let mut push =
        |chart: Option<&str>, version: Option<&str>, ns: Option<&str>, release: Option<&str>| {
            let Some(entry) = chart.and_then(catalog::by_chart) else {
                return;
            };
            out.push(Pinned {
                entry,
                version: version.and_then(|v| Version::parse(v).ok()),
                env: o.env.clone(),
                namespace: ns.map(str::to_string),
                release: release.or(o.name).unwrap_or(entry.key).to_string(),
                display: o.display(),
                dir: o.doc.dir.clone(),
                values: values.cloned(),
            });
        };
    if o.api_version.starts_with("argoproj.io/") && o.kind == "Application" {
        let ns = o.get("spec.destination.namespace").and_then(Node::as_str);
        let mut sources: Vec<&Node> = o.get("spec.source").into_iter().collect();
        sources.extend(
            o.get("spec.sources")
                .and_then(Node::as_seq)
                .unwrap_or_default(),
        );
        for s in sources {
            push(
                s.get("chart").and_then(Node::as_str),
                s.get("targetRevision").and_then(Node::as_str),
                ns,
                s.pointer(["helm", "releaseName"]).and_then(Node::as_str),
            );
        }
    } else if o.kind == "HelmRelease" && o.api_version.starts_with("helm.toolkit.fluxcd.io/") {
        push(
            o.get("spec.chart.spec.chart").and_then(Node::as_str),
            o.get("spec.chart.spec.version").and_then(Node::as_str),
            o.get("spec.targetNamespace")
                .and_then(Node::as_str)
                .or(o.namespace),
            o.get("spec.releaseName").and_then(Node::as_str),
        );
    }
    out
}

impl ClusterFacts {
    /// What one object puts on the cluster. Pods, Services and namespaces
    /// matter only to the rules that run when the set is `complete` (SS025,
    /// SS027): a partial set gathers none of them.
    pub fn add(&mut self, o: &Obj, complete: bool, made: &[super::Produced]) {
        self.charts.extend(pinned(o));
        self.sync.add(o, made);
        if o.kind == crate::lint::input::KUSTOMIZATION_HINT {
            self.add_image_overrides(o);
        }
        if o.api_version.starts_with("argoproj.io/") {
            self.add_argocd(o);
        }
        // Clients say what a Redis is for, complete set or not.
        self.add_redis_clients(o);
        if o.is_fragment() || !complete {
            return;
        }
        self.add_cluster_objects(o);
    }

    /// Images a kustomization pins (`newTag` to a fixed tag, or a digest).
    fn add_image_overrides(&mut self, o: &Obj) {
        for i in o.get("images").and_then(Node::as_seq).unwrap_or_default() {
            // `newTag: latest` moves the tag to another mutable one: no pin.
            let tag_pins = i
                .get("newTag")
                .and_then(Node::scalar_text)
                .is_some_and(|t| {
                    super::ss020_image_tag_mutable::mutable(&format!("x:{t}")).is_none()
                });
            let pins = tag_pins || i.get("digest").is_some();
            if let (true, Some(name)) = (pins, i.get("name").and_then(Node::as_str)) {
                self.image_overrides.insert(name.to_string());
            }
        }
    }

    fn add_argocd(&mut self, o: &Obj) {
        self.uses_argocd = true;
        if o.kind == "AppProject" {
            self.app_projects.extend(o.name.map(str::to_string));
        }
        if o.kind == "Application"
            && (o.get("spec.source.chart").is_some() || o.get("spec.sources").is_some())
        {
            self.chart_namespaces.extend(
                o.get("spec.destination.namespace")
                    .and_then(Node::as_str)
                    .map(str::to_string),
            );
        }
    }

    /// The Redis a client names and what it uses it for: from its
    /// environment, or from the values of a chart known to name it.
    fn add_redis_clients(&mut self, o: &Obj) {
        for (chart, values) in chart_values(o) {
            for signal in catalog::redis_clients::VALUE_SIGNALS
                .iter()
                .filter(|s| s.chart == chart)
            {
                let host = values
                    .pointer(signal.path.iter().copied())
                    .and_then(Node::as_str);
                if let Some((service, host_ns)) = host.and_then(catalog::redis_clients::host_of) {
                    let ns = host_ns.or_else(|| o.namespace.map(str::to_string));
                    let evidence = format!(
                        "{} in `{}` of {}",
                        signal.evidence,
                        signal.path.join("."),
                        o.display()
                    );
                    self.redis_clients
                        .push(((ns, service), (signal.role, evidence)));
                }
            }
        }
        for c in o.containers() {
            for (_, e) in c.env() {
                let (Some(name), Some(value)) = (
                    e.get("name").and_then(Node::as_str),
                    e.get("value").and_then(Node::as_str),
                ) else {
                    continue;
                };
                let Some(signal) = catalog::redis_clients::signal(name, c.image()) else {
                    continue;
                };
                if let Some((service, host_ns)) = catalog::redis_clients::host_of(value) {
                    let ns = host_ns.or_else(|| o.namespace.map(str::to_string));
                    let evidence = format!("{} in `{name}` of {}", signal.evidence, o.display());
                    self.redis_clients
                        .push(((ns, service), (signal.role, evidence)));
                }
            }
        }
    }

    /// Namespaces, pods (with their labels, as the operators label them) and
    /// Services: what the complete-set rules (SS025, SS027) look up.
    fn add_cluster_objects(&mut self, o: &Obj) {
        let ns = o.namespace.map(str::to_string);
        self.namespaces.extend(ns.clone());
        if o.kind == "Namespace" {
            self.namespaces.extend(o.name.map(str::to_string));
        }
        let name = o.name.unwrap_or("");
        if let Some((base, _)) = o.pod_spec() {
            // The pod template's metadata sits beside its spec.
            let mut path: Vec<&str> = base
                .iter()
                .filter_map(|s| match s {
                    super::super::Seg::Key(k) => Some(k.as_str()),
                    _ => None,
                })
                .collect();
            path.pop();
            let meta = o
                .node()
                .pointer(path.iter().copied().chain(["metadata", "labels"]));
            if o.kind != "Pod" || meta.is_some() {
                self.pods.push((ns.clone(), labels_of(meta)));
            }
            if o.kind == "Pod" {
                self.pods
                    .push((ns.clone(), labels_of(o.get("metadata.labels"))));
            }
        }
        match o.kind {
            "Service" => {
                self.services.insert((ns, name.to_string()));
            }
            "Cluster" if o.api_version.starts_with(ops::CNPG_GROUP) => {
                let mut l = labels_of(o.get("metadata.labels"));
                l.extend(
                    ops::cnpg_pod_labels(name)
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v)),
                );
                self.pods.push((ns.clone(), l));
                for s in ops::cnpg_services(name) {
                    self.services.insert((ns.clone(), s));
                }
            }
            kind if o.api_version.starts_with(ops::OT_GROUP) => {
                if let Some(extra) = ops::ot_pod_labels(kind, name) {
                    let mut l: BTreeMap<String, String> =
                        extra.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
                    l.extend(labels_of(o.get("metadata.labels")));
                    self.pods.push((ns.clone(), l));
                }
                self.ot_objects
                    .push((ns, kind.to_string(), name.to_string()));
            }
            _ => {}
        }
    }

    /// Appends what later objects contribute (call in input order: the
    /// earliest pin of a chart wins).
    pub fn merge(&mut self, mut other: ClusterFacts) {
        self.pods.append(&mut other.pods);
        self.services.append(&mut other.services);
        self.charts.append(&mut other.charts);
        self.app_projects.append(&mut other.app_projects);
        self.namespaces.append(&mut other.namespaces);
        self.uses_argocd |= other.uses_argocd;
        self.image_overrides.append(&mut other.image_overrides);
        self.chart_namespaces.append(&mut other.chart_namespaces);
        self.ot_objects.append(&mut other.ot_objects);
        self.redis_clients.append(&mut other.redis_clients);
        self.sync.merge(other.sync);
    }
}

impl ClusterIndex {
    /// An empty cluster: what a check sees before the set is known.
    pub fn none() -> &'static Self {
        static NONE: std::sync::LazyLock<ClusterIndex> =
            std::sync::LazyLock::new(|| ClusterIndex::build(ClusterFacts::default()));
        &NONE
    }
    pub fn build(facts: ClusterFacts) -> Self {
        let ClusterFacts {
            pods,
            mut services,
            charts,
            app_projects,
            namespaces,
            uses_argocd,
            image_overrides,
            chart_namespaces,
            ot_objects,
            sync,
            redis_clients,
        } = facts;
        let mut clients = BTreeMap::new();
        for (key, value) in redis_clients {
            clients.entry(key).or_insert(value);
        }
        // Unknown operator version: assume the newest conventions.
        let version = charts
            .iter()
            .find(|p| p.entry.kind == catalog::OperatorKind::RedisOperator)
            .and_then(|p| p.version)
            .unwrap_or(Version::new(u64::MAX >> 1, 0, 0));
        for (ns, kind, name) in ot_objects {
            for s in ops::ot_services(&kind, &name, &version) {
                services.insert((ns.clone(), s));
            }
        }
        for p in &charts {
            for s in ops::chart_services(p.entry.kind, &p.release) {
                services.insert((p.namespace.clone(), s));
            }
        }
        let mut pods_by_ns: BTreeMap<String, Vec<BTreeMap<String, String>>> = BTreeMap::new();
        let mut pods_unknown_ns = Vec::new();
        for (ns, labels) in pods {
            match ns {
                Some(n) => pods_by_ns.entry(n).or_default().push(labels),
                None => pods_unknown_ns.push(labels),
            }
        }
        let service_names = services.iter().map(|(_, n)| n.clone()).collect();
        let mut pins = BTreeMap::new();
        for (i, p) in charts.iter().enumerate() {
            let own = p.env.clone().map_or(PinEnv::Unset, PinEnv::Named);
            for prefix in prefixes(&p.dir) {
                for env in [PinEnv::Any, own.clone()] {
                    // Input order: the earliest pin of a prefix stays.
                    pins.entry((p.entry.kind, env, prefix.clone())).or_insert(i);
                }
            }
        }
        ClusterIndex {
            pins,
            services,
            charts,
            app_projects,
            namespaces,
            uses_argocd,
            image_overrides,
            chart_namespaces,
            sync: crate::simulate::Model::new(sync),
            pods_by_ns,
            pods_unknown_ns,
            service_names,
            redis_clients: clients,
        }
    }

    /// What the set's clients use a Redis for, when one of its Services is
    /// named by a client signal: (role, evidence).
    pub fn redis_role_from_clients(
        &self,
        namespace: Option<&str>,
        services: &[String],
    ) -> Option<(&'static str, &str)> {
        services.iter().find_map(|s| {
            let found = match namespace {
                Some(ns) => self
                    .redis_clients
                    .get(&(Some(ns.to_string()), s.clone()))
                    .or_else(|| self.redis_clients.get(&(None, s.clone()))),
                // A Redis whose namespace the files do not say (a Flux
                // Kustomization's `targetNamespace` sets it) is the Service a
                // client names in any namespace.
                None => self
                    .redis_clients
                    .iter()
                    .find(|((_, name), _)| name == s)
                    .map(|(_, u)| u),
            };
            found.map(|(role, why)| (*role, why.as_str()))
        })
    }

    /// Whether a Service named `name` exists for a reference from `ns`
    /// (an unknown namespace on either side matches any).
    pub fn has_service(&self, ns: Option<&str>, name: &str) -> bool {
        match ns {
            Some(n) => {
                self.services
                    .contains(&(Some(n.to_string()), name.to_string()))
                    || self.services.contains(&(None, name.to_string()))
            }
            None => self.service_names.contains(name),
        }
    }

    /// The pods a selector in namespace `ns` can select.
    pub fn pods_in(&self, ns: Option<&str>) -> Vec<&BTreeMap<String, String>> {
        match ns {
            Some(n) => self
                .pods_by_ns
                .get(n)
                .into_iter()
                .flatten()
                .chain(self.pods_unknown_ns.iter())
                .collect(),
            None => self
                .pods_by_ns
                .values()
                .flatten()
                .chain(self.pods_unknown_ns.iter())
                .collect(),
        }
    }

    /// The chart the set pins for a component, for an object: in the object's
    /// env when both say, and nearest by folder among pins that share at least
    /// the top folder with it (a monorepo of several clusters, or several
    /// repositories linted together).
    pub fn chart_for(
        &self,
        kind: catalog::OperatorKind,
        env: Option<&str>,
        dir: &str,
    ) -> Option<&Pinned> {
        // A pin of the object's own env beats one that names none; among
        // them the nearest folder wins, then the earliest.
        let tiers: &[PinEnv] = match env {
            Some(e) => &[PinEnv::Named(e.to_string()), PinEnv::Unset],
            None => &[PinEnv::Any],
        };
        let prefixes = prefixes(dir);
        tiers.iter().find_map(|tier| {
            prefixes.iter().find_map(|prefix| {
                self.pins
                    .get(&(kind, tier.clone(), prefix.clone()))
                    .and_then(|&i| self.charts.get(i))
            })
        })
    }
}

/// Whether pod labels satisfy a label selector (`matchLabels`/`matchExpressions`,
/// or a Service's plain map).
pub fn matches(selector: &Node, labels: &BTreeMap<String, String>) -> bool {
    let structured =
        selector.get("matchLabels").is_some() || selector.get("matchExpressions").is_some();
    let plain = if structured {
        selector.get("matchLabels")
    } else {
        Some(selector)
    };
    let labels_ok = plain
        .and_then(Node::as_map)
        .unwrap_or_default()
        .iter()
        .all(|(k, v)| match (k.scalar_text(), v.scalar_text()) {
            (Some(k), Some(v)) => labels.get(&k) == Some(&v),
            _ => false,
        });
    let exprs_ok = selector
        .get("matchExpressions")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .all(|e| {
            let key = e.get("key").and_then(Node::as_str).unwrap_or("");
            let values: Vec<String> = e
                .get("values")
                .and_then(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .filter_map(Node::scalar_text)
                .collect();
            match e.get("operator").and_then(Node::as_str).unwrap_or("") {
                "In" => labels.get(key).is_some_and(|v| values.contains(v)),
                "NotIn" => labels.get(key).is_none_or(|v| !values.contains(v)),
                "Exists" => labels.contains_key(key),
                "DoesNotExist" => !labels.contains_key(key),
                _ => false,
            }
        });
    labels_ok && exprs_ok
}

#[cfg(test)]
mod tests {
    use super::prefixes;

    #[test]
    fn a_folder_is_found_under_its_leading_segments_nearest_first() {
        assert_eq!(prefixes("a/b/c"), ["a/b/c", "a/b", "a"]);
        // No leading segment: only its equal matches it (an absolute path,
        // the root).
        assert_eq!(prefixes("/tmp/x"), ["\0/tmp/x"]);
        assert_eq!(prefixes(""), ["\0"]);
        assert_eq!(prefixes("a//b"), ["a"]);
    }
}
