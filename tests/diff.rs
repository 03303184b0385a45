#![allow(clippy::expect_used, clippy::unwrap_used)]
//! `shipshape diff` on a temporary Git repository: a base commit of the
//! example, then a change to prd only (replicas, an image tag, a new app with a
//! mutable image, a removed Redis).

mod common;
use common::*;

use std::process::Command;

fn git(dir: &std::path::Path, args: &[&str]) {
    let status = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.email=t@example.com",
            "-c",
            "user.name=t",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .status()
        .expect("git");
    assert!(status.success(), "git {args:?}");
}

fn repo_with_change() -> tempfile::TempDir {
    let tmp = example_copy();
    let prd = tmp.path().join("fixtures/example/envs/prd.yaml");
    let spec = std::fs::read_to_string(&prd).unwrap();
    // The base has a sessions Redis in prd that the change removes.
    let base = spec.replace(
        "postgres:\n",
        "  - name: sessions\n    role: session\n    memory: 256Mi\npostgres:\n",
    );
    std::fs::write(&prd, &base).unwrap();
    git(tmp.path(), &["init", "-q", "-b", "main"]);
    git(tmp.path(), &["add", "-A"]);
    git(tmp.path(), &["commit", "-q", "-m", "base"]);
    let head = spec
        .replace("replicas: 2\n    resources", "replicas: 3\n    image: ghcr.io/example-org/example-api:1.5.0\n    resources")
        .replace(
            "    public: [api.example.com]\n",
            "    public: [api.example.com]\n  - name: worker\n    image: ghcr.io/example-org/worker:latest\n    replicas: 2\n",
        );
    std::fs::write(&prd, head).unwrap();
    tmp
}

