//! Custom rules' CEL: the environment's functions, bounds on an expression,
//! the conversion of our node tree to CEL values, and run-time errors in words
//! that never show the object's values.

use std::sync::Arc;

use crate::yaml::{Node, Value};

/// The functions the CEL environment provides (the standard library and the
/// strings extension); a test evaluates every one.
pub const CEL_FUNCTIONS: &[&str] = &[
    "bool",
    "bytes",
    "charAt",
    "contains",
    "double",
    "dyn",
    "endsWith",
    "format",
    "indexOf",
    "int",
    "join",
    "lastIndexOf",
    "lowerAscii",
    "matches",
    "quote",
    "replace",
    "reverse",
    "size",
    "split",
    "startsWith",
    "string",
    "substring",
    "trim",
    "type",
    "uint",
    "upperAscii",
];

/// Functions an expression calls that the environment does not provide
/// (operators and macros are not functions here).
pub fn unknown_functions(p: &cel::Program) -> Vec<String> {
    let mut out: Vec<String> = p
        .references()
        .functions()
        .into_iter()
        .filter(|f| {
            !f.starts_with(['_', '!', '@'])
                && !CEL_FUNCTIONS.contains(f)
                && !super::cel_k8s::FUNCTIONS.contains(f)
        })
        .map(str::to_string)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Bounds on a CEL expression before it is parsed: the parser recurses on
/// nesting, and evaluation cost grows with size.
pub fn cel_within_limits(expr: &str) -> Result<(), String> {
    const MAX_BYTES: usize = 8 * 1024;
    const MAX_NESTING: usize = 32;
    if expr.len() > MAX_BYTES {
        return Err(format!("is longer than {MAX_BYTES} bytes"));
    }
    let mut depth = 0usize;
    let mut deepest = 0usize;
    for c in expr.chars() {
        match c {
            '(' | '[' | '{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if deepest > MAX_NESTING {
        return Err(format!("nests brackets more than {MAX_NESTING} deep"));
    }
    Ok(())
}

/// The type of a CEL value, never the value (it may be a secret of the object).
pub fn cel_type(v: &cel::Value) -> &'static str {
    match v {
        cel::Value::List(_) => "list",
        cel::Value::Map(_) => "map",
        cel::Value::Function(..) => "function",
        cel::Value::Int(_) => "int",
        cel::Value::UInt(_) => "uint",
        cel::Value::Float(_) => "double",
        cel::Value::String(_) => "string",
        cel::Value::Bytes(_) => "bytes",
        cel::Value::Bool(_) => "bool",
        cel::Value::Null => "null",
        _ => "value",
    }
}

/// A CEL runtime error in words that name keys, functions and types, never the
/// object's values: `cel`'s own messages print the values they failed on.
pub fn cel_error_text(e: &cel::ExecutionError) -> String {
    use cel::ExecutionError as E;
    #[allow(deprecated)]
    match e {
        E::InvalidArgumentCount { expected, actual } => {
            format!("a function got {actual} arguments, expected {expected}")
        }
        E::UnsupportedTargetType { target } => {
            format!("a function cannot be applied to a {}", cel_type(target))
        }
        E::NotSupportedAsMethod { method, target } => {
            format!("`{method}` is not a method of {}", cel_type(target))
        }
        E::UnsupportedKeyType(v) => format!("a {} cannot be a map key", cel_type(v)),
        E::UnexpectedType { got, want } => format!("expected {want}, got {got}"),
        E::NoSuchKey(k) => format!("no such key `{k}` (guard it with has())"),
        E::NoSuchOverload(_) => {
            "no overload of a function or operator for these argument types".into()
        }
        E::UndeclaredReference(r) => format!("undeclared reference to `{r}`"),
        E::MissingArgumentOrTarget => "a function is missing its argument or target".into(),
        E::ValuesNotComparable(a, b) => {
            format!("a {} cannot be compared to a {}", cel_type(a), cel_type(b))
        }
        E::UnsupportedBinaryOperator(op, a, b) => format!(
            "operator `{op}` does not apply to a {} and a {}",
            cel_type(a),
            cel_type(b)
        ),
        E::UnsupportedIndex(i, t) => {
            format!("a {} cannot index a {}", cel_type(i), cel_type(t))
        }
        E::FunctionError { function, .. } => format!("function `{function}` failed on its input"),
        E::DivisionByZero(_) | E::RemainderByZero(_) => "division by zero".into(),
        E::Overflow(op, ..) => format!("operator `{op}` overflowed"),
        E::IndexOutOfBounds(_) => "list index out of bounds".into(),
        E::DuplicateKey(_) => "a map literal repeats a key".into(),
        _ => "the expression failed at run time".into(),
    }
}

/// Our node as a CEL value. Integers stay signed (`replicas + 1` works).
pub fn to_cel(n: &Node) -> cel::Value {
    match &n.value {
        Value::Null => cel::Value::Null,
        Value::Bool(b) => cel::Value::Bool(*b),
        Value::Int(i) => cel::Value::Int(*i),
        Value::Float(f) => cel::Value::Float(*f),
        Value::Str(s) => cel::Value::String(Arc::new(s.to_string())),
        Value::Seq(items) => cel::Value::List(Arc::new(items.iter().map(to_cel).collect())),
        Value::Map(entries) => {
            let m: std::collections::HashMap<String, cel::Value> = entries
                .iter()
                .map(|(k, v)| (k.scalar_text().unwrap_or_default(), to_cel(v)))
                .collect();
            cel::Value::Map(m.into())
        }
    }
}

/// The CEL environment of ValidatingAdmissionPolicies: the standard library
/// with the strings, lists and math extensions.
pub fn kubernetes_env() -> std::sync::Arc<cel::Env> {
    let mut env = cel::Env::stdlib();
    // An extension that cannot be added leaves its functions out; an
    // expression calling one then fails to compile, which is reported.
    let _ = env.add_extension(cel::extensions::strings);
    let _ = env.add_extension(cel::extensions::lists);
    let _ = env.add_extension(cel::extensions::math);
    std::sync::Arc::new(env)
}

#[cfg(test)]
mod cel_tests {
    use super::*;

    /// Every listed function exists and runs in the environment rules use.
    #[test]
    fn every_listed_function_runs() {
        let mut env = cel::Env::stdlib();
        assert!(env.add_extension(cel::extensions::strings).is_ok());
        let env = Arc::new(env);
        let uses = [
            ("bool", "bool('true')"),
            ("bytes", "size(bytes('a')) == 1"),
            ("charAt", "'ab'.charAt(1) == 'b'"),
            ("contains", "'ab'.contains('b')"),
            ("double", "double(1) == 1.0"),
            ("dyn", "dyn(1) == 1"),
            ("endsWith", "'ab'.endsWith('b')"),
            ("format", "'%s'.format(['a']) == 'a'"),
            ("indexOf", "'ab'.indexOf('b') == 1"),
            ("int", "int('1') == 1"),
            ("join", "['a','b'].join('-') == 'a-b'"),
            ("lastIndexOf", "'abb'.lastIndexOf('b') == 2"),
            ("lowerAscii", "'A'.lowerAscii() == 'a'"),
            ("matches", "'ab'.matches('^a')"),
            ("quote", "strings.quote('a') == '\"a\"'"),
            ("replace", "'ab'.replace('b', 'c') == 'ac'"),
            ("reverse", "'ab'.reverse() == 'ba'"),
            ("size", "size('ab') == 2"),
            ("split", "'a,b'.split(',') == ['a','b']"),
            ("startsWith", "'ab'.startsWith('a')"),
            ("string", "string(1) == '1'"),
            ("substring", "'abc'.substring(1) == 'bc'"),
            ("trim", "' a '.trim() == 'a'"),
            ("type", "type(1) == int"),
            ("uint", "uint(1) == 1u"),
            ("upperAscii", "'a'.upperAscii() == 'A'"),
        ];
        for f in CEL_FUNCTIONS {
            let (_, expr) = uses
                .iter()
                .find(|(n, _)| n == f)
                .unwrap_or_else(|| panic!("no use of {f}"));
            let p = env.compile(expr).unwrap_or_else(|e| panic!("{f}: {e}"));
            let cx = cel::Context::with_env(env.clone());
            assert_eq!(
                p.execute(&cx).ok(),
                Some(cel::Value::Bool(true)),
                "{f}: {expr}"
            );
        }
        let p = env
            .compile("foo(1) == 1 && 'a'.bar()")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            unknown_functions(&p),
            vec!["bar".to_string(), "foo".to_string()]
        );
    }
}
