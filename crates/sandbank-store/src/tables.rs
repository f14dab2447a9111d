//! The record tables: their columns, and each record as one row of column values. The column
//! lists here, the migrations and the queries must agree.

use sandbank_schemas::{
    Account, AccountParty, Balance, Card, Customer, Holding, InsuranceClaim, InsurancePolicy,
    Party, Statement, Transaction,
};

use crate::db::{Bind, TableSpec};
use crate::encode::{amount_key, body, micros, variant_name};
use crate::error::StoreResult;

pub(crate) const CUSTOMERS: TableSpec = TableSpec {
    name: "customers",
    columns: &["username", "party_id", "persona", "body"],
};
pub(crate) const PARTIES: TableSpec = TableSpec {
    name: "parties",
    columns: &["party_id", "body"],
};
pub(crate) const ACCOUNTS: TableSpec = TableSpec {
    name: "accounts",
    columns: &["account_id", "body"],
};
pub(crate) const ACCOUNT_IDENTIFICATIONS: TableSpec = TableSpec {
    name: "account_identifications",
    columns: &["identification", "account_id"],
};
pub(crate) const ACCOUNT_PARTIES: TableSpec = TableSpec {
    name: "account_parties",
    columns: &["account_id", "party_id", "relationship", "body"],
};
pub(crate) const BALANCES: TableSpec = TableSpec {
    name: "balances",
    columns: &["account_id", "ord", "body"],
};
pub(crate) const TRANSACTIONS: TableSpec = TableSpec {
    name: "transactions",
    columns: &[
        "transaction_id",
        "account_id",
        "booking_ts",
        "status",
        "category",
        "amount_key",
        "body",
    ],
};
pub(crate) const STATEMENTS: TableSpec = TableSpec {
    name: "statements",
    columns: &[
        "statement_id",
        "account_id",
        "start_date",
        "end_date",
        "body",
    ],
};
pub(crate) const HOLDINGS: TableSpec = TableSpec {
    name: "holdings",
    columns: &["holding_id", "account_id", "ord", "body"],
};
pub(crate) const POLICIES: TableSpec = TableSpec {
    name: "policies",
    columns: &["policy_id", "account_id", "policyholder", "body"],
};
pub(crate) const CLAIMS: TableSpec = TableSpec {
    name: "claims",
    columns: &["claim_id", "policy_id", "body"],
};
pub(crate) const CARDS: TableSpec = TableSpec {
    name: "cards",
    columns: &["card_id", "account_id", "cardholder_party_id", "body"],
};

fn text(value: impl ToString) -> Bind {
    Bind::Text(value.to_string())
}

/// An index within a bundle, as stored in an `ord` column.
fn ord(index: usize) -> Bind {
    Bind::Int(i64::try_from(index).unwrap_or(i64::MAX))
}

pub(crate) fn customer_row(customer: &Customer) -> StoreResult<Vec<Bind>> {
    Ok(vec![
        text(&customer.username),
        text(&customer.party_id),
        Bind::Bool(customer.persona),
        Bind::Text(body(customer)?),
    ])
}

pub(crate) fn party_row(party: &Party) -> StoreResult<Vec<Bind>> {
    Ok(vec![text(&party.party_id), Bind::Text(body(party)?)])
}

pub(crate) fn account_row(account: &Account) -> StoreResult<Vec<Bind>> {
    Ok(vec![text(&account.account_id), Bind::Text(body(account)?)])
}

/// One row per distinct scheme identification of the account.
pub(crate) fn account_identification_rows(account: &Account) -> Vec<Vec<Bind>> {
    let mut identifications: Vec<&str> = account
        .account_identifications
        .iter()
        .map(|id| id.identification.as_str())
        .collect();
    identifications.sort_unstable();
    identifications.dedup();
    identifications
        .into_iter()
        .map(|identification| vec![text(identification), text(&account.account_id)])
        .collect()
}

pub(crate) fn account_party_row(relation: &AccountParty) -> StoreResult<Vec<Bind>> {
    Ok(vec![
        text(&relation.account_id),
        text(&relation.party_id),
        Bind::Text(variant_name(&relation.relationship)?),
        Bind::Text(body(relation)?),
    ])
}

/// `index` is the balance's position in its bundle: balances are listed in that order.
pub(crate) fn balance_row(index: usize, balance: &Balance) -> StoreResult<Vec<Bind>> {
    Ok(vec![
        text(&balance.account_id),
        ord(index),
        Bind::Text(body(balance)?),
    ])
}

pub(crate) fn transaction_row(transaction: &Transaction) -> StoreResult<Vec<Bind>> {
    Ok(vec![
        text(&transaction.transaction_id),
        text(&transaction.account_id),
        Bind::Int(micros(transaction.booking_date_time)),
        Bind::Text(variant_name(&transaction.status)?),
        Bind::Text(variant_name(&transaction.category)?),
        Bind::Text(amount_key(&transaction.amount.amount)),
        Bind::Text(body(transaction)?),
    ])
}

/// A statement is stored without embedded transactions: they are the account's, read with
/// the statement ([`Store::statement_with_transactions`](crate::Store::statement_with_transactions)).
pub(crate) fn statement_row(statement: &Statement) -> StoreResult<Vec<Bind>> {
    let stored = match statement.transactions {
        Some(_) => body(&Statement {
            transactions: None,
            ..statement.clone()
        })?,
        None => body(statement)?,
    };
    Ok(vec![
        text(&statement.statement_id),
        text(&statement.account_id),
        text(statement.start_date),
        text(statement.end_date),
        Bind::Text(stored),
    ])
}

/// `index` is the holding's position in its bundle: holdings are listed in that order.
pub(crate) fn holding_row(index: usize, holding: &Holding) -> StoreResult<Vec<Bind>> {
    Ok(vec![
        text(&holding.holding_id),
        text(&holding.account_id),
        ord(index),
        Bind::Text(body(holding)?),
    ])
}

pub(crate) fn policy_row(policy: &InsurancePolicy) -> StoreResult<Vec<Bind>> {
    Ok(vec![
        text(&policy.policy_id),
        text(&policy.account_id),
        text(&policy.policyholder),
        Bind::Text(body(policy)?),
    ])
}

pub(crate) fn claim_row(claim: &InsuranceClaim) -> StoreResult<Vec<Bind>> {
    Ok(vec![
        text(&claim.claim_id),
        text(&claim.policy_id),
        Bind::Text(body(claim)?),
    ])
}

pub(crate) fn card_row(card: &Card) -> StoreResult<Vec<Bind>> {
    Ok(vec![
        text(&card.card_id),
        text(&card.account_id),
        text(&card.cardholder_party_id),
        Bind::Text(body(card)?),
    ])
}
