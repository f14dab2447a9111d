//! Sample records of every model, one per account type, transaction kind, insurance line, card
//! type and party type. Tests validate each against its schema; the OpenAPI documents use them
//! as examples.

#![allow(
    clippy::expect_used,
    reason = "examples are built from literals, and the test suite builds every one of them"
)]

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use crate::account::{
    AccountHolder, AccountOwnership, AccountRelationship, AuthorisedUser, CommercialAccountType,
    CommercialDetails, DepositAccountType, DepositDetails, Frequency, InsuranceAccountDetails,
    InterestRateType, InvestmentAccountType, InvestmentDetails, LineOfCreditAccountType,
    LineOfCreditDetails, LoanAccountType, LoanDetails, Servicer, TaxWrapper,
};
use crate::balance::BalanceType;
use crate::card::{CardNetwork, CardStatus, CardType, SpendingLimit, SpendingLimitPeriod};
use crate::common::{
    AccountIdentification, AccountIdentificationScheme, Address, CountryCode, MaskedAccountNumber,
    MaskedPan, MerchantCategoryCode, PaymentScheme, Quantity, Rate,
};
use crate::consent::ConsentStatus;
use crate::envelope::{Links, PageMeta};
use crate::holding::{AssetClass, SecurityIdScheme, SecurityIdentifier};
use crate::insurance::{
    Beneficiary, ClaimStatus, ClaimType, Coverage, InsuranceLine, InsuredSubject, PolicyStatus,
    PolicyTerm, Premium, PremiumPaymentMethod,
};
use crate::party::{
    AuthorisedPerson, Email, Individual, IndustryCode, IndustryCodeScheme, Organisation,
    PartyDetails, Phone, PhoneType,
};
use crate::payment::{PaymentEvent, PaymentStatus};
use crate::statement::StatementTotals;
use crate::transaction::{
    CardChannel, CardTransactionDetails, CurrencyExchange, InsuranceTransactionDetails,
    InsuranceTransactionKind, InvestmentTransactionDetails, LoanTransactionDetails,
    MerchantLocation, TradeType, TransactionCategory, TransactionStatus, TransferDetails,
    TransferKind,
};
use crate::*;

fn id<T: TryFrom<String>>(text: &str) -> T {
    T::try_from(text.to_owned())
        .ok()
        .expect("example identifiers are valid")
}

fn gbp(amount: &str) -> Money {
    money(amount, Currency::GBP)
}

fn money(amount: &str, currency: Currency) -> Money {
    Money::new(amount.parse().expect("example amounts are valid"), currency)
}

fn signed(amount: &str, indicator: CreditDebitIndicator) -> BalanceAmount {
    BalanceAmount {
        amount: amount.parse().expect("example amounts are valid"),
        currency: Currency::GBP,
        credit_debit_indicator: indicator,
    }
}

fn rate(text: &str) -> Rate {
    text.parse().expect("example rates are valid")
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("example dates are valid")
}

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .expect("example times are valid")
}

fn country(code: &str) -> CountryCode {
    CountryCode::new(code).expect("example countries are valid")
}

fn address() -> Address {
    Address {
        lines: vec!["14 Harbour Street".into()],
        city: "Bristol".into(),
        region: None,
        postal_code: "BS1 4QA".into(),
        country: country("GB"),
    }
}

fn servicer() -> Servicer {
    Servicer {
        name: "Sandbank".into(),
        bic: Some("SNDBGB2L".into()),
        country: country("GB"),
    }
}

fn account(account_id: &str, product: &str, details: AccountDetails) -> Account {
    let (ownership, relationship) = match details {
        AccountDetails::Commercial { .. } => (
            AccountOwnership::Business,
            AccountRelationship::BusinessOwner,
        ),
        _ => (AccountOwnership::Sole, AccountRelationship::Holder),
    };
    Account {
        account_id: id(account_id),
        status: AccountStatus::Open,
        currency: Currency::GBP,
        display_name: product.into(),
        nickname: None,
        masked_account_number: MaskedAccountNumber::new("****6789").expect("valid mask"),
        account_identifications: vec![AccountIdentification {
            scheme: AccountIdentificationScheme::SortCodeAccountNumber,
            identification: "60161331926789".into(),
            name: Some("Alice Carter".into()),
        }],
        product_name: product.into(),
        opening_date: date(2019, 3, 14),
        closing_date: None,
        ownership,
        holders: vec![AccountHolder {
            party_id: id("party-alice"),
            name: "Alice Carter".into(),
            relationship,
        }],
        servicer: servicer(),
        as_of: at(2026, 11, 1, 0, 0),
        details,
    }
}

