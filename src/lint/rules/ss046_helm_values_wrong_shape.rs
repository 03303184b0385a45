use super::super::object::k;
use super::super::{Context, Finding, Obj, Rule, RuleMeta, Seg};
use crate::yaml::Node;

declare_rule! {
    /// ## What it flags
    /// Helm values of bjw-s `app-template` shaped for another major version
    /// of the chart than the release pins: 1.x values (a top-level `image`,
    /// `env`, `probes`, `controller.type`) under chart 2 or later, which read
    /// only `controllers:`; or `controllers:` under chart 1.x, which ignores
    /// them.
    ///
    /// ## Why it matters
    /// The chart renders nothing from values it does not read: a version
    /// bump without the values migration deploys no workload at all, and
    /// Helm reports success.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// chart: { spec: { chart: app-template, version: 3.7.3 } }
    /// values:
    ///   image: { repository: ghcr.io/acme/api, tag: 1.2.3 }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// values:
    ///   controllers:
    ///     api:
    ///       containers:
    ///         app:
    ///           image: { repository: ghcr.io/acme/api, tag: 1.2.3 }
    /// ```
    ///
    /// ## References
    /// - https://bjw-s-labs.github.io/helm-charts/docs/app-template/
    pub struct HelmValuesWrongShape {
        id: "SS046",
        name: "helm-values-wrong-shape",
        severity: Error,
        summary: "Helm values shaped for another major version of the chart",
        help: "Migrate the values to the shape of the pinned chart version (see its upgrade notes), or pin the version they were written for.",
    }
}

/// Where a manifest keeps an app-template release: its values, the chart
/// name and the pinned version, as paths.
const CARRIERS: &[(&[&str], &[&str], &[&str])] = &[
    (
        &["spec", "values"],
        &["spec", "chart", "spec", "chart"],
        &["spec", "chart", "spec", "version"],
    ),
    (
        &["spec", "source", "helm", "valuesObject"],
        &["spec", "source", "chart"],
        &["spec", "source", "targetRevision"],
    ),
];

impl Rule for HelmValuesWrongShape {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn check(&self, obj: &Obj, _cx: &Context, out: &mut Vec<Finding>) {
        if !matches!(obj.kind, "HelmRelease" | "Application") {
            return;
        }
        let node = obj.node();
        for (values_at, chart_at, version_at) in CARRIERS {
            let text = |p: &[&str]| node.pointer(p.iter().copied()).and_then(Node::scalar_text);
            let (Some(values), Some("app-template")) = (
                node.pointer(values_at.iter().copied()),
                text(chart_at).as_deref(),
            ) else {
                continue;
            };
            let Some(version) = text(version_at) else {
                continue;
            };
            let major = crate::lint::values::chart_major(Some(&version));
            let v1_shaped = crate::lint::values::app_template_v1_shaped(values);
            let (key, message) = match major {
                Some(m) if m >= 2 && v1_shaped => (
                    "image",
                    format!("{}: the values are shaped for app-template 1.x (a top-level `image`), which chart {version} does not read: it deploys no workload", obj.display()),
                ),
                Some(1) if values.get("controllers").is_some() => (
                    "controllers",
                    format!("{}: chart {version} (app-template 1.x) does not read `controllers`: it deploys none of them", obj.display()),
                ),
                _ => continue,
            };
            let mut path: Vec<Seg> = values_at.iter().map(|s| k(s)).collect();
            path.push(k(key));
            path.push(Seg::KeyNode);
            out.push(Finding::new(&META, obj, path, message));
        }
    }
}
