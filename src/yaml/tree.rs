//! A YAML document as a tree of nodes that each know where they came from.
//!
//! This is the one place that reads YAML text. It builds on the event parser
//! `granit-parser` (serde-saphyr's, used directly) and fixes, once, the choices
//! every caller would otherwise make differently: YAML 1.2 core scalars with
//! strict booleans (`yes`/`on` stay strings), leading-zero and underscored
//! numbers stay strings, duplicate keys are errors, and aliases are expanded
//! under a node budget so that an alias bomb stops with an error instead of
//! eating the machine.

use granit_parser::{Event, Parser, ScalarStyle, Span as PSpan};
use std::collections::BTreeMap;

use crate::source::FileId;

/// A position in a source file: 1-based line and column (in characters), byte
/// offset (files are far below 4 GiB: the reader refuses anything over 128 MiB).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
    pub offset: u32,
}

/// Where a node sits: its file and its start and end positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Span {
    pub file: FileId,
    pub start: Pos,
    pub end: Pos,
}

impl Span {
    /// The start of a file, for findings about a whole file.
    pub fn file_start(file: FileId) -> Span {
        let p = Pos {
            line: 1,
            col: 1,
            offset: 0,
        };
        Span {
            file,
            start: p,
            end: p,
        }
    }
    pub fn len(&self) -> usize {
        self.end.offset.saturating_sub(self.start.offset) as usize
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Inline up to 24 bytes: most keys and scalars of a manifest need no
    /// allocation of their own.
    Str(compact_str::CompactString),
    /// Boxed slices, not vectors: trees are built once and never grow, and
    /// the node stays small.
    Seq(Box<[Node]>),
    Map(Box<[(Node, Node)]>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }
    pub fn as_i64(&self) -> Option<i64> {
        match self.value {
            Value::Int(i) => Some(i),
            _ => None,
        }
    }
    /// The value under `key` when this node is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }
    /// The key node and value node under `key` when this node is a mapping.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(k, v)| (k, v))
    }
    /// Follows a path of keys and sequence indexes (`["spec", "0", "name"]`).
    pub fn pointer<'a>(&self, segments: impl IntoIterator<Item = &'a str>) -> Option<&Node> {
        let mut node = self;
        for seg in segments {
            node = match &node.value {
                Value::Map(_) => node.get(seg)?,
                Value::Seq(items) => items.get(seg.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(node)
    }
    /// A scalar's text as a user wrote it (numbers and booleans rendered back).
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.to_string()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Null => None,
            Value::Seq(_) | Value::Map(_) => None,
        }
    }
    /// Converts to JSON (for schema validation and for CEL/rules that want plain data).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s) => J::String(s.to_string()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.scalar_text().unwrap_or_default(), v.to_json()))
                    .collect(),
            ),
        }
    }
    fn count(&self) -> usize {
        1 + match &self.value {
            Value::Seq(items) => items.iter().map(Node::count).sum(),
            Value::Map(entries) => entries.iter().map(|(k, v)| k.count() + v.count()).sum(),
            _ => 0,
        }
    }
}

/// Why a text is not YAML shipshape accepts.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct YamlError {
    pub message: String,
    pub span: Span,
    /// A budget stopped reading (documents, nodes): the text may be valid YAML
    /// that was not read in full, so callers must fail closed.
    pub limit: bool,
}

/// Limits sized for real GitOps repositories, far below what hurts a machine.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_documents: usize,
    pub max_nodes: usize,
    /// Bytes of scalar text after aliases are expanded.
    pub max_expanded_bytes: usize,
    /// Nesting of sequences and maps.
    pub max_depth: usize,
    /// Size of the text itself.
    pub max_file_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_documents: 100_000,
            max_nodes: 5_000_000,
            max_expanded_bytes: 256 << 20,
            max_depth: 100,
            max_file_bytes: 128 << 20,
        }
    }
}

/// Bytes of scalar text in a tree.
fn scalar_bytes(n: &Node) -> usize {
    match &n.value {
        Value::Str(s) => s.len(),
        Value::Seq(items) => items.iter().map(scalar_bytes).sum(),
        Value::Map(entries) => entries
            .iter()
            .map(|(k, v)| scalar_bytes(k) + scalar_bytes(v))
            .sum(),
        _ => 8,
    }
}

