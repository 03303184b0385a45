#![allow(clippy::expect_used, clippy::unwrap_used)]
//! The rendered platform, traced as the cluster would: over the bundle of the
//! example and of every `fixtures/specs/*`, per environment,
//! - every Secret, Service and AppProject an object names exists in the set (or
//!   is the Doppler token, the one Secret created by hand),
//! - every custom resource's CRD comes from a chart the same environment pins,
//!   and that chart version serves the object's apiVersion,
//! - every selector (Service, NetworkPolicy, PodDisruptionBudget) matches pods,
//!   counting the pods operators create from their custom resources.
//!
//! The facts come from the compatibility catalogue; `audit_catches_…` proves the
//! audit fails on the defects it exists for.

mod common;
use common::*;

use serde_json::Value as J;
use shipshape::catalog::{self, operators as ops, OperatorKind, Served, Version};
use shipshape::render::{self, is_builtin_api, Bundle};
use std::collections::{BTreeMap, BTreeSet};

fn bundles() -> Vec<(String, Bundle)> {
    let mut dirs = vec![("example".to_string(), repo())];
    let mut specs: Vec<_> = std::fs::read_dir(repo().join("fixtures/specs"))
        .expect("specs")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    specs.sort();
    for p in specs {
        dirs.push((p.file_name().unwrap().to_string_lossy().into_owned(), p));
    }
    dirs.into_iter()
        .map(|(name, dir)| {
            let loaded =
                shipshape::cli::load(&dir).unwrap_or_else(|o| panic!("{name}: {}", o.stderr));
            (name, render::render(&loaded.model, None))
        })
        .collect()
}

type Key = (String, String); // (namespace, name)

fn ns_of(o: &J) -> String {
    o["metadata"]["namespace"]
        .as_str()
        .unwrap_or("")
        .to_string()
}
fn name_of(o: &J) -> String {
    o["metadata"]["name"].as_str().unwrap_or("").to_string()
}
fn kind_of(o: &J) -> &str {
    o["kind"].as_str().unwrap_or("")
}
fn labels_of(v: &J) -> BTreeMap<String, String> {
    v.as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
        .collect()
}

/// A chart an environment pins: catalogue entry, version, namespace, release.
struct Pinned {
    entry: &'static catalog::Entry,
    version: Version,
    namespace: String,
    release: String,
}

struct EnvSet<'a> {
    objects: Vec<&'a J>,
    charts: Vec<Pinned>,
}

fn env_sets(bundle: &Bundle) -> BTreeMap<String, EnvSet<'_>> {
    let mut out: BTreeMap<String, EnvSet> = BTreeMap::new();
    for b in &bundle.objects {
        let set = out.entry(b.env.clone()).or_insert_with(|| EnvSet {
            objects: Vec::new(),
            charts: Vec::new(),
        });
        let v = &b.object.value;
        set.objects.push(v);
        if kind_of(v) == "Application" {
            if let Some(chart) = v["spec"]["source"]["chart"].as_str() {
                let entry =
                    catalog::by_chart(chart).unwrap_or_else(|| panic!("unknown chart {chart}"));
                set.charts.push(Pinned {
                    entry,
                    version: Version::parse(
                        v["spec"]["source"]["targetRevision"].as_str().unwrap(),
                    )
                    .expect("exact chart version"),
                    namespace: v["spec"]["destination"]["namespace"]
                        .as_str()
                        .unwrap()
                        .into(),
                    release: v["spec"]["source"]["helm"]["releaseName"]
                        .as_str()
                        .unwrap()
                        .into(),
                });
            }
        }
    }
    out
}

