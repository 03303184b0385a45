//! How a lint run goes, in bounded memory.
//!
//! Each batch of documents (a file, as it is read) is checked while its trees
//! are in memory: every object adds what the cross-object indexes need to
//! compact, owned facts (Secrets produced, Services, pods, chart pins), and
//! its findings are resolved to exact locations there and then. A check whose
//! decision needs the set but only facts of it returns a [`super::later`]
//! finding (its places resolved now, its decision taken in
//! [`Engine::finish`]), so the tree goes. The tree is kept to the end only
//! when the set is needed to check it: a check asked
//! about the set ([`Context::take_deferred`]; only those checks run again,
//! see [`Rerun`]), or another object's check will look it up
//! ([`needs_tree`]). [`Engine::finish`] checks the kept objects with the
//! indexes complete, runs the whole-set rules, and applies suppressions.
//! Memory grows with the facts, the kept trees and the texts (kept to show
//! excerpts), not with every node of the input.

use rayon::prelude::*;
use std::sync::Arc;

use super::env::EnvRules;
use super::input::{self, Loaded};
use super::suppress::{self, Suppression, Suppressions};
use super::{
    policy::Policy, registry, rules, values, Context, Diagnostic, Doc, Finding, Obj, Origin,
    Report, Rule, RuleMeta, SetIndex, Settings, Severity, Summary, UnreadValues,
};
use crate::source::{FileId, Sources};
use crate::yaml::Node;

/// An object's identity for the whole run: (batch, position in the batch).
/// Batches are numbered in input order, so keys sort like the input.
pub type DocKey = (u32, u32);

/// One run's fixed inputs.
pub struct Engine<'r> {
    sources: &'r Sources,
    settings: &'r Settings,
    policy: &'r Policy,
    complete: bool,
    rules: Vec<&'static dyn Rule>,
    /// Selected rules that need the whole set, on input that may be partial.
    not_run: Vec<&'static str>,
    /// SS007 runs: objects of kinds it has no schema for are counted.
    schema_on: bool,
    /// Keep every object to the end (see [`Engine::checking_at_end`]).
    at_end: bool,
}

/// What a kept object still needs at the end of the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rerun {
    /// Every check, and settling (its tree was kept before any check ran).
    All,
    /// Only the checks that asked about the set (bit `i`: the engine's rule
    /// `i`); the others' findings are settled already.
    Only(u64),
}

impl Rerun {
    fn includes(self, rule: usize) -> bool {
        match self {
            Rerun::All => true,
            Rerun::Only(mask) => rule < 64 && mask >> rule & 1 == 1,
        }
    }
}

/// A diagnostic on an object (`key`), before suppressions. Boxed: the list
/// of a run's findings is then a list of pointers, grown and sorted without
/// moving (or doubling) the findings themselves.
struct Pending {
    diagnostic: Box<Diagnostic>,
    rule: &'static RuleMeta,
    key: DocKey,
}

/// The facts cross-object rules need, gathered from every object.
#[derive(Default)]
struct Facts {
    produced: rules::ProducedSecrets,
    cluster: rules::cluster::ClusterFacts,
}

/// What checking a batch leaves for the end of the run.
#[derive(Default)]
pub struct Partial {
    pending: Vec<Pending>,
    /// Findings decided once the set is known (no tree kept for them).
    later: Vec<(super::later::Pending, DocKey)>,
    annotations: Vec<Suppression>,
    /// Files to search for suppression comments (sorted and deduplicated at
    /// the end).
    comment_files: Vec<FileId>,
    facts: Facts,
    objects: usize,
    skipped: usize,
    values_unread: Vec<(DocKey, UnreadValues)>,
    /// Objects of kinds without a built-in schema, by `apiVersion/kind`.
    schema_unchecked: std::collections::BTreeMap<String, usize>,
}

