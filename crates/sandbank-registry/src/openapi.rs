//! Fills an OpenAPI document's `components.schemas` from the JSON Schemas, so the OpenAPI
//! document and the registry never disagree.
//!
//! Routes are documented with `utoipa`; their bodies refer to `#/components/schemas/<Name>`
//! (see `sandbank_schemas::openapi_component!`). [`fill_components`] then puts the schemars
//! documents there: each document's root becomes the component, its `$defs` are hoisted next to
//! it, and `#/$defs/X` references are rewritten to `#/components/schemas/X`.

use std::collections::BTreeMap;

use sandbank_schemas::catalogue;
use sandbank_schemas::openapi::component_name;
use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value};

/// Where OpenAPI keeps reusable schemas.
pub const COMPONENTS_PREFIX: &str = "#/components/schemas/";

/// Two different schemas under one component name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("two different schemas are named {0:?} in the OpenAPI components")]
pub struct ComponentConflict(pub String);

/// The schemas of an OpenAPI document, by component name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Components {
    schemas: BTreeMap<String, Value>,
}

impl Components {
    /// No components.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a JSON Schema document as component `name`, with its `$defs` hoisted. A name that
    /// is already present must hold the same schema (titles aside: a root carries one, the
    /// same type as someone's `$defs` entry does not).
    pub fn add_document(&mut self, name: &str, document: &Value) -> Result<(), ComponentConflict> {
        for (component, schema) in hoist(name, document) {
            self.insert(component, schema)?;
        }
        Ok(())
    }

    /// Adds the schemars schema of `T` as component `name`.
    pub fn add_type<T: JsonSchema>(&mut self, name: &str) -> Result<(), ComponentConflict> {
        let document = SchemaSettings::draft2020_12()
            .into_generator()
            .into_root_schema_for::<T>()
            .to_value();
        self.add_document(name, &document)
    }

    fn insert(&mut self, name: String, schema: Value) -> Result<(), ComponentConflict> {
        match self.schemas.get_mut(&name) {
            None => {
                self.schemas.insert(name, schema);
                Ok(())
            }
            Some(existing) if without_title(existing) == without_title(&schema) => {
                if existing.get("title").is_none() && schema.get("title").is_some() {
                    *existing = schema;
                }
                Ok(())
            }
            Some(_) => Err(ComponentConflict(name)),
        }
    }

    /// The component named `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.schemas.get(name)
    }

    /// Every component, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.schemas.iter()
    }
}

fn without_title(schema: &Value) -> Value {
    let mut schema = schema.clone();
    if let Value::Object(fields) = &mut schema {
        fields.remove("title");
    }
    schema
}

/// Splits a self-contained document into components: the root under `name` (without
/// `$schema`, `$id` and `$defs`) and each `$defs` entry under its own name, with references
/// rewritten to point at components.
pub fn hoist(name: &str, document: &Value) -> Vec<(String, Value)> {
    let mut root = document.clone();
    let mut out = Vec::new();
    if let Value::Object(fields) = &mut root {
        fields.remove("$schema");
        fields.remove("$id");
        if let Some(Value::Object(defs)) = fields.remove("$defs") {
            for (def_name, def) in defs {
                let mut def = def;
                rewrite_refs(&mut def, name);
                out.push((def_name, def));
            }
        }
    }
    rewrite_refs(&mut root, name);
    out.insert(0, (name.to_owned(), root));
    out
}

