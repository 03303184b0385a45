//! Suppressions, each with a mandatory reason: an object annotation
//! (`shipshape.dev/ignore: "SS020: reason"`, one per line), a YAML
//! comment on or above the line (`# shipshape:ignore SS020 reason`), or a policy
//! exemption. A suppression without a reason is an error; one that silenced
//! nothing is reported as a warning.

use std::collections::BTreeSet;

use super::policy::Policy;
use super::registry::{SUPPRESSION_WITHOUT_REASON, UNUSED_SUPPRESSION};
use super::{known_rule, Diagnostic, Location, Obj, Origin, RuleMeta};
use crate::source::{FileId, Sources};
use crate::yaml::Span;

pub const ANNOTATION: &str = "shipshape.dev/ignore";
const COMMENT: &str = "shipshape:ignore";

#[derive(Debug, Clone)]
enum Scope {
    Object(usize),
    Line(FileId, u32),
    Exemption {
        kind: Option<String>,
        name: Option<String>,
        namespace: Option<String>,
        env: Option<String>,
    },
}

#[derive(Debug, Clone)]
struct Suppression {
    rule: Option<&'static RuleMeta>,
    rule_text: String,
    reason: Option<String>,
    scope: Scope,
    /// Where the suppression is written.
    at: Location,
    used: bool,
}

pub struct Suppressions {
    list: Vec<Suppression>,
}

fn loc(sources: &Sources, span: Span) -> Location {
    Location {
        file: sources.name(span.file).to_string(),
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

impl Suppressions {
    pub fn collect(sources: &Sources, objects: &[Obj], policy: &Policy) -> Self {
        let mut list = Vec::new();
        let mut files: BTreeSet<FileId> = BTreeSet::new();
        for o in objects {
            match &o.doc.origin {
                Origin::File => {
                    files.insert(o.doc.file);
                }
                // Findings on rendered objects point at the spec: its comments count.
                Origin::Rendered { spec, fields, .. } => {
                    files.insert(spec.file);
                    files.extend(fields.iter().map(|(_, sp)| sp.file));
                }
            }
            let Some((_, value)) = o
                .get("metadata.annotations")
                .and_then(|a| a.entry(ANNOTATION))
            else {
                continue;
            };
            let Some(text) = value.as_str() else { continue };
            let span = match &o.doc.origin {
                Origin::File => value.span,
                Origin::Rendered { spec, .. } => *spec,
            };
            for entry in text.lines().filter(|e| !e.trim().is_empty()) {
                let (rule_text, reason) = split_entry(entry, ':');
                list.push(Suppression {
                    rule: known_rule(&rule_text),
                    rule_text,
                    reason,
                    scope: Scope::Object(o.index),
                    at: loc(sources, span),
                    used: false,
                });
            }
        }
        for file in files {
            let text = sources.text(file);
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
                list.push(Suppression {
                    rule: known_rule(&rule_text),
                    rule_text,
                    reason,
                    scope: Scope::Line(file, u32::try_from(target + 1).unwrap_or(u32::MAX)),
                    at: Location {
                        file: sources.name(file).to_string(),
                        line: line_no,
                        column: col,
                        end_line: line_no,
                        end_column: col,
                        span: None,
                    },
                    used: false,
                });
            }
        }
        for e in &policy.exemptions {
            list.push(Suppression {
                rule: e.rule,
                rule_text: e.rule_text.clone(),
                reason: e.reason.clone(),
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
        Suppressions { list }
    }

    /// Whether a diagnostic is silenced; marks the suppressions that silence it.
    pub fn suppresses(&mut self, rule: &RuleMeta, obj: &Obj, d: &Diagnostic) -> bool {
        let mut hit = false;
        for s in &mut self.list {
            if s.reason.is_none() || s.rule.is_none_or(|r| r.id != rule.id) {
                continue;
            }
            let applies = match &s.scope {
                Scope::Object(i) => *i == obj.index,
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
                    kind.as_deref().is_none_or(|k| k == obj.kind)
                        && name.as_deref().is_none_or(|n| Some(n) == obj.name)
                        && namespace
                            .as_deref()
                            .is_none_or(|n| Some(n) == obj.namespace)
                        && env.as_deref().is_none_or(|e| Some(e) == obj.env.as_deref())
                }
            };
            if applies {
                s.used = true;
                hit = true;
            }
        }
        hit
    }

    /// Malformed and unused suppressions.
    pub fn problems(&self, _sources: &Sources) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for s in &self.list {
            let (meta, message) = if s.rule.is_none() {
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
                    Some(m) => format!("did you mean `{m}`? (`shipshape rules` lists every rule)"),
                    None => "name a rule by id or name; `shipshape rules` lists them".into(),
                };
            }
            out.push(d);
        }
        out
    }
}
