//! Payments: what an app asks the bank to pay, and the payment the bank then tracks.

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::account::Frequency;
use crate::common::{
    AccountId, AccountIdentification, ConsentId, Money, PaymentId, PaymentScheme, TransactionId,
};

/// A request to pay money from one of the customer's accounts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentRequest {
    /// The account to pay from.
    pub debtor_account_id: AccountId,
    /// Who is paid.
    pub creditor: Creditor,
    /// How much, in which currency.
    pub amount: Money,
    /// Reference the creditor sees, at most 35 characters.
    #[schemars(length(min = 1, max = 35))]
    pub reference: String,
    /// Day to pay; absent means now. A future day makes a future-dated payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_execution_date: Option<NaiveDate>,
    /// Makes the payment a standing order that repeats on a schedule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<PaymentSchedule>,
    /// Scheme to use; the bank chooses when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<PaymentScheme>,
    /// End-to-end identifier carried to the creditor, at most 35 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 35))]
    pub end_to_end_id: Option<String>,
}

/// The party paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Creditor {
    /// Name of the creditor (checked against the account name where the scheme supports it).
    #[schemars(length(min = 1, max = 140))]
    pub name: String,
    /// The creditor's account.
    pub account: AccountIdentification,
}

/// A repeating schedule for a standing order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentSchedule {
    /// How often the payment repeats.
    pub frequency: Frequency,
    /// Day of the first payment.
    pub first_payment_date: NaiveDate,
    /// Day of the last payment; absent means until cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_payment_date: Option<NaiveDate>,
}

/// A payment the bank has accepted to process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    /// Opaque identifier of the payment.
    pub payment_id: PaymentId,
    /// Where the payment is in its lifecycle.
    pub status: PaymentStatus,
    /// Why the payment was rejected, when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<PaymentStatusReason>,
    /// The consent (grant) under which the payment was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_id: Option<ConsentId>,
    /// The `x-idempotency-key` the payment was created with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// When the payment was created.
    pub created_at: DateTime<Utc>,
    /// When the status last changed.
    pub status_updated_at: DateTime<Utc>,
    /// The transactions the payment produced once settled: the debit, and the credit when the
    /// creditor banks here too.
    pub transaction_ids: Vec<TransactionId>,
    /// What was asked.
    #[serde(flatten)]
    pub request: PaymentRequest,
}

/// Lifecycle of a payment: `PENDING` → `ACCEPTED` → `SETTLED`, or `REJECTED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentStatus {
    /// Received, not yet checked.
    Pending,
    /// Checked and accepted; waiting for its execution date or for settlement.
    Accepted,
    /// Money moved.
    Settled,
    /// Refused; no money moved.
    Rejected,
}

/// Why a payment was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentStatusReason {
    /// Machine-readable reason.
    pub code: PaymentRejectionCode,
    /// Human-readable explanation.
    pub message: String,
}

/// Reasons a payment is rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentRejectionCode {
    /// Not enough available funds.
    InsufficientFunds,
    /// The debtor account cannot make payments (closed, restricted).
    AccountBlocked,
    /// The creditor account identification is invalid.
    InvalidCreditorAccount,
    /// The amount is above what the consent or the scheme allows.
    LimitExceeded,
    /// The currency is not supported for this account or scheme.
    UnsupportedCurrency,
}
