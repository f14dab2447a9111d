//! The two backends behind one door: a pool of either SQLite or PostgreSQL connections, and the
//! few ways the rest of the crate talks to it. SQL text is shared between the backends (both
//! accept `$1`-style parameters); where the SQL must differ, the caller matches on [`Pool`].

use serde::de::DeserializeOwned;
use sqlx::postgres::{PgConnection, PgPool, PgRow};
use sqlx::sqlite::{SqliteConnection, SqlitePool, SqliteRow};
use sqlx::{FromRow, Postgres, QueryBuilder, SqlSafeStr, Sqlite};

use crate::encode::{from_bodies, from_body};
use crate::error::StoreResult;

/// A connection pool to one of the supported databases.
#[derive(Debug, Clone)]
pub(crate) enum Pool {
    /// SQLite, a file or in memory, with the gate its writers pass one at a time.
    Sqlite(SqlitePool, WriteGate),
    /// PostgreSQL.
    Postgres(PgPool),
}

/// SQLite takes one writer at a time. Writers of this process queue here, in order, before
/// they ask SQLite for its write lock, rather than in SQLite's busy handler, which polls with
/// sleeps of up to 100 ms: eight concurrent payments spent most of their time asleep there
/// (234 payments/s, p99 434 ms, before the gate). Writers in other processes still meet
/// SQLite's lock and its busy timeout. Every write goes through it: transactions, and the
/// statements that write outside one ([`Pool::execute`], [`Pool::fetch_optional_writing`]).
pub(crate) type WriteGate = std::sync::Arc<tokio::sync::Mutex<()>>;

/// A database transaction on either backend; on SQLite it holds the [`WriteGate`] until it
/// ends.
#[derive(Debug)]
pub(crate) enum Tx {
    Sqlite(
        sqlx::Transaction<'static, Sqlite>,
        tokio::sync::OwnedMutexGuard<()>,
    ),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

/// One value bound to a statement parameter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Bind {
    Text(String),
    OptText(Option<String>),
    Int(i64),
    OptInt(Option<i64>),
    Bool(bool),
}

/// A row type both backends can decode.
pub(crate) trait AnyRow:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

impl<T> AnyRow for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

/// Binds every value of `$binds`, in order, to the query `$query`.
macro_rules! bind_all {
    ($query:expr, $binds:expr) => {{
        let mut query = $query;
        for bind in $binds {
            query = match bind {
                Bind::Text(value) => query.bind(value),
                Bind::OptText(value) => query.bind(value),
                Bind::Int(value) => query.bind(value),
                Bind::OptInt(value) => query.bind(value),
                Bind::Bool(value) => query.bind(value),
            };
        }
        query
    }};
}

/// Runs `$body` with `$exec` bound to the backend's executor.
macro_rules! on_pool {
    ($pool:expr, $exec:ident => $body:expr) => {
        match $pool {
            Pool::Sqlite($exec, _) => $body,
            Pool::Postgres($exec) => $body,
        }
    };
}

macro_rules! on_tx {
    ($tx:expr, $exec:ident => $body:expr) => {
        match $tx {
            Tx::Sqlite(tx, _) => {
                let $exec = &mut **tx;
                $body
            }
            Tx::Postgres(tx) => {
                let $exec = &mut **tx;
                $body
            }
        }
    };
}

impl Pool {
    /// Every row the query returns.
    pub(crate) async fn fetch_all<O: AnyRow>(
        &self,
        sql: impl SqlSafeStr,
        binds: Vec<Bind>,
    ) -> StoreResult<Vec<O>> {
        Ok(
            on_pool!(self, exec => bind_all!(sqlx::query_as::<_, O>(sql), binds).fetch_all(exec).await?),
        )
    }

