//! bjw-s `app-template` (the chart behind most HelmReleases of home-lab and
//! platform repositories): `controllers.<c>.containers.<k>` become the containers
//! of a `Deployment` (or the controller's `type`), with `image.repository`/`tag`,
//! `env` as a map or a list, `envFrom`, `args`, `probes` (as the chart version
//! turns them on),
//! `resources` and `securityContext`; `service.<s>`, `ingress.<i>` and
//! `route.<r>` become Services, Ingresses and HTTPRoutes with their annotations
//! (External-DNS reads them); `configMaps.<m>` and `secrets.<s>` become their
//! objects (credentials written into them are checked like any other).
//!
//! Names follow the chart: an item whose identifier is the release's name, or
//! the only one of its kind, is named after the release; others get
//! `<release>-<identifier>`.

use super::{enabled, map_node, object, seq_node, str_node, Made, Release};
use crate::yaml::{Node, Span, Value};

/// The values are app-template's: named so, or shaped so (controllers with containers).
fn is_app_template(r: &Release) -> bool {
    match r.chart {
        Some("app-template") => true,
        Some(_) => false,
        None => r
            .values
            .get("controllers")
            .and_then(Node::as_map)
            .is_some_and(|cs| {
                cs.iter()
                    .any(|(_, c)| c.get("containers").and_then(Node::as_map).is_some())
            }),
    }
}

/// The enabled items of a values map (`controllers`, `service`, …).
pub(super) fn items<'a>(values: &'a Node, key: &str) -> Vec<(&'a Node, &'a Node)> {
    values
        .get(key)
        .and_then(Node::as_map)
        .unwrap_or_default()
        .iter()
        .filter(|(_, v)| v.as_map().is_some() && enabled(v.get("enabled")))
        .map(|(k, v)| (k, v))
        .collect()
}

