//! A document seen as a Kubernetes object: identity, env, and the accessors
//! rules share (pod spec, containers, labels), so no rule re-implements them.

use super::input::{Doc, CLOUDFLARED_HINT};
use super::{ObjectRef, Seg};
use crate::render::{ENV_LABEL, ROLE_LABEL};
use crate::yaml::Node;

pub struct Obj<'a> {
    pub index: usize,
    pub doc: &'a Doc,
    pub api_version: &'a str,
    pub kind: &'a str,
    pub name: Option<&'a str>,
    pub namespace: Option<&'a str>,
    pub env: Option<String>,
    pub production: bool,
    /// The containers, found once for the dozen rules that ask.
    containers: std::sync::OnceLock<Vec<Container<'a>>>,
}

/// A container and where it sits.
pub struct Container<'a> {
    /// The path of the pod spec, and the container's list and index in it:
    /// a path is built only for a finding, not for every container checked.
    spec: &'static [&'static str],
    list: &'static str,
    index: usize,
    pub node: &'a Node,
    pub init: bool,
}

/// An item of a container's `command` or `args`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arg<'a> {
    list: &'static str,
    index: usize,
    pub text: &'a str,
}

impl<'a> Container<'a> {
    pub fn name(&self) -> &'a str {
        self.node.get("name").and_then(Node::as_str).unwrap_or("?")
    }
    /// The container's own path.
    pub fn path(&self) -> Vec<Seg> {
        self.at(&[])
    }
    pub fn at(&self, rest: &[Seg]) -> Vec<Seg> {
        let mut p: Vec<Seg> = self.spec.iter().map(|s| k(s)).collect();
        p.push(k(self.list));
        p.push(Seg::Index(self.index));
        p.extend_from_slice(rest);
        p
    }
    /// `env` entries with their index.
    pub fn env(&self) -> impl Iterator<Item = (usize, &'a Node)> {
        self.items("env")
    }
    /// `ports` entries with their index.
    pub fn ports(&self) -> impl Iterator<Item = (usize, &'a Node)> {
        self.items("ports")
    }
    fn items(&self, list: &str) -> impl Iterator<Item = (usize, &'a Node)> {
        self.node
            .get(list)
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .enumerate()
    }
    pub fn env_value(&self, name: &str) -> Option<(usize, &'a Node)> {
        self.env()
            .find(|(_, e)| e.get("name").and_then(Node::as_str) == Some(name))
    }
    /// The `command` and `args` strings, in order.
    pub fn command_line(&self) -> Vec<Arg<'a>> {
        let mut out = Vec::new();
        for list in ["command", "args"] {
            for (index, a) in self
                .node
                .get(list)
                .and_then(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                if let Some(text) = a.as_str() {
                    out.push(Arg { list, index, text });
                }
            }
        }
        out
    }
    /// Where an item of [`Container::command_line`] is.
    pub fn arg_path(&self, arg: &Arg) -> Vec<Seg> {
        self.at(&[k(arg.list), Seg::Index(arg.index)])
    }
    pub fn image(&self) -> Option<&'a str> {
        self.node.get("image").and_then(Node::as_str)
    }
}

pub fn k(s: &str) -> Seg {
    Seg::Key(s.to_string())
}

impl<'a> Obj<'a> {
    /// `None` for documents that are not objects (no apiVersion/kind and no
    /// conventional kind): those are skipped and counted.
    pub fn new(index: usize, doc: &'a Doc) -> Option<Self> {
        let n = &doc.node;
        let api = n.get("apiVersion").and_then(Node::as_str);
        let kind = n.get("kind").and_then(Node::as_str);
        let (api_version, kind) = match (api, kind, doc.kind_hint) {
            (Some(a), Some(k), _) => (a, k),
            (None, None, Some(hint)) => ("", hint),
            (_, Some(k), Some(_)) => (api.unwrap_or(""), k),
            _ => return None,
        };
        let meta = n.get("metadata");
        let label_env = meta
            .and_then(|m| m.get("labels"))
            .and_then(|l| l.get(ENV_LABEL))
            .and_then(Node::as_str)
            .map(str::to_string);
        let env = doc
            .env
            .clone()
            .or(label_env)
            .or_else(|| doc.path_env.clone());
        let production = doc
            .production
            .unwrap_or_else(|| env.as_deref().is_some_and(crate::model::is_production_name));
        Some(Obj {
            index,
            doc,
            api_version,
            kind,
            name: meta.and_then(|m| m.get("name")).and_then(Node::as_str),
            // kustomize's `namespace:` overrides what the object says.
            namespace: doc
                .namespace_hint
                .as_deref()
                .or(meta.and_then(|m| m.get("namespace")).and_then(Node::as_str)),
            env,
            production,
            containers: std::sync::OnceLock::new(),
        })
    }

