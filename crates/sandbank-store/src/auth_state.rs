//! State of the authorization server: expiring entries keyed by `(kind, key)` — PAR requests,
//! codes, tokens, grants, clients, keys, seen DPoP `jti`s... Each kind is the authorization
//! server's to name; the value is any JSON.
//!
//! Every change is one statement, so it is atomic on its own, also between processes sharing a
//! PostgreSQL database: of two instances consuming the same code, exactly one gets it.
//! Time is always passed in; an entry is live while `now < expires_at`.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::Store;
use crate::db::{Bind, Pool};
use crate::encode::{body, from_body, from_micros, micros};
use crate::error::StoreResult;

/// A stored entry.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthEntry {
    /// The value.
    pub value: Value,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
    /// When it stops being live.
    pub expires_at: DateTime<Utc>,
    /// When it was consumed, if it was.
    pub consumed_at: Option<DateTime<Utc>>,
}

type EntryRow = (String, i64, i64, Option<i64>);

fn entry_from_row(
    (value, created_at, expires_at, consumed_at): EntryRow,
) -> StoreResult<AuthEntry> {
    Ok(AuthEntry {
        value: from_body(&value)?,
        created_at: from_micros(created_at)?,
        expires_at: from_micros(expires_at)?,
        consumed_at: consumed_at.map(from_micros).transpose()?,
    })
}

fn key_binds(kind: &str, key: &str) -> Vec<Bind> {
    vec![Bind::Text(kind.to_owned()), Bind::Text(key.to_owned())]
}

/// Stores an entry, replacing whatever was under its key (consumed or not).
pub(crate) const PUT_ENTRY: &str = "INSERT INTO auth_state (kind, key, value, created_at, expires_at, consumed_at) \
     VALUES ($1, $2, $3, $4, $5, NULL) \
     ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, \
     created_at = excluded.created_at, expires_at = excluded.expires_at, \
     consumed_at = NULL";

/// Deletes every entry of a kind.
pub(crate) const DELETE_KIND: &str = "DELETE FROM auth_state WHERE kind = $1";

