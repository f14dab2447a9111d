//! Bounds on the work a schema can cause, so that no document sent by a client makes the
//! registry run without end.
//!
//! A JSON Schema is small as text and large as work: each `$ref` stands for the whole subschema
//! it points at, so a few kilobytes of `$defs` whose `allOf`s point ten times at the next level
//! unfold into 10³⁰ subschemas, and a validator or a compatibility checker that follows them
//! never finishes. Three limits close that class:
//!
//! - [`check_document`], before a client's schema is compiled, registered or compared: the
//!   schema unfolded (every local `$ref` replaced by its target, each recursive reference counted
//!   once) must stay under [`MAX_UNFOLDED`] subschemas, references must not nest deeper than
//!   [`MAX_DEPTH`], and no cycle of references may stay on one instance (`{"$ref": "#"}` inside
//!   an `allOf`: a validator would loop on it).
//! - [`check_validation`], before an instance is validated: what a validator does is counted on
//!   the instance itself (a recursive schema costs per level of the instance), memoised on the
//!   pair (subschema, instance location), against [`MAX_VALIDATION_STEPS`].
//! - the compatibility checker counts its own steps against [`MAX_COMPARE_STEPS`] (see
//!   [`crate::compat`]).
//!
//! Each refusal is a [`TooComplex`], which the HTTP layers answer with 422 and its message.

use std::collections::HashMap;

use serde_json::Value;

use crate::compat::schema::resolve;

/// The most subschemas a document may unfold to. Sandbank's largest catalogue schema unfolds
/// to about 3,100; a hand-written one has no reason to come near a hundred thousand.
pub const MAX_UNFOLDED: u64 = 100_000;

/// How deeply subschemas and references may nest while a document is unfolded.
pub const MAX_DEPTH: usize = 200;

/// The most subschema evaluations one validation may take. A validator does millions a second;
/// this keeps one request well under a second, while a page of 1,000 transactions validated
/// against the catalogue's `page` schema takes far fewer.
pub const MAX_VALIDATION_STEPS: u64 = 5_000_000;

/// The most steps one compatibility check (one reader against one writer) may take. Comparing
/// the catalogue's largest schema with itself takes about 36,000.
pub const MAX_COMPARE_STEPS: u64 = 1_000_000;

/// Work past one of the limits: the message says which and what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TooComplex(pub String);

/// Keywords whose subschemas apply to the same instance as the schema that holds them. Every
/// other keyword either holds no schema or moves into a part of the instance (a property, an
/// item, a key), so a recursion through it ends with the instance.
const IN_PLACE: &[&str] = &[
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "if",
    "then",
    "else",
    "dependentSchemas",
];

/// Keywords whose value is data, not a schema: counted as one node, not walked.
const DATA: &[&str] = &["const", "default", "examples", "enum", "required"];

/// Checks that `document` unfolds to a bounded amount of work; returns how many subschemas it
/// unfolds to.
pub fn check_document(document: &Value) -> Result<u64, TooComplex> {
    let mut unfold = Unfold {
        root: document,
        sizes: HashMap::new(),
        active: Vec::new(),
        descents: 0,
        depth: 0,
    };
    let size = unfold.size(document)?;
    if size > MAX_UNFOLDED {
        return Err(too_large(size));
    }
    Ok(size)
}

fn too_large(size: u64) -> TooComplex {
    TooComplex(format!(
        "the schema is too complex: with its $refs followed it unfolds to {} subschemas, more than the {MAX_UNFOLDED} this registry accepts; share fewer references per level (a $ref counts once per place it is used)",
        if size == u64::MAX {
            "more than 10^19".to_owned()
        } else {
            size.to_string()
        }
    ))
}

struct Unfold<'a> {
    root: &'a Value,
    /// Unfolded size of each reference target already measured.
    sizes: HashMap<&'a str, u64>,
    /// References being unfolded, innermost last, with the number of descents into the
    /// instance when each was entered.
    active: Vec<(&'a str, usize)>,
    /// How many keywords that move into the instance lie between the root and here.
    descents: usize,
    depth: usize,
}