    pub fn node(&self) -> &'a Node {
        &self.doc.node
    }

    pub fn get(&self, path: &str) -> Option<&'a Node> {
        self.node()
            .pointer(path.split('.').filter(|s| !s.is_empty()))
    }

    pub fn is(&self, group_prefix: &str, kind: &str) -> bool {
        self.kind == kind && self.api_version.starts_with(group_prefix)
    }

    pub fn is_cloudflared_config(&self) -> bool {
        self.kind == CLOUDFLARED_HINT && self.api_version.is_empty()
    }

    pub fn label(&self, key: &str) -> Option<&'a str> {
        self.get("metadata.labels")
            .and_then(|l| l.get(key))
            .and_then(Node::as_str)
    }

    pub fn annotation(&self, key: &str) -> Option<&'a str> {
        self.get("metadata.annotations")
            .and_then(|l| l.get(key))
            .and_then(Node::as_str)
    }

    pub fn display(&self) -> String {
        format!("{} {}", self.kind, self.name.unwrap_or("(unnamed)"))
    }

    pub fn object_ref(&self) -> ObjectRef {
        ObjectRef {
            api_version: self.api_version.to_string(),
            kind: self.kind.to_string(),
            namespace: self.namespace.map(str::to_string),
            name: self.name.map(str::to_string),
        }
    }

    /// The pod spec of a workload, and its path.
    pub fn pod_spec(&self) -> Option<(Vec<Seg>, &'a Node)> {
        let (path, node) = self.pod_spec_at()?;
        Some((path.iter().map(|s| k(s)).collect(), node))
    }

    /// The pod spec and its path as keys.
    fn pod_spec_at(&self) -> Option<(&'static [&'static str], &'a Node)> {
        let path: &'static [&'static str] = match self.kind {
            "Deployment"
            | "StatefulSet"
            | "DaemonSet"
            | "ReplicaSet"
            | "Job"
            | "ReplicationController" => &["spec", "template", "spec"],
            "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
            "Pod" => &["spec"],
            // Other kinds that carry a pod template (Argo Rollouts, operators' CRs).
            _ if self
                .node()
                .pointer(["spec", "template", "spec", "containers"])
                .and_then(Node::as_seq)
                .is_some() =>
            {
                &["spec", "template", "spec"]
            }
            _ => return None,
        };
        let node = self.node().pointer(path.iter().copied())?;
        Some((path, node))
    }

    pub fn is_workload(&self) -> bool {
        matches!(self.kind, "Deployment" | "StatefulSet" | "DaemonSet")
    }

    /// Every container (and init container) of the pod spec.
    pub fn containers(&self) -> &[Container<'a>] {
        self.containers.get_or_init(|| self.find_containers())
    }

    fn find_containers(&self) -> Vec<Container<'a>> {
        let Some((base, spec)) = self.pod_spec_at() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (list, init) in [("initContainers", true), ("containers", false)] {
            for (index, node) in spec
                .get(list)
                .and_then(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                out.push(Container {
                    spec: base,
                    list,
                    index,
                    node,
                    init,
                });
            }
        }
        out
    }

    /// A patch, or an object that can only be one (an Application without a
    /// destination, a workload without a selector): fields it leaves out are
    /// not missing.
    pub fn is_fragment(&self) -> bool {
        self.doc.is_patch
            || (self.kind == "Application" && self.get("spec.destination").is_none())
            // A workload without a selector cannot be applied: it is a strategic-merge patch.
            || (matches!(self.kind, "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet") && self.get("spec.selector").is_none())
    }

    /// The Redis role: the label shipshape sets, else a conservative guess from
    /// the name (`None` when nothing suggests one).
    pub fn redis_role(&self) -> Option<(String, bool)> {
        if let Some(r) = self.label(ROLE_LABEL) {
            return Some((r.to_string(), false));
        }
        let name = self.name.unwrap_or("").to_ascii_lowercase();
        ["queue", "bull", "sidekiq", "celery", "jobs", "worker"]
            .iter()
            .any(|w| name.contains(w))
            .then(|| ("queue".to_string(), true))
            .or_else(|| name.contains("cache").then(|| ("cache".to_string(), true)))
    }
}
