//! Secret-like values in input, found once per file so that every excerpt of
//! that file masks them, whatever the finding is about: values under
//! credential-named keys (`DB_PASSWORD: …`, `{ name: DB_PASS, value: … }`),
//! passwords in URLs (`postgres://u:pw@db`), known token shapes (`ghp_…`,
//! `AKIA…`, `sk_live_…`, PEM private keys) and the data of Secret objects.

use regex::Regex;
use std::sync::OnceLock;

use crate::source::FileId;
use crate::yaml::{self, Node, Value};

/// The words of a key: `dbPassword`, `DB_PASSWORD`, `db-password` → db,
/// Password / DB, PASSWORD / db, password (compare them ignoring case). Any
/// byte that is not an ASCII letter or digit separates words, and so does a
/// capital after a lowercase letter or a digit.
fn words(key: &str) -> impl Iterator<Item = &str> {
    let bytes = key.as_bytes();
    let mut start = 0;
    std::iter::from_fn(move || {
        while start < bytes.len() && !bytes[start].is_ascii_alphanumeric() {
            start += 1;
        }
        if start >= bytes.len() {
            return None;
        }
        let mut end = start + 1;
        while end < bytes.len()
            && bytes[end].is_ascii_alphanumeric()
            && !(bytes[end].is_ascii_uppercase()
                && (bytes[end - 1].is_ascii_lowercase() || bytes[end - 1].is_ascii_digit()))
        {
            end += 1;
        }
        // Only ASCII bytes bound a word, so both ends are char boundaries.
        let word = key.get(start..end);
        start = end;
        word
    })
}

/// Whether a key holds, in any case, a fragment every credential word
/// contains (`pass`, `pwd`, `secret`, `token`, `key`, `credential`).
fn may_name_a_credential(key: &str) -> bool {
    const NEEDLES: &[&[u8]] = &[b"pass", b"pwd", b"secret", b"token", b"key", b"credential"];
    let b = key.as_bytes();
    (0..b.len()).any(|i| {
        NEEDLES
            .iter()
            .any(|n| b.len() - i >= n.len() && b[i..i + n.len()].eq_ignore_ascii_case(n))
    })
}

/// A credential word glued to another or numbered: `PGPASSWORD`,
/// `DB_PASSWORD2`, `CLIENTSECRET` (only the long words: `COMPASS` and
/// `BYPASS` end in `PASS`).
fn glued(word: &str) -> bool {
    const LONG: &[&str] = &[
        "PASSWORD",
        "PASSWD",
        "SECRET",
        "TOKEN",
        "APIKEY",
        "PASSPHRASE",
    ];
    // Words are ASCII letters and digits (see `words`): byte slicing is safe.
    let core = word.trim_end_matches(|c: char| c.is_ascii_digit());
    let numbered = word.len() > core.len();
    let ends =
        |c: &str| core.len() >= c.len() && core[core.len() - c.len()..].eq_ignore_ascii_case(c);
    LONG.iter()
        .any(|c| ends(c) && (core.len() > c.len() || numbered))
        || (numbered && ["PASS", "PWD"].iter().any(|c| core.eq_ignore_ascii_case(c)))
}

