//! Pod Security Standards as the Pod Security admission controller enforces
//! them (Kubernetes 1.25+, the `latest` version of the standards): which
//! level each namespace enforces, and what in a pod template each level
//! refuses. The checks are data and small functions, one per control of the
//! standard, so the rule (SS064) only reports them.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::object::k;
use super::{Obj, Seg};
use crate::source::{FileId, Sources};
use crate::yaml::Node;

/// The label a namespace enforces its level with.
pub const ENFORCE_LABEL: &str = "pod-security.kubernetes.io/enforce";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Unrestricted: nothing is refused.
    Privileged,
    /// Known privilege escalations refused.
    Baseline,
    /// Current pod hardening best practice.
    Restricted,
}

impl Level {
    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "privileged" => Some(Level::Privileged),
            "baseline" => Some(Level::Baseline),
            "restricted" => Some(Level::Restricted),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Privileged => "privileged",
            Level::Baseline => "baseline",
            Level::Restricted => "restricted",
        }
    }
}

/// The level each namespace of the set enforces (its label), and the level
/// assumed for the others when the policy names one.
#[derive(Debug, Clone, Default)]
pub struct Levels {
    /// Namespace → (level, where the label is, as `file:line`).
    by_namespace: BTreeMap<String, (Level, String)>,
    /// `podSecurity:` of the policy: the level of namespaces without a label
    /// in the set (unset: they are not checked, as Kubernetes enforces
    /// `privileged` by default).
    pub default: Option<Level>,
}

impl Levels {
    /// The level a namespace enforces and why shipshape thinks so.
    pub fn of(&self, namespace: Option<&str>) -> Option<(Level, String)> {
        if let Some((level, at)) = namespace.and_then(|ns| self.by_namespace.get(ns)) {
            return Some((*level, format!("label at {at}")));
        }
        self.default
            .map(|l| (l, "no label; the policy's `podSecurity`".to_string()))
    }

    /// Records a Namespace's level, if it is a labelled Namespace.
    pub fn add(&mut self, node: &Node, sources: &Sources, file: FileId) {
        if node.get("kind").and_then(Node::as_str) != Some("Namespace") {
            return;
        }
        let Some(name) = node.pointer(["metadata", "name"]).and_then(Node::as_str) else {
            return;
        };
        let Some(label) = node.pointer(["metadata", "labels", ENFORCE_LABEL]) else {
            return;
        };
        if let Some(level) = label.as_str().and_then(Level::parse) {
            let at = format!("{}:{}", sources.name(file), label.span.start.line);
            // Two Namespaces of one name with different levels: the stricter
            // one is assumed (the cluster keeps whichever is applied last,
            // which no file says), whatever order the files are read in.
            let entry = self
                .by_namespace
                .entry(name.to_string())
                .or_insert((level, at.clone()));
            if (level, std::cmp::Reverse(&at)) > (entry.0, std::cmp::Reverse(&entry.1)) {
                *entry = (level, at);
            }
        }
    }
}

/// Something in a pod template that a level refuses.
#[derive(Debug, Clone)]
pub struct Violation {
    /// The lowest level that refuses it (baseline violations are refused by
    /// restricted too).
    pub from: Level,
    /// The control of the standard, as the documentation names it.
    pub control: &'static str,
    pub path: Vec<Seg>,
    pub what: String,
}

/// Capabilities baseline lets a container add.
const BASELINE_CAPABILITIES: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// Sysctls baseline allows (the "safe" set).
const SAFE_SYSCTLS: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];

/// SELinux types baseline allows.
const SELINUX_TYPES: &[&str] = &[
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

/// Volume types restricted allows (besides `name`).
const RESTRICTED_VOLUMES: &[&str] = &[
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/// Everything the pod template of `obj` does that some level refuses.
pub fn violations(obj: &Obj) -> Vec<Violation> {
    let Some((base, spec)) = obj.pod_spec() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let at = |rest: &[&str]| -> Vec<Seg> {
        let mut p = base.clone();
        p.extend(rest.iter().map(|s| k(s)));
        p
    };
    let mut push = |from, control, path, what: String| {
        out.push(Violation {
            from,
            control,
            path,
            what,
        });
    };
    for ns in ["hostNetwork", "hostPID", "hostIPC"] {
        if spec.get(ns).and_then(Node::as_bool) == Some(true) {
            push(
                Level::Baseline,
                "Host Namespaces",
                at(&[ns]),
                format!("`{ns}: true`"),
            );
        }
    }
    let pod_sc = spec.get("securityContext");
    pod_security_context(pod_sc, &at(&["securityContext"]), &mut push);
    for (i, v) in spec
        .get("volumes")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        volume(i, v, &at(&["volumes"]), &mut push);
    }
    for c in obj.containers() {
        container(c, pod_sc, &mut push);
    }
    out
}

type Push<'p> = dyn FnMut(Level, &'static str, Vec<Seg>, String) + 'p;

