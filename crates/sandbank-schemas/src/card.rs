//! Payment cards and their controls.

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

use crate::common::{AccountId, CardId, MaskedPan, Money, PartyId};

/// A payment card linked to an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Card {
    /// Opaque identifier of the card (never its number).
    pub card_id: CardId,
    /// The account the card spends from.
    pub account_id: AccountId,
    /// Card number masked to its last four digits.
    pub masked_pan: MaskedPan,
    /// Card network.
    pub network: CardNetwork,
    /// Marketing name of the card product.
    pub product_name: String,
    /// Credit, debit, charge or prepaid.
    pub card_type: CardType,
    /// Lifecycle status.
    pub status: CardStatus,
    /// Expiry month, 1 to 12.
    #[schemars(range(min = 1, max = 12))]
    pub expiry_month: u8,
    /// Expiry year, four digits.
    #[schemars(range(min = 2000, max = 2099))]
    pub expiry_year: u16,
    /// Name embossed on the card.
    pub cardholder_name: String,
    /// The cardholder.
    pub cardholder_party_id: PartyId,
    /// What the card may be used for. Writable by the customer or an app they allowed.
    pub controls: CardControls,
}

/// Card networks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CardNetwork {
    /// Visa.
    Visa,
    /// Mastercard.
    Mastercard,
    /// American Express.
    Amex,
    /// Discover.
    Discover,
}

/// Kinds of card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CardType {
    /// Spends on a credit account.
    Credit,
    /// Spends from a deposit account.
    Debit,
    /// Balance due in full each cycle.
    Charge,
    /// Spends a pre-loaded balance.
    Prepaid,
}

/// Lifecycle of a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CardStatus {
    /// Usable.
    Active,
    /// Frozen by the customer or the bank; can be unlocked.
    Locked,
    /// Reported lost; permanently blocked.
    Lost,
    /// Reported stolen; permanently blocked.
    Stolen,
    /// Past its expiry date.
    Expired,
}

/// What a card may be used for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CardControls {
    /// When true every authorisation is declined until the card is unlocked.
    pub locked: bool,
    /// Online and phone purchases allowed.
    pub online_allowed: bool,
    /// Contactless payments allowed.
    pub contactless_allowed: bool,
    /// Use outside the card's home country allowed.
    pub abroad_allowed: bool,
    /// Most the card may spend in a period, if limited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spending_limit: Option<SpendingLimit>,
}

/// A spending limit on a card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SpendingLimit {
    /// Most that may be spent in the period.
    pub amount: Money,
    /// The period the limit applies to.
    pub period: SpendingLimitPeriod,
}

/// Periods a spending limit can apply to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SpendingLimitPeriod {
    /// Each transaction.
    PerTransaction,
    /// Each calendar day.
    Daily,
    /// Each calendar week.
    Weekly,
    /// Each calendar month.
    Monthly,
}

/// A change to a card's controls: only the fields present change. `spendingLimit: null`
/// removes the limit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CardControlsUpdate {
    /// Lock (true) or unlock (false) the card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked: Option<bool>,
    /// Allow or block online purchases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online_allowed: Option<bool>,
    /// Allow or block contactless payments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contactless_allowed: Option<bool>,
    /// Allow or block use abroad.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abroad_allowed: Option<bool>,
    /// Set a spending limit, or remove it with `null`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::serde_helpers::double_option"
    )]
    #[schemars(schema_with = "nullable_spending_limit")]
    pub spending_limit: Option<Option<SpendingLimit>>,
}

impl CardControlsUpdate {
    /// `card` after this update: the fields it carries replace the card's. `locked` also moves
    /// the card between `ACTIVE` and `LOCKED`; a `LOST`, `STOLEN` or `EXPIRED` card keeps its
    /// status.
    pub fn apply_to(&self, card: &mut Card) {
        let controls = &mut card.controls;
        if let Some(locked) = self.locked {
            controls.locked = locked;
            card.status = match (card.status, locked) {
                (CardStatus::Active, true) => CardStatus::Locked,
                (CardStatus::Locked, false) => CardStatus::Active,
                (status, _) => status,
            };
        }
        if let Some(allowed) = self.online_allowed {
            controls.online_allowed = allowed;
        }
        if let Some(allowed) = self.contactless_allowed {
            controls.contactless_allowed = allowed;
        }
        if let Some(allowed) = self.abroad_allowed {
            controls.abroad_allowed = allowed;
        }
        if let Some(limit) = &self.spending_limit {
            controls.spending_limit.clone_from(limit);
        }
    }
}

fn nullable_spending_limit(generator: &mut SchemaGenerator) -> Schema {
    let limit = generator.subschema_for::<SpendingLimit>();
    json_schema!({ "anyOf": [limit, { "type": "null" }] })
}
