//! State of the authorization server: expiring entries keyed by `(kind, key)` — PAR requests,
//! codes, tokens, grants, clients, keys, seen DPoP `jti`s... Each kind is the authorization
//! server's to name; the value is any JSON.
//!
//! Every change is one statement, so it is atomic on its own, also between processes sharing a
//! PostgreSQL database: of two instances consuming the same code, exactly one gets it.
//! Time is always passed in; an entry is live while `now < expires_at`.

use chrono::{DateTime, Utc};
use serde_json::Value;

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use crate::Store;
use crate::db::{Bind, Pool, Writer};
use crate::encode::{body, from_body, from_micros, micros};
use crate::error::{StoreError, StoreResult};

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

/// An entry named by a field of another entry's value ([`AuthState::get_linked`]).
#[derive(Debug, Clone, Copy)]
pub struct Link {
    /// The kind of the entry named.
    pub kind: &'static str,
    /// The top-level field of the naming entry's JSON value that holds its key.
    pub field: &'static str,
}

type LinkedRow = (
    String,
    i64,
    i64,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

/// [`AuthState::get_linked`]: the entry, and the two it names, joined on the text of a JSON
/// field (bound as a JSON path, `$.field`, on SQLite; as the key on PostgreSQL).
const GET_LINKED_SQLITE: &str = "SELECT t.value, t.created_at, t.expires_at, t.consumed_at, \
     a.value, a.created_at, a.expires_at, a.consumed_at, \
     b.value, b.created_at, b.expires_at, b.consumed_at \
     FROM auth_state t \
     LEFT JOIN auth_state a ON a.kind = $4 AND a.key = json_extract(t.value, $5) AND a.expires_at > $3 \
     LEFT JOIN auth_state b ON b.kind = $6 AND b.key = json_extract(t.value, $7) AND b.expires_at > $3 \
     WHERE t.kind = $1 AND t.key = $2 AND t.expires_at > $3";
const GET_LINKED_POSTGRES: &str = "SELECT t.value, t.created_at, t.expires_at, t.consumed_at, \
     a.value, a.created_at, a.expires_at, a.consumed_at, \
     b.value, b.created_at, b.expires_at, b.consumed_at \
     FROM auth_state t \
     LEFT JOIN auth_state a ON a.kind = $4 AND a.key = (t.value::jsonb ->> $5) AND a.expires_at > $3 \
     LEFT JOIN auth_state b ON b.kind = $6 AND b.key = (t.value::jsonb ->> $7) AND b.expires_at > $3 \
     WHERE t.kind = $1 AND t.key = $2 AND t.expires_at > $3";

/// The most records one combined `remember_once` statement writes (four parameters each).
const REMEMBERED_PER_STATEMENT: usize = 200;

/// `remember_once` calls on SQLite waiting for the writer.
///
/// Every request with a DPoP proof or a client assertion records its `jti`, a write: one
/// statement per request would be a turn at the writer's gate and a hop to its connection per
/// request, queued behind the payments' transactions. Instead the calls that arrive while the
/// writer is busy wait here, and one task writes them all in one statement when its turn comes
/// — `INSERT ... ON CONFLICT ... DO UPDATE ... WHERE expired RETURNING`, whose returned rows are
/// the records that were new. Each call's answer is what it would have been alone, in arrival
/// order: of two calls with one key in a batch, the first is written and the second was seen
/// before. Under no load a call is written at once, alone.
#[derive(Debug, Default)]
pub(crate) struct Remembering {
    waiting: std::sync::Mutex<Waiting>,
}

#[derive(Debug, Default)]
struct Waiting {
    calls: Vec<Remember>,
    /// Whether a task is writing the calls (it takes those that arrive until it has none left).
    writing: bool,
}

#[derive(Debug)]
struct Remember {
    kind: String,
    key: String,
    now: i64,
    expires_at: i64,
    answer: tokio::sync::oneshot::Sender<StoreResult<bool>>,
}

impl Remembering {
    fn waiting(&self) -> std::sync::MutexGuard<'_, Waiting> {
        self.waiting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

async fn remember_combined(
    writer: &Writer,
    kind: &str,
    key: &str,
    now: i64,
    expires_at: i64,
) -> StoreResult<bool> {
    let (answer, answered) = tokio::sync::oneshot::channel();
    let start = {
        let mut waiting = writer.remembering.waiting();
        waiting.calls.push(Remember {
            kind: kind.to_owned(),
            key: key.to_owned(),
            now,
            expires_at,
            answer,
        });
        !std::mem::replace(&mut waiting.writing, true)
    };
    if start {
        // A task of its own, so that a caller that gives up waiting (a cancelled request)
        // never leaves the others unanswered.
        match &writer.thread {
            Some(thread) => drop(thread.handle().spawn(write_remembered(writer.clone()))),
            None => drop(tokio::spawn(write_remembered(writer.clone()))),
        }
    }
    answered.await.map_err(|_| abandoned())?
}

fn abandoned() -> StoreError {
    StoreError::Database(sqlx::Error::Protocol(
        "a remembered key was not written".to_owned(),
    ))
}

/// Should the writing task end before it has answered every call (it panicked, or the runtime
/// shut down), clears the writing flag and drops the calls still waiting, which learn it from
/// their closed channels, so that the next call starts a new task. A task that ends normally
/// has already cleared the flag, under the lock, and a call that came after it may be waiting
/// for the next task: it is not touched.
struct Unfinished<'a> {
    remembering: &'a Remembering,
    finished: bool,
}

impl Drop for Unfinished<'_> {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let mut waiting = self.remembering.waiting();
        waiting.writing = false;
        waiting.calls.clear();
    }
}

