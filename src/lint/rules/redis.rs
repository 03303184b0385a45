//! Redis as the rules see it: an OT operator CR or a StatefulSet running
//! redis-server, with its settings gathered from where Redis really reads them
//! (the config file in a ConfigMap, command-line flags) apart from where it
//! forgets them (the operator's `dynamicConfig`, lost on restart).

use super::super::object::k;
use rayon::prelude::*;

use super::super::{Context, Obj, Seg};
use crate::yaml::Node;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Operator,
    StatefulSet,
}

/// A Redis setting and where it is written.
#[derive(Debug, Clone)]
pub struct Setting {
    pub key: String,
    pub value: String,
    /// The object that holds it (the ConfigMap, the CR, the StatefulSet).
    pub obj: usize,
    pub path: Vec<Seg>,
    /// Line and column inside an embedded config file.
    pub inner: Option<(u32, u32)>,
}

pub struct RedisUnit<'a> {
    pub obj: &'a Obj<'a>,
    pub engine: Engine,
    /// Role and whether it was guessed from the name.
    pub role: Option<(String, bool)>,
    /// The client that told the role, when its clients did.
    pub role_from: Option<String>,
    pub persisted: Vec<Setting>,
    pub dynamic: Vec<Setting>,
    /// Container memory limit in bytes, and its path.
    pub memory_limit: Option<(f64, Vec<Seg>)>,
    /// `spec.redisConfig.maxMemoryPercentOfLimit` is set.
    pub max_memory_percent: bool,
    /// Index of the Redis container (StatefulSet engine).
    pub container: Option<usize>,
    /// Where the server reads a config file the set does not show (a
    /// ConfigMap or Secret that is not among the linted objects): a setting
    /// found missing may be there.
    pub unseen_config: Option<String>,
}

impl RedisUnit<'_> {
    pub fn persisted(&self, key: &str) -> Option<&Setting> {
        self.persisted.iter().rev().find(|s| s.key == key)
    }
    pub fn dynamic(&self, key: &str) -> Option<&Setting> {
        self.dynamic.iter().rev().find(|s| s.key == key)
    }
    pub fn role(&self) -> Option<&str> {
        self.role.as_ref().map(|(r, _)| r.as_str())
    }
    /// A finding that a setting is missing: certain when the whole config
    /// is seen; otherwise an info that says the setting is unverified, and
    /// why (it may be in the config file nobody showed).
    pub fn missing(
        &self,
        f: super::super::Finding,
        severity: super::super::Severity,
    ) -> super::super::Finding {
        match &self.unseen_config {
            None => f.severity(severity),
            Some(src) => {
                let mut f = f.severity(super::super::Severity::Info);
                f.message = format!(
                    "unverified: {}: its config file comes from {src}, which is not among the linted objects",
                    f.message
                );
                f
            }
        }
    }

    /// How the role was found, when no label says it.
    pub fn role_note(&self) -> String {
        match (&self.role, &self.role_from) {
            (Some(_), Some(why)) => format!(
                " (role from its clients: {why}; label it `shipshape.dev/redis-role` to be explicit)"
            ),
            (Some((_, true)), None) => {
                " (role inferred from its name; label it `shipshape.dev/redis-role` to be explicit)"
                    .into()
            }
            _ => String::new(),
        }
    }
}

pub fn is_operator_redis(o: &Obj) -> bool {
    o.api_version.starts_with("redis.redis.opstreelabs.in/")
        && matches!(o.kind, "Redis" | "RedisReplication" | "RedisCluster")
}

fn is_redis_server_image(image: &str) -> bool {
    let repo = image.split(['@']).next().unwrap_or(image);
    let last = repo.rsplit('/').next().unwrap_or(repo);
    let name = last.split(':').next().unwrap_or(last);
    (name == "redis" || name == "valkey" || name.starts_with("redis-stack"))
        && !repo.contains("exporter")
        && !repo.contains("sentinel")
}

/// Lines of a redis.conf: `(key, value, line)`.
pub fn parse_conf(text: &str) -> Vec<(String, String, u32)> {
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let l = l.trim();
            if l.is_empty() || l.starts_with('#') {
                return None;
            }
            let (key, value) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
            Some((
                key.to_ascii_lowercase(),
                value.trim().trim_matches('"').to_string(),
                u32::try_from(i + 1).unwrap_or(1),
            ))
        })
        .collect()
}

fn config_map<'a>(cx: &Context<'a>, name: &str, of: &Obj) -> Option<&'a Obj<'a>> {
    cx.named(crate::lint::Kept::ConfigMap, name)
        .find(|o| super::related(o.namespace, &o.doc.dir, of.namespace, &of.doc.dir))
}

