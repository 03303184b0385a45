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
pub struct Pinned<'a> {
    pub entry: &'static catalog::Entry,
    pub version: Option<Version>,
    pub env: Option<&'a str>,
    pub namespace: Option<String>,
    pub release: String,
    pub obj: &'a Obj<'a>,
}

pub struct ClusterIndex<'a> {
    /// Pods by namespace (`None`: namespace unknown, matches any).
    pub pods: Vec<(Option<String>, BTreeMap<String, String>)>,
    /// Services by (namespace, name).
    pub services: BTreeSet<(Option<String>, String)>,
    pub charts: Vec<Pinned<'a>>,
    pub app_projects: BTreeSet<String>,
    pub namespaces: BTreeSet<String>,
    pub uses_argocd: bool,
    /// Image names a kustomization's `images:` pins (`newTag` or `digest`).
    pub image_overrides: BTreeSet<String>,
    pods_by_ns: BTreeMap<String, Vec<BTreeMap<String, String>>>,
    pods_unknown_ns: Vec<BTreeMap<String, String>>,
    service_names: BTreeSet<String>,
}

fn labels_of(n: Option<&Node>) -> BTreeMap<String, String> {
    n.and_then(Node::as_map)
        .unwrap_or_default()
        .iter()
        .filter_map(|(k, v)| Some((k.scalar_text()?, v.scalar_text()?)))
        .collect()
}

/// The chart an Application or HelmRelease installs, with its version.
fn pinned<'a>(o: &'a Obj<'a>) -> Vec<Pinned<'a>> {
    let mut out = Vec::new();
    let mut push =
        |chart: Option<&str>, version: Option<&str>, ns: Option<&str>, release: Option<&str>| {
            let Some(entry) = chart.and_then(catalog::by_chart) else {
                return;
            };
            out.push(Pinned {
                entry,
                version: version.and_then(|v| Version::parse(v).ok()),
                env: o.env.as_deref(),
                namespace: ns.map(str::to_string),
                release: release.or(o.name).unwrap_or(entry.key).to_string(),
                obj: o,
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

impl<'a> ClusterIndex<'a> {
    pub fn build(objects: &'a [Obj<'a>]) -> Self {
        let mut ix = ClusterIndex {
            pods: Vec::new(),
            services: BTreeSet::new(),
            charts: Vec::new(),
            app_projects: BTreeSet::new(),
            namespaces: BTreeSet::new(),
            uses_argocd: false,
            image_overrides: BTreeSet::new(),
            pods_by_ns: BTreeMap::new(),
            pods_unknown_ns: Vec::new(),
            service_names: BTreeSet::new(),
        };
        for o in objects {
            ix.charts.extend(pinned(o));
            if o.kind == crate::lint::input::KUSTOMIZATION_HINT {
                for i in o.get("images").and_then(Node::as_seq).unwrap_or_default() {
                    let pins = i.get("newTag").is_some() || i.get("digest").is_some();
                    if let (true, Some(name)) = (pins, i.get("name").and_then(Node::as_str)) {
                        ix.image_overrides.insert(name.to_string());
                    }
                }
            }
            if o.api_version.starts_with("argoproj.io/") {
                ix.uses_argocd = true;
                if o.kind == "AppProject" {
                    ix.app_projects.extend(o.name.map(str::to_string));
                }
            }
        }
        for o in objects.iter().filter(|o| !o.is_fragment()) {
            let ns = o.namespace.map(str::to_string);
            ix.namespaces.extend(ns.clone());
            if o.kind == "Namespace" {
                ix.namespaces.extend(o.name.map(str::to_string));
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
                    ix.pods.push((ns.clone(), labels_of(meta)));
                }
                if o.kind == "Pod" {
                    ix.pods
                        .push((ns.clone(), labels_of(o.get("metadata.labels"))));
                }
            }
            match o.kind {
                "Service" => {
                    ix.services.insert((ns.clone(), name.to_string()));
                }
                "Cluster" if o.api_version.starts_with(ops::CNPG_GROUP) => {
                    let mut l = labels_of(o.get("metadata.labels"));
                    l.extend(
                        ops::cnpg_pod_labels(name)
                            .into_iter()
                            .map(|(k, v)| (k.to_string(), v)),
                    );
                    ix.pods.push((ns.clone(), l));
                    for s in ops::cnpg_services(name) {
                        ix.services.insert((ns.clone(), s));
                    }
                }
                kind if o.api_version.starts_with(ops::OT_GROUP) => {
                    if let Some(extra) = ops::ot_pod_labels(kind, name) {
                        let mut l: BTreeMap<String, String> =
                            extra.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
                        l.extend(labels_of(o.get("metadata.labels")));
                        ix.pods.push((ns.clone(), l));
                    }
                    // Unknown operator version: assume the newest conventions.
                    let version = ix
                        .charts
                        .iter()
                        .find(|p| p.entry.kind == catalog::OperatorKind::RedisOperator)
                        .and_then(|p| p.version)
                        .unwrap_or(Version::new(u64::MAX >> 1, 0, 0));
                    for s in ops::ot_services(kind, name, &version) {
                        ix.services.insert((ns.clone(), s));
                    }
                }
                _ => {}
            }
        }
        for p in &ix.charts {
            for s in ops::chart_services(p.entry.kind, &p.release) {
                ix.services.insert((p.namespace.clone(), s));
            }
        }
        for (ns, labels) in &ix.pods {
            match ns {
                Some(n) => ix
                    .pods_by_ns
                    .entry(n.clone())
                    .or_default()
                    .push(labels.clone()),
                None => ix.pods_unknown_ns.push(labels.clone()),
            }
        }
        ix.service_names = ix.services.iter().map(|(_, n)| n.clone()).collect();
        ix
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
            None => self.pods.iter().map(|(_, l)| l).collect(),
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
    ) -> Option<&Pinned<'a>> {
        let common = |d: &str| {
            d.split('/')
                .zip(dir.split('/'))
                .take_while(|(a, b)| a == b && !a.is_empty())
                .count()
        };
        self.charts
            .iter()
            .filter(|p| p.entry.kind == kind)
            .filter(|p| env.is_none() || p.env.is_none() || p.env == env)
            // Only pins of the same tree: another repository's pin says nothing here.
            .filter(|p| common(&p.obj.doc.dir) > 0 || p.obj.doc.dir == dir)
            // The earliest of the nearest wins: max_by_key keeps the last of equals.
            .rev()
            .max_by_key(|p| (env.is_some() && p.env == env, common(&p.obj.doc.dir)))
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
