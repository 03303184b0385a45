#![allow(clippy::expect_used, clippy::unwrap_used)]
//! The CI gate: bad input in every format, `lint` on its own, stdin, env
//! checks, production from the env spec, policy env keys, fail-closed limits,
//! and every bad-input code documented.

mod common;
use common::*;

use std::io::Write;
use std::process::Stdio;

#[test]
fn a_bad_spec_reaches_every_format_at_its_location() {
    let tmp = project(&[
        ("shipshape.yaml", PROJECT),
        ("envs/dev.yaml", "apps:\n  - name: api\n    replica: 2\n"),
    ]);
    for cmd in [&["check"][..], &["render", "--all"][..]] {
        for format in ["json", "sarif", "github", "junit", "gitlab"] {
            let mut args = cmd.to_vec();
            args.extend(["--format", format]);
            let out = run(&args, tmp.path());
            let stdout = text(&out.stdout);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {stdout}");
            assert!(
                text(&out.stderr).contains("envs/dev.yaml:3:5"),
                "{args:?}: the human text stays on stderr"
            );
            match format {
                "json" => {
                    let j: serde_json::Value = serde_json::from_str(&stdout).expect("json");
                    let d = &j["diagnostics"][0];
                    assert_eq!(d["rule"], "spec::unknown-key");
                    assert_eq!(
                        (d["file"].as_str(), d["line"].as_u64(), d["column"].as_u64()),
                        (Some("envs/dev.yaml"), Some(3), Some(5))
                    );
                    assert_eq!(j["summary"]["errors"], 1);
                }
                "sarif" => {
                    let j: serde_json::Value = serde_json::from_str(&stdout).expect("sarif");
                    let r = &j["runs"][0]["results"][0];
                    assert_eq!(r["ruleId"], "spec::unknown-key");
                    assert_eq!(r["level"], "error");
                    let loc = &r["locations"][0]["physicalLocation"];
                    assert_eq!(loc["artifactLocation"]["uri"], "envs/dev.yaml");
                    assert_eq!(loc["region"]["startLine"], 3);
                }
                "github" => assert!(
                    stdout.starts_with("::error file=envs/dev.yaml,line=3,col=5"),
                    "{stdout}"
                ),
                "junit" => assert!(
                    stdout.contains("<failure") && stdout.contains("envs/dev.yaml:3:5"),
                    "{stdout}"
                ),
                "gitlab" => {
                    let j: serde_json::Value = serde_json::from_str(&stdout).expect("gitlab");
                    assert_eq!(j[0]["check_name"], "spec::unknown-key");
                    assert_eq!(j[0]["location"]["path"], "envs/dev.yaml");
                    assert_eq!(j[0]["location"]["lines"]["begin"], 3);
                    assert_eq!(j[0]["severity"], "major");
                    assert!(j[0]["fingerprint"].as_str().is_some_and(|f| f.len() == 16));
                }
                _ => unreachable!(),
            }
        }
    }
}

#[test]
fn a_secret_in_a_bad_spec_stays_out_of_every_format() {
    let tmp = project(&[
        ("shipshape.yaml", PROJECT),
        ("envs/dev.yaml", "apps:\n  - name: api\n    image: ghcr.io/a/b:1.0.0\n    env: { DB_PASSWORD: hunter2hunter2 }\n"),
    ]);
    for format in ["human", "json", "sarif", "github", "junit", "gitlab"] {
        let out = run(&["check", "--format", format], tmp.path());
        assert_eq!(out.status.code(), Some(2));
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(all.contains("spec::literal-secret"), "{format}: {all}");
        assert!(
            !all.contains("hunter2hunter2"),
            "{format} leaked the secret:\n{all}"
        );
    }
}

const MANIFEST: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: api }\nspec:\n  selector: { matchLabels: { app: api } }\n  template:\n    metadata: { labels: { app: api } }\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/a/api:latest\n";

