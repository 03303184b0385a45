#![allow(clippy::expect_used, clippy::unwrap_used)]
//! `shipshape init`: the project it writes renders, passes `check` and
//! replays to healthy as written; it never overwrites, and a folder name that
//! cannot be a project name writes nothing.

mod common;
use common::*;

/// The binary run in `dir`, as a user types it (`run` adds `-C` itself).
fn typed(args: &[&str], dir: &std::path::Path) -> std::process::Output {
    bin().current_dir(dir).args(args).output().expect("runs")
}

#[test]
fn a_new_project_checks_renders_and_converges_as_written() {
    let tmp = tempfile::tempdir().unwrap();
    let out = typed(&["init", "demo"], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let demo = tmp.path().join("demo");
    for f in [
        "shipshape.yaml",
        "envs/base.yaml",
        "envs/dev.yaml",
        "envs/prd.yaml",
        ".pre-commit-config.yaml",
        ".github/workflows/shipshape.yaml",
        "schemas/environment.schema.json",
        "gitops-out/argocd/prd/root.yaml",
    ] {
        assert!(demo.join(f).is_file(), "{f} not written");
    }
    let spec = std::fs::read_to_string(demo.join("envs/prd.yaml")).unwrap();
    assert!(spec.starts_with("# yaml-language-server: $schema=../schemas/environment.schema.json"));
    assert!(!spec.contains("__NAME__") && spec.contains("namespace: demo-prd"));
    for args in [
        &["-C", "demo", "check"][..],
        &["-C", "demo", "render", "--env", "prd"],
        &["-C", "demo", "simulate", "--env", "prd"],
        &["-C", "demo", "simulate", "--env", "dev"],
    ] {
        let out = typed(args, tmp.path());
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
    }

    // Again: refused, and nothing changed.
    let before = snapshot_tree(&demo);
    let again = typed(&["init", "demo"], tmp.path());
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("does not overwrite"));
    assert_eq!(snapshot_tree(&demo), before);
}

#[test]
fn a_folder_name_that_cannot_be_a_project_name_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = typed(&["init", "My_Project"], tmp.path());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("nothing was written"));
    assert!(!tmp.path().join("My_Project").exists());
}

/// The Install section's `cargo install` line, without its comment.
fn readme_install_line() -> String {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let section = readme
        .split("\n## Install\n")
        .nth(1)
        .expect("README has an Install section");
    let line = section
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("cargo install"))
        .expect("the Install section gives a `cargo install` line");
    line.split(" #").next().unwrap_or(line).trim().to_owned()
}

/// The "from a fresh clone" path as a user types it: the README's
/// install line (into a private root, so nothing of the user's changes), then
/// `init`, `check` and `render` with the installed binary, not the test build.
#[test]
fn the_readme_install_line_gives_a_binary_that_starts_a_project() {
    let line = readme_install_line();
    assert!(
        line.contains("--locked"),
        "{line}: installs must use the lock file"
    );
    if std::process::Command::new("cargo")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true" && v != "1"),
            "cargo is not on PATH, and CI=true forbids skipping the install test"
        );
        skipped("readme_install_line", "cargo is not on PATH");
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let install = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{line} --quiet --root \"$1\""))
        .arg("sh")
        .arg(root.path())
        .current_dir(repo())
        .output()
        .expect("sh runs");
    assert!(
        install.status.success(),
        "{line}: {}",
        text(&install.stderr)
    );
    let installed = root.path().join("bin/shipshape");
    assert!(installed.is_file(), "{line} installed no bin/shipshape");

    let work = tempfile::tempdir().unwrap();
    for args in [
        &["init", "demo"][..],
        &["-C", "demo", "check"],
        &["-C", "demo", "render", "--env", "prd"],
    ] {
        let out = std::process::Command::new(&installed)
            .args(args)
            .current_dir(work.path())
            .output()
            .expect("the installed binary runs");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    assert!(work
        .path()
        .join("demo/gitops-out/argocd/prd/root.yaml")
        .is_file());
}

/// A release is the crate version, its CHANGELOG section, and the pins
/// `init` writes: all three say the same version.
#[test]
fn the_crate_version_has_a_changelog_section_and_init_pins_it() {
    let version = env!("CARGO_PKG_VERSION");
    let changelog = std::fs::read_to_string(repo().join("CHANGELOG.md")).unwrap();
    assert!(
        changelog
            .lines()
            .any(|l| l.starts_with(&format!("## v{version} "))),
        "CHANGELOG.md has no `## v{version}` section"
    );
    let tmp = tempfile::tempdir().unwrap();
    let out = typed(&["init", "pins"], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let workflow =
        std::fs::read_to_string(tmp.path().join("pins/.github/workflows/shipshape.yaml")).unwrap();
    assert!(
        workflow.contains(&format!("shipshape@v{version}\n")),
        "{workflow}"
    );
    let hook = std::fs::read_to_string(tmp.path().join("pins/.pre-commit-config.yaml")).unwrap();
    assert!(hook.contains(&format!("rev: v{version} ")), "{hook}");
}
