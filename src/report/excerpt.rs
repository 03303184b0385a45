//! A source line with the located node underlined, for human-readable output.

use crate::yaml::Span;

/// The line of `span` in `text`, numbered, with `^` under the node (clipped to
/// the line). `mask` replaces the node's text with `*` (for secret values).
pub fn excerpt(text: &str, span: Span, mask: bool) -> String {
    let line_no = span.start.line as usize;
    let Some(line) = text.lines().nth(line_no.saturating_sub(1)) else {
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
