//! Literal credentials in Helm values that no adapter turns into objects
//! (SS001 reads them from the document's notes).

use super::Unread;
use crate::yaml::{Node, Value};

/// Literal credentials under credential-named keys, anywhere in `values`;
/// `path` is the dotted path so far.
pub(super) fn credentials(values: &Node, path: &mut String, out: &mut Vec<Unread>) {
    match &values.value {
        Value::Map(entries) => {
            for (k, v) in entries.iter() {
                let Some(key) = k.as_str() else { continue };
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                match v.as_str() {
                    Some(text) if credential_in_values(key, text) => {
                        out.push(Unread {
                            at: v.span,
                            why: path.clone(),
                        });
                    }
                    _ => credentials(v, path, out),
                }
                path.truncate(len);
            }
        }
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                credentials(item, path, out);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

/// Whether a Helm value is a literal credential by its key. Keys that name
/// where a credential is kept are references: `existingSecret…`, a key
/// ending in `Secret` whose value reads as a Secret's name (`tlsSecret:
/// app-tls`), and keys that are annotation or resource names (`a.b/c`).
fn credential_in_values(key: &str, value: &str) -> bool {
    if value.is_empty() || key.contains(['.', '/']) || !crate::secret::is_secret_key(key) {
        return false;
    }
    let lower = key.to_ascii_lowercase();
    let names_secret = (lower.ends_with("secret") || lower.ends_with("secrets"))
        && value.len() <= 253
        && value.bytes().any(|b| b.is_ascii_lowercase())
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    !lower.contains("existing")
        && !names_secret
        && crate::lint::rules::ss001_plaintext_secret_env::literal_credential(key, value)
}
