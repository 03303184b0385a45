#![allow(clippy::expect_used, clippy::unwrap_used)]
//! cloudflared config validation and routing. Each `fixtures/tunnel/*.yaml` names
//! the findings it must produce on its first line (`# expect: code …`).

mod common;
use common::*;

use shipshape::source::FileId;
use shipshape::tunnel::{self, match_url};

fn fixtures() -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(repo().join("fixtures/tunnel"))
        .expect("fixtures/tunnel")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    v.sort();
    v
}

#[test]
fn every_fixture_produces_exactly_its_expected_findings() {
    let mut seen = std::collections::BTreeSet::new();
    for path in fixtures() {
        let text = std::fs::read_to_string(&path).expect("read");
        let want_line = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect:"))
            .expect("expect line");
        let mut want: Vec<&str> = want_line.split_whitespace().collect();
        want.sort();
        let v = tunnel::validate(&text, FileId(0));
        let mut got: Vec<&str> = v.findings.iter().map(|f| f.code).collect();
        got.sort();
        assert_eq!(got, want, "{}", path.display());
        for f in &v.findings {
            let lines = text.lines().count() as u32;
            assert!(
                f.span.start.line >= 1 && f.span.start.line <= lines && f.span.start.col >= 1,
                "{f:?}"
            );
            seen.insert(f.code);
        }
    }
    for code in [
        "yaml-parse",
        "no-ingress-rules",
        "invalid-http-status",
        "service-url-parse",
        "service-missing-scheme-or-host",
        "service-has-path",
        "ip-rule",
        "access-missing-team-name",
        "hostname-has-port",
        "bad-wildcard",
        "last-rule-not-catch-all",
        "catch-all-not-last",
        "invalid-path-regex",
        "unknown-key",
        "warp-routing-enabled",
        "rule-shadowed",
        "wildcard-without-dot",
        "no-tls-verify",
        "origin-request-type",
    ] {
        assert!(seen.contains(code), "no fixture covers {code}");
    }
}

#[test]
fn human_report_snapshot() {
    let dir = repo().join("fixtures/tunnel");
    let mut args = vec!["tunnel", "validate"];
    let names: Vec<String> = fixtures()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    args.extend(names.iter().map(String::as_str));
    let out = bin().current_dir(&dir).args(&args).output().expect("runs");
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("tunnel-validate-human", text(&out.stdout));
}