/// The gate never fails open: an environment that does not load stops `lint`
/// with its located error (exit 2, in every format), where it used to fall
/// back to defaults that lowered production severities and dropped findings.
#[test]
fn a_broken_env_stops_lint_instead_of_lowering_production() {
    let live = "production: true\napps: []\n";
    let tmp = project(&[
        ("shipshape.yaml", PROJECT),
        ("envs/live.yaml", live),
        ("envs/dev.yaml", "apps: []\n"),
        ("m/a.yaml", MANIFEST),
    ]);
    let lint = |format: &str| {
        run(
            &["lint", "m", "--env", "live", "--format", format],
            tmp.path(),
        )
    };
    let out = lint("json");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let j = json(&out);
    let errors: Vec<&str> = j["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    assert!(
        errors.contains(&"SS020") && errors.contains(&"SS021"),
        "{errors:?}"
    );

    // A typo in the unrelated dev env.
    std::fs::write(tmp.path().join("envs/dev.yaml"), "apps: []\nreplica: 2\n").expect("write");
    for format in ["human", "json", "sarif"] {
        let out = lint(format);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{format}: {}",
            text(&out.stdout)
        );
        let err = text(&out.stderr);
        assert!(err.contains("envs/dev.yaml:2:1"), "{format}: {err}");
        // No finding computed from defaults: only the bad input is reported.
        let stdout = text(&out.stdout);
        let found = match format {
            "human" => stdout.contains("SS020"),
            "json" => serde_json::from_str::<serde_json::Value>(&stdout).unwrap()["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["rule"] == "SS020"),
            _ => serde_json::from_str::<serde_json::Value>(&stdout).unwrap()["runs"][0]["results"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["ruleId"] == "SS020"),
        };
        assert!(!found, "{format}: {stdout}");
    }
}

