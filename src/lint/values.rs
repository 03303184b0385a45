//! Helm values as the objects they become, so every rule applies to them and
//! findings point at the values node. One adapter per chart family; values of
//! charts no adapter knows are not guessed at, only counted.
//!
//! bjw-s `app-template` (the chart behind most HelmReleases of home-lab and
//! platform repositories): `controllers.<c>.containers.<k>` become the containers
//! of a `Deployment` (or the controller's `type`), with `image.repository`/`tag`,
//! `env` as a map or a list, `envFrom`, `args`, `probes` (on unless disabled),
//! `resources` and `securityContext`. Found in a Flux HelmRelease's
//! `spec.values`, an Argo CD Application's `helm.valuesObject`, or a wrapper
//! chart's `values.yaml` under `app-template:`.

use crate::yaml::{Node, Span, Value};

fn str_node(s: &str, span: Span) -> Node {
    Node {
        value: Value::Str(s.to_string()),
        span,
    }
}

fn map_node(entries: Vec<(&str, Node)>, span: Span) -> Node {
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

/// Where the app-template values of a document are, if it has any.
pub fn app_template_values(doc: &Node) -> Option<&Node> {
    let kind = doc.get("kind").and_then(Node::as_str);
    let candidates: Vec<&Node> = match kind {
        Some("HelmRelease") => doc.pointer(["spec", "values"]).into_iter().collect(),
        Some("Application") => {
            let mut v: Vec<&Node> = doc
                .pointer(["spec", "source", "helm", "valuesObject"])
                .into_iter()
                .collect();
            for s in doc
                .pointer(["spec", "sources"])
                .and_then(Node::as_seq)
                .unwrap_or_default()
            {
                v.extend(s.pointer(["helm", "valuesObject"]));
            }
            v
        }
        Some(_) => Vec::new(),
        // A wrapper chart's values.yaml: the dependency's key, or the values themselves.
        None => [doc.get("app-template"), Some(doc)]
            .into_iter()
            .flatten()
            .collect(),
    };
    candidates.into_iter().find(|v| {
        v.get("controllers")
            .and_then(Node::as_map)
            .is_some_and(|cs| {
                cs.iter()
                    .any(|(_, c)| c.get("containers").and_then(Node::as_map).is_some())
            })
    })
}

/// `env` of app-template: a map (`NAME: value` or `NAME: { value | valueFrom }`)
/// or a Kubernetes list; as a Kubernetes list, keeping every node's span.
fn env_list(env: &Node) -> Node {
    match &env.value {
        Value::Map(entries) => Node {
            value: Value::Seq(
                entries
                    .iter()
                    .map(|(k, v)| {
                        let mut fields = vec![("name", k.clone())];
                        match &v.value {
                            Value::Map(inner) => {
                                for (ik, iv) in inner {
                                    if let Some(key) = ik.as_str() {
                                        if matches!(key, "value" | "valueFrom") {
                                            fields.push((
                                                if key == "value" { "value" } else { "valueFrom" },
                                                iv.clone(),
                                            ));
                                        }
                                    }
                                }
                            }
                            _ => fields.push(("value", v.clone())),
                        }
                        map_node(fields, k.span)
                    })
                    .collect(),
            ),
            span: env.span,
        },
        _ => env.clone(),
    }
}

/// A probe of app-template: on by default (a TCP probe on the main port), off
/// with `enabled: false`; `custom: true` brings its own `spec`.
fn probe(c: &Node, which: &str, span: Span) -> Option<Node> {
    let p = c.pointer(["probes", which]);
    if p.and_then(|p| p.get("enabled"))
        .and_then(|e| match e.value {
            Value::Bool(b) => Some(b),
            _ => None,
        })
        == Some(false)
    {
        return None;
    }
    Some(
        p.and_then(|p| p.get("spec"))
            .cloned()
            .unwrap_or_else(|| map_node(vec![("tcpSocket", map_node(vec![], span))], span)),
    )
}

/// The objects app-template values become: one workload per controller.
pub fn app_template_objects(doc: &Node, values: &Node) -> Vec<Node> {
    let release = doc
        .pointer(["metadata", "name"])
        .and_then(Node::as_str)
        .unwrap_or("app");
    // An Application deploys into its destination; a HelmRelease into its
    // target namespace, else its own.
    let namespace = doc
        .pointer(["spec", "destination", "namespace"])
        .or_else(|| doc.pointer(["spec", "targetNamespace"]))
        .or_else(|| doc.pointer(["metadata", "namespace"]))
        .cloned();
    let labels = doc.pointer(["metadata", "labels"]).cloned();
    let mut out = Vec::new();
    for (cname, controller) in values
        .get("controllers")
        .and_then(Node::as_map)
        .unwrap_or_default()
    {
        let Some(containers) = controller.get("containers").and_then(Node::as_map) else {
            continue;
        };
        let span = cname.span;
        let kind = match controller.get("type").and_then(Node::as_str) {
            Some("statefulset") => "StatefulSet",
            Some("daemonset") => "DaemonSet",
            Some("cronjob") => "CronJob",
            Some("job") => "Job",
            _ => "Deployment",
        };
        let mut list = Vec::new();
        for (name, c) in containers {
            let mut fields: Vec<(&str, Node)> = vec![("name", name.clone())];
            if let Some(img) = c.get("image") {
                let repo = img.get("repository").and_then(Node::as_str).unwrap_or("");
                let tag_node = img.get("tag");
                let tag = tag_node.and_then(Node::scalar_text);
                let text = match &tag {
                    Some(t) if t.starts_with("sha256:") => format!("{repo}@{t}"),
                    Some(t) => format!("{repo}:{t}"),
                    None => repo.to_string(),
                };
                let at = tag_node.map_or(img.span, |t| t.span);
                fields.push(("image", str_node(&text, at)));
            }
            if let Some(env) = c.get("env") {
                fields.push(("env", env_list(env)));
            }
            for key in ["envFrom", "args", "command", "resources", "securityContext"] {
                if let Some(v) = c.get(key) {
                    fields.push((key, v.clone()));
                }
            }
            for (which, key) in [
                ("readiness", "readinessProbe"),
                ("liveness", "livenessProbe"),
            ] {
                if let Some(p) = probe(c, which, name.span) {
                    fields.push((key, p));
                }
            }
            list.push(map_node(fields, name.span));
        }
        let containers = Node {
            value: Value::Seq(list),
            span,
        };
        let mut pod_spec = vec![("containers", containers)];
        if let Some(sc) = values.pointer(["defaultPodOptions", "securityContext"]) {
            pod_spec.push(("securityContext", sc.clone()));
        }
        // app-template names a controller's objects after the release, and
        // adds the controller's name when the two differ.
        let cn = cname.as_str().unwrap_or("main");
        let name = if cn == release {
            release.to_string()
        } else {
            format!("{release}-{cn}")
        };
        let mut meta = vec![("name", str_node(&name, span))];
        if let Some(ns) = &namespace {
            meta.push(("namespace", ns.clone()));
        }
        if let Some(l) = &labels {
            meta.push(("labels", l.clone()));
        }
        if let Some(a) = controller.get("annotations") {
            meta.push(("annotations", a.clone()));
        }
        let selector = map_node(
            vec![(
                "matchLabels",
                map_node(
                    vec![(
                        "app.kubernetes.io/controller",
                        str_node(cname.as_str().unwrap_or("main"), span),
                    )],
                    span,
                ),
            )],
            span,
        );
        let template = map_node(vec![("spec", map_node(pod_spec, span))], span);
        let mut spec = vec![("selector", selector)];
        if let Some(r) = controller.get("replicas") {
            spec.push(("replicas", r.clone()));
        }
        let workload_spec = if kind == "CronJob" {
            map_node(
                vec![(
                    "jobTemplate",
                    map_node(
                        vec![("spec", map_node(vec![("template", template)], span))],
                        span,
                    ),
                )],
                span,
            )
        } else {
            spec.push(("template", template));
            map_node(spec, span)
        };
        out.push(map_node(
            vec![
                (
                    "apiVersion",
                    str_node(
                        if matches!(kind, "CronJob" | "Job") {
                            "batch/v1"
                        } else {
                            "apps/v1"
                        },
                        span,
                    ),
                ),
                ("kind", str_node(kind, span)),
                ("metadata", map_node(meta, span)),
                ("spec", workload_spec),
            ],
            span,
        ));
    }
    out
}

/// A HelmRelease or Application with Helm values that no adapter reads.
pub fn unread(doc: &Node) -> bool {
    let values = match doc.get("kind").and_then(Node::as_str) {
        Some("HelmRelease") => doc.pointer(["spec", "values"]),
        Some("Application") => doc.pointer(["spec", "source", "helm", "valuesObject"]),
        _ => None,
    };
    values.and_then(Node::as_map).is_some_and(|m| !m.is_empty())
        && app_template_values(doc).is_none()
}