async fn write_remembered(writer: Writer) {
    let mut unfinished = Unfinished {
        remembering: &writer.remembering,
        finished: false,
    };
    loop {
        // The turn first, then the calls: every call that arrived while this task waited for
        // its turn goes into the same statement.
        let mut turn = match writer.turn().await {
            Ok(turn) => turn,
            Err(error) => {
                // No connection (the store is closing): every waiting call hears that its
                // write failed, and a later call starts a task of its own.
                let calls = {
                    let mut waiting = writer.remembering.waiting();
                    waiting.writing = false;
                    std::mem::take(&mut waiting.calls)
                };
                unfinished.finished = true;
                answer_failed(calls, error);
                return;
            }
        };
        let calls = {
            let mut waiting = writer.remembering.waiting();
            if waiting.calls.is_empty() {
                waiting.writing = false;
                unfinished.finished = true;
                return;
            }
            std::mem::take(&mut waiting.calls)
        };
        let fresh = remember_all(&writer, &mut turn, &calls).await;
        drop(turn);
        match fresh {
            Ok(fresh) => {
                for (call, fresh) in calls.into_iter().zip(fresh) {
                    let _ = call.answer.send(Ok(fresh));
                }
            }
            Err(error) => answer_failed(calls, error),
        }
    }
}

/// Tells each of `calls` that its write failed: the first gets `error` itself, the others
/// that it failed.
fn answer_failed(calls: Vec<Remember>, error: StoreError) {
    let mut error = Some(error);
    for call in calls {
        let _ = call
            .answer
            .send(Err(error.take().unwrap_or_else(abandoned)));
    }
}

/// The statement that records each `(kind, key, now, expires_at)` as seen unless a live
/// record of it exists (an expired one counts as unseen and is replaced), returning the
/// `(kind, key)` of each it recorded: [`AuthState::remember_once`], for one or many. The keys
/// must be distinct.
fn remember_statement(records: &[(&str, &str, i64, i64)]) -> (String, Vec<Bind>) {
    let mut sql = String::from(
        "INSERT INTO auth_state (kind, key, value, created_at, expires_at, consumed_at) VALUES ",
    );
    let mut binds = Vec::with_capacity(records.len() * 4);
    for (n, (kind, key, now, expires_at)) in records.iter().enumerate() {
        let p = n * 4;
        if n > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!(
            "(${}, ${}, 'null', ${}, ${}, NULL)",
            p + 1,
            p + 2,
            p + 3,
            p + 4
        ));
        binds.extend([
            Bind::Text((*kind).to_owned()),
            Bind::Text((*key).to_owned()),
            Bind::Int(*now),
            Bind::Int(*expires_at),
        ]);
    }
    sql.push_str(
        " ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, \
         created_at = excluded.created_at, expires_at = excluded.expires_at, consumed_at = NULL \
         WHERE auth_state.expires_at <= excluded.created_at RETURNING kind, key",
    );
    (sql, binds)
}

