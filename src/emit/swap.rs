//! Replacing the output folder as one step: one writer at a time (a lock file
//! beside the folder), the new tree staged in a sibling folder on the same
//! filesystem (unchanged and foreign files hard-linked, so they keep their
//! identity), then swapped in with one atomic rename. A render killed at any
//! point leaves the folder fully old or fully new; its leftovers are recognised
//! by their names and removed by the next render.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::EmitError;

/// Sibling names: `.<output>.shipshape-lock`, `.<output>.shipshape-new-<pid>-<n>`,
/// `.<output>.shipshape-old-<pid>-<n>`.
fn sibling(dir: &Path, what: &str) -> PathBuf {
    let name = dir
        .file_name()
        .map_or_else(|| OsString::from("out"), OsString::from);
    let mut s = OsString::from(".");
    s.push(name);
    s.push(format!(".shipshape-{what}"));
    dir.with_file_name(s)
}

fn unique(dir: &Path, what: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    sibling(dir, &format!("{what}-{}-{n}", std::process::id()))
}

fn io(path: &Path, source: std::io::Error) -> EmitError {
    EmitError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Held while writing; removes the lock file when dropped.
pub struct Lock {
    path: PathBuf,
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn pid_alive(pid: u32) -> bool {
    Path::new("/proc").is_dir() && Path::new(&format!("/proc/{pid}")).exists()
}

/// Takes the output folder's lock, or says who holds it. A lock left by a
/// process that no longer runs (a killed render) is taken over.
pub fn lock(dir: &Path) -> Result<Lock, EmitError> {
    let path = sibling(dir, "lock");
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
    }
    // The lock appears with its content in one step (a hard link of a file
    // already written), so a reader never sees an empty lock.
    let tmp = unique(dir, "lock-tmp");
    std::fs::write(&tmp, format!("{}\n", std::process::id())).map_err(|e| io(&tmp, e))?;
    let result = (|| {
        for _ in 0..2 {
            match std::fs::hard_link(&tmp, &path) {
                Ok(()) => return Ok(Lock { path: path.clone() }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&path)
                        .ok()
                        .and_then(|s| s.trim().parse::<u32>().ok());
                    match holder {
                        Some(pid) if pid_alive(pid) && pid != std::process::id() => {
                            return Err(EmitError::Locked {
                                pid,
                                lock: path.display().to_string(),
                            })
                        }
                        // The writer died (kill -9): take its lock over.
                        _ => {
                            let _ = std::fs::remove_file(&path);
                        }
                    }
                }
                Err(e) => return Err(io(&path, e)),
            }
        }
        Err(EmitError::Locked {
            pid: 0,
            lock: path.display().to_string(),
        })
    })();
    let _ = std::fs::remove_file(&tmp);
    result
}

/// Removes what a killed render left beside the folder. If it died between
/// the two renames of the fallback swap, the old tree is put back first.
pub fn recover(dir: &Path) -> Result<(), EmitError> {
    let Some(parent) = dir.parent() else {
        return Ok(());
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    let prefix = sibling(dir, "")
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Ok(());
    };
    let mut leftovers: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.starts_with(&prefix) && (n.contains("shipshape-new-") || n.contains("shipshape-old-"))
        })
        .map(|e| e.path())
        .collect();
    leftovers.sort();
    if !dir.exists() {
        if let Some(old) = leftovers
            .iter()
            .find(|p| p.to_string_lossy().contains("shipshape-old-"))
        {
            std::fs::rename(old, dir).map_err(|e| io(dir, e))?;
        }
    }
    for p in &leftovers {
        remove_leftover(p)?;
    }
    // Lock files being made by a process killed on the spot.
    if let Ok(entries) = std::fs::read_dir(parent) {
        for e in entries.filter_map(Result::ok) {
            let n = e.file_name().to_string_lossy().into_owned();
            let Some(rest) = n
                .strip_prefix(&prefix)
                .and_then(|r| r.strip_prefix("lock-tmp-"))
            else {
                continue;
            };
            let pid = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
            if pid.is_some_and(|p| !pid_alive(p)) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    Ok(())
}

/// Removes a leftover of an earlier render (a tree, or a file that took a
/// staging name), or says exactly what to remove by hand.
fn remove_leftover(p: &Path) -> Result<(), EmitError> {
    let result = match std::fs::symlink_metadata(p) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(p),
        _ => std::fs::remove_file(p),
    };
    result.map_err(|e| EmitError::Leftover(p.display().to_string(), e.to_string()))
}

/// Refuses an output folder that is, or holds, a symbolic link: writing
/// through it could change files outside the project.
pub fn refuse_symlinks(dir: &Path) -> Result<(), EmitError> {
    match std::fs::symlink_metadata(dir) {
        Ok(m) if m.file_type().is_symlink() => {
            return Err(EmitError::Symlink(dir.display().to_string()))
        }
        Ok(_) => {}
        Err(_) => return Ok(()),
    }
    for entry in walkdir::WalkDir::new(dir).follow_links(false) {
        let entry = entry.map_err(|e| {
            let path = e
                .path()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| dir.into());
            io(&path, std::io::Error::other(e.to_string()))
        })?;
        if entry.path_is_symlink() {
            return Err(EmitError::Symlink(entry.path().display().to_string()));
        }
    }
    Ok(())
}