/// Whether a key (an env var name, a map key) names a credential rather than a
/// reference to one: `DB_PASS`, `apiKey`, `CLIENT_SECRET` are; `SECRET_NAME`,
/// `PASSWORD_FILE`, `TOKEN_TTL`, `secretKeyRef`, `password-key` are not.
pub fn is_secret_key(key: &str) -> bool {
    // Most keys of a manifest hold none of the credential words: one pass
    // over the bytes settles them (this runs on every key the masker sees).
    if !may_name_a_credential(key) {
        return false;
    }
    // Last words that make the key a setting about a credential: where it
    // is, how long it lives, whom it is for.
    const REFERENCE: &[&str] = &[
        "REF",
        "REFS",
        "NAME",
        "NAMES",
        "FILE",
        "PATH",
        "URL",
        "URI",
        "ENV",
        "TTL",
        "ID",
        "TYPE",
        "MODE",
        "LENGTH",
        "AUTH",
        "ENABLED",
        "SELECTOR",
        "PROVIDER",
        "STORE",
        "SECONDS",
        "ENDPOINT",
        "NAMESPACE",
        "HOST",
        "PORT",
        "ISSUER",
        "AUDIENCE",
        "LIFETIME",
        "EXPIRY",
        "EXPIRATION",
        "EXPIRES",
        "TIMEOUT",
        "DURATION",
        "HOURS",
        "MINUTES",
        "DAYS",
    ];
    const CREDENTIAL: &[&str] = &[
        "PASSWORD",
        "PASSWD",
        "PASS",
        "PWD",
        "SECRET",
        "TOKEN",
        "APIKEY",
        "CREDENTIAL",
        "CREDENTIALS",
        "PASSPHRASE",
        "PRIVATEKEY",
    ];
    // `API_KEY` is a credential; `PASSWORD_KEY` names where one is kept.
    const KEY_OF: &[&str] = &[
        "API",
        "PRIVATE",
        "SECRET",
        "ENCRYPTION",
        "SIGNING",
        "MASTER",
        "LICENSE",
    ];
    let is = |w: &str, set: &[&str]| set.iter().any(|s| w.eq_ignore_ascii_case(s));
    let (mut last, mut before) = (None, None);
    let mut credential = false;
    for w in words(key) {
        credential |= is(w, CREDENTIAL) || glued(w);
        before = last;
        last = Some(w);
    }
    let Some(last) = last else { return false };
    if is(last, REFERENCE) {
        return false;
    }
    if is(last, &["KEY", "KEYS"]) {
        return before.is_some_and(|b| is(b, KEY_OF));
    }
    // `TS_KUBE_SECRET`, `K8S_SECRET`: the name of a Kubernetes Secret.
    if is(last, &["SECRET", "SECRETS"]) && before.is_some_and(|b| is(b, &["KUBE", "K8S"])) {
        return false;
    }
    credential
}

/// The patterns are constants; a test checks that both compile.
fn url_password() -> Option<&'static Regex> {
    static R: OnceLock<Option<Regex>> = OnceLock::new();
    R.get_or_init(|| Regex::new(r"[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@'\x22]*:([^@\s/'\x22]+)@").ok())
        .as_ref()
}

fn token_shapes() -> Option<&'static Regex> {
    static R: OnceLock<Option<Regex>> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(concat!(
            r"(sk_live_[0-9A-Za-z]{8,}|sk_test_[0-9A-Za-z]{8,}|rk_live_[0-9A-Za-z]{8,}",
            r"|gh[pousr]_[0-9A-Za-z]{20,}|github_pat_[0-9A-Za-z_]{20,}",
            r"|AKIA[0-9A-Z]{16}|ASIA[0-9A-Z]{16}",
            r"|xox[abposr]-[0-9A-Za-z-]{10,}",
            r"|dp\.(st|ct|pt|sa|scim|audit)\.[0-9A-Za-z._-]{8,}",
            r"|glpat-[0-9A-Za-z_-]{20,}",
            r"|-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|\z))"
        ))
        .ok()
    })
    .as_ref()
}

/// Whether a value is a secret by its shape alone. A URL whose password is a
/// reference (`postgres://$(PGUSER):$(PGPASSWORD)@db`, `${PASS}`) is not.
pub fn looks_secret_value(v: &str) -> bool {
    let url = url_password().is_some_and(|r| {
        r.captures_iter(v)
            .filter_map(|c| c.get(1))
            .any(|m| !m.as_str().starts_with(['$', '{', '<']))
    });
    url || token_shapes().is_some_and(|r| r.is_match(v))
}

/// Byte ranges of every secret-like value in `text`.
pub fn ranges(text: &str) -> Vec<(usize, usize)> {
    match yaml::parse_stream(text, FileId(0)) {
        Ok(docs) => ranges_in(text, &docs),
        // Not YAML (or not all of it): a scanner that needs no parse.
        Err(_) => {
            let mut out = Vec::new();
            text_ranges(text, &mut out);
            by_lines(text, &mut out);
            secret_data_lines(text, &mut out);
            out.sort_unstable();
            out
        }
    }
}

