//! The schema registry's run-time state: schemas registered under subjects, and compatibility
//! levels. `sandbank-registry` implements its `RegistryStore` trait with these methods; the
//! semantics are that trait's (see its documentation), in the store's own types so that the
//! store does not depend on the registry.
//!
//! Registering is one transaction. On SQLite it holds the write lock from its first read, so
//! registrations run one at a time. On PostgreSQL they run concurrently and the unique
//! constraints settle races: two registrations appending the same version of a subject cannot
//! both commit (the loser reports [`RegisterOutcome::Conflict`]); two registrations of new
//! texts that pick the same id cannot both insert it (the loser picks the next one); two
//! registrations of the same new text share one row (the unique text hash), hence one id.

use sha2::{Digest, Sha256};

use crate::Store;
use crate::db::{Bind, Tx};
use crate::error::{StoreError, StoreResult};

/// Registered schema ids are below this; ids from it up are Sandbank's own schemas'
/// (`sandbank_registry::BUILTIN_ID_BASE`).
pub const SCHEMA_ID_LIMIT: u32 = 1 << 30;

/// How many times a registration picks a fresh id after losing it to a concurrent one before
/// reporting a conflict.
const ID_ATTEMPTS: usize = 32;

/// One version of a subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectVersion {
    /// Version within the subject, from 1.
    pub version: u32,
    /// Id of the schema text, shared by every subject that registered it.
    pub id: u32,
    /// The schema text, as registered.
    pub schema: String,
}

/// A schema that is registered under a subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaRegistration {
    /// Id of the schema text.
    pub id: u32,
    /// Its version within the subject.
    pub version: u32,
    /// `false` when the subject already had this exact text (nothing was written).
    pub created: bool,
}

/// What [`Store::register_schema`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegisterOutcome {
    /// The text is registered under the subject (now, or already before).
    Registered(SchemaRegistration),
    /// The subject's latest version is not the one expected, or changed concurrently: nothing
    /// was written; re-read, re-check and try again.
    Conflict,
    /// Every id below [`SCHEMA_ID_LIMIT`] is taken: nothing was written.
    IdsExhausted,
}

