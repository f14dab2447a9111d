//! The walk over a writer and a reader schema, side by side.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::schema::{self, Normalized, Resolver, Steps, accepts_everything, admits, type_set};
use super::{Incompatibility, Kind, array, object, scalar};
use crate::cost::{MAX_COMPARE_STEPS, TooComplex};

/// Keywords the checker does not reason about; when the reader has one that the writer does
/// not have identically, the change is reported rather than assumed harmless.
const UNSUPPORTED: &[&str] = &[
    "not",
    "if",
    "then",
    "else",
    "dependentSchemas",
    "dependentRequired",
    "propertyNames",
    "patternProperties",
    "contains",
    "minContains",
    "maxContains",
    "unevaluatedItems",
    "$dynamicRef",
];

/// Recursion deeper than this is cut short (a guard; real schemas are far shallower).
const MAX_DEPTH: usize = 256;

/// A pair of references compared: (writer's, reader's).
type Pair = (String, String);

/// Compares a writer document with a reader document, in at most [`MAX_COMPARE_STEPS`] steps.
pub(super) struct Checker<'a> {
    writer: Resolver<'a>,
    reader: Resolver<'a>,
    in_progress: HashSet<Pair>,
    /// What comparing each pair of bare references (`{"$ref": ...}` on both sides) found, with
    /// pointers relative to the pair: a pair met again is not compared again.
    done: HashMap<Pair, Vec<Incompatibility>>,
    steps: Steps,
    /// What compiling a reader subschema with the reader's definitions costs.
    values_cost: u64,
    /// The validators of the reader subschemas that writer values were checked against, by
    /// their text: a `oneOf` of many `const`s compiles the reader once, not once per value.
    value_validators: HashMap<String, Option<jsonschema::Validator>>,
    depth: usize,
}

impl<'a> Checker<'a> {
    pub(super) fn new(writer_root: &'a Value, reader_root: &'a Value) -> Self {
        Self {
            writer: Resolver::new(writer_root),
            reader: Resolver::new(reader_root),
            in_progress: HashSet::new(),
            done: HashMap::new(),
            steps: Steps::new(MAX_COMPARE_STEPS),
            values_cost: crate::cost::check_document(reader_root).unwrap_or(MAX_COMPARE_STEPS),
            value_validators: HashMap::new(),
            depth: 0,
        }
    }

    pub(super) fn run(mut self) -> Result<Vec<Incompatibility>, TooComplex> {
        let mut out = Vec::new();
        let (writer, reader) = (self.writer.root(), self.reader.root());
        self.compare(writer, reader, "", &mut out);
        if self.steps.exhausted() {
            return Err(TooComplex(format!(
                "the schemas are too complex to compare: the check took more than {MAX_COMPARE_STEPS} steps; share fewer references between levels"
            )));
        }
        Ok(out)
    }

    /// Reports in `out` why `reader` (at `path`) does not accept all that `writer` accepts.
    pub(super) fn compare(
        &mut self,
        writer: &Value,
        reader: &Value,
        path: &str,
        out: &mut Vec<Incompatibility>,
    ) {
        if self.depth >= MAX_DEPTH || !self.steps.take(1) {
            return;
        }
        let pair = match (bare_ref(writer), bare_ref(reader)) {
            (Some(w), Some(r)) => Some((w.to_owned(), r.to_owned())),
            _ => None,
        };
        self.remembered(pair, path, out, |this, out| {
            this.compare_fresh(writer, reader, path, out)
        });
    }

