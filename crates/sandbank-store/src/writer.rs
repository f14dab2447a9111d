//! A SQLite file's one writer: the gate writers of this process queue at, and the connection
//! it keeps.

use std::sync::Arc;

use sqlx::pool::PoolConnection;
use sqlx::{Sqlite, SqlitePool};

use crate::error::{StoreError, StoreResult};

/// SQLite takes one writer at a time. Writers of this process queue here, in order, before
/// they ask SQLite for its write lock, rather than in SQLite's busy handler, which polls with
/// sleeps of up to 100 ms: eight concurrent payments spent most of their time asleep there
/// (234 payments/s, p99 434 ms, before the gate). Writers in other processes still meet
/// SQLite's lock and its busy timeout. Every write goes through it: transactions, and the
/// statements that write outside one (`Pool::execute`, `Pool::fetch_optional_writing`).
pub(crate) type WriteGate = Arc<tokio::sync::Mutex<Slot>>;

/// What the [`WriteGate`] guards.
#[derive(Debug, Default)]
pub(crate) struct Slot {
    /// The writer's connection, kept between turns (a file's; an in-memory database's one
    /// connection goes back to the pool, where reads need it). Taking it from the pool for each
    /// turn cost a round trip to its thread (the pool's ping) and a task that puts it back,
    /// both inside the turn: a tenth of the time payments held the gate.
    conn: Option<PoolConnection<Sqlite>>,
}

/// Where a SQLite store writes: one connection, behind the [`WriteGate`].
///
/// One connection for every write, rather than whichever pooled one is free, keeps its page
/// cache: SQLite discards a connection's cache (and unmaps its memory map) whenever it starts
/// a transaction and finds that another connection has committed since its last one, which —
/// with writers spread over eight connections — was almost every time. Reads stay on the pool,
/// in parallel. An in-memory database has one connection for both.
#[derive(Debug, Clone)]
pub(crate) struct Writer {
    pub(crate) pool: SqlitePool,
    pub(crate) gate: WriteGate,
    /// Whether the gate keeps the connection between turns (a file: the pool is the writer's
    /// alone), or gives it back after each turn (in memory: the pool's one connection also
    /// reads).
    pub(crate) keep: bool,
    /// `remember_once` calls waiting to be written together (see [`crate::auth_state`]).
    pub(crate) remembering: Arc<crate::auth_state::Remembering>,
    /// A file's background checkpoints, which stop when the last clone of the store is gone.
    #[expect(dead_code, reason = "held for its drop, which stops the checkpoints")]
    pub(crate) checkpointer: Option<Arc<crate::connect::Checkpointer>>,
    /// A file's thread for write transactions ([`crate::Store::writing`]).
    pub(crate) thread: Option<Arc<crate::connect::WriterThread>>,
}

impl Writer {
    /// A turn at the gate, with the writer's connection: the one the gate keeps, or one from
    /// the pool.
    pub(crate) async fn turn(&self) -> StoreResult<Turn> {
        let mut guard = self.gate.clone().lock_owned().await;
        if guard.conn.is_none() {
            guard.conn = Some(self.pool.acquire().await?);
        }
        Ok(Turn {
            guard,
            keep: self.keep,
        })
    }

    /// Gives the connection the gate keeps back to the pool (closing the store), after the
    /// turn in progress, if any.
    pub(crate) async fn release_connection(&self) {
        self.gate.lock().await.conn.take();
    }
}

/// A writer's turn at the [`WriteGate`], with the writer's connection.
#[derive(Debug)]
pub(crate) struct Turn {
    guard: tokio::sync::OwnedMutexGuard<Slot>,
    /// Whether the connection stays at the gate when the turn ends.
    keep: bool,
}

impl Turn {
    /// The writer's connection; an error if it was closed after a failed rollback.
    pub(crate) fn conn(&mut self) -> StoreResult<&mut PoolConnection<Sqlite>> {
        self.guard.conn.as_mut().ok_or_else(|| {
            StoreError::Missing("the writer's connection, closed after an error".to_owned())
        })
    }

    /// Closes the connection rather than keeping it: it may hold a transaction that could not
    /// be rolled back (closing rolls it back). The next turn takes a new one.
    pub(crate) fn discard(&mut self) {
        if let Some(mut conn) = self.guard.conn.take() {
            conn.close_on_drop();
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        if !self.keep {
            // Back to the pool.
            self.guard.conn.take();
        }
    }
}
