//! The lifecycle of a filed claim, driven by the sandbox clock: `SUBMITTED` → (a day)
//! `UNDER_REVIEW` → (two more days) `APPROVED`, `PARTIALLY_APPROVED` or `DENIED` → (a day
//! more, unless denied) `PAID`.
//!
//! A claim moves as far as it can whenever the engine looks at it — when the sandbox clock
//! moves ([`run_due`]) — each step at the time it was due, so a clock move of four days takes a
//! claim all the way in one go, and always to the same dates. Each claim moves in one
//! [`PaymentTx`]: paying it credits the payout account through the ledger in the same
//! transaction (a booking whose source is the claim), so the money and the claim's `PAID`
//! commit together, and a dataset rebuild replays the credit onto the regenerated account.
//!
//! The decision is the cover's arithmetic: the claimed amount less the deductible of the
//! coverage the claim type falls under, capped at its limit (`APPROVED` when that is the whole
//! claim, `PARTIALLY_APPROVED` when less, `DENIED` when nothing is left). The cents of the
//! claimed amount choose a scenario ([`Scenario`]), so a test can ask for a denial.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use sandbank_schemas::account::AccountDetails;
use sandbank_schemas::common::Identifier;
use sandbank_schemas::insurance::{Coverage, InsuranceLine};
use sandbank_schemas::transaction::{
    InsuranceTransactionDetails, InsuranceTransactionKind, TransactionCategory, TransactionStatus,
};
use sandbank_schemas::{
    Account, AccountStatus, Amount, ClaimStatus, ClaimType, CreditDebitIndicator, InsurancePolicy,
    Money, Transaction, TransactionDetails, TransactionId,
};
use sandbank_store::ledger::{EntryKind, LedgerEntry};
use sandbank_store::{PaymentTx, Store, StoreResult, StoredClaim};

use crate::payments::engine::by_cents;

/// How long a submitted claim waits before it is reviewed.
pub const UNTIL_REVIEW: Duration = Duration::days(1);
/// How long a review takes.
pub const REVIEW: Duration = Duration::days(2);
/// How long an approved claim waits before it is paid.
pub const UNTIL_PAYOUT: Duration = Duration::days(1);

/// What the cents of the claimed amount ask the sandbox to decide. Every other amount is
/// decided by the cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// Decided by the cover: the deductible off, capped at the limit.
    Normal,
    /// `.02`: `DENIED` at the end of the review; nothing is paid.
    Denied,
    /// `.07`: `PARTIALLY_APPROVED` at half of what the cover gives, rounded down to the cent.
    Halved,
}

