#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The store on every available backend: SQLite in memory and in a file always, PostgreSQL
//! when `SANDBANK_TEST_POSTGRES_URL` names a server (each test then gets its own database).

use std::future::Future;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use sandbank_schemas::account::AccountRelationship;
use sandbank_schemas::transaction::{TransactionCategory, TransactionStatus};
use sandbank_schemas::{
    AccountCategory, AccountId, AccountParty, Amount, Card, CardId, Customer, CustomerData,
    PartyId, PolicyId, Statement, StatementId, Transaction, TransactionId, examples,
};
use sandbank_store::{
    Backend, BulkStart, DatasetManifest, LoadOutcome, Store, StoreError, TransactionFilter,
    TransactionPage,
};
use serde_json::json;

// ---------------------------------------------------------------------------------------------
// Backends

use sandbank_store::testing::Db;

/// Runs `body` against each backend in turn (see `sandbank_store::testing`).
async fn on_each_backend<F, Fut>(body: F)
where
    F: Fn(Db) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    sandbank_store::testing::on_each_backend(body)
        .await
        .unwrap();
}

/// Runs `body` once with every backend at the same time (for comparing them).
async fn with_all_backends<F, Fut>(body: F)
where
    F: FnOnce(Vec<Db>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    sandbank_store::testing::with_all_backends(body)
        .await
        .unwrap();
}

// ---------------------------------------------------------------------------------------------
// Test data

fn id<T: TryFrom<String>>(text: impl Into<String>) -> T {
    T::try_from(text.into()).ok().unwrap()
}

fn party_id(n: usize) -> PartyId {
    id(format!("party-{n}"))
}

fn checking(n: usize) -> AccountId {
    id(format!("acc-{n}-deposit"))
}

/// The newest booking time any generated transaction has.
fn newest_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()
}

/// Transaction `k` of customer `n`'s checking account: three transactions share each booking
/// time (so order falls back to ids), statuses, categories and amounts vary.
fn transaction(n: usize, k: usize) -> Transaction {
    let templates = examples::transactions();
    let mut t = templates[k % templates.len()].clone();
    t.transaction_id = id(format!("txn-{n}-{k:05}"));
    t.account_id = checking(n);
    t.booking_date_time = newest_time() - Duration::hours((k / 3) as i64);
    t.status = match k % 7 {
        0 => TransactionStatus::Pending,
        1 => TransactionStatus::Rejected,
        _ => TransactionStatus::Posted,
    };
    t.amount.amount = Amount::from_minor((k as u64 * 7919) % 250_000);
    t
}

/// Everything of customer `n`: a party, a checking account with `transactions` transactions,
/// a credit card account with a statement, an investment account with holdings, an insurance
/// account with policies and a claim, cards. Customer `n` is also joint holder of customer
/// `n - 1`'s checking account.
fn customer(n: usize, transactions: usize) -> CustomerData {
    let me = party_id(n);
    let mut party = examples::parties()[0].clone();
    party.party_id = me.clone();
    party.display_name = format!("Customer {n}");

    let mut accounts = Vec::new();
    for category in [
        AccountCategory::Deposit,
        AccountCategory::LineOfCredit,
        AccountCategory::Investment,
        AccountCategory::Insurance,
    ] {
        let mut account = examples::accounts()
            .into_iter()
            .find(|a| a.details.category() == category)
            .unwrap();
        let name = format!("{category:?}").to_lowercase();
        account.account_id = id(format!("acc-{n}-{name}"));
        for holder in &mut account.holders {
            holder.party_id = me.clone();
        }
        accounts.push(account);
    }
    let account_of = |category: &str| -> AccountId { id(format!("acc-{n}-{category}")) };

    let mut account_parties: Vec<AccountParty> = accounts
        .iter()
        .map(|a| AccountParty {
            account_id: a.account_id.clone(),
            party_id: me.clone(),
            relationship: AccountRelationship::Holder,
        })
        .collect();
    if n > 0 {
        account_parties.push(AccountParty {
            account_id: checking(n - 1),
            party_id: me.clone(),
            relationship: AccountRelationship::JointHolder,
        });
    }

    let balances = examples::balances()
        .into_iter()
        .map(|mut b| {
            b.account_id = checking(n);
            b
        })
        .collect();

    let statements = [(9, 30), (10, 31)]
        .into_iter()
        .map(|(month, last)| {
            let mut s = examples::statements()[0].clone();
            s.statement_id = id(format!("stmt-{n}-{month}"));
            s.account_id = checking(n);
            s.start_date = NaiveDate::from_ymd_opt(2026, month, 1).unwrap();
            s.end_date = NaiveDate::from_ymd_opt(2026, month, last).unwrap();
            s
        })
        .collect();

    let holdings = examples::holdings()
        .into_iter()
        .enumerate()
        .map(|(i, mut h)| {
            h.holding_id = id(format!("hold-{n}-{i}"));
            h.account_id = account_of("investment");
            h
        })
        .collect();

    let policies = examples::insurance_policies()
        .into_iter()
        .take(2)
        .enumerate()
        .map(|(i, mut p)| {
            p.policy_id = id(format!("pol-{n}-{i}"));
            p.account_id = account_of("insurance");
            p.policyholder = me.clone();
            p
        })
        .collect();

    let claims = examples::insurance_claims()
        .into_iter()
        .enumerate()
        .map(|(i, mut c)| {
            c.claim_id = id(format!("clm-{n}-{i}"));
            c.policy_id = id(format!("pol-{n}-0"));
            c
        })
        .collect();

    let cards = examples::cards()
        .into_iter()
        .enumerate()
        .map(|(i, mut c)| {
            c.card_id = id(format!("card-{n}-{i}"));
            c.account_id = if i == 0 {
                checking(n)
            } else {
                account_of("lineofcredit")
            };
            c.cardholder_party_id = me.clone();
            c
        })
        .collect();

    CustomerData {
        customers: vec![Customer {
            party_id: me,
            username: format!("user{n}"),
            display_name: format!("Customer {n}"),
            persona: n.is_multiple_of(2),
            summary: Some(format!("Test customer {n}")),
        }],
        parties: vec![party],
        accounts,
        account_parties,
        balances,
        transactions: (0..transactions).map(|k| transaction(n, k)).collect(),
        statements,
        holdings,
        policies,
        claims,
        cards,
    }
}

fn dataset(customers: usize, transactions: usize) -> Vec<CustomerData> {
    (0..customers).map(|n| customer(n, transactions)).collect()
}

fn manifest(seed: u64) -> DatasetManifest {
    DatasetManifest {
        seed,
        generator_version: "test-1".into(),
        content_hash: Some(format!("hash-{seed}")),
    }
}

/// Keyset order: newest first, then by id descending.
fn newest_first(transactions: &mut [Transaction]) {
    transactions.sort_by(|a, b| {
        (b.booking_date_time, b.transaction_id.as_str())
            .cmp(&(a.booking_date_time, a.transaction_id.as_str()))
    });
}

fn ids(transactions: &[Transaction]) -> Vec<String> {
    transactions
        .iter()
        .map(|t| t.transaction_id.to_string())
        .collect()
}

/// Every page of an account's transactions matching `filter`.
async fn walk(
    store: &Store,
    account: &AccountId,
    filter: &TransactionFilter,
    limit: u32,
) -> Vec<Transaction> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = store
            .transactions(account, filter, limit, cursor.as_deref())
            .await
            .unwrap();
        assert!(page.transactions.len() <= limit as usize);
        all.extend(page.transactions);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return all,
        }
    }
}

/// Every page of an account's transactions matching `filter`, following `next_cursor` from the
/// first.
async fn pages_forward(
    store: &Store,
    account: &AccountId,
    filter: &TransactionFilter,
    limit: u32,
) -> Vec<TransactionPage> {
    let mut pages = vec![
        store
            .transactions(account, filter, limit, None)
            .await
            .unwrap(),
    ];
    while let Some(next) = pages.last().unwrap().next_cursor.clone() {
        let page = store
            .transactions(account, filter, limit, Some(&next))
            .await
            .unwrap();
        pages.push(page);
    }
    pages
}

/// `page` and the pages before it, following `prev_cursor`; in list order (first page first).
async fn pages_back_from(
    store: &Store,
    account: &AccountId,
    filter: &TransactionFilter,
    limit: u32,
    page: TransactionPage,
) -> Vec<TransactionPage> {
    let mut pages = vec![page];
    while let Some(prev) = pages.last().unwrap().prev_cursor.clone() {
        let page = store
            .transactions(account, filter, limit, Some(&prev))
            .await
            .unwrap();
        pages.push(page);
    }
    pages.reverse();
    pages
}

