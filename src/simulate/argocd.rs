//! Argo CD's part of the model: AppProject admission. An Application its
//! project does not permit gets an `InvalidSpecError` (destination, source
//! repository) or a failed sync (a cluster-scoped kind outside
//! `clusterResourceWhitelist`); its health stays Unknown, and a parent
//! waiting on it in a sync wave waits until `controller.sync.timeout.seconds`
//! (0 by default: forever). FACTS.md §8.

use super::facts::{AppFact, ProjectFact};

/// The address Argo CD gives the cluster it runs in (named `in-cluster`).
pub const IN_CLUSTER: &str = "https://kubernetes.default.svc";

/// What the project says of an Application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    Admitted,
    /// Refused: why, how to fix it, and the Application's field at fault.
    Refused {
        why: String,
        fix: String,
        field: &'static str,
    },
    /// The project is not in the set: admission cannot be judged.
    Unknown(String),
}

/// Argo CD's glob: `*` any run of characters, `?` one character.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Iterative matching with one backtrack point: linear in practice.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// A project pattern matches; `!pattern` entries (Argo CD 2.6+) deny.
fn permits(patterns: &[Option<&str>], text: &str) -> bool {
    let mut allowed = false;
    for p in patterns.iter().flatten() {
        match p.strip_prefix('!') {
            Some(deny) if glob(deny, text) => return false,
            Some(_) => {}
            None => allowed |= glob(p, text),
        }
    }
    allowed
}

/// Whether `project` admits `app`, and, for a manifest source, each
/// cluster-scoped kind it syncs (`kinds`: `(group, kind)`).
pub fn admit(app: &AppFact, projects: &[ProjectFact], kinds: &[(String, String)]) -> Admission {
    let Some(project) = projects.iter().find(|p| p.name == app.project) else {
        if app.project == "default" || projects.is_empty() {
            return Admission::Unknown(format!(
                "AppProject `{}` is not in the set: its permissions are not checked",
                app.project
            ));
        }
        return Admission::Refused {
            field: "spec.project",
            why: format!("AppProject `{}` does not exist", app.project),
            fix: "name an AppProject the repository renders, or add it".into(),
        };
    };
    if let Some(repo) = &app.repo_url {
        let repos: Vec<Option<&str>> = project
            .source_repos
            .iter()
            .map(|s| Some(s.as_str()))
            .collect();
        if !permits(&repos, repo) {
            return Admission::Refused {
                field: "spec.source.repoURL",
                why: format!(
                    "AppProject `{}` does not permit source repository `{repo}`",
                    project.name
                ),
                fix: format!("add `{repo}` to the AppProject's `sourceRepos`"),
            };
        }
    }
    let ns = app.dest_ns.as_deref().unwrap_or("");
    // A destination by cluster name matches an entry by name, or by server
    // once Argo CD resolves the name; only `in-cluster` resolves offline.
    let server = app
        .server
        .as_deref()
        .or_else(|| (app.cluster_name.as_deref() == Some("in-cluster")).then_some(IN_CLUSTER));
    let mut unresolved = false;
    let destination_ok = project.destinations.iter().any(|d| {
        let server_ok = match (server, &app.cluster_name) {
            (Some(s), name) => {
                permits(&[d.server.as_deref()], s)
                    || name
                        .as_deref()
                        .is_some_and(|n| permits(&[d.name.as_deref()], n))
            }
            (None, Some(n)) => {
                let by_name = permits(&[d.name.as_deref()], n);
                unresolved |= !by_name && d.server.is_some();
                by_name
            }
            (None, None) => false,
        };
        server_ok && permits(&[d.namespace.as_deref()], ns)
    });
    if !destination_ok && unresolved {
        return Admission::Unknown(format!(
            "cluster `{}` is matched by server in AppProject `{}`: its address is not known offline",
            app.cluster_name.as_deref().unwrap_or(""),
            project.name
        ));
    }
    // Deny entries apply across the list.
    let denied = project.destinations.iter().any(|d| {
        d.namespace
            .as_deref()
            .and_then(|p| p.strip_prefix('!'))
            .is_some_and(|p| glob(p, ns))
    });
    if !destination_ok || denied {
        return Admission::Refused {
            field: "spec.destination.namespace",
            why: format!(
                "AppProject `{}` does not permit destination {}",
                project.name,
                app.destination()
            ),
            fix: format!(
                "send the Application to a namespace the project lists, or add `{ns}` to its `destinations`"
            ),
        };
    }
    for (group, kind) in kinds {
        let ok = project
            .cluster_whitelist
            .iter()
            .any(|(g, k)| glob(g, group) && glob(k, kind));
        if !ok {
            return Admission::Refused {
                // The objects the source holds are what the project refuses.
                field: "spec.source",
                why: format!(
                    "AppProject `{}` does not permit cluster-scoped {kind} (not in `clusterResourceWhitelist`)",
                    project.name
                ),
                fix: format!("add `{{ group: \"{group}\", kind: {kind} }}` to the AppProject's `clusterResourceWhitelist`"),
            };
        }
    }
    Admission::Admitted
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs_match_as_argo_cd_does() {
        assert!(glob("*", "anything/at/all"));
        assert!(glob("example-*", "example-prd"));
        assert!(!glob("example-*", "default"));
        assert!(glob(
            "https://github.com/org/*",
            "https://github.com/org/repo.git"
        ));
        assert!(glob("a?c", "abc"));
        assert!(!glob("", "x"));
        assert!(glob("", ""));
    }
}
