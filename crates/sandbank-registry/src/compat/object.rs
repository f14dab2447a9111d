//! Rules for objects: `properties`, `required`, open and closed content models
//! (`additionalProperties` / `unevaluatedProperties`), `minProperties`, `maxProperties`.

use serde_json::{Map, Value};

use super::checker::{Checker, issue};
use super::schema::{accepts_everything, escape};
use super::{Incompatibility, Kind};

/// The schema every property not named in `properties` must match: `additionalProperties`,
/// else `unevaluatedProperties` (equivalent here, since `allOf` is merged first), else `true`.
fn additional(schema: &Map<String, Value>) -> (Value, &'static str) {
    if let Some(value) = schema.get("additionalProperties") {
        return (value.clone(), "additionalProperties");
    }
    if let Some(value) = schema.get("unevaluatedProperties") {
        return (value.clone(), "unevaluatedProperties");
    }
    (Value::Bool(true), "additionalProperties")
}

fn is_closed(schema: &Value) -> bool {
    *schema == Value::Bool(false)
}

pub(super) fn compare(
    checker: &mut Checker<'_>,
    w: &Map<String, Value>,
    r: &Map<String, Value>,
    path: &str,
    out: &mut Vec<Incompatibility>,
) {
    let empty = Map::new();
    let properties = |m: &Map<String, Value>| match m.get("properties") {
        Some(Value::Object(props)) => props.clone(),
        _ => empty.clone(),
    };
    let (w_props, r_props) = (properties(w), properties(r));
    let (w_additional, _) = additional(w);
    let (r_additional, r_additional_keyword) = additional(r);

    let required = |m: &Map<String, Value>| -> Vec<String> {
        match m.get("required") {
            Some(Value::Array(names)) => names
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        }
    };
    let w_required = required(w);
    for name in required(r) {
        if !w_required.contains(&name) {
            out.push(issue(
                &format!("{path}/required"),
                Kind::RequiredAdded,
                format!("property `{name}` is now required"),
            ));
        }
    }

    for (name, reader) in &r_props {
        let at = format!("{path}/properties/{}", escape(name));
        match w_props.get(name) {
            Some(writer) => checker.compare(writer, reader, &at, out),
            None if is_closed(&w_additional) => {}
            None if accepts_everything(&w_additional) => {
                let mut found = Vec::new();
                checker.compare(&Value::Bool(true), reader, &at, &mut found);
                if !found.is_empty() {
                    out.push(issue(
                        &at,
                        Kind::PropertyAddedToOpenModel,
                        format!(
                            "property `{name}` was added with constraints, but the old schema's content model was open, so `{name}` may hold any value in old data"
                        ),
                    ));
                }
            }
            None => checker.compare(&w_additional, reader, &at, out),
        }
    }

    for (name, writer) in &w_props {
        if r_props.contains_key(name) {
            continue;
        }
        let at = format!("{path}/properties/{}", escape(name));
        if is_closed(&r_additional) {
            out.push(issue(
                &at,
                Kind::PropertyRemovedFromClosedModel,
                format!(
                    "property `{name}` was removed while {r_additional_keyword} is false, so old data that has it is rejected"
                ),
            ));
            continue;
        }
        let mut found = Vec::new();
        checker.compare(writer, &r_additional, &at, &mut found);
        if !found.is_empty() {
            out.push(issue(
                &at,
                Kind::PropertyRemovedNotAcceptedByAdditional,
                format!(
                    "property `{name}` was removed and {r_additional_keyword} does not accept its old values"
                ),
            ));
            out.extend(found);
        }
    }

    if !accepts_everything(&r_additional) {
        let at = format!("{path}/{r_additional_keyword}");
        let mut found = Vec::new();
        checker.compare(&w_additional, &r_additional, &at, &mut found);
        if !found.is_empty() {
            if is_closed(&r_additional) {
                out.push(issue(
                    &at,
                    Kind::AdditionalPropertiesNarrowed,
                    "the content model was closed: properties not listed are now rejected".into(),
                ));
            } else {
                out.extend(found);
            }
        }
    }

    let number = |m: &Map<String, Value>, key: &str| m.get(key).and_then(Value::as_u64);
    if let Some(reader) = number(r, "minProperties") {
        let writer = number(w, "minProperties").unwrap_or(0);
        if writer < reader {
            out.push(issue(
                &format!("{path}/minProperties"),
                Kind::MinPropertiesIncreased,
                format!("minProperties went from {writer} to {reader}"),
            ));
        }
    }
    if let Some(reader) = number(r, "maxProperties") {
        match number(w, "maxProperties") {
            Some(writer) if writer <= reader => {}
            writer => out.push(issue(
                &format!("{path}/maxProperties"),
                Kind::MaxPropertiesDecreased,
                format!(
                    "maxProperties went from {} to {reader}",
                    writer.map_or("unbounded".to_owned(), |w| w.to_string())
                ),
            )),
        }
    }
}
