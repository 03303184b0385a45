//! A schema compiled into a small graph of shapes: one per schema node, a
//! `$ref` is an edge to its definition (never a copy), a pattern is compiled
//! on first use. The Kubernetes schemas use a structural subset of JSON
//! Schema; a keyword outside it fails the compile, so a kind is never checked
//! by half a schema.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Map, Value as J};

/// Index of a shape in [`Shapes`].
pub type Id = u32;

/// A mapping's listed fields, sorted by name.
type Fields = Box<[(Box<str>, Id)]>;

/// JSON types as a bit set (`0`: any type).
pub mod types {
    pub const NULL: u8 = 1;
    pub const BOOLEAN: u8 = 2;
    pub const INTEGER: u8 = 4;
    pub const NUMBER: u8 = 8;
    pub const STRING: u8 = 16;
    pub const ARRAY: u8 = 32;
    pub const OBJECT: u8 = 64;
    pub const NAMES: [(u8, &str); 7] = [
        (NULL, "null"),
        (BOOLEAN, "boolean"),
        (INTEGER, "integer"),
        (NUMBER, "number"),
        (STRING, "string"),
        (ARRAY, "array"),
        (OBJECT, "object"),
    ];
}

/// Keys of a mapping the shape does not list.
#[derive(Debug, Default)]
pub enum Extra {
    #[default]
    Allowed,
    Forbidden,
    Each(Id),
}

/// Format checks the API server applies when it decodes the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Int32,
    DateTime,
}

/// The checks on a scalar or a collection's size, rarer than the rest.
#[derive(Debug, Default)]
pub struct Bounds {
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub pattern: Option<Arc<Pattern>>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub min_items: Option<u64>,
    pub min_properties: Option<u64>,
    pub max_properties: Option<u64>,
    pub format: Option<Format>,
}

#[derive(Debug, Default)]
pub struct Shape {
    pub types: u8,
    pub properties: Fields,
    pub extra: Extra,
    pub items: Option<Id>,
    pub required: Box<[Box<str>]>,
    pub allowed: Option<Box<[J]>>,
    /// `anyOf` / `oneOf`: the value must fit one branch. The API server reads
    /// both the same (`IntOrString`, `Quantity`), null included.
    pub one_of: Box<[Id]>,
    pub bounds: Option<Box<Bounds>>,
}

/// A compiled schema: its shapes and the root's id.
#[derive(Debug)]
pub struct Shapes {
    pub shapes: Vec<Shape>,
    pub root: Id,
}

impl Shapes {
    pub fn get(&self, id: Id) -> &Shape {
        // Ids come from the compile, which only hands out valid ones.
        &self.shapes[id as usize]
    }
}

/// A pattern, compiled on first use, once for every schema that has it: 14
/// patterns make the 954 of the shipped schemas.
#[derive(Debug)]
pub struct Pattern {
    pub text: Box<str>,
    compiled: OnceLock<Option<regex::Regex>>,
}

impl Pattern {
    fn interned(text: &str) -> Arc<Pattern> {
        static ALL: Mutex<BTreeMap<Box<str>, Arc<Pattern>>> = Mutex::new(BTreeMap::new());
        let fresh = || {
            Arc::new(Pattern {
                text: text.into(),
                compiled: OnceLock::new(),
            })
        };
        match ALL.lock() {
            Ok(mut all) => all.entry(text.into()).or_insert_with(fresh).clone(),
            Err(_) => fresh(),
        }
    }

    /// The API server matches with Go's RE2, the language of `regex`; bounded,
    /// a pattern compiles small. `None`: it does not compile here.
    pub fn regex(&self) -> Option<&regex::Regex> {
        self.compiled
            .get_or_init(|| {
                regex::RegexBuilder::new(&self.text)
                    .size_limit(1 << 20)
                    .dfa_size_limit(1 << 20)
                    .build()
                    .ok()
            })
            .as_ref()
    }
}

/// Keywords that change nothing the API server decodes.
const IGNORED: &[&str] = &[
    "$schema",
    "$comment",
    "description",
    "default",
    "example",
    "nullable",
    "x-kubernetes-list-type",
    "x-kubernetes-list-map-keys",
    "x-kubernetes-map-type",
    "x-kubernetes-patch-strategy",
    "x-kubernetes-patch-merge-key",
    "x-kubernetes-unions",
    "x-kubernetes-group-version-kind",
    "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-embedded-resource",
    "x-kubernetes-validations",
];

/// Compiles a schema document; `Err` names the first keyword or reference
/// it does not understand.
pub fn compile(schema: &J) -> Result<Shapes, String> {
    let mut c = Compiler::default();
    if let Some(defs) = schema.get("$defs").and_then(J::as_object) {
        // Every definition gets its id first, so references may point ahead.
        for name in defs.keys() {
            let id = c.reserve();
            c.defs.insert(name.clone(), id);
        }
        for (name, def) in defs {
            let id = c.defs[name];
            let shape = c.shape(def)?;
            c.shapes[id as usize] = shape;
        }
    }
    let root = c.node(schema)?;
    Ok(Shapes {
        shapes: c.shapes,
        root,
    })
}

