//! Payments: what an app asks the bank to pay, and the payment the bank then tracks.
//!
//! One shape, [`PaymentRequest`], is both the `payment_initiation` authorization detail a
//! customer consents to (RFC 9396) and the body an app then sends to `POST /payments`: the body
//! must say exactly what the customer approved, field by field.

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::{
    AccountId, AccountIdentification, ConsentId, Money, PaymentId, PaymentScheme, TransactionId,
};

/// A single payment from one of the customer's accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentRequest {
    /// How much to pay, in which currency: the debtor account's currency.
    pub instructed_amount: Money,
    /// Who is paid: the name on the creditor's account.
    #[schemars(length(min = 1, max = 140))]
    pub creditor_name: String,
    /// The creditor's account: a sort code and account number, an IBAN, an ABA routing and
    /// account number, or (`ACCOUNT_ID`) an account at this bank by its `accountId`.
    pub creditor_account: AccountIdentification,
    /// The account to pay from. In a consent request, absent means the customer chooses on the
    /// consent page; the granted detail then names the account chosen. In `POST /payments`,
    /// absent means the consented one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub debtor_account: Option<AccountId>,
    /// Reference the creditor sees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 140))]
    pub remittance_information: Option<String>,
    /// Day to pay; absent means now. A later day makes a future-dated payment, which waits
    /// until the sandbox clock reaches that day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_execution_date: Option<NaiveDate>,
}

/// A payment the bank has received, and where it is in its lifecycle.
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
    pub consent_id: ConsentId,
    /// The `Idempotency-Key` the payment was created with.
    pub idempotency_key: String,
    /// Amount and currency paid.
    pub instructed_amount: Money,
    /// Name of the creditor.
    pub creditor_name: String,
    /// The creditor's account.
    pub creditor_account: AccountIdentification,
    /// The account paid from.
    pub debtor_account: AccountId,
    /// Reference the creditor sees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remittance_information: Option<String>,
    /// Day the payment was asked to be made, when it was not "now".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_execution_date: Option<NaiveDate>,
    /// The scheme the bank pays through: `INTERNAL` when the creditor banks here too.
    pub scheme: PaymentScheme,
    /// When the payment was received.
    pub created_at: DateTime<Utc>,
    /// When the status last changed.
    pub status_updated_at: DateTime<Utc>,
    /// The transactions the payment made: the debit on the debtor account (pending while the
    /// payment is `ACCEPTED`, posted once `SETTLED`), and the credit when the creditor banks
    /// here too.
    pub transaction_ids: Vec<TransactionId>,
}

/// Lifecycle of a payment: `PENDING` → `ACCEPTED` → `SETTLED`, or `REJECTED` from `PENDING`
/// or `ACCEPTED`. `SETTLED` and `REJECTED` are final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentStatus {
    /// Received; waiting for its execution date, or held.
    Pending,
    /// Funds checked and held on the debtor account (a pending debit); waiting to settle.
    Accepted,
    /// Money moved: the debit is posted, and the credit too when the creditor banks here.
    Settled,
    /// Refused or returned; no money moved (a hold is released).
    Rejected,
}

impl PaymentStatus {
    /// Whether the payment can still change.
    pub fn is_final(self) -> bool {
        matches!(self, PaymentStatus::Settled | PaymentStatus::Rejected)
    }

    /// Whether a payment may move from `self` to `to`.
    pub fn may_become(self, to: PaymentStatus) -> bool {
        matches!(
            (self, to),
            (PaymentStatus::Pending, PaymentStatus::Accepted)
                | (PaymentStatus::Pending, PaymentStatus::Rejected)
                | (PaymentStatus::Accepted, PaymentStatus::Settled)
                | (PaymentStatus::Accepted, PaymentStatus::Rejected)
        )
    }
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

/// One change of a payment's status, in the order they happened. Every change is also
/// delivered to the client's `payment_notification_uri`, when it registered one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentEvent {
    /// The payment.
    pub payment_id: PaymentId,
    /// Position of the change among the payment's changes, from 1.
    #[schemars(range(min = 1))]
    pub sequence: u32,
    /// The status the payment moved to.
    pub status: PaymentStatus,
    /// Why, when it was rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<PaymentStatusReason>,
    /// When, by the sandbox clock.
    pub at: DateTime<Utc>,
    /// How the change's notification to the client went (in `GET /payments/{id}/events`; not
    /// in the notification itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification: Option<EventNotification>,
}

/// Where a payment event's notification to the client's `payment_notification_uri` stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventNotification {
    /// Sent, to be sent, given up, or not sent at all.
    pub status: NotificationStatus,
    /// How many times it was sent.
    pub attempts: u32,
    /// What went wrong the last time it was sent, when something did (`HTTP 500`, `timed
    /// out`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

/// Where a notification stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NotificationStatus {
    /// Waiting to be sent, or to be sent again after a failure.
    Pending,
    /// The client's endpoint answered 2xx.
    Delivered,
    /// Given up: the endpoint refused it (a 4xx other than 408 and 429), or failed every
    /// attempt.
    Failed,
    /// The client registered no `payment_notification_uri`.
    NotRegistered,
}