impl<'a> Unfold<'a> {
    fn size(&mut self, value: &'a Value) -> Result<u64, TooComplex> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(TooComplex(format!(
                "the schema is too complex: subschemas and $refs nest more than {MAX_DEPTH} deep"
            )));
        }
        let size = match value {
            Value::Object(fields) => {
                let mut size: u64 = 1;
                for (key, child) in fields {
                    let child_size = if key == "$ref" {
                        match child.as_str() {
                            Some(target) => self.reference(target)?,
                            None => 1,
                        }
                    } else if DATA.contains(&key.as_str()) {
                        1
                    } else if IN_PLACE.contains(&key.as_str()) {
                        self.size(child)?
                    } else {
                        self.descents += 1;
                        let found = self.size(child);
                        self.descents -= 1;
                        found?
                    };
                    size = size.saturating_add(child_size);
                }
                size
            }
            Value::Array(items) => {
                let mut size: u64 = 1;
                for item in items {
                    size = size.saturating_add(self.size(item)?);
                }
                size
            }
            _ => 1,
        };
        self.depth -= 1;
        if size > MAX_UNFOLDED {
            return Err(too_large(size));
        }
        Ok(size)
    }

    fn reference(&mut self, target: &'a str) -> Result<u64, TooComplex> {
        if let Some(&(_, entered)) = self.active.iter().find(|(name, _)| *name == target) {
            if entered == self.descents {
                return Err(TooComplex(format!(
                    "the schema loops: {target} refers back to itself without moving into a property or an item, so validating any instance would never end"
                )));
            }
            // A recursion that follows the instance down: it costs per level of the instance,
            // which `check_validation` counts.
            return Ok(1);
        }
        if let Some(&size) = self.sizes.get(target) {
            return Ok(size);
        }
        // An unresolvable reference is the compiler's to refuse, with its own message.
        let Some(found) = resolve(self.root, target) else {
            return Ok(1);
        };
        self.active.push((target, self.descents));
        let size = self.size(found);
        self.active.pop();
        let size = size?;
        self.sizes.insert(target, size);
        Ok(size)
    }
}

/// Counts, without validating, the subschema evaluations a validator makes to validate
/// `instance` against `document`, and refuses past [`MAX_VALIDATION_STEPS`]. The count is an
/// upper bound: every branch of `anyOf`/`oneOf` and both of `if`'s are counted, as a validator
/// that reports every error evaluates them all.
pub fn check_validation(document: &Value, instance: &Value) -> Result<u64, TooComplex> {
    let mut count = Count {
        root: document,
        memo: HashMap::new(),
        active: Vec::new(),
        steps: 0,
        depth: 0,
    };
    count.cost(document, At::Value(instance))
}

/// A place in the instance: a value, or an object's key (which `propertyNames` validates).
#[derive(Clone, Copy)]
enum At<'i> {
    Value(&'i Value),
    Key(&'i str),
}

impl At<'_> {
    /// Identity of the place, for memoising: its address in the instance.
    fn address(self) -> usize {
        match self {
            At::Value(value) => std::ptr::from_ref(value) as usize,
            At::Key(key) => key.as_ptr() as usize,
        }
    }
}

struct Count<'s> {
    root: &'s Value,
    /// The cost of each reference target at each place it was evaluated, where work is shared.
    memo: HashMap<(usize, usize), u64>,
    /// References being evaluated, innermost last.
    active: Vec<(usize, usize)>,
    /// Evaluations counted so far (a memoised reference counts once).
    steps: u64,
    depth: usize,
}