#[derive(Default)]
struct Compiler {
    shapes: Vec<Shape>,
    defs: BTreeMap<String, Id>,
}

impl Compiler {
    fn reserve(&mut self) -> Id {
        self.shapes.push(Shape::default());
        Id::try_from(self.shapes.len() - 1).unwrap_or(Id::MAX)
    }

    /// A schema node: a reference is its definition's id, anything else a
    /// new shape.
    fn node(&mut self, s: &J) -> Result<Id, String> {
        if let Some(r) = s.get("$ref") {
            let r = r.as_str().unwrap_or_default();
            return r
                .strip_prefix("#/$defs/")
                .and_then(|name| self.defs.get(name).copied())
                .ok_or_else(|| format!("unresolved $ref `{r}`"));
        }
        let shape = self.shape(s)?;
        let id = self.reserve();
        self.shapes[id as usize] = shape;
        Ok(id)
    }

    fn shape(&mut self, s: &J) -> Result<Shape, String> {
        let Some(map) = s.as_object() else {
            // `true` (anything) is the only boolean schema these use.
            return match s {
                J::Bool(true) => Ok(Shape::default()),
                other => Err(format!("schema `{other}` is not an object")),
            };
        };
        if let Some(r) = map.get("$ref") {
            return Err(format!("$ref `{r}` beside other keywords"));
        }
        let mut shape = Shape::default();
        let mut bounds = Bounds::default();
        for (key, v) in map {
            match key.as_str() {
                "type" => shape.types = type_set(v)?,
                "properties" => shape.properties = self.properties(v)?,
                "additionalProperties" => {
                    shape.extra = match v {
                        J::Bool(false) => Extra::Forbidden,
                        J::Bool(true) => Extra::Allowed,
                        other => Extra::Each(self.node(other)?),
                    }
                }
                "items" => shape.items = Some(self.node(v)?),
                "required" => shape.required = strings(v),
                "enum" => shape.allowed = v.as_array().map(|a| a.clone().into_boxed_slice()),
                "anyOf" | "oneOf" => {
                    let branches = v.as_array().ok_or("anyOf/oneOf is not a list")?;
                    shape.one_of = branches
                        .iter()
                        .map(|b| self.node(b))
                        .collect::<Result<_, _>>()?;
                }
                "$defs" => {}
                _ => {
                    if !bound(&mut bounds, key, v)? && !IGNORED.contains(&key.as_str()) {
                        return Err(format!("keyword `{key}` is not supported"));
                    }
                }
            }
        }
        if has_bounds(&bounds) {
            shape.bounds = Some(Box::new(bounds));
        }
        Ok(shape)
    }

    fn properties(&mut self, v: &J) -> Result<Fields, String> {
        let props: &Map<String, J> = v.as_object().ok_or("properties is not a mapping")?;
        let mut out = Vec::with_capacity(props.len());
        for (name, s) in props {
            out.push((name.as_str().into(), self.node(s)?));
        }
        out.sort_by(|a: &(Box<str>, Id), b| a.0.cmp(&b.0));
        Ok(out.into_boxed_slice())
    }
}

/// Reads a bound keyword into `b`; `false` if `key` is not one.
fn bound(b: &mut Bounds, key: &str, v: &J) -> Result<bool, String> {
    match key {
        "minLength" => b.min_length = v.as_u64(),
        "maxLength" => b.max_length = v.as_u64(),
        "pattern" => b.pattern = v.as_str().map(Pattern::interned),
        "minimum" => b.minimum = v.as_f64(),
        "maximum" => b.maximum = v.as_f64(),
        "minItems" => b.min_items = v.as_u64(),
        "minProperties" => b.min_properties = v.as_u64(),
        "maxProperties" => b.max_properties = v.as_u64(),
        "format" => {
            b.format = match v.as_str() {
                Some("int32") => Some(Format::Int32),
                Some("date-time") => Some(Format::DateTime),
                // int64 is the reader's own range; byte is any base64 the
                // API server may also take unpadded: nothing more to check.
                Some("int64" | "byte" | "double" | "float") => None,
                other => return Err(format!("format {other:?} is not supported")),
            }
        }
        _ => return Ok(false),
    }
    Ok(true)
}

fn has_bounds(b: &Bounds) -> bool {
    b.min_length.is_some()
        || b.max_length.is_some()
        || b.pattern.is_some()
        || b.minimum.is_some()
        || b.maximum.is_some()
        || b.min_items.is_some()
        || b.min_properties.is_some()
        || b.max_properties.is_some()
        || b.format.is_some()
}

fn type_set(v: &J) -> Result<u8, String> {
    let one = |name: &str| {
        types::NAMES
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(bit, _)| *bit)
            .ok_or_else(|| format!("type `{name}` is not a JSON type"))
    };
    match v {
        J::String(s) => one(s),
        J::Array(items) => items.iter().try_fold(0u8, |acc, t| {
            Ok(acc | one(t.as_str().ok_or("type list holds a non-string")?)?)
        }),
        other => Err(format!("type `{other}` is not a JSON type")),
    }
}

fn strings(v: &J) -> Box<[Box<str>]> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(J::as_str)
        .map(Into::into)
        .collect()
}
