//! What a step waits for, and who makes it first: the namespaces, CRDs,
//! Secrets and stores of an app-of-apps, each with the wave of its earliest
//! maker. A need met in the same or an earlier wave is met; one met only
//! later is a deadlock; one nothing meets is a prerequisite made by hand.

use std::collections::{BTreeMap, BTreeSet};

use super::facts::{AppFact, ChartFact, ObjFact, SyncFacts};
use super::replay::{Block, Cause, Timeline};
use crate::catalog::{operators::OT_GROUP, runtime, OperatorKind, Version};

/// When each thing first exists: the wave of its earliest maker, and that
/// maker (an index into the facts' Applications).
pub struct Makers<'f> {
    namespaces: BTreeMap<String, (i32, usize)>,
    secrets: BTreeMap<(String, String), (i32, usize)>,
    stores: BTreeMap<String, (i32, usize)>,
    crds: BTreeMap<&'f str, (i32, usize)>,
    /// The redis-operator chart the app-of-apps pins, and its init-config gate.
    ot_pin: Option<(Option<Version>, bool)>,
    /// There from the start: the cluster's own namespaces, and Argo CD's.
    preinstalled: BTreeSet<&'f str>,
}

impl<'f> Makers<'f> {
    pub fn of(
        f: &'f SyncFacts,
        apps: &[usize],
        owned: &BTreeMap<usize, Vec<(usize, Option<String>)>>,
    ) -> Self {
        let mut m = Makers {
            namespaces: BTreeMap::new(),
            secrets: BTreeMap::new(),
            stores: BTreeMap::new(),
            crds: BTreeMap::new(),
            ot_pin: None,
            preinstalled: ["default", "kube-system", "kube-public", "kube-node-lease"]
                .into_iter()
                .chain(f.apps.iter().filter_map(|a| a.argocd_ns.as_deref()))
                .collect(),
        };
        for &i in apps {
            let a = &f.apps[i];
            if a.create_namespace {
                if let Some(ns) = &a.dest_ns {
                    earliest(&mut m.namespaces, ns.clone(), a.wave, i);
                }
            }
            if let Some(c) = &a.chart {
                if let Some(e) = c.entry {
                    for api in e.apis {
                        let group = api.api_version.split('/').next().unwrap_or("");
                        earliest(&mut m.crds, group, a.wave, i);
                    }
                    if e.kind == OperatorKind::RedisOperator && m.ot_pin.is_none() {
                        m.ot_pin = Some((c.version, c.ot_init_config));
                    }
                }
            }
            for (o, ns) in owned.get(&i).into_iter().flatten() {
                let o = &f.objects[*o];
                if o.kind == "Namespace" {
                    earliest(&mut m.namespaces, o.name.clone(), a.wave, i);
                }
                if let Some(ns) = ns {
                    for s in &o.relations().makes_secrets {
                        earliest(&mut m.secrets, (ns.clone(), s.clone()), a.wave, i);
                    }
                }
                if let Some(g) = &o.relations().makes_crd_group {
                    earliest(&mut m.crds, g.as_str(), a.wave, i);
                }
                if let Some(s) = &o.relations().makes_store {
                    earliest(&mut m.stores, s.clone(), a.wave, i);
                }
            }
        }
        m
    }
}

/// Records `app` as a maker of `key` in wave `w`, keeping the earliest.
fn earliest<K: Ord>(m: &mut BTreeMap<K, (i32, usize)>, key: K, w: i32, app: usize) {
    let e = m.entry(key).or_insert((w, app));
    if w < e.0 {
        *e = (w, app);
    }
}

/// Checks what one Application's objects wait for, in its wave.
pub struct Needs<'t, 'f> {
    pub t: &'t mut Timeline,
    pub wave: i32,
    pub app: usize,
    pub facts: &'f SyncFacts,
    pub makers: &'f Makers<'f>,
}

impl Needs<'_, '_> {
    fn block(&mut self, object: Option<usize>, cause: Cause, message: String, fix: String) {
        self.t.blocks.push(Block {
            wave: self.wave,
            app: self.app,
            object,
            cause,
            message,
            fix,
            field: None,
        });
    }

    fn later(&mut self, object: Option<usize>, what: String, made: (i32, usize), fix: String) {
        let maker = &self.facts.apps[made.1];
        self.block(
            object,
            Cause::Deadlock,
            format!(
                "{what}, which {} makes only in wave {}: wave {} never turns Healthy, so wave {} never starts",
                maker.display(),
                made.0,
                self.wave,
                made.0
            ),
            fix,
        );
    }

    fn namespace(&mut self, ns: &str, oi: usize, o: &ObjFact) {
        let made = &self.makers.namespaces;
        let this = &self.facts.apps[self.app];
        if this.create_namespace && this.dest_ns.as_deref() == Some(ns) {
            return;
        }
        match made.get(ns) {
            Some(&(w, _)) if w <= self.wave => {}
            Some(&m) => self.later(
                Some(oi),
                format!("{} goes to namespace `{ns}`", o.display()),
                m,
                format!("create namespace `{ns}` in this Application (a Namespace object), or move it to an earlier wave"),
            ),
            None => self.block(
                Some(oi),
                Cause::Deadlock,
                format!(
                    "{} goes to namespace `{ns}`, which nothing creates (`CreateNamespace=true` creates only the Application's destination)",
                    o.display()
                ),
                format!("add a Namespace `{ns}` to this Application, or make `{ns}` its destination"),
            ),
        }
    }

