//! JSON Schemas of the spec files: generated from the raw types (schemars), used
//! to check a spec before decoding it, and written to `schemas/` for editors.
//!
//! Checking against the schema first is what lets loading report every
//! structural problem of a file at once (a serde decoder stops at the first).

use jsonschema::error::ValidationErrorKind;
use serde_json::Value as J;
use std::sync::OnceLock;

use super::raw::{EnvFile, LintProject, ProjectFile};
use crate::problem::{did_you_mean, Problem, Problems};
use crate::yaml::{Node, Value};

/// The files `shipshape schema` writes, by file name.
pub fn all() -> Vec<(&'static str, J)> {
    vec![
        ("project.schema.json", project()),
        ("environment.schema.json", environment()),
        ("policy.schema.json", crate::lint::policy::schema()),
        ("lint.schema.json", lint()),
    ]
}

/// Optional fields are plain (no `anyOf [T, null]`), so a problem inside an
/// optional block is reported at its own node with its own message, not as
/// "the block is not valid".
pub fn generate<T: schemars::JsonSchema>() -> J {
    let gen = schemars::generate::SchemaSettings::draft07()
        .with_transform(schemars::transform::RecursiveTransform(no_null))
        .into_generator();
    serde_json::to_value(gen.into_root_schema_for::<T>()).unwrap_or(J::Null)
}

/// Removes `null` from what an optional field accepts: an absent key is how
/// a spec leaves a field out, and `key: null` (or `key:` with nothing) is more
/// often a mistake than a choice.
fn no_null(schema: &mut schemars::Schema) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    if obj.get("default").is_some_and(J::is_null) {
        obj.remove("default");
    }
    if let Some(J::Array(types)) = obj.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            obj.insert("type".into(), only);
        }
    }
    if let Some(J::Array(values)) = obj.get_mut("enum") {
        values.retain(|v| !v.is_null());
    }
    let is_null = |v: &J| {
        v.get("type").is_some_and(|t| t == "null") && v.as_object().is_some_and(|o| o.len() == 1)
    };
    if let Some(J::Array(any)) = obj.get_mut("anyOf") {
        any.retain(|v| !is_null(v));
        if any.len() == 1 {
            let only = any.remove(0);
            obj.remove("anyOf");
            if let J::Object(fields) = only {
                for (k, v) in fields {
                    obj.entry(k).or_insert(v);
                }
            }
        }
    }
}

pub fn project() -> J {
    generate::<ProjectFile>()
}

pub fn environment() -> J {
    generate::<EnvFile>()
}

/// `.shipshape.yaml`, the lint-only configuration.
pub fn lint() -> J {
    generate::<LintProject>()
}

/// Which spec file kind a node is checked as.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Project,
    Environment,
    Policy,
    Lint,
}

struct Compiled {
    schema: J,
    validator: Option<jsonschema::Validator>,
}

fn compiled(kind: Kind) -> &'static Compiled {
    static PROJECT: OnceLock<Compiled> = OnceLock::new();
    static ENV: OnceLock<Compiled> = OnceLock::new();
    static POLICY: OnceLock<Compiled> = OnceLock::new();
    static LINT: OnceLock<Compiled> = OnceLock::new();
    let (cell, make): (&OnceLock<Compiled>, fn() -> J) = match kind {
        Kind::Project => (&PROJECT, project),
        Kind::Environment => (&ENV, environment),
        Kind::Policy => (&POLICY, crate::lint::policy::schema),
        Kind::Lint => (&LINT, lint),
    };
    cell.get_or_init(|| {
        let schema = make();
        let validator = jsonschema::validator_for(&schema).ok();
        Compiled { schema, validator }
    })
}

