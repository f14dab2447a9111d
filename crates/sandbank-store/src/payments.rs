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

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sandbank_schemas::TransactionId;
use sandbank_schemas::{Account, AccountId, Payment, PaymentEvent, PaymentId, PaymentStatus};

use crate::Store;
use crate::db::{Bind, Tx};
use crate::encode::{body, from_body, from_micros, micros, variant_name};
use crate::error::StoreResult;
use crate::ledger::{self, HeldAccount, LedgerEntry};

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

/// The query for the account an identification (IBAN, sort code and number, ABA) names: the
/// first by id, should two accounts share one.
fn identified_by(identification: &str) -> (&'static str, Vec<Bind>) {
    (
        "SELECT account_id FROM account_identifications WHERE identification = $1 \
         ORDER BY account_id LIMIT 1",
        vec![Bind::Text(identification.to_owned())],
    )
}

/// Account `id` as `held` (a transaction's held accounts) has it, read into it through `tx`
/// (and locked) the first time. A function of the two fields rather than a method, so that the
/// account it lends and the transaction can be used together.
async fn held_in<'a>(
    tx: &mut Tx,
    held: &'a mut BTreeMap<AccountId, Option<HeldAccount>>,
    id: &AccountId,
) -> StoreResult<Option<&'a mut HeldAccount>> {
    if !held.contains_key(id) {
        let account = ledger::hold(tx, id, true).await?;
        held.insert(id.clone(), account);
    }
    Ok(held.get_mut(id).and_then(Option::as_mut))
}

impl Store {
    /// The account of this bank a scheme identification names, if any, read outside any
    /// transaction: what a payment is routed by (internal or not) before its transaction
    /// starts. The dataset's identifications are stable (a rebuild regenerates the same ones),
    /// so the answer holds; the transaction reads the creditor again when it moves money to it.
    pub async fn account_identified_by(
        &self,
        identification: &str,
    ) -> StoreResult<Option<AccountId>> {
        let (sql, binds) = identified_by(identification);
        let row: Option<(String,)> = self.pool.fetch_optional(sql, binds).await?;
        row.map(|(id,)| AccountId::new(id).map_err(crate::StoreError::corrupt))
            .transpose()
    }

