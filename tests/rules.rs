#![allow(clippy::expect_used, clippy::unwrap_used)]
//! Each built-in rule against its fixture pair, through the command users run
//! (`shipshape lint --select RULE`), one test per rule so one failure hides
//! no other: `fail.yaml` must produce findings of that rule only (snapshotted),
//! `pass.yaml` none. A fixture's leading comments set the context: `# env:
//! prd` (`--env`), `# complete: true` (`--complete`), `# external-dns-chart:
//! 1.21.1` and `# external-dns-values: {…}` (a HelmRelease of that External-DNS
//! chart with those values beside the fixture, as shipshape renders it).

mod common;
use common::*;

use shipshape::lint::registry;
use std::path::Path;

macro_rules! rule_cases {
    ($($test:ident: $id:literal,)*) => {
        $(
            #[test]
            fn $test() {
                rule_case($id);
            }
        )*
        const CASES: &[&str] = &[$($id),*];
    };
}

rule_cases! {
    ss001: "SS001", ss002: "SS002", ss003: "SS003", ss004: "SS004", ss005: "SS005",
    ss006: "SS006", ss007: "SS007", ss010: "SS010", ss011: "SS011", ss012: "SS012", ss013: "SS013",
    ss014: "SS014", ss015: "SS015", ss016: "SS016", ss017: "SS017", ss020: "SS020",
    ss021: "SS021", ss022: "SS022", ss023: "SS023", ss024: "SS024", ss025: "SS025",
    ss026: "SS026", ss027: "SS027", ss030: "SS030", ss031: "SS031", ss032: "SS032",
    ss040: "SS040", ss041: "SS041", ss042: "SS042", ss043: "SS043", ss044: "SS044",
    ss045: "SS045", ss046: "SS046", ss047: "SS047",
    ss050: "SS050", ss051: "SS051", ss060: "SS060", ss061: "SS061",
    ss062: "SS062", ss063: "SS063", ss064: "SS064",
}

#[test]
fn every_rule_has_a_case() {
    let registered: Vec<&str> = registry::RULES.iter().map(|r| r.meta().id).collect();
    assert_eq!(registered, CASES, "add the new rule to rule_cases!");
}

