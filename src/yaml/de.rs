//! Typed decoding from a [`Node`] tree through serde, keeping spans.
//!
//! `Spanned<T>` asks this deserializer for its node's span through a private
//! struct name, the same trick toml's `Spanned` uses; every error carries the span
//! of the deepest node that caused it.

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;

use super::tree::{Node, Span, Value};
use crate::source::FileId;

const SPANNED: &str = "$shipshape::Spanned";
const SPAN_FIELD: &str = "$span";
const VALUE_FIELD: &str = "$value";

/// A value and the span of the YAML node it was read from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

impl<T> std::ops::Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: schemars::JsonSchema> schemars::JsonSchema for Spanned<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(gen: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(gen)
    }
    fn inline_schema() -> bool {
        T::inline_schema()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Spanned<T> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Spanned<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a spanned value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Spanned<T>, A::Error> {
                let mut span = None;
                let mut value = None;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        SPAN_FIELD => span = Some(map.next_value::<RawSpan>()?.into()),
                        VALUE_FIELD => value = Some(map.next_value::<T>()?),
                        _ => {
                            return Err(de::Error::custom(
                                "Spanned used outside shipshape's YAML decoder",
                            ))
                        }
                    }
                }
                match (span, value) {
                    (Some(span), Some(value)) => Ok(Spanned { value, span }),
                    _ => Err(de::Error::custom(
                        "Spanned used outside shipshape's YAML decoder",
                    )),
                }
            }
        }
        d.deserialize_struct(
            SPANNED,
            &[SPAN_FIELD, VALUE_FIELD],
            V(std::marker::PhantomData),
        )
    }
}

#[derive(Deserialize)]
struct RawSpan(u32, u32, u32, u32, u32, u32, u32);

impl From<RawSpan> for Span {
    fn from(r: RawSpan) -> Span {
        use super::tree::Pos;
        Span {
            file: FileId(r.0),
            start: Pos {
                line: r.1,
                col: r.2,
                offset: r.3,
            },
            end: Pos {
                line: r.4,
                col: r.5,
                offset: r.6,
            },
        }
    }
}

/// A decoding error at a node.
#[derive(Debug, Clone, PartialEq)]
pub struct DeError {
    pub message: String,
    pub span: Option<Span>,
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError {
            message: msg.to_string(),
            span: None,
        }
    }
}

impl DeError {
    fn at(mut self, span: Span) -> Self {
        self.span.get_or_insert(span);
        self
    }
}

/// Decodes a typed value from a node.
pub fn from_node<'a, T: Deserialize<'a>>(node: &'a Node) -> Result<T, DeError> {
    T::deserialize(NodeDe(node))
}

struct NodeDe<'a>(&'a Node);

impl<'de> NodeDe<'de> {
    fn unexpected(&self) -> de::Unexpected<'de> {
        match &self.0.value {
            Value::Null => de::Unexpected::Unit,
            Value::Bool(b) => de::Unexpected::Bool(*b),
            Value::Int(i) => de::Unexpected::Signed(*i),
            Value::Float(f) => de::Unexpected::Float(*f),
            Value::Str(s) => de::Unexpected::Str(s),
            Value::Seq(_) => de::Unexpected::Seq,
            Value::Map(_) => de::Unexpected::Map,
        }
    }
}

macro_rules! forward_any {
    ($($m:ident)*) => {$(
        fn $m<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> { self.deserialize_any(v) }
    )*};
}

impl<'de> de::Deserializer<'de> for NodeDe<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        let span = self.0.span;
        let r = match &self.0.value {
            Value::Null => v.visit_unit(),
            Value::Bool(b) => v.visit_bool(*b),
            Value::Int(i) => v.visit_i64(*i),
            Value::Float(f) => v.visit_f64(*f),
            Value::Str(s) => v.visit_borrowed_str(s),
            Value::Seq(items) => v.visit_seq(SeqDe(items.iter())),
            Value::Map(entries) => v.visit_map(MapDe {
                iter: entries.iter(),
                value: None,
            }),
        };
        r.map_err(|e| e.at(span))
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.0.value {
            Value::Null => v.visit_none(),
            _ => v.visit_some(self),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match &self.0.value {
            Value::Str(s) => v
                .visit_borrowed_str(s)
                .map_err(|e: DeError| e.at(self.0.span)),
            _ => Err(de::Error::invalid_type(self.unexpected(), &v))
                .map_err(|e: DeError| e.at(self.0.span)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        if name == SPANNED {
            return v.visit_map(SpannedDe {
                node: self.0,
                state: 0,
            });
        }
        let _ = fields;
        self.deserialize_any(v)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        let span = self.0.span;
        match &self.0.value {
            Value::Str(s) => v
                .visit_enum(s.as_str().into_deserializer())
                .map_err(|e: DeError| e.at(span)),
            Value::Map(entries) if entries.len() == 1 => v
                .visit_enum(EnumDe(&entries[0].0, &entries[0].1))
                .map_err(|e| e.at(span)),
            _ => {
                Err(de::Error::invalid_type(self.unexpected(), &v)).map_err(|e: DeError| e.at(span))
            }
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        v: V,
    ) -> Result<V::Value, DeError> {
        v.visit_newtype_struct(self)
    }

    forward_any! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_f32
        deserialize_f64 deserialize_char deserialize_bytes deserialize_byte_buf
        deserialize_unit deserialize_seq deserialize_map deserialize_identifier
        deserialize_ignored_any
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _n: &'static str,
        v: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_any(v)
    }
    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, v: V) -> Result<V::Value, DeError> {
        self.deserialize_any(v)
    }
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _n: &'static str,
        _l: usize,
        v: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_any(v)
    }
}

