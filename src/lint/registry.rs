//! Every built-in rule, one line each. Ids are stable: a rule is never renumbered.

use super::rules::*;
use super::{Rule, RuleMeta, Severity};

pub static RULES: &[&dyn Rule] = &[
    &ss001_plaintext_secret_env::PlaintextSecretEnv,
    &ss002_secret_in_git::SecretInGit,
    &ss003_dangling_secret_ref::DanglingSecretRef,
    &ss004_redis_password_literal::RedisPasswordLiteral,
    &ss005_external_secrets_deprecated_api::ExternalSecretsDeprecatedApi,
    &ss006_api_not_served::ApiNotServed,
    &ss010_queue_redis_evicts::QueueRedisEvicts,
    &ss011_queue_redis_not_persistent::QueueRedisNotPersistent,
    &ss012_cache_redis_unbounded::CacheRedisUnbounded,
    &ss013_redis_config_not_persisted::RedisConfigNotPersisted,
    &ss014_redis_without_password::RedisWithoutPassword,
    &ss015_redis_tls_off::RedisTlsOff,
    &ss016_sentinel_missing_replication_password::SentinelMissingReplicationPassword,
    &ss017_redis_maxmemory_over_limit::RedisMaxmemoryOverLimit,
    &ss020_image_tag_mutable::ImageTagMutable,
    &ss021_single_replica_in_prd::SingleReplicaInPrd,
    &ss022_missing_probes::MissingProbes,
    &ss023_missing_resources::MissingResources,
    &ss024_secret_consumer_not_reloaded::SecretConsumerNotReloaded,
    &ss025_selector_matches_nothing::SelectorMatchesNothing,
    &ss026_appproject_missing::AppprojectMissing,
    &ss027_service_reference_dangling::ServiceReferenceDangling,
    &ss030_cloudflared_config_invalid::CloudflaredConfigInvalid,
    &ss031_cloudflared_no_tls_verify::CloudflaredNoTlsVerify,
    &ss032_cloudflared_dangling_service::CloudflaredDanglingService,
    &ss040_argocd_unpinned_revision::ArgocdUnpinnedRevision,
    &ss041_argocd_default_project::ArgocdDefaultProject,
    &ss042_argocd_missing_finalizer::ArgocdMissingFinalizer,
    &ss043_kustomize_deprecated_field::KustomizeDeprecatedField,
    &ss044_external_dns_legacy_prefix::ExternalDnsLegacyPrefix,
    &ss045_stateful_prune_unprotected::StatefulPruneUnprotected,
    &ss046_helm_values_wrong_shape::HelmValuesWrongShape,
    &ss047_tls_verification_off::TlsVerificationOff,
    &ss050_postgres_superuser_enabled::PostgresSuperuserEnabled,
    &ss051_postgres_no_backup::PostgresNoBackup,
    &ss060_argocd_destination_not_permitted::ArgocdDestinationNotPermitted,
    &ss061_sync_wave_deadlock::SyncWaveDeadlock,
    &ss062_image_user_not_numeric::ImageUserNotNumeric,
    &ss063_ot_redis_tls_without_init_config::OtRedisTlsWithoutInitConfig,
];

/// Findings the engine itself reports (about the input, not an object).
pub static INVALID_YAML: RuleMeta = RuleMeta {
    id: "SS900",
    name: "invalid-yaml",
    severity: Severity::Warning,
    summary: "file is not plain YAML: a syntax error, or a template skipped",
    help: "Templated files (Helm, Flux `${…}` in keys) cannot be linted; lint their rendered output instead.",
    doc: " ## What it flags\n A file that does not parse as plain YAML. A template (Helm or Go `{{ }}`, Jinja `{% %}`, Flux `${…}`) is skipped with a warning and the run goes on; any other file is a syntax error, reported as an error at its line (the gate fails closed).\n\n ## Why it matters\n Nothing in it is checked, and a syntax error fails at sync.\n\n ## Example (bad)\n ```yaml\n image: {{ .Values.image }}\n ```\n\n ## Use instead\n Lint the rendered output (`helm template … | shipshape lint -`), or exclude the folder.\n\n ## References\n - https://yaml.org/spec/1.2.2/\n",
    whole_set: false,
};

