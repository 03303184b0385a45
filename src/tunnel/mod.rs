//! cloudflared `config.yaml`: validation exactly as cloudflared does it (but
//! reporting every error, not the first), warnings for what cloudflared silently
//! accepts, and the ingress rule a URL is routed to.
//!
//! cloudflared checks each rule's service, then access, then hostname, then path;
//! the last rule must match everything and no earlier one may. Every finding
//! points at the YAML node it is about.

pub mod cli;
mod matcher;
mod origin;
mod path;
mod service;

use origin::origin_value_refused;
pub use path::PathRegex;

pub use matcher::{match_url, MatchError};

use crate::problem::did_you_mean;
use crate::source::FileId;
use crate::yaml::{self, Node, Span, Value};

pub use crate::diag::Severity;

/// One problem in a config file.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub help: String,
    /// 0-based index of the ingress rule, when the finding is about one.
    pub rule: Option<usize>,
    pub span: Span,
}

/// An ingress rule as cloudflared keeps it after validation.
#[derive(Debug, Clone)]
pub struct Rule {
    pub hostname: String,
    /// The hostname's punycode form, when it differs.
    pub punycode: Option<String>,
    pub path: Option<PathRegex>,
    pub path_text: Option<String>,
    pub service: String,
    pub span: Span,
}

impl Rule {
    pub fn is_catch_all(&self) -> bool {
        (self.hostname.is_empty() || self.hostname == "*") && self.path_text.is_none()
    }
}

/// The outcome of validating one file.
#[derive(Debug, Clone)]
pub struct Validation {
    pub findings: Vec<Finding>,
    /// The rules, in order (also those with errors, for matching what parsed).
    pub rules: Vec<Rule>,
}

impl Validation {
    pub fn is_valid(&self) -> bool {
        !self.findings.iter().any(|f| f.severity == Severity::Error)
    }
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
    }
    pub fn warnings(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
    }
}

const RULE_KEYS: &[&str] = &["hostname", "path", "service", "originRequest", "access"];
const ORIGIN_KEYS: &[&str] = &[
    "connectTimeout",
    "tlsTimeout",
    "tcpKeepAlive",
    "noHappyEyeballs",
    "keepAliveConnections",
    "keepAliveTimeout",
    "httpHostHeader",
    "originServerName",
    "matchSNItoHost",
    "caPool",
    "noTLSVerify",
    "disableChunkedEncoding",
    "bastionMode",
    "proxyAddress",
    "proxyPort",
    "proxyType",
    "ipRules",
    "http2Origin",
    "access",
];
const ACCESS_KEYS: &[&str] = &["required", "teamName", "audTag", "environment"];
const WARP_KEYS: &[&str] = &["connectTimeout", "maxActiveFlows", "tcpKeepAlive"];
const IP_RULE_KEYS: &[&str] = &["prefix", "ports", "allow"];

struct Checker {
    findings: Vec<Finding>,
}

impl Checker {
    fn push(
        &mut self,
        severity: Severity,
        code: &'static str,
        rule: Option<usize>,
        span: Span,
        message: String,
        help: impl Into<String>,
    ) {
        // Messages quote the user's values (a `service` URL, a hostname):
        // credentials in them are masked here, for every reader.
        self.findings.push(Finding {
            code,
            severity,
            message: crate::secret::redact(&message),
            help: crate::secret::redact(&help.into()),
            rule,
            span,
        });
    }
    fn error(
        &mut self,
        code: &'static str,
        rule: Option<usize>,
        span: Span,
        message: String,
        help: impl Into<String>,
    ) {
        self.push(Severity::Error, code, rule, span, message, help);
    }
    fn warn(
        &mut self,
        code: &'static str,
        rule: Option<usize>,
        span: Span,
        message: String,
        help: impl Into<String>,
    ) {
        self.push(Severity::Warning, code, rule, span, message, help);
    }

    /// Keys cloudflared ignores silently (a typo, or `noTlsVerify` for `noTLSVerify`).
    fn unknown_keys(&mut self, node: &Node, known: &[&str], what: &str, rule: Option<usize>) {
        let Some(entries) = node.as_map() else { return };
        for (k, _) in entries {
            let key = k.scalar_text().unwrap_or_default();
            if known.contains(&key.as_str()) {
                continue;
            }
            let help = match did_you_mean(&key, known.iter().copied()) {
                Some(m) => format!("did you mean `{m}`? cloudflared ignores unknown keys silently"),
                None => format!("known keys: {}", known.join(", ")),
            };
            self.warn(
                "unknown-key",
                rule,
                k.span,
                format!("unknown key `{key}` in {what}"),
                help,
            );
        }
    }