fn with(path: &[Seg], rest: &[&str]) -> Vec<Seg> {
    let mut p = path.to_vec();
    p.extend(rest.iter().map(|s| k(s)));
    p
}

/// Controls both levels read at pod level: sysctls, seccomp, SELinux,
/// Windows host process, AppArmor, and the user.
fn pod_security_context(sc: Option<&Node>, path: &[Seg], push: &mut Push) {
    let Some(sc) = sc else {
        return;
    };
    for (i, s) in sc
        .get("sysctls")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let name = s.get("name").and_then(Node::as_str).unwrap_or("");
        if !SAFE_SYSCTLS.contains(&name) {
            let mut p = with(path, &["sysctls"]);
            p.push(Seg::Index(i));
            p.push(k("name"));
            push(
                Level::Baseline,
                "Sysctls",
                p,
                format!("sysctl `{name}` is not in the safe set"),
            );
        }
    }
    shared_security_context(sc, path, push);
    if sc.get("runAsUser").and_then(Node::as_i64) == Some(0) {
        push(
            Level::Restricted,
            "Running as Non-root user",
            with(path, &["runAsUser"]),
            "`runAsUser: 0` (root)".into(),
        );
    }
}

/// Controls a security context holds at pod and at container level alike.
fn shared_security_context(sc: &Node, path: &[Seg], push: &mut Push) {
    if sc
        .pointer(["windowsOptions", "hostProcess"])
        .and_then(Node::as_bool)
        == Some(true)
    {
        push(
            Level::Baseline,
            "HostProcess",
            with(path, &["windowsOptions", "hostProcess"]),
            "a Windows host process".into(),
        );
    }
    if sc
        .pointer(["seccompProfile", "type"])
        .and_then(Node::as_str)
        == Some("Unconfined")
    {
        push(
            Level::Baseline,
            "Seccomp",
            with(path, &["seccompProfile", "type"]),
            "seccomp profile `Unconfined`".into(),
        );
    }
    if sc
        .pointer(["appArmorProfile", "type"])
        .and_then(Node::as_str)
        == Some("Unconfined")
    {
        push(
            Level::Baseline,
            "AppArmor",
            with(path, &["appArmorProfile", "type"]),
            "AppArmor profile `Unconfined`".into(),
        );
    }
    if let Some(se) = sc.get("seLinuxOptions") {
        if let Some(t) = se.get("type").and_then(Node::as_str) {
            if !t.is_empty() && !SELINUX_TYPES.contains(&t) {
                push(
                    Level::Baseline,
                    "SELinux",
                    with(path, &["seLinuxOptions", "type"]),
                    format!("SELinux type `{t}`"),
                );
            }
        }
        for key in ["user", "role"] {
            if se
                .get(key)
                .and_then(Node::as_str)
                .is_some_and(|v| !v.is_empty())
            {
                push(
                    Level::Baseline,
                    "SELinux",
                    with(path, &["seLinuxOptions", key]),
                    format!("a custom SELinux {key}"),
                );
            }
        }
    }
}

/// A volume: host paths are refused by baseline, any type outside the
/// restricted list by restricted.
fn volume(i: usize, v: &Node, path: &[Seg], push: &mut Push) {
    let mut at = path.to_vec();
    at.push(Seg::Index(i));
    for (key, _) in v.as_map().unwrap_or_default() {
        let Some(key) = key.as_str() else { continue };
        if key == "name" {
            continue;
        }
        if key == "hostPath" {
            push(
                Level::Baseline,
                "HostPath Volumes",
                with(&at, &[key]),
                "a `hostPath` volume".into(),
            );
        } else if !RESTRICTED_VOLUMES.contains(&key) {
            push(
                Level::Restricted,
                "Volume Types",
                with(&at, &[key]),
                format!("a `{key}` volume"),
            );
        }
    }
}