impl Partial {
    /// Adds what a later batch left (call in input order: the earliest pin
    /// of a chart wins).
    pub fn absorb(&mut self, p: Partial) {
        self.facts.produced.merge(p.facts.produced);
        self.facts.cluster.merge(p.facts.cluster);
        self.pending.extend(p.pending);
        self.later.extend(p.later);
        self.annotations.extend(p.annotations);
        self.comment_files.extend(p.comment_files);
        self.objects += p.objects;
        self.skipped += p.skipped;
        self.values_unread.extend(p.values_unread);
        for (kind, n) in p.schema_unchecked {
            *self.schema_unchecked.entry(kind).or_default() += n;
        }
    }
}

/// Whether another object's checks may look this object up once the set is
/// known, so its tree must be kept: the objects [`Context::named`] finds for
/// the rules that ask (a Redis's config, a Sentinel's replication, and when
/// the set is complete a Service cloudflared routes to), and the Redis
/// instances the Redis rules gather.
pub fn needs_tree(o: &Obj, complete: bool) -> bool {
    super::Kept::keeps(o, complete) || rules::redis::is_unit(o)
}

impl<'r> Engine<'r> {
    pub fn new(
        sources: &'r Sources,
        settings: &'r Settings,
        policy: &'r Policy,
        complete: bool,
    ) -> Self {
        // Rules that need the whole set run only over a complete one: the
        // engine decides from their metadata, and the summary names the rest.
        let (rules, not_run): (Vec<&'static dyn Rule>, Vec<&'static dyn Rule>) = registry::RULES
            .iter()
            .copied()
            .filter(|r| policy.selects(r.meta().id))
            .partition(|r| complete || !r.meta().whole_set);
        let schema_on = rules.iter().any(|r| r.meta().id == "SS007");
        Engine {
            sources,
            settings,
            policy,
            complete,
            rules,
            not_run: not_run.iter().map(|r| r.meta().id).collect(),
            schema_on,
            at_end: false,
        }
    }

    /// An engine that checks every object once the set is known, as a run
    /// without streaming would: the reference streamed runs must agree with.
    pub fn checking_at_end(self) -> Self {
        Engine {
            at_end: true,
            ..self
        }
    }

    /// Checks the objects of a batch, adding what they leave to `part`;
    /// returns the positions of the documents to keep for [`Engine::finish`],
    /// with the checks each still needs: those that asked about the set.
    pub fn check_batch(&self, batch: u32, docs: &[Doc], part: &mut Partial) -> Vec<(usize, Rerun)> {
        let objects: Vec<Obj> = docs
            .iter()
            .enumerate()
            .filter_map(|(i, d)| Obj::new(i, d))
            .collect();
        part.skipped += docs.len() - objects.len();
        for (i, d) in docs.iter().enumerate() {
            // Values shipshape rendered itself are its own, not a repository's to check.
            if !matches!(d.origin, Origin::File) {
                continue;
            }
            for u in &d.values.unread {
                part.values_unread
                    .push(((batch, key_part(i)), self.unread_values(d, u)));
            }
        }
        let mut keep = Vec::new();
        for o in &objects {
            let made = rules::produced(o);
            part.facts.cluster.add(o, self.complete, &made);
            part.facts.produced.extend(made);
            // Custom rules run at the end, one evaluation at a time, under the
            // watchdog that bounds them.
            if self.at_end
                || needs_tree(o, self.complete)
                || self.policy.custom_matches(o)
                || self.settings.admission.keeps(o)
            {
                keep.push((o.index, Rerun::All));
                continue;
            }
            let cx = Context::streaming(self.complete, self.settings);
            let mut findings = Vec::new();
            let mut waiting = 0u64;
            let mut beyond_mask = false;
            for (i, r) in self.rules.iter().enumerate() {
                let before = findings.len();
                r.check(o, &cx, &mut findings);
                if cx.take_deferred() {
                    // Found without the set: not to be trusted.
                    findings.truncate(before);
                    match 1u64.checked_shl(u32::try_from(i).unwrap_or(u32::MAX)) {
                        Some(bit) => waiting |= bit,
                        None => beyond_mask = true,
                    }
                }
            }
            if beyond_mask {
                keep.push((o.index, Rerun::All));
                continue;
            }
            let key = (batch, key_part(o.index));
            self.settle(o, key, &findings, part);
            if waiting != 0 {
                keep.push((o.index, Rerun::Only(waiting)));
            }
        }
        keep
    }

