//! Which Application syncs which object: an Application's `spec.source.path`
//! names a folder by its last segments (the repository's layout need not be
//! the checkout's), and kustomizations pull in the folders they list under
//! `resources`, their top `namespace:` deciding where objects land.

use std::collections::{BTreeMap, BTreeSet};

use super::facts::{AppFact, KustomizationFact, SyncFacts};

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
pub struct Folders<'f> {
    /// Every folder by its last segment: an Application's path can only
    /// match folders that end like it.
    by_last: BTreeMap<&'f str, Vec<&'f str>>,
    /// The Applications read from each folder.
    apps: BTreeMap<&'f str, Vec<usize>>,
    objects: BTreeMap<&'f str, Vec<usize>>,
    kustomizations: BTreeMap<&'f str, Vec<&'f KustomizationFact>>,
}

impl<'f> Folders<'f> {
    pub fn new(facts: &'f SyncFacts) -> Self {
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
    pub fn holds_apps(&self, path: &str, except: usize) -> bool {
        self.matching(path).any(|d| {
            self.apps
                .get(d)
                .is_some_and(|a| a.iter().any(|&i| i != except))
        })
    }

    /// The objects an Application syncs, each with the namespace it lands in.
    pub fn owned(&self, facts: &SyncFacts, app: &AppFact) -> Vec<(usize, Option<String>)> {
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
