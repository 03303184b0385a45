//! The per-object evaluation budget of custom CEL rules, in time and memory.
//! The `cel` crate cannot be interrupted: a nested comprehension over a large
//! list can run for hours, and nine `replace()` calls build a gigabyte string.
//! A watchdog thread stops the whole run (exit 2, the gate fails closed) when
//! one evaluation overruns either, naming the rule and the object.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long one rule may take on one object.
pub const BUDGET: Duration = Duration::from_secs(10);

/// How much the process may grow while one rule runs on one object.
pub const MEMORY_BUDGET: u64 = 512 << 20;

/// The process's resident memory in bytes (Linux; elsewhere unknown, 0).
fn resident_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// What is being evaluated: the rule's expression (file, line, column) and
/// the object, for the diagnostic that stops the run.
#[derive(Default, Clone)]
pub struct Evaluation {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub what: String,
    /// The rule's time budget for this evaluation (its `timeoutMs`).
    pub budget_ms: u64,
}

struct Shared {
    origin: Instant,
    /// Milliseconds since `origin` when the current evaluation started; 0 when idle.
    started: AtomicU64,
    what: Mutex<Evaluation>,
    done: AtomicBool,
}

pub struct Watchdog {
    shared: Arc<Shared>,
}

impl Watchdog {
    pub fn start() -> Self {
        let shared = Arc::new(Shared {
            origin: Instant::now(),
            started: AtomicU64::new(0),
            what: Mutex::new(Evaluation::default()),
            done: AtomicBool::new(false),
        });
        let s = shared.clone();
        std::thread::spawn(move || {
            // The evaluation last seen, and the resident memory then: read
            // here, not in `begin`, which runs for every object and rule.
            let (mut seen, mut base) = (0, 0);
            while !s.done.load(Ordering::Relaxed) {
                // Often enough that a string doubling in a loop is caught
                // well before it takes the machine's memory.
                std::thread::sleep(Duration::from_millis(10));
                let started = s.started.load(Ordering::Relaxed);
                if started == 0 {
                    continue;
                }
                if started != seen {
                    (seen, base) = (started, resident_bytes());
                    continue;
                }
                let now = u64::try_from(s.origin.elapsed().as_millis()).unwrap_or(u64::MAX);
                let budget = s.what.lock().map_or(0, |w| w.budget_ms);
                let grown = resident_bytes().saturating_sub(base);
                let over = if now.saturating_sub(started) > budget {
                    format!("ran longer than {budget} ms")
                } else if grown > MEMORY_BUDGET {
                    format!("used more than {} MiB of memory", MEMORY_BUDGET >> 20)
                } else {
                    continue;
                };
                let what = s.what.lock().map(|w| w.clone()).unwrap_or_default();
                stop(&what, &over);
            }
        });
        Watchdog { shared }
    }

    /// An evaluation starts; `what` names it, made only when the budget runs out
    /// would need it (cheap enough to make each time).
    pub fn begin(&self, what: impl FnOnce() -> Evaluation) {
        if let Ok(mut w) = self.shared.what.lock() {
            *w = what();
        }
        let now = u64::try_from(self.shared.origin.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.shared.started.store(now.max(1), Ordering::Relaxed);
    }

    pub fn end(&self) {
        self.shared.started.store(0, Ordering::Relaxed);
    }
}

/// Stops the run: the diagnostic on stderr, and in a machine format on
/// stdout as the report the command would have written (so a SARIF upload
/// or a JSON reader sees why), then exit 2.
fn stop(e: &Evaluation, over: &str) -> ! {
    let help = "bound the comprehensions of the expression (nested all/exists/map over large lists) and what it builds (replace, join, +)";
    let message = format!("{}: the evaluation {over}; nothing was checked", e.what);
    let _ = writeln!(
        std::io::stderr(),
        "{}:{}:{}: {}: error[policy::cel-budget]: the evaluation {over}; nothing was checked\n  help: {help}",
        e.file, e.line, e.column, e.what
    );
    let format = crate::diag::stop_format();
    if format != crate::diag::Format::Human {
        let mut d = super::Diagnostic::about_input(
            &super::registry::INVALID_YAML,
            super::Location {
                file: e.file.as_str().into(),
                line: e.line,
                column: e.column,
                end_line: e.line,
                end_column: e.column,
                span: None,
            },
            message,
        );
        d.family = crate::diag::Family::Input;
        d.rule = "policy::cel-budget".into();
        d.name = "a custom rule ran out of its evaluation budget".into();
        d.severity = super::Severity::Error;
        d.help = help.into();
        let report = super::Report {
            diagnostics: vec![d],
            summary: super::Summary {
                errors: 1,
                ..super::Summary::default()
            },
        };
        let out = crate::report::render(format, &report, &crate::source::Sources::new(), &[]);
        let _ = std::io::stdout().write_all(out.as_bytes());
        let _ = std::io::stdout().flush();
    }
    std::process::exit(2);
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.shared.done.store(true, Ordering::Relaxed);
    }
}
