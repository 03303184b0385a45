//! Policy loading (rules, envs, exemptions, CEL) on any file.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn file() -> &'static std::path::Path {
    static F: OnceLock<std::path::PathBuf> = OnceLock::new();
    F.get_or_init(|| std::env::temp_dir().join(format!("shipshape-fuzz-policy-{}.yaml", std::process::id())))
}

fuzz_target!(|data: &[u8]| {
    if std::fs::write(file(), data).is_err() {
        return;
    }
    let mut sources = shipshape::source::Sources::new();
    let known = vec!["dev".to_string(), "prd".to_string()];
    let files = vec![shipshape::lint::policy::PolicyFile {
        name: "policy.yaml".to_string(),
        path: file().to_path_buf(),
        within: None,
    }];
    if let Err(p) = shipshape::lint::policy::Policy::load(&files, &mut sources, Some(&known)) {
        let _ = p.render(&sources);
    }
});
