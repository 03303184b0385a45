//! Suppressions, each with a mandatory reason: an object annotation
//! (`shipshape.dev/ignore: "SS020: reason"`, one per line), a YAML
//! comment on or above the line (`# shipshape:ignore SS020 reason`), or a policy
//! exemption. A suppression without a reason is an error; one that silenced
//! nothing is reported as a warning.

use rayon::prelude::*;
use std::collections::BTreeMap;

use super::engine::DocKey;
use super::policy::Policy;
use super::registry::{SUPPRESSION_EXPIRED, SUPPRESSION_WITHOUT_REASON, UNUSED_SUPPRESSION};
use super::{known_rule, Diagnostic, Location, Obj, Origin, RuleMeta};
use crate::source::{FileId, Sources};
use crate::yaml::Span;

pub const ANNOTATION: &str = "shipshape.dev/ignore";
const COMMENT: &str = "shipshape:ignore";

#[derive(Debug, Clone)]
enum Scope {
    Object(DocKey),
    Line(FileId, u32),
    Exemption {
        kind: Option<String>,
        name: Option<String>,
        namespace: Option<String>,
        env: Option<String>,
    },
}

#[derive(Debug, Clone)]
pub struct Suppression {
    rule: Option<&'static RuleMeta>,
    rule_text: String,
    reason: Option<String>,
    /// When the accepted risk must be looked at again (`until=YYYY-MM-DD`):
    /// from that day on it silences nothing and is itself a finding.
    until: Until,
    /// Who looks at it then (`owner=…`).
    owner: Option<String>,
    scope: Scope,
    /// Where the suppression is written.
    at: Location,
    used: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Until {
    Never,
    Day(chrono::NaiveDate),
    /// Written but not a date: silences nothing (SS901).
    Invalid(String),
}

/// A reason with its `until=` and `owner=` words taken out.
struct Terms {
    reason: Option<String>,
    until: Until,
    owner: Option<String>,
}

/// Reads `until=YYYY-MM-DD` and `owner=NAME` anywhere in a reason; the other
/// words are the reason.
fn terms(reason: Option<String>) -> Terms {
    let mut t = Terms {
        reason: None,
        until: Until::Never,
        owner: None,
    };
    let Some(reason) = reason else {
        return t;
    };
    let mut words = Vec::new();
    for w in reason.split_whitespace() {
        if let Some(d) = w.strip_prefix("until=") {
            t.until = until(d);
        } else if let Some(o) = w.strip_prefix("owner=") {
            t.owner = Some(o.to_string()).filter(|o| !o.is_empty());
        } else {
            words.push(w);
        }
    }
    t.reason = Some(words.join(" ")).filter(|r| !r.is_empty());
    t
}

fn until(text: &str) -> Until {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_or_else(|_| Until::Invalid(text.to_string()), Until::Day)
}

impl Suppression {
    fn new(rule_text: String, reason: Option<String>, scope: Scope, at: Location) -> Self {
        let Terms {
            reason,
            until,
            owner,
        } = terms(reason);
        Suppression {
            rule: known_rule(&rule_text),
            rule_text,
            reason,
            until,
            owner,
            scope,
            at,
            used: false,
        }
    }

    fn expired(&self, today: Option<chrono::NaiveDate>) -> bool {
        matches!((&self.until, today), (Until::Day(d), Some(t)) if *d < t)
    }
}

/// The object a diagnostic is about, as suppressions match it: read from
/// the diagnostic itself (its object and, before environments are merged,
/// its one environment), so nothing is kept twice per finding.
struct Subject<'d> {
    kind: &'d str,
    name: Option<&'d str>,
    namespace: Option<&'d str>,
    env: Option<&'d str>,
}

impl<'d> Subject<'d> {
    fn of(d: &'d Diagnostic) -> Self {
        let object = d.object.as_ref();
        Subject {
            kind: object.map_or("", |o| o.kind.as_str()),
            name: object.and_then(|o| o.name.as_deref()),
            namespace: object.and_then(|o| o.namespace.as_deref()),
            env: d.envs.first().map(String::as_str),
        }
    }
}

