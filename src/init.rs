//! `shipshape init [DIR]`: a working, commented starting point (one app, a
//! queue Redis, a database; Tailscale in dev, Cloudflare Tunnel in prd), its
//! JSON Schemas and its render, a pre-commit configuration and a workflow.
//! It never overwrites: if any file it would write exists, nothing is written.

use std::path::{Path, PathBuf};

use crate::cli::Outcome;
use crate::spec::types::Name;

/// The files, by path in the new project. `__NAME__` stands for the project
/// name, a DNS label (so it is a plain YAML scalar wherever it goes);
/// `__VERSION__` for this release, which the hook and the workflow pin.
const FILES: &[(&str, &str)] = &[
    ("shipshape.yaml", include_str!("init/shipshape.yaml")),
    ("envs/base.yaml", include_str!("init/envs/base.yaml")),
    ("envs/dev.yaml", include_str!("init/envs/dev.yaml")),
    ("envs/prd.yaml", include_str!("init/envs/prd.yaml")),
    (
        ".pre-commit-config.yaml",
        include_str!("init/pre-commit-config.yaml"),
    ),
    (
        ".github/workflows/shipshape.yaml",
        include_str!("init/workflow.yaml"),
    ),
];

fn fill(text: &str, name: &str) -> String {
    text.replace("__NAME__", name)
        .replace("__VERSION__", env!("CARGO_PKG_VERSION"))
}

pub fn init(dir: &Path) -> Outcome {
    let folder = dir
        .canonicalize()
        .ok()
        .or_else(|| Some(std::env::current_dir().ok()?.join(dir)))
        .unwrap_or_else(|| dir.to_path_buf());
    let stem = folder
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let name = match Name::parse(&stem) {
        Ok(n) => n,
        Err(why) => {
            return Outcome::error(format!(
                "error: the folder name `{stem}` becomes the project name, namespaces and folder names, and {why}\nhelp: name the folder with lowercase letters, digits and '-'\nnothing was written\n"
            ))
        }
    };
    let targets: Vec<(PathBuf, String)> = FILES
        .iter()
        .map(|(path, text)| (dir.join(path), fill(text, name.as_str())))
        .collect();
    let existing: Vec<String> = targets
        .iter()
        .filter(|(p, _)| std::fs::symlink_metadata(p).is_ok())
        .map(|(p, _)| p.display().to_string())
        .collect();
    if !existing.is_empty() {
        return Outcome::error(format!(
            "error: `init` does not overwrite: {} already exist{}\nnothing was written\n",
            existing.join(", "),
            if existing.len() == 1 { "s" } else { "" }
        ));
    }
    if let Err(e) = write_all(&targets) {
        return Outcome::error(format!("error: {e}\nnothing was written\n"));
    }
    // The schemas the modelines name, and the render `check` compares with.
    let schema = crate::cli::schema_in(dir);
    if schema.code != crate::cli::exit::OK {
        return schema;
    }
    let render = crate::cli::render_all_in(dir);
    if render.code != crate::cli::exit::OK {
        return render;
    }
    Outcome::ok(
        String::new(),
        format!(
            "created project `{}` in {}: envs/ (dev, prd), schemas/, gitops-out/, .pre-commit-config.yaml, .github/workflows/shipshape.yaml\nnext: set `repo.url` in shipshape.yaml and the tunnel id in envs/prd.yaml, then `shipshape check`\n",
            name.as_str(),
            dir.display()
        ),
    )
}

/// Writes every file or none: on a failure, what was written is removed.
fn write_all(targets: &[(PathBuf, String)]) -> std::io::Result<()> {
    let mut written: Vec<&Path> = Vec::new();
    for (path, text) in targets {
        let result = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| {
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(path)?;
                std::io::Write::write_all(&mut f, text.as_bytes())
            });
        if let Err(e) = result {
            for p in written {
                let _ = std::fs::remove_file(p);
            }
            return Err(std::io::Error::new(
                e.kind(),
                format!("cannot write `{}`: {e}", path.display()),
            ));
        }
        written.push(path);
    }
    Ok(())
}