/// Checks a spec node against its schema; every violation becomes a problem at
/// the offending node. Values are never echoed: a spec may hold a pasted secret.
pub fn check(node: &Node, kind: Kind) -> Problems {
    let c = compiled(kind);
    let mut problems = Problems::default();
    let Some(validator) = &c.validator else {
        problems.push(Problem::new(
            "internal::schema",
            "the built-in schema does not compile",
            crate::problem::At::Nowhere,
        ));
        return problems;
    };
    let instance = node.to_json();
    for err in validator.iter_errors(&instance) {
        let segments = pointer_segments(err.instance_path.as_str());
        let target = find(node, &segments).unwrap_or(node);
        let subschema = schema_at(&c.schema, &c.schema, &segments);
        let what = segments
            .last()
            .map_or_else(|| "the file".to_string(), |s| format!("`{s}`"));
        match &err.kind {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                unknown_keys(unexpected, target, subschema, &segments, &mut problems);
            }
            ValidationErrorKind::Required { property } => {
                let key = property.as_str().unwrap_or("?");
                problems.push(
                    Problem::at_span(
                        "spec::missing-key",
                        format!("missing required key `{key}` in {what}"),
                        target.span,
                    )
                    .with_help(format!("add `{key}:` here")),
                );
            }
            ValidationErrorKind::Type { kind } => {
                problems.push(wrong_type(kind, &what, target));
            }
            ValidationErrorKind::Enum { options } => {
                let opts: Vec<String> = options
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                problems.push(not_one_of(&what, target, &opts));
            }
            ValidationErrorKind::Pattern { .. }
            | ValidationErrorKind::MaxLength { .. }
            | ValidationErrorKind::MinLength { .. } => {
                problems.push(invalid_value(&what, target, subschema, &segments));
            }
            ValidationErrorKind::Minimum { .. } | ValidationErrorKind::Maximum { .. } => {
                problems.push(Problem::at_span(
                    "spec::out-of-range",
                    format!("{what} is out of range"),
                    target.span,
                ));
            }
            ValidationErrorKind::AnyOf | ValidationErrorKind::OneOfNotValid
                if subschema.is_some_and(|s| !enum_options(s).is_empty()) =>
            {
                let opts = subschema.map(enum_options).unwrap_or_default();
                problems.push(not_one_of(&what, target, &opts));
            }
            _ => {
                // anyOf/oneOf on optional fields: report against the node, without its value.
                problems.push(Problem::at_span(
                    "spec::invalid-value",
                    format!("{what} is not valid here"),
                    target.span,
                ));
            }
        }
    }
    problems
}

/// One problem per unknown key, at the key, with the closest known key or
/// what replaced a removed one.
fn unknown_keys(
    unexpected: &[String],
    target: &Node,
    subschema: Option<&J>,
    segments: &[String],
    problems: &mut Problems,
) {
    let known: Vec<&str> = subschema
        .and_then(|s| s.get("properties"))
        .and_then(J::as_object)
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    // Keys by name once: looking each up in turn made thousands of
    // unknown keys quadratic.
    let spans: std::collections::BTreeMap<&str, crate::yaml::Span> = target
        .as_map()
        .unwrap_or_default()
        .iter()
        .rev()
        .filter_map(|(k, _)| Some((k.as_str()?, k.span)))
        .collect();
    for key in unexpected {
        let span = spans.get(key.as_str()).copied().unwrap_or(target.span);
        let mut p = Problem::at_span("spec::unknown-key", format!("unknown key `{key}`"), span);
        let parent = segments.last().map_or("", String::as_str);
        p = match (
            removed(parent, key),
            did_you_mean(key, known.iter().copied()),
        ) {
            (Some(help), _) => p.with_help(help),
            (None, Some(m)) => p.with_help(format!("did you mean `{m}`?")),
            (None, None) if !known.is_empty() => {
                p.with_help(format!("expected one of: {}", known.join(", ")))
            }
            (None, None) => p,
        };
        problems.push(p);
    }
}

