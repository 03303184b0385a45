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
    let shown: String = if mask {
        chars[..start]
            .iter()
            .chain(std::iter::repeat_n(&'*', chars.len() - start))
            .collect()
    } else {
        line.to_string()
    };
    let gutter = line_no.to_string();
    let pad = " ".repeat(gutter.len());
    format!(
        "  {gutter} | {shown}\n  {pad} | {}{}\n",
        " ".repeat(start),
        "^".repeat((end - start).max(1))
    )
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
}
