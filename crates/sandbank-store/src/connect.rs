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

/// WAL pages between automatic checkpoints of a SQLite file.
const SQLITE_AUTOCHECKPOINT_PAGES: u32 = 4_000;

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

    /// Closes every connection, waiting for operations in flight. A SQLite file is left
    /// consistent (its WAL checkpointed by the last connection to close).
    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(readers, writer) => {
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
    let (readers, writer) = if is_in_memory(url) {
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
            // The writer checkpoints every 4,000 WAL pages (16 MiB) rather than 1,000: the pages
            // every payment rewrites (its accounts', the tables' last leaves) are copied back to
            // the database a quarter as often.
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
                remembering: Default::default(),
            },
        ),
    })
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