impl EnvSet<'_> {
    fn chart(&self, kind: OperatorKind) -> Option<&Pinned> {
        self.charts.iter().find(|p| p.entry.kind == kind)
    }

    /// Pods by namespace: workload templates, and what operators create.
    fn pods(&self) -> Vec<(String, BTreeMap<String, String>)> {
        let mut pods = Vec::new();
        for o in &self.objects {
            let ns = ns_of(o);
            let own = labels_of(&o["metadata"]["labels"]);
            match kind_of(o) {
                "Deployment" | "StatefulSet" | "DaemonSet" => {
                    pods.push((ns, labels_of(&o["spec"]["template"]["metadata"]["labels"])))
                }
                "Cluster"
                    if o["apiVersion"]
                        .as_str()
                        .unwrap_or("")
                        .starts_with(ops::CNPG_GROUP) =>
                {
                    let mut l = own.clone();
                    l.extend(
                        ops::cnpg_pod_labels(&name_of(o))
                            .into_iter()
                            .map(|(k, v)| (k.to_string(), v)),
                    );
                    pods.push((ns, l));
                }
                k if o["apiVersion"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with(ops::OT_GROUP) =>
                {
                    if let Some(extra) = ops::ot_pod_labels(k, &name_of(o)) {
                        let mut l: BTreeMap<String, String> =
                            extra.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
                        l.extend(own.clone()); // the CR's labels are merged on top
                        pods.push((ns, l));
                    }
                }
                _ => {}
            }
        }
        pods
    }

    fn secrets(&self) -> BTreeSet<Key> {
        let mut s = BTreeSet::new();
        for o in &self.objects {
            let ns = ns_of(o);
            match kind_of(o) {
                "Secret" => {
                    s.insert((ns, name_of(o)));
                }
                "ExternalSecret" => {
                    let target = o["spec"]["target"]["name"]
                        .as_str()
                        .map_or_else(|| name_of(o), str::to_string);
                    s.insert((ns, target));
                }
                "Certificate" => {
                    s.insert((ns, o["spec"]["secretName"].as_str().unwrap().to_string()));
                }
                "Cluster"
                    if o["apiVersion"]
                        .as_str()
                        .unwrap_or("")
                        .starts_with(ops::CNPG_GROUP) =>
                {
                    for n in ops::cnpg_secrets(&name_of(o)) {
                        s.insert((ns.clone(), n));
                    }
                }
                _ => {}
            }
        }
        s
    }

    fn services(&self) -> BTreeSet<Key> {
        // The API server's own Service, which Argo CD destinations name.
        let mut s = BTreeSet::from([("default".to_string(), "kubernetes".to_string())]);
        let ot = self.chart(OperatorKind::RedisOperator).map(|p| p.version);
        for o in &self.objects {
            let ns = ns_of(o);
            let api = o["apiVersion"].as_str().unwrap_or("");
            match kind_of(o) {
                "Service" => {
                    s.insert((ns, name_of(o)));
                }
                "Cluster" if api.starts_with(ops::CNPG_GROUP) => {
                    for n in ops::cnpg_services(&name_of(o)) {
                        s.insert((ns.clone(), n));
                    }
                }
                k if api.starts_with(ops::OT_GROUP) => {
                    let v = ot.expect("OT custom resource without the redis-operator chart");
                    for n in ops::ot_services(k, &name_of(o), &v) {
                        s.insert((ns.clone(), n));
                    }
                }
                _ => {}
            }
        }
        for p in &self.charts {
            for n in ops::chart_services(p.entry.kind, &p.release) {
                s.insert((p.namespace.clone(), n));
            }
        }
        s
    }
}

