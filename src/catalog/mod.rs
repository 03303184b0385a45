//! The compatibility catalogue: what each platform component's releases serve
//! and create, as data in one place.
//!
//! `model` checks pinned versions against the supported ranges, `render` picks API
//! versions, Service names, labels and annotation prefixes from here, and `lint`
//! uses the same facts for the cross-object checks. `tests/catalog.rs` cross-checks
//! every entry against `../shared/compat/*.json` (facts taken from each upstream
//! project's release tags). A new component or version changes this file first.

mod data;
pub mod operators;
pub mod redis_clients;
pub mod runtime;
pub mod subcharts;
mod version;

pub use data::{entries, ARGO_CD_APIS};
pub use version::Version;

/// The platform components shipshape installs, in install order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OperatorKind {
    CertManager,
    ExternalSecrets,
    Reloader,
    RedisOperator,
    CloudnativePg,
    BarmanCloud,
    IngressNginx,
    ExternalDns,
    TailscaleOperator,
}

/// A group of kinds served at one API version over a range of chart versions.
#[derive(Debug, Clone, Copy)]
pub struct Api {
    pub api_version: &'static str,
    pub kinds: &'static [&'static str],
    /// First chart version that serves it.
    pub since: &'static str,
    /// First chart version that no longer serves it.
    pub until: Option<&'static str>,
}

impl Api {
    pub fn served_by(&self, chart: &Version) -> bool {
        *chart >= Version::known(self.since)
            && self.until.is_none_or(|u| *chart < Version::known(u))
    }
}

/// One component: where its chart comes from, which versions shipshape supports,
/// and what those versions serve.
#[derive(Debug)]
pub struct Entry {
    pub kind: OperatorKind,
    /// Key under `platform:` in the spec, and the component's name.
    pub key: &'static str,
    pub title: &'static str,
    pub namespace: &'static str,
    pub repo_url: &'static str,
    pub chart: &'static str,
    /// Supported chart versions: `min <= v < below`.
    pub min: &'static str,
    pub below: &'static str,
    /// A current stable release, used when the spec names no version.
    pub default: &'static str,
    /// Known releases, chart version → app version (checked against `compat/`).
    pub releases: &'static [(&'static str, &'static str)],
    pub apis: &'static [Api],
    /// Why `min` is where it is, for the error message and the README table.
    pub why_min: &'static str,
    /// The file in `../shared/compat/` that these facts were checked against.
    pub compat: Option<&'static str>,
}

/// Whether a pinned version serves an object's apiVersion and kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Served {
    Yes,
    /// Not served; the chart versions that do serve it, if any.
    No {
        since: Option<Version>,
        until: Option<Version>,
    },
    /// The catalogue does not know this apiVersion/kind pair.
    Unknown,
}

impl Entry {
    pub fn min(&self) -> Version {
        Version::known(self.min)
    }
    pub fn below(&self) -> Version {
        Version::known(self.below)
    }
    pub fn default_version(&self) -> Version {
        Version::known(self.default)
    }
    pub fn supports(&self, v: &Version) -> bool {
        *v >= self.min() && *v < self.below()
    }
    /// `>= 0.16.0, < 3.0.0`
    pub fn range(&self) -> String {
        format!(">= {}, < {}", self.min, self.below)
    }
    /// The app version a chart version ships: exact when known, else that of the
    /// newest known release below it.
    pub fn app_version(&self, chart: &Version) -> Option<&'static str> {
        self.releases
            .iter()
            .filter(|(c, _)| Version::known(c) <= *chart)
            .max_by_key(|(c, _)| Version::known(c))
            .map(|(_, a)| *a)
    }
    pub fn group_of(&self, api_version: &str) -> bool {
        let group = api_version.split_once('/').map_or("", |(g, _)| g);
        self.apis.iter().any(|a| {
            a.api_version
                .split_once('/')
                .is_some_and(|(g, _)| g == group)
        })
    }
    pub fn serves(&self, api_version: &str, kind: &str, chart: &Version) -> Served {
        let matching: Vec<&Api> = self
            .apis
            .iter()
            .filter(|a| a.api_version == api_version && a.kinds.contains(&kind))
            .collect();
        if matching.is_empty() {
            return Served::Unknown;
        }
        if matching.iter().any(|a| a.served_by(chart)) {
            return Served::Yes;
        }
        Served::No {
            since: matching.iter().map(|a| Version::known(a.since)).min(),
            until: matching
                .iter()
                .filter_map(|a| a.until.map(Version::known))
                .max(),
        }
    }
}

