#![allow(clippy::expect_used, clippy::unwrap_used)]
//! No panic on any input: every fixture, cut at many points and with characters
//! swapped for troublesome ones, goes through the YAML reader, the cloudflared
//! validator and the lint engine. Deterministic (no random seed to chase).

mod common;
use common::*;

use shipshape::lint::{self, policy::Policy, Settings};
use shipshape::source::{FileId, Sources};

fn inputs() -> Vec<String> {
    let mut files = Vec::new();
    for dir in [
        "fixtures/tunnel",
        "fixtures/rules",
        "fixtures/lint",
        "fixtures/example/envs",
    ] {
        for e in walkdir::WalkDir::new(repo().join(dir)).sort_by_file_name() {
            let e = e.expect("walk");
            if e.file_type().is_file() {
                files.push(std::fs::read_to_string(e.path()).expect("read"));
            }
        }
    }
    let mut out = Vec::new();
    for text in files {
        let chars: Vec<char> = text.chars().collect();
        let step = (chars.len() / 40).max(1);
        for cut in (0..chars.len()).step_by(step) {
            out.push(chars[..cut].iter().collect());
            let mut swapped = chars.clone();
            swapped[cut] = ['é', '*', '&', '%', ':', '\t', '[', '"'][cut % 8];
            out.push(swapped.into_iter().collect());
        }
    }
    out
}

#[test]
fn nothing_panics_on_mangled_input() {
    let tmp = tempfile::tempdir().expect("tmp");
    let cases = inputs();
    assert!(cases.len() > 1000, "{} cases", cases.len());
    for (i, text) in cases.iter().enumerate() {
        let _ = shipshape::yaml::parse_stream(text, FileId(0));
        let v = shipshape::tunnel::validate(text, FileId(0));
        for url in ["https://a.example.com/x", "http://é.example.com:8080/%zz"] {
            let _ = shipshape::tunnel::match_url(&v.rules, url);
        }
        let path = tmp.path().join(format!("case-{i}.yaml"));
        std::fs::write(&path, text).expect("write");
        let mut sources = Sources::new();
        let (docs, diags, n) =
            lint::input::read(std::slice::from_ref(&path), &mut sources, Some("prd"));
        let report = lint::run(
            &sources,
            &docs,
            diags,
            true,
            &Settings::default(),
            &Policy::default(),
            n,
        );
        let _ = shipshape::report::human::render(&report, &sources);
        std::fs::remove_file(&path).expect("rm");
    }
}

#[test]
fn spec_loading_never_panics_on_mangled_specs() {
    let tmp = example_copy();
    let envs = tmp.path().join("fixtures/example/envs");
    let mut loaded = 0;
    for name in ["prd.yaml", "base.yaml"] {
        let original = std::fs::read_to_string(envs.join(name)).expect("read");
        let chars: Vec<char> = original.chars().collect();
        for cut in (0..chars.len()).step_by((chars.len() / 60).max(1)) {
            for variant in [chars[..cut].iter().collect::<String>(), {
                let mut c = chars.clone();
                c[cut] = ['x', ':', '-', '\n', '*', '{'][cut % 6];
                c.into_iter().collect()
            }] {
                std::fs::write(envs.join(name), &variant).expect("write");
                if let Ok(l) = shipshape::cli::load(tmp.path()) {
                    let _ = shipshape::render::render(&l.model, None);
                    loaded += 1;
                }
            }
        }
        std::fs::write(envs.join(name), original).expect("restore");
    }
    assert!(loaded > 0, "some variants still load");
}
