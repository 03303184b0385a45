#![allow(clippy::expect_used, clippy::unwrap_used)]
//! The lint engine end to end: registry invariants, the project's `check`,
//! findings on rendered objects, suppressions, custom CEL rules, reporters,
//! and a run over the real-world corpus.

mod common;
use common::*;

use shipshape::lint::registry::{self, doc_text, RULES};
use std::collections::BTreeSet;

#[test]
fn registry_ids_are_unique_named_documented_and_have_fixtures() {
    let mut ids = BTreeSet::new();
    let mut names = BTreeSet::new();
    for r in RULES {
        let m = r.meta();
        assert!(ids.insert(m.id), "duplicate id {}", m.id);
        assert!(names.insert(m.name), "duplicate name {}", m.name);
        assert!(
            m.id.len() == 5
                && m.id.starts_with("SS")
                && m.id[2..].bytes().all(|b| b.is_ascii_digit()),
            "{}",
            m.id
        );
        assert!(
            m.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') && !m.name.starts_with('-'),
            "{} is not kebab-case",
            m.name
        );
        assert!(
            m.help.ends_with('.'),
            "{}: help must end with a period",
            m.id
        );
        let doc = doc_text(m);
        for heading in [
            "## What it flags",
            "## Why it matters",
            "## Example (bad)",
            "## Use instead",
            "## References",
        ] {
            assert!(doc.contains(heading), "{}: doc lacks `{heading}`", m.id);
        }
        for f in ["fail.yaml", "pass.yaml"] {
            assert!(
                repo().join("fixtures/rules").join(m.id).join(f).is_file(),
                "{}: no {f}",
                m.id
            );
        }
    }
    insta::assert_snapshot!(
        "rule-ids",
        ids.iter().copied().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn rules_markdown_is_up_to_date() {
    let path = repo().join("policies/RULES.md");
    let want = registry::rules_markdown();
    if std::env::var_os("UPDATE_GENERATED").is_some() {
        std::fs::write(&path, &want).expect("write");
    }
    assert_eq!(
        std::fs::read_to_string(&path).unwrap_or_default(),
        want,
        "policies/RULES.md is stale: UPDATE_GENERATED=1 cargo test --test lint"
    );
}

#[test]
fn rules_and_explain_cover_every_rule() {
    let table = text(&bin().arg("rules").output().expect("runs").stdout);
    for r in RULES {
        let m = r.meta();
        assert!(table.contains(m.id) && table.contains(m.name));
        for key in [m.id, m.name] {
            let out = bin().args(["explain", key]).output().expect("runs");
            assert_eq!(out.status.code(), Some(0));
            assert!(text(&out.stdout).contains(&doc_text(m)), "explain {key}");
        }
    }
    let bad = bin()
        .args(["explain", "image-tag-mutabel"])
        .output()
        .expect("runs");
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("did you mean `image-tag-mutable`"));
}

#[test]
fn the_bundled_example_passes_check() {
    let out = run(&["check", "--format", "json"], &repo());
    let j = json(&out);
    assert_eq!(out.status.code(), Some(0), "{:#}", j["diagnostics"]);
    assert_eq!(j["summary"]["errors"], 0);
    assert!(j["summary"]["objects"].as_u64().unwrap() > 50);
}

#[test]
fn check_points_rendered_findings_at_the_spec_and_reports_drift() {
    let tmp = example_copy();
    let prd = tmp.path().join("fixtures/example/envs/prd.yaml");
    let spec = std::fs::read_to_string(&prd).expect("prd");
    std::fs::write(
        &prd,
        spec.replace("    instances: 2\n", "    instances: 1\n"),
    )
    .expect("edit");

    let drift = run(&["check", "--format", "json"], tmp.path());
    assert_eq!(drift.status.code(), Some(1));
    let j = json(&drift);
    let rules: Vec<&str> = rules_in(&j);
    assert!(rules.contains(&"SS903"), "drift reported: {rules:?}");

    assert_eq!(run(&["render", "--all"], tmp.path()).status.code(), Some(0));
    let out = run(&["check", "--format", "json"], tmp.path());
    assert_eq!(out.status.code(), Some(1));
    let j = json(&out);
    let d = j["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "SS021")
        .expect("SS021 fires");
    assert_eq!(d["file"], "fixtures/example/envs/prd.yaml");
    let line = d["line"].as_u64().unwrap() as usize;
    assert!(
        std::fs::read_to_string(&prd)
            .unwrap()
            .lines()
            .nth(line - 1)
            .unwrap()
            .contains("instances: 1"),
        "points at the spec line that set it"
    );
    assert_eq!(
        d["rendered"]["file"],
        "gitops-out/apps/postgres-main/overlays/prd/cluster-pg-main.yaml"
    );
    assert_eq!(d["object"]["kind"], "Cluster");
    assert_eq!(d["path"], "spec.instances");
}

#[test]
fn suppressions_need_reasons_and_must_match() {
    let dir = repo().join("fixtures/lint/suppressions");
    let out = bin()
        .current_dir(&dir)
        .args(["lint", ".", "--env", "prd", "--policy", "policy.yaml"])
        .output()
        .expect("runs");
    let human = text(&out.stdout);
    insta::assert_snapshot!("suppressions", human);
    assert_eq!(out.status.code(), Some(1));
    for silenced in [
        "image `ghcr.io/acme/annotated:latest`",
        "image `ghcr.io/acme/commented:latest`",
        "Deployment exempt runs",
    ] {
        assert!(!human.contains(silenced), "{silenced} should be suppressed");
    }
    assert!(
        human.contains("image `ghcr.io/acme/loud:latest`"),
        "an unsuppressed finding stays"
    );
    assert!(human.contains("SS901 suppression-without-reason"));
    assert!(human.contains("SS902 unused-suppression"));
}

#[test]
fn custom_cel_rules_fire_and_broken_ones_are_bad_input() {
    // A copy outside the repository, so that only the policies named apply
    // (inside, `lint` finds the bundled example's project upwards).
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("fixtures/lint/custom"), tmp.path());
    let dir = tmp.path().to_path_buf();
    let custom = repo().join("policies/custom.yaml");
    let out = bin()
        .current_dir(&dir)
        .args([
            "lint",
            "manifests.yaml",
            "--env",
            "prd",
            "--policy",
            &custom.to_string_lossy(),
        ])
        .output()
        .expect("runs");
    let human = text(&out.stdout);
    assert!(
        human.contains("ACME001 container-may-run-as-root")
            && human.contains("Deployment root-app"),
        "{human}"
    );
    assert!(!human.contains("Deployment safe-app"), "{human}");
    assert!(human.contains("ACME002 ingress-without-class"), "{human}");

    let broken = bin()
        .current_dir(&dir)
        .args(["lint", "manifests.yaml", "--policy", "broken-policy.yaml"])
        .output()
        .expect("runs");
    assert_eq!(broken.status.code(), Some(2));
    insta::assert_snapshot!("broken-cel", text(&broken.stderr));
}

#[test]
fn fail_on_sets_the_threshold() {
    let dir = repo().join("fixtures/rules/SS022");
    let warn = bin()
        .current_dir(&dir)
        .args(["lint", "fail.yaml"])
        .output()
        .expect("runs");
    assert_eq!(
        warn.status.code(),
        Some(0),
        "warnings only: exit 0 at the default threshold"
    );
    let strict = bin()
        .current_dir(&dir)
        .args(["lint", "fail.yaml", "--fail-on", "warning"])
        .output()
        .expect("runs");
    assert_eq!(strict.status.code(), Some(1));
    let missing = bin()
        .args(["lint", "does/not/exist"])
        .output()
        .expect("runs");
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn every_format_snapshot_on_the_same_findings() {
    let dir = repo().join("fixtures/lint/reporters");
    for format in ["human", "json", "sarif", "github", "junit", "gitlab"] {
        let out = bin()
            .current_dir(&dir)
            .args(["lint", ".", "--env", "prd", "--format", format])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(1), "{format}");
        let s = text(&out.stdout).replace(env!("CARGO_PKG_VERSION"), "[version]");
        insta::assert_snapshot!(format!("format-{format}"), s);
    }
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    let Some(shared) = skip_without_shared("SARIF schema") else {
        return;
    };
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(shared.join("schemas-upstream/sarif/sarif-schema-2.1.0.json"))
            .expect("schema"),
    )
    .expect("json");
    let validator = jsonschema::validator_for(&schema).expect("compiles");
    for dir in [
        repo().join("fixtures/lint/reporters"),
        repo().join("fixtures/admission"),
        shared.join("corpus/nidr0x__k8s-gitops"),
    ] {
        let out = bin()
            .current_dir(&dir)
            .args(["lint", ".", "--format", "sarif"])
            .output()
            .expect("runs");
        let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).expect("sarif json");
        let errors: Vec<String> = validator
            .iter_errors(&sarif)
            .map(|e| format!("{e} at {}", e.instance_path))
            .collect();
        assert!(errors.is_empty(), "{}", errors.join("\n"));
        assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty());
    }
}

