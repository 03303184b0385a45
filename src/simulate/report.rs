//! A timeline as text and as JSON. The findings that go with it are printed
//! by the one set of reporters (`report::*`); this only adds the timeline.

use serde_json::{json, Value as J};

use super::facts::SyncFacts;
use super::replay::{Cause, Timeline};

fn cause_rule(c: Cause) -> &'static str {
    c.rule().id
}

/// The timeline as a person reads it: each wave, what each Application
/// brings and whether it turns Healthy, then where it stops and why.
pub fn human(t: &Timeline, facts: &SyncFacts) -> String {
    let env = t.env.as_deref().unwrap_or("(no env)");
    let mut s = format!("simulate {env}: an empty cluster, synced wave by wave\n");
    for &r in &t.roots {
        let a = &facts.apps[r];
        s.push_str(&format!(
            "  by hand   {} (root; AppProject `{}` applied with it)\n",
            a.name, a.project
        ));
    }
    if !t.prerequisites.is_empty() {
        s.push_str("  assumed present before the first sync (nothing in the set makes them):\n");
        for p in &t.prerequisites {
            s.push_str(&format!("    - {p}\n"));
        }
    }
    let stop = t.first_blocked_wave();
    for w in &t.waves {
        if stop.is_some_and(|b| w.wave > b) {
            s.push_str(&format!(
                "  wave {:>3}  never starts ({} Application{})\n",
                w.wave,
                w.apps.len(),
                if w.apps.len() == 1 { "" } else { "s" }
            ));
            continue;
        }
        for step in &w.apps {
            let a = &facts.apps[step.app];
            let what = if step.creates.is_empty() {
                format!("{} objects", step.objects)
            } else if step.objects > 0 {
                format!("{}; {} objects", step.creates.join(", "), step.objects)
            } else {
                step.creates.join(", ")
            };
            let state = if step.healthy { "Healthy" } else { "BLOCKED" };
            s.push_str(&format!(
                "  wave {:>3}  {:<28} {state:<8} {what}\n",
                w.wave, a.name
            ));
            if let Some(n) = &step.note {
                s.push_str(&format!("             note: {n}\n"));
            }
        }
    }
    for b in &t.blocks {
        s.push_str(&format!(
            "  blocked [{}] wave {}: {}\n             fix: {}\n",
            cause_rule(b.cause),
            b.wave,
            b.message,
            b.fix
        ));
    }
    if !t.unverified.is_empty() {
        s.push_str("  unverified (the model does not know; not passed):\n");
        for u in &t.unverified {
            s.push_str(&format!("    - {u}\n"));
        }
    }
    let apps: usize = t.waves.iter().map(|w| w.apps.len()).sum();
    match stop {
        None => s.push_str(&format!(
            "converges: {apps} Applications in {} waves turn Healthy\n",
            t.waves.len()
        )),
        Some(w) => s.push_str(&format!(
            "does not converge: wave {w} never turns Healthy ({} blocking step{})\n",
            t.blocks.len(),
            if t.blocks.len() == 1 { "" } else { "s" }
        )),
    }
    s
}

pub fn json(t: &Timeline, facts: &SyncFacts) -> J {
    let name = |i: usize| facts.apps[i].name.clone();
    json!({
        "env": t.env,
        "converges": t.converges(),
        "roots": t.roots.iter().map(|&r| name(r)).collect::<Vec<_>>(),
        "prerequisites": t.prerequisites,
        "waves": t.waves.iter().map(|w| json!({
            "wave": w.wave,
            "applications": w.apps.iter().map(|s| json!({
                "name": name(s.app),
                "objects": s.objects,
                "creates": s.creates,
                "healthy": s.healthy,
                "note": s.note,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "blocks": t.blocks.iter().map(|b| json!({
            "wave": b.wave,
            "application": name(b.app),
            "object": b.object.map(|o| facts.objects[o].display()),
            "rule": cause_rule(b.cause),
            "message": b.message,
            "fix": b.fix,
        })).collect::<Vec<_>>(),
        "unverified": t.unverified,
    })
}
