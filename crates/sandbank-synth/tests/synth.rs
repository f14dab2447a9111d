//! The generated data is deterministic, internally consistent, schema-valid, and has the
//! personas the README promises.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use sandbank_schemas::account::AccountRelationship;
use sandbank_schemas::balance::BalanceType;
use sandbank_schemas::card::CardStatus;
use sandbank_schemas::dataset::CustomerData;
use sandbank_schemas::transaction::{TransactionCategory, TransactionStatus};
use sandbank_schemas::{
    Account, AccountDetails, AccountStatus, BalanceAmount, CreditDebitIndicator, TransactionDetails,
};
use sandbank_synth::{Config, Generator};

fn minor(amount: &sandbank_schemas::Amount) -> i64 {
    (amount.value() * Decimal::from(100)).try_into().unwrap()
}

fn signed(balance: &BalanceAmount) -> i64 {
    let value = minor(&balance.amount);
    match balance.credit_debit_indicator {
        CreditDebitIndicator::Credit => value,
        CreditDebitIndicator::Debit => -value,
    }
}

fn generate(config: Config) -> Vec<CustomerData> {
    Generator::new(config).unwrap().customers().collect()
}

fn bytes(data: &[CustomerData]) -> Vec<u8> {
    serde_json::to_vec(data).unwrap()
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let config = Config {
        customers: 20,
        months: 3,
        ..Config::default()
    };
    let first = bytes(&generate(config.clone()));
    let second = bytes(&generate(config.clone()));
    assert_eq!(first, second, "two runs with one seed differ");
    let other = bytes(&generate(Config { seed: 7, ..config }));
    assert_ne!(first, other, "a different seed gives the same data");
}

#[test]
fn one_customer_does_not_depend_on_how_many_are_generated() {
    let small = Generator::new(Config {
        customers: 3,
        months: 2,
        ..Config::default()
    })
    .unwrap();
    let large = Generator::new(Config {
        customers: 50,
        months: 2,
        ..Config::default()
    })
    .unwrap();
    let index = small.len() - 1;
    assert_eq!(
        bytes(&[small.customer(index).unwrap()]),
        bytes(&[large.customer(index).unwrap()])
    );
}

