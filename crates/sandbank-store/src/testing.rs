//! Test support (feature `testing`): the databases a test suite runs against.
//!
//! SQLite in memory and in a temporary file are always available; PostgreSQL is added when
//! `SANDBANK_TEST_POSTGRES_URL` names a server, and then every [`TestDb`] gets a database of its
//! own, created here and dropped by [`TestDb::close`], so parallel runs never collide. Without
//! the variable, one line says the PostgreSQL runs are skipped and why.

use std::sync::Once;
use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::Connection;

use crate::Store;

/// The environment variable naming a PostgreSQL server for tests.
pub const POSTGRES_ENV: &str = "SANDBANK_TEST_POSTGRES_URL";

/// Why a test database could not be opened. Tests unwrap it: the message says what to fix.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TestDbError(String);

/// A database a test runs against, with what it takes to clean it up.
#[derive(Debug)]
pub struct TestDb {
    /// Which backend, for failure messages: `sqlite-memory`, `sqlite-file` or `postgres`.
    pub label: &'static str,
    /// The URL the store was opened with; reopening it reaches the same database, except for
    /// `sqlite::memory:`.
    pub url: String,
    /// The store.
    pub store: Store,
    dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDb {
    /// Whether reopening [`TestDb::url`] reaches the same data.
    pub fn persistent(&self) -> bool {
        !self.url.contains(":memory:")
    }

    /// Closes the store and drops the PostgreSQL database it created (a temporary SQLite file
    /// goes with its folder).
    pub async fn close(self) -> Result<(), TestDbError> {
        self.store.close().await;
        if let Some((server, name)) = &self.postgres {
            let mut admin = admin(server).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
            )))
            .execute(&mut admin)
            .await
            .map_err(|e| TestDbError(format!("could not drop test database {name}: {e}")))?;
        }
        drop(self.dir);
        Ok(())
    }
}

/// The PostgreSQL server tests may use, if any; says once when there is none.
pub fn postgres_server() -> Option<String> {
    static NOTICE: Once = Once::new();
    let url = std::env::var(POSTGRES_ENV)
        .ok()
        .filter(|url| !url.is_empty());
    if url.is_none() {
        NOTICE.call_once(|| {
            eprintln!(
                "PostgreSQL tests skipped: {POSTGRES_ENV} is not set \
                 (e.g. postgres://postgres@127.0.0.1:5432/test); running on SQLite only"
            );
        });
    }
    url
}

async fn admin(server: &str) -> Result<sqlx::PgConnection, TestDbError> {
    sqlx::PgConnection::connect(server)
        .await
        .map_err(|e| TestDbError(format!("{POSTGRES_ENV}={server} is not reachable: {e}")))
}

/// `url` with its database name replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let server = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}

fn unique_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "sandbank_test_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

fn failed(what: &str, error: impl std::fmt::Display) -> TestDbError {
    TestDbError(format!("could not open {what}: {error}"))
}

/// An empty in-memory SQLite database.
pub async fn sqlite_memory() -> Result<TestDb, TestDbError> {
    let url = "sqlite::memory:".to_owned();
    let store = Store::connect(&url).await.map_err(|e| failed(&url, e))?;
    Ok(TestDb {
        label: "sqlite-memory",
        url,
        store,
        dir: None,
        postgres: None,
    })
}

/// An empty SQLite file in a temporary folder.
pub async fn sqlite_file() -> Result<TestDb, TestDbError> {
    let dir = tempfile::tempdir().map_err(|e| failed("a temporary folder", e))?;
    let url = format!("sqlite:{}", dir.path().join("test.db").display());
    let store = Store::connect(&url).await.map_err(|e| failed(&url, e))?;
    Ok(TestDb {
        label: "sqlite-file",
        url,
        store,
        dir: Some(dir),
        postgres: None,
    })
}

/// A fresh, empty PostgreSQL database on `server`.
pub async fn postgres(server: &str) -> Result<TestDb, TestDbError> {
    let name = unique_name();
    let mut admin = admin(server).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut admin)
        .await
        .map_err(|e| failed(&name, e))?;
    let url = with_database(server, &name);
    let store = Store::connect(&url).await.map_err(|e| failed(&name, e))?;
    Ok(TestDb {
        label: "postgres",
        url,
        store,
        dir: None,
        postgres: Some((server.to_owned(), name)),
    })
}

/// Every backend available: SQLite in memory, SQLite file, and PostgreSQL when configured.
pub async fn every_backend() -> Result<Vec<TestDb>, TestDbError> {
    let mut databases = vec![sqlite_memory().await?, sqlite_file().await?];
    if let Some(server) = postgres_server() {
        databases.push(postgres(&server).await?);
    }
    Ok(databases)
}