#[test]
fn diff_shows_what_the_change_does_per_env() {
    let tmp = repo_with_change();
    let out = run(&["diff", "--base", "HEAD", "--format", "json"], tmp.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let j = json(&out);
    assert_eq!(j["version"], 1);
    let envs: Vec<&str> = j["envs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["env"].as_str().unwrap())
        .collect();
    assert_eq!(envs, vec!["prd"], "dev is untouched");
    let prd = &j["envs"][0];
    let component = |name: &str| {
        prd["components"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["component"] == name)
            .unwrap_or_else(|| panic!("no {name}: {prd}"))
    };
    let api = component("example-api");
    let fields: Vec<(String, String, String)> = api["changed"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["fields"].as_array().unwrap().iter())
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["old"].as_str().unwrap_or("").to_string(),
                f["new"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert!(
        fields.contains(&("spec.replicas".into(), "2".into(), "3".into())),
        "{fields:?}"
    );
    assert!(
        fields.contains(&(
            "spec.template.spec.containers[example-api].image".into(),
            "ghcr.io/example-org/example-api:1.4.2".into(),
            "ghcr.io/example-org/example-api:1.5.0".into()
        )),
        "{fields:?}"
    );
    assert!(component("worker")["added"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["kind"] == "Deployment"));
    assert!(prd["argocd"]["applications_added"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("prd-worker")));
    assert!(prd["argocd"]["applications_removed"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("prd-redis-sessions")));
    let stateful = prd["argocd"]["stateful_removed"].as_array().unwrap();
    assert!(
        stateful
            .iter()
            .any(|s| s[0]["kind"] == "Redis" && s[0]["name"] == "redis-sessions"),
        "{stateful:?}"
    );
    let new: Vec<&str> = prd["findings_new"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(
        new.iter()
            .any(|f| f.contains("SS020") && f.contains("worker")),
        "{new:?}"
    );

    let md = text(
        &run(
            &["diff", "--base", "HEAD", "--format", "markdown"],
            tmp.path(),
        )
        .stdout,
    );
    assert!(md.contains("| prd |"), "{md}");
    assert!(!md.contains("| dev |"), "{md}");
    let warn = md.find("⚠️").expect("stateful deletion highlighted");
    let details = md.find("<details>").expect("details");
    assert!(warn < details, "the stateful deletion comes first");
    assert!(md.contains("Redis") && md.contains("redis-sessions"));
    assert!(md.contains("new finding") && md.contains("SS020"));

    // No change against the working tree's own commit once committed.
    git(tmp.path(), &["add", "-A"]);
    git(tmp.path(), &["commit", "-q", "-m", "change"]);
    let out = run(&["diff", "--base", "HEAD"], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

#[test]
fn diff_refuses_what_it_cannot_read() {
    let tmp = repo_with_change();
    let out = run(&["diff", "--base", "no-such-ref"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("does not name a commit"),
        "{}",
        text(&out.stderr)
    );
    let plain = example_copy();
    let out = run(&["diff"], plain.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("not inside a Git repository"),
        "{}",
        text(&out.stderr)
    );
    // A broken spec on one side: located errors, exit 2.
    std::fs::write(
        tmp.path().join("fixtures/example/envs/prd.yaml"),
        "apps: [ {\n",
    )
    .unwrap();
    let out = run(&["diff", "--base", "HEAD"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("the working tree does not load")
            && stderr.contains("fixtures/example/envs/prd.yaml:"),
        "{stderr}"
    );
}

/// `check --new-only` fails only on findings the base does not have.
#[test]
fn check_new_only_gates_on_new_findings() {
    let tmp = repo_with_change();
    assert_eq!(run(&["render", "--all"], tmp.path()).status.code(), Some(0));
    let out = run(
        &["check", "--new-only", "--base", "HEAD", "--format", "json"],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let j = json(&out);
    let rules: Vec<&str> = rules_in(&j);
    assert!(rules.contains(&"SS020"), "{rules:?}");
    git(tmp.path(), &["add", "-A"]);
    git(tmp.path(), &["commit", "-q", "-m", "change"]);
    // Now the finding is at the base too: nothing new.
    let out = run(&["check", "--new-only", "--base", "HEAD"], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    // The plain gate still fails on it.
    assert_eq!(run(&["check"], tmp.path()).status.code(), Some(1));
}

/// `lint --baseline` reports only what the baseline does not hold.
#[test]
fn lint_baseline_reports_only_new_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let deploy = |name: &str| {
        format!("---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{ name: {name} }}\nspec:\n  selector: {{ matchLabels: {{ app: {name} }} }}\n  template:\n    metadata: {{ labels: {{ app: {name} }} }}\n    spec: {{ containers: [{{ name: c, image: \"x/{name}:latest\" }}] }}\n")
    };
    std::fs::write(tmp.path().join("m.yaml"), deploy("old")).unwrap();
    let out = run(
        &[
            "lint",
            "m.yaml",
            "--env",
            "prd",
            "--write-baseline",
            "baseline.json",
        ],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = run(
        &[
            "lint",
            "m.yaml",
            "--env",
            "prd",
            "--baseline",
            "baseline.json",
        ],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    // Moving the old object down a few lines keeps it known; a new one is reported.
    std::fs::write(tmp.path().join("m.yaml"), deploy("new") + &deploy("old")).unwrap();
    let out = run(
        &[
            "lint",
            "m.yaml",
            "--env",
            "prd",
            "--baseline",
            "baseline.json",
            "--format",
            "json",
        ],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let j = json(&out);
    assert!(
        j["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["object"]["name"] == "new"),
        "{j}"
    );
    std::fs::write(tmp.path().join("bad.json"), "{}").unwrap();
    let out = run(&["lint", "m.yaml", "--baseline", "bad.json"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
}

/// `diff --env X` names an environment of the project: a typo exits 2 with a
/// hint, where it used to print "no change".
#[test]
fn diff_of_an_unknown_env_is_bad_input() {
    let tmp = repo_with_change();
    let out = run(&["diff", "--base", "HEAD", "--env", "prdd"], tmp.path());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(
        err.contains("`prdd`") && err.contains("did you mean `prd`?"),
        "{err}"
    );
}

/// `check`, its `--new-only` base side and `lint` are one project session:
/// `extra-manifests` get the environment `lint` gives them, and an unchanged
/// tree has nothing new.
#[test]
fn extra_manifests_have_their_env_and_nothing_is_new_on_an_unchanged_tree() {
    let tmp = example_copy();
    let manifest = "apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: tool, namespace: tools }\nspec:\n  replicas: 1\n  selector: { matchLabels: { app: tool } }\n  template:\n    metadata: { labels: { app: tool } }\n    spec:\n      containers:\n        - name: tool\n          image: ghcr.io/example-org/tool:1.0.0\n";
    std::fs::create_dir_all(tmp.path().join("clusters/prd")).unwrap();
    std::fs::write(tmp.path().join("clusters/prd/tool.yaml"), manifest).unwrap();
    let project = tmp.path().join("shipshape.yaml");
    let text_ = std::fs::read_to_string(&project).unwrap();
    std::fs::write(&project, format!("{text_}extra-manifests: [clusters]\n")).unwrap();
    let out = run(&["check", "--format", "json"], tmp.path());
    let j = json(&out);
    let single = j["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "SS021")
        .unwrap_or_else(|| panic!("no SS021 (production) on the prd extra manifest: {j}"));
    assert_eq!(single["envs"], serde_json::json!(["prd"]), "{single}");
    git(tmp.path(), &["init", "-q", "-b", "main"]);
    git(tmp.path(), &["add", "-A"]);
    git(tmp.path(), &["commit", "-q", "-m", "base"]);
    let out = run(
        &["check", "--new-only", "--base", "HEAD", "--format", "json"],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let j = json(&out);
    assert_eq!(j["diagnostics"], serde_json::json!([]), "{j}");
}

/// Findings are identified by name, not list position: inserting an env var
/// before a flagged one keeps the old finding known.
#[test]
fn a_baseline_survives_an_inserted_list_item() {
    let tmp = tempfile::tempdir().unwrap();
    let deploy = |extra: &str| {
        format!("apiVersion: apps/v1\nkind: Deployment\nmetadata: {{ name: api }}\nspec:\n  selector: {{ matchLabels: {{ app: api }} }}\n  template:\n    metadata: {{ labels: {{ app: api }} }}\n    spec:\n      containers:\n        - name: api\n          image: x/api:1.0.0\n          env:\n{extra}            - {{ name: DB_PASSWORD, value: hunter2hunter2 }}\n")
    };
    std::fs::write(tmp.path().join("m.yaml"), deploy("")).unwrap();
    let lint = |args: &[&str]| {
        let mut a = vec!["lint", "m.yaml"];
        a.extend_from_slice(args);
        run(&a, tmp.path())
    };
    assert_eq!(lint(&["--write-baseline", "b.json"]).status.code(), Some(0));
    std::fs::write(
        tmp.path().join("m.yaml"),
        deploy("            - { name: LOG_LEVEL, value: info }\n"),
    )
    .unwrap();
    let out = lint(&["--baseline", "b.json", "--format", "json"]);
    let j = json(&out);
    assert!(
        !j["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["rule"] == "SS001"),
        "the moved DB_PASSWORD finding came back as new: {j}"
    );
    // A baseline of the old, positional format is refused with the way out.
    std::fs::write(
        tmp.path().join("old.json"),
        "{\"version\": 1, \"findings\": []}",
    )
    .unwrap();
    let out = lint(&["--baseline", "old.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--write-baseline"));
}

/// The base side of a diff reads only its own files: an environment file
/// committed as a link to a host file is refused, and its content is never
/// printed.
#[test]
fn a_base_with_a_link_out_of_the_project_is_refused() {
    let host = tempfile::tempdir().unwrap();
    std::fs::write(host.path().join("netrc"), "password hunter2-base-side\n").unwrap();
    let tmp = example_copy();
    let link = tmp.path().join("fixtures/example/envs/qa.yaml");
    std::os::unix::fs::symlink(host.path().join("netrc"), &link).unwrap();
    git(tmp.path(), &["init", "-q"]);
    git(tmp.path(), &["add", "-A"]);
    git(tmp.path(), &["commit", "-qm", "base with a link"]);
    // The working tree without it: only the base side holds the link.
    std::fs::remove_file(&link).unwrap();
    let out = run(&["diff", "--base", "HEAD"], tmp.path());
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(all.contains("outside the project"), "{all}");
    assert!(!all.contains("hunter2-base-side"), "{all}");
}

/// The base is read from Git's object store, only the files its own project
/// file names: a head that moved the environments and dropped a policy still
/// diffs against a base that loads as it was committed, and a base whose
/// project file is broken is reported as the base's problem.
#[test]
fn the_base_reads_the_files_its_own_project_file_names() {
    let tmp = example_copy();
    git(tmp.path(), &["init", "-q", "-b", "main"]);
    git(tmp.path(), &["add", "-A"]);
    git(tmp.path(), &["commit", "-q", "-m", "base"]);
    git(tmp.path(), &["mv", "fixtures/example/envs", "specs"]);
    let project = std::fs::read_to_string(tmp.path().join("shipshape.yaml")).unwrap();
    let moved = project
        .replace("environments: fixtures/example/envs", "environments: specs")
        .replace("  - policies/custom.yaml\n", "");
    assert_ne!(moved, project, "the example's project file changed shape");
    std::fs::write(tmp.path().join("shipshape.yaml"), &moved).unwrap();
    let out = run(&["diff", "--base", "HEAD"], tmp.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(text(&out.stdout).contains("no change to any environment"));

    git(tmp.path(), &["add", "-A"]);
    git(tmp.path(), &["commit", "-q", "-m", "moved"]);
    std::fs::write(tmp.path().join("shipshape.yaml"), "name: [\n").unwrap();
    git(tmp.path(), &["commit", "-q", "-am", "broken"]);
    std::fs::write(tmp.path().join("shipshape.yaml"), &moved).unwrap();
    let out = run(&["diff", "--base", "HEAD"], tmp.path());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("the base `HEAD` does not load") && stderr.contains("shipshape.yaml:1:"),
        "{stderr}"
    );
}
