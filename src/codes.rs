//! Every bad-input code (`spec::…`, `policy::…`, `cli::…`, `lint::…`) and every
//! cloudflared config code (`tunnel::…`), with the text `shipshape explain CODE`
//! prints. Lint rules document themselves in their
//! own files; these are the problems that stop a command with exit 2.

/// A bad-input code and what it means.
#[derive(Debug)]
pub struct Code {
    pub code: &'static str,
    pub summary: &'static str,
    pub doc: &'static str,
}

macro_rules! codes {
    ($($code:literal => $summary:literal, $doc:literal;)*) => {
        pub static CODES: &[Code] = &[$(Code { code: $code, summary: $summary, doc: $doc }),*];
    };
}

codes! {
    "spec::yaml" => "the file is not valid YAML",
    "The file cannot be read as YAML: a syntax error, a duplicate key (readers disagree on which one wins), or an alias that expands past the budget.";
    "spec::unreadable" => "a spec file cannot be read",
    "The project file or an environment file exists but cannot be read (permissions, not UTF-8, not a regular file, or a symbolic link to a file outside the project, which is never read).";
    "spec::outside-project" => "the environments folder is a link out of the project",
    "A committed symbolic link would make shipshape read specs from elsewhere on the machine (and print them in errors); keep the folder inside the project.";
    "spec::no-project" => "no project file",
    "The folder has no `shipshape.yaml`; run the command in the project's root or pass `-C DIR`.";
    "spec::empty-file" => "an empty environment file",
    "An empty (or comments-only) file would render as an environment with nothing in it; say what it is for, or delete it.";
    "spec::no-environments" => "no environments",
    "The environments folder holds no `<env>.yaml`, or every environment is `abstract`.";
    "spec::bad-env-name" => "an environment file's name is not a DNS label",
    "Environment names become namespaces and folder names: lowercase letters, digits and '-'.";
    "spec::duplicate-env" => "two files for one environment",
    "`dev.yaml` and `dev.yml` both exist: keep one.";
    "spec::unknown-env" => "`extends` names an environment that does not exist",
    "An environment may extend another environment of the same folder, by name.";
    "spec::extends-cycle" => "environments extend each other in a cycle",
    "Break the cycle: a base environment extends nothing.";
    "spec::unknown-key" => "a key the spec does not have",
    "A misspelt or removed key. The help names the closest key, or what replaced a removed one.";
    "spec::missing-key" => "a required key is missing",
    "The block needs this key; `shipshape schema` writes the JSON Schemas editors complete from.";
    "spec::wrong-type" => "a value of the wrong type",
    "For example a quoted number where a number is expected, or a list where a map is expected.";
    "spec::unknown-value" => "a value outside the allowed set",
    "An enumerated field (`role`, `topology`, `engine`) has a value it does not know.";
    "spec::invalid-value" => "a value that is not valid for its field",
    "A name that is not a DNS label, a version that is not exact, a path that leaves the project, probe paths that are the same for liveness and readiness, and the like.";
    "spec::out-of-range" => "a number outside its range",
    "For example a port above 65535.";
    "spec::duplicate-name" => "two items with one name",
    "Apps, Redis instances, PostgreSQL clusters and public hostnames are unique per environment.";
    "spec::unknown-reference" => "a reference to something not declared",
    "An app uses a Redis or PostgreSQL that the environment does not declare.";
    "spec::missing-operator" => "a component needs an operator the environment does not install",
    "Redis on the OT operator needs `redis-operator`, PostgreSQL needs `cloudnative-pg`, Doppler secrets need `external-secrets`, and so on: add it under `platform:`.";
    "spec::missing-secrets" => "a component needs the secret provider",
    "Passwords come only from Doppler through External Secrets: add `secrets: { doppler: … }`.";
    "spec::literal-secret" => "a credential written into the spec",
    "A plain `env` value named like a credential, or a URL with a password in it. The value is never echoed; move it to Doppler and read it through `secret-env`.";
    "spec::root-user" => "an app set to run as root through `run-as-user`",
    "`run-as-user: 0` is root, which `runAsNonRoot: true` refuses; use a non-zero user, or `security: { run-as-root: true, reason: … }`.";
    "spec::unsupported" => "a combination shipshape cannot render",
    "For example sentinel topology on the `statefulset` Redis engine.";
    "spec::unsupported-version" => "a chart version outside the supported range",
    "The compatibility catalogue knows which chart versions serve the APIs, Services and labels shipshape renders; `shipshape versions` lists the ranges. Also: backups need a CloudNativePG chart whose operator runs the Barman Cloud plugin.";
    "spec::shared-cluster" => "two environments install one operator on one cluster",
    "Their Helm releases (same name, same namespace) would overwrite each other: give each environment its own `cluster:`.";
    "spec::no-exposure" => "a public hostname without an exposure",
    "Add `exposure: { cloudflare-tunnel: … }` or `exposure: { tailscale: {} }`.";
    "cli::bad-date" => "SHIPSHAPE_TODAY is not a date",
    "`SHIPSHAPE_TODAY` sets the day suppressions' `until=` dates are compared with (to see what expires by a given day, or to make a run reproducible); it must be YYYY-MM-DD.";
    "policy::yaml" => "a policy file is not valid YAML",
    "Fix the YAML syntax of the policy file.";
    "policy::unreadable" => "a policy file cannot be read",
    "A file listed under `policies:` (or passed with `--policy`) is missing or unreadable.";
    "policy::invalid" => "a policy file does not have the policy shape",
    "Keys: `rules`, `envs`, `exemptions`, `custom`; see `shipshape schema` and the README.";
    "policy::unknown-rule" => "a policy names a rule that does not exist",
    "`shipshape rules` lists every rule id and name.";
    "policy::unknown-env" => "a policy's `envs:` names an environment the project does not have",
    "Use an environment of the project, or `production` / `non-production`.";
    "policy::duplicate-rule" => "two custom rules with one id",
    "Custom rule ids are unique across policy files.";
    "policy::cel-budget" => "a custom rule ran out of its evaluation budget",
    "A custom rule's evaluation on one object ran longer than its `timeoutMs` (at most and by default 10 s) or grew the process by more than 512 MiB (the `cel` crate cannot be interrupted): the run stops with exit 2 and nothing was checked. Also: a `timeoutMs` outside 1..=10000. Bound the comprehensions of the expression and what it builds.";
    "policy::cel" => "a custom rule's CEL expression does not compile",
    "Fix the expression at the reported position.";
    "cli::format" => "a command does not write the format asked for",
    "`tunnel match` prints routes and `suppressions` lists suppressions, in `human` or `json` only; findings come in every format from `lint`, `check` and `tunnel validate`.";
    "cli::bad-env" => "`--env` is not an environment name",
    "Environment names are the file names in the environments folder.";
    "simulate::no-applications" => "`simulate` found no Argo CD Application to replay",
    "The folder holds no Application of that env: Applications carry their env in the `shipshape.dev/env` label or an `…/<env>/…` folder; without `--env`, every app-of-apps found is replayed.";
    "cli::unknown-env" => "`--env` names an environment the project does not have",
    "The help names the closest environment.";
    "cli::git" => "Git cannot give the base of a diff",
    "Not inside a Git repository, a --base that names no commit, or `git` missing.";
    "lint::baseline" => "the file given to `--baseline` is not a baseline",
    "Write one with `shipshape lint --write-baseline FILE`.";
    "lint::no-path" => "a path given to `lint` does not exist",
    "Pass existing files or folders, or `-` for standard input.";
    "lint::unknown-rule" => "`--select` names no rule",
    "`shipshape rules` lists every rule by id and name; custom rules of the policies in force count too.";
    "internal::schema" => "the built-in schema does not compile",
    "A bug in shipshape: please report it.";
    "internal::extends" => "an empty extends chain",
    "A bug in shipshape: please report it.";
    "tunnel::yaml-parse" => "the cloudflared config is not valid YAML",
    "cloudflared would refuse to start.";
    "tunnel::unknown-key" => "a key cloudflared does not read",
    "cloudflared ignores unknown or mis-cased keys (`noTlsVerify` for `noTLSVerify`) silently: the setting you meant does not apply.";
    "tunnel::origin-request-type" => "an originRequest value cloudflared cannot decode",
    "cloudflared decodes originRequest into typed fields: durations as strings such as `30s`, booleans, whole numbers, strings. Anything else stops it at start.";
    "tunnel::no-tls-verify" => "TLS verification of the origin is off",
    "`noTLSVerify: true` accepts any certificate from the origin.";
    "tunnel::ip-rule" => "an ingress rule without a hostname that is not the catch-all",
    "Rules need a hostname (or a path) unless they are the last, catch-all rule.";
    "tunnel::access-missing-team-name" => "Cloudflare Access is required without a team name",
    "`access: { required: true }` needs `teamName`.";
    "tunnel::warp-routing-enabled" => "the removed `warp-routing.enabled` key",
    "WARP routing is configured in the dashboard now; the key is ignored.";
    "tunnel::no-ingress-rules" => "no ingress rules",
    "cloudflared needs at least the catch-all rule.";
    "tunnel::service-missing-scheme-or-host" => "a service URL without scheme or host",
    "Write `http://host:port`, `https://…`, `tcp://…`, `unix:…` or `http_status:NNN`.";
    "tunnel::invalid-http-status" => "`http_status:` with an invalid status code",
    "Use a status code between 100 and 599.";
    "tunnel::service-url-parse" => "a service that is not a URL",
    "cloudflared cannot parse the service as a URL.";
    "tunnel::service-has-path" => "a service URL with a path",
    "cloudflared refuses origin URLs with a path; route paths with the rule's `path`.";
    "tunnel::hostname-has-port" => "a hostname with a port",
    "Hostnames are matched without the port; remove it.";
    "tunnel::bad-wildcard" => "a wildcard not at the start of the hostname",
    "Only a leading `*.` is a wildcard.";
    "tunnel::wildcard-without-dot" => "`*example.com` is not a wildcard",
    "It matches only the literal text; write `*.example.com`.";
    "tunnel::invalid-path-regex" => "a `path` that is not a valid regular expression",
    "Paths are RE2 regular expressions matched against the request path.";
    "tunnel::catch-all-not-last" => "a catch-all rule before the last rule",
    "Every rule after it is unreachable; cloudflared refuses the config.";
    "tunnel::last-rule-not-catch-all" => "the last rule does not match everything",
    "cloudflared refuses a config whose last rule has a hostname or path; end with `- service: http_status:404`.";
    "tunnel::rule-shadowed" => "a rule no request can reach",
    "An earlier rule matches everything this one matches (first match wins).";
}

pub fn find(code: &str) -> Option<&'static Code> {
    CODES.iter().find(|c| c.code.eq_ignore_ascii_case(code))
}

impl Code {
    /// What the code does to the command's exit, as `explain` labels it.
    pub fn exit_behaviour(&self) -> &'static str {
        if self.code.starts_with("tunnel::") {
            "cloudflared config finding: `tunnel validate` exits 1 when the file is invalid"
        } else {
            "bad input: exit 2"
        }
    }
}

/// `codes` as Markdown, appended to RULES.md.
pub fn markdown() -> String {
    let mut s = String::from("## Bad-input and cloudflared codes\n\n`spec::`, `policy::`, `cli::` and `lint::` codes stop a command with exit 2; `tunnel::` codes are what `shipshape tunnel validate` reports. Every output format carries them; `shipshape explain CODE` prints the entry.\n\n| code | meaning |\n|---|---|\n");
    for c in CODES {
        s.push_str(&format!("| `{}` | {}. {} |\n", c.code, c.summary, c.doc));
    }
    s
}
