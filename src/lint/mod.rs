//! The lint engine: the deployment checklist as rules over Kubernetes objects.
//!
//! Inputs are [`Doc`]s — manifests read from disk, or objects shipshape rendered
//! (which know the spec node that caused them). Rules see one object at a time
//! and the whole set; they report [`Finding`]s (rule, object, field path,
//! message), never text or exit codes. The engine resolves each finding to the
//! exact YAML node, applies suppressions and the policy profile, and returns
//! [`Diagnostic`]s for the reporters.

pub mod cel;
pub mod cel_k8s;
pub mod cli;
pub mod engine;
pub mod env;
pub mod gate;
pub mod input;
pub mod kube_schema;
pub mod kustomize;
pub mod later;
pub mod object;
pub mod pod_security;
pub mod policy;
mod read_ahead;
pub mod registry;
pub mod rendered;
pub mod rules;
pub mod scope;
pub mod suppress;
pub mod values;
pub mod vap;
mod watchdog;

pub use crate::diag::{
    Diagnostic, Family, Location, ObjectRef, Report, Severity, Summary, UnreadValues,
};
use crate::source::Sources;
use crate::yaml::{Node, Span};
pub use input::{Doc, Origin};
pub use object::Obj;

/// What `shipshape rules` and `explain` show about a rule.
#[derive(Debug)]
pub struct RuleMeta {
    pub id: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    /// How to fix it, in one sentence; the default `help` of its findings.
    pub help: &'static str,
    /// The doc comment of the rule's file: what `explain` prints.
    pub doc: &'static str,
    /// It judges references to objects the set must hold (a Secret, a Service,
    /// a pod): on partial input it would flag what lives elsewhere, so the
    /// engine runs it only over a complete set (`check`, `lint --complete`)
    /// and says when it did not.
    pub whole_set: bool,
}

/// A rule's metadata, implemented by `declare_rule!` from the rule file's
/// header (never by hand).
pub trait Declared {
    fn meta(&self) -> &'static RuleMeta;
}

/// A built-in rule: one file under `rules/`, one line in the list of
/// `rules/mod.rs`.
pub trait Rule: Declared + Sync + Send {
    /// Findings about one object.
    fn check(&self, _obj: &Obj, _cx: &Context, _out: &mut Vec<Finding>) {}
    /// Findings that need the whole set (cross-resource rules).
    fn check_set(&self, _cx: &Context, _out: &mut Vec<Finding>) {}
}

/// One segment of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
    /// The key node of the previous segment's entry rather than its value (so a
    /// report can point at `data:` without showing a secret value).
    KeyNode,
}

pub fn path_string(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
            Seg::KeyNode => {}
        }
    }
    s
}

/// [`path_string`] with each list item that has a `name` (containers, env
/// entries, volumes, ports) named by it instead of its position.
pub fn identity_path(root: &Node, path: &[Seg]) -> String {
    let mut s = String::new();
    let mut node = Some(root);
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
                node = node.and_then(|n| n.get(k));
            }
            Seg::Index(i) => {
                let item = node.and_then(Node::as_seq).and_then(|items| items.get(*i));
                match item
                    .and_then(|it| it.get("name"))
                    .and_then(Node::scalar_text)
                {
                    Some(name) => s.push_str(&format!("[{name}]")),
                    None => s.push_str(&format!("[{i}]")),
                }
                node = item;
            }
            Seg::KeyNode => {}
        }
    }
    s
}

/// A path written as `spec.template.spec.containers[0].image`.
pub fn path(p: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    for part in p.split('.').filter(|s| !s.is_empty()) {
        let mut rest = part;
        if let Some(i) = rest.find('[') {
            out.push(Seg::Key(rest[..i].to_string()));
            rest = &rest[i..];
            while let Some(end) = rest.find(']') {
                if let Ok(n) = rest[1..end].parse() {
                    out.push(Seg::Index(n));
                }
                rest = &rest[end + 1..];
            }
        } else {
            out.push(Seg::Key(rest.to_string()));
        }
    }
    out
}

/// What a rule found: which object, which field, what is wrong.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static RuleMeta,
    /// Index of the object in the set.
    pub obj: usize,
    pub path: Vec<Seg>,
    pub message: String,
    pub help: Option<String>,
    /// Overrides the rule's default (e.g. error in prd, warning in dev).
    pub severity: Option<Severity>,
    /// The node's text is a secret: never shown.
    pub secret: bool,
    /// A location inside the node (for configs embedded in a string), 1-based.
    pub inner: Option<(u32, u32)>,
    /// An exact span, for findings located by another parser (a config file).
    pub span: Option<Span>,
    /// Decided once the set is known, from its facts (see [`later`]).
    pub later: Option<later::Later>,
}

