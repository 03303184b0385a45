use super::super::{Context, Finding, Obj, Rule};
use super::cloudflared_configs;
use crate::tunnel::{validate_node, Severity};

declare_rule! {
    /// ## What it flags
    /// A cloudflared `config.yaml` — stand-alone, or in a ConfigMap — that
    /// cloudflared would refuse to start with: a service without scheme or host,
    /// a service with a path, a hostname with a port, a misplaced wildcard, a
    /// catch-all that is not last, a last rule that is not a catch-all, a path
    /// that is not RE2, and the rest of cloudflared's checks. `shipshape tunnel
    /// validate` reports the same findings with their codes.
    ///
    /// ## Why it matters
    /// cloudflared reads the file only when the pod restarts: a broken config
    /// takes every public hostname offline at the next rollout.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// ingress:
    ///   - hostname: app.example.com
    ///     service: localhost:8080
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// ingress:
    ///   - hostname: app.example.com
    ///     service: http://localhost:8080
    ///   - service: http_status:404
    /// ```
    ///
    /// ## References
    /// - https://developers.cloudflare.com/cloudflare-one/connections/connect-networks/configure-tunnels/local-management/configuration-file/
    pub struct CloudflaredConfigInvalid {
        id: "SS030",
        name: "cloudflared-config-invalid",
        severity: Error,
        summary: "cloudflared config that cloudflared would refuse",
        help: "Fix the ingress rule as the message says; `shipshape tunnel validate FILE` shows every problem.",
    }
}

impl Rule for CloudflaredConfigInvalid {
    fn check(&self, obj: &Obj, _cx: &Context, out: &mut Vec<Finding>) {
        for cfg in cloudflared_configs(obj) {
            for f in validate_node(&cfg.root)
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
            {
                out.push(
                    cfg.finding(
                        &META,
                        f.span,
                        format!(
                            "cloudflared would refuse this config [{}]: {}",
                            f.code, f.message
                        ),
                    )
                    .help(f.help.clone()),
                );
            }
        }
    }
}
