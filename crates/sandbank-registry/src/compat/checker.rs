//! The walk over a writer and a reader schema, side by side.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::schema::{self, Normalized, accepts_everything, admits, type_set};
use super::{Incompatibility, Kind, array, object, scalar};

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

/// Compares a writer document with a reader document.
pub(super) struct Checker<'a> {
    writer_root: &'a Value,
    reader_root: &'a Value,
    in_progress: HashSet<(String, String)>,
    depth: usize,
}

impl<'a> Checker<'a> {
    pub(super) fn new(writer_root: &'a Value, reader_root: &'a Value) -> Self {
        Self {
            writer_root,
            reader_root,
            in_progress: HashSet::new(),
            depth: 0,
        }
    }

    pub(super) fn run(mut self) -> Vec<Incompatibility> {
        let mut out = Vec::new();
        let (writer, reader) = (self.writer_root, self.reader_root);
        self.compare(writer, reader, "", &mut out);
        out
    }

    /// Reports in `out` why `reader` (at `path`) does not accept all that `writer` accepts.
    pub(super) fn compare(
        &mut self,
        writer: &Value,
        reader: &Value,
        path: &str,
        out: &mut Vec<Incompatibility>,
    ) {
        if self.depth >= MAX_DEPTH {
            return;
        }
        let (w, r) = match (
            schema::normalize(self.writer_root, writer),
            schema::normalize(self.reader_root, reader),
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
        self.depth += 1;
        self.compare_normalized(w, r, path, out);
        self.depth -= 1;
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
                for branch in w_branches {
                    let Ok(branch) = schema::normalize(self.writer_root, branch) else {
                        continue;
                    };
                    self.match_branch(
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
                    let Ok(branch) = schema::normalize(self.writer_root, branch) else {
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
            scalar::values_accepted(self.reader_root, &reader, &values, path, out);
            return;
        }

        // Some branch of the reader must accept the (branch-free) writer.
        for keyword in ["oneOf", "anyOf"] {
            if let Some(Value::Array(branches)) = r.get(keyword) {
                let mut base = r.clone();
                base.remove(keyword);
                self.match_branch(&writer, &reader, keyword, branches, &base, path, out);
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

    /// Reports unless some reader branch (merged with `base`) accepts `writer`; when none does,
    /// names the closest branch and why it does not. A writer branch that lists its values is
    /// checked value by value against the whole reader instead.
    #[allow(clippy::too_many_arguments)]
    fn match_branch(
        &mut self,
        writer: &Value,
        whole_reader: &Value,
        keyword: &str,
        branches: &[Value],
        base: &Map<String, Value>,
        path: &str,
        out: &mut Vec<Incompatibility>,
    ) {
        if let Some(values) = writer.as_object().and_then(scalar::finite_values) {
            scalar::values_accepted(self.reader_root, whole_reader, &values, path, out);
            return;
        }
        let mut best: Option<(usize, Vec<Incompatibility>)> = None;
        for (index, branch) in branches.iter().enumerate() {
            let Ok(branch) = schema::normalize(self.reader_root, branch) else {
                continue;
            };
            let mut effective = Value::Object(base.clone());
            schema::merge_into(&mut effective, &branch.schema);
            let mut found = Vec::new();
            self.compare_normalized(
                plain(writer.clone()),
                plain(effective),
                &format!("{path}/{keyword}/{index}"),
                &mut found,
            );
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
