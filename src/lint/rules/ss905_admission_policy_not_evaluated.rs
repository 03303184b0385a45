//! Reported by the engine, not by a check of its own: this file is its
//! documentation and metadata.

declare_rule! {
    /// ## What it flags
    /// A ValidatingAdmissionPolicy among the linted files (with a binding)
    /// that shipshape cannot evaluate offline: an expression asks the
    /// `authorizer` (only the API server knows who may do what), or an
    /// expression does not compile in the CEL environment shipshape has.
    ///
    /// ## Why it matters
    /// The cluster will run the policy; CI did not. Objects it would refuse
    /// pass the gate, so the gate says so instead of passing in silence.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// validations:
    ///   - expression: "authorizer.group('apps').resource('deployments').check('update').allowed()"
    /// ```
    ///
    /// ## Use instead
    /// Nothing to change in the policy: review what it guards by hand, or
    /// suppress this finding with a reason.
    ///
    /// ## References
    /// - https://kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/
    pub struct AdmissionPolicyNotEvaluated {
        id: "SS905",
        name: "admission-policy-not-evaluated",
        severity: Warning,
        summary: "ValidatingAdmissionPolicy that cannot be evaluated offline",
        help: "Review what the policy guards by hand; shipshape cannot evaluate it offline.",
    }
}
