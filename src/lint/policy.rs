//! Policy files (`policies/*.yaml`, named in `shipshape.yaml`): rule selection
//! and severity per environment, exemptions with reasons, and custom rules
//! written as CEL expressions (Kubernetes dialect: `object`, `has()`, macros,
//! string functions). Every CEL program is compiled once, at load; a broken one
//! is a bad-input error at its file:line:col.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

use super::cel::{
    cel_error_text, cel_type, cel_within_limits, to_cel, unknown_functions, CEL_FUNCTIONS,
};
use super::{known_rule, Diagnostic, Finding, Location, Obj, RuleMeta, Severity};
use crate::problem::{At, Problem, Problems};
use crate::source::Sources;
use crate::yaml::{self, Span, Spanned};

/// A rule's severity, or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
enum RawSetting {
    Off,
    Info,
    Warning,
    Error,
}

/// `envs:` keys that name every production (or every other) environment.
pub const ENV_GROUPS: &[&str] = &["production", "non-production"];

/// A shipshape policy file: rule severities, per-environment overrides,
/// exemptions with reasons, and custom rules in CEL.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "shipshape policy file")]
struct RawPolicy {
    /// Severity of a rule (by id or name) everywhere: off, info, warning or error.
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, Spanned<RawSetting>>,
    /// Severities per environment: an environment of the project, or
    /// `production` / `non-production` (by the env spec's `production` flag).
    #[serde(default)]
    envs: BTreeMap<Spanned<String>, BTreeMap<Spanned<String>, Spanned<RawSetting>>>,
    /// Rules silenced on matching objects, each with a reason.
    #[serde(default)]
    exemptions: Vec<RawExemption>,
    /// Custom rules written in CEL.
    #[serde(default)]
    custom: Vec<RawCustom>,
    /// The Pod Security level (`privileged`, `baseline`, `restricted`) of
    /// namespaces the set gives no `pod-security.kubernetes.io/enforce`
    /// label: what your cluster's admission configuration defaults to.
    /// Unset, such namespaces are not checked (Kubernetes' default is
    /// `privileged`).
    #[serde(rename = "podSecurity")]
    pod_security: Option<super::pod_security::Level>,
}

/// Silences one rule on the objects that match every field given.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawExemption {
    /// Rule id or name, e.g. `SS020`.
    rule: Spanned<String>,
    /// Object kind, e.g. `Deployment`.
    kind: Option<String>,
    /// Object name.
    name: Option<String>,
    /// Object namespace.
    namespace: Option<String>,
    /// Environment.
    env: Option<String>,
    /// Why the finding is acceptable (required).
    reason: Option<Spanned<String>>,
    /// The last day the exemption holds (YYYY-MM-DD); from the next day it
    /// silences nothing and is a finding (SS904).
    until: Option<String>,
    /// Who looks at it again then.
    owner: Option<String>,
}

/// A custom rule: a CEL expression over `object` that must hold.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawCustom {
    /// Stable id, e.g. `ORG001`.
    id: Spanned<String>,
    /// kebab-case name of the bad pattern.
    name: Spanned<String>,
    /// Default severity (default: error).
    severity: Option<Severity>,
    /// Which objects the rule applies to.
    #[serde(rename = "match", default)]
    matches: RawMatch,
    /// CEL expression that is true for a good object.
    expr: Spanned<String>,
    /// Message of a finding.
    message: String,
    /// How to fix it.
    help: Option<String>,
    /// How long one evaluation on one object may run, in milliseconds: at
    /// most (and by default) 10000. A rule that overruns stops the run.
    timeout_ms: Option<Spanned<u64>>,
}

/// Objects a custom rule applies to; every field given must match.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawMatch {
    api_version: Option<String>,
    kind: Option<String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    env: Vec<String>,
}

/// The JSON Schema of policy files (`shipshape schema` writes it).
pub fn schema() -> serde_json::Value {
    crate::spec::schema::generate::<RawPolicy>()
}

/// A policy exemption: silences a rule on the objects it matches.
#[derive(Debug, Clone)]
pub struct Exemption {
    pub rule: Option<&'static RuleMeta>,
    pub rule_text: String,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub env: Option<String>,
    pub reason: Option<String>,
    pub until: Option<String>,
    pub owner: Option<String>,
    pub span: Span,
}

