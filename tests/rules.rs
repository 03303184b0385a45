#![allow(clippy::expect_used, clippy::unwrap_used)]
//! Each built-in rule against its fixture pair, with only that rule enabled:
//! `fail.yaml` must produce findings (snapshotted), `pass.yaml` none. A fixture's
//! leading comments set the context: `# env: prd`, `# complete: true`,
//! `# external-dns-chart: 1.21.1` (the External-DNS chart the env pins).

mod common;
use common::*;

use shipshape::lint::{self, policy::Policy, registry, Settings};
use shipshape::report;
use shipshape::source::Sources;

fn lint_fixture(id: &str, file: &str) -> (lint::Report, Sources) {
    let path = repo().join("fixtures/rules").join(id).join(file);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("missing {}", path.display()));
    let directive = |k: &str| {
        text.lines()
            .take_while(|l| l.starts_with('#'))
            .find_map(|l| l.strip_prefix(&format!("# {k}: ")).map(str::to_string))
    };
    let env = directive("env");
    let complete = directive("complete").as_deref() == Some("true");
    let external_dns_prefix = match (&env, directive("external-dns-chart")) {
        (Some(e), Some(chart)) => {
            let v = shipshape::catalog::Version::parse(&chart).expect("chart version");
            [(
                e.clone(),
                shipshape::catalog::operators::external_dns_prefix(&v).0,
            )]
            .into_iter()
            .collect()
        }
        _ => Default::default(),
    };
    let settings = Settings {
        reloader_auto_all: false,
        external_dns_prefix,
    };
    let mut sources = Sources::new();
    let rel = std::path::PathBuf::from(format!("fixtures/rules/{id}/{file}"));
    std::env::set_current_dir(repo()).expect("cd");
    let (docs, diags, files) = lint::input::read(&[rel], &mut sources, env.as_deref());
    assert!(diags.is_empty(), "{id}/{file} does not parse: {diags:?}");
    let report = lint::run(
        &sources,
        &docs,
        diags,
        complete,
        &settings,
        &Policy::only(id),
        files,
    );
    (report, sources)
}

#[test]
fn every_rule_fires_on_its_bad_fixture_and_not_on_its_good_one() {
    for rule in registry::RULES {
        let id = rule.meta().id;
        let (bad, sources) = lint_fixture(id, "fail.yaml");
        assert!(
            !bad.diagnostics.is_empty(),
            "{id}: fail.yaml produced nothing"
        );
        assert!(
            bad.diagnostics.iter().all(|d| d.rule == id),
            "{id}: another rule fired"
        );
        for d in &bad.diagnostics {
            assert!(
                d.location.line >= 1 && d.location.column >= 1,
                "{id}: {d:?}"
            );
        }
        let rendered = report::human::render(&bad, &sources);
        insta::assert_snapshot!(format!("rule-{id}"), rendered);

        let (good, _) = lint_fixture(id, "pass.yaml");
        assert!(
            good.diagnostics.is_empty(),
            "{id}: pass.yaml produced {:#?}",
            good.diagnostics
        );
    }
}

#[test]
fn secrets_never_reach_any_format() {
    for (id, secrets) in [
        ("SS001", &["hunter2-literal", "tok_live_abcdef"][..]),
        ("SS002", &["aHVudGVyMg==", "admin"][..]),
        ("SS004", &["sup3r-secret", "another-secret"][..]),
    ] {
        let (r, sources) = lint_fixture(id, "fail.yaml");
        assert!(!r.diagnostics.is_empty());
        for format in [
            report::Format::Human,
            report::Format::Json,
            report::Format::Sarif,
            report::Format::Github,
            report::Format::Junit,
        ] {
            let out = report::render(format, &r, &sources, &[]);
            for s in secrets {
                assert!(!out.contains(s), "{id} {format:?} leaks `{s}`:\n{out}");
            }
        }
    }
}