/// What a test body gets: a cheap, clonable view of one [`TestDb`].
#[derive(Debug, Clone)]
pub struct Db {
    /// Which backend, for failure messages.
    pub label: &'static str,
    /// The URL the store was opened with: reopening it reaches the same database, except for
    /// `sqlite::memory:`.
    pub url: String,
    /// The store.
    pub store: Store,
}

impl Db {
    /// Whether reopening [`Db::url`] reaches the same data.
    pub fn persistent(&self) -> bool {
        !self.url.contains(":memory:")
    }
}

impl TestDb {
    /// The clonable view a test body works with.
    pub fn view(&self) -> Db {
        Db {
            label: self.label,
            url: self.url.clone(),
            store: self.store.clone(),
        }
    }
}

async fn close_all(databases: Vec<TestDb>) {
    for database in databases {
        if let Err(error) = database.close().await {
            eprintln!("{error}");
        }
    }
}

/// Runs `body` against each backend in turn, each with an empty database; drops the databases
/// it created even when the body panics, then re-raises the panic naming the backend.
pub async fn on_each_backend<F, Fut>(body: F) -> Result<(), TestDbError>
where
    F: Fn(Db) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let databases = every_backend().await?;
    let mut failure = None;
    for database in &databases {
        if let Err(error) = tokio::spawn(body(database.view())).await {
            failure = Some((database.label, error));
            break;
        }
    }
    close_all(databases).await;
    if let Some((label, error)) = failure {
        eprintln!("test failed on backend {label}");
        if error.is_panic() {
            std::panic::resume_unwind(error.into_panic());
        }
        return Err(TestDbError(format!("the test on {label} was cancelled")));
    }
    Ok(())
}

/// Runs `body` once with every backend at the same time (for comparing them).
pub async fn with_all_backends<F, Fut>(body: F) -> Result<(), TestDbError>
where
    F: FnOnce(Vec<Db>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let databases = every_backend().await?;
    let result = tokio::spawn(body(databases.iter().map(TestDb::view).collect())).await;
    close_all(databases).await;
    match result {
        Ok(()) => Ok(()),
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        Err(_) => Err(TestDbError("the test was cancelled".to_owned())),
    }
}

/// The dataset tables and how to read every row of each as one string.
const DATASET_ROWS: [(&str, &str); 13] = [
    (
        "dataset",
        "SELECT seed || '|' || generator_version || '|' || COALESCE(content_hash, '') || '|' || counts FROM dataset",
    ),
    ("parties", "SELECT body FROM parties"),
    (
        "customers",
        "SELECT username || '|' || party_id || '|' || body FROM customers",
    ),
    ("accounts", "SELECT body FROM accounts"),
    (
        "account_identifications",
        "SELECT identification || '|' || account_id FROM account_identifications",
    ),
    (
        "account_parties",
        "SELECT relationship || '|' || body FROM account_parties",
    ),
    (
        "balances",
        "SELECT account_id || '|' || ord || '|' || body FROM balances",
    ),
    ("transactions", "SELECT body FROM transactions"),
    ("statements", "SELECT body FROM statements"),
    (
        "holdings",
        "SELECT account_id || '|' || ord || '|' || body FROM holdings",
    ),
    ("policies", "SELECT body FROM policies"),
    ("claims", "SELECT body FROM claims"),
    ("cards", "SELECT body FROM cards"),
];

/// Every row of every dataset table, as stored, table by table (rows sorted): two stores hold
/// the same dataset exactly when these are equal. For tests that check a reset or a reload
/// gives back the very same data.
pub async fn dataset_rows(store: &Store) -> Result<Vec<(&'static str, Vec<String>)>, TestDbError> {
    let mut tables = Vec::with_capacity(DATASET_ROWS.len());
    for (table, sql) in DATASET_ROWS {
        let mut rows: Vec<String> = store
            .pool
            .fetch_all::<(String,)>(sql, vec![])
            .await
            .map_err(|e| TestDbError(format!("could not read {table}: {e}")))?
            .into_iter()
            .map(|(row,)| row)
            .collect();
        rows.sort_unstable();
        tables.push((table, rows));
    }
    Ok(tables)
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_names_are_replaced_in_postgres_urls() {
        assert_eq!(
            super::with_database("postgres://u@h:5432/test?sslmode=disable", "x"),
            "postgres://u@h:5432/x?sslmode=disable"
        );
        assert_eq!(
            super::with_database("postgres://u@h", "x"),
            "postgres://u@h/x"
        );
    }
}