fn deposit_details() -> DepositDetails {
    DepositDetails {
        current_balance: signed("2450.17", CreditDebitIndicator::Credit),
        available_balance: signed("2950.17", CreditDebitIndicator::Credit),
        interest_rate: Some(rate("0.10")),
        overdraft_limit: Some(gbp("500.00")),
        maturity_date: None,
        interest_earned_ytd: Some(gbp("1.93")),
    }
}

fn loan_details(principal: &str, original: &str, term_months: u32) -> LoanDetails {
    LoanDetails {
        principal_balance: gbp(principal),
        original_principal: gbp(original),
        interest_rate: rate("4.79"),
        interest_rate_type: InterestRateType::Fixed,
        term_months,
        payment_frequency: Frequency::Monthly,
        next_payment_amount: Some(gbp("1104.32")),
        next_payment_date: Some(date(2026, 12, 1)),
        last_payment_amount: Some(gbp("1104.32")),
        last_payment_date: Some(date(2026, 11, 1)),
        maturity_date: date(2046, 3, 1),
        escrow_balance: None,
        interest_paid_ytd: gbp("7420.11"),
    }
}

fn credit_details() -> LineOfCreditDetails {
    LineOfCreditDetails {
        credit_limit: gbp("6000.00"),
        available_credit: gbp("4785.60"),
        current_balance: signed("1214.40", CreditDebitIndicator::Debit),
        minimum_payment: Some(gbp("36.43")),
        payment_due_date: Some(date(2026, 11, 24)),
        past_due_amount: gbp("0.00"),
        last_statement_balance: Some(gbp("1214.40")),
        last_statement_date: Some(date(2026, 10, 28)),
        purchase_apr: rate("24.9"),
        cash_advance_apr: Some(rate("29.9")),
    }
}

fn investment_details(wrapper: TaxWrapper, plan: Option<&str>) -> InvestmentDetails {
    InvestmentDetails {
        current_value: gbp("48210.55"),
        cash_balance: gbp("1210.00"),
        balance_as_of: at(2026, 10, 31, 21, 0),
        tax_wrapper: wrapper,
        plan_type: plan.map(Into::into),
    }
}

