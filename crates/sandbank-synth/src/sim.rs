//! The day-by-day simulation of one customer's accounts.
//!
//! Each day, behaviours (salary, bills, spending, repayments...) propose entries; the day's
//! entries are then applied in time order. Discretionary spending is skipped when the account
//! cannot afford it, so balances stay within overdraft and credit limits unless an account is
//! meant to be overdrawn.

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc, Weekday};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rust_decimal::{Decimal, RoundingStrategy};
use sandbank_schemas::common::{
    AccountId, CardId, ClaimId, Currency, ExchangeRate, MaskedAccountNumber, MaskedPan,
    MerchantCategoryCode, PartyId, PaymentScheme, PolicyId,
};
use sandbank_schemas::transaction::{
    CardChannel, CardTransactionDetails, CurrencyExchange, InsuranceTransactionDetails,
    InsuranceTransactionKind, InvestmentTransactionDetails, LoanTransactionDetails,
    MerchantLocation, TradeType, TransactionCategory, TransactionDetails, TransferDetails,
    TransferKind,
};

use crate::data::{self, Merchant};
use crate::ledger::{Entry, card_minimum};
use crate::money::{basis_points, money, monthly_interest};
use crate::seed::Seed;
use crate::spec::{AccountSpec, Product};

/// A card that spends on an account.
#[derive(Debug, Clone)]
pub struct CardRef {
    /// The card.
    pub card_id: CardId,
    /// Its masked number.
    pub masked_pan: MaskedPan,
    /// Who holds it.
    pub holder: PartyId,
    /// The holder's name as embossed.
    pub holder_name: String,
    /// Locked from this day on, if locked.
    pub locked_from: Option<NaiveDate>,
}

/// A position in a security.
#[derive(Debug, Clone)]
pub struct Position {
    /// Index into [`data::SECURITIES`].
    pub security: usize,
    /// Units held (4 decimals).
    pub units: Decimal,
    /// What they cost, minor units.
    pub cost: i64,
}

/// An insurance policy being paid for.
#[derive(Debug, Clone)]
pub struct PolicyRef {
    /// The policy.
    pub policy_id: PolicyId,
    /// Monthly premium, minor units.
    pub premium: i64,
    /// The paid claim, if any: (claim, incident day, paid day, claimed, paid).
    pub claim: Option<ClaimRef>,
}

/// A claim paid during the history.
#[derive(Debug, Clone)]
pub struct ClaimRef {
    /// The claim.
    pub claim_id: ClaimId,
    /// Day of the incident.
    pub incident: NaiveDate,
    /// Day it was paid.
    pub paid_on: NaiveDate,
    /// Amount claimed.
    pub claimed: i64,
    /// Amount paid.
    pub paid: i64,
}

/// State of one account during the simulation.
#[derive(Debug, Clone)]
pub struct Acct {
    /// What it is.
    pub spec: AccountSpec,
    /// Its identifier.
    pub id: AccountId,
    /// Seed for its records.
    pub seed: Seed,
    /// Its currency.
    pub currency: Currency,
    /// Day it opened.
    pub opened: NaiveDate,
    /// Day it closed.
    pub closed: Option<NaiveDate>,
    /// Balance at the start of the history (or at opening).
    pub opening_balance: i64,
    /// Booked balance so far.
    pub booked: i64,
    /// Pending total so far.
    pub pending: i64,
    /// Overdraft or credit limit.
    pub limit: i64,
    /// Entries so far.
    pub entries: Vec<Entry>,
    /// Cards spending on it.
    pub cards: Vec<CardRef>,
    /// Interest rate, basis points a year.
    pub rate_bp: u32,
    /// Loans: amount first lent.
    pub original_principal: i64,
    /// Loans: monthly repayment.
    pub payment: i64,
    /// Loans: term.
    pub term_months: u32,
    /// Credit accounts: pays the statement in full (else the minimum).
    pub pays_in_full: bool,
    /// Credit accounts: (due day, amount to pay) of the last statement.
    pub due: Option<(NaiveDate, i64)>,
    /// Credit accounts: part of the last statement left unpaid after its due date.
    pub carried: i64,
    /// Last repayment received (day, amount).
    pub last_payment: Option<(NaiveDate, i64)>,
    /// Investment positions.
    pub positions: Vec<Position>,
    /// Insurance policies held through this account.
    pub policies: Vec<PolicyRef>,
    /// Interest charged (loans) or earned (deposits) in the as-of year.
    pub interest_ytd: i64,
}