/// Parses every document of a stream. Empty documents (a lone `---`) come back as
/// `Null` nodes so that document indexes match what a reader counts.
pub fn parse_stream(text: &str, file: FileId) -> Result<Vec<Node>, YamlError> {
    parse_stream_with(text, file, Limits::default())
}

pub fn parse_stream_with(text: &str, file: FileId, limits: Limits) -> Result<Vec<Node>, YamlError> {
    if text.len() > limits.max_file_bytes {
        let start = Pos {
            line: 1,
            col: 1,
            offset: 0,
        };
        return Err(YamlError {
            message: format!(
                "the file is larger than {} MiB",
                limits.max_file_bytes >> 20
            ),
            span: Span {
                file,
                start,
                end: start,
            },
            limit: true,
        });
    }
    let mut builder = Builder {
        text,
        file,
        limits,
        nodes: 0,
        anchors: BTreeMap::new(),
        bytes: 0,
        docs: Vec::new(),
        stack: Vec::new(),
    };
    // Comments are found in the text where they matter (suppressions): the
    // parser need not keep them, and keeping them put a cap on how many may
    // precede a node (a long comment block made a valid file unreadable).
    let mut options = granit_parser::Options::default();
    options.emit_comments = false;
    let parser = Parser::new_from_str_with_options(text, options);
    for event in parser {
        let (event, span) = event.map_err(|e| {
            let m = e.marker();
            let pos = builder.pos_of(m.index(), m.byte_offset(), m.line(), m.col());
            YamlError {
                // The parser's own nesting guard is a budget too: fail closed.
                limit: e.info().contains("recursion limit"),
                message: e.info(),
                span: Span {
                    file,
                    start: pos,
                    end: pos,
                },
            }
        })?;
        builder.event(event, span)?;
    }
    Ok(builder.docs)
}

/// Parses a stream that must hold exactly one document (spec files, policy files).
pub fn parse_single(text: &str, file: FileId) -> Result<Node, YamlError> {
    let mut docs = parse_stream(text, file)?;
    let start = Pos {
        line: 1,
        col: 1,
        offset: 0,
    };
    match docs.len() {
        0 => Ok(Node {
            value: Value::Null,
            span: Span {
                file,
                start,
                end: start,
            },
        }),
        1 => Ok(docs.remove(0)),
        _ => Err(YamlError {
            message: "expected one YAML document, found several".into(),
            span: docs[1].span,
            limit: false,
        }),
    }
}

enum Frame {
    Seq {
        items: Vec<Node>,
        start: Pos,
        anchor: usize,
    },
    Map {
        entries: Vec<(Node, Node)>,
        /// Scalar keys seen so far, with their line, once the map is large
        /// enough that scanning its entries would cost more (see [`duplicate_of`]).
        keys: Option<BTreeMap<KeyId, u32>>,
        pending_key: Option<Node>,
        start: Pos,
        anchor: usize,
    },
}

/// A scalar key's identity: its type and text (`1` and `"1"` differ).
type KeyId = (u8, String);

fn key_id(n: &Node) -> Option<KeyId> {
    match &n.value {
        Value::Null => Some((0, String::new())),
        Value::Bool(b) => Some((1, b.to_string())),
        Value::Int(i) => Some((2, i.to_string())),
        Value::Float(f) => Some((3, f.to_string())),
        Value::Str(s) => Some((4, s.to_string())),
        Value::Seq(_) | Value::Map(_) => None,
    }
}

/// Whether two scalar keys are the same key: same type and text, as
/// [`key_id`] says (`1` and `"1"` differ).
fn same_key(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x.to_string() == y.to_string(),
        (Value::Str(x), Value::Str(y)) => x == y,
        _ => false,
    }
}

/// The line of an earlier entry with the same key. Small maps (nearly every
/// map of a manifest) are scanned without allocating; past 16 entries
/// the keys are indexed once, so a huge map stays linear.
fn duplicate_of(
    entries: &[(Node, Node)],
    keys: &mut Option<BTreeMap<KeyId, u32>>,
    key: &Node,
) -> Option<u32> {
    const SCAN: usize = 16;
    if entries.len() < SCAN {
        return entries
            .iter()
            .find(|(k, _)| same_key(k, key))
            .map(|(k, _)| k.span.start.line);
    }
    let index = keys.get_or_insert_with(|| {
        let mut m = BTreeMap::new();
        for (k, _) in entries {
            if let Some(id) = key_id(k) {
                m.entry(id).or_insert(k.span.start.line);
            }
        }
        m
    });
    match index.entry(key_id(key)?) {
        std::collections::btree_map::Entry::Occupied(e) => Some(*e.get()),
        std::collections::btree_map::Entry::Vacant(e) => {
            e.insert(key.span.start.line);
            None
        }
    }
}

