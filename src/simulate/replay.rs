//! The replay: from an empty cluster, what Argo CD does with an app-of-apps,
//! wave by wave. Each child Application is admitted by its project, creates
//! its destination namespace (`CreateNamespace=true` creates only that one),
//! applies its objects, and turns Healthy when what they wait for exists; a
//! wave starts only when the one before it is Healthy. A need met only by a
//! later wave is a deadlock; a need nothing in the set meets is listed as a
//! prerequisite made by hand (and `lint`'s SS003 judges it).

use std::collections::{BTreeMap, BTreeSet};

use super::argocd::{admit, Admission};
use super::facts::{AppFact, ObjFact, SyncFacts};
use crate::catalog::{operators::OT_GROUP, runtime, OperatorKind};

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
}

#[derive(Debug, Clone)]
pub struct AppStep {
    pub app: usize,
    pub objects: usize,
    /// What it brings: namespaces, CRD groups, Secrets, stores.
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

fn last_segment(dir: &str) -> &str {
    dir.trim_end_matches('/').rsplit('/').next().unwrap_or(dir)
}

/// Where objects land: `dir` matches an Application's `path` when its last
/// segments are the path's (all of them, or all but the first: the output
/// folder copied elsewhere).
pub fn dir_matches(dir: &str, path: &str) -> bool {
    let d: Vec<&str> = dir
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    let p: Vec<&str> = path
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    if p.is_empty() {
        return false;
    }
    let common = d
        .iter()
        .rev()
        .zip(p.iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    common == p.len() || (p.len() >= 3 && common == p.len() - 1)
}

/// The set's folders, indexed once per replay: which objects and
/// kustomizations each holds. Applications are matched against the distinct
/// folders, not against every object.
struct Folders<'f> {
    /// Every folder by its last segment: an Application's path can only
    /// match folders that end like it.
    by_last: BTreeMap<&'f str, Vec<&'f str>>,
    /// The Applications read from each folder.
    apps: BTreeMap<&'f str, Vec<usize>>,
    objects: BTreeMap<&'f str, Vec<usize>>,
    kustomizations: BTreeMap<&'f str, Vec<&'f super::facts::KustomizationFact>>,
}

impl<'f> Folders<'f> {
    fn new(facts: &'f SyncFacts) -> Self {
        let mut objects: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, o) in facts.objects.iter().enumerate() {
            objects.entry(o.dir.as_str()).or_default().push(i);
        }
        let mut kustomizations: BTreeMap<&str, Vec<_>> = BTreeMap::new();
        for k in &facts.kustomizations {
            kustomizations.entry(k.dir.as_str()).or_default().push(k);
        }
        let mut apps: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, a) in facts.apps.iter().enumerate() {
            apps.entry(a.dir.as_str()).or_default().push(i);
        }
        let dirs: BTreeSet<&str> = objects
            .keys()
            .chain(kustomizations.keys())
            .chain(apps.keys())
            .copied()
            .collect();
        let mut by_last: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for d in dirs {
            by_last.entry(last_segment(d)).or_default().push(d);
        }
        Folders {
            by_last,
            apps,
            objects,
            kustomizations,
        }
    }

    /// The folders a repository path names.
    fn matching<'p>(&'p self, path: &'p str) -> impl Iterator<Item = &'f str> + 'p {
        self.by_last
            .get(last_segment(path))
            .into_iter()
            .flatten()
            .copied()
            .filter(move |d| dir_matches(d, path))
    }

    /// Whether an Application's path holds other Applications.
    fn holds_apps(&self, path: &str, except: usize) -> bool {
        self.matching(path).any(|d| {
            self.apps
                .get(d)
                .is_some_and(|a| a.iter().any(|&i| i != except))
        })
    }

    /// The objects an Application syncs, each with the namespace it lands in.
    fn owned(&self, facts: &SyncFacts, app: &AppFact) -> Vec<(usize, Option<String>)> {
        let Some(path) = &app.path else {
            return Vec::new();
        };
        let mut dirs: BTreeSet<&str> = self.matching(path).collect();
        // The namespace of the top kustomization wins over what objects say.
        let top_ns = dirs.iter().find_map(|d| {
            self.kustomizations
                .get(d)
                .and_then(|ks| ks.iter().find_map(|k| k.namespace.clone()))
        });
        let mut todo: Vec<&str> = dirs.iter().copied().collect();
        while let Some(d) = todo.pop() {
            for k in self.kustomizations.get(d).into_iter().flatten() {
                for r in &k.resource_dirs {
                    if dirs.insert(r.as_str()) {
                        todo.push(r.as_str());
                    }
                }
            }
        }
        let mut out: Vec<(usize, Option<String>)> = dirs
            .iter()
            .flat_map(|d| self.objects.get(d).into_iter().flatten())
            .map(|&i| {
                let o = &facts.objects[i];
                let ns = if o.is_cluster_scoped() {
                    None
                } else {
                    top_ns
                        .clone()
                        .or_else(|| o.namespace.clone())
                        .or_else(|| app.dest_ns.clone())
                };
                (i, ns)
            })
            .collect();
        out.sort_by_key(|(i, _)| *i);
        out
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
        // When each thing first exists: the wave of its earliest maker.
        let mut ns_made: BTreeMap<String, (i32, usize)> = BTreeMap::new();
        let mut secret_made: BTreeMap<(String, String), (i32, usize)> = BTreeMap::new();
        let mut store_made: BTreeMap<String, (i32, usize)> = BTreeMap::new();
        let mut crd_made: BTreeMap<&str, (i32, usize)> = BTreeMap::new();
        for &i in &self.apps {
            let a = &f.apps[i];
            if a.create_namespace {
                if let Some(ns) = &a.dest_ns {
                    earliest(&mut ns_made, ns.clone(), a.wave, i);
                }
            }
            if let Some(e) = a.chart.as_ref().and_then(|c| c.entry) {
                for api in e.apis {
                    let group = api.api_version.split('/').next().unwrap_or("");
                    earliest(&mut crd_made, group, a.wave, i);
                }
            }
            for (o, ns) in &self.owned[&i] {
                let o = &f.objects[*o];
                if o.kind == "Namespace" {
                    earliest(&mut ns_made, o.name.clone(), a.wave, i);
                }
                for s in &o.makes_secrets {
                    if let Some(ns) = ns {
                        earliest(&mut secret_made, (ns.clone(), s.clone()), a.wave, i);
                    }
                }
                if let Some(g) = &o.makes_crd_group {
                    earliest(&mut crd_made, g.as_str(), a.wave, i);
                }
                if let Some(s) = &o.makes_store {
                    earliest(&mut store_made, s.clone(), a.wave, i);
                }
            }
        }
        let ot_pin = self.apps.iter().find_map(|&i| {
            let c = f.apps[i].chart.as_ref()?;
            (c.entry?.kind == OperatorKind::RedisOperator).then_some((c.version, c.ot_init_config))
        });
        // There from the start: the cluster's own, and Argo CD's.
        let preinstalled: BTreeSet<&str> =
            ["default", "kube-system", "kube-public", "kube-node-lease"]
                .into_iter()
                .chain(f.apps.iter().filter_map(|a| a.argocd_ns.as_deref()))
                .collect();
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
            let mut steps = Vec::new();
            for i in apps {
                let before = t.blocks.len();
                let a = &f.apps[i];
                self.admission(i, &mut t, w);
                let mut need = Needs {
                    t: &mut t,
                    wave: w,
                    app: i,
                    apps: &f.apps,
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
                    if c.entry.is_none() {
                        need.t.unverified.insert(format!(
                            "chart `{}`: what it needs is not in the catalogue",
                            c.chart
                        ));
                    }
                    for s in &c.secrets {
                        if let Some(ns) = &a.dest_ns {
                            let who = format!("{} (its chart)", a.display());
                            need.secret(&secret_made, ns, s, None, &who);
                        }
                    }
                }
                let mut note = None;
                for (oi, ns) in &self.owned[&i] {
                    let o = &f.objects[*oi];
                    if let Some(ns) = ns {
                        if !preinstalled.contains(ns.as_str()) {
                            need.namespace(&ns_made, ns, *oi, o);
                        }
                    }
                    if o.is_custom_resource() && !o.api_version.starts_with("argoproj.io/") {
                        need.crd(&crd_made, o, *oi);
                    }
                    for s in &o.needs_secrets {
                        if let Some(ns) = ns {
                            need.secret(&secret_made, ns, s, Some(*oi), &o.display());
                        }
                    }
                    for (sns, s) in &o.needs_secrets_at {
                        need.secret(&secret_made, sns, s, Some(*oi), &o.display());
                    }
                    for s in &o.needs_stores {
                        need.store(&store_made, s, *oi, o);
                    }
                    for m in &o.stops {
                        need.block(Some(*oi), Cause::PodStart, format!("{}: {m}", o.display()),
                            "set a numeric `runAsUser`, or use an image release whose USER is numeric".into());
                    }
                    for img in &o.unverified {
                        need.t.unverified.insert(format!(
                            "image `{img}` under runAsNonRoot: its user is not in the catalogue"
                        ));
                    }
                    if o.ot_tls {
                        match ot_pin {
                            Some((Some(v), gate)) if !runtime::ot_tls_starts(&v, gate) => need.block(
                                Some(*oi),
                                Cause::Contract,
                                format!(
                                    "{}: redis-operator {v} exports REDIS_TLS_CA_CERT, but the redis image's entrypoint reads REDIS_TLS_CA_KEY: with TLS the pods refuse their config and crash-loop",
                                    o.display()
                                ),
                                format!(
                                    "set `featureGates: {{ {}: true }}` in the redis-operator chart values",
                                    runtime::OT_INIT_CONFIG_GATE
                                ),
                            ),
                            Some((Some(_), _)) => {}
                            _ => {
                                need.t.unverified.insert(format!(
                                    "{}: no pinned redis-operator in this env, TLS config not checked",
                                    o.display()
                                ));
                            }
                        }
                    }
                    if o.api_version.starts_with(OT_GROUP)
                        && !runtime::argocd_judges_health(&o.api_version, &o.kind, &f.health_checks)
                    {
                        note = Some(format!(
                            "Argo CD has no health check for {}: Healthy as soon as it exists",
                            o.kind
                        ));
                    }
                }
                steps.push(AppStep {
                    app: i,
                    objects: self.owned[&i].len(),
                    creates,
                    healthy: t.blocks.len() == before,
                    note,
                });
            }
            t.waves.push(Wave {
                wave: w,
                apps: steps,
            });
        }
        t
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
                (group.to_string(), o.kind.clone())
            })
            .collect();
        kinds.sort();
        kinds.dedup();
        match admit(a, &f.projects, &kinds) {
            Admission::Admitted => {}
            Admission::Unknown(m) => {
                t.unverified.insert(format!("{}: {m}", a.display()));
            }
            Admission::Refused { why, fix } => {
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
                });
            }
        }
    }
}