    /// Starts a transaction for changing payments and the money they move (see [`PaymentTx`]).
    pub async fn begin_payment_change(&self) -> StoreResult<PaymentTx> {
        Ok(PaymentTx {
            tx: self.pool.begin_write().await?,
            held: BTreeMap::new(),
            identified: HashMap::new(),
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
///
/// The accounts it reads it holds ([`PaymentTx::accounts`]): later reads of them, and the
/// postings that move them, work on the held copy, and the writes are deferred — on SQLite
/// they reach the database together, in one round trip, at the next read or the commit. A
/// payment that reads what it needs first (its payment rows, its accounts) therefore costs a
/// handful of round trips however many rows it writes.
#[derive(Debug)]
pub struct PaymentTx {
    pub(crate) tx: Tx,
    /// Every account read in this transaction (`None`: there is none), as it has left them.
    held: BTreeMap<AccountId, Option<HeldAccount>>,
    /// The account each scheme identification looked up names, if any.
    identified: HashMap<String, Option<AccountId>>,
}

/// The payments a new request could clash with: the one its client made with its
/// `Idempotency-Key`, and the one made under its grant (the same payment, when the request is a
/// retry).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Clashes {
    /// The payment the client made with this idempotency key.
    pub by_key: Option<StoredPayment>,
    /// The payment made under this grant.
    pub by_grant: Option<StoredPayment>,
}

impl PaymentTx {
    pub(crate) fn for_update(&self, sql: &str) -> String {
        match self.tx {
            Tx::Sqlite(..) => sql.to_owned(),
            Tx::Postgres(_) => format!("{sql} FOR UPDATE"),
        }
    }

    /// The payments a request by `client_id` under `idempotency_key` and grant `grant_id`
    /// would clash with (read in one statement), and the accounts `ids` held as
    /// [`Self::accounts`] holds them, so that the engine's later reads of them are answered
    /// from what the transaction holds and every write goes out with the commit: the first
    /// reads of a payment's transaction. On SQLite they go in one round trip (with the
    /// `BEGIN`); on PostgreSQL the clashes are read first, then each account locked in id order.
    pub async fn clashes_holding(
        &mut self,
        client_id: &str,
        idempotency_key: &str,
        grant_id: &str,
        ids: &[&AccountId],
    ) -> StoreResult<Clashes> {
        let clashing = (
            select_payment!("WHERE (client_id = $1 AND idempotency_key = $2) OR grant_id = $3"),
            vec![
                Bind::Text(client_id.to_owned()),
                Bind::Text(idempotency_key.to_owned()),
                Bind::Text(grant_id.to_owned()),
            ],
        );
        let mut unheld: Vec<&AccountId> = ids
            .iter()
            .copied()
            .filter(|id| !self.held.contains_key(*id))
            .collect();
        unheld.sort();
        unheld.dedup();
        let rows: Vec<PaymentRow> = if self.tx.is_postgres() || unheld.is_empty() {
            let rows = self.tx.fetch_all(clashing.0, clashing.1).await?;
            for id in unheld {
                self.held_account(id).await?;
            }
            rows
        } else {
            let (sql, binds) = ledger::hold_all_sqlite(&unheld);
            let (rows, accounts) = self
                .tx
                .fetch_two::<PaymentRow, (String, i64, String)>(clashing, (&sql, binds))
                .await?;
            let mut found = ledger::held_from_rows(accounts)?.into_iter().peekable();
            for id in unheld {
                let account = found
                    .next_if(|(held, _)| held == id)
                    .map(|(_, account)| account);
                self.held.insert(id.clone(), account);
            }
            rows
        };
        let mut clashes = Clashes::default();
        for row in rows {
            let stored = from_row(row)?;
            if stored.payment.consent_id.as_str() == grant_id {
                clashes.by_grant = Some(stored.clone());
            }
            if stored.client_id == client_id && stored.payment.idempotency_key == idempotency_key {
                clashes.by_key = Some(stored);
            }
        }
        Ok(clashes)
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
    /// or its client already used its idempotency key: the caller reads which ([`Self::clashes_holding`]).
    ///
    /// On PostgreSQL the insert runs at once and a clash is reported. On SQLite the transaction
    /// has held the database's write lock since it began, so once [`Self::clashes_holding`] found
    /// nothing in it, nothing can clash: the insert is deferred with the other writes (a clash
    /// would still fail it, and the commit, rather than pass unnoticed).
    pub async fn insert_payment(&mut self, stored: &StoredPayment) -> StoreResult<bool> {
        let payment = &stored.payment;
        let binds = vec![
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
        ];
        const INSERT: &str = "INSERT INTO payments (payment_id, client_id, grant_id, party_id, \
             idempotency_key, fingerprint, status, due_at, created_at, body, notify) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
        if self.tx.is_postgres() {
            let inserted = self
                .tx
                .execute(
                    sqlx::AssertSqlSafe(format!("{INSERT} ON CONFLICT DO NOTHING")),
                    binds,
                )
                .await?;
            return Ok(inserted == 1);
        }
        self.tx.defer(INSERT, binds).await?;
        Ok(true)
    }

    /// Writes a payment's new status, body and due time.
    pub async fn update_payment(&mut self, stored: &StoredPayment) -> StoreResult<()> {
        let payment = &stored.payment;
        self.tx
            .defer(
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

    /// Appends a status change of `stored`, its notification pending when the payment is
    /// notified ([`StoredPayment::notify`]). Deferred (see [`PaymentTx`]).
    pub async fn add_event(
        &mut self,
        stored: &StoredPayment,
        event: &PaymentEvent,
    ) -> StoreResult<()> {
        self.tx
            .defer(
                "INSERT INTO payment_events (payment_id, sequence, at, body, delivery) \
                 VALUES ($1, $2, $3, $4, $5)",
                vec![
                    Bind::Text(event.payment_id.to_string()),
                    Bind::Int(i64::from(event.sequence)),
                    Bind::Int(micros(event.at)),
                    Bind::Text(body(event)?),
                    Bind::Text(if stored.notify { NOTIFY } else { DO_NOT_NOTIFY }.to_owned()),
                ],
            )
            .await
    }

    /// The accounts `ids` (those that exist), held until the transaction ends: read (and on
    /// PostgreSQL locked) in id order whatever the order asked, once per transaction; as this
    /// transaction has left them.
    pub async fn accounts(&mut self, ids: &[&AccountId]) -> StoreResult<Vec<Account>> {
        let mut sorted: Vec<&AccountId> = ids.to_vec();
        sorted.sort();
        sorted.dedup();
        let mut accounts = Vec::with_capacity(sorted.len());
        for id in sorted {
            if let Some(held) = self.held_account(id).await? {
                accounts.push(held.account.clone());
            }
        }
        Ok(accounts)
    }

    /// Account `id` as this transaction holds it, read and locked the first time.
    async fn held_account(&mut self, id: &AccountId) -> StoreResult<Option<&mut HeldAccount>> {
        held_in(&mut self.tx, &mut self.held, id).await
    }

    /// The account a payment identifies by a scheme identification (IBAN, sort code and
    /// number, ABA), when it banks here.
    pub async fn account_identified_by(
        &mut self,
        identification: &str,
    ) -> StoreResult<Option<AccountId>> {
        if let Some(found) = self.identified.get(identification) {
            return Ok(found.clone());
        }
        let (sql, binds) = identified_by(identification);
        let row: Option<(String,)> = self.tx.fetch_optional(sql, binds).await?;
        let found = row
            .map(|(id,)| AccountId::new(id).map_err(crate::StoreError::corrupt))
            .transpose()?;
        self.identified
            .insert(identification.to_owned(), found.clone());
        Ok(found)
    }

    /// Tells the transaction which account `identification` names, as
    /// [`Store::account_identified_by`] found it before the transaction began (identifications
    /// are stable), so that [`Self::account_identified_by`] does not read it again.
    pub fn identified_before(&mut self, identification: &str, account: Option<AccountId>) {
        self.identified.insert(identification.to_owned(), account);
    }

    /// Posts a ledger entry (see [`crate::ledger`]) to its account, held from now on if it was
    /// not yet; the transaction as stored. Fails with [`crate::StoreError::Missing`] when the
    /// account does not exist.
    pub async fn post(
        &mut self,
        entry: &LedgerEntry,
    ) -> StoreResult<sandbank_schemas::Transaction> {
        let account_id = &entry.transaction.account_id;
        let Some(held) = held_in(&mut self.tx, &mut self.held, account_id).await? else {
            return Err(crate::StoreError::Missing(format!("account {account_id}")));
        };
        ledger::post(&mut self.tx, entry, held).await
    }

    /// Undoes the ledger entry of `transaction_id`: its account's balances move back (when the
    /// account still exists), the entry and its transaction are gone. `false` when there is no
    /// such entry.
    pub async fn release(&mut self, transaction_id: &TransactionId) -> StoreResult<bool> {
        let Some((account_id, current, available)) =
            ledger::entry(&mut self.tx, transaction_id).await?
        else {
            return Ok(false);
        };
        let held = held_in(&mut self.tx, &mut self.held, &account_id).await?;
        ledger::undo(&mut self.tx, transaction_id, held, (current, available)).await?;
        Ok(true)
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
