//! YAML in and out, behind one small module: reading into a spanned node tree
//! ([`tree`]), typed decoding from that tree with spans kept ([`de`]), and the
//! canonical writer for rendered output ([`emit`]).

pub mod de;
pub mod emit;
pub mod tree;

pub use de::{from_node, Spanned};
pub use tree::{parse_single, parse_stream, Node, Pos, Span, Value, YamlError};
