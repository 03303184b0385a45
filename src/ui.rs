//! How human output looks: colour and verbosity, set once from the command line
//! (`--color`, `NO_COLOR`, `--quiet`). Machine formats never change with them.

use std::io::IsTerminal;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when standard output is a terminal and `NO_COLOR` is not set.
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    pub color: bool,
    pub quiet: bool,
}

static STYLE: OnceLock<Style> = OnceLock::new();

/// Decides the style once; later calls keep the first decision.
pub fn init(choice: ColorChoice, quiet: bool) {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let color = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => !no_color && std::io::stdout().is_terminal(),
    };
    let _ = STYLE.set(Style { color, quiet });
}

pub fn style() -> Style {
    STYLE.get().copied().unwrap_or_default()
}

/// `text` in bold red, yellow or cyan for a severity word, when colour is on.
pub fn severity(word: &str) -> String {
    if !style().color {
        return word.to_string();
    }
    let colour = match word {
        "error" => anstyle::AnsiColor::Red,
        "warning" => anstyle::AnsiColor::Yellow,
        _ => anstyle::AnsiColor::Cyan,
    };
    let s = anstyle::Style::new().bold().fg_color(Some(colour.into()));
    format!("{s}{word}{s:#}")
}

static PREFIX: OnceLock<String> = OnceLock::new();

/// Set when shipshape found the project in a parent folder and moved there:
/// the way back (`../../`), put before every path it shows so that paths stay
/// relative to where the user stands.
pub fn set_display_prefix(prefix: String) {
    let _ = PREFIX.set(prefix);
}

static INVOCATION: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();

/// Remembers the folder the command was started in (after `-C`), before a
/// project found upwards becomes the working folder: paths a user typed are
/// relative to it.
pub fn set_invocation_dir(dir: std::path::PathBuf) {
    let _ = INVOCATION.set(dir);
}

/// The folder the command was started in, absolute (the working folder when
/// none was recorded).
pub fn invocation_dir() -> std::path::PathBuf {
    INVOCATION
        .get()
        .cloned()
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_default()
}

pub fn display_prefix() -> &'static str {
    PREFIX.get().map_or("", String::as_str)
}
