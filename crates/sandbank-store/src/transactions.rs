//! Transactions of an account: filtered, newest first, with keyset pagination both ways; and
//! adding one.

use chrono::{DateTime, Utc};
use sandbank_schemas::transaction::{TransactionCategory, TransactionStatus};
use sandbank_schemas::{AccountId, Amount, Transaction, TransactionId};
use sqlx::AssertSqlSafe;

use crate::Store;
use crate::cursor::{Cursor, Direction};
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
    /// Pass this to get the page before; `None` on the first page.
    pub prev_cursor: Option<String>,
}

impl Store {
    /// A page of an account's transactions matching `filter`, newest first (booking time
    /// descending, then transaction id descending), at most `limit` of them (1 to
    /// [`MAX_PAGE_SIZE`]).
    ///
    /// `cursor` is `None` for the first page, then a page's `next_cursor` or `prev_cursor`.
    /// Paging is by position (keyset), not by offset: a `next` page holds the transactions
    /// right after the last one of the page that issued it, a `prev` page the `limit` right
    /// before its first one. So, with the same filter and limit, `prev` from a page returns
    /// exactly the page `next` led from, and transactions added while a client pages with a
    /// time later than the page it stands at never shift what the following pages hold:
    /// walking every page yields each transaction that existed when the walk started exactly
    /// once, in order. A page has a `next_cursor` when a matching transaction follows it and a
    /// `prev_cursor` when one precedes it (never on a first page, however it was reached). A
    /// cursor this store did not issue for this account's list fails with
    /// [`StoreError::InvalidCursor`](crate::StoreError::InvalidCursor).
    pub async fn transactions(
        &self,
        account_id: &AccountId,
        filter: &TransactionFilter,
        limit: u32,
        cursor: Option<&str>,
    ) -> StoreResult<TransactionPage> {
        let limit = limit.clamp(1, MAX_PAGE_SIZE);
        let cursor = cursor
            .map(|text| Cursor::decode(text, account_id))
            .transpose()?;
        let direction = cursor.as_ref().map_or(Direction::Next, |c| c.direction);

        let mut query = Conditions::matching(account_id, filter)?;
        if let Some(cursor) = &cursor {
            query.beyond(cursor.t, &cursor.id, cursor.direction);
        }
        // Read in the cursor's direction (one extra row says whether more lie that way), then
        // put the page in list order.
        let sql = query.select(
            "booking_ts, transaction_id, body",
            direction,
            i64::from(limit) + 1,
        );
        let mut rows = self
            .pool
            .fetch_all::<(i64, String, String)>(AssertSqlSafe(sql), query.binds)
            .await?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        if direction == Direction::Prev {
            rows.reverse();
        }

        let first = rows.first().map(|(t, id, _)| (*t, id.as_str()));
        let last = rows.last().map(|(t, id, _)| (*t, id.as_str()));
        // Whether anything lies the other way is asked separately: it may be nothing at all (a
        // first page reached from a cursor the client carried across a filter change).
        let (before_first, after_last) = match direction {
            Direction::Next => (
                match first {
                    Some((t, id)) if cursor.is_some() => {
                        self.any_beyond(account_id, filter, t, id, Direction::Prev)
                            .await?
                    }
                    _ => false,
                },
                more,
            ),
            Direction::Prev => (
                more,
                match last {
                    Some((t, id)) => {
                        self.any_beyond(account_id, filter, t, id, Direction::Next)
                            .await?
                    }
                    None => false,
                },
            ),
        };
        let cursor_at = |(t, id): (i64, &str), direction| {
            Cursor {
                acc: account_id.to_string(),
                t,
                id: id.to_owned(),
                direction,
            }
            .encode()
        };
        let next_cursor = last
            .filter(|_| after_last)
            .map(|at| cursor_at(at, Direction::Next));
        let prev_cursor = first
            .filter(|_| before_first)
            .map(|at| cursor_at(at, Direction::Prev));
        let transactions = rows
            .iter()
            .map(|(_, _, body)| from_body(body))
            .collect::<StoreResult<_>>()?;
        Ok(TransactionPage {
            transactions,
            next_cursor,
            prev_cursor,
        })
    }

    /// Whether a transaction matching `filter` lies beyond the one at `(t, id)` in `direction`.
    async fn any_beyond(
        &self,
        account_id: &AccountId,
        filter: &TransactionFilter,
        t: i64,
        id: &str,
        direction: Direction,
    ) -> StoreResult<bool> {
        let mut query = Conditions::matching(account_id, filter)?;
        query.beyond(t, id, direction);
        let sql = query.select("booking_ts", direction, 1);
        Ok(self
            .pool
            .fetch_optional::<(i64,)>(AssertSqlSafe(sql), query.binds)
            .await?
            .is_some())
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
    /// The transactions of `account_id` that `filter` selects.
    fn matching(account_id: &AccountId, filter: &TransactionFilter) -> StoreResult<Self> {
        let mut query = Conditions {
            sql: "account_id = $1".to_owned(),
            binds: vec![Bind::Text(account_id.to_string())],
        };
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
        Ok(query)
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

    /// Keeps only the transactions strictly beyond the one at `(t, id)` in `direction` of the
    /// list's order (newest first: `next` is older, `prev` newer).
    fn beyond(&mut self, t: i64, id: &str, direction: Direction) {
        let t = self.param(Bind::Int(t));
        let id = self.param(Bind::Text(id.to_owned()));
        let op = match direction {
            Direction::Next => "<",
            Direction::Prev => ">",
        };
        self.sql.push_str(&format!(
            " AND (booking_ts {op} {t} OR (booking_ts = {t} AND transaction_id {op} {id}))"
        ));
    }

    /// The `SELECT` of `columns` over these conditions, reading the first `limit` rows away
    /// from the cursor in `direction` (so a `prev` read comes back in reverse list order).
    fn select(&mut self, columns: &str, direction: Direction, limit: i64) -> String {
        let order = match direction {
            Direction::Next => "DESC",
            Direction::Prev => "ASC",
        };
        let limit = self.param(Bind::Int(limit));
        format!(
            "SELECT {columns} FROM transactions WHERE {} \
             ORDER BY booking_ts {order}, transaction_id {order} LIMIT {limit}",
            self.sql
        )
    }
}