/// Every suppression of a run, indexed by what it applies to: matching a
/// diagnostic looks at its object's, its line's and the policy's only.
pub struct Suppressions {
    list: Vec<Suppression>,
    today: Option<chrono::NaiveDate>,
    by_object: BTreeMap<DocKey, Vec<usize>>,
    by_line: BTreeMap<u32, Vec<usize>>,
    exemptions: Vec<usize>,
}

fn loc(sources: &Sources, span: Span) -> Location {
    Location {
        file: sources.shared_name(span.file),
        line: span.start.line.max(1),
        column: span.start.col.max(1),
        end_line: span.end.line.max(1),
        end_column: span.end.col.max(1),
        span: Some(span),
    }
}

/// `RULE: reason` (annotation) or `RULE reason` (comment).
fn split_entry(entry: &str, sep: char) -> (String, Option<String>) {
    let entry = entry.trim();
    match entry.split_once(sep) {
        Some((r, reason)) => (
            r.trim().to_string(),
            Some(reason.trim().to_string()).filter(|s| !s.is_empty()),
        ),
        None => (entry.to_string(), None),
    }
}

/// The suppressions an object's `shipshape.dev/ignore` annotation holds.
pub fn annotations(sources: &Sources, o: &Obj, key: DocKey) -> Vec<Suppression> {
    let Some((_, value)) = o
        .get("metadata.annotations")
        .and_then(|a| a.entry(ANNOTATION))
    else {
        return Vec::new();
    };
    let span = match &o.doc.origin {
        Origin::File => value.span,
        Origin::Rendered { spec, .. } => *spec,
    };
    // Not text: the API server refuses a non-string annotation, and it
    // silences nothing; said through SS901 rather than ignored.
    let Some(text) = value.as_str() else {
        return vec![Suppression::new(
            "(a value that is not text)".into(),
            None,
            Scope::Object(key),
            loc(sources, span),
        )];
    };
    text.lines()
        .filter(|e| !e.trim().is_empty())
        .map(|entry| {
            let (rule_text, reason) = split_entry(entry, ':');
            Suppression::new(rule_text, reason, Scope::Object(key), loc(sources, span))
        })
        .collect()
}

/// The files whose comments can suppress findings on an object: its own, or
/// for a rendered object the spec files its findings point at.
pub fn comment_files(o: &Obj) -> Vec<FileId> {
    match &o.doc.origin {
        Origin::File => vec![o.doc.file],
        Origin::Rendered { spec, fields, .. } => std::iter::once(spec.file)
            .chain(fields.iter().map(|(_, sp)| sp.file))
            .collect(),
    }
}

/// Whether a file may hold `# shipshape:ignore` comments: asked while its
/// text is in memory, so only those files are read again at the end.
pub fn has_comments(sources: &Sources, file: FileId) -> bool {
    sources.has_comments(file, |text| text.contains(COMMENT))
}

/// The `# shipshape:ignore` comments of a file.
fn comments(sources: &Sources, file: FileId, list: &mut Vec<Suppression>) {
    let text = sources.text(file);
    if !text.contains(COMMENT) {
        return;
    }
    let lines: Vec<&str> = text.lines().collect();
    // The next line with content after each line, found in one backward pass.
    let mut next_content = vec![None; lines.len()];
    let mut after: Option<usize> = None;
    for j in (0..lines.len()).rev() {
        next_content[j] = after;
        let t = lines[j].trim();
        if !t.is_empty() && !t.starts_with('#') {
            after = Some(j);
        }
    }
    for (i, line) in lines.iter().enumerate() {
        let Some(pos) = line.find('#') else { continue };
        let comment = line[pos + 1..].trim_start();
        let Some(rest) = comment.strip_prefix(COMMENT) else {
            continue;
        };
        let (rule_text, reason) = split_entry(rest, ' ');
        let before = line[..pos].trim();
        // A comment alone on its line applies to the next line with content.
        let target = if before.is_empty() {
            next_content[i].unwrap_or(i + 1)
        } else {
            i
        };
        let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let col = u32::try_from(line[..pos].chars().count() + 1).unwrap_or(1);
        list.push(Suppression::new(
            rule_text,
            reason,
            Scope::Line(file, u32::try_from(target + 1).unwrap_or(u32::MAX)),
            Location {
                file: sources.shared_name(file),
                line: line_no,
                column: col,
                end_line: line_no,
                end_column: col,
                span: None,
            },
        ));
    }
}