impl Acct {
    /// Whether money can move on this day.
    pub fn active_on(&self, day: NaiveDate) -> bool {
        !self.spec.dormant && day >= self.opened && self.closed.is_none_or(|closed| day < closed)
    }

    /// Money that can still be spent: booked plus pending plus limit.
    pub fn headroom(&self) -> i64 {
        self.booked + self.pending + self.limit
    }
}

/// Whether a proposed entry must happen or may be skipped when unaffordable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Always applied (salary, bills, repayments).
    Must,
    /// Skipped when the account cannot afford it.
    Spend,
}

struct Proposed {
    acct: usize,
    entry: Entry,
    kind: Kind,
    card: bool,
}

/// The simulation of one customer.
pub struct Sim {
    /// Random stream for behaviour.
    pub rng: ChaCha8Rng,
    /// First day of history.
    pub start: NaiveDate,
    /// The day the history was first generated for (see [`crate::customer::World::origin`]).
    pub origin: NaiveDate,
    /// Day the history ends (exclusive).
    pub end: NaiveDate,
    /// End of history as a time.
    pub as_of: DateTime<Utc>,
    /// Accounts.
    pub accts: Vec<Acct>,
    /// Daily prices of every security, from `start`, in 1/100 minor units.
    pub prices: std::sync::Arc<Vec<Vec<i64>>>,
    day: Vec<Proposed>,
    seq: u64,
    /// Seed for one-off identifiers (end-to-end ids).
    pub seed: Seed,
}

/// Name of a weekday-safe pay day: the day itself, or the Friday before a weekend.
pub fn business_day_on_or_before(day: NaiveDate) -> NaiveDate {
    match day.weekday() {
        Weekday::Sat => day.pred_opt().unwrap_or(day),
        Weekday::Sun => day.pred_opt().and_then(|d| d.pred_opt()).unwrap_or(day),
        _ => day,
    }
}

/// Whether `day` is the business day on which something due on `due_day` of the month happens.
pub fn is_due(day: NaiveDate, due_day: u32) -> bool {
    let last = last_day_of_month(day);
    let nominal = day.with_day(due_day.min(last)).unwrap_or(day);
    business_day_on_or_before(nominal) == day
}

/// Last day number of `day`'s month.
pub fn last_day_of_month(day: NaiveDate) -> u32 {
    (28..=31)
        .rev()
        .find(|d| day.with_day(*d).is_some())
        .unwrap_or(28)
}

impl Sim {
    /// A simulation over `[start, end)`, first generated for `origin`.
    pub fn new(
        seed: Seed,
        start: NaiveDate,
        origin: NaiveDate,
        end: NaiveDate,
        accts: Vec<Acct>,
        prices: std::sync::Arc<Vec<Vec<i64>>>,
    ) -> Sim {
        Sim {
            rng: seed.child("behaviour").rng(),
            start,
            origin,
            end,
            as_of: end.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc(),
            accts,
            prices,
            day: Vec::new(),
            seq: 0,
            seed,
        }
    }

    /// A time on `day` between `from_hour` and `to_hour`.
    pub fn time(&mut self, day: NaiveDate, from_hour: u32, to_hour: u32) -> DateTime<Utc> {
        let seconds = self
            .rng
            .random_range(from_hour * 3600..to_hour.max(from_hour + 1) * 3600);
        day.and_hms_opt(seconds / 3600, (seconds / 60) % 60, seconds % 60)
            .unwrap_or_default()
            .and_utc()
    }