/// Every invariant DATA.md promises, over one bundle.
fn check_invariants(data: &CustomerData, as_of: NaiveDate) {
    let mut by_account: BTreeMap<&str, Vec<&sandbank_schemas::Transaction>> = BTreeMap::new();
    for txn in &data.transactions {
        by_account
            .entry(txn.account_id.as_str())
            .or_default()
            .push(txn);
    }
    let balances: HashMap<(&str, BalanceType), i64> = data
        .balances
        .iter()
        .map(|b| ((b.account_id.as_str(), b.balance_type), signed(&b.amount)))
        .collect();
    for account in &data.accounts {
        let id = account.account_id.as_str();
        let txns = by_account.get(id).cloned().unwrap_or_default();
        // Order, and no activity outside the account's life.
        for pair in txns.windows(2) {
            assert!(
                pair[0].booking_date_time <= pair[1].booking_date_time,
                "{id}: out of order"
            );
        }
        for txn in &txns {
            let day = txn.booking_date_time.date_naive();
            assert!(
                day >= account.opening_date,
                "{id}: transaction before opening"
            );
            if let Some(closed) = account.closing_date {
                assert!(day < closed, "{id}: transaction after closing");
            }
            assert!(day < as_of, "{id}: transaction in the future");
        }
        // Running balances chain, and end at the booked balance.
        let posted: Vec<_> = txns
            .iter()
            .filter(|t| t.status == TransactionStatus::Posted)
            .collect();
        let mut running: Option<i64> = None;
        for txn in &posted {
            let amount = minor(&txn.amount.amount);
            let delta = if txn.credit_debit_indicator == CreditDebitIndicator::Credit {
                amount
            } else {
                -amount
            };
            let after = signed(txn.balance_after.as_ref().unwrap());
            if let Some(before) = running {
                assert_eq!(
                    before + delta,
                    after,
                    "{id}: running balance breaks at {}",
                    txn.transaction_id
                );
            }
            running = Some(after);
        }
        for txn in txns
            .iter()
            .filter(|t| t.status != TransactionStatus::Posted)
        {
            assert!(
                txn.balance_after.is_none(),
                "{id}: pending transaction with a running balance"
            );
        }
        let current = balances.get(&(id, BalanceType::Current)).copied();
        if let (Some(running), Some(current)) = (running, current) {
            assert_eq!(
                running, current,
                "{id}: booked balance differs from the last running balance"
            );
        }
        // Category detail agrees with the balances.
        match &account.details {
            AccountDetails::Deposit { deposit, .. } => {
                assert_eq!(Some(signed(&deposit.current_balance)), current, "{id}");
            }
            AccountDetails::LineOfCredit { line_of_credit, .. } => {
                let limit = minor(&line_of_credit.credit_limit.amount);
                let available = minor(&line_of_credit.available_credit.amount);
                let pending: i64 = txns
                    .iter()
                    .filter(|t| t.status == TransactionStatus::Pending)
                    .map(|t| {
                        let amount = minor(&t.amount.amount);
                        if t.credit_debit_indicator == CreditDebitIndicator::Credit {
                            amount
                        } else {
                            -amount
                        }
                    })
                    .sum();
                let owed = -(current.unwrap() + pending);
                assert_eq!(available, (limit - owed).max(0), "{id}: available credit");
                assert!(owed <= limit, "{id}: over limit without meaning to be");
            }
            AccountDetails::Loan { loan, .. } => {
                assert_eq!(
                    -minor(&loan.principal_balance.amount),
                    current.unwrap(),
                    "{id}"
                );
            }
            AccountDetails::Commercial {
                line_of_credit: Some(credit),
                ..
            } => {
                let owed = -current.unwrap();
                assert!(
                    owed <= minor(&credit.credit_limit.amount),
                    "{id}: over limit"
                );
            }
            _ => {}
        }
    }
    // Statements: opening + credits - debits = closing, and they match their transactions.
    for statement in &data.statements {
        let id = statement.account_id.as_str();
        let inside: Vec<_> = by_account
            .get(id)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|t| {
                let day = t.booking_date_time.date_naive();
                t.status == TransactionStatus::Posted
                    && day >= statement.start_date
                    && day <= statement.end_date
            })
            .collect();
        let credits: i64 = inside
            .iter()
            .filter(|t| t.credit_debit_indicator == CreditDebitIndicator::Credit)
            .map(|t| minor(&t.amount.amount))
            .sum();
        let debits: i64 = inside
            .iter()
            .filter(|t| t.credit_debit_indicator == CreditDebitIndicator::Debit)
            .map(|t| minor(&t.amount.amount))
            .sum();
        let fees: i64 = inside
            .iter()
            .filter(|t| {
                t.category == TransactionCategory::Fees
                    && t.credit_debit_indicator == CreditDebitIndicator::Debit
            })
            .map(|t| minor(&t.amount.amount))
            .sum();
        assert_eq!(
            minor(&statement.totals.credits.amount),
            credits,
            "{id}: statement credits"
        );
        assert_eq!(
            minor(&statement.totals.debits.amount),
            debits,
            "{id}: statement debits"
        );
        assert_eq!(
            minor(&statement.totals.fees.amount),
            fees,
            "{id}: statement fees"
        );
        assert_eq!(statement.transaction_count as usize, inside.len());
        assert_eq!(
            signed(&statement.opening_balance) + credits - debits,
            signed(&statement.closing_balance),
            "{id}: statement does not add up"
        );
        if let Some(first) = inside.first() {
            let amount = minor(&first.amount.amount);
            let delta = if first.credit_debit_indicator == CreditDebitIndicator::Credit {
                amount
            } else {
                -amount
            };
            assert_eq!(
                signed(first.balance_after.as_ref().unwrap()) - delta,
                signed(&statement.opening_balance),
                "{id}: opening balance"
            );
        }
        if let Some(last) = inside.last() {
            assert_eq!(
                signed(last.balance_after.as_ref().unwrap()),
                signed(&statement.closing_balance),
                "{id}: closing balance"
            );
        }
    }
    // Holdings: market value = units x price, rounded to pence.
    for holding in &data.holdings {
        let value = (holding.units.value() * holding.unit_price.amount.value())
            .round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven);
        assert_eq!(
            holding.market_value.amount.value(),
            value,
            "{}",
            holding.holding_id
        );
    }
}