impl Scenario {
    /// Every scenario with the cents that ask for it, in the README's order.
    pub const TABLE: [(&'static str, Scenario); 2] =
        [("02", Scenario::Denied), ("07", Scenario::Halved)];

    /// The scenario the claimed amount asks for.
    pub fn of(money: &Money) -> Scenario {
        by_cents(money, &Scenario::TABLE).unwrap_or(Scenario::Normal)
    }
}

/// The names of the coverages a claim type falls under on a policy of `line`, in the
/// dataset's words.
fn coverage_names(line: InsuranceLine, claim_type: ClaimType) -> &'static [&'static str] {
    use ClaimType::*;
    match (line, claim_type) {
        (InsuranceLine::Auto, Collision | Theft) => &["Accidental damage"],
        (InsuranceLine::Auto, Glass) => &["Windscreen"],
        (InsuranceLine::Auto, ThirdParty) => &["Third-party liability"],
        (InsuranceLine::Home, EscapeOfWater | Fire | Storm) => &["Buildings"],
        (InsuranceLine::Home, Theft | AccidentalDamage) => &["Contents"],
        (_, Treatment | Medical) => &["Medical expenses"],
        (_, Cancellation) => &["Cancellation"],
        (_, Death | TerminalIllness) => &["Life cover"],
        _ => &[],
    }
}

/// The coverage a claim of `claim_type` is paid under: the one its type falls under, else the
/// policy's first; `None` when the policy lists none (no limit, no deductible).
pub fn coverage_for(policy: &InsurancePolicy, claim_type: ClaimType) -> Option<&Coverage> {
    let names = coverage_names(policy.line_of_business, claim_type);
    policy
        .coverages
        .iter()
        .find(|c| names.contains(&c.name.as_str()))
        .or_else(|| policy.coverages.first())
}

/// What the review decides for `claimed` under `coverage`: the status, and the amount approved
/// (none when denied).
pub fn decide(
    claimed: &Money,
    coverage: Option<&Coverage>,
    scenario: Scenario,
) -> (ClaimStatus, Option<Money>) {
    if scenario == Scenario::Denied {
        return (ClaimStatus::Denied, None);
    }
    let same = |money: &Option<Money>| {
        money
            .filter(|m| m.currency == claimed.currency)
            .map(|m| m.amount.value())
    };
    let asked = claimed.amount.value();
    let deductible = coverage
        .and_then(|c| same(&c.deductible))
        .unwrap_or_default();
    let mut approved = (asked - deductible).max(Decimal::ZERO);
    if let Some(limit) = coverage.and_then(|c| same(&c.limit)) {
        approved = approved.min(limit);
    }
    if scenario == Scenario::Halved {
        approved = (approved / Decimal::TWO).round_dp_with_strategy(2, RoundingStrategy::ToZero);
    }
    let amount = Amount::new(approved).ok().filter(|_| !approved.is_zero());
    let Some(amount) = amount else {
        return (ClaimStatus::Denied, None);
    };
    let status = if approved == asked {
        ClaimStatus::Approved
    } else {
        ClaimStatus::PartiallyApproved
    };
    (status, Some(Money::new(amount, claimed.currency)))
}

/// Whether a payout can be credited to `account` in `currency`: an open deposit account (or a
/// business's deposit) in that currency.
pub fn takes_payout(account: &Account, currency: sandbank_schemas::Currency) -> bool {
    let deposit = matches!(
        account.details,
        AccountDetails::Deposit { .. }
            | AccountDetails::Commercial {
                deposit: Some(_),
                ..
            }
    );
    deposit && account.status == AccountStatus::Open && account.currency == currency
}

/// The transaction id of a claim's payout.
pub fn payout_id(claim: &sandbank_schemas::InsuranceClaim) -> TransactionId {
    TransactionId::new(format!("{}-payout", claim.claim_id))
        .unwrap_or_else(|_| TransactionId::generated("txn-claim", 0))
}

/// The credit a claim's payout shows as, as the dataset's own payouts do.
fn payout(
    claim: &sandbank_schemas::InsuranceClaim,
    account: &Account,
    amount: Money,
    at: DateTime<Utc>,
) -> Transaction {
    Transaction {
        transaction_id: payout_id(claim),
        account_id: account.account_id.clone(),
        status: TransactionStatus::Posted,
        booking_date_time: at,
        value_date_time: None,
        description: "SANDBANK INSURANCE CLAIM PAYMENT".to_owned(),
        credit_debit_indicator: CreditDebitIndicator::Credit,
        amount,
        currency_exchange: None,
        category: TransactionCategory::Insurance,
        bank_transaction_code: "PMNT-RCDT-ESCT".to_owned(),
        reference: Some(claim.claim_number.clone()),
        balance_after: None,
        details: TransactionDetails::Insurance {
            insurance: InsuranceTransactionDetails {
                kind: InsuranceTransactionKind::ClaimPayout,
                policy_id: claim.policy_id.clone(),
                claim_id: Some(claim.claim_id.clone()),
            },
        },
    }
}

/// Pays an approved claim at `at`: the payout account is credited with the approved amount.
/// When the account can no longer take it (closed since), the claim stays approved and is
/// tried again a day later.
async fn pay(tx: &mut PaymentTx, stored: &mut StoredClaim, at: DateTime<Utc>) -> StoreResult<()> {
    let claim = &stored.claim;
    let (Some(amount), Some(account_id)) = (claim.approved_amount, claim.payout_account_id.clone())
    else {
        // Never so for a filed claim (the review sets the amount, filing the account): it
        // stops where it is rather than be paid nothing.
        stored.due_at = None;
        return Ok(());
    };
    let account = tx.accounts(&[&account_id]).await?.into_iter().next();
    let Some(account) = account.filter(|a| takes_payout(a, amount.currency)) else {
        stored.due_at = Some(at + UNTIL_PAYOUT);
        return Ok(());
    };
    tx.post(&LedgerEntry {
        source_id: claim.claim_id.to_string(),
        kind: EntryKind::Booked,
        transaction: payout(claim, &account, amount, at),
    })
    .await?;
    stored.claim.status = ClaimStatus::Paid;
    stored.claim.paid_amount = Some(amount);
    stored.claim.closed_date = Some(at.date_naive());
    stored.due_at = None;
    Ok(())
}

/// When a claim in its status next moves, counted from `since` (the time it got there).
fn next_due(status: ClaimStatus, since: DateTime<Utc>) -> Option<DateTime<Utc>> {
    match status {
        ClaimStatus::Submitted => Some(since + UNTIL_REVIEW),
        ClaimStatus::UnderReview => Some(since + REVIEW),
        ClaimStatus::Approved | ClaimStatus::PartiallyApproved => Some(since + UNTIL_PAYOUT),
        _ => None,
    }
}

/// The first due time of a claim filed at `now`.
pub fn first_due(now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    next_due(ClaimStatus::Submitted, now)
}

/// Moves `stored` through every step due by `now`, each at the time it was due, and sets when
/// it next moves. `policy` is the claim's policy (its cover decides), if it still exists.
pub async fn advance(
    tx: &mut PaymentTx,
    stored: &mut StoredClaim,
    policy: Option<&InsurancePolicy>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    loop {
        let Some(due) = stored.due_at.filter(|due| *due <= now) else {
            return Ok(());
        };
        match stored.claim.status {
            ClaimStatus::Submitted => {
                stored.claim.status = ClaimStatus::UnderReview;
                stored.due_at = next_due(ClaimStatus::UnderReview, due);
            }
            ClaimStatus::UnderReview => {
                let coverage = policy
                    .zip(stored.claim.claim_type)
                    .and_then(|(p, t)| coverage_for(p, t));
                let scenario = Scenario::of(&stored.claim.claimed_amount);
                let (status, approved) = decide(&stored.claim.claimed_amount, coverage, scenario);
                stored.claim.status = status;
                stored.claim.approved_amount = approved;
                stored.due_at = next_due(status, due);
                if status == ClaimStatus::Denied {
                    stored.claim.closed_date = Some(due.date_naive());
                }
            }
            ClaimStatus::Approved | ClaimStatus::PartiallyApproved => pay(tx, stored, due).await?,
            ClaimStatus::Denied
            | ClaimStatus::Paid
            | ClaimStatus::Closed
            | ClaimStatus::Withdrawn => {
                stored.due_at = None;
                return Ok(());
            }
        }
    }
}

/// Moves every filed claim that is due by `now` (after the sandbox clock moved), each in its
/// own transaction. Returns how many claims moved.
pub async fn run_due(store: &Store, now: DateTime<Utc>) -> StoreResult<usize> {
    let now = now.trunc_subsecs(6);
    let mut moved = 0;
    for claim_id in store.claims_due(now).await? {
        let policy = match store.filed_claim(&claim_id).await? {
            Some(stored) => store.policy(&stored.claim.policy_id).await?,
            None => continue,
        };
        let mut tx = store.begin_payment_change().await?;
        let Some(mut stored) = tx.claim(&claim_id).await? else {
            tx.rollback().await?;
            continue;
        };
        let before = stored.claim.status;
        advance(&mut tx, &mut stored, policy.as_ref(), now).await?;
        tx.update_claim(&stored).await?;
        tx.commit().await?;
        if stored.claim.status != before {
            moved += 1;
        }
    }
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use sandbank_schemas::{Currency, examples};

    use super::*;

    fn gbp(minor: u64) -> Money {
        Money::new(Amount::from_minor(minor), Currency::GBP)
    }

    fn cover(limit: Option<u64>, deductible: Option<u64>) -> Coverage {
        Coverage {
            name: "Accidental damage".into(),
            limit: limit.map(gbp),
            deductible: deductible.map(gbp),
        }
    }

    #[test]
    fn the_cents_choose_the_scenario() {
        assert_eq!(Scenario::of(&gbp(147_735)), Scenario::Normal);
        assert_eq!(Scenario::of(&gbp(100_002)), Scenario::Denied);
        assert_eq!(Scenario::of(&gbp(100_007)), Scenario::Halved);
        assert_eq!(Scenario::of(&gbp(100_017)), Scenario::Normal);
    }

    #[test]
    fn the_cover_decides_the_amount() {
        use ClaimStatus::*;
        let no_limits = cover(None, None);
        assert_eq!(
            decide(&gbp(50_000), Some(&no_limits), Scenario::Normal),
            (Approved, Some(gbp(50_000)))
        );
        assert_eq!(
            decide(&gbp(50_000), None, Scenario::Normal),
            (Approved, Some(gbp(50_000)))
        );
        let deducted = cover(Some(1_850_000), Some(25_000));
        assert_eq!(
            decide(&gbp(147_735), Some(&deducted), Scenario::Normal),
            (PartiallyApproved, Some(gbp(122_735)))
        );
        // Capped at the limit.
        assert_eq!(
            decide(&gbp(5_000_000), Some(&deducted), Scenario::Normal),
            (PartiallyApproved, Some(gbp(1_850_000)))
        );
        // Nothing left above the deductible: denied.
        assert_eq!(
            decide(&gbp(20_000), Some(&deducted), Scenario::Normal),
            (Denied, None)
        );
        assert_eq!(
            decide(&gbp(100_002), Some(&no_limits), Scenario::Denied),
            (Denied, None)
        );
        // Half of what the cover gives, rounded down: (1000.07 - 250.00) / 2 = 375.035.
        assert_eq!(
            decide(&gbp(100_007), Some(&deducted), Scenario::Halved),
            (PartiallyApproved, Some(gbp(37_503)))
        );
    }

    #[test]
    fn a_claim_type_is_paid_under_its_coverage_else_the_first() {
        let mut policy = examples::insurance_policies().remove(0);
        policy.line_of_business = InsuranceLine::Auto;
        policy.coverages = ["Third-party liability", "Accidental damage", "Windscreen"]
            .into_iter()
            .map(|name| Coverage {
                name: name.into(),
                ..cover(None, None)
            })
            .collect();
        let name = |t| coverage_for(&policy, t).map(|c| c.name.as_str());
        assert_eq!(name(ClaimType::Glass), Some("Windscreen"));
        assert_eq!(name(ClaimType::Collision), Some("Accidental damage"));
        assert_eq!(name(ClaimType::ThirdParty), Some("Third-party liability"));
        assert_eq!(name(ClaimType::Baggage), Some("Third-party liability"));
        policy.coverages.clear();
        assert_eq!(coverage_for(&policy, ClaimType::Glass), None);
    }
}