/// The chart's name for an item: the release's own, or `<release>-<id>`.
pub(super) fn item_name(release: &str, id: &str, only: bool) -> String {
    if id == release || only {
        release.to_string()
    } else {
        format!("{release}-{id}")
    }
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
                                    match ik.as_str() {
                                        Some("value") => fields.push(("value", iv.clone())),
                                        Some("valueFrom") => fields.push(("valueFrom", iv.clone())),
                                        _ => {}
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

/// Whether the chart version probes the main container by default. The
/// common library renders a probe only when its values say `enabled: true`
/// (`_probes.tpl`, 2.x to 4.x); from 3.0 no probe is enabled by default,
/// while 2.x's `values.yaml` enables liveness, readiness and startup for
/// `controllers.main.containers.main` only (1.x: the one container). A chart
/// version that is not stated is read as the newest.
fn main_probed_by_default(version: Option<&str>) -> bool {
    matches!(major(version), Some(1 | 2))
}

/// A probe of app-template, when the chart renders one: enabled in the values
/// (or by the 2.x default of the main container); `custom: true` brings its
/// own `spec`, otherwise the chart probes the controller's primary Service
/// port and renders nothing without one.
fn probe(c: &Node, which: &str, span: Span, default_on: bool, has_service: bool) -> Option<Node> {
    let p = c.pointer(["probes", which]);
    let on = match p.and_then(|p| p.get("enabled")) {
        Some(e) => e.as_bool() == Some(true),
        None => default_on,
    };
    if !on {
        return None;
    }
    let custom = p.and_then(|p| p.get("custom")).and_then(Node::as_bool) == Some(true);
    match p.and_then(|p| p.get("spec")) {
        Some(spec) if custom => Some(spec.clone()),
        _ if !has_service => None,
        _ => Some(map_node(vec![("tcpSocket", map_node(vec![], span))], span)),
    }
}

/// Whether a controller has a Service the chart can probe: one that names it,
/// or names no controller when it is the only one.
fn has_service(values: &Node, controller: &str, only: bool) -> bool {
    items(values, "service")
        .iter()
        .any(|(_, s)| match s.get("controller").and_then(Node::as_str) {
            Some(c) => c == controller,
            None => only,
        })
}

/// The pod labels app-template gives a controller's pods (and its Services select).
fn pod_labels(release: &str, controller: &str, span: Span) -> Node {
    map_node(
        vec![
            ("app.kubernetes.io/controller", str_node(controller, span)),
            ("app.kubernetes.io/instance", str_node(release, span)),
            ("app.kubernetes.io/name", str_node(release, span)),
        ],
        span,
    )
}

/// A controller's `defaultContainerOptions` (chart 3 and later): each option
/// a container does not set is taken from them (`overwrite`), or maps are
/// merged with the container's keys first (`merge`); init containers get them
/// unless `applyDefaultContainerOptionsToInitContainers: false`.
struct ContainerDefaults<'a> {
    options: Option<&'a Node>,
    merge: bool,
    to_init: bool,
}

const CONTAINER_OPTIONS: &[&str] = &[
    "image",
    "command",
    "args",
    "env",
    "envFrom",
    "resources",
    "securityContext",
];

impl<'a> ContainerDefaults<'a> {
    fn of(controller: &'a Node) -> Self {
        ContainerDefaults {
            options: controller
                .get("defaultContainerOptions")
                .filter(|o| o.as_map().is_some()),
            merge: controller
                .get("defaultContainerOptionsStrategy")
                .and_then(Node::as_str)
                == Some("merge"),
            to_init: controller
                .get("applyDefaultContainerOptionsToInitContainers")
                .and_then(Node::as_bool)
                != Some(false),
        }
    }

    /// A container's values with the defaults applied.
    fn apply(&self, c: &Node, init: bool) -> Node {
        let Some(options) = self.options.filter(|_| !init || self.to_init) else {
            return c.clone();
        };
        let mut entries: Vec<(Node, Node)> = c.as_map().unwrap_or_default().to_vec();
        for key in CONTAINER_OPTIONS {
            let Some((dk, dv)) = options.entry(key) else {
                continue;
            };
            if matches!(dv.value, Value::Null) {
                continue;
            }
            match entries.iter_mut().find(|(k, _)| k.as_str() == Some(key)) {
                None => entries.push((dk.clone(), dv.clone())),
                // `key: null` unsets the container's own value.
                Some((_, own)) if matches!(own.value, Value::Null) => *own = dv.clone(),
                Some((_, own)) if self.merge => {
                    if let (Some(o), Some(d)) = (own.as_map(), dv.as_map()) {
                        let mut merged = o.to_vec();
                        for (k, v) in d {
                            if !o.iter().any(|(ok, _)| ok.as_str() == k.as_str()) {
                                merged.push((k.clone(), v.clone()));
                            }
                        }
                        own.value = Value::Map(merged.into());
                    }
                }
                Some(_) => {}
            }
        }
        Node {
            value: Value::Map(entries.into()),
            span: c.span,
        }
    }
}

/// A container of app-template as Kubernetes reads it; `probes` says whether
/// it is a main container (chart 2's default probes) and whether its
/// controller has a Service to probe (`None`: an init container, no probes).
fn container(name: &Node, c: &Node, probes: Option<(bool, bool)>) -> Node {
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
    if let Some((main, has_service)) = probes {
        for (which, key) in [
            ("readiness", "readinessProbe"),
            ("liveness", "livenessProbe"),
        ] {
            if let Some(p) = probe(c, which, name.span, main, has_service) {
                fields.push((key, p));
            }
        }
    }
    map_node(fields, name.span)
}

/// One workload per controller.
fn workloads(r: &Release) -> Vec<Node> {
    let release = r.name.as_str();
    let values = r.values;
    let controllers = items(values, "controllers");
    let only = controllers.len() == 1;
    let main_probed = main_probed_by_default(r.version);
    let mut out = Vec::new();
    for (cname, controller) in controllers {
        let Some(containers) = controller.get("containers").and_then(Node::as_map) else {
            continue;
        };
        let cn = cname.as_str().unwrap_or("main");
        let probed = has_service(values, cn, only);
        let span = cname.span;
        let kind = match controller.get("type").and_then(Node::as_str) {
            Some("statefulset") => "StatefulSet",
            Some("daemonset") => "DaemonSet",
            Some("cronjob") => "CronJob",
            Some("job") => "Job",
            _ => "Deployment",
        };
        let options = ContainerDefaults::of(controller);
        let main_defaults = main_probed && cn == "main";
        let list: Vec<Node> = containers
            .iter()
            .map(|(name, c)| {
                let main = main_defaults && name.as_str() == Some("main");
                container(name, &options.apply(c, false), Some((main, probed)))
            })
            .collect();
        let inits: Vec<Node> = controller
            .get("initContainers")
            .and_then(Node::as_map)
            .unwrap_or_default()
            .iter()
            .filter(|(_, c)| c.as_map().is_some() && enabled(c.get("enabled")))
            .map(|(name, c)| container(name, &options.apply(c, true), None))
            .collect();
        let containers = Node {
            value: Value::Seq(list.into()),
            span,
        };
        let mut pod_spec = vec![("containers", containers)];
        if !inits.is_empty() {
            pod_spec.push(("initContainers", seq_node(inits, span)));
        }
        // The controller's `pod` options over `defaultPodOptions`.
        if let Some(sc) = controller
            .pointer(["pod", "securityContext"])
            .or_else(|| values.pointer(["defaultPodOptions", "securityContext"]))
        {
            pod_spec.push(("securityContext", sc.clone()));
        }
        let volumes = super::app_template_storage::volumes(r, cn);
        if !volumes.is_empty() {
            pod_spec.push(("volumes", seq_node(volumes, span)));
        }
        let name = item_name(release, cn, only);
        let labels = pod_labels(release, cn, span);
        let selector = map_node(vec![("matchLabels", labels.clone())], span);
        let mut pod_meta = vec![("labels", labels)];
        if let Some(a) = controller
            .pointer(["pod", "annotations"])
            .or_else(|| values.pointer(["defaultPodOptions", "annotations"]))
        {
            pod_meta.push(("annotations", a.clone()));
        }
        let template = map_node(
            vec![
                ("metadata", map_node(pod_meta, span)),
                ("spec", map_node(pod_spec, span)),
            ],
            span,
        );
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
        let api_version = if matches!(kind, "CronJob" | "Job") {
            "batch/v1"
        } else {
            "apps/v1"
        };
        out.push(object(
            api_version,
            kind,
            &name,
            r,
            controller.get("annotations"),
            vec![("spec", workload_spec)],
            span,
        ));
    }
    out
}

/// Services select the pods of their `controller` (the only one when unset).
fn services(r: &Release) -> Vec<Node> {
    let controllers = items(r.values, "controllers");
    let services = items(r.values, "service");
    let only = services.len() == 1;
    let mut out = Vec::new();
    for (id, svc) in &services {
        let span = id.span;
        let id = id.as_str().unwrap_or("main");
        let controller = svc
            .get("controller")
            .and_then(Node::as_str)
            .or_else(|| match controllers.as_slice() {
                [(c, _)] => c.as_str(),
                _ => None,
            });
        let mut spec = Vec::new();
        if let Some(t) = svc.get("type") {
            spec.push(("type", t.clone()));
        }
        if let Some(c) = controller {
            spec.push(("selector", pod_labels(&r.name, c, span)));
        }
        let ports: Vec<Node> = svc
            .get("ports")
            .and_then(Node::as_map)
            .unwrap_or_default()
            .iter()
            .filter(|(_, p)| enabled(p.get("enabled")))
            .map(|(name, p)| {
                let mut fields = vec![("name", name.clone())];
                if let Some(port) = p.get("port") {
                    fields.push(("port", port.clone()));
                }
                map_node(fields, name.span)
            })
            .collect();
        spec.push(("ports", seq_node(ports, span)));
        out.push(object(
            "v1",
            "Service",
            &item_name(&r.name, id, only),
            r,
            svc.get("annotations"),
            vec![("spec", map_node(spec, span))],
            span,
        ));
    }
    out
}

/// Ingresses and HTTPRoutes: their annotations and host names (what
/// External-DNS reads), not their backends, which name the chart's Services by
/// identifier.
fn routes(r: &Release) -> Vec<Node> {
    let mut out = Vec::new();
    for (key, api_version, kind) in [
        ("ingress", "networking.k8s.io/v1", "Ingress"),
        ("route", "gateway.networking.k8s.io/v1", "HTTPRoute"),
    ] {
        let list = items(r.values, key);
        let only = list.len() == 1;
        for (id, item) in &list {
            let span = id.span;
            let mut spec = Vec::new();
            if let Some(c) = item.get("className") {
                spec.push(("ingressClassName", c.clone()));
            }
            if kind == "Ingress" {
                let rules: Vec<Node> = item
                    .get("hosts")
                    .and_then(Node::as_seq)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|h| h.get("host"))
                    .map(|h| map_node(vec![("host", h.clone())], h.span))
                    .collect();
                spec.push(("rules", seq_node(rules, span)));
                if let Some(tls) = item.get("tls") {
                    spec.push(("tls", tls.clone()));
                }
            } else if let Some(h) = item.get("hostnames") {
                spec.push(("hostnames", h.clone()));
            }
            out.push(object(
                api_version,
                kind,
                &item_name(&r.name, id.as_str().unwrap_or("main"), only),
                r,
                item.get("annotations"),
                vec![("spec", map_node(spec, span))],
                span,
            ));
        }
    }
    out
}

