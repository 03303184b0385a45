//! The kubelet's part of the model: what stops a container from starting that
//! the object alone shows. Today: `runAsNonRoot` against the image's `USER`,
//! from the catalogue's image facts (`catalog::runtime`).

use crate::catalog::runtime::{self, ImageUser, UserAnswer};
use crate::lint::object::{k, Container};
use crate::lint::{Obj, Seg};
use crate::yaml::Node;

/// A container whose start depends on its image's user.
pub struct UserCheck<'o, 'a> {
    pub container: &'o Container<'a>,
    pub image: &'a str,
    /// `Some(message)` when the kubelet refuses it; `None` when the image's
    /// user is unknown to the catalogue (unverified).
    pub refusal: Option<String>,
}

impl UserCheck<'_, '_> {
    pub fn path(&self) -> Vec<Seg> {
        self.container.at(&[k("image")])
    }
}

fn sc_field<'a>(c: &Container<'a>, pod: Option<&'a Node>, key: &str) -> Option<&'a Node> {
    c.node
        .pointer(["securityContext", key])
        .or_else(|| pod.and_then(|p| p.pointer(["securityContext", key])))
}

/// Every container that runs under `runAsNonRoot: true` without a numeric
/// `runAsUser`, with what the kubelet makes of its image's user.
pub fn user_checks<'o, 'a>(o: &'o Obj<'a>) -> Vec<UserCheck<'o, 'a>> {
    let pod = o.pod_spec().map(|(_, n)| n);
    let mut out = Vec::new();
    for c in o.containers() {
        if sc_field(c, pod, "runAsNonRoot").and_then(Node::as_bool) != Some(true) {
            continue;
        }
        if sc_field(c, pod, "runAsUser")
            .and_then(Node::as_i64)
            .is_some()
        {
            // The kubelet checks the number it is given, not the image.
            continue;
        }
        let Some(image) = c.image() else { continue };
        let refusal = match runtime::image_user(image) {
            UserAnswer::Known(ImageUser::Numeric(0)) => Some(format!(
                "container `{}` runs {image} as root under `runAsNonRoot: true`: the kubelet \
                 refuses to start it (\"container has runAsNonRoot and image will run as root\")",
                c.name()
            )),
            UserAnswer::Known(ImageUser::Numeric(_)) => continue,
            UserAnswer::Known(ImageUser::Name(user)) => Some(format!(
                "container `{}` runs {image}, whose image user is `{user}` (not a number), under \
                 `runAsNonRoot: true` without `runAsUser`: the kubelet refuses to start it \
                 (\"container has runAsNonRoot and image has non-numeric user\")",
                c.name()
            )),
            UserAnswer::UnknownTag | UserAnswer::UnknownImage => None,
        };
        out.push(UserCheck {
            container: c,
            image,
            refusal,
        });
    }
    out
}

/// Why the object's pods cannot start, and the images whose user is
/// unverified, as the timeline states them.
pub fn start_problems(o: &Obj) -> (Vec<String>, Vec<String>) {
    let mut stops = Vec::new();
    let mut unverified = Vec::new();
    for u in user_checks(o) {
        match u.refusal {
            Some(m) => stops.push(m),
            None => unverified.push(u.image.to_string()),
        }
    }
    (stops, unverified)
}
