//! Built-in rules, one per file. A rule's doc comment is its `explain` text and
//! uses the headings What it flags / Why it matters / Example (bad) / Use
//! instead / References. Helpers more than one rule needs live here.

pub mod cluster;
pub mod redis;

macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub struct $name:ident {
            id: $id:literal,
            name: $rname:literal,
            severity: $sev:ident,
            summary: $summary:literal,
            help: $help:literal
            $(, whole_set: $ws:literal)? $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        pub struct $name;

        pub static META: $crate::lint::RuleMeta = $crate::lint::RuleMeta {
            id: $id,
            name: $rname,
            severity: $crate::lint::Severity::$sev,
            summary: $summary,
            help: $help,
            doc: concat!($($doc, "\n"),*),
            whole_set: false $(|| $ws)?,
        };

        impl $crate::lint::Declared for $name {
            fn meta(&self) -> &'static $crate::lint::RuleMeta {
                &META
            }
        }
    };
}

/// The one list of rules: each line declares the rule's module and registers
/// it, in id order. Ids are stable: a rule is never renumbered.
macro_rules! rules {
    ($($module:ident :: $rule:ident,)*) => {
        $(pub mod $module;)*

        /// Every built-in rule that checks objects.
        pub static RULES: &[&dyn super::Rule] = &[$(&$module::$rule),*];
    };
}

rules! {
    ss001_plaintext_secret_env::PlaintextSecretEnv,
    ss002_secret_in_git::SecretInGit,
    ss003_dangling_secret_ref::DanglingSecretRef,
    ss004_redis_password_literal::RedisPasswordLiteral,
    ss005_external_secrets_deprecated_api::ExternalSecretsDeprecatedApi,
    ss006_api_not_served::ApiNotServed,
    ss007_schema_invalid::SchemaInvalid,
    ss010_queue_redis_evicts::QueueRedisEvicts,
    ss011_queue_redis_not_persistent::QueueRedisNotPersistent,
    ss012_cache_redis_unbounded::CacheRedisUnbounded,
    ss013_redis_config_not_persisted::RedisConfigNotPersisted,
    ss014_redis_without_password::RedisWithoutPassword,
    ss015_redis_tls_off::RedisTlsOff,
    ss016_sentinel_missing_replication_password::SentinelMissingReplicationPassword,
    ss017_redis_maxmemory_over_limit::RedisMaxmemoryOverLimit,
    ss020_image_tag_mutable::ImageTagMutable,
    ss021_single_replica_in_prd::SingleReplicaInPrd,
    ss022_missing_probes::MissingProbes,
    ss023_missing_resources::MissingResources,
    ss024_secret_consumer_not_reloaded::SecretConsumerNotReloaded,
    ss025_selector_matches_nothing::SelectorMatchesNothing,
    ss026_appproject_missing::AppprojectMissing,
    ss027_service_reference_dangling::ServiceReferenceDangling,
    ss030_cloudflared_config_invalid::CloudflaredConfigInvalid,
    ss031_cloudflared_no_tls_verify::CloudflaredNoTlsVerify,
    ss032_cloudflared_dangling_service::CloudflaredDanglingService,
    ss040_argocd_unpinned_revision::ArgocdUnpinnedRevision,
    ss041_argocd_default_project::ArgocdDefaultProject,
    ss042_argocd_missing_finalizer::ArgocdMissingFinalizer,
    ss043_kustomize_deprecated_field::KustomizeDeprecatedField,
    ss044_external_dns_legacy_prefix::ExternalDnsLegacyPrefix,
    ss045_stateful_prune_unprotected::StatefulPruneUnprotected,
    ss046_helm_values_wrong_shape::HelmValuesWrongShape,
    ss047_tls_verification_off::TlsVerificationOff,
    ss050_postgres_superuser_enabled::PostgresSuperuserEnabled,
    ss051_postgres_no_backup::PostgresNoBackup,
    ss060_argocd_destination_not_permitted::ArgocdDestinationNotPermitted,
    ss061_sync_wave_deadlock::SyncWaveDeadlock,
    ss062_image_user_not_numeric::ImageUserNotNumeric,
    ss063_ot_redis_tls_without_init_config::OtRedisTlsWithoutInitConfig,
    ss064_pod_security_violation::PodSecurityViolation,
}