/// `configMaps.<m>.data` and `secrets.<s>.stringData`: what is written into
/// them is in Git.
fn config_objects(r: &Release) -> Vec<Node> {
    let mut out = Vec::new();
    for (key, kind, data) in [
        ("configMaps", "ConfigMap", "data"),
        ("secrets", "Secret", "stringData"),
    ] {
        let list = items(r.values, key);
        let only = list.len() == 1;
        for (id, item) in &list {
            let Some(d) = item.get(data) else { continue };
            out.push(object(
                "v1",
                kind,
                &item_name(&r.name, id.as_str().unwrap_or("main"), only),
                r,
                item.get("annotations"),
                vec![(data, d.clone())],
                id.span,
            ));
        }
    }
    out
}

pub(super) fn claims(r: &Release) -> bool {
    is_app_template(r)
}

/// The values of app-template 1.x (and of the k8s-at-home common-library
/// charts, which share the shape): one workload from top-level `image`,
/// `env`, `probes`, `resources`, `securityContext`, `controller.type` and
/// `controller.replicas`, `podSecurityContext`, `initContainers`, and the
/// `service.main` the chart enables by default.
fn is_v1(r: &Release) -> bool {
    v1_shaped(r.values) && major(r.version).is_none_or(|m| m < 2)
}