impl Suppressions {
    /// Object annotations (gathered as objects are checked), the comments of
    /// `files`, and the policy's exemptions.
    pub fn new(
        sources: &Sources,
        mut list: Vec<Suppression>,
        files: &[FileId],
        policy: &Policy,
        today: Option<chrono::NaiveDate>,
    ) -> Self {
        // Every file's text is searched for the marker: in parallel, in order.
        let found: Vec<Vec<Suppression>> = files
            .par_iter()
            .map(|&file| {
                let mut v = Vec::new();
                comments(sources, file, &mut v);
                v
            })
            .collect();
        list.extend(found.into_iter().flatten());
        for e in &policy.exemptions {
            list.push(Suppression {
                rule: e.rule,
                rule_text: e.rule_text.clone(),
                reason: e.reason.clone(),
                until: e.until.as_deref().map_or(Until::Never, until),
                owner: e.owner.clone(),
                scope: Scope::Exemption {
                    kind: e.kind.clone(),
                    name: e.name.clone(),
                    namespace: e.namespace.clone(),
                    env: e.env.clone(),
                },
                at: loc(sources, e.span),
                used: false,
            });
        }
        let mut by_object: BTreeMap<DocKey, Vec<usize>> = BTreeMap::new();
        let mut by_line: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
        let mut exemptions = Vec::new();
        for (i, s) in list.iter().enumerate() {
            match &s.scope {
                Scope::Object(key) => by_object.entry(*key).or_default().push(i),
                Scope::Line(_, line) => by_line.entry(*line).or_default().push(i),
                Scope::Exemption { .. } => exemptions.push(i),
            }
        }
        Suppressions {
            list,
            today,
            by_object,
            by_line,
            exemptions,
        }
    }

    /// Whether a diagnostic on the object `key` is silenced; marks the
    /// suppressions that silence it.
    pub fn suppresses(&mut self, rule: &RuleMeta, key: DocKey, d: &Diagnostic) -> bool {
        let subject = Subject::of(d);
        let candidates = self
            .by_object
            .get(&key)
            .into_iter()
            .chain(self.by_line.get(&d.location.line))
            .flatten()
            .chain(&self.exemptions);
        let mut hit = false;
        let today = self.today;
        for &i in candidates {
            let s = &mut self.list[i];
            // Malformed or expired: it silences nothing, and says so.
            let void =
                s.reason.is_none() || matches!(s.until, Until::Invalid(_)) || s.expired(today);
            if void || s.rule.is_none_or(|r| r.id != rule.id) {
                continue;
            }
            let applies = match &s.scope {
                Scope::Object(at) => *at == key,
                Scope::Line(file, line) => {
                    let here = d.location.span.map(|sp| sp.file) == Some(*file)
                        || d.location.file == s.at.file;
                    here && d.location.line == *line
                }
                Scope::Exemption {
                    kind,
                    name,
                    namespace,
                    env,
                } => {
                    kind.as_deref().is_none_or(|k| k == subject.kind)
                        && name.as_deref().is_none_or(|n| Some(n) == subject.name)
                        && namespace
                            .as_deref()
                            .is_none_or(|n| Some(n) == subject.namespace)
                        && env.as_deref().is_none_or(|e| Some(e) == subject.env)
                }
            };
            if applies {
                s.used = true;
                hit = true;
            }
        }
        hit
    }

