#![allow(clippy::expect_used, clippy::unwrap_used)]
//! Hostile and careless input: refused with a location, never silently
//! accepted, never a panic, never a secret in the output.

mod common;
use common::*;

/// Exit 2, nothing written, and each expected `file:line:col` in stderr.
fn refused(tmp: &tempfile::TempDir, expected: &[&str]) -> String {
    let out = run(&["render", "--all"], tmp.path());
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        !tmp.path().join("gitops-out").exists(),
        "wrote output:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    for e in expected {
        assert!(stderr.contains(e), "expected {e} in:\n{stderr}");
    }
    stderr
}

#[test]
fn duplicate_names_are_refused_in_the_file_that_has_them() {
    let app = "  - name: api\n    image: ghcr.io/a/api:1.0.0\n";
    let tmp = project(&[
        ("shipshape.yaml", PROJECT),
        ("envs/base.yaml", &format!("abstract: true\napps:\n{app}")),
        (
            "envs/dev.yaml",
            &format!("extends: base\napps:\n{app}  - name: api\n    replicas: 3\n"),
        ),
    ]);
    refused(
        &tmp,
        &[
            "envs/dev.yaml:5:11: error[spec::duplicate-name]",
            "first on line 3",
        ],
    );

    let tmp = project(&[
        ("shipshape.yaml", PROJECT),
        (
            "envs/base.yaml",
            &format!("abstract: true\napps:\n{app}{app}"),
        ),
        ("envs/dev.yaml", "extends: base\n"),
    ]);
    refused(&tmp, &["envs/base.yaml:5:11: error[spec::duplicate-name]"]);
}

#[test]
fn an_empty_environment_file_is_refused() {
    for text in ["", "# only a comment\n", "---\n"] {
        let tmp = project(&[("shipshape.yaml", PROJECT), ("envs/dev.yaml", text)]);
        refused(&tmp, &["envs/dev.yaml:1:1: error[spec::empty-file]"]);
    }
}

#[test]
fn merge_keys_are_expanded_before_rules_run() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("d.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: api }\nx-common: &common\n  image: ghcr.io/a/api:latest\n  env:\n    - { name: DB_PASSWORD, value: hunter2hunter2 }\nspec:\n  selector: { matchLabels: { app: api } }\n  template:\n    metadata: { labels: { app: api } }\n    spec:\n      containers:\n        - name: api\n          <<: *common\n",
    )
    .unwrap();
    let out = run(
        &["lint", ".", "--env", "prd", "--format", "json"],
        tmp.path(),
    );
    let j = json(&out);
    let at = |rule: &str| {
        j["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["rule"] == rule)
            .map(|d| d["line"].as_u64().unwrap())
    };
    assert_eq!(at("SS020"), Some(5), "{j}");
    assert_eq!(at("SS001"), Some(7), "{j}");
    assert!(!text(&out.stdout).contains("hunter2hunter2"));
}

/// A map of fifty thousand keys is read in full and its duplicate found (the
/// index behind it is linear; speed is measured by the benches, not here).
#[test]
fn a_map_with_fifty_thousand_keys_is_read_and_its_duplicate_found() {
    let mut yaml =
        String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: { name: big }\ndata:\n");
    for i in 0..50_000 {
        yaml.push_str(&format!("  k{i}: v\n"));
    }
    yaml.push_str("  k7: again\n");
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("big.yaml"), &yaml).unwrap();
    let out = run(&["lint", ".", "--format", "json"], tmp.path());
    let stdout = text(&out.stdout);
    assert!(stdout.contains("duplicate key `k7`"), "{stdout}");
}