/// Where a config file the server is started with (`redis-server
/// /etc/redis/redis.conf`) comes from, when the set does not show it: the
/// volume mounted over its path holds a ConfigMap that is not in the set, a
/// Secret, or files another container writes.
fn config_file_unseen(
    cx: &Context,
    o: &Obj,
    c: &super::super::object::Container,
    arg: &str,
) -> Option<String> {
    let path = arg
        .split_whitespace()
        .find(|t| t.ends_with(".conf") && !t.starts_with('-'))?;
    let mount = c
        .node
        .get("volumeMounts")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|m| {
            let at = m.get("mountPath").and_then(Node::as_str)?;
            let under = path == at || path.strip_prefix(at).is_some_and(|r| r.starts_with('/'));
            under.then_some((at.len(), m.get("name").and_then(Node::as_str)?))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, name)| name)?;
    let (_, spec) = o.pod_spec()?;
    let volume = spec
        .get("volumes")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .find(|v| v.get("name").and_then(Node::as_str) == Some(mount))?;
    let text = |p: [&str; 2]| volume.pointer(p).and_then(Node::as_str);
    if let Some(name) = text(["configMap", "name"]) {
        return config_map(cx, name, o)
            .is_none()
            .then(|| format!("ConfigMap `{name}`"));
    }
    if let Some(name) = text(["secret", "secretName"]) {
        return Some(format!("Secret `{name}`"));
    }
    Some(format!("volume `{mount}`"))
}

/// The config files a ConfigMap holds: its `data` keys ending in `.conf`.
fn conf_files<'a>(cm: &Obj<'a>) -> impl Iterator<Item = (String, &'a Node)> {
    cm.get("data")
        .and_then(Node::as_map)
        .unwrap_or_default()
        .iter()
        .filter_map(|(key, value)| Some((key.scalar_text()?, value)))
        .filter(|(key, _)| key.ends_with(".conf"))
}

/// Whether a ConfigMap may hold a Redis config file (a Redis of the set
/// mounts it by name; see [`units`]).
pub fn is_config(o: &Obj) -> bool {
    o.kind == "ConfigMap" && conf_files(o).next().is_some()
}

fn conf_settings(cm: &Obj, out: &mut Vec<Setting>) {
    for (key_name, value) in conf_files(cm) {
        let Some(text) = value.as_str() else { continue };
        for (k2, v, line) in parse_conf(text) {
            out.push(Setting {
                key: k2,
                value: v,
                obj: cm.index,
                path: vec![k("data"), Seg::Key(key_name.clone())],
                inner: Some((line, 1)),
            });
        }
    }
}

fn memory_of(node: Option<&Node>) -> Option<f64> {
    crate::spec::types::parse_quantity(&node?.scalar_text()?)
}

/// Whether an object is a Redis: an OT Redis Operator resource, or a
/// StatefulSet or Deployment that runs a Redis server.
pub fn is_unit(o: &Obj) -> bool {
    !o.is_fragment()
        && (is_operator_redis(o)
            || (matches!(o.kind, "StatefulSet" | "Deployment")
                && o.containers()
                    .iter()
                    .any(|c| !c.init && c.image().is_some_and(is_redis_server_image))))
}

/// Every Redis in the set, gathered in parallel, in the set's order.
pub fn units<'a>(cx: &Context<'a>) -> Vec<RedisUnit<'a>> {
    cx.objects()
        .par_iter()
        .filter_map(|o| unit(cx, o))
        .collect()
}

/// A Redis's role: its label, else what its clients use it for (a Celery
/// broker URL naming one of its Services), else a guess from its name.
fn role_of(cx: &Context, o: &Obj) -> (Option<(String, bool)>, Option<String>) {
    let role = o.redis_role();
    if matches!(role, Some((_, false))) {
        return (role, None);
    }
    let name = o.name.unwrap_or("");
    let mut services: Vec<String> = [
        "",
        "-master",
        "-leader",
        "-headless",
        "-additional",
        "-replica",
    ]
    .iter()
    .map(|s| format!("{name}{s}"))
    .collect();
    services.extend(
        o.get("spec.serviceName")
            .and_then(Node::as_str)
            .map(str::to_string),
    );
    match cx.cluster().redis_role_from_clients(o.namespace, &services) {
        Some((r, why)) => (Some((r.to_string(), false)), Some(why.to_string())),
        None => (role, None),
    }
}

/// The Redis an object is, with its settings.
fn unit<'a>(cx: &Context<'a>, o: &'a Obj<'a>) -> Option<RedisUnit<'a>> {
    if !is_unit(o) {
        return None;
    }
    let role = role_of(cx, o);
    if is_operator_redis(o) {
        return Some(operator_unit(cx, o, role));
    }
    server_unit(cx, o, role)
}

