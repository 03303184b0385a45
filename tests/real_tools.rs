#![allow(clippy::expect_used, clippy::unwrap_used)]
//! The rendered output against the real tools: `kubectl kustomize` builds every
//! overlay into exactly the objects shipshape says it renders, and every object
//! of a CRD kind validates strictly against the upstream schema.

mod common;
use common::*;

use serde_json::Value as J;
use shipshape::render::{self, Bundle};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The example and every spec case, rendered into temp dirs.
fn rendered_projects() -> Vec<(String, PathBuf, Bundle, tempfile::TempDir)> {
    let mut dirs = vec![("example".to_string(), repo())];
    let cases = repo().join("fixtures/specs");
    let mut names: Vec<_> = std::fs::read_dir(&cases)
        .expect("specs")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    names.sort();
    for p in names {
        dirs.push((
            p.file_name().expect("name").to_string_lossy().into_owned(),
            p,
        ));
    }
    dirs.into_iter()
        .map(|(name, dir)| {
            let loaded =
                shipshape::cli::load(&dir).unwrap_or_else(|o| panic!("{name}: {}", o.stderr));
            let bundle = render::render(&loaded.model, None);
            let tmp = tempfile::tempdir().expect("tmp");
            shipshape::emit::write(&bundle.files, tmp.path(), &[shipshape::emit::Scope::All])
                .expect("write");
            (name, tmp.path().to_path_buf(), bundle, tmp)
        })
        .collect()
}

fn sorted(mut v: Vec<J>) -> Vec<J> {
    v.sort_by_key(|o| {
        format!(
            "{}/{}/{}",
            o["kind"], o["metadata"]["namespace"], o["metadata"]["name"]
        )
    });
    v
}

#[test]
fn kubectl_kustomize_builds_every_overlay_into_the_rendered_objects() {
    if !need_tool("kubectl", "kubectl kustomize") {
        return;
    }
    let mut overlays = 0;
    let built_dir = tempfile::tempdir().expect("tmp");
    for (name, out, bundle, _tmp) in rendered_projects() {
        let mut dirs: Vec<PathBuf> = walkdir::WalkDir::new(out.join("apps"))
            .min_depth(3)
            .max_depth(3)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .map(|e| e.path().to_path_buf())
            .filter(|p| {
                p.parent()
                    .and_then(Path::file_name)
                    .is_some_and(|n| n == "overlays")
            })
            .collect();
        dirs.sort();
        assert!(!dirs.is_empty(), "{name}: no overlays");
        for dir in dirs {
            let o = Command::new("kubectl")
                .arg("kustomize")
                .arg(&dir)
                .output()
                .expect("kubectl runs");
            assert!(
                o.status.success(),
                "{name}: kubectl kustomize {}: {}",
                dir.display(),
                text(&o.stderr)
            );
            let built: Vec<J> =
                shipshape::yaml::parse_stream(&text(&o.stdout), shipshape::source::FileId(0))
                    .expect("kustomize output parses")
                    .iter()
                    .map(|n| n.to_json())
                    .filter(|j| !j.is_null())
                    .collect();
            let env = dir.file_name().expect("env").to_string_lossy().into_owned();
            let component = dir
                .parent()
                .and_then(Path::parent)
                .and_then(Path::file_name)
                .expect("component")
                .to_string_lossy()
                .into_owned();
            let expected: Vec<J> = bundle
                .objects
                .iter()
                .filter(|b| {
                    b.env == env && b.component == component && b.object.kind() != "Application"
                })
                .map(|b| b.object.value.clone())
                .collect();
            assert_eq!(
                sorted(built),
                sorted(expected),
                "{name}: {component}/{env} differs from kustomize's build"
            );
            overlays += 1;
        }
    }
    assert!(overlays >= 10, "built {overlays} overlays");

    // Core kinds (Deployment, Service, Ingress, NetworkPolicy…) against the
    // Kubernetes API schemas, strictly: unknown fields are errors.
    if need_tool("kubernetes-validate", "kubernetes-validate") {
        let files: Vec<PathBuf> = std::fs::read_dir(built_dir.path())
            .expect("dir")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        let o = Command::new("kubernetes-validate")
            .args(["--strict", "--no-warn", "--quiet", "-k", "1.32.0"])
            .args(&files)
            .output()
            .expect("kubernetes-validate runs");
        assert!(
            o.status.success(),
            "kubernetes-validate:\n{}{}",
            text(&o.stdout),
            text(&o.stderr)
        );
    }
}

