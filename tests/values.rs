//! Helm values adapters: the values of each chart family become the objects
//! the chart makes, the rules apply to them, and findings point at the values
//! nodes (never echoing a secret written there).
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;
use common::*;

/// `(rule, line, column)` of every finding of `lint FIXTURE --env prd`, and the
/// human and JSON outputs, which must not show `secret`.
fn findings(fixture: &str, secret: Option<&str>) -> Vec<(String, u64, u64)> {
    let path = format!("fixtures/lint/values/{fixture}");
    let human = run(&["lint", &path, "--env", "prd"], &repo());
    let out = run(
        &["lint", &path, "--env", "prd", "--format", "json"],
        &repo(),
    );
    if let Some(secret) = secret {
        for o in [&human, &out] {
            assert!(!text(&o.stdout).contains(secret), "{}", text(&o.stdout));
        }
    }
    let j = json(&out);
    assert_eq!(
        j["summary"]["values_unread"],
        serde_json::json!([]),
        "every release of {fixture} is read"
    );
    j["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn has(found: &[(String, u64, u64)], rule: &str, line: u64, column: u64) -> bool {
    found
        .iter()
        .any(|(r, l, c)| r == rule && *l == line && *c == column)
}

#[test]
fn bitnami_redis_and_valkey_values_are_checked_as_the_servers_they_run() {
    let found = findings("bitnami-redis.yaml", Some("s3cr3t-Valkey-pass"));
    for (rule, line, column, what) in [
        ("SS014", 16, 7, "auth.enabled: false"),
        ("SS011", 13, 7, "appendonly no on a queue"),
        ("SS010", 14, 7, "allkeys-lru on a queue"),
        ("SS021", 9, 19, "architecture: standalone in production"),
        ("SS020", 32, 23, "image.tag: latest"),
        ("SS002", 34, 21, "auth.password written into the values"),
        ("SS012", 36, 11, "a cache without maxmemory"),
    ] {
        assert!(has(&found, rule, line, column), "{what}: {found:?}");
    }
    // Auth is on by default in the valkey chart: its password comes from the
    // chart's Secret, so no finding says otherwise.
    assert!(
        !found.iter().any(|(r, l, _)| r == "SS014" && *l > 20),
        "{found:?}"
    );
}

#[test]
fn dependency_values_in_a_wrapper_chart_are_read_under_their_key() {
    let found = findings("wrapper/values.yaml", None);
    assert!(has(&found, "SS021", 6, 17), "{found:?}");
    assert!(
        !found.iter().any(|(r, _, _)| r == "SS014"),
        "existingSecret gives the password: {found:?}"
    );
}

#[test]
fn cloudflare_tunnel_values_are_checked_as_its_config() {
    let found = findings(
        "cloudflare-tunnel.yaml",
        Some("bm90LWEtcmVhbC10dW5uZWwtc2VjcmV0LWJ1dC1sb25n"),
    );
    assert!(has(&found, "SS031", 17, 13), "noTLSVerify: {found:?}");
    assert!(has(&found, "SS002", 12, 15), "tunnel secret: {found:?}");
    assert!(
        !found.iter().any(|(r, _, _)| r == "SS030"),
        "the chart appends the catch-all rule: {found:?}"
    );
}

#[test]
fn external_dns_values_are_checked_as_its_deployment() {
    let found = findings(
        "external-dns.yaml",
        Some("Zx8vQ2mN7pL4kR1sT6wY9bC3dF5gH0jA"),
    );
    assert!(has(&found, "SS001", 12, 16), "literal API token: {found:?}");
    assert!(has(&found, "SS020", 16, 19), "image.tag: latest: {found:?}");
    assert!(
        !found.iter().any(|(r, _, _)| r == "SS021"),
        "External-DNS runs as one pod (no leader election): {found:?}"
    );
}

#[test]
fn app_template_services_ingresses_and_config_maps_are_checked() {
    let found = findings("app-template-routes.yaml", Some("admin1234"));
    assert!(
        has(&found, "SS044", 20, 11),
        "Service annotation: {found:?}"
    );
    assert!(
        has(&found, "SS044", 27, 11),
        "Ingress annotation: {found:?}"
    );
    assert!(
        !found.iter().any(|(r, l, _)| r == "SS044" && *l == 34),
        "a disabled route is not rendered: {found:?}"
    );
    assert!(
        has(&found, "SS001", 41, 13),
        "ConfigMap credential: {found:?}"
    );
    assert!(
        has(&found, "SS022", 13, 11),
        "chart 4 enables no probe by default: {found:?}"
    );
}

/// app-template's probes as the chart version renders them: chart 2 probes
/// its main container by default and no other; from chart 3 only an enabled
/// probe exists, and a non-custom one only with a Service to probe.
#[test]
fn app_template_probes_follow_the_chart_version() {
    let found = findings("app-template-probes.yaml", None);
    let ss022: Vec<(u64, u64)> = found
        .iter()
        .filter(|(r, _, _)| r == "SS022")
        .map(|(_, l, c)| (*l, *c))
        .collect();
    // two/sidecar (chart 2, not the main container), three/worker (enabled,
    // but no Service to probe); not two/main, three/api, three/cron.
    assert_eq!(ss022, vec![(18, 11), (44, 11)], "{found:?}");
}

/// Init containers, `defaultContainerOptions` (to init containers too, unless
/// turned off; `null` unsets a container's own value) and a controller's `pod`
/// options are part of the pods app-template renders.
#[test]
fn app_template_init_containers_and_default_options_are_checked() {
    let found = findings("app-template-options.yaml", Some("hunter2-init-token"));
    let got: Vec<(&str, u64, u64)> = found
        .iter()
        .filter(|(r, _, _)| r.starts_with("SS"))
        .map(|(r, l, c)| (r.as_str(), *l, *c))
        .collect();
    assert_eq!(
        got,
        vec![
            ("SS020", 13, 57), // the default image's floating tag, used by `app`
            ("SS001", 24, 26), // a literal token in an init container
            ("SS023", 36, 11), // `setup` does not get the defaults
        ],
        "{found:?}"
    );
}

/// app-template 1.x values become the one workload the chart renders, with
/// findings at the top-level keys.
#[test]
fn app_template_v1_values_are_checked() {
    let found = findings("app-template-v1.yaml", Some("hunter2-v1-literal"));
    for (rule, line, column) in [("SS020", 13, 12), ("SS001", 15, 23)] {
        assert!(has(&found, rule, line, column), "{rule}: {found:?}");
    }
    // Probes on by default in 1.x (a Service to probe), and the init
    // container has its resources.
    assert!(!found.iter().any(|(r, _, _)| r == "SS022"), "{found:?}");
    assert_eq!(
        found.iter().filter(|(r, _, _)| r == "SS023").count(),
        1,
        "{found:?}"
    );
}
