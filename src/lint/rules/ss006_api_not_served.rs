use super::super::object::k;
use super::super::later::Verdict;
use super::super::{Context, Finding, Obj, Rule};
use crate::catalog::{self, Served};

declare_rule! {
    /// ## What it flags
    /// An object whose `apiVersion` the operator version pinned in the same set
    /// does not serve: the chart comes from an Argo CD Application or a Flux
    /// HelmRelease (matched by chart name, in the object's environment), and
    /// which chart versions serve which API comes from shipshape's
    /// compatibility catalogue (`shipshape versions`).
    ///
    /// ## Why it matters
    /// The API server refuses the object (`no matches for kind`), or the
    /// operator never reconciles it: every offline check passes and nothing
    /// happens on the cluster.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// # the Application installs chart external-secrets at 0.14.4, and:
    /// apiVersion: external-secrets.io/v1   # first served by 0.16.0
    /// kind: ExternalSecret
    /// ```
    ///
    /// ## Use instead
    /// Upgrade the chart to a version that serves the API (or use the API
    /// version the pinned chart serves).
    ///
    /// ## References
    /// - https://kubernetes.io/docs/reference/using-api/#api-versioning
    pub struct ApiNotServed {
        id: "SS006",
        name: "api-not-served",
        severity: Error,
        summary: "apiVersion not served by the operator version the set pins",
        help: "Pin a chart version that serves this apiVersion, or use the one the pinned chart serves.",
    }
}

impl Rule for ApiNotServed {
    fn check(&self, obj: &Obj, _cx: &Context, out: &mut Vec<Finding>) {
        if obj.is_fragment() {
            return;
        }
        let Some(entry) = catalog::owner_of(obj.api_version) else {
            return;
        };
        // Which chart version the set pins for this folder is known once the
        // set is: decided then, from what is read here (no tree kept).
        let api_version = obj.api_version.to_string();
        let kind = obj.kind.to_string();
        let env = obj.env.clone();
        let dir = obj.doc.dir.clone();
        out.push(Finding::later(&META, obj, vec![vec![k("apiVersion")]], move |set| {
            let Some(pin) = set.cluster.chart_for(entry.kind, env.as_deref(), &dir) else {
                return Vec::new();
            };
            let Some(version) = pin.version else {
                return Vec::new();
            };
            let Served::No { since, until } = entry.serves(&api_version, &kind, &version) else {
                return Vec::new();
            };
            let when = match (since, until) {
                (Some(s), None) => format!("first served by {s}"),
                (Some(s), Some(u)) if s <= version => format!("served from {s} until before {u}"),
                (Some(s), Some(_)) => format!("first served by {s}"),
                _ => "not served by any known release".into(),
            };
            vec![Verdict::at(
                0,
                format!(
                    "`{api_version}` {kind} is not served by {} chart {version} ({} pins it); {when}",
                    entry.key, pin.display
                ),
            )
            .help(format!(
                "pin `{}` at a version that serves `{api_version}` (supported: {}), or use the apiVersion chart {version} serves",
                entry.chart,
                entry.range()
            ))]
        }));
    }
}