    /// What comparing `pair` found before, rebased on `path`; else what `work` finds now, which
    /// is remembered. Without a pair (not both bare references), `work` alone.
    fn remembered(
        &mut self,
        pair: Option<Pair>,
        path: &str,
        out: &mut Vec<Incompatibility>,
        work: impl FnOnce(&mut Self, &mut Vec<Incompatibility>),
    ) {
        if let Some(found) = pair.as_ref().and_then(|pair| self.done.get(pair)) {
            // Replaying findings is work too: a difference under a fan-out of references is
            // found once but reported once per path to it.
            if !self.steps.take(found.len() as u64) {
                return;
            }
            out.extend(found.iter().map(|i| Incompatibility {
                pointer: format!("{path}{}", i.pointer),
                ..i.clone()
            }));
            return;
        }
        let mut found = Vec::new();
        work(self, &mut found);
        if let Some(pair) = pair {
            let relative = found
                .iter()
                .map(|i| Incompatibility {
                    pointer: i
                        .pointer
                        .strip_prefix(path)
                        .unwrap_or(&i.pointer)
                        .to_owned(),
                    ..i.clone()
                })
                .collect();
            self.done.insert(pair, relative);
        }
        out.extend(found);
    }

    fn compare_fresh(
        &mut self,
        writer: &Value,
        reader: &Value,
        path: &str,
        out: &mut Vec<Incompatibility>,
    ) {
        let (w, r) = match (
            self.writer.normalize(writer, &mut self.steps),
            self.reader.normalize(reader, &mut self.steps),
        ) {
            (Ok(w), Ok(r)) => (w, r),
            (w, r) => {
                if writer != reader {
                    let target = [w.err(), r.err()]
                        .into_iter()
                        .flatten()
                        .map(|e| e.0)
                        .collect::<Vec<_>>()
                        .join(", ");
                    out.push(issue(
                        path,
                        Kind::UnresolvableRef,
                        format!("cannot follow {target}: only references inside the document are supported"),
                    ));
                }
                return;
            }
        };
        let key = match (&w.reference, &r.reference) {
            (None, None) => None,
            (a, b) => Some((a.clone().unwrap_or_default(), b.clone().unwrap_or_default())),
        };
        if let Some(key) = &key {
            if self.in_progress.contains(key) {
                // Already being compared further up: a recursive schema. Assume it holds
                // (coinduction); any difference is reported where the recursion started.
                return;
            }
            self.in_progress.insert(key.clone());
        }
        self.compare_normalized(w, r, path, out);
        if let Some(key) = key {
            self.in_progress.remove(&key);
        }
    }

    fn compare_normalized(
        &mut self,
        w: Normalized,
        r: Normalized,
        path: &str,
        out: &mut Vec<Incompatibility>,
    ) {
        if self.depth >= MAX_DEPTH || !self.steps.take(1) {
            return;
        }
        self.depth += 1;
        self.compare_schemas(w, r, path, out);
        self.depth -= 1;
    }

