//! Reading subschemas: following local `$ref`s, merging `allOf`, and the JSON types a
//! subschema admits.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Map, Value};

/// Keywords that only annotate and never change which instances are valid.
pub const ANNOTATIONS: &[&str] = &[
    "$schema",
    "$id",
    "$anchor",
    "$comment",
    "$defs",
    "definitions",
    "title",
    "description",
    "default",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
    "contentMediaType",
    "contentEncoding",
    "contentSchema",
];

/// How deep a chain of `$ref`s to `$ref`s may go before it is treated as a cycle.
const MAX_REF_CHAIN: usize = 32;

/// A `$ref` that could not be followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolvable(pub String);

/// A subschema with its top-level `$ref` followed and its `allOf` merged in.
#[derive(Debug, Clone)]
pub struct Normalized {
    /// The resulting subschema (a boolean or an object without `$ref`/`allOf`).
    pub schema: Value,
    /// The reference that was followed first, if any: identifies the node for cycle detection.
    pub reference: Option<String>,
}

/// Looks up a reference inside `root`: `#`, `#/json/pointer`, or the same prefixed with the
/// document's own `$id`.
pub fn resolve<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    let local = match root.get("$id").and_then(Value::as_str) {
        Some(id) if reference.starts_with(id) => &reference[id.len()..],
        _ => reference,
    };
    let fragment = local.strip_prefix('#')?;
    if fragment.is_empty() {
        return Some(root);
    }
    root.pointer(&percent_decode(fragment))
}

fn percent_decode(text: &str) -> String {
    if !text.contains('%') {
        return text.to_owned();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = bytes.get(i + 1..i + 3)
            && let Ok(hex) = std::str::from_utf8(hex)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Follows `schema`'s `$ref` (merging sibling keywords over the target) and merges its `allOf`
/// members into it, until neither is left at the top level.
pub fn normalize(root: &Value, schema: &Value) -> Result<Normalized, Unresolvable> {
    Resolver::new(root).normalize(schema, &mut Steps::unlimited())
}

/// A budget of work, spent a step at a time; once it is spent every walk that holds it stops
/// short and the caller reports [`crate::cost::TooComplex`].
#[derive(Debug)]
pub struct Steps {
    left: u64,
    exhausted: bool,
}

impl Steps {
    /// A budget of `steps`.
    pub fn new(steps: u64) -> Self {
        Self {
            left: steps,
            exhausted: false,
        }
    }

    fn unlimited() -> Self {
        Self::new(u64::MAX)
    }

    /// Spends `n` steps; `false` once the budget is spent.
    pub fn take(&mut self, n: u64) -> bool {
        match self.left.checked_sub(n) {
            Some(left) if !self.exhausted => {
                self.left = left;
                true
            }
            _ => {
                self.exhausted = true;
                false
            }
        }
    }

    /// Whether the budget ran out.
    pub fn exhausted(&self) -> bool {
        self.exhausted
    }
}

/// Normalises the subschemas of one document, remembering the normal form of each reference
/// target, so that a target used many times (a fan-out of `$ref`s) is worked out once.
#[derive(Debug)]
pub struct Resolver<'a> {
    root: &'a Value,
    targets: HashMap<String, Result<Value, Unresolvable>>,
}

impl<'a> Resolver<'a> {
    /// A resolver for references inside `root`.
    pub fn new(root: &'a Value) -> Self {
        Self {
            root,
            targets: HashMap::new(),
        }
    }

    /// The document references resolve against.
    pub fn root(&self) -> &'a Value {
        self.root
    }

    /// [`normalize`], spending `steps`; once they are spent, subschemas normalise to `true`.
    pub fn normalize(
        &mut self,
        schema: &Value,
        steps: &mut Steps,
    ) -> Result<Normalized, Unresolvable> {
        self.normalize_at(schema, 0, steps)
    }

    fn target(
        &mut self,
        target: &str,
        depth: usize,
        steps: &mut Steps,
    ) -> Result<Value, Unresolvable> {
        if let Some(known) = self.targets.get(target) {
            return known.clone();
        }
        let root = self.root;
        let resolved = match resolve(root, target) {
            Some(found) => self.normalize_at(found, depth + 1, steps).map(|n| n.schema),
            None => Err(Unresolvable(target.to_owned())),
        };
        self.targets.insert(target.to_owned(), resolved.clone());
        resolved
    }

    fn normalize_at(
        &mut self,
        schema: &Value,
        depth: usize,
        steps: &mut Steps,
    ) -> Result<Normalized, Unresolvable> {
        let Value::Object(fields) = schema else {
            return Ok(Normalized {
                schema: schema.clone(),
                reference: None,
            });
        };
        if depth > MAX_REF_CHAIN || !steps.take(1 + fields.len() as u64) {
            // A chain of references that only points at references, or work past the budget:
            // accepts anything (the budget's caller reports the latter).
            return Ok(Normalized {
                schema: Value::Bool(true),
                reference: None,
            });
        }
        let mut reference = None;
        let mut base = match fields.get("$ref").and_then(Value::as_str) {
            Some(target) => {
                let mut base = self.target(target, depth, steps)?;
                reference = Some(target.to_owned());
                let siblings: Map<String, Value> = fields
                    .iter()
                    .filter(|(key, _)| key.as_str() != "$ref")
                    .map(|(key, value)| (key.clone(), value.clone()))
                    .collect();
                merge_into(&mut base, &Value::Object(siblings));
                base
            }
            None => schema.clone(),
        };
        if let Some(Value::Array(members)) =
            base.as_object_mut().and_then(|map| map.remove("allOf"))
        {
            for member in &members {
                let member = self.normalize_at(member, depth + 1, steps)?;
                merge_into(&mut base, &member.schema);
            }
        }
        if base.get("$ref").is_some() || base.get("allOf").is_some() {
            let again = self.normalize_at(&base, depth + 1, steps)?;
            return Ok(Normalized {
                schema: again.schema,
                reference: reference.or(again.reference),
            });
        }
        Ok(Normalized {
            schema: base,
            reference,
        })
    }
}

