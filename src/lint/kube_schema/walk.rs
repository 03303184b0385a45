//! Checks a positioned YAML tree against compiled [`Shapes`], as the API
//! server decodes an object: every problem at its node, the path built while
//! walking (no JSON copy of the object, no pointer strings to resolve back).

use super::shape::{types, Bounds, Extra, Format, Id, Shape, Shapes};
use super::Invalid;
use crate::lint::object::k;
use crate::lint::Seg;
use crate::yaml::{Node, Value};

pub struct Walk<'s> {
    shapes: &'s Shapes,
    kind: &'s str,
    path: Vec<Seg>,
    out: Vec<Invalid>,
}

impl<'s> Walk<'s> {
    pub fn new(shapes: &'s Shapes, kind: &'s str) -> Self {
        Walk {
            shapes,
            kind,
            path: Vec::new(),
            out: Vec::new(),
        }
    }

    pub fn run(mut self, node: &Node) -> Vec<Invalid> {
        self.check(self.shapes.root, node);
        self.out
    }

    fn check(&mut self, id: Id, node: &Node) {
        let shape = self.shapes.get(id);
        // `{{ .value }}` of a template parses as a mapping keyed by a
        // mapping: not what its author wrote, and not a value to judge.
        if node
            .as_map()
            .is_some_and(|m| m.iter().any(|(key, _)| key.as_map().is_some()))
        {
            return;
        }
        if !shape.one_of.is_empty() && !shape.one_of.iter().any(|b| self.fits(*b, node)) {
            let what = branch_types(self.shapes, &shape.one_of);
            self.problem(format!("{} must be {what}", self.field()));
            return;
        }
        let found = type_of(node);
        if shape.types != 0 && shape.types & found == 0 && !fits_integer(shape.types, node) {
            // `0644` unquoted: Kubernetes reads YAML 1.1, where it is an
            // octal integer; shipshape's YAML 1.2 reader keeps it as text.
            if !is_octal(node) {
                self.problem(format!(
                    "{} must be {}, found {}",
                    self.field(),
                    expected(shape.types),
                    describe(node)
                ));
            }
            return;
        }
        if let Some(allowed) = &shape.allowed {
            if !allowed.iter().any(|a| same(a, node)) {
                let names: Vec<&str> = allowed.iter().filter_map(|a| a.as_str()).collect();
                self.problem(format!(
                    "{} must be one of: {}",
                    self.field(),
                    names.join(", ")
                ));
            }
        }
        if let Some(b) = &shape.bounds {
            self.bounds(b, node);
        }
        match &node.value {
            Value::Map(entries) => self.mapping(shape, entries),
            Value::Seq(items) => {
                if let Some(item) = shape.items {
                    for (i, n) in items.iter().enumerate() {
                        self.path.push(Seg::Index(i));
                        self.check(item, n);
                        self.path.pop();
                    }
                }
            }
            _ => {}
        }
    }

    fn mapping(&mut self, shape: &Shape, entries: &[(Node, Node)]) {
        let top = self.path.is_empty();
        for (key, value) in entries {
            let Some(name) = key.scalar_text() else {
                continue;
            };
            // A SOPS-encrypted file: its `sops` block is removed when it is
            // decrypted before it is applied (Flux, ksops, helm-secrets).
            if top && name == "sops" {
                continue;
            }
            let listed = shape
                .properties
                .binary_search_by(|(p, _)| (**p).cmp(name.as_str()))
                .ok()
                .map(|i| shape.properties[i].1);
            let next = match (listed, &shape.extra) {
                (Some(id), _) | (None, &Extra::Each(id)) => Some(id),
                (None, Extra::Allowed) => None,
                (None, Extra::Forbidden) => {
                    let mut at = self.path.clone();
                    at.push(k(&name));
                    at.push(Seg::KeyNode);
                    self.out.push(Invalid {
                        path: at,
                        message: format!("unknown field `{name}` in {}", self.field()),
                    });
                    None
                }
            };
            if let Some(id) = next {
                self.path.push(k(&name));
                self.check(id, value);
                self.path.pop();
            }
        }
        for req in &shape.required {
            let present = entries
                .iter()
                .any(|(key, _)| key.scalar_text().as_deref() == Some(&**req));
            if !present {
                self.problem(format!(
                    "{} is missing the required field `{req}`",
                    self.field()
                ));
            }
        }
    }