impl Finding {
    pub fn new(
        rule: &'static RuleMeta,
        obj: &Obj,
        path: Vec<Seg>,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            rule,
            obj: obj.index,
            path,
            message: message.into(),
            help: None,
            severity: None,
            secret: false,
            inner: None,
            span: None,
            later: None,
        }
    }
    pub fn help(mut self, h: impl Into<String>) -> Self {
        self.help = Some(h.into());
        self
    }
    pub fn severity(mut self, s: Severity) -> Self {
        self.severity = Some(s);
        self
    }
    /// Error in production, warning elsewhere.
    pub fn strict_in_prd(self, obj: &Obj) -> Self {
        let s = if obj.production {
            Severity::Error
        } else {
            Severity::Warning
        };
        self.severity(s)
    }
    pub fn secret(mut self) -> Self {
        self.secret = true;
        self
    }
}

impl Diagnostic {
    /// A finding about the input itself (a file, a suppression), not an object.
    pub fn about_input(meta: &RuleMeta, location: Location, message: String) -> Self {
        Diagnostic {
            family: if meta.id == registry::DRIFT.id {
                Family::Drift
            } else {
                Family::Lint
            },
            rule: meta.id.into(),
            name: meta.name.into(),
            severity: meta.severity,
            message,
            help: meta.help.into(),
            location,
            rendered: None,
            object: None,
            path: String::new(),
            envs: Vec::new(),
            identity_path: String::new(),
            secret: false,
        }
    }
}

/// What rules can know about the whole set.
///
/// Objects are checked as they are read, before the rest of the set is known.
/// A check that asks about the set then (any method below) gets empty answers
/// and defers its object: the engine keeps that object's tree and checks it
/// again once every file is read, with the set's indexes complete.
pub struct Context<'a> {
    /// The set holds every object (a rendered bundle, or `check`): cross-resource
    /// rules that need to see a producer may fire.
    pub complete: bool,
    pub settings: &'a Settings,
    /// The whole set; `None` while objects are checked as they are read.
    set: Option<&'a SetIndex<'a>>,
    /// A check asked about the set before it was known.
    deferred: std::sync::atomic::AtomicBool,
}

/// The set's indexes, complete once every file is read: facts every object
/// contributed while its tree was in memory, and the objects kept to the end.
pub struct SetIndex<'a> {
    /// The objects kept to the end: those whose checks asked about the set,
    /// and those the lookups return ([`engine::needs_tree`]).
    objects: &'a [Obj<'a>],
    produced: rules::ProducedSecrets,
    cluster: rules::cluster::ClusterIndex,
    /// Positions of the kept objects by `metadata.name`: cross-object lookups
    /// are index lookups, never scans of the set.
    by_name: std::collections::BTreeMap<&'a str, Vec<usize>>,
    /// The Redis instances of the set, gathered once for the eight Redis rules.
    redis: std::sync::OnceLock<Vec<rules::redis::RedisUnit<'a>>>,
}

impl<'a> SetIndex<'a> {
    /// The indexes over the kept objects and the facts every object left,
    /// built side by side.
    pub fn new(
        objects: &'a [Obj<'a>],
        produced: rules::ProducedSecrets,
        cluster: rules::cluster::ClusterFacts,
    ) -> Self {
        let (cluster, by_name) = rayon::join(
            || rules::cluster::ClusterIndex::build(cluster),
            || {
                let mut m: std::collections::BTreeMap<&'a str, Vec<usize>> =
                    std::collections::BTreeMap::new();
                for (i, o) in objects.iter().enumerate() {
                    if let Some(n) = o.name {
                        m.entry(n).or_default().push(i);
                    }
                }
                m
            },
        );
        SetIndex {
            objects,
            produced,
            cluster,
            by_name,
            redis: std::sync::OnceLock::new(),
        }
    }
}