    fn origin_request(&mut self, node: &Node, rule: Option<usize>, is_socks: bool) {
        let where_ = rule.map_or("the global originRequest".to_string(), |i| {
            format!("ingress[{i}].originRequest")
        });
        self.unknown_keys(node, ORIGIN_KEYS, &where_, rule);
        for (k, v) in node.as_map().unwrap_or_default() {
            let key = k.as_str().unwrap_or("");
            if let Some(expected) = origin_value_refused(key, v) {
                self.error(
                    "origin-request-type",
                    rule,
                    v.span,
                    format!(
                        "{where_}.{key} is not {expected}; cloudflared cannot decode the config"
                    ),
                    format!("write {key} as {expected}"),
                );
            }
        }
        if let Some((k, v)) = node.entry("noTLSVerify") {
            if v.as_bool() == Some(true) {
                self.warn(
                    "no-tls-verify",
                    rule,
                    k.span,
                    format!("{where_} turns off TLS verification of the origin"),
                    "give cloudflared the origin's CA (`caPool`) or its name (`originServerName`) instead",
                );
            }
        }
        if let Some(access) = node.get("access") {
            self.unknown_keys(access, ACCESS_KEYS, &format!("{where_}.access"), rule);
            self.access(access, rule);
        }
        if let Some(rules) = node.get("ipRules").and_then(Node::as_seq) {
            for r in rules {
                self.unknown_keys(r, IP_RULE_KEYS, &format!("{where_}.ipRules"), rule);
                if !is_socks {
                    continue;
                }
                let Some(prefix) = r.get("prefix") else {
                    continue;
                };
                let text = prefix.scalar_text().unwrap_or_default();
                if !is_cidr(&text) {
                    self.error(
                        "ip-rule",
                        rule,
                        prefix.span,
                        format!("ipRules prefix `{text}` is not a CIDR"),
                        "write an address with a prefix length, e.g. 10.0.0.0/8 or 2001:db8::/32",
                    );
                }
            }
        }
    }

    fn access(&mut self, node: &Node, rule: Option<usize>) {
        let required = node.get("required").and_then(Node::as_bool) == Some(true);
        let aud = node.get("audTag").is_some_and(|a| match &a.value {
            Value::Seq(items) => !items.is_empty(),
            Value::Str(s) => !s.is_empty(),
            _ => false,
        });
        let team = node
            .get("teamName")
            .and_then(Node::scalar_text)
            .is_some_and(|t| !t.is_empty());
        if required && aud && !team {
            let span = node.get("required").map_or(node.span, |n| n.span);
            self.error(
                "access-missing-team-name",
                rule,
                span,
                "access is required with an audTag but no teamName".into(),
                "add `teamName:` (your Cloudflare Zero Trust team name)",
            );
        }
    }
}

fn is_cidr(s: &str) -> bool {
    let Some((addr, len)) = s.split_once('/') else {
        return false;
    };
    let Ok(len) = len.parse::<u8>() else {
        return false;
    };
    match addr.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => len <= 32,
        Ok(std::net::IpAddr::V6(_)) => len <= 128,
        Err(_) => false,
    }
}

/// Go's `net.SplitHostPort` succeeds: the hostname carries a port (or a scheme).
fn splits_host_port(h: &str) -> bool {
    if let Some(rest) = h.strip_prefix('[') {
        return rest
            .find(']')
            .is_some_and(|i| rest[i + 1..].starts_with(':'));
    }
    h.matches(':').count() == 1
}

fn str_of(node: Option<&Node>) -> Option<String> {
    node.and_then(Node::scalar_text)
}

/// Validates a config file's text.
pub fn validate(text: &str, file: FileId) -> Validation {
    match yaml::parse_single(text, file) {
        Ok(root) => validate_node(&root),
        Err(e) => {
            let mut c = Checker {
                findings: Vec::new(),
            };
            c.error(
                "yaml-parse",
                None,
                e.span,
                format!("not valid YAML: {}", e.message),
                "fix the YAML syntax (quote a bare `*` hostname: \"*\")",
            );
            Validation {
                findings: c.findings,
                rules: Vec::new(),
            }
        }
    }
}

/// Validates a parsed config.
pub fn validate_node(root: &Node) -> Validation {
    let mut c = Checker {
        findings: Vec::new(),
    };
    if let Some(o) = root.get("originRequest") {
        c.origin_request(o, None, false);
    }
    if let Some(w) = root.get("warp-routing") {
        c.warp_routing(w);
    }
    let items = match root.entry("ingress") {
        Some((_, v)) if v.as_seq().is_some_and(|s| !s.is_empty()) => v.as_seq().unwrap_or_default(),
        entry => {
            let span = entry.map_or(root.span, |(k, _)| k.span);
            c.error(
                "no-ingress-rules",
                None,
                span,
                "the config has no ingress rules".into(),
                "add `ingress:` with at least a last rule `- service: http_status:404`",
            );
            return Validation {
                findings: c.findings,
                rules: Vec::new(),
            };
        }
    };
    let mut rules: Vec<Rule> = Vec::new();
    let mut earlier = Covering::default();
    let last = items.len() - 1;
    for (i, item) in items.iter().enumerate() {
        let Some(r) = c.ingress_rule(i, item) else {
            continue;
        };
        c.placement(i, last, item, &r, &earlier);
        earlier.add(rules.len(), &r);
        rules.push(r);
    }
    let mut findings = c.findings;
    // Errors before warnings at one place.
    findings.sort_by_key(|f| {
        (
            f.span.start.line,
            f.span.start.col,
            std::cmp::Reverse(f.severity),
        )
    });
    Validation { findings, rules }
}

