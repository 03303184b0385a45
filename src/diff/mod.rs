//! `shipshape diff`: what a change does to every environment, offline. Both
//! sides are rendered in memory (the base from Git, the head from the working
//! tree) and compared object by object, with the Argo CD consequences and the
//! findings the change introduces or fixes.

mod git;
pub mod report;

use serde::Serialize;
use serde_json::Value as J;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::lint::gate::{evaluate, Evaluated};
use crate::problem::{At, Problem, Problems};
use crate::source::Sources;

/// An object's identity across the two sides.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ObjectId {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

impl std::fmt::Display for ObjectId {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {ns}/{}", self.kind, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FieldChange {
    pub path: String,
    /// `None` when the field is added (old) or removed (new).
    pub old: Option<String>,
    pub new: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Changed {
    pub object: ObjectId,
    pub fields: Vec<FieldChange>,
    /// A unified diff of the object's YAML, secret-like values masked.
    pub diff: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ComponentDiff {
    pub component: String,
    pub added: Vec<ObjectId>,
    pub removed: Vec<ObjectId>,
    pub changed: Vec<Changed>,
}

/// What Argo CD does about the change in one environment.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ArgoCd {
    pub applications_added: Vec<String>,
    pub applications_removed: Vec<String>,
    /// (Application, old wave, new wave)
    pub wave_changes: Vec<(String, String, String)>,
    /// Objects that leave the render and that Argo CD prunes (when automated).
    pub pruned: Vec<ObjectId>,
    /// Stateful objects that leave the render: their data is at stake.
    pub stateful_removed: Vec<(ObjectId, bool)>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct EnvDiff {
    pub env: String,
    pub components: Vec<ComponentDiff>,
    pub argocd: ArgoCd,
    pub findings_new: Vec<String>,
    pub findings_fixed: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    pub version: u32,
    pub base: String,
    pub envs: Vec<EnvDiff>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.envs.is_empty()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error("{0}")]
    Git(String),
}

/// A side that failed to load: its problems, and which side it was.
pub struct Broken {
    pub side: String,
    pub problems: Problems,
    pub sources: Sources,
}

fn object_id(v: &J) -> ObjectId {
    let s = |p: &str| v.pointer(p).and_then(J::as_str).map(str::to_string);
    ObjectId {
        api_version: s("/apiVersion").unwrap_or_default(),
        kind: s("/kind").unwrap_or_default(),
        namespace: s("/metadata/namespace"),
        name: s("/metadata/name").unwrap_or_default(),
    }
}

type Objects<'a> = BTreeMap<(String, String, ObjectId), &'a J>; // (env, component, id)

fn objects(e: &Evaluated) -> Objects<'_> {
    e.bundle
        .objects
        .iter()
        .map(|b| {
            (
                (
                    b.env.clone(),
                    b.component.clone(),
                    object_id(&b.object.value),
                ),
                &b.object.value,
            )
        })
        .collect()
}

/// A value as shown in a diff: secret-like values (by the key, or their own
/// shape) never appear.
fn shown(key: &str, v: &J) -> String {
    let text = match v {
        J::String(s) => s.clone(),
        other => other.to_string(),
    };
    if crate::secret::is_secret_key(key) || crate::secret::looks_secret_value(&text) {
        "(secret, not shown)".into()
    } else if text.len() > 200 {
        format!("{}…", text.chars().take(200).collect::<String>())
    } else {
        text
    }
}

/// The items of a list by their `name`, when every item has a distinct one.
fn named(items: &[J]) -> Option<Vec<(&str, &J)>> {
    let out: Vec<(&str, &J)> = items
        .iter()
        .map(|v| v.get("name").and_then(J::as_str).map(|n| (n, v)))
        .collect::<Option<_>>()?;
    let distinct: BTreeSet<&str> = out.iter().map(|(n, _)| *n).collect();
    (distinct.len() == out.len()).then_some(out)
}

fn field_changes(
    path: &str,
    key: &str,
    old: Option<&J>,
    new: Option<&J>,
    out: &mut Vec<FieldChange>,
) {
    match (old, new) {
        (Some(J::Object(a)), Some(J::Object(b))) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for k in keys {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                field_changes(&p, k, a.get(k), b.get(k), out);
            }
        }
        (Some(J::Array(a)), Some(J::Array(b))) => match (named(a), named(b)) {
            // Lists of named items (containers, env, ports, volumes) compare by
            // name: inserting one is one change, not a rename of every later one.
            (Some(na), Some(nb)) => {
                let mut names: Vec<&str> = na.iter().map(|(n, _)| *n).collect();
                names.extend(
                    nb.iter()
                        .map(|(n, _)| *n)
                        .filter(|n| !na.iter().any(|(m, _)| m == n)),
                );
                for n in names {
                    let old = na.iter().find(|(m, _)| *m == n).map(|(_, v)| *v);
                    let new = nb.iter().find(|(m, _)| *m == n).map(|(_, v)| *v);
                    field_changes(&format!("{path}[{n}]"), key, old, new, out);
                }
            }
            _ => {
                for i in 0..a.len().max(b.len()) {
                    field_changes(&format!("{path}[{i}]"), key, a.get(i), b.get(i), out);
                }
            }
        },
        (a, b) if a != b => out.push(FieldChange {
            path: path.to_string(),
            old: a.map(|v| shown(key, v)),
            new: b.map(|v| shown(key, v)),
        }),
        _ => {}
    }
}