    fn bounds(&mut self, b: &Bounds, node: &Node) {
        let why = match &node.value {
            Value::Str(s) => string_problems(b, s),
            Value::Int(i) => integer_problems(b, *i),
            Value::Seq(items) => b
                .min_items
                .filter(|m| (items.len() as u64) < *m)
                .map(|m| format!("fewer than {m} items"))
                .into_iter()
                .collect(),
            Value::Map(entries) => {
                let n = entries.len() as u64;
                let few = b.min_properties.filter(|m| n < *m);
                let many = b.max_properties.filter(|m| n > *m);
                few.map(|m| format!("fewer than {m} fields"))
                    .into_iter()
                    .chain(many.map(|m| format!("more than {m} fields")))
                    .collect()
            }
            _ => Vec::new(),
        };
        for w in why {
            self.problem(format!("{} is not valid: {w}", self.field()));
        }
    }

    /// Whether `node` fits shape `id` with no problem (an `anyOf` branch).
    fn fits(&self, id: Id, node: &Node) -> bool {
        let mut trial = Walk {
            shapes: self.shapes,
            kind: self.kind,
            path: Vec::new(),
            out: Vec::new(),
        };
        trial.check(id, node);
        trial.out.is_empty()
    }

    fn problem(&mut self, message: String) {
        self.out.push(Invalid {
            path: self.path.clone(),
            message,
        });
    }

    /// The field as messages name it: `spec`, `ports[0]`, or the kind.
    fn field(&self) -> String {
        match self.path.as_slice() {
            [] => self.kind.to_string(),
            [.., Seg::Key(list), Seg::Index(i)] => format!("`{list}[{i}]`"),
            [.., Seg::Key(last)] => format!("`{last}`"),
            [.., Seg::Index(i)] => format!("`[{i}]`"),
            [.., Seg::KeyNode] => self.kind.to_string(),
        }
    }
}

/// How the CRDs' quantity pattern begins: named, not quoted, in messages.
const QUANTITY: &str = r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))";

fn string_problems(b: &Bounds, s: &str) -> Vec<String> {
    let mut why = Vec::new();
    let chars = s.chars().count() as u64;
    if let Some(m) = b.min_length.filter(|m| chars < *m) {
        why.push(format!("shorter than {m} characters"));
    }
    if let Some(m) = b.max_length.filter(|m| chars > *m) {
        why.push(format!("longer than {m} characters"));
    }
    if let Some(p) = &b.pattern {
        if p.regex().is_some_and(|re| !re.is_match(s)) {
            why.push(if p.text.starts_with(QUANTITY) {
                "not a quantity (`512Mi`, `0.5`, `100m`)".to_string()
            } else {
                format!("does not match the pattern `{}`", p.text)
            });
        }
    }
    if b.format == Some(Format::DateTime) && !is_date_time(s) {
        why.push("not an RFC 3339 date-time (`2026-01-31T12:00:00Z`)".into());
    }
    why
}

fn integer_problems(b: &Bounds, i: i64) -> Vec<String> {
    let mut why = Vec::new();
    let f = i as f64;
    if let Some(m) = b.minimum.filter(|m| f < *m) {
        why.push(format!("less than the minimum of {m}"));
    }
    if let Some(m) = b.maximum.filter(|m| f > *m) {
        why.push(format!("greater than the maximum of {m}"));
    }
    if b.format == Some(Format::Int32) && i32::try_from(i).is_err() {
        why.push("out of range for a 32-bit integer".into());
    }
    why
}