const LOWER_BOUNDS: &[&str] = &[
    "minimum",
    "exclusiveMinimum",
    "minLength",
    "minItems",
    "minProperties",
];
const UPPER_BOUNDS: &[&str] = &[
    "maximum",
    "exclusiveMaximum",
    "maxLength",
    "maxItems",
    "maxProperties",
];

/// Merges `other` into `base` as if both applied (`allOf`): properties are combined (a property
/// in both gets an `allOf` of the two), `required` is the union, `type` the intersection, bounds
/// the tighter. For other keywords present in both with different values, `other` wins: an
/// approximation that only matters for unusual hand-written schemas.
pub fn merge_into(base: &mut Value, other: &Value) {
    match (&mut *base, other) {
        (_, Value::Bool(true)) => {}
        (Value::Bool(false), _) => {}
        (_, Value::Bool(false)) => *base = Value::Bool(false),
        (Value::Bool(true), Value::Object(_)) => *base = other.clone(),
        (Value::Object(base), Value::Object(other)) => {
            for (key, value) in other {
                merge_keyword(base, key, value);
            }
        }
        _ => {}
    }
}

fn merge_keyword(base: &mut Map<String, Value>, key: &str, value: &Value) {
    let Some(existing) = base.get_mut(key) else {
        base.insert(key.to_owned(), value.clone());
        return;
    };
    if existing == value {
        return;
    }
    match key {
        "properties" => {
            if let (Value::Object(mine), Value::Object(theirs)) = (existing, value) {
                for (name, schema) in theirs {
                    match mine.get_mut(name) {
                        Some(current) if current != schema => {
                            *current = Value::Object(Map::from_iter([(
                                "allOf".to_owned(),
                                Value::Array(vec![current.clone(), schema.clone()]),
                            )]));
                        }
                        Some(_) => {}
                        None => {
                            mine.insert(name.clone(), schema.clone());
                        }
                    }
                }
            }
        }
        "required" => {
            if let (Value::Array(mine), Value::Array(theirs)) = (existing, value) {
                for name in theirs {
                    if !mine.contains(name) {
                        mine.push(name.clone());
                    }
                }
            }
        }
        "type" => {
            let mine = type_set(Some(existing));
            let theirs = type_set(Some(value));
            if let (Some(mine), Some(theirs)) = (mine, theirs) {
                let both: Vec<Value> = mine
                    .iter()
                    .filter(|t| {
                        theirs.contains(*t) || (**t == "integer" && theirs.contains("number"))
                    })
                    .chain(
                        theirs
                            .iter()
                            .filter(|t| **t == "integer" && mine.contains("number")),
                    )
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .map(|t| Value::from(t.clone()))
                    .collect();
                *existing = Value::Array(both);
            }
        }
        _ if LOWER_BOUNDS.contains(&key) => {
            if let (Some(a), Some(b)) = (existing.as_f64(), value.as_f64())
                && b > a
            {
                *existing = value.clone();
            }
        }
        _ if UPPER_BOUNDS.contains(&key) => {
            if let (Some(a), Some(b)) = (existing.as_f64(), value.as_f64())
                && b < a
            {
                *existing = value.clone();
            }
        }
        _ => *existing = value.clone(),
    }
}