/// A custom rule from a policy file.
pub struct CustomRule {
    pub meta: &'static RuleMeta,
    api_version: Option<String>,
    kind: Option<String>,
    labels: BTreeMap<String, String>,
    envs: Vec<String>,
    program: cel::Program,
    env: Arc<cel::Env>,
    expr_span: Span,
    /// The evaluation budget per object, in milliseconds.
    timeout_ms: u64,
}

/// The loaded profile. The default selects every rule at its default severity.
#[derive(Default)]
pub struct Policy {
    rules: BTreeMap<&'static str, Option<Severity>>,
    envs: BTreeMap<String, BTreeMap<&'static str, Option<Severity>>>,
    pub exemptions: Vec<Exemption>,
    pub custom: Vec<CustomRule>,
    /// The Pod Security level of namespaces without a label (`podSecurity`).
    pub pod_security: Option<super::pod_security::Level>,
}

fn setting(s: RawSetting) -> Option<Severity> {
    match s {
        RawSetting::Off => None,
        RawSetting::Info => Some(Severity::Info),
        RawSetting::Warning => Some(Severity::Warning),
        RawSetting::Error => Some(Severity::Error),
    }
}

fn rule_settings(
    raw: &BTreeMap<Spanned<String>, Spanned<RawSetting>>,
    problems: &mut Problems,
) -> BTreeMap<&'static str, Option<Severity>> {
    let mut out = BTreeMap::new();
    for (k, v) in raw {
        match known_rule(k) {
            Some(m) => {
                out.insert(m.id, setting(v.value));
            }
            None => problems.push(
                Problem::at_span(
                    "policy::unknown-rule",
                    format!("no rule is called `{}`", k.value),
                    k.span,
                )
                .with_help("`shipshape rules` lists every rule id and name"),
            ),
        }
    }
    out
}

/// The CEL environment of custom rules: the standard library and the
/// string functions.
fn cel_env(problems: &mut Problems) -> Arc<cel::Env> {
    let mut cel_env = cel::Env::stdlib();
    if let Err(e) = cel_env.add_extension(cel::extensions::strings) {
        problems.push(Problem::new(
            "policy::cel",
            format!("CEL string functions unavailable: {e:?}"),
            At::Nowhere,
        ));
    }
    Arc::new(cel_env)
}

/// A policy file read, parsed and typed; each problem said at its place.
fn read_policy_file(
    PolicyFile { name, path, within }: &PolicyFile,
    sources: &mut Sources,
    problems: &mut Problems,
) -> Option<RawPolicy> {
    let read = match within {
        Some(root) => crate::source::read_text_within(path, root),
        None => crate::source::read_text(path),
    };
    let text = match read {
        Ok(t) => t,
        Err(e) => {
            problems.push(Problem::new(
                "policy::unreadable",
                format!("cannot read policy file `{name}`: {e}"),
                At::Nowhere,
            ));
            return None;
        }
    };
    let file = sources.add(name.clone(), path, text);
    let node = match yaml::parse_single(&sources.text(file), file) {
        Ok(n) => n,
        Err(e) => {
            problems.push(Problem::at_span(
                "policy::yaml",
                format!("invalid YAML: {}", e.message),
                e.span,
            ));
            return None;
        }
    };
    let raw: RawPolicy = match yaml::from_node(&node) {
        Ok(r) => r,
        Err(e) => {
            // Only now is the schema compiled: every problem of the file at once.
            let found = crate::spec::schema::check(&node, crate::spec::schema::Kind::Policy);
            if found.is_empty() {
                problems.push(Problem::new(
                    "policy::invalid",
                    e.message,
                    e.span.map_or(At::File(file), At::Span),
                ));
            } else {
                problems.extend(found);
            }
            return None;
        }
    };
    Some(raw)
}

