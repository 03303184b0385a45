#![allow(clippy::expect_used, clippy::unwrap_used)]
//! The compatibility catalogue against the facts in `../shared/compat/` (taken
//! from each upstream project's release tags): chart → app versions, which API
//! versions each release serves, the External-DNS annotation prefix.

mod common;
use common::*;

use serde_json::Value as J;
use shipshape::catalog::{self, entries, operators, Served, Version};
use std::collections::BTreeMap;

fn compat(file: &str) -> Option<Vec<J>> {
    let shared = skip_without_shared(&format!("catalogue cross-check against compat/{file}"))?;
    let text = std::fs::read_to_string(shared.join("compat").join(file)).expect("compat file");
    Some(serde_json::from_str(&text).expect("compat json"))
}

fn exact(s: &str) -> Option<Version> {
    Version::parse(s).ok()
}

/// (chart version, app version, served apiVersion/kind pairs) per release.
type Release = (Version, String, Vec<(String, String)>);

fn served(crds: &J) -> Vec<(String, String)> {
    crds.as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| {
            let group = c["group"].as_str().unwrap_or("").to_string();
            let kind = c["kind"].as_str().unwrap_or("").to_string();
            c["served"]
                .as_array()
                .into_iter()
                .flatten()
                .map(move |v| {
                    (
                        format!("{group}/{}", v.as_str().unwrap_or("")),
                        kind.clone(),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Releases by chart version. cert-manager's compat rows have no chart fields:
/// its chart version is its tag.
fn releases(key: &str, file: &str) -> Option<Vec<Release>> {
    let rows = compat(file)?;
    let mut out = Vec::new();
    if key == "redis-operator" {
        // The chart history maps chart → app; CRDs come from the app's tag.
        let tags: BTreeMap<String, J> = compat("redis-operator.json")?
            .into_iter()
            .map(|r| (r["tag"].as_str().unwrap_or("").to_string(), r))
            .collect();
        for r in rows {
            let chart = exact(r["chart_version"].as_str().unwrap_or(""));
            let app = r["app_version"].as_str().unwrap_or("").to_string();
            let Some(chart) = chart else { continue };
            let Some(tag) = tags.get(&format!("v{app}")) else {
                continue;
            };
            out.push((chart, app, served(&tag["crds"])));
        }
        return Some(out);
    }
    for r in rows {
        let chart = if key == "cert-manager" {
            r["tag"].as_str()
        } else {
            r["chart_version"].as_str()
        };
        let Some(chart) = chart.and_then(exact) else {
            continue;
        };
        let app = r["app_version"]
            .as_str()
            .or(r["tag"].as_str())
            .unwrap_or("")
            .to_string();
        out.push((chart, app, served(&r["crds"])));
    }
    Some(out)
}

#[test]
fn known_releases_ship_the_app_versions_the_catalogue_says() {
    for e in entries() {
        let Some(file) = e.compat else { continue };
        let Some(rels) = releases(e.key, file) else {
            return;
        };
        for (chart, app) in e.releases {
            let chart = Version::parse(chart).unwrap();
            let found: Vec<&Release> = rels.iter().filter(|r| r.0 == chart).collect();
            assert!(
                !found.is_empty(),
                "{}: chart {chart} is not in compat/{file}",
                e.key
            );
            assert!(
                found.iter().any(|r| r.1 == *app),
                "{}: chart {chart} ships {:?}, the catalogue says {app}",
                e.key,
                found.iter().map(|r| &r.1).collect::<Vec<_>>()
            );
        }
        let default = e.default_version();
        assert!(
            rels.iter().any(|r| r.0 == default),
            "{}: default {default} is not a released chart version",
            e.key
        );
        assert!(
            rels.iter().all(|r| r.0 <= default || !e.supports(&r.0)),
            "{}: default {default} is not the newest supported release",
            e.key
        );
    }
}

#[test]
fn every_release_serves_exactly_what_the_catalogue_says() {
    let mut checked = 0;
    for e in entries() {
        let Some(file) = e.compat else { continue };
        let Some(rels) = releases(e.key, file) else {
            return;
        };
        for (chart, app, served) in &rels {
            for api in e.apis {
                for kind in api.kinds {
                    let truth = served
                        .iter()
                        .any(|(a, k)| a == api.api_version && k == kind);
                    // The catalogue may know more ranges for the same pair.
                    let says = e.serves(api.api_version, kind, chart) == Served::Yes;
                    assert_eq!(
                        says, truth,
                        "{}: chart {chart} (app {app}) {} {kind}: catalogue says {says}, compat/{file} says {truth}",
                        e.key, api.api_version
                    );
                    checked += 1;
                }
            }
        }
    }
    if shared().is_some() {
        assert!(checked > 500, "only {checked} checks");
    }
}

#[test]
fn argo_cd_serves_its_kinds_at_every_release() {
    let Some(rows) = compat("argo-cd.json") else {
        return;
    };
    for r in rows {
        let tag = exact(r["tag"].as_str().unwrap()).unwrap();
        let served = served(&r["crds"]);
        for api in catalog::ARGO_CD_APIS {
            for kind in api.kinds {
                let truth = served
                    .iter()
                    .any(|(a, k)| a == api.api_version && k == kind);
                assert_eq!(api.served_by(&tag), truth, "argo-cd {tag} {kind}");
            }
        }
    }
}

#[test]
fn external_dns_prefix_follows_the_chart() {
    let (Some(charts), Some(apps)) = (
        compat("external-dns-chart.json"),
        compat("external-dns.json"),
    ) else {
        return;
    };
    let by_tag: BTreeMap<String, &J> = apps
        .iter()
        .map(|a| (a["tag"].as_str().unwrap_or("").to_string(), a))
        .collect();
    for c in &charts {
        let chart = exact(c["chart_version"].as_str().unwrap()).unwrap();
        let app = by_tag
            .get(&format!("v{}", c["app_version"].as_str().unwrap()))
            .expect("app tag");
        let (prefix, set) = operators::external_dns_prefix(&chart);
        if set {
            // We tell the controller the prefix; it must have the flag.
            assert_eq!(app["annotation_prefix_flag"], J::Bool(true), "{chart}");
        } else {
            assert_eq!(app["default_annotation_prefix"], J::from(prefix), "{chart}");
        }
    }
}

#[test]
fn readme_versions_table_is_generated_from_the_catalogue() {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README");
    assert!(
        readme.contains(&catalog::versions_table()),
        "README's supported-versions table is stale; paste `shipshape versions` output:\n{}",
        catalog::versions_table()
    );
}

/// `../shared/compat/FACTS.md` §8, the runtime contracts read at release tags.
fn runtime_facts() -> Option<String> {
    let shared = skip_without_shared("runtime contracts against compat/FACTS.md §8")?;
    let text = std::fs::read_to_string(shared.join("compat/FACTS.md")).expect("FACTS.md");
    let start = text.find("## 8.").expect("FACTS.md has §8");
    // Lines wrap anywhere: compare with white space folded.
    Some(
        text[start..]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    )
}

#[test]
fn runtime_contracts_are_the_ones_facts_md_states() {
    use shipshape::catalog::runtime::{self, ImageUser, UserAnswer};
    let Some(facts) = runtime_facts() else {
        return;
    };
    // cloudflared: a named user through 2025.6.1, numeric from 2025.7.0.
    assert!(
        facts.contains(&format!(
            "`USER 65532:65532` from **{}**",
            runtime::CLOUDFLARED_NUMERIC_USER_SINCE
        )),
        "FACTS.md no longer dates cloudflared's numeric user at {}",
        runtime::CLOUDFLARED_NUMERIC_USER_SINCE
    );
    assert!(facts.contains("`USER nonroot` (a name) up to and including **2025.6.1**"));
    assert_eq!(
        runtime::image_user("cloudflare/cloudflared:2025.6.1"),
        UserAnswer::Known(ImageUser::Name("nonroot"))
    );
    // The tag shipshape renders is one FACTS.md checked, with a numeric user.
    assert!(facts.contains(runtime::CLOUDFLARED_DEFAULT_TAG));
    assert_eq!(
        runtime::image_user(&format!(
            "cloudflare/cloudflared:{}",
            runtime::CLOUDFLARED_DEFAULT_TAG
        )),
        UserAnswer::Known(ImageUser::Numeric(runtime::CLOUDFLARED_UID))
    );
    // The OT redis images run as 1000.
    assert!(facts.contains("`Dockerfile` `USER 1000`"));
    for image in [
        "quay.io/opstree/redis:v7.0.15",
        "quay.io/opstree/redis-sentinel:v7.0.15",
    ] {
        assert_eq!(
            runtime::image_user(image),
            UserAnswer::Known(ImageUser::Numeric(1000))
        );
    }
    // The operator renamed the CA variable at 0.24.0; the gate's name.
    assert!(facts.contains("**v0.24.0 and later export `REDIS_TLS_CA_CERT`**"));
    assert!(facts.contains(&format!("{}=true", runtime::OT_INIT_CONFIG_GATE)));
    assert_eq!(runtime::OT_TLS_CA_RENAMED_SINCE, "0.24.0");
    // Argo CD's built-in health checks: those FACTS.md names, none for OT Redis.
    for (group, kinds) in [
        ("postgresql.cnpg.io", &["Backup", "Cluster", "Database"][..]),
        (
            "external-secrets.io",
            &[
                "ClusterExternalSecret",
                "ClusterSecretStore",
                "ExternalSecret",
                "PushSecret",
                "SecretStore",
            ][..],
        ),
    ] {
        assert!(facts.contains(&format!("`{group}` {}", kinds.join(", "))));
        for kind in kinds {
            assert!(
                runtime::ARGOCD_BUILTIN_HEALTH.contains(&(group, kind)),
                "{group}/{kind}"
            );
        }
    }
    assert!(facts.contains("**none for `redis.redis.opstreelabs.in`**"));
    assert!(!runtime::ARGOCD_BUILTIN_HEALTH
        .iter()
        .any(|(g, _)| *g == operators::OT_GROUP));
}

#[test]
fn the_ot_ca_rename_is_dated_by_chart_version() {
    // The contract is keyed by chart version: the chart that ships operator 0.24.0.
    let Some(rows) = compat("redis-operator-chart-history.json") else {
        return;
    };
    let renamed = Version::parse(shipshape::catalog::runtime::OT_TLS_CA_RENAMED_SINCE).unwrap();
    let row = rows
        .iter()
        .find(|r| r["chart_version"].as_str().and_then(exact) == Some(renamed))
        .expect("a chart release at the rename");
    assert_eq!(row["app_version"].as_str().and_then(exact), Some(renamed));
    let gates = Version::parse(shipshape::catalog::runtime::OT_FEATURE_GATES_VALUE_SINCE).unwrap();
    assert!(rows
        .iter()
        .any(|r| r["chart_version"].as_str().and_then(exact) == Some(gates)));
}
