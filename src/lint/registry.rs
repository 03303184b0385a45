//! The registry: every rule's metadata, from the one list in `rules/mod.rs`
//! and the engine-reported rules' files, and the documents made from it.

use super::RuleMeta;

pub use super::rules::RULES;

/// Findings the engine itself reports (about the input, not an object).
pub use super::rules::ss900_invalid_yaml::META as INVALID_YAML;
pub use super::rules::ss901_suppression_without_reason::META as SUPPRESSION_WITHOUT_REASON;
pub use super::rules::ss902_unused_suppression::META as UNUSED_SUPPRESSION;
/// Drift of the committed render, reported like a finding.
pub use super::rules::ss903_rendered_output_drift::META as DRIFT;
pub use super::rules::ss904_suppression_expired::META as SUPPRESSION_EXPIRED;
pub use super::rules::ss905_admission_policy_not_evaluated::META as ADMISSION_NOT_EVALUATED;

pub static META_RULES: &[&RuleMeta] = &[
    &INVALID_YAML,
    &SUPPRESSION_WITHOUT_REASON,
    &UNUSED_SUPPRESSION,
    &DRIFT,
    &SUPPRESSION_EXPIRED,
    &ADMISSION_NOT_EVALUATED,
];

/// Every rule, built-in and engine-reported.
pub fn all_metas() -> Vec<&'static RuleMeta> {
    RULES
        .iter()
        .map(|r| r.meta())
        .chain(META_RULES.iter().copied())
        .collect()
}

/// The doc text of a rule as `explain` prints it (doc-comment indentation removed).
pub fn doc_text(meta: &RuleMeta) -> String {
    let mut s = String::new();
    for line in meta.doc.lines() {
        s.push_str(line.strip_prefix(' ').unwrap_or(line));
        s.push('\n');
    }
    s
}

/// Whether a rule needs the whole set, as `explain` and RULES.md say it
/// (an empty line for the others).
pub fn whole_set_note(meta: &RuleMeta) -> &'static str {
    if meta.whole_set {
        "Needs the whole set: runs under `check` and `lint --complete`; a plain `lint` names it as not run.\n"
    } else {
        ""
    }
}

/// `policies/RULES.md`: every rule's documentation, generated from the registry.
pub fn rules_markdown() -> String {
    let mut s = String::from("<!-- Generated from src/lint/rules/ by the test suite (UPDATE_GENERATED=1 cargo test). Do not edit. -->\n# shipshape rules\n\n| id | name | default | summary |\n| --- | --- | --- | --- |\n");
    let metas = all_metas();
    for m in &metas {
        s.push_str(&format!(
            "| {} | `{}` | {} | {} |\n",
            m.id,
            m.name,
            m.severity.as_str(),
            m.summary
        ));
    }
    for m in &metas {
        s.push_str(&format!("\n## {} `{}`\n\n", m.id, m.name));
        if m.whole_set {
            s.push_str(whole_set_note(m));
            s.push('\n');
        }
        for line in doc_text(m).lines() {
            // Rule docs use `##` headings; nest them under the rule's heading.
            if let Some(h) = line.strip_prefix("## ") {
                s.push_str(&format!("### {h}\n"));
            } else {
                s.push_str(line);
                s.push('\n');
            }
        }
    }
    s.push('\n');
    s.push_str(&crate::codes::markdown());
    s
}