    /// Draws a number in `[low, high]`.
    pub fn between(&mut self, low: i64, high: i64) -> i64 {
        if high <= low {
            low
        } else {
            self.rng.random_range(low..=high)
        }
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent_x10: u32) -> bool {
        self.rng.random_range(0..1000) < percent_x10
    }

    /// Proposes an entry for today.
    #[allow(clippy::too_many_arguments)]
    pub fn propose(
        &mut self,
        acct: usize,
        at: DateTime<Utc>,
        amount: i64,
        description: String,
        category: TransactionCategory,
        code: &'static str,
        details: TransactionDetails,
        kind: Kind,
    ) {
        let card = matches!(details, TransactionDetails::Card { .. });
        self.day.push(Proposed {
            acct,
            entry: Entry {
                at,
                amount,
                pending: false,
                description,
                category,
                code,
                reference: None,
                details,
                fx: None,
            },
            kind,
            card,
        });
    }

    /// Sets the reference of the entry proposed last.
    pub fn with_reference(&mut self, reference: String) {
        if let Some(last) = self.day.last_mut() {
            last.entry.reference = Some(reference);
        }
    }

    /// Sets the currency exchange of the entry proposed last.
    pub fn with_fx(&mut self, fx: CurrencyExchange) {
        if let Some(last) = self.day.last_mut() {
            last.entry.fx = Some(fx);
        }
    }

    /// Applies today's proposals in time order.
    pub fn settle_day(&mut self, day: NaiveDate) {
        let mut proposals = std::mem::take(&mut self.day);
        proposals.sort_by_key(|p| p.entry.at);
        let pending_from = self.as_of - chrono::Duration::hours(48);
        for mut proposal in proposals {
            let Some(acct) = self.accts.get_mut(proposal.acct) else {
                continue;
            };
            if !acct.active_on(day) {
                continue;
            }
            // Credit accounts keep a twentieth of their limit free for interest and fees,
            // which must be charged even when spending has stopped.
            let reserve = if acct.spec.product.is_credit() {
                acct.limit / 20
            } else {
                0
            };
            if proposal.kind == Kind::Spend
                && proposal.entry.amount < 0
                && acct.headroom() + proposal.entry.amount < reserve
            {
                continue;
            }
            self.seq += 1;
            proposal.entry.pending = proposal.card && proposal.entry.at >= pending_from;
            if proposal.entry.pending {
                acct.pending += proposal.entry.amount;
            } else {
                acct.booked += proposal.entry.amount;
            }
            acct.entries.push(proposal.entry);
        }
    }

    /// A transfer detail.
    pub fn transfer(
        &mut self,
        counterparty: &str,
        scheme: PaymentScheme,
        kind: TransferKind,
    ) -> TransactionDetails {
        let digits = self.rng.random_range(1000..10000);
        let e2e: u64 = self.rng.random();
        TransactionDetails::Transfer {
            transfer: TransferDetails {
                counterparty_name: counterparty.to_owned(),
                counterparty_account: MaskedAccountNumber::new(format!("****{digits}")).ok(),
                scheme,
                end_to_end_id: Some(format!("E2E{:012X}", e2e >> 16)),
                kind,
            },
        }
    }

    /// Moves money between two of the customer's own accounts (both sides, same moment).
    pub fn own_transfer(
        &mut self,
        from: usize,
        to: usize,
        at: DateTime<Utc>,
        amount: i64,
        label: &str,
    ) {
        if amount <= 0 {
            return;
        }
        let (from_name, to_name) = (self.display(from), self.display(to));
        let out = self.transfer(
            &to_name,
            PaymentScheme::Internal,
            TransferKind::OwnAccountTransfer,
        );
        self.propose(
            from,
            at,
            -amount,
            format!("TRANSFER TO {}", to_name.to_uppercase()),
            TransactionCategory::Transfer,
            "PMNT-ICDT-BOOK",
            out,
            Kind::Must,
        );
        self.with_reference(label.to_owned());
        let inn = self.transfer(
            &from_name,
            PaymentScheme::Internal,
            TransferKind::OwnAccountTransfer,
        );
        self.propose(
            to,
            at,
            amount,
            format!("TRANSFER FROM {}", from_name.to_uppercase()),
            TransactionCategory::Transfer,
            "PMNT-RCDT-BOOK",
            inn,
            Kind::Must,
        );
        self.with_reference(label.to_owned());
    }

