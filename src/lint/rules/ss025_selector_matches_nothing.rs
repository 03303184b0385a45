use super::super::object::k;
use super::super::{Context, Finding, Obj, Rule, Seg};
use super::cluster::matches;
use crate::yaml::Node;

declare_rule! {
    /// ## What it flags
    /// A selector that matches no pod of the set in its namespace: a Service's
    /// `selector`, a NetworkPolicy's `podSelector` or `ingress[].from[].podSelector`
    /// (same namespace), a PodDisruptionBudget's `selector`. Pods are the
    /// workloads' pod templates and the pods operators create from their custom
    /// resources, with the labels the operators really set (OT Redis: `app=<name>`
    /// for Redis and RedisReplication, `app=<name>-sentinel` for RedisSentinel;
    /// CloudNativePG: `cnpg.io/cluster=<name>`). An `In` value that matches nothing
    /// is reported on its own. Runs when the set is complete (`shipshape check`, `lint --complete`).
    ///
    /// ## Why it matters
    /// The Service has no endpoints, the NetworkPolicy admits nobody (Sentinel
    /// never reaches Redis), the budget protects nothing: all valid YAML, all
    /// silent.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// podSelector: { matchLabels: { app: redis-queue-sentinel } }
    /// # the RedisSentinel is named redis-queue-sentinel: its pods are app=redis-queue-sentinel-sentinel
    /// ```
    ///
    /// ## Use instead
    /// Select the labels the pods carry (for an operator, the labels it sets).
    ///
    /// ## References
    /// - https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/
    pub struct SelectorMatchesNothing {
        id: "SS025",
        name: "selector-matches-nothing",
        severity: Error,
        summary: "selector that matches no pod in its namespace",
        help: "Select the labels the pods really carry (operators set their own: see `shipshape explain SS025`).",
        whole_set: true,
    }
}

fn empty(sel: &Node) -> bool {
    sel.as_map().is_none_or(|m| {
        m.iter().all(|(_, v)| {
            v.as_map().is_some_and(<[_]>::is_empty) || v.as_seq().is_some_and(<[_]>::is_empty)
        })
    })
}

fn check_selector(obj: &Obj, cx: &Context, sel: &Node, path: Vec<Seg>, out: &mut Vec<Finding>) {
    if empty(sel) {
        return; // selects every pod (a default-deny policy, say)
    }
    let pods = cx.cluster().pods_in(obj.namespace);
    if !pods.iter().any(|l| matches(sel, l)) {
        out.push(Finding::new(
            &META,
            obj,
            path,
            format!(
                "{}: the selector matches no pod in its namespace",
                obj.display()
            ),
        ));
        return;
    }
    // Each value of an `In` list on its own.
    for (i, e) in sel
        .get("matchExpressions")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        if e.get("operator").and_then(Node::as_str) != Some("In") {
            continue;
        }
        let key = e.get("key").and_then(Node::as_str).unwrap_or("");
        for (j, v) in e
            .get("values")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let Some(value) = v.scalar_text() else {
                continue;
            };
            if !pods.iter().any(|l| l.get(key) == Some(&value)) {
                let mut p = path.clone();
                p.extend([
                    k("matchExpressions"),
                    Seg::Index(i),
                    k("values"),
                    Seg::Index(j),
                ]);
                out.push(Finding::new(
                    &META,
                    obj,
                    p,
                    format!(
                        "{}: no pod in its namespace has `{key}={value}`",
                        obj.display()
                    ),
                ));
            }
        }
    }
}

impl Rule for SelectorMatchesNothing {
    fn check(&self, obj: &Obj, cx: &Context, out: &mut Vec<Finding>) {
        if obj.is_fragment() {
            return;
        }
        match (obj.api_version, obj.kind) {
            ("v1", "Service") => {
                if obj.get("spec.type").and_then(Node::as_str) == Some("ExternalName") {
                    return;
                }
                if let Some(sel) = obj.get("spec.selector") {
                    check_selector(obj, cx, sel, vec![k("spec"), k("selector")], out);
                }
            }
            (_, "PodDisruptionBudget") => {
                if let Some(sel) = obj.get("spec.selector") {
                    check_selector(obj, cx, sel, vec![k("spec"), k("selector")], out);
                }
            }
            ("networking.k8s.io/v1", "NetworkPolicy") => {
                if let Some(sel) = obj.get("spec.podSelector") {
                    check_selector(obj, cx, sel, vec![k("spec"), k("podSelector")], out);
                }
                for (i, rule) in obj
                    .get("spec.ingress")
                    .and_then(Node::as_seq)
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                {
                    for (j, from) in rule
                        .get("from")
                        .and_then(Node::as_seq)
                        .unwrap_or_default()
                        .iter()
                        .enumerate()
                    {
                        if from.get("namespaceSelector").is_some() {
                            continue; // other namespaces: not this set's to judge
                        }
                        if let Some(sel) = from.get("podSelector") {
                            let path = vec![
                                k("spec"),
                                k("ingress"),
                                Seg::Index(i),
                                k("from"),
                                Seg::Index(j),
                                k("podSelector"),
                            ];
                            check_selector(obj, cx, sel, path, out);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}
