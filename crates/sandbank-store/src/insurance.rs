//! Insurance policies and claims.

use sandbank_schemas::{AccountId, InsuranceClaim, InsurancePolicy, PartyId, PolicyId};

use crate::Store;
use crate::db::Bind;
use crate::error::StoreResult;

impl Store {
    /// The policies `party_id` holds (as policyholder), by policy id.
    pub async fn policies_of_party(&self, party_id: &PartyId) -> StoreResult<Vec<InsurancePolicy>> {
        self.pool
            .records(
                "SELECT body FROM policies WHERE policyholder = $1 ORDER BY policy_id",
                vec![Bind::Text(party_id.to_string())],
            )
            .await
    }

    /// The policies held in an insurance account, by policy id.
    pub async fn policies_of_account(
        &self,
        account_id: &AccountId,
    ) -> StoreResult<Vec<InsurancePolicy>> {
        self.pool
            .records(
                "SELECT body FROM policies WHERE account_id = $1 ORDER BY policy_id",
                vec![Bind::Text(account_id.to_string())],
            )
            .await
    }

    /// A policy by id.
    pub async fn policy(&self, policy_id: &PolicyId) -> StoreResult<Option<InsurancePolicy>> {
        self.pool
            .record(
                "SELECT body FROM policies WHERE policy_id = $1",
                vec![Bind::Text(policy_id.to_string())],
            )
            .await
    }

    /// The claims made on a policy, by claim id.
    pub async fn claims(&self, policy_id: &PolicyId) -> StoreResult<Vec<InsuranceClaim>> {
        self.pool
            .records(
                "SELECT body FROM claims WHERE policy_id = $1 ORDER BY claim_id",
                vec![Bind::Text(policy_id.to_string())],
            )
            .await
    }
}