fn yaml_diff(old: &J, new: &J, name: &str) -> String {
    let (a, b) = (
        crate::secret::masked(&crate::yaml::emit::to_yaml(old)),
        crate::secret::masked(&crate::yaml::emit::to_yaml(new)),
    );
    similar::TextDiff::from_lines(&a, &b)
        .unified_diff()
        .context_radius(2)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
}

fn stateful(id: &ObjectId, v: &J) -> bool {
    match id.kind.as_str() {
        "Cluster" => id.api_version.starts_with("postgresql.cnpg.io/"),
        "Redis" | "RedisReplication" | "RedisCluster" => {
            id.api_version.starts_with("redis.redis.opstreelabs.in/")
        }
        "StatefulSet" => v
            .pointer("/spec/volumeClaimTemplates")
            .and_then(J::as_array)
            .is_some_and(|a| !a.is_empty()),
        "PersistentVolumeClaim" => true,
        _ => false,
    }
}

fn protected(v: &J) -> bool {
    v.pointer("/metadata/annotations/argocd.argoproj.io~1sync-options")
        .and_then(J::as_str)
        .is_some_and(|o| o.contains("Prune=false"))
}

/// Findings by identity (rule, object, field path, env: stable across line moves).
fn findings(e: &Evaluated) -> BTreeMap<String, BTreeSet<String>> {
    let mut by_env: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for d in &e.report.diagnostics {
        let object = d.object.as_ref().map_or_else(String::new, |o| {
            format!(
                "{} {}/{}",
                o.kind,
                o.namespace.as_deref().unwrap_or("-"),
                o.name.as_deref().unwrap_or("-")
            )
        });
        let id = format!(
            "{} {}: {object} {} — {}",
            d.severity.as_str(),
            d.rule,
            d.path,
            d.message
        );
        for env in &d.envs {
            by_env.entry(env.clone()).or_default().insert(id.clone());
        }
    }
    by_env
}

fn compare(base: &Evaluated, head: &Evaluated, base_name: &str) -> Diff {
    let (a, b) = (objects(base), objects(head));
    let keys: BTreeSet<&(String, String, ObjectId)> = a.keys().chain(b.keys()).collect();
    let mut envs: BTreeMap<String, EnvDiff> = BTreeMap::new();
    let automated = |env: &str| {
        head.model
            .env(env)
            .or(base.model.env(env))
            .is_some_and(|e| e.automated)
    };
    for key in keys {
        let (env, component, id) = key;
        let e = envs.entry(env.clone()).or_insert_with(|| EnvDiff {
            env: env.clone(),
            ..EnvDiff::default()
        });
        let comp = match e.components.iter().position(|c| &c.component == component) {
            Some(i) => i,
            None => {
                e.components.push(ComponentDiff {
                    component: component.clone(),
                    ..ComponentDiff::default()
                });
                e.components.len() - 1
            }
        };
        match (a.get(key), b.get(key)) {
            (None, Some(_)) => {
                e.components[comp].added.push(id.clone());
                if id.kind == "Application" {
                    e.argocd.applications_added.push(id.name.clone());
                }
            }
            (Some(old), None) => {
                e.components[comp].removed.push(id.clone());
                if id.kind == "Application" {
                    e.argocd.applications_removed.push(id.name.clone());
                }
                if stateful(id, old) {
                    e.argocd.stateful_removed.push((id.clone(), protected(old)));
                }
                if automated(env) && !protected(old) {
                    e.argocd.pruned.push(id.clone());
                }
            }
            (Some(old), Some(new)) if old != new => {
                let mut fields = Vec::new();
                field_changes("", "", Some(old), Some(new), &mut fields);
                if id.kind == "Application" {
                    let wave = |v: &J| {
                        v.pointer("/metadata/annotations/argocd.argoproj.io~1sync-wave")
                            .and_then(J::as_str)
                            .unwrap_or("0")
                            .to_string()
                    };
                    if wave(old) != wave(new) {
                        e.argocd
                            .wave_changes
                            .push((id.name.clone(), wave(old), wave(new)));
                    }
                }
                e.components[comp].changed.push(Changed {
                    object: id.clone(),
                    fields,
                    diff: yaml_diff(old, new, &format!("{env}/{component}/{id}")),
                });
            }
            _ => {}
        }
    }
    let (fa, fb) = (findings(base), findings(head));
    for (env, ids) in &fb {
        let old = fa.get(env).cloned().unwrap_or_default();
        let e = envs.entry(env.clone()).or_insert_with(|| EnvDiff {
            env: env.clone(),
            ..EnvDiff::default()
        });
        e.findings_new = ids.difference(&old).cloned().collect();
    }
    for (env, ids) in &fa {
        let new = fb.get(env).cloned().unwrap_or_default();
        let e = envs.entry(env.clone()).or_insert_with(|| EnvDiff {
            env: env.clone(),
            ..EnvDiff::default()
        });
        e.findings_fixed = ids.difference(&new).cloned().collect();
    }
    let envs = envs
        .into_values()
        .map(|mut e| {
            e.components
                .retain(|c| !(c.added.is_empty() && c.removed.is_empty() && c.changed.is_empty()));
            e
        })
        // Envs the change does not touch are left out.
        .filter(|e| {
            !e.components.is_empty() || !e.findings_new.is_empty() || !e.findings_fixed.is_empty()
        })
        .collect();
    Diff {
        version: 1,
        base: base_name.to_string(),
        envs,
    }
}

