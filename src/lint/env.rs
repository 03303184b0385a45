//! Which environment a linted document belongs to, and whether it is a
//! production one: `--env`, the env folders on its path, the namespace it
//! names, and what the project's env specs say.

use std::collections::BTreeMap;
use std::path::Path;

use super::input::Doc;
use crate::yaml::Node;

/// Folders whose child folder names an environment: `overlays/prd/…`,
/// `clusters/production/…`, `envs/dev/…`, `environments/staging/…`.
pub const ENV_FOLDERS: &[&str] = &["overlays", "clusters", "envs", "environments"];

/// The environment a path names by convention: the folder after the last of
/// `folders` on the path, when it is a DNS label.
pub fn env_from_path(path: &Path, folders: &[impl AsRef<str>]) -> Option<String> {
    let mut parts = path.parent()?.components().map(|c| c.as_os_str());
    let mut previous = parts.next()?;
    let mut env = None;
    for part in parts {
        if previous
            .to_str()
            .is_some_and(|p| folders.iter().any(|f| f.as_ref() == p))
        {
            env = Some(part);
        }
        previous = part;
    }
    env.map(|e| e.to_string_lossy().into_owned())
        .filter(|e| crate::spec::types::Name::parse(e).is_ok())
}

/// How each document's environment is found: `--env`, the env folders and
/// names the project declares, and which envs are production.
#[derive(Debug, Clone, Default)]
pub struct EnvRules {
    pub env: Option<String>,
    /// The project's env folders (else [`ENV_FOLDERS`]).
    pub folders: Option<Vec<String>>,
    /// The project's envs: `namespace: shop-prd` names env `prd`.
    pub known: Option<Vec<String>>,
    /// Production-ness by env, from the env specs.
    pub production: BTreeMap<String, bool>,
    /// The repository's lint configuration (paths → env, excludes).
    pub scope: Option<super::scope::Scope>,
}

impl EnvRules {
    /// The env a file's path names (once per file): the repository's `paths:`
    /// map first, then the env folders.
    pub(super) fn of_path(&self, path: &Path) -> Option<String> {
        if let Some(env) = self.scope.as_ref().and_then(|s| s.env_of(path)) {
            return Some(env);
        }
        match &self.folders {
            Some(f) => env_from_path(path, f),
            None => env_from_path(path, ENV_FOLDERS),
        }
    }

    /// Sets a document's env facts; `path_env` is [`EnvRules::of_path`] of its file.
    pub(super) fn apply(&self, d: &mut Doc, path_env: Option<&String>) {
        d.env.clone_from(&self.env);
        d.path_env = path_env.cloned();
        if let (None, Some(known)) = (&d.path_env, &self.known) {
            let ns = d
                .node
                .get("metadata")
                .and_then(|m| m.get("namespace"))
                .and_then(Node::as_str);
            d.path_env = ns.and_then(|ns| {
                known
                    .iter()
                    .filter(|e| ns == e.as_str() || ns.ends_with(&format!("-{e}")))
                    .max_by_key(|e| e.len())
                    .cloned()
            });
        }
        if let Some(p) = d
            .env
            .as_deref()
            .or(d.path_env.as_deref())
            .and_then(|e| self.production.get(e))
        {
            d.production = Some(*p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_from_conventional_folders() {
        let f = |p: &str| env_from_path(Path::new(p), ENV_FOLDERS);
        assert_eq!(
            f("apps/api/overlays/prd/deployment.yaml").as_deref(),
            Some("prd")
        );
        assert_eq!(
            f("clusters/production/apps/x.yaml").as_deref(),
            Some("production")
        );
        assert_eq!(f("overlays/Prod/x.yaml"), None);
        assert_eq!(f("apps/api/base/deployment.yaml"), None);
        assert_eq!(f("overlays/x.yaml"), None);
    }
}
