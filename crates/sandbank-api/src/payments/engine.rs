//! The payment lifecycle: `PENDING` → `ACCEPTED` → `SETTLED`, or `REJECTED`, driven by the
//! sandbox clock and by the amount's scenario.
//!
//! A payment moves as far as it can whenever it is looked at by the engine — when it is
//! submitted, when the sandbox clock moves ([`run_due`]), or when a test forces it
//! ([`force`]) — each time in one [`PaymentTx`], with the money it moves:
//!
//! - **accepting** checks the debtor account (it exists, is open, is in the payment's currency)
//!   and the funds (its available balance, overdraft included, covers the amount), and holds
//!   the amount (a pending debit): two payments racing for one balance are checked one after
//!   the other, so they can never both pass on the same money;
//! - **settling** books the debit (the hold becomes a posted transaction) and, when the
//!   creditor banks here, the credit;
//! - **rejecting** an accepted payment releases its hold.
//!
//! The cents of the amount choose a scenario ([`Scenario`]), so a test can ask for any outcome
//! and always get the same one.

use chrono::{DateTime, Duration, NaiveDate, SubsecRound, Utc};
use sandbank_schemas::common::{
    AccountIdentification, AccountIdentificationScheme, Identifier, MaskedAccountNumber,
    PaymentScheme, TransactionId,
};
use sandbank_schemas::payment::{PaymentRejectionCode, PaymentStatusReason};
use sandbank_schemas::transaction::{
    TransactionCategory, TransactionStatus, TransferDetails, TransferKind,
};
use sandbank_schemas::{
    Account, AccountId, AccountStatus, CreditDebitIndicator, Money, Payment, PaymentEvent,
    PaymentRequest, PaymentStatus, Transaction, TransactionDetails,
};
use sandbank_store::ledger::{self, EntryKind, LedgerEntry};
use sandbank_store::{PaymentTx, Store, StoreResult, StoredPayment};

/// How long the scenarios that wait (`.01`, `.03`, `.04`) wait: one day of the sandbox clock.
pub const SCENARIO_WAIT: Duration = Duration::days(1);

/// The largest single payment the bank makes; above it, `LIMIT_EXCEEDED`.
pub const SINGLE_PAYMENT_LIMIT_MINOR: u64 = 25_000_000;

/// What the cents of a payment's amount ask the sandbox to do. Every other amount is paid
/// normally: accepted if the funds are there, settled at once (or on its execution date).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// Paid normally.
    Normal,
    /// `.01`: stays `PENDING` until the clock has moved a day, then is paid normally.
    HeldPending,
    /// `.02`: `REJECTED` with `INSUFFICIENT_FUNDS`, whatever the balance.
    InsufficientFunds,
    /// `.03`: `ACCEPTED`, then `REJECTED` (`INVALID_CREDITOR_ACCOUNT`: the creditor's bank
    /// returned it) when the clock has moved a day; the hold is released.
    ReturnedAfterAcceptance,
    /// `.04`: `ACCEPTED`, and `SETTLED` only when the clock has moved a day.
    SettlesNextDay,
    /// `.05`: `REJECTED` with `ACCOUNT_BLOCKED`.
    AccountBlocked,
    /// `.06`: `REJECTED` with `LIMIT_EXCEEDED`.
    LimitExceeded,
}

impl Scenario {
    /// Whether an accepted payment waits a day before it moves on (settled or returned);
    /// every other accepted payment settles at once.
    pub fn waits_once_accepted(self) -> bool {
        matches!(
            self,
            Scenario::ReturnedAfterAcceptance | Scenario::SettlesNextDay
        )
    }