    fn display(&self, acct: usize) -> String {
        self.accts
            .get(acct)
            .map(|a| {
                a.spec
                    .nickname
                    .clone()
                    .unwrap_or_else(|| product_label(a.spec.product).to_owned())
            })
            .unwrap_or_default()
    }

    /// A card payment at a merchant, in the account's currency or abroad with FX.
    #[allow(clippy::too_many_arguments)]
    pub fn card_spend(
        &mut self,
        acct: usize,
        card: usize,
        day: NaiveDate,
        merchant: &Merchant,
        city: (&str, &str),
        foreign: Option<Currency>,
        scale_pct: i64,
        kind: Kind,
    ) {
        let Some(card_ref) = self
            .accts
            .get(acct)
            .and_then(|a| a.cards.get(card))
            .cloned()
        else {
            return;
        };
        if card_ref.locked_from.is_some_and(|from| day >= from) {
            return;
        }
        let (low, high) = merchant.range;
        let original = self.between(low as i64, high as i64) * scale_pct / 100;
        let original = original.max(50);
        let at = self.time(day, 7, 23);
        let currency = self
            .accts
            .get(acct)
            .map(|a| a.currency)
            .unwrap_or(Currency::GBP);
        let (amount, fx) = match foreign {
            Some(foreign) if foreign != currency => {
                let base: i64 = if foreign.as_str() == "USD" {
                    7_850
                } else {
                    8_520
                };
                let rate = base + self.between(-90, 90);
                let amount = (original * rate + 5_000) / 10_000;
                let exchange_rate = format!("{}.{:04}", rate / 10_000, rate % 10_000)
                    .parse::<ExchangeRate>()
                    .ok();
                let fx = exchange_rate.map(|exchange_rate| CurrencyExchange {
                    original_amount: money(original, foreign),
                    exchange_rate,
                    quotation_date: Some(at),
                });
                (amount, fx)
            }
            _ => (original, None),
        };
        let mcc = MerchantCategoryCode::new(merchant.mcc).ok();
        let Some(merchant_category_code) = mcc else {
            return;
        };
        let details = TransactionDetails::Card {
            card: CardTransactionDetails {
                merchant_name: merchant.name.to_owned(),
                merchant_category_code,
                card_id: card_ref.card_id.clone(),
                masked_pan: card_ref.masked_pan.clone(),
                channel: merchant.channel,
                location: (merchant.channel != CardChannel::Online).then(|| MerchantLocation {
                    city: city.0.to_owned(),
                    country: sandbank_schemas::common::CountryCode::new(city.1)
                        .unwrap_or_else(|_| gb()),
                }),
            },
        };
        let description = match merchant.channel {
            CardChannel::Online => merchant.statement.to_owned(),
            _ => format!("{} {}", merchant.statement, city.0.to_uppercase()),
        };
        self.propose(
            acct,
            at,
            -amount,
            description,
            merchant.category,
            "PMNT-CCRD-POSD",
            details,
            kind,
        );
        if let Some(fx) = fx {
            self.with_fx(fx);
            let is_debit_card = self
                .accts
                .get(acct)
                .is_some_and(|a| a.spec.product == Product::Checking);
            if is_debit_card {
                let fee = basis_points(amount, 275).max(1);
                self.propose(
                    acct,
                    at + chrono::Duration::seconds(1),
                    -fee,
                    "NON-STERLING TRANSACTION FEE".to_owned(),
                    TransactionCategory::Fees,
                    "ACMT-MDOP-CHRG",
                    TransactionDetails::Fee,
                    kind,
                );
            }
        }
    }