/// One account of every account type, across all six categories.
pub fn accounts() -> Vec<Account> {
    let mut accounts = Vec::new();
    for (n, kind) in [
        DepositAccountType::Checking,
        DepositAccountType::Savings,
        DepositAccountType::TermDeposit,
        DepositAccountType::MoneyMarket,
    ]
    .into_iter()
    .enumerate()
    {
        let mut deposit = deposit_details();
        if kind == DepositAccountType::TermDeposit {
            deposit.maturity_date = Some(date(2027, 3, 14));
            deposit.overdraft_limit = None;
        }
        accounts.push(account(
            &format!("acc-dep-{n}"),
            "Everyday Current Account",
            AccountDetails::Deposit {
                account_type: kind,
                deposit,
            },
        ));
    }
    let commercial = CommercialDetails {
        business_owner: id("party-harbourline"),
        business_name: "Harbourline Logistics Ltd".into(),
        authorised_users: vec![AuthorisedUser {
            party_id: id("party-dev"),
            name: "Dev Patel".into(),
            role: "Finance director".into(),
        }],
    };
    let commercial_variants = [
        (
            CommercialAccountType::CommercialDeposit,
            "Business Current Account",
        ),
        (CommercialAccountType::CommercialLoan, "Business Term Loan"),
        (
            CommercialAccountType::CommercialLineOfCredit,
            "Business Credit Facility",
        ),
        (
            CommercialAccountType::CommercialInvestment,
            "Business Treasury Account",
        ),
    ];
    for (n, (kind, product)) in commercial_variants.into_iter().enumerate() {
        let mut details = AccountDetails::Commercial {
            account_type: kind,
            commercial: commercial.clone(),
            deposit: None,
            loan: None,
            line_of_credit: None,
            investment: None,
        };
        if let AccountDetails::Commercial {
            deposit,
            loan,
            line_of_credit,
            investment,
            ..
        } = &mut details
        {
            match kind {
                CommercialAccountType::CommercialDeposit => {
                    *deposit = Some(Box::new(deposit_details()))
                }
                CommercialAccountType::CommercialLoan => {
                    *loan = Some(Box::new(loan_details("84000.00", "120000.00", 60)));
                }
                CommercialAccountType::CommercialLineOfCredit => {
                    *line_of_credit = Some(Box::new(credit_details()));
                }
                CommercialAccountType::CommercialInvestment => {
                    *investment = Some(Box::new(investment_details(TaxWrapper::Taxable, None)));
                }
            }
        }
        accounts.push(account(&format!("acc-com-{n}"), product, details));
    }
    let investments = [
        (InvestmentAccountType::Brokerage, TaxWrapper::Taxable, None),
        (
            InvestmentAccountType::Retirement,
            TaxWrapper::TaxDeferred,
            Some("SIPP"),
        ),
        (
            InvestmentAccountType::EducationSavings,
            TaxWrapper::Education,
            Some("Junior ISA"),
        ),
    ];
    for (n, (kind, wrapper, plan)) in investments.into_iter().enumerate() {
        accounts.push(account(
            &format!("acc-inv-{n}"),
            "Investment Account",
            AccountDetails::Investment {
                account_type: kind,
                investment: investment_details(wrapper, plan),
            },
        ));
    }
    for (n, kind) in [
        LoanAccountType::Mortgage,
        LoanAccountType::Auto,
        LoanAccountType::Personal,
        LoanAccountType::Student,
        LoanAccountType::SmallBusiness,
    ]
    .into_iter()
    .enumerate()
    {
        let mut loan = loan_details("182340.12", "240000.00", 300);
        if kind == LoanAccountType::Mortgage {
            loan.escrow_balance = Some(gbp("1320.00"));
        }
        accounts.push(account(
            &format!("acc-loan-{n}"),
            "Loan",
            AccountDetails::Loan {
                account_type: kind,
                loan,
            },
        ));
    }
    for (n, kind) in [
        LineOfCreditAccountType::CreditCard,
        LineOfCreditAccountType::ChargeCard,
        LineOfCreditAccountType::LineOfCredit,
        LineOfCreditAccountType::HomeEquity,
    ]
    .into_iter()
    .enumerate()
    {
        accounts.push(account(
            &format!("acc-loc-{n}"),
            "Rewards Credit Card",
            AccountDetails::LineOfCredit {
                account_type: kind,
                line_of_credit: credit_details(),
            },
        ));
    }
    for (n, line) in INSURANCE_LINES.into_iter().enumerate() {
        accounts.push(account(
            &format!("acc-ins-{n}"),
            "Insurance",
            AccountDetails::Insurance {
                account_type: line,
                insurance: InsuranceAccountDetails {
                    policy_ids: vec![id(&format!("pol-{n}"))],
                    cash_value: has_cash_value(line).then(|| gbp("12400.00")),
                    next_premium_amount: Some(gbp("42.10")),
                    next_premium_date: Some(date(2026, 12, 1)),
                },
            },
        ));
    }
    accounts
}

const INSURANCE_LINES: [InsuranceLine; 8] = [
    InsuranceLine::TermLife,
    InsuranceLine::WholeLife,
    InsuranceLine::UniversalLife,
    InsuranceLine::Auto,
    InsuranceLine::Home,
    InsuranceLine::Health,
    InsuranceLine::Disability,
    InsuranceLine::Travel,
];

fn has_cash_value(line: InsuranceLine) -> bool {
    matches!(
        line,
        InsuranceLine::WholeLife | InsuranceLine::UniversalLife
    )
}

/// One balance of each type.
pub fn balances() -> Vec<Balance> {
    [
        BalanceType::Current,
        BalanceType::Available,
        BalanceType::Pending,
        BalanceType::CreditLimit,
        BalanceType::AvailableCredit,
        BalanceType::Statement,
        BalanceType::Principal,
        BalanceType::MarketValue,
        BalanceType::Cash,
    ]
    .into_iter()
    .map(|balance_type| Balance {
        account_id: id("acc-dep-0"),
        balance_type,
        amount: signed("2450.17", CreditDebitIndicator::Credit),
        as_of: at(2026, 11, 1, 0, 0),
    })
    .collect()
}

fn transaction(
    transaction_id: &str,
    description: &str,
    indicator: CreditDebitIndicator,
    amount: &str,
    category: TransactionCategory,
    code: &str,
    details: TransactionDetails,
) -> Transaction {
    Transaction {
        transaction_id: id(transaction_id),
        account_id: id("acc-dep-0"),
        status: TransactionStatus::Posted,
        booking_date_time: at(2026, 10, 17, 12, 41),
        value_date_time: Some(at(2026, 10, 17, 12, 41)),
        description: description.into(),
        credit_debit_indicator: indicator,
        amount: gbp(amount),
        currency_exchange: None,
        category,
        bank_transaction_code: code.into(),
        reference: None,
        balance_after: Some(signed("2450.17", CreditDebitIndicator::Credit)),
        details,
    }
}