    fn unread_values(&self, d: &Doc, u: &values::Unread) -> UnreadValues {
        let text = |k: &str| d.node.get(k).and_then(Node::as_str);
        let subject = match (
            text("kind"),
            d.node.pointer(["metadata", "name"]).and_then(Node::as_str),
        ) {
            (Some(kind), Some(name)) => format!("{kind} {name}"),
            (Some(kind), None) => kind.to_string(),
            (None, _) => match d.kind_hint {
                Some(hint) if hint != super::input::VALUES_HINT => hint.to_string(),
                _ => "values file".to_string(),
            },
        };
        UnreadValues {
            file: self.sources.name(u.at.file).to_string(),
            line: u.at.start.line as usize,
            column: u.at.start.col as usize,
            subject,
            why: u.why.clone(),
        }
    }

    /// Resolves an object's findings and records what the end of the run
    /// needs from it.
    fn settle(&self, o: &Obj, key: DocKey, findings: &[Finding], part: &mut Partial) {
        part.objects += 1;
        // What SS007 would judge but has no schema for: counted, not passed.
        if self.schema_on
            && !(o.is_fragment() || o.doc.derived || o.doc.is_patch)
            && !super::kube_schema::knows(o.api_version, o.kind)
        {
            *part
                .schema_unchecked
                .entry(format!("{}/{}", o.api_version, o.kind))
                .or_default() += 1;
        }
        self.pend(o, key, findings, part);
        part.annotations
            .extend(suppress::annotations(self.sources, o, key));
        for f in suppress::comment_files(o) {
            // A file's documents come one after another: most repeats stop
            // here. Only files with suppression comments are read again.
            if part.comment_files.last() != Some(&f) && suppress::has_comments(self.sources, f) {
                part.comment_files.push(f);
            }
        }
    }

    /// Records an object's findings, decided or waiting for the set; they
    /// share one copy of the object's reference.
    fn pend(&self, o: &Obj, key: DocKey, findings: &[Finding], part: &mut Partial) {
        let mut object: Option<Arc<crate::diag::ObjectRef>> = None;
        for f in findings {
            let severity = self.policy.severity(
                f.rule.id,
                o.env.as_deref(),
                o.production,
                f.severity.unwrap_or(f.rule.severity),
            );
            let Some(severity) = severity else { continue };
            let object = object.get_or_insert_with(|| Arc::new(o.object_ref()));
            if let Some(later) = &f.later {
                part.later.push((
                    super::later::Pending::new(self.sources, o, f, later, severity, object),
                    key,
                ));
                continue;
            }
            part.pending.push(Pending {
                diagnostic: Box::new(super::resolve(self.sources, o, f, severity, object)),
                rule: f.rule,
                key,
            });
        }
    }

