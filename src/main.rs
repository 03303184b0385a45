//! CLI entry: parse arguments, run the command, print, map to the exit code.

use clap::Parser;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match shipshape::cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                shipshape::cli::exit::ERROR
            } else {
                shipshape::cli::exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let mut outcome = shipshape::cli::run(cli);
    // A closed pipe (`shipshape … | head`) is not an error.
    let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let _ = outcome.write_stdout(&mut stdout);
    let _ = stdout.flush();
    drop(stdout);
    let _ = std::io::stderr()
        .lock()
        .write_all(outcome.stderr.as_bytes());
    ExitCode::from(outcome.code)
}
