#![allow(clippy::expect_used, clippy::unwrap_used)]
//! Every folder in `fixtures/bad/` is a project shipshape must refuse: exit 2, a
//! diagnostic with file:line:col (snapshotted), and nothing written.

mod common;
use common::*;

#[test]
fn bad_inputs_are_refused_with_locations_and_nothing_written() {
    let cases = repo().join("fixtures/bad");
    let mut names: Vec<String> = std::fs::read_dir(&cases)
        .expect("fixtures/bad")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(
        names.len() >= 15,
        "at least 15 bad-input cases, found {}",
        names.len()
    );
    for name in names {
        let tmp = tempfile::tempdir().expect("tempdir");
        copy_dir(&cases.join(&name), tmp.path());
        let before = snapshot_tree(tmp.path());
        let args_text = std::fs::read_to_string(tmp.path().join("args"))
            .unwrap_or_else(|_| "render --all".into());
        let args: Vec<&str> = args_text.split_whitespace().collect();
        let out = run(&args, tmp.path());
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: exit code\n{stderr}");
        assert!(out.stdout.is_empty(), "{name}: nothing on stdout");
        assert_eq!(
            snapshot_tree(tmp.path()),
            before,
            "{name}: the project folder changed"
        );
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        let problems = stderr.matches(": error[").count()
            + stderr.matches("\nerror[").count()
            + usize::from(stderr.starts_with("error"));
        assert!(
            stderr.matches("help:").count() >= problems.max(1),
            "{name}: every problem has a help line:\n{stderr}"
        );
        insta::assert_snapshot!(name, stderr);
    }
}

#[test]
fn secrets_in_specs_never_reach_the_output() {
    for (case, secret) in [
        ("literal-password", "hunter2-very-secret"),
        ("url-credentials", "s3cr3t-pw"),
    ] {
        let out = run(
            &["render", "--all"],
            &repo().join("fixtures/bad").join(case),
        );
        assert_eq!(out.status.code(), Some(2));
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(
            all.contains("literal-secret"),
            "{case}: the problem is reported"
        );
        assert!(!all.contains(secret), "{case}: the secret leaked:\n{all}");
    }
}

#[test]
fn every_problem_in_every_file_is_reported_at_once() {
    let out = run(
        &["render", "--all"],
        &repo().join("fixtures/bad/many-problems"),
    );
    let stderr = text(&out.stderr);
    for expected in [
        "envs/dev.yaml:11:5",
        "envs/dev.yaml:12:11",
        "envs/prd.yaml:2:1",
        "3 problems found",
    ] {
        assert!(stderr.contains(expected), "missing {expected} in\n{stderr}");
    }
}

/// Every component of the catalogue refuses chart versions outside its supported
/// range, at the version's line and column, naming the range.
#[test]
fn every_component_refuses_versions_outside_its_range() {
    for e in shipshape::catalog::entries() {
        let below_min = if e.min.starts_with('v') {
            "v0.0.1"
        } else {
            "0.0.1"
        };
        for version in [below_min, e.below] {
            let tmp = tempfile::tempdir().expect("tempdir");
            std::fs::create_dir_all(tmp.path().join("envs")).expect("mkdir");
            std::fs::write(
                tmp.path().join("shipshape.yaml"),
                "name: demo\nenvironments: envs\nrepo: { url: https://example.com/demo.git }\n",
            )
            .expect("write");
            let line = format!("platform:\n  {}: {{ version: \"{version}\" }}\n", e.key);
            std::fs::write(tmp.path().join("envs/dev.yaml"), &line).expect("write");
            let out = run(&["render", "--all"], tmp.path());
            let stderr = text(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{} {version}: {stderr}", e.key);
            let col = line
                .lines()
                .nth(1)
                .and_then(|l| l.find(&format!("\"{version}\"")))
                .expect("col")
                + 1;
            assert!(
                stderr.contains(&format!(
                    "envs/dev.yaml:2:{col}: error[spec::unsupported-version]"
                )),
                "{} {version}: {stderr}",
                e.key
            );
            assert!(stderr.contains(&e.range()), "{} {version}: {stderr}", e.key);
            assert!(
                !tmp.path().join("gitops-out").exists(),
                "{}: wrote output",
                e.key
            );
        }
        // The default is accepted.
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(tmp.path().join("envs")).expect("mkdir");
        std::fs::write(
            tmp.path().join("shipshape.yaml"),
            "name: demo\nenvironments: envs\nrepo: { url: https://example.com/demo.git }\n",
        )
        .expect("write");
        std::fs::write(
            tmp.path().join("envs/dev.yaml"),
            format!("platform:\n  {}: {{ version: \"{}\" }}\n", e.key, e.default),
        )
        .expect("write");
        let out = run(&["render", "--all", "--stdout"], tmp.path());
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: {}",
            e.key,
            text(&out.stderr)
        );
    }
}