    /// Checks the kept documents (`(key, checks still needed, doc)`, in
    /// input order) with the set known, runs the whole-set rules, applies
    /// suppressions and sums up. `all` is what every batch left, absorbed in
    /// input order.
    pub fn finish(
        &self,
        mut all: Partial,
        kept: &[(DocKey, Rerun, &Doc)],
        extra: Vec<Diagnostic>,
        files: usize,
    ) -> Report {
        let facts = std::mem::take(&mut all.facts);
        let objects: Vec<Obj> = kept
            .iter()
            .enumerate()
            .filter_map(|(i, (_, _, d))| Obj::new(i, d))
            .collect();
        // Kept documents are objects: batches keep nothing else.
        let key_of = |o: &Obj| kept[o.index].0;
        let rerun_of = |o: &Obj| kept[o.index].1;
        let set = SetIndex::new(&objects, facts.produced, facts.cluster);
        let cx = Context::whole(self.complete, self.settings, &set);
        // Gathered (in parallel) here, outside any parallel job: a job that
        // asked first could be stolen into by another asking the same.
        cx.redis_units();
        let mut findings: Vec<Finding> = objects
            .par_iter()
            .flat_map_iter(|o| {
                let mut out = Vec::new();
                let rerun = rerun_of(o);
                for (i, r) in self.rules.iter().enumerate() {
                    if rerun.includes(i) {
                        r.check(o, &cx, &mut out);
                    }
                }
                out
            })
            .collect();
        findings.par_extend(self.rules.par_iter().flat_map_iter(|r| {
            let mut out = Vec::new();
            r.check_set(&cx, &mut out);
            out
        }));
        let (custom, custom_errors) = self.policy.custom_findings(&objects, self.sources);
        findings.extend(custom);
        let (admission, admission_unknown) = self.settings.admission.findings(&objects);
        findings.extend(admission);
        // Each kept object settles once, with its findings grouped; one
        // settled while it was read adds the findings of its rerun checks.
        findings.sort_by_key(|f| f.obj);
        let mut rest = findings.as_slice();
        let mut groups = Vec::with_capacity(objects.len());
        for o in &objects {
            let n = rest.iter().take_while(|f| f.obj == o.index).count();
            let (mine, tail) = rest.split_at(n);
            rest = tail;
            groups.push(mine);
        }
        let settled = objects
            .par_iter()
            .zip(groups)
            .fold(Partial::default, |mut part, (o, mine)| {
                match rerun_of(o) {
                    Rerun::All => self.settle(o, key_of(o), mine, &mut part),
                    Rerun::Only(_) => self.pend(o, key_of(o), mine, &mut part),
                }
                part
            })
            .reduce(Partial::default, |mut earlier, later| {
                earlier.absorb(later);
                earlier
            });
        all.absorb(settled);
        // Every object has been read: decide what waited for the set.
        let facts = super::later::SetFacts {
            produced: &set.produced,
            cluster: &set.cluster,
        };
        let decided: Vec<Pending> = std::mem::take(&mut all.later)
            .par_iter()
            .flat_map_iter(|(p, key)| {
                p.decide(&facts, self.sources)
                    .into_iter()
                    .map(|diagnostic| Pending {
                        diagnostic: Box::new(diagnostic),
                        rule: p.about.rule,
                        key: *key,
                    })
            })
            .collect();
        all.pending.extend(decided);
        all.comment_files.sort_unstable();
        all.comment_files.dedup();

        let mut suppressions = Suppressions::new(
            self.sources,
            std::mem::take(&mut all.annotations),
            &all.comment_files,
            self.policy,
            self.settings.today,
        );
        let pending = std::mem::take(&mut all.pending);
        let mut keyed: Vec<(Box<Diagnostic>, Option<DocKey>)> = Vec::with_capacity(pending.len());
        for p in pending {
            if !suppressions.suppresses(p.rule, p.key, &p.diagnostic) {
                keyed.push((p.diagnostic, Some(p.key)));
            }
        }
        keyed.extend(
            extra
                .into_iter()
                .chain(custom_errors)
                .chain(self.settings.admission.not_evaluated.iter().cloned())
                .chain(admission_unknown)
                .chain(suppressions.problems())
                .map(|d| (Box::new(d), None)),
        );
        keyed.sort_by(report_order);
        let diagnostics = merge_across_envs(keyed.into_iter().map(|(d, _)| d));
        let mut summary = self.summary(&diagnostics, all, files);
        summary.suppressions = suppressions.listed();
        Report {
            diagnostics,
            summary,
        }
    }
}