    /// Every scenario with the cents that ask for it, in the README's order.
    pub const TABLE: [(&'static str, Scenario); 6] = [
        ("01", Scenario::HeldPending),
        ("02", Scenario::InsufficientFunds),
        ("03", Scenario::ReturnedAfterAcceptance),
        ("04", Scenario::SettlesNextDay),
        ("05", Scenario::AccountBlocked),
        ("06", Scenario::LimitExceeded),
    ];

    /// The scenario the amount asks for: its cents (the first two decimals).
    pub fn of(money: &Money) -> Scenario {
        by_cents(money, &Scenario::TABLE).unwrap_or(Scenario::Normal)
    }
}

/// What `table` says the cents of `money` (its first two decimals) ask for: how the sandbox's
/// scenario tables (payments, claims) are read.
pub fn by_cents<S: Copy>(money: &Money, table: &[(&str, S)]) -> Option<S> {
    let text = format!("{:.2}", money.amount.value());
    let cents = text.rsplit('.').next().unwrap_or("00");
    table
        .iter()
        .find(|(c, _)| *c == cents)
        .map(|(_, scenario)| *scenario)
}

fn reason(code: PaymentRejectionCode, message: &str) -> PaymentStatusReason {
    PaymentStatusReason {
        code,
        message: message.to_owned(),
    }
}

/// The account of this bank a creditor account names, if it names one: by `accountId`
/// (`ACCOUNT_ID`; whether it exists is for whoever locks it to find out), or by an
/// identification (IBAN, sort code and number, ABA) one of our accounts has.
pub async fn creditor_here(
    tx: &mut PaymentTx,
    account: &AccountIdentification,
) -> StoreResult<Option<AccountId>> {
    if account.scheme == AccountIdentificationScheme::AccountId {
        return Ok(AccountId::new(account.identification.as_str()).ok());
    }
    tx.account_identified_by(&account.identification).await
}

/// The accounts a payment moves money between, locked together (in id order, so payments in
/// opposite directions between two accounts cannot deadlock): the debtor and, for an internal
/// payment, the creditor's id and account when it exists.
async fn lock_parties(
    tx: &mut PaymentTx,
    payment: &Payment,
) -> StoreResult<(Option<Account>, Option<(AccountId, Option<Account>)>)> {
    let creditor = if payment.scheme == PaymentScheme::Internal {
        creditor_here(tx, &payment.creditor_account).await?
    } else {
        None
    };
    let mut ids = vec![&payment.debtor_account];
    ids.extend(creditor.as_ref());
    let mut locked = tx.accounts(&ids).await?;
    let mut take = |id: &AccountId| {
        let at = locked.iter().position(|a| &a.account_id == id)?;
        Some(locked.swap_remove(at))
    };
    let debtor = take(&payment.debtor_account);
    let creditor = creditor.map(|id| {
        let found = take(&id);
        (id, found)
    });
    Ok((debtor, creditor))
}

/// The scheme a payment goes through: `INTERNAL` between two accounts of this bank, else by
/// the creditor's identification and the currency.
pub fn scheme_for(request: &PaymentRequest, internal: bool) -> PaymentScheme {
    if internal {
        return PaymentScheme::Internal;
    }
    match request.creditor_account.scheme {
        AccountIdentificationScheme::SortCodeAccountNumber => PaymentScheme::FasterPayments,
        AccountIdentificationScheme::Iban
            if request.instructed_amount.currency.as_str() == "EUR" =>
        {
            PaymentScheme::SepaCreditTransfer
        }
        AccountIdentificationScheme::AbaRoutingAccount => PaymentScheme::Ach,
        AccountIdentificationScheme::Iban | AccountIdentificationScheme::AccountId => {
            PaymentScheme::Wire
        }
    }
}

/// The transaction id of a payment's debit or credit.
pub fn transaction_id(payment: &Payment, side: &str) -> TransactionId {
    let id = format!("{}-{side}", payment.payment_id);
    TransactionId::new(id).unwrap_or_else(|_| TransactionId::generated("txn-payment", 0))
}

/// The day a payment is to be made: its requested execution date, or today.
fn execution_day(payment: &Payment, now: DateTime<Utc>) -> NaiveDate {
    payment
        .requested_execution_date
        .unwrap_or_else(|| now.date_naive())
}

fn masked(identification: &str) -> Option<MaskedAccountNumber> {
    let characters: Vec<char> = identification
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let tail: String = characters[characters.len().saturating_sub(4)..]
        .iter()
        .collect();
    MaskedAccountNumber::new(format!("****{tail}")).ok()
}

/// The transaction a payment shows as on `account_id`.
fn transaction(
    payment: &Payment,
    account_id: &AccountId,
    side: CreditDebitIndicator,
    status: TransactionStatus,
    counterparty: &str,
    counterparty_account: Option<MaskedAccountNumber>,
    now: DateTime<Utc>,
) -> Transaction {
    let (id_side, description) = match side {
        CreditDebitIndicator::Debit => ("debit", format!("Payment to {}", payment.creditor_name)),
        CreditDebitIndicator::Credit => ("credit", format!("Payment from {counterparty}")),
    };
    Transaction {
        transaction_id: transaction_id(payment, id_side),
        account_id: account_id.clone(),
        status,
        booking_date_time: now,
        value_date_time: None,
        description,
        credit_debit_indicator: side,
        amount: payment.instructed_amount,
        currency_exchange: None,
        category: TransactionCategory::Transfer,
        bank_transaction_code: match side {
            CreditDebitIndicator::Debit => "PMNT-ICDT-DMCT".to_owned(),
            CreditDebitIndicator::Credit => "PMNT-RCDT-DMCT".to_owned(),
        },
        reference: payment.remittance_information.clone(),
        balance_after: None,
        details: TransactionDetails::Transfer {
            transfer: TransferDetails {
                counterparty_name: counterparty.to_owned(),
                counterparty_account,
                scheme: payment.scheme,
                end_to_end_id: Some(payment.payment_id.to_string()),
                kind: TransferKind::SinglePayment,
            },
        },
    }
}

/// The sequence number of the event that records a payment leaving `from`. No status is
/// entered twice and each has one depth in the lifecycle — `PENDING` is event 1, `ACCEPTED`
/// (and a `REJECTED` from `PENDING`) event 2, `SETTLED` (and a `REJECTED` from `ACCEPTED`)
/// event 3 — so the number follows from the status left, without reading the events.
pub fn sequence_after(from: PaymentStatus) -> u32 {
    match from {
        PaymentStatus::Pending => 2,
        PaymentStatus::Accepted => 3,
        // Final statuses are never left; a number past the lifecycle's end if one were.
        PaymentStatus::Settled | PaymentStatus::Rejected => 4,
    }
}

/// Moves `stored` to `status` (with `why` when rejected) at `now`: records the event.
async fn transition(
    tx: &mut PaymentTx,
    stored: &mut StoredPayment,
    status: PaymentStatus,
    why: Option<PaymentStatusReason>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let sequence = sequence_after(stored.payment.status);
    let payment = &mut stored.payment;
    payment.status = status;
    payment.status_reason = why.clone();
    payment.status_updated_at = now;
    if status.is_final() {
        stored.due_at = None;
    }
    let event = PaymentEvent {
        payment_id: payment.payment_id.clone(),
        sequence,
        status,
        status_reason: why,
        at: now,
        notification: None,
    };
    tx.add_event(stored, &event).await
}

/// Why a payment cannot be accepted, if it cannot: the checks a bank makes, in order.
async fn refusal(
    tx: &mut PaymentTx,
    stored: &StoredPayment,
    scenario: Scenario,
) -> StoreResult<Option<PaymentStatusReason>> {
    use PaymentRejectionCode as Code;
    let payment = &stored.payment;
    let amount = payment.instructed_amount;
    let (debtor, creditor) = lock_parties(tx, payment).await?;
    let Some(debtor) = debtor else {
        return Ok(Some(reason(
            Code::AccountBlocked,
            "the debtor account no longer exists",
        )));
    };
    if debtor.status != AccountStatus::Open || scenario == Scenario::AccountBlocked {
        return Ok(Some(reason(
            Code::AccountBlocked,
            "the debtor account cannot make payments (closed or restricted)",
        )));
    }
    if debtor.currency != amount.currency {
        return Ok(Some(reason(
            Code::UnsupportedCurrency,
            &format!(
                "the debtor account is in {}; the payment is in {}",
                debtor.currency, amount.currency
            ),
        )));
    }
    let limit = sandbank_schemas::Amount::from_minor(SINGLE_PAYMENT_LIMIT_MINOR);
    if scenario == Scenario::LimitExceeded || amount.amount > limit {
        return Ok(Some(reason(
            Code::LimitExceeded,
            &format!(
                "a single payment may be at most {limit} {}",
                amount.currency
            ),
        )));
    }
    if payment.scheme == PaymentScheme::Internal {
        let receives = creditor.as_ref().is_some_and(|(id, found)| {
            id != &payment.debtor_account
                && found.as_ref().is_some_and(|account| {
                    ledger::receives_payments(account)
                        && account.status == AccountStatus::Open
                        && account.currency == amount.currency
                })
        });
        if !receives {
            return Ok(Some(reason(
                Code::InvalidCreditorAccount,
                "the creditor account is not an account of this bank that can receive this payment",
            )));
        }
    }
    let funds = ledger::available(&debtor).unwrap_or_default();
    if scenario == Scenario::InsufficientFunds || funds < amount.amount.value() {
        return Ok(Some(reason(
            Code::InsufficientFunds,
            "the debtor account's available balance does not cover the payment",
        )));
    }
    Ok(None)
}

/// How an accepted payment's money waits for its settlement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hold {
    /// A pending debit on the debtor account, until the payment settles or is rejected.
    Held,
    /// Nothing: the payment settles in this same transaction, where a hold would only be
    /// posted and released again (six statements each way, on the one path every payment
    /// takes).
    SettlingNow,
}