/// A copy of the rule's fixtures in a folder of its own (no project above it),
/// and the `lint` arguments a fixture's directives ask for.
fn setup(id: &str, file: &str) -> (tempfile::TempDir, Vec<String>) {
    let tmp = tempfile::tempdir().expect("tmp");
    let rel = format!("fixtures/rules/{id}");
    std::fs::create_dir_all(tmp.path().join(&rel)).expect("mkdir");
    copy_dir(&repo().join(&rel), &tmp.path().join(&rel));
    let text = std::fs::read_to_string(tmp.path().join(&rel).join(file))
        .unwrap_or_else(|_| panic!("missing {rel}/{file}"));
    let directive = |k: &str| {
        text.lines()
            .take_while(|l| l.starts_with('#'))
            .find_map(|l| l.strip_prefix(&format!("# {k}: ")).map(str::to_string))
    };
    let mut args: Vec<String> = vec![
        "lint".into(),
        "--select".into(),
        id.into(),
        "--color".into(),
        "never".into(),
    ];
    if let Some(env) = directive("env") {
        args.extend(["--env".into(), env]);
    }
    if directive("complete").as_deref() == Some("true") {
        args.push("--complete".into());
    }
    args.push(format!("{rel}/{file}"));
    if let Some(version) = directive("external-dns-chart") {
        let values = directive("external-dns-values").unwrap_or_else(|| "{}".into());
        let release = format!(
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {{ name: external-dns, namespace: external-dns }}\nspec:\n  chart: {{ spec: {{ chart: external-dns, version: \"{version}\" }} }}\n  values: {values}\n"
        );
        std::fs::write(tmp.path().join(&rel).join("release.yaml"), release).expect("write");
        args.push(format!("{rel}/release.yaml"));
    }
    (tmp, args)
}

fn lint(dir: &Path, args: &[String], format: &str) -> std::process::Output {
    let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
    all.extend(["--format", format]);
    run(&all, dir)
}

fn rule_case(id: &str) {
    let (tmp, args) = setup(id, "fail.yaml");
    let out = lint(tmp.path(), &args, "json");
    let j: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{id}: {e}: {}", text(&out.stderr)));
    let found = j["diagnostics"].as_array().expect("diagnostics");
    assert!(!found.is_empty(), "{id}: fail.yaml produced nothing");
    for d in found {
        assert_eq!(d["rule"], id, "{id}: another rule fired: {d}");
        assert!(
            d["line"].as_u64() >= Some(1) && d["column"].as_u64() >= Some(1),
            "{d}"
        );
    }
    let errors = found.iter().any(|d| d["severity"] == "error");
    assert_eq!(
        out.status.code(),
        Some(i32::from(errors)),
        "{id}: exit code"
    );
    let human = lint(tmp.path(), &args, "human");
    insta::assert_snapshot!(format!("rule-{id}"), text(&human.stdout));

    let (tmp, args) = setup(id, "pass.yaml");
    let out = lint(tmp.path(), &args, "json");
    let j = json(&out);
    assert_eq!(j["diagnostics"], serde_json::json!([]), "{id}: pass.yaml");
    assert_eq!(out.status.code(), Some(0), "{id}: {}", text(&out.stderr));
}

/// The secrets of the fixtures that hold some never reach an output, in any
/// format.
#[test]
fn secrets_never_reach_any_format() {
    for (id, secrets) in [
        (
            "SS001",
            &[
                "hunter2-literal",
                "tok_live_abcdef",
                "hunter2-arg",
                "hunter2-inline",
                "hunter2-glued",
                "hunter2-numbered",
            ][..],
        ),
        ("SS002", &["c3VwM3Itc2VjcmV0LXZhbHVl", "admin-7f3k"][..]),
        ("SS004", &["sup3r-secret", "another-secret"][..]),
    ] {
        let (tmp, args) = setup(id, "fail.yaml");
        let raw =
            std::fs::read_to_string(tmp.path().join(format!("fixtures/rules/{id}/fail.yaml")))
                .expect("read");
        for s in secrets {
            assert!(raw.contains(s), "{id}: the fixture no longer holds `{s}`");
        }
        for format in ["human", "json", "sarif", "github", "junit", "gitlab"] {
            let out = lint(tmp.path(), &args, format);
            assert_eq!(out.status.code(), Some(1), "{id} {format}");
            let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
            for s in secrets {
                assert!(!all.contains(s), "{id} {format} leaks `{s}`:\n{all}");
            }
        }
    }
}

/// Every code an output prints for a fixture is one `explain` knows, labelled
/// with what it does to the exit: lint rules on the rule and lint fixtures,
/// cloudflared codes on the tunnel fixtures, bad-input codes on the bad
/// projects.
#[test]
fn explain_knows_every_code_the_fixtures_print() {
    let fixtures = repo().join("fixtures");
    let mut codes = std::collections::BTreeSet::new();
    let mut collect = |out: std::process::Output| {
        let j: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}{}", text(&out.stdout), text(&out.stderr)));
        for d in j["diagnostics"].as_array().into_iter().flatten() {
            codes.insert(d["rule"].as_str().unwrap().to_string());
        }
    };
    collect(run(
        &[
            "lint",
            "fixtures/rules",
            "fixtures/lint",
            "--format",
            "json",
        ],
        &repo(),
    ));
    let dir = |d: &str| -> Vec<std::path::PathBuf> {
        let mut v: Vec<_> = std::fs::read_dir(fixtures.join(d))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        v.sort();
        v
    };
    for f in dir("tunnel") {
        let f = f.to_string_lossy().to_string();
        collect(run(
            &["tunnel", "validate", &f, "--format", "json"],
            &repo(),
        ));
    }
    for d in dir("bad").into_iter().filter(|d| d.is_dir()) {
        let d = d.to_string_lossy().to_string();
        collect(run(&["check", "-C", &d, "--format", "json"], &repo()));
    }
    assert!(
        codes.iter().any(|c| c.starts_with("tunnel::"))
            && codes.iter().any(|c| c.starts_with("spec::"))
            && codes.iter().any(|c| c.starts_with("SS0")),
        "{codes:?}"
    );
    for code in &codes {
        let out = run(&["explain", code], &repo());
        assert_eq!(
            out.status.code(),
            Some(0),
            "explain {code}: {}",
            text(&out.stderr)
        );
        let first = text(&out.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        if code.starts_with("tunnel::") {
            assert!(
                first.contains("tunnel validate` exits 1"),
                "{code}: {first}"
            );
        } else if code.contains("::") {
            assert!(first.contains("exit 2"), "{code}: {first}");
        }
    }
}
