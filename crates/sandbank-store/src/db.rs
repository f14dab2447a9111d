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
    /// SQLite, a file or in memory: the connections that read, and the one that writes.
    Sqlite(SqlitePool, Writer),
    /// PostgreSQL.
    Postgres(PgPool),
}

pub(crate) use crate::writer::{Turn, Writer};

/// A database transaction on either backend.
#[derive(Debug)]
pub(crate) enum Tx {
    Sqlite(SqliteTx),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

/// A SQLite transaction, run by hand on a pooled connection so that its `BEGIN` and its
/// `COMMIT` travel with its first and last statements rather than each costing a round trip of
/// its own. It holds the [`crate::writer::WriteGate`] until it ends, and the statements [`Tx::defer`]red since
/// its last round trip.
///
/// A transaction dropped after it began without a commit or a rollback (an error returned
/// early, a request cancelled) is rolled back by a task that holds its connection and its turn
/// at the gate until the `ROLLBACK` is done, so no later user of the pool ever finds a
/// transaction half done, and no other writer of this process starts before it is undone.
#[derive(Debug)]
pub(crate) struct SqliteTx {
    /// The turn and its connection, until the transaction ends or its drop hands it to the
    /// rollback.
    turn: Option<Turn>,
    /// The `BEGIN` (or `BEGIN IMMEDIATE`) until it goes out, with the first statement.
    begin: Option<&'static str>,
    deferred: Deferred,
    /// Whether the transaction has ended (committed or rolled back).
    ended: bool,
}

/// Rolls back what a transaction sent; when even that fails the connection is closed, which
/// rolls back what it held.
async fn undo(turn: &mut Turn) -> StoreResult<()> {
    let undone = match turn.conn() {
        Ok(conn) => sqlx::query("ROLLBACK")
            .execute(&mut **conn)
            .await
            .map(drop)
            .map_err(crate::StoreError::from),
        Err(error) => Err(error),
    };
    if undone.is_err() {
        turn.discard();
    }
    undone
}

impl Drop for SqliteTx {
    fn drop(&mut self) {
        if self.begin.is_some() || self.ended {
            return;
        }
        let Some(mut turn) = self.turn.take() else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    let _ = undo(&mut turn).await;
                });
            }
            Err(_) => turn.discard(),
        }
    }
}

/// Writes a SQLite transaction has been asked for but not yet sent: one multi-statement SQL
/// text whose parameters are numbered across all of them, and their values in that order.
///
/// Each statement is a hop to the connection's worker thread and back (two futex wake-ups and
/// the context switches they cost), and a payment's write set is a dozen statements: sent as
/// one text, they cost one hop. SQLite prepares each statement of the text in turn and binds
/// `$n` to the n-th value of the whole list, so each deferred statement's parameters are
/// renumbered after those before it ([`renumbered`]).
#[derive(Debug, Default)]
struct Deferred {
    sql: String,
    binds: Vec<Bind>,
    /// How many statements `sql` holds.
    statements: usize,
}

impl Deferred {
    fn push(&mut self, sql: &str, binds: Vec<Bind>) {
        self.sql.push_str(&renumbered(sql, self.binds.len()));
        self.sql.push_str(";\n");
        self.binds.extend(binds);
        self.statements += 1;
    }
}