/// One container against both levels; `pod` is the pod's security context,
/// which a container inherits `runAsNonRoot`, `runAsUser` and seccomp from.
fn container(c: &super::object::Container, pod: Option<&Node>, push: &mut Push) {
    let name = c.name();
    let sc = c.node.get("securityContext");
    let sc_path = c.at(&[k("securityContext")]);
    if let Some(sc) = sc {
        shared_security_context(sc, &sc_path, push);
        if sc.get("privileged").and_then(Node::as_bool) == Some(true) {
            push(
                Level::Baseline,
                "Privileged Containers",
                with(&sc_path, &["privileged"]),
                format!("container `{name}` is privileged"),
            );
        }
        if sc
            .get("procMount")
            .and_then(Node::as_str)
            .is_some_and(|m| m != "Default")
        {
            push(
                Level::Baseline,
                "/proc Mount Type",
                with(&sc_path, &["procMount"]),
                format!("container `{name}` unmasks /proc"),
            );
        }
    }
    for (i, p) in c.ports() {
        if p.get("hostPort")
            .and_then(Node::as_i64)
            .is_some_and(|h| h != 0)
        {
            push(
                Level::Baseline,
                "Host Ports",
                c.at(&[k("ports"), Seg::Index(i), k("hostPort")]),
                format!("container `{name}` binds a host port"),
            );
        }
    }
    capabilities(c, sc, &sc_path, push);
    restricted_container(c, sc, &sc_path, pod, push);
}

fn capabilities(c: &super::object::Container, sc: Option<&Node>, sc_path: &[Seg], push: &mut Push) {
    let name = c.name();
    let caps = sc.and_then(|s| s.get("capabilities"));
    let listed = |key| {
        caps.and_then(|c| c.get(key))
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .enumerate()
            .filter_map(|(i, n)| Some((i, n.as_str()?)))
            .collect::<Vec<_>>()
    };
    for (i, cap) in listed("add") {
        let bare = cap.trim_start_matches("CAP_");
        let mut path = with(sc_path, &["capabilities", "add"]);
        path.push(Seg::Index(i));
        if !BASELINE_CAPABILITIES.contains(&bare) {
            push(
                Level::Baseline,
                "Capabilities",
                path,
                format!("container `{name}` adds capability `{cap}`"),
            );
        } else if bare != "NET_BIND_SERVICE" {
            push(
                Level::Restricted,
                "Capabilities",
                path,
                format!("container `{name}` adds capability `{cap}`"),
            );
        }
    }
    if !listed("drop").iter().any(|(_, c)| *c == "ALL") {
        push(
            Level::Restricted,
            "Capabilities",
            with(sc_path, &["capabilities", "drop"]),
            format!("container `{name}` does not drop ALL capabilities"),
        );
    }
}

fn seccomp_type(sc: Option<&Node>) -> Option<&str> {
    sc.and_then(|s| s.pointer(["seccompProfile", "type"]))
        .and_then(Node::as_str)
}

/// What restricted asks of every container: no privilege escalation, not
/// root, a seccomp profile (the container's or the pod's).
fn restricted_container(
    c: &super::object::Container,
    sc: Option<&Node>,
    sc_path: &[Seg],
    pod: Option<&Node>,
    push: &mut Push,
) {
    let name = c.name();
    let own = |key: &str| sc.and_then(|s| s.get(key));
    let pod_has = |key: &str| pod.and_then(|s| s.get(key));
    if own("allowPrivilegeEscalation").and_then(Node::as_bool) != Some(false) {
        push(
            Level::Restricted,
            "Privilege Escalation",
            with(sc_path, &["allowPrivilegeEscalation"]),
            format!("container `{name}` does not set `allowPrivilegeEscalation: false`"),
        );
    }
    let non_root = own("runAsNonRoot")
        .or_else(|| pod_has("runAsNonRoot"))
        .and_then(Node::as_bool);
    if non_root != Some(true) {
        push(
            Level::Restricted,
            "Running as Non-root",
            with(sc_path, &["runAsNonRoot"]),
            format!("container `{name}` may run as root (no `runAsNonRoot: true`)"),
        );
    }
    if own("runAsUser").and_then(Node::as_i64) == Some(0) {
        push(
            Level::Restricted,
            "Running as Non-root user",
            with(sc_path, &["runAsUser"]),
            format!("container `{name}` sets `runAsUser: 0` (root)"),
        );
    }
    let profile = seccomp_type(sc).or_else(|| seccomp_type(pod));
    if !matches!(profile, Some("RuntimeDefault" | "Localhost")) {
        push(
            Level::Restricted,
            "Seccomp",
            with(sc_path, &["seccompProfile", "type"]),
            format!("container `{name}` has no `RuntimeDefault` or `Localhost` seccomp profile"),
        );
    }
}
