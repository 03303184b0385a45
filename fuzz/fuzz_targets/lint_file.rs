//! Lint of one file (given as standard input would be): findings with
//! locations in every format, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let mut sources = shipshape::source::Sources::new();
    let (docs, diags, files) = shipshape::lint::input::read_with_stdin(
        &[],
        Some(("fuzz.yaml".into(), text)),
        &mut sources,
        Some("prd"),
    );
    let policy = shipshape::lint::policy::Policy::default();
    let report = shipshape::lint::run(
        &sources,
        &docs,
        diags,
        false,
        &shipshape::lint::Settings::default(),
        &policy,
        files,
    );
    for f in [
        shipshape::report::Format::Human,
        shipshape::report::Format::Sarif,
        shipshape::report::Format::Github,
    ] {
        let _ = shipshape::report::render(f, &report, &sources, &[]);
    }
});
