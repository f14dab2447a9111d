//! Opening a store from a database URL, and bringing its schema up to date.

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::db::{Pool, Writer};
use crate::error::{StoreError, StoreResult};
use crate::{Backend, Store};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// How long a SQLite connection waits for another writer before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections to a SQLite file: readers run in parallel under WAL, writers queue.
const SQLITE_FILE_CONNECTIONS: u32 = 8;

/// How often a SQLite file's WAL is checkpointed in the background while it is written to
/// (see [`Checkpointer`]), and how long at most the checkpoints pause while it is not.
const SQLITE_CHECKPOINT_INTERVAL: Duration = Duration::from_millis(50);
const SQLITE_CHECKPOINT_IDLE: Duration = Duration::from_secs(2);

/// WAL pages after which the writer checkpoints by itself, should the background checkpoints
/// ever fall that far behind (64 MiB).
const SQLITE_AUTOCHECKPOINT_PAGES: u32 = 16_000;

/// Connections to PostgreSQL per process.
const POSTGRES_CONNECTIONS: u32 = 16;

impl Store {
    /// Opens the database `url` names and applies any pending migrations.
    ///
    /// - `sqlite:path/to/file.db` (or `sqlite://…`): a file, created when missing, in WAL mode
    ///   with a busy timeout and foreign keys on; read through a pool of connections, written
    ///   through one, whose page cache stays warm.
    /// - `sqlite::memory:`: a private in-memory database that lives as long as the store. It
    ///   has exactly one connection (every pool connection to an in-memory database would
    ///   otherwise see its own empty database), so operations run one at a time; a
    ///   [`BulkLoader`](crate::BulkLoader) holds that connection until it commits.
    /// - `postgres://…` or `postgresql://…`: a PostgreSQL database that several Sandbank
    ///   processes may share.
    pub async fn connect(url: &str) -> StoreResult<Store> {
        if url.starts_with("sqlite:") {
            connect_sqlite(url).await
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            connect_postgres(url).await
        } else {
            Err(StoreError::UnsupportedUrl)
        }
    }

    /// The file a `sqlite:` URL names, or `None` for an in-memory SQLite database, a
    /// PostgreSQL URL or a URL that does not parse. Lets a caller that must not create a
    /// database ([`Store::connect`] creates a missing file) check that it exists first.
    pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
        if !url.starts_with("sqlite:") || is_in_memory(url) {
            return None;
        }
        let options = SqliteConnectOptions::from_str(url).ok()?;
        Some(options.get_filename().to_path_buf())
    }

    /// Which database this store runs on.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(..) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs `work`, a future that writes through this store, where writes are quickest: on a
    /// SQLite file, on the store's writer thread (a Tokio runtime of its own, where the task
    /// holding the write lock waits behind nothing else); elsewhere, here.
    /// `work` goes on to its end even if the caller stops waiting.
    pub async fn writing<F>(&self, work: F) -> StoreResult<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match &self.pool {
            Pool::Sqlite(
                _,
                Writer {
                    thread: Some(thread),
                    ..
                },
            ) => thread
                .handle()
                .spawn(work)
                .await
                .map_err(|error| StoreError::WriterStopped(Box::new(error))),
            _ => Ok(work.await),
        }
    }

    /// Closes every connection, waiting for operations in flight. A SQLite file is left
    /// consistent (its WAL checkpointed by the last connection to close).
    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(readers, writer) => {
                // The pool waits for the connection the gate keeps.
                writer.release_connection().await;
                writer.pool.close().await;
                readers.close().await;
            }
            Pool::Postgres(pool) => pool.close().await,
        }
    }
}

fn is_in_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

async fn connect_sqlite(url: &str) -> StoreResult<Store> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(StoreError::Connect)?
        .busy_timeout(SQLITE_BUSY_TIMEOUT)
        .foreign_keys(true);
    // No memory map: SQLite unmaps a connection's map whenever it finds the database changed
    // since its last transaction, so under writes every read paid a munmap of the whole file
    // (and the TLB shootdowns it sends the other core) — a tenth of the CPU of the payments
    // benchmark, more than the page reads the map saved.
    let in_memory = is_in_memory(url);
    let (readers, writer) = if in_memory {
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(StoreError::Connect)?;
        (pool.clone(), pool)
    } else {
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            // The checkpoints are the background task's ([`Checkpointer`]); the writer's own
            // automatic checkpoint is only a backstop.
            .pragma(
                "wal_autocheckpoint",
                SQLITE_AUTOCHECKPOINT_PAGES.to_string(),
            );
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options.clone())
            .await
            .map_err(StoreError::Connect)?;
        let readers = SqlitePoolOptions::new()
            .max_connections(SQLITE_FILE_CONNECTIONS)
            .connect_with(options)
            .await
            .map_err(StoreError::Connect)?;
        (readers, writer)
    };
    let checkpointer = (!in_memory).then(|| Checkpointer::start(readers.clone()));
    SQLITE_MIGRATIONS
        .run(&writer)
        .await
        .map_err(StoreError::Migrate)?;
    Ok(Store {
        pool: Pool::Sqlite(
            readers,
            Writer {
                pool: writer,
                gate: Default::default(),
                keep: !in_memory,
                remembering: Default::default(),
                checkpointer: checkpointer.map(std::sync::Arc::new),
                thread: match in_memory {
                    true => None,
                    false => Some(std::sync::Arc::new(WriterThread::start()?)),
                },
            },
        ),
    })
}