impl Checker {
    fn warp_routing(&mut self, w: &Node) {
        self.unknown_keys(w, &[WARP_KEYS, &["enabled"]].concat(), "warp-routing", None);
        if let Some((k, _)) = w.entry("enabled") {
            self.warn(
                "warp-routing-enabled",
                None,
                k.span,
                "`warp-routing.enabled` was removed from cloudflared and does nothing".into(),
                "remove it; WARP routing is configured on the tunnel in Cloudflare",
            );
        }
    }

    /// One ingress rule as cloudflared reads it, in its order: the service,
    /// origin settings, access, the hostname, the path. `None` when the item
    /// is not a rule at all.
    fn ingress_rule(&mut self, i: usize, item: &Node) -> Option<Rule> {
        let rule = Some(i);
        if item.as_map().is_none() {
            self.error(
                "service-missing-scheme-or-host",
                rule,
                item.span,
                format!("ingress[{i}] is not a mapping"),
                "write the rule as `- hostname: …` / `service: …`",
            );
            return None;
        }
        self.unknown_keys(item, RULE_KEYS, &format!("ingress[{i}]"), rule);
        let origin = item.get("originRequest");
        let bastion = origin
            .and_then(|o| o.get("bastionMode"))
            .and_then(Node::as_bool)
            == Some(true);
        let service_node = item.get("service");
        let service_text = str_of(service_node);
        let is_socks = service_text.as_deref() == Some("socks-proxy");
        if let Err((code, msg, help)) = service::classify(service_text.as_deref(), bastion) {
            self.error(
                code,
                rule,
                service_node.map_or(item.span, |n| n.span),
                format!("ingress[{i}]: {msg}"),
                help,
            );
        }
        if let Some(o) = origin {
            self.origin_request(o, rule, is_socks);
        }
        if let Some(a) = item.get("access") {
            self.unknown_keys(a, ACCESS_KEYS, &format!("ingress[{i}].access"), rule);
            self.access(a, rule);
        }
        let host_node = item.get("hostname");
        let hostname = str_of(host_node).unwrap_or_default();
        self.hostname(i, &hostname, host_node.map_or(item.span, |n| n.span));
        let path_node = item.get("path");
        let path_text = str_of(path_node).filter(|p| !p.is_empty());
        let path = path_text
            .as_deref()
            .and_then(|p| self.path_regex(i, p, path_node.map_or(item.span, |n| n.span)));
        Some(Rule {
            punycode: idna::domain_to_ascii(&hostname)
                .ok()
                .filter(|p| p != &hostname && !hostname.is_empty()),
            hostname,
            path,
            path_text,
            service: service_text.unwrap_or_default(),
            span: item.span,
        })
    }

    fn hostname(&mut self, i: usize, hostname: &str, span: Span) {
        let rule = Some(i);
        if splits_host_port(hostname) {
            self.error(
                "hostname-has-port",
                rule,
                span,
                format!("ingress[{i}]: hostname `{hostname}` has a port or scheme"),
                "a hostname is only the name (e.g. app.example.com); put ports and schemes in `service`",
            );
        }
        if hostname.rfind('*').is_some_and(|p| p > 0) {
            self.error(
                "bad-wildcard",
                rule,
                span,
                format!(
                    "ingress[{i}]: hostname `{hostname}` has a `*` that is not the first character"
                ),
                "a wildcard can only be the leftmost label: `*.example.com`",
            );
        } else if hostname.starts_with('*') && hostname.len() > 1 && !hostname.starts_with("*.") {
            self.warn(
                "wildcard-without-dot",
                rule,
                span,
                format!("ingress[{i}]: `{hostname}` is not a wildcard; cloudflared matches it only literally"),
                format!("did you mean `*.{}`?", &hostname[1..]),
            );
        }
    }

