//! A source line with the located node underlined, for human-readable output.

use crate::yaml::Span;

/// Where each line of a text starts: found once per file, so that showing
/// many findings of one file stays linear.
pub struct Lines<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> Lines<'t> {
    pub fn new(text: &'t str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Lines { text, starts }
    }

    /// Line `n` (1-based), without its line break.
    fn line(&self, n: usize) -> Option<&'t str> {
        let start = *self.starts.get(n.checked_sub(1)?)?;
        let end = self.starts.get(n).map_or(self.text.len(), |e| e - 1);
        let line = self.text.get(start..end.max(start))?;
        Some(line.strip_suffix('\r').unwrap_or(line))
    }
}

/// The line of `span` in `text`, numbered, with `^` under the node (clipped to
/// the line). `mask` replaces the node's text with `*` (for secret values).
pub fn excerpt(text: &str, span: Span, mask: bool) -> String {
    excerpt_in(&Lines::new(text), span, mask)
}

/// [`excerpt`] with the file's lines found already.
pub fn excerpt_in(lines: &Lines, span: Span, mask: bool) -> String {
    let line_no = span.start.line as usize;
    let Some(line) = lines.line(line_no) else {
        return String::new();
    };
    let col = (span.start.col as usize).saturating_sub(1);
    let chars: Vec<char> = line.chars().collect();
    let start = col.min(chars.len());
    let len = if span.end.line == span.start.line {
        (span.end.col as usize).saturating_sub(span.start.col as usize)
    } else {
        chars.len().saturating_sub(start)
    }
    .max(1);
    let end = (start + len).min(chars.len()).max(start);
    // A secret is masked to the end of the line: in flow style (`{ key: value }`)
    // more of it may follow the node.
    let shown: Vec<char> = if mask {
        chars[..start]
            .iter()
            .copied()
            .chain(std::iter::repeat_n('*', chars.len() - start))
            .collect()
    } else {
        chars
    };
    // A minified or generated line can be megabytes long: show a window
    // around the node, marked as cut, never the whole line.
    let from = if shown.len() > MAX_SHOWN {
        start.saturating_sub(CONTEXT_BEFORE)
    } else {
        0
    };
    let to = shown.len().min(from + MAX_SHOWN);
    // A control character in a file (an escape sequence) would drive the
    // reader's terminal: shown as one replacement character, so marks align.
    let mut line: String = shown[from..to]
        .iter()
        .map(|&c| {
            if c.is_control() && c != '\t' {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect();
    let mut offset = start - from;
    if from > 0 {
        line.insert(0, '…');
        offset += 1;
    }
    if to < shown.len() {
        line.push('…');
    }
    let marks = (end.min(to).saturating_sub(start)).max(1);
    let gutter = line_no.to_string();
    let pad = " ".repeat(gutter.len());
    format!(
        "  {gutter} | {line}\n  {pad} | {}{}\n",
        " ".repeat(offset),
        "^".repeat(marks)
    )
}

/// The most characters of one line an excerpt shows, and how many of them
/// come before the node when the line is cut.
const MAX_SHOWN: usize = 160;
const CONTEXT_BEFORE: usize = 40;

/// `text` with control characters (other than tab and line breaks) replaced,
/// so that nothing a file or a message holds can drive the terminal.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| c.is_control() && !matches!(c, '\t' | '\n');
    if text.chars().any(bad) {
        text.chars()
            .map(|c| if bad(c) { '\u{fffd}' } else { c })
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;
    use crate::yaml::parse_single;

    #[test]
    fn underlines_the_node_and_masks_secrets() {
        let text = "a: 1\nkey: hunter2 # rotated\n";
        let n = parse_single(text, FileId(0)).expect("yaml");
        let span = n.get("key").expect("key").span;
        assert_eq!(
            excerpt(text, span, false),
            "  2 | key: hunter2 # rotated\n    |      ^^^^^^^\n"
        );
        assert_eq!(
            excerpt(text, span, true),
            "  2 | key: *****************\n    |      ^^^^^^^\n"
        );
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        // YAML refuses a raw ESC, and the error's excerpt shows that line.
        let raw = "key: a\u{1b}[31mred\n";
        let err = parse_single(raw, FileId(0)).expect_err("not YAML");
        let shown = excerpt(raw, err.span, false);
        assert!(!shown.contains('\u{1b}'), "{shown}");
        assert!(shown.contains("a\u{fffd}[31mred"), "{shown}");
        assert_eq!(printable("a\u{1b}[0m\tb\n"), "a\u{fffd}[0m\tb\n");
    }

    #[test]
    fn a_long_line_is_cut_around_the_node() {
        let text = format!(
            "{{a: {}, key: value, b: {}}}\n",
            "x".repeat(500),
            "y".repeat(500)
        );
        let n = parse_single(&text, FileId(0)).expect("yaml");
        let span = n.get("key").expect("key").span;
        let shown = excerpt(&text, span, false);
        let first = shown.lines().next().expect("a line");
        assert!(first.chars().count() < MAX_SHOWN + 10, "{first}");
        assert!(first.contains("…x") && first.contains("key: value") && first.ends_with('…'));
        // The marks sit under the value in the cut line.
        let under = shown.lines().nth(1).expect("marks");
        let col = under.find('^').expect("^");
        let from_col: String = first.chars().skip(col).take("value".len()).collect();
        assert_eq!(from_col, "value");
    }
}
