//! Statements: a closed period of an account with its totals and transactions.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::{AccountId, BalanceAmount, Money, StatementId};
use crate::transaction::Transaction;

/// A statement of an account for one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Statement {
    /// Opaque identifier of the statement.
    pub statement_id: StatementId,
    /// The account the statement is for.
    pub account_id: AccountId,
    /// First day of the period (inclusive).
    pub start_date: NaiveDate,
    /// Last day of the period (inclusive).
    pub end_date: NaiveDate,
    /// Day the statement was issued.
    pub statement_date: NaiveDate,
    /// Booked balance at the start of the period.
    pub opening_balance: BalanceAmount,
    /// Booked balance at the end of the period: the opening balance plus the period's totals.
    pub closing_balance: BalanceAmount,
    /// Totals of the period's posted transactions.
    pub totals: StatementTotals,
    /// Number of posted transactions in the period.
    pub transaction_count: u32,
    /// Minimum payment due, for credit accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_payment: Option<Money>,
    /// Day the payment is due, for credit accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_due_date: Option<NaiveDate>,
    /// Where to download the rendered statement (PDF), relative to the API root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_url: Option<String>,
    /// The period's posted transactions, oldest first. Present when a single statement is read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transactions: Option<Vec<Transaction>>,
}

/// Totals of a statement period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatementTotals {
    /// Sum of all credits, fees and interest included.
    pub credits: Money,
    /// Sum of all debits, fees and interest included.
    pub debits: Money,
    /// Of the debits, the bank's fees.
    pub fees: Money,
    /// Interest in the period: paid to the customer on deposits, charged on credit and loans.
    pub interest: Money,
}
