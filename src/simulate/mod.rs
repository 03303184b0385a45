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
mod folders;
pub mod kubelet;
mod needs;
pub mod replay;
pub mod report;

use std::collections::BTreeMap;
use std::sync::OnceLock;

pub use facts::SyncFacts;
pub use replay::{Block, Cause, Timeline};

/// The facts of a set and, once asked, their replay.
#[derive(Debug)]
pub struct Model {
    pub facts: SyncFacts,
    timelines: OnceLock<Vec<Timeline>>,
    /// Applications by (folder, name).
    apps: BTreeMap<(String, String), usize>,
    /// Blocks by Application: (timeline, block) positions.
    blocks: OnceLock<BTreeMap<usize, Vec<(usize, usize)>>>,
}

impl Model {
    pub fn new(facts: SyncFacts) -> Self {
        let mut apps = BTreeMap::new();
        for (i, a) in facts.apps.iter().enumerate() {
            apps.entry((a.dir.clone(), a.name.clone())).or_insert(i);
        }
        Model {
            facts,
            timelines: OnceLock::new(),
            apps,
            blocks: OnceLock::new(),
        }
    }

    /// One timeline per app-of-apps (env and cluster), replayed once.
    pub fn timelines(&self) -> &[Timeline] {
        self.timelines.get_or_init(|| replay::replay(&self.facts))
    }

    /// The Application read from `dir` named `name`, as an index into the facts.
    pub fn app(&self, dir: &str, name: &str) -> Option<usize> {
        self.apps.get(&(dir.to_string(), name.to_string())).copied()
    }

    /// The Application an object is, as the model knows it (its folder and
    /// name), for the rules that report what blocks it; `None` for any other
    /// object. Read while the object's tree is in memory: the blocks are
    /// known only once the set is ([`Model::blocks_for`]).
    pub fn app_key(obj: &crate::lint::Obj) -> Option<(String, String)> {
        if !obj.is("argoproj.io/", "Application") || obj.is_fragment() {
            return None;
        }
        Some((obj.doc.dir.clone(), obj.name.unwrap_or("").to_string()))
    }

    /// What blocks an Application (by [`Model::app_key`]) for one cause.
    pub fn blocks_for(&self, (dir, name): &(String, String), cause: Cause) -> Vec<&Block> {
        self.app(dir, name)
            .map(|i| self.blocks_of(i).filter(|b| b.cause == cause).collect())
            .unwrap_or_default()
    }

    /// What blocks an Application, in every timeline.
    pub fn blocks_of(&self, app: usize) -> impl Iterator<Item = &Block> {
        let timelines = self.timelines();
        let index = self.blocks.get_or_init(|| {
            let mut m: BTreeMap<usize, Vec<(usize, usize)>> = BTreeMap::new();
            for (t, tl) in timelines.iter().enumerate() {
                for (b, block) in tl.blocks.iter().enumerate() {
                    m.entry(block.app).or_default().push((t, b));
                }
            }
            m
        });
        index
            .get(&app)
            .into_iter()
            .flatten()
            .map(move |&(t, b)| &timelines[t].blocks[b])
    }
}