/// A thread with a Tokio runtime of its own, where a SQLite file's write transactions run
/// ([`Store::writing`]) and the combined `jti` writes are made.
///
/// A write transaction holds the write lock across its round trips to the connection's
/// thread; after each, the task holding it must be scheduled again before it sends the next.
/// On the server's runtime it queues there behind every other request's work (DPoP
/// verification, JSON), and the lock waits with it. Here nothing else runs: the writer is
/// polled again as soon as its answer arrives.
#[derive(Debug)]
pub(crate) struct WriterThread {
    handle: tokio::runtime::Handle,
    /// Dropped with the store: the thread's runtime stops and the thread ends.
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl WriterThread {
    fn start() -> StoreResult<WriterThread> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|error| StoreError::Connect(sqlx::Error::Io(error)))?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("sandbank-writer".to_owned())
            .spawn(move || {
                runtime.block_on(async {
                    let _ = stopped.await;
                });
                // What still runs there (a transaction whose caller is gone) is dropped: its
                // rollback is SQLite's, when the connection closes.
                runtime.shutdown_background();
            })
            .map_err(|error| StoreError::Connect(sqlx::Error::Io(error)))?;
        Ok(WriterThread {
            handle,
            _stop: stop,
        })
    }

    pub(crate) fn handle(&self) -> &tokio::runtime::Handle {
        &self.handle
    }
}

/// Checkpoints a SQLite file's WAL from a reader connection, off the writer's path, until the
/// store is dropped: every [`SQLITE_CHECKPOINT_INTERVAL`] while the WAL grows, backing off to
/// [`SQLITE_CHECKPOINT_IDLE`] while nothing is written.
///
/// Left to the writer, a checkpoint runs inside the commit that crosses the threshold: it
/// copies every page back to the database file and syncs it while the write lock is held, and
/// every writer queued behind it waits (the payments benchmark's p99: 31 ms with the writer's
/// checkpoints every 4,000 pages; 15-18 ms with these). A `PASSIVE` checkpoint takes neither
/// the write lock nor any reader's: it copies what no reader still needs while the writer goes
/// on appending. Small and often beat large and rare (200 ms: p99 19-28 ms; 1 s: 24-42 ms).
#[derive(Debug)]
pub(crate) struct Checkpointer(tokio::task::AbortHandle);

impl Checkpointer {
    fn start(readers: sqlx::SqlitePool) -> Checkpointer {
        let task = tokio::spawn(async move {
            let mut pause = SQLITE_CHECKPOINT_INTERVAL;
            let mut last_log = None;
            loop {
                tokio::time::sleep(pause).await;
                if readers.is_closed() {
                    return;
                }
                // (busy, frames in the WAL, frames checkpointed). A failed checkpoint (the
                // file busy, say) is tried again next time.
                let done: Result<(i64, i64, i64), _> =
                    sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
                        .fetch_one(&readers)
                        .await;
                let log = done.ok().map(|(_, log, _)| log);
                pause = if log.is_some() && log == last_log {
                    (pause * 2).min(SQLITE_CHECKPOINT_IDLE)
                } else {
                    SQLITE_CHECKPOINT_INTERVAL
                };
                last_log = log;
            }
        });
        Checkpointer(task.abort_handle())
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn connect_postgres(url: &str) -> StoreResult<Store> {
    let pool = PgPoolOptions::new()
        .max_connections(POSTGRES_CONNECTIONS)
        .connect(url)
        .await
        .map_err(StoreError::Connect)?;
    POSTGRES_MIGRATIONS
        .run(&pool)
        .await
        .map_err(StoreError::Migrate)?;
    Ok(Store {
        pool: Pool::Postgres(pool),
    })
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    use super::*;

    #[tokio::test]
    async fn a_sqlite_file_writes_on_its_writer_thread_and_memory_in_place() {
        let thread_name = || std::thread::current().name().map(str::to_owned);
        let dir = tempfile::tempdir().unwrap();
        let file = Store::connect(&format!("sqlite:{}", dir.path().join("w.db").display()))
            .await
            .unwrap();
        let ran_on = file.writing(async move { thread_name() }).await.unwrap();
        assert_eq!(ran_on.as_deref(), Some("sandbank-writer"));
        // Its writes land, and a panic there is an error here, not a panic.
        let auth = file.auth_state();
        let (now, later) = (
            Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap(),
        );
        let writing = auth.clone();
        file.writing(async move { writing.put("w", "k", &json!({"n": 1}), now, later).await })
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            auth.get("w", "k", now).await.unwrap().unwrap().value,
            json!({"n": 1})
        );
        let failed = file.writing(async { panic!("inside the writer") }).await;
        assert!(matches!(failed, Err(StoreError::WriterStopped(_))));
        file.close().await;

        let memory = Store::connect("sqlite::memory:").await.unwrap();
        let here = thread_name();
        assert_eq!(
            memory.writing(async move { thread_name() }).await.unwrap(),
            here
        );
    }

    #[tokio::test]
    async fn a_sqlite_file_is_checkpointed_in_the_background() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("checkpoints.db");
        let store = Store::connect(&format!("sqlite:{}", path.display()))
            .await
            .unwrap();
        let before = std::fs::metadata(&path).unwrap().len();
        // Far fewer pages than the writer's own automatic checkpoint waits for: only the
        // background checkpoints can bring them into the database file.
        let auth = store.auth_state();
        let (now, later) = (
            Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap(),
        );
        let value = json!({"filler": "x".repeat(2_000)});
        for n in 0..200 {
            auth.put("checkpoint-test", &n.to_string(), &value, now, later)
                .await
                .unwrap();
        }
        let mut grown = false;
        for _ in 0..200 {
            if std::fs::metadata(&path).unwrap().len() > before + 200 * 2_000 {
                grown = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(grown, "the WAL was not checkpointed into the database file");
        store.close().await;
    }
}
