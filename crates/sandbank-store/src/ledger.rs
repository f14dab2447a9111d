//! Money the bank moves after the dataset was generated — payments settling, claims paid — as
//! ledger entries: each is a transaction on one account and what it does to the account's
//! balances, applied in the same database transaction as the change that caused it.
//!
//! An entry is a hold (`HOLD`: a pending debit, which lowers the available balance only) or a
//! booking (`BOOKED`: a posted transaction, which moves the booked and the available balance).
//! Entries are kept in `ledger_entries` as well as shown in `transactions`, so that a dataset
//! rebuild (the sandbox clock moving a day regenerates every account) replays them onto the
//! regenerated accounts ([`crate::BulkLoader::replay_ledger`]): money moved stays moved.
//!
//! The invariant the entries keep: an account's booked balance less its posted transactions is
//! what it was before the first of them — every booking moves the balance by exactly its
//! transaction's signed amount.

use rust_decimal::Decimal;
use sandbank_schemas::account::{AccountDetails, LineOfCreditDetails};
use sandbank_schemas::common::BalanceAmount;
use sandbank_schemas::{Account, AccountId, Balance, BalanceType, CreditDebitIndicator, Money};
use sandbank_schemas::{Transaction, TransactionId};

use crate::db::{Bind, Tx};
use crate::encode::{body, from_body};
use crate::error::{StoreError, StoreResult};
use crate::tables;

/// What a ledger entry does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A pending debit: the money is set aside (available balance down), not yet booked.
    Hold,
    /// A posted transaction: booked and available balances move by its signed amount.
    Booked,
}

impl EntryKind {
    fn name(self) -> &'static str {
        match self {
            EntryKind::Hold => "HOLD",
            EntryKind::Booked => "BOOKED",
        }
    }
}

/// One movement of money the bank made: the transaction it shows as, and what it is for.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerEntry {
    /// What caused it: a payment id or a claim id. Entries are found and released by it.
    pub source_id: String,
    /// Hold or booking.
    pub kind: EntryKind,
    /// The transaction, on the account it moves. For a booking, its `balanceAfter` is set when
    /// the entry is posted.
    pub transaction: Transaction,
}

impl LedgerEntry {
    /// How the entry moves (booked, available) balances: a hold lowers only the available
    /// balance, a booking moves both by the transaction's signed amount.
    fn deltas(&self) -> (Decimal, Decimal) {
        let size = self.transaction.amount.amount.value();
        let signed = match self.transaction.credit_debit_indicator {
            CreditDebitIndicator::Credit => size,
            CreditDebitIndicator::Debit => -size,
        };
        match self.kind {
            EntryKind::Hold => (Decimal::ZERO, -size.abs()),
            EntryKind::Booked => (signed, signed),
        }
    }
}

/// Whether payments can be received into (credited to) `account`: deposit accounts, credit
/// accounts (paying the card off) and loans (paying principal off).
pub fn receives_payments(account: &Account) -> bool {
    match &account.details {
        AccountDetails::Deposit { .. }
        | AccountDetails::LineOfCredit { .. }
        | AccountDetails::Loan { .. } => true,
        AccountDetails::Commercial {
            deposit,
            loan,
            line_of_credit,
            ..
        } => deposit.is_some() || loan.is_some() || line_of_credit.is_some(),
        _ => false,
    }
}

/// What can be spent from `account` now: a deposit account's available balance (booked, less
/// holds, plus any overdraft), as a signed decimal; `None` for accounts nothing is paid from.
pub fn available(account: &Account) -> Option<Decimal> {
    match &account.details {
        AccountDetails::Deposit { deposit, .. } => Some(deposit.available_balance.signed()),
        AccountDetails::Commercial {
            deposit: Some(deposit),
            ..
        } => Some(deposit.available_balance.signed()),
        _ => None,
    }
}

fn moved(balance: &mut BalanceAmount, by: Decimal) -> StoreResult<()> {
    if by.is_zero() {
        return Ok(());
    }
    *balance = BalanceAmount::from_signed(balance.signed() + by, balance.currency)
        .map_err(StoreError::corrupt)?;
    Ok(())
}

fn moved_money(money: &mut Money, by: Decimal) -> StoreResult<()> {
    let value = (money.amount.value() + by).max(Decimal::ZERO);
    money.amount = sandbank_schemas::Amount::new(value).map_err(StoreError::corrupt)?;
    Ok(())
}

