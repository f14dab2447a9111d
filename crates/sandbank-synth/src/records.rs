//! Turning the simulation's state into schema records: parties, accounts, cards, policies,
//! claims, holdings and balances.

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use sandbank_schemas::account::{
    AccountHolder, AccountOwnership, AccountRelationship, AuthorisedUser, CommercialAccountType,
    CommercialDetails, DepositAccountType, DepositDetails, Frequency, InsuranceAccountDetails,
    InterestRateType, InvestmentAccountType, InvestmentDetails, LineOfCreditAccountType,
    LineOfCreditDetails, LoanAccountType, LoanDetails, Servicer, TaxWrapper,
};
use sandbank_schemas::balance::BalanceType;
use sandbank_schemas::card::{
    CardNetwork, CardStatus, CardType, SpendingLimit, SpendingLimitPeriod,
};
use sandbank_schemas::common::{
    AccountIdentification, AccountIdentificationScheme, CountryCode, Currency, MaskedAccountNumber,
    PartyId,
};
use sandbank_schemas::holding::{SecurityIdScheme, SecurityIdentifier};
use sandbank_schemas::insurance::{
    Beneficiary, ClaimStatus, Coverage, InsuranceLine, InsuredSubject, PolicyStatus, PolicyTerm,
    Premium, PremiumPaymentMethod,
};
use sandbank_schemas::{
    Account, AccountDetails, AccountStatus, Balance, Card, CardControls, Holding, InsuranceClaim,
    InsurancePolicy, Money, Security, Statement,
};

use crate::data::{SecuritySpec, isin};
use crate::ledger::{Cycle, Ledger, card_minimum, id};
use crate::money::{balance, money, rate_bp};
use crate::sim::{Acct, CardRef, ClaimRef, PolicyRef, trade_value, unit_price};
use crate::spec::Product;

/// The bank's sort code.
pub const SORT_CODE: &str = "608371";
/// The bank's BIC.
pub const BIC: &str = "SNDBGB2L";
/// The bank's US routing number (for USD accounts).
pub const ROUTING: &str = "026073150";

/// A security record from reference data.
pub fn security(spec: &SecuritySpec) -> Security {
    Security {
        identifiers: vec![
            SecurityIdentifier {
                scheme: SecurityIdScheme::Isin,
                id: isin(spec.isin_stem),
            },
            SecurityIdentifier {
                scheme: SecurityIdScheme::Ticker,
                id: spec.ticker.to_owned(),
            },
        ],
        ticker: Some(spec.ticker.to_owned()),
        name: spec.name.to_owned(),
        asset_class: spec.asset_class,
    }
}

/// UK IBAN for a sort code and account number (ISO 13616 check digits, mod 97).
pub fn iban(sort_code: &str, number: &str) -> String {
    let bban = format!("SNDB{sort_code}{number}");
    let rearranged = format!("{bban}GB00");
    let mut remainder: u32 = 0;
    for c in rearranged.chars() {
        let value = match c.to_digit(36) {
            Some(v) => v,
            None => continue,
        };
        let digits = if value >= 10 { 100 } else { 10 };
        remainder = (remainder * digits + value) % 97;
    }
    format!("GB{:02}{bban}", 98 - remainder)
}

/// What the simulation knows about an account that records need beyond its ledger.
pub struct AccountView<'a> {
    /// The simulated account.
    pub acct: &'a Acct,
    /// Its finished ledger.
    pub ledger: &'a Ledger,
    /// Holders as listed on the account.
    pub holders: Vec<AccountHolder>,
    /// Authorised users (commercial accounts).
    pub authorised: Vec<AuthorisedUser>,
    /// Owning organisation (commercial accounts).
    pub business: Option<(PartyId, String)>,
    /// Statements cut for it.
    pub statements: &'a [Statement],
    /// End of history.
    pub as_of: DateTime<Utc>,
    /// Account number (8 digits).
    pub number: String,
    /// Prices at the end of the history, per security (1/100 minor units).
    pub prices: Vec<i64>,
}