/// Writes `calls` in as few statements as the parameter limit allows; whether each was new.
async fn remember_all(
    writer: &Writer,
    turn: &mut crate::db::Turn,
    calls: &[Remember],
) -> StoreResult<Vec<bool>> {
    // The first call for a key is written; a later one in the batch finds it written.
    let mut first: HashMap<(&str, &str), usize> = HashMap::with_capacity(calls.len());
    let mut written = Vec::with_capacity(calls.len());
    for (at, call) in calls.iter().enumerate() {
        if let Entry::Vacant(vacant) = first.entry((call.kind.as_str(), call.key.as_str())) {
            vacant.insert(at);
            written.push(call);
        }
    }
    let mut fresh = vec![false; calls.len()];
    for chunk in written.chunks(REMEMBERED_PER_STATEMENT) {
        let records: Vec<_> = chunk
            .iter()
            .map(|call| {
                (
                    call.kind.as_str(),
                    call.key.as_str(),
                    call.now,
                    call.expires_at,
                )
            })
            .collect();
        let (sql, binds) = remember_statement(&records);
        // The text is this function's own, the values all bound.
        let rows: Vec<(String, String)> = writer
            .fetch_all_in_turn(turn, sqlx::AssertSqlSafe(sql), binds)
            .await?;
        for (kind, key) in rows {
            if let Some(&at) = first.get(&(kind.as_str(), key.as_str())) {
                fresh[at] = true;
            }
        }
    }
    Ok(fresh)
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

    /// The live entry under `(kind, key)`, as [`AuthState::get`] returns it, with the live
    /// entries its value names through `links` — each the entry of `link.kind` whose key is the
    /// string in the value's top-level field `link.field` (`None` when the field is missing or
    /// names no live entry). One statement rather than one per entry: the resource server's
    /// guard reads a token, its grant and its client on every request.
    pub async fn get_linked(
        &self,
        kind: &str,
        key: &str,
        links: [Link; 2],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<(AuthEntry, [Option<AuthEntry>; 2])>> {
        let postgres = matches!(self.pool, Pool::Postgres(_));
        let mut binds = key_binds(kind, key);
        binds.push(Bind::Int(micros(now)));
        for link in links {
            binds.push(Bind::Text(link.kind.to_owned()));
            binds.push(Bind::Text(match postgres {
                true => link.field.to_owned(),
                false => format!("$.{}", link.field),
            }));
        }
        let sql = match postgres {
            true => GET_LINKED_POSTGRES,
            false => GET_LINKED_SQLITE,
        };
        let Some(row) = self.pool.fetch_optional::<LinkedRow>(sql, binds).await? else {
            return Ok(None);
        };
        let (value, created, expires, consumed, v1, c1, e1, u1, v2, c2, e2, u2) = row;
        let linked = |columns| match columns {
            (Some(value), Some(created), Some(expires), consumed) => {
                entry_from_row((value, created, expires, consumed)).map(Some)
            }
            _ => Ok(None),
        };
        Ok(Some((
            entry_from_row((value, created, expires, consumed))?,
            [linked((v1, c1, e1, u1))?, linked((v2, c2, e2, u2))?],
        )))
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
        let (now, expires_at) = (micros(now), micros(expires_at));
        match &self.pool {
            Pool::Sqlite(_, writer) => remember_combined(writer, kind, key, now, expires_at).await,
            Pool::Postgres(_) => {
                let (sql, binds) = remember_statement(&[(kind, key, now, expires_at)]);
                let fresh = self
                    .pool
                    .fetch_optional_writing::<(String, String)>(sqlx::AssertSqlSafe(sql), binds)
                    .await?;
                Ok(fresh.is_some())
            }
        }
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