#[test]
fn invariants_hold_over_two_hundred_customers() {
    let config = Config {
        customers: 200,
        months: 4,
        commercial_share_percent: 15,
        ..Config::default()
    };
    let as_of = config.as_of;
    let data = generate(config);
    assert_eq!(data.len(), 205);
    let mut transactions = 0;
    let mut categories = HashSet::new();
    for bundle in &data {
        check_invariants(bundle, as_of);
        transactions += bundle.transactions.len();
        categories.extend(bundle.transactions.iter().map(|t| t.category));
    }
    assert!(transactions > 30_000, "only {transactions} transactions");
    for category in [
        TransactionCategory::Income,
        TransactionCategory::Groceries,
        TransactionCategory::Dining,
        TransactionCategory::Utilities,
        TransactionCategory::Subscriptions,
        TransactionCategory::Refund,
        TransactionCategory::Fees,
        TransactionCategory::Interest,
        TransactionCategory::Payroll,
        TransactionCategory::Suppliers,
        TransactionCategory::Insurance,
        TransactionCategory::Investment,
        TransactionCategory::Mortgage,
        TransactionCategory::Rent,
    ] {
        assert!(
            categories.contains(&category),
            "no {category:?} transactions"
        );
    }
}

#[test]
fn card_spend_is_weekend_heavy_and_salaries_are_monthly() {
    use chrono::Datelike;
    let data = generate(Config {
        customers: 30,
        months: 6,
        personas: false,
        ..Config::default()
    });
    let (mut weekend, mut weekday) = (0usize, 0usize);
    for bundle in &data {
        for txn in &bundle.transactions {
            if let TransactionDetails::Card { .. } = txn.details
                && matches!(
                    txn.category,
                    TransactionCategory::Dining | TransactionCategory::Groceries
                )
            {
                if txn.booking_date_time.weekday().number_from_monday() >= 6 {
                    weekend += 1;
                } else {
                    weekday += 1;
                }
            }
        }
        // One salary a month, on the same day (or the Friday before).
        let salaries: Vec<_> = bundle
            .transactions
            .iter()
            .filter(|t| {
                t.category == TransactionCategory::Income && t.description.ends_with("SALARY")
            })
            .collect();
        if !salaries.is_empty() {
            assert!(
                (5..=7).contains(&salaries.len()),
                "{} salaries in 6 months",
                salaries.len()
            );
        }
    }
    // Two weekend days out of seven should carry well over 2/7 of the spend.
    assert!(
        weekend * 7 > (weekend + weekday) * 3,
        "weekend {weekend} weekday {weekday}"
    );
}

fn persona<'a>(data: &'a [CustomerData], username: &str) -> &'a CustomerData {
    data.iter()
        .find(|d| d.customers.iter().any(|c| c.username == username))
        .unwrap()
}

fn category(account: &Account) -> (String, String) {
    let value = serde_json::to_value(account).unwrap();
    (
        value["accountCategory"].as_str().unwrap().to_owned(),
        value["accountType"].as_str().unwrap().to_owned(),
    )
}

fn has(data: &CustomerData, category_name: &str, account_type: &str) -> Vec<Account> {
    data.accounts
        .iter()
        .filter(|a| category(a) == (category_name.to_owned(), account_type.to_owned()))
        .cloned()
        .collect()
}

