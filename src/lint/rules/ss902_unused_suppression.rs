//! Reported by the engine, not by a check of its own: this file is its
//! documentation and metadata.

declare_rule! {
    /// ## What it flags
    /// A suppression that silenced nothing in this run.
    ///
    /// ## Why it matters
    /// Stale suppressions hide the next real finding of that rule on the same object.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// # shipshape:ignore SS022 probes come later
    /// ```
    /// (on an object that has probes now)
    ///
    /// ## Use instead
    /// Delete the suppression.
    ///
    /// ## References
    /// - shipshape explain SS901
    pub struct UnusedSuppression {
        id: "SS902",
        name: "unused-suppression",
        severity: Warning,
        summary: "suppression that matches no finding",
        help: "Remove the suppression: the finding it silenced is gone.",
    }
}
