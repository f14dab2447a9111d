//! Payments as the store keeps them, and the write transaction a payment's every change runs in.
//!
//! The rules that make a payment exactly-once live in the schema, so they hold across instances:
//! one payment per grant (`grant_id` unique: a payment consent pays once) and one per client
//! and `Idempotency-Key`. [`PaymentTx::insert_payment`] reports a clash instead of failing, so
//! a retry racing its first attempt finds the payment the first one made.
//!
//! Every change to a payment — and the money it moves ([`crate::ledger`]) — happens in one
//! [`PaymentTx`]: on SQLite it holds the write lock from `BEGIN`, on PostgreSQL it locks the
//! payment's and the accounts' rows (in account-id order, so two payments between the same two
//! accounts cannot deadlock). So two payments racing for one balance are checked one after the
//! other, each against what the one before left.

use chrono::{DateTime, Utc};
use sandbank_schemas::TransactionId;
use sandbank_schemas::{Account, AccountId, Payment, PaymentEvent, PaymentId, PaymentStatus};

use crate::Store;
use crate::db::{Bind, Tx};
use crate::encode::{body, from_body, from_micros, micros, variant_name};
use crate::error::StoreResult;
use crate::ledger::{self, LedgerEntry};

/// A payment with what the store keeps beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredPayment {
    /// The payment as the API shows it.
    pub payment: Payment,
    /// The client that made it.
    pub client_id: String,
    /// The customer whose consent it was made under.
    pub party_id: String,
    /// The request body's canonical JSON: the same key with another fingerprint is another
    /// request.
    pub fingerprint: String,
    /// When the payment next moves by itself (sandbox clock), if it waits for anything.
    pub due_at: Option<DateTime<Utc>>,
    /// Whether its status changes are notified: the client had a `payment_notification_uri`
    /// when it made the payment.
    pub notify: bool,
}

/// The `notify` of a payment whose events are notified: their first delivery state.
const NOTIFY: &str = "PENDING";
/// The `notify` of a payment whose events are not.
const DO_NOT_NOTIFY: &str = "NOT_REGISTERED";

type PaymentRow = (String, String, String, String, Option<i64>, String);

/// A payment query: the columns of a [`PaymentRow`] and the rest of the statement.
macro_rules! select_payment {
    ($rest:literal) => {
        concat!(
            "SELECT body, client_id, party_id, fingerprint, due_at, notify FROM payments ",
            $rest
        )
    };
}

fn from_row(
    (stored, client_id, party_id, fingerprint, due_at, notify): PaymentRow,
) -> StoreResult<StoredPayment> {
    Ok(StoredPayment {
        payment: from_body(&stored)?,
        client_id,
        party_id,
        fingerprint,
        due_at: due_at.map(from_micros).transpose()?,
        notify: notify == NOTIFY,
    })
}

impl Store {
    /// Starts a transaction for changing payments and the money they move (see [`PaymentTx`]).
    pub async fn begin_payment_change(&self) -> StoreResult<PaymentTx> {
        Ok(PaymentTx {
            tx: self.pool.begin_write().await?,
        })
    }

    /// The payment `payment_id`.
    pub async fn payment(&self, payment_id: &PaymentId) -> StoreResult<Option<StoredPayment>> {
        let row: Option<PaymentRow> = self
            .pool
            .fetch_optional(
                select_payment!("WHERE payment_id = $1"),
                vec![Bind::Text(payment_id.to_string())],
            )
            .await?;
        row.map(from_row).transpose()
    }

    /// The payments `client_id` made for customer `party_id`, oldest first, only those in
    /// `status` when given.
    pub async fn payments_of_client(
        &self,
        client_id: &str,
        party_id: &str,
        status: Option<PaymentStatus>,
    ) -> StoreResult<Vec<StoredPayment>> {
        let status = status.map(|s| variant_name(&s)).transpose()?;
        let rows: Vec<PaymentRow> = self
            .pool
            .fetch_all(
                select_payment!(
                    "WHERE client_id = $1 AND party_id = $2 AND ($3 IS NULL OR status = $3) \
                     ORDER BY created_at, payment_id"
                ),
                vec![
                    Bind::Text(client_id.to_owned()),
                    Bind::Text(party_id.to_owned()),
                    Bind::OptText(status),
                ],
            )
            .await?;
        rows.into_iter().map(from_row).collect()
    }