/// The statement cycle of a product.
pub fn cycle(product: Product) -> Cycle {
    match product {
        Product::Checking
        | Product::Savings
        | Product::MoneyMarket
        | Product::CommercialDeposit
        | Product::Brokerage
        | Product::Retirement => Cycle::Monthly,
        Product::CreditCard | Product::ChargeCard | Product::CommercialLineOfCredit => {
            Cycle::Card { day: 28 }
        }
        _ => Cycle::None,
    }
}

/// Statements of an account over the history.
pub fn statements(
    acct: &Acct,
    ledger: &Ledger,
    start: NaiveDate,
    end: NaiveDate,
) -> Vec<Statement> {
    if acct.spec.dormant {
        return Vec::new();
    }
    let from = acct.opened.max(start);
    let until = acct.closed.map_or(end, |closed| closed.min(end));
    let credit = acct.spec.product.is_credit();
    ledger.statements(cycle(acct.spec.product), from, until, |closing| {
        if credit { card_minimum(closing) } else { None }
    })
}

fn year_to_date(
    ledger: &Ledger,
    as_of: DateTime<Utc>,
    category: sandbank_schemas::transaction::TransactionCategory,
) -> i64 {
    let year = (as_of - chrono::Duration::seconds(1)).year();
    ledger
        .entries
        .iter()
        .filter(|e| !e.pending && e.category == category && e.at.year() == year)
        .map(|e| e.amount.abs())
        .sum()
}