fn matches(selector: &J, labels: &BTreeMap<String, String>) -> bool {
    let ml = selector.get("matchLabels").unwrap_or(&J::Null);
    let plain =
        if selector.get("matchLabels").is_none() && selector.get("matchExpressions").is_none() {
            selector // a Service selector is a plain map
        } else {
            ml
        };
    let labels_ok = plain
        .as_object()
        .into_iter()
        .flatten()
        .all(|(k, v)| labels.get(k).map(String::as_str) == v.as_str());
    let exprs_ok = selector["matchExpressions"]
        .as_array()
        .into_iter()
        .flatten()
        .all(|e| {
            let key = e["key"].as_str().unwrap_or("");
            let values: Vec<&str> = e["values"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(J::as_str)
                .collect();
            match e["operator"].as_str().unwrap_or("") {
                "In" => labels
                    .get(key)
                    .is_some_and(|v| values.contains(&v.as_str())),
                "NotIn" => labels
                    .get(key)
                    .is_none_or(|v| !values.contains(&v.as_str())),
                "Exists" => labels.contains_key(key),
                "DoesNotExist" => !labels.contains_key(key),
                _ => false,
            }
        });
    labels_ok && exprs_ok
}

/// Each `In` value must match pods on its own, not only the list as a whole.
fn selector_problems(
    what: &str,
    ns: &str,
    sel: &J,
    pods: &[(String, BTreeMap<String, String>)],
) -> Vec<String> {
    let here: Vec<&BTreeMap<String, String>> = pods
        .iter()
        .filter(|(n, _)| n == ns)
        .map(|(_, l)| l)
        .collect();
    let mut out = Vec::new();
    if !here.iter().any(|l| matches(sel, l)) {
        out.push(format!("{what}: selector {sel} matches no pod in `{ns}`"));
        return out;
    }
    for (i, e) in sel["matchExpressions"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        if e["operator"] != "In" {
            continue;
        }
        for v in e["values"].as_array().into_iter().flatten() {
            let mut one = sel.clone();
            one["matchExpressions"][i]["values"] = J::Array(vec![v.clone()]);
            if !here.iter().any(|l| matches(&one, l)) {
                out.push(format!(
                    "{what}: `{}` value {v} matches no pod in `{ns}`",
                    e["key"]
                ));
            }
        }
    }
    out
}

/// Every Secret name an object reads, with the namespace it is read in.
fn secret_refs(o: &J, ns: &str, out: &mut Vec<Key>) {
    fn walk(v: &J, ns: &str, skip_secret_name: bool, out: &mut Vec<Key>) {
        match v {
            J::Object(m) => {
                for (k, x) in m {
                    match (k.as_str(), x) {
                        ("secretKeyRef" | "secretRef" | "redisSecret" | "secret", J::Object(r)) => {
                            if let Some(n) = r.get("name").and_then(J::as_str) {
                                out.push((ns.into(), n.into()));
                            }
                            if let Some(n) = r.get("secretName").and_then(J::as_str) {
                                out.push((ns.into(), n.into()));
                            }
                        }
                        ("secretName", J::String(n)) if !skip_secret_name => {
                            out.push((ns.into(), n.clone()))
                        }
                        ("accessKeyId" | "secretAccessKey", J::Object(r)) => {
                            if let Some(n) = r.get("name").and_then(J::as_str) {
                                out.push((ns.into(), n.into()));
                            }
                        }
                        ("dopplerToken", _) => continue, // checked on its own
                        _ => {}
                    }
                    walk(x, ns, skip_secret_name, out);
                }
            }
            J::Array(a) => a.iter().for_each(|x| walk(x, ns, skip_secret_name, out)),
            _ => {}
        }
    }
    // A Certificate's `secretName` is what it writes, not what it reads.
    let produces = kind_of(o) == "Certificate";
    walk(&o["spec"], ns, produces, out);
}

/// `name.ns.svc[.cluster.local]` hosts in any string of the object.
fn service_refs(v: &J, out: &mut Vec<Key>) {
    match v {
        J::String(s) => {
            for word in s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '.')) {
                let parts: Vec<&str> = word.split('.').collect();
                if parts.len() >= 3 && parts[2] == "svc" {
                    out.push((parts[1].into(), parts[0].into()));
                }
            }
        }
        J::Object(m) => m.values().for_each(|x| service_refs(x, out)),
        J::Array(a) => a.iter().for_each(|x| service_refs(x, out)),
        _ => {}
    }
}

/// Every problem the audit finds in one environment's set.
fn audit(set: &EnvSet) -> Vec<String> {
    let mut problems = Vec::new();
    let pods = set.pods();
    let secrets = set.secrets();
    let services = set.services();
    let projects: BTreeSet<String> = set
        .objects
        .iter()
        .filter(|o| kind_of(o) == "AppProject")
        .map(|o| name_of(o))
        .collect();
    for o in &set.objects {
        let what = format!("{} {}/{}", kind_of(o), ns_of(o), name_of(o));
        api_problems(set, o, &what, &mut problems);
        secret_problems(set, o, &what, &secrets, &projects, &mut problems);
        service_problems(o, &what, &services, &mut problems);
        pod_selector_problems(o, &what, &pods, &mut problems);
    }
    problems
}

/// The object's API is served: a CRD from a pinned chart serving this
/// apiVersion, or Argo CD's own.
fn api_problems(set: &EnvSet, o: &J, what: &str, problems: &mut Vec<String>) {
    let kind = kind_of(o);
    let api = o["apiVersion"].as_str().unwrap_or("");
    if !is_builtin_api(api) {
        if api.starts_with("argoproj.io/") {
            let known = catalog::ARGO_CD_APIS
                .iter()
                .any(|a| a.api_version == api && a.kinds.contains(&kind));
            if !known {
                problems.push(format!("{what}: {api} is not an Argo CD API"));
            }
        } else {
            match catalog::owner_of(api) {
                None => problems.push(format!("{what}: no catalogued chart serves {api}")),
                Some(e) => match set.chart(e.kind) {
                    None => problems.push(format!(
                        "{what}: its CRD comes from `{}`, which the env does not install",
                        e.key
                    )),
                    Some(p) => {
                        if p.entry.serves(api, kind, &p.version) != Served::Yes {
                            problems.push(format!(
                                "{what}: {api} is not served by {} chart {}",
                                e.key, p.version
                            ));
                        }
                    }
                },
            }
        }
    }
}