/// Accepts a pending payment at `now`: the checks (`checked`), then a hold on the debtor
/// account unless it settles now; or rejects it.
async fn accept(
    tx: &mut PaymentTx,
    stored: &mut StoredPayment,
    scenario: Scenario,
    now: DateTime<Utc>,
    checked: bool,
    hold: Hold,
) -> StoreResult<()> {
    if checked && let Some(why) = refusal(tx, stored, scenario).await? {
        return transition(tx, stored, PaymentStatus::Rejected, Some(why), now).await;
    }
    if hold == Hold::SettlingNow {
        stored.payment.transaction_ids.clear();
        return transition(tx, stored, PaymentStatus::Accepted, None, now).await;
    }
    let payment = &stored.payment;
    let creditor_account = masked(&payment.creditor_account.identification);
    let hold = transaction(
        payment,
        &payment.debtor_account,
        CreditDebitIndicator::Debit,
        TransactionStatus::Pending,
        &payment.creditor_name,
        creditor_account,
        now,
    );
    let debit_id = hold.transaction_id.clone();
    tx.post(&LedgerEntry {
        source_id: payment.payment_id.to_string(),
        kind: EntryKind::Hold,
        transaction: hold,
    })
    .await?;
    stored.payment.transaction_ids = vec![debit_id];
    transition(tx, stored, PaymentStatus::Accepted, None, now).await
}

