//! Transactions of an account: filtered, newest first, with keyset pagination; and adding one.

use chrono::{DateTime, Utc};
use sandbank_schemas::transaction::{TransactionCategory, TransactionStatus};
use sandbank_schemas::{AccountId, Amount, Transaction, TransactionId};
use sqlx::AssertSqlSafe;

use crate::Store;
use crate::cursor::Position;
use crate::db::Bind;
use crate::encode::{amount_key, from_body, micros, variant_name};
use crate::error::StoreResult;
use crate::tables;

/// Most transactions one page holds; larger limits are lowered to this.
pub const MAX_PAGE_SIZE: u32 = 1_000;

/// Which transactions of an account to list. Every condition present must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TransactionFilter {
    /// Booked at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Booked at or before this time.
    pub to: Option<DateTime<Utc>>,
    /// In this status.
    pub status: Option<TransactionStatus>,
    /// In this category.
    pub category: Option<TransactionCategory>,
    /// Amount (in the account's currency, whatever the direction) at least this.
    pub min_amount: Option<Amount>,
    /// Amount (in the account's currency, whatever the direction) at most this.
    pub max_amount: Option<Amount>,
}

/// One page of transactions, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct TransactionPage {
    /// The transactions, by booking time then transaction id, both descending.
    pub transactions: Vec<Transaction>,
    /// Pass this to get the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

impl Store {
    /// A page of an account's transactions matching `filter`, newest first (booking time
    /// descending, then transaction id descending), at most `limit` of them (1 to
    /// [`MAX_PAGE_SIZE`]).
    ///
    /// `cursor` is `None` for the first page, then the previous page's `next_cursor`. Paging
    /// is by position (keyset), not by offset: transactions added while a client pages with a
    /// time later than the page it stands at never shift what the following pages hold, so
    /// walking every page yields each transaction that existed when the walk started exactly
    /// once, in order. A cursor this store did not issue fails with
    /// [`StoreError::InvalidCursor`](crate::StoreError::InvalidCursor).
    pub async fn transactions(
        &self,
        account_id: &AccountId,
        filter: &TransactionFilter,
        limit: u32,
        cursor: Option<&str>,
    ) -> StoreResult<TransactionPage> {
        let limit = limit.clamp(1, MAX_PAGE_SIZE);
        let mut query = Conditions::new(account_id);
        if let Some(from) = filter.from {
            query.push("booking_ts >= ", Bind::Int(micros(from)));
        }
        if let Some(to) = filter.to {
            query.push("booking_ts <= ", Bind::Int(micros(to)));
        }
        if let Some(status) = &filter.status {
            query.push("status = ", Bind::Text(variant_name(status)?));
        }
        if let Some(category) = &filter.category {
            query.push("category = ", Bind::Text(variant_name(category)?));
        }
        if let Some(min) = &filter.min_amount {
            query.push("amount_key >= ", Bind::Text(amount_key(min)));
        }
        if let Some(max) = &filter.max_amount {
            query.push("amount_key <= ", Bind::Text(amount_key(max)));
        }
        if let Some(cursor) = cursor {
            let after = Position::decode(cursor)?;
            let t = query.param(Bind::Int(after.t));
            let id = query.param(Bind::Text(after.id));
            query.sql.push_str(&format!(
                " AND (booking_ts < {t} OR (booking_ts = {t} AND transaction_id < {id}))"
            ));
        }
        let fetch = query.param(Bind::Int(i64::from(limit) + 1));
        query.sql.push_str(&format!(
            " ORDER BY booking_ts DESC, transaction_id DESC LIMIT {fetch}"
        ));

        let mut rows = self
            .pool
            .fetch_all::<(i64, String, String)>(AssertSqlSafe(query.sql), query.binds)
            .await?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next_cursor = match rows.last() {
            Some((t, id, _)) if more => Some(
                Position {
                    t: *t,
                    id: id.clone(),
                }
                .encode(),
            ),
            _ => None,
        };
        let transactions = rows
            .iter()
            .map(|(_, _, body)| from_body(body))
            .collect::<StoreResult<_>>()?;
        Ok(TransactionPage {
            transactions,
            next_cursor,
        })
    }

    /// One transaction of an account.
    pub async fn transaction(
        &self,
        account_id: &AccountId,
        transaction_id: &TransactionId,
    ) -> StoreResult<Option<Transaction>> {
        self.pool
            .record(
                "SELECT body FROM transactions WHERE transaction_id = $1 AND account_id = $2",
                vec![
                    Bind::Text(transaction_id.to_string()),
                    Bind::Text(account_id.to_string()),
                ],
            )
            .await
    }

    /// Adds one transaction (a payment settling, a card purchase). Fails with
    /// [`StoreError::Duplicate`](crate::StoreError::Duplicate) when its id is taken and with
    /// [`StoreError::MissingReference`](crate::StoreError::MissingReference) when its account
    /// does not exist.
    pub async fn insert_transaction(&self, transaction: &Transaction) -> StoreResult<()> {
        self.pool
            .insert_rows(
                &tables::TRANSACTIONS,
                vec![tables::transaction_row(transaction)?],
            )
            .await
    }
}

/// The `WHERE` clause of a transaction listing, built with numbered parameters.
struct Conditions {
    sql: String,
    binds: Vec<Bind>,
}

impl Conditions {
    fn new(account_id: &AccountId) -> Self {
        Conditions {
            sql: "SELECT booking_ts, transaction_id, body FROM transactions WHERE account_id = $1"
                .to_owned(),
            binds: vec![Bind::Text(account_id.to_string())],
        }
    }

    /// Adds a parameter; returns its placeholder.
    fn param(&mut self, bind: Bind) -> String {
        self.binds.push(bind);
        format!("${}", self.binds.len())
    }

    /// Adds `AND <condition><placeholder>`.
    fn push(&mut self, condition: &str, bind: Bind) {
        let placeholder = self.param(bind);
        self.sql.push_str(" AND ");
        self.sql.push_str(condition);
        self.sql.push_str(&placeholder);
    }
}