impl<'a> Context<'a> {
    /// The context of checks run as objects are read.
    pub fn streaming(complete: bool, settings: &'a Settings) -> Self {
        Context {
            complete,
            settings,
            set: None,
            deferred: std::sync::atomic::AtomicBool::new(false),
        }
    }
    /// The context of checks run once the set is known.
    pub fn whole(complete: bool, settings: &'a Settings, set: &'a SetIndex<'a>) -> Self {
        Context {
            complete,
            settings,
            set: Some(set),
            deferred: std::sync::atomic::AtomicBool::new(false),
        }
    }
    /// Whether a check asked about the set before it was known (and forgets
    /// it, so that the next check starts afresh).
    pub fn take_deferred(&self) -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        // Asked after every check of every object: a plain load when (as
        // almost always) nothing was deferred, no read-modify-write.
        let deferred = self.deferred.load(Relaxed);
        if deferred {
            self.deferred.store(false, Relaxed);
        }
        deferred
    }
    fn set(&self) -> Option<&'a SetIndex<'a>> {
        if self.set.is_none() {
            self.deferred
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        self.set
    }
    /// The objects kept to the end (see [`SetIndex`]).
    pub fn objects(&self) -> &'a [Obj<'a>] {
        self.set().map_or(&[], |s| s.objects)
    }
    pub fn produced_secrets(&self) -> &rules::ProducedSecrets {
        self.set()
            .map_or(rules::ProducedSecrets::none(), |s| &s.produced)
    }
    /// The objects of a kind with a name. Only the kinds the engine keeps
    /// to the end can be asked for ([`Kept`]).
    pub fn named<'s>(&'s self, kind: Kept, name: &str) -> impl Iterator<Item = &'a Obj<'a>> + 's {
        let found = self
            .set()
            .and_then(|set| set.by_name.get(name).map(|ix| (set.objects, ix)));
        found
            .into_iter()
            .flat_map(|(objects, ix)| ix.iter().map(move |&i| &objects[i]))
            .filter(move |o| o.kind == kind.kind())
    }
    pub fn redis_units(&self) -> &[rules::redis::RedisUnit<'a>] {
        match self.set() {
            Some(set) => set.redis.get_or_init(|| rules::redis::units(self)),
            None => &[],
        }
    }
    pub fn cluster(&self) -> &rules::cluster::ClusterIndex {
        self.set()
            .map_or(rules::cluster::ClusterIndex::none(), |s| &s.cluster)
    }
}

/// The kinds rules look up by name ([`Context::named`]): the engine keeps
/// their objects to the end of the run ([`engine::needs_tree`]), so a lookup
/// finds every one. A kind not listed here cannot be asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kept {
    /// A ConfigMap holding a Redis config file.
    ConfigMap,
    RedisReplication,
    /// Kept only over a complete set (the rule asking is a whole-set rule).
    Service,
}

impl Kept {
    pub fn kind(self) -> &'static str {
        match self {
            Kept::ConfigMap => "ConfigMap",
            Kept::RedisReplication => "RedisReplication",
            Kept::Service => "Service",
        }
    }

    /// Whether the engine keeps `o` for lookups by name.
    pub fn keeps(o: &Obj, complete: bool) -> bool {
        match o.kind {
            "ConfigMap" => rules::redis::is_config(o),
            "RedisReplication" => true,
            "Service" => complete,
            _ => false,
        }
    }
}

/// Project-level facts rules depend on.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub reloader_auto_all: bool,
    /// The annotation prefix each environment's External-DNS reads, by env name
    /// (from the chart version the env pins).
    pub external_dns_prefix: std::collections::BTreeMap<String, &'static str>,
    /// The Pod Security level each namespace enforces (labels of the set's
    /// Namespaces, else the policy's default).
    pub pod_security: pod_security::Levels,
    /// The admission policies of the set and what they need (bindings,
    /// params, Namespaces), read before the main pass.
    pub admission: vap::Admission,
    /// The day suppressions' `until=` dates are compared with (the command
    /// line's clock, or `SHIPSHAPE_TODAY`); unknown, none expires.
    pub today: Option<chrono::NaiveDate>,
}

/// Runs the rules over documents already in memory (a render, tests). The
/// `lint` command streams files through [`engine::Engine`] instead.
pub fn run(
    sources: &Sources,
    docs: &[Doc],
    extra: Vec<Diagnostic>,
    complete: bool,
    settings: &Settings,
    policy: &policy::Policy,
    files: usize,
) -> Report {
    let settings = settings.for_docs(docs, sources, policy);
    let engine = engine::Engine::new(sources, &settings, policy, complete);
    engine::run_in_memory(&engine, docs, extra, files)
}