impl Policy {
    /// Loads and merges policy files (later files win).
    /// Reads policy files. `known_envs`, when the project is known, lists the
    /// environments an `envs:` key may name besides `production` and
    /// `non-production`.
    pub fn load(
        files: &[PolicyFile],
        sources: &mut Sources,
        known_envs: Option<&[String]>,
    ) -> Result<Policy, Problems> {
        let mut policy = Policy::default();
        let mut problems = Problems::default();
        let cel_env = cel_env(&mut problems);
        for file in files {
            let Some(raw) = read_policy_file(file, sources, &mut problems) else {
                continue;
            };
            policy
                .rules
                .extend(rule_settings(&raw.rules, &mut problems));
            policy.add_env_settings(&raw.envs, known_envs, &mut problems);
            // A later file's default wins, like its severities.
            policy.pod_security = raw.pod_security.or(policy.pod_security);
            for e in raw.exemptions {
                policy.exemptions.push(Exemption {
                    rule: known_rule(&e.rule),
                    rule_text: e.rule.value.clone(),
                    kind: e.kind,
                    name: e.name,
                    namespace: e.namespace,
                    env: e.env,
                    reason: e.reason.map(|r| r.value).filter(|r| !r.trim().is_empty()),
                    until: e.until,
                    owner: e.owner,
                    span: e.rule.span,
                });
            }
            for c in raw.custom {
                if let Some(rule) = policy.compile_custom(c, &file.name, &cel_env, &mut problems) {
                    policy.custom.push(rule);
                }
            }
        }
        // An exemption of a rule that does not exist exempts nothing: bad
        // input, like a severity for one (custom rules of any file count).
        for e in policy.exemptions.iter().filter(|e| e.rule.is_none()) {
            let custom = policy.custom.iter().any(|c| {
                c.meta.id.eq_ignore_ascii_case(&e.rule_text) || c.meta.name == e.rule_text
            });
            if !custom {
                problems.push(
                    Problem::at_span(
                        "policy::unknown-rule",
                        format!("the exemption names `{}`, which is not a rule", e.rule_text),
                        e.span,
                    )
                    .with_help("`shipshape rules` lists every rule id and name"),
                );
            }
        }
        problems.into_result(policy)
    }

    /// Severities per environment: an environment the project has, or a
    /// group (`production`, `non-production`).
    fn add_env_settings(
        &mut self,
        envs: &BTreeMap<Spanned<String>, BTreeMap<Spanned<String>, Spanned<RawSetting>>>,
        known_envs: Option<&[String]>,
        problems: &mut Problems,
    ) {
        for (env, settings) in envs {
            if let Some(known) = known_envs {
                if !ENV_GROUPS.contains(&env.as_str()) && !known.contains(&env.value) {
                    let names = known
                        .iter()
                        .map(String::as_str)
                        .chain(ENV_GROUPS.iter().copied());
                    let help = match crate::problem::did_you_mean(env, names) {
                        Some(m) => format!("did you mean `{m}`?"),
                        None => format!(
                            "use an environment of the project ({}) or `production` / `non-production`",
                            known.join(", ")
                        ),
                    };
                    problems.push(
                        Problem::at_span(
                            "policy::unknown-env",
                            format!("`{}` is not an environment of this project", env.value),
                            env.span,
                        )
                        .with_help(help),
                    );
                    continue;
                }
            }
            let s = rule_settings(settings, problems);
            self.envs.entry(env.value.clone()).or_default().extend(s);
        }
    }