/// Expands YAML merge keys (`<<: *base`, `<<: [*a, *b]`): the map's own keys
/// win, then earlier merged maps over later ones. Merged entries keep their
/// spans, so a finding points where the value is written.
fn expand_merge_keys(entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    let is_merge = |k: &Node| matches!(&k.value, Value::Str(s) if s == "<<");
    if !entries.iter().any(|(k, _)| is_merge(k)) {
        return entries;
    }
    let mut own = Vec::with_capacity(entries.len());
    let mut sources: Vec<Box<[(Node, Node)]>> = Vec::new();
    for (k, v) in entries {
        if is_merge(&k) {
            match v.value {
                Value::Map(m) => sources.push(m),
                Value::Seq(items) => {
                    sources.extend(items.into_vec().into_iter().filter_map(|i| match i.value {
                        Value::Map(m) => Some(m),
                        _ => None,
                    }))
                }
                _ => {}
            }
        } else {
            own.push((k, v));
        }
    }
    let mut seen: std::collections::BTreeSet<KeyId> =
        own.iter().filter_map(|(k, _)| key_id(k)).collect();
    for source in sources {
        for (k, v) in source {
            if let Some(id) = key_id(&k) {
                if seen.insert(id) {
                    own.push((k, v));
                }
            }
        }
    }
    own
}

struct Builder<'t> {
    text: &'t str,
    file: FileId,
    limits: Limits,
    nodes: usize,
    /// Anchored nodes with their node count and scalar bytes, charged per alias.
    anchors: BTreeMap<usize, (Node, usize, usize)>,
    bytes: usize,
    docs: Vec<Node>,
    stack: Vec<Frame>,
}

