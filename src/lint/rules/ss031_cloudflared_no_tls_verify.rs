use super::super::{Context, Finding, Obj, Rule};
use super::cloudflared_configs;
use crate::tunnel::validate_node;

declare_rule! {
    /// ## What it flags
    /// In production: `originRequest.noTLSVerify: true` in a cloudflared config,
    /// globally or on a rule.
    ///
    /// ## Why it matters
    /// cloudflared accepts any certificate from the origin, so anything that can
    /// answer on that address inside the cluster receives production traffic.
    ///
    /// ## Example (bad)
    /// ```yaml
    /// originRequest:
    ///   noTLSVerify: true
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// originRequest:
    ///   originServerName: app.example.com
    ///   caPool: /etc/cloudflared/ca/ca.crt
    /// ```
    ///
    /// ## References
    /// - https://developers.cloudflare.com/cloudflare-one/connections/connect-networks/configure-tunnels/origin-configuration/#notlsverify
    pub struct CloudflaredNoTlsVerify {
        id: "SS031",
        name: "cloudflared-no-tls-verify",
        severity: Error,
        summary: "cloudflared skips origin TLS verification in production",
        help: "Remove `noTLSVerify`; give cloudflared the origin's CA (`caPool`) or name (`originServerName`).",
    }
}

impl Rule for CloudflaredNoTlsVerify {
    fn check(&self, obj: &Obj, _cx: &Context, out: &mut Vec<Finding>) {
        if !obj.production {
            return;
        }
        for cfg in cloudflared_configs(obj) {
            for f in validate_node(&cfg.root)
                .findings
                .iter()
                .filter(|f| f.code == "no-tls-verify")
            {
                out.push(cfg.finding(&META, f.span, f.message.clone()));
            }
        }
    }
}