/// Secrets in the input never reach any output, whatever the problem is about:
/// the excerpt of a neighbouring error, a YAML error, a CEL runtime error.
#[test]
fn secrets_beside_other_problems_never_reach_any_output() {
    let secrets = [
        "hunter2hunter2",
        "pw98765",
        "ghp_abcdefghijklmnopqrstuvwxyz0123",
    ];
    let spec = "apps:\n  - name: api\n    image: ghcr.io/a/api:1.0.0\n    env:\n      DB_PASSWORD: hunter2hunter2\n      DATABASE_URL: postgres://u:pw98765@db/x\n      GH: ghp_abcdefghijklmnopqrstuvwxyz0123\n    replicas: \"two\"\n    bogus: 1\n";
    let tmp = project(&[("shipshape.yaml", PROJECT), ("envs/dev.yaml", spec)]);
    let manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\ndata:\n  DB_PASSWORD: hunter2hunter2\n  url: postgres://u:pw98765@db/x\n  broken: [\n";
    std::fs::create_dir_all(tmp.path().join("m")).unwrap();
    std::fs::write(tmp.path().join("m/bad.yaml"), manifest).unwrap();
    std::fs::write(
        tmp.path().join("tunnel.yaml"),
        "tunnel: x\ncredentials-file: /c.json\noriginRequest:\n  password: hunter2hunter2\ningress:\n  - service: http://u:pw98765@x:80/\n  - hostname: [\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("policy.yaml"),
        "custom:\n  - id: ORG001\n    name: no-int-env\n    match: { kind: Deployment }\n    expr: object.spec.template.spec.containers.all(c, c.env.all(e, e.value + 1 > 0))\n    message: m\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("m2.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: d }\nspec:\n  selector: { matchLabels: { a: b } }\n  template:\n    metadata: { labels: { a: b } }\n    spec:\n      containers:\n        - name: a\n          image: a:1\n          env:\n            - { name: DB_PASS, value: hunter2hunter2 }\n",
    )
    .unwrap();
    // The same manifests outside the project, where lint gets past the specs
    // (inside, the broken env stops it first, which is checked too).
    let outside = tempfile::tempdir().unwrap();
    for f in ["m/bad.yaml", "tunnel.yaml", "policy.yaml", "m2.yaml"] {
        std::fs::create_dir_all(outside.path().join(f).parent().unwrap()).unwrap();
        std::fs::copy(tmp.path().join(f), outside.path().join(f)).unwrap();
    }
    let runs: Vec<(Vec<&str>, &std::path::Path)> = vec![
        (vec!["render", "--all"], tmp.path()),
        (vec!["render", "--all", "--stdout"], tmp.path()),
        (vec!["check"], tmp.path()),
        (vec!["lint", "m"], tmp.path()),
        (vec!["lint", "m"], outside.path()),
        (
            vec!["lint", "m2.yaml", "--policy", "policy.yaml"],
            outside.path(),
        ),
        (vec!["tunnel", "validate", "tunnel.yaml"], tmp.path()),
    ];
    for (args, dir) in runs {
        for format in ["human", "json", "sarif", "github", "junit", "gitlab"] {
            let mut a = args.clone();
            if format != "human" && !(args[0] == "render" && args.contains(&"--stdout")) {
                a.extend(["--format", format]);
            }
            let out = run(&a, dir);
            let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
            assert!(!all.contains("panicked"), "{a:?}: {all}");
            if a.contains(&"policy.yaml") {
                assert!(
                    all.contains("operator `add` does not apply to a string and a int"),
                    "{all}"
                );
            }
            for s in secrets {
                assert!(!all.contains(s), "{a:?} leaked {s}:\n{all}");
            }
        }
    }
}

fn mkfifo(path: &std::path::Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo");
    assert!(status.success());
}

