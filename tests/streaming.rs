#![allow(clippy::expect_used, clippy::unwrap_used)]
//! `lint` checks each file as it is read and keeps a tree only when the whole
//! set is needed to check it (or to check another object), rerunning at the
//! end only the checks that asked about the set; `lint::run` checks documents
//! already in memory. Both must find exactly what checking every object with
//! the set known finds, and a check that needs the set must see files read
//! after its own.

mod common;
use common::*;

use std::path::Path;

use shipshape::lint::{self, policy::Policy, registry, Settings};
use shipshape::report::{self, Format};
use shipshape::source::Sources;

/// The JSON reports of `shipshape lint .` in `dir`, of an in-memory run over
/// the same files, and of a run that checks every object at the end (file
/// names made relative to `dir` like the CLI's).
fn runs(dir: &Path) -> [String; 3] {
    let out = run(&["lint", ".", "--format", "json"], dir);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        text(&out.stderr)
    );
    let streamed = text(&out.stdout);

    let mut sources = Sources::new();
    let (docs, diags, files) = lint::input::read(&[dir.to_path_buf()], &mut sources, None);
    let (settings, policy) = (Settings::default(), Policy::default());
    let in_memory = lint::run(
        &sources,
        &docs,
        diags.clone(),
        false,
        &settings,
        &policy,
        files,
    );
    let settings = settings.for_docs(&docs, &sources, &policy);
    let engine = lint::engine::Engine::new(&sources, &settings, &policy, false).checking_at_end();
    let at_end = lint::engine::run_in_memory(&engine, &docs, diags, files);
    let prefix = format!("{}/", dir.display());
    let json =
        |r| report::render(Format::Json, r, &sources, &registry::all_metas()).replace(&prefix, "");
    [streamed, json(&in_memory), json(&at_end)]
}

#[test]
fn streamed_and_in_memory_runs_agree_on_the_fixtures() {
    for dir in ["fixtures/rules", "fixtures/lint", "fixtures/admission"] {
        // A copy outside the repository: inside, `lint` would apply the
        // policies of the project it finds upwards (the bundled example).
        let tmp = tempfile::tempdir().unwrap();
        copy_dir(&repo().join(dir), tmp.path());
        let [streamed, in_memory, at_end] = runs(tmp.path());
        assert!(streamed.contains("\"rule\""), "{dir}: no findings at all");
        assert_eq!(streamed, at_end, "{dir}");
        assert_eq!(in_memory, at_end, "{dir}");
    }
}

#[test]
fn streamed_and_in_memory_runs_agree_on_the_corpus() {
    let Some(shared) = skip_without_shared("streamed_and_in_memory_runs_agree_on_the_corpus")
    else {
        return;
    };
    let [streamed, in_memory, at_end] = runs(&shared.join("corpus"));
    assert_eq!(streamed, at_end);
    assert_eq!(in_memory, at_end);
}

#[test]
fn a_check_that_needs_the_set_sees_the_files_read_after_it() {
    let out = run(
        &["lint", ".", "--format", "json"],
        &repo().join("fixtures/lint/streaming"),
    );
    let json = json(&out);
    let found: Vec<(String, String, u64, u64)> = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect();
    let at = |rule: &str, line, column| {
        (
            rule.to_string(),
            "shop/a-deployment.yaml".to_string(),
            line,
            column,
        )
    };
    // The ExternalSecret (read later) syncs the Secret the Deployment reads;
    // the kustomization (read later) pins the api image, not the sidecar's.
    assert_eq!(found, vec![at("SS024", 6, 3), at("SS020", 22, 18)]);
}

/// A file with findings is masked from its trees while the run holds them;
/// the text shown must be exactly what masking the file on its own gives.
#[test]
fn files_masked_from_their_trees_match_masking_the_text() {
    let dir = repo().join("fixtures");
    let mut sources = Sources::new();
    let loaded = lint::input::load(&[dir], None, &mut sources);
    let (report, _kept) = lint::engine::lint_files(
        loaded,
        &sources,
        &lint::env::EnvRules::default(),
        &Settings::default(),
        &Policy::default(),
        true,
        false,
    );
    let shown: std::collections::BTreeSet<_> = report
        .diagnostics
        .iter()
        .filter_map(|d| d.location.span.map(|s| s.file))
        .collect();
    assert!(shown.len() > 50, "only {} files with findings", shown.len());
    let mut secrets = 0;
    for id in shown {
        let text = sources.text(id);
        let text = &*text;
        let expected = shipshape::secret::masked(text);
        secrets += usize::from(expected != text);
        assert_eq!(&*sources.shown(id), expected, "{}", sources.name(id));
    }
    assert!(secrets > 5, "only {secrets} files with secrets to mask");
}

/// A plain workload is checked as it is read and its tree dropped: no rule
/// asks about the set for it (a rule that did, for every object, once kept
/// every tree of a 10k-file run to the end: 58 MB became 109 MB).
#[test]
fn objects_no_rule_asks_about_are_not_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let deploy = "apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: api, namespace: shop }\nspec:\n  selector: { matchLabels: { app: api } }\n  template:\n    metadata: { labels: { app: api } }\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/a/api:1.0.0\n";
    let app = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: { name: api, namespace: argocd }\nspec:\n  project: default\n  source: { repoURL: https://example.com/x.git, path: api, targetRevision: v1.0.0 }\n  destination: { server: https://kubernetes.default.svc, namespace: shop }\n";
    std::fs::write(tmp.path().join("deploy.yaml"), deploy).unwrap();
    let run = |files: &[&std::path::Path]| {
        let mut sources = Sources::new();
        let paths: Vec<std::path::PathBuf> = files.iter().map(|p| p.to_path_buf()).collect();
        let loaded = lint::input::load(&paths, None, &mut sources);
        let (report, kept) = lint::engine::lint_files(
            loaded,
            &sources,
            &lint::env::EnvRules::default(),
            &Settings::default(),
            &Policy::default(),
            false,
            false,
        );
        let rules: Vec<String> = report
            .diagnostics
            .iter()
            .map(|d| d.rule.to_string())
            .collect();
        (kept.len(), rules)
    };
    assert_eq!(run(&[&tmp.path().join("deploy.yaml")]).0, 0);
    // An Application asks the sync model about the set, a workload reading
    // a Secret asks who syncs it: both are decided from facts once the set
    // is known (a `Later`), and neither tree is kept.
    std::fs::write(tmp.path().join("app.yaml"), app).unwrap();
    assert_eq!(run(&[&tmp.path().join("app.yaml")]).0, 0);
    let reads = deploy.replace(
        "image: ghcr.io/a/api:1.0.0\n",
        "image: ghcr.io/a/api:1.0.0\n          env:\n            - name: DB_PASSWORD\n              valueFrom: { secretKeyRef: { name: db, key: password } }\n",
    );
    let es = "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: { name: db, namespace: shop }\nspec:\n  secretStoreRef: { kind: ClusterSecretStore, name: doppler }\n  target: { name: db }\n  dataFrom: [{ extract: { key: db } }]\n";
    std::fs::write(tmp.path().join("reads.yaml"), reads).unwrap();
    std::fs::write(tmp.path().join("es.yaml"), es).unwrap();
    let (kept, rules) = run(&[&tmp.path().join("reads.yaml"), &tmp.path().join("es.yaml")]);
    assert_eq!(kept, 0);
    assert!(rules.iter().any(|r| r == "SS024"), "{rules:?}");
}