fn type_of(node: &Node) -> u8 {
    match &node.value {
        Value::Null => types::NULL,
        Value::Bool(_) => types::BOOLEAN,
        Value::Int(_) => types::INTEGER | types::NUMBER,
        Value::Float(_) => types::NUMBER,
        Value::Str(_) => types::STRING,
        Value::Seq(_) => types::ARRAY,
        Value::Map(_) => types::OBJECT,
    }
}

/// `3.0` is an integer to JSON Schema.
fn fits_integer(allowed: u8, node: &Node) -> bool {
    allowed & types::INTEGER != 0 && matches!(node.value, Value::Float(f) if f.fract() == 0.0)
}

/// The types a shape allows, as messages say them (`null` left out).
fn expected(set: u8) -> String {
    let names: Vec<&str> = types::NAMES
        .iter()
        .filter(|(bit, name)| set & bit != 0 && *name != "null")
        .map(|(_, name)| *name)
        .collect();
    names.join(" or ")
}

/// `a string or an integer`: the types the branches of an `anyOf` allow.
fn branch_types(shapes: &Shapes, branches: &[Id]) -> String {
    let set = branches
        .iter()
        .fold(0u8, |acc, b| acc | shapes.get(*b).types);
    let names: Vec<&str> = types::NAMES
        .iter()
        .filter(|(bit, name)| set & bit != 0 && *name != "null")
        .map(|(_, name)| match *name {
            "integer" => "an integer",
            "number" => "a number",
            "string" => "a string",
            "boolean" => "a boolean",
            "array" => "a list",
            _ => "a mapping",
        })
        .collect();
    if names.is_empty() {
        "one of the allowed shapes".into()
    } else {
        names.join(" or ")
    }
}

fn describe(node: &Node) -> &'static str {
    match &node.value {
        Value::Str(_) => "a string",
        Value::Int(_) => "an integer",
        Value::Float(_) => "a number",
        Value::Bool(_) => "a boolean",
        Value::Seq(_) => "a list",
        Value::Map(_) => "a mapping",
        Value::Null => "nothing",
    }
}

fn same(allowed: &serde_json::Value, node: &Node) -> bool {
    use serde_json::Value as J;
    match (allowed, &node.value) {
        (J::String(a), Value::Str(s)) => a == &**s,
        (J::Bool(a), Value::Bool(b)) => a == b,
        (J::Number(a), Value::Int(i)) => a.as_i64() == Some(*i),
        (J::Number(a), Value::Float(f)) => a.as_f64() == Some(*f),
        (J::Null, Value::Null) => true,
        _ => false,
    }
}

fn is_octal(node: &Node) -> bool {
    node.as_str().is_some_and(|s| {
        s.len() > 1 && s.starts_with('0') && s.bytes().all(|b| (b'0'..=b'7').contains(&b))
    })
}

/// RFC 3339 as Go's `time.RFC3339` parses it: date `T` time, optional
/// fraction, `Z` or an offset.
fn is_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    if !(digits(0..4) && at(4, b'-') && digits(5..7) && at(7, b'-') && digits(8..10))
        || !(at(10, b'T') || at(10, b't'))
        || !(digits(11..13) && at(13, b':') && digits(14..16) && at(16, b':') && digits(17..19))
    {
        return false;
    }
    let mut i = 19;
    if at(i, b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match b.get(i) {
        Some(b'Z' | b'z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            digits(i + 1..i + 3) && at(i + 3, b':') && digits(i + 4..i + 6) && i + 6 == b.len()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::is_date_time;

    #[test]
    fn date_times_as_go_reads_them() {
        for ok in ["2026-01-31T12:00:00Z", "2026-01-31T12:00:00.123+01:00"] {
            assert!(is_date_time(ok), "{ok}");
        }
        for bad in [
            "2026-01-31",
            "2026-01-31 12:00:00Z",
            "2026-01-31T12:00:00",
            "yesterday",
        ] {
            assert!(!is_date_time(bad), "{bad}");
        }
    }
}