    /// A custom rule compiled, or the problems that stop it (a name taken,
    /// a budget raised, an expression too large or that does not compile).
    fn compile_custom(
        &self,
        c: RawCustom,
        name: &str,
        cel_env: &Arc<cel::Env>,
        problems: &mut Problems,
    ) -> Option<CustomRule> {
        if let Some(existing) = known_rule(&c.id).or_else(|| known_rule(&c.name)) {
            problems.push(Problem::at_span(
                "policy::duplicate-rule",
                format!(
                    "`{}` is already the id or name of {}",
                    c.id.value, existing.id
                ),
                c.id.span,
            ));
            return None;
        }
        let custom_dup = self.custom.iter().find(|r| {
            [r.meta.id, r.meta.name].contains(&c.id.as_str())
                || [r.meta.id, r.meta.name].contains(&c.name.as_str())
        });
        if let Some(other) = custom_dup {
            problems.push(
                Problem::at_span(
                    "policy::duplicate-rule",
                    format!(
                        "`{}` is already the id or name of custom rule {}",
                        c.id.value, other.meta.id
                    ),
                    c.id.span,
                )
                .with_help("give every custom rule its own id and name"),
            );
            return None;
        }
        let timeout = super::watchdog::BUDGET.as_millis();
        let timeout_ms = match &c.timeout_ms {
            Some(t) if t.value == 0 || u128::from(t.value) > timeout => {
                problems.push(
                    Problem::at_span(
                        "policy::cel-budget",
                        format!("`timeoutMs: {}` is outside 1..={timeout}", t.value),
                        t.span,
                    )
                    .with_help("a custom rule may lower its evaluation budget, not raise it"),
                );
                return None;
            }
            Some(t) => t.value,
            None => u64::try_from(timeout).unwrap_or(u64::MAX),
        };
        if let Err(why) = cel_within_limits(&c.expr) {
            problems.push(
                Problem::at_span(
                    "policy::cel",
                    format!("CEL expression of `{}` {why}", c.id.value),
                    c.expr.span,
                )
                .with_help("split the check into several rules"),
            );
            return None;
        }
        let program = match cel_env.compile(&c.expr) {
            Ok(p) if unknown_functions(&p).is_empty() => p,
            Ok(p) => {
                problems.push(
                    Problem::at_span(
                        "policy::cel",
                        format!(
                            "CEL expression of `{}` calls unknown functions: {}",
                            c.id.value,
                            unknown_functions(&p).join(", ")
                        ),
                        c.expr.span,
                    )
                    .with_help(format!("available: {}", CEL_FUNCTIONS.join(", "))),
                );
                return None;
            }
            Err(e) => {
                let detail = e.to_string().lines().next().unwrap_or("").to_string();
                problems.push(
                    Problem::at_span(
                        "policy::cel",
                        format!(
                            "CEL expression of `{}` does not compile: {detail}",
                            c.id.value
                        ),
                        c.expr.span,
                    )
                    .with_help("see https://kubernetes.io/docs/reference/using-api/cel/"),
                );
                return None;
            }
        };
        let meta: &'static RuleMeta = Box::leak(Box::new(RuleMeta {
            id: Box::leak(c.id.value.clone().into_boxed_str()),
            name: Box::leak(c.name.value.clone().into_boxed_str()),
            severity: c.severity.unwrap_or(Severity::Warning),
            summary: Box::leak(c.message.clone().into_boxed_str()),
            help: Box::leak(
                c.help
                    .clone()
                    .unwrap_or_else(|| c.message.clone())
                    .into_boxed_str(),
            ),
            doc: Box::leak(
                format!(
                    " ## What it flags\n {}\n\n Custom rule from `{name}`:\n ```\n {}\n ```\n",
                    c.message, c.expr.value
                )
                .into_boxed_str(),
            ),
            whole_set: false,
        }));
        Some(CustomRule {
            meta,
            api_version: c.matches.api_version,
            kind: c.matches.kind,
            labels: c.matches.labels,
            envs: c.matches.env,
            program,
            env: cel_env.clone(),
            expr_span: c.expr.span,
            timeout_ms,
        })
    }

    /// Only one built-in rule on (for a rule's own fixtures).
    pub fn only(id: &str) -> Policy {
        let mut p = Policy::default();
        for r in super::registry::RULES {
            if r.meta().id != id {
                p.rules.insert(r.meta().id, None);
            }
        }
        p
    }

    /// Keeps only the named rules (ids or names; `--select`); every other
    /// built-in rule and every custom rule is off. An unknown name is an error.
    pub fn select(&mut self, wanted: &[String]) -> Result<(), Problem> {
        let mut keep = Vec::new();
        for w in wanted.iter().map(|w| w.trim()).filter(|w| !w.is_empty()) {
            let custom = self
                .custom
                .iter()
                .map(|c| c.meta)
                .find(|m| m.id.eq_ignore_ascii_case(w) || m.name == w);
            match known_rule(w).or(custom) {
                Some(m) => keep.push(m.id),
                None => {
                    return Err(Problem::new(
                        "lint::unknown-rule",
                        format!("`--select {w}`: no rule has this id or name"),
                        At::Nowhere,
                    )
                    .with_help("`shipshape rules` lists them"))
                }
            }
        }
        for r in super::registry::RULES {
            let id = r.meta().id;
            if !keep.contains(&id) {
                self.rules.insert(id, None);
                for per_env in self.envs.values_mut() {
                    per_env.remove(id);
                }
            }
        }
        self.custom.retain(|c| keep.contains(&c.meta.id));
        Ok(())
    }

    /// Whether a rule runs at all (off everywhere → not run).
    pub fn selects(&self, id: &str) -> bool {
        !matches!(self.rules.get(id), Some(None))
            || self
                .envs
                .values()
                .any(|m| matches!(m.get(id), Some(Some(_))))
    }

    /// The severity a finding gets in `env`, or `None` when the rule is off there.
    /// A rule's severity for an object: the env's own setting, else its group's
    /// (`production` / `non-production`, from the env spec), else the file-wide
    /// one, else the rule's default.
    pub fn severity(
        &self,
        id: &str,
        env: Option<&str>,
        production: bool,
        default: Severity,
    ) -> Option<Severity> {
        if let Some(s) = env.and_then(|e| self.envs.get(e)).and_then(|m| m.get(id)) {
            return *s;
        }
        if env.is_some() {
            let group = if production {
                "production"
            } else {
                "non-production"
            };
            if let Some(s) = self.envs.get(group).and_then(|m| m.get(id)) {
                return *s;
            }
        }
        match self.rules.get(id) {
            Some(s) => *s,
            None => Some(default),
        }
    }

    pub fn custom_metas(&self) -> Vec<&'static RuleMeta> {
        self.custom.iter().map(|c| c.meta).collect()
    }

    /// Runs the custom rules: findings, and evaluation errors located at the policy.
    /// Whether a custom rule applies to an object.
    pub fn custom_matches(&self, o: &Obj) -> bool {
        self.custom.iter().any(|r| r.matches(o))
    }

    pub fn custom_findings(
        &self,
        objects: &[Obj],
        sources: &Sources,
    ) -> (Vec<Finding>, Vec<Diagnostic>) {
        let mut findings = Vec::new();
        let mut errors = Vec::new();
        let watchdog = (!self.custom.is_empty()).then(super::watchdog::Watchdog::start);
        for rule in &self.custom {
            for o in objects.iter().filter(|o| rule.matches(o)) {
                let mut cx = cel::Context::with_env(rule.env.clone());
                super::cel_k8s::add(&mut cx);
                cx.add_variable_from_value("object", to_cel(o.node()));
                if let Some(w) = &watchdog {
                    w.begin(|| super::watchdog::Evaluation {
                        file: sources.name(rule.expr_span.file).to_string(),
                        line: rule.expr_span.start.line,
                        column: rule.expr_span.start.col,
                        what: format!("custom rule {} on {}", rule.meta.id, o.display()),
                        budget_ms: rule.timeout_ms,
                    });
                }
                let result = rule.program.execute(&cx);
                if let Some(w) = &watchdog {
                    w.end();
                }
                match result {
                    Ok(cel::Value::Bool(true)) => {}
                    Ok(cel::Value::Bool(false)) => findings.push(Finding::new(
                        rule.meta,
                        o,
                        vec![super::Seg::Key("metadata".into())],
                        format!("{}: {}", o.display(), rule.meta.summary),
                    )),
                    Ok(other) => errors.push(rule.error(
                        sources,
                        o,
                        &format!(
                            "the expression returned a {}, not a boolean",
                            cel_type(&other)
                        ),
                    )),
                    Err(e) => errors.push(rule.error(sources, o, &cel_error_text(&e))),
                }
            }
        }
        (findings, errors)
    }
}