/// FIFOs and devices are refused, never read (reading one would block forever).
#[test]
fn non_regular_files_are_refused_not_read() {
    let tmp = project(&[("shipshape.yaml", PROJECT), ("envs/prd.yaml", "apps: []\n")]);
    mkfifo(&tmp.path().join("pipe.yaml"));
    let out = run(&["lint", "pipe.yaml", "--format", "json"], tmp.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("not a regular file"),
        "{}",
        text(&out.stdout)
    );
    let out = run(&["tunnel", "validate", "pipe.yaml"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not a regular file"));
    mkfifo(&tmp.path().join("envs/dev.yaml"));
    refused(
        &tmp,
        &[
            "envs/dev.yaml:1:1: error[spec::unreadable]",
            "not a regular file",
        ],
    );
}

/// A committed link from a spec or policy file to a host file (`~/.netrc`,
/// `/proc/self/environ`) is refused before it is read: its content never
/// reaches any output of any command; nor does a linked environments folder.
#[test]
fn links_out_of_the_project_are_never_read() {
    let host = tempfile::tempdir().expect("tmp");
    let secret = "machine api.example.com login ci password hunter2-host-secret";
    std::fs::write(host.path().join("netrc"), format!("{secret}\n")).unwrap();
    let tmp = project(&[("shipshape.yaml", PROJECT), ("envs/prd.yaml", "apps: []\n")]);
    std::os::unix::fs::symlink(host.path().join("netrc"), tmp.path().join("envs/qa.yaml")).unwrap();
    let stderr = refused(&tmp, &["envs/qa.yaml", "outside the project"]);
    assert!(!stderr.contains("hunter2-host-secret"), "{stderr}");
    for args in [
        &["check", "--format", "json"][..],
        &["check", "--format", "sarif"],
        &["check"],
        &["lint", ".", "--format", "json"],
        &["simulate", "--env", "prd"],
    ] {
        let out = run(args, tmp.path());
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert_eq!(out.status.code(), Some(2), "{args:?}: {all}");
        assert!(!all.contains("hunter2-host-secret"), "{args:?}: {all}");
    }

    // A policy file the project names, linked out.
    std::fs::remove_file(tmp.path().join("envs/qa.yaml")).unwrap();
    std::fs::write(
        tmp.path().join("shipshape.yaml"),
        format!("{PROJECT}policies: [policy.yaml]\n"),
    )
    .unwrap();
    std::os::unix::fs::symlink(host.path().join("netrc"), tmp.path().join("policy.yaml")).unwrap();
    for args in [&["check"][..], &["lint", "."]] {
        let out = run(args, tmp.path());
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert_eq!(out.status.code(), Some(2), "{args:?}: {all}");
        assert!(all.contains("outside the project"), "{args:?}: {all}");
        assert!(!all.contains("hunter2-host-secret"), "{args:?}: {all}");
    }

    // The environments folder itself, linked out.
    std::fs::remove_file(tmp.path().join("policy.yaml")).unwrap();
    std::fs::write(tmp.path().join("shipshape.yaml"), PROJECT).unwrap();
    std::fs::create_dir_all(host.path().join("envs")).unwrap();
    std::fs::write(host.path().join("envs/prd.yaml"), "apps: []\n").unwrap();
    std::fs::remove_dir_all(tmp.path().join("envs")).unwrap();
    std::os::unix::fs::symlink(host.path().join("envs"), tmp.path().join("envs")).unwrap();
    refused(&tmp, &["spec::outside-project"]);
}

#[test]
fn text_that_is_not_utf8_is_refused_with_its_file() {
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("apps: []\n".encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let tmp = project(&[("shipshape.yaml", PROJECT)]);
    std::fs::create_dir_all(tmp.path().join("envs")).unwrap();
    std::fs::write(tmp.path().join("envs/dev.yaml"), &utf16).unwrap();
    refused(
        &tmp,
        &["envs/dev.yaml:1:1: error[spec::unreadable]", "UTF-16"],
    );
    // Outside the project (inside, the unreadable env stops lint first).
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("m.yaml"), b"kind: \xff\xfe\x00\n").unwrap();
    let out = run(&["lint", "m.yaml", "--format", "json"], outside.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("not UTF-8"));
}

/// Budgets stop bombs with a located error, in every reader.
#[test]
fn alias_bombs_and_deep_nesting_stop_with_an_error() {
    let big = "x".repeat(1 << 20);
    let mut bomb = format!("a: &a \"{big}\"\nb: [");
    for _ in 0..100_000 {
        bomb.push_str("*a, ");
    }
    bomb.push_str("]\n");
    let deep = format!("a: {}1{}\n", "[".repeat(5000), "]".repeat(5000));
    for (name, text_) in [("bomb.yaml", &bomb), ("deep.yaml", &deep)] {
        let tmp = project(&[("shipshape.yaml", PROJECT), ("envs/dev.yaml", text_)]);
        std::fs::write(tmp.path().join(name), text_).unwrap();
        let stderr = refused(&tmp, &["envs/dev.yaml:"]);
        assert!(
            stderr.contains("alias bomb")
                || stderr.contains("nested")
                || stderr.contains("recursion"),
            "{stderr}"
        );
        // Inside the project the bomb in the env stops lint (exit 2); outside,
        // lint reports the bomb in the manifest itself.
        let out = run(&["lint", name], tmp.path());
        assert_eq!(out.status.code(), Some(2), "{name}: {}", text(&out.stdout));
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join(name), text_).unwrap();
        let out = run(&["lint", name], outside.path());
        assert_eq!(out.status.code(), Some(1), "{name}: {}", text(&out.stdout));
        let out = run(&["tunnel", "validate", name], tmp.path());
        assert!(matches!(out.status.code(), Some(1 | 2)), "{name}");
        assert!(!text(&out.stderr).contains("panicked"));
    }
}

/// 100k rules with paths are validated and matched in full (speed is measured
/// by the benches, not here).
#[test]
fn a_tunnel_config_with_a_hundred_thousand_rules_is_checked() {
    let mut cfg = String::from("tunnel: t\ncredentials-file: /c.json\ningress:\n");
    for i in 0..100_000 {
        cfg.push_str(&format!(
            "  - hostname: h{i}.example.com\n    path: ^/api/v{i}/\n    service: http://s:80\n"
        ));
    }
    cfg.push_str("  - service: http_status:404\n");
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("c.yaml"), &cfg).unwrap();
    let out = run(&["tunnel", "validate", "c.yaml"], tmp.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        text(&out.stdout)
            .lines()
            .take(5)
            .collect::<Vec<_>>()
            .join("\n")
    );
    let out = run(
        &[
            "tunnel",
            "match",
            "c.yaml",
            "https://h99999.example.com/api/v99999/x",
        ],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stdout).contains("rule 99999"),
        "{}",
        text(&out.stdout)
    );
}