/// Every Secret the object names is created by something in the set, and
/// every Application's project is rendered.
fn secret_problems(
    set: &EnvSet,
    o: &J,
    what: &str,
    secrets: &BTreeSet<Key>,
    projects: &BTreeSet<String>,
    problems: &mut Vec<String>,
) {
    let (kind, ns) = (kind_of(o), ns_of(o));
    let mut refs = Vec::new();
    if kind == "Application" {
        if let Some(values) = o["spec"]["source"]["helm"].get("valuesObject") {
            let chart_ns = o["spec"]["destination"]["namespace"].as_str().unwrap_or("");
            secret_refs(&serde_json::json!({ "spec": values }), chart_ns, &mut refs);
            if let Some(p) = set
                .charts
                .iter()
                .find(|p| Some(p.entry.chart) == o["spec"]["source"]["chart"].as_str())
            {
                for s in ops::chart_secrets(p.entry.kind) {
                    refs.push((chart_ns.into(), (*s).into()));
                }
            }
        }
        let project = o["spec"]["project"].as_str().unwrap_or("");
        if !projects.contains(project) {
            problems.push(format!("{what}: AppProject `{project}` is not rendered"));
        }
    } else if kind == "ClusterSecretStore" {
        let t = &o["spec"]["provider"]["doppler"]["auth"]["secretRef"]["dopplerToken"];
        // The one Secret created by hand (see the README's "before the first sync").
        assert!(
            t["name"].is_string() && t["namespace"].is_string(),
            "{what}: token ref"
        );
    } else {
        secret_refs(o, &ns, &mut refs);
    }
    for (sns, sname) in refs {
        if !secrets.contains(&(sns.clone(), sname.clone())) {
            problems.push(format!(
                "{what}: names Secret {sns}/{sname}, which nothing creates"
            ));
        }
    }
}

/// Every Service the object names (Ingress backends included) exists.
fn service_problems(o: &J, what: &str, services: &BTreeSet<Key>, problems: &mut Vec<String>) {
    let (kind, ns) = (kind_of(o), ns_of(o));
    let mut srefs = Vec::new();
    service_refs(&o["spec"], &mut srefs);
    service_refs(&o["data"], &mut srefs);
    if kind == "Ingress" {
        let mut backends = Vec::new();
        fn backends_of(v: &J, out: &mut Vec<String>) {
            match v {
                J::Object(m) => {
                    if let Some(n) = m
                        .get("service")
                        .and_then(|s| s.get("name"))
                        .and_then(J::as_str)
                    {
                        out.push(n.into());
                    }
                    m.values().for_each(|x| backends_of(x, out));
                }
                J::Array(a) => a.iter().for_each(|x| backends_of(x, out)),
                _ => {}
            }
        }
        backends_of(&o["spec"], &mut backends);
        srefs.extend(backends.into_iter().map(|b| (ns.clone(), b)));
    }
    for (sns, sname) in srefs {
        if !services.contains(&(sns.clone(), sname.clone())) {
            problems.push(format!(
                "{what}: names Service {sns}/{sname}, which nothing creates"
            ));
        }
    }
}

/// Every selector matches pods the set (or its operators) creates.
fn pod_selector_problems(
    o: &J,
    what: &str,
    pods: &[(String, BTreeMap<String, String>)],
    problems: &mut Vec<String>,
) {
    let (kind, ns) = (kind_of(o), ns_of(o));
    match kind {
        "Service" => problems.extend(selector_problems(what, &ns, &o["spec"]["selector"], pods)),
        "PodDisruptionBudget" => {
            problems.extend(selector_problems(what, &ns, &o["spec"]["selector"], pods))
        }
        "NetworkPolicy" => {
            problems.extend(selector_problems(
                what,
                &ns,
                &o["spec"]["podSelector"],
                pods,
            ));
            for rule in o["spec"]["ingress"].as_array().into_iter().flatten() {
                for from in rule["from"].as_array().into_iter().flatten() {
                    if let (Some(sel), None) =
                        (from.get("podSelector"), from.get("namespaceSelector"))
                    {
                        problems.extend(selector_problems(
                            &format!("{what} ingress.from"),
                            &ns,
                            sel,
                            pods,
                        ));
                    }
                }
            }
        }
        _ => {}
    }
}

