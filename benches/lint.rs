//! Lint speed against its floor: reading and parsing the same files (which the
//! linter must do anyway), then the `lint` command's streaming run (parse +
//! rules + suppressions + the human report). Uses `../shared/corpus` (about 2,000 real files), or the
//! files given as arguments. Run: `cargo bench --bench lint`.
#![allow(clippy::print_stdout, clippy::expect_used)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use shipshape::lint::{self, policy::Policy, Settings};
use shipshape::source::Sources;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Median times of `a` and `b`, run alternately (after one warm-up each) so
/// that a machine busy for a while slows both alike.
fn time_pair<A: FnMut(), B: FnMut()>(runs: usize, mut a: A, mut b: B) -> (Duration, Duration) {
    a();
    b();
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let t = Instant::now();
        a();
        ta.push(t.elapsed());
        let t = Instant::now();
        b();
        tb.push(t.elapsed());
    }
    (median(ta), median(tb))
}

fn main() {
    let args: Vec<PathBuf> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .collect();
    let paths = if args.is_empty() {
        vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus")]
    } else {
        args
    };
    if !paths.iter().all(|p| p.exists()) {
        println!("skipped: {paths:?} not found (the corpus lives in ../shared)");
        return;
    }
    let files = lint::input::yaml_files(&paths);
    let bytes: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    // Fewer for big generated corpora (`scripts/bench` sets it).
    let runs = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(15);
    // The floor: read every file and parse it into trees, in parallel, as
    // the linter must; each tree is dropped once parsed.
    let floor = || {
        let mut sources = Sources::new();
        let loaded = lint::input::load(&paths, None, &mut sources);
        std::hint::black_box(lint::input::read_and_parse_all(&loaded, &sources));
    };
    // The `lint` command's path: stream the files through the engine.
    let lint = || {
        let mut sources = Sources::new();
        let loaded = lint::input::load(&paths, None, &mut sources);
        let (report, kept) = lint::engine::lint_files(
            loaded,
            &sources,
            &lint::env::EnvRules::default(),
            &Settings::default(),
            &Policy::default(),
            true,
            false,
        );
        std::hint::black_box(kept.len());
        std::hint::black_box(shipshape::report::human::render(&report, &sources).len());
    };
    let (parse, full) = time_pair(runs, floor, lint);
    let mb = bytes as f64 / 1e6;
    println!(
        "files: {}, {:.2} MB, {} threads, median of {runs}",
        files.len(),
        mb,
        rayon::current_num_threads()
    );
    println!(
        "parse only (floor): {:>8.1} ms  ({:.1} MB/s)",
        parse.as_secs_f64() * 1e3,
        mb / parse.as_secs_f64()
    );
    println!(
        "full lint:          {:>8.1} ms  ({:.2}x the floor)",
        full.as_secs_f64() * 1e3,
        full.as_secs_f64() / parse.as_secs_f64()
    );
}
