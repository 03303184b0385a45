//! A rule's `path` pattern, checked as cloudflared would (Go's RE2 syntax)
//! without paying for a compiled matcher per rule.

/// A rule's path pattern (RE2 syntax, unanchored). Validation only parses
/// it (compiling each of 100,000 rules took seconds); it is compiled, within
/// bounds, the first time a URL is matched against it. Patterns whose
/// compiled size depends on more than their length (counted repetition,
/// classes and escapes) are compiled at once, so a size limit is a finding.
#[derive(Debug, Clone)]
pub struct PathRegex {
    text: String,
    compiled: std::sync::OnceLock<Option<regex_automata::meta::Regex>>,
}

impl PathRegex {
    pub(super) fn new(p: &str) -> Result<PathRegex, String> {
        regex_syntax::ParserBuilder::new()
            .nest_limit(100)
            .build()
            .parse(p)
            .map_err(|e| e.to_string())?;
        let r = PathRegex {
            text: p.to_string(),
            compiled: std::sync::OnceLock::new(),
        };
        if p.len() > 64 || p.contains(['{', '\\', '[']) {
            let compiled = compile(p)?;
            let _ = r.compiled.set(Some(compiled));
        }
        Ok(r)
    }

    /// Whether the pattern matches somewhere in `path`.
    pub fn is_match(&self, path: &str) -> bool {
        self.compiled
            .get_or_init(|| compile(&self.text).ok())
            .as_ref()
            .is_some_and(|r| r.is_match(path))
    }
}

/// Bounded, and without a full DFA (matching one URL needs only the lazy one).
fn compile(p: &str) -> Result<regex_automata::meta::Regex, String> {
    use regex_automata::meta;
    meta::Regex::builder()
        .configure(
            meta::Config::new()
                .dfa(false)
                .nfa_size_limit(Some(1 << 20))
                .hybrid_cache_capacity(1 << 20),
        )
        .build(p)
        .map_err(|e| e.to_string())
}
