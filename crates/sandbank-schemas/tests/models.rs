//! The models and their generated schemas agree: every schema is valid JSON Schema 2020-12,
//! every example validates and round-trips, and malformed records fail where they should.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use sandbank_schemas::account::AccountCategory;
use sandbank_schemas::card::CardType;
use sandbank_schemas::catalogue::{self, SchemaDef};
use sandbank_schemas::examples;
use sandbank_schemas::insurance::InsuranceLine;
use sandbank_schemas::party::PartyDetails;
use sandbank_schemas::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

fn def(name: &str) -> &'static SchemaDef {
    catalogue::find(name).unwrap_or_else(|| panic!("no schema named {name}"))
}

fn validator(name: &str) -> jsonschema::Validator {
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&def(name).document())
        .unwrap()
}

/// The instance paths of every error, with their keywords.
fn errors(name: &str, instance: &Value) -> Vec<(String, String)> {
    validator(name)
        .iter_errors(instance)
        .map(|e| (e.instance_path().to_string(), e.kind().keyword().to_owned()))
        .collect()
}

#[test]
fn catalogue_has_the_required_names_each_once() {
    let names: Vec<&str> = catalogue().iter().map(|d| d.name).collect();
    for required in [
        "account",
        "balance",
        "transaction",
        "statement",
        "holding",
        "insurance-policy",
        "insurance-claim",
        "card",
        "party",
        "payment",
        "consent",
    ] {
        assert!(names.contains(&required), "catalogue lacks {required}");
    }
    let unique: BTreeSet<&str> = names.iter().copied().collect();
    assert_eq!(unique.len(), names.len(), "a schema name appears twice");
    for def in catalogue() {
        assert!(
            def.name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{} is not kebab-case",
            def.name
        );
        let parts: Vec<&str> = def.version.split('.').collect();
        assert_eq!(parts.len(), 3, "{} version is not semver", def.name);
        assert!(parts.iter().all(|p| p.parse::<u64>().is_ok()));
    }
}

