//! The base side of a diff, read from Git with the `git` command: the files
//! of the project's folder at a revision that evaluating it needs, written
//! into a temporary folder.

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

/// The files of the project at `rev` that evaluating it reads (the project
/// file, the environments, the policies, the extra manifests, the lint
/// configuration), read from Git's object store with two plumbing commands:
/// `ls-tree` lists the tree, one `cat-file --batch` streams the blobs. The
/// rest of the tree (the rendered output above all) is never read.
pub fn checkout(root: &Path, rev: &str) -> Result<Checkout, DiffError> {
    if rev.starts_with('-') {
        return Err(DiffError::Git(format!("`{rev}` is not a revision")));
    }
    // One call: inside a work tree, the project's prefix, the commit.
    let spec = format!("{rev}^{{commit}}");
    let parsed = git(root, &["rev-parse", "--show-prefix", &spec]).map_err(|_| {
        match git(root, &["rev-parse", "--is-inside-work-tree"]) {
            Err(_) => DiffError::Git("not inside a Git repository".into()),
            Ok(_) => DiffError::Git(format!("`{rev}` does not name a commit")),
        }
    })?;
    let mut lines = parsed.lines().map(str::trim).filter(|l| !l.is_empty());
    let (prefix, commit) = match (lines.next(), lines.next()) {
        (Some(p), Some(c)) => (p.to_string(), c.to_string()),
        // At the repository's top, the prefix is an empty line.
        (Some(c), None) => (String::new(), c.to_string()),
        _ => return Err(DiffError::Git(format!("`{rev}` does not name a commit"))),
    };
    let entries = ls_tree(root, &commit, &prefix)?;
    let project = read_blobs(
        root,
        &commit,
        &[format!("{prefix}{}", crate::spec::PROJECT_FILE)],
    )?;
    let wanted = wanted_paths(project.first().and_then(|(_, b)| match b {
        Blob::Bytes(b) => std::str::from_utf8(b).ok(),
        Blob::Oversize(_) => None,
    }));
    let modes: std::collections::BTreeMap<&str, &str> = entries
        .iter()
        .map(|e| (e.path.as_str(), e.mode.as_str()))
        .collect();
    let paths: Vec<String> = entries
        .iter()
        .filter(|e| e.mode != "160000")
        .filter(|e| {
            let rel = e.path.strip_prefix(prefix.as_str()).unwrap_or(&e.path);
            wanted
                .as_ref()
                .is_none_or(|w| w.iter().any(|p| under(rel, p)))
        })
        .map(|e| e.path.clone())
        .collect();
    let blobs = read_blobs(root, &commit, &paths)?;
    let dir = tempfile::tempdir()
        .map_err(|e| DiffError::Git(format!("cannot make a temporary folder: {e}")))?;
    let io = |e: std::io::Error| DiffError::Git(format!("cannot write the base revision: {e}"));
    for (path, bytes) in &blobs {
        let target = dir.path().join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        match bytes {
            Blob::Oversize(size) => std::fs::File::create(&target)
                .and_then(|f| f.set_len(*size))
                .map_err(io)?,
            // A symbolic link's blob is its target; kept a link, as Git
            // checks it out (a link leaving the project is not followed).
            #[cfg(unix)]
            Blob::Bytes(b) if modes.get(path.as_str()) == Some(&"120000") => {
                std::os::unix::fs::symlink(String::from_utf8_lossy(b).as_ref(), &target)
                    .map_err(io)?;
            }
            Blob::Bytes(b) => std::fs::write(&target, b).map_err(io)?,
        }
    }
    let root = dir.path().join(prefix.trim_end_matches('/'));
    std::fs::create_dir_all(&root).map_err(io)?;
    Ok(Checkout { _dir: dir, root })
}

