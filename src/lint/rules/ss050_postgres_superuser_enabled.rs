use super::super::object::k;
use super::super::{Context, Finding, Obj, Rule};

declare_rule! {
    /// ## What it flags
    /// A CloudNativePG `Cluster` with `enableSuperuserAccess: true`.
    ///
    /// ## Why it matters
    /// The operator then keeps a `postgres` superuser password in a Secret; any
    /// workload that can read it owns every database in the cluster.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// spec: { enableSuperuserAccess: true }
    /// ```
    ///
    /// ## Use instead
    /// `enableSuperuserAccess: false` (the default) and an application owner role.
    ///
    /// ## References
    /// - https://cloudnative-pg.io/documentation/current/security/
    pub struct PostgresSuperuserEnabled {
        id: "SS050",
        name: "postgres-superuser-enabled",
        severity: Error,
        summary: "CloudNativePG superuser access enabled",
        help: "Set `enableSuperuserAccess: false` and connect as the application owner.",
    }
}

impl Rule for PostgresSuperuserEnabled {
    fn check(&self, obj: &Obj, _cx: &Context, out: &mut Vec<Finding>) {
        if obj.is("postgresql.cnpg.io/", "Cluster")
            && obj
                .get("spec.enableSuperuserAccess")
                .and_then(|n| n.as_bool())
                == Some(true)
        {
            out.push(Finding::new(
                &META,
                obj,
                vec![k("spec"), k("enableSuperuserAccess")],
                format!("{} enables superuser access", obj.display()),
            ));
        }
    }
}
