//! What the tests of the bank's own money movements (payments, claim payouts) read from the
//! store: a customer's accounts, an account's balances, and the ledger invariant (booked
//! balance less posted transactions), plus the sandbox and the backends such a test runs on.

#![allow(dead_code)]

use rust_decimal::Decimal;
use sandbank_schemas::account::AccountDetails;
use sandbank_schemas::{Account, AccountId};
use sandbank_testkit::{Sandbox, SandboxBuilder};

/// The sandbox control API's key in these tests.
pub const ADMIN_KEY: &str = "test-admin-key";

/// A sandbox with the personas and two generated customers, two months of history each.
pub fn builder() -> SandboxBuilder {
    Sandbox::builder()
        .dataset(sandbank_synth::Config {
            customers: 2,
            months: 2,
            ..sandbank_synth::Config::default()
        })
        .admin_key(ADMIN_KEY)
}

/// Every account `username` is related to, as the store has it.
pub async fn accounts_of(sandbox: &Sandbox, username: &str) -> Vec<Account> {
    let customer = sandbox
        .store()
        .customer_by_username(username)
        .await
        .unwrap()
        .unwrap();
    sandbox
        .store()
        .accounts_of_party(&customer.party_id)
        .await
        .unwrap()
}

/// (booked, available) balance of a deposit account, signed.
pub async fn balances(sandbox: &Sandbox, id: &AccountId) -> (Decimal, Decimal) {
    let account = sandbox.store().account(id).await.unwrap().unwrap();
    match account.details {
        AccountDetails::Deposit { deposit, .. } => (
            deposit.current_balance.signed(),
            deposit.available_balance.signed(),
        ),
        AccountDetails::Commercial {
            deposit: Some(deposit),
            ..
        } => (
            deposit.current_balance.signed(),
            deposit.available_balance.signed(),
        ),
        other => panic!("not a deposit account: {other:?}"),
    }
}

pub fn dec(text: &str) -> Decimal {
    text.parse().unwrap()
}

/// Booked balance less every posted transaction: what the account held before its history.
/// A clock move regenerates the history but keeps this; money the bank moved since (a booking
/// of the ledger) keeps it too, being a posted transaction as well.
pub async fn opening(sandbox: &Sandbox, id: &AccountId) -> Decimal {
    let (booked, _) = balances(sandbox, id).await;
    let filter = sandbank_store::TransactionFilter {
        status: Some(sandbank_schemas::transaction::TransactionStatus::Posted),
        ..Default::default()
    };
    let mut cursor: Option<String> = None;
    let mut sum = Decimal::ZERO;
    loop {
        let page = sandbox
            .store()
            .transactions(id, &filter, 1000, cursor.as_deref())
            .await
            .unwrap();
        for t in &page.transactions {
            let size = t.amount.amount.value();
            sum += match t.credit_debit_indicator {
                sandbank_schemas::CreditDebitIndicator::Credit => size,
                sandbank_schemas::CreditDebitIndicator::Debit => -size,
            };
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    booked - sum
}

/// The backends a test of money runs on: a SQLite file, and PostgreSQL when
/// `SANDBANK_TEST_POSTGRES_URL` names a server (CI sets it; without it the test says it skips
/// that backend).
pub async fn backends() -> Vec<sandbank_store::testing::TestDb> {
    let mut databases = vec![sandbank_store::testing::sqlite_file().await.unwrap()];
    match sandbank_store::testing::postgres_server() {
        Some(server) => databases.push(sandbank_store::testing::postgres(&server).await.unwrap()),
        None => eprintln!(
            "PostgreSQL skipped: {} is not set (CI sets it)",
            sandbank_store::testing::POSTGRES_ENV
        ),
    }
    databases
}