#[test]
fn the_personas_have_what_the_readme_says() {
    let data = generate(Config {
        customers: 0,
        ..Config::default()
    });
    let generator = Generator::new(Config::default()).unwrap();
    assert_eq!(generator.password(), "sandbank");

    let alice = persona(&data, "alice");
    assert!(alice.customers[0].persona);
    assert_eq!(has(alice, "DEPOSIT", "CHECKING").len(), 2);
    assert_eq!(has(alice, "DEPOSIT", "SAVINGS").len(), 1);
    let card = &has(alice, "LINE_OF_CREDIT", "CREDIT_CARD")[0];
    assert!(
        alice
            .statements
            .iter()
            .filter(|s| s.account_id == card.account_id)
            .count()
            >= 10
    );
    assert_eq!(has(alice, "LOAN", "MORTGAGE").len(), 1);

    // The household account is held jointly with sam, who sees it through his relations.
    let sam = persona(&data, "sam");
    let joint: Vec<_> = alice
        .accounts
        .iter()
        .filter(|a| a.holders.len() == 2)
        .collect();
    assert_eq!(joint.len(), 1);
    let sam_party = &sam.customers[0].party_id;
    assert!(joint[0].holders.iter().any(|h| &h.party_id == sam_party));
    assert!(
        sam.account_parties
            .iter()
            .any(|r| r.account_id == joint[0].account_id
                && &r.party_id == sam_party
                && r.relationship == AccountRelationship::JointHolder)
    );

    let ivan = persona(&data, "ivan");
    let brokerage = &has(ivan, "INVESTMENT", "BROKERAGE")[0];
    assert!(
        ivan.holdings
            .iter()
            .any(|h| h.account_id == brokerage.account_id)
    );
    assert_eq!(has(ivan, "INVESTMENT", "RETIREMENT").len(), 1);
    assert_eq!(has(ivan, "INSURANCE", "WHOLE_LIFE").len(), 1);
    assert_eq!(has(ivan, "INSURANCE", "AUTO").len(), 1);
    assert_eq!(ivan.policies.len(), 2);
    assert_eq!(ivan.claims.len(), 1);
    let claim = &ivan.claims[0];
    assert!(ivan.transactions.iter().any(|t| matches!(&t.details, TransactionDetails::Insurance { insurance } if insurance.claim_id.as_ref() == Some(&claim.claim_id))));

    let business = persona(&data, "harbourline");
    assert_eq!(has(business, "COMMERCIAL", "COMMERCIAL_DEPOSIT").len(), 1);
    let facility = &has(business, "COMMERCIAL", "COMMERCIAL_LINE_OF_CREDIT")[0];
    let corporate: Vec<_> = business
        .cards
        .iter()
        .filter(|c| c.account_id == facility.account_id)
        .collect();
    assert_eq!(corporate.len(), 2);
    assert_ne!(
        corporate[0].cardholder_party_id,
        corporate[1].cardholder_party_id
    );
    assert!(
        business
            .transactions
            .iter()
            .filter(|t| t.category == TransactionCategory::Payroll)
            .count()
            >= 14 * 11
    );
    for card in &corporate {
        assert!(business.transactions.iter().any(|t| matches!(&t.details, TransactionDetails::Card { card: c } if c.card_id == card.card_id)));
    }

    let edge = persona(&data, "edge");
    let balance = |account: &Account| {
        edge.balances
            .iter()
            .find(|b| b.account_id == account.account_id && b.balance_type == BalanceType::Current)
            .map(|b| signed(&b.amount))
    };
    assert!(
        edge.accounts
            .iter()
            .any(|a| category(a).0 == "DEPOSIT" && balance(a).unwrap() < 0),
        "no overdrawn account"
    );
    let closed: Vec<_> = edge
        .accounts
        .iter()
        .filter(|a| a.status == AccountStatus::Closed)
        .collect();
    assert_eq!(closed.len(), 1);
    assert!(closed[0].closing_date.is_some());
    assert!(
        edge.cards
            .iter()
            .any(|c| c.status == CardStatus::Locked && c.controls.locked)
    );
    let currencies: BTreeSet<&str> = edge.accounts.iter().map(|a| a.currency.as_str()).collect();
    assert!(currencies.is_superset(&BTreeSet::from(["GBP", "EUR", "USD"])));
    let counts: BTreeMap<_, usize> = edge
        .accounts
        .iter()
        .map(|a| {
            (
                a.account_id.clone(),
                edge.transactions
                    .iter()
                    .filter(|t| t.account_id == a.account_id)
                    .count(),
            )
        })
        .collect();
    assert!(counts.values().any(|n| *n == 0), "no dormant account");
    assert!(
        counts.values().any(|n| *n >= 5_000),
        "no account with 5,000 transactions"
    );
    let foreign = edge
        .transactions
        .iter()
        .filter(|t| t.amount.currency.as_str() == "EUR")
        .count();
    assert!(foreign > 0);

    // Someone spent abroad with an exchange rate.
    assert!(
        data.iter()
            .flat_map(|d| &d.transactions)
            .any(|t| t.currency_exchange.is_some())
    );
    for bundle in &data {
        check_invariants(bundle, Config::default().as_of);
    }
}

