//! Rules for arrays: `items`, `prefixItems`, `minItems`, `maxItems`, `uniqueItems`.

use serde_json::{Map, Value};

use super::checker::{Checker, issue};
use super::{Incompatibility, Kind};

pub(super) fn compare(
    checker: &mut Checker<'_>,
    w: &Map<String, Value>,
    r: &Map<String, Value>,
    path: &str,
    out: &mut Vec<Incompatibility>,
) {
    let any = Value::Bool(true);
    let w_items = w.get("items").unwrap_or(&any);
    let r_items = r.get("items").unwrap_or(&any);
    let prefix = |m: &Map<String, Value>| match m.get("prefixItems") {
        Some(Value::Array(items)) => items.clone(),
        _ => Vec::new(),
    };
    let (w_prefix, r_prefix) = (prefix(w), prefix(r));
    for index in 0..w_prefix.len().max(r_prefix.len()) {
        let writer = w_prefix.get(index).unwrap_or(w_items);
        let reader = r_prefix.get(index).unwrap_or(r_items);
        checker.compare(writer, reader, &format!("{path}/prefixItems/{index}"), out);
    }
    checker.compare(w_items, r_items, &format!("{path}/items"), out);

    let number = |m: &Map<String, Value>, key: &str| m.get(key).and_then(Value::as_u64);
    if let Some(reader) = number(r, "minItems") {
        let writer = number(w, "minItems").unwrap_or(0);
        if writer < reader {
            out.push(issue(
                &format!("{path}/minItems"),
                Kind::MinItemsIncreased,
                format!("minItems went from {writer} to {reader}"),
            ));
        }
    }
    if let Some(reader) = number(r, "maxItems") {
        match number(w, "maxItems") {
            Some(writer) if writer <= reader => {}
            writer => out.push(issue(
                &format!("{path}/maxItems"),
                Kind::MaxItemsDecreased,
                format!(
                    "maxItems went from {} to {reader}",
                    writer.map_or("unbounded".to_owned(), |w| w.to_string())
                ),
            )),
        }
    }
    if r.get("uniqueItems") == Some(&Value::Bool(true))
        && w.get("uniqueItems") != Some(&Value::Bool(true))
    {
        out.push(issue(
            &format!("{path}/uniqueItems"),
            Kind::UniqueItemsAdded,
            "items must now be unique".into(),
        ));
    }
}
