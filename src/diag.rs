//! The one shape every problem takes on its way to the user, whatever found
//! it (a lint rule, a spec check, a policy, the tunnel validator, drift):
//! its severity, where it is, and the output formats. It sits at the bottom
//! of the module graph: every finder converts into it, every reporter reads
//! it, and it imports neither.

use clap::ValueEnum;
use std::borrow::Cow;

use serde::Serialize;

use crate::yaml::Span;

/// The format the command was asked for, for stops that cannot return
/// through the command (a runaway custom rule is stopped from another
/// thread): they still write a report the reader can parse.
static STOP_FORMAT: std::sync::OnceLock<Format> = std::sync::OnceLock::new();

/// Records the command's output format (the first call wins).
pub fn set_stop_format(format: Format) {
    let _ = STOP_FORMAT.set(format);
}

pub fn stop_format() -> Format {
    STOP_FORMAT.get().copied().unwrap_or_default()
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    #[default]
    Human,
    Json,
    Sarif,
    Github,
    Junit,
    /// GitLab Code Quality report.
    Gitlab,
}

impl Format {
    /// Whether the format shows source excerpts (so files with findings
    /// need their masked text).
    pub fn shows_excerpts(self) -> bool {
        matches!(self, Format::Human)
    }
}

/// A location users can open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    /// Shared with the file's other locations.
    pub file: std::sync::Arc<str>,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    #[serde(skip)]
    pub span: Option<Span>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectRef {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
}

/// Where a diagnostic comes from. Every family goes through the same
/// reporters; `rule` is the family's code (`SS020`, `spec::unknown-key`,
/// `tunnel::rule-shadowed`, `SS903` for drift).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// A lint rule (built-in or custom) on an object, or about the input files.
    Lint,
    /// The committed output differs from the render.
    Drift,
    /// A spec, policy or command-line problem: exit 2.
    Input,
    /// A cloudflared config problem.
    Tunnel,
}

/// A finding, resolved, suppressed or not, ready for a reporter.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnostic {
    pub family: Family,
    /// Rule ids, names and help are mostly a rule's own static text: not
    /// copied per finding.
    pub rule: Cow<'static, str>,
    pub name: Cow<'static, str>,
    pub severity: Severity,
    pub message: String,
    pub help: Cow<'static, str>,
    #[serde(flatten)]
    pub location: Location,
    /// The rendered file, for findings on rendered objects (which point at the spec).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rendered: Option<Location>,
    /// Shared by the findings of one object.
    pub object: Option<std::sync::Arc<ObjectRef>>,
    pub path: String,
    /// The environments whose objects produced this finding (several when they
    /// share a spec line); the severity is the highest among them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub envs: Vec<String>,
    #[serde(skip)]
    pub secret: bool,
    /// `path` with list items named where they have a name
    /// (`containers[api].env[DB_PASSWORD]`): a finding's identity across
    /// revisions, so inserting an item does not make old findings new.
    /// Empty when it is `path` (most findings: nothing kept twice).
    #[serde(skip)]
    pub identity_path: String,
}

impl Location {
    /// Line 1, column 1 of a file: for findings about a whole file.
    pub fn file_start(file: impl Into<std::sync::Arc<str>>) -> Self {
        Location {
            file: file.into(),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
            span: None,
        }
    }
}

/// A run's result: every diagnostic, and the counts.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    pub summary: Summary,
}

/// Counts for the summary line.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub files: usize,
    pub objects: usize,
    /// Documents without apiVersion/kind (Helm values, fragments): skipped.
    pub skipped: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Helm values not read in full, by file and node: a release whose chart
    /// no adapter knows, a values file linked to no chart, values kept where
    /// the repository does not show (not checked, and said so).
    pub values_unread: Vec<UnreadValues>,
    /// Rules the policy selects that did not run because the input may be
    /// partial (they need the whole set): run them with `lint --complete`.
    pub rules_not_run: Vec<String>,
    /// Objects whose kind has no built-in schema (SS007), by
    /// `apiVersion/kind`: not schema-checked, and said so.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub schema_unchecked: std::collections::BTreeMap<String, usize>,
    /// Every suppression of the run, for `shipshape suppressions`.
    #[serde(skip)]
    pub suppressions: Vec<Listed>,
}

/// A suppression as `shipshape suppressions` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Listed {
    pub file: String,
    pub line: u32,
    pub column: u32,
    /// The rule as written (an id or a name).
    pub rule: String,
    /// `annotation`, `comment` or `exemption`.
    pub how: &'static str,
    pub reason: Option<String>,
    pub owner: Option<String>,
    /// The last day it holds (YYYY-MM-DD), as written.
    pub until: Option<String>,
    /// `active`, `unused`, `expired` or `invalid` (no reason, an unknown
    /// rule, or an `until=` that is not a date).
    pub status: &'static str,
    /// Days left until it expires (negative: days since it did).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_left: Option<i64>,
}

/// Helm values that were not read in full, at their node.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct UnreadValues {
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// The manifest that holds or names them (`HelmRelease x`), or
    /// `values file` for a file on its own.
    pub subject: String,
    pub why: String,
}

impl std::fmt::Display for UnreadValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.file, self.line, self.column, self.subject, self.why
        )
    }
}