#[test]
fn json_report_and_exit_codes() {
    let dir = repo().join("fixtures/tunnel");
    let out = bin()
        .current_dir(&dir)
        .args([
            "tunnel",
            "validate",
            "--format",
            "json",
            "service-has-path.yaml",
            "valid-full.yaml",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    // The JSON every command writes: one diagnostic per finding.
    let j = json(&out);
    assert_eq!(j["version"], 1, "{j}");
    assert_eq!(j["summary"]["files"], 2, "{j}");
    let d = &j["diagnostics"][0];
    assert_eq!(
        (
            d["rule"].as_str(),
            d["family"].as_str(),
            d["file"].as_str(),
            d["line"].as_u64(),
            d["column"].as_u64()
        ),
        (
            Some("tunnel::service-has-path"),
            Some("tunnel"),
            Some("service-has-path.yaml"),
            Some(4),
            Some(14)
        )
    );
    assert!(
        j["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["file"] != "valid-full.yaml"),
        "{j}"
    );

    let ok = bin()
        .current_dir(&dir)
        .args([
            "tunnel",
            "validate",
            "valid-full.yaml",
            "no-tls-verify.yaml",
        ])
        .output()
        .expect("runs");
    assert_eq!(
        ok.status.code(),
        Some(0),
        "warnings alone keep the exit at 0"
    );
    let missing = bin()
        .current_dir(&dir)
        .args(["tunnel", "validate", "does-not-exist.yaml"])
        .output()
        .expect("runs");
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn real_configs_from_the_corpus_validate() {
    let Some(shared) = skip_without_shared("corpus cloudflared configs") else {
        return;
    };
    for rel in [
        "corpus/bjw-s__home-ops/kubernetes/main/apps/network/cloudflared/app/config/config.yaml",
        "corpus/nidr0x__k8s-gitops/kubernetes/main/apps/cloudflared/config.yaml",
    ] {
        let text = std::fs::read_to_string(shared.join(rel)).expect("corpus file");
        let v = tunnel::validate(&text, FileId(0));
        assert!(v.is_valid(), "{rel}: {:?}", v.findings);
    }
}

#[test]
fn every_rendered_config_validates() {
    let mut count = 0;
    let mut dirs = vec![repo()];
    dirs.extend(
        std::fs::read_dir(repo().join("fixtures/specs"))
            .expect("specs")
            .filter_map(Result::ok)
            .map(|e| e.path()),
    );
    for dir in dirs {
        let loaded = shipshape::cli::load(&dir).unwrap_or_else(|o| panic!("{}", o.stderr));
        let bundle = shipshape::render::render(&loaded.model, None);
        for (path, content) in bundle
            .files
            .iter()
            .filter(|(p, _)| p.starts_with("cloudflared/"))
        {
            let v = tunnel::validate(content, FileId(0));
            assert!(v.findings.is_empty(), "{path}: {:?}", v.findings);
            count += 1;
        }
    }
    assert!(count >= 2, "validated {count} rendered configs");
}

const ROUTES: &str = "\
ingress:
  - hostname: app.example.com
    path: ^/api/v[0-9]+
    service: http://api:80
  - hostname: app.example.com
    service: http://web:80
  - hostname: \"*.example.com\"
    service: http://wild:80
  - hostname: bücher.example.com
    service: http://books:80
  - path: \\.(png|css)$
    service: http://static:80
  - hostname: \"*\"
    path: ^$
    service: http://root:80
  - service: http_status:404
";

#[test]
fn match_routes_like_cloudflared() {
    let v = tunnel::validate(ROUTES, FileId(0));
    assert!(v.errors().next().is_none(), "{:?}", v.findings);
    let cases = [
        ("https://app.example.com/api/v2/users", 0),
        ("https://app.example.com:8443/api/v1", 0),
        ("https://app.example.com/x/api/v1", 1),
        ("https://app.example.com/apix", 1),
        ("https://app.example.com?path=/api/v1", 1),
        ("https://app.example.com", 1),
        ("https://a.b.example.com/", 2),
        ("https://example.com/site.css", 4),
        ("https://example.com/", 6),
        ("https://example.com", 5),
        ("https://APP.example.com/", 2),
        ("https://xn--bcher-kva.example.com/", 2),
        ("https://other.org/logo.png", 4),
        ("http://other.org/a", 6),
    ];
    for (url, want) in cases {
        assert_eq!(match_url(&v.rules, url), Ok(want), "{url}");
    }
    assert!(match_url(&v.rules, "app.example.com/api").is_err());
}

#[test]
fn punycode_rules_match_their_ascii_form() {
    let cfg = "ingress:\n  - hostname: bücher.example.org\n    service: http://books:80\n  - service: http_status:404\n";
    let v = tunnel::validate(cfg, FileId(0));
    assert_eq!(
        match_url(&v.rules, "https://xn--bcher-kva.example.org/"),
        Ok(0)
    );
    assert_eq!(match_url(&v.rules, "https://bücher.example.org/"), Ok(0));
}

#[test]
fn match_command_prints_rule_index_and_refuses_bad_urls() {
    let dir = repo().join("fixtures/tunnel");
    let out = bin()
        .current_dir(&dir)
        .args([
            "tunnel",
            "match",
            "--format",
            "json",
            "valid-full.yaml",
            "https://api.example.com/v2/x",
            "https://zzz.example.com",
            "https://nope.org",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let j = json(&out);
    let rules: Vec<u64> = j
        .as_array()
        .expect("array")
        .iter()
        .map(|m| m["rule"].as_u64().expect("rule"))
        .collect();
    assert_eq!(rules, vec![0, 7, 8]);
    assert_eq!(j[0]["url"], "https://api.example.com/v2/x");

    let bad = bin()
        .current_dir(&dir)
        .args(["tunnel", "match", "valid-full.yaml", "api.example.com"])
        .output()
        .expect("runs");
    assert_eq!(bad.status.code(), Some(2));
    let invalid = bin()
        .current_dir(&dir)
        .args([
            "tunnel",
            "match",
            "service-has-path.yaml",
            "https://a.example.com",
        ])
        .output()
        .expect("runs");
    assert_eq!(invalid.status.code(), Some(2));
}
