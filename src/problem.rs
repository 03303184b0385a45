//! Bad-input problems: what the user wrote wrong, where, and how to fix it.
//!
//! Loading collects every problem it can find before giving up, so a user sees
//! them all at once; the CLI prints them like every finding and exits 2.

use crate::source::{FileId, Sources};
use crate::yaml::Span;

/// One problem in the input.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Stable machine code, e.g. `spec::unknown-key`.
    pub code: &'static str,
    pub message: String,
    /// Where: a node span, or just a file when there is no node to point at.
    pub at: At,
    pub help: Option<String>,
    /// The node's text is a secret: masked in every excerpt.
    pub secret: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum At {
    Span(Span),
    File(FileId),
    Nowhere,
}

impl Problem {
    pub fn new(code: &'static str, message: impl Into<String>, at: At) -> Self {
        Problem {
            code,
            message: message.into(),
            at,
            help: None,
            secret: false,
        }
    }
    pub fn at_span(code: &'static str, message: impl Into<String>, span: Span) -> Self {
        Self::new(code, message, At::Span(span))
    }
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    /// Marks the located text as a secret so no output shows it.
    pub fn secret(mut self) -> Self {
        self.secret = true;
        self
    }
    fn sort_key(&self) -> (u32, u32, u32, &str) {
        match self.at {
            At::Span(s) => (s.file.0, s.start.line, s.start.col, self.code),
            At::File(f) => (f.0, 0, 0, self.code),
            At::Nowhere => (u32::MAX, 0, 0, self.code),
        }
    }
}

/// Every problem found, in file/line order; a non-empty set means exit 2.
#[derive(Debug, Default, Clone)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    pub fn push(&mut self, p: Problem) {
        self.0.push(p);
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn extend(&mut self, other: Problems) {
        self.0.extend(other.0);
    }
    pub fn sorted(mut self) -> Self {
        self.0.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.0.dedup();
        self
    }
    /// `Err(self)` when anything was found.
    pub fn into_result<T>(self, value: T) -> Result<T, Problems> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self.sorted())
        }
    }

    /// Renders every problem with its source excerpt, as the CLI prints
    /// them: the one human form findings take too.
    pub fn render(&self, sources: &Sources) -> String {
        let diagnostics: Vec<_> = self.0.iter().map(|p| p.to_diagnostic(sources)).collect();
        let mut out = crate::report::human::diagnostics(&diagnostics, sources);
        out.push_str(&format!(
            "{} problem{} found; nothing was written\n",
            self.0.len(),
            if self.0.len() == 1 { "" } else { "s" }
        ));
        out
    }
}

impl Problem {
    /// The problem as a diagnostic, so every reporter (SARIF, JSON, GitHub,
    /// JUnit, GitLab) carries bad input at its file:line:col like any finding.
    pub fn to_diagnostic(&self, sources: &Sources) -> crate::diag::Diagnostic {
        use crate::diag::{Diagnostic, Location};
        let location = match self.at {
            At::Span(s) => Location {
                file: sources.shared_name(s.file),
                line: s.start.line,
                column: s.start.col,
                end_line: s.end.line,
                end_column: s.end.col,
                span: Some(s),
            },
            At::File(f) => Location::file_start(sources.name(f).to_string()),
            At::Nowhere => Location::file_start(String::new()),
        };
        Diagnostic {
            family: crate::diag::Family::Input,
            rule: self.code.into(),
            name: crate::codes::find(self.code)
                .map_or("bad-input", |c| c.summary)
                .into(),
            severity: crate::diag::Severity::Error,
            message: self.message.clone(),
            help: self
                .help
                .clone()
                .unwrap_or_else(|| default_help(self))
                .into(),
            location,
            rendered: None,
            object: None,
            path: String::new(),
            envs: Vec::new(),
            identity_path: String::new(),
            secret: self.secret,
        }
    }
}

impl Problems {
    /// Every problem as a report for the machine-readable formats.
    pub fn report(&self, sources: &Sources) -> crate::diag::Report {
        let diagnostics: Vec<_> = self.0.iter().map(|p| p.to_diagnostic(sources)).collect();
        let files: std::collections::BTreeSet<&str> =
            diagnostics.iter().map(|d| &*d.location.file).collect();
        crate::diag::Report {
            summary: crate::diag::Summary {
                files: files.len(),
                errors: diagnostics.len(),
                ..Default::default()
            },
            diagnostics,
        }
    }
}

impl From<Problem> for Problems {
    fn from(p: Problem) -> Self {
        Problems(vec![p])
    }
}

/// Every problem says how to fix it; these cover the ones whose constructor
/// has nothing more specific to say.
fn default_help(p: &Problem) -> String {
    match p.code {
        "spec::yaml" if p.message.contains("duplicate key") => "keep one of the two keys: YAML readers disagree on which one wins".into(),
        "spec::yaml" | "policy::yaml" => "fix the YAML syntax here (indent with spaces, close brackets and quotes)".into(),
        "spec::duplicate-name" => "names must be unique: rename or remove one of them".into(),
        "spec::duplicate-env" => "keep one file per environment (`dev.yaml` or `dev.yml`, not both)".into(),
        "spec::out-of-range" => "use a value within the range the schema allows (`shipshape schema`)".into(),
        "cli::bad-env" => "environment names are the file names in the environments folder: lowercase letters, digits and '-'".into(),
        code if code.starts_with("policy::") => "fix the policy file; `shipshape rules` lists rule ids and names".into(),
        _ => "fix the value here; `shipshape schema` writes the JSON Schemas your editor can check spec files with".into(),
    }
}

/// The closest candidate to `word`, for "did you mean" hints.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| {
            (
                strsim::jaro_winkler(&word.to_ascii_lowercase(), &c.to_ascii_lowercase()),
                c,
            )
        })
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c)
}
