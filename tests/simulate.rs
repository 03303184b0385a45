#![allow(clippy::expect_used, clippy::unwrap_used)]
//! `shipshape simulate`: the bundled example converges in both environments,
//! the project's render and a copy of its output folder give the same
//! timeline, and a copy broken as a person would break it stops at the
//! Application that blocks, with the rule and the reason.

mod common;
use common::*;

use std::path::Path;

fn simulate(args: &[&str], dir: &Path) -> (Option<i32>, String, String) {
    let mut all = vec!["simulate"];
    all.extend_from_slice(args);
    let out = run(&all, dir);
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

/// The waves of the first timeline of a JSON run: `(wave, [application])`.
fn waves(json: &str) -> Vec<(i64, Vec<String>)> {
    let j: serde_json::Value = serde_json::from_str(json).expect("json");
    j["simulation"][0]["waves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["wave"].as_i64().unwrap(),
                w["applications"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a["name"].as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn the_example_converges_in_every_env() {
    for env in ["dev", "prd"] {
        let (code, out, err) = simulate(&["--env", env], &repo());
        assert_eq!(code, Some(0), "{env}:\n{out}\n{err}");
        assert!(out.contains("converges:"), "{out}");
        assert!(!out.contains("BLOCKED"), "{out}");
        // The app's image is not in the catalogue: said, never passed silently.
        assert!(
            out.contains("example-api:1.4.2` under runAsNonRoot"),
            "{out}"
        );
    }
    // prd: the operators that read the store's Secrets come after it.
    let (_, json, _) = simulate(&["--env", "prd", "--format", "json"], &repo());
    let w = waves(&json);
    let wave_of = |app: &str| {
        w.iter()
            .find(|(_, a)| a.iter().any(|x| x == app))
            .unwrap()
            .0
    };
    assert!(wave_of("prd-external-secrets") < wave_of("prd-secret-store"));
    assert!(wave_of("prd-secret-store") < wave_of("prd-external-dns"));
    assert!(wave_of("prd-external-dns") < wave_of("prd-redis-queue"));
}

#[test]
fn a_copy_of_the_output_folder_replays_like_the_render() {
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("copy");
    copy_dir(&repo().join("gitops-out"), &copy);
    let copy = copy.to_string_lossy().to_string();
    for env in ["dev", "prd"] {
        let (code, from_copy, err) = simulate(&["--env", env, &copy, "--format", "json"], &repo());
        assert_eq!(code, Some(0), "{from_copy}\n{err}");
        let (_, from_render, _) = simulate(&["--env", env, "--format", "json"], &repo());
        assert_eq!(waves(&from_copy), waves(&from_render), "{env}");
    }
}

/// A copy of the output with one file edited.
fn broken_copy(file: &str, from: &str, to: &str) -> (tempfile::TempDir, String) {
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("gitops-out");
    copy_dir(&repo().join("gitops-out"), &copy);
    let path = copy.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} has no `{from}`");
    std::fs::write(&path, text.replace(from, to)).unwrap();
    let c = copy.to_string_lossy().to_string();
    (tmp, c)
}

#[test]
fn a_secret_store_after_its_readers_is_a_deadlock() {
    let (_tmp, copy) = broken_copy(
        "argocd/prd/apps/secret-store.yaml",
        "argocd.argoproj.io/sync-wave: \"-2\"",
        "argocd.argoproj.io/sync-wave: \"3\"",
    );
    let (code, out, err) = simulate(&["--env", "prd", &copy], &repo());
    assert_eq!(code, Some(1), "{out}\n{err}");
    assert!(out.contains("does not converge"), "{out}");
    // External-DNS reads the token the store makes later; the data services'
    // ExternalSecrets read through the store.
    assert!(
        out.contains("prd-external-dns")
            && out.contains("cloudflare-api-token")
            && out.contains("Application prd-secret-store makes only in wave 3"),
        "{out}"
    );
    assert!(out.contains("error[SS061 sync-wave-deadlock]"), "{out}");
    // SARIF carries the same finding.
    let (code, sarif, _) = simulate(&["--env", "prd", &copy, "--format", "sarif"], &repo());
    assert_eq!(code, Some(1));
    let j: serde_json::Value = serde_json::from_str(&sarif).expect("sarif");
    let rules: Vec<&str> = j["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"SS061"), "{rules:?}");
}

#[test]
fn a_destination_the_project_refuses_blocks_its_wave() {
    let (_tmp, copy) = broken_copy(
        "argocd/prd/apps/secret-store.yaml",
        "namespace: external-secrets",
        "namespace: default",
    );
    let (code, out, err) = simulate(&["--env", "prd", &copy], &repo());
    assert_eq!(code, Some(1), "{out}\n{err}");
    assert!(
        out.contains("Application prd-secret-store is refused")
            && out.contains("namespace `default`")
            && out.contains("error[SS060 argocd-destination-not-permitted]"),
        "{out}"
    );
    // The waves after it never start.
    assert!(out.contains("never starts"), "{out}");
}

#[test]
fn an_old_cloudflared_and_the_redis_operator_defaults_are_caught() {
    let (_tmp, copy) = broken_copy(
        "apps/cloudflared/base/deployment-cloudflared.yaml",
        "        runAsUser: 65532\n",
        "",
    );
    // Still a numeric-user image: nothing to refuse.
    let (code, out, _) = simulate(&["--env", "prd", &copy], &repo());
    assert_eq!(code, Some(0), "{out}");
    let old = std::path::Path::new(&copy).join("apps/cloudflared/base/deployment-cloudflared.yaml");
    let t = std::fs::read_to_string(&old).unwrap();
    std::fs::write(
        &old,
        t.replace("cloudflared:2025.8.1", "cloudflared:2024.12.2"),
    )
    .unwrap();
    let overlay =
        std::path::Path::new(&copy).join("apps/cloudflared/overlays/prd/kustomization.yaml");
    let t = std::fs::read_to_string(&overlay).unwrap();
    std::fs::write(&overlay, t.replace("2025.8.1", "2024.12.2")).unwrap();
    let (code, out, _) = simulate(&["--env", "prd", &copy], &repo());
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("error[SS062 image-user-not-numeric]"), "{out}");

    let (_tmp2, copy) = broken_copy(
        "argocd/prd/apps/redis-operator.yaml",
        "GenerateConfigInInitContainer: true",
        "GenerateConfigInInitContainer: false",
    );
    let (code, out, _) = simulate(&["--env", "prd", &copy], &repo());
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("error[SS063 ot-redis-tls-without-init-config]")
            && out.contains("REDIS_TLS_CA_KEY"),
        "{out}"
    );
}

#[test]
fn a_file_that_does_not_parse_fails_the_replay() {
    let (_tmp, copy) = broken_copy(
        "apps/redis-queue/overlays/prd/redisreplication-redis-queue.yaml",
        "kind: RedisReplication",
        "kind: RedisReplication\n  broken: [",
    );
    let (code, out, _) = simulate(&["--env", "prd", &copy], &repo());
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("not replayed"), "{out}");
}

#[test]
fn bad_input_is_a_clear_error() {
    let (code, _, err) = simulate(&["--env", "staging"], &repo());
    assert_eq!(code, Some(2));
    assert!(err.contains("no environment `staging`"), "{err}");
    let (code, _, err) = simulate(&["--env", "prd", "no/such/folder"], &repo());
    assert_eq!(code, Some(2));
    assert!(err.contains("does not exist"), "{err}");
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("a.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n",
    )
    .unwrap();
    let (code, _, err) = simulate(&["--env", "prd", &tmp.path().to_string_lossy()], &repo());
    assert_eq!(code, Some(2));
    assert!(err.contains("no Argo CD Application of env `prd`"), "{err}");
}

#[test]
fn stores_namespaces_and_crds_made_too_late_are_each_named() {
    let dir = repo().join("fixtures/simulate/deadlocks");
    let (code, out, err) = simulate(&[&dir.to_string_lossy(), "--format", "json"], &repo());
    assert_eq!(code, Some(1), "{out}\n{err}");
    let j: serde_json::Value = serde_json::from_str(&out).expect("json");
    let blocks: Vec<(String, String)> = j["simulation"][0]["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["rule"].as_str().unwrap().to_string(),
                b["object"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    for object in [
        "Certificate api-tls",
        "CronJob cleanup",
        "ExternalSecret api-secrets",
    ] {
        assert!(
            blocks.contains(&("SS061".to_string(), object.to_string())),
            "{object}: {blocks:?}"
        );
    }
    assert_eq!(blocks.len(), 3, "{blocks:?}");
    // The report has the same three, at the Application's wave.
    let diags = j["report"]["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 3);
    assert!(diags.iter().all(|d| d["rule"] == "SS061" && d["line"] == 8));
}