/// Settles an accepted payment at `now`: the hold becomes a posted debit, and the creditor is
/// credited when it banks here.
async fn settle(
    tx: &mut PaymentTx,
    stored: &mut StoredPayment,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let payment = stored.payment.clone();
    // Both accounts held before either moves.
    let (debtor, creditor) = lock_parties(tx, &payment).await?;
    let creditor = creditor
        .filter(|(_, found)| found.is_some())
        .map(|(id, _)| id);
    let debit_id = transaction_id(&payment, "debit");
    // A payment settling as it is accepted has no hold to release (see [`Hold`]).
    if !payment.transaction_ids.is_empty() {
        tx.release(&debit_id).await?;
    }
    let debtor_name = debtor
        .as_ref()
        .map_or_else(|| "a Sandbank customer".to_owned(), account_holder);
    let debit = transaction(
        &payment,
        &payment.debtor_account,
        CreditDebitIndicator::Debit,
        TransactionStatus::Posted,
        &payment.creditor_name,
        masked(&payment.creditor_account.identification),
        now,
    );
    tx.post(&LedgerEntry {
        source_id: payment.payment_id.to_string(),
        kind: EntryKind::Booked,
        transaction: debit,
    })
    .await?;
    let mut ids = vec![debit_id];
    if let Some(creditor) = creditor {
        let credit = transaction(
            &payment,
            &creditor,
            CreditDebitIndicator::Credit,
            TransactionStatus::Posted,
            &debtor_name,
            debtor.as_ref().map(|a| a.masked_account_number.clone()),
            now,
        );
        ids.push(credit.transaction_id.clone());
        tx.post(&LedgerEntry {
            source_id: payment.payment_id.to_string(),
            kind: EntryKind::Booked,
            transaction: credit,
        })
        .await?;
    }
    stored.payment.transaction_ids = ids;
    transition(tx, stored, PaymentStatus::Settled, None, now).await
}