/// Records `app` as a maker of `key` in wave `w`, keeping the earliest.
fn earliest<K: Ord>(m: &mut BTreeMap<K, (i32, usize)>, key: K, w: i32, app: usize) {
    let e = m.entry(key).or_insert((w, app));
    if w < e.0 {
        *e = (w, app);
    }
}

/// Checks what one Application's objects wait for.
struct Needs<'t, 'f> {
    t: &'t mut Timeline,
    wave: i32,
    app: usize,
    apps: &'f [AppFact],
}

impl Needs<'_, '_> {
    fn block(&mut self, object: Option<usize>, cause: Cause, message: String, fix: String) {
        self.t.blocks.push(Block {
            wave: self.wave,
            app: self.app,
            object,
            cause,
            message,
            fix,
        });
    }

    fn later(&mut self, object: Option<usize>, what: String, made: (i32, usize), fix: String) {
        let maker = &self.apps[made.1];
        self.block(
            object,
            Cause::Deadlock,
            format!(
                "{what}, which {} makes only in wave {}: wave {} never turns Healthy, so wave {} never starts",
                maker.display(),
                made.0,
                self.wave,
                made.0
            ),
            fix,
        );
    }

    fn namespace(
        &mut self,
        made: &BTreeMap<String, (i32, usize)>,
        ns: &str,
        oi: usize,
        o: &ObjFact,
    ) {
        let this = &self.apps[self.app];
        if this.create_namespace && this.dest_ns.as_deref() == Some(ns) {
            return;
        }
        match made.get(ns) {
            Some(&(w, _)) if w <= self.wave => {}
            Some(&m) => self.later(
                Some(oi),
                format!("{} goes to namespace `{ns}`", o.display()),
                m,
                format!("create namespace `{ns}` in this Application (a Namespace object), or move it to an earlier wave"),
            ),
            None => self.block(
                Some(oi),
                Cause::Deadlock,
                format!(
                    "{} goes to namespace `{ns}`, which nothing creates (`CreateNamespace=true` creates only the Application's destination)",
                    o.display()
                ),
                format!("add a Namespace `{ns}` to this Application, or make `{ns}` its destination"),
            ),
        }
    }

