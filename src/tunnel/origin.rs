//! `originRequest` values as cloudflared decodes them into typed fields.

use crate::yaml::{Node, Value};

/// What an `originRequest` value must be, when it is not: cloudflared
/// decodes the config into typed fields (Go durations from strings such as
/// `30s`, booleans, integers, strings) and refuses anything else at start.
pub(super) fn origin_value_refused(key: &str, v: &Node) -> Option<&'static str> {
    let scalar = !matches!(v.value, Value::Seq(_) | Value::Map(_));
    match key {
        "connectTimeout" | "tlsTimeout" | "tcpKeepAlive" | "keepAliveTimeout" => {
            let ok = matches!(&v.value, Value::Str(t) if is_go_duration(t));
            (!ok).then_some("a duration such as `30s` or `1m30s` (a bare number is refused)")
        }
        "noHappyEyeballs"
        | "noTLSVerify"
        | "disableChunkedEncoding"
        | "bastionMode"
        | "http2Origin"
        | "matchSNItoHost" => {
            let ok = matches!(v.value, Value::Bool(_))
                || matches!(&v.value, Value::Str(t) if matches!(t.to_ascii_lowercase().as_str(), "yes" | "no" | "on" | "off" | "y" | "n"));
            (!ok).then_some("a boolean (`true` or `false`)")
        }
        "keepAliveConnections" => {
            let ok = v.as_i64().is_some_and(|n| i32::try_from(n).is_ok());
            (!ok).then_some("a whole number")
        }
        "proxyPort" => {
            let ok = v.as_i64().is_some_and(|n| (0..=65535).contains(&n));
            (!ok).then_some("a port number from 0 to 65535")
        }
        "httpHostHeader" | "originServerName" | "caPool" | "proxyAddress" | "proxyType" => {
            (!scalar || matches!(v.value, Value::Null)).then_some("a string")
        }
        _ => None,
    }
}

/// Go's `time.ParseDuration` syntax: `0`, or signed decimal numbers each with
/// a unit (`ns`, `us`, `µs`, `ms`, `s`, `m`, `h`), e.g. `1h30m`, `1.5s`.
fn is_go_duration(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    if body == "0" {
        return true;
    }
    let mut rest = body;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let num = &rest[..num_len];
        if num.is_empty() || num == "." || num.matches('.').count() > 1 {
            return false;
        }
        rest = &rest[num_len..];
        let unit = ["ns", "us", "µs", "μs", "ms", "s", "m", "h"]
            .into_iter()
            .find(|u| rest.starts_with(u) && !(*u == "m" && rest.starts_with("ms")));
        let Some(unit) = unit else { return false };
        rest = &rest[unit.len()..];
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_values_decode_like_cloudflared() {
        for ok in ["30s", "1m30s", "1.5h", "0", "100ms", "-2us"] {
            assert!(is_go_duration(ok), "{ok}");
        }
        for bad in ["banana", "30", "", "s", "1.2.3s", "10 s", "1d"] {
            assert!(!is_go_duration(bad), "{bad}");
        }
        let node = |t: &str| crate::yaml::parse_single(t, crate::source::FileId(0)).unwrap();
        assert!(origin_value_refused("connectTimeout", &node("30")).is_some());
        assert!(origin_value_refused("connectTimeout", &node("30s")).is_none());
        assert!(origin_value_refused("httpHostHeader", &node("[a, b]")).is_some());
        assert!(origin_value_refused("httpHostHeader", &node("app.internal")).is_none());
        assert!(origin_value_refused("noTLSVerify", &node("banana")).is_some());
        assert!(origin_value_refused("proxyPort", &node("70000")).is_some());
    }
}