impl<'s> Count<'s> {
    fn cost<'i>(&mut self, schema: &'s Value, at: At<'i>) -> Result<u64, TooComplex> {
        self.steps += 1;
        self.depth += 1;
        if self.depth > MAX_DEPTH * 2 {
            return Err(TooComplex(format!(
                "validating this instance would nest subschemas more than {} deep",
                MAX_DEPTH * 2
            )));
        }
        let cost = self.evaluate(schema, at);
        self.depth -= 1;
        let cost = cost?;
        if cost > MAX_VALIDATION_STEPS || self.steps > MAX_VALIDATION_STEPS {
            return Err(TooComplex(format!(
                "validating this instance against this schema takes more than {MAX_VALIDATION_STEPS} steps (its $refs multiply the work); split the instance or simplify the schema"
            )));
        }
        Ok(cost)
    }

    /// A reference target at a place: where the same target meets the same part of the
    /// instance again, its cost is known.
    fn reference<'i>(&mut self, target: &'s Value, at: At<'i>) -> Result<u64, TooComplex> {
        let key = (std::ptr::from_ref(target) as usize, at.address());
        if let Some(&cost) = self.memo.get(&key) {
            return Ok(cost);
        }
        if self.active.contains(&key) {
            return Err(TooComplex(
                "the schema loops on this instance: a $ref leads back to itself without moving into a property or an item".into(),
            ));
        }
        self.active.push(key);
        let cost = self.cost(target, at);
        self.active.pop();
        let cost = cost?;
        self.memo.insert(key, cost);
        Ok(cost)
    }

    fn evaluate<'i>(&mut self, schema: &'s Value, at: At<'i>) -> Result<u64, TooComplex> {
        let Value::Object(fields) = schema else {
            return Ok(1);
        };
        let mut total: u64 = 1;
        let mut add = |cost: u64| total = total.saturating_add(cost);
        for (keyword, child) in fields {
            match keyword.as_str() {
                "$ref" | "$dynamicRef" => {
                    if let Some(target) = child.as_str().and_then(|t| resolve(self.root, t)) {
                        add(self.reference(target, at)?);
                    }
                }
                "allOf" | "anyOf" | "oneOf" => {
                    for branch in child.as_array().into_iter().flatten() {
                        add(self.cost(branch, at)?);
                    }
                }
                "not" | "if" | "then" | "else" => add(self.cost(child, at)?),
                "dependentSchemas" => {
                    for branch in child.as_object().into_iter().flat_map(|m| m.values()) {
                        add(self.cost(branch, at)?);
                    }
                }
                _ => {}
            }
        }
        match at {
            At::Value(Value::Object(members)) => {
                for (name, value) in members {
                    let value = At::Value(value);
                    if let Some(property) = fields.get("properties").and_then(|p| p.get(name)) {
                        add(self.cost(property, value)?);
                    }
                    for pattern in fields
                        .get("patternProperties")
                        .and_then(Value::as_object)
                        .into_iter()
                        .flat_map(|m| m.values())
                    {
                        add(self.cost(pattern, value)?);
                    }
                    for keyword in ["additionalProperties", "unevaluatedProperties"] {
                        if let Some(rest) = fields.get(keyword) {
                            add(self.cost(rest, value)?);
                        }
                    }
                    if let Some(names) = fields.get("propertyNames") {
                        add(self.cost(names, At::Key(name))?);
                    }
                }
            }
            At::Value(Value::Array(items)) => {
                let prefix = fields.get("prefixItems").and_then(Value::as_array);
                for (index, item) in items.iter().enumerate() {
                    let item = At::Value(item);
                    if let Some(first) = prefix.and_then(|p| p.get(index)) {
                        add(self.cost(first, item)?);
                    }
                    for keyword in ["items", "contains", "unevaluatedItems"] {
                        if let Some(each) = fields.get(keyword) {
                            add(self.cost(each, item)?);
                        }
                    }
                }
            }
            _ => {}
        }
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    /// `levels` definitions, each an `allOf` of `width` references to the next.
    pub(crate) fn fan_out(levels: usize, width: usize) -> Value {
        let mut defs = serde_json::Map::new();
        for level in 0..levels {
            let schema = if level + 1 == levels {
                json!({"type": "string"})
            } else {
                let next = json!({"$ref": format!("#/$defs/l{}", level + 1)});
                json!({"allOf": vec![next; width]})
            };
            defs.insert(format!("l{level}"), schema);
        }
        json!({"$ref": "#/$defs/l0", "$defs": defs})
    }

    #[test]
    fn shared_references_count_once_per_use() {
        let size = check_document(&fan_out(3, 10)).unwrap();
        // l2 (2 nodes) is used 100 times through l1, l1 ten times through l0: 332 for l0,
        // plus the definitions themselves.
        assert!((300..1000).contains(&size), "{size}");
        let error = check_document(&fan_out(30, 10)).unwrap_err();
        assert!(error.0.contains("unfolds to"), "{error}");
        assert!(check_document(&fan_out(6, 10)).is_err());
    }

    #[test]
    fn recursion_through_the_instance_is_allowed_and_in_place_loops_are_not() {
        let tree = json!({
            "$defs": {"node": {"type": "object", "properties": {
                "left": {"$ref": "#/$defs/node"}, "right": {"$ref": "#/$defs/node"}
            }}},
            "$ref": "#/$defs/node"
        });
        assert!(check_document(&tree).is_ok());
        for looping in [
            json!({"$defs": {"a": {"allOf": [{"$ref": "#/$defs/b"}]}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}),
            json!({"anyOf": [{"$ref": "#"}]}),
            json!({"not": {"$ref": "#"}}),
        ] {
            let error = check_document(&looping).unwrap_err();
            assert!(error.0.contains("loops"), "{looping}: {error}");
        }
    }

    #[test]
    fn deep_nesting_is_refused() {
        let mut deep = json!({"type": "string"});
        for _ in 0..300 {
            deep = json!({"allOf": [deep]});
        }
        assert!(check_document(&deep).unwrap_err().0.contains("deep"));
    }

    #[test]
    fn validation_cost_follows_the_instance() {
        // Each level of the instance doubles the evaluations: 2^40 for 40 levels.
        let doubling = json!({
            "$defs": {"node": {"properties": {"c": {"allOf": [{"$ref": "#/$defs/node"}, {"$ref": "#/$defs/node"}]}}}},
            "$ref": "#/$defs/node"
        });
        assert!(check_document(&doubling).is_ok());
        let mut instance = json!({});
        for _ in 0..40 {
            instance = json!({"c": instance});
        }
        assert!(check_validation(&doubling, &instance).is_err());
        let mut shallow = json!({});
        for _ in 0..5 {
            shallow = json!({"c": shallow});
        }
        let cost = check_validation(&doubling, &shallow).unwrap();
        assert!((30..400).contains(&cost), "{cost}");

        // Wide: a thousand checks on each of ten thousand items.
        let wide = json!({"items": {"allOf": vec![json!({"type": "integer"}); 1000]}});
        let items = Value::Array(vec![json!(1); 1_000]);
        assert!(check_validation(&wide, &items).unwrap() > 1_000_000);
        let items = Value::Array(vec![json!(1); 10_000]);
        assert!(check_validation(&wide, &items).is_err());
    }
}