/// Values in the 1.x shape: a top-level `image.repository`, no `controllers`.
fn v1_shaped(values: &Node) -> bool {
    values.get("controllers").is_none()
        && values
            .get("image")
            .is_some_and(|i| i.get("repository").is_some())
}

/// The major version of a chart version (`v3.7.3`, `3.7.3` → 3).
fn major(version: Option<&str>) -> Option<u32> {
    version
        .map(|v| v.trim_start_matches('v'))
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse::<u32>().ok())
}

/// 1.x values in the shape of later charts, so one builder reads both: every
/// node keeps its span, so findings point at the values as written.
fn v1_as_controllers(v: &Node) -> Node {
    let span = v.span;
    let mut controller = vec![("containers", map_node(vec![("main", v.clone())], span))];
    for (from, to) in [("type", "type"), ("replicas", "replicas")] {
        if let Some(n) = v.pointer(["controller", from]) {
            controller.push((to, n.clone()));
        }
    }
    if let Some(sc) = v.get("podSecurityContext") {
        controller.push(("pod", map_node(vec![("securityContext", sc.clone())], span)));
    }
    // 1.x init containers are Kubernetes container specs by name.
    if let Some(inits) = v.get("initContainers").and_then(Node::as_map) {
        let converted = inits
            .iter()
            .map(|(k, c)| {
                let mut c = c.clone();
                if let Some(image) = c.get("image").filter(|i| i.as_str().is_some()) {
                    let image = image.clone();
                    if let Value::Map(entries) = &mut c.value {
                        let mut e = entries.to_vec();
                        e.retain(|(k, _)| k.as_str() != Some("image"));
                        e.push((
                            str_node("image", image.span),
                            map_node(vec![("repository", image.clone())], image.span),
                        ));
                        *entries = e.into();
                    }
                }
                (k.clone(), c)
            })
            .collect::<Vec<_>>();
        controller.push((
            "initContainers",
            Node {
                value: Value::Map(converted.into()),
                span,
            },
        ));
    }
    let service_main_off = v
        .pointer(["service", "main", "enabled"])
        .and_then(Node::as_bool)
        == Some(false);
    let mut entries = vec![(
        "controllers",
        map_node(vec![("main", map_node(controller, span))], span),
    )];
    if !service_main_off {
        entries.push((
            "service",
            map_node(
                vec![(
                    "main",
                    map_node(vec![("controller", str_node("main", span))], span),
                )],
                span,
            ),
        ));
    }
    map_node(entries, span)
}

/// Values of app-template shaped for another major version than the
/// pinned one, which the chart then ignores: 1.x values (a top-level
/// `image`) under chart 2 or later, or `controllers` under chart 1.x.
pub(super) fn wrong_shape(r: &Release) -> Option<super::Unread> {
    if r.chart != Some("app-template") {
        return None;
    }
    let version = r.version?;
    let (key, why) = match major(Some(version))? {
        m if m >= 2 && v1_shaped(r.values) => (
            "image",
            format!("the values are shaped for app-template 1.x (a top-level `image`), which chart {version} does not read: it deploys no workload"),
        ),
        1 if r.values.get("controllers").is_some() => (
            "controllers",
            format!("chart {version} (app-template 1.x) does not read `controllers`: it deploys none of them"),
        ),
        _ => return None,
    };
    let (k, _) = r.values.entry(key)?;
    Some(super::Unread { at: k.span, why })
}

pub(super) fn build(r: &Release) -> Vec<Made> {
    if is_v1(r) {
        let values = v1_as_controllers(r.values);
        let v1 = Release {
            values: &values,
            version: Some("1"),
            ..r.clone()
        };
        return workloads(&v1).into_iter().map(Made::from).collect();
    }
    // 1.x reads no `controllers`: nothing is deployed (SS046 says so).
    if major(r.version) == Some(1) {
        return Vec::new();
    }
    let mut out = workloads(r);
    out.extend(services(r));
    out.extend(routes(r));
    out.extend(config_objects(r));
    out.extend(super::app_template_storage::claims(r));
    out.into_iter().map(Made::from).collect()
}
