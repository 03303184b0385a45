//! What a repository tells `lint` about its manifests (the `lint:` section of
//! `shipshape.yaml`, or `.shipshape.yaml` where there is no project): which
//! paths it never reads, which environment a path belongs to, which
//! environments are production, and whether the set is complete. Globs are
//! relative to the configuration file's folder.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobMatcher, GlobSet, GlobSetBuilder};

use crate::problem::{Problem, Problems};
use crate::spec::raw::LintProject;

/// A repository's lint configuration, compiled.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// The folder the globs are relative to.
    pub root: PathBuf,
    /// `root`, canonical: files are matched by their path inside it.
    root_abs: Option<PathBuf>,
    pub env_folders: Option<Vec<String>>,
    pub complete: bool,
    exclude: Option<GlobSet>,
    paths: Vec<(GlobMatcher, String)>,
    pub production: Vec<String>,
}

fn glob(pattern: &str, span: crate::yaml::Span, what: &str) -> Result<Glob, Box<Problem>> {
    Glob::new(pattern).map_err(|e| {
        Box::new(
            Problem::at_span(
                "spec::invalid-value",
                format!("`{pattern}` is not a glob ({what}): {}", e.kind()),
                span,
            )
            .with_help("write a glob relative to this file's folder, e.g. `archive/**`"),
        )
    })
}

impl Scope {
    /// No configuration: read everything, envs by the default folders.
    pub fn at(root: &Path) -> Self {
        Scope {
            root: root.to_path_buf(),
            ..Scope::default()
        }
    }

    pub fn from_raw(raw: &LintProject, root: &Path) -> Result<Self, Problems> {
        let mut problems = Problems::default();
        let mut exclude = GlobSetBuilder::new();
        for e in &raw.exclude {
            match glob(&e.value, e.span, "exclude") {
                Ok(g) => {
                    exclude.add(g);
                }
                Err(p) => problems.push(*p),
            }
        }
        let mut paths = Vec::new();
        for (pattern, env) in &raw.paths {
            match glob(pattern, env.span, "paths") {
                Ok(g) => paths.push((g.compile_matcher(), env.to_string())),
                Err(p) => problems.push(*p),
            }
        }
        let exclude = (!raw.exclude.is_empty())
            .then(|| exclude.build().ok())
            .flatten();
        let scope = Scope {
            root: root.to_path_buf(),
            root_abs: std::fs::canonicalize(root).ok(),
            env_folders: raw
                .env_folders
                .as_ref()
                .map(|f| f.iter().map(ToString::to_string).collect()),
            complete: raw.complete.unwrap_or(false),
            exclude,
            paths,
            production: raw.production.iter().map(|p| p.to_string()).collect(),
        };
        problems.into_result(scope)
    }

    /// `path` relative to the configuration's folder, when it lies inside it.
    fn relative(&self, path: &Path) -> Option<PathBuf> {
        let root = self.root_abs.as_ref()?;
        let abs = std::fs::canonicalize(path).ok()?;
        abs.strip_prefix(root).ok().map(Path::to_path_buf)
    }

    /// Whether `lint` leaves the file out.
    pub fn excluded(&self, path: &Path) -> bool {
        // Relative paths (a canonicalize each) only when something excludes.
        self.exclude
            .as_ref()
            .is_some_and(|set| self.relative(path).is_some_and(|r| set.is_match(r)))
    }

    /// The env the `paths:` map gives a file, first match in key order.
    pub fn env_of(&self, path: &Path) -> Option<String> {
        if self.paths.is_empty() {
            return None;
        }
        let rel = self.relative(path)?;
        self.paths
            .iter()
            .find(|(m, _)| m.is_match(&rel))
            .map(|(_, env)| env.clone())
    }
}
