//! Which objects a policy or binding applies to: resource rules (for the
//! sync's CREATE or UPDATE), exclusions, and label selectors on the object and
//! on its Namespace.

use std::collections::BTreeMap;

use crate::lint::Obj;
use crate::yaml::Node;

#[derive(Default)]
pub(super) struct Match {
    pub(super) rules: Vec<ResourceRule>,
    exclude: Vec<ResourceRule>,
    namespace_selector: Option<Node>,
    object_selector: Option<Node>,
}

pub(super) struct ResourceRule {
    groups: Vec<String>,
    versions: Vec<String>,
    resources: Vec<String>,
}

pub(super) fn strings(n: Option<&Node>) -> Vec<String> {
    n.and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect()
}

impl ResourceRule {
    pub(super) fn read(n: &Node) -> Option<ResourceRule> {
        // A sync creates or updates: a rule for neither never applies.
        let ops = strings(n.get("operations"));
        if !ops.is_empty()
            && !ops
                .iter()
                .any(|o| matches!(o.as_str(), "*" | "CREATE" | "UPDATE"))
        {
            return None;
        }
        Some(ResourceRule {
            groups: strings(n.get("apiGroups")),
            versions: strings(n.get("apiVersions")),
            resources: strings(n.get("resources")),
        })
    }

    pub(super) fn matches(&self, o: &Obj) -> bool {
        let (group, version) = o
            .api_version
            .rsplit_once('/')
            .unwrap_or(("", o.api_version));
        let any = |list: &[String], v: &str| list.iter().any(|x| x == "*" || x == v);
        any(&self.groups, group)
            && any(&self.versions, version)
            && self
                .resources
                .iter()
                .any(|r| r == "*" || r == "*/*" || *r == resource_of(o.kind))
    }
}

/// The resource (plural, lowercase) of a kind, as the API names it.
pub(super) fn resource_of(kind: &str) -> String {
    let lower = kind.to_ascii_lowercase();
    if lower.ends_with("endpoints") {
        lower
    } else if lower.ends_with('y') && !lower.ends_with("ey") {
        format!("{}ies", &lower[..lower.len() - 1])
    } else if ["s", "x", "ch", "sh"].iter().any(|e| lower.ends_with(e)) {
        format!("{lower}es")
    } else {
        format!("{lower}s")
    }
}

impl Match {
    pub(super) fn read(n: Option<&Node>) -> Match {
        let Some(n) = n else {
            return Match::default();
        };
        let rules = |key| {
            n.get(key)
                .and_then(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .filter_map(ResourceRule::read)
                .collect()
        };
        Match {
            rules: rules("resourceRules"),
            exclude: rules("excludeResourceRules"),
            namespace_selector: n.get("namespaceSelector").cloned(),
            object_selector: n.get("objectSelector").cloned(),
        }
    }

    /// `None`: the object's namespace is not in the set and the selector
    /// asks about its labels.
    pub(super) fn matches(
        &self,
        o: &Obj,
        namespaces: &BTreeMap<String, Node>,
        constraints: bool,
    ) -> Option<bool> {
        // A binding without resource rules narrows by selectors only.
        if (constraints || !self.rules.is_empty()) && !self.rules.iter().any(|r| r.matches(o)) {
            return Some(false);
        }
        if self.exclude.iter().any(|r| r.matches(o)) {
            return Some(false);
        }
        if let Some(sel) = &self.object_selector {
            if !selects(sel, o.get("metadata.labels")) {
                return Some(false);
            }
        }
        match (&self.namespace_selector, o.namespace) {
            (Some(sel), Some(ns)) if !is_empty_selector(sel) => {
                let labels = namespaces.get(ns)?;
                Some(selects(sel, labels.pointer(["metadata", "labels"])))
            }
            _ => Some(true),
        }
    }
}

fn is_empty_selector(sel: &Node) -> bool {
    sel.as_map().is_none_or(<[_]>::is_empty)
}

/// A label selector against a `labels` map: the one selector logic the
/// cross-object rules use too.
fn selects(sel: &Node, labels: Option<&Node>) -> bool {
    crate::lint::rules::cluster::matches(sel, &crate::lint::rules::cluster::labels_of(labels))
}
