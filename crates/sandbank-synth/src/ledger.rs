//! One account's history as the simulation writes it, and what is derived from it: the
//! transactions with their running balances, and the statements.
//!
//! Every derived figure is computed from the entries, so the invariants the data promises
//! (running balance, statement totals) hold by construction.

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use sandbank_schemas::Transaction;
use sandbank_schemas::common::{AccountId, Currency, Identifier, StatementId};
use sandbank_schemas::statement::{Statement, StatementTotals};
use sandbank_schemas::transaction::{
    CurrencyExchange, TransactionCategory, TransactionDetails, TransactionStatus,
};

use crate::money::{balance, indicator, money};
use crate::seed::Seed;

/// A movement of money as the simulation records it.
#[derive(Debug, Clone)]
pub struct Entry {
    /// When it was booked (or authorised, while pending).
    pub at: DateTime<Utc>,
    /// Minor units; positive is money in.
    pub amount: i64,
    /// Still pending at the end of the history.
    pub pending: bool,
    /// Statement text.
    pub description: String,
    /// Spending category.
    pub category: TransactionCategory,
    /// Bank transaction code.
    pub code: &'static str,
    /// Payment reference.
    pub reference: Option<String>,
    /// Type-specific detail.
    pub details: TransactionDetails,
    /// Original amount for foreign spend.
    pub fx: Option<CurrencyExchange>,
}

/// How statements are cut for an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cycle {
    /// No statements.
    None,
    /// Calendar months.
    Monthly,
    /// Card cycles closing the day before `day` each month.
    Card {
        /// Day of the month a statement is issued.
        day: u32,
    },
}

/// A finished account history.
#[derive(Debug, Clone)]
pub struct Ledger {
    /// The account.
    pub account_id: AccountId,
    /// Its currency.
    pub currency: Currency,
    /// Seed for identifiers.
    pub seed: Seed,
    /// Balance before the first entry.
    pub opening_balance: i64,
    /// Entries in time order.
    pub entries: Vec<Entry>,
}

impl Ledger {
    /// Booked balance after every posted entry.
    pub fn booked(&self) -> i64 {
        self.opening_balance
            + self
                .entries
                .iter()
                .filter(|e| !e.pending)
                .map(|e| e.amount)
                .sum::<i64>()
    }

    /// Sum of pending entries.
    pub fn pending(&self) -> i64 {
        self.entries
            .iter()
            .filter(|e| e.pending)
            .map(|e| e.amount)
            .sum()
    }

    /// The transactions, oldest first, with running balances on posted ones.
    pub fn transactions(&self) -> Vec<Transaction> {
        let mut running = self.opening_balance;
        let ids = self.seed.child("txn");
        self.entries
            .iter()
            .enumerate()
            .map(|(n, entry)| {
                let (status, balance_after, value_date_time) = if entry.pending {
                    (TransactionStatus::Pending, None, None)
                } else {
                    running += entry.amount;
                    (
                        TransactionStatus::Posted,
                        Some(balance(running, self.currency)),
                        Some(entry.at),
                    )
                };
                Transaction {
                    transaction_id: id(ids.nth(n as u64), "txn"),
                    account_id: self.account_id.clone(),
                    status,
                    booking_date_time: entry.at,
                    value_date_time,
                    description: entry.description.clone(),
                    credit_debit_indicator: indicator(entry.amount),
                    amount: money(entry.amount, self.currency),
                    currency_exchange: entry.fx.clone(),
                    category: entry.category,
                    bank_transaction_code: entry.code.to_owned(),
                    reference: entry.reference.clone(),
                    balance_after,
                    details: entry.details.clone(),
                }
            })
            .collect()
    }

