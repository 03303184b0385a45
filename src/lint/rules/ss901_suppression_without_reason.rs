//! Reported by the engine, not by a check of its own: this file is its
//! documentation and metadata.

declare_rule! {
    /// ## What it flags
    /// A suppression (annotation, `# shipshape:ignore` comment or policy exemption) with no reason, or naming a rule that does not exist.
    ///
    /// ## Why it matters
    /// A silenced check with no reason is impossible to review or revisit.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// shipshape.dev/ignore: SS020
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// shipshape.dev/ignore: "SS020: upstream publishes only latest; mirrored nightly"
    /// ```
    ///
    /// ## References
    /// - shipshape explain SS902
    pub struct SuppressionWithoutReason {
        id: "SS901",
        name: "suppression-without-reason",
        severity: Error,
        summary: "suppression without a reason, or naming an unknown rule",
        help: "Write the reason after the rule: `shipshape.dev/ignore: \"SS020: vendor image, pinned by digest upstream\"`.",
    }
}