fn rewrite_refs(value: &mut Value, root_name: &str) {
    match value {
        Value::Object(fields) => {
            if let Some(Value::String(target)) = fields.get_mut("$ref") {
                if let Some(def) = target.strip_prefix("#/$defs/") {
                    *target = format!("{COMPONENTS_PREFIX}{def}");
                } else if target == "#" {
                    *target = format!("{COMPONENTS_PREFIX}{root_name}");
                }
            }
            for child in fields.values_mut() {
                rewrite_refs(child, root_name);
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| rewrite_refs(item, root_name)),
        _ => {}
    }
}

/// The components of every catalogue schema (current versions), named in PascalCase.
pub fn catalogue_components() -> Result<Components, ComponentConflict> {
    let mut components = Components::new();
    for def in catalogue() {
        components.add_document(&component_name(def.name), &def.document())?;
    }
    Ok(components)
}

/// Replaces `components.schemas` of an OpenAPI document (as JSON) with `components`, keeping
/// entries it has that `components` does not name.
pub fn fill_components(openapi: &mut Value, components: &Components) {
    let Value::Object(root) = openapi else {
        return;
    };
    let all = root
        .entry("components")
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(all) = all else {
        return;
    };
    let schemas = all
        .entry("schemas")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(schemas) = schemas {
        for (name, schema) in components.iter() {
            schemas.insert(name.clone(), schema.clone());
        }
        schemas.sort_keys();
    }
}

/// Every `#/components/schemas/X` reference in `value` whose component is missing or is only a
/// reference to itself (a placeholder nobody filled).
pub fn dangling_refs(openapi: &Value) -> Vec<String> {
    let schemas = openapi
        .pointer("/components/schemas")
        .and_then(Value::as_object);
    let mut out = Vec::new();
    collect_refs(openapi, &mut |target| {
        let Some(name) = target.strip_prefix(COMPONENTS_PREFIX) else {
            return;
        };
        let resolved = schemas.and_then(|s| s.get(name));
        let placeholder = resolved
            .and_then(|s| s.get("$ref"))
            .and_then(Value::as_str)
            .is_some_and(|r| r == target);
        if (resolved.is_none() || placeholder) && !out.iter().any(|o| o == target) {
            out.push(target.to_owned());
        }
    });
    out
}

fn collect_refs(value: &Value, found: &mut impl FnMut(&str)) {
    match value {
        Value::Object(fields) => {
            if let Some(Value::String(target)) = fields.get("$ref") {
                found(target);
            }
            fields.values().for_each(|child| collect_refs(child, found));
        }
        Value::Array(items) => items.iter().for_each(|item| collect_refs(item, found)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn hoisting_moves_defs_and_rewrites_refs() {
        let document = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://sandbank.example/schemas/x/1.0.0.json",
            "title": "X",
            "properties": {"a": {"$ref": "#/$defs/A"}, "me": {"$ref": "#"}},
            "$defs": {"A": {"type": "array", "items": {"$ref": "#/$defs/A"}}}
        });
        let parts = hoist("X", &document);
        assert_eq!(parts[0].0, "X");
        assert_eq!(
            parts[0].1,
            json!({"title": "X", "properties": {
                "a": {"$ref": "#/components/schemas/A"},
                "me": {"$ref": "#/components/schemas/X"}}})
        );
        assert_eq!(
            parts[1],
            (
                "A".to_owned(),
                json!({"type": "array", "items": {"$ref": "#/components/schemas/A"}})
            )
        );
    }

    #[test]
    fn catalogue_components_do_not_conflict() {
        let components = catalogue_components().unwrap();
        for def in catalogue() {
            assert!(
                components.get(&component_name(def.name)).is_some(),
                "{}",
                def.name
            );
        }
        assert!(components.get("Money").is_some());
    }

    #[test]
    fn conflicting_components_are_refused() {
        let mut components = Components::new();
        components
            .add_document("A", &json!({"type": "string"}))
            .unwrap();
        components
            .add_document("A", &json!({"type": "string", "title": "A"}))
            .unwrap();
        assert_eq!(
            components.get("A"),
            Some(&json!({"type": "string", "title": "A"}))
        );
        assert_eq!(
            components.add_document("A", &json!({"type": "integer"})),
            Err(ComponentConflict("A".into()))
        );
    }

    #[test]
    fn dangling_and_placeholder_refs_are_found() {
        let openapi = json!({
            "paths": {"/x": {"get": {"responses": {"200": {"content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/A"}}}}}}}},
            "components": {"schemas": {
                "A": {"$ref": "#/components/schemas/A"},
                "B": {"$ref": "#/components/schemas/C"}}}
        });
        assert_eq!(
            dangling_refs(&openapi),
            vec!["#/components/schemas/A", "#/components/schemas/C"]
        );
    }
}