#[test]
fn lint_reads_standard_input() {
    for (args, name) in [
        (
            vec!["lint", "-", "--format", "json", "--fail-on", "warning"],
            "<stdin>",
        ),
        (
            vec![
                "lint",
                "-",
                "--stdin-filename",
                "chart/api.yaml",
                "--format",
                "json",
                "--fail-on",
                "warning",
            ],
            "chart/api.yaml",
        ),
    ] {
        let tmp = tempfile::tempdir().expect("tmp");
        let mut child = bin()
            .arg("-C")
            .arg(tmp.path())
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(MANIFEST.as_bytes())
            .expect("stdin");
        let out = child.wait_with_output().expect("wait");
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        let j = json(&out);
        let d = j["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["rule"] == "SS020")
            .expect("SS020");
        assert_eq!(d["file"], name);
        assert_eq!(d["line"], 11);
    }
}

#[test]
fn env_arguments_are_checked() {
    let tmp = project(&[
        ("shipshape.yaml", PROJECT),
        ("envs/prd.yaml", "apps: []\n"),
        ("m/a.yaml", MANIFEST),
    ]);
    let out = run(&["lint", "m", "--env", "PRD"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--env prd"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&["lint", "m", "--env", "prod"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("did you mean `prd`?"),
        "{}",
        text(&out.stderr)
    );
}

/// An env called `live` with `production: true` gets the production profile.
#[test]
fn production_comes_from_the_env_spec_not_its_name() {
    let tmp = project(&[
        ("shipshape.yaml", &format!("{PROJECT}policies: [policy.yaml]\n")),
        ("envs/live.yaml", "production: true\napps: []\n"),
        ("policy.yaml", "envs:\n  production: { image-tag-mutable: off }\n  non-production: { image-tag-mutable: info }\n"),
        ("m/a.yaml", MANIFEST),
    ]);
    let out = run(
        &["lint", "m", "--env", "live", "--format", "json"],
        tmp.path(),
    );
    let j = json(&out);
    assert!(
        !j["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["rule"] == "SS020"),
        "production group applied: {j}"
    );
    std::fs::write(
        tmp.path().join("envs/live.yaml"),
        "production: false\napps: []\n",
    )
    .expect("write");
    let out = run(
        &["lint", "m", "--env", "live", "--format", "json"],
        tmp.path(),
    );
    let j = json(&out);
    let d = j["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "SS020")
        .expect("SS020");
    assert_eq!(d["severity"], "info");
}

#[test]
fn a_policy_naming_an_unknown_env_is_a_located_error() {
    let tmp = project(&[
        (
            "shipshape.yaml",
            &format!("{PROJECT}policies: [policy.yaml]\n"),
        ),
        ("envs/prd.yaml", "apps: []\n"),
        ("policy.yaml", "envs:\n  prod: { missing-probes: error }\n"),
        ("m/a.yaml", MANIFEST),
    ]);
    let out = run(&["lint", "m"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("policy.yaml:2:3: error[policy::unknown-env]"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean"), "{stderr}");
}

#[test]
fn a_file_that_cannot_be_read_in_full_fails_the_gate() {
    let tmp = tempfile::tempdir().expect("tmp");
    // Valid YAML, nested past the depth budget.
    let doc = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{ name: x }}\ndata: {}1{}\n",
        "[".repeat(300),
        "]".repeat(300)
    );
    std::fs::write(tmp.path().join("many.yaml"), doc).expect("write");
    let out = run(&["lint", ".", "--format", "json"], tmp.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let j = json(&out);
    let d = &j["diagnostics"][0];
    assert_eq!(d["severity"], "error");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("could not be read in full"),
        "{d}"
    );
}

/// Every code a bad-input problem can carry is documented, and `explain` shows it.
#[test]
fn every_bad_input_code_is_documented() {
    let mut used = std::collections::BTreeSet::new();
    for entry in walkdir::WalkDir::new(repo().join("src"))
        .into_iter()
        .filter_map(Result::ok)
    {
        if entry.path().extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(entry.path()).expect("read");
            for part in text.split('"').skip(1).step_by(2) {
                let family = part.split("::").next().unwrap_or("");
                if matches!(family, "spec" | "policy" | "cli" | "lint" | "internal")
                    && part.contains("::")
                    && part.split("::").nth(1).is_some_and(|c| {
                        !c.is_empty() && c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '-')
                    })
                {
                    used.insert(part.to_string());
                }
            }
        }
    }
    assert!(used.len() > 20, "{used:?}");
    for code in &used {
        assert!(
            shipshape::codes::find(code).is_some(),
            "`{code}` is not in src/codes.rs"
        );
        let out = run(&["explain", code], &repo());
        assert_eq!(out.status.code(), Some(0), "explain {code}");
    }
}

#[test]
fn policy_files_are_checked_against_their_schema() {
    let tmp = project(&[
        (
            "shipshape.yaml",
            &format!("{PROJECT}policies: [policy.yaml]\n"),
        ),
        ("envs/prd.yaml", "apps: []\n"),
        (
            "policy.yaml",
            "exemption:\n  - { rule: SS020, reason: vendor }\nrules: { SS020: loud }\n",
        ),
        ("m/a.yaml", MANIFEST),
    ]);
    let out = run(&["lint", "m"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("policy.yaml:1:1: error[spec::unknown-key]"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `exemptions`?"), "{stderr}");
    assert!(stderr.contains("policy.yaml:3:17"), "{stderr}");
}

/// The documented workflow is valid YAML and uses the action; the action's
/// steps use real commands and flags, upload SARIF without ever failing the
/// job on it (fork pull requests), and fail the job when the gate did.
#[test]
fn the_documented_github_workflow_is_valid() {
    let doc = std::fs::read_to_string(repo().join("docs/github-actions.md")).expect("doc");
    let yaml = doc
        .split("```yaml\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .expect("a yaml block");
    let mut sources = shipshape::source::Sources::new();
    let id = sources.add(
        "workflow.yaml",
        std::path::Path::new("workflow.yaml"),
        yaml.to_string(),
    );
    let node = shipshape::yaml::parse_single(&sources.text(id), id).expect("valid YAML");
    let j = node.to_json();
    assert_eq!(j["permissions"]["security-events"], "write");
    assert_eq!(j["permissions"]["actions"], "read");
    let steps = j["jobs"]["check"]["steps"].as_array().expect("steps");
    assert!(
        steps.iter().any(|s| s["uses"]
            .as_str()
            .is_some_and(|u| u.starts_with("<org>/shipshape@"))),
        "the workflow uses the action"
    );

    let action = std::fs::read_to_string(repo().join("action.yml")).expect("action.yml");
    let id = sources.add("action.yml", std::path::Path::new("action.yml"), action);
    let a = shipshape::yaml::parse_single(&sources.text(id), id)
        .expect("valid YAML")
        .to_json();
    assert_eq!(a["runs"]["using"], "composite");
    let steps = a["runs"]["steps"].as_array().expect("steps");
    let upload = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif"))
        })
        .expect("upload step");
    assert_eq!(upload["continue-on-error"], true, "forks cannot upload");
    assert!(upload["if"].as_str().unwrap().contains("always()"));
    let gate = steps.iter().find(|s| s["id"] == "gate").expect("gate step");
    assert_eq!(gate["continue-on-error"], true);
    let last = steps.last().unwrap();
    assert!(last["if"]
        .as_str()
        .unwrap()
        .contains("steps.gate.outcome == 'failure'"));
    // Every shipshape command line the action runs parses: its flags exist.
    let default_args = a["inputs"]["args"]["default"].as_str().unwrap().to_string();
    for s in steps {
        let Some(line) = s["run"].as_str().filter(|r| r.starts_with("shipshape ")) else {
            continue;
        };
        let line = line
            .split(" > ")
            .next()
            .unwrap()
            .replace("$ARGS", &default_args)
            .replace("\"$BASE\"", "HEAD");
        let args: Vec<&str> = line.split_whitespace().skip(1).collect();
        let out = run(&args, &repo());
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "`{line}` does not run: {}",
            text(&out.stderr)
        );
    }
    // Inputs given to scripts go through the environment, never inline.
    for s in steps {
        if let Some(r) = s["run"].as_str() {
            assert!(!r.contains("${{"), "inline expression in a script: {r}");
        }
    }

    let hooks = std::fs::read_to_string(repo().join(".pre-commit-hooks.yaml")).expect("hooks");
    let id = sources.add("hooks.yaml", std::path::Path::new("hooks.yaml"), hooks);
    let node = shipshape::yaml::parse_single(&sources.text(id), id).expect("valid YAML");
    for hook in node.to_json().as_array().expect("hooks") {
        assert_eq!(
            hook["pass_filenames"], false,
            "{hook}: cross-file findings need every file"
        );
    }
    assert!(
        !std::fs::read_to_string(repo().join(".pre-commit-hooks.yaml"))
            .unwrap()
            .contains("v0.1.0")
    );
}

/// `tunnel validate` speaks the shared formats, and every code it reports is documented.
#[test]
fn tunnel_validate_speaks_every_format_and_its_codes_are_documented() {
    let dir = repo().join("fixtures/tunnel");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    files.sort();
    let args: Vec<String> = files
        .iter()
        .map(|f| f.to_string_lossy().into_owned())
        .collect();
    let mut codes = std::collections::BTreeSet::new();
    let mut cmd: Vec<&str> = vec!["tunnel", "validate", "--format", "sarif"];
    cmd.extend(args.iter().map(String::as_str));
    let out = run(&cmd, &repo());
    assert_eq!(out.status.code(), Some(1));
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).expect("sarif");
    for r in sarif["runs"][0]["results"].as_array().expect("results") {
        let code = r["ruleId"].as_str().unwrap().to_string();
        assert!(
            r["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
                >= 1
        );
        codes.insert(code);
    }
    assert!(codes.len() >= 15, "{codes:?}");
    for code in &codes {
        assert!(
            shipshape::codes::find(code).is_some(),
            "`{code}` is not documented"
        );
    }
    for format in ["github", "junit", "gitlab"] {
        let mut cmd: Vec<&str> = vec!["tunnel", "validate", "--format", format];
        cmd.extend(args.iter().map(String::as_str));
        let out = run(&cmd, &repo());
        assert_eq!(out.status.code(), Some(1));
        assert!(text(&out.stdout).contains("rule-shadowed"), "{format}");
    }
}

#[test]
fn cli_habits_completions_quiet_colour_and_upward_search() {
    let out = run(&["completions", "bash"], &repo());
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("_shipshape()"));

    // Upward search: from a folder inside the project, a note says which project.
    let out = run(
        &["render", "--all", "--check"],
        &repo().join("fixtures/example/envs"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("using the project in `../../..`"),
        "{}",
        text(&out.stderr)
    );
    let out = run(
        &["-q", "render", "--all", "--check"],
        &repo().join("fixtures/example/envs"),
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty(), "quiet: {}", text(&out.stderr));

    // Colour only when asked (tests are not a terminal), never with --color never.
    let fail = repo().join("fixtures/rules/SS020/fail.yaml");
    let f = fail.to_string_lossy();
    let plain = text(&run(&["lint", &f], &repo()).stdout);
    assert!(!plain.contains('\x1b'));
    let coloured = text(&run(&["--color", "always", "lint", &f], &repo()).stdout);
    // Bold, yellow, the word, reset.
    assert!(
        coloured.contains("\x1b[1m\x1b[33mwarning\x1b[0m"),
        "{coloured}"
    );
    let quiet = text(&run(&["--quiet", "lint", &f], &repo()).stdout);
    assert!(
        quiet.contains("SS020") && !quiet.contains(" in 1 file"),
        "{quiet}"
    );
    let mut c = bin();
    c.env("NO_COLOR", "1")
        .arg("-C")
        .arg(repo())
        .args(["lint", &f]);
    assert!(!text(&c.output().expect("run").stdout).contains('\x1b'));
}

/// Without `--env` or the env label, `overlays/<env>/` and the like name the env.
#[test]
fn the_env_comes_from_conventional_folders() {
    let tmp = project(&[
        ("apps/api/overlays/prd/deploy.yaml", MANIFEST),
        ("apps/api/base/deploy.yaml", MANIFEST),
    ]);
    let out = run(&["lint", ".", "--format", "json"], tmp.path());
    let j = json(&out);
    let sev = |file: &str| {
        j["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["rule"] == "SS020" && d["file"] == file)
            .map(|d| d["severity"].clone())
    };
    assert_eq!(
        sev("apps/api/overlays/prd/deploy.yaml"),
        Some(serde_json::json!("error"))
    );
    assert_eq!(
        sev("apps/api/base/deploy.yaml"),
        Some(serde_json::json!("warning"))
    );
}

/// The env folders are configurable, and a namespace suffix names a known env.
#[test]
fn env_inference_is_configurable_and_reads_namespaces() {
    let in_ns = MANIFEST.replace(
        "metadata: { name: api }",
        "metadata: { name: api, namespace: shop-prd }",
    );
    let tmp = project(&[
        (
            "shipshape.yaml",
            &format!("{PROJECT}lint: {{ env-folders: [deploy] }}\n"),
        ),
        ("envs/prd.yaml", "apps: []\n"),
        ("envs/dev.yaml", "apps: []\n"),
        ("deploy/prd/a.yaml", MANIFEST),
        ("overlays/prd/b.yaml", MANIFEST),
        ("plain/c.yaml", &in_ns),
    ]);
    let out = run(
        &["lint", "deploy", "overlays", "plain", "--format", "json"],
        tmp.path(),
    );
    let j = json(&out);
    let sev = |file: &str| {
        j["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["rule"] == "SS020" && d["file"] == file)
            .map(|d| d["severity"].as_str().unwrap().to_string())
    };
    assert_eq!(sev("deploy/prd/a.yaml").as_deref(), Some("error"));
    assert_eq!(
        sev("overlays/prd/b.yaml").as_deref(),
        Some("warning"),
        "overlays is not configured here"
    );
    assert_eq!(sev("plain/c.yaml").as_deref(), Some("error"));
}

/// A YAML syntax error fails the gate at its line; only templates are skipped.
#[test]
fn a_yaml_syntax_error_fails_closed_and_templates_are_skipped() {
    let tmp = project(&[
        ("m/broken.yaml", "apiVersion: v1\nkind: ConfigMap\nfoo: [\n"),
        (
            "t/chart.yaml",
            "{{- if .Values.enabled }}\napiVersion: v1\nkind: ConfigMap\n{{- end }}\n",
        ),
    ]);
    let out = run(&["lint", "m", "--format", "json"], tmp.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let j = json(&out);
    let d = &j["diagnostics"][0];
    assert_eq!(d["rule"], "SS900");
    assert_eq!(d["severity"], "error");
    assert!(d["line"].as_u64().unwrap() >= 3, "{d}");
    assert!(
        d["message"].as_str().unwrap().contains("syntax error"),
        "{d}"
    );
    let out = run(&["lint", "t", "--format", "json"], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let j = json(&out);
    assert_eq!(j["diagnostics"][0]["severity"], "warning");
    assert!(j["diagnostics"][0]["message"]
        .as_str()
        .unwrap()
        .contains("templated"));
}

/// `lint` from a subfolder finds the project upwards, like `render` and
/// `check`, applies its policies and says so; paths stay where the user stands.
#[test]
fn lint_from_a_subfolder_applies_the_projects_policies() {
    let tmp = project(&[
        (
            "shipshape.yaml",
            &format!("{PROJECT}policies: [policy.yaml]\n"),
        ),
        ("envs/dev.yaml", "apps: []\n"),
        ("policy.yaml", "rules: { image-tag-mutable: off }\n"),
        ("sub/m/a.yaml", MANIFEST),
    ]);
    let sub = tmp.path().join("sub");
    let out = run(&["lint", "m", "--format", "json"], &sub);
    let j = json(&out);
    let rules: Vec<&str> = rules_in(&j);
    assert!(!rules.is_empty() && !rules.contains(&"SS020"), "{rules:?}");
    assert!(
        j["diagnostics"][0]["file"]
            .as_str()
            .unwrap()
            .starts_with("m/"),
        "{j}"
    );
    assert!(text(&out.stderr).contains("note: applying the policies of the project in `..`"));
}

/// A Deployment reading a Secret nothing makes and naming a Service nothing
/// creates, beside a NetworkPolicy selecting an operator's pods by a label
/// they do not carry.
const WHOLE_SET: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: api, namespace: shop }\nspec:\n  selector: { matchLabels: { app: api } }\n  template:\n    metadata: { labels: { app: api } }\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/a/api:1.0.0\n          env:\n            - name: TOKEN\n              valueFrom: { secretKeyRef: { name: api-token, key: token } }\n            - name: REDIS_HOST\n              value: redis-cache-master.shop.svc.cluster.local\n---\napiVersion: redis.redis.opstreelabs.in/v1beta2\nkind: RedisReplication\nmetadata: { name: redis-queue, namespace: shop }\nspec: { clusterSize: 2, kubernetesConfig: { image: \"quay.io/opstree/redis:v7.0.15\" } }\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: redis-queue, namespace: shop }\nspec:\n  podSelector: { matchLabels: { app: redis-queue-sentinel } }\n  policyTypes: [Ingress]\n";

/// The whole-set rules run on `lint --complete` (files and standard input)
/// at their nodes; without it the summary names them as not run.
#[test]
fn whole_set_rules_run_with_complete_and_are_named_without() {
    let tmp = project(&[("set.yaml", WHOLE_SET)]);
    let found = |out: &std::process::Output| -> Vec<(String, u64, u64)> {
        let j = json(out);
        j["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| matches!(d["rule"].as_str(), Some("SS003" | "SS025" | "SS027")))
            .map(|d| {
                (
                    d["rule"].as_str().unwrap().to_string(),
                    d["line"].as_u64().unwrap(),
                    d["column"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let want = vec![
        ("SS003".to_string(), 14, 50),
        ("SS027".to_string(), 16, 22),
        ("SS025".to_string(), 27, 16),
    ];
    let out = run(
        &["lint", "set.yaml", "--complete", "--format", "json"],
        tmp.path(),
    );
    assert_eq!(found(&out), want);
    let piped = bin()
        .args(["lint", "-", "--complete", "--format", "json"])
        .current_dir(tmp.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(WHOLE_SET.as_bytes())?;
            c.wait_with_output()
        })
        .expect("lint -");
    assert_eq!(found(&piped), want);

    let out = run(&["lint", "set.yaml", "--format", "json"], tmp.path());
    assert!(found(&out).is_empty());
    let j = json(&out);
    assert_eq!(
        j["summary"]["rules_not_run"],
        serde_json::json!(["SS003", "SS025", "SS027", "SS032"])
    );
    let out = run(&["lint", "set.yaml"], tmp.path());
    assert!(
        text(&out.stdout).contains("4 whole-set rules not run (SS003, SS025, SS027, SS032)"),
        "{}",
        text(&out.stdout)
    );
}

/// What `check` and `lint --complete` of the rendered tree report, as
/// (rule, object, message): `check` points at the spec line, `lint` at the
/// rendered file, but the verdicts must be the same.
fn verdicts(out: &std::process::Output) -> std::collections::BTreeSet<(String, String, String)> {
    let j = json(out);
    j["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                format!("{} {}", d["object"]["kind"], d["object"]["name"]),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn check_and_lint_of_the_render_agree() {
    // The bundled example: nothing at all, from either.
    let check = run(&["check", "--format", "json"], &repo());
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stdout));
    let lint = run(
        &["lint", "gitops-out", "--complete", "--format", "json"],
        &repo(),
    );
    assert_eq!(lint.status.code(), Some(0), "{}", text(&lint.stdout));
    assert!(verdicts(&check).is_empty() && verdicts(&lint).is_empty());

    // A prd app with a floating tag and no probes or resources: the same
    // findings from the spec and from its render.
    let tmp = example_copy();
    let prd = tmp.path().join("fixtures/example/envs/prd.yaml");
    let spec = std::fs::read_to_string(&prd).unwrap().replace(
        "    public: [api.example.com]\n",
        "    public: [api.example.com]\n  - name: worker\n    image: ghcr.io/example-org/worker:latest\n    replicas: 2\n",
    );
    std::fs::write(&prd, spec).unwrap();
    assert_eq!(run(&["render", "--all"], tmp.path()).status.code(), Some(0));
    let check = verdicts(&run(&["check", "--format", "json"], tmp.path()));
    let lint = verdicts(&run(
        &["lint", "gitops-out", "--complete", "--format", "json"],
        tmp.path(),
    ));
    assert!(check.iter().any(|(r, _, _)| r == "SS020"), "{check:?}");
    assert_eq!(check, lint);
}

/// SS005 does not tell a user to move to an API their pinned chart does not
/// serve: it names the chart release that serves it.
#[test]
fn the_api_advice_names_the_chart_that_serves_it() {
    let app = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: { name: external-secrets, namespace: argocd }\nspec:\n  project: platform\n  source: { repoURL: https://charts.external-secrets.io, chart: external-secrets, targetRevision: 0.10.0 }\n  destination: { server: https://kubernetes.default.svc, namespace: external-secrets }\n";
    let es = "apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata: { name: api, namespace: shop }\nspec:\n  secretStoreRef: { kind: ClusterSecretStore, name: doppler }\n  target: { name: api }\n  data: [{ secretKey: T, remoteRef: { key: T } }]\n";
    let help = |files: &[(&str, &str)]| -> String {
        let tmp = project(files);
        let out = run(&["lint", ".", "--format", "json"], tmp.path());
        let j = json(&out);
        j["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["rule"] == "SS005")
            .expect("SS005")["help"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let pinned = help(&[("app.yaml", app), ("es.yaml", es)]);
    assert!(
        pinned.contains("`external-secrets.io/v1`") && pinned.contains("from 0.16.0"),
        "{pinned}"
    );
    // The same advice without the pin: it does not depend on the set.
    assert_eq!(help(&[("es.yaml", es)]), pinned);
}

/// `lint: { complete: true }` in shipshape.yaml: the repository's manifests
/// are a whole set, and lint runs the whole-set rules without the flag.
#[test]
fn a_project_can_declare_its_manifests_complete() {
    let tmp = project(&[
        (
            "shipshape.yaml",
            &format!("{PROJECT}lint: {{ complete: true }}\n"),
        ),
        ("envs/dev.yaml", "apps: []\n"),
        ("m/set.yaml", WHOLE_SET),
    ]);
    let out = run(&["lint", "m", "--format", "json"], tmp.path());
    let j = json(&out);
    assert!(j["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["rule"] == "SS003"));
    assert_eq!(j["summary"]["rules_not_run"], serde_json::json!([]));
}

/// A repository with only `.shipshape.yaml` (no specs): its `paths:` map
/// gives production manifests their env, `exclude:` and `.gitignore` keep
/// folders out, and the file is found from a subfolder too.
#[test]
fn a_lint_only_repository_maps_paths_to_production_and_excludes_folders() {
    let deploy = |name: &str| {
        format!("apiVersion: apps/v1\nkind: Deployment\nmetadata: {{ name: {name} }}\nspec:\n  replicas: 1\n  selector: {{ matchLabels: {{ app: {name} }} }}\n  template:\n    metadata: {{ labels: {{ app: {name} }} }}\n    spec:\n      containers: [{{ name: c, image: \"x/{name}:latest\" }}]\n")
    };
    let tmp = project(&[
        (
            ".shipshape.yaml",
            "paths:\n  \"clusters/main/**\": main\nproduction: [main]\nexclude: [\"archive/**\"]\n",
        ),
        (".gitignore", "scratch/\n"),
        ("clusters/main/apps/api.yaml", &deploy("api")),
        ("archive/old.yaml", &deploy("old")),
        ("scratch/tmp.yaml", &deploy("tmp")),
    ]);
    let findings = |dir: &std::path::Path| -> Vec<(String, String, String)> {
        let out = run(&["lint", ".", "--format", "json"], dir);
        let j = json(&out);
        j["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["rule"].as_str().unwrap().to_string(),
                    d["file"].as_str().unwrap().to_string(),
                    d["envs"].to_string(),
                )
            })
            .collect()
    };
    let all = findings(tmp.path());
    assert!(
        all.contains(&(
            "SS021".to_string(),
            "clusters/main/apps/api.yaml".to_string(),
            "[\"main\"]".to_string()
        )),
        "{all:?}"
    );
    assert!(
        all.iter().all(|(_, f, _)| f.starts_with("clusters/")),
        "excluded or ignored files were read: {all:?}"
    );
    // From a subfolder: the configuration is found upwards.
    let sub = findings(&tmp.path().join("clusters"));
    assert!(
        sub.iter()
            .any(|(r, _, e)| r == "SS021" && e == "[\"main\"]"),
        "{sub:?}"
    );
    // A bad glob is a located error.
    std::fs::write(tmp.path().join(".shipshape.yaml"), "exclude: [\"a/[\"]\n").unwrap();
    let out = run(&["lint", "."], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains(".shipshape.yaml:1:"),
        "{}",
        text(&out.stderr)
    );
}
