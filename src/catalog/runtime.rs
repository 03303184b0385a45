//! Runtime contracts: what decides, on a real cluster, whether a pod starts
//! and when Argo CD calls an object healthy. The sync simulator (`simulate`)
//! and the rules that share its knowledge read these facts; nothing else
//! should re-state them. Each fact names its upstream evidence;
//! `tests/catalog.rs` holds the ones `../shared/compat/FACTS.md` states to it.

use super::Version;

/// The user an image's Dockerfile sets with `USER`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageUser {
    /// `USER 65532`: the kubelet can check `runAsNonRoot` against it.
    Numeric(u32),
    /// `USER nonroot`: the kubelet cannot tell whether it is root, so it
    /// refuses `runAsNonRoot: true` unless a numeric `runAsUser` is set
    /// ("container has runAsNonRoot and image has non-numeric user").
    Name(&'static str),
}

/// The `USER` of an image's releases: `(first tag, user)`, oldest first.
pub struct ImageFacts {
    pub repository: &'static str,
    pub users: &'static [(&'static str, ImageUser)],
    /// Where the fact was read.
    pub evidence: &'static str,
}

/// Images the catalogue knows the `USER` of. An image not listed here is
/// unverified: the simulator says so and never passes it silently.
pub static IMAGES: &[ImageFacts] = &[
    ImageFacts {
        repository: "cloudflare/cloudflared",
        users: &[
            ("2020.1.0", ImageUser::Name("nonroot")),
            (CLOUDFLARED_NUMERIC_USER_SINCE, ImageUser::Numeric(65532)),
        ],
        evidence:
            "cloudflare/cloudflared Dockerfile at each tag: `USER nonroot` through 2025.6.1, \
                   `USER 65532:65532` from 2025.7.0 (FACTS.md §8)",
    },
    ImageFacts {
        repository: "quay.io/opstree/redis",
        users: &[("0.0.0", ImageUser::Numeric(1000))],
        evidence: "OT-CONTAINER-KIT/redis Dockerfile: `USER 1000` (FACTS.md §8)",
    },
    ImageFacts {
        repository: "quay.io/opstree/redis-sentinel",
        users: &[("0.0.0", ImageUser::Numeric(1000))],
        evidence: "OT-CONTAINER-KIT/redis Dockerfile.sentinel: `USER 1000` (FACTS.md §8)",
    },
];

/// First cloudflared release whose image runs as a numeric user.
pub const CLOUDFLARED_NUMERIC_USER_SINCE: &str = "2025.7.0";
/// The cloudflared release shipshape renders: numeric user, checked in FACTS.md §8.
pub const CLOUDFLARED_DEFAULT_TAG: &str = "2025.8.1";
/// The numeric user of the distroless `nonroot` base every cloudflared image uses.
pub const CLOUDFLARED_UID: u32 = 65532;

/// What the catalogue says of an image reference's user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserAnswer {
    Known(ImageUser),
    /// The repository is known, but not this tag (a digest, `latest`, a
    /// tag that is not a version).
    UnknownTag,
    UnknownImage,
}

/// Splits `registry/repo:tag@digest` into repository and tag.
pub fn split_image(image: &str) -> (&str, Option<&str>) {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last_slash = no_digest.rfind('/').map_or(0, |i| i + 1);
    match no_digest[last_slash..].rfind(':') {
        Some(i) => (
            &no_digest[..last_slash + i],
            Some(&no_digest[last_slash + i + 1..]),
        ),
        None => (no_digest, None),
    }
}

/// The user an image runs as, as far as the catalogue knows.
pub fn image_user(image: &str) -> UserAnswer {
    let (repo, tag) = split_image(image);
    let repo = repo.strip_prefix("docker.io/").unwrap_or(repo);
    let Some(facts) = IMAGES.iter().find(|f| f.repository == repo) else {
        return UserAnswer::UnknownImage;
    };
    // An image whose every release has the same user needs no tag.
    if let [(_, only)] = facts.users {
        return UserAnswer::Known(*only);
    }
    let Some(v) = tag.and_then(|t| Version::parse(t).ok()) else {
        return UserAnswer::UnknownTag;
    };
    facts
        .users
        .iter()
        .rev()
        .find(|(since, _)| v >= Version::known(since))
        .map_or(UserAnswer::UnknownTag, |(_, u)| UserAnswer::Known(*u))
}