impl Builder<'_> {
    fn pos_of(&self, _index: usize, byte: Option<usize>, line: usize, col: usize) -> Pos {
        let offset = byte.unwrap_or(0).min(self.text.len());
        Pos {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            col: u32::try_from(col + 1).unwrap_or(u32::MAX),
            offset: u32::try_from(offset).unwrap_or(u32::MAX),
        }
    }

    fn span(&self, s: &PSpan) -> Span {
        let a = &s.start;
        let b = &s.end;
        Span {
            file: self.file,
            start: self.pos_of(a.index(), a.byte_offset(), a.line(), a.col()),
            end: self.pos_of(b.index(), b.byte_offset(), b.line(), b.col()),
        }
    }

    fn err(&self, message: impl Into<String>, span: Span) -> YamlError {
        YamlError {
            message: message.into(),
            span,
            limit: false,
        }
    }

    fn limit_err(&self, message: impl Into<String>, span: Span) -> YamlError {
        YamlError {
            limit: true,
            ..self.err(message, span)
        }
    }

    fn charge(&mut self, n: usize, span: Span) -> Result<(), YamlError> {
        self.nodes += n;
        if self.nodes > self.limits.max_nodes {
            return Err(self.limit_err(
                format!(
                    "document expands to more than {} nodes (alias bomb?)",
                    self.limits.max_nodes
                ),
                span,
            ));
        }
        Ok(())
    }

    fn charge_bytes(&mut self, n: usize, span: Span) -> Result<(), YamlError> {
        self.bytes = self.bytes.saturating_add(n);
        if self.bytes > self.limits.max_expanded_bytes {
            return Err(self.limit_err(
                format!(
                    "text expands to more than {} MiB (alias bomb?)",
                    self.limits.max_expanded_bytes >> 20
                ),
                span,
            ));
        }
        Ok(())
    }

    fn check_depth(&self, span: Span) -> Result<(), YamlError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(self.limit_err(
                format!("nested more than {} levels deep", self.limits.max_depth),
                span,
            ));
        }
        Ok(())
    }

    fn event(&mut self, event: Event<'_>, pspan: PSpan) -> Result<(), YamlError> {
        let span = self.span(&pspan);
        match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => Ok(()),
            Event::DocumentStart(..) => {
                self.anchors.clear();
                if self.docs.len() >= self.limits.max_documents {
                    return Err(self.limit_err(
                        format!(
                            "more than {} documents in one file",
                            self.limits.max_documents
                        ),
                        span,
                    ));
                }
                Ok(())
            }
            Event::Alias(id) => {
                let (count, bytes) = self
                    .anchors
                    .get(&id)
                    .map(|(_, c, b)| (*c, *b))
                    .ok_or_else(|| self.err("alias refers to an unknown anchor", span))?;
                // Charged before the copy is made: a bomb stops here.
                self.charge(count, span)?;
                self.charge_bytes(bytes, span)?;
                let node = self
                    .anchors
                    .get(&id)
                    .map(|(n, _, _)| n.clone())
                    .ok_or_else(|| self.err("alias refers to an unknown anchor", span))?;
                self.push(node)
            }
            Event::Scalar(text, style, anchor, tag) => {
                self.charge(1, span)?;
                self.charge_bytes(text.len(), span)?;
                let tag_suffix = tag.as_ref().map(|t| t.suffix().to_string());
                // An application's local tag (`!secret db_password`, `!Env X`,
                // `!include f`) makes the scalar a reference it resolves: kept
                // in the text, so no rule reads the target's name as a value.
                let local = tag
                    .as_ref()
                    .filter(|t| t.handle() == "!" && !t.suffix().is_empty());
                let value = match local {
                    Some(t) => Value::Str(format!("!{} {text}", t.suffix()).into()),
                    None => resolve_scalar(&text, style, tag_suffix.as_deref()),
                };
                let node = Node { value, span };
                if anchor != 0 {
                    let entry = (node.clone(), node.count(), scalar_bytes(&node));
                    self.anchors.insert(anchor, entry);
                }
                self.push(node)
            }
            Event::SequenceStart(_, anchor, _) => {
                self.charge(1, span)?;
                self.check_depth(span)?;
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    start: span.start,
                    anchor,
                });
                Ok(())
            }
            Event::MappingStart(_, anchor, _) => {
                self.charge(1, span)?;
                self.check_depth(span)?;
                self.stack.push(Frame::Map {
                    entries: Vec::new(),
                    keys: None,
                    pending_key: None,
                    start: span.start,
                    anchor,
                });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let frame = self
                    .stack
                    .pop()
                    .ok_or_else(|| self.err("unbalanced collection end", span))?;
                let (value, start, anchor, end) = match frame {
                    Frame::Seq {
                        items,
                        start,
                        anchor,
                    } => {
                        let end = items.last().map_or(span.end, |i| i.span.end);
                        (Value::Seq(items.into()), start, anchor, end)
                    }
                    Frame::Map {
                        entries,
                        start,
                        anchor,
                        ..
                    } => {
                        let end = entries.last().map_or(span.end, |e| e.1.span.end);
                        (
                            Value::Map(expand_merge_keys(entries).into()),
                            start,
                            anchor,
                            end,
                        )
                    }
                };
                let node = Node {
                    value,
                    span: Span {
                        file: self.file,
                        start,
                        end: end.max(start),
                    },
                };
                if anchor != 0 {
                    let entry = (node.clone(), node.count(), scalar_bytes(&node));
                    self.anchors.insert(anchor, entry);
                }
                self.push(node)
            }
            _ => Ok(()),
        }
    }

    fn push(&mut self, node: Node) -> Result<(), YamlError> {
        match self.stack.last_mut() {
            None => {
                self.docs.push(node);
                Ok(())
            }
            Some(Frame::Seq { items, .. }) => {
                items.push(node);
                Ok(())
            }
            Some(Frame::Map {
                entries,
                keys,
                pending_key,
                ..
            }) => match pending_key.take() {
                None => {
                    if let Some(line) = duplicate_of(entries, keys, &node) {
                        return Err(YamlError {
                            message: format!(
                                "duplicate key `{}` (first defined on line {line})",
                                node.scalar_text().unwrap_or_else(|| "<complex>".into())
                            ),
                            span: node.span,
                            limit: false,
                        });
                    }
                    *pending_key = Some(node);
                    Ok(())
                }
                Some(key) => {
                    entries.push((key, node));
                    Ok(())
                }
            },
        }
    }
}

