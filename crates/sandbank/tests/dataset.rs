//! The default dataset loads into a store and every persona reads back with their accounts,
//! exactly as generated; loading again changes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sandbank::dataset::{Loaded, load};
use sandbank_schemas::PartyId;
use sandbank_store::{Store, TransactionFilter, testing};
use sandbank_synth::{Config, Generator};

async fn check(url: &str) {
    let store = Store::connect(url).await.unwrap();
    let config = Config::default();
    let first = load(&store, &config, |_| {}).await.unwrap();
    let Loaded::Written(counts) = first else {
        panic!("an empty database was not loaded");
    };
    let again = load(&store, &config, |_| {}).await.unwrap();
    assert!(
        matches!(again, Loaded::AlreadyThere(ref c) if *c == counts),
        "second load wrote"
    );

    let generator = Generator::new(config).unwrap();
    for bundle in generator.customers().filter(|b| b.customers[0].persona) {
        let customer = &bundle.customers[0];
        let stored = store
            .customer_by_username(&customer.username)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(&stored, customer);
        let party: &PartyId = &customer.party_id;
        let mut accounts = store.accounts_of_party(party).await.unwrap();
        accounts.sort_by(|a, b| a.account_id.cmp(&b.account_id));
        // The persona's own accounts, plus a joint account held in another persona's bundle.
        let mut expected: Vec<_> = bundle.accounts.clone();
        for relation in &bundle.account_parties {
            if !expected.iter().any(|a| a.account_id == relation.account_id)
                && let Some(joint) = store.account(&relation.account_id).await.unwrap()
            {
                expected.push(joint);
            }
        }
        expected.sort_by(|a, b| a.account_id.cmp(&b.account_id));
        assert_eq!(accounts, expected, "{}", customer.username);
        for account in &bundle.accounts {
            let generated = bundle
                .transactions
                .iter()
                .filter(|t| t.account_id == account.account_id)
                .count();
            let mut seen = 0;
            let mut cursor = None;
            loop {
                let page = store
                    .transactions(
                        &account.account_id,
                        &TransactionFilter::default(),
                        1000,
                        cursor.as_deref(),
                    )
                    .await
                    .unwrap();
                seen += page.transactions.len();
                match page.next_cursor {
                    Some(next) => cursor = Some(next),
                    None => break,
                }
            }
            assert_eq!(
                seen, generated,
                "{}: {}",
                customer.username, account.account_id
            );
        }
    }
    store.close().await;
}

#[tokio::test]
async fn personas_read_back_from_an_in_memory_database() {
    check("sqlite::memory:").await;
}

#[tokio::test]
async fn personas_read_back_from_a_sqlite_file_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("bank.db").display());
    check(&url).await;
    // Reopened, the file already holds the dataset: nothing is written again.
    let store = Store::connect(&url).await.unwrap();
    let loaded = load(&store, &Config::default(), |_| {}).await.unwrap();
    assert!(matches!(loaded, Loaded::AlreadyThere(_)));
}

/// Everything the API will read for the personas, as JSON text: accounts, balances and every
/// page of transactions.
async fn persona_views(store: &Store) -> Vec<String> {
    let generator = Generator::new(Config::default()).unwrap();
    let mut views = Vec::new();
    for spec in generator.personas() {
        let customer = store
            .customer_by_username(&spec.username)
            .await
            .unwrap()
            .unwrap();
        let accounts = store.accounts_of_party(&customer.party_id).await.unwrap();
        views.push(serde_json::to_string(&accounts).unwrap());
        for account in &accounts {
            views.push(
                serde_json::to_string(&store.balances(&account.account_id).await.unwrap()).unwrap(),
            );
            let mut cursor = None;
            loop {
                let page = store
                    .transactions(
                        &account.account_id,
                        &TransactionFilter::default(),
                        500,
                        cursor.as_deref(),
                    )
                    .await
                    .unwrap();
                views.push(serde_json::to_string(&page.transactions).unwrap());
                match page.next_cursor {
                    Some(next) => cursor = Some(next),
                    None => break,
                }
            }
        }
    }
    views
}

#[tokio::test]
async fn the_same_seed_reads_back_identically_from_sqlite_and_postgresql() {
    let Some(server) = testing::postgres_server() else {
        return;
    };
    let postgres = testing::postgres(&server).await.unwrap();
    let sqlite = testing::sqlite_memory().await.unwrap();
    for db in [&postgres, &sqlite] {
        load(&db.store, &Config::default(), |_| {}).await.unwrap();
    }
    let from_postgres = persona_views(&postgres.store).await;
    let from_sqlite = persona_views(&sqlite.store).await;
    postgres.close().await.unwrap();
    sqlite.close().await.unwrap();
    assert_eq!(from_postgres.len(), from_sqlite.len());
    for (a, b) in from_postgres.iter().zip(&from_sqlite) {
        assert_eq!(a, b, "PostgreSQL and SQLite differ");
    }
}
