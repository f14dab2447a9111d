//! Typed balances of an account.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::{AccountId, BalanceAmount};

/// One balance of an account at a point in time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Balance {
    /// The account the balance belongs to.
    pub account_id: AccountId,
    /// Which balance this is.
    #[serde(rename = "type")]
    pub balance_type: BalanceType,
    /// The balance: amount, currency and whether it is in credit or debit.
    pub amount: BalanceAmount,
    /// When the balance was taken.
    pub as_of: DateTime<Utc>,
}

/// Kinds of balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BalanceType {
    /// Booked balance: every posted transaction.
    Current,
    /// What can be spent now: booked, less pending debits, plus credit or overdraft available.
    Available,
    /// Booked balance plus pending (not yet posted) transactions.
    Pending,
    /// Credit limit of a credit account, or overdraft limit of a deposit account.
    CreditLimit,
    /// Credit still available on a credit account.
    AvailableCredit,
    /// Closing balance of the last statement.
    Statement,
    /// Outstanding principal of a loan.
    Principal,
    /// Market value of an investment account (holdings plus cash).
    MarketValue,
    /// Uninvested cash in an investment account.
    Cash,
}
