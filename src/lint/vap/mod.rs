//! Kubernetes ValidatingAdmissionPolicies found among the linted files,
//! evaluated offline as the API server would on the sync's CREATE or UPDATE:
//! a policy takes effect through its bindings; `matchConstraints` and the
//! binding's `matchResources` (resource rules, namespace and object
//! selectors, exclusions), `matchConditions`, `variables`, `validations`
//! with `message` / `messageExpression`, and params resolved against the
//! objects of the set. What cannot be known offline (`authorizer`, a param
//! the set does not hold) is said once per policy, never passed.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::cel::{cel_error_text, to_cel};
use super::object::k;
use super::{Diagnostic, Finding, Obj, RuleMeta, Seg, Severity};
use crate::source::{FileId, Sources};
use crate::yaml::{Node, Value};

mod matching;

use matching::{resource_of, strings, Match};

const GROUP: &str = "admissionregistration.k8s.io/";

/// Everything the set says about admission: policies, bindings, the
/// objects params may name, and the Namespaces (their labels).
#[derive(Default, Clone)]
pub struct Admission {
    policies: Vec<Arc<Policy>>,
    /// Policies that cannot be evaluated offline, said once each.
    pub not_evaluated: Vec<Diagnostic>,
    /// Namespace name → its labels, for namespace selectors.
    namespaces: BTreeMap<String, Node>,
}

struct Policy {
    name: String,
    /// Where the policy is written (`file`, line, column), for a stop.
    at: (String, u32, u32),
    env: Arc<cel::Env>,
    meta: &'static RuleMeta,
    constraints: Match,
    param_kind: Option<(String, String)>,
    conditions: Vec<cel::Program>,
    variables: Vec<(String, cel::Program)>,
    validations: Vec<Validation>,
    bindings: Vec<Binding>,
}

struct Validation {
    program: cel::Program,
    message: Option<String>,
    message_expression: Option<cel::Program>,
    expression: String,
}

struct Binding {
    severity: Severity,
    resources: Option<Match>,
    param: Option<ParamRef>,
}

struct ParamRef {
    name: Option<String>,
    namespace: Option<String>,
    /// `Deny` (the default): a missing param fails every object.
    deny_if_missing: bool,
}

/// Whether a file's text may hold what this module reads ahead of the main
/// pass: policies, their bindings, Namespaces.
pub fn is_admission_text(text: &str) -> bool {
    static NAMESPACE: std::sync::LazyLock<Option<regex::Regex>> =
        std::sync::LazyLock::new(|| regex::Regex::new(r#"kind:\s*["']?Namespace\b"#).ok());
    text.contains("ValidatingAdmissionPolicy")
        || NAMESPACE.as_ref().is_none_or(|r| r.is_match(text))
}

impl std::fmt::Debug for Admission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Admission")
            .field("policies", &self.policies.len())
            .field("not_evaluated", &self.not_evaluated.len())
            .field("namespaces", &self.namespaces.len())
            .finish()
    }
}

impl Admission {
    /// The policies, bindings and Namespaces among `docs`, and the objects
    /// of the kinds the policies take as params (`params` from the same
    /// documents); a policy that does not compile is said, not dropped.
    pub fn read(docs: &[(FileId, &Node)], sources: &Sources) -> Admission {
        let mut a = Admission::default();
        let mut written_at: BTreeMap<String, (String, u32)> = BTreeMap::new();
        let mut bindings: Vec<(&Node, FileId)> = Vec::new();
        let mut policies: Vec<(&Node, FileId)> = Vec::new();
        for &(file, d) in docs {
            let kind = d.get("kind").and_then(Node::as_str).unwrap_or("");
            let api = d.get("apiVersion").and_then(Node::as_str).unwrap_or("");
            match kind {
                "Namespace" => {
                    if let Some(n) = d.pointer(["metadata", "name"]).and_then(Node::as_str) {
                        // One of a name written twice: the first by file
                        // and line, whatever order the files are read in.
                        let at = (sources.name(file).to_string(), d.span.start.line);
                        let first = written_at.entry(n.to_string()).or_insert(at.clone());
                        if at <= *first {
                            *first = at;
                            a.namespaces.insert(n.to_string(), d.clone());
                        }
                    }
                }
                "ValidatingAdmissionPolicy" if api.starts_with(GROUP) => policies.push((d, file)),
                "ValidatingAdmissionPolicyBinding" if api.starts_with(GROUP) => {
                    bindings.push((d, file));
                }
                _ => {}
            }
        }
        let env = super::cel::kubernetes_env();
        for (p, file) in policies {
            let name = p
                .pointer(["metadata", "name"])
                .and_then(Node::as_str)
                .unwrap_or("");
            let mine: Vec<&Node> = bindings
                .iter()
                .map(|(b, _)| *b)
                .filter(|b| b.pointer(["spec", "policyName"]).and_then(Node::as_str) == Some(name))
                .collect();
            // Without a binding a policy does nothing, in the cluster too.
            if mine.is_empty() {
                continue;
            }
            let at = p.get("spec").map_or(p.span, |s| s.span);
            let at = (sources.name(file).to_string(), at.start.line, at.start.col);
            match compile(p, &mine, &env, at) {
                Ok(policy) => a.policies.push(Arc::new(policy)),
                Err(why) => a.not_evaluated.push(not_evaluated(p, file, sources, &why)),
            }
        }
        a
    }

