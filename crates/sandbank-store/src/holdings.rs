//! Investment holdings.

use sandbank_schemas::{AccountId, Holding};

use crate::Store;
use crate::db::Bind;
use crate::error::StoreResult;

impl Store {
    /// The holdings of an investment account, in the order the dataset lists them.
    pub async fn holdings(&self, account_id: &AccountId) -> StoreResult<Vec<Holding>> {
        self.pool
            .records(
                "SELECT body FROM holdings WHERE account_id = $1 ORDER BY ord, holding_id",
                vec![Bind::Text(account_id.to_string())],
            )
            .await
    }
}
