//! Value types of the spec that are checked as they are read, so that nothing
//! after `spec` ever sees an invalid name, path or image reference.

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer};
use std::fmt;

fn string_schema(pattern: Option<&str>, max_len: Option<u32>, description: &str) -> Schema {
    let mut s = schemars::json_schema!({
        "type": "string",
        "minLength": 1,
        "description": description,
    });
    if let Some(p) = pattern {
        s.insert("pattern".into(), p.into());
    }
    if let Some(m) = max_len {
        s.insert("maxLength".into(), m.into());
    }
    s
}

macro_rules! string_newtype {
    ($(#[$doc:meta])* $name:ident, $schema_name:literal, $pattern:expr, $max:expr, $desc:literal, $check:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            pub const DESCRIPTION: &'static str = $desc;
            pub fn parse(s: &str) -> Result<Self, String> {
                let check: fn(&str) -> Result<(), String> = $check;
                check(s).map(|()| $name(s.to_string()))
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                $name::parse(&s).map_err(serde::de::Error::custom)
            }
        }

        impl JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                $schema_name.into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                string_schema($pattern, $max, $desc)
            }
        }
    };
}

const DNS_LABEL: &str = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

fn check_label(s: &str) -> Result<(), String> {
    let ok = !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(format!("`{s}` is not {}", Name::DESCRIPTION))
    }
}

string_newtype!(
    /// A DNS-1123 label: names become Kubernetes names and file paths.
    Name,
    "Name",
    Some(DNS_LABEL),
    Some(63),
    "a DNS-1123 label: 1-63 lowercase letters, digits and '-', starting and ending with a letter or digit",
    check_label
);

string_newtype!(
    /// A relative path inside the project: no absolute paths, no `..`.
    RelPath,
    "RelPath",
    None,
    Some(4096),
    "a relative path inside the project, with '/' separators and no '..'",
    |s| {
        if s.starts_with('/') || s.contains('\\') || s.contains('\0') || s.split('/').any(|c| c == "..") {
            Err(format!("`{s}` must be a relative path inside the project (no leading '/', no '..')"))
        } else if s.len() > 1 && s.as_bytes()[1] == b':' {
            Err(format!("`{s}` looks like a drive path; use a path relative to the project"))
        } else if s.split('/').all(|c| c.is_empty() || c == ".") {
            Err(format!("`{s}` is the project folder itself; name a folder or file inside it"))
        } else {
            Ok(())
        }
    }
);

string_newtype!(
    /// An environment variable name.
    EnvVarName,
    "EnvVarName",
    Some("^[A-Za-z_][A-Za-z0-9_]*$"),
    None,
    "an environment variable name: letters, digits and '_', not starting with a digit",
    |s| {
        if !s.is_empty() && !s.starts_with(|c: char| c.is_ascii_digit()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            Ok(())
        } else {
            Err(format!("`{s}` is not an environment variable name"))
        }
    }
);

string_newtype!(
    /// The name of a secret in the secret provider (Doppler).
    DopplerKey,
    "DopplerKey",
    Some("^[A-Z_][A-Z0-9_]*$"),
    None,
    "a Doppler secret name: uppercase letters, digits and '_'",
    |s| {
        if !s.is_empty() && !s.starts_with(|c: char| c.is_ascii_digit()) && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_') {
            Ok(())
        } else {
            Err(format!("`{s}` is not a Doppler secret name (uppercase letters, digits and '_')"))
        }
    }
);

string_newtype!(
    /// A public DNS hostname, lowercase, optionally a `*.` wildcard.
    Hostname,
    "Hostname",
    Some("^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$"),
    Some(253),
    "a lowercase DNS hostname such as api.example.com, optionally starting with '*.'",
    |s| {
        let body = s.strip_prefix("*.").unwrap_or(s);
        let labels: Vec<&str> = body.split('.').collect();
        if s.len() <= 253 && labels.len() >= 2 && labels.iter().all(|l| check_label(l).is_ok()) {
            Ok(())
        } else {
            Err(format!("`{s}` is not a hostname: {}", Hostname::DESCRIPTION))
        }
    }
);