#[test]
fn the_corpus_lints_without_panic_and_every_finding_points_at_a_real_place() {
    let Some(shared) = skip_without_shared("corpus lint") else {
        return;
    };
    let corpus = shared.join("corpus");
    let out = bin()
        .current_dir(&corpus)
        .args(["lint", ".", "--format", "json"])
        .output()
        .expect("runs");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "exit {:?}: {}",
        out.status.code(),
        text(&out.stderr)
    );
    let j = json(&out);
    let diags = j["diagnostics"].as_array().unwrap();
    assert!(diags.len() > 100, "{} findings", diags.len());
    assert!(j["summary"]["files"].as_u64().unwrap() > 1900);
    for d in diags {
        let file = d["file"].as_str().unwrap();
        let text =
            std::fs::read_to_string(corpus.join(file)).unwrap_or_else(|_| panic!("{file} exists"));
        let (line, col) = (
            d["line"].as_u64().unwrap() as usize,
            d["column"].as_u64().unwrap() as usize,
        );
        let l = text
            .lines()
            .nth(line - 1)
            .unwrap_or_else(|| panic!("{file}:{line} exists"));
        assert!(
            col >= 1 && col <= l.chars().count() + 1,
            "{file}:{line}:{col} is inside the line"
        );
        if d["rule"] != "SS900" && !d["path"].as_str().unwrap().is_empty() {
            let rest: String = l.chars().skip(col - 1).collect();
            assert!(
                !rest.trim().is_empty(),
                "{file}:{line}:{col} points at a node"
            );
        }
    }
}

#[test]
fn check_lints_the_extra_manifest_folders_too() {
    let tmp = example_copy();
    let project = tmp.path().join("shipshape.yaml");
    let spec = std::fs::read_to_string(&project).expect("project");
    std::fs::write(
        &project,
        format!("{spec}extra-manifests:\n  - hand-written\n"),
    )
    .expect("edit");
    std::fs::create_dir_all(tmp.path().join("hand-written")).expect("mkdir");
    std::fs::write(
        tmp.path().join("hand-written/legacy.yaml"),
        "apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata: { name: legacy, namespace: example-prd }\nspec: {}\n",
    )
    .expect("write");
    // Pre-commit passes changed file names; the whole project is still checked.
    let out = run(
        &["check", "--format", "json", "hand-written/legacy.yaml"],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let j = json(&out);
    let d = j["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "SS005")
        .expect("SS005 in the extra folder");
    assert_eq!(d["file"], "hand-written/legacy.yaml");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(1), Some(13))
    );
}