    fn crd(&mut self, o: &ObjFact, oi: usize) {
        let made = &self.makers.crds;
        let group = o.api_version.rsplit_once('/').map_or("", |(g, _)| g);
        match made.get(group) {
            Some(&(w, _)) if w <= self.wave => {}
            Some(&m) => self.later(
                Some(oi),
                format!("{} needs the CRD of `{group}`", o.display()),
                m,
                "install the operator's chart in an earlier wave".into(),
            ),
            None => {
                self.t
                    .prerequisites
                    .insert(format!("the CRDs of `{group}`"));
            }
        }
    }

    fn secret(&mut self, ns: &str, name: &str, oi: Option<usize>, who: &str) {
        let made = &self.makers.secrets;
        match made.get(&(ns.to_string(), name.to_string())) {
            Some(&(w, _)) if w <= self.wave => {}
            Some(&m) => self.later(
                oi,
                format!("{who} reads Secret `{ns}/{name}`"),
                m,
                format!("make `{name}` in an earlier wave than its reader (the secret store's wave), or move the reader after it"),
            ),
            None => {
                self.t
                    .prerequisites
                    .insert(format!("Secret `{ns}/{name}` (read by {who})"));
            }
        }
    }

    fn store(&mut self, name: &str, oi: usize, o: &ObjFact) {
        let made = &self.makers.stores;
        match made.get(name) {
            Some(&(w, _)) if w <= self.wave => {}
            Some(&m) => self.later(
                Some(oi),
                format!("{} reads through ClusterSecretStore `{name}`", o.display()),
                m,
                "sync the secret store in an earlier wave than every ExternalSecret".into(),
            ),
            None => {
                self.t
                    .prerequisites
                    .insert(format!("ClusterSecretStore `{name}`"));
            }
        }
    }
}

impl Needs<'_, '_> {
    /// What a chart waits for: the Secrets it reads in its namespace.
    pub fn chart(&mut self, a: &AppFact, c: &ChartFact) {
        if c.entry.is_none() {
            self.t.unverified.insert(format!(
                "chart `{}`: what it needs is not in the catalogue",
                c.chart
            ));
        }
        let Some(ns) = &a.dest_ns else { return };
        let who = format!("{} (its chart)", a.display());
        for s in &c.secrets {
            self.secret(ns, s, None, &who);
        }
    }

    /// What one object waits for, where it lands in `ns`; returns a note
    /// when Argo CD would judge its health differently from the truth.
    pub fn object(&mut self, oi: usize, ns: Option<&str>) -> Option<String> {
        let f = self.facts;
        let o = &f.objects[oi];
        if let Some(ns) = ns {
            if !self.makers.preinstalled.contains(ns) {
                self.namespace(ns, oi, o);
            }
            for s in &o.relations().needs_secrets {
                self.secret(ns, s, Some(oi), &o.display());
            }
        }
        if o.is_custom_resource() && !o.api_version.starts_with("argoproj.io/") {
            self.crd(o, oi);
        }
        for (sns, s) in &o.relations().needs_secrets_at {
            self.secret(sns, s, Some(oi), &o.display());
        }
        for s in &o.relations().needs_stores {
            self.store(s, oi, o);
        }
        for m in &o.relations().stops {
            self.block(
                Some(oi),
                Cause::PodStart,
                format!("{}: {m}", o.display()),
                "set a numeric `runAsUser`, or use an image release whose USER is numeric".into(),
            );
        }
        for img in &o.relations().unverified {
            self.t.unverified.insert(format!(
                "image `{img}` under runAsNonRoot: its user is not in the catalogue"
            ));
        }
        if o.ot_tls {
            self.ot_tls(oi, o);
        }
        (o.api_version.starts_with(OT_GROUP)
            && !runtime::argocd_judges_health(&o.api_version, &o.kind, &f.health_checks))
        .then(|| {
            format!(
                "Argo CD has no health check for {}: Healthy as soon as it exists",
                o.kind
            )
        })
    }

    /// An OT Redis resource with TLS against the operator the env pins.
    fn ot_tls(&mut self, oi: usize, o: &ObjFact) {
        match self.makers.ot_pin {
            Some((Some(v), gate)) if !runtime::ot_tls_starts(&v, gate) => self.block(
                Some(oi),
                Cause::Contract,
                format!(
                    "{}: redis-operator {v} exports REDIS_TLS_CA_CERT, but the redis image's entrypoint reads REDIS_TLS_CA_KEY: with TLS the pods refuse their config and crash-loop",
                    o.display()
                ),
                format!(
                    "set `featureGates: {{ {}: true }}` in the redis-operator chart values",
                    runtime::OT_INIT_CONFIG_GATE
                ),
            ),
            Some((Some(_), _)) => {}
            _ => {
                self.t.unverified.insert(format!(
                    "{}: no pinned redis-operator in this env, TLS config not checked",
                    o.display()
                ));
            }
        }
    }
}