    fn compare_schemas(
        &mut self,
        w: Normalized,
        r: Normalized,
        path: &str,
        out: &mut Vec<Incompatibility>,
    ) {
        let (writer, reader) = (w.schema, r.schema);
        if accepts_everything(&reader) || writer == Value::Bool(false) {
            return;
        }
        if reader == Value::Bool(false) {
            out.push(issue(
                path,
                Kind::RejectsEverything,
                "the new reader schema is `false` and accepts nothing".into(),
            ));
            return;
        }
        let empty = Map::new();
        let w = writer.as_object().unwrap_or(&empty);
        let Some(r) = reader.as_object() else {
            return;
        };
        if w == r && !contains_ref(&writer) {
            return;
        }

        // Both sides branch the same way (a tagged union): compare what they share, then
        // each writer branch against the reader's branches, so that pointers name the branch.
        for keyword in ["oneOf", "anyOf"] {
            if let (Some(Value::Array(w_branches)), Some(Value::Array(r_branches))) =
                (w.get(keyword), r.get(keyword))
            {
                let mut w_base = w.clone();
                w_base.remove(keyword);
                let mut r_base = r.clone();
                r_base.remove(keyword);
                self.compare_normalized(
                    plain(Value::Object(w_base)),
                    plain(Value::Object(r_base)),
                    path,
                    out,
                );
                for raw in w_branches {
                    let Ok(branch) = self.writer.normalize(raw, &mut self.steps) else {
                        continue;
                    };
                    self.match_branch(
                        bare_ref(raw),
                        &branch.schema,
                        &reader,
                        keyword,
                        r_branches,
                        &Map::new(),
                        path,
                        out,
                    );
                }
                return;
            }
        }

        // Every branch of the writer must be accepted.
        for keyword in ["oneOf", "anyOf"] {
            if let Some(Value::Array(branches)) = w.get(keyword) {
                let mut base = w.clone();
                base.remove(keyword);
                for branch in branches {
                    let Ok(branch) = self.writer.normalize(branch, &mut self.steps) else {
                        continue;
                    };
                    let mut effective = Value::Object(base.clone());
                    schema::merge_into(&mut effective, &branch.schema);
                    self.compare_normalized(
                        Normalized {
                            schema: effective,
                            reference: None,
                        },
                        Normalized {
                            schema: reader.clone(),
                            reference: None,
                        },
                        path,
                        out,
                    );
                }
                return;
            }
        }

        // A writer that allows a finite set of values: each must pass the reader, whatever its
        // shape (an `enum` read by a `oneOf` of documented `const`s is fine).
        if let Some(values) = scalar::finite_values(w) {
            self.values_accepted(&reader, &values, path, out);
            return;
        }

        // Some branch of the reader must accept the (branch-free) writer.
        for keyword in ["oneOf", "anyOf"] {
            if let Some(Value::Array(branches)) = r.get(keyword) {
                let mut base = r.clone();
                base.remove(keyword);
                self.match_branch(None, &writer, &reader, keyword, branches, &base, path, out);
                return;
            }
        }

        for keyword in UNSUPPORTED {
            if let Some(value) = r.get(*keyword)
                && w.get(*keyword) != Some(value)
            {
                out.push(issue(
                    &format!("{path}/{keyword}"),
                    Kind::UnsupportedKeywordChanged,
                    format!("`{keyword}` was added or changed; Sandbank cannot prove such a change compatible"),
                ));
            }
        }

        if r.contains_key("enum") || r.contains_key("const") {
            out.push(issue(
                path,
                Kind::EnumAdded,
                "values are now restricted to a fixed set (`enum`/`const`) that the old schema did not have".into(),
            ));
            return;
        }

        let writer_types = type_set(w.get("type"));
        let reader_types = type_set(r.get("type"));
        if let Some(reader_types) = &reader_types {
            match &writer_types {
                None => out.push(issue(
                    &format!("{path}/type"),
                    Kind::TypeNarrowed,
                    format!(
                        "the old schema allowed any JSON type here; the new one only {}",
                        list(reader_types)
                    ),
                )),
                Some(writer_types) => {
                    for name in writer_types {
                        if !admits(Some(reader_types), name) {
                            out.push(issue(
                                &format!("{path}/type"),
                                Kind::TypeNarrowed,
                                format!(
                                    "type `{name}` is no longer accepted (now {})",
                                    list(reader_types)
                                ),
                            ));
                        }
                    }
                }
            }
        }
        let may_be =
            |name: &str| admits(writer_types.as_ref(), name) && admits(reader_types.as_ref(), name);
        if may_be("number") || may_be("integer") {
            scalar::numbers(w, r, path, out);
        }
        if may_be("string") {
            scalar::strings(w, r, path, out);
        }
        if may_be("object") {
            object::compare(self, w, r, path, out);
        }
        if may_be("array") {
            array::compare(self, w, r, path, out);
        }
    }

    /// Reports each of the writer's `values` that `reader` rejects.
    fn values_accepted(
        &mut self,
        reader: &Value,
        values: &[Value],
        path: &str,
        out: &mut Vec<Incompatibility>,
    ) {
        let text = reader.to_string();
        if !self.steps.take(1 + text.len() as u64 / 64) {
            return;
        }
        if !self.value_validators.contains_key(&text) {
            if !self.steps.take(self.values_cost) {
                return;
            }
            let validator = scalar::value_validator(self.reader.root(), reader);
            self.value_validators.insert(text.clone(), validator);
        }
        let validator = self.value_validators.get(&text).and_then(Option::as_ref);
        scalar::values_accepted(validator, reader, values, path, out);
    }

