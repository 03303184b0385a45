//! Release versions as charts and operators number them (`1.2.3`, `v1.2.3`).

use std::fmt;

/// `MAJOR.MINOR.PATCH`; a leading `v` is accepted and remembered, so a version
/// prints as it was written (cert-manager's charts are `v1.21.1`, most are `1.21.1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    v_prefix: bool,
}

impl Version {
    pub const fn new(major: u64, minor: u64, patch: u64) -> Self {
        Version {
            major,
            minor,
            patch,
            v_prefix: false,
        }
    }

    /// Exact versions only: no ranges, no pre-releases, no build metadata.
    pub fn parse(s: &str) -> Result<Self, String> {
        let err = || format!("`{s}` is not an exact version like `1.2.3`");
        let (v_prefix, rest) = match s.strip_prefix('v') {
            Some(r) => (true, r),
            None => (false, s),
        };
        let parts: Vec<&str> = rest.split('.').collect();
        if parts.len() != 3 {
            return Err(err());
        }
        let num = |p: &str| -> Result<u64, String> {
            if p.is_empty() || p.len() > 9 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err());
            }
            p.parse().map_err(|_| err())
        };
        Ok(Version {
            major: num(parts[0])?,
            minor: num(parts[1])?,
            patch: num(parts[2])?,
            v_prefix,
        })
    }

    /// `parse` for the catalogue's own constants, which a test checks all parse.
    pub(crate) fn known(s: &str) -> Self {
        Version::parse(s).unwrap_or(Version::new(0, 0, 0))
    }

    fn key(&self) -> (u64, u64, u64) {
        (self.major, self.minor, self.patch)
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let v = if self.v_prefix { "v" } else { "" };
        write!(f, "{v}{}.{}.{}", self.major, self.minor, self.patch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exact_versions_only() {
        assert_eq!(Version::parse("1.2.3"), Ok(Version::new(1, 2, 3)));
        assert_eq!(
            Version::parse("v1.21.1").map(|v| v.to_string()),
            Ok("v1.21.1".into())
        );
        for bad in [
            "1.2",
            "^1.2.3",
            "1.2.3-rc1",
            "",
            "v",
            "1..3",
            "*",
            "1.2.3.4",
            "1.2.x",
        ] {
            assert!(Version::parse(bad).is_err(), "{bad}");
        }
        assert!(Version::parse("0.16.0") < Version::parse("0.17.0"));
        assert!(Version::parse("v1.9.0") < Version::parse("1.10.0"));
    }
}
