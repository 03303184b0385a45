use super::super::object::k;
use super::super::later::Verdict;
use super::super::{Context, Finding, Obj, Rule};
use crate::simulate::{facts::WAVE_ANNOTATION, Cause, Model};

declare_rule! {
    /// ## What it flags
    /// An Argo CD Application whose objects wait for something that only a
    /// later sync wave makes: a Secret (read by a workload, an operator's
    /// custom resource or the chart's values, and charts that always mount
    /// one), a ClusterSecretStore, a namespace, or the CRD of a custom
    /// resource; also a namespace nothing creates. Judged by the sync model
    /// (`shipshape simulate`): objects belong to the Application whose
    /// `spec.source.path` is their folder (following kustomization
    /// `resources`), and Applications of one env and cluster form one
    /// app-of-apps.
    ///
    /// ## Why it matters
    /// With waves gated on health, the Application never turns Healthy (its
    /// pods wait in `CreateContainerConfigError`, or the sync fails on a
    /// missing namespace or CRD), so the wave that would make what it waits
    /// for never starts: the environment never comes up, from the first sync.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// # wave -2: the External-DNS chart reads Secret cloudflare-api-token
    /// # wave -1: the ExternalSecret that writes cloudflare-api-token
    /// ```
    ///
    /// ## Use instead
    /// Order waves by what objects need: the operators that make things
    /// (External Secrets, cert-manager), then the stores and ExternalSecrets,
    /// then everything that reads them. Objects going to another namespace than
    /// the Application's destination bring their Namespace with them.
    ///
    /// ## References
    /// - https://argo-cd.readthedocs.io/en/stable/user-guide/sync-waves/
    /// - shipshape simulate --help
    pub struct SyncWaveDeadlock {
        id: "SS061",
        name: "sync-wave-deadlock",
        severity: Error,
        summary: "Application waits for something only a later sync wave makes",
        help: "Move what is needed to an earlier wave, or the Application to a later one.",
    }
}

impl Rule for SyncWaveDeadlock {
    fn check(&self, obj: &Obj, _cx: &Context, out: &mut Vec<Finding>) {
        let Some(app) = Model::app_key(obj) else {
            return;
        };
        let path = if obj.annotation(WAVE_ANNOTATION).is_some() {
            vec![k("metadata"), k("annotations"), k(WAVE_ANNOTATION)]
        } else {
            vec![k("spec"), k("source")]
        };
        out.push(Finding::later(&META, obj, vec![path], move |set| {
            set.cluster
                .sync
                .blocks_for(&app, Cause::Deadlock)
                .into_iter()
                .map(|b| Verdict::at(0, b.message.clone()).help(b.fix.clone()))
                .collect()
        }));
    }
}