/// A 10 MB key, a very wide line: errors, not panics.
#[test]
fn huge_keys_and_wide_lines_do_not_panic() {
    let key = "k".repeat(10 << 20);
    let tmp = project(&[
        ("shipshape.yaml", PROJECT),
        ("envs/dev.yaml", &format!("{key}: 1\n")),
    ]);
    refused(&tmp, &["envs/dev.yaml:1:1"]);
    let wide = format!(
        "apps:\n  - name: api\n    image: ghcr.io/a/b:1.0.0\n    replicas: {}\"x\"\n",
        " ".repeat(200_000)
    );
    let tmp = project(&[("shipshape.yaml", PROJECT), ("envs/dev.yaml", &wide)]);
    refused(&tmp, &["envs/dev.yaml:4:"]);
}

/// A long `extends` chain is merged once per file, not once per env per link.
#[test]
fn a_long_extends_chain_loads() {
    let mut files: Vec<(String, String)> = vec![("shipshape.yaml".into(), PROJECT.into())];
    files.push((
        "envs/e0.yaml".into(),
        "abstract: true\napps:\n  - { name: api, image: ghcr.io/a/api:1.0.0 }\n".into(),
    ));
    for i in 1..600 {
        let abstract_ = if i < 599 { "abstract: true\n" } else { "" };
        files.push((
            format!("envs/e{i}.yaml"),
            format!(
                "{abstract_}extends: e{}\napps:\n  - {{ name: api, replicas: {} }}\n",
                i - 1,
                i % 3 + 1
            ),
        ));
    }
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let tmp = project(&refs);
    let out = run(&["render", "--all", "--stdout"], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("replicas: 3"));
}