/// Argo CD's built-in health checks for custom resources
/// (`resource_customizations/<group>/<kind>/health.lua` in argoproj/argo-cd,
/// FACTS.md §8). A custom resource without one is Healthy as soon as it
/// exists, whatever its operator then does with it.
pub static ARGOCD_BUILTIN_HEALTH: &[(&str, &str)] = &[
    ("cert-manager.io", "Certificate"),
    ("cert-manager.io", "ClusterIssuer"),
    ("cert-manager.io", "Issuer"),
    ("external-secrets.io", "ClusterExternalSecret"),
    ("external-secrets.io", "ClusterSecretStore"),
    ("external-secrets.io", "ExternalSecret"),
    ("external-secrets.io", "PushSecret"),
    ("external-secrets.io", "SecretStore"),
    ("postgresql.cnpg.io", "Backup"),
    ("postgresql.cnpg.io", "Cluster"),
    ("postgresql.cnpg.io", "Database"),
];

/// Whether Argo CD judges the health of a kind (built in, or customised in
/// argocd-cm by the set). Core kinds are judged by Argo CD's own code.
pub fn argocd_judges_health(
    api_version: &str,
    kind: &str,
    customised: &[(String, String)],
) -> bool {
    let group = api_version.split_once('/').map_or("", |(g, _)| g);
    if !group.contains('.') || group.ends_with(".k8s.io") {
        return true;
    }
    if group == "argoproj.io" && kind == "Application" {
        // Removed in Argo CD 1.8; only a customisation restores it.
        return customised.iter().any(|(g, k)| g == group && k == kind);
    }
    ARGOCD_BUILTIN_HEALTH.contains(&(group, kind))
        || customised.iter().any(|(g, k)| g == group && k == kind)
}

/// The OT Redis operator exports `REDIS_TLS_CA_CERT` instead of
/// `REDIS_TLS_CA_KEY` from this chart (operator) version on, while the
/// `quay.io/opstree/redis` entrypoint still reads `REDIS_TLS_CA_KEY`: TLS
/// pods refuse their config unless the operator writes it itself
/// (redis-operator `internal/k8sutils/statefulset.go` at v0.24.0;
/// OT-CONTAINER-KIT/redis#110, redis-operator#1762; FACTS.md §8).
pub const OT_TLS_CA_RENAMED_SINCE: &str = "0.24.0";
/// The feature gate that makes the operator generate the config in an init
/// container (reads `REDIS_TLS_CA_CERT`, writes `tls-replication yes` for
/// Sentinel), and the first chart whose `featureGates` value sets it
/// (charts/redis-operator/values.yaml and templates/operator-deployment.yaml
/// `FEATURE_GATES`, from v0.21.0).
pub const OT_INIT_CONFIG_GATE: &str = "GenerateConfigInInitContainer";
pub const OT_FEATURE_GATES_VALUE_SINCE: &str = "0.21.0";

/// Whether OT Redis pods with TLS start under an operator chart version
/// and its `featureGates` value (`gate_on`).
pub fn ot_tls_starts(chart: &Version, gate_on: bool) -> bool {
    *chart < Version::known(OT_TLS_CA_RENAMED_SINCE) || gate_on
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_users_follow_the_release() {
        assert_eq!(
            image_user("cloudflare/cloudflared:2024.12.2"),
            UserAnswer::Known(ImageUser::Name("nonroot"))
        );
        assert_eq!(
            image_user("docker.io/cloudflare/cloudflared:2025.7.0"),
            UserAnswer::Known(ImageUser::Numeric(65532))
        );
        assert_eq!(
            image_user("cloudflare/cloudflared:latest"),
            UserAnswer::UnknownTag
        );
        assert_eq!(
            image_user("quay.io/opstree/redis:v7.0.15"),
            UserAnswer::Known(ImageUser::Numeric(1000))
        );
        assert_eq!(image_user("ghcr.io/x/y:1.0.0"), UserAnswer::UnknownImage);
        assert_eq!(
            split_image("localhost:5000/a/b:1.2@sha256:00"),
            ("localhost:5000/a/b", Some("1.2"))
        );
        assert_eq!(
            split_image("localhost:5000/a/b"),
            ("localhost:5000/a/b", None)
        );
    }

    #[test]
    fn ot_tls_needs_the_gate_from_0_24() {
        let v = |s| Version::known(s);
        assert!(ot_tls_starts(&v("0.23.0"), false));
        assert!(!ot_tls_starts(&v("0.24.0"), false));
        assert!(ot_tls_starts(&v("0.26.1"), true));
    }

    #[test]
    fn health_is_judged_for_known_kinds_only() {
        assert!(argocd_judges_health("apps/v1", "Deployment", &[]));
        assert!(argocd_judges_health(
            "external-secrets.io/v1",
            "ExternalSecret",
            &[]
        ));
        assert!(!argocd_judges_health(
            "redis.redis.opstreelabs.in/v1beta2",
            "RedisReplication",
            &[]
        ));
        assert!(!argocd_judges_health(
            "argoproj.io/v1alpha1",
            "Application",
            &[]
        ));
        let custom = vec![("argoproj.io".to_string(), "Application".to_string())];
        assert!(argocd_judges_health(
            "argoproj.io/v1alpha1",
            "Application",
            &custom
        ));
    }
}
