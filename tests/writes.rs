#![allow(clippy::expect_used, clippy::unwrap_used)]
//! Writes keep their promise: one writer at a time, all or nothing, nothing
//! through a symbolic link, nothing left behind by a killed render.

mod common;
use common::*;

use std::path::Path;
use std::process::Stdio;

/// Files beside and inside the output folder that are not the output.
fn leftovers(project: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in walkdir::WalkDir::new(project)
        .into_iter()
        .filter_map(Result::ok)
    {
        let n = e.file_name().to_string_lossy();
        if n.contains("shipshape-new")
            || n.contains("shipshape-old")
            || n.contains("shipshape-tmp")
            || n.contains("shipshape-lock")
        {
            out.push(e.path().display().to_string());
        }
    }
    out
}

/// The example with the prd replica count changed, so a render rewrites files.
fn changed_example() -> (tempfile::TempDir, Vec<(String, Vec<u8>)>) {
    let tmp = example_copy();
    let before = snapshot_tree(&tmp.path().join("gitops-out"));
    let prd = tmp.path().join("fixtures/example/envs/prd.yaml");
    let spec = std::fs::read_to_string(&prd).unwrap();
    std::fs::write(
        &prd,
        spec.replace("replicas: 2\n    resources", "replicas: 3\n    resources"),
    )
    .unwrap();
    (tmp, before)
}

/// A write that fails part-way (a full disk) leaves the folder as it was:
/// the failure is injected through the writer the library takes, and every
/// other step (staging, links, the swap, the clean-up) is the real one.
#[test]
fn a_failed_write_leaves_the_folder_exactly_as_it_was() {
    let (tmp, before) = changed_example();
    let mut sources = shipshape::source::Sources::new();
    let model = shipshape::model::load(tmp.path(), &mut sources)
        .unwrap_or_else(|_| panic!("the example loads"));
    let bundle = shipshape::render::render(&model, None);
    let out = tmp.path().join("gitops-out");
    let full_disk = |path: &Path, bytes: &[u8]| {
        if path.ends_with("deployment-example-api.yaml") {
            Err(std::io::Error::new(
                std::io::ErrorKind::StorageFull,
                "No space left on device",
            ))
        } else {
            std::fs::write(path, bytes)
        }
    };
    let err = shipshape::emit::write_with(
        &bundle.files,
        &out,
        &[shipshape::emit::Scope::All],
        &full_disk,
    )
    .expect_err("the write fails");
    assert!(err.to_string().contains("No space left on device"), "{err}");
    assert_eq!(snapshot_tree(&out), before);
    assert!(
        leftovers(tmp.path()).is_empty(),
        "{:?}",
        leftovers(tmp.path())
    );
    // The same render with a working disk goes through.
    let report = shipshape::emit::write(&bundle.files, &out, &[shipshape::emit::Scope::All])
        .expect("the write succeeds");
    assert!(report.written > 0);
    assert_ne!(snapshot_tree(&out), before);
}

