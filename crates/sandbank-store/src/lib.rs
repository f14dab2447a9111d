//! Sandbank's persistence: every record of the bank and all server state, on SQLite (a file,
//! or in memory) or PostgreSQL (shared by many instances).
//!
//! Each record is stored as the exact JSON its schema type serializes to, next to the columns
//! queries need, so both databases return byte-identical records. Loading a dataset is atomic
//! and idempotent ([`Store::load_dataset`], [`Store::begin_bulk`]); reads return schema types;
//! the authorization server keeps its expiring and one-time state in [`Store::auth_state`],
//! consumed with single atomic statements so that instances sharing a database never both
//! accept the same code or proof; the schema registry keeps the schemas registered at run time
//! ([`Store::register_schema`]).
//!
//! ```no_run
//! # async fn example() -> Result<(), sandbank_store::StoreError> {
//! let store = sandbank_store::Store::connect("sqlite::memory:").await?;
//! let customer = store.customer_by_username("alice").await?;
//! # Ok(()) }
//! ```
//!
//! Store code never reads the clock: every operation that depends on time takes `now`.

mod access_log;
mod accounts;
mod auth_state;
mod cards;
mod claims;
mod connect;
mod cursor;
mod customers;
mod db;
mod encode;
mod error;
mod holdings;
mod insurance;
pub mod ledger;
mod load;
mod notifications;
mod payments;
mod schema_registry;
mod statements;
mod tables;
mod transactions;
mod writer;

#[cfg(feature = "testing")]
pub mod testing;

pub use access_log::{AccessRecord, StoredAccess};
pub use accounts::AccountPartyDetail;
pub use auth_state::{AuthEntry, AuthState, Link};
pub use claims::StoredClaim;
pub use cursor::cursor_after;
pub use error::{StoreError, StoreResult};
pub use load::{
    BulkLoader, BulkStart, DatasetCounts, DatasetManifest, EncodedBundle, LoadOutcome,
    LoadedDataset,
};
pub use notifications::{DueNotification, NotificationOutcome};
pub use payments::{PaymentTx, StoredPayment};
pub use schema_registry::{RegisterOutcome, SCHEMA_ID_LIMIT, SchemaRegistration, SubjectVersion};
pub use transactions::{MAX_PAGE_SIZE, TransactionFilter, TransactionPage};

/// The database behind a [`Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite: a file, or in memory.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// A handle to the database. Cheap to clone: clones share one connection pool.
#[derive(Debug, Clone)]
pub struct Store {
    pool: db::Pool,
}