    /// A refund from a merchant to a card.
    pub fn refund(&mut self, acct: usize, day: NaiveDate, merchant: &Merchant) {
        let Some(card_ref) = self.accts.get(acct).and_then(|a| a.cards.first()).cloned() else {
            return;
        };
        let Ok(merchant_category_code) = MerchantCategoryCode::new(merchant.mcc) else {
            return;
        };
        let amount = self.between(merchant.range.0 as i64, merchant.range.1 as i64);
        let at = self.time(day, 9, 18);
        self.propose(
            acct,
            at,
            amount,
            format!("REFUND {}", merchant.statement),
            TransactionCategory::Refund,
            "PMNT-CCRD-RIMB",
            TransactionDetails::Card {
                card: CardTransactionDetails {
                    merchant_name: merchant.name.to_owned(),
                    merchant_category_code,
                    card_id: card_ref.card_id,
                    masked_pan: card_ref.masked_pan,
                    channel: CardChannel::Online,
                    location: None,
                },
            },
            Kind::Must,
        );
    }

    /// A cash machine withdrawal.
    pub fn atm(&mut self, acct: usize, day: NaiveDate, city: &str) {
        let Some(card_ref) = self.accts.get(acct).and_then(|a| a.cards.first()).cloned() else {
            return;
        };
        if card_ref.locked_from.is_some_and(|from| day >= from) {
            return;
        }
        let Ok(merchant_category_code) = MerchantCategoryCode::new("6011") else {
            return;
        };
        let amount = [2_000, 3_000, 4_000, 5_000, 10_000][self.rng.random_range(0..5)];
        let at = self.time(day, 8, 22);
        self.propose(
            acct,
            at,
            -amount,
            format!("CASH LINK ATM {}", city.to_uppercase()),
            TransactionCategory::Cash,
            "PMNT-CCRD-CWDL",
            TransactionDetails::Card {
                card: CardTransactionDetails {
                    merchant_name: "LINK ATM".to_owned(),
                    merchant_category_code,
                    card_id: card_ref.card_id,
                    masked_pan: card_ref.masked_pan,
                    channel: CardChannel::Atm,
                    location: Some(MerchantLocation {
                        city: city.to_owned(),
                        country: gb(),
                    }),
                },
            },
            Kind::Spend,
        );
    }

    /// Monthly loan servicing on a loan account: interest charged, then repaid from `payer`.
    pub fn loan_repayment(&mut self, loan: usize, payer: usize, day: NaiveDate) {
        let Some(acct) = self.accts.get(loan) else {
            return;
        };
        if !acct.active_on(day) || acct.booked >= 0 {
            return;
        }
        let owed = -acct.booked;
        let interest = monthly_interest(owed, acct.rate_bp);
        let payment = acct.payment.min(owed + interest);
        let escrow = if acct.spec.product == Product::Mortgage {
            11_000
        } else {
            0
        };
        let label = product_label(acct.spec.product).to_uppercase();
        let currency = acct.currency;
        let loan_id = acct.id.clone();
        let at = day.and_hms_opt(6, 0, 0).unwrap_or_default().and_utc();
        self.propose(
            loan,
            at,
            -interest,
            "INTEREST CHARGED".to_owned(),
            TransactionCategory::Interest,
            "LDAS-MDOP-INTR",
            TransactionDetails::Interest,
            Kind::Must,
        );
        let split = LoanTransactionDetails {
            principal: money(payment - interest, currency),
            interest: money(interest, currency),
            escrow: (escrow > 0).then(|| money(escrow, currency)),
            loan_account_id: Some(loan_id),
        };
        self.propose(
            loan,
            at + chrono::Duration::minutes(1),
            payment,
            format!("{label} REPAYMENT RECEIVED"),
            TransactionCategory::LoanPayment,
            "LDAS-MDOP-RIMB",
            TransactionDetails::Loan {
                loan: split.clone(),
            },
            Kind::Must,
        );
        let category = if label == "MORTGAGE" {
            TransactionCategory::Mortgage
        } else {
            TransactionCategory::LoanPayment
        };
        self.propose(
            payer,
            at + chrono::Duration::minutes(1),
            -(payment + escrow),
            format!("SANDBANK {label} REPAYMENT"),
            category,
            "PMNT-RDDT-PMDD",
            TransactionDetails::Loan { loan: split },
            Kind::Must,
        );
        if let Some(acct) = self.accts.get_mut(loan) {
            acct.last_payment = Some((day, payment));
            if day.year() == self.end.pred_opt().unwrap_or(day).year() {
                acct.interest_ytd += interest;
            }
        }
    }