/// The account record.
pub fn account(view: &AccountView<'_>) -> Account {
    let acct = view.acct;
    let ledger = view.ledger;
    let currency = acct.currency;
    let booked = ledger.booked();
    let pending = ledger.pending();
    let last_statement = view.statements.last();
    let interest = sandbank_schemas::transaction::TransactionCategory::Interest;
    let deposit = || DepositDetails {
        current_balance: balance(booked, currency),
        available_balance: balance(booked + pending + acct.limit, currency),
        interest_rate: Some(rate_bp(acct.rate_bp)),
        overdraft_limit: (acct.limit > 0).then(|| money(acct.limit, currency)),
        maturity_date: (acct.spec.product == Product::TermDeposit)
            .then(|| acct.opened.checked_add_months(Months::new(24)))
            .flatten(),
        interest_earned_ytd: Some(money(year_to_date(ledger, view.as_of, interest), currency)),
    };
    let credit = || LineOfCreditDetails {
        credit_limit: money(acct.limit, currency),
        available_credit: money((acct.limit + booked + pending).max(0), currency),
        current_balance: balance(booked, currency),
        minimum_payment: last_statement.and_then(|s| s.minimum_payment),
        payment_due_date: last_statement.and_then(|s| s.payment_due_date),
        past_due_amount: money(0, currency),
        last_statement_balance: last_statement
            .map(|s| Money::new(s.closing_balance.amount, currency)),
        last_statement_date: last_statement.map(|s| s.statement_date),
        purchase_apr: rate_bp(acct.rate_bp),
        cash_advance_apr: Some(rate_bp(acct.rate_bp + 500)),
    };
    let loan = || {
        let next_date = next_monthly(view.as_of.date_naive(), 28);
        LoanDetails {
            principal_balance: money((-booked).max(0), currency),
            original_principal: money(acct.original_principal, currency),
            interest_rate: rate_bp(acct.rate_bp),
            interest_rate_type: if acct.spec.product == Product::Mortgage {
                InterestRateType::Fixed
            } else {
                InterestRateType::Variable
            },
            term_months: acct.term_months,
            payment_frequency: Frequency::Monthly,
            next_payment_amount: (booked < 0).then(|| money(acct.payment.min(-booked), currency)),
            next_payment_date: (booked < 0).then_some(next_date),
            last_payment_amount: acct.last_payment.map(|(_, amount)| money(amount, currency)),
            last_payment_date: acct.last_payment.map(|(day, _)| day),
            maturity_date: acct
                .opened
                .checked_add_months(Months::new(acct.term_months))
                .unwrap_or(acct.opened),
            escrow_balance: (acct.spec.product == Product::Mortgage)
                .then(|| money(132_000, currency)),
            interest_paid_ytd: money(acct.interest_ytd, currency),
        }
    };
    let investment = || {
        let holdings: i64 = acct
            .positions
            .iter()
            .map(|p| trade_value(p.units, view.prices.get(p.security).copied().unwrap_or(0)))
            .sum();
        InvestmentDetails {
            current_value: money(booked + holdings, currency),
            cash_balance: money(booked, currency),
            balance_as_of: view.as_of,
            tax_wrapper: if acct.spec.product == Product::Retirement {
                TaxWrapper::TaxDeferred
            } else {
                TaxWrapper::Taxable
            },
            plan_type: (acct.spec.product == Product::Retirement).then(|| "SIPP".to_owned()),
        }
    };
    let commercial = || CommercialDetails {
        business_owner: view
            .business
            .as_ref()
            .map(|(party, _)| party.clone())
            .unwrap_or_else(|| id(acct.seed.child("owner"), "pty")),
        business_name: view
            .business
            .as_ref()
            .map(|(_, name)| name.clone())
            .unwrap_or_default(),
        authorised_users: view.authorised.clone(),
    };
    let details = match acct.spec.product {
        Product::Checking => AccountDetails::Deposit {
            account_type: DepositAccountType::Checking,
            deposit: deposit(),
        },
        Product::Savings => AccountDetails::Deposit {
            account_type: DepositAccountType::Savings,
            deposit: deposit(),
        },
        Product::TermDeposit => AccountDetails::Deposit {
            account_type: DepositAccountType::TermDeposit,
            deposit: deposit(),
        },
        Product::MoneyMarket => AccountDetails::Deposit {
            account_type: DepositAccountType::MoneyMarket,
            deposit: deposit(),
        },
        Product::CreditCard => AccountDetails::LineOfCredit {
            account_type: LineOfCreditAccountType::CreditCard,
            line_of_credit: credit(),
        },
        Product::ChargeCard => AccountDetails::LineOfCredit {
            account_type: LineOfCreditAccountType::ChargeCard,
            line_of_credit: credit(),
        },
        Product::Mortgage => AccountDetails::Loan {
            account_type: LoanAccountType::Mortgage,
            loan: loan(),
        },
        Product::AutoLoan => AccountDetails::Loan {
            account_type: LoanAccountType::Auto,
            loan: loan(),
        },
        Product::PersonalLoan => AccountDetails::Loan {
            account_type: LoanAccountType::Personal,
            loan: loan(),
        },
        Product::Brokerage => AccountDetails::Investment {
            account_type: InvestmentAccountType::Brokerage,
            investment: investment(),
        },
        Product::Retirement => AccountDetails::Investment {
            account_type: InvestmentAccountType::Retirement,
            investment: investment(),
        },
        Product::TermLife
        | Product::WholeLife
        | Product::AutoInsurance
        | Product::HomeInsurance
        | Product::TravelInsurance => AccountDetails::Insurance {
            account_type: insurance_line(acct.spec.product),
            insurance: InsuranceAccountDetails {
                policy_ids: acct.policies.iter().map(|p| p.policy_id.clone()).collect(),
                cash_value: (acct.spec.product == Product::WholeLife)
                    .then(|| money(whole_life_cash_value(acct, view.as_of), currency)),
                next_premium_amount: acct.policies.first().map(|p| money(p.premium, currency)),
                next_premium_date: acct
                    .policies
                    .first()
                    .map(|_| next_monthly(view.as_of.date_naive(), 1)),
            },
        },
        Product::CommercialDeposit => AccountDetails::Commercial {
            account_type: CommercialAccountType::CommercialDeposit,
            commercial: commercial(),
            deposit: Some(Box::new(deposit())),
            loan: None,
            line_of_credit: None,
            investment: None,
        },
        Product::CommercialLineOfCredit => AccountDetails::Commercial {
            account_type: CommercialAccountType::CommercialLineOfCredit,
            commercial: commercial(),
            deposit: None,
            loan: None,
            line_of_credit: Some(Box::new(credit())),
            investment: None,
        },
        Product::CommercialLoan => AccountDetails::Commercial {
            account_type: CommercialAccountType::CommercialLoan,
            commercial: commercial(),
            deposit: None,
            loan: Some(Box::new(loan())),
            line_of_credit: None,
            investment: None,
        },
    };
    let ownership = if view.business.is_some() {
        AccountOwnership::Business
    } else if view.holders.len() > 1 {
        AccountOwnership::Joint
    } else {
        AccountOwnership::Sole
    };
    let status = if acct.closed.is_some() {
        AccountStatus::Closed
    } else if acct.spec.product.is_loan() && booked >= 0 {
        AccountStatus::PaidOff
    } else {
        AccountStatus::Open
    };
    let identifications = identifications(
        currency,
        &view.number,
        view.holders.first().map(|h| h.name.clone()),
    );
    let product_name = product_name(acct.spec.product, currency);
    Account {
        account_id: acct.id.clone(),
        status,
        currency,
        display_name: product_name.to_owned(),
        nickname: acct.spec.nickname.clone(),
        masked_account_number: MaskedAccountNumber::from_number(view.number.parse().unwrap_or(0)),
        account_identifications: identifications,
        product_name: product_name.to_owned(),
        opening_date: acct.opened,
        closing_date: acct.closed,
        ownership,
        holders: view.holders.clone(),
        servicer: Servicer {
            name: "Sandbank".to_owned(),
            bic: Some(BIC.to_owned()),
            country: CountryCode::gb(),
        },
        as_of: view.as_of,
        details,
    }
}