fn card_details(
    merchant: &str,
    mcc: &str,
    channel: CardChannel,
    city: &str,
    cc: &str,
) -> CardTransactionDetails {
    CardTransactionDetails {
        merchant_name: merchant.into(),
        merchant_category_code: MerchantCategoryCode::new(mcc).expect("valid MCC"),
        card_id: id("card-debit-1"),
        masked_pan: MaskedPan::new("****4242").expect("valid mask"),
        channel,
        location: Some(MerchantLocation {
            city: city.into(),
            country: country(cc),
        }),
    }
}

/// One transaction of each detail kind, plus a foreign card payment and a pending one.
pub fn transactions() -> Vec<Transaction> {
    use CreditDebitIndicator::{Credit, Debit};
    let mut groceries = transaction(
        "txn-card-1",
        "TESCO STORES 2841",
        Debit,
        "42.17",
        TransactionCategory::Groceries,
        "PMNT-CCRD-POSD",
        TransactionDetails::Card {
            card: card_details("Tesco", "5411", CardChannel::Contactless, "Bristol", "GB"),
        },
    );
    groceries.reference = None;
    let mut foreign = transaction(
        "txn-card-fx",
        "CAFE DE FLORE PARIS",
        Debit,
        "21.42",
        TransactionCategory::Dining,
        "PMNT-CCRD-POSD",
        TransactionDetails::Card {
            card: card_details("Café de Flore", "5812", CardChannel::InStore, "Paris", "FR"),
        },
    );
    foreign.currency_exchange = Some(CurrencyExchange {
        original_amount: money("25.00", Currency::EUR),
        exchange_rate: "0.8568".parse().expect("valid rate"),
        quotation_date: Some(at(2026, 10, 17, 12, 41)),
    });
    let mut pending = transaction(
        "txn-card-pending",
        "AMAZON MARKETPLACE",
        Debit,
        "18.99",
        TransactionCategory::Shopping,
        "PMNT-CCRD-POSD",
        TransactionDetails::Card {
            card: CardTransactionDetails {
                location: None,
                channel: CardChannel::Online,
                ..card_details("Amazon", "5942", CardChannel::Online, "London", "GB")
            },
        },
    );
    pending.status = TransactionStatus::Pending;
    pending.balance_after = None;
    let mut salary = transaction(
        "txn-transfer-1",
        "NORTHWIND LTD SALARY",
        Credit,
        "3120.00",
        TransactionCategory::Income,
        "PMNT-RCDT-BACS",
        TransactionDetails::Transfer {
            transfer: TransferDetails {
                counterparty_name: "Northwind Ltd".into(),
                counterparty_account: Some(MaskedAccountNumber::new("****1180").expect("valid")),
                scheme: PaymentScheme::Bacs,
                end_to_end_id: Some("NW-PAY-2026-10".into()),
                kind: TransferKind::Credit,
            },
        },
    );
    salary.reference = Some("SALARY OCT".into());
    let security = Security {
        identifiers: vec![
            SecurityIdentifier {
                scheme: SecurityIdScheme::Isin,
                id: "IE00B4L5Y983".into(),
            },
            SecurityIdentifier {
                scheme: SecurityIdScheme::Ticker,
                id: "SWDA".into(),
            },
        ],
        ticker: Some("SWDA".into()),
        name: "iShares Core MSCI World UCITS ETF".into(),
        asset_class: AssetClass::Etf,
    };
    vec![
        groceries,
        foreign,
        pending,
        salary,
        transaction(
            "txn-invest-1",
            "BUY 10 SWDA",
            Debit,
            "912.34",
            TransactionCategory::Investment,
            "SECU-SETT-TRAD",
            TransactionDetails::Investment {
                investment: InvestmentTransactionDetails {
                    trade_type: TradeType::Buy,
                    security: Some(security),
                    units: Some("10".parse::<Quantity>().expect("valid")),
                    unit_price: Some(gbp("90.8340")),
                    fees: Some(gbp("0.00")),
                    commission: Some(gbp("3.00")),
                    settlement_date: Some(date(2026, 10, 19)),
                },
            },
        ),
        transaction(
            "txn-loan-1",
            "MORTGAGE REPAYMENT",
            Debit,
            "1104.32",
            TransactionCategory::Mortgage,
            "LDAS-MDOP-RIMB",
            TransactionDetails::Loan {
                loan: LoanTransactionDetails {
                    principal: gbp("377.54"),
                    interest: gbp("726.78"),
                    escrow: None,
                    loan_account_id: Some(id("acc-loan-0")),
                },
            },
        ),
        transaction(
            "txn-ins-1",
            "SANDBANK INSURANCE PREMIUM",
            Debit,
            "42.10",
            TransactionCategory::Insurance,
            "PMNT-RDDT-PMDD",
            TransactionDetails::Insurance {
                insurance: InsuranceTransactionDetails {
                    kind: InsuranceTransactionKind::Premium,
                    policy_id: id("pol-3"),
                    claim_id: None,
                },
            },
        ),
        transaction(
            "txn-ins-2",
            "SANDBANK INSURANCE CLAIM",
            Credit,
            "640.00",
            TransactionCategory::Insurance,
            "PMNT-RCDT-ESCT",
            TransactionDetails::Insurance {
                insurance: InsuranceTransactionDetails {
                    kind: InsuranceTransactionKind::ClaimPayout,
                    policy_id: id("pol-3"),
                    claim_id: Some(id("clm-1")),
                },
            },
        ),
        transaction(
            "txn-fee-1",
            "UNARRANGED OVERDRAFT FEE",
            Debit,
            "5.00",
            TransactionCategory::Fees,
            "ACMT-MDOP-CHRG",
            TransactionDetails::Fee,
        ),
        transaction(
            "txn-int-1",
            "INTEREST PAID",
            Credit,
            "0.21",
            TransactionCategory::Interest,
            "ACMT-MDOP-INTR",
            TransactionDetails::Interest,
        ),
        transaction(
            "txn-other-1",
            "CASH DEPOSIT",
            Credit,
            "100.00",
            TransactionCategory::Other,
            "CAMT-CAPL-CDPT",
            TransactionDetails::Other,
        ),
    ]
}