impl CustomRule {
    fn matches(&self, o: &Obj) -> bool {
        self.kind.as_deref().is_none_or(|k| k == o.kind)
            && self.api_version.as_deref().is_none_or(|a| {
                o.api_version == a || (a.ends_with('/') && o.api_version.starts_with(a))
            })
            && self
                .labels
                .iter()
                .all(|(k, v)| o.label(k) == Some(v.as_str()))
            && (self.envs.is_empty() || o.env.as_ref().is_some_and(|e| self.envs.contains(e)))
            && !o.is_fragment()
    }

    fn error(&self, sources: &Sources, o: &Obj, message: &str) -> Diagnostic {
        let s = self.expr_span;
        Diagnostic {
            family: crate::lint::Family::Lint,
            rule: self.meta.id.into(),
            name: self.meta.name.into(),
            severity: Severity::Error,
            message: format!(
                "custom rule could not be evaluated on {}: {message}",
                o.display()
            ),
            help: "fix the expression; guard optional fields with has()".into(),
            location: Location {
                file: sources.shared_name(s.file),
                line: s.start.line,
                column: s.start.col,
                end_line: s.end.line,
                end_column: s.end.col,
                span: Some(s),
            },
            rendered: None,
            envs: o.env.iter().cloned().collect(),
            identity_path: String::new(),
            object: Some(std::sync::Arc::new(o.object_ref())),
            path: String::new(),
            secret: false,
        }
    }
}

/// A policy file to load.
#[derive(Debug, Clone)]
pub struct PolicyFile {
    pub name: String,
    pub path: std::path::PathBuf,
    /// The project a file it names must be inside (links resolved); `None`
    /// for a file the user names on the command line.
    pub within: Option<std::path::PathBuf>,
}

/// Policy files a project names, resolved against its root.
pub fn project_files(root: &std::path::Path, names: &[(String, Span)]) -> Vec<PolicyFile> {
    names
        .iter()
        .map(|(n, _)| PolicyFile {
            name: n.clone(),
            path: root.join(n),
            within: Some(root.to_path_buf()),
        })
        .collect()
}