fn identifications(
    currency: Currency,
    number: &str,
    name: Option<String>,
) -> Vec<AccountIdentification> {
    match currency.as_str() {
        "USD" => vec![AccountIdentification {
            scheme: AccountIdentificationScheme::AbaRoutingAccount,
            identification: format!("{ROUTING}-{number}"),
            name,
        }],
        "GBP" => vec![
            AccountIdentification {
                scheme: AccountIdentificationScheme::SortCodeAccountNumber,
                identification: format!("{SORT_CODE}{number}"),
                name: name.clone(),
            },
            AccountIdentification {
                scheme: AccountIdentificationScheme::Iban,
                identification: iban(SORT_CODE, number),
                name,
            },
        ],
        _ => vec![AccountIdentification {
            scheme: AccountIdentificationScheme::Iban,
            identification: iban(SORT_CODE, number),
            name,
        }],
    }
}

/// Marketing name of a product.
pub fn product_name(product: Product, currency: Currency) -> &'static str {
    match (product, currency.as_str()) {
        (Product::Checking, "EUR") => "Euro Current Account",
        (Product::Checking, "USD") => "US Dollar Current Account",
        (Product::Checking, _) => "Everyday Current Account",
        (Product::Savings, _) => "Instant Saver",
        (Product::TermDeposit, _) => "Two-Year Fixed Saver",
        (Product::MoneyMarket, _) => "Money Market Account",
        (Product::CreditCard, _) => "Rewards Credit Card",
        (Product::ChargeCard, _) => "Platinum Charge Card",
        (Product::Mortgage, _) => "Five-Year Fixed Mortgage",
        (Product::AutoLoan, _) => "Car Finance",
        (Product::PersonalLoan, _) => "Personal Loan",
        (Product::Brokerage, _) => "Investment Account",
        (Product::Retirement, _) => "Self-Invested Personal Pension",
        (Product::TermLife, _) => "Term Life Cover",
        (Product::WholeLife, _) => "Whole of Life Cover",
        (Product::AutoInsurance, _) => "Motor Insurance",
        (Product::HomeInsurance, _) => "Home Insurance",
        (Product::TravelInsurance, _) => "Annual Travel Insurance",
        (Product::CommercialDeposit, _) => "Business Current Account",
        (Product::CommercialLineOfCredit, _) => "Business Credit Facility",
        (Product::CommercialLoan, _) => "Business Term Loan",
    }
}

