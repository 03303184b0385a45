//! Which ingress rule cloudflared routes a URL to: the first rule, top to bottom,
//! whose hostname and path both match. The port is stripped; hostnames compare
//! exactly (case-sensitive), `*.rest` matches any host ending in `.rest`, and a
//! Unicode rule also matches its punycode form; a path regex is unanchored and
//! runs on the decoded path (empty for `https://host`); the query is ignored.

use super::service::{host_of, split_scheme};
use super::Rule;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatchError {
    #[error("`{0}` is not a URL with a scheme and a host (e.g. https://app.example.com/path)")]
    NotAUrl(String),
    #[error("no rule matches `{0}` (the config has no catch-all rule)")]
    NoRule(String),
}

/// Host and decoded path of a URL, as Go's `url.Parse` sees them.
fn host_and_path(url: &str) -> Option<(String, String)> {
    // Go refuses control characters and spaces anywhere in a URL, and an
    // escape that is not `%` and two hex digits.
    if url.chars().any(|c| c.is_control() || c == ' ') || super::service::bad_escape(url).is_some()
    {
        return None;
    }
    let (_, rest) = split_scheme(url)?;
    let after = rest.strip_prefix("//")?;
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let authority = &after[..end];
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    // In a host, Go allows `%XX` only for non-ASCII bytes (and `%25` in an
    // IPv6 zone): `%61` for `a` is refused.
    let ascii_escape = hostport.match_indices('%').any(|(i, _)| {
        let esc = hostport.get(i..i + 3).unwrap_or("");
        esc != "%25"
            && esc
                .as_bytes()
                .get(1)
                .is_some_and(|d| matches!(d, b'0'..=b'7'))
    });
    if ascii_escape {
        return None;
    }
    // An IPv6 literal must close its bracket; a port must be digits.
    let port = if let Some(v6) = hostport.strip_prefix('[') {
        let (_, after_bracket) = v6.split_once(']')?;
        match after_bracket {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        }
    } else {
        hostport.rsplit_once(':').map(|(_, p)| p)
    };
    if port.is_some_and(|p| !p.bytes().all(|b| b.is_ascii_digit()) || p.len() > 5) {
        return None;
    }
    let host = host_of(authority.rsplit_once('@').map_or(authority, |(_, h)| h));
    if host.is_empty() {
        return None;
    }
    let tail = &after[end..];
    let raw_path = if tail.starts_with('/') {
        tail.split(['?', '#']).next().unwrap_or("")
    } else {
        ""
    };
    Some((host.to_string(), percent_decode(raw_path)))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |x: u8| (x as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).copied().and_then(hex),
            b.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn host_matches(rule_host: &str, host: &str) -> bool {
    if rule_host == host {
        return true;
    }
    match rule_host.strip_prefix('*') {
        Some(suffix) if suffix.starts_with('.') => host.ends_with(suffix),
        _ => false,
    }
}

/// The 0-based index of the rule `url` is routed to.
pub fn match_url(rules: &[Rule], url: &str) -> Result<usize, MatchError> {
    let (host, path) = host_and_path(url).ok_or_else(|| MatchError::NotAUrl(url.to_string()))?;
    rules
        .iter()
        .position(|r| {
            let host_ok = r.hostname.is_empty()
                || r.hostname == "*"
                || host_matches(&r.hostname, &host)
                || r.punycode
                    .as_deref()
                    .is_some_and(|p| host_matches(p, &host));
            // The path only when the host matches: a pattern is compiled
            // the first time it is needed.
            host_ok
                && match (&r.path, &r.path_text) {
                    (Some(re), _) => re.is_match(&path),
                    (None, Some(_)) => false,
                    (None, None) => true,
                }
        })
        .ok_or_else(|| MatchError::NoRule(url.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_go_refuses_are_refused() {
        for bad in [
            "http://[::1/",
            "http://h:port/",
            "http://h/\u{7}x",
            "http://h/a b",
            "http://[::1]x/",
            "http://h/%zz",
            "http://h/%4",
            "http://%61pp.example.com/",
        ] {
            assert!(host_and_path(bad).is_none(), "{bad}");
        }
        assert!(host_and_path("http://[::1]:8080/x").is_some());
        assert!(host_and_path("http://h/%41b").is_some());
        assert!(host_and_path("http://%C3%A9.example.com/").is_some());
        assert!(host_and_path("https://a.example.com:443/p").is_some());
    }

    #[test]
    fn urls_split_like_go() {
        assert_eq!(
            host_and_path("https://a.example.com"),
            Some(("a.example.com".into(), String::new()))
        );
        assert_eq!(
            host_and_path("https://a.example.com:8443/x%20y?q=1"),
            Some(("a.example.com".into(), "/x y".into()))
        );
        assert_eq!(
            host_and_path("http://[::1]:80/"),
            Some(("::1".into(), "/".into()))
        );
        assert_eq!(host_and_path("a.example.com/x"), None);
        assert_eq!(host_and_path("https:///x"), None);
    }

    #[test]
    fn wildcards_need_a_label() {
        assert!(host_matches("*.example.com", "a.b.example.com"));
        assert!(!host_matches("*.example.com", "example.com"));
        assert!(!host_matches("App.example.com", "app.example.com"));
    }
}