// Engine-reported rules (about the input, not an object): documented here
// like every other rule, reported by the engine.
pub mod ss900_invalid_yaml;
pub mod ss901_suppression_without_reason;
pub mod ss902_unused_suppression;
pub mod ss903_rendered_output_drift;
pub mod ss904_suppression_expired;
pub mod ss905_admission_policy_not_evaluated;

use super::{Obj, Seg};
use crate::yaml::Node;

/// Environment variable names that hold credentials.
pub fn secret_like_name(name: &str) -> bool {
    crate::model::looks_secret(name)
}

/// A value that points at a secret rather than holding one: `$(VAR)` /
/// `${VAR}` / `$VAR` (Kubernetes and shell expansion, anywhere in the value),
/// `{VAR}` substitution (Frigate, Home Assistant), templates, SOPS `ENC[…]`,
/// secret-manager URIs (`op://`, `env://`, `vault:`, `ref+…`, `<path:…>`,
/// `doppler://`), and a YAML tag's target (`!secret db_password`).
pub fn is_reference(value: &str) -> bool {
    let v = value.trim();
    let braced = v.starts_with('{') && v.ends_with('}') && !v.contains(char::is_whitespace);
    v.is_empty()
        || v.starts_with('$')
        || v.contains("$(")
        || v.contains("${")
        || v.starts_with("ENC[")
        || v.contains("{{")
        || braced
        || v.starts_with('!')
        || v.starts_with("<path:")
        || [
            "op://",
            "env://",
            "vault:",
            "ref+",
            "doppler://",
            "secret://",
            "awssm://",
        ]
        .iter()
        .any(|p| v.starts_with(p))
}

/// Secrets a pod spec reads: (secret name, key if any, path of the reference).
pub fn secret_refs(obj: &Obj) -> Vec<(String, Option<String>, Vec<Seg>)> {
    let mut out = Vec::new();
    for c in obj.containers() {
        for (i, e) in c.env() {
            if let Some(r) = e.pointer(["valueFrom", "secretKeyRef"]) {
                if r.get("optional").and_then(Node::as_bool) == Some(true) {
                    continue;
                }
                if let Some(name) = r.get("name").and_then(Node::as_str) {
                    let key = r.get("key").and_then(Node::as_str).map(str::to_string);
                    out.push((
                        name.to_string(),
                        key,
                        c.at(&[
                            super::object::k("env"),
                            Seg::Index(i),
                            super::object::k("valueFrom"),
                            super::object::k("secretKeyRef"),
                            super::object::k("name"),
                        ]),
                    ));
                }
            }
        }
        for (i, e) in c
            .node
            .get("envFrom")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            if let Some(r) = e.get("secretRef") {
                if r.get("optional").and_then(Node::as_bool) == Some(true) {
                    continue;
                }
                if let Some(name) = r.get("name").and_then(Node::as_str) {
                    out.push((
                        name.to_string(),
                        None,
                        c.at(&[
                            super::object::k("envFrom"),
                            Seg::Index(i),
                            super::object::k("secretRef"),
                            super::object::k("name"),
                        ]),
                    ));
                }
            }
        }
    }
    if let Some((base, spec)) = obj.pod_spec() {
        for (i, v) in spec
            .get("volumes")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let Some(s) = v.get("secret") else { continue };
            if s.get("optional").and_then(Node::as_bool) == Some(true) {
                continue;
            }
            let Some(name) = s.get("secretName").and_then(Node::as_str) else {
                continue;
            };
            let mut p = base.clone();
            p.extend([
                super::object::k("volumes"),
                Seg::Index(i),
                super::object::k("secret"),
                super::object::k("secretName"),
            ]);
            let keys: Vec<&str> = s
                .get("items")
                .and_then(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .filter_map(|it| it.get("key").and_then(Node::as_str))
                .collect();
            if keys.is_empty() {
                out.push((name.to_string(), None, p));
            } else {
                for key in keys {
                    out.push((name.to_string(), Some(key.to_string()), p.clone()));
                }
            }
        }
    }
    out
}