/// The insurance line of an insurance product.
pub fn insurance_line(product: Product) -> InsuranceLine {
    match product {
        Product::TermLife => InsuranceLine::TermLife,
        Product::WholeLife => InsuranceLine::WholeLife,
        Product::AutoInsurance => InsuranceLine::Auto,
        Product::HomeInsurance => InsuranceLine::Home,
        _ => InsuranceLine::Travel,
    }
}

fn whole_life_cash_value(acct: &Acct, as_of: DateTime<Utc>) -> i64 {
    let months = months_between(acct.opened, as_of.date_naive());
    acct.policies
        .first()
        .map_or(0, |p| p.premium * months * 45 / 100)
}

fn months_between(from: NaiveDate, to: NaiveDate) -> i64 {
    i64::from((to.year() - from.year()) * 12) + i64::from(to.month()) - i64::from(from.month())
}

/// The next occurrence of `day_of_month` strictly after `after`.
pub fn next_monthly(after: NaiveDate, day_of_month: u32) -> NaiveDate {
    let mut month = after.with_day(1).unwrap_or(after);
    for _ in 0..3 {
        let last = crate::sim::last_day_of_month(month);
        if let Some(candidate) = month.with_day(day_of_month.min(last))
            && candidate > after
        {
            return candidate;
        }
        month = month.checked_add_months(Months::new(1)).unwrap_or(month);
    }
    after
}

/// The balances of an account.
pub fn balances(view: &AccountView<'_>, account: &Account) -> Vec<Balance> {
    let acct = view.acct;
    let currency = acct.currency;
    let booked = view.ledger.booked();
    let pending = view.ledger.pending();
    let mut out = vec![(BalanceType::Current, booked)];
    let product = acct.spec.product;
    if product.is_credit() {
        out.push((BalanceType::Available, booked + pending + acct.limit));
        out.push((BalanceType::CreditLimit, acct.limit));
        out.push((
            BalanceType::AvailableCredit,
            (acct.limit + booked + pending).max(0),
        ));
        if let Some(statement) = view.statements.last() {
            let closing = &statement.closing_balance;
            let signed = closing.amount.value() * Decimal::from(100);
            let minor: i64 = signed
                .round_dp_with_strategy(0, RoundingStrategy::ToZero)
                .try_into()
                .unwrap_or(0);
            let minor = if closing.credit_debit_indicator
                == sandbank_schemas::CreditDebitIndicator::Debit
            {
                -minor
            } else {
                minor
            };
            out.push((BalanceType::Statement, minor));
        }
    } else if product.is_loan() {
        out.push((BalanceType::Principal, booked));
    } else if product.is_investment() {
        if let AccountDetails::Investment { investment, .. } = &account.details {
            let value: Decimal = investment.current_value.amount.value() * Decimal::from(100);
            out.push((BalanceType::MarketValue, value.try_into().unwrap_or(0)));
        }
        out.push((BalanceType::Cash, booked));
    } else if product.is_insurance() {
        return Vec::new();
    } else {
        out.push((BalanceType::Available, booked + pending + acct.limit));
        if pending != 0 {
            out.push((BalanceType::Pending, booked + pending));
        }
        if acct.limit > 0 {
            out.push((BalanceType::CreditLimit, acct.limit));
        }
    }
    out.into_iter()
        .map(|(balance_type, minor)| Balance {
            account_id: acct.id.clone(),
            balance_type,
            amount: balance(minor, currency),
            as_of: view.as_of,
        })
        .collect()
}

/// The card record.
#[allow(clippy::too_many_arguments)]
pub fn card(
    card: &CardRef,
    acct: &Acct,
    card_type: CardType,
    network: CardNetwork,
    expiry: (u8, u16),
    as_of: DateTime<Utc>,
    limit: Option<i64>,
) -> Card {
    let locked = card
        .locked_from
        .is_some_and(|from| from <= as_of.date_naive());
    Card {
        card_id: card.card_id.clone(),
        account_id: acct.id.clone(),
        masked_pan: card.masked_pan.clone(),
        network,
        product_name: match card_type {
            CardType::Credit => "Sandbank Rewards Mastercard",
            CardType::Debit => "Sandbank Visa Debit",
            CardType::Charge => "Sandbank Platinum Charge",
            CardType::Prepaid => "Sandbank Prepaid",
        }
        .to_owned(),
        card_type,
        status: if locked {
            CardStatus::Locked
        } else {
            CardStatus::Active
        },
        expiry_month: expiry.0,
        expiry_year: expiry.1,
        cardholder_name: card.holder_name.to_uppercase(),
        cardholder_party_id: card.holder.clone(),
        controls: CardControls {
            locked,
            online_allowed: true,
            contactless_allowed: true,
            abroad_allowed: true,
            spending_limit: limit.map(|minor| SpendingLimit {
                amount: money(minor, acct.currency),
                period: SpendingLimitPeriod::Monthly,
            }),
        },
    }
}

