//! Where schemas registered at run time are kept: the [`RegistryStore`] trait and an in-memory
//! implementation.
//!
//! The trait is deliberately small so that a SQL implementation (in `sandbank-store`) is a few
//! statements: subjects hold numbered versions; every distinct schema text has one id, shared
//! by every subject that registers it; compatibility levels are kept globally and per subject.
//! Compatibility checks happen in the registry before [`RegistryStore::register`] is called; the
//! store only guarantees atomicity (see `expected_latest`).

use std::collections::BTreeMap;

use async_trait::async_trait;
use tokio::sync::Mutex;

use crate::compat::CompatibilityMode;

/// One version of a subject, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSchema {
    /// Version within the subject, from 1.
    pub version: u32,
    /// Global schema id (the same text under two subjects has the same id).
    pub id: u32,
    /// The schema, as canonical JSON text (see [`crate::canonical`]).
    pub schema: String,
}

/// What [`RegistryStore::register`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Registration {
    /// The schema's global id.
    pub id: u32,
    /// Its version within the subject.
    pub version: u32,
    /// `false` when the subject already had this exact schema (nothing was written).
    pub created: bool,
}

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another registration changed the subject since its latest version was read; the caller
    /// re-reads, re-checks compatibility and tries again.
    #[error("the subject changed concurrently")]
    Conflict,
    /// The backend failed. The text is logged, never sent to clients.
    #[error("registry storage failed: {0}")]
    Backend(String),
}

/// Persistence for registered schemas and compatibility levels.
///
/// Implementations must make [`register`](Self::register) atomic: two concurrent calls for the
/// same subject must not both create the same version number, and ids are assigned once per
/// distinct schema text, starting at 1, increasing. Ids at or above [`crate::BUILTIN_ID_BASE`]
/// are reserved for Sandbank's own schemas and must not be assigned.
#[async_trait]
pub trait RegistryStore: Send + Sync + 'static {
    /// Registers `schema` (canonical text) as the next version of `subject`.
    ///
    /// - If the subject already has exactly this text, returns that version with
    ///   `created: false` and writes nothing.
    /// - Otherwise, if the subject's latest version number is not `expected_latest` (`None`:
    ///   the subject has no version), fails with [`StoreError::Conflict`].
    /// - Otherwise appends version `latest + 1`, reusing the id of an identical text registered
    ///   under any subject, or assigning the next id.
    async fn register(
        &self,
        subject: &str,
        schema: &str,
        expected_latest: Option<u32>,
    ) -> Result<Registration, StoreError>;

    /// Every subject with at least one version, sorted.
    async fn subjects(&self) -> Result<Vec<String>, StoreError>;

    /// The versions of a subject, oldest first; empty when the subject is unknown.
    async fn versions(&self, subject: &str) -> Result<Vec<StoredSchema>, StoreError>;

    /// The schema text with that id.
    async fn schema_by_id(&self, id: u32) -> Result<Option<String>, StoreError>;

    /// The compatibility level of a subject, or the global one when `subject` is `None`;
    /// `None` when never set.
    async fn config(&self, subject: Option<&str>) -> Result<Option<CompatibilityMode>, StoreError>;

    /// Sets the compatibility level of a subject, or the global one when `subject` is `None`.
    async fn set_config(
        &self,
        subject: Option<&str>,
        mode: CompatibilityMode,
    ) -> Result<(), StoreError>;
}

#[derive(Debug, Default)]
struct State {
    subjects: BTreeMap<String, Vec<StoredSchema>>,
    ids: BTreeMap<String, u32>,
    texts: BTreeMap<u32, String>,
    global: Option<CompatibilityMode>,
    configs: BTreeMap<String, CompatibilityMode>,
}

