//! Bad-input problems: what the user wrote wrong, where, and how to fix it.
//!
//! Loading collects every problem it can find before giving up, so a user sees
//! them all at once; the CLI prints them through miette and exits 2.

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, Severity};

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

    /// Renders every problem with its source excerpt, as the CLI prints them.
    pub fn render(&self, sources: &Sources) -> String {
        let theme = if crate::ui::style().color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme)
            .with_width(100)
            .with_links(false);
        // Each file's lines and secrets, found once: an excerpt then costs
        // the few lines it shows, not the file (thousands of problems in one
        // file stay linear).
        let mut lines: std::collections::BTreeMap<FileId, Vec<usize>> = Default::default();
        let mut secrets: std::collections::BTreeMap<FileId, Vec<(usize, usize)>> =
            Default::default();
        for p in &self.0 {
            if let At::Span(s) = p.at {
                lines.entry(s.file).or_insert_with(|| {
                    let text = sources.shown_text(s.file);
                    std::iter::once(0)
                        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                        .collect()
                });
                if p.secret {
                    let range = (s.start.offset as usize, s.end.offset as usize);
                    secrets.entry(s.file).or_default().push(range);
                }
            }
        }
        let mut out = String::new();
        for p in &self.0 {
            let loc = match p.at {
                At::Span(s) => format!("{}:{}:{}", sources.name(s.file), s.start.line, s.start.col),
                At::File(f) => sources.name(f).to_string(),
                At::Nowhere => String::new(),
            };
            let mut d = MietteDiagnostic::new(p.message.clone()).with_severity(Severity::Error);
            d = d.with_help(p.help.clone().unwrap_or_else(|| default_help(p)));
            let report = match p.at {
                // miette cannot lay out a line this wide: show the location only.
                At::Span(s) if too_wide(sources.shown_text(s.file), s) => miette::Report::new(d),
                At::Span(s) => {
                    let label = LabeledSpan::at(
                        s.start.offset as usize..s.start.offset.max(s.end.offset) as usize,
                        "here",
                    );
                    let src = Window::around(
                        sources.name(s.file),
                        sources.shown_text(s.file),
                        lines.get(&s.file).map_or(&[][..], Vec::as_slice),
                        secrets.get(&s.file).map_or(&[][..], Vec::as_slice),
                        s,
                    );
                    miette::Report::new(d.with_label(label)).with_source_code(src)
                }
                _ => miette::Report::new(d),
            };
            if !loc.is_empty() {
                out.push_str(&loc);
                out.push_str(": ");
            }
            out.push_str(&format!("error[{}]: {}\n", p.code, p.message));
            let _ = handler.render_report(&mut out, report.as_ref());
            out.push('\n');
        }
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
    pub fn to_diagnostic(&self, sources: &Sources) -> crate::lint::Diagnostic {
        use crate::lint::{Diagnostic, Location};
        let location = match self.at {
            At::Span(s) => Location {
                file: sources.name(s.file).to_string(),
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
            family: crate::lint::Family::Input,
            rule: self.code.to_string(),
            name: crate::codes::find(self.code)
                .map_or("bad-input", |c| c.summary)
                .to_string(),
            severity: crate::lint::Severity::Error,
            message: self.message.clone(),
            help: self.help.clone().unwrap_or_else(|| default_help(self)),
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
    pub fn report(&self, sources: &Sources) -> crate::lint::Report {
        let diagnostics: Vec<_> = self.0.iter().map(|p| p.to_diagnostic(sources)).collect();
        let files: std::collections::BTreeSet<&str> = diagnostics
            .iter()
            .map(|d| d.location.file.as_str())
            .collect();
        crate::lint::Report {
            summary: crate::lint::Summary {
                files: files.len(),
                errors: diagnostics.len(),
                ..Default::default()
            },
            diagnostics,
        }
    }
}

/// Whether the line of a span is too long to show as an excerpt.
/// The lines around one problem, standing in for its whole file: miette
/// finds lines by reading from the start, which made every excerpt cost the
/// size of the file. Every secret of the file is masked in it (an excerpt
/// shows neighbouring lines).
struct Window {
    name: String,
    text: String,
    /// Byte offset and 0-based line of the window's start in the file.
    offset: usize,
    line: usize,
}

impl Window {
    /// Context lines kept on each side (miette shows one).
    const CONTEXT: usize = 3;

    fn around(
        name: &str,
        text: &str,
        starts: &[usize],
        secrets: &[(usize, usize)],
        s: Span,
    ) -> Window {
        let first = (s.start.line as usize).saturating_sub(1 + Self::CONTEXT);
        let last = (s.end.line as usize).max(s.start.line as usize) + Self::CONTEXT;
        let from = starts.get(first).copied().unwrap_or(0).min(text.len());
        let to = starts.get(last).copied().unwrap_or(text.len()).max(from);
        let mut window = text.get(from..to).unwrap_or("").to_string();
        for &(a, b) in secrets.iter().filter(|(a, b)| *b > from && *a < to) {
            window = mask(&window, a.saturating_sub(from), b.min(to) - from);
        }
        Window {
            name: name.to_string(),
            text: window,
            offset: from,
            line: first,
        }
    }
}

impl miette::SourceCode for Window {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let local =
            miette::SourceSpan::new(span.offset().saturating_sub(self.offset).into(), span.len());
        let inner = self.text.as_str().read_span(&local, before, after)?;
        let whole = miette::SourceSpan::new(
            (inner.span().offset() + self.offset).into(),
            inner.span().len(),
        );
        Ok(Box::new(
            miette::MietteSpanContents::new_named(
                self.name.clone(),
                inner.data(),
                whole,
                inner.line() + self.line,
                inner.column(),
                inner.line_count(),
            )
            .with_language("yaml"),
        ))
    }
}

fn too_wide(text: &str, s: Span) -> bool {
    const MAX: usize = 2_000;
    let start = (s.start.offset as usize).min(text.len());
    let line_start = text
        .get(..start)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let rest = text.get(line_start..).unwrap_or("");
    let line_len = rest.find('\n').unwrap_or(rest.len());
    line_len > MAX || s.len() > MAX
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

/// Replaces `text[start..end]` with asterisks of the same byte length, so offsets
/// stay valid and the secret is gone.
pub fn mask(text: &str, start: usize, end: usize) -> String {
    let (start, end) = (start.min(text.len()), end.min(text.len()));
    if start >= end || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..start]);
    out.extend(std::iter::repeat_n('*', end - start));
    out.push_str(&text[end..]);
    out
}