    /// Credit account cycle: statement snapshot on the statement day, interest on carried
    /// balances, payment from `payer` on the due date.
    pub fn credit_cycle(
        &mut self,
        card_acct: usize,
        payer: usize,
        day: NaiveDate,
        statement_day: u32,
    ) {
        let Some(acct) = self.accts.get(card_acct) else {
            return;
        };
        if !acct.active_on(day) {
            return;
        }
        if day.day() == statement_day {
            let booked = acct.booked;
            let carried = acct.carried;
            let apr = acct.rate_bp;
            let pays_in_full = acct.pays_in_full;
            if carried > 0 {
                let interest = monthly_interest(carried, apr);
                if interest > 0 {
                    let at = day.and_hms_opt(0, 30, 0).unwrap_or_default().and_utc();
                    // The statement for the period that just closed does not include this: it
                    // is charged on the first day of the new period.
                    self.propose(
                        card_acct,
                        at,
                        -interest,
                        "INTEREST ON CARRIED BALANCE".to_owned(),
                        TransactionCategory::Interest,
                        "ACMT-MDOP-INTR",
                        TransactionDetails::Interest,
                        Kind::Must,
                    );
                }
            }
            if let Some(acct) = self.accts.get_mut(card_acct) {
                acct.due = card_minimum(booked).map(|(minimum, due_in)| {
                    let due_day = day.checked_add_days(Days::new(due_in)).unwrap_or(day);
                    (due_day, if pays_in_full { -booked } else { minimum })
                });
                acct.carried = 0;
            }
        }
        let Some(acct) = self.accts.get(card_acct) else {
            return;
        };
        if let Some((due_day, amount)) = acct.due
            && due_day == day
        {
            let statement_balance = amount;
            let at = day.and_hms_opt(5, 0, 0).unwrap_or_default().and_utc();
            let label = product_label(acct.spec.product).to_uppercase();
            let out = self.transfer(
                "Sandbank Cards",
                PaymentScheme::Internal,
                TransferKind::DirectDebit,
            );
            self.propose(
                payer,
                at,
                -statement_balance,
                format!("SANDBANK {label} PAYMENT"),
                TransactionCategory::LoanPayment,
                "PMNT-RDDT-PMDD",
                out,
                Kind::Must,
            );
            let inn = self.transfer(
                "Direct debit",
                PaymentScheme::Internal,
                TransferKind::DirectDebit,
            );
            self.propose(
                card_acct,
                at,
                statement_balance,
                "PAYMENT RECEIVED - THANK YOU".to_owned(),
                TransactionCategory::LoanPayment,
                "PMNT-RCDT-BOOK",
                inn,
                Kind::Must,
            );
            if let Some(acct) = self.accts.get_mut(card_acct) {
                let owed_after = -(acct.booked + statement_balance);
                acct.carried = owed_after.max(0);
                acct.last_payment = Some((day, statement_balance));
                acct.due = None;
            }
        }
    }