/// The types a schema expects, as words (`integer`, `string or integer`);
/// `null` left out, as an absent key is how a value is left out.
pub(crate) fn expected_types(kind: &jsonschema::error::TypeKind) -> String {
    match kind {
        jsonschema::error::TypeKind::Single(t) => t.to_string(),
        jsonschema::error::TypeKind::Multiple(ts) => ts
            .iter()
            .map(|t| t.to_string())
            .filter(|t| t != "null")
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

fn wrong_type(kind: &jsonschema::error::TypeKind, what: &str, target: &Node) -> Problem {
    let expected = expected_types(kind);
    Problem::at_span(
        "spec::wrong-type",
        format!(
            "{what} must be {}, found {}",
            article(&expected),
            describe(target)
        ),
        target.span,
    )
    .with_help(type_help(&expected, target))
}

/// A value the schema's pattern or length refuses; shown only when it cannot
/// be a secret.
fn invalid_value(what: &str, target: &Node, subschema: Option<&J>, segments: &[String]) -> Problem {
    let desc = subschema
        .and_then(|s| s.get("description"))
        .and_then(J::as_str)
        .unwrap_or("a different value");
    let key = segments.last().map_or("", String::as_str);
    let shown = target
        .as_str()
        .filter(|s| !crate::secret::is_secret_key(key) && !crate::secret::looks_secret_value(s))
        .map(|s| format!("`{}`", shorten(s)))
        .unwrap_or_else(|| "the value (not shown)".into());
    Problem::at_span(
        "spec::invalid-value",
        format!("{what}: {shown} is not valid"),
        target.span,
    )
    .with_help(format!("expected {desc}"))
}

fn not_one_of(what: &str, target: &Node, opts: &[String]) -> Problem {
    let given = target.scalar_text().unwrap_or_default();
    let p = Problem::at_span(
        "spec::unknown-value",
        format!("{what} must be one of: {}", opts.join(", ")),
        target.span,
    );
    match did_you_mean(&given, opts.iter().map(String::as_str)) {
        Some(m) => p.with_help(format!("did you mean `{m}`?")),
        None => p,
    }
}

/// The string values an enum schema allows (plain `enum`, or `oneOf` of documented variants).
fn enum_options(s: &J) -> Vec<String> {
    let direct = s.get("enum").and_then(J::as_array).into_iter().flatten();
    let branches = s
        .get("oneOf")
        .and_then(J::as_array)
        .into_iter()
        .flatten()
        // A documented variant is `{ const: …, description: … }`.
        .flat_map(|b| {
            let listed = b.get("enum").and_then(J::as_array).into_iter().flatten();
            listed.chain(b.get("const"))
        });
    direct
        .chain(branches)
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s.to_string()
    }
}

fn article(t: &str) -> String {
    match t {
        "integer" => "an integer".into(),
        "object" => "a mapping".into(),
        "array" => "a list".into(),
        "string" => "a string".into(),
        "boolean" => "true or false".into(),
        other => other.to_string(),
    }
}

fn describe(n: &Node) -> &'static str {
    match n.value {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Int(_) => "an integer",
        Value::Float(_) => "a number",
        Value::Str(_) => "a string",
        Value::Seq(_) => "a list",
        Value::Map(_) => "a mapping",
    }
}

fn type_help(expected: &str, n: &Node) -> String {
    match (expected, &n.value) {
        ("string", Value::Int(_) | Value::Float(_) | Value::Bool(_)) => {
            "quote the value to make it a string".into()
        }
        ("integer", Value::Str(_)) => "write a whole number without quotes".into(),
        ("array", _) => "write a YAML list (`- item` lines)".into(),
        ("object", _) => "write a YAML mapping (`key: value` lines)".into(),
        _ => format!("use {}", article(expected)),
    }
}

fn pointer_segments(ptr: &str) -> Vec<String> {
    if ptr.is_empty() {
        return Vec::new();
    }
    ptr.trim_start_matches('/')
        .split('/')
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

fn find<'a>(node: &'a Node, segments: &[String]) -> Option<&'a Node> {
    node.pointer(segments.iter().map(String::as_str))
}

fn resolve<'a>(root: &'a J, s: &'a J) -> &'a J {
    let mut cur = s;
    for _ in 0..16 {
        if let Some(r) = cur.get("$ref").and_then(J::as_str) {
            let path = r.trim_start_matches("#/").split('/');
            let mut t = root;
            for p in path {
                match t.get(p) {
                    Some(x) => t = x,
                    None => return cur,
                }
            }
            cur = t;
            continue;
        }
        let branch = ["allOf", "anyOf", "oneOf"].iter().find_map(|k| {
            cur.get(*k)?
                .as_array()?
                .iter()
                .find(|b| b.get("type").and_then(J::as_str) != Some("null"))
                .filter(|b| {
                    b.get("$ref").is_some()
                        || b.get("properties").is_some()
                        || b.get("items").is_some()
                })
        });
        match branch {
            Some(b) if cur.get("properties").is_none() && cur.get("type").is_none() => cur = b,
            _ => return cur,
        }
    }
    cur
}

/// The subschema describing the node at `segments`.
fn schema_at<'a>(root: &'a J, schema: &'a J, segments: &[String]) -> Option<&'a J> {
    let mut cur = resolve(root, schema);
    for seg in segments {
        let next = if let Some(p) = cur.get("properties").and_then(|p| p.get(seg)) {
            p
        } else if let Some(items) = cur.get("items") {
            items
        } else {
            cur.get("additionalProperties").filter(|a| a.is_object())?
        };
        cur = resolve(root, next);
    }
    Some(cur)
}

/// Keys earlier versions of shipshape read, with what replaced them.
fn removed(parent: &str, key: &str) -> Option<&'static str> {
    match (parent, key) {
        ("", "external-dns") => Some(
            "removed: the annotation prefix now follows the External-DNS chart each environment pins (`platform: { external-dns: { version: … } }`)",
        ),
        ("health", "path") => Some(
            "split it into `liveness:` (the process only) and `readiness:` (may check dependencies), e.g. `/livez` and `/readyz`",
        ),
        _ => None,
    }
}