#[test]
fn careless_values_are_refused_with_their_location() {
    // Port 0.
    let tmp = project(&[
        ("shipshape.yaml", PROJECT),
        (
            "envs/dev.yaml",
            "apps:\n  - name: api\n    image: ghcr.io/a/api:1.0.0\n    port: 0\n",
        ),
    ]);
    refused(&tmp, &["envs/dev.yaml:4:11: error[spec::out-of-range]"]);
    // Credentials in the Git repository URL and in a backup endpoint, never echoed.
    let tmp = project(&[
        ("shipshape.yaml", "name: demo\nenvironments: envs\nrepo: { url: https://bot:hunter2hunter2@git.example.com/x.git }\n"),
        ("envs/dev.yaml", "apps: []\n"),
    ]);
    let stderr = refused(&tmp, &["shipshape.yaml:3:14: error[spec::literal-secret]"]);
    assert!(!stderr.contains("hunter2hunter2"), "{stderr}");
    let tmp = project(&[
        ("shipshape.yaml", PROJECT),
        ("envs/dev.yaml", "secrets: { doppler: { project: p, config: c } }\nplatform: { external-secrets: {}, cloudnative-pg: {} }\npostgres:\n  - name: main\n    backup: { destination: \"s3://b/p\", endpoint-url: \"https://k:s3cr3tkey@s3.example.com\" }\n"),
    ]);
    let stderr = refused(&tmp, &["envs/dev.yaml:5:54: error[spec::literal-secret]"]);
    assert!(!stderr.contains("s3cr3tkey"), "{stderr}");
    // A URL cloudflared would refuse is not routed.
    let cfg = "tunnel: t\ncredentials-file: /c.json\ningress:\n  - service: http_status:404\n";
    std::fs::write(tmp.path().join("c.yaml"), cfg).unwrap();
    for url in ["http://[::1/", "http://h:port/", "http://h/a\u{7}"] {
        let out = run(&["tunnel", "match", "c.yaml", url], tmp.path());
        assert_eq!(out.status.code(), Some(2), "{url}");
    }
}

/// Custom rules: bounded expressions, unique ids across policy files.
#[test]
fn custom_rules_are_bounded_and_unique() {
    let deep = format!("{}true{}", "(".repeat(50), ")".repeat(50));
    let wide = vec!["true"; 5_000].join(" && ");
    let rule = |id: &str, expr: &str| {
        format!("  - id: {id}\n    name: r-{id}\n    expr: \"{expr}\"\n    message: m\n")
    };
    let tmp = project(&[
        (
            "shipshape.yaml",
            &format!("{PROJECT}policies: [a.yaml, b.yaml]\n"),
        ),
        ("envs/dev.yaml", "apps: []\n"),
        (
            "a.yaml",
            &format!(
                "custom:\n{}{}{}",
                rule("ORG0", "true"),
                rule("ORG1", &deep),
                rule("ORG2", &wide)
            ),
        ),
        (
            "b.yaml",
            &format!(
                "custom:\n{}",
                rule("ORG3", "true").replace("name: r-ORG3", "name: r-ORG0")
            ),
        ),
        (
            "m.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\n",
        ),
    ]);
    let out = run(&["lint", "m.yaml"], tmp.path());
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("a.yaml:8:11: error[policy::cel]") && stderr.contains("nests brackets"),
        "{stderr}"
    );
    assert!(stderr.contains("longer than"), "{stderr}");
    assert!(
        stderr.contains("b.yaml:2:9: error[policy::duplicate-rule]"),
        "{stderr}"
    );
}