struct SeqDe<'a>(std::slice::Iter<'a, Node>);

impl<'de> SeqAccess<'de> for SeqDe<'de> {
    type Error = DeError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.0.next() {
            Some(n) => seed
                .deserialize(NodeDe(n))
                .map(Some)
                .map_err(|e| e.at(n.span)),
            None => Ok(None),
        }
    }
}

struct MapDe<'a> {
    iter: std::slice::Iter<'a, (Node, Node)>,
    value: Option<&'a Node>,
}

impl<'de> MapAccess<'de> for MapDe<'de> {
    type Error = DeError;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match self.iter.next() {
            Some((k, v)) => {
                self.value = Some(v);
                seed.deserialize(NodeDe(k))
                    .map(Some)
                    .map_err(|e| e.at(k.span))
            }
            None => Ok(None),
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let v = self
            .value
            .take()
            .ok_or_else(|| de::Error::custom("value without key"))?;
        seed.deserialize(NodeDe(v)).map_err(|e| e.at(v.span))
    }
}

struct SpannedDe<'a> {
    node: &'a Node,
    state: u8,
}

impl<'de> MapAccess<'de> for SpannedDe<'de> {
    type Error = DeError;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let key = match self.state {
            0 => SPAN_FIELD,
            1 => VALUE_FIELD,
            _ => return Ok(None),
        };
        seed.deserialize(key.into_deserializer()).map(Some)
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        self.state += 1;
        if self.state == 1 {
            let s = self.node.span;
            let raw = (
                s.file.0,
                s.start.line,
                s.start.col,
                s.start.offset,
                s.end.line,
                s.end.col,
                s.end.offset,
            );
            let json = serde_json::to_value(raw).map_err(de::Error::custom)?;
            seed.deserialize(json).map_err(de::Error::custom)
        } else {
            seed.deserialize(NodeDe(self.node))
        }
    }
}

struct EnumDe<'a>(&'a Node, &'a Node);

impl<'de> de::EnumAccess<'de> for EnumDe<'de> {
    type Error = DeError;
    type Variant = NodeDe<'de>;
    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, NodeDe<'de>), DeError> {
        let v = seed.deserialize(NodeDe(self.0))?;
        Ok((v, NodeDe(self.1)))
    }
}

impl<'de> de::VariantAccess<'de> for NodeDe<'de> {
    type Error = DeError;
    fn unit_variant(self) -> Result<(), DeError> {
        Ok(())
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        seed.deserialize(self)
    }
    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, v: V) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_any(self, v)
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        _f: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_any(self, v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_single;

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields, rename_all = "kebab-case")]
    struct Cfg {
        name: Spanned<String>,
        replicas: Option<u32>,
        tags: Vec<Spanned<String>>,
    }

    #[test]
    fn spans_survive_decoding() {
        let node =
            parse_single("name: api\nreplicas: 2\ntags:\n  - a\n  - b\n", FileId(3)).expect("yaml");
        let cfg: Cfg = from_node(&node).expect("decodes");
        assert_eq!(cfg.name.value, "api");
        assert_eq!(
            (
                cfg.name.span.file,
                cfg.name.span.start.line,
                cfg.name.span.start.col
            ),
            (FileId(3), 1, 7)
        );
        assert_eq!(cfg.replicas, Some(2));
        assert_eq!(cfg.tags[1].span.start.line, 5);
    }

    #[test]
    fn errors_point_at_the_node() {
        let node = parse_single("name: api\nreplicas: many\ntags: []\n", FileId(0)).expect("yaml");
        let err = from_node::<Cfg>(&node).expect_err("bad type");
        assert_eq!(err.span.map(|s| s.start.line), Some(2));
    }
}
