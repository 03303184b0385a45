#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stderr)]
//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared`, when this clone sits beside it.
pub fn shared() -> Option<PathBuf> {
    let p = repo().join("../shared");
    p.is_dir().then_some(p)
}

/// Says, in the test output, that a test that needs `../shared` was skipped;
/// under CI (`CI=true`) a missing `../shared` fails the test instead.
pub fn skip_without_shared(test: &str) -> Option<PathBuf> {
    let s = shared();
    if s.is_none() {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true" && v != "1"),
            "{test}: ../shared is not beside this clone, and CI=true forbids skipping"
        );
        skipped(
            test,
            "../shared is not beside this clone (the project's own fixtures still ran)",
        );
    }
    s
}

/// Records a skipped check where `scripts/test` counts and lists them after
/// the run (the test harness hides a passing test's output), and says it.
pub fn skipped(test: &str, why: &str) {
    eprintln!("SKIPPED {test}: {why}");
    let log = repo().join("target/test-skips.log");
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
    {
        use std::io::Write;
        // One write per line: tests run in parallel, and an O_APPEND write
        // of a short line is not interleaved.
        let _ = f.write_all(format!("{test}: {why}\n").as_bytes());
    }
}

pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_shipshape"));
    c.env_remove("RUST_BACKTRACE");
    c
}

pub fn run(args: &[&str], dir: &Path) -> Output {
    let mut c = bin();
    c.arg("-C").arg(dir).args(args);
    c.output().expect("shipshape runs")
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from).sort_by_file_name() {
        let entry = entry.expect("walk");
        let rel = entry.path().strip_prefix(from).expect("prefix");
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Every file under `dir` with its bytes, by relative path.
pub fn snapshot_tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    if !dir.exists() {
        return out;
    }
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.expect("walk");
        if entry.file_type().is_file() {
            let rel = entry
                .path()
                .strip_prefix(dir)
                .expect("prefix")
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, std::fs::read(entry.path()).expect("read")));
        }
    }
    out
}

/// A project copied into a temp dir: the bundled example (specs and committed output).
pub fn example_copy() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        repo().join("shipshape.yaml"),
        tmp.path().join("shipshape.yaml"),
    )
    .expect("copy");
    copy_dir(
        &repo().join("fixtures/example"),
        &tmp.path().join("fixtures/example"),
    );
    copy_dir(&repo().join("gitops-out"), &tmp.path().join("gitops-out"));
    copy_dir(&repo().join("policies"), &tmp.path().join("policies"));
    tmp
}

/// Whether a real tool is on PATH. In CI its absence is a failure, elsewhere a
/// skip that says so.
pub fn need_tool(tool: &str, test: &str) -> bool {
    let found = Command::new(tool)
        .arg("version")
        .arg("--client")
        .output()
        .is_ok();
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{tool} is required in CI for {test}"
        );
        skipped(
            test,
            &format!("{tool} is not installed (scripts/test installs it)"),
        );
    }
    found
}

/// The smallest project file: `envs/` holds the environments.
pub const PROJECT: &str =
    "name: demo\nenvironments: envs\nrepo: { url: https://example.com/demo.git }\n";

/// A temporary folder holding `files` (path, text).
pub fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    for (path, text) in files {
        let p = tmp.path().join(path);
        std::fs::create_dir_all(p.parent().expect("a parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
    tmp
}

/// The JSON report a `--format json` run printed.
pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}{}", text(&out.stdout), text(&out.stderr)))
}

/// The rule ids of a JSON report's diagnostics, in order.
pub fn rules_in(j: &serde_json::Value) -> Vec<&str> {
    j["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["rule"].as_str().expect("rule"))
        .collect()
}