/// The name a payment's creditor sees for the account it came from.
fn account_holder(account: &Account) -> String {
    account
        .holders
        .first()
        .map_or_else(|| account.display_name.clone(), |h| h.name.clone())
}

/// Rejects an accepted payment (its hold released) or a pending one.
async fn reject(
    tx: &mut PaymentTx,
    stored: &mut StoredPayment,
    why: PaymentStatusReason,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    if stored.payment.status == PaymentStatus::Accepted {
        let debit_id = transaction_id(&stored.payment, "debit");
        tx.release(&debit_id).await?;
        stored.payment.transaction_ids.clear();
    }
    transition(tx, stored, PaymentStatus::Rejected, Some(why), now).await
}

/// Moves `stored` as far as it can go at `now` and sets when it next moves by itself.
pub async fn advance(
    tx: &mut PaymentTx,
    stored: &mut StoredPayment,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let scenario = Scenario::of(&stored.payment.instructed_amount);
    let created = stored.payment.created_at;
    loop {
        match stored.payment.status {
            PaymentStatus::Pending => {
                let day = execution_day(&stored.payment, created);
                let day_starts = day.and_time(chrono::NaiveTime::MIN).and_utc();
                let held_until =
                    (scenario == Scenario::HeldPending).then(|| created + SCENARIO_WAIT);
                let wait = [
                    Some(day_starts).filter(|d| *d > now),
                    held_until.filter(|h| *h > now),
                ]
                .into_iter()
                .flatten()
                .max();
                if let Some(until) = wait {
                    stored.due_at = Some(until);
                    return Ok(());
                }
                let hold = match scenario.waits_once_accepted() {
                    true => Hold::Held,
                    false => Hold::SettlingNow,
                };
                accept(tx, stored, scenario, now, true, hold).await?;
            }
            PaymentStatus::Accepted => {
                let accepted_at = stored.payment.status_updated_at;
                if scenario.waits_once_accepted() && accepted_at + SCENARIO_WAIT > now {
                    stored.due_at = Some(accepted_at + SCENARIO_WAIT);
                    return Ok(());
                }
                if scenario == Scenario::ReturnedAfterAcceptance {
                    let why = reason(
                        PaymentRejectionCode::InvalidCreditorAccount,
                        "the creditor's bank returned the payment: no such account",
                    );
                    reject(tx, stored, why, now).await?;
                } else {
                    settle(tx, stored, now).await?;
                }
            }
            PaymentStatus::Settled | PaymentStatus::Rejected => {
                stored.due_at = None;
                return Ok(());
            }
        }
    }
}

/// Moves every payment that is due by `now` (after the sandbox clock moved), each in its own
/// transaction and at the time it was due (a future-dated payment books at the start of its
/// day), until none is due: a payment accepted on its way may be due again. Returns how many
/// moves were made.
pub async fn run_due(store: &Store, now: DateTime<Utc>) -> StoreResult<usize> {
    let now = now.trunc_subsecs(6);
    let mut moved = 0;
    // Each round moves a payment at least one step; a payment has at most three.
    for _ in 0..4 {
        let due = store.payments_due(now).await?;
        if due.is_empty() {
            break;
        }
        for payment_id in due {
            let mut tx = store.begin_payment_change().await?;
            let Some(mut stored) = tx.payment(&payment_id).await? else {
                tx.rollback().await?;
                continue;
            };
            let at = stored.due_at.map_or(now, |due| due.min(now));
            if stored.payment.status.is_final() || stored.due_at.is_none_or(|due| due > now) {
                tx.rollback().await?;
                continue;
            }
            let before = stored.payment.status;
            advance(&mut tx, &mut stored, at).await?;
            tx.update_payment(&stored).await?;
            tx.commit().await?;
            if stored.payment.status != before {
                moved += 1;
            }
        }
    }
    Ok(moved)
}

