//! Rules for values: `enum`/`const`, numeric bounds and string constraints.

use serde_json::{Map, Value};

use super::checker::issue;
use super::{Incompatibility, Kind};

/// The values a writer allows when it lists them (`const`, or `enum`).
pub(super) fn finite_values(writer: &Map<String, Value>) -> Option<Vec<Value>> {
    if let Some(value) = writer.get("const") {
        return Some(vec![value.clone()]);
    }
    match writer.get("enum") {
        Some(Value::Array(values)) => Some(values.clone()),
        _ => None,
    }
}

/// A validator for a reader subschema, compiled as a document carrying the reader's `$defs`
/// so that its references resolve; `None` when it cannot be compiled (e.g. a reference
/// elsewhere in the document).
pub(super) fn value_validator(
    reader_root: &Value,
    reader: &Value,
) -> Option<jsonschema::Validator> {
    let mut document = reader.clone();
    if let Value::Object(fields) = &mut document {
        fields.remove("$id");
        fields.remove("$schema");
        for defs in ["$defs", "definitions"] {
            if let Some(found) = reader_root.get(defs) {
                fields.insert(defs.to_owned(), found.clone());
            }
        }
    }
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&document)
        .ok()
}

/// Reports each writer value that the reader subschema rejects, through its `validator`
/// ([`value_validator`]) or, without one, by plain membership, which is stricter.
pub(super) fn values_accepted(
    validator: Option<&jsonschema::Validator>,
    reader: &Value,
    values: &[Value],
    path: &str,
    out: &mut Vec<Incompatibility>,
) {
    for value in values {
        let accepted = match validator {
            Some(validator) => validator.is_valid(value),
            None => membership(reader, value),
        };
        if !accepted {
            out.push(issue(
                path,
                Kind::EnumValueRemoved,
                format!("the value {value} was allowed and is no longer accepted"),
            ));
        }
    }
}

fn membership(reader: &Value, value: &Value) -> bool {
    if let Some(constant) = reader.get("const") {
        return constant == value;
    }
    match reader.get("enum") {
        Some(Value::Array(values)) => values.contains(value),
        _ => false,
    }
}

/// A bound: the limit and whether it is exclusive.
type Bound = (f64, bool);

fn bound(
    schema: &Map<String, Value>,
    inclusive: &str,
    exclusive: &str,
    lower: bool,
) -> Option<Bound> {
    let a = schema
        .get(inclusive)
        .and_then(Value::as_f64)
        .map(|v| (v, false));
    let b = schema
        .get(exclusive)
        .and_then(Value::as_f64)
        .map(|v| (v, true));
    match (a, b) {
        (Some(a), Some(b)) => {
            // The tighter of the two.
            let tighter = if lower { b.0 >= a.0 } else { b.0 <= a.0 };
            Some(if tighter { b } else { a })
        }
        (a, b) => a.or(b),
    }
}

/// Whether the writer's bound is at least as tight as the reader's.
fn within(writer: Option<Bound>, reader: Bound, lower: bool) -> bool {
    let Some((w, w_exclusive)) = writer else {
        return false;
    };
    let (r, r_exclusive) = reader;
    let beyond = if lower { w > r } else { w < r };
    beyond || (w == r && (!r_exclusive || w_exclusive))
}

/// `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `multipleOf`.
pub(super) fn numbers(
    w: &Map<String, Value>,
    r: &Map<String, Value>,
    path: &str,
    out: &mut Vec<Incompatibility>,
) {
    for (inclusive, exclusive, lower) in [
        ("minimum", "exclusiveMinimum", true),
        ("maximum", "exclusiveMaximum", false),
    ] {
        let Some(reader) = bound(r, inclusive, exclusive, lower) else {
            continue;
        };
        let writer = bound(w, inclusive, exclusive, lower);
        if !within(writer, reader, lower) {
            let keyword = if reader.1 { exclusive } else { inclusive };
            let was = match writer {
                Some((v, true)) => format!("{exclusive} {v}"),
                Some((v, false)) => format!("{inclusive} {v}"),
                None => "unbounded".to_owned(),
            };
            let (kind, verb) = if lower {
                (Kind::MinimumIncreased, "raised")
            } else {
                (Kind::MaximumDecreased, "lowered")
            };
            out.push(issue(
                &format!("{path}/{keyword}"),
                kind,
                format!("the bound was {verb} to {keyword} {} (was {was})", reader.0),
            ));
        }
    }
    if let Some(step) = r.get("multipleOf").and_then(Value::as_f64) {
        let divides = w
            .get("multipleOf")
            .and_then(Value::as_f64)
            .is_some_and(|writer| {
                let ratio = writer / step;
                (ratio - ratio.round()).abs() < 1e-9
            });
        if !divides {
            out.push(issue(
                &format!("{path}/multipleOf"),
                Kind::MultipleOfChanged,
                format!("numbers must now be a multiple of {step}"),
            ));
        }
    }
}

/// `minLength`, `maxLength`, `pattern`, `format`.
pub(super) fn strings(
    w: &Map<String, Value>,
    r: &Map<String, Value>,
    path: &str,
    out: &mut Vec<Incompatibility>,
) {
    let number = |m: &Map<String, Value>, key: &str| m.get(key).and_then(Value::as_u64);
    if let Some(reader) = number(r, "minLength") {
        let writer = number(w, "minLength").unwrap_or(0);
        if writer < reader {
            out.push(issue(
                &format!("{path}/minLength"),
                Kind::MinLengthIncreased,
                format!("minLength went from {writer} to {reader}"),
            ));
        }
    }
    if let Some(reader) = number(r, "maxLength") {
        match number(w, "maxLength") {
            Some(writer) if writer <= reader => {}
            writer => out.push(issue(
                &format!("{path}/maxLength"),
                Kind::MaxLengthDecreased,
                format!(
                    "maxLength went from {} to {reader}",
                    writer.map_or("unbounded".to_owned(), |w| w.to_string())
                ),
            )),
        }
    }
    for (keyword, added, changed) in [
        ("pattern", Kind::PatternAdded, Kind::PatternChanged),
        ("format", Kind::FormatAdded, Kind::FormatChanged),
    ] {
        let Some(reader) = r.get(keyword) else {
            continue;
        };
        match w.get(keyword) {
            Some(writer) if writer == reader => {}
            Some(writer) => out.push(issue(
                &format!("{path}/{keyword}"),
                changed,
                format!("{keyword} changed from {writer} to {reader}"),
            )),
            None => out.push(issue(
                &format!("{path}/{keyword}"),
                added,
                format!("{keyword} {reader} was added"),
            )),
        }
    }
}
