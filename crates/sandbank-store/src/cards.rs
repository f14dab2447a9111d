//! Payment cards, and changing their controls.

use sandbank_schemas::{AccountId, Card, CardId, PartyId};

use crate::Store;
use crate::db::Bind;
use crate::encode::body;
use crate::error::StoreResult;

impl Store {
    /// The cards issued to `party_id` (as cardholder), by card id.
    pub async fn cards_of_party(&self, party_id: &PartyId) -> StoreResult<Vec<Card>> {
        self.pool
            .records(
                "SELECT body FROM cards WHERE cardholder_party_id = $1 ORDER BY card_id",
                vec![Bind::Text(party_id.to_string())],
            )
            .await
    }

    /// The cards that spend from an account, by card id.
    pub async fn cards_of_account(&self, account_id: &AccountId) -> StoreResult<Vec<Card>> {
        self.pool
            .records(
                "SELECT body FROM cards WHERE account_id = $1 ORDER BY card_id",
                vec![Bind::Text(account_id.to_string())],
            )
            .await
    }

    /// A card by id.
    pub async fn card(&self, card_id: &CardId) -> StoreResult<Option<Card>> {
        self.pool
            .record(
                "SELECT body FROM cards WHERE card_id = $1",
                vec![Bind::Text(card_id.to_string())],
            )
            .await
    }

    /// Replaces a stored card (its controls, status...) with `card`, matched by card id.
    /// Returns `false` when no such card is stored.
    pub async fn update_card(&self, card: &Card) -> StoreResult<bool> {
        let changed = self
            .pool
            .execute(
                "UPDATE cards SET account_id = $2, cardholder_party_id = $3, body = $4 \
                 WHERE card_id = $1",
                vec![
                    Bind::Text(card.card_id.to_string()),
                    Bind::Text(card.account_id.to_string()),
                    Bind::Text(card.cardholder_party_id.to_string()),
                    Bind::Text(body(card)?),
                ],
            )
            .await?;
        Ok(changed > 0)
    }
}
