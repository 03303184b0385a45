//! The replay: from an empty cluster, what Argo CD does with an app-of-apps,
//! wave by wave. Each child Application is admitted by its project, creates
//! its destination namespace (`CreateNamespace=true` creates only that one),
//! applies its objects, and turns Healthy when what they wait for exists; a
//! wave starts only when the one before it is Healthy. A need met only by a
//! later wave is a deadlock; a need nothing in the set meets is listed as a
//! prerequisite made by hand (and `lint`'s SS003 judges it).

use std::collections::{BTreeMap, BTreeSet};

use super::argocd::{admit, Admission};
use super::facts::{AppFact, SyncFacts};
pub use super::folders::dir_matches;
use super::folders::Folders;
use super::needs::{Makers, Needs};
use crate::catalog::runtime;

/// Why a step blocks, which is also the rule that reports it in `lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cause {
    /// The AppProject refuses the Application (SS060; SS026 for a missing project).
    Refused,
    ProjectMissing,
    /// A need that only a later wave meets, or a namespace nothing creates (SS061).
    Deadlock,
    /// The kubelet refuses a container (SS062).
    PodStart,
    /// An operator's pods fail against its image (SS063).
    Contract,
}

impl Cause {
    /// The rule that reports this cause in `lint` and `check`.
    pub fn rule(self) -> &'static crate::lint::RuleMeta {
        use crate::lint::rules::*;
        match self {
            Cause::Refused => &ss060_argocd_destination_not_permitted::META,
            Cause::ProjectMissing => &ss026_appproject_missing::META,
            Cause::Deadlock => &ss061_sync_wave_deadlock::META,
            Cause::PodStart => &ss062_image_user_not_numeric::META,
            Cause::Contract => &ss063_ot_redis_tls_without_init_config::META,
        }
    }

    pub const ALL: [Cause; 5] = [
        Cause::Refused,
        Cause::ProjectMissing,
        Cause::Deadlock,
        Cause::PodStart,
        Cause::Contract,
    ];
}

#[derive(Debug, Clone)]
pub struct Block {
    pub wave: i32,
    /// Index into the facts' Applications.
    pub app: usize,
    /// Index into the facts' objects, when one object is the cause.
    pub object: Option<usize>,
    pub cause: Cause,
    pub message: String,
    pub fix: String,
    /// The Application's field at fault (`spec.destination.namespace`), when
    /// the block is about the Application itself.
    pub field: Option<&'static str>,
}

#[derive(Debug, Clone)]
pub struct AppStep {
    pub app: usize,
    pub objects: usize,
    /// What it brings, as the timeline names it: its namespace, its chart.
    pub creates: Vec<String>,
    pub healthy: bool,
    /// How Argo CD judges its health when that differs from the truth.
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Wave {
    pub wave: i32,
    pub apps: Vec<AppStep>,
}

/// One app-of-apps on one cluster.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    pub env: Option<String>,
    /// Applications that hold other Applications (applied by hand).
    pub roots: Vec<usize>,
    pub waves: Vec<Wave>,
    pub blocks: Vec<Block>,
    /// What nothing in the set makes: it must exist before the first sync.
    pub prerequisites: BTreeSet<String>,
    /// What the model could not judge.
    pub unverified: BTreeSet<String>,
}

impl Timeline {
    pub fn converges(&self) -> bool {
        self.blocks.is_empty()
    }
    /// The first wave that never turns Healthy.
    pub fn first_blocked_wave(&self) -> Option<i32> {
        self.blocks.iter().map(|b| b.wave).min()
    }
}

/// The app-of-apps an Application belongs to: its env. (A root lives on
/// Argo CD's cluster while its children may target another: one timeline.)
fn group_key(a: &AppFact) -> Option<String> {
    a.env.clone()
}

/// Replays every app-of-apps of the set.
pub fn replay(facts: &SyncFacts) -> Vec<Timeline> {
    let mut groups: BTreeMap<Option<String>, Vec<usize>> = BTreeMap::new();
    for (i, a) in facts.apps.iter().enumerate() {
        groups.entry(group_key(a)).or_default().push(i);
    }
    // Roots hold Applications; they group with their children's env.
    let folders = Folders::new(facts);
    groups
        .into_iter()
        .map(|(env, apps)| Replay::new(facts, &folders, env, &apps).run())
        .collect()
}

struct Replay<'f> {
    facts: &'f SyncFacts,
    env: Option<String>,
    apps: Vec<usize>,
    roots: Vec<usize>,
    owned: BTreeMap<usize, Vec<(usize, Option<String>)>>,
}

