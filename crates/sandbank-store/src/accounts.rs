//! Accounts, who they belong to, and their balances.

use sandbank_schemas::{Account, AccountId, AccountParty, Balance, Party, PartyId};

use crate::Store;
use crate::db::Bind;
use crate::encode::from_body;
use crate::error::StoreResult;

/// A party's relation to an account, with the party.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountPartyDetail {
    /// The account, the party and how they relate.
    pub relation: AccountParty,
    /// The party.
    pub party: Party,
}

impl Store {
    /// Every account `party_id` is related to in any way (holder, joint holder, business
    /// owner, authorised user, beneficiary), ordered by account id.
    pub async fn accounts_of_party(&self, party_id: &PartyId) -> StoreResult<Vec<Account>> {
        self.pool
            .records(
                "SELECT body FROM accounts WHERE account_id IN \
                 (SELECT account_id FROM account_parties WHERE party_id = $1) \
                 ORDER BY account_id",
                vec![Bind::Text(party_id.to_string())],
            )
            .await
    }

    /// The account `account_id`, only if `party_id` is related to it: another party's account
    /// is `None`, exactly as a missing one.
    pub async fn account_for_party(
        &self,
        party_id: &PartyId,
        account_id: &AccountId,
    ) -> StoreResult<Option<Account>> {
        self.pool
            .record(
                "SELECT body FROM accounts WHERE account_id = $1 AND EXISTS \
                 (SELECT 1 FROM account_parties WHERE account_id = $1 AND party_id = $2)",
                vec![
                    Bind::Text(account_id.to_string()),
                    Bind::Text(party_id.to_string()),
                ],
            )
            .await
    }

    /// The account `account_id`, whoever it belongs to.
    pub async fn account(&self, account_id: &AccountId) -> StoreResult<Option<Account>> {
        self.pool
            .record(
                "SELECT body FROM accounts WHERE account_id = $1",
                vec![Bind::Text(account_id.to_string())],
            )
            .await
    }

    /// The balances of an account, in the order the dataset lists them.
    pub async fn balances(&self, account_id: &AccountId) -> StoreResult<Vec<Balance>> {
        self.pool
            .records(
                "SELECT body FROM balances WHERE account_id = $1 ORDER BY ord",
                vec![Bind::Text(account_id.to_string())],
            )
            .await
    }

    /// The parties related to an account, with their relationship, ordered by party id then
    /// relationship.
    pub async fn parties_of_account(
        &self,
        account_id: &AccountId,
    ) -> StoreResult<Vec<AccountPartyDetail>> {
        let rows = self
            .pool
            .fetch_all::<(String, String)>(
                "SELECT ap.body, p.body FROM account_parties ap \
                 JOIN parties p ON p.party_id = ap.party_id \
                 WHERE ap.account_id = $1 ORDER BY ap.party_id, ap.relationship",
                vec![Bind::Text(account_id.to_string())],
            )
            .await?;
        rows.iter()
            .map(|(relation, party)| {
                Ok(AccountPartyDetail {
                    relation: from_body(relation)?,
                    party: from_body(party)?,
                })
            })
            .collect()
    }
}