    /// Whether the end of the run needs the object: a policy may apply to
    /// it, or it may be a policy's param.
    pub fn keeps(&self, o: &Obj) -> bool {
        self.policies.iter().any(|p| {
            p.constraints.rules.iter().any(|r| r.matches(o))
                || p.param_kind
                    .as_ref()
                    .is_some_and(|(api, kind)| o.api_version == api && o.kind == kind)
        })
    }

    pub fn metas(&self) -> Vec<&'static RuleMeta> {
        self.policies.iter().map(|p| p.meta).collect()
    }

    /// Every validation that fails on the objects, per binding that applies;
    /// params are objects of the set (`objects`).
    /// The findings, and per policy the objects it could not be applied to
    /// because their namespace's labels are unknown (said, not passed).
    pub fn findings(&self, objects: &[Obj]) -> (Vec<Finding>, Vec<Diagnostic>) {
        let mut out = Vec::new();
        let mut unknown = Vec::new();
        // A runaway expression stops the run like a custom rule's does.
        let watchdog = (!self.policies.is_empty()).then(super::watchdog::Watchdog::start);
        for p in &self.policies {
            let mut unseen: std::collections::BTreeSet<&str> = Default::default();
            for o in objects.iter().filter(|o| !o.is_fragment()) {
                let Some(matched) = p.constraints.matches(o, &self.namespaces, true) else {
                    unseen.extend(o.namespace);
                    continue;
                };
                if !matched {
                    continue;
                }
                for b in &p.bindings {
                    let applies = b
                        .resources
                        .as_ref()
                        .map_or(Some(true), |m| m.matches(o, &self.namespaces, false));
                    let Some(applies) = applies else {
                        unseen.extend(o.namespace);
                        continue;
                    };
                    if !applies {
                        continue;
                    }
                    if let Some(w) = &watchdog {
                        w.begin(|| super::watchdog::Evaluation {
                            file: p.at.0.clone(),
                            line: p.at.1,
                            column: p.at.2,
                            what: format!(
                                "ValidatingAdmissionPolicy {} on {}",
                                p.name,
                                o.display()
                            ),
                            budget_ms: u64::try_from(super::watchdog::BUDGET.as_millis())
                                .unwrap_or(u64::MAX),
                        });
                    }
                    out.extend(p.evaluate(o, b, objects, &self.namespaces));
                    if let Some(w) = &watchdog {
                        w.end();
                    }
                }
            }
            if !unseen.is_empty() {
                unknown.push(p.unseen_namespaces(&unseen));
            }
        }
        (out, unknown)
    }
}

fn not_evaluated(p: &Node, file: FileId, sources: &Sources, why: &str) -> Diagnostic {
    let name = p
        .pointer(["metadata", "name"])
        .and_then(Node::as_str)
        .unwrap_or("?");
    let at = p.get("metadata").map_or(p.span, |m| m.span);
    let location = super::Location {
        file: sources.shared_name(file),
        line: at.start.line,
        column: at.start.col,
        end_line: at.end.line,
        end_column: at.end.col,
        span: Some(at),
    };
    let mut d = Diagnostic::about_input(
        &super::registry::ADMISSION_NOT_EVALUATED,
        location,
        format!("ValidatingAdmissionPolicy `{name}` is not evaluated offline: {why}"),
    );
    d.severity = Severity::Warning;
    d
}