#[test]
fn usernames_and_identifiers_are_unique() {
    let data = generate(Config {
        customers: 100,
        months: 1,
        ..Config::default()
    });
    let mut usernames = BTreeSet::new();
    let mut accounts = BTreeSet::new();
    let mut transactions = BTreeSet::new();
    let mut relations = BTreeSet::new();
    for bundle in &data {
        for customer in &bundle.customers {
            assert!(
                usernames.insert(customer.username.clone()),
                "duplicate {}",
                customer.username
            );
        }
        for account in &bundle.accounts {
            assert!(accounts.insert(account.account_id.clone()));
        }
        for txn in &bundle.transactions {
            assert!(transactions.insert(txn.transaction_id.clone()));
        }
        for relation in &bundle.account_parties {
            let key = serde_json::to_string(relation).unwrap();
            assert!(relations.insert(key), "relation listed twice: {relation:?}");
        }
    }
}

#[test]
fn every_record_validates_against_its_schema() {
    let data = generate(Config {
        customers: 10,
        months: 3,
        ..Config::default()
    });
    let validators: BTreeMap<&str, jsonschema::Validator> = sandbank_schemas::catalogue()
        .iter()
        .map(|def| {
            (
                def.name,
                jsonschema::draft202012::options()
                    .should_validate_formats(true)
                    .build(&def.document())
                    .unwrap(),
            )
        })
        .collect();
    let check = |name: &str, value: serde_json::Value| {
        let errors: Vec<String> = validators[name]
            .iter_errors(&value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:?}\n{value}");
    };
    for bundle in &data {
        bundle
            .accounts
            .iter()
            .for_each(|r| check("account", serde_json::to_value(r).unwrap()));
        bundle
            .parties
            .iter()
            .for_each(|r| check("party", serde_json::to_value(r).unwrap()));
        bundle
            .account_parties
            .iter()
            .for_each(|r| check("account-party", serde_json::to_value(r).unwrap()));
        bundle
            .balances
            .iter()
            .for_each(|r| check("balance", serde_json::to_value(r).unwrap()));
        bundle
            .transactions
            .iter()
            .for_each(|r| check("transaction", serde_json::to_value(r).unwrap()));
        bundle
            .statements
            .iter()
            .for_each(|r| check("statement", serde_json::to_value(r).unwrap()));
        bundle
            .holdings
            .iter()
            .for_each(|r| check("holding", serde_json::to_value(r).unwrap()));
        bundle
            .policies
            .iter()
            .for_each(|r| check("insurance-policy", serde_json::to_value(r).unwrap()));
        bundle
            .claims
            .iter()
            .for_each(|r| check("insurance-claim", serde_json::to_value(r).unwrap()));
        bundle
            .cards
            .iter()
            .for_each(|r| check("card", serde_json::to_value(r).unwrap()));
    }
}

fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap()
}

/// Moving the history's end forward extends the simulation: every day before the old end is
/// what it was (but for card payments still pending in its last two days, which may settle),
/// and the new days have new transactions. This is what `POST /sandbox/clock` relies on.
#[test]
fn advancing_the_end_extends_the_history_and_keeps_every_earlier_day() {
    let base = Config {
        customers: 40,
        commercial_share_percent: 20,
        ..Config::default()
    };
    let advanced = base.advanced_to(base.as_of + chrono::Days::new(45));
    assert_eq!(advanced.start(), base.start());
    assert_eq!(advanced.origin(), base.as_of);
    // Advancing in steps is advancing at once.
    assert_eq!(
        base.advanced_to(base.as_of + chrono::Days::new(10))
            .advanced_to(advanced.as_of),
        advanced
    );
    let before = generate(base.clone());
    let after = generate(advanced.clone());
    assert_eq!(before.len(), after.len());
    let settled_before = (base.as_of - chrono::Days::new(2))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    let mut new_days = 0;
    for (old, new) in before.iter().zip(&after) {
        assert_eq!(json(&old.customers), json(&new.customers));
        assert_eq!(json(&old.parties), json(&new.parties));
        assert_eq!(json(&old.account_parties), json(&new.account_parties));
        let ids = |data: &CustomerData| -> Vec<String> {
            data.accounts
                .iter()
                .map(|a| a.account_id.to_string())
                .collect()
        };
        assert_eq!(ids(old), ids(new));
        let extended: HashMap<&str, String> = new
            .transactions
            .iter()
            .map(|t| (t.transaction_id.as_str(), json(t)))
            .collect();
        for txn in old
            .transactions
            .iter()
            .filter(|t| t.booking_date_time < settled_before)
        {
            assert_eq!(
                extended.get(txn.transaction_id.as_str()),
                Some(&json(txn)),
                "{} changed",
                txn.transaction_id
            );
        }
        let statements: HashMap<&str, String> = new
            .statements
            .iter()
            .map(|s| (s.statement_id.as_str(), json(s)))
            .collect();
        for statement in old
            .statements
            .iter()
            .filter(|s| s.end_date < settled_before.date_naive())
        {
            assert_eq!(
                statements.get(statement.statement_id.as_str()),
                Some(&json(statement)),
                "{} changed",
                statement.statement_id
            );
        }
        new_days += new
            .transactions
            .iter()
            .filter(|t| t.booking_date_time.date_naive() >= base.as_of)
            .count();
        check_invariants(new, advanced.as_of);
    }
    assert!(
        new_days > 500,
        "only {new_days} transactions in 45 new days"
    );
    // The new days bring the statements of the months they complete.
    let statements =
        |data: &[CustomerData]| -> usize { data.iter().map(|d| d.statements.len()).sum() };
    assert!(statements(&after) > statements(&before));
}

