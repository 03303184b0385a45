//! The output writer with any `--out`: whatever the path names (`..`, `.`,
//! the project file, the environments, a file, a folder within), a render
//! either is refused or writes only under that path, and the project's inputs
//! are never changed.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.lines();
    let out = lines.next().unwrap_or("").replace('\0', "");
    if out.len() > 200 || out.starts_with('/') {
        return;
    }
    let Ok(tmp) = tempfile::tempdir() else { return };
    let project = tmp.path().join("proj");
    let envs = project.join("envs");
    if std::fs::create_dir_all(&envs).is_err() {
        return;
    }
    let inputs = [
        (project.join("shipshape.yaml"), "name: demo\n"),
        (envs.join("prd.yaml"), "apps: []\n"),
    ];
    for (p, t) in &inputs {
        let _ = std::fs::write(p, t);
    }
    // Other lines: entries that already exist in the project (a trailing `/`
    // makes a folder).
    for l in lines.take(8) {
        let l = l.replace('\0', "");
        if l.is_empty() || l.starts_with('/') || l.split('/').any(|c| c == "..") {
            continue;
        }
        let p = project.join(&l);
        if l.ends_with('/') {
            let _ = std::fs::create_dir_all(&p);
        } else if let Some(parent) = p.parent() {
            let _ = std::fs::create_dir_all(parent);
            if !p.exists() {
                let _ = std::fs::write(&p, "foreign\n");
            }
        }
    }
    let dir = project.join(&out);
    let files: BTreeMap<String, String> = [(
        "apps/x.yaml".to_string(),
        format!("{}\nkind: ConfigMap\n", shipshape::render::HEADER),
    )]
    .into_iter()
    .collect();
    let allowed = shipshape::emit::check_target(&dir, &project, &project, &[envs.clone()]).is_ok();
    if allowed {
        let _ = shipshape::emit::write(&files, &dir, &[shipshape::emit::Scope::All]);
    }
    for (p, t) in &inputs {
        assert_eq!(std::fs::read_to_string(p).ok().as_deref(), Some(*t), "--out {out:?} changed {}", p.display());
    }
    assert!(Path::new(&project).is_dir());
});
