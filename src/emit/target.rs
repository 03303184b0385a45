//! Which folders a render may replace. The swap exchanges the whole folder, so
//! a wrong target is not one overwritten file but a lost tree: anything that
//! is not a plain folder of its own is refused before a byte is staged.

use std::path::{Component, Path, PathBuf};

use super::EmitError;

/// `path` made absolute against `base`, `.` and `..` resolved by name
/// (the folder may not exist yet, so the disk cannot resolve it).
fn absolute(base: &Path, path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The real location of a path that may not exist yet: its nearest existing
/// ancestor with links resolved, and the rest as named.
fn real(path: &Path) -> PathBuf {
    let mut rest = Vec::new();
    let mut at = path;
    loop {
        if let Ok(r) = std::fs::canonicalize(at) {
            return rest.iter().rev().fold(r, |p, c| p.join(c));
        }
        match (at.parent(), at.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                at = parent;
            }
            _ => return path.to_path_buf(),
        }
    }
}

/// Refuses an output folder that would take something else with it: an
/// existing file, FIFO or device (the swap would exchange it for a folder),
/// a link, a mount point (a rename cannot replace it), the project itself or
/// a folder holding it, or a folder inside one of the project's `inputs`.
pub fn check(dir: &Path, cwd: &Path, project: &Path, inputs: &[PathBuf]) -> Result<(), EmitError> {
    let shown = dir.display().to_string();
    let refuse = |why: &str| Err(EmitError::Target(shown.clone(), why.to_string()));
    if let Ok(meta) = std::fs::symlink_metadata(dir) {
        if meta.file_type().is_symlink() {
            return Err(EmitError::Symlink(shown));
        }
        if !meta.is_dir() {
            return refuse(
                "exists and is not a folder (a file, FIFO or device); the render would replace it",
            );
        }
        if is_mount_point(dir, &meta) {
            return refuse(
                "is a mount point, which a render cannot replace; name a folder inside it",
            );
        }
    }
    let out = real(&absolute(cwd, dir));
    let project = real(&absolute(cwd, project));
    if project.starts_with(&out) {
        return refuse(
            "holds the project itself; name a folder inside the project, such as `gitops-out`",
        );
    }
    for input in inputs {
        if out.starts_with(real(&absolute(cwd, input))) {
            return refuse(
                "is inside one of the project's inputs (its environments); name another folder",
            );
        }
    }
    Ok(())
}

#[cfg(unix)]
fn is_mount_point(dir: &Path, meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    let parent = std::fs::canonicalize(dir)
        .ok()
        .and_then(|d| d.parent().map(Path::to_path_buf));
    parent
        .and_then(|p| std::fs::metadata(p).ok())
        .is_some_and(|p| p.dev() != meta.dev())
}

#[cfg(not(unix))]
fn is_mount_point(_dir: &Path, _meta: &std::fs::Metadata) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `/proc` is a mount point on every Linux machine (nothing is written:
    /// only the check runs).
    #[cfg(target_os = "linux")]
    #[test]
    fn a_mount_point_is_refused() {
        let err = check(
            Path::new("/proc"),
            Path::new("/"),
            Path::new("/nonexistent"),
            &[],
        );
        assert!(
            matches!(&err, Err(EmitError::Target(_, why)) if why.contains("mount point")),
            "{err:?}"
        );
    }

    #[test]
    fn paths_resolve_by_name() {
        assert_eq!(
            absolute(Path::new("/p/sub"), Path::new("../out/./x")),
            Path::new("/p/out/x")
        );
        assert_eq!(
            absolute(Path::new("/p"), Path::new("/abs")),
            Path::new("/abs")
        );
    }
}
