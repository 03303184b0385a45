//! Functions of the Kubernetes CEL libraries that custom rules and
//! ValidatingAdmissionPolicies may call, on top of the standard library and
//! the strings extension: regex `find` / `findAll`, list `isSorted` / `sum`,
//! and the validity checks `isQuantity`, `isIP`, `isCIDR`, `isURL`. Each
//! takes what Kubernetes' takes and answers as it does.

use std::sync::Arc;

use cel::extractors::{Arguments, This};
use cel::{ExecutionError, Value};

/// The names, for the list of functions an expression may call.
pub const FUNCTIONS: &[&str] = &[
    "find",
    "findAll",
    "isSorted",
    "sum",
    "isQuantity",
    "isIP",
    "isCIDR",
    "isURL",
];

/// Adds the functions to an evaluation's context.
pub fn add(cx: &mut cel::Context) {
    // A name the environment already declares cannot be added; none of these
    // is in the standard library or the strings extension.
    let _ = cx.add_function("find", find);
    let _ = cx.add_function("findAll", find_all);
    let _ = cx.add_function("isSorted", is_sorted);
    let _ = cx.add_function("sum", sum);
    let _ = cx.add_function("isQuantity", |s: Arc<String>| is_quantity(&s));
    let _ = cx.add_function("isIP", |s: Arc<String>| {
        s.parse::<std::net::IpAddr>().is_ok()
    });
    let _ = cx.add_function("isCIDR", |s: Arc<String>| is_cidr(&s));
    let _ = cx.add_function("isURL", |s: Arc<String>| is_url(&s));
}

fn failed(function: &str, why: impl Into<String>) -> ExecutionError {
    ExecutionError::function_error(function, why.into())
}

/// A pattern from a policy, compiled with bounds (RE2 syntax, as Go's).
fn regex(pattern: &str) -> Result<regex::Regex, ExecutionError> {
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .dfa_size_limit(1 << 20)
        .build()
        .map_err(|_| failed("find", "the pattern is not a valid regular expression"))
}

/// `'abc 123'.find('[0-9]+')` → `'123'`; `''` when nothing matches.
fn find(This(s): This<Arc<String>>, pattern: Arc<String>) -> Result<Value, ExecutionError> {
    let found = regex(&pattern)?.find(&s).map_or("", |m| m.as_str());
    Ok(Value::String(Arc::new(found.to_string())))
}

/// `s.findAll(re)` and `s.findAll(re, limit)` (a negative limit: all).
fn find_all(
    This(s): This<Arc<String>>,
    Arguments(args): Arguments,
) -> Result<Value, ExecutionError> {
    let pattern = match args.first() {
        Some(Value::String(p)) => p.clone(),
        _ => return Err(failed("findAll", "the pattern must be a string")),
    };
    let limit = match args.get(1) {
        None => usize::MAX,
        Some(Value::Int(n)) => usize::try_from(*n).unwrap_or(usize::MAX),
        Some(_) => return Err(failed("findAll", "the limit must be an int")),
    };
    let all: Vec<Value> = regex(&pattern)?
        .find_iter(&s)
        .take(limit)
        .map(|m| Value::String(Arc::new(m.as_str().to_string())))
        .collect();
    Ok(Value::List(Arc::new(all)))
}

/// `[1, 2, 3].isSorted()`: ints, uints, doubles or strings, ascending.
fn is_sorted(This(list): This<Arc<Vec<Value>>>) -> Result<bool, ExecutionError> {
    for pair in list.windows(2) {
        let ordered = match (&pair[0], &pair[1]) {
            (Value::Int(a), Value::Int(b)) => a <= b,
            (Value::UInt(a), Value::UInt(b)) => a <= b,
            (Value::Float(a), Value::Float(b)) => a <= b,
            (Value::String(a), Value::String(b)) => a <= b,
            _ => {
                return Err(failed(
                    "isSorted",
                    "the list holds values that do not compare",
                ))
            }
        };
        if !ordered {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `[1, 2, 3].sum()`: of ints, uints or doubles; `0` for an empty list.
fn sum(This(list): This<Arc<Vec<Value>>>) -> Result<Value, ExecutionError> {
    let overflow = || failed("sum", "the sum overflows");
    match list.first() {
        None | Some(Value::Int(_)) => {
            let mut total: i64 = 0;
            for v in list.iter() {
                let Value::Int(i) = v else {
                    return Err(failed("sum", "the list mixes types"));
                };
                total = total.checked_add(*i).ok_or_else(overflow)?;
            }
            Ok(Value::Int(total))
        }
        Some(Value::UInt(_)) => {
            let mut total: u64 = 0;
            for v in list.iter() {
                let Value::UInt(u) = v else {
                    return Err(failed("sum", "the list mixes types"));
                };
                total = total.checked_add(*u).ok_or_else(overflow)?;
            }
            Ok(Value::UInt(total))
        }
        Some(Value::Float(_)) => {
            let mut total = 0.0;
            for v in list.iter() {
                let Value::Float(f) = v else {
                    return Err(failed("sum", "the list mixes types"));
                };
                total += f;
            }
            Ok(Value::Float(total))
        }
        Some(_) => Err(failed("sum", "only numbers can be summed")),
    }
}

/// A Kubernetes quantity: `128Mi`, `0.5`, `500m`, `1e3`.
fn is_quantity(s: &str) -> bool {
    let s = s.trim();
    let digits_end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(s.len());
    let (number, suffix) = s.split_at(digits_end);
    let number_ok = !number.is_empty()
        && number.trim_start_matches(['+', '-']).parse::<f64>().is_ok()
        && number.matches('.').count() <= 1;
    let suffix_ok = matches!(
        suffix,
        "" | "Ki"
            | "Mi"
            | "Gi"
            | "Ti"
            | "Pi"
            | "Ei"
            | "n"
            | "u"
            | "m"
            | "k"
            | "M"
            | "G"
            | "T"
            | "P"
            | "E"
    ) || suffix
        .strip_prefix(['e', 'E'])
        .is_some_and(|e| e.trim_start_matches(['+', '-']).parse::<u32>().is_ok());
    number_ok && suffix_ok
}

fn is_cidr(s: &str) -> bool {
    let Some((ip, bits)) = s.split_once('/') else {
        return false;
    };
    let Ok(ip) = ip.parse::<std::net::IpAddr>() else {
        return false;
    };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    bits.parse::<u8>().is_ok_and(|b| b <= max) && !bits.starts_with('+')
}

/// An absolute URL with a scheme and a host, or an absolute path.
fn is_url(s: &str) -> bool {
    if s.starts_with('/') {
        return !s.contains(char::is_whitespace);
    }
    let Some((scheme, rest)) = s.split_once("://") else {
        return false;
    };
    let scheme_ok = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    scheme_ok && !host.is_empty() && !s.contains(char::is_whitespace)
}