/// Credential keys anywhere on a line, flow style included (`auth: {
/// password: x }`, `- PASSWORD: x`, `# token: x`): the value is masked to the
/// end of the line (in flow style more may follow it).
fn inline_keys() -> Option<&'static Regex> {
    static R: OnceLock<Option<Regex>> = OnceLock::new();
    R.get_or_init(|| Regex::new(r#"["']?([A-Za-z0-9_.-]+)["']?[ \t]*:[ \t]+\S"#).ok())
        .as_ref()
}

/// In a text that does not parse, the values under `data:` and `stringData:`
/// of documents that say `kind: Secret` (documents split at `---`).
fn secret_data_lines(text: &str, out: &mut Vec<(usize, usize)>) {
    let mut offset = 0;
    for doc in text
        .split_inclusive('\n')
        .collect::<Vec<_>>()
        .split(|l| l.starts_with("---"))
    {
        let start = offset;
        offset += doc.iter().map(|l| l.len()).sum::<usize>();
        let is_secret = doc
            .iter()
            .any(|l| l.trim_end().trim_start_matches(' ') == "kind: Secret");
        if !is_secret {
            // The `---` line that ended this document.
            offset += text[offset..]
                .split_inclusive('\n')
                .next()
                .map_or(0, str::len);
            continue;
        }
        let mut at = start;
        let mut data_indent: Option<usize> = None;
        for line in doc {
            let body = line.trim_end_matches(['\n', '\r']);
            let indent = body.len() - body.trim_start().len();
            let trimmed = body.trim_start();
            match data_indent {
                Some(d) if indent > d && !trimmed.is_empty() => {
                    let value = trimmed.split_once(':').map_or(trimmed, |(_, v)| v);
                    out.push((at + body.len() - value.len(), at + body.len()));
                }
                _ => {
                    data_indent = None;
                    if let Some(rest) = trimmed
                        .strip_prefix("data:")
                        .or_else(|| trimmed.strip_prefix("stringData:"))
                    {
                        data_indent = Some(indent);
                        // `data: { k: v }` on the line itself.
                        if !rest.trim().is_empty() {
                            out.push((at + body.len() - rest.len(), at + body.len()));
                        }
                    }
                }
            }
            at += line.len();
        }
        offset += text[offset..]
            .split_inclusive('\n')
            .next()
            .map_or(0, str::len);
    }
}

/// Comment lines that look like `key: secret` (`# password: hunter2`), which
/// a hand edit may leave in any file, parsed or not.
fn comment_lines(text: &str, out: &mut Vec<(usize, usize)>) {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        if let Some(hash) = body.find('#') {
            let comment = &body[hash..];
            line_keys(comment, offset + hash, out);
        }
        offset += line.len();
    }
}

/// Every `credential-key: value` in one line (`base` is its offset).
fn line_keys(line: &str, base: usize, out: &mut Vec<(usize, usize)>) {
    let Some(r) = inline_keys() else { return };
    for c in r.captures_iter(line) {
        let (Some(key), Some(all)) = (c.get(1), c.get(0)) else {
            continue;
        };
        if is_secret_key(key.as_str()) {
            // The value starts at the last character the pattern matched.
            let last = line[..all.end()]
                .chars()
                .next_back()
                .map_or(1, char::len_utf8);
            out.push((base + all.end() - last, base + line.len()));
            return;
        }
    }
}

/// Values secret by their shape, wherever they are: URL passwords, tokens.
fn text_ranges(text: &str, out: &mut Vec<(usize, usize)>) {
    if let Some(r) = url_password() {
        for c in r.captures_iter(text) {
            if let Some(m) = c.get(1) {
                out.push((m.start(), m.end()));
            }
        }
    }
    if let Some(r) = token_shapes() {
        out.extend(r.find_iter(text).map(|m| (m.start(), m.end())));
    }
    if let Some(r) = bare_userinfo() {
        out.extend(
            r.captures_iter(text)
                .filter_map(|c| c.get(1))
                .map(|m| (m.start(), m.end())),
        );
    }
}

/// [`ranges`] of a text whose documents are already parsed (`docs`, every
/// document of the text as read), so it need not be parsed again.
pub fn ranges_in<'n>(text: &str, docs: impl IntoIterator<Item = &'n Node>) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    text_ranges(text, &mut out);
    comment_lines(text, &mut out);
    for d in docs {
        let is_secret_object = d.get("kind").and_then(Node::as_str) == Some("Secret");
        walk(d, is_secret_object, &mut out);
        embedded(text, d, &mut out);
    }
    out.sort_unstable();
    out
}

fn span_of(n: &Node) -> (usize, usize) {
    (
        n.span.start.offset as usize,
        n.span.end.offset.max(n.span.start.offset) as usize,
    )
}

fn is_scalar(n: &Node) -> bool {
    !matches!(n.value, Value::Seq(_) | Value::Map(_) | Value::Null)
}