/// Moves a credit account's balance by `by`; its available credit follows: the limit plus the
/// (signed) balance, never below zero.
fn move_credit(line_of_credit: &mut LineOfCreditDetails, by: Decimal) -> StoreResult<()> {
    moved(&mut line_of_credit.current_balance, by)?;
    let credit =
        line_of_credit.credit_limit.amount.value() + line_of_credit.current_balance.signed();
    line_of_credit.available_credit.amount =
        sandbank_schemas::Amount::new(credit.max(Decimal::ZERO)).map_err(StoreError::corrupt)?;
    Ok(())
}

/// Applies balance deltas to an account's record. `current` moves the booked balance (a
/// loan's principal owed goes down by a credit), `available` the available balance; a credit
/// account's available credit follows its balance.
fn apply_to_account(
    account: &mut Account,
    current: Decimal,
    available: Decimal,
) -> StoreResult<()> {
    match &mut account.details {
        AccountDetails::Deposit { deposit, .. } => {
            moved(&mut deposit.current_balance, current)?;
            moved(&mut deposit.available_balance, available)?;
        }
        AccountDetails::LineOfCredit { line_of_credit, .. } => {
            move_credit(line_of_credit, current)?;
        }
        AccountDetails::Loan { loan, .. } => moved_money(&mut loan.principal_balance, -current)?,
        AccountDetails::Commercial {
            deposit,
            loan,
            line_of_credit,
            ..
        } => {
            if let Some(deposit) = deposit {
                moved(&mut deposit.current_balance, current)?;
                moved(&mut deposit.available_balance, available)?;
            } else if let Some(line_of_credit) = line_of_credit {
                move_credit(line_of_credit, current)?;
            } else if let Some(loan) = loan {
                moved_money(&mut loan.principal_balance, -current)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The booked balance of a deposit or credit account as its record states it, for a
/// booking's `balanceAfter`; `None` for a loan (its principal is owed, not a balance).
fn booked(account: &Account) -> Option<BalanceAmount> {
    match &account.details {
        AccountDetails::Deposit { deposit, .. } => Some(deposit.current_balance),
        AccountDetails::LineOfCredit { line_of_credit, .. } => Some(line_of_credit.current_balance),
        AccountDetails::Commercial {
            deposit: Some(deposit),
            ..
        } => Some(deposit.current_balance),
        AccountDetails::Commercial {
            line_of_credit: Some(line_of_credit),
            ..
        } => Some(line_of_credit.current_balance),
        _ => None,
    }
}

/// Applies balance deltas to the account's typed balances (`/accounts/{id}/balances`): the
/// booked ones (`CURRENT`, a loan's `PRINCIPAL`) by `current`, `AVAILABLE` and `PENDING` by
/// `available`; `AVAILABLE_CREDIT` follows the credit account's record.
fn apply_to_balance(
    balance: &mut Balance,
    account: &Account,
    current: Decimal,
    available: Decimal,
) -> StoreResult<()> {
    match balance.balance_type {
        BalanceType::Current | BalanceType::Principal => moved(&mut balance.amount, current),
        BalanceType::Available | BalanceType::Pending => moved(&mut balance.amount, available),
        BalanceType::AvailableCredit => {
            let credit = match &account.details {
                AccountDetails::LineOfCredit { line_of_credit, .. } => {
                    Some(line_of_credit.available_credit)
                }
                AccountDetails::Commercial {
                    line_of_credit: Some(line_of_credit),
                    ..
                } => Some(line_of_credit.available_credit),
                _ => None,
            };
            if let Some(credit) = credit {
                balance.amount.amount = credit.amount;
                balance.amount.credit_debit_indicator = CreditDebitIndicator::Credit;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// An account a write transaction holds: its record and its typed balances, as the
/// transaction has left them. Postings move it in memory and defer the writes
/// ([`Tx::defer`]), so that a payment reads its accounts once, before it writes anything, and
/// sends its whole write set in one round trip.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HeldAccount {
    /// The account's record.
    pub(crate) account: Account,
    /// Its typed balances with their order (`balances.ord`).
    balances: Vec<(i64, Balance)>,
}

/// Reads account `account_id` and its balances into `tx`, locking the account's row until the
/// transaction ends when `lock` (on PostgreSQL; a SQLite write transaction holds the whole
/// database). `None` when there is no such account.
pub(crate) async fn hold(
    tx: &mut Tx,
    account_id: &AccountId,
    lock: bool,
) -> StoreResult<Option<HeldAccount>> {
    let id = || vec![Bind::Text(account_id.to_string())];
    let mut rows: Vec<(i64, String)> = if tx.is_postgres() {
        // Row locks do not go through a UNION: the account first, locked, then its balances.
        let sql = match lock {
            true => {
                "SELECT CAST(-1 AS BIGINT), body FROM accounts WHERE account_id = $1 FOR UPDATE"
            }
            false => "SELECT CAST(-1 AS BIGINT), body FROM accounts WHERE account_id = $1",
        };
        let account: Option<(i64, String)> = tx.fetch_optional(sql, id()).await?;
        let Some(account) = account else {
            return Ok(None);
        };
        let mut rows = vec![account];
        rows.extend(
            tx.fetch_all::<(i64, String)>(
                "SELECT ord, body FROM balances WHERE account_id = $1 ORDER BY ord",
                id(),
            )
            .await?,
        );
        rows
    } else {
        // One round trip: the account (order -1, before every balance) and its balances.
        tx.fetch_all(
            "SELECT -1 AS ord, body FROM accounts WHERE account_id = $1 \
             UNION ALL SELECT ord, body FROM balances WHERE account_id = $1 ORDER BY ord",
            id(),
        )
        .await?
    };
    if rows.first().is_none_or(|(ord, _)| *ord != -1) {
        return Ok(None);
    }
    let (_, account) = rows.remove(0);
    let balances = rows
        .into_iter()
        .map(|(ord, body)| Ok((ord, from_body(&body)?)))
        .collect::<StoreResult<_>>()?;
    Ok(Some(HeldAccount {
        account: from_body(&account)?,
        balances,
    }))
}

/// The SQLite query that reads the accounts `ids` and their balances, in one statement: what
/// [`hold`] reads for one account, for several (the rows of [`held_from_rows`]). On SQLite a
/// write transaction holds the whole database, so there is no row to lock.
pub(crate) fn hold_all_sqlite(ids: &[&AccountId]) -> (String, Vec<Bind>) {
    let params: Vec<String> = (1..=ids.len()).map(|n| format!("${n}")).collect();
    let list = params.join(", ");
    let sql = format!(
        "SELECT account_id, -1 AS ord, body FROM accounts WHERE account_id IN ({list}) \
         UNION ALL SELECT account_id, ord, body FROM balances WHERE account_id IN ({list}) \
         ORDER BY 1, 2"
    );
    let binds = ids.iter().map(|id| Bind::Text(id.to_string())).collect();
    (sql, binds)
}

/// The accounts [`hold_all_sqlite`]'s rows describe, each with its balances in order; an id
/// with no account row is not there.
pub(crate) fn held_from_rows(
    rows: Vec<(String, i64, String)>,
) -> StoreResult<Vec<(AccountId, HeldAccount)>> {
    let mut held: Vec<(AccountId, HeldAccount)> = Vec::new();
    for (account_id, ord, body) in rows {
        if ord == -1 {
            let id = AccountId::new(account_id).map_err(StoreError::corrupt)?;
            let account = HeldAccount {
                account: from_body(&body)?,
                balances: Vec::new(),
            };
            held.push((id, account));
            continue;
        }
        // Rows come by account, the account's own row (-1) before its balances.
        match held.last_mut() {
            Some((id, account)) if id.as_str() == account_id => {
                account.balances.push((ord, from_body(&body)?));
            }
            _ => {
                return Err(StoreError::Missing(format!(
                    "the balances of account {account_id}, which has no record"
                )));
            }
        }
    }
    Ok(held)
}

/// Moves a held account's record and typed balances by `(current, available)`; the writes are
/// deferred.
async fn move_account(
    tx: &mut Tx,
    held: &mut HeldAccount,
    current: Decimal,
    available: Decimal,
) -> StoreResult<()> {
    let account_id = held.account.account_id.to_string();
    apply_to_account(&mut held.account, current, available)?;
    tx.defer(
        "UPDATE accounts SET body = $2 WHERE account_id = $1",
        vec![
            Bind::Text(account_id.clone()),
            Bind::Text(body(&held.account)?),
        ],
    )
    .await?;
    for (ord, balance) in &mut held.balances {
        let before = balance.clone();
        apply_to_balance(balance, &held.account, current, available)?;
        if *balance != before {
            tx.defer(
                "UPDATE balances SET body = $3 WHERE account_id = $1 AND ord = $2",
                vec![
                    Bind::Text(account_id.clone()),
                    Bind::Int(*ord),
                    Bind::Text(body(balance)?),
                ],
            )
            .await?;
        }
    }
    Ok(())
}

/// Posts `entry` in `tx` to `held`, the entry's account: records it, shows its transaction and
/// moves the account's balances (every write deferred). A booking's transaction gets the
/// account's booked balance after it as `balanceAfter`. Returns the transaction as stored.
pub(crate) async fn post(
    tx: &mut Tx,
    entry: &LedgerEntry,
    held: &mut HeldAccount,
) -> StoreResult<Transaction> {
    if held.account.account_id != entry.transaction.account_id {
        return Err(StoreError::Missing(format!(
            "account {} held for the entry",
            entry.transaction.account_id
        )));
    }
    let (current, available) = entry.deltas();
    move_account(tx, held, current, available).await?;
    let mut transaction = entry.transaction.clone();
    if entry.kind == EntryKind::Booked {
        transaction.balance_after = booked(&held.account);
    }
    tx.defer(
        "INSERT INTO ledger_entries (source_id, kind, account_id, transaction_id, \
         current_delta, available_delta, body) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        vec![
            Bind::Text(entry.source_id.clone()),
            Bind::Text(entry.kind.name().to_owned()),
            Bind::Text(held.account.account_id.to_string()),
            Bind::Text(transaction.transaction_id.to_string()),
            Bind::Text(current.to_string()),
            Bind::Text(available.to_string()),
            Bind::Text(body(&transaction)?),
        ],
    )
    .await?;
    tx.defer_insert(
        &tables::TRANSACTIONS,
        tables::transaction_row(&transaction)?,
    )
    .await?;
    Ok(transaction)
}

/// A delta as `ledger_entries` keeps it (decimal text).
fn decimal(text: &str) -> StoreResult<Decimal> {
    text.parse::<Decimal>().map_err(StoreError::corrupt)
}

/// The entry whose transaction is `transaction_id`: its account and the (current, available)
/// deltas it applied; `None` when there is no such entry.
pub(crate) async fn entry(
    tx: &mut Tx,
    transaction_id: &TransactionId,
) -> StoreResult<Option<(AccountId, Decimal, Decimal)>> {
    let row: Option<(String, String, String)> = tx
        .fetch_optional(
            "SELECT account_id, current_delta, available_delta FROM ledger_entries \
             WHERE transaction_id = $1",
            vec![Bind::Text(transaction_id.to_string())],
        )
        .await?;
    let Some((account_id, current, available)) = row else {
        return Ok(None);
    };
    Ok(Some((
        AccountId::new(account_id).map_err(StoreError::corrupt)?,
        decimal(&current)?,
        decimal(&available)?,
    )))
}

/// Undoes the entry of `transaction_id` ([`entry`] gave its deltas) on `held`, its account (if
/// it still exists): its balances move back, and the entry and its transaction are gone.
pub(crate) async fn undo(
    tx: &mut Tx,
    transaction_id: &TransactionId,
    held: Option<&mut HeldAccount>,
    (current, available): (Decimal, Decimal),
) -> StoreResult<()> {
    if let Some(held) = held {
        move_account(tx, held, -current, -available).await?;
    }
    tx.defer(
        "DELETE FROM ledger_entries WHERE transaction_id = $1",
        vec![Bind::Text(transaction_id.to_string())],
    )
    .await?;
    tx.defer(
        "DELETE FROM transactions WHERE transaction_id = $1",
        vec![Bind::Text(transaction_id.to_string())],
    )
    .await
}

/// Replays every ledger entry, oldest first, onto the accounts as they are in `tx` (a freshly
/// loaded dataset): each shows its transaction again and moves its account's balances again.
/// Entries on accounts the dataset no longer has are skipped (they stay recorded). Returns how
/// many were replayed.
pub(crate) async fn replay(tx: &mut Tx) -> StoreResult<usize> {
    let entries: Vec<(String, String, String, String)> = tx
        .fetch_all(
            "SELECT account_id, current_delta, available_delta, body FROM ledger_entries \
             ORDER BY id",
            vec![],
        )
        .await?;
    let mut replayed = 0;
    for (account_id, current, available, stored) in entries {
        let account_id = AccountId::new(account_id).map_err(StoreError::corrupt)?;
        let Some(mut held) = hold(tx, &account_id, false).await? else {
            continue;
        };
        move_account(tx, &mut held, decimal(&current)?, decimal(&available)?).await?;
        let transaction: Transaction = from_body(&stored)?;
        tx.insert_rows(
            &tables::TRANSACTIONS,
            vec![tables::transaction_row(&transaction)?],
        )
        .await?;
        replayed += 1;
    }
    Ok(replayed)
}
