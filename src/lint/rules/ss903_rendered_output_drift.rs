//! Reported by the engine, not by a check of its own: this file is its
//! documentation and metadata.

declare_rule! {
    /// ## What it flags
    /// A file in the output folder that differs from what the specs render, is missing, or is no longer rendered.
    ///
    /// ## Why it matters
    /// ArgoCD deploys the committed files, not the specs: the cluster does not get what the spec says.
    ///
    /// ## Example (bad)
    /// A spec edit committed without the re-rendered output.
    ///
    /// ## Use instead
    /// `shipshape render --all`, then commit both.
    ///
    /// ## References
    /// - shipshape render --help
    pub struct RenderedOutputDrift {
        id: "SS903",
        name: "rendered-output-drift",
        severity: Error,
        summary: "committed output differs from the specs",
        help: "Run `shipshape render --all` and commit the result.",
    }
}
