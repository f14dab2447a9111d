//! Customers (who can log in) and parties (people and organisations).

use sandbank_schemas::{Customer, Party, PartyId};

use crate::Store;
use crate::db::Bind;
use crate::error::StoreResult;

impl Store {
    /// The customer who logs in as `username`.
    pub async fn customer_by_username(&self, username: &str) -> StoreResult<Option<Customer>> {
        self.pool
            .record(
                "SELECT body FROM customers WHERE username = $1",
                vec![Bind::Text(username.to_owned())],
            )
            .await
    }

    /// The customers who are hand-written personas, by username.
    pub async fn personas(&self) -> StoreResult<Vec<Customer>> {
        self.pool
            .records(
                "SELECT body FROM customers WHERE persona = $1 ORDER BY username",
                vec![Bind::Bool(true)],
            )
            .await
    }

    /// A party by id.
    pub async fn party(&self, party_id: &PartyId) -> StoreResult<Option<Party>> {
        self.pool
            .record(
                "SELECT body FROM parties WHERE party_id = $1",
                vec![Bind::Text(party_id.to_string())],
            )
            .await
    }
}