    /// The path as cloudflared compiles it (Go's RE2), bounded so that a
    /// hostile pattern errors instead of eating memory.
    fn path_regex(&mut self, i: usize, p: &str, span: Span) -> Option<PathRegex> {
        match PathRegex::new(p) {
            Ok(r) => Some(r),
            Err(e) => {
                let why = e
                    .to_string()
                    .lines()
                    .last()
                    .unwrap_or("")
                    .trim()
                    .to_string();
                self.error(
                    "invalid-path-regex",
                    Some(i),
                    span,
                    format!("ingress[{i}]: path `{p}` is not an RE2 regular expression: {why}"),
                    "cloudflared uses Go's RE2: no look-around, no back-references",
                );
                None
            }
        }
    }

    /// Where a rule stands among the others: the catch-all last, nothing
    /// after it, nothing an earlier rule already covers.
    fn placement(&mut self, i: usize, last: usize, item: &Node, r: &Rule, earlier: &Covering) {
        let rule = Some(i);
        if r.is_catch_all() && i < last {
            self.error(
                "catch-all-not-last",
                rule,
                item.get("hostname").map_or(item.span, |n| n.span),
                format!("ingress[{i}] matches every request, so the rules after it never match"),
                "move it to the end, or give it a hostname",
            );
        }
        if i == last && !r.is_catch_all() {
            self.error(
                "last-rule-not-catch-all",
                rule,
                item.span,
                format!("the last rule, ingress[{i}], does not match every request"),
                "end with a rule without hostname and path, e.g. `- service: http_status:404`",
            );
        }
        if let Some(j) = earlier.first_covering(r) {
            if !(r.is_catch_all() && i == last) {
                self.warn(
                    "rule-shadowed",
                    rule,
                    item.span,
                    format!("ingress[{i}] can never match: ingress[{j}] before it matches everything it would"),
                    "remove it, or move it above the broader rule",
                );
            }
        }
    }
}

/// The earlier rules, indexed so that finding one that covers a later rule is
/// a few lookups, not a scan (configs with 100k rules stay linear).
#[derive(Default)]
struct Covering {
    /// Rules without a hostname (or `*`): first index without a path, and by path.
    any_host: HostRules,
    /// By exact hostname.
    exact: std::collections::BTreeMap<String, HostRules>,
    /// `*.example.com` rules by their suffix `.example.com`.
    wildcard: std::collections::BTreeMap<String, HostRules>,
}

#[derive(Default)]
struct HostRules {
    no_path: Option<usize>,
    by_path: std::collections::BTreeMap<String, usize>,
}

impl HostRules {
    fn add(&mut self, i: usize, path: Option<&str>) {
        match path {
            None => {
                self.no_path.get_or_insert(i);
            }
            Some(p) => {
                self.by_path.entry(p.to_string()).or_insert(i);
            }
        }
    }
    /// The first rule here whose path covers `path` (no path covers all).
    fn covering(&self, path: Option<&str>) -> Option<usize> {
        let same = path.and_then(|p| self.by_path.get(p).copied());
        match (self.no_path, same) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

impl Covering {
    fn add(&mut self, i: usize, r: &Rule) {
        let path = r.path_text.as_deref();
        if r.hostname.is_empty() || r.hostname == "*" {
            self.any_host.add(i, path);
        } else if let Some(suffix) = r.hostname.strip_prefix('*').filter(|s| s.starts_with('.')) {
            self.wildcard
                .entry(suffix.to_string())
                .or_default()
                .add(i, path);
        } else {
            self.exact
                .entry(r.hostname.clone())
                .or_default()
                .add(i, path);
        }
    }

    /// The first earlier rule that matches every request `later` matches.
    fn first_covering(&self, later: &Rule) -> Option<usize> {
        let path = later.path_text.as_deref();
        let mut best = self.any_host.covering(path);
        let mut consider = |c: Option<usize>| {
            if let Some(c) = c {
                best = Some(best.map_or(c, |b| b.min(c)));
            }
        };
        consider(
            self.exact
                .get(&later.hostname)
                .and_then(|h| h.covering(path)),
        );
        // `*.example.com` covers `a.example.com` and `*.a.example.com`, not `example.com`.
        for (dot, _) in later.hostname.match_indices('.') {
            if dot > 0 {
                let suffix = &later.hostname[dot..];
                consider(self.wildcard.get(suffix).and_then(|h| h.covering(path)));
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs() {
        assert!(is_cidr("10.0.0.0/8"));
        assert!(is_cidr("2001:db8::/32"));
        assert!(!is_cidr("10.0.0.0"));
        assert!(!is_cidr("10.0.0.0/33"));
    }

    #[test]
    fn host_port_like_go() {
        for yes in [
            "a.example.com:443",
            "a.example.com:https",
            "[2001:db8::1]:443",
            "https://a.example.com",
        ] {
            assert!(splits_host_port(yes), "{yes}");
        }
        for no in ["a.example.com", "2001:db8::1", "*.example.com", ""] {
            assert!(!splits_host_port(no), "{no}");
        }
    }
}