/// kubeconform's `-strict`: an object schema that lists properties rejects others.
fn strict(schema: &mut J) {
    match schema {
        J::Object(m) => {
            if m.contains_key("properties") && !m.contains_key("additionalProperties") {
                m.insert("additionalProperties".into(), J::Bool(false));
            }
            for v in m.values_mut() {
                strict(v);
            }
        }
        J::Array(a) => a.iter_mut().for_each(strict),
        _ => {}
    }
}

#[test]
fn crd_objects_validate_strictly_against_upstream_schemas() {
    let Some(shared) = skip_without_shared("upstream CRD schemas") else {
        return;
    };
    let crds = shared.join("schemas-upstream/crds");
    let mut unchecked = std::collections::BTreeSet::new();
    let mut checked = 0;
    let mut kinds = std::collections::BTreeSet::new();
    for (name, _out, bundle, _tmp) in rendered_projects() {
        for b in &bundle.objects {
            let v = &b.object.value;
            let api = v["apiVersion"].as_str().expect("apiVersion");
            let Some((group, version)) = api.split_once('/') else {
                continue;
            };
            if matches!(group, "apps" | "networking.k8s.io" | "batch" | "policy") {
                continue;
            }
            if NO_UPSTREAM_SCHEMA.contains(&group) {
                unchecked.insert(format!("{group}/{}", b.object.kind()));
                continue;
            }
            let file = crds.join(group).join(format!(
                "{}_{version}.json",
                b.object.kind().to_ascii_lowercase()
            ));
            let mut schema: J = serde_json::from_str(
                &std::fs::read_to_string(&file)
                    .unwrap_or_else(|_| panic!("no upstream schema {}", file.display())),
            )
            .expect("schema json");
            strict(&mut schema);
            let validator = jsonschema::validator_for(&schema).expect("schema compiles");
            let errors: Vec<String> = validator
                .iter_errors(v)
                .map(|e| format!("{} at {}", e, e.instance_path))
                .collect();
            assert!(
                errors.is_empty(),
                "{name}: {} {} in {}:\n{}",
                b.object.kind(),
                b.object.name(),
                b.file,
                errors.join("\n")
            );
            kinds.insert(format!("{group}/{}", b.object.kind()));
            checked += 1;
        }
    }
    for kind in [
        "argoproj.io/Application",
        "external-secrets.io/ExternalSecret",
        "external-secrets.io/ClusterSecretStore",
        "redis.redis.opstreelabs.in/Redis",
        "redis.redis.opstreelabs.in/RedisReplication",
        "redis.redis.opstreelabs.in/RedisSentinel",
        "postgresql.cnpg.io/Cluster",
        "postgresql.cnpg.io/ScheduledBackup",
        "barmancloud.cnpg.io/ObjectStore",
        "externaldns.k8s.io/DNSEndpoint",
    ] {
        assert!(kinds.contains(kind), "no rendered {kind} was checked");
    }
    assert!(checked > 30, "checked {checked}");
    if !unchecked.is_empty() {
        eprintln!(
            "NOT SCHEMA-CHECKED (no upstream schema in ../shared/schemas-upstream): {}",
            unchecked.into_iter().collect::<Vec<_>>().join(", ")
        );
    }
}

/// Groups of rendered kinds whose CRD schemas `../shared/schemas-upstream` does
/// not hold; `tests/deployable.rs` still checks their apiVersions and references.
const NO_UPSTREAM_SCHEMA: &[&str] = &["cert-manager.io"];
