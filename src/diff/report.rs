//! A diff as text: human, Markdown for a pull-request comment (size-capped),
//! and versioned JSON.

use super::{Diff, EnvDiff};

/// GitHub refuses comments over 65,536 characters; leave room for a note.
pub const MARKDOWN_LIMIT: usize = 60_000;

fn counts(e: &EnvDiff) -> (usize, usize, usize) {
    e.components.iter().fold((0, 0, 0), |(a, c, r), d| {
        (a + d.added.len(), c + d.changed.len(), r + d.removed.len())
    })
}

pub fn human(d: &Diff) -> String {
    if d.is_empty() {
        return format!("no change to any environment against `{}`\n", d.base);
    }
    let mut s = format!("changes against `{}`:\n", d.base);
    for e in &d.envs {
        let (a, c, r) = counts(e);
        s.push_str(&format!(
            "\n{}: {a} added, {c} changed, {r} removed\n",
            e.env
        ));
        for (id, protected) in &e.argocd.stateful_removed {
            let what = if *protected {
                "left running, no longer managed (Prune=false)"
            } else {
                "DELETED with its data"
            };
            s.push_str(&format!("  ! stateful {id}: {what}\n"));
        }
        for app in &e.argocd.applications_added {
            s.push_str(&format!("  + Application {app}\n"));
        }
        for app in &e.argocd.applications_removed {
            s.push_str(&format!("  - Application {app}\n"));
        }
        for (app, old, new) in &e.argocd.wave_changes {
            s.push_str(&format!("  ~ Application {app}: sync wave {old} → {new}\n"));
        }
        for c in &e.components {
            for id in &c.added {
                s.push_str(&format!("  + {}: {id}\n", c.component));
            }
            for id in &c.removed {
                s.push_str(&format!("  - {}: {id}\n", c.component));
            }
            for ch in &c.changed {
                s.push_str(&format!("  ~ {}: {}\n", c.component, ch.object));
                for f in &ch.fields {
                    s.push_str(&format!(
                        "      {}: {} → {}\n",
                        f.path,
                        f.old.as_deref().unwrap_or("(none)"),
                        f.new.as_deref().unwrap_or("(none)")
                    ));
                }
            }
        }
        for f in &e.findings_new {
            s.push_str(&format!("  new finding: {f}\n"));
        }
        for f in &e.findings_fixed {
            s.push_str(&format!("  fixed: {f}\n"));
        }
    }
    s
}

fn esc(s: &str) -> String {
    s.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub fn markdown(d: &Diff) -> String {
    let mut s = format!(
        "### shipshape: what this change does (against `{}`)\n\n",
        esc(&d.base)
    );
    if d.is_empty() {
        s.push_str("No change to any environment.\n");
        return s;
    }
    s.push_str(
        "| env | added | changed | removed | new findings | fixed |\n|---|---|---|---|---|---|\n",
    );
    for e in &d.envs {
        let (a, c, r) = counts(e);
        s.push_str(&format!(
            "| {} | {a} | {c} | {r} | {} | {} |\n",
            esc(&e.env),
            e.findings_new.len(),
            e.findings_fixed.len()
        ));
    }
    s.push('\n');
    // The dangerous part first, never truncated.
    for e in &d.envs {
        for (id, protected) in &e.argocd.stateful_removed {
            let what = if *protected {
                "is no longer managed (Prune=false keeps it running)"
            } else {
                "**will be deleted with its data**"
            };
            s.push_str(&format!(
                "> ⚠️ `{}`: stateful {} {what}\n",
                esc(&e.env),
                esc(&id.to_string())
            ));
        }
        for f in &e.findings_new {
            s.push_str(&format!("- `{}` new finding: {}\n", esc(&e.env), esc(f)));
        }
    }
    s.push('\n');
    let mut details = String::new();
    for e in &d.envs {
        for c in &e.components {
            let mut block = format!(
                "<details><summary>{} / {}</summary>\n\n",
                esc(&e.env),
                esc(&c.component)
            );
            for id in &c.added {
                block.push_str(&format!("- added {}\n", esc(&id.to_string())));
            }
            for id in &c.removed {
                block.push_str(&format!("- removed {}\n", esc(&id.to_string())));
            }
            for ch in &c.changed {
                block.push_str(&format!(
                    "- changed {}\n\n```diff\n{}```\n",
                    esc(&ch.object.to_string()),
                    ch.diff.replace("```", "``\u{200b}`")
                ));
            }
            block.push_str("\n</details>\n");
            details.push_str(&block);
        }
    }
    if s.len() + details.len() > MARKDOWN_LIMIT {
        let room = MARKDOWN_LIMIT.saturating_sub(s.len());
        let mut cut = room.min(details.len());
        while !details.is_char_boundary(cut) {
            cut -= 1;
        }
        // Close at a block boundary so the Markdown stays well formed.
        let end = details[..cut]
            .rfind("</details>\n")
            .map_or(0, |i| i + "</details>\n".len());
        s.push_str(&details[..end]);
        s.push_str("\n*Truncated: the full diff is in `shipshape diff --format json`.*\n");
    } else {
        s.push_str(&details);
    }
    s
}

pub fn json(d: &Diff) -> String {
    let mut s = serde_json::to_string_pretty(d).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::super::{Changed, ComponentDiff, Diff, EnvDiff, ObjectId};
    use super::*;

    #[test]
    fn markdown_is_cut_at_a_block_below_the_limit() {
        let id = |n: usize| ObjectId {
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
            namespace: Some("ns".into()),
            name: format!("cm{n}"),
        };
        let changed: Vec<Changed> = (0..400)
            .map(|n| Changed {
                object: id(n),
                fields: Vec::new(),
                diff: format!("-a: {}\n+a: {}\n", "x".repeat(200), "y".repeat(200)),
            })
            .collect();
        let d = Diff {
            version: 1,
            base: "main".into(),
            envs: vec![EnvDiff {
                env: "prd".into(),
                components: vec![ComponentDiff {
                    component: "c".into(),
                    changed,
                    ..ComponentDiff::default()
                }],
                ..EnvDiff::default()
            }],
        };
        let md = markdown(&d);
        assert!(md.len() <= MARKDOWN_LIMIT + 200, "{}", md.len());
        assert!(md.contains("Truncated"));
        assert_eq!(
            md.matches("<details>").count(),
            md.matches("</details>").count()
        );
        assert!(md.contains("| prd | 0 | 400 | 0 |"));
    }
}