/// YAML 1.2 core schema, strict: only `true`/`false` are booleans, and a number
/// with a leading zero or an underscore stays a string (`0755`, `1_000`).
fn resolve_scalar(text: &str, style: ScalarStyle, tag: Option<&str>) -> Value {
    match tag {
        Some("str") => return Value::Str(text.into()),
        Some("int") => {
            if let Ok(i) = text.parse::<i64>() {
                return Value::Int(i);
            }
        }
        Some("bool") => match text {
            "true" => return Value::Bool(true),
            "false" => return Value::Bool(false),
            _ => {}
        },
        _ => {}
    }
    if style != ScalarStyle::Plain {
        return Value::Str(text.into());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    if let Some(i) = parse_int(text) {
        return Value::Int(i);
    }
    if is_float(text) {
        if let Ok(f) = text.parse::<f64>() {
            return Value::Float(f);
        }
    }
    Value::Str(text.into())
}

fn parse_int(text: &str) -> Option<i64> {
    if let Some(hex) = text.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok();
    }
    if let Some(oct) = text.strip_prefix("0o") {
        return i64::from_str_radix(oct, 8).ok();
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if digits.len() > 1 && digits.starts_with('0') {
        return None;
    }
    text.parse().ok()
}

fn is_float(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int_part, frac) = match mantissa.find('.') {
        Some(i) => (&mantissa[..i], Some(&mantissa[i + 1..])),
        None => (mantissa, None),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int_part) || int_part.len() > 1 && int_part.starts_with('0') {
        return false;
    }
    if frac.is_none() && exp.is_none() {
        return false;
    }
    if int_part.is_empty() && frac.is_none_or(str::is_empty) {
        return false;
    }
    if let Some(f) = frac {
        if !digits(f) {
            return false;
        }
    }
    match exp {
        Some(e) => {
            let e = e.strip_prefix(['-', '+']).unwrap_or(e);
            !e.is_empty() && digits(e)
        }
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        parse_single(text, FileId(0)).expect("parses")
    }

    /// Lint memory is the trees: every byte of a node counts 60,000 times per
    /// 10,000 files (inline short strings, boxed slices, 32-bit offsets).
    #[test]
    fn nodes_stay_small() {
        assert_eq!(std::mem::size_of::<Value>(), 24);
        assert_eq!(std::mem::size_of::<Span>(), 28);
        assert!(
            std::mem::size_of::<Node>() <= 56,
            "{}",
            std::mem::size_of::<Node>()
        );
    }

    #[test]
    fn strict_scalars() {
        let n = one("a: yes\nb: on\nc: 0755\nd: 1_000\ne: 12\nf: true\ng: 1.5\nh: ~\ni: '12'\n");
        let j = n.to_json();
        assert_eq!(j["a"], "yes");
        assert_eq!(j["b"], "on");
        assert_eq!(j["c"], "0755");
        assert_eq!(j["d"], "1_000");
        assert_eq!(j["e"], 12);
        assert_eq!(j["f"], true);
        assert_eq!(j["g"], 1.5);
        assert!(j["h"].is_null());
        assert_eq!(j["i"], "12");
    }

    #[test]
    fn positions_are_one_based() {
        let n = one("top:\n  key: value\n");
        let v = n.pointer(["top", "key"]).expect("node");
        assert_eq!((v.span.start.line, v.span.start.col), (2, 8));
        let (k, _) = n.get("top").and_then(|t| t.entry("key")).expect("entry");
        assert_eq!((k.span.start.line, k.span.start.col), (2, 3));
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let e = parse_single("a: 1\nb: 2\na: 3\n", FileId(0)).expect_err("duplicate");
        assert!(e.message.contains("duplicate key `a`"), "{}", e.message);
        assert_eq!(e.span.start.line, 3);
        // Past the scanned size the keys are indexed: still caught, still
        // pointing at both lines; `1` and `"1"` are different keys.
        let mut text: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
        text.push_str("1: int\n\"1\": str\nk7: again\n");
        let e = parse_single(&text, FileId(0)).expect_err("duplicate");
        assert!(
            e.message
                .contains("duplicate key `k7` (first defined on line 8)"),
            "{}",
            e.message
        );
        assert_eq!(e.span.start.line, 43);
        let e = parse_single("1: a\n\"1\": b\n1: c\n", FileId(0)).expect_err("duplicate");
        assert_eq!(e.span.start.line, 3);
    }

    #[test]
    fn alias_bomb_is_stopped() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let e = parse_single(&text, FileId(0)).expect_err("bomb");
        assert!(e.message.contains("alias bomb"), "{}", e.message);
    }

    #[test]
    fn multi_document_streams() {
        let docs = parse_stream("a: 1\n---\nb: 2\n---\n", FileId(0)).expect("parses");
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[1].span.start.line, 3);
    }
}
