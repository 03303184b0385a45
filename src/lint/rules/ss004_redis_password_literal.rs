use super::super::object::k;
use super::super::{Context, Finding, Obj, Rule, Seg};
use super::is_reference;
use crate::yaml::Node;

declare_rule! {
    /// ## What it flags
    /// `requirepass` or `masterauth` with a literal password, in container
    /// `command`/`args` or in a Redis config file inside a ConfigMap.
    ///
    /// ## Why it matters
    /// The password is in Git and in `ps` output on the node. Pass it through the
    /// environment from a Secret (`--requirepass "$REDIS_PASSWORD"`).
    ///
    /// ## Example (bad)
    /// ```yaml
    /// args: ["--requirepass", "s3cret"]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// command: ["sh", "-c", "exec redis-server --requirepass \"$REDIS_PASSWORD\""]
    /// env: [{ name: REDIS_PASSWORD, valueFrom: { secretKeyRef: { name: redis-password, key: password } } }]
    /// ```
    ///
    /// ## References
    /// - https://redis.io/docs/latest/operate/oss_and_stack/management/security/
    pub struct RedisPasswordLiteral {
        id: "SS004",
        name: "redis-password-literal",
        severity: Error,
        summary: "Redis password written literally",
        help: "Read the password from a Secret through an environment variable.",
    }
}

const DIRECTIVES: [&str; 2] = ["requirepass", "masterauth"];

impl Rule for RedisPasswordLiteral {
    fn check(&self, obj: &Obj, _cx: &Context, out: &mut Vec<Finding>) {
        for c in obj.containers() {
            let line = c.command_line();
            for (i, arg) in line.iter().enumerate() {
                let mut tokens = arg.text.split_whitespace().peekable();
                while let Some(t) = tokens.next() {
                    let flag = t.trim_start_matches('-');
                    let Some(flag) = DIRECTIVES.iter().find(|d| d.eq_ignore_ascii_case(flag))
                    else {
                        continue;
                    };
                    // The value follows in the same string, or is the next item.
                    let value = match tokens.peek() {
                        Some(v) => Some((arg, *v)),
                        None => line.get(i + 1).map(|next| (next, next.text)),
                    };
                    if let Some((at, _)) =
                        value.filter(|(_, v)| !is_reference(v.trim_matches(['"', '\''])))
                    {
                        out.push(
                            Finding::new(
                                &META,
                                obj,
                                c.arg_path(at),
                                format!(
                                    "container `{}` passes `{flag}` a literal password (not shown)",
                                    c.name()
                                ),
                            )
                            .secret(),
                        );
                    }
                }
            }
        }
        if obj.kind == "ConfigMap" {
            for (key, value) in obj.get("data").and_then(Node::as_map).unwrap_or_default() {
                let Some(text) = value.as_str() else { continue };
                for (directive, v, line) in super::redis::parse_conf(text) {
                    if DIRECTIVES.contains(&directive.as_str()) && !is_reference(&v) {
                        let name = key.scalar_text().unwrap_or_default();
                        let mut f = Finding::new(
                            &META,
                            obj,
                            vec![k("data"), Seg::Key(name.clone())],
                            format!(
                                "`{name}` sets `{directive}` to a literal password (not shown)"
                            ),
                        )
                        .secret();
                        f.inner = Some((line, 1));
                        out.push(f);
                    }
                }
            }
        }
    }
}