/// A staged copy of the output folder, removed unless it is swapped in.
pub struct Staging {
    pub root: PathBuf,
    swapped: bool,
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.swapped {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }
}

/// Builds the new tree: every file of `dir` that `keep` accepts, hard-linked
/// (copied where links are not possible), then `write` for the new contents.
pub fn stage(
    dir: &Path,
    keep: impl Fn(&str) -> bool,
    write: &[(&str, &str)],
    writer: &super::FileWriter,
) -> Result<Staging, EmitError> {
    let staging = Staging {
        root: unique(dir, "new"),
        swapped: false,
    };
    std::fs::create_dir_all(&staging.root).map_err(|e| io(&staging.root, e))?;
    if dir.is_dir() {
        keep_mode(dir, &staging.root)?;
        for entry in walkdir::WalkDir::new(dir)
            .min_depth(1)
            .sort_by_file_name()
            .follow_links(false)
        {
            let entry = entry.map_err(|e| io(dir, std::io::Error::other(e.to_string())))?;
            // Names are kept as bytes: a foreign file's name that is not
            // UTF-8 must not be read lossily (two names would become one).
            let Ok(rel_path) = entry.path().strip_prefix(dir) else {
                continue;
            };
            let target = staging.root.join(rel_path);
            if entry.file_type().is_dir() {
                // Folders are recreated as they were; emptied ones are pruned below.
                std::fs::create_dir(&target).map_err(|e| io(&target, e))?;
                keep_mode(entry.path(), &target)?;
            } else if keep(&crate::source::display_path(entry.path(), dir)) {
                link_or_copy(entry.path(), &target)?;
            }
        }
    }
    for (rel, content) in write {
        let target = staging.root.join(rel);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
        }
        writer(&target, content.as_bytes()).map_err(|e| io(&target, e))?;
    }
    Ok(staging)
}

/// A kept file in the new tree: the same inode where the filesystem allows,
/// else a copy into a new file (never through an existing one, which could
/// share its inode with the old tree).
fn link_or_copy(from: &Path, to: &Path) -> Result<(), EmitError> {
    if std::fs::hard_link(from, to).is_ok() {
        return Ok(());
    }
    let mut src = std::fs::File::open(from).map_err(|e| io(from, e))?;
    let mut dst = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(to)
        .map_err(|e| io(to, e))?;
    std::io::copy(&mut src, &mut dst).map_err(|e| io(to, e))?;
    let perms = src.metadata().map_err(|e| io(from, e))?.permissions();
    dst.set_permissions(perms).map_err(|e| io(to, e))
}

/// A staged folder gets the permissions of the folder it replaces.
fn keep_mode(from: &Path, to: &Path) -> Result<(), EmitError> {
    let perms = std::fs::metadata(from)
        .map_err(|e| io(from, e))?
        .permissions();
    std::fs::set_permissions(to, perms).map_err(|e| io(to, e))
}

/// Removes folders of the staged tree that hold nothing now but did hold files
/// before (what pruning stale files emptied); folders that were empty stay.
pub fn prune_emptied(staging: &Staging, dir: &Path) {
    let mut dirs: Vec<PathBuf> = walkdir::WalkDir::new(&staging.root)
        .min_depth(1)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_dir())
        .map(|e| e.path().to_path_buf())
        .collect();
    dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    for d in dirs {
        let rel = crate::source::display_path(&d, &staging.root);
        let was_empty = std::fs::read_dir(dir.join(&rel)).is_ok_and(|mut r| r.next().is_none());
        if !was_empty {
            let _ = std::fs::remove_dir(&d); // fails, as it should, when not empty
        }
    }
}

/// Puts the staged tree in place of `dir` in one step.
pub fn swap(mut staging: Staging, dir: &Path) -> Result<(), EmitError> {
    if !dir.exists() {
        std::fs::rename(&staging.root, dir).map_err(|e| io(dir, e))?;
        staging.swapped = true;
        return Ok(());
    }
    if exchange(&staging.root, dir).is_ok() {
        // The staging name now holds the old tree: the render is in place,
        // but a tree that cannot be removed must be said, not left to wedge
        // the next render.
        staging.swapped = true;
        return remove_leftover(&staging.root).map_err(old_tree_left);
    }
    // No atomic exchange here: two renames, which `recover` can finish.
    let old = unique(dir, "old");
    std::fs::rename(dir, &old).map_err(|e| io(dir, e))?;
    if let Err(e) = std::fs::rename(&staging.root, dir) {
        let _ = std::fs::rename(&old, dir);
        return Err(io(dir, e));
    }
    staging.swapped = true;
    remove_leftover(&old).map_err(old_tree_left)
}

fn old_tree_left(e: EmitError) -> EmitError {
    match e {
        EmitError::Leftover(p, why) => EmitError::OldTreeLeft(p, why),
        other => other,
    }
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// The swap is one atomic exchange of the two folders on Linux (the
    /// rename fallback is for other systems).
    #[test]
    fn two_folders_are_exchanged_in_one_step() {
        let tmp = tempfile::tempdir().expect("tmp");
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        for (dir, name) in [(&a, "from-a"), (&b, "from-b")] {
            std::fs::create_dir(dir).expect("dir");
            std::fs::write(dir.join(name), name).expect("file");
        }
        exchange(&a, &b).expect("renameat2 RENAME_EXCHANGE");
        assert!(a.join("from-b").exists() && b.join("from-a").exists());
    }
}