/// Property: a secret injected into any fixture never appears in any output of
/// any command, in any format.
#[test]
fn an_injected_secret_never_appears_in_any_output() {
    const SECRET: &str = "hunter2hunter2";
    let injections = [
        format!("x-db-password: {SECRET}\n"),
        format!("x-url: postgres://u:{SECRET}@db/x\n"),
        format!("x-env: [{{ name: API_TOKEN, value: {SECRET} }}]\n"),
    ];
    let formats = ["human", "json", "sarif", "github", "junit", "gitlab"];
    let mut files: Vec<std::path::PathBuf> = walkdir::WalkDir::new(repo().join("fixtures"))
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "yaml"))
        .map(|e| e.path().to_path_buf())
        .collect();
    files.retain(|f| !f.components().any(|c| c.as_os_str() == "example"));
    assert!(files.len() > 100, "{}", files.len());
    let mut runs = 0;
    for (i, file) in files.iter().enumerate() {
        let injection = &injections[i % injections.len()];
        let original = std::fs::read_to_string(file).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        // Project fixtures are copied whole, so the spec loader sees them.
        let project_root = file
            .ancestors()
            .find(|a| a.join("shipshape.yaml").is_file() && a.starts_with(repo().join("fixtures")));
        let (dir, rel) = match project_root {
            Some(root) => {
                copy_dir(root, tmp.path());
                (
                    tmp.path().to_path_buf(),
                    file.strip_prefix(root).unwrap().to_path_buf(),
                )
            }
            None => (tmp.path().to_path_buf(), std::path::PathBuf::from("f.yaml")),
        };
        let target = dir.join(&rel);
        std::fs::write(&target, format!("{injection}{original}")).unwrap();
        let rel_s = rel.to_string_lossy().into_owned();
        let mut commands: Vec<Vec<String>> = vec![
            vec!["lint".into(), rel_s.clone(), "--env".into(), "prd".into()],
            vec!["tunnel".into(), "validate".into(), rel_s.clone()],
        ];
        if project_root.is_some() {
            commands.push(vec!["check".into()]);
            commands.push(vec![
                "render".into(),
                "--all".into(),
                "--out".into(),
                "out".into(),
            ]);
        }
        for cmd in &commands {
            for f in formats {
                let mut args: Vec<&str> = cmd.iter().map(String::as_str).collect();
                if f != "human" {
                    args.extend(["--format", f]);
                }
                let out = run(&args, &dir);
                let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
                assert!(
                    !all.contains(SECRET),
                    "{} {args:?} leaked:\n{all}",
                    file.display()
                );
                assert!(
                    !all.contains("panicked"),
                    "{} {args:?}:\n{all}",
                    file.display()
                );
                runs += 1;
            }
        }
    }
    assert!(runs > 1000, "{runs}");
}

/// Thirty thousand anchors and suppression comments are all read, each
/// comment judged (speed is measured by the benches, not here).
#[test]
fn thirty_thousand_anchors_and_suppression_comments_are_all_read() {
    let mut yaml = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\ndata:\n");
    for i in 0..30_000 {
        yaml.push_str(&format!(
            "  # shipshape:ignore SS002 comment {i}\n  k{i}: &a{i} v{i}\n"
        ));
    }
    yaml.push_str("  last: *a29999\n");
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("m.yaml"), &yaml).unwrap();
    let out = run(&["lint", "m.yaml", "--format", "json"], tmp.path());
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        text(&out.stderr)
    );
    let j = json(&out);
    // Every comment names a rule that finds nothing here: each is reported unused.
    let unused = j["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "SS902")
        .count();
    assert_eq!(unused, 30_000);
}

/// A custom rule that would run for hours stops the run with exit 2.
#[test]
fn a_runaway_custom_rule_is_stopped() {
    let mut manifest =
        String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\nitems:\n");
    for i in 0..3000 {
        manifest.push_str(&format!("  - {i}\n"));
    }
    let tmp = project(&[
        ("policy.yaml", "custom:\n  - id: ORG1\n    name: slow\n    match: { kind: ConfigMap }\n    expr: \"object.items.all(a, object.items.all(b, object.items.all(c, a + b + c >= 0)))\"\n    message: m\n    timeoutMs: 500\n"),
        ("m.yaml", &manifest),
    ]);
    let out = bin()
        .arg("-C")
        .arg(tmp.path())
        .args(["lint", "m.yaml", "--policy", "policy.yaml"])
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("policy.yaml:5:11: custom rule ORG1 on ConfigMap c"),
        "{stderr}"
    );
    // The rule's own budget, in every build.
    assert!(stderr.contains("ran longer than 500 ms"), "{stderr}");
    // Asked for SARIF, the stop is a SARIF report too.
    let out = bin()
        .arg("-C")
        .arg(tmp.path())
        .args([
            "lint",
            "m.yaml",
            "--policy",
            "policy.yaml",
            "--format",
            "sarif",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)));
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "policy::cel-budget", "{sarif}");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"], 5,
        "{sarif}"
    );
}

