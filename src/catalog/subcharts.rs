//! Subcharts that charts bundle, by chart version: a key of a release's
//! values is a live dependency only for the chart versions that declare it
//! (a chart that dropped its bundled Redis ignores a leftover `redis:` block).
//! Each entry was read from the chart's `Chart.yaml` history upstream.

use super::version::Version;

/// `chart` at versions `from..until` declares `subchart` under `key`.
pub struct Subchart {
    pub chart: &'static str,
    pub key: &'static str,
    /// The dependency's chart, as the values adapters know it (`redis` is
    /// Bitnami's).
    pub subchart: &'static str,
    pub from: &'static str,
    /// The first version without it, if it was dropped.
    pub until: Option<&'static str>,
    pub source: &'static str,
}

pub const SUBCHARTS: &[Subchart] = &[
    Subchart {
        chart: "oauth2-proxy",
        key: "redis",
        subchart: "redis",
        from: "3.2.8",
        // 8.0.0 put dandydeveloper's redis-ha under the same key; 10.0.0
        // renamed the key to `redis-ha`.
        until: Some("8.0.0"),
        source: "oauth2-proxy/manifests helm/oauth2-proxy/Chart.yaml",
    },
    Subchart {
        chart: "authentik",
        key: "redis",
        subchart: "redis",
        from: "0.0.1",
        // Removed after 2025.10.2 (goauthentik/helm#409).
        until: Some("2025.10.3"),
        source: "goauthentik/helm charts/authentik/Chart.yaml",
    },
    Subchart {
        chart: "nextcloud",
        key: "redis",
        subchart: "redis",
        from: "2.1.0",
        until: None,
        source: "nextcloud/helm charts/nextcloud/Chart.yaml",
    },
];

/// Whether a chart version bundles a subchart under `key`: `None` when the
/// chart is not in the catalogue or its version is not exact.
pub fn bundles(chart: &str, version: Option<&str>, key: &str) -> Option<&'static Subchart> {
    let v = Version::parse(version?.trim()).ok()?;
    SUBCHARTS.iter().find(|s| {
        s.chart == chart
            && s.key == key
            && Version::known(s.from) <= v
            && s.until.is_none_or(|u| v < Version::known(u))
    })
}

/// The subchart keys the catalogue knows for a chart, at any version.
pub fn keys_of(chart: &str) -> impl Iterator<Item = &'static Subchart> + '_ {
    SUBCHARTS.iter().filter(move |s| s.chart == chart)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subchart_is_bundled_only_by_the_versions_that_declare_it() {
        assert!(bundles("oauth2-proxy", Some("7.7.9"), "redis").is_some());
        assert!(bundles("oauth2-proxy", Some("8.0.0"), "redis").is_none());
        assert!(bundles("authentik", Some("2024.12.0"), "redis").is_some());
        assert!(bundles("authentik", Some("2025.12.1"), "redis").is_none());
        assert!(bundles("nextcloud", Some("6.6.4"), "redis").is_some());
        assert!(
            bundles("nextcloud", None, "redis").is_none(),
            "unknown version"
        );
        for s in SUBCHARTS {
            assert!(Version::parse(s.from).is_ok(), "{}", s.from);
            assert!(s.until.is_none_or(|u| Version::parse(u).is_ok()));
        }
    }
}