/// `path` is `top` or inside it.
fn under(path: &str, top: &str) -> bool {
    let top = top.trim_start_matches("./").trim_end_matches('/');
    top.is_empty()
        || top == "."
        || path == top
        || path
            .strip_prefix(top)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The paths the project file names, relative to the project's folder;
/// `None` when it does not read (the base is then copied whole, so the
/// loader reports the problem exactly as on a checkout).
fn wanted_paths(project: Option<&str>) -> Option<Vec<String>> {
    let node = crate::yaml::parse_single(project?, crate::source::FileId::default()).ok()?;
    let mut out = vec![
        crate::spec::PROJECT_FILE.to_string(),
        ".shipshape.yaml".to_string(),
    ];
    out.push(node.get("environments")?.as_str()?.to_string());
    for key in ["policies", "extra-manifests"] {
        for item in node
            .get(key)
            .and_then(crate::yaml::Node::as_seq)
            .unwrap_or_default()
        {
            out.push(item.as_str()?.to_string());
        }
    }
    Some(out)
}

enum Blob {
    Bytes(Vec<u8>),
    /// Over the readers' limit: only its size is kept.
    Oversize(u64),
}

struct Entry {
    mode: String,
    path: String,
}

fn ls_tree(root: &Path, commit: &str, prefix: &str) -> Result<Vec<Entry>, DiffError> {
    let mut args = vec!["ls-tree", "-r", "-z", "--full-tree", commit];
    if !prefix.is_empty() {
        args.push("--");
        args.push(prefix);
    }
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(&args)
        .output()
        .map_err(|e| DiffError::Git(format!("cannot run git: {e}")))?;
    if !out.status.success() {
        return Err(DiffError::Git(format!("git ls-tree {commit} failed")));
    }
    Ok(out
        .stdout
        .split(|b| *b == 0)
        .filter_map(|rec| {
            let rec = std::str::from_utf8(rec).ok()?;
            let (meta, path) = rec.split_once('\t')?;
            let mode = meta.split(' ').next()?;
            Some(Entry {
                mode: mode.to_string(),
                path: path.to_string(),
            })
        })
        .collect())
}

/// The blobs at `paths` in `commit`, in order, through one
/// `git cat-file --batch`; a path that is not a blob there is left out.
fn read_blobs(
    root: &Path,
    commit: &str,
    paths: &[String],
) -> Result<Vec<(String, Blob)>, DiffError> {
    use std::io::{BufRead, Read, Write};
    let fail = |e: std::io::Error| DiffError::Git(format!("cannot run git cat-file: {e}"));
    let mut child = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["cat-file", "--batch"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(fail)?;
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| fail(std::io::ErrorKind::BrokenPipe.into()))?;
    let requests: String = paths.iter().map(|p| format!("{commit}:{p}\n")).collect();
    // Written from a thread: git answers while it reads, and a full pipe
    // either way would stall both.
    let writer = std::thread::spawn(move || stdin.write_all(requests.as_bytes()));
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| fail(std::io::ErrorKind::BrokenPipe.into()))?;
    let mut reader = std::io::BufReader::new(stdout);
    let mut out = Vec::with_capacity(paths.len());
    let mut header = String::new();
    for path in paths {
        header.clear();
        reader.read_line(&mut header).map_err(fail)?;
        let fields: Vec<&str> = header.split_whitespace().collect();
        // `<name> missing`, or `<sha> <type> <size>` and the content.
        if header.trim_end().ends_with(" missing") {
            continue;
        }
        let [_, kind, size] = fields.as_slice() else {
            return Err(DiffError::Git(format!(
                "git cat-file: unexpected answer `{}`",
                header.trim()
            )));
        };
        let size: u64 = size
            .parse()
            .map_err(|_| DiffError::Git(format!("git cat-file: bad header `{}`", header.trim())))?;
        let blob = if size > crate::source::MAX_FILE_BYTES {
            // Not held in memory: a file of its size, which the reader then
            // refuses as it would on a checkout.
            std::io::copy(&mut (&mut reader).take(size), &mut std::io::sink()).map_err(fail)?;
            Blob::Oversize(size)
        } else {
            let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
            (&mut reader)
                .take(size)
                .read_to_end(&mut bytes)
                .map_err(fail)?;
            Blob::Bytes(bytes)
        };
        let mut newline = [0u8; 1];
        reader.read_exact(&mut newline).map_err(fail)?;
        if *kind == "blob" {
            out.push((path.clone(), blob));
        }
    }
    let _ = writer.join();
    let _ = child.wait();
    Ok(out)
}
