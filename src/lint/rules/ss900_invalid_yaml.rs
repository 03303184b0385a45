//! Reported by the engine, not by a check of its own: this file is its
//! documentation and metadata.

declare_rule! {
    /// ## What it flags
    /// A file that does not parse as plain YAML. A template (Helm or Go `{{ }}`, Jinja `{% %}`, Flux `${…}`) is skipped with a warning and the run goes on; any other file is a syntax error, reported as an error at its line (the gate fails closed).
    ///
    /// ## Why it matters
    /// Nothing in it is checked, and a syntax error fails at sync.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// image: {{ .Values.image }}
    /// ```
    ///
    /// ## Use instead
    /// Lint the rendered output (`helm template … | shipshape lint -`), or exclude the folder.
    ///
    /// ## References
    /// - https://yaml.org/spec/1.2.2/
    pub struct InvalidYaml {
        id: "SS900",
        name: "invalid-yaml",
        severity: Warning,
        summary: "file is not plain YAML: a syntax error, or a template skipped",
        help: "Templated files (Helm, Flux `${…}` in keys) cannot be linted; lint their rendered output instead.",
    }
}