/// An OT Redis Operator resource: its config from `additionalRedisConfig`,
/// its forgotten settings in `dynamicConfig`.
fn operator_unit<'a>(
    cx: &Context<'a>,
    o: &'a Obj<'a>,
    (role, role_from): (Option<(String, bool)>, Option<String>),
) -> RedisUnit<'a> {
    let mut persisted = Vec::new();
    let mut unseen_config = None;
    if let Some(name) = o
        .get("spec.redisConfig.additionalRedisConfig")
        .and_then(Node::as_str)
    {
        match config_map(cx, name, o) {
            Some(cm) => conf_settings(cm, &mut persisted),
            None => unseen_config = Some(format!("ConfigMap `{name}`")),
        }
    }
    let dynamic = o
        .get("spec.redisConfig.dynamicConfig")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter_map(|(i, n)| {
            let s = n.as_str()?;
            let (key, value) = s.trim().split_once(char::is_whitespace).unwrap_or((s, ""));
            Some(Setting {
                key: key.to_ascii_lowercase(),
                value: value.trim().to_string(),
                obj: o.index,
                path: vec![
                    k("spec"),
                    k("redisConfig"),
                    k("dynamicConfig"),
                    Seg::Index(i),
                ],
                inner: None,
            })
        })
        .collect();
    let limit_path = vec![
        k("spec"),
        k("kubernetesConfig"),
        k("resources"),
        k("limits"),
        k("memory"),
    ];
    RedisUnit {
        obj: o,
        engine: Engine::Operator,
        role,
        role_from,
        persisted,
        dynamic,
        memory_limit: memory_of(o.get("spec.kubernetesConfig.resources.limits.memory"))
            .map(|m| (m, limit_path)),
        max_memory_percent: o.get("spec.redisConfig.maxMemoryPercentOfLimit").is_some(),
        container: None,
        unseen_config,
    }
}

/// A StatefulSet or Deployment running redis-server: its config files from
/// ConfigMaps, then its flags.
fn server_unit<'a>(
    cx: &Context<'a>,
    o: &'a Obj<'a>,
    (role, role_from): (Option<(String, bool)>, Option<String>),
) -> Option<RedisUnit<'a>> {
    if !matches!(o.kind, "StatefulSet" | "Deployment") {
        return None;
    }
    let containers = o.containers();
    let (ci, c) = containers
        .iter()
        .enumerate()
        .find(|(_, c)| !c.init && c.image().is_some_and(is_redis_server_image))?;
    let mut persisted = Vec::new();
    // Config files mounted from ConfigMaps first; flags override them.
    if let Some((_, spec)) = o.pod_spec() {
        for v in spec
            .get("volumes")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            if let Some(name) = v.pointer(["configMap", "name"]).and_then(Node::as_str) {
                if let Some(cm) = config_map(cx, name, o) {
                    conf_settings(cm, &mut persisted);
                }
            }
        }
    }
    let line = c.command_line();
    let unseen_config = line
        .iter()
        .find_map(|a| config_file_unseen(cx, o, c, a.text));
    for arg in &line {
        let tokens: Vec<&str> = arg.text.split_whitespace().collect();
        for (i, t) in tokens.iter().enumerate() {
            let Some(flag) = t.strip_prefix("--") else {
                continue;
            };
            let (key, value) = match flag.split_once('=') {
                Some((a, b)) => (a, b.to_string()),
                None => (
                    flag,
                    tokens
                        .get(i + 1)
                        .map_or(String::new(), |v| v.trim_matches(['"', '\'']).to_string()),
                ),
            };
            persisted.push(Setting {
                key: key.to_ascii_lowercase(),
                value,
                obj: o.index,
                path: c.arg_path(arg),
                inner: None,
            });
        }
    }
    // Flags given as separate list items: ["--maxmemory-policy", "noeviction"].
    for w in line.windows(2) {
        if let Some(flag) = w[0]
            .text
            .strip_prefix("--")
            .filter(|f| !f.contains([' ', '=']))
        {
            if !w[1].text.starts_with("--") {
                let path = c.arg_path(&w[0]);
                if let Some(s) = persisted
                    .iter_mut()
                    .find(|s| s.key == flag && s.path == path && s.value.is_empty())
                {
                    s.value = w[1].text.to_string();
                }
            }
        }
    }
    Some(RedisUnit {
        obj: o,
        engine: Engine::StatefulSet,
        role,
        role_from,
        persisted,
        dynamic: Vec::new(),
        memory_limit: memory_of(c.node.pointer(["resources", "limits", "memory"]))
            .map(|m| (m, c.at(&[k("resources"), k("limits"), k("memory")]))),
        max_memory_percent: false,
        container: Some(ci),
        unseen_config,
    })
}

/// A finding about a setting, located where the setting is written.
pub fn finding(
    rule: &'static super::super::RuleMeta,
    s: &Setting,
    message: String,
) -> super::super::Finding {
    super::super::Finding {
        rule,
        obj: s.obj,
        path: s.path.clone(),
        message,
        help: None,
        severity: None,
        secret: false,
        inner: s.inner,
        span: None,
        later: None,
    }
}

/// A finding about the Redis itself (its CR or StatefulSet).
pub fn unit_finding(
    rule: &'static super::super::RuleMeta,
    u: &RedisUnit,
    path: Vec<Seg>,
    message: String,
) -> super::super::Finding {
    super::super::Finding::new(rule, u.obj, path, message)
}