    /// The first row the query returns, if any.
    pub(crate) async fn fetch_optional<O: AnyRow>(
        &self,
        sql: impl SqlSafeStr,
        binds: Vec<Bind>,
    ) -> StoreResult<Option<O>> {
        Ok(
            on_pool!(self, exec => bind_all!(sqlx::query_as::<_, O>(sql), binds).fetch_optional(exec).await?),
        )
    }

    /// The records whose JSON bodies the query returns (as its only column), in order.
    pub(crate) async fn records<T: DeserializeOwned>(
        &self,
        sql: impl SqlSafeStr,
        binds: Vec<Bind>,
    ) -> StoreResult<Vec<T>> {
        from_bodies(self.fetch_all::<(String,)>(sql, binds).await?)
    }

    /// The record whose JSON body the query returns (as its only column), if any.
    pub(crate) async fn record<T: DeserializeOwned>(
        &self,
        sql: impl SqlSafeStr,
        binds: Vec<Bind>,
    ) -> StoreResult<Option<T>> {
        match self.fetch_optional::<(String,)>(sql, binds).await? {
            Some((body,)) => from_body(&body).map(Some),
            None => Ok(None),
        }
    }

    /// Runs a statement that writes; returns the number of rows it changed.
    pub(crate) async fn execute(&self, sql: impl SqlSafeStr, binds: Vec<Bind>) -> StoreResult<u64> {
        let _gate = self.gate().await;
        Ok(
            on_pool!(self, exec => bind_all!(sqlx::query(sql), binds).execute(exec).await?.rows_affected()),
        )
    }

    /// The first row a statement that writes returns (`UPDATE ... RETURNING`), if any.
    pub(crate) async fn fetch_optional_writing<O: AnyRow>(
        &self,
        sql: impl SqlSafeStr,
        binds: Vec<Bind>,
    ) -> StoreResult<Option<O>> {
        let _gate = self.gate().await;
        self.fetch_optional(sql, binds).await
    }

    /// On SQLite, this process's turn to write ([`WriteGate`]).
    async fn gate(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match self {
            Pool::Sqlite(_, gate) => Some(gate.clone().lock_owned().await),
            Pool::Postgres(_) => None,
        }
    }

