//! Investment holdings and the securities they are in.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::{AccountId, HoldingId, Money, Quantity};

/// A position in one security, held in an investment account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Holding {
    /// Opaque identifier of the holding.
    pub holding_id: HoldingId,
    /// The investment account that holds it.
    pub account_id: AccountId,
    /// The security held.
    pub security: Security,
    /// Units held.
    pub units: Quantity,
    /// Last price of one unit.
    pub unit_price: Money,
    /// Market value: units × unit price, rounded to the currency's minor unit.
    pub market_value: Money,
    /// What the units cost in all.
    pub cost_basis: Money,
    /// When the price was taken.
    pub as_of: DateTime<Utc>,
}

/// A security: share, bond, fund, ETF...
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Security {
    /// Identifiers of the security in the schemes that know it.
    pub identifiers: Vec<SecurityIdentifier>,
    /// Exchange ticker, when listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticker: Option<String>,
    /// Name of the security.
    pub name: String,
    /// Asset class.
    pub asset_class: AssetClass,
}

/// An identifier of a security in a scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SecurityIdentifier {
    /// The scheme.
    pub scheme: SecurityIdScheme,
    /// The identifier in that scheme.
    pub id: String,
}

/// Schemes that identify securities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SecurityIdScheme {
    /// International Securities Identification Number (ISO 6166), 12 characters.
    Isin,
    /// CUSIP (North America), 9 characters.
    Cusip,
    /// SEDOL (London Stock Exchange), 7 characters.
    Sedol,
    /// Exchange ticker symbol.
    Ticker,
}

/// Asset classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AssetClass {
    /// Shares in a company.
    Equity,
    /// Bonds and other debt.
    FixedIncome,
    /// Mutual funds, unit trusts, OEICs.
    MutualFund,
    /// Exchange-traded funds.
    Etf,
    /// Money market funds and cash equivalents.
    CashEquivalent,
    /// Property funds and REITs.
    RealEstate,
    /// Gold and other commodities.
    Commodity,
    /// Anything else.
    Other,
}