/// Why a forced transition is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForceError {
    /// No such payment.
    NotFound,
    /// The lifecycle does not go from the payment's status to the one asked.
    NotAllowed(PaymentStatus, PaymentStatus),
}

/// Forces `payment_id` to `to` at `now`, for a test (`POST /sandbox/payments/{id}/status`):
/// `ACCEPTED` holds the money without the checks, `SETTLED` books it, `REJECTED` (with `why`)
/// releases a hold. Only the lifecycle's transitions are allowed. The payment as it is after.
pub async fn force(
    store: &Store,
    payment_id: &sandbank_schemas::PaymentId,
    to: PaymentStatus,
    why: Option<PaymentStatusReason>,
    now: DateTime<Utc>,
) -> StoreResult<Result<Payment, ForceError>> {
    let now = now.trunc_subsecs(6);
    let mut tx = store.begin_payment_change().await?;
    let Some(mut stored) = tx.payment(payment_id).await? else {
        tx.rollback().await?;
        return Ok(Err(ForceError::NotFound));
    };
    let from = stored.payment.status;
    if !from.may_become(to) {
        tx.rollback().await?;
        return Ok(Err(ForceError::NotAllowed(from, to)));
    }
    let scenario = Scenario::of(&stored.payment.instructed_amount);
    match to {
        PaymentStatus::Accepted => {
            accept(&mut tx, &mut stored, scenario, now, false, Hold::Held).await?;
            // A forced acceptance settles on the next day of the clock, unless forced on.
            stored.due_at = Some(now + SCENARIO_WAIT);
        }
        PaymentStatus::Settled => settle(&mut tx, &mut stored, now).await?,
        PaymentStatus::Rejected => {
            let why = why.unwrap_or_else(|| {
                reason(
                    PaymentRejectionCode::AccountBlocked,
                    "rejected by the sandbox control API",
                )
            });
            reject(&mut tx, &mut stored, why, now).await?;
        }
        PaymentStatus::Pending => {}
    }
    tx.update_payment(&stored).await?;
    tx.commit().await?;
    Ok(Ok(stored.payment))
}

#[cfg(test)]
mod tests {
    use sandbank_schemas::{Amount, Currency};

    use super::*;

    #[test]
    fn the_cents_choose_the_scenario() {
        let gbp = |minor| Money::new(Amount::from_minor(minor), Currency::GBP);
        assert_eq!(Scenario::of(&gbp(4217)), Scenario::Normal);
        assert_eq!(Scenario::of(&gbp(4201)), Scenario::HeldPending);
        assert_eq!(Scenario::of(&gbp(1)), Scenario::HeldPending);
        assert_eq!(Scenario::of(&gbp(99902)), Scenario::InsufficientFunds);
        assert_eq!(Scenario::of(&gbp(10003)), Scenario::ReturnedAfterAcceptance);
        assert_eq!(Scenario::of(&gbp(10004)), Scenario::SettlesNextDay);
        assert_eq!(Scenario::of(&gbp(10005)), Scenario::AccountBlocked);
        assert_eq!(Scenario::of(&gbp(10006)), Scenario::LimitExceeded);
        assert_eq!(Scenario::of(&gbp(10010)), Scenario::Normal);
        let whole: Money =
            serde_json::from_value(serde_json::json!({"amount": "12", "currency": "GBP"})).unwrap();
        assert_eq!(Scenario::of(&whole), Scenario::Normal);
    }

    #[test]
    fn the_lifecycle_allows_its_transitions_and_no_other() {
        use PaymentStatus::*;
        let all = [Pending, Accepted, Settled, Rejected];
        let allowed = [
            (Pending, Accepted),
            (Pending, Rejected),
            (Accepted, Settled),
            (Accepted, Rejected),
        ];
        for from in all {
            for to in all {
                assert_eq!(
                    from.may_become(to),
                    allowed.contains(&(from, to)),
                    "{from:?} -> {to:?}"
                );
            }
        }
    }
}
