//! Spec loading, validation and render on any environment file: problems with
//! locations or a bundle, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn dir() -> &'static std::path::Path {
    static D: OnceLock<std::path::PathBuf> = OnceLock::new();
    D.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("shipshape-fuzz-spec-{}", std::process::id()));
        std::fs::create_dir_all(d.join("envs")).ok();
        std::fs::write(
            d.join("shipshape.yaml"),
            "name: fuzz\nenvironments: envs\nrepo: { url: https://example.com/x.git }\n",
        )
        .ok();
        d
    })
}

fuzz_target!(|data: &[u8]| {
    let d = dir();
    if std::fs::write(d.join("envs/dev.yaml"), data).is_err() {
        return;
    }
    let mut sources = shipshape::source::Sources::new();
    match shipshape::model::load(d, &mut sources) {
        Ok(model) => {
            let _ = shipshape::render::render(&model, None);
        }
        Err(problems) => {
            let _ = problems.render(&sources);
        }
    }
});