    /// Every payment whose next move is due at `now` or before, soonest first.
    pub async fn payments_due(&self, now: DateTime<Utc>) -> StoreResult<Vec<PaymentId>> {
        let rows: Vec<(String,)> = self
            .pool
            .fetch_all(
                "SELECT payment_id FROM payments WHERE due_at IS NOT NULL AND due_at <= $1 \
                 ORDER BY due_at, payment_id",
                vec![Bind::Int(micros(now))],
            )
            .await?;
        rows.into_iter()
            .map(|(id,)| PaymentId::new(id).map_err(crate::StoreError::corrupt))
            .collect()
    }
}

/// A write transaction over payments, their events and the ledger. Nothing is written until
/// [`PaymentTx::commit`]; dropping it (or any error) writes nothing.
#[derive(Debug)]
pub struct PaymentTx {
    pub(crate) tx: Tx,
}

impl PaymentTx {
    pub(crate) fn for_update(&self, sql: &str) -> String {
        match self.tx {
            Tx::Sqlite(..) => sql.to_owned(),
            Tx::Postgres(_) => format!("{sql} FOR UPDATE"),
        }
    }

    /// The payment `client_id` made with `idempotency_key`, if any.
    pub async fn payment_by_key(
        &mut self,
        client_id: &str,
        idempotency_key: &str,
    ) -> StoreResult<Option<StoredPayment>> {
        let row: Option<PaymentRow> = self
            .tx
            .fetch_optional(
                select_payment!("WHERE client_id = $1 AND idempotency_key = $2"),
                vec![
                    Bind::Text(client_id.to_owned()),
                    Bind::Text(idempotency_key.to_owned()),
                ],
            )
            .await?;
        row.map(from_row).transpose()
    }

    /// The payment made under grant `grant_id`, if any.
    pub async fn payment_of_grant(&mut self, grant_id: &str) -> StoreResult<Option<StoredPayment>> {
        let row: Option<PaymentRow> = self
            .tx
            .fetch_optional(
                select_payment!("WHERE grant_id = $1"),
                vec![Bind::Text(grant_id.to_owned())],
            )
            .await?;
        row.map(from_row).transpose()
    }

    /// The payment `payment_id`, held until the transaction ends.
    pub async fn payment(&mut self, payment_id: &PaymentId) -> StoreResult<Option<StoredPayment>> {
        let sql = self.for_update(select_payment!("WHERE payment_id = $1"));
        let row: Option<PaymentRow> = self
            .tx
            .fetch_optional(
                sqlx::AssertSqlSafe(sql),
                vec![Bind::Text(payment_id.to_string())],
            )
            .await?;
        row.map(from_row).transpose()
    }

    /// Stores a new payment. `false` (and nothing written) when its grant already has a payment
    /// or its client already used its idempotency key: the caller reads which.
    pub async fn insert_payment(&mut self, stored: &StoredPayment) -> StoreResult<bool> {
        let payment = &stored.payment;
        let inserted = self
            .tx
            .execute(
                "INSERT INTO payments (payment_id, client_id, grant_id, party_id, \
                 idempotency_key, fingerprint, status, due_at, created_at, body, notify) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING",
                vec![
                    Bind::Text(payment.payment_id.to_string()),
                    Bind::Text(stored.client_id.clone()),
                    Bind::Text(payment.consent_id.to_string()),
                    Bind::Text(stored.party_id.clone()),
                    Bind::Text(payment.idempotency_key.clone()),
                    Bind::Text(stored.fingerprint.clone()),
                    Bind::Text(variant_name(&payment.status)?),
                    Bind::OptInt(stored.due_at.map(micros)),
                    Bind::Int(micros(payment.created_at)),
                    Bind::Text(body(payment)?),
                    Bind::Text(if stored.notify { NOTIFY } else { DO_NOT_NOTIFY }.to_owned()),
                ],
            )
            .await?;
        Ok(inserted == 1)
    }

    /// Writes a payment's new status, body and due time.
    pub async fn update_payment(&mut self, stored: &StoredPayment) -> StoreResult<()> {
        let payment = &stored.payment;
        self.tx
            .execute(
                "UPDATE payments SET status = $2, due_at = $3, body = $4 WHERE payment_id = $1",
                vec![
                    Bind::Text(payment.payment_id.to_string()),
                    Bind::Text(variant_name(&payment.status)?),
                    Bind::OptInt(stored.due_at.map(micros)),
                    Bind::Text(body(payment)?),
                ],
            )
            .await?;
        Ok(())
    }

