//! The one error type of the store.

/// Why a store operation failed.
///
/// `Display` says what went wrong in words fit for a user or a log line, never SQL, table names or
/// driver messages; the underlying error stays available through
/// [`std::error::Error::source`] for logs.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL names no backend the store supports.
    #[error("unsupported database URL: expected sqlite:… or postgres://…")]
    UnsupportedUrl,
    /// The database could not be opened or reached.
    #[error("could not connect to the database")]
    Connect(#[source] sqlx::Error),
    /// The schema migrations could not be applied.
    #[error("could not bring the database schema up to date")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    /// A query or statement failed.
    #[error("database operation failed")]
    Database(#[source] sqlx::Error),
    /// A record with the same identifier is already stored.
    #[error("a record with the same identifier already exists")]
    Duplicate(#[source] sqlx::Error),
    /// A record refers to another that is not stored (a transaction on an unknown account).
    #[error("a record refers to another record that does not exist")]
    MissingReference(#[source] sqlx::Error),
    /// A record a change needs is not stored (a payment on an account the dataset lost).
    #[error("a record this change needs does not exist: {0}")]
    Missing(String),
    /// A record could not be serialized to JSON.
    #[error("a record could not be encoded")]
    Encode(#[source] serde_json::Error),
    /// A stored row could not be turned back into a record.
    #[error("a stored record could not be read")]
    Corrupt(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The database already holds a different dataset (or records loaded outside a dataset), so
    /// loading this one would mix two datasets.
    #[error("the database already holds other data; load into an empty database")]
    NotEmpty,
    /// The operation needs a loaded dataset and the database holds none.
    #[error("the database holds no dataset")]
    NoDataset,
    /// The thread encoding a dataset's bundles stopped before the last one, so the load was
    /// abandoned.
    #[error("the dataset's records could not all be prepared")]
    EncoderStopped,
    /// Work given to the store's writer thread ([`crate::Store::writing`]) did not finish: it
    /// panicked, or the store was closed under it.
    #[error("a write did not finish")]
    WriterStopped(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A pagination cursor was not one this store issued.
    #[error("invalid pagination cursor")]
    InvalidCursor,
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate(error),
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                StoreError::MissingReference(error)
            }
            _ => StoreError::Database(error),
        }
    }
}

impl StoreError {
    pub(crate) fn corrupt(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError::Corrupt(Box::new(error))
    }
}

/// Result of a store operation.
pub type StoreResult<T> = Result<T, StoreError>;