/// A credit card statement with its transactions.
pub fn statements() -> Vec<Statement> {
    let transactions: Vec<Transaction> = transactions().into_iter().take(2).collect();
    vec![Statement {
        statement_id: id("stmt-2026-10"),
        account_id: id("acc-loc-0"),
        start_date: date(2026, 9, 29),
        end_date: date(2026, 10, 28),
        statement_date: date(2026, 10, 28),
        opening_balance: signed("1150.81", CreditDebitIndicator::Debit),
        closing_balance: signed("1214.40", CreditDebitIndicator::Debit),
        totals: StatementTotals {
            credits: gbp("0.00"),
            debits: gbp("63.59"),
            fees: gbp("0.00"),
            interest: gbp("0.00"),
        },
        transaction_count: 2,
        minimum_payment: Some(gbp("36.43")),
        payment_due_date: Some(date(2026, 11, 24)),
        document_url: Some("/accounts/acc-loc-0/statements/stmt-2026-10/document".into()),
        transactions: Some(transactions),
    }]
}

/// A holding in an ETF.
pub fn holdings() -> Vec<Holding> {
    let mut security = None;
    for transaction in transactions() {
        if let TransactionDetails::Investment { investment } = transaction.details {
            security = investment.security;
        }
    }
    vec![Holding {
        holding_id: id("hold-1"),
        account_id: id("acc-inv-0"),
        security: security.expect("the investment example has a security"),
        units: "120.5".parse().expect("valid units"),
        unit_price: gbp("91.20"),
        market_value: gbp("10989.60"),
        cost_basis: gbp("9410.00"),
        as_of: at(2026, 10, 31, 21, 0),
    }]
}

