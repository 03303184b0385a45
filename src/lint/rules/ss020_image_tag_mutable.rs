use super::super::object::k;
use super::super::later::Verdict;
use super::super::{Context, Finding, Obj, Rule, Seg};

use crate::yaml::Node;

declare_rule! {
    /// ## What it flags
    /// An image with the `:latest` tag, or with neither a tag nor a digest — in a
    /// container, or in an OT Redis Operator CR. Error in production, warning elsewhere.
    ///
    /// ## Why it matters
    /// The same manifest deploys different code from one day to the next; a
    /// rollback does not roll back, and a node restart may upgrade silently.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// image: oliver006/redis_exporter:latest
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// image: oliver006/redis_exporter:v1.66.0    # or @sha256:…
    /// ```
    ///
    /// ## References
    /// - https://kubernetes.io/docs/concepts/containers/images/#image-names
    pub struct ImageTagMutable {
        id: "SS020",
        name: "image-tag-mutable",
        severity: Error,
        summary: "image with no tag, a floating tag or a bare major version",
        help: "Pin the image to a version tag or a digest.",
    }
}

/// Tags that move: release channels and branch names.
const FLOATING: &[&str] = &[
    "latest", "stable", "main", "master", "edge", "alpine", "slim", "develop", "dev", "nightly",
    "canary", "beta", "rc", "lts", "current", "mainline",
];

/// Why an image reference is mutable, if it is: no tag, a floating tag, or a
/// bare major version (`redis:7`, `node:20-alpine`). Digests and full
/// versions pass.
pub fn mutable(image: &str) -> Option<String> {
    if image.contains('@') || image.contains("${") || image.contains("{{") {
        return None;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    let Some((_, tag)) = last.split_once(':') else {
        return Some("has no tag".into());
    };
    if FLOATING.contains(&tag) {
        return Some(format!("uses the floating `{tag}` tag"));
    }
    let version = tag.trim_start_matches('v');
    // `7` and `20-alpine` float; `2026-08-17` (a date) and `7-1.2` do not.
    let (major, variant) = version.split_once('-').unwrap_or((version, ""));
    let word_variant = variant.is_empty() || variant.starts_with(|c: char| c.is_ascii_alphabetic());
    if !major.is_empty() && major.bytes().all(|b| b.is_ascii_digit()) && word_variant {
        return Some(format!(
            "uses `{tag}`, a bare major version that moves with every release"
        ));
    }
    None
}

/// The repository part of an image (`ghcr.io/acme/api` of `ghcr.io/acme/api:1.0`).
fn repository(image: &str) -> &str {
    let (head, last) = image.rsplit_once('/').map_or(("", image), |(h, l)| (h, l));
    let name = last.split(['@', ':']).next().unwrap_or(last);
    &image[..head.len() + if head.is_empty() { 0 } else { 1 } + name.len()]
}

impl Rule for ImageTagMutable {
    fn check(&self, obj: &Obj, _cx: &Context, out: &mut Vec<Finding>) {
        let mut images: Vec<(Vec<Seg>, &str)> = obj
            .containers()
            .iter()
            .filter_map(|c| c.image().map(|i| (c.at(&[k("image")]), i)))
            .collect();
        if obj.api_version.starts_with("redis.redis.opstreelabs.in/") {
            for p in ["spec.kubernetesConfig.image", "spec.redisExporter.image"] {
                if let Some(i) = obj.get(p).and_then(Node::as_str) {
                    images.push((super::super::path(p), i));
                }
            }
        }
        for (path, image) in images {
            let Some(why) = mutable(image) else { continue };
            let message = format!("{}: image `{image}` {why}", obj.display());
            let finding = if obj.doc.built {
                // A followed build has its `images:` applied already.
                Finding::new(&META, obj, path, message)
            } else {
                // A kustomization whose build is not followed (a remote base,
                // a chart) may pin the tag itself: known once the set is.
                let repo = repository(image).to_string();
                Finding::later(&META, obj, vec![path], move |set| {
                    if set.cluster.image_overrides.contains(repo.as_str()) {
                        Vec::new()
                    } else {
                        vec![Verdict::at(0, message.clone())]
                    }
                })
            };
            out.push(finding.strict_in_prd(obj));
        }
    }
}