#[test]
fn a_foreign_file_in_any_env_stops_the_render_before_anything_changes() {
    let (tmp, _) = changed_example();
    let foreign = tmp.path().join("gitops-out/argocd/dev/apps/reloader.yaml");
    std::fs::write(&foreign, "# mine\n").unwrap();
    let before = snapshot_tree(&tmp.path().join("gitops-out"));
    let out = run(&["render", "--env", "prd", "--env", "dev"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(snapshot_tree(&tmp.path().join("gitops-out")), before);
}

#[test]
fn symbolic_links_are_never_written_through() {
    let (tmp, _) = changed_example();
    let outside = tempfile::tempdir().unwrap();
    // The output folder itself a link…
    let out_dir = tmp.path().join("gitops-out");
    std::fs::rename(&out_dir, outside.path().join("real")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("real"), &out_dir).unwrap();
    let before = snapshot_tree(&outside.path().join("real"));
    let out = run(&["render", "--all"], tmp.path());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("symbolic link"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(snapshot_tree(&outside.path().join("real")), before);
    // …or a folder inside it.
    std::fs::remove_file(&out_dir).unwrap();
    std::fs::rename(outside.path().join("real"), &out_dir).unwrap();
    let apps = out_dir.join("apps/example-api");
    std::fs::rename(&apps, outside.path().join("api")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("api"), &apps).unwrap();
    let before = snapshot_tree(&outside.path().join("api"));
    let out = run(&["render", "--all"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(snapshot_tree(&outside.path().join("api")), before);
}

#[test]
fn concurrent_renders_never_mix_trees() {
    let (tmp, _) = changed_example();
    let expected = {
        let copy = tempfile::tempdir().unwrap();
        copy_dir(tmp.path(), copy.path());
        assert_eq!(
            run(&["render", "--all"], copy.path()).status.code(),
            Some(0)
        );
        snapshot_tree(&copy.path().join("gitops-out"))
    };
    for _ in 0..5 {
        let children: Vec<_> = (0..4)
            .map(|_| {
                bin()
                    .arg("-C")
                    .arg(tmp.path())
                    .args(["render", "--all"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            let out = c.wait_with_output().unwrap();
            let stderr = text(&out.stderr);
            // Either it wrote, or it saw another writer and said so.
            assert!(
                out.status.code() == Some(0) || stderr.contains("another shipshape"),
                "{stderr}"
            );
        }
        assert_eq!(snapshot_tree(&tmp.path().join("gitops-out")), expected);
        assert!(
            leftovers(tmp.path()).is_empty(),
            "{:?}",
            leftovers(tmp.path())
        );
    }
}

#[test]
fn a_killed_render_leaves_old_or_new_and_the_next_render_cleans_up() {
    let (tmp, before) = changed_example();
    let expected = {
        let copy = tempfile::tempdir().unwrap();
        copy_dir(tmp.path(), copy.path());
        assert_eq!(
            run(&["render", "--all"], copy.path()).status.code(),
            Some(0)
        );
        snapshot_tree(&copy.path().join("gitops-out"))
    };
    // Deterministic spread of kill points, from before the first write to after the swap.
    for i in 0..24u64 {
        std::fs::remove_dir_all(tmp.path().join("gitops-out")).unwrap();
        let dst = tmp.path().join("gitops-out");
        std::fs::create_dir_all(&dst).unwrap();
        for (rel, bytes) in &before {
            let p = dst.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, bytes).unwrap();
        }
        let mut child = bin()
            .arg("-C")
            .arg(tmp.path())
            .args(["render", "--all"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_micros(500 * i));
        let _ = child.kill();
        let _ = child.wait();
        let now = snapshot_tree(&tmp.path().join("gitops-out"));
        assert!(now == before || now == expected, "kill {i}: a mixed tree");
        let out = run(&["render", "--all"], tmp.path());
        assert_eq!(
            out.status.code(),
            Some(0),
            "kill {i}: {}",
            text(&out.stderr)
        );
        assert_eq!(snapshot_tree(&tmp.path().join("gitops-out")), expected);
        assert!(
            leftovers(tmp.path()).is_empty(),
            "kill {i}: {:?}",
            leftovers(tmp.path())
        );
    }
}

/// An `--out` that is not a folder of its own is refused before anything is
/// staged: an existing file, a FIFO, the project file, the project itself or
/// a folder above it, a folder inside the environments. Each stays as it was.
#[test]
fn an_output_that_is_not_a_folder_of_its_own_is_refused() {
    let tmp = example_copy();
    let before = snapshot_tree(tmp.path());
    std::fs::write(tmp.path().join("notes.txt"), "mine\n").unwrap();
    let fifo = tmp.path().join("pipe");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    for (out, why) in [
        ("notes.txt", "is not a folder"),
        ("pipe", "is not a folder"),
        ("shipshape.yaml", "is not a folder"),
        (".", "holds the project"),
        ("..", "holds the project"),
        (
            "fixtures/example/envs/out",
            "inside one of the project's inputs",
        ),
    ] {
        let res = run(&["render", "--all", "--out", out], tmp.path());
        let stderr = text(&res.stderr);
        assert_eq!(res.status.code(), Some(2), "--out {out}: {stderr}");
        assert!(stderr.contains(why), "--out {out}: {stderr}");
        assert!(stderr.contains("nothing was written"), "{stderr}");
    }
    // The same refusal for `output:` in the project file, located there.
    let project_file = tmp.path().join("shipshape.yaml");
    let original = std::fs::read_to_string(&project_file).unwrap();
    std::fs::write(
        &project_file,
        original.replace("\noutput: gitops-out\n", "\noutput: notes.txt\n"),
    )
    .unwrap();
    let res = run(&["render", "--all"], tmp.path());
    let stderr = text(&res.stderr);
    assert_eq!(res.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with("shipshape.yaml:6:9: error:") && stderr.contains("is not a folder"),
        "{stderr}"
    );
    std::fs::write(&project_file, original).unwrap();
    std::fs::remove_file(&fifo).unwrap();
    std::fs::remove_file(tmp.path().join("notes.txt")).unwrap();
    assert_eq!(snapshot_tree(tmp.path()), before);
    assert!(
        leftovers(tmp.path()).is_empty(),
        "{:?}",
        leftovers(tmp.path())
    );

    // `output: .` in the project file is a located spec error.
    let project = tmp.path().join("shipshape.yaml");
    let text_before = std::fs::read_to_string(&project).unwrap();
    let with_dot = text_before.replace("\noutput: gitops-out\n", "\noutput: .\n");
    assert_ne!(with_dot, text_before);
    std::fs::write(&project, with_dot).unwrap();
    let res = run(&["render", "--all"], tmp.path());
    let stderr = text(&res.stderr);
    assert_eq!(res.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("shipshape.yaml:") && stderr.contains("project folder itself"),
        "{stderr}"
    );
}

/// A relative `--out` is relative to where the user stands, also when the
/// project was found in a folder above.
#[test]
fn a_relative_out_is_where_the_user_stands() {
    let tmp = example_copy();
    let sub = tmp.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    let res = run(&["render", "--all", "--out", "myout"], &sub);
    assert_eq!(res.status.code(), Some(0), "{}", text(&res.stderr));
    assert!(sub.join("myout/argocd").is_dir());
    assert!(!tmp.path().join("myout").exists());
    assert!(!tmp.path().parent().unwrap().join("myout").exists());
}

/// Foreign files whose names are not UTF-8 keep their names and contents, and
/// folders keep their permissions, across a render.
#[test]
fn foreign_names_and_folder_modes_survive_a_render() {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::PermissionsExt;
    let (tmp, _) = changed_example();
    let out = tmp.path().join("gitops-out");
    let a = out.join(std::ffi::OsStr::from_bytes(b"notes-\xff.txt"));
    let b = out.join(std::ffi::OsStr::from_bytes(b"notes-\xfe.txt"));
    std::fs::write(&a, "first\n").unwrap();
    std::fs::write(&b, "second\n").unwrap();
    let apps = out.join("apps");
    std::fs::set_permissions(&apps, std::fs::Permissions::from_mode(0o700)).unwrap();
    let res = run(&["render", "--all"], tmp.path());
    assert_eq!(res.status.code(), Some(0), "{}", text(&res.stderr));
    assert!(text(&res.stderr).contains("1 written") || text(&res.stderr).contains("written"));
    assert_eq!(std::fs::read_to_string(&a).unwrap(), "first\n");
    assert_eq!(std::fs::read_to_string(&b).unwrap(), "second\n");
    let mode = std::fs::metadata(&apps).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
}

/// A leftover with a staging name that is a file, not a tree, is cleaned up
/// like any other, instead of stopping every later render.
#[test]
fn a_leftover_file_with_a_staging_name_is_removed() {
    let (tmp, _) = changed_example();
    let stray = tmp.path().join(".gitops-out.shipshape-new-999999-0");
    std::fs::write(&stray, "not a folder\n").unwrap();
    let res = run(&["render", "--all"], tmp.path());
    assert_eq!(res.status.code(), Some(0), "{}", text(&res.stderr));
    assert!(!stray.exists());
    assert!(
        leftovers(tmp.path()).is_empty(),
        "{:?}",
        leftovers(tmp.path())
    );
}

/// `shipshape schema` never writes through a symbolic link.
#[test]
fn schema_never_writes_through_a_link() {
    let tmp = example_copy();
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim.json");
    std::fs::write(&victim, "keep me\n").unwrap();
    let schemas = tmp.path().join("schemas");
    std::fs::create_dir_all(&schemas).unwrap();
    let target = schemas.join("environment.schema.json");
    let _ = std::fs::remove_file(&target);
    std::os::unix::fs::symlink(&victim, &target).unwrap();
    let res = run(&["schema"], tmp.path());
    assert_eq!(res.status.code(), Some(2), "{}", text(&res.stderr));
    assert!(
        text(&res.stderr).contains("symbolic link"),
        "{}",
        text(&res.stderr)
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me\n");
    // The folder itself a link.
    std::fs::remove_dir_all(&schemas).unwrap();
    std::os::unix::fs::symlink(outside.path(), &schemas).unwrap();
    let res = run(&["schema"], tmp.path());
    assert_eq!(res.status.code(), Some(2), "{}", text(&res.stderr));
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 1);
}