    /// An insurance premium paid from `payer`.
    pub fn premium(
        &mut self,
        payer: usize,
        day: NaiveDate,
        policy: &PolicyRef,
        insurer_line: &str,
    ) {
        let at = day.and_hms_opt(4, 30, 0).unwrap_or_default().and_utc();
        self.propose(
            payer,
            at,
            -policy.premium,
            format!("SANDBANK INSURANCE {insurer_line}"),
            TransactionCategory::Insurance,
            "PMNT-RDDT-PMDD",
            TransactionDetails::Insurance {
                insurance: InsuranceTransactionDetails {
                    kind: InsuranceTransactionKind::Premium,
                    policy_id: policy.policy_id.clone(),
                    claim_id: None,
                },
            },
            Kind::Must,
        );
        self.with_reference(format!("POLICY {}", short(policy.policy_id.as_str())));
    }

    /// A claim paid out to `payee`.
    pub fn claim_payout(&mut self, payee: usize, policy: &PolicyRef, claim: &ClaimRef) {
        let at = claim
            .paid_on
            .and_hms_opt(10, 15, 0)
            .unwrap_or_default()
            .and_utc();
        self.propose(
            payee,
            at,
            claim.paid,
            "SANDBANK INSURANCE CLAIM PAYMENT".to_owned(),
            TransactionCategory::Insurance,
            "PMNT-RCDT-ESCT",
            TransactionDetails::Insurance {
                insurance: InsuranceTransactionDetails {
                    kind: InsuranceTransactionKind::ClaimPayout,
                    policy_id: policy.policy_id.clone(),
                    claim_id: Some(claim.claim_id.clone()),
                },
            },
            Kind::Must,
        );
    }

    /// Price of a security on a day, in 1/100 minor units.
    pub fn price(&self, security: usize, day: NaiveDate) -> i64 {
        let index = (day - self.start).num_days().max(0) as usize;
        self.prices
            .get(security)
            .and_then(|series| series.get(index.min(series.len().saturating_sub(1))))
            .copied()
            .unwrap_or(10_000)
    }

    /// Buys `security` with up to `budget` minor units of the account's cash.
    pub fn buy(&mut self, acct: usize, day: NaiveDate, security: usize, budget: i64) {
        let price = self.price(security, day);
        if price <= 0 || budget <= 0 {
            return;
        }
        // Units to 4 decimals, rounded down, so the cost never exceeds the budget.
        let units = (Decimal::from(budget) * Decimal::from(100) / Decimal::from(price))
            .round_dp_with_strategy(4, RoundingStrategy::ToZero);
        if units.is_zero() {
            return;
        }
        let cost = trade_value(units, price);
        let Some(spec) = data::SECURITIES.get(security) else {
            return;
        };
        if self.accts.get(acct).is_none_or(|a| a.headroom() < cost) {
            return;
        }
        let currency = self
            .accts
            .get(acct)
            .map(|a| a.currency)
            .unwrap_or(Currency::GBP);
        let at = self.time(day, 9, 16);
        self.propose(
            acct,
            at,
            -cost,
            format!("BUY {} {}", units.normalize(), spec.ticker),
            TransactionCategory::Investment,
            "SECU-SETT-TRAD",
            TransactionDetails::Investment {
                investment: InvestmentTransactionDetails {
                    trade_type: TradeType::Buy,
                    security: Some(crate::records::security(spec)),
                    units: units.normalize().to_string().parse().ok(),
                    unit_price: unit_price(price, currency),
                    fees: None,
                    commission: None,
                    settlement_date: day.checked_add_days(Days::new(2)),
                },
            },
            Kind::Must,
        );
        if let Some(acct) = self.accts.get_mut(acct) {
            match acct.positions.iter_mut().find(|p| p.security == security) {
                Some(position) => {
                    position.units += units;
                    position.cost += cost;
                }
                None => acct.positions.push(Position {
                    security,
                    units,
                    cost,
                }),
            }
        }
    }