impl Engine<'_> {
    /// The counts of a run, the values it could not read, the rules it did
    /// not run.
    fn summary(&self, diagnostics: &[Diagnostic], mut all: Partial, files: usize) -> Summary {
        all.values_unread
            .sort_by(|(ka, a), (kb, b)| (a, ka).cmp(&(b, kb)));
        all.values_unread.dedup_by(|(_, a), (_, b)| a == b);
        let mut summary = Summary {
            files,
            objects: all.objects,
            skipped: all.skipped,
            values_unread: all.values_unread.into_iter().map(|(_, s)| s).collect(),
            rules_not_run: self.not_run.iter().map(|s| s.to_string()).collect(),
            schema_unchecked: all.schema_unchecked,
            ..Summary::default()
        };
        for d in diagnostics {
            match d.severity {
                Severity::Error => summary.errors += 1,
                Severity::Warning => summary.warnings += 1,
                Severity::Info => summary.infos += 1,
            }
        }
        summary
    }
}

/// The order of a report: by place, rule and message; input order breaks
/// ties, as if every object had been checked in turn.
fn report_order(
    (a, ka): &(Box<Diagnostic>, Option<DocKey>),
    (b, kb): &(Box<Diagnostic>, Option<DocKey>),
) -> std::cmp::Ordering {
    (
        &a.location.file,
        a.location.line,
        a.location.column,
        &a.rule,
        &a.message,
        ka,
    )
        .cmp(&(
            &b.location.file,
            b.location.line,
            b.location.column,
            &b.rule,
            &b.message,
            kb,
        ))
}

fn key_part(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// The documents kept to the end of a run (the caller may leave them to the
/// process exit rather than free them one node at a time).
pub type Kept = Vec<(DocKey, Rerun, Doc)>;

/// What streaming the files leaves for the end of the run.
#[derive(Default)]
struct Streamed {
    part: Partial,
    kept: Kept,
}

impl Streamed {
    fn absorb(&mut self, later: Streamed) {
        self.part.absorb(later.part);
        self.kept.extend(later.kept);
    }
}

/// Lints loaded files, checking each file as it is parsed: only the
/// documents the whole set is needed for outlive their file. With
/// `excerpts` (the report will show source lines), each file that may be
/// shown (findings, deferred findings, documents kept for the end) has its
/// secrets found from its trees while they are in memory.
pub fn lint_files(
    loaded: Loaded,
    sources: &Sources,
    envs: &EnvRules,
    settings: &Settings,
    policy: &Policy,
    excerpts: bool,
    complete: bool,
) -> (Report, Kept) {
    // What the files say about the set before any is checked: the Pod
    // Security level of each labelled Namespace, the admission policies.
    let ahead = read_set_facts(&loaded.files, sources);
    let docs: Vec<(FileId, &crate::yaml::Node)> = ahead
        .iter()
        .flat_map(|(f, d)| d.iter().map(|n| (*f, n)))
        .collect();
    let settings = settings.with_set_facts(&docs, sources, policy);
    drop(docs);
    drop(ahead);
    let engine = Engine::new(sources, &settings, policy, complete);
    let (streamed, parse_diags) = input::parse_each(
        &loaded,
        sources,
        envs,
        Streamed::default,
        |acc, b, docs| {
            let Some(file) = docs.first().map(|d| d.file) else {
                return;
            };
            let found = (acc.part.pending.len(), acc.part.later.len());
            let keep = engine.check_batch(b, &docs, &mut acc.part);
            // A file with findings (or findings the set may decide, or
            // documents checked again at the end) may be shown: mask it from
            // its trees while they are here, rather than parse it again to
            // report.
            let may_show = (acc.part.pending.len(), acc.part.later.len()) != found;
            if excerpts && (may_show || !keep.is_empty()) {
                sources.mask_from(file, read_as_is(&docs));
            }
            // Checked: its text goes (read again from disk if a report's
            // excerpt, a later finding or a suppression comment asks).
            sources.release(file);
            let mut keep = keep.into_iter().peekable();
            for (i, d) in docs.into_iter().enumerate() {
                if let Some((_, rerun)) = keep.next_if(|(k, _)| *k == i) {
                    acc.kept.push(((b, key_part(i)), rerun, d));
                }
            }
        },
        Streamed::absorb,
    );
    let Streamed { part, kept } = streamed;
    let refs: Vec<(DocKey, Rerun, &Doc)> = kept.iter().map(|(k, r, d)| (*k, *r, d)).collect();
    let report = engine.finish(part, &refs, parse_diags, loaded.count);
    drop(refs);
    (report, kept)
}

/// The documents of a file as read (not those made from them).
fn read_as_is<'d>(docs: impl IntoIterator<Item = &'d Doc>) -> impl Iterator<Item = &'d Node> {
    docs.into_iter().filter(|d| !d.derived).map(|d| &d.node)
}