/// A finding on a spec line that several envs inherit keeps the highest
/// severity among them (prd's error, not dev's warning) and names every env.
#[test]
fn a_base_defined_problem_keeps_its_production_severity() {
    let tmp = example_copy();
    let base = tmp.path().join("fixtures/example/envs/base.yaml");
    let spec = std::fs::read_to_string(&base).expect("base");
    std::fs::write(
        &base,
        spec.replace("example-api:1.4.2", "example-api:latest"),
    )
    .expect("edit");
    assert_eq!(run(&["render", "--all"], tmp.path()).status.code(), Some(0));

    let out = run(&["check", "--format", "json"], tmp.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let j = json(&out);
    let ss020: Vec<&serde_json::Value> = j["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "SS020")
        .collect();
    assert_eq!(
        ss020.len(),
        1,
        "one finding for the one spec line: {ss020:?}"
    );
    assert_eq!(ss020[0]["severity"], "error");
    assert_eq!(ss020[0]["envs"], serde_json::json!(["dev", "prd"]));
    assert_eq!(ss020[0]["file"], "fixtures/example/envs/base.yaml");

    let human = text(&run(&["check"], tmp.path()).stdout);
    assert!(
        human.contains("error[SS020 image-tag-mutable]") && human.contains("(in dev, prd)"),
        "{human}"
    );
    let sarif: serde_json::Value =
        serde_json::from_slice(&run(&["check", "--format", "sarif"], tmp.path()).stdout)
            .expect("sarif");
    let r = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "SS020")
        .expect("SS020 result");
    assert_eq!(r["level"], "error");
    assert_eq!(r["properties"]["envs"], serde_json::json!(["dev", "prd"]));
}

/// `# shipshape:ignore RULE reason` works on spec lines, for findings on
/// rendered objects that point there; an unused one is reported.
#[test]
fn suppression_comments_work_on_spec_lines() {
    let tmp = example_copy();
    let base = tmp.path().join("fixtures/example/envs/base.yaml");
    let spec = std::fs::read_to_string(&base).expect("base");
    std::fs::write(
        &base,
        spec.replace(
            "    image: ghcr.io/example-org/example-api:1.4.2\n",
            "    # shipshape:ignore SS020 the vendor publishes only latest\n    image: ghcr.io/example-org/example-api:latest\n    # shipshape:ignore SS022 nothing here to silence\n",
        ),
    )
    .expect("edit");
    assert_eq!(run(&["render", "--all"], tmp.path()).status.code(), Some(0));
    let out = run(&["check", "--format", "json"], tmp.path());
    let j = json(&out);
    let rules: Vec<&str> = rules_in(&j);
    assert!(!rules.contains(&"SS020"), "suppressed: {rules:?}");
    let unused = j["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "SS902")
        .expect("the unused suppression is reported");
    assert_eq!(unused["file"], "fixtures/example/envs/base.yaml");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

/// The generator's own output passes every rule, each raised to error.
#[test]
fn the_example_passes_every_rule_at_error_severity() {
    let tmp = example_copy();
    let ids: Vec<&str> = registry::RULES.iter().map(|r| r.meta().id).collect();
    let all: String = ids.iter().map(|id| format!("{id}: error, ")).collect();
    let policy = format!(
        "rules: {{ {all} }}\nenvs:\n  production: {{ {all} }}\n  non-production: {{ {all} }}\n"
    );
    std::fs::write(tmp.path().join("policies/all-errors.yaml"), policy).expect("write");
    let project = std::fs::read_to_string(tmp.path().join("shipshape.yaml")).expect("read");
    let edited = project.replace(
        "  - policies/custom.yaml\n",
        "  - policies/custom.yaml\n  - policies/all-errors.yaml\n",
    );
    assert_ne!(edited, project, "the policy is listed");
    std::fs::write(tmp.path().join("shipshape.yaml"), edited).expect("write");
    let out = run(&["check"], tmp.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(ids.len() >= 33, "{}", ids.len());
}

/// Joins respect namespaces and folders: a kustomization's `namespace:` gives
/// its objects theirs, and objects without one pair only within their folder.
#[test]
fn joins_respect_namespaces_and_folders() {
    let tmp = tempfile::tempdir().expect("tmp");
    let write = |p: &str, t: &str| {
        let path = tmp.path().join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, t).unwrap();
    };
    let sentinel = "apiVersion: redis.redis.opstreelabs.in/v1beta2\nkind: RedisSentinel\nmetadata: { name: s }\nspec: { clusterSize: 3, redisSentinelConfig: { redisReplicationName: r } }\n";
    let repl_with_password = "---\napiVersion: redis.redis.opstreelabs.in/v1beta2\nkind: RedisReplication\nmetadata: { name: r }\nspec: { clusterSize: 2, kubernetesConfig: { image: \"redis:7\", redisSecret: { name: p, key: k } } }\n";
    // Folder a: a Sentinel and, elsewhere, a protected replication of the same name.
    write("a/sentinel.yaml", sentinel);
    write("b/replication.yaml", repl_with_password);
    write(
        "c/kustomization.yaml",
        "namespace: shop\nresources: [cm.yaml]\n",
    );
    write("c/cm.yaml", "apiVersion: v1\nkind: Secret\nmetadata: { name: creds }\nstringData: { password: hunter2hunter2 }\n");
    let out = run(&["lint", ".", "--format", "json"], tmp.path());
    let j = json(&out);
    let d = j["diagnostics"].as_array().unwrap();
    assert!(
        !d.iter().any(|x| x["rule"] == "SS016"),
        "paired across folders: {j}"
    );
    let secret = d
        .iter()
        .find(|x| x["rule"] == "SS002")
        .expect("SS002 on the Secret");
    assert_eq!(secret["object"]["namespace"], "shop", "{secret}");

    // In one folder they do pair.
    write("a/replication.yaml", repl_with_password);
    let out = run(&["lint", ".", "--format", "json"], tmp.path());
    let j = json(&out);
    assert!(
        j["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["rule"] == "SS016"),
        "{j}"
    );
}

/// SS044 without a project: the External-DNS the set installs for the env tells
/// which prefix is read, both ways.
#[test]
fn external_dns_prefix_comes_from_the_set() {
    let tmp = tempfile::tempdir().expect("tmp");
    let release = |env: &str, version: &str, values: &str| {
        format!("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {{ name: external-dns-{env}, namespace: external-dns, labels: {{ shipshape.dev/env: {env} }} }}\nspec:\n  chart: {{ spec: {{ chart: external-dns, version: {version} }} }}\n  values: {values}\n---\n")
    };
    let ingress = |env: &str, prefix: &str| {
        format!("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web-{env}\n  labels: {{ shipshape.dev/env: {env} }}\n  annotations: {{ {prefix}target: t.example.com }}\nspec: {{ ingressClassName: nginx }}\n---\n")
    };
    let text = [
        release("dev", "1.16.1", "{}"),
        ingress("dev", "external-dns.kubernetes.io/"), // new prefix, old controller
        release(
            "prd",
            "1.21.1",
            "{ annotationPrefix: external-dns.kubernetes.io/ }",
        ),
        ingress("prd", "external-dns.alpha.kubernetes.io/"), // old prefix, new controller
        release(
            "stg",
            "1.16.1",
            "{ extraArgs: [\"--annotation-prefix=external-dns.kubernetes.io/\"] }",
        ),
        ingress("stg", "external-dns.kubernetes.io/"), // told to read it: fine
    ]
    .concat();
    std::fs::write(tmp.path().join("all.yaml"), text).unwrap();
    let out = run(&["lint", ".", "--format", "json"], tmp.path());
    let j = json(&out);
    let flagged: Vec<String> = j["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "SS044")
        .map(|d| d["object"]["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        flagged,
        vec!["web-dev".to_string(), "web-prd".to_string()],
        "{j}"
    );
}

/// Helm values of app-template are linted as the objects they become, and
/// findings point at the values nodes; templates are references, not values.
#[test]
fn app_template_values_are_linted_at_their_nodes() {
    let out = run(
        &[
            "lint",
            "fixtures/lint/values/helmrelease.yaml",
            "--env",
            "prd",
            "--format",
            "json",
        ],
        &repo(),
    );
    let j = json(&out);
    let at = |rule: &str| -> Vec<(u64, u64)> {
        j["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["rule"] == rule)
            .map(|d| (d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap()))
            .collect()
    };
    assert_eq!(at("SS020"), vec![(13, 58)], "{j}"); // tag: latest
    assert_eq!(at("SS001"), vec![(15, 28), (40, 47)], "{j}"); // literal password, token shape
                                                              // Probes disabled (shop), and none enabled (web: from chart 3 the
                                                              // library enables no probe by default).
    assert_eq!(at("SS022"), vec![(12, 11), (37, 15)], "{j}");
    assert!(at("SS021").contains(&(10, 7)), "{j}"); // shop: one replica in production
    assert!(!text(&out.stdout).contains("hunter2hunter2"));
    let web = j["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["object"]["name"] == "web" && d["object"]["kind"] == "Deployment")
        .expect("web");
    assert_eq!(
        web["object"]["namespace"], "web",
        "the Application's destination"
    );
}

/// List items, ApplicationSet templates and pod templates of other kinds are linted.
#[test]
fn objects_inside_objects_are_linted() {
    let out = run(
        &[
            "lint",
            "fixtures/lint/values/containers.yaml",
            "--env",
            "prd",
            "--format",
            "json",
        ],
        &repo(),
    );
    let j = json(&out);
    let found: Vec<(String, u64)> = j["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| matches!(d["rule"].as_str(), Some("SS020" | "SS040")))
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        found.contains(&("SS020".into(), 14)),
        "List item: {found:?}"
    );
    assert!(
        found.contains(&("SS040".into(), 25)),
        "ApplicationSet template: {found:?}"
    );
    assert!(found.contains(&("SS020".into(), 36)), "Rollout: {found:?}");
}

/// Values of charts no adapter reads are counted, and listed with --verbose
/// by file and node.
#[test]
fn unread_helm_values_are_reported() {
    let tmp = tempfile::tempdir().expect("tmp");
    std::fs::write(
        tmp.path().join("hr.yaml"),
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: { name: cert-manager }\nspec:\n  chart: { spec: { chart: cert-manager, version: v1.21.1 } }\n  values: { crds: { enabled: true } }\n",
    )
    .unwrap();
    // A values file nothing links to a chart, of a shape no adapter reads.
    std::fs::write(
        tmp.path().join("values.yaml"),
        "grafana:\n  adminUser: admin\n",
    )
    .unwrap();
    let out = run(&["lint", ".", "--verbose"], tmp.path());
    assert!(
        text(&out.stdout).contains("Helm values not read in full at 2 places"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stderr).contains("hr.yaml:6:3: HelmRelease cert-manager"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&["lint", ".", "--format", "json"], tmp.path());
    let j = json(&out);
    assert_eq!(
        j["summary"]["values_unread"],
        serde_json::json!([
            {"file": "hr.yaml", "line": 6, "column": 3, "subject": "HelmRelease cert-manager",
             "why": "no adapter reads the values of chart `cert-manager`"},
            {"file": "values.yaml", "line": 1, "column": 1, "subject": "values file",
             "why": "values no manifest links to a chart, and shaped like no chart shipshape reads"},
        ])
    );
}

/// Values kept apart from the manifest that installs their chart are joined
/// to it as each tool joins them, merged in its order, and checked at the
/// node that sets them: Argo CD `$ref` value files, Flux `valuesFrom` of a
/// generated ConfigMap with the chart from a `chartRef`, kustomize
/// `helmCharts`, a wrapper chart's dependencies, a subchart the catalogue
/// knows its chart version bundles, and a k8s-at-home chart.
#[test]
fn values_kept_apart_are_joined_to_their_chart() {
    let tmp = tempfile::tempdir().expect("tmp");
    let files: &[(&str, &str)] = &[
        // Argo CD: a Bitnami Redis whose values live in the repository.
        ("argocd/cache.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: { name: cache }\nspec:\n  project: apps\n  destination: { namespace: cache, server: https://kubernetes.default.svc }\n  sources:\n    - { repoURL: https://github.com/acme/gitops, targetRevision: v1.0.0, ref: repo }\n    - repoURL: https://charts.bitnami.com/bitnami\n      chart: redis\n      targetRevision: 20.1.0\n      helm:\n        valueFiles: [$repo/apps/cache/values.yaml]\n"),
        ("apps/cache/values.yaml", "architecture: standalone\nauth:\n  enabled: false\n"),
        // Flux: chart from an OCIRepository, values from a generated ConfigMap
        // (the inline values override the file's replicas, not its image).
        ("flux/web/ocirepository.yaml", "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: { name: web }\nspec:\n  url: oci://ghcr.io/bjw-s-labs/helm/app-template\n  ref: { tag: 3.5.1 }\n"),
        ("flux/web/helmrelease.yaml", "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: { name: web }\nspec:\n  chartRef: { kind: OCIRepository, name: web }\n  valuesFrom: [{ kind: ConfigMap, name: web-values }]\n  values:\n    controllers: { web: { replicas: 2 } }\n"),
        ("flux/web/values.yaml", "controllers:\n  web:\n    replicas: 1\n    containers:\n      app:\n        image: { repository: curlimages/curl, tag: latest }\n"),
        ("flux/web/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [ocirepository.yaml, helmrelease.yaml]\nconfigMapGenerator:\n  - name: web-values\n    files: [values.yaml=values.yaml]\n"),
        // kustomize helmCharts: the inline values turn the file's auth back on.
        ("kustomize/queue/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nhelmCharts:\n  - name: redis\n    version: 20.1.0\n    releaseName: queue\n    valuesFile: redis-values.yaml\n    valuesInline:\n      auth: { enabled: true, existingSecret: queue-redis }\n"),
        ("kustomize/queue/redis-values.yaml", "architecture: standalone\nauth:\n  enabled: false\nimage: { tag: latest }\n"),
        // oauth2-proxy 7.x bundles Bitnami Redis under `redis:`; 8.0.0 does not.
        ("argocd/proxy.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: { name: proxy }\nspec:\n  project: apps\n  destination: { namespace: proxy, server: https://kubernetes.default.svc }\n  source:\n    repoURL: https://oauth2-proxy.github.io/manifests\n    chart: oauth2-proxy\n    targetRevision: 7.7.9\n    helm:\n      valuesObject:\n        redis: { enabled: true, auth: { enabled: false } }\n"),
        ("argocd/proxy-8.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: { name: proxy-8 }\nspec:\n  project: apps\n  destination: { namespace: proxy, server: https://kubernetes.default.svc }\n  source:\n    repoURL: https://oauth2-proxy.github.io/manifests\n    chart: oauth2-proxy\n    targetRevision: 8.0.0\n    helm:\n      valuesObject:\n        redis: { enabled: true, auth: { enabled: false } }\n"),
        // Flux: values kept as text in a ConfigMap object of the repository.
        ("flux/sessions.yaml", "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: { name: sessions }\nspec:\n  chart: { spec: { chart: redis, version: 20.1.0, sourceRef: { kind: HelmRepository, name: bitnami } } }\n  valuesFrom: [{ kind: ConfigMap, name: sessions-values }]\n"),
        ("flux/sessions-values.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: sessions-values }\ndata:\n  values.yaml: |\n    architecture: standalone\n    auth:\n      enabled: false\n"),
        // A k8s-at-home chart: the common library's values, app-template 1.x's shape.
        ("flux/hass.yaml", "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: { name: hass }\nspec:\n  chart:\n    spec: { chart: home-assistant, version: 13.4.2, sourceRef: { kind: HelmRepository, name: k8s-at-home-charts } }\n  values:\n    image: { repository: ghcr.io/home-assistant/home-assistant, tag: latest }\n"),
        // A wrapper chart: its Chart.yaml says `sessions:` is Bitnami Redis.
        ("charts/site/Chart.yaml", "apiVersion: v2\nname: site\nversion: 1.0.0\ndependencies:\n  - { name: redis, alias: sessions, version: 20.1.0, repository: https://charts.bitnami.com/bitnami }\n"),
        ("charts/site/values.yaml", "sessions:\n  auth:\n    enabled: false\n"),
    ];
    for (path, body) in files {
        let p = tmp.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
    let out = run(
        &[
            "lint",
            ".",
            "--select",
            "SS014,SS020,SS021",
            "--format",
            "json",
            "-v",
        ],
        tmp.path(),
    );
    let j = json(&out);
    let mut found: Vec<(String, String, u64)> = j["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect();
    found.sort();
    found.dedup();
    let want: Vec<(String, String, u64)> = [
        // auth off, in the values file the Application names (reported at
        // the values the server's container is made from)
        ("SS014", "apps/cache/values.yaml", 1),
        // the subchart 7.7.9 bundles; not 8.0.0's leftover block
        ("SS014", "argocd/proxy.yaml", 13),
        // the wrapper chart's aliased dependency
        ("SS014", "charts/site/values.yaml", 1),
        // at the ConfigMap's key: a place inside its text is not the file's
        ("SS014", "flux/sessions-values.yaml", 5),
        // the floating tag, from the generated ConfigMap's file
        ("SS020", "flux/hass.yaml", 8),
        ("SS020", "flux/web/values.yaml", 6),
        ("SS020", "kustomize/queue/redis-values.yaml", 4),
    ]
    .iter()
    .map(|(r, f, l)| (r.to_string(), f.to_string(), *l))
    .collect();
    assert_eq!(found, want, "{j}");
    // kustomize's inline values turned the file's auth back on (no SS014 for
    // `queue` above); what no adapter reads is listed, the subchart is read.
    let unread: Vec<&str> = j["summary"]["values_unread"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["file"].as_str().unwrap())
        .collect();
    assert_eq!(unread, ["argocd/proxy-8.yaml", "argocd/proxy.yaml"], "{j}");
}

/// Kustomizations are followed: a base is judged in each overlay that builds
/// it, with the overlay's namespace, env, images, replicas, labels and
/// patches, and its objects join the overlay's (a Redis in the overlay reads
/// the ConfigMap of the base). Findings point at the files the values come
/// from; `kustomize build | lint -` finds the same.
#[test]
fn kustomizations_are_followed_from_each_root() {
    let tmp = tempfile::tempdir().expect("tmp");
    copy_dir(&repo().join("fixtures/lint/kustomize"), tmp.path());
    let out = run(&["lint", "--complete", ".", "--format", "json"], tmp.path());
    let j = json(&out);
    let got: Vec<String> = j["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{} {}:{} {}",
                d["rule"].as_str().unwrap(),
                d["file"].as_str().unwrap(),
                d["line"],
                d["envs"]
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            // dev does not pin the tag; prd does, under `images:`.
            "SS020 app/base/deployment.yaml:12 [\"dev\"]",
            // prd's patch changes the Service's selector to a label no pod has.
            "SS025 app/base/service.yaml:5 [\"prd\"]",
            "SS015 app/overlays/prd/redis.yaml:6 [\"prd\"]",
        ],
        "{}",
        text(&out.stderr)
    );
    // No SS011 (the base's ConfigMap has `appendonly yes`), no SS021 (prd
    // sets 3 replicas), no SS003 (the overlay's ExternalSecret makes the
    // password), no SS025 in dev (the labels go on selector and pods alike).

    if !need_tool("kubectl", "kustomizations_are_followed_from_each_root") {
        return;
    }
    let built = std::process::Command::new("kubectl")
        .args(["kustomize", "app/overlays/prd"])
        .current_dir(tmp.path())
        .output()
        .expect("kubectl");
    assert!(built.status.success(), "{}", text(&built.stderr));
    let mut child = bin()
        .args(["lint", "--complete", "-", "--format", "json"])
        .current_dir(tmp.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&built.stdout)
        .unwrap();
    let piped = child.wait_with_output().expect("wait");
    let j = json(&piped);
    let rules: Vec<&str> = rules_in(&j);
    // No env from a stream: SS015 is a production rule. The rest agree.
    assert_eq!(rules, ["SS025"], "{j}");
}

/// Nothing is ignored without a word: a Flux HelmRelease whose values come
/// partly from `valuesFrom` is listed as not read in full, a non-string
/// `shipshape.dev/ignore` annotation is an SS901 finding, and a policy
/// exemption naming no rule is bad input at its line.
#[test]
fn what_cannot_be_used_is_said() {
    let release = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: { name: app, namespace: apps }\nspec:\n  chart: { spec: { chart: app-template, version: 3.5.1, sourceRef: { kind: HelmRepository, name: bjw-s } } }\n  valuesFrom: [{ kind: ConfigMap, name: app-values }]\n  values: {}\n";
    let annotated = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations: { shipshape.dev/ignore: 20 }\ndata: { a: b }\n";
    let tmp = tempfile::tempdir().expect("tmp");
    std::fs::write(tmp.path().join("release.yaml"), release).unwrap();
    std::fs::write(tmp.path().join("cm.yaml"), annotated).unwrap();
    std::fs::write(
        tmp.path().join("policy.yaml"),
        "exemptions:\n  - rule: SS999\n    kind: ConfigMap\n    reason: typo in the rule\n",
    )
    .unwrap();
    let out = run(&["lint", ".", "--format", "json", "-v"], tmp.path());
    let j = json(&out);
    let unread = j["summary"]["values_unread"].to_string();
    assert!(
        unread.contains("HelmRelease app") && unread.contains("ConfigMap `app-values`"),
        "{j}"
    );
    assert!(
        text(&out.stderr).contains("app-values"),
        "{}",
        text(&out.stderr)
    );
    let ss901: Vec<&serde_json::Value> = j["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "SS901")
        .collect();
    assert_eq!(ss901.len(), 1, "{j}");
    assert_eq!(ss901[0]["file"], "cm.yaml");
    assert_eq!(ss901[0]["line"], 5);

    let out = run(&["lint", ".", "--policy", "policy.yaml"], tmp.path());
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("policy.yaml:2:") && stderr.contains("`SS999`"),
        "{stderr}"
    );
}

/// A Redis's role comes from its clients too: Paperless-ngx's Celery broker
/// URL names its Service, so it is a queue, and the finding says why.
#[test]
fn a_redis_role_comes_from_its_clients() {
    let out = run(
        &[
            "lint",
            "fixtures/lint/redis-clients/paperless.yaml",
            "--format",
            "json",
        ],
        &repo(),
    );
    let j = json(&out);
    let ss010: Vec<&serde_json::Value> = j["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "SS010")
        .collect();
    assert_eq!(ss010.len(), 1, "{j}");
    assert_eq!(
        (ss010[0]["line"].as_u64(), ss010[0]["column"].as_u64()),
        (Some(15), Some(42))
    );
    let message = ss010[0]["message"].as_str().unwrap();
    assert!(
        message.contains("PAPERLESS_REDIS") && message.contains("Deployment paperless"),
        "{message}"
    );
}

/// A chart's values can name the Redis its software uses, and for what:
/// GitLab's `global.redis.host` holds Sidekiq's queues, its `cache.host` a
/// cache.
#[test]
fn a_redis_role_comes_from_the_chart_values_that_point_at_it() {
    let out = run(
        &[
            "lint",
            "fixtures/lint/redis-clients/gitlab.yaml",
            "--select",
            "SS010,SS012",
            "--format",
            "json",
        ],
        &repo(),
    );
    let j = json(&out);
    let found: Vec<(String, u64, String)> = j["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(found.len(), 2, "{j}");
    assert_eq!((found[0].0.as_str(), found[0].1), ("SS010", 16), "{j}");
    assert!(found[0].2.contains("global.redis.host"), "{j}");
    assert_eq!(found[1].0, "SS012", "{j}");
    assert!(found[1].2.contains("global.redis.cache.host"), "{j}");
}

/// A Redis whose config file comes from a ConfigMap the set does not show
/// may have the settings it seems to lack: those findings are infos marked
/// unverified; with the ConfigMap in the set, its settings count.
#[test]
fn a_redis_config_nobody_shows_makes_its_settings_unverified() {
    let lint = |file: &str| {
        let out = run(
            &["lint", file, "--select", "SS011,SS014", "--format", "json"],
            &repo(),
        );
        let j = json(&out);
        (out.status.code(), j)
    };
    let (code, j) = lint("fixtures/lint/redis-config/unseen.yaml");
    assert_eq!(code, Some(0), "infos do not fail the gate: {j}");
    let found: Vec<(&str, &str)> = j["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["rule"].as_str().unwrap(), d["severity"].as_str().unwrap()))
        .collect();
    assert_eq!(found, [("SS011", "info"), ("SS014", "info")], "{j}");
    for d in j["diagnostics"].as_array().unwrap() {
        let m = d["message"].as_str().unwrap();
        assert!(
            m.starts_with("unverified:") && m.contains("ConfigMap `queue-redis-config`"),
            "{m}"
        );
    }
    let (code, j) = lint("fixtures/lint/redis-config/seen.yaml");
    assert_eq!(code, Some(0), "{j}");
    assert_eq!(j["diagnostics"], serde_json::json!([]), "{j}");
}

/// Every way a command can stop or report — findings, a bad spec in `check`
/// and `render`, a bad policy, a runaway custom rule, tunnel findings — is
/// SARIF the 2.1.0 schema accepts and JSON of the one shape
/// (`version`, `diagnostics`, `summary`), each carrying the expected code.
#[test]
fn every_stop_is_valid_sarif_and_one_json_shape() {
    let Some(shared) = skip_without_shared("SARIF schema for every stop") else {
        return;
    };
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(shared.join("schemas-upstream/sarif/sarif-schema-2.1.0.json"))
            .expect("schema"),
    )
    .expect("json");
    let validator = jsonschema::validator_for(&schema).expect("compiles");
    let mut items = String::new();
    for i in 0..3000 {
        items.push_str(&format!("  - {i}\n"));
    }
    let spec = project(&[
        ("shipshape.yaml", PROJECT),
        ("envs/dev.yaml", "apps:\n  - name: api\n    replica: 2\n"),
    ]);
    let tmp = project(&[
        ("bad-policy.yaml", "rules:\n  SS999: error\n"),
        ("slow.yaml", "custom:\n  - id: ORG1\n    name: slow\n    match: { kind: ConfigMap }\n    expr: \"object.items.all(a, object.items.all(b, object.items.all(c, a + b + c >= 0)))\"\n    message: m\n    timeoutMs: 200\n"),
        ("m/cm.yaml", &format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{ name: c }}\nitems:\n{items}")),
        ("tunnel.yaml", "tunnel: t\ningress:\n  - hostname: a.example.com\n    service: http://a:80\n"),
    ]);
    let tunnel = repo().join("fixtures/tunnel/bad-wildcard.yaml");
    let tunnel = tunnel.to_str().expect("utf-8 path");
    let cases: [(&[&str], &str, &tempfile::TempDir); 6] = [
        (&["check"], "spec::unknown-key", &spec),
        (&["render", "--all"], "spec::unknown-key", &spec),
        (
            &["lint", "m", "--policy", "bad-policy.yaml"],
            "policy::unknown-rule",
            &tmp,
        ),
        (
            &["lint", "m", "--policy", "slow.yaml"],
            "policy::cel-budget",
            &tmp,
        ),
        (
            &["tunnel", "validate", "tunnel.yaml"],
            "tunnel::last-rule-not-catch-all",
            &tmp,
        ),
        (
            &["tunnel", "validate", tunnel],
            "tunnel::bad-wildcard",
            &tmp,
        ),
    ];
    for (args, code, dir) in cases {
        for format in ["sarif", "json"] {
            let mut full = args.to_vec();
            full.extend(["--format", format]);
            let out = run(&full, dir.path());
            let stdout = text(&out.stdout);
            assert_ne!(out.status.code(), Some(0), "{full:?}");
            let j: serde_json::Value =
                serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{full:?}: {e}\n{stdout}"));
            if format == "sarif" {
                let errors: Vec<String> = validator
                    .iter_errors(&j)
                    .map(|e| format!("{e} at {}", e.instance_path))
                    .collect();
                assert!(errors.is_empty(), "{full:?}: {}", errors.join("\n"));
                assert_eq!(j["runs"][0]["results"][0]["ruleId"], code, "{full:?}");
            } else {
                let mut keys: Vec<&str> = j
                    .as_object()
                    .expect("object")
                    .keys()
                    .map(String::as_str)
                    .collect();
                keys.sort_unstable();
                assert_eq!(keys, ["diagnostics", "summary", "version"], "{full:?}");
                assert_eq!(j["diagnostics"][0]["rule"], code, "{full:?}");
            }
        }
    }
}

/// A namespace the set gives no Pod Security label is checked at the
/// policy's `podSecurity` level, and only then.
#[test]
fn the_policy_sets_the_pod_security_level_of_unlabelled_namespaces() {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: { name: debug, namespace: tools }\nspec:\n  containers:\n    - name: shell\n      image: ghcr.io/acme/shell:1.0.0\n      securityContext: { privileged: true }\n";
    let tmp = project(&[
        ("m/pod.yaml", pod),
        ("baseline.yaml", "podSecurity: baseline\n"),
    ]);
    let found = |args: &[&str]| {
        let mut full = vec!["lint", "m", "--select", "SS064", "--format", "json"];
        full.extend(args);
        let out = run(&full, tmp.path());
        json(&out)["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .map(|d| {
                (
                    d["line"].as_u64().unwrap_or(0),
                    d["column"].as_u64().unwrap_or(0),
                )
            })
            .collect::<Vec<_>>()
    };
    assert!(found(&[]).is_empty(), "no label, no default: not checked");
    // At `true` of `privileged: true`.
    assert_eq!(found(&["--policy", "baseline.yaml"]), [(8, 38)]);
}

/// `until=` ends a suppression: through that day it silences, from the next
/// the finding is back and the suppression is an error naming its owner; a
/// date that is not one silences nothing; `SHIPSHAPE_TODAY` must be a date.
#[test]
fn suppressions_expire_and_name_their_owner() {
    let deployment = |comment: &str| {
        format!("apiVersion: apps/v1\nkind: Deployment\nmetadata: {{ name: api }}\nspec:\n  selector: {{ matchLabels: {{ app: api }} }}\n  template:\n    metadata: {{ labels: {{ app: api }} }}\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/a/api:latest  # shipshape:ignore SS020 {comment}\n")
    };
    let tmp = project(&[
        ("m/a.yaml", &deployment("until=2026-01-31 owner=@platform vendor publishes only latest")),
        ("n/a.yaml", &deployment("until=2026-13-45 vendor publishes only latest")),
        ("policy.yaml", "exemptions:\n  - { rule: SS020, kind: Deployment, name: api, reason: legacy, until: 2025-06-30, owner: ops }\n"),
    ]);
    let lint = |args: &[&str], today: &str| {
        let mut full = vec!["lint", "--select", "SS020", "--format", "json"];
        full.extend(args);
        let out = bin()
            .current_dir(tmp.path())
            .env("SHIPSHAPE_TODAY", today)
            .args(&full)
            .output()
            .expect("runs");
        let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        let found: Vec<(String, String)> = j["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|d| {
                (
                    d["rule"].as_str().unwrap_or("").to_string(),
                    d["message"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        (out.status.code(), found)
    };
    let (code, found) = lint(&["m"], "2026-01-31");
    assert_eq!((code, found.len()), (Some(0), 0), "{found:?}");
    let (code, found) = lint(&["m"], "2026-02-01");
    assert_eq!(code, Some(1));
    let rules: Vec<&str> = found.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(rules, ["SS020", "SS904"], "{found:?}");
    assert!(found[1].1.contains("expired on 2026-01-31") && found[1].1.contains("@platform"));
    let (_, found) = lint(&["n"], "2026-01-01");
    let rules: Vec<&str> = found.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(rules, ["SS020", "SS901"], "{found:?}");
    assert!(found[1].1.contains("until=2026-13-45"), "{found:?}");
    // A policy exemption expires the same way (the comment in `m` still holds).
    let (_, found) = lint(&["m", "--policy", "policy.yaml"], "2026-01-01");
    assert!(
        found
            .iter()
            .any(|(r, m)| r == "SS904" && m.contains("owner ops")),
        "{found:?}"
    );
    let (code, _) = lint(&["m"], "tomorrow");
    assert_eq!(code, Some(2));

    // `suppressions` lists each with its status, owner and days left.
    let out = bin()
        .current_dir(tmp.path())
        .env("SHIPSHAPE_TODAY", "2026-01-21")
        .args([
            "suppressions",
            "m",
            "n",
            "--policy",
            "policy.yaml",
            "--format",
            "json",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let listed: Vec<(&str, &str, &str, i64)> = j["suppressions"]
        .as_array()
        .expect("list")
        .iter()
        .map(|l| {
            (
                l["file"].as_str().unwrap_or(""),
                l["status"].as_str().unwrap_or(""),
                l["owner"].as_str().unwrap_or(""),
                l["days_left"].as_i64().unwrap_or(i64::MIN),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("m/a.yaml", "active", "@platform", 10),
            ("n/a.yaml", "invalid", "", i64::MIN),
            ("policy.yaml", "expired", "ops", -205),
        ]
    );
    let human = bin()
        .current_dir(tmp.path())
        .env("SHIPSHAPE_TODAY", "2026-01-21")
        .args(["suppressions", "m"])
        .output()
        .expect("runs");
    assert!(
        text(&human.stdout).contains("m/a.yaml:11:40: active SS020 [comment] until 2026-01-31 (10 days left); owner: @platform; reason: vendor publishes only latest"),
        "{}",
        text(&human.stdout)
    );
}

/// Each Kubernetes CEL library function, in a custom rule and in a
/// ValidatingAdmissionPolicy: every rule below holds on the object but the
/// last of each, which proves the rules can fail.
#[test]
fn kubernetes_cel_functions_work_in_custom_rules_and_policies() {
    let object = "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c, labels: { team: abc-123 } }\ndata: { url: \"https://example.com/x\", ip: 10.0.0.1, cidr: 10.0.0.0/8, mem: 128Mi }\nports: [80, 443, 8080]\n";
    let holds = [
        ("K1", "object.metadata.labels.team.find('[0-9]+') == '123' && 'x'.find('[0-9]') == ''"),
        ("K2", "object.metadata.labels.team.findAll('[a-z]') == ['a', 'b', 'c'] && 'a1b2'.findAll('[0-9]', 1) == ['1']"),
        ("K3", "object.ports.isSorted() && !['b', 'a'].isSorted()"),
        ("K4", "object.ports.sum() == 8603 && [1.5, 2.5].sum() == 4.0"),
        ("K5", "isQuantity(object.data.mem) && isQuantity('500m') && !isQuantity('12 apples')"),
        ("K6", "isIP(object.data.ip) && isIP('::1') && !isIP('10.0.0.256')"),
        ("K7", "isCIDR(object.data.cidr) && !isCIDR('10.0.0.0/33') && !isCIDR('10.0.0.0')"),
        ("K8", "isURL(object.data.url) && isURL('/healthz') && !isURL('not a url')"),
        ("K9", "object.ports.sum() < 1000"),
    ];
    let mut policy = String::from("custom:\n");
    for (id, expr) in holds {
        policy.push_str(&format!(
            "  - {{ id: {id}, name: k-{id}, match: {{ kind: ConfigMap }}, expr: \"{expr}\", message: m, severity: error }}\n"
        ));
    }
    let vap = "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: { name: ports }\nspec:\n  matchConstraints:\n    resourceRules:\n    - { apiGroups: [\"\"], apiVersions: [v1], operations: [CREATE], resources: [configmaps] }\n  validations:\n  - expression: \"object.ports.isSorted() && object.metadata.labels.team.find('[0-9]+') == '123'\"\n  - expression: \"object.ports.sum() < 1000\"\n    message: too many ports\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: { name: ports }\nspec: { policyName: ports, validationActions: [Deny] }\n";
    let tmp = project(&[
        ("m/cm.yaml", object),
        ("m/vap.yaml", vap),
        ("policy.yaml", &policy),
    ]);
    let out = run(
        &["lint", "m", "--policy", "policy.yaml", "--format", "json"],
        tmp.path(),
    );
    let j = json(&out);
    let mut rules: Vec<String> = j["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            format!(
                "{} {}",
                d["rule"].as_str().unwrap_or(""),
                d["message"].as_str().unwrap_or("")
            )
        })
        .filter(|r| r.starts_with('K') || r.starts_with("vap/"))
        .collect();
    rules.sort();
    assert_eq!(rules.len(), 2, "{rules:#?}");
    assert!(rules[0].starts_with("K9 "), "{rules:#?}");
    assert!(
        rules[1].starts_with("vap/ports ") && rules[1].ends_with("too many ports"),
        "{rules:#?}"
    );
}

/// `rules --format json` is JSON listing every rule the registry has, each
/// with what tooling needs.
#[test]
fn rules_as_json_list_every_rule() {
    let out = run(&["rules", "--format", "json"], &repo());
    assert_eq!(out.status.code(), Some(0));
    let j = json(&out);
    let ids: Vec<&str> = j["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let want: Vec<&str> = registry::all_metas().iter().map(|m| m.id).collect();
    assert_eq!(ids, want);
    for r in j["rules"].as_array().unwrap() {
        for key in ["name", "severity", "summary", "help", "doc"] {
            assert!(r[key].as_str().is_some_and(|v| !v.is_empty()), "{r}: {key}");
        }
        assert!(r["whole_set"].is_boolean() && r["engine_reported"].is_boolean());
    }
    assert_eq!(
        run(&["rules", "--format", "sarif"], &repo()).status.code(),
        Some(2)
    );
}