/// The parameters of [`PUT_ENTRY`].
pub(crate) fn put_binds(
    kind: &str,
    key: &str,
    value: &Value,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> StoreResult<Vec<Bind>> {
    let mut binds = key_binds(kind, key);
    binds.extend([
        Bind::Text(body(value)?),
        Bind::Int(micros(now)),
        Bind::Int(micros(expires_at)),
    ]);
    Ok(binds)
}

/// The authorization server's state, from [`Store::auth_state`].
#[derive(Debug, Clone)]
pub struct AuthState {
    pool: Pool,
}

impl Store {
    /// The authorization server's expiring and one-time state.
    pub fn auth_state(&self) -> AuthState {
        AuthState {
            pool: self.pool.clone(),
        }
    }
}

impl AuthState {
    /// Stores `value` under `(kind, key)` until `expires_at`, replacing whatever was there
    /// (consumed or not).
    pub async fn put(
        &self,
        kind: &str,
        key: &str,
        value: &Value,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.pool
            .execute(PUT_ENTRY, put_binds(kind, key, value, now, expires_at)?)
            .await?;
        Ok(())
    }

    /// The live entry under `(kind, key)`: `None` once it expired. A consumed entry is still
    /// returned (with `consumed_at` set) until it expires, so that reuse can be told apart
    /// from an unknown key.
    pub async fn get(
        &self,
        kind: &str,
        key: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AuthEntry>> {
        let mut binds = key_binds(kind, key);
        binds.push(Bind::Int(micros(now)));
        self.pool
            .fetch_optional::<EntryRow>(
                "SELECT value, created_at, expires_at, consumed_at FROM auth_state \
                 WHERE kind = $1 AND key = $2 AND expires_at > $3",
                binds,
            )
            .await?
            .map(entry_from_row)
            .transpose()
    }

    /// Every live entry of a kind, by key.
    pub async fn list(
        &self,
        kind: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<(String, AuthEntry)>> {
        let rows = self
            .pool
            .fetch_all::<(String, String, i64, i64, Option<i64>)>(
                "SELECT key, value, created_at, expires_at, consumed_at FROM auth_state \
                 WHERE kind = $1 AND expires_at > $2 ORDER BY key",
                vec![Bind::Text(kind.to_owned()), Bind::Int(micros(now))],
            )
            .await?;
        rows.into_iter()
            .map(|(key, value, created, expires, consumed)| {
                Ok((key, entry_from_row((value, created, expires, consumed))?))
            })
            .collect()
    }

    /// Stores `value` under `(kind, key)` until `expires_at` only if the live entry there still
    /// holds `expected` (as [`AuthState::get`] returned it) and is not consumed: a
    /// compare-and-swap, so that of two read-modify-writes of one entry racing (in this process
    /// or another sharing the database) exactly one lands and the other learns it must read
    /// again. Returns whether it was stored. One atomic statement.
    pub async fn replace_if(
        &self,
        kind: &str,
        key: &str,
        expected: &Value,
        value: &Value,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut binds = key_binds(kind, key);
        binds.extend([
            Bind::Text(body(value)?),
            Bind::Int(micros(now)),
            Bind::Int(micros(expires_at)),
            Bind::Text(body(expected)?),
        ]);
        let changed = self
            .pool
            .execute(
                "UPDATE auth_state SET value = $3, created_at = $4, expires_at = $5 \
                 WHERE kind = $1 AND key = $2 AND value = $6 AND consumed_at IS NULL \
                 AND expires_at > $4",
                binds,
            )
            .await?;
        Ok(changed > 0)
    }

    /// Marks the entry consumed and returns its value — once: every later call (from this or
    /// any other process) gets `None`, as it does for an expired or unknown key. One atomic
    /// statement, so two concurrent calls can never both succeed.
    pub async fn consume_once(
        &self,
        kind: &str,
        key: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Value>> {
        let mut binds = key_binds(kind, key);
        binds.push(Bind::Int(micros(now)));
        self.pool
            .fetch_optional_writing::<(String,)>(
                "UPDATE auth_state SET consumed_at = $3 \
                 WHERE kind = $1 AND key = $2 AND consumed_at IS NULL AND expires_at > $3 \
                 RETURNING value",
                binds,
            )
            .await?
            .map(|(value,)| from_body(&value))
            .transpose()
    }

    /// Records that `(kind, key)` was seen, until `expires_at`. Returns `true` the first time
    /// and `false` while a live record of it exists — a replayed DPoP proof or client
    /// assertion `jti`. An expired record counts as unseen and is replaced. One atomic
    /// statement.
    pub async fn remember_once(
        &self,
        kind: &str,
        key: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut binds = key_binds(kind, key);
        binds.extend([Bind::Int(micros(now)), Bind::Int(micros(expires_at))]);
        let changed = self
            .pool
            .execute(
                "INSERT INTO auth_state (kind, key, value, created_at, expires_at, consumed_at) \
                 VALUES ($1, $2, 'null', $3, $4, NULL) \
                 ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, \
                 created_at = excluded.created_at, expires_at = excluded.expires_at, \
                 consumed_at = NULL \
                 WHERE auth_state.expires_at <= $3",
                binds,
            )
            .await?;
        Ok(changed > 0)
    }

    /// Deletes the entry under `(kind, key)`; returns whether there was one.
    pub async fn delete(&self, kind: &str, key: &str) -> StoreResult<bool> {
        let deleted = self
            .pool
            .execute(
                "DELETE FROM auth_state WHERE kind = $1 AND key = $2",
                key_binds(kind, key),
            )
            .await?;
        Ok(deleted > 0)
    }

    /// Deletes every entry that expired at or before `now`; returns how many.
    pub async fn purge_expired(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        self.pool
            .execute(
                "DELETE FROM auth_state WHERE expires_at <= $1",
                vec![Bind::Int(micros(now))],
            )
            .await
    }
}
