//! app-template's `persistence`: the PersistentVolumeClaims the chart creates
//! and the volumes each controller's pods get, so the rules see the claims
//! Argo CD may prune (SS045) and the Secrets and ConfigMaps pods read.
//!
//! An item's `type` defaults to `persistentVolumeClaim`; with `existingClaim`
//! the chart creates none. It is mounted by the controllers its
//! `advancedMounts` names, or by every controller (`globalMounts`, the
//! default). A `configMap` or `secret` item names its object by `name`, or
//! by `identifier` (an item of `configMaps`/`secrets`, named as the chart
//! names it).

use super::app_template::{item_name, items};
use super::{map_node, object, str_node, Release};
use crate::yaml::Node;

/// The name an item of `configMaps` or `secrets` gets.
fn named_item(r: &Release, key: &str, id: &str) -> String {
    item_name(&r.name, id, items(r.values, key).len() == 1)
}

/// The PersistentVolumeClaims the chart creates.
pub(super) fn claims(r: &Release) -> Vec<Node> {
    let mut out = Vec::new();
    for (id, item) in items(r.values, "persistence") {
        let kind = item
            .get("type")
            .and_then(Node::as_str)
            .unwrap_or("persistentVolumeClaim");
        if kind != "persistentVolumeClaim" || item.get("existingClaim").is_some() {
            continue;
        }
        let span = id.span;
        let name = item_name(&r.name, id.as_str().unwrap_or("data"), false);
        let mut spec = Vec::new();
        if let Some(mode) = item.get("accessMode") {
            spec.push((
                "accessModes",
                super::seq_node(vec![mode.clone()], mode.span),
            ));
        }
        if let Some(size) = item.get("size") {
            spec.push((
                "resources",
                map_node(
                    vec![(
                        "requests",
                        map_node(vec![("storage", size.clone())], size.span),
                    )],
                    size.span,
                ),
            ));
        }
        if let Some(class) = item.get("storageClass") {
            spec.push(("storageClassName", class.clone()));
        }
        // `retain: true` keeps the claim when the release goes.
        let keep = item.get("retain").and_then(Node::as_bool) == Some(true);
        let annotations = keep.then(|| {
            map_node(
                vec![("helm.sh/resource-policy", str_node("keep", span))],
                span,
            )
        });
        out.push(object(
            "v1",
            "PersistentVolumeClaim",
            &name,
            r,
            annotations.as_ref(),
            vec![("spec", map_node(spec, span))],
            span,
        ));
    }
    out
}

/// The volumes the pods of controller `controller` get.
pub(super) fn volumes(r: &Release, controller: &str) -> Vec<Node> {
    let mut out = Vec::new();
    for (id, item) in items(r.values, "persistence") {
        let advanced = item.get("advancedMounts").and_then(Node::as_map);
        let mounted = item.get("globalMounts").is_some()
            || advanced.is_none_or(|m| m.iter().any(|(c, _)| c.as_str() == Some(controller)));
        if !mounted {
            continue;
        }
        let span = id.span;
        let id = id.as_str().unwrap_or("data");
        let text = |k: &str| item.get(k).filter(|n| n.scalar_text().is_some());
        let object_name = |key: &str| {
            text("name").cloned().or_else(|| {
                let of = item.get("identifier").and_then(Node::as_str)?;
                Some(str_node(
                    &named_item(r, key, of),
                    item.get("identifier")?.span,
                ))
            })
        };
        let source = match item
            .get("type")
            .and_then(Node::as_str)
            .unwrap_or("persistentVolumeClaim")
        {
            "persistentVolumeClaim" => {
                let claim = text("existingClaim")
                    .cloned()
                    .unwrap_or_else(|| str_node(&item_name(&r.name, id, false), span));
                (
                    "persistentVolumeClaim",
                    map_node(vec![("claimName", claim)], span),
                )
            }
            "configMap" => match object_name("configMaps") {
                Some(name) => ("configMap", map_node(vec![("name", name)], span)),
                None => continue,
            },
            "secret" => match object_name("secrets") {
                Some(name) => ("secret", map_node(vec![("secretName", name)], span)),
                None => continue,
            },
            "emptyDir" => ("emptyDir", map_node(vec![], span)),
            // hostPath, nfs, custom: nothing the rules join on.
            _ => continue,
        };
        out.push(map_node(vec![("name", str_node(id, span)), source], span));
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::source::FileId;
    use crate::yaml::Node;

    fn made(text: &str) -> Vec<Node> {
        match crate::yaml::parse_single(text, FileId(0)) {
            Ok(doc) => super::super::objects(&doc)
                .into_iter()
                .map(|m| m.node)
                .collect(),
            Err(e) => panic!("{}", e.message),
        }
    }

    fn text<'a>(n: &'a Node, path: &[&str]) -> Option<&'a str> {
        n.pointer(path.iter().copied()).and_then(Node::as_str)
    }

    #[test]
    fn claims_are_made_and_volumes_mounted_where_the_chart_mounts_them() {
        let objects = made(
            "kind: HelmRelease\nmetadata: {name: app}\nspec:\n  chart: {spec: {chart: app-template, version: 3.5.1}}\n  values:\n    controllers:\n      app: {containers: {app: {image: {repository: a, tag: '1'}}}}\n      worker: {containers: {w: {image: {repository: w, tag: '1'}}}}\n    secrets:\n      creds: {stringData: {A: b}}\n    persistence:\n      data: {size: 1Gi, accessMode: ReadWriteOnce, retain: true}\n      media: {existingClaim: media-nfs, advancedMounts: {worker: {w: [{path: /media}]}}}\n      creds: {type: secret, identifier: creds}\n",
        );
        let pvcs: Vec<&Node> = objects
            .iter()
            .filter(|o| text(o, &["kind"]) == Some("PersistentVolumeClaim"))
            .collect();
        assert_eq!(pvcs.len(), 1, "an existing claim is not created");
        assert_eq!(text(pvcs[0], &["metadata", "name"]), Some("app-data"));
        assert_eq!(
            text(
                pvcs[0],
                &["metadata", "annotations", "helm.sh/resource-policy"]
            ),
            Some("keep")
        );
        let volumes = |name: &str| -> Vec<String> {
            let w = objects
                .iter()
                .find(|o| text(o, &["metadata", "name"]) == Some(name))
                .unwrap_or_else(|| panic!("{name}"));
            w.pointer(["spec", "template", "spec", "volumes"])
                .and_then(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .map(|v| {
                    let source = ["persistentVolumeClaim", "secret"]
                        .iter()
                        .find_map(|k| {
                            let s = v.get(k)?;
                            s.get("claimName")
                                .or(s.get("secretName"))
                                .and_then(Node::as_str)
                        })
                        .unwrap_or("?");
                    format!("{}={source}", text(v, &["name"]).unwrap_or("?"))
                })
                .collect()
        };
        assert_eq!(volumes("app"), ["data=app-data", "creds=app"]);
        assert_eq!(
            volumes("app-worker"),
            ["data=app-data", "media=media-nfs", "creds=app"]
        );
    }
}