/// One policy of every insurance line.
pub fn insurance_policies() -> Vec<InsurancePolicy> {
    INSURANCE_LINES
        .into_iter()
        .enumerate()
        .map(|(n, line)| {
            let insured = match line {
                InsuranceLine::Auto => InsuredSubject::Vehicle {
                    make: "Volkswagen".into(),
                    model: "Golf".into(),
                    year: 2021,
                    registration: "WX21 KLM".into(),
                    masked_vin: "********2831".into(),
                },
                InsuranceLine::Home => InsuredSubject::Property {
                    address: address(),
                    property_type: "Terraced house".into(),
                    year_built: Some(1902),
                    rebuild_value: gbp("310000.00"),
                },
                _ => InsuredSubject::Person {
                    party_id: Some(id("party-alice")),
                    name: "Alice Carter".into(),
                    date_of_birth: Some(date(1988, 6, 2)),
                },
            };
            let life = matches!(
                line,
                InsuranceLine::TermLife | InsuranceLine::WholeLife | InsuranceLine::UniversalLife
            );
            InsurancePolicy {
                policy_id: id(&format!("pol-{n}")),
                account_id: id(&format!("acc-ins-{n}")),
                policy_number: format!("SBI-{:06}", 104_200 + n),
                line_of_business: line,
                product_name: "Sandbank Cover".into(),
                status: PolicyStatus::Active,
                policyholder: id("party-alice"),
                insured: vec![insured],
                beneficiaries: if life {
                    vec![Beneficiary {
                        name: "Sam Carter".into(),
                        relationship: "Spouse".into(),
                        share_percent: rate("100"),
                    }]
                } else {
                    Vec::new()
                },
                coverages: vec![Coverage {
                    name: "Main cover".into(),
                    limit: Some(gbp("250000.00")),
                    deductible: (!life).then(|| gbp("250.00")),
                }],
                premium: Premium {
                    amount: gbp("42.10"),
                    frequency: Frequency::Monthly,
                    next_due_date: Some(date(2026, 12, 1)),
                    payment_method: PremiumPaymentMethod::DirectDebit,
                    payment_account_id: Some(id("acc-dep-0")),
                },
                term: PolicyTerm {
                    start_date: date(2022, 12, 1),
                    end_date: (!matches!(
                        line,
                        InsuranceLine::WholeLife | InsuranceLine::UniversalLife
                    ))
                    .then(|| date(2027, 11, 30)),
                    renewal_date: (!life).then(|| date(2026, 12, 1)),
                    auto_renew: !life,
                },
                cash_value: has_cash_value(line).then(|| gbp("12400.00")),
            }
        })
        .collect()
}

/// A paid claim on the auto policy.
pub fn insurance_claims() -> Vec<InsuranceClaim> {
    vec![
        InsuranceClaim {
            claim_id: id("clm-1"),
            policy_id: id("pol-3"),
            claim_number: "CLM-2026-00417".into(),
            status: ClaimStatus::Paid,
            incident_date: date(2026, 9, 2),
            reported_date: date(2026, 9, 3),
            closed_date: Some(date(2026, 10, 17)),
            description: "Rear bumper damaged in a car park".into(),
            claimed_amount: gbp("890.00"),
            approved_amount: Some(gbp("890.00")),
            paid_amount: Some(gbp("640.00")),
            claim_type: None,
            payout_account_id: None,
        },
        filed_claim(),
    ]
}

/// A claim just filed through the API (`POST /insurance/policies/{policyId}/claims`): the
/// first notice of loss of [`claim_requests`], `SUBMITTED`.
pub fn filed_claim() -> InsuranceClaim {
    let request = claim_requests().remove(0);
    InsuranceClaim {
        claim_id: id("clm-1f2e3d4c5b6a7988"),
        policy_id: id("pol-3"),
        claim_number: "CLM-5B6A7988".into(),
        status: ClaimStatus::Submitted,
        incident_date: request.incident_date,
        reported_date: date(2026, 11, 2),
        closed_date: None,
        description: request.description,
        claimed_amount: request.claimed_amount,
        approved_amount: None,
        paid_amount: None,
        claim_type: Some(request.claim_type),
        payout_account_id: request.payout_account_id,
    }
}

/// A first notice of loss on a motor policy.
pub fn claim_requests() -> Vec<ClaimRequest> {
    vec![ClaimRequest {
        incident_date: date(2026, 10, 30),
        claim_type: ClaimType::Collision,
        description: "Rear bumper and tailgate damaged by a reversing van in a car park".into(),
        claimed_amount: gbp("1477.35"),
        payout_account_id: Some(id("acc-dep-0")),
    }]
}