/// A [`RegistryStore`] in process memory: what the registry uses until the database-backed
/// store is wired in, and in tests.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl RegistryStore for MemoryStore {
    async fn register(
        &self,
        subject: &str,
        schema: &str,
        expected_latest: Option<u32>,
    ) -> Result<Registration, StoreError> {
        let mut state = self.state.lock().await;
        let versions = state.subjects.get(subject).cloned().unwrap_or_default();
        if let Some(existing) = versions.iter().find(|v| v.schema == schema) {
            return Ok(Registration {
                id: existing.id,
                version: existing.version,
                created: false,
            });
        }
        let latest = versions.last().map(|v| v.version);
        if latest != expected_latest {
            return Err(StoreError::Conflict);
        }
        let id = match state.ids.get(schema) {
            Some(id) => *id,
            None => {
                let next = state.texts.keys().next_back().map_or(1, |last| last + 1);
                if next >= crate::BUILTIN_ID_BASE {
                    return Err(StoreError::Backend("schema ids exhausted".into()));
                }
                state.ids.insert(schema.to_owned(), next);
                state.texts.insert(next, schema.to_owned());
                next
            }
        };
        let version = latest.unwrap_or(0) + 1;
        state
            .subjects
            .entry(subject.to_owned())
            .or_default()
            .push(StoredSchema {
                version,
                id,
                schema: schema.to_owned(),
            });
        Ok(Registration {
            id,
            version,
            created: true,
        })
    }

    async fn subjects(&self) -> Result<Vec<String>, StoreError> {
        Ok(self.state.lock().await.subjects.keys().cloned().collect())
    }

    async fn versions(&self, subject: &str) -> Result<Vec<StoredSchema>, StoreError> {
        Ok(self
            .state
            .lock()
            .await
            .subjects
            .get(subject)
            .cloned()
            .unwrap_or_default())
    }

    async fn schema_by_id(&self, id: u32) -> Result<Option<String>, StoreError> {
        Ok(self.state.lock().await.texts.get(&id).cloned())
    }

    async fn config(&self, subject: Option<&str>) -> Result<Option<CompatibilityMode>, StoreError> {
        let state = self.state.lock().await;
        Ok(match subject {
            None => state.global,
            Some(subject) => state.configs.get(subject).copied(),
        })
    }

    async fn set_config(
        &self,
        subject: Option<&str>,
        mode: CompatibilityMode,
    ) -> Result<(), StoreError> {
        let mut state = self.state.lock().await;
        match subject {
            None => state.global = Some(mode),
            Some(subject) => {
                state.configs.insert(subject.to_owned(), mode);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn versions_ids_and_idempotence() {
        let store = MemoryStore::new();
        let a = store.register("s", "{\"a\":1}", None).await.unwrap();
        assert_eq!((a.id, a.version, a.created), (1, 1, true));
        let again = store.register("s", "{\"a\":1}", None).await.unwrap();
        assert_eq!((again.id, again.version, again.created), (1, 1, false));
        assert!(matches!(
            store.register("s", "{\"b\":1}", None).await,
            Err(StoreError::Conflict)
        ));
        let b = store.register("s", "{\"b\":1}", Some(1)).await.unwrap();
        assert_eq!((b.id, b.version), (2, 2));
        let shared = store.register("t", "{\"a\":1}", None).await.unwrap();
        assert_eq!((shared.id, shared.version), (1, 1));
        assert_eq!(store.subjects().await.unwrap(), vec!["s", "t"]);
        assert_eq!(store.versions("s").await.unwrap().len(), 2);
        assert_eq!(
            store.schema_by_id(2).await.unwrap().as_deref(),
            Some("{\"b\":1}")
        );
        assert_eq!(store.schema_by_id(9).await.unwrap(), None);
    }

    #[tokio::test]
    async fn configs_are_global_or_per_subject() {
        let store = MemoryStore::new();
        assert_eq!(store.config(None).await.unwrap(), None);
        store
            .set_config(None, CompatibilityMode::Full)
            .await
            .unwrap();
        store
            .set_config(Some("s"), CompatibilityMode::None)
            .await
            .unwrap();
        assert_eq!(
            store.config(None).await.unwrap(),
            Some(CompatibilityMode::Full)
        );
        assert_eq!(
            store.config(Some("s")).await.unwrap(),
            Some(CompatibilityMode::None)
        );
        assert_eq!(store.config(Some("t")).await.unwrap(), None);
    }
}