impl<'f> Replay<'f> {
    fn new(facts: &'f SyncFacts, folders: &Folders, env: Option<String>, apps: &[usize]) -> Self {
        let mut owned = BTreeMap::new();
        let mut roots = Vec::new();
        let mut children = Vec::new();
        for &i in apps {
            let a = &facts.apps[i];
            let objects = folders.owned(facts, a);
            // A root syncs Applications (and their AppProject) only.
            let holds_apps = a.path.as_deref().is_some_and(|p| folders.holds_apps(p, i));
            if holds_apps && objects.is_empty() {
                roots.push(i);
            } else {
                children.push(i);
            }
            owned.insert(i, objects);
        }
        Replay {
            facts,
            env,
            apps: children,
            roots,
            owned,
        }
    }

    fn run(self) -> Timeline {
        let f = self.facts;
        let mut t = Timeline {
            env: self.env.clone(),
            roots: self.roots.clone(),
            ..Timeline::default()
        };
        let makers = Makers::of(f, &self.apps, &self.owned);
        let mut waves: BTreeMap<i32, Vec<usize>> = BTreeMap::new();
        for &i in &self.apps {
            waves.entry(f.apps[i].wave).or_default().push(i);
        }
        for &r in &self.roots {
            self.admission(r, &mut t, f.apps[r].wave);
        }
        if !self.roots.is_empty()
            && !runtime::argocd_judges_health(
                "argoproj.io/v1alpha1",
                "Application",
                &f.health_checks,
            )
        {
            t.unverified.insert(
                "no health check for argoproj.io/Application in the set (argocd-cm): Argo CD starts each wave without waiting for the one before to be Healthy, so this order is not enforced".into(),
            );
        }
        for (w, apps) in waves {
            let steps = apps
                .into_iter()
                .map(|i| self.step(i, w, &makers, &mut t))
                .collect();
            t.waves.push(Wave {
                wave: w,
                apps: steps,
            });
        }
        t
    }

    /// One Application's sync in wave `w`: admitted, then what its chart
    /// and its objects wait for.
    fn step(&self, i: usize, w: i32, makers: &Makers, t: &mut Timeline) -> AppStep {
        let f = self.facts;
        let before = t.blocks.len();
        let a = &f.apps[i];
        self.admission(i, t, w);
        let mut need = Needs {
            t,
            wave: w,
            app: i,
            facts: f,
            makers,
        };
        let mut creates = Vec::new();
        if a.create_namespace {
            creates.extend(a.dest_ns.iter().map(|n| format!("namespace {n}")));
        }
        if let Some(c) = &a.chart {
            creates.push(format!(
                "chart {} {}",
                c.chart,
                c.version.map(|v| v.to_string()).unwrap_or_default()
            ));
            need.chart(a, c);
        }
        let mut note = None;
        for (oi, ns) in &self.owned[&i] {
            note = need.object(*oi, ns.as_deref()).or(note);
        }
        AppStep {
            app: i,
            objects: self.owned[&i].len(),
            creates,
            healthy: t.blocks.len() == before,
            note,
        }
    }

    fn admission(&self, i: usize, t: &mut Timeline, wave: i32) {
        let f = self.facts;
        let a = &f.apps[i];
        let mut kinds: Vec<(String, String)> = self.owned[&i]
            .iter()
            .map(|(o, _)| &f.objects[*o])
            .filter(|o| o.is_cluster_scoped())
            .map(|o| {
                let group = o.api_version.rsplit_once('/').map_or("", |(g, _)| g);
                (group.to_string(), o.kind.to_string())
            })
            .collect();
        kinds.sort();
        kinds.dedup();
        match admit(a, &f.projects, &kinds) {
            Admission::Admitted => {}
            Admission::Unknown(m) => {
                t.unverified.insert(format!("{}: {m}", a.display()));
            }
            Admission::Refused { why, fix, field } => {
                let cause = if f.projects.iter().any(|p| p.name == a.project) {
                    Cause::Refused
                } else {
                    Cause::ProjectMissing
                };
                t.blocks.push(Block {
                    wave,
                    app: i,
                    object: None,
                    cause,
                    message: format!(
                        "{} is refused: {why}; Argo CD sets InvalidSpecError, its health stays Unknown and the sync waits for it forever",
                        a.display()
                    ),
                    fix,
                    field: Some(field),
                });
            }
        }
    }
}