fn compile(
    p: &Node,
    bindings: &[&Node],
    env: &Arc<cel::Env>,
    at: (String, u32, u32),
) -> Result<Policy, String> {
    let name = p
        .pointer(["metadata", "name"])
        .and_then(Node::as_str)
        .unwrap_or("?");
    let spec = p.get("spec");
    let text_of = |n: &Node, key: &str| n.get(key).and_then(Node::as_str).map(str::to_string);
    let program = |e: &str| -> Result<cel::Program, String> {
        if e.contains("authorizer") {
            return Err("it asks the `authorizer`, which only the API server can answer".into());
        }
        super::cel::cel_within_limits(e).map_err(|w| format!("an expression {w}"))?;
        env.compile(e).map_err(|err| {
            format!(
                "an expression does not compile: {}",
                err.to_string().lines().next().unwrap_or("")
            )
        })
    };
    let list = |key: &str| {
        spec.and_then(|s| s.get(key))
            .and_then(Node::as_seq)
            .unwrap_or_default()
    };
    let mut conditions = Vec::new();
    for c in list("matchConditions") {
        conditions.push(program(&text_of(c, "expression").unwrap_or_default())?);
    }
    let mut variables = Vec::new();
    for v in list("variables") {
        let vname = text_of(v, "name").unwrap_or_default();
        variables.push((
            vname,
            program(&text_of(v, "expression").unwrap_or_default())?,
        ));
    }
    let mut validations = Vec::new();
    for v in list("validations") {
        let expression = text_of(v, "expression").unwrap_or_default();
        validations.push(Validation {
            program: program(&expression)?,
            message: text_of(v, "message"),
            message_expression: text_of(v, "messageExpression")
                .map(|m| program(&m))
                .transpose()?,
            expression,
        });
    }
    let param_kind = spec.and_then(|s| s.get("paramKind")).map(|pk| {
        (
            text_of(pk, "apiVersion").unwrap_or_default(),
            text_of(pk, "kind").unwrap_or_default(),
        )
    });
    let bindings: Vec<Binding> = bindings.iter().map(|b| binding(b)).collect();
    let severity = bindings
        .iter()
        .map(|b| b.severity)
        .max()
        .unwrap_or(Severity::Error);
    let summary = validations
        .first()
        .and_then(|v| v.message.clone())
        .unwrap_or_else(|| format!("fails ValidatingAdmissionPolicy {name}"));
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    let meta: &'static RuleMeta = Box::leak(Box::new(RuleMeta {
        id: leak(format!("vap/{name}")),
        name: leak(name.to_string()),
        severity,
        summary: leak(summary),
        help: "The cluster's admission refuses this object: change it to meet the policy, or change the policy.",
        doc: " A ValidatingAdmissionPolicy of the linted files, evaluated offline.\n",
        whole_set: false,
    }));
    Ok(Policy {
        name: name.to_string(),
        at,
        env: env.clone(),
        meta,
        constraints: Match::read(spec.and_then(|s| s.get("matchConstraints"))),
        param_kind,
        conditions,
        variables,
        validations,
        bindings,
    })
}

fn binding(b: &Node) -> Binding {
    let spec = b.get("spec");
    let actions = strings(spec.and_then(|s| s.get("validationActions")));
    // Deny refuses the object; Warn is a warning the client shows; Audit only
    // writes the audit log.
    let severity = if actions.iter().any(|a| a == "Deny") {
        Severity::Error
    } else if actions.iter().any(|a| a == "Warn") {
        Severity::Warning
    } else {
        Severity::Info
    };
    let param = spec.and_then(|s| s.get("paramRef")).map(|r| ParamRef {
        name: r.get("name").and_then(Node::as_str).map(str::to_string),
        namespace: r
            .get("namespace")
            .and_then(Node::as_str)
            .map(str::to_string),
        deny_if_missing: r.get("parameterNotFoundAction").and_then(Node::as_str) != Some("Allow"),
    });
    Binding {
        severity,
        resources: spec
            .and_then(|s| s.get("matchResources"))
            .map(|m| Match::read(Some(m))),
        param,
    }
}

impl Policy {
    fn unseen_namespaces(&self, namespaces: &std::collections::BTreeSet<&str>) -> Diagnostic {
        let (file, line, column) = self.at.clone();
        let location = super::Location {
            file: file.into(),
            line,
            column,
            end_line: line,
            end_column: column,
            span: None,
        };
        let list: Vec<&str> = namespaces.iter().copied().collect();
        let mut d = Diagnostic::about_input(
            &super::registry::ADMISSION_NOT_EVALUATED,
            location,
            format!(
                "ValidatingAdmissionPolicy `{}` selects namespaces by label, and these are not among the linted files: {}; their objects were not checked",
                self.name,
                list.join(", ")
            ),
        );
        d.help = "lint the Namespaces too (their labels decide), or accept this with a suppression"
            .into();
        d
    }

