//! Measures bulk loading: writes a synthetic dataset into a fresh database and prints rows/s.
//!
//! ```sh
//! cargo run --release -p sandbank-store --example bulk_load -- [CUSTOMERS] [TXNS_PER_CUSTOMER] [DATABASE_URL]
//! ```
//!
//! Defaults: 200 customers × 2,500 transactions into a SQLite file in a temporary directory.
//! The transactions are copies of the schema examples with new ids, times and amounts; building
//! them is timed apart from writing them.

use std::error::Error;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use sandbank_schemas::{Amount, CustomerData, examples};
use sandbank_store::{BulkStart, DatasetManifest, Store};

fn id<T: TryFrom<String>>(text: String) -> Result<T, Box<dyn Error>> {
    T::try_from(text).map_err(|_| "invalid identifier".into())
}

/// Customer `n` with one checking account holding `transactions` transactions.
fn bundle(n: usize, transactions: usize) -> Result<CustomerData, Box<dyn Error>> {
    let mut party = examples::parties()[0].clone();
    party.party_id = id(format!("party-{n}"))?;
    let mut account = examples::accounts()[0].clone();
    account.account_id = id(format!("acc-{n}"))?;
    let relation = sandbank_schemas::AccountParty {
        account_id: account.account_id.clone(),
        party_id: party.party_id.clone(),
        relationship: sandbank_schemas::account::AccountRelationship::Holder,
    };
    let templates = examples::transactions();
    let start = Utc
        .with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
        .single()
        .ok_or("bad date")?;
    let mut data = CustomerData {
        customers: vec![sandbank_schemas::Customer {
            party_id: party.party_id.clone(),
            username: format!("user{n}"),
            display_name: format!("Customer {n}"),
            persona: false,
            summary: None,
        }],
        parties: vec![party],
        account_parties: vec![relation],
        ..CustomerData::default()
    };
    for k in 0..transactions {
        let mut t = templates[k % templates.len()].clone();
        t.transaction_id = id(format!("txn-{n:06}-{k:06}"))?;
        t.account_id = account.account_id.clone();
        t.booking_date_time = start + chrono::Duration::minutes((k * 37) as i64);
        t.amount.amount = Amount::from_minor((k as u64 * 7919 + n as u64) % 500_000);
        data.transactions.push(t);
    }
    data.accounts.push(account);
    Ok(data)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let customers: usize = args.next().map_or(Ok(200), |a| a.parse())?;
    let per_customer: usize = args.next().map_or(Ok(2_500), |a| a.parse())?;
    let dir = tempfile::tempdir()?;
    let url = args
        .next()
        .unwrap_or_else(|| format!("sqlite:{}", dir.path().join("bench.db").display()));

    let store = Store::connect(&url).await?;
    let manifest = DatasetManifest {
        seed: 1,
        generator_version: "bench".into(),
        content_hash: None,
    };
    let started = Instant::now();
    let BulkStart::Started(mut loader) = store.begin_bulk(&manifest).await? else {
        return Err("the database already holds this dataset".into());
    };
    let mut building = Duration::ZERO;
    for n in 0..customers {
        let built = Instant::now();
        let data = bundle(n, per_customer)?;
        building += built.elapsed();
        loader.insert(&data).await?;
    }
    let loaded = loader.commit().await?;
    let total = started.elapsed();
    let writing = total - building;
    store.close().await;

    let rows = loaded.counts.total();
    let transactions = loaded.counts.transactions;
    println!(
        "{url}: {rows} rows ({transactions} transactions) in {:.2} s: \
         building {:.2} s, store {:.2} s = {:.0} rows/s ({:.0} transactions/s) in the store",
        total.as_secs_f64(),
        building.as_secs_f64(),
        writing.as_secs_f64(),
        rows as f64 / writing.as_secs_f64(),
        transactions as f64 / writing.as_secs_f64(),
    );
    Ok(())
}
