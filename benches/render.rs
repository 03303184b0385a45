//! Render speed as environments and apps grow: a project of N environments
//! (each extending one base of M apps, every env changing replicas) loaded and
//! rendered in memory. Run: `cargo bench --bench render`. Linear means the time
//! per env × app stays flat as N grows.
#![allow(clippy::print_stdout, clippy::expect_used)]

use std::time::{Duration, Instant};

fn project(envs: usize, apps: usize) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path();
    std::fs::create_dir_all(root.join("envs")).expect("mkdir");
    std::fs::write(
        root.join("shipshape.yaml"),
        "name: bench\nenvironments: envs\nrepo: { url: https://example.com/bench.git }\n",
    )
    .expect("write");
    let mut base = String::from("abstract: true\nplatform: { external-secrets: {} }\nsecrets: { doppler: { project: bench, config: x } }\napps:\n");
    for a in 0..apps {
        base.push_str(&format!(
            "  - {{ name: app{a}, image: \"ghcr.io/acme/app{a}:1.0.{a}\", env: {{ LOG_LEVEL: info }}, resources: {{ requests: {{ cpu: 10m, memory: 64Mi }}, limits: {{ memory: 128Mi }} }} }}\n"
        ));
    }
    std::fs::write(root.join("envs/base.yaml"), base).expect("write");
    for e in 0..envs {
        let mut env = format!("extends: base\nnamespace: e{e}\ncluster: c{e}\napps:\n");
        for a in 0..apps {
            env.push_str(&format!(
                "  - {{ name: app{a}, replicas: {} }}\n",
                e % 3 + 1
            ));
        }
        std::fs::write(root.join(format!("envs/e{e}.yaml")), env).expect("write");
    }
    tmp
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let apps = 30;
    println!("render, {apps} apps per env (median of 5, in memory):");
    for envs in [10, 25, 50, 100] {
        let tmp = project(envs, apps);
        let mut sources = shipshape::source::Sources::new();
        let model = shipshape::model::load(tmp.path(), &mut sources).expect("model");
        let times: Vec<Duration> = (0..5)
            .map(|_| {
                let t = Instant::now();
                let b = shipshape::render::render(&model, None);
                let took = t.elapsed();
                assert!(!b.files.is_empty());
                // Not timed: `shipshape render` leaves the bundle to the exit.
                drop(b);
                took
            })
            .collect();
        let m = median(times);
        println!(
            "  {envs:>3} envs × {apps} apps: {:>8.1} ms  ({:.1} µs per env × app)",
            m.as_secs_f64() * 1e3,
            m.as_secs_f64() * 1e6 / (envs * apps) as f64
        );
    }
}