    fn evaluate(
        &self,
        o: &Obj,
        b: &Binding,
        objects: &[Obj],
        namespaces: &BTreeMap<String, Node>,
    ) -> Vec<Finding> {
        let param = match (&self.param_kind, &b.param) {
            (Some((api, kind)), Some(r)) => {
                let found = objects.iter().find(|p| {
                    p.api_version == api
                        && p.kind == kind
                        && r.name.as_deref().is_none_or(|n| p.name == Some(n))
                        && r.namespace
                            .as_deref()
                            .is_none_or(|n| p.namespace.unwrap_or(o.namespace.unwrap_or("")) == n)
                });
                match found {
                    Some(p) => to_cel(p.node()),
                    None if r.deny_if_missing => {
                        return vec![self.finding(
                            o,
                            b,
                            vec![k("metadata")],
                            format!(
                            "no {kind} param `{}` in the set, and the binding denies without it",
                            r.name.as_deref().unwrap_or("(by selector)")
                        ),
                        )];
                    }
                    None => return Vec::new(),
                }
            }
            _ => cel::Value::Null,
        };
        let mut cx = cel::Context::with_env(self.env.clone());
        super::cel_k8s::add(&mut cx);
        cx.add_variable_from_value("object", to_cel(o.node()));
        cx.add_variable_from_value("oldObject", cel::Value::Null);
        cx.add_variable_from_value("params", param);
        cx.add_variable_from_value("request", request(o));
        cx.add_variable_from_value(
            "namespaceObject",
            o.namespace
                .and_then(|n| namespaces.get(n))
                .map_or(cel::Value::Null, to_cel),
        );
        for c in &self.conditions {
            if !matches!(c.execute(&cx), Ok(cel::Value::Bool(true))) {
                return Vec::new();
            }
        }
        let mut vars: BTreeMap<String, cel::Value> = BTreeMap::new();
        for (name, p) in &self.variables {
            cx.add_variable_from_value("variables", variables_value(&vars));
            let v = p.execute(&cx).unwrap_or(cel::Value::Null);
            vars.insert(name.clone(), v);
        }
        cx.add_variable_from_value("variables", variables_value(&vars));
        let mut out = Vec::new();
        for v in &self.validations {
            let message = match v.program.execute(&cx) {
                Ok(cel::Value::Bool(true)) => continue,
                Ok(cel::Value::Bool(false)) => {
                    let from_expr =
                        v.message_expression
                            .as_ref()
                            .and_then(|m| match m.execute(&cx) {
                                Ok(cel::Value::String(s)) => Some(s.to_string()),
                                _ => None,
                            });
                    from_expr
                        .or_else(|| v.message.clone())
                        .unwrap_or_else(|| format!("failed expression: {}", v.expression))
                }
                Ok(_) => format!("expression `{}` did not return a boolean", v.expression),
                Err(e) => format!(
                    "expression `{}` failed: {}",
                    v.expression,
                    cel_error_text(&e)
                ),
            };
            out.push(self.finding(o, b, path_named(&v.expression, o), message));
        }
        out
    }

    fn finding(&self, o: &Obj, b: &Binding, path: Vec<Seg>, message: String) -> Finding {
        Finding::new(
            self.meta,
            o,
            path,
            format!(
                "{}: ValidatingAdmissionPolicy `{}`: {message}",
                o.display(),
                self.name
            ),
        )
        .severity(b.severity)
    }
}

fn variables_value(vars: &BTreeMap<String, cel::Value>) -> cel::Value {
    let map: std::collections::HashMap<String, cel::Value> =
        vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    cel::Value::from(map)
}

fn record(fields: &[(&str, cel::Value)]) -> cel::Value {
    let map: std::collections::HashMap<String, cel::Value> = fields
        .iter()
        .map(|(k, v)| ((*k).to_string(), v.clone()))
        .collect();
    cel::Value::from(map)
}

fn text(s: &str) -> cel::Value {
    cel::Value::String(Arc::new(s.to_string()))
}

/// The admission request a sync makes for the object (a CREATE).
fn request(o: &Obj) -> cel::Value {
    let (group, version) = o
        .api_version
        .rsplit_once('/')
        .unwrap_or(("", o.api_version));
    let gv = |last: (&str, cel::Value)| {
        record(&[("group", text(group)), ("version", text(version)), last])
    };
    record(&[
        ("operation", text("CREATE")),
        ("kind", gv(("kind", text(o.kind)))),
        ("resource", gv(("resource", text(&resource_of(o.kind))))),
        ("name", text(o.name.unwrap_or(""))),
        ("namespace", text(o.namespace.unwrap_or(""))),
    ])
}

/// The field an expression names first (`object.spec.replicas` →
/// `spec.replicas`), when the object has it: the finding points there.
fn path_named(expr: &str, o: &Obj) -> Vec<Seg> {
    let Some(start) = expr.find("object.") else {
        return vec![k("metadata")];
    };
    let rest = &expr[start + "object.".len()..];
    let chain: Vec<&str> = rest
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .next()
        .unwrap_or("")
        .split('.')
        .filter(|s| !s.is_empty())
        .collect();
    let mut path = Vec::new();
    let mut node = o.node();
    for key in chain {
        match node.get(key) {
            Some(n) if !matches!(n.value, Value::Null) => {
                path.push(k(key));
                node = n;
            }
            _ => break,
        }
    }
    if path.is_empty() {
        vec![k("metadata")]
    } else {
        path
    }
}
