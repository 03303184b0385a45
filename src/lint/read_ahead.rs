//! What the linter reads before the other files, because it changes how
//! they read: kustomizations (their `namespace:`, patches and builds), and
//! the documents that link Helm values to their charts (see
//! [`super::values::links`]) with the values files they name. Each file read
//! here is parsed once: its trees are handed on to the main pass.

use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::input::{
    is_kustomization_file, links_values, normalize, patch_refs, read_and_parse, slashed, Loaded,
};
use super::kustomize::Graph;
use super::values::Links;
use super::Diagnostic;
use crate::source::{FileId, Sources};
use crate::yaml::Node;

/// A file's documents parsed ahead (or why it could not be), by position.
pub type Parsed = Option<Result<Vec<Node>, Box<Diagnostic>>>;

/// What the main pass needs from the files read ahead.
pub struct Ahead {
    /// Every file's normalized path, by position.
    pub names: Vec<String>,
    pub pre: Vec<Parsed>,
    /// The `namespace:` of each folder's kustomization.
    pub kust_ns: BTreeMap<String, String>,
    /// Files a kustomization lists as patches: fragments, not objects.
    pub patch_files: BTreeSet<String>,
    pub graph: Graph,
    pub links: Links,
}

pub fn read_ahead(loaded: &Loaded, sources: &Sources) -> Ahead {
    let names: Vec<String> = loaded
        .files
        .par_iter()
        .map(|(_, path)| slashed(&normalize(path)))
        .collect();
    let mut pre: Vec<Parsed> = loaded
        .files
        .par_iter()
        .zip(names.par_iter())
        .map(|((id, path), name)| {
            let ahead = is_kustomization_file(path)
                || super::values::links::is_chart_file(name)
                || links_values(sources, *id, path);
            ahead.then(|| read_and_parse(sources, *id, path))
        })
        .collect();
    let (kust_ns, patch_files, kustomizations) = kustomization_facts(loaded, &pre);
    let graph = build_graph(loaded, sources, &names, &patch_files, &kustomizations);
    let ahead = names.iter().zip(&pre).filter_map(|(name, p)| match p {
        Some(Ok(docs)) if !is_kustomization_file(Path::new(name)) => {
            Some((name.as_str(), docs.as_slice()))
        }
        _ => None,
    });
    let mut links = Links::plan(&kustomizations, ahead, names.iter().cloned());
    drop(kustomizations);
    read_values_files(loaded, sources, &names, &mut pre, &mut links);
    read_values_objects(loaded, sources, &mut pre, &mut links);
    Ahead {
        names,
        pre,
        kust_ns,
        patch_files,
        graph,
        links,
    }
}

/// Each kustomization's namespace and document by folder, and the files
/// they list as patches; keyed by normalized path text.
type KustomizationFacts<'p> = (
    BTreeMap<String, String>,
    BTreeSet<String>,
    BTreeMap<String, &'p Node>,
);

fn kustomization_facts<'p>(loaded: &Loaded, pre: &'p [Parsed]) -> KustomizationFacts<'p> {
    let mut kust_ns = BTreeMap::new();
    let mut patch_files = BTreeSet::new();
    let mut kustomizations = BTreeMap::new();
    for ((_, path), result) in loaded.files.iter().zip(pre) {
        let Some(Ok(docs)) = result.as_ref().filter(|_| is_kustomization_file(path)) else {
            continue;
        };
        let dir = path.parent().unwrap_or(Path::new(""));
        if let Some(ns) = docs
            .iter()
            .find_map(|d| d.get("namespace").and_then(Node::as_str))
        {
            kust_ns.insert(slashed(&normalize(dir)), ns.to_string());
        }
        if let Some(k) = docs.iter().find(|d| d.as_map().is_some()) {
            kustomizations.insert(slashed(&normalize(dir)), k);
        }
        for d in docs {
            patch_files.extend(
                patch_refs(d)
                    .into_iter()
                    .map(|r| slashed(&normalize(&dir.join(r)))),
            );
        }
    }
    (kust_ns, patch_files, kustomizations)
}

/// Which roots build each file; patch files are read here too, since each
/// build applies them.
fn build_graph(
    loaded: &Loaded,
    sources: &Sources,
    names: &[String],
    patch_files: &BTreeSet<String>,
    kustomizations: &BTreeMap<String, &Node>,
) -> Graph {
    if kustomizations.is_empty() {
        return Graph::default();
    }
    // Only the files kustomizations name are looked up, not every file.
    let named = super::kustomize::named_files(kustomizations);
    let mut files = BTreeSet::new();
    let mut patches: Vec<(String, FileId, &PathBuf)> = Vec::new();
    for ((id, path), name) in loaded.files.iter().zip(names) {
        if patch_files.contains(name) {
            patches.push((name.clone(), *id, path));
        }
        if named.contains(name) {
            files.insert(name.clone());
        }
    }
    let patches: BTreeMap<String, Vec<Node>> = patches
        .into_par_iter()
        .filter_map(|(name, id, path)| Some((name, read_and_parse(sources, id, path).ok()?)))
        .collect();
    Graph::build(kustomizations, &files, &patches)
}

/// Parses the files at `wanted` positions not parsed yet.
fn parse_more(
    loaded: &Loaded,
    sources: &Sources,
    pre: &mut [Parsed],
    wanted: impl Fn(usize) -> bool + Sync,
) {
    let fresh: Vec<(usize, Parsed)> = (0..pre.len())
        .into_par_iter()
        .filter(|i| pre[*i].is_none() && wanted(*i))
        .map(|i| {
            let (id, path) = &loaded.files[i];
            (i, Some(read_and_parse(sources, *id, path)))
        })
        .collect();
    for (i, parsed) in fresh {
        pre[i] = parsed;
    }
}

/// The values files the linking documents name, so the manifest that
/// installs their chart can merge them.
fn read_values_files(
    loaded: &Loaded,
    sources: &Sources,
    names: &[String],
    pre: &mut [Parsed],
    links: &mut Links,
) {
    let wanted: BTreeSet<String> = links.wanted().into_iter().collect();
    if wanted.is_empty() {
        return;
    }
    parse_more(loaded, sources, pre, |i| wanted.contains(&names[i]));
    for (name, p) in names.iter().zip(pre.iter()) {
        if let (true, Some(Ok(docs))) = (wanted.contains(name), p) {
            links.fill(name.clone(), docs);
        }
    }
}

/// ConfigMaps and Secrets a `valuesFrom` names that no kustomization
/// generates: the files whose text names one.
fn read_values_objects(loaded: &Loaded, sources: &Sources, pre: &mut [Parsed], links: &mut Links) {
    if links.wanted_objects().is_empty() {
        return;
    }
    let wanted: Vec<String> = links.wanted_objects().iter().cloned().collect();
    let holds = |i: usize| {
        sources.try_text(loaded.files[i].0).is_some_and(|t| {
            (t.contains("ConfigMap") || t.contains("Secret"))
                && wanted.iter().any(|w| t.contains(w.as_str()))
        })
    };
    parse_more(loaded, sources, pre, holds);
    for (i, p) in pre.iter().enumerate() {
        if let Some(Ok(docs)) = p.as_ref().filter(|_| holds(i)) {
            links.fill_objects(docs);
        }
    }
}