    /// Reports unless some reader branch (merged with `base`) accepts `writer`; when none does,
    /// names the closest branch and why it does not. A writer branch that lists its values is
    /// checked value by value against the whole reader instead.
    /// `writer_ref` names the writer when it is a bare reference, so that pairs of bare
    /// references are compared once.
    #[allow(clippy::too_many_arguments)]
    fn match_branch(
        &mut self,
        writer_ref: Option<&str>,
        writer: &Value,
        whole_reader: &Value,
        keyword: &str,
        branches: &[Value],
        base: &Map<String, Value>,
        path: &str,
        out: &mut Vec<Incompatibility>,
    ) {
        if let Some(values) = writer.as_object().and_then(scalar::finite_values) {
            self.values_accepted(whole_reader, &values, path, out);
            return;
        }
        let mut best: Option<(usize, Vec<Incompatibility>)> = None;
        for (index, raw) in branches.iter().enumerate() {
            let Ok(branch) = self.reader.normalize(raw, &mut self.steps) else {
                continue;
            };
            let pair = match (writer_ref, bare_ref(raw)) {
                (Some(w), Some(r)) if base.is_empty() => Some((w.to_owned(), r.to_owned())),
                _ => None,
            };
            if pair
                .as_ref()
                .is_some_and(|pair| self.in_progress.contains(pair))
            {
                // Being compared further up (coinduction, as in `compare`).
                return;
            }
            let mut effective = Value::Object(base.clone());
            schema::merge_into(&mut effective, &branch.schema);
            let at = format!("{path}/{keyword}/{index}");
            let mut found = Vec::new();
            self.remembered(pair, &at, &mut found, |this, found| {
                this.compare_normalized(plain(writer.clone()), plain(effective), &at, found);
            });
            if found.is_empty() {
                return;
            }
            if best
                .as_ref()
                .is_none_or(|(_, b)| distance(&found) < distance(b))
            {
                best = Some((index, found));
            }
        }
        let closest = best
            .as_ref()
            .map(|(index, _)| format!("; the closest is {path}/{keyword}/{index}"))
            .unwrap_or_default();
        out.push(issue(
            &format!("{path}/{keyword}"),
            Kind::NoMatchingBranch,
            format!(
                "no branch of `{keyword}` accepts everything the old schema accepted here{closest}"
            ),
        ));
        if let Some((_, found)) = best {
            out.extend(found);
        }
    }
}

fn plain(schema: Value) -> Normalized {
    Normalized {
        schema,
        reference: None,
    }
}

/// How far a reader branch is from matching: a wrong value or type (usually a discriminator)
/// counts far more than a narrowed constraint, so the branch meant for the data is named.
fn distance(found: &[Incompatibility]) -> usize {
    found
        .iter()
        .map(|i| match i.kind {
            Kind::EnumValueRemoved | Kind::EnumAdded | Kind::TypeNarrowed => 100,
            _ => 1,
        })
        .sum()
}

/// The target of a subschema that is only a reference, `{"$ref": "..."}`.
fn bare_ref(schema: &Value) -> Option<&str> {
    match schema.as_object() {
        Some(fields) if fields.len() == 1 => fields.get("$ref").and_then(Value::as_str),
        _ => None,
    }
}

/// Whether a subschema contains a `$ref` anywhere.
fn contains_ref(value: &Value) -> bool {
    match value {
        Value::Object(fields) => fields
            .iter()
            .any(|(key, value)| key == "$ref" || contains_ref(value)),
        Value::Array(items) => items.iter().any(contains_ref),
        _ => false,
    }
}

fn list(types: &std::collections::BTreeSet<String>) -> String {
    types
        .iter()
        .map(|t| format!("`{t}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Builds an incompatibility.
pub(super) fn issue(pointer: &str, kind: Kind, reason: String) -> Incompatibility {
    Incompatibility {
        pointer: pointer.to_owned(),
        kind,
        reason,
    }
}
