//! SARIF 2.1.0, as GitHub code scanning reads it: the rules array comes from the
//! registry, every result has a region with line and column.

use serde_json::{json, Value as J};

use crate::diag::{Report, Severity};
use crate::lint::registry::doc_text;
use crate::lint::RuleMeta;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

pub fn render(report: &Report, rules: &[&'static RuleMeta]) -> String {
    let rule_json: Vec<J> = rules
        .iter()
        .map(|m| {
            json!({
                "id": m.id,
                "name": m.name,
                "shortDescription": { "text": m.summary },
                "fullDescription": { "text": m.summary },
                "help": { "text": m.help, "markdown": doc_text(m) },
                "defaultConfiguration": { "level": level(m.severity) },
            })
        })
        .collect();
    let results: Vec<J> = report
        .diagnostics
        .iter()
        .map(|d| {
            let l = &d.location;
            let region = json!({ "startLine": l.line, "startColumn": l.column, "endLine": l.end_line, "endColumn": l.end_column });
            let mut r = json!({
                "ruleId": d.rule,
                "level": level(d.severity),
                "message": { "text": format!("{}\nhelp: {}", d.message, d.help) },
                "locations": [{ "physicalLocation": { "artifactLocation": { "uri": l.file }, "region": region } }],
            });
            if !d.envs.is_empty() {
                r["properties"] = json!({ "envs": d.envs });
            }
            if let Some(i) = rules.iter().position(|m| m.id == d.rule) {
                r["ruleIndex"] = J::from(i);
            }
            if let Some(x) = &d.rendered {
                r["relatedLocations"] = json!([{
                    "id": 1,
                    "message": { "text": "rendered here" },
                    "physicalLocation": { "artifactLocation": { "uri": x.file }, "region": { "startLine": x.line, "startColumn": x.column } },
                }]);
            }
            r
        })
        .collect();
    let v = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "shipshape",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rule_json,
            }},
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}