    /// Starts a transaction.
    pub(crate) async fn begin(&self) -> StoreResult<Tx> {
        Ok(match self {
            Pool::Sqlite(pool, gate) => {
                let turn = gate.clone().lock_owned().await;
                Tx::Sqlite(pool.begin().await?, turn)
            }
            Pool::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Starts a transaction that will write: on SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`, waiting up to the busy timeout), so that what it reads stays true
    /// until it commits and its first write never fails on a snapshot another writer made
    /// stale. On PostgreSQL, an ordinary transaction.
    pub(crate) async fn begin_write(&self) -> StoreResult<Tx> {
        Ok(match self {
            Pool::Sqlite(pool, gate) => {
                let turn = gate.clone().lock_owned().await;
                Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?, turn)
            }
            Pool::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Inserts `rows` into `table` outside any explicit transaction, in as few statements as the
    /// bind limit allows.
    pub(crate) async fn insert_rows(
        &self,
        table: &TableSpec,
        rows: Vec<Vec<Bind>>,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        tx.insert_rows(table, rows).await?;
        tx.commit().await
    }
}

impl Tx {
    /// Every row the query returns.
    pub(crate) async fn fetch_all<O: AnyRow>(
        &mut self,
        sql: impl SqlSafeStr,
        binds: Vec<Bind>,
    ) -> StoreResult<Vec<O>> {
        Ok(
            on_tx!(self, exec => bind_all!(sqlx::query_as::<_, O>(sql), binds).fetch_all(exec).await?),
        )
    }

    /// The first row the query returns, if any.
    pub(crate) async fn fetch_optional<O: AnyRow>(
        &mut self,
        sql: impl SqlSafeStr,
        binds: Vec<Bind>,
    ) -> StoreResult<Option<O>> {
        Ok(
            on_tx!(self, exec => bind_all!(sqlx::query_as::<_, O>(sql), binds).fetch_optional(exec).await?),
        )
    }

    /// Runs a statement; returns the number of rows it changed.
    pub(crate) async fn execute(
        &mut self,
        sql: impl SqlSafeStr,
        binds: Vec<Bind>,
    ) -> StoreResult<u64> {
        Ok(
            on_tx!(self, exec => bind_all!(sqlx::query(sql), binds).execute(exec).await?.rows_affected()),
        )
    }

    /// Inserts `rows` (each with one value per column of `table`) with multi-row `INSERT`s of
    /// at most [`TableSpec::rows_per_statement`] rows. Full-size and single-row statements stay
    /// prepared on the connection (a bulk load repeats them); other sizes are one-offs and are
    /// not cached.
    pub(crate) async fn insert_rows(
        &mut self,
        table: &TableSpec,
        rows: Vec<Vec<Bind>>,
    ) -> StoreResult<()> {
        let per_statement = table.rows_per_statement();
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<Vec<Bind>> = rows.by_ref().take(per_statement).collect();
            let persistent = chunk.len() == per_statement || chunk.len() == 1;
            match self {
                Tx::Sqlite(tx, _) => insert_sqlite(tx, table, chunk, persistent).await?,
                Tx::Postgres(tx) => insert_postgres(tx, table, chunk, persistent).await?,
            }
        }
        Ok(())
    }

    /// Commits the transaction.
    pub(crate) async fn commit(self) -> StoreResult<()> {
        match self {
            Tx::Sqlite(tx, _turn) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    /// Rolls the transaction back.
    pub(crate) async fn rollback(self) -> StoreResult<()> {
        match self {
            Tx::Sqlite(tx, _turn) => tx.rollback().await?,
            Tx::Postgres(tx) => tx.rollback().await?,
        }
        Ok(())
    }
}

/// Most parameters one statement may bind: SQLite allows 32,766, PostgreSQL 65,535.
const MAX_BIND_VARIABLES: usize = 32_766;

/// Most rows one `INSERT` carries, whatever the width: beyond this, bigger statements stop
/// paying off.
const MAX_ROWS_PER_STATEMENT: usize = 500;

/// A table rows are inserted into: its name and columns, in the order of each row's values.
#[derive(Debug)]
pub(crate) struct TableSpec {
    pub(crate) name: &'static str,
    pub(crate) columns: &'static [&'static str],
}

impl TableSpec {
    /// How many rows one multi-row `INSERT` into this table carries at most.
    pub(crate) fn rows_per_statement(&self) -> usize {
        (MAX_BIND_VARIABLES / self.columns.len().max(1)).clamp(1, MAX_ROWS_PER_STATEMENT)
    }

    fn insert_prefix(&self) -> String {
        format!("INSERT INTO {} ({}) ", self.name, self.columns.join(", "))
    }
}

/// Declares the multi-row insert for one backend; the body is the same for both.
macro_rules! insert_fn {
    ($name:ident, $db:ty, $conn:ty) => {
        async fn $name(
            conn: &mut $conn,
            table: &TableSpec,
            rows: Vec<Vec<Bind>>,
            persistent: bool,
        ) -> StoreResult<()> {
            let mut builder = QueryBuilder::<$db>::new(table.insert_prefix());
            builder.push_values(rows, |mut values, row| {
                for bind in row {
                    match bind {
                        Bind::Text(value) => values.push_bind(value),
                        Bind::OptText(value) => values.push_bind(value),
                        Bind::Int(value) => values.push_bind(value),
                        Bind::OptInt(value) => values.push_bind(value),
                        Bind::Bool(value) => values.push_bind(value),
                    };
                }
            });
            builder.build().persistent(persistent).execute(conn).await?;
            Ok(())
        }
    };
}

insert_fn!(insert_sqlite, Sqlite, SqliteConnection);
insert_fn!(insert_postgres, Postgres, PgConnection);