fn walk(n: &Node, secret_object: bool, out: &mut Vec<(usize, usize)>) {
    match &n.value {
        Value::Map(entries) => {
            // `{ name: DB_PASSWORD, value: … }`: an env entry holding a credential.
            let named_secret = n
                .get("name")
                .and_then(Node::as_str)
                .is_some_and(is_secret_key);
            for (k, v) in entries {
                let key = k.as_str().unwrap_or("");
                let data = secret_object && matches!(key, "data" | "stringData");
                // A credential key's value is masked whatever its shape
                // (`PASSWORD: [x]`, `token: { a: b }`), except the names of a
                // reference (`redisSecret: { name: …, key: … }`).
                if is_secret_key(key) && matches!(v.value, Value::Map(_)) {
                    under_credential(v, out);
                } else if (is_secret_key(key) && !matches!(v.value, Value::Null))
                    || (named_secret && key == "value" && is_scalar(v))
                {
                    out.push(span_of(v));
                } else if data {
                    if let Value::Map(d) = &v.value {
                        out.extend(
                            d.iter()
                                .filter(|(_, x)| is_scalar(x))
                                .map(|(_, x)| span_of(x)),
                        );
                    }
                } else {
                    walk(v, false, out);
                }
            }
        }
        Value::Seq(items) => {
            // A command line: `--password X`, `--token=X`.
            for (i, item) in items.iter().enumerate() {
                let Some(flag) = item.as_str().and_then(|t| t.strip_prefix('-')) else {
                    walk(item, false, out);
                    continue;
                };
                let flag = flag.trim_start_matches('-');
                match flag.split_once('=') {
                    Some((name, _)) if is_secret_key(name) => out.push(span_of(item)),
                    None if is_secret_key(flag) => {
                        if let Some(next) = items.get(i + 1).filter(|n| is_scalar(n)) {
                            out.push(span_of(next));
                        }
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

/// Text kept in a multi-line string (a config file in a ConfigMap, a whole
/// document that is one block scalar) is scanned as lines: a `password: x`
/// in it is shown in an excerpt like any other line.
fn embedded(text: &str, n: &Node, out: &mut Vec<(usize, usize)>) {
    match &n.value {
        Value::Map(entries) => entries.iter().for_each(|(_, v)| embedded(text, v, out)),
        Value::Seq(items) => items.iter().for_each(|i| embedded(text, i, out)),
        Value::Str(_) if n.span.end.line > n.span.start.line => {
            let (start, end) = span_of(n);
            if let Some(slice) = text.get(start..end) {
                let mut offset = start;
                for line in slice.split_inclusive('\n') {
                    line_keys(line.trim_end_matches(['\n', '\r']), offset, out);
                    offset += line.len();
                }
            }
        }
        _ => {}
    }
}

/// The values of a map under a credential key, but for the keys that name a
/// Secret rather than hold one.
fn under_credential(n: &Node, out: &mut Vec<(usize, usize)>) {
    const REFERENCE: &[&str] = &["name", "key", "namespace", "kind", "secretName", "optional"];
    for (k, v) in n.as_map().unwrap_or_default() {
        let key = k.as_str().unwrap_or("");
        match &v.value {
            Value::Map(_) => under_credential(v, out),
            Value::Null => {}
            _ if REFERENCE.contains(&key) => {}
            _ => out.push(span_of(v)),
        }
    }
}

fn by_lines(text: &str, out: &mut Vec<(usize, usize)>) {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        line_keys(body, offset, out);
        offset += line.len();
    }
}

/// A message or value with every secret-like part masked: URL passwords and
/// token shapes. For text built from user input that is not a file excerpt
/// (a cloudflared `service` in a message, `tunnel match` output).
pub fn redact(text: &str) -> String {
    let mut out = Vec::new();
    text_ranges(text, &mut out);
    mask(text, &out).unwrap_or_else(|| text.to_string())
}

/// `user:password@host` without a scheme (a hostname someone pasted a URL into).
fn bare_userinfo() -> Option<&'static Regex> {
    static R: OnceLock<Option<Regex>> = OnceLock::new();
    R.get_or_init(|| Regex::new(r"(?:^|[\s`'\x22(])[^/\s:@`'\x22]+:([^@\s/`'\x22]+)@").ok())
        .as_ref()
}

/// `text` with every secret-like value replaced by `*` (same byte length, so
/// positions stay valid).
pub fn masked(text: &str) -> String {
    mask(text, &ranges(text)).unwrap_or_else(|| text.to_string())
}

/// `text` with the given byte ranges replaced by `*`, line breaks kept;
/// `None` when there is nothing to mask.
pub fn mask(text: &str, ranges: &[(usize, usize)]) -> Option<String> {
    if ranges.is_empty() {
        return None;
    }
    let mut bytes: Vec<u8> = text.as_bytes().to_vec();
    for &(start, end) in ranges {
        // Whole characters only: masking part of one would leave invalid
        // UTF-8, and decoding it again would change the length.
        let mut start = start.min(text.len());
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = end.min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        for b in bytes.iter_mut().take(end).skip(start) {
            if *b != b'\n' {
                *b = b'*';
            }
        }
    }
    // Masking whole bytes of multi-byte characters keeps the text valid UTF-8
    // only byte by byte; re-decode lossily, which never reintroduces a secret.
    Some(
        String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_compile() {
        assert!(url_password().is_some() && token_shapes().is_some());
        assert!(inline_keys().is_some() && bare_userinfo().is_some());
    }

    #[test]
    fn any_value_shape_and_unparsed_text_are_masked() {
        // Parsed: a flow sequence and a map under credential keys, a comment.
        let text = "env:\n  PASSWORD: [hunter2-a]\n  token: { x: hunter2-b }\n# password: hunter2-c\nok: visible\n";
        let m = masked(text);
        for s in ["hunter2-a", "hunter2-b", "hunter2-c"] {
            assert!(!m.contains(s), "{s} in {m}");
        }
        assert!(m.contains("visible"));
        // Not parsed: flow style, and a Secret's data.
        let broken = "kind: Secret\ndata:\n  tls.key: aHVudGVyMi1k\n  ca: aHVudGVyMi1l\nauth: { password: hunter2-f }\nbad: [\n---\nkind: ConfigMap\ndata:\n  plain: visible\n";
        let m = masked(broken);
        for s in ["aHVudGVyMi1k", "aHVudGVyMi1l", "hunter2-f"] {
            assert!(!m.contains(s), "{s} in {m}");
        }
        assert!(m.contains("plain: visible"), "{m}");
        assert_eq!(m.len(), broken.len());
        // Found by fuzzing: a whole document that is one block scalar, and a
        // credential value starting with a multi-byte character.
        let block = " |\ntype: Opaque\nDB_PASSWORD: hunter2-in-a-block\n";
        assert!(!masked(block).contains("hunter2-in-a-block"));
        let wide = "secretKey: \u{fffd}\u{fffd}Y_OAUTH\n";
        assert_eq!(masked(wide).len(), wide.len());
    }

    #[test]
    fn redact_masks_userinfo_with_or_without_a_scheme() {
        let r = redact("`http://u:pw-secret@origin:8080` and `u:pw-bare@host.example.com`");
        assert!(!r.contains("pw-secret") && !r.contains("pw-bare"), "{r}");
        assert!(r.contains("origin:8080") && r.contains("host.example.com"));
    }

    #[test]
    fn credential_names_and_references() {
        for k in [
            "DB_PASS",
            "DB_PASSWORD",
            "apiKey",
            "API_KEY",
            "CLIENT_SECRET",
            "githubToken",
            "password",
            "PRIVATE_KEY",
            "PGPASSWORD",
            "DB_PASSWORD2",
            "MYSQL_PWD",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in [
            "SECRET_NAME",
            "PASSWORD_FILE",
            "TOKEN_TTL",
            "secretKeyRef",
            "password-key",
            "USE_TOKEN_AUTH",
            "TOKEN_URL",
            "secret-env",
            "BYPASS_CACHE",
            "COMPASS",
            "secretName",
            "TOKEN_ENDPOINT",
            "ACCESS_TOKEN_LIFETIME",
            "OIDC_TOKEN_ISSUER",
            "TS_KUBE_SECRET",
        ] {
            assert!(!is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn masks_every_secret_of_the_file() {
        let text = "env:\n  DB_PASSWORD: hunter2hunter2\n  URL: postgres://u:pw1234@db/x\n  list:\n    - { name: DB_PASS, value: s3cr3t }\n  gh: ghp_abcdefghijklmnopqrstuvwxyz012345\n  ok: visible\n";
        let m = masked(text);
        for s in ["hunter2hunter2", "pw1234", "s3cr3t", "ghp_abcdefghijkl"] {
            assert!(!m.contains(s), "{s} in {m}");
        }
        assert!(m.contains("visible") && m.contains("postgres://u:"));
        assert_eq!(m.len(), text.len());
        // Broken YAML still masks `key: value` lines.
        let broken = "DB_PASSWORD: hunter2hunter2\n  bad: [\n";
        assert!(!masked(broken).contains("hunter2hunter2"));
    }
}
