#![allow(clippy::expect_used, clippy::unwrap_used)]
//! Rendering: snapshots of the cases in `fixtures/specs/`, determinism, the
//! committed `gitops-out/` (the example's render, reviewed once: a drift test,
//! not a second copy as a snapshot) and schemas, and `--check`.

mod common;
use common::*;

use shipshape::yaml::{self, Node, Value};
use std::path::Path;

fn stream(dir: &Path) -> String {
    let out = run(&["render", "--all", "--stdout"], dir);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn spec_case_snapshots() {
    let cases = repo().join("fixtures/specs");
    let mut names: Vec<String> = std::fs::read_dir(&cases)
        .expect("fixtures/specs")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 3);
    for name in names {
        insta::assert_snapshot!(format!("spec-{name}"), stream(&cases.join(&name)));
    }
}

#[test]
fn committed_output_is_up_to_date() {
    let out = run(&["render", "--all", "--check"], &repo());
    assert_eq!(
        out.status.code(),
        Some(0),
        "gitops-out/ is stale; run `cargo run -- render --all`:\n{}",
        text(&out.stdout)
    );
}

#[test]
fn committed_schemas_are_up_to_date() {
    for (name, schema) in shipshape::spec::schema::all() {
        let committed =
            std::fs::read_to_string(repo().join("schemas").join(name)).unwrap_or_default();
        assert_eq!(
            committed,
            shipshape::cli::schema_text(&schema),
            "schemas/{name} is stale; run `cargo run -- schema`"
        );
    }
}

#[test]
fn check_reports_drift_with_a_diff_and_writes_nothing() {
    let tmp = example_copy();
    let prd = tmp.path().join("fixtures/example/envs/prd.yaml");
    let text_before = std::fs::read_to_string(&prd).expect("prd");
    std::fs::write(
        &prd,
        text_before.replace("replicas: 2\n    resources", "replicas: 3\n    resources"),
    )
    .expect("edit");
    let before = snapshot_tree(&tmp.path().join("gitops-out"));
    let out = run(&["render", "--all", "--check"], tmp.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let diff = text(&out.stdout);
    assert!(
        diff.contains("--- a/gitops-out/apps/example-api/overlays/prd/deployment-example-api.yaml"),
        "{diff}"
    );
    assert!(diff.contains("-  replicas: 2\n+  replicas: 3"), "{diff}");
    assert_eq!(snapshot_tree(&tmp.path().join("gitops-out")), before);

    // Writing then brings it back in line, and only that file changed.
    let out = run(&["render", "--env", "prd"], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("1 written"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        run(&["render", "--all", "--check"], tmp.path())
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn render_is_byte_identical_across_runs_cwd_locale_and_hash_seeds() {
    let tmp = example_copy();
    std::fs::remove_dir_all(tmp.path().join("gitops-out")).expect("rm");
    let first = run(&["render", "--all"], tmp.path());
    assert_eq!(first.status.code(), Some(0));
    let a = snapshot_tree(&tmp.path().join("gitops-out"));
    assert_eq!(
        a,
        snapshot_tree(&repo().join("gitops-out")),
        "a fresh render equals the committed one"
    );

    std::fs::remove_dir_all(tmp.path().join("gitops-out")).expect("rm");
    let out = bin()
        .current_dir(tmp.path().join("fixtures"))
        .args(["-C", ".."])
        .args(["render", "--all"])
        .env("LC_ALL", "tr_TR.UTF-8")
        .env("TZ", "Pacific/Chatham")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(snapshot_tree(&tmp.path().join("gitops-out")), a);
}

/// Reverses the key order of every mapping, recursively.
fn permute(n: &Node) -> serde_json::Value {
    match &n.value {
        Value::Map(entries) => {
            let mut m = serde_json::Map::new();
            for (k, v) in entries.iter().rev() {
                m.insert(k.scalar_text().unwrap_or_default(), permute(v));
            }
            serde_json::Value::Object(m)
        }
        Value::Seq(items) => serde_json::Value::Array(items.iter().map(permute).collect()),
        _ => n.to_json(),
    }
}

#[test]
fn render_ignores_key_order_in_the_specs() {
    let tmp = example_copy();
    let mut files = vec![tmp.path().join("shipshape.yaml")];
    for e in std::fs::read_dir(tmp.path().join("fixtures/example/envs")).expect("envs") {
        files.push(e.expect("entry").path());
    }
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read");
        let node = yaml::parse_single(&text, shipshape::source::FileId(0)).expect("parse");
        let permuted = yaml::emit::to_yaml(&permute(&node));
        assert_ne!(permuted, text);
        std::fs::write(&f, permuted).expect("write");
    }
    let out = run(&["render", "--all", "--check"], tmp.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

#[test]
fn stale_generated_files_are_pruned_and_foreign_files_kept() {
    let tmp = example_copy();
    let out_dir = tmp.path().join("gitops-out");
    let stale = out_dir.join("apps/old-app/base/kustomization.yaml");
    std::fs::create_dir_all(stale.parent().expect("parent")).expect("mkdir");
    std::fs::write(
        &stale,
        format!("{}\nresources: []\n", shipshape::render::HEADER),
    )
    .expect("write");
    let mine = out_dir.join("apps/README.md");
    std::fs::write(&mine, "hand-written notes\n").expect("write");

    let check = run(&["render", "--all", "--check"], tmp.path());
    assert_eq!(check.status.code(), Some(1));
    assert!(text(&check.stdout).contains("old-app"));

    let out = run(&["render", "--all"], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!stale.exists() && !out_dir.join("apps/old-app").exists());
    assert_eq!(
        std::fs::read_to_string(&mine).expect("kept"),
        "hand-written notes\n"
    );
}

#[test]
fn stdout_preview_marks_every_file_with_its_source() {
    let s = stream(&repo());
    let sources = s
        .lines()
        .filter(|l| l.starts_with("# Source: gitops-out/"))
        .count();
    // Every YAML file; the Markdown (BOOTSTRAP.md) is not part of a YAML stream.
    let files = snapshot_tree(&repo().join("gitops-out"))
        .iter()
        .filter(|(p, _)| p.ends_with(".yaml"))
        .count();
    assert_eq!(sources, files);
    assert!(!s.contains("# Bootstrap"));
    let prd = run(&["render", "--env", "prd", "--stdout"], &repo());
    let prd = text(&prd.stdout);
    assert!(prd.contains("# Source: gitops-out/cloudflared/prd/config.yaml"));
    assert!(!prd.contains("overlays/dev/"));
}
