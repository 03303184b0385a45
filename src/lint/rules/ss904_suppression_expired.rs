//! Reported by the engine, not by a check of its own: this file is its
//! documentation and metadata.

declare_rule! {
    /// ## What it flags
    /// A suppression (annotation, `# shipshape:ignore` comment or policy
    /// exemption) whose `until=YYYY-MM-DD` has passed (it holds through that
    /// day). From the next day it silences nothing: the findings it silenced
    /// are reported again, and the suppression itself is reported, naming its
    /// `owner=`.
    ///
    /// ## Why it matters
    /// An accepted risk is accepted for a while, for a reason that may stop
    /// holding (the vendor now publishes tags, the migration is done). A date
    /// makes someone look at it again instead of it living forever.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// # shipshape:ignore SS020 until=2026-01-31 owner=@platform vendor publishes only latest
    /// ```
    /// (on 2026-02-01)
    ///
    /// ## Use instead
    /// Fix the finding and delete the suppression, or renew it with a new
    /// `until=` and a reason that still holds. `shipshape suppressions` lists
    /// every suppression with its owner and expiry.
    ///
    /// ## References
    /// - shipshape explain SS901
    pub struct SuppressionExpired {
        id: "SS904",
        name: "suppression-expired",
        severity: Error,
        summary: "suppression past its until= date",
        help: "Fix the finding, or renew the suppression with a new until= date and a reason that still holds.",
    }
}
