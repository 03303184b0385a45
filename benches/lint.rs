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

/// CPU time of this process so far, every thread (user + system), from
/// `/proc/self/stat` (clock ticks of 10 ms; `None` off Linux).
fn cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces), 1-based from
    // the state: utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')')?.1;
    let mut fields = rest.split_whitespace().skip(11);
    let ticks: u64 = fields.next()?.parse::<u64>().ok()? + fields.next()?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// One measured run: wall time and CPU time.
fn run(f: &mut impl FnMut()) -> (Duration, Option<Duration>) {
    let (t, c) = (Instant::now(), cpu());
    f();
    let spent = cpu()
        .zip(c)
        .map(|(after, before)| after.saturating_sub(before));
    (t.elapsed(), spent)
}

/// Median wall and CPU times of `a` and `b`, run alternately (after one
/// warm-up each) so that a machine busy for a while slows both alike.
type Times = (Duration, Option<Duration>);
fn time_pair<A: FnMut(), B: FnMut()>(runs: usize, mut a: A, mut b: B) -> (Times, Times) {
    a();
    b();
    let (mut wa, mut wb, mut ca, mut cb) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let (w, c) = run(&mut a);
        wa.push(w);
        ca.extend(c);
        let (w, c) = run(&mut b);
        wb.push(w);
        cb.extend(c);
    }
    let cpu_median = |v: Vec<Duration>| (v.len() == runs).then(|| median(v));
    ((median(wa), cpu_median(ca)), (median(wb), cpu_median(cb)))
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
    let ((parse, parse_cpu), (full, full_cpu)) = time_pair(runs, floor, lint);
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
    if let (Some(p), Some(f)) = (parse_cpu, full_cpu) {
        println!(
            "CPU: floor {:.0} ms, full lint {:.0} ms ({:.2}x the floor)",
            p.as_secs_f64() * 1e3,
            f.as_secs_f64() * 1e3,
            f.as_secs_f64() / p.as_secs_f64().max(1e-9)
        );
    }
}