/// A long comment block before a sequence item is YAML like any other: the
/// file is read and linted, not skipped.
#[test]
fn a_long_comment_block_does_not_hide_a_file() {
    let mut text = String::from("apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: d }\nspec:\n  template:\n    spec:\n      containers:\n");
    for i in 0..500 {
        text.push_str(&format!("      # note {i}\n"));
    }
    text.push_str("      - name: c\n        image: nginx:latest\n");
    let tmp = project(&[("d.yaml", &text)]);
    let out = run(&["lint", "d.yaml", "--format", "json"], tmp.path());
    let j = json(&out);
    let rules: Vec<&str> = rules_in(&j);
    assert!(rules.contains(&"SS020"), "{j}");
    assert!(!rules.contains(&"SS900"), "{j}");
}

/// Standard input has the byte budget of a file: an endless stream is refused
/// at the budget, not read until memory runs out.
#[test]
fn standard_input_has_a_budget() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut child = bin()
        .args(["lint", "-"])
        .current_dir(tmp.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        let chunk = vec![b'#'; 1 << 20];
        // Up to 4 GiB: far past the budget; stops when the reader hangs up.
        for _ in 0..4096 {
            if stdin.write_all(&chunk).is_err() {
                break;
            }
        }
    });
    let out = child.wait_with_output().expect("wait");
    writer.join().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("larger than"),
        "{}",
        text(&out.stderr)
    );
}

