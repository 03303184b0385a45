//! The catalogue's facts. Sources: `../shared/compat/FACTS.md` and the JSON beside
//! it (upstream release tags); `tests/catalog.rs` checks every line it can.

use super::{Api, Entry, OperatorKind};

const ES_STORES: &[&str] = &[
    "ExternalSecret",
    "SecretStore",
    "ClusterSecretStore",
    "ClusterExternalSecret",
];
const OT_KINDS: &[&str] = &["Redis", "RedisCluster", "RedisReplication", "RedisSentinel"];

/// Argo CD itself is installed by hand (see the README); its CRDs, by release tag.
pub static ARGO_CD_APIS: &[Api] = &[
    Api {
        api_version: "argoproj.io/v1alpha1",
        kinds: &["Application", "AppProject"],
        since: "v2.0.0",
        until: None,
    },
    Api {
        api_version: "argoproj.io/v1alpha1",
        kinds: &["ApplicationSet"],
        since: "v2.4.0",
        until: None,
    },
];

static ENTRIES: &[Entry] = &[
    Entry {
        kind: OperatorKind::CertManager,
        key: "cert-manager",
        title: "cert-manager",
        namespace: "cert-manager",
        repo_url: "https://charts.jetstack.io",
        chart: "cert-manager",
        min: "v1.15.0",
        below: "v2.0.0",
        default: "v1.21.1",
        releases: &[("v1.21.1", "v1.21.1")],
        apis: &[
            Api {
                api_version: "cert-manager.io/v1",
                kinds: &[
                    "Certificate",
                    "CertificateRequest",
                    "Issuer",
                    "ClusterIssuer",
                ],
                since: "v1.0.0",
                until: None,
            },
            Api {
                api_version: "acme.cert-manager.io/v1",
                kinds: &["Order", "Challenge"],
                since: "v1.0.0",
                until: None,
            },
        ],
        why_min: "the `crds.enabled` value",
        compat: Some("cert-manager.json"),
    },
    Entry {
        kind: OperatorKind::ExternalSecrets,
        key: "external-secrets",
        title: "External Secrets Operator",
        namespace: "external-secrets",
        repo_url: "https://charts.external-secrets.io",
        chart: "external-secrets",
        min: "0.16.0",
        below: "3.0.0",
        default: "2.9.0",
        releases: &[
            ("0.16.0", "v0.16.0"),
            ("0.17.0", "v0.17.0"),
            ("1.0.0", "v1.0.0"),
            ("2.9.0", "v2.9.0"),
        ],
        apis: &[
            Api {
                api_version: "external-secrets.io/v1",
                kinds: ES_STORES,
                since: "0.16.0",
                until: None,
            },
            Api {
                api_version: "external-secrets.io/v1beta1",
                kinds: ES_STORES,
                since: "0.7.1",
                until: Some("0.17.0"),
            },
            Api {
                api_version: "external-secrets.io/v1alpha1",
                kinds: &["ExternalSecret", "SecretStore", "ClusterSecretStore"],
                since: "0.7.1",
                until: Some("0.16.0"),
            },
            Api {
                api_version: "external-secrets.io/v1alpha1",
                kinds: &["PushSecret"],
                since: "0.7.1",
                until: None,
            },
            Api {
                api_version: "external-secrets.io/v1alpha1",
                kinds: &["ClusterPushSecret"],
                since: "0.15.0",
                until: None,
            },
        ],
        why_min: "first to serve `external-secrets.io/v1`",
        compat: Some("external-secrets.json"),
    },
    Entry {
        kind: OperatorKind::Reloader,
        key: "reloader",
        title: "Stakater Reloader",
        namespace: "reloader",
        repo_url: "https://stakater.github.io/stakater-charts",
        chart: "reloader",
        min: "1.0.0",
        below: "3.0.0",
        default: "2.2.15",
        releases: &[("2.2.15", "v1.4.20")],
        apis: &[],
        why_min: "the `reloader.reloadStrategy` value",
        compat: None,
    },
    Entry {
        kind: OperatorKind::RedisOperator,
        key: "redis-operator",
        title: "OT Redis Operator",
        namespace: "ot-operators",
        repo_url: "https://ot-container-kit.github.io/helm-charts",
        chart: "redis-operator",
        min: "0.19.0",
        below: "1.0.0",
        default: "0.26.1",
        releases: &[
            ("0.18.1", "0.18.0"),
            ("0.19.0", "0.19.0"),
            ("0.20.0", "0.20.0"),
            ("0.26.1", "0.26.0"),
        ],
        apis: &[
            Api {
                api_version: "redis.redis.opstreelabs.in/v1beta2",
                kinds: OT_KINDS,
                since: "0.15.4",
                until: None,
            },
            Api {
                api_version: "redis.redis.opstreelabs.in/v1beta1",
                kinds: &["Redis"],
                since: "0.4.0",
                until: Some("0.20.0"),
            },
            Api {
                api_version: "redis.redis.opstreelabs.in/v1beta1",
                kinds: &["RedisReplication", "RedisSentinel"],
                since: "0.14.3",
                until: Some("0.20.0"),
            },
        ],
        why_min: "first to create the `<name>-master` Service of a RedisReplication",
        compat: Some("redis-operator-chart-history.json"),
    },
    Entry {
        kind: OperatorKind::CloudnativePg,
        key: "cloudnative-pg",
        title: "CloudNativePG",
        namespace: "cnpg-system",
        repo_url: "https://cloudnative-pg.github.io/charts",
        chart: "cloudnative-pg",
        min: "0.20.0",
        below: "1.0.0",
        default: "0.29.0",
        releases: &[
            ("0.20.0", "1.22.0"),
            ("0.23.0", "1.25.0"),
            ("0.24.0", "1.26.0"),
            ("0.29.0", "1.30.0"),
        ],
        apis: &[
            Api {
                api_version: "postgresql.cnpg.io/v1",
                kinds: &["Backup", "Cluster", "Pooler", "ScheduledBackup"],
                since: "0.13.0",
                until: None,
            },
            Api {
                api_version: "postgresql.cnpg.io/v1",
                kinds: &["ImageCatalog", "ClusterImageCatalog"],
                since: "0.21.0",
                until: None,
            },
            Api {
                api_version: "postgresql.cnpg.io/v1",
                kinds: &["Database", "Publication", "Subscription"],
                since: "0.23.0",
                until: None,
            },
            Api {
                api_version: "postgresql.cnpg.io/v1",
                kinds: &["FailoverQuorum"],
                since: "0.26.0",
                until: None,
            },
            Api {
                api_version: "postgresql.cnpg.io/v1",
                kinds: &["DatabaseRole"],
                since: "0.29.0",
                until: None,
            },
        ],
        why_min:
            "operator 1.22; backups through the Barman Cloud plugin need `0.24.0` (operator 1.26)",
        compat: Some("cloudnative-pg-charts.json"),
    },
    Entry {
        kind: OperatorKind::BarmanCloud,
        key: "barman-cloud",
        title: "Barman Cloud plugin for CloudNativePG",
        // The plugin must run beside the operator it talks to.
        namespace: "cnpg-system",
        repo_url: "https://cloudnative-pg.github.io/charts",
        chart: "plugin-barman-cloud",
        min: "0.1.0",
        below: "1.0.0",
        default: "0.7.0",
        releases: &[("0.1.0", "v0.5.0"), ("0.7.0", "v0.13.0")],
        apis: &[Api {
            api_version: "barmancloud.cnpg.io/v1",
            kinds: &["ObjectStore"],
            since: "0.1.0",
            until: None,
        }],
        why_min: "first chart release; needs CloudNativePG 1.26 and cert-manager",
        compat: Some("plugin-barman-cloud-chart.json"),
    },
    Entry {
        kind: OperatorKind::IngressNginx,
        key: "ingress-nginx",
        title: "NGINX Ingress controller",
        namespace: "ingress-nginx",
        repo_url: "https://kubernetes.github.io/ingress-nginx",
        chart: "ingress-nginx",
        // Controller v1.12.1 (chart 4.12.1) fixes CVE-2025-1974 ("IngressNightmare",
        // unauthenticated RCE through the admission webhook); kubernetes/ingress-nginx#13070.
        min: "4.12.1",
        below: "5.0.0",
        default: "4.12.1",
        releases: &[],
        apis: &[],
        why_min: "fixes CVE-2025-1974 (controller 1.12.1); the project is retired upstream, install it only where an Ingress uses it",
        compat: None,
    },
    Entry {
        kind: OperatorKind::ExternalDns,
        key: "external-dns",
        title: "External-DNS",
        namespace: "external-dns",
        repo_url: "https://kubernetes-sigs.github.io/external-dns",
        chart: "external-dns",
        min: "1.15.0",
        below: "2.0.0",
        default: "1.21.1",
        releases: &[
            ("1.15.0", "0.15.0"),
            ("1.16.1", "0.16.1"),
            ("1.20.0", "0.20.0"),
            ("1.21.1", "0.21.0"),
        ],
        apis: &[Api {
            api_version: "externaldns.k8s.io/v1alpha1",
            kinds: &["DNSEndpoint"],
            since: "1.14.4",
            until: None,
        }],
        why_min: "ships the DNSEndpoint CRD and the `provider.name` value",
        compat: Some("external-dns-chart.json"),
    },
    Entry {
        kind: OperatorKind::TailscaleOperator,
        key: "tailscale-operator",
        title: "Tailscale Kubernetes operator",
        namespace: "tailscale",
        repo_url: "https://pkgs.tailscale.com/helmcharts",
        chart: "tailscale-operator",
        min: "1.60.0",
        below: "2.0.0",
        default: "1.78.3",
        releases: &[],
        apis: &[],
        why_min: "the `tailscale` IngressClass and `operatorConfig.hostname`",
        compat: None,
    },
];

pub fn entries() -> &'static [Entry] {
    ENTRIES
}

/// External-DNS charts from this version set the controller's prefix through the
/// `annotationPrefix` value (`--annotation-prefix`); older ones read only the
/// default prefix of their app version (`external-dns.alpha.kubernetes.io/`
/// before app 0.22).
pub const EXTERNAL_DNS_PREFIX_VALUE_SINCE: &str = "1.20.0";
/// CloudNativePG chart versions that ship operator 1.26, which the Barman Cloud
/// plugin requires.
pub const CNPG_BARMAN_PLUGIN_SINCE: &str = "0.24.0";
/// The OT operator creates `<name>-master`/`<name>-replica` Services for a
/// RedisReplication from app 0.19.0 (chart 0.19.0).
pub const OT_MASTER_SERVICE_SINCE: &str = "0.19.0";