/// The page of (at most) 100 transactions of `account` that `cursor` leads to under `filter`.
async fn page_of_100(
    store: &Store,
    account: &AccountId,
    filter: &TransactionFilter,
    cursor: &Option<String>,
) -> TransactionPage {
    store
        .transactions(account, filter, 100, cursor.as_deref())
        .await
        .unwrap()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Loading

#[tokio::test]
async fn loading_a_dataset_is_idempotent() {
    on_each_backend(|db| async move {
        let store = db.store;
        assert_eq!(store.dataset().await.unwrap(), None);
        let data = dataset(3, 20);
        let loaded = match store
            .load_dataset(&manifest(7), data.clone())
            .await
            .unwrap()
        {
            LoadOutcome::Loaded(loaded) => loaded,
            other => panic!("expected a load, got {other:?}"),
        };
        assert_eq!(loaded.manifest, manifest(7));
        assert_eq!(loaded.counts.customers, 3);
        assert_eq!(loaded.counts.transactions, 60);
        let mut expected = sandbank_store::DatasetCounts::default();
        data.iter().for_each(|d| expected.add(d));
        assert_eq!(loaded.counts, expected);
        assert_eq!(store.dataset().await.unwrap(), Some(loaded.clone()));

        // The same manifest again: nothing written, the recorded counts returned.
        let again = store
            .load_dataset(&manifest(7), data.clone())
            .await
            .unwrap();
        assert_eq!(again, LoadOutcome::AlreadyLoaded(loaded.clone()));
        match store.begin_bulk(&manifest(7)).await.unwrap() {
            BulkStart::AlreadyLoaded(existing) => assert_eq!(existing, loaded),
            BulkStart::Started(_) => panic!("a loaded dataset must not load twice"),
        }
        let page = store
            .transactions(&checking(0), &TransactionFilter::default(), 1000, None)
            .await
            .unwrap();
        assert_eq!(page.transactions.len(), 20);

        // Another dataset into a non-empty database is refused.
        let other = store.load_dataset(&manifest(8), dataset(1, 1)).await;
        assert!(matches!(other, Err(StoreError::NotEmpty)), "{other:?}");
        let mut other_version = manifest(7);
        other_version.generator_version = "test-2".into();
        let other = store.load_dataset(&other_version, vec![]).await;
        assert!(matches!(other, Err(StoreError::NotEmpty)), "{other:?}");
        assert_eq!(store.dataset().await.unwrap(), Some(loaded));
    })
    .await;
}

#[tokio::test]
async fn a_dataset_refuses_a_database_with_records_outside_any_dataset() {
    on_each_backend(|db| async move {
        let store = db.store;
        store.load_customer(&customer(0, 3)).await.unwrap();
        let result = store.load_dataset(&manifest(1), dataset(1, 1)).await;
        assert!(matches!(result, Err(StoreError::NotEmpty)), "{result:?}");
        assert_eq!(store.dataset().await.unwrap(), None);
    })
    .await;
}

async fn assert_empty(store: &Store) {
    assert_eq!(store.dataset().await.unwrap(), None);
    for n in 0..3 {
        assert_eq!(
            store
                .customer_by_username(&format!("user{n}"))
                .await
                .unwrap(),
            None
        );
        assert!(
            store
                .accounts_of_party(&party_id(n))
                .await
                .unwrap()
                .is_empty()
        );
        let page = store
            .transactions(&checking(n), &TransactionFilter::default(), 10, None)
            .await
            .unwrap();
        assert!(page.transactions.is_empty());
    }
}

#[tokio::test]
async fn a_failing_load_leaves_the_database_empty() {
    on_each_backend(|db| async move {
        let store = db.store;

        // The third bundle repeats a transaction id of the first: the load fails midway.
        let mut data = dataset(3, 2_500);
        let repeated = data[0].transactions[5].clone();
        data[2].transactions.push(repeated);
        let result = store.load_dataset(&manifest(1), data).await;
        assert!(
            matches!(result, Err(StoreError::Duplicate(_))),
            "{result:?}"
        );
        assert_empty(&store).await;

        // A reference to an account no bundle holds fails at commit, also leaving nothing.
        let mut data = dataset(2, 10);
        data[1].transactions[0].account_id = id("acc-nowhere");
        let result = store.load_dataset(&manifest(1), data).await;
        assert!(
            matches!(result, Err(StoreError::MissingReference(_))),
            "{result:?}"
        );
        assert_empty(&store).await;

        // A bulk load dropped before commit writes nothing.
        match store.begin_bulk(&manifest(1)).await.unwrap() {
            BulkStart::Started(mut loader) => {
                loader.insert(&customer(0, 10)).await.unwrap();
                assert_eq!(loader.counts().transactions, 10);
                drop(loader);
            }
            BulkStart::AlreadyLoaded(_) => panic!("the database is empty"),
        }
        assert_empty(&store).await;

        // A bulk load rolled back writes nothing either.
        match store.begin_bulk(&manifest(1)).await.unwrap() {
            BulkStart::Started(mut loader) => {
                loader.insert(&customer(0, 10)).await.unwrap();
                loader.rollback().await.unwrap();
            }
            BulkStart::AlreadyLoaded(_) => panic!("the database is empty"),
        }
        assert_empty(&store).await;

        // And the database still takes a good dataset afterwards.
        let outcome = store
            .load_dataset(&manifest(1), dataset(3, 10))
            .await
            .unwrap();
        assert!(matches!(outcome, LoadOutcome::Loaded(_)));
        assert!(store.customer_by_username("user2").await.unwrap().is_some());
    })
    .await;
}

#[tokio::test]
async fn bulk_loading_bundle_by_bundle() {
    on_each_backend(|db| async move {
        let store = db.store;
        let BulkStart::Started(mut loader) = store.begin_bulk(&manifest(3)).await.unwrap() else {
            panic!("the database is empty");
        };
        // Bundles refer to earlier ones (joint accounts) and to later ones in any order:
        // references are checked at commit.
        for n in [1, 0, 3, 2, 4] {
            loader.insert(&customer(n, 700)).await.unwrap();
        }
        assert_eq!(loader.counts().transactions, 3_500);
        let loaded = loader.commit().await.unwrap();
        assert_eq!(loaded.counts.customers, 5);
        assert_eq!(store.dataset().await.unwrap(), Some(loaded));
        for n in 0..5 {
            let all = walk(&store, &checking(n), &TransactionFilter::default(), 1000).await;
            assert_eq!(all.len(), 700);
        }
    })
    .await;
}

#[tokio::test]
async fn bundles_encoded_on_another_thread_give_the_same_rows_and_errors() {
    on_each_backend(|db| async move {
        let store = db.store;
        // A database error while the encoder runs ahead (the second copy of a customer
        // collides in a full statement of transactions) ends the load with that error, and
        // nothing is written, however many bundles the encoder still had to make.
        let BulkStart::Started(mut loader) = store.begin_bulk(&manifest(3)).await.unwrap() else {
            panic!("the database is empty");
        };
        let colliding = std::iter::repeat_with(|| customer(0, 700)).take(50);
        let result = loader.insert_all(colliding, |_| {}).await;
        assert!(
            matches!(result, Err(StoreError::Duplicate(_))),
            "{result:?}"
        );
        drop(loader);
        assert_empty(&store).await;

        let BulkStart::Started(mut loader) = store.begin_bulk(&manifest(3)).await.unwrap() else {
            panic!("the database is empty");
        };
        let mut progress = Vec::new();
        loader
            .insert_all(dataset(4, 600), |counts| progress.push(counts.transactions))
            .await
            .unwrap();
        assert_eq!(progress, [600, 1_200, 1_800, 2_400]);
        let loaded = loader.commit().await.unwrap();
        assert_eq!(loaded.counts.customers, 4);
        assert_eq!(store.dataset().await.unwrap(), Some(loaded));
        // Row for row what inserting each bundle on the calling task writes.
        let reference = sandbank_store::testing::sqlite_memory().await.unwrap();
        reference
            .store
            .load_dataset(&manifest(3), dataset(4, 600))
            .await
            .unwrap();
        assert_eq!(
            sandbank_store::testing::dataset_rows(&store).await.unwrap(),
            sandbank_store::testing::dataset_rows(&reference.store)
                .await
                .unwrap()
        );
        reference.close().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn replacing_a_dataset_gives_exactly_the_new_one_and_keeps_auth_state() {
    on_each_backend(|db| async move {
        let store = db.store;
        let fresh = async |data: Vec<CustomerData>| {
            let reference = sandbank_store::testing::sqlite_memory().await.unwrap();
            reference
                .store
                .load_dataset(&manifest(9), data)
                .await
                .unwrap();
            let rows = sandbank_store::testing::dataset_rows(&reference.store)
                .await
                .unwrap();
            reference.close().await.unwrap();
            rows
        };
        store
            .load_dataset(&manifest(7), dataset(3, 20))
            .await
            .unwrap();
        // Records added to the dataset later go too.
        store.load_customer(&customer(3, 4)).await.unwrap();
        let auth = store.auth_state();
        let far = now() + Duration::days(1);
        auth.put("client", "c1", &json!({"keep": true}), now(), far)
            .await
            .unwrap();
        auth.put("grant", "g1", &json!({"drop": true}), now(), far)
            .await
            .unwrap();

        let mut loader = store.begin_replace(&manifest(9)).await.unwrap();
        for bundle in dataset(2, 5) {
            loader.insert(&bundle).await.unwrap();
        }
        assert_eq!(
            loader.delete_auth_state(&["grant", "par"]).await.unwrap(),
            1
        );
        loader
            .put_auth_state("sandbox", "state", &json!({"n": 1}), now(), far)
            .await
            .unwrap();
        let replaced = loader.commit().await.unwrap();
        assert_eq!(replaced.manifest, manifest(9));
        assert_eq!(replaced.counts.transactions, 10);
        assert_eq!(store.dataset().await.unwrap(), Some(replaced));
        assert_eq!(
            sandbank_store::testing::dataset_rows(&store).await.unwrap(),
            fresh(dataset(2, 5)).await
        );
        assert!(auth.get("client", "c1", now()).await.unwrap().is_some());
        assert!(auth.get("grant", "g1", now()).await.unwrap().is_none());
        assert_eq!(
            auth.get("sandbox", "state", now())
                .await
                .unwrap()
                .unwrap()
                .value,
            json!({"n": 1})
        );

        // A replacement abandoned halfway leaves the dataset as it was.
        let before = sandbank_store::testing::dataset_rows(&store).await.unwrap();
        let mut loader = store.begin_replace(&manifest(11)).await.unwrap();
        loader.insert(&customer(0, 1)).await.unwrap();
        drop(loader);
        assert_eq!(
            sandbank_store::testing::dataset_rows(&store).await.unwrap(),
            before
        );
        assert_eq!(
            store.dataset().await.unwrap().unwrap().manifest,
            manifest(9)
        );
    })
    .await;
}

#[tokio::test]
async fn extending_a_dataset_adds_bundles_under_a_new_manifest() {
    on_each_backend(|db| async move {
        let store = db.store;
        let missing = store.begin_extend(&manifest(8)).await;
        assert!(matches!(missing, Err(StoreError::NoDataset)), "{missing:?}");
        store
            .load_dataset(&manifest(7), dataset(2, 5))
            .await
            .unwrap();
        let mut loader = store.begin_extend(&manifest(8)).await.unwrap();
        loader.insert(&customer(2, 3)).await.unwrap();
        let extended = loader.commit().await.unwrap();
        assert_eq!(extended.manifest, manifest(8));
        assert_eq!(extended.counts.customers, 3);
        assert_eq!(extended.counts.transactions, 13);
        assert_eq!(store.dataset().await.unwrap(), Some(extended));
        assert!(store.customer_by_username("user2").await.unwrap().is_some());

        // A bundle whose ids are taken fails, and the whole extension with it.
        let mut loader = store.begin_extend(&manifest(9)).await.unwrap();
        loader.insert(&customer(2, 3)).await.unwrap();
        assert!(loader.commit().await.is_err());
        assert_eq!(
            store.dataset().await.unwrap().unwrap().manifest,
            manifest(8)
        );
    })
    .await;
}

#[tokio::test]
async fn load_customer_writes_one_bundle_atomically() {
    on_each_backend(|db| async move {
        let store = db.store;
        store.load_customer(&customer(0, 5)).await.unwrap();
        // A bundle with a repeated id writes none of its records.
        let mut bad = customer(1, 5);
        bad.transactions.push(bad.transactions[0].clone());
        assert!(store.load_customer(&bad).await.is_err());
        assert_eq!(store.customer_by_username("user1").await.unwrap(), None);
        assert!(store.party(&party_id(1)).await.unwrap().is_none());
        store.load_customer(&customer(1, 5)).await.unwrap();
        assert!(store.customer_by_username("user1").await.unwrap().is_some());
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Queries

#[tokio::test]
async fn every_query_returns_what_was_loaded() {
    on_each_backend(|db| async move {
        let store = db.store;
        let data = dataset(3, 40);
        store
            .load_dataset(&manifest(1), data.clone())
            .await
            .unwrap();
        let first = &data[0];
        let second = &data[1];

        // Customers and parties.
        assert_eq!(
            store.customer_by_username("user1").await.unwrap().as_ref(),
            Some(&second.customers[0])
        );
        assert_eq!(store.customer_by_username("nobody").await.unwrap(), None);
        let personas: Vec<String> = store
            .personas()
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.username)
            .collect();
        assert_eq!(personas, ["user0", "user2"]);
        assert_eq!(
            store.party(&party_id(0)).await.unwrap().as_ref(),
            Some(&first.parties[0])
        );
        assert_eq!(store.party(&id("party-none")).await.unwrap(), None);

        // Accounts: customer 1 holds four and is joint holder of customer 0's checking.
        let mut expected: Vec<AccountId> = second
            .accounts
            .iter()
            .map(|a| a.account_id.clone())
            .chain([checking(0)])
            .collect();
        expected.sort();
        let accounts: Vec<AccountId> = store
            .accounts_of_party(&party_id(1))
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.account_id)
            .collect();
        assert_eq!(accounts, expected);
        assert_eq!(
            store.account(&checking(0)).await.unwrap().as_ref(),
            Some(&first.accounts[0])
        );

        // Balances in the order the dataset lists them.
        assert_eq!(store.balances(&checking(0)).await.unwrap(), first.balances);
        assert!(store.balances(&id("acc-none")).await.unwrap().is_empty());

        // Parties of a joint account, with their relationships.
        let parties = store.parties_of_account(&checking(0)).await.unwrap();
        let relations: Vec<(String, AccountRelationship)> = parties
            .iter()
            .map(|p| (p.party.party_id.to_string(), p.relation.relationship))
            .collect();
        assert_eq!(
            relations,
            [
                ("party-0".to_owned(), AccountRelationship::Holder),
                ("party-1".to_owned(), AccountRelationship::JointHolder),
            ]
        );
        assert_eq!(parties[1].party, second.parties[0]);

        // Statements, newest first, and one with its transactions.
        let statements = store.statements(&checking(0)).await.unwrap();
        let statement_ids: Vec<String> = statements
            .iter()
            .map(|s| s.statement_id.to_string())
            .collect();
        assert_eq!(statement_ids, ["stmt-0-10", "stmt-0-9"]);
        // Stored without the transactions a statement may embed (the examples' one does).
        assert!(first.statements[0].transactions.is_some());
        assert!(statements.iter().all(|s| s.transactions.is_none()));
        let october: StatementId = id("stmt-0-10");
        let statement = store
            .statement_with_transactions(&checking(0), &october)
            .await
            .unwrap()
            .unwrap();
        let mut in_period: Vec<Transaction> = first
            .transactions
            .iter()
            .filter(|t| {
                t.status == TransactionStatus::Posted
                    && t.booking_date_time >= Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap()
                    && t.booking_date_time < Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()
            })
            .cloned()
            .collect();
        newest_first(&mut in_period);
        in_period.reverse();
        assert!(!in_period.is_empty());
        assert_eq!(
            statement,
            Statement {
                transactions: Some(in_period),
                ..first.statements[1].clone()
            }
        );
        // A statement is read only through its own account.
        assert_eq!(
            store
                .statement_with_transactions(&checking(1), &october)
                .await
                .unwrap(),
            None
        );

        // Holdings.
        let investment: AccountId = id("acc-0-investment");
        assert_eq!(store.holdings(&investment).await.unwrap(), first.holdings);

        // Insurance.
        assert_eq!(
            store.policies_of_party(&party_id(0)).await.unwrap(),
            first.policies
        );
        assert_eq!(
            store
                .policies_of_account(&id("acc-0-insurance"))
                .await
                .unwrap(),
            first.policies
        );
        let policy: PolicyId = id("pol-0-1");
        assert_eq!(
            store.policy(&policy).await.unwrap().as_ref(),
            Some(&first.policies[1])
        );
        assert_eq!(store.policy(&id("pol-none")).await.unwrap(), None);
        assert_eq!(store.claims(&id("pol-0-0")).await.unwrap(), first.claims);
        assert!(store.claims(&policy).await.unwrap().is_empty());

        // Cards.
        assert_eq!(
            store.cards_of_party(&party_id(0)).await.unwrap(),
            first.cards
        );
        assert_eq!(
            store.cards_of_account(&checking(0)).await.unwrap(),
            first.cards[..1]
        );
        let card_id: CardId = id("card-0-1");
        let mut card = store.card(&card_id).await.unwrap().unwrap();
        assert_eq!(card, first.cards[1]);

        // Changing a card's controls.
        card.controls.locked = !card.controls.locked;
        card.controls.abroad_allowed = !card.controls.abroad_allowed;
        assert!(store.update_card(&card).await.unwrap());
        assert_eq!(store.card(&card_id).await.unwrap(), Some(card.clone()));
        card.card_id = id("card-none");
        assert!(!store.update_card(&card).await.unwrap());
        assert_eq!(store.card(&card.card_id).await.unwrap(), None);

        // One transaction, through its own account only.
        let wanted = &first.transactions[7];
        assert_eq!(
            store
                .transaction(&checking(0), &wanted.transaction_id)
                .await
                .unwrap()
                .as_ref(),
            Some(wanted)
        );
        assert_eq!(
            store
                .transaction(&checking(1), &wanted.transaction_id)
                .await
                .unwrap(),
            None
        );
    })
    .await;
}

/// `change_card` is read, change, write in one transaction: changes racing from two handles
/// (as two instances on one database would) are applied one after the other, none lost, and
/// what they wrote is still there after a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_card_changes_are_all_kept() {
    on_each_backend(|db| async move {
        db.store
            .load_dataset(&manifest(1), dataset(1, 4))
            .await
            .unwrap();
        let second = if db.persistent() {
            Store::connect(&db.url).await.unwrap()
        } else {
            db.store.clone()
        };
        let card_id: CardId = id("card-0-1");
        let before = db.store.card(&card_id).await.unwrap().unwrap();
        let mut tasks = Vec::new();
        for n in 0..24 {
            let store = if n % 2 == 0 {
                db.store.clone()
            } else {
                second.clone()
            };
            let card_id = card_id.clone();
            tasks.push(tokio::spawn(async move {
                store
                    .change_card(&card_id, |card| {
                        // A read-modify-write whose result shows any lost update.
                        card.product_name.push('+');
                        if n == 7 {
                            card.controls.abroad_allowed = !card.controls.abroad_allowed;
                        }
                    })
                    .await
                    .unwrap()
                    .unwrap()
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let after = db.store.card(&card_id).await.unwrap().unwrap();
        assert_eq!(
            after.product_name,
            format!("{}{}", before.product_name, "+".repeat(24)),
            "{}",
            db.label
        );
        assert_eq!(
            after.controls.abroad_allowed,
            !before.controls.abroad_allowed
        );
        assert_eq!(
            Card {
                product_name: before.product_name.clone(),
                controls: before.controls.clone(),
                ..after.clone()
            },
            before,
            "nothing else changed"
        );
        // The id is kept whatever the change does, and a card that is not there is not made.
        let kept = db
            .store
            .change_card(&card_id, |card| card.card_id = id("card-elsewhere"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(kept.card_id, card_id);
        assert_eq!(db.store.card(&id("card-elsewhere")).await.unwrap(), None);
        assert_eq!(
            db.store
                .change_card(&id("card-none"), |_| panic!("no card to change"))
                .await
                .unwrap(),
            None
        );
        if db.persistent() {
            second.close().await;
            let url = db.url.clone();
            db.store.close().await;
            let reopened = Store::connect(&url).await.unwrap();
            assert_eq!(reopened.card(&card_id).await.unwrap(), Some(after));
            reopened.close().await;
        }
    })
    .await;
}

#[tokio::test]
async fn an_account_is_only_visible_to_its_parties() {
    on_each_backend(|db| async move {
        let store = db.store;
        store
            .load_dataset(&manifest(1), dataset(3, 1))
            .await
            .unwrap();
        let own = store
            .account_for_party(&party_id(2), &checking(2))
            .await
            .unwrap();
        assert_eq!(own.map(|a| a.account_id), Some(checking(2)));
        // Another party's account looks exactly like a missing one.
        assert_eq!(
            store
                .account_for_party(&party_id(0), &checking(2))
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            store
                .account_for_party(&party_id(0), &id("acc-none"))
                .await
                .unwrap(),
            None
        );
        // A joint account is visible to both holders, and only to them.
        for party in [0, 1] {
            assert!(
                store
                    .account_for_party(&party_id(party), &checking(0))
                    .await
                    .unwrap()
                    .is_some()
            );
        }
        assert_eq!(
            store
                .account_for_party(&party_id(2), &checking(0))
                .await
                .unwrap(),
            None
        );
        // A party that does not exist sees nothing.
        assert!(
            store
                .accounts_of_party(&id("party-none"))
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}

#[tokio::test]
async fn both_databases_return_byte_identical_json() {
    with_all_backends(|dbs| async move {
        let data = dataset(3, 300);
        let mut outputs = Vec::new();
        for db in &dbs {
            let store = &db.store;
            store
                .load_dataset(&manifest(42), data.clone())
                .await
                .unwrap();
            let mut out: Vec<String> = Vec::new();
            let mut add = |value: serde_json::Result<String>| out.push(value.unwrap());
            add(serde_json::to_string(
                &store.customer_by_username("user0").await.unwrap(),
            ));
            add(serde_json::to_string(&store.personas().await.unwrap()));
            for n in 0..3 {
                let party = party_id(n);
                add(serde_json::to_string(&store.party(&party).await.unwrap()));
                let accounts = store.accounts_of_party(&party).await.unwrap();
                add(serde_json::to_string(&accounts));
                for account in &accounts {
                    let a = &account.account_id;
                    add(serde_json::to_string(&store.balances(a).await.unwrap()));
                    add(serde_json::to_string(&store.holdings(a).await.unwrap()));
                    add(serde_json::to_string(
                        &store.policies_of_account(a).await.unwrap(),
                    ));
                    add(serde_json::to_string(
                        &store.cards_of_account(a).await.unwrap(),
                    ));
                    let relations = store.parties_of_account(a).await.unwrap();
                    for relation in relations {
                        add(serde_json::to_string(&relation.relation));
                        add(serde_json::to_string(&relation.party));
                    }
                    let statements = store.statements(a).await.unwrap();
                    add(serde_json::to_string(&statements));
                    for statement in &statements {
                        add(serde_json::to_string(
                            &store
                                .statement_with_transactions(a, &statement.statement_id)
                                .await
                                .unwrap(),
                        ));
                    }
                    let filters = [
                        TransactionFilter::default(),
                        TransactionFilter {
                            status: Some(TransactionStatus::Posted),
                            min_amount: Some("500".parse().unwrap()),
                            ..TransactionFilter::default()
                        },
                    ];
                    for filter in &filters {
                        let page = store.transactions(a, filter, 37, None).await.unwrap();
                        add(serde_json::to_string(&page.transactions));
                        add(Ok(page.next_cursor.unwrap_or_default()));
                        add(serde_json::to_string(&walk(store, a, filter, 50).await));
                        let forward = pages_forward(store, a, filter, 50).await;
                        let last = forward.last().unwrap().clone();
                        for page in pages_back_from(store, a, filter, 50, last).await {
                            add(serde_json::to_string(&page.transactions));
                            add(Ok(page.prev_cursor.unwrap_or_default()));
                        }
                    }
                }
                add(serde_json::to_string(
                    &store.policies_of_party(&party).await.unwrap(),
                ));
                add(serde_json::to_string(
                    &store.cards_of_party(&party).await.unwrap(),
                ));
            }
            add(serde_json::to_string(
                &store.claims(&id("pol-1-0")).await.unwrap(),
            ));
            outputs.push((db.label, out));
        }
        let (first_label, first) = &outputs[0];
        assert!(first.len() > 100);
        for (label, output) in &outputs[1..] {
            assert_eq!(output.len(), first.len());
            for (a, b) in first.iter().zip(output) {
                assert_eq!(a, b, "{first_label} and {label} differ");
            }
        }
        if dbs.iter().all(|db| db.store.backend() == Backend::Sqlite) {
            eprintln!("compared SQLite in memory with a SQLite file only (no PostgreSQL)");
        }
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Transactions: pagination and filters

#[tokio::test]
async fn walking_all_pages_returns_every_transaction_once_in_order() {
    on_each_backend(|db| async move {
        let store = db.store;
        let data = dataset(2, 3_000);
        store
            .load_dataset(&manifest(1), data.clone())
            .await
            .unwrap();
        let mut expected = data[1].transactions.clone();
        newest_first(&mut expected);
        for limit in [1_000, 97] {
            let all = walk(&store, &checking(1), &TransactionFilter::default(), limit).await;
            assert_eq!(ids(&all), ids(&expected), "page size {limit}");
            assert_eq!(all, expected);
        }
        // Small pages: the first two of three transactions each (three share each booking
        // time, so the cursor falls between equal times).
        let filter = TransactionFilter::default();
        let page = store
            .transactions(&checking(1), &filter, 2, None)
            .await
            .unwrap();
        let next = store
            .transactions(&checking(1), &filter, 2, page.next_cursor.as_deref())
            .await
            .unwrap();
        let both: Vec<Transaction> = page
            .transactions
            .into_iter()
            .chain(next.transactions)
            .collect();
        assert_eq!(ids(&both), ids(&expected[..4]));
        // A page size beyond the maximum is lowered to it; the last page has no cursor.
        let page = store
            .transactions(&checking(1), &TransactionFilter::default(), 50_000, None)
            .await
            .unwrap();
        assert_eq!(
            page.transactions.len(),
            sandbank_store::MAX_PAGE_SIZE as usize
        );
        assert!(page.next_cursor.is_some());
    })
    .await;
}

#[tokio::test]
async fn pagination_is_stable_while_transactions_arrive() {
    on_each_backend(|db| async move {
        let store = db.store;
        let data = dataset(1, 2_000);
        store
            .load_dataset(&manifest(1), data.clone())
            .await
            .unwrap();
        let mut expected = data[0].transactions.clone();
        newest_first(&mut expected);

        let account = checking(0);
        let filter = TransactionFilter::default();
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let mut added = 0;
        loop {
            let page = store
                .transactions(&account, &filter, 128, cursor.as_deref())
                .await
                .unwrap();
            seen.extend(page.transactions.iter().cloned());
            // Between pages: one newer than everything, one at the very time the page ended
            // (sorting before and after its last id), one in the middle of what is left.
            if let Some(last) = page.transactions.last() {
                let mut arrivals = Vec::new();
                for (suffix, time) in [
                    ("new", newest_time() + Duration::minutes(added)),
                    ("zzz", last.booking_date_time),
                    ("aaa", last.booking_date_time),
                    ("mid", last.booking_date_time - Duration::hours(100)),
                ] {
                    let mut t = transaction(0, 0);
                    t.transaction_id = id(format!("txn-0-{suffix}-{added}"));
                    if suffix == "aaa" {
                        t.transaction_id = id(format!("txn-0-0{added}"));
                    }
                    t.booking_date_time = time;
                    arrivals.push(t);
                }
                for t in &arrivals {
                    store.insert_transaction(t).await.unwrap();
                }
                added += 1;
            }
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert!(added > 10);

        // Every original transaction exactly once, in order...
        let originals: Vec<String> = ids(&seen)
            .into_iter()
            .filter(|id| expected.iter().any(|t| t.transaction_id.as_str() == id))
            .collect();
        assert_eq!(originals, ids(&expected));
        // ...and no transaction twice, the whole walk in keyset order.
        let mut sorted = seen.clone();
        newest_first(&mut sorted);
        assert_eq!(ids(&seen), ids(&sorted));
        let mut unique = ids(&seen);
        unique.dedup();
        assert_eq!(unique.len(), seen.len());
    })
    .await;
}

#[tokio::test]
async fn filters_select_exactly_the_matching_transactions() {
    on_each_backend(|db| async move {
        let store = db.store;
        let data = dataset(1, 1_500);
        store
            .load_dataset(&manifest(1), data.clone())
            .await
            .unwrap();
        let account = checking(0);
        let all = &data[0].transactions;
        let some_time = all[300].booking_date_time;
        let later_time = all[90].booking_date_time;
        let category = all[4].category;
        let filters = [
            TransactionFilter {
                status: Some(TransactionStatus::Pending),
                ..TransactionFilter::default()
            },
            TransactionFilter {
                status: Some(TransactionStatus::Authorization),
                ..TransactionFilter::default()
            },
            TransactionFilter {
                category: Some(category),
                ..TransactionFilter::default()
            },
            TransactionFilter {
                category: Some(TransactionCategory::Payroll),
                ..TransactionFilter::default()
            },
            // Both bounds are inclusive.
            TransactionFilter {
                from: Some(some_time),
                to: Some(later_time),
                ..TransactionFilter::default()
            },
            TransactionFilter {
                from: Some(some_time),
                ..TransactionFilter::default()
            },
            TransactionFilter {
                to: Some(some_time),
                ..TransactionFilter::default()
            },
            TransactionFilter {
                min_amount: Some("1000".parse().unwrap()),
                max_amount: Some("1500.5".parse().unwrap()),
                ..TransactionFilter::default()
            },
            TransactionFilter {
                min_amount: Some("2".parse().unwrap()),
                ..TransactionFilter::default()
            },
            TransactionFilter {
                max_amount: Some("99.99".parse().unwrap()),
                ..TransactionFilter::default()
            },
            TransactionFilter {
                status: Some(TransactionStatus::Posted),
                category: Some(category),
                from: Some(some_time),
                min_amount: Some("100".parse().unwrap()),
                ..TransactionFilter::default()
            },
        ];
        let mut matches = Vec::new();
        for filter in &filters {
            let mut expected: Vec<Transaction> = all
                .iter()
                .filter(|t| {
                    let amount = t.amount.amount.value();
                    filter.status.is_none_or(|s| s == t.status)
                        && filter.category.is_none_or(|c| c == t.category)
                        && filter.from.is_none_or(|from| t.booking_date_time >= from)
                        && filter.to.is_none_or(|to| t.booking_date_time <= to)
                        && filter.min_amount.is_none_or(|min| amount >= min.value())
                        && filter.max_amount.is_none_or(|max| amount <= max.value())
                })
                .cloned()
                .collect();
            newest_first(&mut expected);
            let found = walk(&store, &account, filter, 200).await;
            assert_eq!(ids(&found), ids(&expected), "{filter:?}");
            matches.push(found.len());
        }
        // The filters are not vacuous: most select some but not all, two select nothing.
        assert_eq!(
            matches.iter().filter(|&&n| n == 0).count(),
            2,
            "{matches:?}"
        );
        assert!(
            matches.iter().all(|&n| n < all.len()),
            "{matches:?} of {}",
            all.len()
        );
    })
    .await;
}

#[tokio::test]
async fn following_prev_returns_exactly_the_page_next_came_from() {
    on_each_backend(|db| async move {
        let store = db.store;
        let data = dataset(2, 600);
        store
            .load_dataset(&manifest(1), data.clone())
            .await
            .unwrap();
        let account = checking(1);
        let mut all = data[1].transactions.clone();
        newest_first(&mut all);
        let posted = TransactionFilter {
            status: Some(TransactionStatus::Posted),
            ..TransactionFilter::default()
        };
        let window = TransactionFilter {
            from: Some(all[450].booking_date_time),
            to: Some(all[100].booking_date_time),
            min_amount: Some("300".parse().unwrap()),
            ..TransactionFilter::default()
        };
        let everything = TransactionFilter::default();
        // Page sizes of one, of two (three transactions share each booking time, so cursors
        // fall between equal times both ways), that divide the list exactly (the last page is
        // full), that do not, and of the whole list or more (a single page).
        let cases = [
            (&everything, 1),
            (&everything, 2),
            (&everything, 100),
            (&everything, 97),
            (&everything, 600),
            (&everything, 1_000),
            (&posted, 7),
            (&window, 5),
        ];
        for (filter, limit) in cases {
            let forward = pages_forward(&store, &account, filter, limit).await;
            let expected = walk(&store, &account, filter, 1_000).await;
            let read: Vec<Transaction> = forward
                .iter()
                .flat_map(|p| p.transactions.clone())
                .collect();
            assert_eq!(ids(&read), ids(&expected), "{filter:?} by {limit}");
            assert_eq!(
                forward.len(),
                expected.len().div_ceil(limit as usize).max(1)
            );
            // Only the first page lacks `prev`, only the last lacks `next`.
            let count = forward.len();
            for (n, page) in forward.iter().enumerate() {
                assert_eq!(page.prev_cursor.is_some(), n > 0, "page {n} of {count}");
                assert_eq!(
                    page.next_cursor.is_some(),
                    n + 1 < count,
                    "page {n} of {count}"
                );
            }
            // Back from the last page to the first: every page as it was reached forward, its
            // transactions in the same order and the same cursors on it (so `next` from a page
            // reached backwards leads where it led before, and the first page reached
            // backwards has no `prev`).
            let last = forward.last().unwrap().clone();
            let back = pages_back_from(&store, &account, filter, limit, last).await;
            assert_eq!(back, forward, "{filter:?} by {limit}");
        }

        // An account without transactions: one empty page, no cursors.
        let empty = store
            .transactions(&id("acc-1-lineofcredit"), &everything, 10, None)
            .await
            .unwrap();
        assert!(empty.transactions.is_empty());
        assert_eq!((empty.next_cursor, empty.prev_cursor), (None, None));
    })
    .await;
}

#[tokio::test]
async fn cursors_taken_across_a_filter_change_or_arrivals_link_only_to_what_exists() {
    on_each_backend(|db| async move {
        let store = db.store;
        let data = dataset(1, 600);
        store
            .load_dataset(&manifest(1), data.clone())
            .await
            .unwrap();
        let account = checking(0);
        let mut all = data[0].transactions.clone();
        newest_first(&mut all);
        let everything = TransactionFilter::default();
        let forward = pages_forward(&store, &account, &everything, 100).await;
        assert_eq!(forward.len(), 6);
        // Transactions come in threes per booking time: 300 starts a new time.
        assert!(all[299].booking_date_time > all[300].booking_date_time);

        // Cursors carried into another filter. (The filter, the cursor, the page it leads to,
        // whether that page has a `prev` and a `next`.)
        let to = |t| TransactionFilter {
            to: Some(t),
            ..TransactionFilter::default()
        };
        let from = |t| TransactionFilter {
            from: Some(t),
            ..TransactionFilter::default()
        };
        let cases = [
            // `next` after 299, matching only from 300 on: the page holds the first matches,
            // so nothing lies before it.
            (
                to(all[300].booking_date_time),
                &forward[2].next_cursor,
                &all[300..400],
                false,
                true,
            ),
            // `prev` before 300, matching only up to 299: the page holds the last matches.
            (
                from(all[299].booking_date_time),
                &forward[3].prev_cursor,
                &all[200..300],
                true,
                false,
            ),
            // A cursor past every match: an empty page, linking nowhere.
            (
                from(all[0].booking_date_time),
                &forward[4].next_cursor,
                &all[..0],
                false,
                false,
            ),
        ];
        for (n, (filter, cursor, expected, prev, next)) in cases.iter().enumerate() {
            let page = page_of_100(&store, &account, filter, cursor).await;
            assert_eq!(ids(&page.transactions), ids(expected), "case {n}");
            assert_eq!(page.prev_cursor.is_some(), *prev, "case {n}");
            assert_eq!(page.next_cursor.is_some(), *next, "case {n}");
        }

        // Paging is by position backwards too: a transaction newer than everything arrives
        // while a client walks back. `prev` from the second page still returns the old first
        // page, which now has a `prev` leading to the newcomer alone.
        let mut newcomer = transaction(0, 0);
        newcomer.transaction_id = id("txn-0-new");
        newcomer.booking_date_time = newest_time() + Duration::minutes(1);
        store.insert_transaction(&newcomer).await.unwrap();
        let old_first = page_of_100(&store, &account, &everything, &forward[1].prev_cursor).await;
        assert_eq!(old_first.transactions, forward[0].transactions);
        assert_eq!(old_first.next_cursor, forward[0].next_cursor);
        let before = page_of_100(&store, &account, &everything, &old_first.prev_cursor).await;
        assert_eq!(ids(&before.transactions), ["txn-0-new"]);
        assert!(before.prev_cursor.is_none());
        let back = page_of_100(&store, &account, &everything, &before.next_cursor).await;
        assert_eq!(back.transactions, forward[0].transactions);
    })
    .await;
}

#[tokio::test]
async fn a_cursor_the_store_did_not_issue_is_refused() {
    on_each_backend(|db| async move {
        let store = db.store;
        store
            .load_dataset(&manifest(1), dataset(1, 5))
            .await
            .unwrap();
        // Garbage, and well-encoded cursors the store would never write: no id, an unknown
        // direction, an id no transaction can have (PostgreSQL refuses NUL in text outright).
        let forged = [
            r#"{"t":1}"#,
            r#"{"t":1,"id":"txn-0-00001","dir":"sideways"}"#,
            r#"{"t":1,"id":"txn-0-00001","dir":"prev","more":1}"#,
            r#"{"t":1,"id":"txn\u0000","dir":"prev"}"#,
            r#"{"t":1,"id":"txn' OR 1=1 --"}"#,
        ]
        .map(|json| URL_SAFE_NO_PAD.encode(json));
        let garbage = ["", "not a cursor", "eyJ0IjoxfQ", "e30"].map(String::from);
        for cursor in garbage.iter().chain(&forged) {
            let result = store
                .transactions(&checking(0), &TransactionFilter::default(), 2, Some(cursor))
                .await;
            assert!(
                matches!(result, Err(StoreError::InvalidCursor)),
                "{cursor:?}: {result:?}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn inserting_a_transaction_twice_is_a_duplicate_without_sql_in_the_message() {
    on_each_backend(|db| async move {
        let store = db.store;
        store.load_customer(&customer(0, 2)).await.unwrap();
        let mut t = transaction(0, 0);
        t.transaction_id = id("txn-extra");
        store.insert_transaction(&t).await.unwrap();
        let again = store.insert_transaction(&t).await.unwrap_err();
        assert!(matches!(again, StoreError::Duplicate(_)), "{again:?}");
        let message = again.to_string();
        assert_eq!(message, "a record with the same identifier already exists");
        // The detail is kept for logs.
        let source = std::error::Error::source(&again).unwrap().to_string();
        assert!(source.to_lowercase().contains("unique") || source.contains("duplicate"));

        // A transaction on an account that does not exist is refused.
        t.transaction_id = id("txn-orphan");
        t.account_id = id("acc-none");
        let orphan = store.insert_transaction(&t).await.unwrap_err();
        assert!(
            matches!(orphan, StoreError::MissingReference(_)),
            "{orphan:?}"
        );
        assert_eq!(
            orphan.to_string(),
            "a record refers to another record that does not exist"
        );
        assert_eq!(
            store
                .transaction(&t.account_id, &id::<TransactionId>("txn-orphan"))
                .await
                .unwrap(),
            None
        );
    })
    .await;
}

#[tokio::test]
async fn unsupported_urls_are_refused() {
    for url in ["mysql://localhost/db", "", "file.db"] {
        let result = Store::connect(url).await;
        assert!(
            matches!(result, Err(StoreError::UnsupportedUrl)),
            "{url}: {result:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Authorization-server state

#[tokio::test]
async fn replace_if_lands_only_on_the_value_it_was_read_with() {
    on_each_backend(|db| async move {
        let auth = db.store.auth_state();
        let expires = now() + Duration::seconds(60);
        let first = json!({ "status": "ACTIVE", "scopes": ["accounts"], "n": 1 });
        auth.put("grant", "g1", &first, now(), expires)
            .await
            .unwrap();
        let read = auth.get("grant", "g1", now()).await.unwrap().unwrap().value;
        let merged = json!({ "status": "ACTIVE", "scopes": ["accounts", "balances"], "n": 2 });
        let revoked = json!({ "status": "REVOKED", "scopes": ["accounts"], "n": 2 });
        // Two writers read the same value: the first lands, the second is told to read again.
        assert!(
            auth.replace_if("grant", "g1", &read, &merged, now(), expires)
                .await
                .unwrap()
        );
        assert!(
            !auth
                .replace_if("grant", "g1", &read, &revoked, now(), expires)
                .await
                .unwrap()
        );
        let stored = auth.get("grant", "g1", now()).await.unwrap().unwrap().value;
        assert_eq!(stored, merged);
        // Reading again and retrying lands.
        assert!(
            auth.replace_if("grant", "g1", &stored, &revoked, now(), expires)
                .await
                .unwrap()
        );
        // Unknown, consumed and expired entries are never written.
        assert!(
            !auth
                .replace_if("grant", "nope", &read, &merged, now(), expires)
                .await
                .unwrap()
        );
        assert!(
            !auth
                .replace_if("grant", "g1", &revoked, &merged, expires, expires)
                .await
                .unwrap()
        );
        auth.consume_once("grant", "g1", now()).await.unwrap();
        assert!(
            !auth
                .replace_if("grant", "g1", &revoked, &merged, now(), expires)
                .await
                .unwrap()
        );
    })
    .await;
}

#[tokio::test]
async fn consume_once_succeeds_once() {
    on_each_backend(|db| async move {
        let auth = db.store.auth_state();
        let value = json!({ "client_id": "app", "scope": ["accounts"], "n": 1.5 });
        let expires = now() + Duration::seconds(60);
        auth.put("code", "abc", &value, now(), expires)
            .await
            .unwrap();

        let entry = auth.get("code", "abc", now()).await.unwrap().unwrap();
        assert_eq!(entry.value, value);
        assert_eq!(entry.created_at, now());
        assert_eq!(entry.expires_at, expires);
        assert_eq!(entry.consumed_at, None);

        let later = now() + Duration::seconds(5);
        assert_eq!(
            auth.consume_once("code", "abc", later).await.unwrap(),
            Some(value.clone())
        );
        assert_eq!(auth.consume_once("code", "abc", later).await.unwrap(), None);
        // Still readable, marked consumed, so reuse can be detected.
        let entry = auth.get("code", "abc", later).await.unwrap().unwrap();
        assert_eq!(entry.consumed_at, Some(later));
        // Unknown keys and other kinds are separate.
        assert_eq!(
            auth.consume_once("code", "other", later).await.unwrap(),
            None
        );
        assert_eq!(
            auth.consume_once("token", "abc", later).await.unwrap(),
            None
        );
        // Putting again replaces the entry and makes it consumable again.
        auth.put("code", "abc", &json!(2), later, expires)
            .await
            .unwrap();
        assert_eq!(
            auth.consume_once("code", "abc", later).await.unwrap(),
            Some(json!(2))
        );
        // Expired entries cannot be consumed.
        auth.put("code", "old", &json!(3), now(), expires)
            .await
            .unwrap();
        assert_eq!(
            auth.consume_once("code", "old", expires).await.unwrap(),
            None
        );
        // Deleting.
        assert!(auth.delete("code", "abc").await.unwrap());
        assert!(!auth.delete("code", "abc").await.unwrap());
        assert_eq!(auth.get("code", "abc", later).await.unwrap(), None);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consume_once_has_one_winner_under_concurrency() {
    on_each_backend(|db| async move {
        // Two handles, as two instances sharing a database would have (one store for memory).
        let second = if db.url.contains(":memory:") {
            db.store.clone()
        } else {
            Store::connect(&db.url).await.unwrap()
        };
        let expires = now() + Duration::seconds(60);
        for round in 0..5 {
            let key = format!("code-{round}");
            db.store
                .auth_state()
                .put("code", &key, &json!(round), now(), expires)
                .await
                .unwrap();
            let mut tasks = Vec::new();
            for attempt in 0..24 {
                let store = if attempt % 2 == 0 {
                    db.store.clone()
                } else {
                    second.clone()
                };
                let key = key.clone();
                tasks.push(tokio::spawn(async move {
                    store
                        .auth_state()
                        .consume_once("code", &key, now())
                        .await
                        .unwrap()
                }));
            }
            let mut winners = 0;
            for task in tasks {
                if let Some(value) = task.await.unwrap() {
                    assert_eq!(value, json!(round));
                    winners += 1;
                }
            }
            assert_eq!(winners, 1, "round {round}");
        }
    })
    .await;
}

#[tokio::test]
async fn expired_entries_are_not_returned() {
    on_each_backend(|db| async move {
        let auth = db.store.auth_state();
        let short = now() + Duration::seconds(10);
        let long = now() + Duration::seconds(600);
        auth.put("par", "short", &json!("s"), now(), short)
            .await
            .unwrap();
        auth.put("par", "long", &json!("l"), now(), long)
            .await
            .unwrap();
        auth.put("grant", "g", &json!("g"), now(), short)
            .await
            .unwrap();

        let keys = |entries: Vec<(String, sandbank_store::AuthEntry)>| -> Vec<String> {
            entries.into_iter().map(|(key, _)| key).collect()
        };
        assert_eq!(
            keys(auth.list("par", now()).await.unwrap()),
            ["long", "short"]
        );
        let just_before = short - Duration::microseconds(1);
        assert!(
            auth.get("par", "short", just_before)
                .await
                .unwrap()
                .is_some()
        );
        // Live while now < expires_at.
        assert_eq!(auth.get("par", "short", short).await.unwrap(), None);
        assert_eq!(keys(auth.list("par", short).await.unwrap()), ["long"]);
        assert!(auth.get("par", "long", short).await.unwrap().is_some());

        assert_eq!(auth.purge_expired(just_before).await.unwrap(), 0);
        assert_eq!(auth.purge_expired(short).await.unwrap(), 2);
        // Purged entries are gone even for a reader with an earlier clock.
        assert_eq!(auth.get("par", "short", now()).await.unwrap(), None);
        assert!(auth.get("par", "long", now()).await.unwrap().is_some());
    })
    .await;
}

#[tokio::test]
async fn an_entry_is_read_with_the_entries_it_names() {
    on_each_backend(|db| async move {
        let auth = db.store.auth_state();
        let soon = now() + Duration::seconds(60);
        let later = now() + Duration::seconds(600);
        let links = [
            sandbank_store::Link {
                kind: "grant",
                field: "grant_id",
            },
            sandbank_store::Link {
                kind: "client",
                field: "client_id",
            },
        ];
        auth.put("grant", "g1", &json!({"id": "g1"}), now(), soon)
            .await
            .unwrap();
        auth.put("client", "c1", &json!({"id": "c1"}), now(), later)
            .await
            .unwrap();
        let token = json!({"client_id": "c1", "grant_id": "g1", "scope": ["accounts"]});
        auth.put("access_token", "t1", &token, now(), later)
            .await
            .unwrap();

        let (entry, [grant, client]) = auth
            .get_linked("access_token", "t1", links, now())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            entry,
            auth.get("access_token", "t1", now())
                .await
                .unwrap()
                .unwrap()
        );
        assert_eq!(grant, auth.get("grant", "g1", now()).await.unwrap());
        assert_eq!(client.unwrap().value, json!({"id": "c1"}));

        // A linked entry that expired, or a field that is missing, names nothing; the entry
        // itself is still found.
        let (_, [grant, client]) = auth
            .get_linked("access_token", "t1", links, soon)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(grant, None);
        assert!(client.is_some());
        auth.put(
            "access_token",
            "t2",
            &json!({"client_id": "c1"}),
            now(),
            later,
        )
        .await
        .unwrap();
        let (_, [grant, client]) = auth
            .get_linked("access_token", "t2", links, now())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(grant, None);
        assert!(client.is_some());
        // A consumed entry is returned, marked, as `get` returns it.
        auth.consume_once("access_token", "t1", now())
            .await
            .unwrap();
        let (entry, _) = auth
            .get_linked("access_token", "t1", links, now())
            .await
            .unwrap()
            .unwrap();
        assert!(entry.consumed_at.is_some());
        // Unknown or expired: nothing.
        assert!(
            auth.get_linked("access_token", "t3", links, now())
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            auth.get_linked("access_token", "t1", links, later)
                .await
                .unwrap()
                .is_none()
        );
    })
    .await;
}

#[tokio::test]
async fn remember_once_detects_replays() {
    on_each_backend(|db| async move {
        let auth = db.store.auth_state();
        let expires = now() + Duration::seconds(300);
        assert!(
            auth.remember_once("dpop_jti", "j1", now(), expires)
                .await
                .unwrap()
        );
        assert!(
            !auth
                .remember_once("dpop_jti", "j1", now(), expires)
                .await
                .unwrap()
        );
        assert!(
            !auth
                .remember_once("dpop_jti", "j1", expires - Duration::seconds(1), expires)
                .await
                .unwrap()
        );
        // Another kind or key is another record.
        assert!(
            auth.remember_once("assertion_jti", "j1", now(), expires)
                .await
                .unwrap()
        );
        assert!(
            auth.remember_once("dpop_jti", "j2", now(), expires)
                .await
                .unwrap()
        );
        // Once the record expired, the key counts as unseen again.
        let later = expires + Duration::seconds(300);
        assert!(
            auth.remember_once("dpop_jti", "j1", expires, later)
                .await
                .unwrap()
        );
        assert!(
            !auth
                .remember_once("dpop_jti", "j1", expires, later)
                .await
                .unwrap()
        );
    })
    .await;
}

#[tokio::test]
async fn concurrent_remembers_of_one_key_let_exactly_one_through() {
    on_each_backend(|db| async move {
        let auth = db.store.auth_state();
        let expires = now() + Duration::seconds(300);
        auth.remember_once("dpop_jti", "seen-before", now(), expires)
            .await
            .unwrap();
        // Ten keys, each remembered by five callers at once, and one seen before: on SQLite
        // the calls are combined into a few statements, each still answered on its own.
        let mut calls = tokio::task::JoinSet::new();
        for round in 0..5 {
            for key in 0..10 {
                let auth = auth.clone();
                calls.spawn(async move {
                    let key = format!("j{key}");
                    let fresh = auth.remember_once("dpop_jti", &key, now(), expires).await;
                    (key, round, fresh.unwrap())
                });
            }
            let auth = auth.clone();
            calls.spawn(async move {
                let fresh = auth
                    .remember_once("dpop_jti", "seen-before", now(), expires)
                    .await;
                ("seen-before".to_owned(), round, fresh.unwrap())
            });
        }
        let mut fresh_per_key = std::collections::BTreeMap::<String, usize>::new();
        while let Some(done) = calls.join_next().await {
            let (key, _, fresh) = done.unwrap();
            *fresh_per_key.entry(key).or_default() += usize::from(fresh);
        }
        assert_eq!(fresh_per_key.len(), 11);
        assert_eq!(fresh_per_key.remove("seen-before"), Some(0));
        assert!(fresh_per_key.values().all(|&n| n == 1), "{fresh_per_key:?}");
        // And each is remembered: a later call is a replay.
        assert!(
            !auth
                .remember_once("dpop_jti", "j3", now(), expires)
                .await
                .unwrap()
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn remembers_arriving_as_a_batch_ends_are_answered() {
    // Calls arriving just as the task writing a batch finds nothing left and ends must be
    // written by the next task, never dropped with the one that ended (which once answered
    // them "not written": a payment refused for its DPoP proof, one in a few thousand).
    // Four callers, each sending its next call as soon as the last is answered, keep landing
    // calls at every moment of a task's life, its end included.
    on_each_backend(|db| async move {
        let auth = db.store.auth_state();
        let expires = now() + Duration::seconds(300);
        let mut callers = tokio::task::JoinSet::new();
        for caller in 0..4 {
            let auth = auth.clone();
            callers.spawn(async move {
                let mut failed = 0;
                for n in 0..2_000 {
                    let key = format!("k{caller}-{n}");
                    if !matches!(
                        auth.remember_once("dpop_jti", &key, now(), expires).await,
                        Ok(true)
                    ) {
                        failed += 1;
                    }
                }
                failed
            });
        }
        let mut failed = 0;
        while let Some(done) = callers.join_next().await {
            failed += done.unwrap();
        }
        assert_eq!(
            failed, 0,
            "of 8,000 first remembers, {failed} were not answered true"
        );
    })
    .await;
}

#[tokio::test]
async fn state_survives_reopening_the_database() {
    on_each_backend(|db| async move {
        if db.url.contains(":memory:") {
            return; // nothing outlives an in-memory database
        }
        let expires = now() + Duration::seconds(300);
        let auth = db.store.auth_state();
        assert!(
            auth.remember_once("dpop_jti", "seen", now(), expires)
                .await
                .unwrap()
        );
        auth.put("code", "c", &json!({"a": 1}), now(), expires)
            .await
            .unwrap();

        // A restart: a new process opens the same database.
        let reopened = Store::connect(&db.url).await.unwrap();
        let auth = reopened.auth_state();
        assert!(
            !auth
                .remember_once("dpop_jti", "seen", now(), expires)
                .await
                .unwrap()
        );
        assert_eq!(
            auth.consume_once("code", "c", now()).await.unwrap(),
            Some(json!({"a": 1}))
        );
        reopened.close().await;
        db.store.close().await;

        let third = Store::connect(&db.url).await.unwrap();
        assert!(
            !third
                .auth_state()
                .remember_once("dpop_jti", "seen", now(), expires)
                .await
                .unwrap()
        );
        assert_eq!(
            third
                .auth_state()
                .consume_once("code", "c", now())
                .await
                .unwrap(),
            None
        );
        third.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_sqlite_file_keeps_its_dataset_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("keep.db").display());
    let store = Store::connect(&url).await.unwrap();
    store
        .load_dataset(&manifest(9), dataset(2, 10))
        .await
        .unwrap();
    store.close().await;

    let store = Store::connect(&url).await.unwrap();
    let again = store
        .load_dataset(&manifest(9), dataset(2, 10))
        .await
        .unwrap();
    assert!(matches!(again, LoadOutcome::AlreadyLoaded(_)), "{again:?}");
    assert!(store.customer_by_username("user1").await.unwrap().is_some());
    store.close().await;
}

// ---------------------------------------------------------------------------------------------
// Access history

fn access(client: &str, n: i64, accounts: &[&str]) -> sandbank_store::AccessRecord {
    sandbank_store::AccessRecord {
        party_id: "party-0".into(),
        client_id: client.into(),
        grant_id: format!("grant-{client}"),
        at: now() + Duration::seconds(n),
        method: "GET".into(),
        route: "/accounts/{accountId}".into(),
        action: "Get a shared account".into(),
        path: format!("/accounts/{n}"),
        status: 200,
        accounts: accounts.iter().map(|a| (*a).to_owned()).collect(),
    }
}

#[tokio::test]
async fn the_access_history_reads_back_newest_first_per_customer_and_app() {
    on_each_backend(|db| async move {
        let store = db.store;
        let mut records: Vec<_> = (0..7).map(|n| access("app-a", n, &["acc-1"])).collect();
        records.push(access("app-b", 100, &[]));
        let mut other = access("app-a", 200, &["acc-9"]);
        other.party_id = "party-1".into();
        records.push(other);
        store.record_accesses(&records).await.unwrap();
        store.record_accesses(&[]).await.unwrap();

        let first = store.accesses("party-0", "app-a", None, 5).await.unwrap();
        let paths: Vec<&str> = first.iter().map(|a| a.record.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/accounts/6",
                "/accounts/5",
                "/accounts/4",
                "/accounts/3",
                "/accounts/2"
            ],
            "{}",
            db.label
        );
        assert_eq!(first[0].record, records[6], "{}", db.label);
        let rest = store
            .accesses("party-0", "app-a", Some(first[4].id), 5)
            .await
            .unwrap();
        assert_eq!(rest.len(), 2, "{}", db.label);
        assert_eq!(rest[1].record.path, "/accounts/0", "{}", db.label);
        assert_eq!(
            store.last_accesses("party-0").await.unwrap(),
            vec![
                ("app-a".to_owned(), now() + Duration::seconds(6)),
                ("app-b".to_owned(), now() + Duration::seconds(100)),
            ],
            "{}",
            db.label
        );
        assert!(store.last_accesses("party-2").await.unwrap().is_empty());
    })
    .await;
}

/// Payment transactions made at once, queued at a SQLite file's gate on the connection it
/// keeps: every one whose commit returned `Ok` is there, readable from another connection at
/// once; one rolled back, or failing at its commit (a second payment on a consent), leaves
/// nothing and takes nothing of the others with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_payment_transactions_keep_exactly_what_committed() {
    on_each_backend(|db| async move {
        let example = examples::payments().remove(0);
        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..24 {
            let store = db.store.clone();
            let mut payment = example.clone();
            payment.payment_id = id(format!("pmt-group-{n}"));
            payment.idempotency_key = format!("key-{n}");
            // Four share a consent: one payment each at most.
            payment.consent_id = id(if n % 6 == 5 {
                "grant-shared".to_owned()
            } else {
                format!("grant-{n}")
            });
            let stored = sandbank_store::StoredPayment {
                payment,
                client_id: "client-group".to_owned(),
                party_id: "party-group".to_owned(),
                fingerprint: format!("body-{n}"),
                due_at: None,
                notify: false,
            };
            tasks.spawn(async move {
                let mut tx = store.begin_payment_change().await.unwrap();
                let inserted = tx.insert_payment(&stored).await;
                let outcome = match (n % 8 == 3, inserted) {
                    (true, _) => {
                        tx.rollback().await.unwrap();
                        "rolled back"
                    }
                    (false, Ok(true)) => match tx.commit().await {
                        Ok(()) => {
                            // Committed means readable elsewhere, now.
                            let read = store.payment(&stored.payment.payment_id).await.unwrap();
                            assert!(read.is_some(), "payment {n} committed but not readable");
                            "committed"
                        }
                        Err(_) => "refused",
                    },
                    (false, _) => "refused",
                };
                (n, outcome)
            });
        }
        let mut committed = Vec::new();
        while let Some(done) = tasks.join_next().await {
            let (n, outcome) = done.unwrap();
            let there = db
                .store
                .payment(&id(format!("pmt-group-{n}")))
                .await
                .unwrap()
                .is_some();
            assert_eq!(there, outcome == "committed", "payment {n}: {outcome}");
            if outcome == "committed" {
                committed.push(n);
            }
        }
        committed.sort_unstable();
        let shared: Vec<_> = committed.iter().filter(|n| *n % 6 == 5).collect();
        assert_eq!(
            shared.len(),
            1,
            "one payment on the shared consent: {committed:?}"
        );
        let others: Vec<usize> = (0..24).filter(|n| n % 8 != 3 && n % 6 != 5).collect();
        assert!(
            others.iter().all(|n| committed.contains(n)),
            "every other payment committed: {committed:?}"
        );
    })
    .await;
}