/// The JSON types a `type` keyword names; `None` when absent (any type).
pub fn type_set(value: Option<&Value>) -> Option<BTreeSet<String>> {
    match value? {
        Value::String(name) => Some(BTreeSet::from([name.clone()])),
        Value::Array(names) => Some(
            names
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
        ),
        _ => None,
    }
}

/// The JSON type of a value, as `type` names it (`integer` for whole numbers).
pub fn type_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Whether a set of types (`None` = any) admits instances of type `name`.
pub fn admits(types: Option<&BTreeSet<String>>, name: &str) -> bool {
    match types {
        None => true,
        Some(set) => set.contains(name) || (name == "integer" && set.contains("number")),
    }
}

/// Whether the subschema accepts every instance (`true`, or only annotations).
pub fn accepts_everything(schema: &Value) -> bool {
    match schema {
        Value::Bool(accepts) => *accepts,
        Value::Object(fields) => fields.keys().all(|key| ANNOTATIONS.contains(&key.as_str())),
        _ => false,
    }
}

/// Escapes a property name for use in a JSON pointer.
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn refs_are_followed_with_siblings_merged() {
        let root = json!({
            "$defs": {"A": {"type": "string", "maxLength": 3}, "B": {"$ref": "#/$defs/A"}}
        });
        let out = normalize(&root, &json!({"$ref": "#/$defs/B", "description": "x"})).unwrap();
        assert_eq!(out.reference.as_deref(), Some("#/$defs/B"));
        assert_eq!(
            out.schema,
            json!({"type": "string", "maxLength": 3, "description": "x"})
        );
        assert!(normalize(&root, &json!({"$ref": "#/$defs/Nope"})).is_err());
    }

    #[test]
    fn ref_cycles_without_structure_terminate() {
        let root = json!({"$defs": {"A": {"$ref": "#/$defs/B"}, "B": {"$ref": "#/$defs/A"}}});
        let out = normalize(&root, &json!({"$ref": "#/$defs/A"})).unwrap();
        assert!(accepts_everything(&out.schema), "{}", out.schema);
    }

    #[test]
    fn all_of_is_merged() {
        let root = json!({});
        let out = normalize(
            &root,
            &json!({"allOf": [
                {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
                {"properties": {"b": {"type": "integer"}}, "required": ["b"], "minProperties": 1}
            ]}),
        )
        .unwrap();
        assert_eq!(out.schema["required"], json!(["a", "b"]));
        assert_eq!(out.schema["properties"]["b"], json!({"type": "integer"}));
        assert_eq!(out.schema["minProperties"], json!(1));
    }

    #[test]
    fn pointers_escape_and_decode() {
        assert_eq!(escape("a/b~c"), "a~1b~0c");
        let root = json!({"$defs": {"a b": {"type": "null"}}});
        assert_eq!(
            resolve(&root, "#/$defs/a%20b"),
            Some(&json!({"type": "null"}))
        );
    }
}