/// Runs the engine over documents already in memory (a render, tests), in
/// batches of a fixed size so that keys follow the documents' order.
pub fn run_in_memory(
    engine: &Engine,
    docs: &[Doc],
    extra: Vec<Diagnostic>,
    files: usize,
) -> Report {
    const BATCH: usize = 256;
    let results: Vec<(Partial, Vec<(usize, Rerun)>)> = docs
        .par_chunks(BATCH)
        .enumerate()
        .map(|(b, chunk)| {
            let mut part = Partial::default();
            let keep = engine.check_batch(key_part(b), chunk, &mut part);
            (part, keep)
        })
        .collect();
    let mut all = Partial::default();
    let mut kept: Vec<(DocKey, Rerun, &Doc)> = Vec::new();
    for (b, (part, keep)) in results.into_iter().enumerate() {
        all.absorb(part);
        for (i, rerun) in keep {
            kept.push(((key_part(b), key_part(i)), rerun, &docs[b * BATCH + i]));
        }
    }
    engine.finish(all, &kept, extra, files)
}

/// Findings that several environments share (a spec line in a base env that
/// dev and prd both inherit) become one, with the highest severity among them
/// and every env named: prd's error must never hide behind dev's warning.
/// `diagnostics` is sorted so that duplicates are adjacent.
fn merge_across_envs(
    diagnostics: impl ExactSizeIterator<Item = Box<Diagnostic>>,
) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::with_capacity(diagnostics.len());
    for d in diagnostics {
        match out.last_mut() {
            Some(last)
                if last.rule == d.rule
                    && last.location == d.location
                    && last.message == d.message =>
            {
                if d.severity > last.severity {
                    last.severity = d.severity;
                    last.help = d.help;
                    last.rendered = d.rendered;
                    last.object = d.object;
                    last.path = d.path;
                }
                last.secret |= d.secret;
                for e in d.envs {
                    if !last.envs.contains(&e) {
                        last.envs.push(e);
                    }
                }
            }
            _ => out.push(*d),
        }
    }
    for d in &mut out {
        d.envs.sort();
    }
    out
}

/// The documents of the files that say something about the whole set before
/// it is read (labelled Namespaces, admission policies and their params):
/// only files whose text mentions them are parsed here.
fn read_set_facts(
    files: &[(FileId, std::path::PathBuf)],
    sources: &Sources,
) -> Vec<(FileId, Vec<crate::yaml::Node>)> {
    let first: Vec<(FileId, Vec<crate::yaml::Node>)> = files
        .par_iter()
        .filter_map(|(id, path)| {
            let text = match sources.try_text(*id) {
                Some(t) => t,
                None => sources.fill(*id, crate::source::read_text(path).ok()?),
            };
            let wanted = text.contains(super::pod_security::ENFORCE_LABEL)
                || super::vap::is_admission_text(&text);
            // A file that does not parse is reported by the main pass.
            wanted.then(|| Some((*id, crate::yaml::parse_stream(&text, *id).ok()?)))?
        })
        .collect();
    first
}