/// Secrets that operators' custom resources read: (secret name, key, path).
/// A store's own credentials (ClusterSecretStore auth) are left out: they
/// bootstrap the secret system and are created by hand.
pub fn custom_resource_secret_refs(obj: &Obj) -> Vec<(String, Option<String>, Vec<Seg>)> {
    use crate::catalog::operators::{CNPG_GROUP, OT_GROUP};
    // (group, kind, path to the name, sibling key field)
    const REFS: &[(&str, &str, &str, Option<&str>)] = &[
        (
            OT_GROUP,
            "*",
            "spec.kubernetesConfig.redisSecret.name",
            Some("key"),
        ),
        (OT_GROUP, "*", "spec.TLS.secret.secretName", None),
        (
            OT_GROUP,
            "RedisSentinel",
            "spec.redisSentinelConfig.redisReplicationPassword.secretKeyRef.name",
            Some("key"),
        ),
        (
            CNPG_GROUP,
            "Cluster",
            "spec.bootstrap.initdb.secret.name",
            None,
        ),
        (CNPG_GROUP, "Cluster", "spec.superuserSecret.name", None),
        (
            "barmancloud.cnpg.io",
            "ObjectStore",
            "spec.configuration.s3Credentials.accessKeyId.name",
            Some("key"),
        ),
        (
            "barmancloud.cnpg.io",
            "ObjectStore",
            "spec.configuration.s3Credentials.secretAccessKey.name",
            Some("key"),
        ),
    ];
    let mut out = Vec::new();
    for (group, kind, path, key_field) in REFS {
        if !obj.api_version.starts_with(group) || (*kind != "*" && obj.kind != *kind) {
            continue;
        }
        let Some(name) = obj.get(path).and_then(Node::as_str) else {
            continue;
        };
        let parent = path.rsplit_once('.').map_or("", |(p, _)| p);
        let key = key_field
            .and_then(|f| obj.get(&format!("{parent}.{f}")))
            .and_then(Node::as_str)
            .map(str::to_string);
        out.push((name.to_string(), key, super::path(path)));
    }
    if obj.api_version.starts_with(CNPG_GROUP) && obj.kind == "Cluster" {
        for (i, role) in obj
            .get("spec.managed.roles")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            if let Some(name) = role
                .pointer(["passwordSecret", "name"])
                .and_then(Node::as_str)
            {
                out.push((
                    name.to_string(),
                    None,
                    super::path(&format!("spec.managed.roles[{i}].passwordSecret.name")),
                ));
            }
        }
    }
    out
}

/// Secrets the set produces, by namespace and name: `None` keys means any key.
pub struct Produced {
    pub namespace: Option<String>,
    pub dir: String,
    pub name: String,
    pub keys: Option<Vec<String>>,
    pub by_external_secret: bool,
}

/// The Secrets a set produces, by name.
#[derive(Default)]
pub struct ProducedSecrets(std::collections::BTreeMap<String, Vec<Produced>>);

impl ProducedSecrets {
    /// No Secrets: what a check sees before the set is known.
    pub fn none() -> &'static Self {
        static NONE: ProducedSecrets = ProducedSecrets(std::collections::BTreeMap::new());
        &NONE
    }
    /// The producers of Secrets named `name` (in any namespace).
    pub fn named(&self, name: &str) -> &[Produced] {
        self.0.get(name).map_or(&[], Vec::as_slice)
    }
    fn push(&mut self, p: Produced) {
        self.0.entry(p.name.clone()).or_default().push(p);
    }
    /// Appends what later objects produce (call in input order): names both
    /// hold keep this side's producers first. One pass over this side, then
    /// one merge of the two sorted maps.
    pub fn merge(&mut self, mut other: ProducedSecrets) {
        for (name, ps) in &mut self.0 {
            if let Some(more) = other.0.remove(name) {
                ps.extend(more);
            }
        }
        self.0.append(&mut other.0);
    }

    /// Adds what [`produced`] found.
    pub fn extend(&mut self, made: Vec<Produced>) {
        for p in made {
            self.push(p);
        }
    }
}