    fn crd(&mut self, made: &BTreeMap<&str, (i32, usize)>, o: &ObjFact, oi: usize) {
        let group = o.api_version.rsplit_once('/').map_or("", |(g, _)| g);
        match made.get(group) {
            Some(&(w, _)) if w <= self.wave => {}
            Some(&m) => self.later(
                Some(oi),
                format!("{} needs the CRD of `{group}`", o.display()),
                m,
                "install the operator's chart in an earlier wave".into(),
            ),
            None => {
                self.t
                    .prerequisites
                    .insert(format!("the CRDs of `{group}`"));
            }
        }
    }

    fn secret(
        &mut self,
        made: &BTreeMap<(String, String), (i32, usize)>,
        ns: &str,
        name: &str,
        oi: Option<usize>,
        who: &str,
    ) {
        match made.get(&(ns.to_string(), name.to_string())) {
            Some(&(w, _)) if w <= self.wave => {}
            Some(&m) => self.later(
                oi,
                format!("{who} reads Secret `{ns}/{name}`"),
                m,
                format!("make `{name}` in an earlier wave than its reader (the secret store's wave), or move the reader after it"),
            ),
            None => {
                self.t
                    .prerequisites
                    .insert(format!("Secret `{ns}/{name}` (read by {who})"));
            }
        }
    }

    fn store(&mut self, made: &BTreeMap<String, (i32, usize)>, name: &str, oi: usize, o: &ObjFact) {
        match made.get(name) {
            Some(&(w, _)) if w <= self.wave => {}
            Some(&m) => self.later(
                Some(oi),
                format!("{} reads through ClusterSecretStore `{name}`", o.display()),
                m,
                "sync the secret store in an earlier wave than every ExternalSecret".into(),
            ),
            None => {
                self.t
                    .prerequisites
                    .insert(format!("ClusterSecretStore `{name}`"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::dir_matches;

    #[test]
    fn folders_match_application_paths_by_their_last_segments() {
        let p = "gitops-out/apps/x/overlays/prd";
        assert!(dir_matches("apps/x/overlays/prd", p));
        assert!(dir_matches("/tmp/copy/apps/x/overlays/prd", p));
        assert!(dir_matches("gitops-out/apps/x/overlays/prd", p));
        assert!(!dir_matches("apps/x/overlays/dev", p));
        assert!(!dir_matches("apps/x/base", p));
        assert!(dir_matches("k8s/api", "api"));
        assert!(!dir_matches("k8s/web", "api"));
    }
}