#[test]
fn every_schema_is_valid_json_schema_2020_12() {
    for def in catalogue() {
        let document = def.document();
        assert_eq!(
            document["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        assert_eq!(document["$id"], def.id().as_str());
        assert_eq!(document["title"], def.title);
        if let Err(error) = jsonschema::meta::validate(&document) {
            panic!("{} is not a valid 2020-12 schema: {error}", def.name);
        }
        jsonschema::draft202012::new(&document)
            .unwrap_or_else(|e| panic!("{} does not compile: {e}", def.name));
    }
}

#[test]
fn every_field_has_a_description() {
    fn walk(name: &str, pointer: &str, node: &Value) {
        if let Some(properties) = node.get("properties").and_then(Value::as_object) {
            for (field, schema) in properties {
                let is_tag = schema.get("const").is_some();
                assert!(
                    is_tag || schema.get("description").is_some(),
                    "{name}: {pointer}/properties/{field} has no description"
                );
            }
        }
        match node {
            Value::Object(map) => {
                for (key, child) in map {
                    walk(name, &format!("{pointer}/{key}"), child);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    walk(name, &format!("{pointer}/{i}"), child);
                }
            }
            _ => {}
        }
    }
    for def in catalogue() {
        walk(def.name, "", &def.document());
    }
}

#[test]
fn every_example_validates_against_its_schema() {
    for (name, instances) in examples::by_schema() {
        assert!(!instances.is_empty(), "no example for {name}");
        let validator = validator(name);
        for instance in &instances {
            let problems: Vec<String> = validator
                .iter_errors(instance)
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .collect();
            assert!(
                problems.is_empty(),
                "{name} example invalid: {problems:#?}\n{instance:#}"
            );
        }
    }
    let covered: BTreeSet<&str> = examples::by_schema().iter().map(|(n, _)| *n).collect();
    for def in catalogue() {
        assert!(
            covered.contains(def.name),
            "no examples for schema {}",
            def.name
        );
    }
}

/// Serialize, deserialize, serialize again: both the values and the JSON must be unchanged.
fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(items: Vec<T>) {
    for item in items {
        let json = serde_json::to_value(&item).unwrap();
        let back: T = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, item);
        assert_eq!(serde_json::to_value(&back).unwrap(), json);
        let text = serde_json::to_string(&item).unwrap();
        let from_text: T = serde_json::from_str(&text).unwrap();
        assert_eq!(from_text, item);
    }
}

#[test]
fn every_example_round_trips_through_serde() {
    round_trip(examples::accounts());
    round_trip(examples::balances());
    round_trip(examples::transactions());
    round_trip(examples::statements());
    round_trip(examples::holdings());
    round_trip(examples::insurance_policies());
    round_trip(examples::insurance_claims());
    round_trip(examples::cards());
    round_trip(examples::card_controls_updates());
    round_trip(examples::parties());
    round_trip(examples::account_parties());
    round_trip(examples::payment_requests());
    round_trip(examples::payments());
    round_trip(examples::consents());
    round_trip(examples::authorization_details());
    round_trip(examples::pages());
    round_trip(examples::problems());
}

#[test]
fn examples_cover_every_category_type_line_and_kind() {
    let accounts = serde_json::to_value(examples::accounts()).unwrap();
    let pairs: BTreeSet<(String, String)> = accounts
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["accountCategory"].as_str().unwrap().to_owned(),
                a["accountType"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let categories: BTreeSet<&str> = pairs.iter().map(|(c, _)| c.as_str()).collect();
    for category in [
        AccountCategory::Deposit,
        AccountCategory::Commercial,
        AccountCategory::Investment,
        AccountCategory::Loan,
        AccountCategory::LineOfCredit,
        AccountCategory::Insurance,
    ] {
        let name = serde_json::to_value(category).unwrap();
        assert!(
            categories.contains(name.as_str().unwrap()),
            "{name} missing"
        );
    }
    // Every account type named in the schema's enums has an example.
    let schema = def("account").document();
    for (category, enum_name) in [
        ("DEPOSIT", "DepositAccountType"),
        ("COMMERCIAL", "CommercialAccountType"),
        ("INVESTMENT", "InvestmentAccountType"),
        ("LOAN", "LoanAccountType"),
        ("LINE_OF_CREDIT", "LineOfCreditAccountType"),
        ("INSURANCE", "InsuranceLine"),
    ] {
        let variants = enum_values(&schema["$defs"][enum_name]);
        assert!(!variants.is_empty(), "{enum_name} has no values");
        for variant in variants {
            assert!(
                pairs.contains(&(category.to_owned(), variant.clone())),
                "no example account {category}/{variant}"
            );
        }
    }

    let kinds: BTreeSet<String> = serde_json::to_value(examples::transactions())
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["transactionType"].as_str().unwrap().to_owned())
        .collect();
    for kind in [
        "CARD",
        "TRANSFER",
        "INVESTMENT",
        "LOAN",
        "INSURANCE",
        "FEE",
        "INTEREST",
        "OTHER",
    ] {
        assert!(
            kinds.contains(kind),
            "no example transaction of type {kind}"
        );
    }

    let lines: Vec<InsuranceLine> = examples::insurance_policies()
        .iter()
        .map(|p| p.line_of_business)
        .collect();
    let policy_schema = def("insurance-policy").document();
    for line in enum_values(&policy_schema["$defs"]["InsuranceLine"]) {
        let line: InsuranceLine = serde_json::from_value(json!(line)).unwrap();
        assert!(lines.contains(&line), "no example policy for {line:?}");
    }

    let card_types: BTreeSet<String> = examples::cards()
        .iter()
        .map(|c| {
            serde_json::to_value(c.card_type)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    for card_type in [
        CardType::Credit,
        CardType::Debit,
        CardType::Charge,
        CardType::Prepaid,
    ] {
        let name = serde_json::to_value(card_type).unwrap();
        assert!(card_types.contains(name.as_str().unwrap()));
    }

    let parties = examples::parties();
    assert!(
        parties
            .iter()
            .any(|p| matches!(p.details, PartyDetails::Individual { .. }))
    );
    assert!(
        parties
            .iter()
            .any(|p| matches!(p.details, PartyDetails::Organisation { .. }))
    );
}

fn enum_values(schema: &Value) -> Vec<String> {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
    }
    schema
        .get("oneOf")
        .and_then(Value::as_array)
        .map(|variants| {
            variants
                .iter()
                .filter_map(|v| v.get("const").and_then(Value::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn first_transaction() -> Value {
    serde_json::to_value(&examples::transactions()[0]).unwrap()
}

/// An invalid record must fail both the schema (with the error at `path`) and serde.
fn assert_rejected<T: DeserializeOwned + std::fmt::Debug>(name: &str, instance: Value, path: &str) {
    let found = errors(name, &instance);
    assert!(
        found.iter().any(|(p, _)| p == path),
        "{name}: expected an error at {path}, got {found:?}"
    );
    assert!(
        serde_json::from_value::<T>(instance).is_err(),
        "{name}: serde accepted what the schema refuses"
    );
}

#[test]
fn float_money_is_rejected() {
    let mut txn = first_transaction();
    txn["amount"]["amount"] = json!(42.17);
    assert_rejected::<Transaction>("transaction", txn, "/amount/amount");
}

#[test]
fn malformed_amount_strings_are_rejected() {
    for bad in [
        "-1.00", "1e3", "01.00", "1.", ".5", "1,000.00", " 1.00", "1.123456", "",
    ] {
        let mut txn = first_transaction();
        txn["amount"]["amount"] = json!(bad);
        assert_rejected::<Transaction>("transaction", txn, "/amount/amount");
        assert!(
            bad.parse::<Amount>().is_err(),
            "{bad:?} parsed as an amount"
        );
    }
    for good in ["0", "0.5", "1234.50", "999999999999999.99999"] {
        assert_eq!(good.parse::<Amount>().unwrap().to_string(), good);
    }
}

#[test]
fn lower_case_and_unknown_currencies_are_rejected() {
    for bad in ["gbp", "XYZ", "GBPP", "EURO"] {
        let mut txn = first_transaction();
        txn["amount"]["currency"] = json!(bad);
        assert_rejected::<Transaction>("transaction", txn, "/amount/currency");
    }
    let mut account = serde_json::to_value(&examples::accounts()[0]).unwrap();
    account["currency"] = json!("usd");
    assert_rejected::<Account>("account", account, "/currency");
}

#[test]
fn missing_required_fields_are_rejected() {
    let mut account = serde_json::to_value(&examples::accounts()[0]).unwrap();
    account.as_object_mut().unwrap().remove("accountId");
    let found = errors("account", &account);
    assert!(
        found.contains(&(String::new(), "required".into())),
        "{found:?}"
    );
    assert!(serde_json::from_value::<Account>(account).is_err());

    let mut txn = first_transaction();
    txn["amount"].as_object_mut().unwrap().remove("currency");
    let found = errors("transaction", &txn);
    assert!(
        found.contains(&("/amount".into(), "required".into())),
        "{found:?}"
    );
    assert!(serde_json::from_value::<Transaction>(txn).is_err());
}

#[test]
fn unknown_enum_values_are_rejected() {
    let mut txn = first_transaction();
    txn["status"] = json!("SETTLED_MAYBE");
    assert_rejected::<Transaction>("transaction", txn, "/status");

    let mut account = serde_json::to_value(&examples::accounts()[0]).unwrap();
    account["accountCategory"] = json!("CRYPTO");
    let found = errors("account", &account);
    assert!(found.iter().any(|(_, k)| k == "oneOf"), "{found:?}");
    assert!(serde_json::from_value::<Account>(account).is_err());
}

#[test]
fn a_card_with_a_full_pan_is_rejected() {
    let mut card = serde_json::to_value(&examples::cards()[0]).unwrap();
    card["maskedPan"] = json!("4242424242424242");
    assert_rejected::<Card>("card", card, "/maskedPan");
}

#[test]
fn dates_and_times_must_be_well_formed() {
    let mut txn = first_transaction();
    txn["bookingDateTime"] = json!("yesterday");
    assert_rejected::<Transaction>("transaction", txn, "/bookingDateTime");
}

#[test]
fn currency_list_is_sorted_and_upper_case() {
    let codes = sandbank_schemas::common::ISO_4217_CODES;
    assert!(
        codes.windows(2).all(|w| w[0] < w[1]),
        "ISO_4217_CODES must be sorted"
    );
    assert!(
        codes
            .iter()
            .all(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()))
    );
    assert_eq!("JPY".parse::<Currency>().unwrap().as_str(), "JPY");
}

#[test]
fn card_controls_update_tells_absent_from_null() {
    let absent: CardControlsUpdate = serde_json::from_value(json!({"locked": true})).unwrap();
    assert_eq!(absent.spending_limit, None);
    let removed: CardControlsUpdate =
        serde_json::from_value(json!({"spendingLimit": null})).unwrap();
    assert_eq!(removed.spending_limit, Some(None));
    assert!(serde_json::from_value::<CardControlsUpdate>(json!({"lockd": true})).is_err());
    assert!(errors("card-controls-update", &json!({"spendingLimit": null})).is_empty());
}