/// The Secrets one object produces (computed once per object: the engine
/// hands them to the index of produced Secrets and to the sync model).
pub fn produced(o: &Obj) -> Vec<Produced> {
    let mut out = Vec::new();
    let ns = o.namespace.map(str::to_string);
    if o.kind == "Secret" && o.api_version == "v1" {
        let mut keys: Vec<String> = Vec::new();
        for k in ["data", "stringData"] {
            for (key, _) in o.get(k).and_then(Node::as_map).unwrap_or_default() {
                keys.extend(key.scalar_text());
            }
        }
        out.push(Produced {
            namespace: ns,
            dir: o.doc.dir.clone(),
            name: o.name.unwrap_or("").to_string(),
            keys: Some(keys),
            by_external_secret: false,
        });
    } else if o.api_version.starts_with("external-secrets.io/") && o.kind == "ExternalSecret" {
        let name = o
            .get("spec.target.name")
            .and_then(Node::as_str)
            .or(o.name)
            .unwrap_or("")
            .to_string();
        let template_keys: Option<Vec<String>> = o
            .get("spec.target.template.data")
            .and_then(Node::as_map)
            .map(|m| m.iter().filter_map(|(k, _)| k.scalar_text()).collect());
        let data_keys: Vec<String> = o
            .get("spec.data")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|d| {
                d.get("secretKey")
                    .and_then(Node::as_str)
                    .map(str::to_string)
            })
            .collect();
        let any = o.get("spec.dataFrom").is_some()
            || o.get("spec.target.template.templateFrom").is_some();
        let keys = if any {
            None
        } else {
            Some(template_keys.unwrap_or(data_keys))
        };
        out.push(Produced {
            namespace: ns,
            dir: o.doc.dir.clone(),
            name,
            keys,
            by_external_secret: true,
        });
    } else {
        for secret in produced_by_other(o) {
            out.push(Produced {
                namespace: ns.clone(),
                dir: o.doc.dir.clone(),
                name: secret,
                keys: None,
                by_external_secret: false,
            });
        }
    }
    out
}

/// Secrets other controllers write (cert-manager, Sealed Secrets, CloudNativePG).
fn produced_by_other(o: &Obj) -> Vec<String> {
    let name = o.name.unwrap_or("");
    match o.kind {
        "Certificate" if o.api_version.starts_with("cert-manager.io/") => o
            .get("spec.secretName")
            .and_then(Node::as_str)
            .map(str::to_string)
            .into_iter()
            .collect(),
        "SealedSecret" => vec![name.to_string()],
        "Cluster" if o.api_version.starts_with("postgresql.cnpg.io/") => {
            ["app", "superuser", "ca", "server", "replication"]
                .iter()
                .map(|s| format!("{name}-{s}"))
                .collect()
        }
        _ => Vec::new(),
    }
}

/// Whether two objects can refer to each other: the same namespace when both
/// state one; otherwise the same folder (unrelated examples in one repository
/// do not pair up).
pub fn related(a_ns: Option<&str>, a_dir: &str, b_ns: Option<&str>, b_dir: &str) -> bool {
    match (a_ns, b_ns) {
        (Some(x), Some(y)) => x == y,
        _ => a_dir == b_dir,
    }
}

/// A cloudflared config in the set: a stand-alone `config.yaml`, or one
/// embedded in a ConfigMap (as shipshape ships it to the cluster).
pub struct CloudflaredConfig<'o, 'a> {
    pub obj: &'o Obj<'a>,
    pub root: crate::yaml::Node,
    /// Path to the ConfigMap data key holding the config, when embedded.
    pub embedded: Option<Vec<Seg>>,
}

impl CloudflaredConfig<'_, '_> {
    /// A finding at a node of the config.
    pub fn finding(
        &self,
        rule: &'static super::RuleMeta,
        span: crate::yaml::Span,
        message: String,
    ) -> super::Finding {
        let mut f = super::Finding::new(
            rule,
            self.obj,
            self.embedded.clone().unwrap_or_default(),
            message,
        );
        match &self.embedded {
            Some(_) => f.inner = Some((span.start.line, span.start.col)),
            None => f.span = Some(span),
        }
        f
    }
}

pub fn cloudflared_configs<'o, 'a>(obj: &'o Obj<'a>) -> Vec<CloudflaredConfig<'o, 'a>> {
    if obj.is_cloudflared_config() {
        return vec![CloudflaredConfig {
            obj,
            root: obj.node().clone(),
            embedded: None,
        }];
    }
    if obj.kind != "ConfigMap" {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (key, value) in obj.get("data").and_then(Node::as_map).unwrap_or_default() {
        let name = key.scalar_text().unwrap_or_default();
        let Some(text) = value.as_str() else { continue };
        if !(name.ends_with(".yaml") || name.ends_with(".yml")) || !text.contains("ingress") {
            continue;
        }
        // A Helm or Flux template is not a config yet: nothing to validate.
        if text.contains("{{") || text.contains("${") {
            continue;
        }
        let Ok(root) = crate::yaml::parse_single(text, obj.doc.file) else {
            continue;
        };
        let is_config = root.get("ingress").is_some_and(|i| i.as_seq().is_some())
            && (root.get("tunnel").is_some() || root.get("credentials-file").is_some());
        if is_config {
            out.push(CloudflaredConfig {
                obj,
                root,
                embedded: Some(vec![Seg::Key("data".into()), Seg::Key(name)]),
            });
        }
    }
    out
}