    /// The sequence number the next status change of `payment_id` takes: one more than the
    /// last.
    pub async fn next_sequence(&mut self, payment_id: &PaymentId) -> StoreResult<u32> {
        let row: Option<(i64,)> = self
            .tx
            .fetch_optional(
                "SELECT COALESCE(MAX(sequence), 0) FROM payment_events WHERE payment_id = $1",
                vec![Bind::Text(payment_id.to_string())],
            )
            .await?;
        let last = row.map_or(0, |(last,)| last);
        Ok(u32::try_from(last).unwrap_or(u32::MAX).saturating_add(1))
    }

    /// Appends a status change of a payment, its notification pending when the payment is
    /// notified ([`StoredPayment::notify`]).
    pub async fn add_event(&mut self, event: &PaymentEvent) -> StoreResult<()> {
        let added = self
            .tx
            .execute(
                "INSERT INTO payment_events (payment_id, sequence, at, body, delivery) \
                 SELECT $1, $2, $3, $4, notify FROM payments WHERE payment_id = $1",
                vec![
                    Bind::Text(event.payment_id.to_string()),
                    Bind::Int(i64::from(event.sequence)),
                    Bind::Int(micros(event.at)),
                    Bind::Text(body(event)?),
                ],
            )
            .await?;
        if added == 0 {
            return Err(crate::StoreError::Missing(format!(
                "payment {}",
                event.payment_id
            )));
        }
        Ok(())
    }

    /// The accounts `ids` (those that exist), held until the transaction ends; locked in id
    /// order whatever the order asked.
    pub async fn accounts(&mut self, ids: &[&AccountId]) -> StoreResult<Vec<Account>> {
        let mut sorted: Vec<&AccountId> = ids.to_vec();
        sorted.sort();
        sorted.dedup();
        let sql = self.for_update("SELECT body FROM accounts WHERE account_id = $1");
        let mut accounts = Vec::with_capacity(sorted.len());
        for id in sorted {
            let row: Option<(String,)> = self
                .tx
                .fetch_optional(
                    sqlx::AssertSqlSafe(sql.clone()),
                    vec![Bind::Text(id.to_string())],
                )
                .await?;
            if let Some((stored,)) = row {
                accounts.push(from_body(&stored)?);
            }
        }
        Ok(accounts)
    }

    /// The account a payment identifies by a scheme identification (IBAN, sort code and
    /// number, ABA), when it banks here.
    pub async fn account_identified_by(
        &mut self,
        identification: &str,
    ) -> StoreResult<Option<AccountId>> {
        // Identifications are stored inside the account's JSON; the dataset is small enough
        // per customer that matching the text is cheap, and exact matching keeps it honest.
        // `instr`, not `LIKE`: SQLite re-prepares a statement whose bound LIKE pattern may
        // change its plan, on every payment.
        let quoted = serde_json::to_string(identification).map_err(crate::StoreError::Encode)?;
        let needle = format!("\"identification\":{quoted}");
        let sql = match self.tx {
            Tx::Sqlite(..) => {
                "SELECT account_id FROM accounts WHERE instr(body, $1) > 0 \
                 ORDER BY account_id LIMIT 1"
            }
            Tx::Postgres(_) => {
                "SELECT account_id FROM accounts WHERE strpos(body, $1) > 0 \
                 ORDER BY account_id LIMIT 1"
            }
        };
        let row: Option<(String,)> = self
            .tx
            .fetch_optional(sql, vec![Bind::Text(needle)])
            .await?;
        row.map(|(id,)| AccountId::new(id).map_err(crate::StoreError::corrupt))
            .transpose()
    }

    /// Posts a ledger entry (see [`crate::ledger`]); the transaction as stored.
    pub async fn post(
        &mut self,
        entry: &LedgerEntry,
    ) -> StoreResult<sandbank_schemas::Transaction> {
        ledger::post(&mut self.tx, entry).await
    }

    /// Undoes the ledger entry of `transaction_id`; `false` when there is none.
    pub async fn release(&mut self, transaction_id: &TransactionId) -> StoreResult<bool> {
        ledger::release(&mut self.tx, transaction_id).await
    }

    /// Commits every change.
    pub async fn commit(self) -> StoreResult<()> {
        self.tx.commit().await
    }

    /// Abandons every change.
    pub async fn rollback(self) -> StoreResult<()> {
        self.tx.rollback().await
    }
}
