//! Sandbank's own schemas: the current version of each from the code, and every frozen older
//! version from the `schemas/` folder embedded at compile time.

use std::sync::Arc;

use sandbank_schemas::catalogue;
use serde_json::Value;

use crate::files::{render, version_key};

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// Confluent-style ids of Sandbank's own schemas start here (bit 30 set); ids the store assigns
/// stay below.
pub const BUILTIN_ID_BASE: u32 = 0x4000_0000;

/// One version of one of Sandbank's own schemas.
#[derive(Debug, Clone)]
pub struct BuiltinSchema {
    /// Kebab-case name, e.g. `account`.
    pub name: &'static str,
    /// Semantic version.
    pub version: String,
    /// Human title.
    pub title: String,
    /// Position among the schema's versions, from 1 (the Confluent subject version).
    pub subject_version: u32,
    /// Stable Confluent-style id: [`BUILTIN_ID_BASE`] plus a hash of name and version.
    pub id: u32,
    /// Whether this is the version the code produces now.
    pub latest: bool,
    /// The document.
    pub document: Arc<Value>,
    /// The document as served and committed (pretty JSON, final newline).
    pub text: Arc<str>,
}

/// Every version of every built-in schema, in catalogue order, versions ascending.
#[derive(Debug, Clone)]
pub struct Builtins {
    schemas: Vec<(&'static str, &'static str, Vec<BuiltinSchema>)>,
}

/// The id of a built-in schema version.
pub fn builtin_id(name: &str, version: &str) -> u32 {
    BUILTIN_ID_BASE | (fnv1a(format!("{name}/{version}").as_bytes()) as u32 & 0x3FFF_FFFF)
}

/// 64-bit FNV-1a; used for ids and entity tags, not for security.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl Builtins {
    /// Builds the list from the code and the embedded folder. A frozen file that is not JSON
    /// is skipped with a warning (the drift and policy tests keep the folder sound).
    pub fn load() -> Self {
        let mut schemas = Vec::new();
        for def in catalogue() {
            let mut versions = Vec::new();
            for (name, version, text) in EMBEDDED {
                if *name != def.name || *version == def.version {
                    continue;
                }
                match serde_json::from_str::<Value>(text) {
                    Ok(document) => versions.push(BuiltinSchema {
                        name: def.name,
                        version: (*version).to_owned(),
                        title: document
                            .get("title")
                            .and_then(Value::as_str)
                            .unwrap_or(def.title)
                            .to_owned(),
                        subject_version: 0,
                        id: builtin_id(def.name, version),
                        latest: false,
                        document: Arc::new(document),
                        text: Arc::from(*text),
                    }),
                    Err(error) => {
                        tracing::warn!(name, version, %error, "skipping a frozen schema that is not JSON");
                    }
                }
            }
            versions.push(BuiltinSchema {
                name: def.name,
                version: def.version.to_owned(),
                title: def.title.to_owned(),
                subject_version: 0,
                id: builtin_id(def.name, def.version),
                latest: true,
                document: Arc::new(def.document()),
                text: Arc::from(render(def)),
            });
            versions.sort_by_key(|v| version_key(&v.version));
            for (index, version) in versions.iter_mut().enumerate() {
                version.subject_version = u32::try_from(index + 1).unwrap_or(u32::MAX);
            }
            schemas.push((def.name, def.title, versions));
        }
        Self { schemas }
    }

    /// `(name, title, versions)` for every built-in schema.
    pub fn all(&self) -> impl Iterator<Item = (&'static str, &'static str, &[BuiltinSchema])> {
        self.schemas
            .iter()
            .map(|(name, title, versions)| (*name, *title, versions.as_slice()))
    }

    /// The versions of a built-in schema, oldest first.
    pub fn versions(&self, name: &str) -> Option<&[BuiltinSchema]> {
        self.schemas
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, _, versions)| versions.as_slice())
    }

    /// The built-in schema version with that id.
    pub fn by_id(&self, id: u32) -> Option<&BuiltinSchema> {
        self.schemas
            .iter()
            .flat_map(|(_, _, versions)| versions)
            .find(|v| v.id == id)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_catalogue_schema_is_built_in_with_unique_ids() {
        let builtins = Builtins::load();
        assert_eq!(builtins.all().count(), catalogue().len());
        let mut ids = HashSet::new();
        for (_, _, versions) in builtins.all() {
            assert!(versions.last().is_some_and(|v| v.latest));
            for version in versions {
                assert!(version.id >= BUILTIN_ID_BASE);
                assert!(ids.insert(version.id), "id collision: {}", version.name);
                assert_eq!(
                    builtins.by_id(version.id).map(|v| v.name),
                    Some(version.name)
                );
            }
        }
    }
}