#[test]
fn a_history_cannot_be_shortened() {
    let base = Config::default();
    let mut backwards = base.advanced_to(base.as_of);
    backwards.as_of = base.as_of - chrono::Days::new(1);
    assert!(Generator::new(backwards).is_err());
}

/// Customers created at run time (the sandbox's `POST /sandbox/customers`) get a consistent,
/// deterministic history whatever accounts they hold besides the current account (business
/// account) that carries their income and bills, and change nobody else.
#[test]
fn created_customers_have_consistent_deterministic_histories() {
    use sandbank_synth::spec::{CustomerSpec, Product};
    let config = Config {
        customers: 2,
        ..Config::default()
    };
    let generator = Generator::new(config.clone()).unwrap();
    let specs = [
        CustomerSpec::individual(
            "jo",
            Some("Jo".into()),
            Some("Bloggs".into()),
            &[Product::Checking, Product::CreditCard, Product::Mortgage],
        ),
        CustomerSpec::individual("current", None, None, &[Product::Checking]),
        CustomerSpec::individual(
            "everything",
            None,
            None,
            &[
                Product::Checking,
                Product::Savings,
                Product::TermDeposit,
                Product::MoneyMarket,
                Product::CreditCard,
                Product::ChargeCard,
                Product::Mortgage,
                Product::AutoLoan,
                Product::PersonalLoan,
                Product::Brokerage,
                Product::Retirement,
                Product::TermLife,
                Product::WholeLife,
                Product::AutoInsurance,
                Product::HomeInsurance,
                Product::TravelInsurance,
            ],
        ),
        CustomerSpec::business(
            "acme",
            "Acme Widgets Ltd",
            &[
                Product::CommercialDeposit,
                Product::CommercialLineOfCredit,
                Product::CommercialLoan,
            ],
        ),
        CustomerSpec::business("small-ltd", "Small Ltd", &[Product::CommercialDeposit]),
    ];
    for spec in &specs {
        let data = generator.created(spec);
        assert_eq!(data.customers.len(), 1, "{}", spec.username);
        assert_eq!(data.customers[0].username, spec.username);
        assert!(!data.customers[0].persona);
        assert_eq!(
            data.accounts.len(),
            spec.accounts.len(),
            "{}",
            spec.username
        );
        check_invariants(&data, config.as_of);
        assert_eq!(
            json(&data),
            json(&generator.created(spec)),
            "{}",
            spec.username
        );
        // Simulated on with the rest of the dataset, the created customer keeps their past.
        let later = Generator::new(config.advanced_to(config.as_of + chrono::Days::new(9)))
            .unwrap()
            .created(spec);
        check_invariants(&later, config.as_of + chrono::Days::new(9));
        assert_eq!(json(&data.parties), json(&later.parties));
    }
    assert!(
        generator.created(&specs[0]).transactions.len() > 300,
        "a year of salary, bills and spending"
    );
    // Nobody else changes.
    let everyone: Vec<CustomerData> = generator.customers().collect();
    assert_eq!(json(&everyone), json(&generate(config)));
}