/// One card of every card type; the prepaid one is locked and has a spending limit.
pub fn cards() -> Vec<Card> {
    [
        (CardType::Debit, CardNetwork::Visa, "acc-dep-0"),
        (CardType::Credit, CardNetwork::Mastercard, "acc-loc-0"),
        (CardType::Charge, CardNetwork::Amex, "acc-loc-1"),
        (CardType::Prepaid, CardNetwork::Visa, "acc-dep-1"),
    ]
    .into_iter()
    .enumerate()
    .map(|(n, (card_type, network, account_id))| {
        let prepaid = card_type == CardType::Prepaid;
        Card {
            card_id: id(&format!("card-{n}")),
            account_id: id(account_id),
            masked_pan: MaskedPan::new(format!("****424{n}")).expect("valid mask"),
            network,
            product_name: "Sandbank Card".into(),
            card_type,
            status: if prepaid {
                CardStatus::Locked
            } else {
                CardStatus::Active
            },
            expiry_month: 8,
            expiry_year: 2029,
            cardholder_name: "ALICE CARTER".into(),
            cardholder_party_id: id("party-alice"),
            controls: CardControls {
                locked: prepaid,
                online_allowed: true,
                contactless_allowed: true,
                abroad_allowed: !prepaid,
                spending_limit: prepaid.then(|| SpendingLimit {
                    amount: gbp("200.00"),
                    period: SpendingLimitPeriod::Weekly,
                }),
            },
        }
    })
    .collect()
}

/// An individual and an organisation.
pub fn parties() -> Vec<Party> {
    vec![
        Party {
            party_id: id("party-alice"),
            display_name: "Alice Carter".into(),
            emails: vec![Email {
                address: "alice.carter@example.com".into(),
                is_primary: true,
            }],
            phones: vec![Phone {
                number: "+447700900123".into(),
                phone_type: PhoneType::Mobile,
                is_primary: true,
            }],
            addresses: vec![address()],
            details: PartyDetails::Individual {
                individual: Individual {
                    title: Some("Ms".into()),
                    given_name: "Alice".into(),
                    middle_names: vec!["Jane".into()],
                    family_name: "Carter".into(),
                    date_of_birth: date(1988, 6, 2),
                    occupation: Some("Architect".into()),
                },
            },
        },
        Party {
            party_id: id("party-harbourline"),
            display_name: "Harbourline Logistics Ltd".into(),
            emails: vec![Email {
                address: "accounts@harbourline.example".into(),
                is_primary: true,
            }],
            phones: vec![Phone {
                number: "+441174960000".into(),
                phone_type: PhoneType::Work,
                is_primary: true,
            }],
            addresses: vec![address()],
            details: PartyDetails::Organisation {
                organisation: Organisation {
                    legal_name: "Harbourline Logistics Ltd".into(),
                    trading_name: Some("Harbourline".into()),
                    registration_number: "09876543".into(),
                    registration_country: country("GB"),
                    industry: IndustryCode {
                        scheme: IndustryCodeScheme::Sic2007,
                        code: "49410".into(),
                        description: "Freight transport by road".into(),
                    },
                    established_date: Some(date(2015, 4, 1)),
                    authorised_people: vec![AuthorisedPerson {
                        party_id: id("party-dev"),
                        name: "Dev Patel".into(),
                        role: "Finance director".into(),
                    }],
                },
            },
        },
    ]
}

/// Relationships of parties to accounts.
pub fn account_parties() -> Vec<AccountParty> {
    vec![AccountParty {
        account_id: id("acc-dep-0"),
        party_id: id("party-alice"),
        relationship: AccountRelationship::Holder,
    }]
}

/// A payment request to another bank.
pub fn payment_requests() -> Vec<PaymentRequest> {
    vec![PaymentRequest {
        instructed_amount: gbp("950.00"),
        creditor_name: "Bristol Lettings Ltd".into(),
        creditor_account: AccountIdentification {
            scheme: AccountIdentificationScheme::SortCodeAccountNumber,
            identification: "20000055779911".into(),
            name: None,
        },
        debtor_account: Some(id("acc-dep-0")),
        remittance_information: Some("RENT FLAT 2".into()),
        requested_execution_date: None,
    }]
}

/// A settled payment.
pub fn payments() -> Vec<Payment> {
    payment_requests()
        .into_iter()
        .map(|request| Payment {
            payment_id: id("pay-1"),
            status: PaymentStatus::Settled,
            status_reason: None,
            consent_id: id("grant-1"),
            idempotency_key: "6f1c0f5e-rent-nov".into(),
            instructed_amount: request.instructed_amount,
            creditor_name: request.creditor_name,
            creditor_account: request.creditor_account,
            debtor_account: request.debtor_account.unwrap_or_else(|| id("acc-dep-0")),
            remittance_information: request.remittance_information,
            requested_execution_date: request.requested_execution_date,
            scheme: PaymentScheme::FasterPayments,
            created_at: at(2026, 11, 1, 9, 0),
            status_updated_at: at(2026, 11, 1, 9, 0),
            transaction_ids: vec![id("txn-pay-1")],
        })
        .collect()
}

