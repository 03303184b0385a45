//! An ingress rule's `service`, classified the way cloudflared parses it.

/// What a `service` value is, once accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Service {
    HttpStatus(u16),
    Unix(String),
    HelloWorld,
    Bastion,
    SocksProxy,
    Url(String),
}

/// Why a `service` value is refused: (code, message, help).
pub type Refusal = (&'static str, String, String);

/// Classifies `service` (`None` when the key is absent); `bastion_mode` is
/// `originRequest.bastionMode` of the same rule.
pub fn classify(service: Option<&str>, bastion_mode: bool) -> Result<Service, Refusal> {
    let Some(s) = service else {
        if bastion_mode {
            return Ok(Service::Bastion);
        }
        return Err((
            "service-missing-scheme-or-host",
            "the rule has no `service`".into(),
            "add `service: http://host:port` (or `http_status:404`)".into(),
        ));
    };
    if s.starts_with("unix:") || s.starts_with("unix+tls:") {
        return Ok(Service::Unix(s.to_string()));
    }
    match s {
        "hello_world" | "hello-world" => return Ok(Service::HelloWorld),
        "bastion" => return Ok(Service::Bastion),
        "socks-proxy" => return Ok(Service::SocksProxy),
        _ => {}
    }
    if let Some(code) = s.strip_prefix("http_status:") {
        return match code.parse::<u16>() {
            Ok(n) if (100..=999).contains(&n) => Ok(Service::HttpStatus(n)),
            _ => Err((
                "invalid-http-status",
                format!("`{s}`: the status must be a whole number from 100 to 999"),
                "write e.g. `http_status:404`".into(),
            )),
        };
    }
    classify_url(s).map(|()| Service::Url(s.to_string()))
}

/// Go's `url.Parse`, then cloudflared's checks: a scheme, a host, and no path.
fn classify_url(s: &str) -> Result<(), Refusal> {
    let parse_error = |why: &str| {
        (
            "service-url-parse",
            format!("`{s}` is not a URL: {why}"),
            "write the origin as scheme://host:port, e.g. http://api.default.svc.cluster.local:8080".to_string(),
        )
    };
    if s.starts_with(':') {
        return Err(parse_error("missing protocol scheme"));
    }
    if s.chars().any(|c| c.is_control()) {
        return Err(parse_error("invalid control character in URL"));
    }
    if let Some(bad) = bad_escape(s) {
        return Err(parse_error(&format!("invalid URL escape `{bad}`")));
    }
    let missing = || {
        (
            "service-missing-scheme-or-host",
            format!("`{s}` has no scheme or no host"),
            format!(
                "cloudflared needs scheme://host[:port]; did you mean `http://{}`?",
                s.trim_start_matches('/')
            ),
        )
    };
    let Some((scheme, rest)) = split_scheme(s) else {
        return Err(missing());
    };
    let _ = scheme;
    let Some(after) = rest.strip_prefix("//") else {
        return Err(missing());
    };
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let authority = &after[..end];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if let Some(bracketed) = host_port.strip_prefix('[') {
        if !bracketed.contains(']') {
            return Err(parse_error("missing ']' in host"));
        }
    } else if host_port.contains([' ', '<', '>', '"', '{', '}', '|', '\\', '^', '`']) {
        return Err(parse_error("invalid character in host name"));
    }
    let host = host_of(host_port);
    if host.is_empty() {
        return Err(missing());
    }
    if let Some((_, port)) = host_port
        .rsplit_once(':')
        .filter(|_| !host_port.ends_with(']'))
    {
        if !port.bytes().all(|b| b.is_ascii_digit()) {
            return Err(parse_error(&format!("invalid port `:{port}` after host")));
        }
    }
    if after[end..].starts_with('/') {
        return Err((
            "service-has-path",
            format!("`{s}` has a path; cloudflared cannot proxy to a different path on the origin"),
            "remove the path (route paths with the rule's `path` instead)".into(),
        ));
    }
    Ok(())
}

/// The scheme and what follows `scheme:`, when `s` starts with a Go-valid scheme.
pub fn split_scheme(s: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = s.split_once(':')?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic() && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)))
        .then_some((scheme, rest))
}

/// The host of `host[:port]` or `[v6]:port`, without brackets.
pub fn host_of(host_port: &str) -> &str {
    if let Some(b) = host_port.strip_prefix('[') {
        return b.split(']').next().unwrap_or("");
    }
    match host_port.rsplit_once(':') {
        Some((h, _)) => h,
        None => host_port,
    }
}

pub(super) fn bad_escape(s: &str) -> Option<String> {
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '%' {
            let ok = chars.get(i + 1).is_some_and(char::is_ascii_hexdigit)
                && chars.get(i + 2).is_some_and(char::is_ascii_hexdigit);
            if !ok {
                return Some(chars[i..(i + 3).min(chars.len())].iter().collect());
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> &'static str {
        classify(Some(s), false).err().map_or("ok", |e| e.0)
    }

    #[test]
    fn services_as_cloudflared_reads_them() {
        assert_eq!(code("http://localhost:8080"), "ok");
        assert_eq!(code("https://a.example.com?x=1"), "ok");
        assert_eq!(code("tcp://db:5432"), "ok");
        assert_eq!(code("unix:/run/app.sock"), "ok");
        assert_eq!(code("unix+tls:/run/app.sock"), "ok");
        assert_eq!(code("hello_world"), "ok");
        assert_eq!(code("http_status:404"), "ok");
        assert_eq!(code("http_status:99"), "invalid-http-status");
        assert_eq!(code("http_status:abc"), "invalid-http-status");
        assert_eq!(code("localhost:8080"), "service-missing-scheme-or-host");
        assert_eq!(code("localhost"), "service-missing-scheme-or-host");
        assert_eq!(code("http://"), "service-missing-scheme-or-host");
        assert_eq!(code("http://a:80/"), "service-has-path");
        assert_eq!(code("http://a:80/api"), "service-has-path");
        assert_eq!(code("://a"), "service-url-parse");
        assert_eq!(code("http://a b"), "service-url-parse");
        assert_eq!(code("http://a/%zz"), "service-url-parse");
        assert_eq!(code("http://a/%aé"), "service-url-parse");
        assert_eq!(code("http://ä.example/"), "service-has-path");
        assert_eq!(code("http://[::1"), "service-url-parse");
        assert_eq!(classify(None, true), Ok(Service::Bastion));
        assert_eq!(
            classify(None, false).err().map(|e| e.0),
            Some("service-missing-scheme-or-host")
        );
    }
}
