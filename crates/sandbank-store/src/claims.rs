//! Insurance claims filed through the bank API, as the store keeps them.
//!
//! They live in `filed_claims`, not in the dataset's `claims`: a dataset rebuild (the sandbox
//! clock moving a day) deletes and regenerates `claims`, and a filed claim must outlive it.
//! Reads of a policy's claims return both ([`Store::claims`] and [`Store::filed_claims`]).
//!
//! One claim per client and `Idempotency-Key` (when a key is given) is the schema's rule, so it
//! holds across instances: [`PaymentTx::insert_claim`] reports a clash instead of failing, and
//! the caller reads the claim the other request made. A claim's every change — and the money a
//! payout moves ([`crate::ledger`]) — happens in one [`PaymentTx`], the transaction payments
//! change in, so a payout and the balance it credits commit together.

use chrono::{DateTime, Utc};
use sandbank_schemas::{ClaimId, InsuranceClaim, PolicyId};

use crate::Store;
use crate::db::Bind;
use crate::encode::{body, from_body, from_micros, micros, variant_name};
use crate::error::StoreResult;
use crate::payments::PaymentTx;

/// A filed claim with what the store keeps beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredClaim {
    /// The claim as the API shows it.
    pub claim: InsuranceClaim,
    /// The customer whose policy it is on.
    pub party_id: String,
    /// The client that filed it.
    pub client_id: String,
    /// The `Idempotency-Key` it was filed with, if any.
    pub idempotency_key: Option<String>,
    /// The request's canonical form: the same key with another fingerprint is another request.
    pub fingerprint: String,
    /// When it was filed (sandbox clock).
    pub created_at: DateTime<Utc>,
    /// When the claim next moves by itself (sandbox clock); `None` once it is closed.
    pub due_at: Option<DateTime<Utc>>,
}

type ClaimRow = (
    String,
    String,
    String,
    Option<String>,
    String,
    i64,
    Option<i64>,
);

/// A filed-claim query: the columns of a [`ClaimRow`] and the rest of the statement.
macro_rules! select_claim {
    ($rest:literal) => {
        concat!(
            "SELECT body, party_id, client_id, idempotency_key, fingerprint, created_at, due_at \
             FROM filed_claims ",
            $rest
        )
    };
}

fn from_row(
    (stored, party_id, client_id, idempotency_key, fingerprint, created_at, due_at): ClaimRow,
) -> StoreResult<StoredClaim> {
    Ok(StoredClaim {
        claim: from_body(&stored)?,
        party_id,
        client_id,
        idempotency_key,
        fingerprint,
        created_at: from_micros(created_at)?,
        due_at: due_at.map(from_micros).transpose()?,
    })
}

impl Store {
    /// The claims filed on a policy through the API, in the order they were filed.
    pub async fn filed_claims(&self, policy_id: &PolicyId) -> StoreResult<Vec<StoredClaim>> {
        let rows: Vec<ClaimRow> = self
            .pool
            .fetch_all(
                select_claim!("WHERE policy_id = $1 ORDER BY created_at, claim_id"),
                vec![Bind::Text(policy_id.to_string())],
            )
            .await?;
        rows.into_iter().map(from_row).collect()
    }

    /// The filed claim `claim_id`.
    pub async fn filed_claim(&self, claim_id: &ClaimId) -> StoreResult<Option<StoredClaim>> {
        let row: Option<ClaimRow> = self
            .pool
            .fetch_optional(
                select_claim!("WHERE claim_id = $1"),
                vec![Bind::Text(claim_id.to_string())],
            )
            .await?;
        row.map(from_row).transpose()
    }

    /// The claim `client_id` filed with `idempotency_key`, if any.
    pub async fn filed_claim_by_key(
        &self,
        client_id: &str,
        idempotency_key: &str,
    ) -> StoreResult<Option<StoredClaim>> {
        let row: Option<ClaimRow> = self
            .pool
            .fetch_optional(
                select_claim!("WHERE client_id = $1 AND idempotency_key = $2"),
                vec![
                    Bind::Text(client_id.to_owned()),
                    Bind::Text(idempotency_key.to_owned()),
                ],
            )
            .await?;
        row.map(from_row).transpose()
    }

    /// Every filed claim whose next move is due at `now` or before, soonest first.
    pub async fn claims_due(&self, now: DateTime<Utc>) -> StoreResult<Vec<ClaimId>> {
        let rows: Vec<(String,)> = self
            .pool
            .fetch_all(
                "SELECT claim_id FROM filed_claims WHERE due_at IS NOT NULL AND due_at <= $1 \
                 ORDER BY due_at, claim_id",
                vec![Bind::Int(micros(now))],
            )
            .await?;
        rows.into_iter()
            .map(|(id,)| ClaimId::new(id).map_err(crate::StoreError::corrupt))
            .collect()
    }
}

impl PaymentTx {
    /// The filed claim `claim_id`, held until the transaction ends.
    pub async fn claim(&mut self, claim_id: &ClaimId) -> StoreResult<Option<StoredClaim>> {
        let sql = self.for_update(select_claim!("WHERE claim_id = $1"));
        let row: Option<ClaimRow> = self
            .tx
            .fetch_optional(
                sqlx::AssertSqlSafe(sql),
                vec![Bind::Text(claim_id.to_string())],
            )
            .await?;
        row.map(from_row).transpose()
    }

    /// Stores a new claim. `false` (and nothing written) when its client already used its
    /// idempotency key: the caller reads the claim that did.
    pub async fn insert_claim(&mut self, stored: &StoredClaim) -> StoreResult<bool> {
        let claim = &stored.claim;
        let inserted = self
            .tx
            .execute(
                "INSERT INTO filed_claims (claim_id, policy_id, party_id, client_id, \
                 idempotency_key, fingerprint, status, due_at, created_at, body) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
                vec![
                    Bind::Text(claim.claim_id.to_string()),
                    Bind::Text(claim.policy_id.to_string()),
                    Bind::Text(stored.party_id.clone()),
                    Bind::Text(stored.client_id.clone()),
                    Bind::OptText(stored.idempotency_key.clone()),
                    Bind::Text(stored.fingerprint.clone()),
                    Bind::Text(variant_name(&claim.status)?),
                    Bind::OptInt(stored.due_at.map(micros)),
                    Bind::Int(micros(stored.created_at)),
                    Bind::Text(body(claim)?),
                ],
            )
            .await?;
        Ok(inserted == 1)
    }

    /// Writes a claim's new status, body and due time.
    pub async fn update_claim(&mut self, stored: &StoredClaim) -> StoreResult<()> {
        let claim = &stored.claim;
        self.tx
            .execute(
                "UPDATE filed_claims SET status = $2, due_at = $3, body = $4 WHERE claim_id = $1",
                vec![
                    Bind::Text(claim.claim_id.to_string()),
                    Bind::Text(variant_name(&claim.status)?),
                    Bind::OptInt(stored.due_at.map(micros)),
                    Bind::Text(body(claim)?),
                ],
            )
            .await?;
        Ok(())
    }
}