/// Renders `root` at `base` (default: the merge base with the upstream of the
/// current branch, else `HEAD`) and in the working tree, and compares them.
pub fn diff(
    root: &Path,
    base: Option<&str>,
    only: &[String],
) -> Result<Diff, Result<Broken, DiffError>> {
    let base = match base {
        Some(b) => b.to_string(),
        None => git::default_base(root).map_err(Err)?,
    };
    let checkout = git::checkout(root, &base).map_err(Err)?;
    let head = evaluate(root, false).map_err(|(problems, sources)| {
        Ok(Broken {
            side: "the working tree".into(),
            problems,
            sources,
        })
    })?;
    let base_eval = evaluate(&checkout.root, false).map_err(|(problems, sources)| {
        Ok(Broken {
            side: format!("the base `{base}`"),
            problems,
            sources,
        })
    })?;
    let mut d = compare(&base_eval, &head, &base);
    if !only.is_empty() {
        d.envs.retain(|e| only.contains(&e.env));
    }
    Ok(d)
}

/// A located problem for a Git failure, so every format can carry it.
pub fn git_problem(e: &DiffError) -> Problems {
    Problem::new("cli::git", e.to_string(), At::Nowhere)
        .with_help(
            "run `shipshape diff` inside a Git repository, with a --base that names a commit",
        )
        .into()
}

/// The identities of the findings at `base`, for `check --new-only`.
pub fn base_findings(
    root: &Path,
    base: Option<&str>,
) -> Result<BTreeSet<String>, Result<Broken, DiffError>> {
    let base = match base {
        Some(b) => b.to_string(),
        None => git::default_base(root).map_err(Err)?,
    };
    let checkout = git::checkout(root, &base).map_err(Err)?;
    let e = evaluate(&checkout.root, false).map_err(|(problems, sources)| {
        Ok(Broken {
            side: format!("the base `{base}`"),
            problems,
            sources,
        })
    })?;
    Ok(e.report
        .diagnostics
        .iter()
        .map(crate::lint::gate::identity)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::{field_changes, FieldChange};
    use serde_json::json;

    fn changes(
        a: serde_json::Value,
        b: serde_json::Value,
    ) -> Vec<(String, Option<String>, Option<String>)> {
        let mut out: Vec<FieldChange> = Vec::new();
        field_changes("", "", Some(&a), Some(&b), &mut out);
        out.into_iter().map(|c| (c.path, c.old, c.new)).collect()
    }

    #[test]
    fn an_inserted_env_var_is_one_change_not_a_rename_of_every_later_one() {
        let before =
            json!({ "env": [{ "name": "A", "value": "1" }, { "name": "B", "value": "2" }] });
        let after = json!({ "env": [{ "name": "NEW", "value": "0" }, { "name": "A", "value": "1" }, { "name": "B", "value": "2" }] });
        let c = changes(before, after);
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(c[0].0, "env[NEW]");
        assert_eq!(c[0].1, None);
        // Lists without names (or with duplicates) still compare by position.
        let c = changes(
            json!({ "args": ["a", "b"] }),
            json!({ "args": ["x", "a", "b"] }),
        );
        assert_eq!(c.len(), 3);
    }
}