/// `sql` with each parameter `$n` renumbered `$(n + offset)`. The statements deferred here are
/// this crate's own text, where a `$` only ever starts a parameter (no string literal holds one).
fn renumbered(sql: &str, offset: usize) -> String {
    if offset == 0 {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 8);
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest[..digits].parse::<usize>() {
            Ok(n) => out.push_str(&(n + offset).to_string()),
            Err(_) => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
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

impl Writer {
    /// Every row a statement that writes returns, run in `turn`.
    pub(crate) async fn fetch_all_in_turn<O: AnyRow>(
        &self,
        turn: &mut Turn,
        sql: impl SqlSafeStr,
        binds: Vec<Bind>,
    ) -> StoreResult<Vec<O>> {
        Ok(bind_all!(sqlx::query_as::<_, O>(sql), binds)
            .fetch_all(&mut **turn.conn()?)
            .await?)
    }
}

impl SqliteTx {
    /// A transaction in `turn` that starts with `begin` (`BEGIN` or `BEGIN IMMEDIATE`), sent
    /// with its first statement.
    fn new(turn: Turn, begin: &'static str) -> Self {
        SqliteTx {
            turn: Some(turn),
            begin: Some(begin),
            deferred: Deferred::default(),
            ended: false,
        }
    }

    /// The transaction's connection; an error once it has ended.
    fn conn(&mut self) -> StoreResult<&mut sqlx::pool::PoolConnection<Sqlite>> {
        match self.turn.as_mut() {
            Some(turn) => turn.conn(),
            None => Err(crate::StoreError::Missing(
                "the connection of a transaction that ended".to_owned(),
            )),
        }
    }

    /// `sql` with `binds`, preceded by what was deferred (the `BEGIN`, the writes since the
    /// last round trip): the text and values to send in one round trip.
    fn with_deferred(&mut self, sql: &str, binds: Vec<Bind>) -> (String, Vec<Bind>) {
        let Deferred {
            sql: writes,
            binds: mut values,
            ..
        } = std::mem::take(&mut self.deferred);
        let mut text = match self.begin.take() {
            Some(begin) => format!("{begin};\n"),
            None => String::new(),
        };
        text.push_str(&writes);
        text.push_str(&renumbered(sql, values.len()));
        values.extend(binds);
        (text, values)
    }

    /// Defers `sql` with `binds`, sending what waits first if the parameters would be
    /// numbered past SQLite's limit.
    async fn push(&mut self, sql: &str, binds: Vec<Bind>) -> StoreResult<()> {
        if self.deferred.binds.len() + binds.len() > MAX_BIND_VARIABLES {
            self.flush().await?;
        }
        self.deferred.push(sql, binds);
        Ok(())
    }

    /// Sends what waits (the `BEGIN`, deferred writes), if anything, in one round trip.
    async fn flush(&mut self) -> StoreResult<()> {
        if self.begin.is_none() && self.deferred.sql.is_empty() {
            return Ok(());
        }
        let (sql, binds) = self.with_deferred("", Vec::new());
        bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql)), binds)
            .execute(&mut **self.conn()?)
            .await?;
        Ok(())
    }

    async fn fetch_all<O: AnyRow>(&mut self, sql: &str, binds: Vec<Bind>) -> StoreResult<Vec<O>> {
        let (sql, binds) = self.with_deferred(sql, binds);
        Ok(
            bind_all!(sqlx::query_as::<_, O>(sqlx::AssertSqlSafe(sql)), binds)
                .fetch_all(&mut **self.conn()?)
                .await?,
        )
    }

    /// Two queries in one round trip (after what waits), each with its own rows: the rows are
    /// told apart by the statement they come from, counted by the ends of statements.
    async fn fetch_two<A: AnyRow, B: AnyRow>(
        &mut self,
        first: (&str, Vec<Bind>),
        second: (&str, Vec<Bind>),
    ) -> StoreResult<(Vec<A>, Vec<B>)> {
        use futures_util::TryStreamExt;
        use sqlx::Either;

        // The statements before the first query: the `BEGIN`, the deferred writes.
        let before = usize::from(self.begin.is_some()) + self.deferred.statements;
        let (first_sql, mut binds) = first;
        let mut sql = first_sql.to_owned();
        sql.push_str(";\n");
        sql.push_str(&renumbered(second.0, binds.len()));
        binds.extend(second.1);
        let (sql, binds) = self.with_deferred(&sql, binds);
        let mut ended = 0;
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let conn = &mut **self.conn()?;
        // `fetch_many` is deprecated because several statements in one prepared query are (only
        // SQLite has them); every deferred write here already relies on them, and it is the one
        // way to read where each statement's rows end.
        #[allow(deprecated)]
        let mut results = bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql)), binds).fetch_many(conn);
        while let Some(result) = results.try_next().await? {
            match result {
                Either::Left(_) => ended += 1,
                Either::Right(row) if ended == before => a.push(A::from_row(&row)?),
                Either::Right(row) if ended == before + 1 => b.push(B::from_row(&row)?),
                Either::Right(_) => {
                    return Err(crate::StoreError::Missing(
                        "a row from a statement that returns none".to_owned(),
                    ));
                }
            }
        }
        Ok((a, b))
    }

    async fn fetch_optional<O: AnyRow>(
        &mut self,
        sql: &str,
        binds: Vec<Bind>,
    ) -> StoreResult<Option<O>> {
        let (sql, binds) = self.with_deferred(sql, binds);
        Ok(
            bind_all!(sqlx::query_as::<_, O>(sqlx::AssertSqlSafe(sql)), binds)
                .fetch_optional(&mut **self.conn()?)
                .await?,
        )
    }

    /// Runs one statement and counts the rows it changed: what waits (the `BEGIN`, deferred
    /// writes) goes first, in a round trip of its own — a count over both would count the
    /// writes' rows too, and SQLite reports a `BEGIN` as changing as many rows as the
    /// connection's last write did.
    async fn execute(&mut self, sql: &str, binds: Vec<Bind>) -> StoreResult<u64> {
        self.flush().await?;
        let (sql, binds) = self.with_deferred(sql, binds);
        Ok(bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql)), binds)
            .execute(&mut **self.conn()?)
            .await?
            .rows_affected())
    }

    /// Sends what was deferred and the `COMMIT` together. A transaction that never sent a
    /// statement has nothing to commit.
    async fn commit(mut self) -> StoreResult<()> {
        // Only the `BEGIN` waits: nothing was asked of the database.
        if self.begin.is_some() && self.deferred.sql.is_empty() {
            self.ended = true;
            return Ok(());
        }
        let (sql, binds) = self.with_deferred("COMMIT", Vec::new());
        bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql)), binds)
            .execute(&mut **self.conn()?)
            .await?;
        self.ended = true;
        Ok(())
    }

    /// Rolls back what was sent; what was deferred is never sent.
    async fn rollback(mut self) -> StoreResult<()> {
        self.ended = true;
        match (self.begin, self.turn.as_mut()) {
            (None, Some(turn)) => undo(turn).await,
            _ => Ok(()),
        }
    }
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
        Ok(match self {
            Pool::Sqlite(_, writer) => {
                let mut turn = writer.turn().await?;
                bind_all!(sqlx::query(sql), binds)
                    .execute(&mut **turn.conn()?)
                    .await?
                    .rows_affected()
            }
            Pool::Postgres(pool) => bind_all!(sqlx::query(sql), binds)
                .execute(pool)
                .await?
                .rows_affected(),
        })
    }

    /// The first row a statement that writes returns (`UPDATE ... RETURNING`), if any.
    pub(crate) async fn fetch_optional_writing<O: AnyRow>(
        &self,
        sql: impl SqlSafeStr,
        binds: Vec<Bind>,
    ) -> StoreResult<Option<O>> {
        Ok(match self {
            Pool::Sqlite(_, writer) => {
                let mut turn = writer.turn().await?;
                bind_all!(sqlx::query_as::<_, O>(sql), binds)
                    .fetch_optional(&mut **turn.conn()?)
                    .await?
            }
            Pool::Postgres(pool) => {
                bind_all!(sqlx::query_as::<_, O>(sql), binds)
                    .fetch_optional(pool)
                    .await?
            }
        })
    }

    /// Starts a transaction.
    pub(crate) async fn begin(&self) -> StoreResult<Tx> {
        Ok(match self {
            Pool::Sqlite(_, writer) => Tx::Sqlite(SqliteTx::new(writer.turn().await?, "BEGIN")),
            Pool::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Starts a transaction that will write: on SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`, waiting up to the busy timeout), so that what it reads stays true
    /// until it commits and its first write never fails on a snapshot another writer made
    /// stale. On PostgreSQL, an ordinary transaction.
    pub(crate) async fn begin_write(&self) -> StoreResult<Tx> {
        Ok(match self {
            Pool::Sqlite(_, writer) => {
                Tx::Sqlite(SqliteTx::new(writer.turn().await?, "BEGIN IMMEDIATE"))
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
    /// Whether the transaction runs on PostgreSQL (where rows are locked with `FOR UPDATE`).
    pub(crate) fn is_postgres(&self) -> bool {
        matches!(self, Tx::Postgres(_))
    }

    /// Every row the query returns.
    pub(crate) async fn fetch_all<O: AnyRow>(
        &mut self,
        sql: impl SqlSafeStr,
        binds: Vec<Bind>,
    ) -> StoreResult<Vec<O>> {
        match self {
            Tx::Sqlite(sqlite) => sqlite.fetch_all(sql.into_sql_str().as_str(), binds).await,
            Tx::Postgres(tx) => Ok(bind_all!(sqlx::query_as::<_, O>(sql), binds)
                .fetch_all(&mut **tx)
                .await?),
        }
    }

    /// The first row the query returns, if any.
    pub(crate) async fn fetch_optional<O: AnyRow>(
        &mut self,
        sql: impl SqlSafeStr,
        binds: Vec<Bind>,
    ) -> StoreResult<Option<O>> {
        match self {
            Tx::Sqlite(sqlite) => {
                sqlite
                    .fetch_optional(sql.into_sql_str().as_str(), binds)
                    .await
            }
            Tx::Postgres(tx) => Ok(bind_all!(sqlx::query_as::<_, O>(sql), binds)
                .fetch_optional(&mut **tx)
                .await?),
        }
    }

    /// The rows of two queries: on SQLite in one round trip (with what was deferred), on
    /// PostgreSQL one after the other.
    pub(crate) async fn fetch_two<A: AnyRow, B: AnyRow>(
        &mut self,
        first: (&str, Vec<Bind>),
        second: (&str, Vec<Bind>),
    ) -> StoreResult<(Vec<A>, Vec<B>)> {
        match self {
            Tx::Sqlite(sqlite) => sqlite.fetch_two(first, second).await,
            Tx::Postgres(tx) => {
                // The texts are this crate's own, their values bound.
                let a = bind_all!(
                    sqlx::query_as::<_, A>(sqlx::AssertSqlSafe(first.0.to_owned())),
                    first.1
                )
                .fetch_all(&mut **tx)
                .await?;
                let b = bind_all!(
                    sqlx::query_as::<_, B>(sqlx::AssertSqlSafe(second.0.to_owned())),
                    second.1
                )
                .fetch_all(&mut **tx)
                .await?;
                Ok((a, b))
            }
        }
    }

    /// Runs a statement; returns the number of rows it changed.
    pub(crate) async fn execute(
        &mut self,
        sql: impl SqlSafeStr,
        binds: Vec<Bind>,
    ) -> StoreResult<u64> {
        match self {
            Tx::Sqlite(sqlite) => sqlite.execute(sql.into_sql_str().as_str(), binds).await,
            Tx::Postgres(tx) => Ok(bind_all!(sqlx::query(sql), binds)
                .execute(&mut **tx)
                .await?
                .rows_affected()),
        }
    }

    /// Runs a write whose outcome the caller does not need now: on PostgreSQL at once, on SQLite
    /// with the transaction's next statement or its commit, in one round trip with every other
    /// write deferred meanwhile ([`Deferred`]). An error it causes is the error of that next
    /// statement or of the commit; either way the transaction writes nothing.
    pub(crate) async fn defer(&mut self, sql: &'static str, binds: Vec<Bind>) -> StoreResult<()> {
        match self {
            Tx::Sqlite(sqlite) => sqlite.push(sql, binds).await,
            Tx::Postgres(tx) => {
                bind_all!(sqlx::query(sql), binds)
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }
        }
    }

    /// Inserts one row into `table`, [deferred](Self::defer) on SQLite.
    pub(crate) async fn defer_insert(
        &mut self,
        table: &TableSpec,
        row: Vec<Bind>,
    ) -> StoreResult<()> {
        match self {
            Tx::Sqlite(sqlite) => sqlite.push(&table.single_row_insert(), row).await,
            Tx::Postgres(tx) => insert_postgres(tx, table, vec![row], true).await,
        }
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
                Tx::Sqlite(sqlite) => {
                    sqlite.flush().await?;
                    insert_sqlite(sqlite.conn()?, table, chunk, persistent).await?;
                }
                Tx::Postgres(tx) => insert_postgres(tx, table, chunk, persistent).await?,
            }
        }
        Ok(())
    }

    /// Commits the transaction, with what was deferred.
    pub(crate) async fn commit(self) -> StoreResult<()> {
        match self {
            Tx::Sqlite(sqlite) => sqlite.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    /// Rolls the transaction back; what was deferred is never sent.
    pub(crate) async fn rollback(self) -> StoreResult<()> {
        match self {
            Tx::Sqlite(sqlite) => sqlite.rollback().await?,
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

    /// `INSERT INTO table (columns) VALUES ($1, ..., $n)`.
    fn single_row_insert(&self) -> String {
        let values: Vec<String> = (1..=self.columns.len()).map(|n| format!("${n}")).collect();
        format!("{}VALUES ({})", self.insert_prefix(), values.join(", "))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deferred_statements_number_their_parameters_after_those_before_them() {
        let mut deferred = Deferred::default();
        deferred.push(
            "UPDATE a SET x = $2 WHERE id = $1",
            vec![Bind::Int(1), Bind::Int(2)],
        );
        deferred.push(
            "INSERT INTO b (p, q, r) VALUES ($1, $3, $2)",
            vec![Bind::Int(3); 3],
        );
        deferred.push(
            "DELETE FROM c WHERE id = $1 AND $10 = $1",
            vec![Bind::Int(4); 10],
        );
        assert_eq!(
            deferred.sql,
            "UPDATE a SET x = $2 WHERE id = $1;\nINSERT INTO b (p, q, r) VALUES ($3, $5, $4);\n\
             DELETE FROM c WHERE id = $6 AND $15 = $6;\n"
        );
        assert_eq!(deferred.binds.len(), 15);
        assert_eq!(renumbered("SELECT 'a$' || $", 3), "SELECT 'a$' || $");
    }

    /// A file store and an in-memory one (whose single connection a lost transaction must not
    /// take down with it).
    async fn stores(dir: &tempfile::TempDir) -> Vec<crate::Store> {
        let file = format!("sqlite:{}", dir.path().join("tx.db").display());
        let mut stores = Vec::new();
        for url in [file.as_str(), "sqlite::memory:"] {
            stores.push(crate::Store::connect(url).await.unwrap());
        }
        stores
    }

    async fn values(store: &crate::Store) -> Vec<String> {
        let rows: Vec<(String,)> = store
            .pool
            .fetch_all(
                "SELECT key FROM auth_state WHERE kind = 'tx-test' ORDER BY key",
                vec![],
            )
            .await
            .unwrap();
        rows.into_iter().map(|(key,)| key).collect()
    }

    const PUT: &str = "INSERT INTO auth_state (kind, key, value, created_at, expires_at) \
                       VALUES ('tx-test', $1, 'null', 0, $2)";

    #[tokio::test]
    async fn two_queries_in_one_round_trip_keep_their_own_rows() {
        let dir = tempfile::tempdir().unwrap();
        for store in stores(&dir).await {
            let mut tx = store.pool.begin_write().await.unwrap();
            tx.defer(PUT, vec![Bind::Text("a".into()), Bind::Int(5)])
                .await
                .unwrap();
            tx.defer(PUT, vec![Bind::Text("b".into()), Bind::Int(7)])
                .await
                .unwrap();
            // With the BEGIN and two deferred writes before them, each query numbering its
            // parameters from $1: rows of different shapes, each where it belongs, and the
            // second query with none.
            let (keys, none): (Vec<(String,)>, Vec<(String, i64)>) = tx
                .fetch_two(
                    (
                        "SELECT key FROM auth_state WHERE kind = 'tx-test' AND expires_at >= $1 ORDER BY key",
                        vec![Bind::Int(5)],
                    ),
                    (
                        "SELECT key, expires_at FROM auth_state WHERE kind = 'tx-test' AND key = $1",
                        vec![Bind::Text("z".into())],
                    ),
                )
                .await
                .unwrap();
            assert_eq!(keys, [("a".to_owned(),), ("b".to_owned(),)]);
            assert!(none.is_empty());
            let (none, pairs): (Vec<(String,)>, Vec<(String, i64)>) = tx
                .fetch_two(
                    (
                        "SELECT key FROM auth_state WHERE kind = 'tx-test' AND key = $1",
                        vec![Bind::Text("z".into())],
                    ),
                    (
                        "SELECT key, expires_at FROM auth_state WHERE kind = 'tx-test' AND expires_at > $1",
                        vec![Bind::Int(5)],
                    ),
                )
                .await
                .unwrap();
            assert!(none.is_empty());
            assert_eq!(pairs, [("b".to_owned(), 7)]);
            tx.commit().await.unwrap();
            assert_eq!(values(&store).await, ["a", "b"]);
        }
    }

    #[tokio::test]
    async fn deferred_writes_are_seen_by_the_transaction_and_committed_together() {
        let dir = tempfile::tempdir().unwrap();
        for store in stores(&dir).await {
            let mut tx = store.pool.begin_write().await.unwrap();
            tx.defer(PUT, vec![Bind::Text("a".into()), Bind::Int(i64::MAX)])
                .await
                .unwrap();
            tx.defer(PUT, vec![Bind::Text("b".into()), Bind::Int(i64::MAX)])
                .await
                .unwrap();
            // The read goes out with the writes before it, and sees them.
            let seen: Vec<(String,)> = tx
                .fetch_all(
                    "SELECT key FROM auth_state WHERE kind = 'tx-test' AND expires_at = $1",
                    vec![Bind::Int(i64::MAX)],
                )
                .await
                .unwrap();
            assert_eq!(seen.len(), 2);
            tx.defer(PUT, vec![Bind::Text("c".into()), Bind::Int(1)])
                .await
                .unwrap();
            tx.commit().await.unwrap();
            assert_eq!(values(&store).await, ["a", "b", "c"]);

            // A transaction of deferred writes alone: BEGIN, writes and COMMIT in one text.
            let mut tx = store.pool.begin_write().await.unwrap();
            tx.defer(PUT, vec![Bind::Text("d".into()), Bind::Int(1)])
                .await
                .unwrap();
            tx.commit().await.unwrap();
            assert_eq!(values(&store).await, ["a", "b", "c", "d"]);

            // A failing deferred write fails the commit, and nothing of its transaction stays.
            let mut tx = store.pool.begin_write().await.unwrap();
            tx.defer(PUT, vec![Bind::Text("e".into()), Bind::Int(1)])
                .await
                .unwrap();
            tx.defer(PUT, vec![Bind::Text("a".into()), Bind::Int(1)])
                .await
                .unwrap();
            assert!(tx.commit().await.is_err());
            assert_eq!(values(&store).await, ["a", "b", "c", "d"]);
            // The connection is usable after.
            let mut tx = store.pool.begin_write().await.unwrap();
            tx.defer(PUT, vec![Bind::Text("f".into()), Bind::Int(1)])
                .await
                .unwrap();
            tx.commit().await.unwrap();
            assert_eq!(values(&store).await, ["a", "b", "c", "d", "f"]);
        }
    }

    #[tokio::test]
    async fn a_transaction_dropped_unfinished_is_rolled_back_before_the_next_writer() {
        let dir = tempfile::tempdir().unwrap();
        for store in stores(&dir).await {
            let mut tx = store.pool.begin_write().await.unwrap();
            let inserted = tx
                .execute(PUT, vec![Bind::Text("lost".into()), Bind::Int(1)])
                .await
                .unwrap();
            assert_eq!(inserted, 1);
            tx.defer(PUT, vec![Bind::Text("lost too".into()), Bind::Int(1)])
                .await
                .unwrap();
            drop(tx);
            // The next writer starts after the rollback, on a database without the lost rows.
            let mut tx = store.pool.begin_write().await.unwrap();
            tx.defer(PUT, vec![Bind::Text("kept".into()), Bind::Int(1)])
                .await
                .unwrap();
            tx.commit().await.unwrap();
            assert_eq!(values(&store).await, ["kept"]);
            // An explicit rollback leaves nothing either, and a transaction that sent nothing
            // commits nothing.
            let mut tx = store.pool.begin_write().await.unwrap();
            tx.execute(PUT, vec![Bind::Text("undone".into()), Bind::Int(1)])
                .await
                .unwrap();
            tx.rollback().await.unwrap();
            store
                .pool
                .begin_write()
                .await
                .unwrap()
                .commit()
                .await
                .unwrap();
            assert_eq!(values(&store).await, ["kept"]);
        }
    }

    #[test]
    fn a_single_row_insert_names_every_column() {
        let table = TableSpec {
            name: "t",
            columns: &["a", "b", "c"],
        };
        assert_eq!(
            table.single_row_insert(),
            "INSERT INTO t (a, b, c) VALUES ($1, $2, $3)"
        );
    }
}