    /// Quarterly dividends on every position.
    pub fn dividends(&mut self, acct: usize, day: NaiveDate) {
        let positions = self
            .accts
            .get(acct)
            .map(|a| a.positions.clone())
            .unwrap_or_default();
        for position in positions {
            let Some(spec) = data::SECURITIES.get(position.security) else {
                continue;
            };
            let value = trade_value(position.units, self.price(position.security, day));
            let dividend = basis_points(value, spec.dividend_bp);
            if dividend <= 0 {
                continue;
            }
            let at = day.and_hms_opt(7, 0, 0).unwrap_or_default().and_utc();
            self.propose(
                acct,
                at,
                dividend,
                format!("DIVIDEND {}", spec.ticker),
                TransactionCategory::Investment,
                "SECU-CORP-DVCA",
                TransactionDetails::Investment {
                    investment: InvestmentTransactionDetails {
                        trade_type: TradeType::Dividend,
                        security: Some(crate::records::security(spec)),
                        units: None,
                        unit_price: None,
                        fees: None,
                        commission: None,
                        settlement_date: Some(day),
                    },
                },
                Kind::Must,
            );
        }
    }
}

/// Value of `units` at `price` (1/100 minor units), in minor units, rounded half-even.
pub fn trade_value(units: Decimal, price: i64) -> i64 {
    (units * Decimal::from(price) / Decimal::from(100))
        .round_dp_with_strategy(0, RoundingStrategy::MidpointNearestEven)
        .try_into()
        .unwrap_or(0)
}

/// A unit price from 1/100 minor units: 4 decimals of the major unit.
pub fn unit_price(price: i64, currency: Currency) -> Option<sandbank_schemas::Money> {
    let amount = format!("{}.{:04}", price / 10_000, price % 10_000)
        .parse()
        .ok()?;
    Some(sandbank_schemas::Money::new(amount, currency))
}

/// What a product is called on statements.
pub fn product_label(product: Product) -> &'static str {
    match product {
        Product::Checking => "Current account",
        Product::Savings => "Savings",
        Product::TermDeposit => "Term deposit",
        Product::MoneyMarket => "Money market",
        Product::CreditCard => "Credit card",
        Product::ChargeCard => "Charge card",
        Product::Mortgage => "Mortgage",
        Product::AutoLoan => "Car loan",
        Product::PersonalLoan => "Personal loan",
        Product::Brokerage => "Investment account",
        Product::Retirement => "Pension",
        Product::TermLife => "Term life",
        Product::WholeLife => "Whole of life",
        Product::AutoInsurance => "Motor",
        Product::HomeInsurance => "Home",
        Product::TravelInsurance => "Travel",
        Product::CommercialDeposit => "Business account",
        Product::CommercialLineOfCredit => "Business credit",
        Product::CommercialLoan => "Business loan",
    }
}

/// The last eight characters of an identifier, for references.
pub fn short(id: &str) -> String {
    id.chars()
        .rev()
        .take(8)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<String>()
        .to_uppercase()
}

fn gb() -> sandbank_schemas::common::CountryCode {
    sandbank_schemas::common::CountryCode::gb()
}

/// Daily price series for every security over `days` days, in 1/100 minor units: a bounded
/// random walk of at most 1.5 % a day, in integer arithmetic.
pub fn price_series(seed: Seed, days: usize) -> Vec<Vec<i64>> {
    data::SECURITIES
        .iter()
        .map(|spec| {
            let mut rng = seed.child("prices").child(spec.ticker).rng();
            let mut price = spec.start_price as i64 * 100;
            let mut series = Vec::with_capacity(days + 1);
            let drift = if spec.asset_class == sandbank_schemas::holding::AssetClass::CashEquivalent
            {
                0
            } else {
                3
            };
            for _ in 0..=days {
                series.push(price);
                let step: i64 = rng.random_range(-150..=150) + drift;
                let volatility =
                    if spec.asset_class == sandbank_schemas::holding::AssetClass::CashEquivalent {
                        10
                    } else {
                        1
                    };
                price = (price * (100_000 + step * 10 / volatility) / 100_000).max(100);
            }
            series
        })
        .collect()
}

/// Merchant lists for everyday spending.
pub fn everyday(kind: u32) -> &'static [Merchant] {
    match kind {
        0 => data::GROCERS,
        1 => data::DINING,
        2 => data::TRANSPORT,
        _ => data::SHOPPING,
    }
}