/// The catalogue entry of a component.
pub fn entry(kind: OperatorKind) -> &'static Entry {
    let all = entries();
    all.iter().find(|e| e.kind == kind).unwrap_or(&all[0])
}

/// The entry whose chart is `chart` from `repo_url` (or any repository when the
/// URL is unknown, e.g. a mirror), for reading the versions other repos pin.
pub fn by_chart(chart: &str) -> Option<&'static Entry> {
    entries().iter().find(|e| e.chart == chart)
}

/// The component that serves an apiVersion's group, if the catalogue knows it.
pub fn owner_of(api_version: &str) -> Option<&'static Entry> {
    // Asked for every object: the core groups (`v1`, `apps/v1`) have no dot,
    // and a CRD's group must have one, so no chart serves them.
    let group = api_version.split_once('/').map_or("", |(g, _)| g);
    if !group.contains('.') {
        return None;
    }
    entries().iter().find(|e| e.group_of(api_version))
}

/// The README's supported-versions table, generated from the catalogue.
pub fn versions_table() -> String {
    let mut out = String::from(
        "| component | chart | supported | default | app at default | cross-checked against |\n|---|---|---|---|---|---|\n",
    );
    for e in entries() {
        let app = e.app_version(&e.default_version()).unwrap_or("—");
        let compat = e.compat.map_or("— (no release facts)".to_string(), |c| {
            format!("`compat/{c}`")
        });
        out.push_str(&format!(
            "| {} (`{}`) | `{}` from {} | `{}` — {} | `{}` | {} | {} |\n",
            e.title,
            e.key,
            e.chart,
            e.repo_url,
            e.range(),
            e.why_min,
            e.default,
            app,
            compat
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogued_api_group_has_a_dot() {
        // `owner_of` answers `None` at once for dotless (core) groups.
        for e in entries() {
            for a in e.apis {
                let group = a.api_version.split_once('/').map_or("", |(g, _)| g);
                assert!(group.contains('.'), "{}: {}", e.key, a.api_version);
                assert!(owner_of(a.api_version).is_some(), "{}", a.api_version);
            }
        }
        assert!(owner_of("apps/v1").is_none() && owner_of("v1").is_none());
    }

    #[test]
    fn every_constant_parses_and_defaults_are_supported() {
        for e in entries() {
            for v in [e.min, e.below, e.default] {
                assert!(Version::parse(v).is_ok(), "{}: {v}", e.key);
            }
            assert!(e.supports(&e.default_version()), "{}", e.key);
            for (c, _) in e.releases {
                assert!(Version::parse(c).is_ok(), "{}: {c}", e.key);
            }
            for a in e.apis {
                assert!(Version::parse(a.since).is_ok(), "{}: {}", e.key, a.since);
                if let Some(u) = a.until {
                    assert!(Version::parse(u).is_ok(), "{}: {u}", e.key);
                }
            }
            assert_eq!(entry(e.kind).key, e.key);
        }
    }

    #[test]
    fn external_secrets_v1_needs_0_16() {
        let es = entry(OperatorKind::ExternalSecrets);
        let v = |s| Version::parse(s).unwrap_or(Version::new(0, 0, 0));
        assert_eq!(
            es.serves("external-secrets.io/v1", "ExternalSecret", &v("0.14.4")),
            Served::No {
                since: Some(v("0.16.0")),
                until: None
            }
        );
        assert_eq!(
            es.serves("external-secrets.io/v1", "ExternalSecret", &v("0.16.0")),
            Served::Yes
        );
        assert!(matches!(
            es.serves(
                "external-secrets.io/v1beta1",
                "ExternalSecret",
                &v("0.17.0")
            ),
            Served::No { .. }
        ));
        assert_eq!(
            es.serves("external-secrets.io/v1", "Nonsense", &v("0.17.0")),
            Served::Unknown
        );
    }
}