pub static SUPPRESSION_WITHOUT_REASON: RuleMeta = RuleMeta {
    id: "SS901",
    name: "suppression-without-reason",
    severity: Severity::Error,
    summary: "suppression without a reason, or naming an unknown rule",
    help: "Write the reason after the rule: `shipshape.dev/ignore: \"SS020: vendor image, pinned by digest upstream\"`.",
    doc: " ## What it flags\n A suppression (annotation, `# shipshape:ignore` comment or policy exemption) with no reason, or naming a rule that does not exist.\n\n ## Why it matters\n A silenced check with no reason is impossible to review or revisit.\n\n ## Example (bad)\n ```yaml\n shipshape.dev/ignore: SS020\n ```\n\n ## Use instead\n ```yaml\n shipshape.dev/ignore: \"SS020: upstream publishes only latest; mirrored nightly\"\n ```\n\n ## References\n - shipshape explain SS902\n",
    whole_set: false,
};

pub static UNUSED_SUPPRESSION: RuleMeta = RuleMeta {
    id: "SS902",
    name: "unused-suppression",
    severity: Severity::Warning,
    summary: "suppression that matches no finding",
    help: "Remove the suppression: the finding it silenced is gone.",
    doc: " ## What it flags\n A suppression that silenced nothing in this run.\n\n ## Why it matters\n Stale suppressions hide the next real finding of that rule on the same object.\n\n ## Example (bad)\n ```yaml\n # shipshape:ignore SS022 probes come later\n ```\n (on an object that has probes now)\n\n ## Use instead\n Delete the suppression.\n\n ## References\n - shipshape explain SS901\n",
    whole_set: false,
};

/// Drift of the committed render, reported like a finding.
pub static DRIFT: RuleMeta = RuleMeta {
    id: "SS903",
    name: "rendered-output-drift",
    severity: Severity::Error,
    summary: "committed output differs from the specs",
    help: "Run `shipshape render --all` and commit the result.",
    doc: " ## What it flags\n A file in the output folder that differs from what the specs render, is missing, or is no longer rendered.\n\n ## Why it matters\n ArgoCD deploys the committed files, not the specs: the cluster does not get what the spec says.\n\n ## Example (bad)\n A spec edit committed without the re-rendered output.\n\n ## Use instead\n `shipshape render --all`, then commit both.\n\n ## References\n - shipshape render --help\n",
    whole_set: false,
};

pub static META_RULES: &[&RuleMeta] = &[
    &INVALID_YAML,
    &SUPPRESSION_WITHOUT_REASON,
    &UNUSED_SUPPRESSION,
    &DRIFT,
];

/// Every rule, built-in and engine-reported.
pub fn all_metas() -> Vec<&'static RuleMeta> {
    RULES
        .iter()
        .map(|r| r.meta())
        .chain(META_RULES.iter().copied())
        .collect()
}

/// The doc text of a rule as `explain` prints it (doc-comment indentation removed).
pub fn doc_text(meta: &RuleMeta) -> String {
    let mut s = String::new();
    for line in meta.doc.lines() {
        s.push_str(line.strip_prefix(' ').unwrap_or(line));
        s.push('\n');
    }
    s
}

/// Whether a rule needs the whole set, as `explain` and RULES.md say it
/// (an empty line for the others).
pub fn whole_set_note(meta: &RuleMeta) -> &'static str {
    if meta.whole_set {
        "Needs the whole set: runs under `check` and `lint --complete`; a plain `lint` names it as not run.\n"
    } else {
        ""
    }
}

/// `policies/RULES.md`: every rule's documentation, generated from the registry.
pub fn rules_markdown() -> String {
    let mut s = String::from("<!-- Generated from src/lint/rules/ by the test suite (UPDATE_GENERATED=1 cargo test). Do not edit. -->\n# shipshape rules\n\n| id | name | default | summary |\n| --- | --- | --- | --- |\n");
    let metas = all_metas();
    for m in &metas {
        s.push_str(&format!(
            "| {} | `{}` | {} | {} |\n",
            m.id,
            m.name,
            m.severity.as_str(),
            m.summary
        ));
    }
    for m in &metas {
        s.push_str(&format!("\n## {} `{}`\n\n", m.id, m.name));
        if m.whole_set {
            s.push_str(whole_set_note(m));
            s.push('\n');
        }
        for line in doc_text(m).lines() {
            // Rule docs use `##` headings; nest them under the rule's heading.
            if let Some(h) = line.strip_prefix("## ") {
                s.push_str(&format!("### {h}\n"));
            } else {
                s.push_str(line);
                s.push('\n');
            }
        }
    }
    s.push('\n');
    s.push_str(&crate::codes::markdown());
    s
}