    /// Statements for every whole period between `from` (first day of history or opening)
    /// and `until` (exclusive). `minimum` computes the minimum payment from a closing balance.
    pub fn statements(
        &self,
        cycle: Cycle,
        from: NaiveDate,
        until: NaiveDate,
        minimum: impl Fn(i64) -> Option<(i64, u64)>,
    ) -> Vec<Statement> {
        let periods = periods(cycle, from, until);
        let mut statements = Vec::with_capacity(periods.len());
        let ids = self.seed.child("statement");
        for (n, (start, end, issued)) in periods.into_iter().enumerate() {
            let before: i64 = self.opening_balance
                + self
                    .entries
                    .iter()
                    .filter(|e| !e.pending && e.at.date_naive() < start)
                    .map(|e| e.amount)
                    .sum::<i64>();
            let inside: Vec<&Entry> = self
                .entries
                .iter()
                .filter(|e| !e.pending && e.at.date_naive() >= start && e.at.date_naive() <= end)
                .collect();
            let credits: i64 = inside
                .iter()
                .filter(|e| e.amount > 0)
                .map(|e| e.amount)
                .sum();
            let debits: i64 = inside
                .iter()
                .filter(|e| e.amount < 0)
                .map(|e| -e.amount)
                .sum();
            let fees: i64 = inside
                .iter()
                .filter(|e| e.amount < 0 && e.category == TransactionCategory::Fees)
                .map(|e| -e.amount)
                .sum();
            let interest: i64 = inside
                .iter()
                .filter(|e| e.category == TransactionCategory::Interest)
                .map(|e| e.amount.abs())
                .sum();
            let closing = before + credits - debits;
            let (minimum_payment, payment_due_date) = match minimum(closing) {
                Some((amount, due_in_days)) => (
                    Some(money(amount, self.currency)),
                    issued.checked_add_days(Days::new(due_in_days)),
                ),
                None => (None, None),
            };
            let statement_id: StatementId = id(ids.nth(n as u64), "stmt");
            statements.push(Statement {
                document_url: Some(format!(
                    "/accounts/{}/statements/{}/document",
                    self.account_id, statement_id
                )),
                statement_id,
                account_id: self.account_id.clone(),
                start_date: start,
                end_date: end,
                statement_date: issued,
                opening_balance: balance(before, self.currency),
                closing_balance: balance(closing, self.currency),
                totals: StatementTotals {
                    credits: money(credits, self.currency),
                    debits: money(debits, self.currency),
                    fees: money(fees, self.currency),
                    interest: money(interest, self.currency),
                },
                transaction_count: u32::try_from(inside.len()).unwrap_or(u32::MAX),
                minimum_payment,
                payment_due_date,
                transactions: None,
            });
        }
        statements
    }
}

/// Whole statement periods `(start, end inclusive, issue date)` within `[from, until)`.
pub fn periods(
    cycle: Cycle,
    from: NaiveDate,
    until: NaiveDate,
) -> Vec<(NaiveDate, NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    let issue_day = match cycle {
        Cycle::None => return out,
        Cycle::Monthly => 1,
        Cycle::Card { day } => day,
    };
    // Walk issue dates month by month; a period runs from the previous issue date to the day
    // before this one.
    let mut previous: Option<NaiveDate> = None;
    let mut cursor = NaiveDate::from_ymd_opt(from.year(), from.month(), 1);
    while let Some(month) = cursor {
        let Some(issue) = month.with_day(issue_day) else {
            break;
        };
        if issue > until {
            break;
        }
        if let Some(start) = previous
            && start >= from
            && let Some(end) = issue.pred_opt()
        {
            out.push((start, end, issue));
        }
        if issue >= from {
            previous = Some(issue);
        }
        cursor = month.checked_add_months(chrono::Months::new(1));
    }
    out
}

/// A statement summary for a credit account: what the simulation needs to schedule payments.
pub fn card_minimum(closing: i64) -> Option<(i64, u64)> {
    if closing >= 0 {
        return None;
    }
    let owed = -closing;
    let minimum = (owed * 3 / 100).max(2_500).min(owed);
    Some((minimum, 25))
}

/// An identifier from a seed: `prefix-` and 16 hex digits.
pub fn id<T: Identifier>(seed: Seed, prefix: &str) -> T {
    T::generated(prefix, seed.value())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn monthly_periods_are_whole_calendar_months() {
        let p = periods(Cycle::Monthly, d(2026, 1, 15), d(2026, 4, 10));
        assert_eq!(
            p,
            vec![
                (d(2026, 2, 1), d(2026, 2, 28), d(2026, 3, 1)),
                (d(2026, 3, 1), d(2026, 3, 31), d(2026, 4, 1)),
            ]
        );
    }

    #[test]
    fn card_periods_close_the_day_before_the_statement_day() {
        let p = periods(Cycle::Card { day: 28 }, d(2026, 1, 1), d(2026, 3, 30));
        assert_eq!(
            p,
            vec![
                (d(2026, 1, 28), d(2026, 2, 27), d(2026, 2, 28)),
                (d(2026, 2, 28), d(2026, 3, 27), d(2026, 3, 28)),
            ]
        );
    }
}
