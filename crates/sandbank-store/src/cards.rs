//! Payment cards, and changing their controls.

use sandbank_schemas::{AccountId, Card, CardId, PartyId};

use crate::Store;
use crate::db::{Bind, Tx};
use crate::encode::{body, from_body};
use crate::error::StoreResult;

/// Rewrites one card row from its body; `$1` is the card id.
const UPDATE_CARD: &str = "UPDATE cards SET account_id = $2, cardholder_party_id = $3, body = $4 \
                           WHERE card_id = $1";

/// The values [`UPDATE_CARD`] binds for `card`.
fn card_row(card: &Card) -> StoreResult<Vec<Bind>> {
    Ok(vec![
        Bind::Text(card.card_id.to_string()),
        Bind::Text(card.account_id.to_string()),
        Bind::Text(card.cardholder_party_id.to_string()),
        Bind::Text(body(card)?),
    ])
}

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
    ///
    /// This overwrites whatever is stored: to change part of a card while others may be
    /// changing other parts, use [`Store::change_card`].
    pub async fn update_card(&self, card: &Card) -> StoreResult<bool> {
        Ok(self.pool.execute(UPDATE_CARD, card_row(card)?).await? > 0)
    }

    /// Reads the card `card_id`, lets `change` edit it and writes it back, in one transaction
    /// that holds the card from the read to the write (SQLite: the write lock, taken at
    /// `BEGIN`; PostgreSQL: the row, `FOR UPDATE`). Concurrent changes, from this process or
    /// another on the same database, are applied one after the other, each to what the one
    /// before wrote, so none is lost. The card as written, or `None` when no such card is
    /// stored (nothing is written then). The card keeps its id whatever `change` does.
    pub async fn change_card(
        &self,
        card_id: &CardId,
        change: impl FnOnce(&mut Card) + Send,
    ) -> StoreResult<Option<Card>> {
        let mut tx = self.pool.begin_write().await?;
        let select = match &tx {
            Tx::Sqlite(..) => "SELECT body FROM cards WHERE card_id = $1",
            Tx::Postgres(_) => "SELECT body FROM cards WHERE card_id = $1 FOR UPDATE",
        };
        let row: Option<(String,)> = tx
            .fetch_optional(select, vec![Bind::Text(card_id.to_string())])
            .await?;
        let Some((stored,)) = row else {
            tx.rollback().await?;
            return Ok(None);
        };
        let mut card: Card = from_body(&stored)?;
        change(&mut card);
        // The row is found by its id: that is not the change's to make.
        card.card_id = card_id.clone();
        tx.execute(UPDATE_CARD, card_row(&card)?).await?;
        tx.commit().await?;
        Ok(Some(card))
    }
}
