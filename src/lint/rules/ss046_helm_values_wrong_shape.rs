use super::super::{Context, Finding, Obj, Rule};

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

impl Rule for HelmValuesWrongShape {
    /// The values module reads every carrier (inline values, value files,
    /// `valuesFrom`, `helmCharts`) with the chart version it resolves (a
    /// `chartRef` names it through its source), and says which are misshapen.
    fn check(&self, obj: &Obj, _cx: &Context, out: &mut Vec<Finding>) {
        for wrong in &obj.doc.values.wrong_shape {
            let mut f = Finding::new(
                &META,
                obj,
                Vec::new(),
                format!("{}: {}", obj.display(), wrong.why),
            );
            f.span = Some(wrong.at);
            out.push(f);
        }
    }
}
