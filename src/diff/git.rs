//! The base side of a diff, read from Git with the `git` command: the
//! project's folder at a revision, extracted into a temporary folder.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::DiffError;

fn git(root: &Path, args: &[&str]) -> Result<String, DiffError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .map_err(|e| DiffError::Git(format!("cannot run git: {e}")))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        let why = String::from_utf8_lossy(&out.stderr);
        Err(DiffError::Git(format!(
            "git {}: {}",
            args.join(" "),
            why.lines().next().unwrap_or("failed")
        )))
    }
}

/// The merge base with the current branch's upstream, else `HEAD`.
pub fn default_base(root: &Path) -> Result<String, DiffError> {
    git(root, &["rev-parse", "--is-inside-work-tree"])
        .map_err(|_| DiffError::Git("not inside a Git repository".into()))?;
    match git(
        root,
        &[
            "rev-parse",
            "--abbrev-ref",
            "--symbolic-full-name",
            "@{upstream}",
        ],
    ) {
        Ok(upstream) if !upstream.is_empty() => git(root, &["merge-base", "HEAD", &upstream]),
        _ => Ok("HEAD".into()),
    }
}

/// A revision's copy of the project, removed when dropped.
pub struct Checkout {
    _dir: tempfile::TempDir,
    /// The project's folder inside the copy.
    pub root: PathBuf,
}

pub fn checkout(root: &Path, rev: &str) -> Result<Checkout, DiffError> {
    if rev.starts_with('-') {
        return Err(DiffError::Git(format!("`{rev}` is not a revision")));
    }
    git(root, &["rev-parse", "--is-inside-work-tree"])
        .map_err(|_| DiffError::Git("not inside a Git repository".into()))?;
    let commit = git(
        root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .map_err(|_| DiffError::Git(format!("`{rev}` does not name a commit")))?;
    let prefix = git(root, &["rev-parse", "--show-prefix"])?;
    let dir = tempfile::tempdir()
        .map_err(|e| DiffError::Git(format!("cannot make a temporary folder: {e}")))?;
    let archive = dir.path().join("base.tar");
    let archive_s = archive.to_string_lossy().into_owned();
    let mut args = vec![
        "archive",
        "--format=tar",
        "-o",
        archive_s.as_str(),
        commit.as_str(),
    ];
    if !prefix.is_empty() {
        args.push("--");
        args.push(prefix.as_str());
    }
    git(root, &args)?;
    let status = Command::new("tar")
        .arg("-xf")
        .arg(&archive)
        .arg("-C")
        .arg(dir.path())
        .status()
        .map_err(|e| DiffError::Git(format!("cannot run tar: {e}")))?;
    if !status.success() {
        return Err(DiffError::Git("cannot extract the base revision".into()));
    }
    let root = dir.path().join(prefix.trim_end_matches('/'));
    Ok(Checkout { _dir: dir, root })
}