/// The hex SHA-256 of a schema text: what uniqueness of texts is checked on.
fn text_hash(schema: &str) -> String {
    Sha256::digest(schema.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn to_u32(value: i64) -> StoreResult<u32> {
    u32::try_from(value).map_err(StoreError::corrupt)
}

impl Store {
    /// Registers `schema` as the next version of `subject`, atomically.
    ///
    /// - If the subject already has exactly this text, returns that version with
    ///   `created: false` and writes nothing.
    /// - Otherwise, if the subject's latest version is not `expected_latest` (`None`: the
    ///   subject has no version), returns [`RegisterOutcome::Conflict`] — as it does when
    ///   another registration appends to the subject first.
    /// - Otherwise appends version `latest + 1`, reusing the id of an identical text registered
    ///   under any subject, or assigning the next id (from 1, below [`SCHEMA_ID_LIMIT`]).
    pub async fn register_schema(
        &self,
        subject: &str,
        schema: &str,
        expected_latest: Option<u32>,
    ) -> StoreResult<RegisterOutcome> {
        let hash = text_hash(schema);
        let mut tx = self.pool.begin_write().await?;
        let outcome = match register_in(&mut tx, subject, schema, &hash, expected_latest).await {
            Ok(outcome) => outcome,
            Err(error) => {
                // A statement failed: the transaction is over on PostgreSQL; undo what it did.
                let _ = tx.rollback().await;
                return match error {
                    StoreError::Duplicate(_) => Ok(RegisterOutcome::Conflict),
                    error => Err(error),
                };
            }
        };
        match outcome {
            RegisterOutcome::Registered(SchemaRegistration { created: true, .. }) => {
                match tx.commit().await {
                    Ok(()) => Ok(outcome),
                    Err(StoreError::Duplicate(_)) => Ok(RegisterOutcome::Conflict),
                    Err(error) => Err(error),
                }
            }
            _ => {
                tx.rollback().await?;
                Ok(outcome)
            }
        }
    }

    /// Every subject with at least one version, sorted byte-wise.
    pub async fn schema_subjects(&self) -> StoreResult<Vec<String>> {
        let rows = self
            .pool
            .fetch_all::<(String,)>(
                "SELECT DISTINCT subject FROM registry_versions ORDER BY subject",
                vec![],
            )
            .await?;
        Ok(rows.into_iter().map(|(subject,)| subject).collect())
    }

    /// The versions of a subject, oldest first; empty when the subject has none.
    pub async fn schema_versions(&self, subject: &str) -> StoreResult<Vec<SubjectVersion>> {
        let rows = self
            .pool
            .fetch_all::<(i64, i64, String)>(
                "SELECT v.version, v.schema_id, s.schema FROM registry_versions v \
                 JOIN registry_schemas s ON s.id = v.schema_id \
                 WHERE v.subject = $1 ORDER BY v.version",
                vec![Bind::Text(subject.to_owned())],
            )
            .await?;
        rows.into_iter()
            .map(|(version, id, schema)| {
                Ok(SubjectVersion {
                    version: to_u32(version)?,
                    id: to_u32(id)?,
                    schema,
                })
            })
            .collect()
    }

    /// The registered schema text with that id.
    pub async fn registered_schema(&self, id: u32) -> StoreResult<Option<String>> {
        let row = self
            .pool
            .fetch_optional::<(String,)>(
                "SELECT schema FROM registry_schemas WHERE id = $1",
                vec![Bind::Int(i64::from(id))],
            )
            .await?;
        Ok(row.map(|(schema,)| schema))
    }

    /// The compatibility level of a subject, or the global one when `subject` is `None`;
    /// `None` when never set. Levels are the registry's to name; the store keeps the text.
    pub async fn schema_compatibility(&self, subject: Option<&str>) -> StoreResult<Option<String>> {
        let row = match subject {
            None => {
                self.pool
                    .fetch_optional::<(String,)>(
                        "SELECT compatibility FROM registry_global_config WHERE id = 1",
                        vec![],
                    )
                    .await?
            }
            Some(subject) => {
                self.pool
                    .fetch_optional::<(String,)>(
                        "SELECT compatibility FROM registry_subject_config WHERE subject = $1",
                        vec![Bind::Text(subject.to_owned())],
                    )
                    .await?
            }
        };
        Ok(row.map(|(level,)| level))
    }

    /// Sets the compatibility level of a subject, or the global one when `subject` is `None`.
    pub async fn set_schema_compatibility(
        &self,
        subject: Option<&str>,
        level: &str,
    ) -> StoreResult<()> {
        match subject {
            None => {
                self.pool
                    .execute(
                        "INSERT INTO registry_global_config (id, compatibility) VALUES (1, $1) \
                         ON CONFLICT (id) DO UPDATE SET compatibility = excluded.compatibility",
                        vec![Bind::Text(level.to_owned())],
                    )
                    .await?
            }
            Some(subject) => {
                self.pool
                    .execute(
                        "INSERT INTO registry_subject_config (subject, compatibility) \
                         VALUES ($1, $2) \
                         ON CONFLICT (subject) DO UPDATE SET compatibility = excluded.compatibility",
                        vec![Bind::Text(subject.to_owned()), Bind::Text(level.to_owned())],
                    )
                    .await?
            }
        };
        Ok(())
    }
}

/// The body of [`Store::register_schema`], inside its transaction. A unique violation (a
/// concurrent registration appended the same version first) comes back as
/// [`StoreError::Duplicate`].
async fn register_in(
    tx: &mut Tx,
    subject: &str,
    schema: &str,
    hash: &str,
    expected_latest: Option<u32>,
) -> StoreResult<RegisterOutcome> {
    let existing = tx
        .fetch_optional::<(i64, i64)>(
            "SELECT v.version, v.schema_id FROM registry_versions v \
             JOIN registry_schemas s ON s.id = v.schema_id \
             WHERE v.subject = $1 AND s.text_hash = $2 AND s.schema = $3",
            vec![
                Bind::Text(subject.to_owned()),
                Bind::Text(hash.to_owned()),
                Bind::Text(schema.to_owned()),
            ],
        )
        .await?;
    if let Some((version, id)) = existing {
        return Ok(RegisterOutcome::Registered(SchemaRegistration {
            id: to_u32(id)?,
            version: to_u32(version)?,
            created: false,
        }));
    }

    let latest = tx
        .fetch_optional::<(Option<i64>,)>(
            "SELECT MAX(version) FROM registry_versions WHERE subject = $1",
            vec![Bind::Text(subject.to_owned())],
        )
        .await?
        .and_then(|(latest,)| latest)
        .map(to_u32)
        .transpose()?;
    if latest != expected_latest {
        return Ok(RegisterOutcome::Conflict);
    }

    let Some(id) = schema_id(tx, schema, hash).await? else {
        return Ok(RegisterOutcome::Conflict);
    };
    if id >= SCHEMA_ID_LIMIT {
        return Ok(RegisterOutcome::IdsExhausted);
    }
    let version = latest.unwrap_or(0) + 1;
    tx.execute(
        "INSERT INTO registry_versions (subject, version, schema_id) VALUES ($1, $2, $3)",
        vec![
            Bind::Text(subject.to_owned()),
            Bind::Int(i64::from(version)),
            Bind::Int(i64::from(id)),
        ],
    )
    .await?;
    Ok(RegisterOutcome::Registered(SchemaRegistration {
        id,
        version,
        created: true,
    }))
}

/// The id of `schema`: the one it already has, or the next free one, inserted. `None` when
/// concurrent registrations kept taking the next id; [`SCHEMA_ID_LIMIT`] or more when there is
/// no id left (nothing inserted).
async fn schema_id(tx: &mut Tx, schema: &str, hash: &str) -> StoreResult<Option<u32>> {
    for _ in 0..ID_ATTEMPTS {
        // Each statement sees what other transactions committed before it (PostgreSQL's read
        // committed), so a retry sees the row that made the previous insert do nothing.
        let known = tx
            .fetch_optional::<(i64,)>(
                "SELECT id FROM registry_schemas WHERE text_hash = $1 AND schema = $2",
                vec![Bind::Text(hash.to_owned()), Bind::Text(schema.to_owned())],
            )
            .await?;
        if let Some((id,)) = known {
            return to_u32(id).map(Some);
        }
        let (next,) = tx
            .fetch_optional::<(i64,)>(
                "SELECT COALESCE(MAX(id), 0) + 1 FROM registry_schemas",
                vec![],
            )
            .await?
            .unwrap_or((1,));
        if next >= i64::from(SCHEMA_ID_LIMIT) {
            return Ok(Some(SCHEMA_ID_LIMIT));
        }
        // Does nothing when a concurrent registration holds this id or this text (waiting for
        // it to commit or roll back first).
        let inserted = tx
            .execute(
                "INSERT INTO registry_schemas (id, text_hash, schema) VALUES ($1, $2, $3) \
                 ON CONFLICT DO NOTHING",
                vec![
                    Bind::Int(next),
                    Bind::Text(hash.to_owned()),
                    Bind::Text(schema.to_owned()),
                ],
            )
            .await?;
        if inserted == 1 {
            return to_u32(next).map(Some);
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_hashes_are_hex_sha256() {
        assert_eq!(
            text_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