/// Secrets in shapes the masker missed never reach an output: a flow sequence
/// under a credential key in a spec, a Secret's data and a flow-style
/// password in a manifest that does not parse, credentials in a cloudflared
/// service URL or hostname (messages and `tunnel match`), and a hand-written
/// `# password:` comment in a generated file shown by a drift diff.
#[test]
fn secrets_in_every_shape_are_masked() {
    let leaked = |all: &str, secrets: &[&str]| {
        for s in secrets {
            assert!(!all.contains(s), "`{s}` leaked:\n{all}");
        }
    };
    // A spec with a wrong-typed credential value.
    let tmp = project(&[
        ("shipshape.yaml", PROJECT),
        (
            "envs/prd.yaml",
            "apps:\n  - name: api\n    image: ghcr.io/x/api:1.0\n    env:\n      DB_PASSWORD: [hunter2-flow-seq]\n",
        ),
    ]);
    for args in [
        &["render", "--all"][..],
        &["check", "--format", "json"],
        &["check"],
    ] {
        let out = run(args, tmp.path());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        leaked(
            &format!("{}{}", text(&out.stdout), text(&out.stderr)),
            &["hunter2-flow-seq"],
        );
    }

    // A manifest that does not parse.
    let broken = "apiVersion: v1\nkind: Secret\nmetadata: { name: s }\ndata:\n  tls.key: aHVudGVyMi1kYXRh\nauth: { password: hunter2-flow-map }\nbad: [\n";
    let tmp = project(&[("s.yaml", broken)]);
    for format in ["human", "json", "sarif", "github", "junit", "gitlab"] {
        let out = run(&["lint", "s.yaml", "--format", format], tmp.path());
        assert_eq!(out.status.code(), Some(1), "{format}");
        leaked(
            &format!("{}{}", text(&out.stdout), text(&out.stderr)),
            &["aHVudGVyMi1kYXRh", "hunter2-flow-map"],
        );
    }

    // cloudflared credentials in a service URL and a hostname.
    let config = "tunnel: t\ncredentials-file: /etc/c.json\ningress:\n  - hostname: u:pw-host-secret@app.example.com\n    service: http://admin:pw-svc-secret@origin:8080/x\n  - service: http_status:404\n";
    let tmp = project(&[("config.yaml", config)]);
    for format in ["human", "json", "sarif", "github", "junit", "gitlab"] {
        let out = run(
            &["tunnel", "validate", "config.yaml", "--format", format],
            tmp.path(),
        );
        assert_ne!(out.status.code(), Some(0), "{format}");
        leaked(
            &format!("{}{}", text(&out.stdout), text(&out.stderr)),
            &["pw-host-secret", "pw-svc-secret"],
        );
    }
    for format in ["human", "json"] {
        let out = run(
            &[
                "tunnel",
                "match",
                "config.yaml",
                "https://app.example.com/",
                "--format",
                format,
            ],
            tmp.path(),
        );
        leaked(
            &format!("{}{}", text(&out.stdout), text(&out.stderr)),
            &["pw-host-secret", "pw-svc-secret"],
        );
    }

    // A hand edit in a generated file, shown by the drift check.
    let tmp = example_copy();
    let file = tmp.path().join("gitops-out/argocd/argo-cd-values.yaml");
    let edited = format!(
        "{}# password: hunter2-in-a-comment\n",
        std::fs::read_to_string(&file).unwrap()
    );
    std::fs::write(&file, edited).unwrap();
    let out = run(&["render", "--all", "--check"], tmp.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    leaked(
        &format!("{}{}", text(&out.stdout), text(&out.stderr)),
        &["hunter2-in-a-comment"],
    );
}

/// The masker's promise on every YAML file the project and the shared corpus
/// hold (the fuzz target `masker` checks the same on generated text): a
/// credential written after any file's content is never shown.
#[test]
fn a_credential_after_any_file_is_masked() {
    const MARKER: &str = "zq9-appended-secret";
    let mut roots = vec![repo().join("fixtures")];
    match shared() {
        Some(s) => roots.push(s.join("corpus")),
        None => {
            assert!(
                std::env::var_os("CI").is_none(),
                "../shared is required in CI"
            );
            skipped(
                "the shared corpus part of the reader test",
                "../shared is not beside the project",
            );
        }
    }
    let mut checked = 0;
    for root in roots {
        for e in walkdir::WalkDir::new(root)
            .into_iter()
            .filter_map(Result::ok)
        {
            let p = e.path();
            if !matches!(p.extension().and_then(|x| x.to_str()), Some("yaml" | "yml")) {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(p) else {
                continue;
            };
            let with = format!("{text}\nDB_PASSWORD: {MARKER}\n");
            let shown = shipshape::secret::masked(&with);
            assert!(!shown.contains(MARKER), "{}", p.display());
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked}");
}

/// A custom rule that builds a string bomb (each `replace` multiplies it
/// tenfold) is stopped at the memory budget, not when the machine runs out.
#[test]
fn a_memory_bomb_in_a_custom_rule_is_stopped() {
    let replace = ".replace('a', 'aaaaaaaaaa')".repeat(9);
    let policy = format!(
        "custom:\n  - id: ORG2\n    name: bomb\n    match: {{ kind: ConfigMap }}\n    expr: \"'aaaaaaaaaa'{replace}.size() > 0\"\n    message: m\n"
    );
    let tmp = project(&[
        ("policy.yaml", &policy),
        (
            "m.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\ndata: { a: b }\n",
        ),
    ]);
    let out = run(&["lint", "m.yaml", "--policy", "policy.yaml"], tmp.path());
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("custom rule ORG2 on ConfigMap c")
            && stderr.contains("used more than 512 MiB of memory"),
        "{stderr}"
    );
}

/// A custom rule may lower its evaluation budget, never raise it: a
/// `timeoutMs` past 10 s is bad input at its line.
#[test]
fn a_custom_rule_cannot_raise_its_budget() {
    let tmp = project(&[
        ("policy.yaml", "custom:\n  - id: ORG1\n    name: slow\n    expr: \"true\"\n    message: m\n    timeoutMs: 60000\n"),
        ("m.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\n"),
    ]);
    let out = run(&["lint", "m.yaml", "--policy", "policy.yaml"], tmp.path());
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("policy.yaml:6:16") && stderr.contains("policy::cel-budget"),
        "{stderr}"
    );
}