#[test]
fn every_rendered_environment_would_come_up() {
    let mut envs = 0;
    for (name, bundle) in bundles() {
        for (env, set) in env_sets(&bundle) {
            let problems = audit(&set);
            assert!(
                problems.is_empty(),
                "{name}/{env}:\n{}",
                problems.join("\n")
            );
            envs += 1;
        }
    }
    assert!(envs >= 5, "audited {envs} environments");
}

#[test]
fn the_example_has_everything_the_audit_traces() {
    let (_, bundle) = bundles().into_iter().next().unwrap();
    let sets = env_sets(&bundle);
    let prd = &sets["prd"];
    let kinds: BTreeSet<&str> = prd.objects.iter().map(|o| kind_of(o)).collect();
    for k in [
        "AppProject",
        "Certificate",
        "Issuer",
        "RedisReplication",
        "RedisSentinel",
        "NetworkPolicy",
        "PodDisruptionBudget",
        "ObjectStore",
        "Cluster",
    ] {
        assert!(kinds.contains(k), "prd renders no {k}");
    }
    for k in [
        OperatorKind::CertManager,
        OperatorKind::BarmanCloud,
        OperatorKind::RedisOperator,
        OperatorKind::ExternalSecrets,
    ] {
        assert!(prd.chart(k).is_some(), "prd installs no {k:?}");
    }
    assert!(bundle.files.contains_key("argocd/argocd-cm-patch.yaml"));
}

/// Changes one rendered object; says whether it applied.
type Mutation = Box<dyn Fn(&mut J) -> bool>;

/// The defects the audit exists for, put back into the rendered example: each
/// one must be reported.
#[test]
fn audit_catches_the_defects_it_exists_for() {
    let (_, bundle) = bundles().into_iter().next().unwrap();
    let cases: Vec<(&str, Mutation, &str)> = vec![
        (
            "external-secrets chart 0.14.4 with external-secrets.io/v1",
            Box::new(|o: &mut J| {
                let hit = o["spec"]["source"]["chart"] == "external-secrets";
                if hit {
                    o["spec"]["source"]["targetRevision"] = J::from("0.14.4");
                }
                hit
            }),
            "is not served by external-secrets chart 0.14.4",
        ),
        (
            "a RedisSentinel named <name>-sentinel",
            Box::new(|o: &mut J| {
                let hit = kind_of(o) == "RedisSentinel";
                if hit {
                    let n = format!("{}-sentinel", name_of(o));
                    o["metadata"]["name"] = J::from(n);
                }
                hit
            }),
            "matches no pod",
        ),
        (
            "redis-operator 0.18.1 (no -master Service)",
            Box::new(|o: &mut J| {
                let hit = o["spec"]["source"]["chart"] == "redis-operator";
                if hit {
                    o["spec"]["source"]["targetRevision"] = J::from("0.18.1");
                }
                hit
            }),
            "-master, which nothing creates",
        ),
        (
            "a TLS Secret nothing issues",
            Box::new(|o: &mut J| {
                let hit = kind_of(o) == "Certificate" && name_of(o).ends_with("-tls");
                if hit {
                    o["spec"]["secretName"] = J::from("something-else");
                }
                hit
            }),
            "-tls, which nothing creates",
        ),
        (
            "an AppProject that is not rendered",
            Box::new(|o: &mut J| {
                let hit = kind_of(o) == "AppProject";
                if hit {
                    o["metadata"]["name"] = J::from("example");
                }
                hit
            }),
            "AppProject `example-prd` is not rendered",
        ),
    ];
    for (what, mutate, expected) in cases {
        let mut b = bundle.clone();
        let mut hits = 0;
        for o in b.objects.iter_mut().filter(|o| o.env == "prd") {
            if mutate(&mut o.object.value) {
                hits += 1;
            }
        }
        assert!(hits > 0, "{what}: nothing to mutate");
        let sets = env_sets(&b);
        let problems = audit(&sets["prd"]);
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "{what}: expected a problem containing {expected:?}, got:\n{}",
            problems.join("\n")
        );
    }
}
