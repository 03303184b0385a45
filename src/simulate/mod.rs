//! The cluster as a model: an offline replay of what Argo CD, the kubelet and
//! the operators at their pinned versions do with a set of manifests, from an
//! empty cluster to Healthy, wave by wave.
//!
//! Its inputs are facts each object leaves ([`facts`]) and the catalogue
//! (`catalog::runtime`), never special cases per example. `shipshape
//! simulate` prints the [`replay::Timeline`]; the lint rules SS060–SS063 ask
//! the same model, so `check`, `lint` and `simulate` cannot disagree. What it
//! does not model is said in the README ("What `simulate` models").

pub mod argocd;
pub mod cli;
pub mod facts;
pub mod kubelet;
pub mod replay;
pub mod report;

use std::sync::OnceLock;

pub use facts::SyncFacts;
pub use replay::{Block, Cause, Timeline};

/// The facts of a set and, once asked, their replay.
#[derive(Debug, Default)]
pub struct Model {
    pub facts: SyncFacts,
    timelines: OnceLock<Vec<Timeline>>,
}

impl Model {
    pub fn new(facts: SyncFacts) -> Self {
        Model {
            facts,
            timelines: OnceLock::new(),
        }
    }

    /// One timeline per app-of-apps (env and cluster), replayed once.
    pub fn timelines(&self) -> &[Timeline] {
        self.timelines.get_or_init(|| replay::replay(&self.facts))
    }

    /// The Application read from `dir` named `name`, as an index into the facts.
    pub fn app(&self, dir: &str, name: &str) -> Option<usize> {
        self.facts
            .apps
            .iter()
            .position(|a| a.dir == dir && a.name == name)
    }

    /// What blocks an Application, in every timeline.
    pub fn blocks_of(&self, app: usize) -> impl Iterator<Item = &Block> {
        self.timelines()
            .iter()
            .flat_map(|t| t.blocks.iter())
            .filter(move |b| b.app == app)
    }
}