impl Settings {
    /// The settings with what the documents themselves say (the Pod Security
    /// level their Namespaces enforce, their admission policies) and the
    /// policy's defaults.
    pub fn for_docs(&self, docs: &[Doc], sources: &Sources, policy: &policy::Policy) -> Settings {
        let nodes: Vec<(crate::source::FileId, &Node)> =
            docs.iter().map(|d| (d.file, &d.node)).collect();
        self.with_set_facts(&nodes, sources, policy)
    }

    pub fn with_set_facts(
        &self,
        docs: &[(crate::source::FileId, &Node)],
        sources: &Sources,
        policy: &policy::Policy,
    ) -> Settings {
        let mut s = self.clone();
        for (file, node) in docs {
            s.pod_security.add(node, sources, *file);
        }
        s.pod_security.default = policy.pod_security;
        s.admission = vap::Admission::read(docs, sources);
        s
    }
}

/// The node a path leads to, or its deepest existing ancestor.
pub fn find_node<'a>(root: &'a Node, path: &[Seg]) -> &'a Node {
    let mut node = root;
    let mut parent_key: Option<&'a Node> = None;
    for seg in path {
        let next = match seg {
            Seg::Key(k) => node.entry(k).map(|(key, v)| {
                parent_key = Some(key);
                v
            }),
            Seg::Index(i) => node.as_seq().and_then(|s| s.get(*i)),
            Seg::KeyNode => parent_key,
        };
        match next {
            Some(n) => node = n,
            None => break,
        }
    }
    node
}

/// The location of a resolved span (see [`embedded_span`]); needs no text.
fn location(sources: &Sources, span: Span) -> Location {
    let (end_line, end_column) =
        if (span.end.line, span.end.col) < (span.start.line, span.start.col) {
            (span.start.line, span.start.col)
        } else {
            (span.end.line, span.end.col)
        };
    Location {
        file: sources.shared_name(span.file),
        line: span.start.line,
        column: span.start.col,
        end_line,
        end_column,
        span: Some(span),
    }
}

/// The span a finding points at: for a finding inside an embedded file (a
/// block scalar), the line `inner` names within it, resolved against the
/// text while the file is checked (its text may be released afterwards).
fn embedded_span(sources: &Sources, span: Span, inner: Option<(u32, u32)>) -> Span {
    let Some((l, c)) = inner else {
        return span;
    };
    // Its first line is the line after the `|` indicator (or the scalar's
    // own line when the span starts at the content), indented like the block.
    let text = sources.text(span.file);
    let at_indicator = text
        .get(span.start.offset as usize..)
        .is_some_and(|t| t.starts_with(['|', '>']));
    let line = if at_indicator {
        span.start.line + l
    } else {
        span.start.line + l - 1
    };
    let first = if at_indicator {
        span.start.line + 1
    } else {
        span.start.line
    };
    let indent_of = |n: u32| {
        let l = text.lines().nth(n.saturating_sub(1) as usize).unwrap_or("");
        u32::try_from(l.len() - l.trim_start().len()).unwrap_or(0)
    };
    let block_indent = if at_indicator {
        indent_of(first)
    } else {
        span.start.col.saturating_sub(1)
    };
    let src_line = text
        .lines()
        .nth(line.saturating_sub(1) as usize)
        .unwrap_or("");
    let column = c + block_indent;
    let end_column = u32::try_from(src_line.chars().count())
        .unwrap_or(column)
        .max(column)
        + 1;
    let pos = |col| crate::yaml::Pos {
        line,
        col,
        offset: 0,
    };
    Span {
        file: span.file,
        start: pos(column),
        end: pos(end_column),
    }
}

fn resolve(
    sources: &Sources,
    obj: &Obj,
    f: &Finding,
    severity: Severity,
    object: &std::sync::Arc<ObjectRef>,
) -> Diagnostic {
    let about = later::About {
        rule: f.rule,
        severity,
        object: object.clone(),
        envs: obj.env.iter().cloned().collect(),
        secret: f.secret,
    };
    let said = later::Said {
        message: f.message.clone(),
        help: f.help.clone(),
    };
    later::Place::of(sources, obj, &f.path, f.span, f.inner).diagnostic(sources, &about, said)
}

/// Ids and names of every rule, for validating references to them.
pub fn known_rule(id_or_name: &str) -> Option<&'static RuleMeta> {
    registry::all_metas()
        .into_iter()
        .find(|m| m.id.eq_ignore_ascii_case(id_or_name) || m.name == id_or_name)
}
