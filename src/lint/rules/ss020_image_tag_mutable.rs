use super::super::object::k;
use super::super::{Context, Finding, Obj, Rule, RuleMeta, Seg};

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
        summary: "image tag `latest` or no tag",
        help: "Pin the image to a version tag or a digest.",
    }
}

/// Why an image reference is mutable, if it is.
pub fn mutable(image: &str) -> Option<&'static str> {
    if image.contains('@') || image.contains("${") || image.contains("{{") {
        return None;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        Some((_, "latest")) => Some("uses the `latest` tag"),
        Some(_) => None,
        None => Some("has no tag"),
    }
}

impl Rule for ImageTagMutable {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
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
            if let Some(why) = mutable(image) {
                out.push(
                    Finding::new(
                        &META,
                        obj,
                        path,
                        format!("{}: image `{image}` {why}", obj.display()),
                    )
                    .strict_in_prd(obj),
                );
            }
        }
    }
}