string_newtype!(
    /// A public name of an app: a DNS hostname (Cloudflare Tunnel) or a
    /// machine name on the tailnet (Tailscale); the model checks which.
    PublicName,
    "PublicName",
    Some("^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"),
    Some(253),
    "a lowercase DNS hostname such as api.example.com (optionally starting with '*.'), or a tailnet machine name such as api-dev",
    |s| {
        let body = s.strip_prefix("*.").unwrap_or(s);
        if s.len() <= 253 && body.split('.').all(|l| check_label(l).is_ok()) {
            Ok(())
        } else {
            Err(format!("`{s}` is not {}", PublicName::DESCRIPTION))
        }
    }
);

string_newtype!(
    /// An exact Helm chart version such as `0.26.1` or `v1.21.1`.
    ChartVersion,
    "ChartVersion",
    Some("^v?[0-9]+\\.[0-9]+\\.[0-9]+$"),
    Some(32),
    "an exact chart version such as 0.26.1 or v1.21.1 (no ranges, no pre-releases)",
    |s| crate::catalog::Version::parse(s).map(|_| ())
);

impl ChartVersion {
    pub fn version(&self) -> crate::catalog::Version {
        crate::catalog::Version::parse(&self.0).unwrap_or(crate::catalog::Version::new(0, 0, 0))
    }
}

string_newtype!(
    /// Where an environment deploys: an API server URL or a cluster name known to Argo CD.
    ClusterRef,
    "ClusterRef",
    Some("^(https://[^\\s]+|[a-z0-9]([-a-z0-9.]*[a-z0-9])?)$"),
    Some(253),
    "an API server URL (https://…) or the name of a cluster registered in Argo CD",
    |s| {
        let ok = match s.strip_prefix("https://") {
            Some(rest) => !rest.is_empty() && !rest.contains(char::is_whitespace) && !rest.contains('@'),
            None => s.len() <= 253 && s.split('.').all(|l| check_label(l).is_ok()),
        };
        if ok {
            Ok(())
        } else {
            Err(format!("`{s}` is not {}", ClusterRef::DESCRIPTION))
        }
    }
);

impl ClusterRef {
    pub fn is_url(&self) -> bool {
        self.0.starts_with("https://")
    }
}

string_newtype!(
    /// The path of an HTTP probe, such as `/readyz`.
    HttpPath,
    "HttpPath",
    Some("^/[^\\s]*$"),
    Some(1024),
    "an HTTP path starting with '/', such as /readyz",
    |s| {
        if s.starts_with('/') && !s.contains(char::is_whitespace) && !s.contains(char::is_control) {
            Ok(())
        } else {
            Err(format!("`{s}` is not {}", HttpPath::DESCRIPTION))
        }
    }
);

string_newtype!(
    /// A Linux capability without the `CAP_` prefix, such as `NET_BIND_SERVICE`.
    Capability,
    "Capability",
    Some("^[A-Z][A-Z_]*$"),
    Some(64),
    "a Linux capability name such as NET_BIND_SERVICE",
    |s| {
        if !s.is_empty() && !s.starts_with("CAP_") && s.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') {
            Ok(())
        } else {
            Err(format!("`{s}` is not {}", Capability::DESCRIPTION))
        }
    }
);

string_newtype!(
    /// A Kubernetes resource quantity such as `512Mi` or `250m`.
    Quantity,
    "Quantity",
    Some("^[+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]+)?$"),
    None,
    "a Kubernetes quantity such as 512Mi, 1Gi or 250m (quote plain numbers: \"1\")",
    |s| parse_quantity(s).map(|_| ()).ok_or_else(|| format!("`{s}` is not a Kubernetes quantity (e.g. 512Mi, 1Gi, 250m)"))
);

impl Quantity {
    /// The quantity's value in base units (bytes, cores).
    pub fn value(&self) -> f64 {
        parse_quantity(&self.0).unwrap_or(0.0)
    }
}

