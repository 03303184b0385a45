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