/// The policy record for an insurance account.
#[allow(clippy::too_many_arguments)]
pub fn policy(
    acct: &Acct,
    policy: &PolicyRef,
    holder: &PartyId,
    holder_name: &str,
    date_of_birth: Option<NaiveDate>,
    address: Option<sandbank_schemas::common::Address>,
    payment_account: Option<&Acct>,
    vehicle: (&str, &str, u16, String),
    as_of: DateTime<Utc>,
) -> InsurancePolicy {
    let line = insurance_line(acct.spec.product);
    let currency = acct.currency;
    let today = as_of.date_naive();
    let life = matches!(line, InsuranceLine::TermLife | InsuranceLine::WholeLife);
    let insured = match line {
        InsuranceLine::Auto => InsuredSubject::Vehicle {
            make: vehicle.0.to_owned(),
            model: vehicle.1.to_owned(),
            year: vehicle.2,
            registration: vehicle.3,
            masked_vin: format!(
                "*************{}",
                &policy.policy_id.as_str()[policy.policy_id.as_str().len().saturating_sub(4)..]
            )
            .to_uppercase(),
        },
        InsuranceLine::Home => match address {
            Some(address) => InsuredSubject::Property {
                address,
                property_type: "Semi-detached house".to_owned(),
                year_built: Some(1968),
                rebuild_value: money(32_000_000, currency),
            },
            None => person(holder, holder_name, date_of_birth),
        },
        _ => person(holder, holder_name, date_of_birth),
    };
    // Annual policies renew on the anniversary of opening; life cover runs from opening.
    let mut start = acct.opened;
    if !life {
        while let Some(next) = start.checked_add_months(Months::new(12)) {
            if next > today {
                break;
            }
            start = next;
        }
    }
    let end = if line == InsuranceLine::WholeLife {
        None
    } else if line == InsuranceLine::TermLife {
        acct.opened.checked_add_months(Months::new(12 * 25))
    } else {
        start
            .checked_add_months(Months::new(12))
            .and_then(|d| d.pred_opt())
    };
    let coverages = match line {
        InsuranceLine::Auto => vec![
            coverage(
                "Third-party liability",
                Some(money(2_000_000_000, currency)),
                None,
            ),
            coverage(
                "Accidental damage",
                Some(money(1_850_000, currency)),
                Some(money(25_000, currency)),
            ),
            coverage(
                "Windscreen",
                Some(money(150_000, currency)),
                Some(money(7_500, currency)),
            ),
        ],
        InsuranceLine::Home => vec![
            coverage(
                "Buildings",
                Some(money(32_000_000, currency)),
                Some(money(35_000, currency)),
            ),
            coverage(
                "Contents",
                Some(money(6_000_000, currency)),
                Some(money(10_000, currency)),
            ),
        ],
        InsuranceLine::TermLife | InsuranceLine::WholeLife => {
            vec![coverage(
                "Life cover",
                Some(money(25_000_000, currency)),
                None,
            )]
        }
        _ => vec![
            coverage(
                "Medical expenses",
                Some(money(1_000_000_000, currency)),
                Some(money(5_000, currency)),
            ),
            coverage(
                "Cancellation",
                Some(money(500_000, currency)),
                Some(money(5_000, currency)),
            ),
        ],
    };
    InsurancePolicy {
        policy_id: policy.policy_id.clone(),
        account_id: acct.id.clone(),
        policy_number: format!("SBI-{}", crate::sim::short(policy.policy_id.as_str())),
        line_of_business: line,
        product_name: product_name(acct.spec.product, currency).to_owned(),
        status: PolicyStatus::Active,
        policyholder: holder.clone(),
        insured: vec![insured],
        beneficiaries: if life {
            vec![Beneficiary {
                name: "Estate of the insured".to_owned(),
                relationship: "Estate".to_owned(),
                share_percent: rate_bp(10_000),
            }]
        } else {
            Vec::new()
        },
        coverages,
        premium: Premium {
            amount: money(policy.premium, currency),
            frequency: Frequency::Monthly,
            next_due_date: Some(next_monthly(today.pred_opt().unwrap_or(today), 1)),
            payment_method: PremiumPaymentMethod::DirectDebit,
            payment_account_id: payment_account.map(|a| a.id.clone()),
        },
        term: PolicyTerm {
            start_date: start,
            end_date: end,
            renewal_date: (!life).then(|| end.and_then(|d| d.succ_opt())).flatten(),
            auto_renew: !life,
        },
        cash_value: (line == InsuranceLine::WholeLife)
            .then(|| money(whole_life_cash_value(acct, as_of), currency)),
    }
}