/// Parses a Kubernetes quantity into base units.
pub fn parse_quantity(s: &str) -> Option<f64> {
    let s = s.strip_prefix('+').unwrap_or(s);
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, suffix) = s.split_at(split);
    if num.is_empty() || num == "." {
        return None;
    }
    let n: f64 = num.parse().ok()?;
    let mult = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        e if e.starts_with(['e', 'E']) => 10f64.powi(e[1..].parse().ok()?),
        _ => return None,
    };
    Some(n * mult)
}

/// A Redis memory size as redis.conf reads it (`192mb`, `1gb`, `1073741824`), in bytes.
pub fn redis_memory_bytes(s: &str) -> Option<f64> {
    let lower = s.trim().to_ascii_lowercase();
    let split = lower
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(lower.len());
    let (n, unit) = lower.split_at(split);
    let n: f64 = n.parse().ok()?;
    let m = match unit {
        "" | "b" => 1.0,
        "k" => 1000.0,
        "kb" => 1024.0,
        "m" => 1e6,
        "mb" => 1024.0 * 1024.0,
        "g" => 1e9,
        "gb" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    Some(n * m)
}

/// An image reference with a tag and/or digest, split into its parts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ImageRef {
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl ImageRef {
    pub fn parse(s: &str) -> Result<Self, String> {
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => {
                let hex = d.strip_prefix("sha256:").unwrap_or("");
                if hex.len() != 64
                    || !hex
                        .bytes()
                        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
                {
                    return Err(format!(
                        "`{s}`: a digest is `sha256:` and 64 lowercase hex digits"
                    ));
                }
                (r, Some(d.to_string()))
            }
            None => (s, None),
        };
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (repository, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => (
                &rest[..last_slash + i],
                Some(rest[last_slash + i + 1..].to_string()),
            ),
            None => (rest, None),
        };
        let repo_ok = !repository.is_empty()
            && repository
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-/:".contains(&b));
        if !repo_ok {
            return Err(format!("`{s}` is not an image reference (lowercase repository, then `:tag` or `@sha256:…`)"));
        }
        if let Some(t) = &tag {
            let ok = !t.is_empty()
                && t.len() <= 128
                && !t.starts_with(['.', '-'])
                && t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
            if !ok {
                return Err(format!("`{s}`: `{t}` is not a valid image tag"));
            }
        }
        if tag.is_none() && digest.is_none() {
            return Err(format!(
                "`{s}` has neither a tag nor a digest; pin it (`{s}:1.2.3` or `{s}@sha256:…`)"
            ));
        }
        Ok(ImageRef {
            repository: repository.to_string(),
            tag,
            digest,
        })
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

impl<'de> Deserialize<'de> for ImageRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ImageRef::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for ImageRef {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ImageRef".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        string_schema(
            Some("^[a-z0-9][a-z0-9._/:-]*(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?(@sha256:[0-9a-f]{64})?$"),
            None,
            "an image with a tag or digest, e.g. ghcr.io/acme/api:1.4.2",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_dns_labels() {
        assert!(Name::parse("example-api").is_ok());
        for bad in ["../x", "A_B", "-a", "a-", "", &"a".repeat(64)] {
            assert!(Name::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn paths_stay_inside() {
        assert!(RelPath::parse("fixtures/example/envs").is_ok());
        for bad in ["../etc", "/etc", "a/../../b", "C:\\x", ".", "./", ""] {
            assert!(RelPath::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn images_split() {
        let i = ImageRef::parse("localhost:5000/acme/api:1.2").expect("ok");
        assert_eq!(
            (i.repository.as_str(), i.tag.as_deref()),
            ("localhost:5000/acme/api", Some("1.2"))
        );
        assert!(ImageRef::parse("nginx").is_err());
        assert!(ImageRef::parse(&format!("nginx@sha256:{}", "a".repeat(64))).is_ok());
    }

    #[test]
    fn quantities() {
        assert_eq!(parse_quantity("512Mi"), Some(512.0 * 1024.0 * 1024.0));
        assert_eq!(parse_quantity("250m"), Some(0.25));
        assert_eq!(parse_quantity("12x"), None);
    }
}
