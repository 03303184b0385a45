use super::super::object::k;
use super::super::later::Verdict;
use super::super::{Context, Finding, Obj, Rule};
use super::{related, secret_refs};

declare_rule! {
    /// ## What it flags
    /// A Deployment, StatefulSet or DaemonSet that reads a Secret written by an
    /// ExternalSecret in the set, without a Stakater Reloader annotation
    /// (`reloader.stakater.com/auto`, `secret.reloader.stakater.com/reload` or
    /// `reloader.stakater.com/search`) on the workload or its pod template (Reloader
    /// reads both). Silent when the project declares Reloader `auto-reload-all`.
    ///
    /// ## Why it matters
    /// Doppler rotates the password, ESO updates the Secret, and the pods keep the
    /// old value until they restart for some other reason.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// kind: Deployment
    /// metadata: { name: api }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// metadata:
    ///   annotations: { reloader.stakater.com/auto: "true" }
    /// ```
    ///
    /// ## References
    /// - https://github.com/stakater/Reloader
    pub struct SecretConsumerNotReloaded {
        id: "SS024",
        name: "secret-consumer-not-reloaded",
        severity: Warning,
        summary: "workload reads a synced Secret but is not restarted on change",
        help: "Annotate the workload with `reloader.stakater.com/auto: \"true\"`.",
    }
}

const ANNOTATIONS: [&str; 3] = [
    "reloader.stakater.com/auto",
    "secret.reloader.stakater.com/reload",
    "reloader.stakater.com/search",
];

impl Rule for SecretConsumerNotReloaded {
    fn check(&self, obj: &Obj, cx: &Context, out: &mut Vec<Finding>) {
        if cx.settings.reloader_auto_all || !obj.is_workload() || obj.is_fragment() {
            return;
        }
        let on_template = |a: &str| {
            obj.get("spec.template.metadata.annotations")
                .and_then(|m| m.get(a))
                .and_then(crate::yaml::Node::as_str)
        };
        if ANNOTATIONS.iter().any(|a| {
            obj.annotation(a)
                .or_else(|| on_template(a))
                .is_some_and(|v| v != "false")
        }) {
            return;
        }
        let refs = secret_refs(obj);
        // A workload that reads no Secret needs nothing from the set (asking
        // would keep its tree to the end of the run).
        if refs.is_empty() {
            return;
        }
        // Whether an ExternalSecret syncs one of them is known once the set
        // is: decided then, from what is read here (the tree is not kept).
        let names: Vec<String> = refs.into_iter().map(|(name, _, _)| name).collect();
        let namespace = obj.namespace.map(str::to_string);
        let dir = obj.doc.dir.clone();
        let display = obj.display();
        out.push(Finding::later(&META, obj, vec![vec![k("metadata")]], move |set| {
            let synced = names.iter().find(|name| {
                set.produced.named(name).iter().any(|p| {
                    p.by_external_secret
                        && related(p.namespace.as_deref(), &p.dir, namespace.as_deref(), &dir)
                })
            });
            synced
                .map(|first| Verdict::at(0, format!("{display} reads Secret `{first}` synced by an ExternalSecret but has no Reloader annotation")))
                .into_iter()
                .collect()
        }));
    }
}