    /// Every suppression with what became of it in this run.
    pub fn listed(&self) -> Vec<crate::diag::Listed> {
        let mut out: Vec<crate::diag::Listed> = self
            .list
            .iter()
            .map(|s| {
                let invalid =
                    s.rule.is_none() || s.reason.is_none() || matches!(s.until, Until::Invalid(_));
                let status = if invalid {
                    "invalid"
                } else if s.expired(self.today) {
                    "expired"
                } else if s.used {
                    "active"
                } else {
                    "unused"
                };
                let (until, days_left) = match (&s.until, self.today) {
                    (Until::Never, _) => (None, None),
                    (Until::Invalid(t), _) => (Some(t.clone()), None),
                    (Until::Day(d), today) => (
                        Some(d.format("%Y-%m-%d").to_string()),
                        today.map(|t| (*d - t).num_days()),
                    ),
                };
                crate::diag::Listed {
                    file: s.at.file.to_string(),
                    line: s.at.line,
                    column: s.at.column,
                    rule: s
                        .rule
                        .map_or_else(|| s.rule_text.clone(), |r| r.id.to_string()),
                    how: match s.scope {
                        Scope::Object(_) => "annotation",
                        Scope::Line(..) => "comment",
                        Scope::Exemption { .. } => "exemption",
                    },
                    reason: s.reason.clone(),
                    owner: s.owner.clone(),
                    until,
                    status,
                    days_left,
                }
            })
            .collect();
        out.sort_by(|a, b| {
            (&a.file, a.line, a.column, &a.rule).cmp(&(&b.file, b.line, b.column, &b.rule))
        });
        out.dedup();
        out
    }

    /// Malformed, expired and unused suppressions.
    pub fn problems(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for s in &self.list {
            if let (Until::Day(day), true) = (&s.until, s.expired(self.today)) {
                let owner = s
                    .owner
                    .as_deref()
                    .map_or_else(|| "no owner named".to_string(), |o| format!("owner {o}"));
                let mut d = Diagnostic::about_input(
                    &SUPPRESSION_EXPIRED,
                    s.at.clone(),
                    format!(
                        "suppression of `{}` expired on {day} ({owner}); the findings it silenced are reported again",
                        s.rule_text
                    ),
                );
                d.help = format!(
                    "{}: fix the finding, or renew the suppression with a new `until=` and a reason that still holds",
                    s.owner.as_deref().unwrap_or("whoever accepted it")
                )
                .into();
                out.push(d);
                continue;
            }
            let (meta, message) = if let Until::Invalid(text) = &s.until {
                (
                    &SUPPRESSION_WITHOUT_REASON,
                    format!(
                        "suppression of `{}` has `until={text}`, which is not a date (YYYY-MM-DD)",
                        s.rule_text
                    ),
                )
            } else if s.rule.is_none() {
                (
                    &SUPPRESSION_WITHOUT_REASON,
                    format!("suppression names `{}`, which is not a rule", s.rule_text),
                )
            } else if s.reason.is_none() {
                (
                    &SUPPRESSION_WITHOUT_REASON,
                    format!("suppression of `{}` has no reason", s.rule_text),
                )
            } else if !s.used {
                (
                    &UNUSED_SUPPRESSION,
                    format!("suppression of `{}` matches no finding", s.rule_text),
                )
            } else {
                continue;
            };
            let mut d = Diagnostic::about_input(meta, s.at.clone(), message);
            if s.rule.is_none() {
                let names = super::registry::all_metas();
                let candidates = names.iter().flat_map(|m| [m.id, m.name]);
                d.help = match crate::problem::did_you_mean(&s.rule_text, candidates) {
                    Some(m) => {
                        format!("did you mean `{m}`? (`shipshape rules` lists every rule)").into()
                    }
                    None => "name a rule by id or name; `shipshape rules` lists them".into(),
                };
            }
            out.push(d);
        }
        out
    }
}
