//! Where schemas registered at run time are kept: the [`RegistryStore`] trait, an in-memory
//! implementation, and the database one (`sandbank_store::Store`, SQLite or PostgreSQL).
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

/// A [`RegistryStore`] in process memory: for tests, and for building the routes without a
/// database (the OpenAPI document).
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

/// The database: what the server uses, so that registered schemas survive restarts and are
/// shared by every instance on one PostgreSQL database.
#[async_trait]
impl RegistryStore for sandbank_store::Store {
    async fn register(
        &self,
        subject: &str,
        schema: &str,
        expected_latest: Option<u32>,
    ) -> Result<Registration, StoreError> {
        use sandbank_store::RegisterOutcome;
        match self
            .register_schema(subject, schema, expected_latest)
            .await
            .map_err(backend)?
        {
            RegisterOutcome::Registered(registration) => Ok(Registration {
                id: registration.id,
                version: registration.version,
                created: registration.created,
            }),
            RegisterOutcome::Conflict => Err(StoreError::Conflict),
            RegisterOutcome::IdsExhausted => {
                Err(StoreError::Backend("schema ids exhausted".into()))
            }
        }
    }

    async fn subjects(&self) -> Result<Vec<String>, StoreError> {
        self.schema_subjects().await.map_err(backend)
    }

    async fn versions(&self, subject: &str) -> Result<Vec<StoredSchema>, StoreError> {
        Ok(self
            .schema_versions(subject)
            .await
            .map_err(backend)?
            .into_iter()
            .map(|stored| StoredSchema {
                version: stored.version,
                id: stored.id,
                schema: stored.schema,
            })
            .collect())
    }

    async fn schema_by_id(&self, id: u32) -> Result<Option<String>, StoreError> {
        self.registered_schema(id).await.map_err(backend)
    }

    async fn config(&self, subject: Option<&str>) -> Result<Option<CompatibilityMode>, StoreError> {
        self.schema_compatibility(subject)
            .await
            .map_err(backend)?
            .map(|level| {
                level.parse().map_err(|_| {
                    StoreError::Backend(format!("unknown stored compatibility level {level:?}"))
                })
            })
            .transpose()
    }

    async fn set_config(
        &self,
        subject: Option<&str>,
        mode: CompatibilityMode,
    ) -> Result<(), StoreError> {
        self.set_schema_compatibility(subject, mode.as_str())
            .await
            .map_err(backend)
    }
}

// The database refuses ids from the builtin range, as the trait requires.
const _: () = assert!(sandbank_store::SCHEMA_ID_LIMIT == crate::BUILTIN_ID_BASE);

/// A database error as [`StoreError::Backend`]: the store's words and their causes, for the
/// log (the store's own words never hold SQL; the causes are the driver's).
fn backend(error: sandbank_store::StoreError) -> StoreError {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    StoreError::Backend(text)
}

/// Checks that a store keeps the [`RegistryStore`] contract; returns the first deviation.
///
/// Every implementation should pass it on an empty store, e.g. in a test:
/// `sandbank_registry::store::conformance(&my_store).await.unwrap()`.
pub async fn conformance(store: &dyn RegistryStore) -> Result<(), String> {
    fn expect<T: PartialEq + std::fmt::Debug>(what: &str, have: T, want: T) -> Result<(), String> {
        if have == want {
            Ok(())
        } else {
            Err(format!("{what}: got {have:?}, expected {want:?}"))
        }
    }
    let backend = |error: StoreError| format!("unexpected store error: {error}");
    let a = "{\"a\":1}";
    let b = "{\"b\":1}";

    expect(
        "subjects of an empty store",
        store.subjects().await.map_err(backend)?,
        vec![],
    )?;
    let first = store.register("s", a, None).await.map_err(backend)?;
    expect(
        "first registration",
        (first.version, first.created),
        (1, true),
    )?;
    if first.id == 0 || first.id >= crate::BUILTIN_ID_BASE {
        return Err(format!(
            "id {} is outside 1..{}",
            first.id,
            crate::BUILTIN_ID_BASE
        ));
    }
    let again = store.register("s", a, None).await.map_err(backend)?;
    expect(
        "registering the same text again",
        (again.id, again.version, again.created),
        (first.id, 1, false),
    )?;
    match store.register("s", b, None).await {
        Err(StoreError::Conflict) => {}
        other => {
            return Err(format!(
                "stale expected_latest: got {other:?}, expected Conflict"
            ));
        }
    }
    let second = store.register("s", b, Some(1)).await.map_err(backend)?;
    expect(
        "second version",
        (second.version, second.created),
        (2, true),
    )?;
    if second.id <= first.id {
        return Err(format!(
            "ids must increase: {} then {}",
            first.id, second.id
        ));
    }
    let shared = store.register("t", a, None).await.map_err(backend)?;
    expect(
        "same text under another subject",
        (shared.id, shared.version),
        (first.id, 1),
    )?;
    expect(
        "subjects",
        store.subjects().await.map_err(backend)?,
        vec!["s".to_owned(), "t".to_owned()],
    )?;
    expect(
        "versions of s",
        store.versions("s").await.map_err(backend)?,
        vec![
            StoredSchema {
                version: 1,
                id: first.id,
                schema: a.to_owned(),
            },
            StoredSchema {
                version: 2,
                id: second.id,
                schema: b.to_owned(),
            },
        ],
    )?;
    expect(
        "versions of an unknown subject",
        store.versions("u").await.map_err(backend)?,
        vec![],
    )?;
    expect(
        "schema by id",
        store.schema_by_id(second.id).await.map_err(backend)?,
        Some(b.to_owned()),
    )?;
    expect(
        "unknown id",
        store
            .schema_by_id(second.id + 1000)
            .await
            .map_err(backend)?,
        None,
    )?;

    expect(
        "global config unset",
        store.config(None).await.map_err(backend)?,
        None,
    )?;
    store
        .set_config(None, CompatibilityMode::Full)
        .await
        .map_err(backend)?;
    store
        .set_config(Some("s"), CompatibilityMode::None)
        .await
        .map_err(backend)?;
    expect(
        "global config",
        store.config(None).await.map_err(backend)?,
        Some(CompatibilityMode::Full),
    )?;
    expect(
        "subject config",
        store.config(Some("s")).await.map_err(backend)?,
        Some(CompatibilityMode::None),
    )?;
    expect(
        "other subject config",
        store.config(Some("t")).await.map_err(backend)?,
        None,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[tokio::test]
    async fn the_memory_store_keeps_the_contract() {
        conformance(&MemoryStore::new()).await.unwrap();
    }

    #[tokio::test]
    async fn concurrent_registrations_get_distinct_versions() {
        let store = Arc::new(MemoryStore::new());
        let mut tasks = Vec::new();
        for n in 0..8 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let text = format!("{{\"n\":{n}}}");
                loop {
                    let latest = store.versions("s").await.unwrap().last().map(|v| v.version);
                    match store.register("s", &text, latest).await {
                        Ok(registration) => return registration.version,
                        Err(StoreError::Conflict) => continue,
                        Err(error) => panic!("{error}"),
                    }
                }
            }));
        }
        let mut versions = Vec::new();
        for task in tasks {
            versions.push(task.await.unwrap());
        }
        versions.sort_unstable();
        assert_eq!(versions, (1..=8).collect::<Vec<u32>>());
    }
}
