#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stderr)]
//! Precision and recall on real repositories: every finding of `lint` over
//! `../shared/corpus` against the judged list in `tests/corpus-expectations.tsv`.
//! The numbers are printed per rule; a judged true positive that disappears, a
//! judged false positive that comes back, or a finding nobody judged fails.
//! Recall counts judged misses too: a `miss` row is a violation found by
//! reading the YAML that lint does not report yet (listed, counted against
//! recall); once lint finds it, the row must become `tp`.

mod common;
use common::*;

use std::collections::{BTreeMap, BTreeSet};

type Row = (String, String, u64);

fn expectations() -> BTreeMap<Row, String> {
    let text = std::fs::read_to_string(repo().join("tests/corpus-expectations.tsv")).expect("tsv");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 4, "bad row: {l}");
            (
                (f[0].into(), f[1].into(), f[2].parse().expect("line")),
                f[3].into(),
            )
        })
        .collect()
}

#[test]
fn corpus_precision_and_recall() {
    let Some(shared) = skip_without_shared("corpus precision and recall") else {
        return;
    };
    let out = run(&["lint", ".", "--format", "json"], &shared.join("corpus"));
    let j = json(&out);
    let found: BTreeSet<Row> = j["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] != "SS900")
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let mut expected = expectations();
    let unjudged: Vec<&Row> = found
        .iter()
        .filter(|r| !expected.contains_key(*r))
        .collect();
    if std::env::var_os("UPDATE_GENERATED").is_some() && !unjudged.is_empty() {
        let mut text =
            std::fs::read_to_string(repo().join("tests/corpus-expectations.tsv")).unwrap();
        for (rule, file, line) in &unjudged {
            text.push_str(&format!("{rule}\t{file}\t{line}\tunjudged\n"));
        }
        std::fs::write(repo().join("tests/corpus-expectations.tsv"), text).unwrap();
        expected = expectations();
    }
    // Per rule: true positives found / judged true positives (recall on what is
    // known), and true positives / all judged findings (precision).
    let mut per_rule: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new(); // tp found, tp judged + misses, fp found
    for (row, verdict) in &expected {
        let e = per_rule.entry(row.0.as_str()).or_default();
        match verdict.as_str() {
            "tp" => {
                e.1 += 1;
                if found.contains(row) {
                    e.0 += 1;
                }
            }
            "miss" => e.1 += 1,
            "fp" if found.contains(row) => e.2 += 1,
            _ => {}
        }
    }
    eprintln!("corpus precision / recall per rule:");
    for (rule, (tp, judged, fp)) in &per_rule {
        let precision = if tp + fp == 0 {
            1.0
        } else {
            *tp as f64 / (tp + fp) as f64
        };
        eprintln!("  {rule}: precision {precision:.2} ({tp} tp, {fp} fp), recall {tp}/{judged}");
    }
    let lost: Vec<&Row> = expected
        .iter()
        .filter(|(r, v)| v.as_str() == "tp" && !found.contains(*r))
        .map(|(r, _)| r)
        .collect();
    let back: Vec<&Row> = expected
        .iter()
        .filter(|(r, v)| v.as_str() == "fp" && found.contains(*r))
        .map(|(r, _)| r)
        .collect();
    let misses: Vec<&Row> = expected
        .iter()
        .filter(|(_, v)| v.as_str() == "miss")
        .map(|(r, _)| r)
        .collect();
    eprintln!("judged misses (not found yet): {misses:#?}");
    let found_misses: Vec<&&Row> = misses.iter().filter(|r| found.contains(**r)).collect();
    assert!(
        found_misses.is_empty(),
        "judged misses now found: mark them `tp`: {found_misses:#?}"
    );
    let pending: Vec<&Row> = expected
        .iter()
        .filter(|(_, v)| v.as_str() == "unjudged")
        .map(|(r, _)| r)
        .collect();
    assert!(
        lost.is_empty(),
        "true positives no longer found (recall regression): {lost:#?}"
    );
    assert!(back.is_empty(), "false positives found again: {back:#?}");
    assert!(
        unjudged.is_empty() || std::env::var_os("UPDATE_GENERATED").is_some(),
        "findings nobody judged (UPDATE_GENERATED=1 cargo test --test corpus appends them): {unjudged:#?}"
    );
    assert!(
        pending.is_empty(),
        "judge the `unjudged` rows of tests/corpus-expectations.tsv: {pending:#?}"
    );
}

/// The built-in kinds SS007 checks.
const SCHEMA_KINDS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
    "Pod",
    "Service",
    "ConfigMap",
    "Secret",
    "Ingress",
    "PersistentVolumeClaim",
    "ServiceAccount",
    "Namespace",
    "NetworkPolicy",
    "PodDisruptionBudget",
    "HorizontalPodAutoscaler",
    "Role",
    "RoleBinding",
    "ClusterRole",
    "ClusterRoleBinding",
];

/// SS007 against kubeconform (strict, the same Kubernetes schemas) on the
/// corpus, file by file: shipshape flags nothing kubeconform accepts, and
/// each file kubeconform refuses that shipshape does not is one of the two
/// explained differences: a SOPS-encrypted file (its `sops` block is gone
/// when it is applied) or a patch its kustomization lists (a fragment, not
/// an object).
#[test]
fn schema_findings_agree_with_kubeconform_on_the_corpus() {
    let Some(shared) = skip_without_shared("SS007 against kubeconform") else {
        return;
    };
    // kubeconform prints paths resolved: give it (and strip) the real one.
    let corpus = std::fs::canonicalize(shared.join("corpus")).expect("corpus");
    let kc = std::process::Command::new(shared.join("bench/peers/kubeconform.sh"))
        .args(["-output", "json", "-n", "2"])
        .arg(&corpus)
        .output()
        .expect("kubeconform runs");
    let report: serde_json::Value = serde_json::from_slice(&kc.stdout).expect("kubeconform json");
    let prefix = format!("{}/", corpus.display());
    let theirs: BTreeSet<String> = report["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "statusInvalid")
        .filter(|r| SCHEMA_KINDS.contains(&r["kind"].as_str().unwrap_or("")))
        .map(|r| {
            r["filename"]
                .as_str()
                .unwrap()
                .trim_start_matches(&prefix)
                .to_string()
        })
        .collect();
    assert!(
        !theirs.is_empty(),
        "kubeconform refused nothing: did it run?"
    );
    let out = run(
        &["lint", ".", "--select", "SS007", "--format", "json"],
        &corpus,
    );
    let ours: BTreeSet<String> = json(&out)["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "SS007")
        .map(|d| d["file"].as_str().unwrap().to_string())
        .collect();
    let only_ours: Vec<&String> = ours.difference(&theirs).collect();
    assert!(
        only_ours.is_empty(),
        "SS007 refuses what kubeconform accepts: {only_ours:?}"
    );
    for file in theirs.difference(&ours) {
        let sops = file.contains(".sops.");
        let path = corpus.join(file);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let kustomization =
            std::fs::read_to_string(path.with_file_name("kustomization.yaml")).unwrap_or_default();
        let patch = kustomization
            .lines()
            .any(|l| l.contains(&name) && !l.trim_start().starts_with("- ../"))
            && kustomization.contains("atch");
        assert!(
            sops || patch,
            "kubeconform refuses {file} and SS007 does not, unexplained"
        );
    }
}
