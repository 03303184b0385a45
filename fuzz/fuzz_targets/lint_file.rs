//! Lint of one file (given as standard input would be): findings with
//! locations in every format, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let mut sources = shipshape::source::Sources::new();
    let loaded =
        shipshape::lint::input::load(&[], Some(("fuzz.yaml".into(), text)), &mut sources);
    let envs = shipshape::lint::env::EnvRules {
        env: Some("prd".into()),
        ..Default::default()
    };
    let policy = shipshape::lint::policy::Policy::default();
    let (report, _kept) = shipshape::lint::engine::lint_files(
        loaded,
        &sources,
        &envs,
        &shipshape::lint::Settings::default(),
        &policy,
        true,
        // Every rule, the whole-set ones too.
        true,
    );
    for f in [
        shipshape::report::Format::Human,
        shipshape::report::Format::Sarif,
        shipshape::report::Format::Github,
    ] {
        let _ = shipshape::report::render(f, &report, &sources, &[]);
    }
});
