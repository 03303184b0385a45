//! Findings decided once the set is known, from its facts alone.
//!
//! A check that needs the set (a Secret an ExternalSecret syncs, the chart
//! pinned for a folder, the AppProjects, the sync replay) used to defer its
//! object, keeping the object's whole tree to the end of the run. A check that
//! can say *now* everything it needs from its object instead returns a
//! [`Later`]: the places it may report at (resolved to spans while the tree
//! is in memory) and a decision over [`SetFacts`] that owns what it read
//! from the object. The engine keeps only that, and decides once the facts
//! are complete; streamed and in-memory runs go through the same path.

use std::sync::Arc;

use super::rules::{cluster::ClusterIndex, ProducedSecrets};
use super::{find_node, identity_path, path_string, Finding, Obj, Origin, RuleMeta, Seg};
use crate::diag::{Diagnostic, Family, ObjectRef, Severity};
use crate::source::Sources;
use crate::yaml::Span;

/// What a later decision may read: the facts every object left, never the
/// objects kept to the end.
pub struct SetFacts<'a> {
    pub produced: &'a ProducedSecrets,
    pub cluster: &'a ClusterIndex,
}

/// What a decision reports: at which of its places, and what.
pub struct Verdict {
    pub at: usize,
    pub message: String,
    pub help: Option<String>,
}

impl Verdict {
    pub fn at(at: usize, message: String) -> Self {
        Verdict {
            at,
            message,
            help: None,
        }
    }
    pub fn help(mut self, help: String) -> Self {
        self.help = Some(help);
        self
    }
}

pub type Decide = dyn Fn(&SetFacts) -> Vec<Verdict> + Send + Sync;

/// The places a finding may be reported at and its decision.
#[derive(Clone)]
pub struct Later {
    pub places: Vec<Vec<Seg>>,
    pub decide: Arc<Decide>,
}

impl std::fmt::Debug for Later {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Later")
            .field("places", &self.places)
            .finish_non_exhaustive()
    }
}

impl Finding {
    /// A finding decided once the set is known: `places` are where it may be
    /// reported (a [`Verdict`] names one by index), `decide` reads the set's
    /// facts and owns whatever it needs from the object.
    pub fn later(
        rule: &'static RuleMeta,
        obj: &Obj,
        places: Vec<Vec<Seg>>,
        decide: impl Fn(&SetFacts) -> Vec<Verdict> + Send + Sync + 'static,
    ) -> Self {
        let mut f = Finding::new(
            rule,
            obj,
            places.first().cloned().unwrap_or_default(),
            String::new(),
        );
        f.later = Some(Later {
            places,
            decide: Arc::new(decide),
        });
        f
    }
}

/// A node a finding may point at, resolved while the tree was in memory.
pub struct Place {
    span: Span,
    /// The node in the rendered file, for findings on rendered objects.
    rendered: Option<Span>,
    pub path: String,
    identity: String,
}

impl Place {
    pub fn of(
        sources: &Sources,
        obj: &Obj,
        path: &[Seg],
        span: Option<Span>,
        inner: Option<(u32, u32)>,
    ) -> Self {
        let (span, inner, rendered) = match &obj.doc.origin {
            Origin::File => (
                span.unwrap_or_else(|| find_node(obj.node(), path).span),
                inner,
                None,
            ),
            Origin::Rendered {
                spec,
                fields,
                file_node,
                ..
            } => (
                crate::render::provenance(fields, *spec, &path_string(path)),
                None,
                file_node.as_ref().map(|n| (find_node(n, path).span, inner)),
            ),
        };
        let shown = path_string(path);
        Place {
            span: super::embedded_span(sources, span, inner),
            rendered: rendered.map(|(span, inner)| super::embedded_span(sources, span, inner)),
            identity: Some(identity_path(obj.node(), path))
                .filter(|i| *i != shown)
                .unwrap_or_default(),
            path: shown,
        }
    }

    /// The diagnostic at this place.
    pub fn diagnostic(&self, sources: &Sources, about: &About, said: Said) -> Diagnostic {
        Diagnostic {
            family: Family::Lint,
            rule: about.rule.id.into(),
            name: about.rule.name.into(),
            severity: about.severity,
            message: said.message,
            help: said.help.map_or(about.rule.help.into(), Into::into),
            location: super::location(sources, self.span),
            rendered: self.rendered.map(|span| super::location(sources, span)),
            object: Some(about.object.clone()),
            path: self.path.clone(),
            envs: about.envs.clone(),
            identity_path: self.identity.clone(),
            secret: about.secret,
        }
    }
}

/// What a diagnostic says.
pub struct Said {
    pub message: String,
    pub help: Option<String>,
}

/// What every diagnostic of one finding shares.
pub struct About {
    pub rule: &'static RuleMeta,
    pub severity: Severity,
    pub object: Arc<ObjectRef>,
    pub envs: Vec<String>,
    pub secret: bool,
}

/// A finding waiting for the set: its places and its decision, no tree.
pub struct Pending {
    pub about: About,
    pub places: Vec<Place>,
    pub decide: Arc<Decide>,
}

impl Pending {
    pub fn new(
        sources: &Sources,
        obj: &Obj,
        f: &Finding,
        later: &Later,
        severity: Severity,
        object: &Arc<ObjectRef>,
    ) -> Self {
        Pending {
            about: About {
                rule: f.rule,
                severity,
                object: object.clone(),
                envs: obj.env.iter().cloned().collect(),
                secret: f.secret,
            },
            places: later
                .places
                .iter()
                .map(|p| Place::of(sources, obj, p, None, f.inner))
                .collect(),
            decide: later.decide.clone(),
        }
    }

    /// The diagnostics the decision reports, with the set's facts known.
    pub fn decide(&self, facts: &SetFacts, sources: &Sources) -> Vec<Diagnostic> {
        (self.decide)(facts)
            .into_iter()
            .filter_map(|v| {
                let place = self.places.get(v.at)?;
                Some(place.diagnostic(
                    sources,
                    &self.about,
                    Said {
                        message: v.message,
                        help: v.help,
                    },
                ))
            })
            .collect()
    }
}