fn person(holder: &PartyId, name: &str, date_of_birth: Option<NaiveDate>) -> InsuredSubject {
    InsuredSubject::Person {
        party_id: Some(holder.clone()),
        name: name.to_owned(),
        date_of_birth,
    }
}

fn coverage(name: &str, limit: Option<Money>, deductible: Option<Money>) -> Coverage {
    Coverage {
        name: name.to_owned(),
        limit,
        deductible,
    }
}

/// The claim record.
pub fn claim(
    policy: &PolicyRef,
    claim: &ClaimRef,
    currency: Currency,
    description: &str,
) -> InsuranceClaim {
    InsuranceClaim {
        claim_id: claim.claim_id.clone(),
        policy_id: policy.policy_id.clone(),
        claim_number: format!("CLM-{}", crate::sim::short(claim.claim_id.as_str())),
        status: ClaimStatus::Paid,
        incident_date: claim.incident,
        reported_date: claim.incident.succ_opt().unwrap_or(claim.incident),
        closed_date: Some(claim.paid_on),
        description: description.to_owned(),
        claimed_amount: money(claim.claimed, currency),
        approved_amount: Some(money(claim.paid, currency)),
        paid_amount: Some(money(claim.paid, currency)),
        claim_type: None,
        payout_account_id: None,
    }
}

/// Holdings of an investment account at the end of the history.
pub fn holdings(acct: &Acct, prices: &[i64], as_of: DateTime<Utc>) -> Vec<Holding> {
    let ids = acct.seed.child("holding");
    acct.positions
        .iter()
        .filter_map(|position| {
            let spec = crate::data::SECURITIES.get(position.security)?;
            let price = prices.get(position.security).copied()?;
            Some(Holding {
                holding_id: id(ids.nth(position.security as u64), "hld"),
                account_id: acct.id.clone(),
                security: security(spec),
                units: position.units.normalize().to_string().parse().ok()?,
                unit_price: unit_price(price, acct.currency)?,
                market_value: money(trade_value(position.units, price), acct.currency),
                cost_basis: money(position.cost, acct.currency),
                as_of,
            })
        })
        .collect()
}

/// The relationship a holder has on an account.
pub fn holder(party_id: &PartyId, name: &str, relationship: AccountRelationship) -> AccountHolder {
    AccountHolder {
        party_id: party_id.clone(),
        name: name.to_owned(),
        relationship,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ibans_carry_valid_check_digits() {
        // Mod-97 of the rearranged IBAN must be 1.
        let iban = super::iban("608371", "12345678");
        let rearranged = format!("{}{}", &iban[4..], &iban[..4]);
        let mut remainder = 0u32;
        for c in rearranged.chars() {
            let v = c.to_digit(36).unwrap();
            remainder = (remainder * if v >= 10 { 100 } else { 10 } + v) % 97;
        }
        assert_eq!(remainder, 1, "{iban}");
    }
}
