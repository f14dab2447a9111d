//! Sandbank's data models and their JSON Schemas.
//!
//! Every type here serializes to the JSON that Sandbank's API serves (camelCase fields, money as
//! decimal strings, RFC 3339 times) and derives a JSON Schema whose descriptions come from these
//! doc comments. [`catalogue()`] lists the published schemas; [`examples`] builds sample records.
//!
//! This crate does no I/O.

#![warn(missing_docs)]

pub mod account;
pub mod balance;
pub mod card;
pub mod catalogue;
pub mod common;
pub mod consent;
pub mod dataset;
pub mod envelope;
pub mod examples;
pub mod holding;
pub mod insurance;
pub mod openapi;
pub mod party;
pub mod payment;
pub mod serde_helpers;
pub mod statement;
pub mod transaction;

pub use account::{Account, AccountCategory, AccountDetails, AccountStatus};
pub use balance::{Balance, BalanceType};
pub use card::{Card, CardControls, CardControlsUpdate};
pub use catalogue::{SchemaDef, catalogue};
pub use common::{
    AccountId, Amount, BalanceAmount, CardId, ClaimId, ClientId, ConsentId, CreditDebitIndicator,
    Currency, HoldingId, InvalidValue, Money, PartyId, PaymentId, PolicyId, StatementId,
    TransactionId,
};
pub use consent::{AuthorizationDetail, Consent, Permission};
pub use dataset::{Customer, CustomerData, DatasetCounts};
pub use envelope::{Links, Page, PageMeta, Problem, ProblemError};
pub use holding::{Holding, Security};
pub use insurance::{ClaimRequest, ClaimStatus, ClaimType, InsuranceClaim, InsurancePolicy};
pub use party::{AccountParty, Party};
pub use payment::{
    EventNotification, NotificationStatus, Payment, PaymentEvent, PaymentRequest, PaymentStatus,
};
pub use statement::Statement;
pub use transaction::{Transaction, TransactionDetails};
