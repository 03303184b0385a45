use super::super::object::k;
use super::super::{Context, Finding, Obj, Rule, Seg};

use crate::yaml::Node;

declare_rule! {
    /// ## What it flags
    /// In production: a CloudNativePG `Cluster` with neither `spec.backup` nor a
    /// WAL-archiving plugin (the Barman Cloud plugin).
    ///
    /// ## Why it matters
    /// Replicas protect against a lost node, not against a bad migration or a
    /// deleted namespace; without base backups and WAL there is no point in time
    /// to restore to.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// kind: Cluster
    /// spec: { instances: 2 }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   plugins:
    ///     - name: barman-cloud.cloudnative-pg.io
    ///       isWALArchiver: true
    ///       parameters: { barmanObjectName: pg-backup }
    /// ```
    ///
    /// ## References
    /// - https://cloudnative-pg.io/documentation/current/backup/
    pub struct PostgresNoBackup {
        id: "SS051",
        name: "postgres-no-backup",
        severity: Error,
        summary: "production PostgreSQL without backups",
        help: "Configure backups: the Barman Cloud plugin as WAL archiver plus a ScheduledBackup.",
    }
}

impl Rule for PostgresNoBackup {
    fn check(&self, obj: &Obj, _cx: &Context, out: &mut Vec<Finding>) {
        if !obj.production || !obj.is("postgresql.cnpg.io/", "Cluster") || obj.is_fragment() {
            return;
        }
        let archiver = obj
            .get("spec.plugins")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .any(|p| p.get("isWALArchiver").and_then(Node::as_bool) == Some(true));
        if obj.get("spec.backup").is_none() && !archiver {
            out.push(Finding::new(
                &META,
                obj,
                vec![k("spec"), Seg::KeyNode],
                format!("{} has no backup configuration", obj.display()),
            ));
        }
    }
}
