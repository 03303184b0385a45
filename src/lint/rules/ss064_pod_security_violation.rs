use super::super::pod_security::{violations, Level};
use super::super::{Context, Finding, Obj, Rule};

declare_rule! {
    /// ## What it flags
    /// A pod template that the Pod Security level of its namespace refuses:
    /// the level of the namespace's `pod-security.kubernetes.io/enforce`
    /// label when the Namespace is among the linted files, else the policy's
    /// `podSecurity:` default (unset: not checked, as Kubernetes enforces
    /// `privileged` by default). Every control of the standard is checked:
    /// baseline (host namespaces, privileged containers, capabilities beyond
    /// the default set, hostPath volumes, host ports, AppArmor, SELinux,
    /// /proc mount, seccomp `Unconfined`, unsafe sysctls, Windows host
    /// process) and restricted (volume types, `allowPrivilegeEscalation:
    /// false`, `runAsNonRoot: true`, no `runAsUser: 0`, a `RuntimeDefault` or
    /// `Localhost` seccomp profile, `drop: [ALL]` and only `NET_BIND_SERVICE`
    /// added).
    ///
    /// ## Why it matters
    /// Pod Security admission refuses the pod: a bare Pod fails at sync, and a
    /// workload's controller cannot create its pods (`FailedCreate: ...
    /// violates PodSecurity "baseline:latest"`), so it never becomes
    /// available and the sync waves after it wait.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// kind: Namespace
    /// metadata: { name: apps, labels: { pod-security.kubernetes.io/enforce: baseline } }
    /// ---
    /// kind: Deployment
    /// metadata: { name: api, namespace: apps }
    /// spec: { template: { spec: { containers: [{ name: api, securityContext: { privileged: true } }] } } }
    /// ```
    ///
    /// ## Use instead
    /// Remove what the level refuses, or run the workload in a namespace whose
    /// level allows it (and say why there).
    ///
    /// ## References
    /// - https://kubernetes.io/docs/concepts/security/pod-security-standards/
    /// - https://kubernetes.io/docs/concepts/security/pod-security-admission/
    pub struct PodSecurityViolation {
        id: "SS064",
        name: "pod-security-violation",
        severity: Error,
        summary: "pod template refused by its namespace's Pod Security level",
        help: "Remove what the level refuses, or move the workload to a namespace whose level allows it.",
    }
}

impl Rule for PodSecurityViolation {
    fn check(&self, obj: &Obj, cx: &Context, out: &mut Vec<Finding>) {
        if obj.is_fragment() {
            return;
        }
        let Some((level, why)) = cx.settings.pod_security.of(obj.namespace) else {
            return;
        };
        if level == Level::Privileged {
            return;
        }
        for v in violations(obj).into_iter().filter(|v| v.from <= level) {
            out.push(
                Finding::new(
                    &META,
                    obj,
                    v.path,
                    format!(
                        "{}: Pod Security `{}` of namespace `{}` ({why}) refuses it: {} ({})",
                        obj.display(),
                        level.as_str(),
                        obj.namespace.unwrap_or("(unset)"),
                        v.what,
                        v.control,
                    ),
                )
                .help(fix(v.control)),
            );
        }
    }
}

/// How to meet one control of the standard.
fn fix(control: &str) -> &'static str {
    match control {
        "Host Namespaces" => "remove `hostNetwork`, `hostPID` and `hostIPC`, or run it in a namespace labelled `privileged`",
        "Privileged Containers" => "remove `privileged: true`; add only the capabilities it needs",
        "Capabilities" => "`capabilities: { drop: [ALL] }`, adding only what the level allows (restricted: `NET_BIND_SERVICE`)",
        "HostPath Volumes" => "use a PersistentVolumeClaim, ConfigMap, Secret or emptyDir instead of `hostPath`",
        "Host Ports" => "remove `hostPort`; expose the port through a Service",
        "Volume Types" => "use configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected or secret volumes",
        "Privilege Escalation" => "set `allowPrivilegeEscalation: false` in the container's securityContext",
        "Running as Non-root" => "set `runAsNonRoot: true` (and a numeric `runAsUser`) in the pod's or container's securityContext",
        "Running as Non-root user" => "set a non-zero `runAsUser`",
        "Seccomp" => "set `seccompProfile: { type: RuntimeDefault }` in the pod's securityContext",
        "Sysctls" => "use only the safe sysctls, or set the others on the node",
        _ => "remove the setting, or run the workload in a namespace whose level allows it",
    }
}