/// The status changes of the settled payment.
pub fn payment_events() -> Vec<PaymentEvent> {
    [
        PaymentStatus::Pending,
        PaymentStatus::Accepted,
        PaymentStatus::Settled,
    ]
    .into_iter()
    .zip(1..)
    .map(|(status, sequence)| PaymentEvent {
        payment_id: id("pay-1"),
        sequence,
        status,
        status_reason: None,
        at: at(2026, 11, 1, 9, 0),
        notification: Some(EventNotification {
            status: NotificationStatus::Delivered,
            attempts: 1,
            last_error: None,
        }),
    })
    .collect()
}

/// Account-information and payment authorization details.
pub fn authorization_details() -> Vec<AuthorizationDetail> {
    vec![
        AuthorizationDetail::AccountInformation {
            accounts: vec![id("acc-dep-0")],
            permissions: vec![
                Permission::Accounts,
                Permission::Balances,
                Permission::Transactions,
            ],
        },
        AuthorizationDetail::PaymentInitiation(payment_requests().remove(0)),
    ]
}

/// An active consent.
pub fn consents() -> Vec<Consent> {
    vec![Consent {
        consent_id: id("grant-1"),
        customer_id: id("party-alice"),
        client_id: id("client-budgetly"),
        client_name: "Budgetly".into(),
        status: ConsentStatus::Active,
        scopes: vec!["openid".into(), "accounts".into(), "transactions".into()],
        account_ids: vec![id("acc-dep-0")],
        permissions: vec![Permission::Accounts, Permission::Transactions],
        authorization_details: authorization_details().into_iter().take(1).collect(),
        created_at: at(2026, 10, 1, 8, 30),
        updated_at: at(2026, 10, 1, 8, 30),
        expires_at: Some(at(2027, 1, 1, 8, 30)),
    }]
}

/// Card control changes: lock, and remove the spending limit.
pub fn card_controls_updates() -> Vec<CardControlsUpdate> {
    vec![
        CardControlsUpdate {
            locked: Some(true),
            ..CardControlsUpdate::default()
        },
        CardControlsUpdate {
            abroad_allowed: Some(false),
            spending_limit: Some(None),
            ..CardControlsUpdate::default()
        },
    ]
}

/// A page of accounts.
pub fn pages() -> Vec<Page<serde_json::Value>> {
    let data = accounts()
        .into_iter()
        .take(2)
        .filter_map(|account| serde_json::to_value(account).ok())
        .collect();
    vec![Page {
        data,
        links: Links {
            self_link: "/accounts?pageSize=2".into(),
            first: Some("/accounts?pageSize=2".into()),
            prev: None,
            next: Some("/accounts?pageSize=2&cursor=YWNjLWRlcC0x".into()),
        },
        meta: PageMeta {
            page_size: 2,
            total_records: Some(28),
        },
    }]
}

/// A validation problem.
pub fn problems() -> Vec<Problem> {
    vec![Problem {
        problem_type: "https://sandbank.example/problems/invalid-request".into(),
        title: "The request is not valid".into(),
        status: 400,
        detail: Some("spendingLimit.amount.amount must be a decimal string".into()),
        instance: Some("/cards/card-0/controls".into()),
        errors: vec![ProblemError {
            pointer: "/spendingLimit/amount/amount".into(),
            detail: "expected a decimal string such as \"250.00\"".into(),
        }],
    }]
}

/// Every example, serialized, by schema name: what tests validate and OpenAPI shows.
pub fn by_schema() -> Vec<(&'static str, Vec<serde_json::Value>)> {
    fn values<T: serde::Serialize>(items: Vec<T>) -> Vec<serde_json::Value> {
        items
            .into_iter()
            .filter_map(|item| serde_json::to_value(item).ok())
            .collect()
    }
    vec![
        ("account", values(accounts())),
        ("balance", values(balances())),
        ("transaction", values(transactions())),
        ("statement", values(statements())),
        ("holding", values(holdings())),
        ("insurance-policy", values(insurance_policies())),
        ("insurance-claim", values(insurance_claims())),
        ("insurance-claim-request", values(claim_requests())),
        ("card", values(cards())),
        ("card-controls-update", values(card_controls_updates())),
        ("party", values(parties())),
        ("account-party", values(account_parties())),
        ("payment-request", values(payment_requests())),
        ("payment", values(payments())),
        ("payment-event", values(payment_events())),
        ("consent", values(consents())),
        ("authorization-detail", values(authorization_details())),
        ("page", values(pages())),
        ("problem", values(problems())),
    ]
}
