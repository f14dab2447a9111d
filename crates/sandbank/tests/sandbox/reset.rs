//! `POST /sandbox/reset` gives back the seed's dataset byte for byte, on SQLite and
//! PostgreSQL; and what the sandbox changed survives a restart on the same database.

use reqwest::{Method, StatusCode};
use sandbank_store::testing::{Db, dataset_rows, on_each_backend};
use serde_json::json;

use crate::client::Client;
use crate::{Bank, Options};

/// The rows of a fresh database loaded with the seed's dataset.
async fn fresh_rows(options: &Options) -> Vec<(&'static str, Vec<String>)> {
    let reference = sandbank_store::testing::sqlite_memory().await.unwrap();
    sandbank::dataset::load(&reference.store, &options.dataset, |_| {})
        .await
        .unwrap();
    let rows = dataset_rows(&reference.store).await.unwrap();
    reference.close().await.unwrap();
    rows
}

#[tokio::test]
async fn reset_restores_the_seed_dataset_exactly_on_every_backend() {
    on_each_backend(|db: Db| async move {
        let options = Options::default();
        let bank = Bank::on(db.store.clone(), options.clone()).await;
        let fresh = fresh_rows(&options).await;
        assert_eq!(
            dataset_rows(&db.store).await.unwrap(),
            fresh,
            "{}",
            db.label
        );
        let client = Client::register(&bank).await;
        let tokens = client.log_in(&bank, "alice").await;

        // Change everything the sandbox can change.
        let (status, created) = bank
            .admin(
                Method::POST,
                "/sandbox/customers",
                Some(json!({"username": "jo", "accounts": [{"accountType": "CHECKING"}]})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        bank.advance("P2DT3H").await;
        assert_ne!(dataset_rows(&db.store).await.unwrap(), fresh);

        let (status, clock) = bank.admin(Method::POST, "/sandbox/reset", None).await;
        assert_eq!(status, StatusCode::OK, "{clock}");
        assert_eq!(clock["offsetSeconds"], 0);
        assert_eq!(clock["dataAsOf"], "2026-11-01");
        assert_eq!(bank.state.auth.clock.offset(), chrono::Duration::zero());
        assert_eq!(
            dataset_rows(&db.store).await.unwrap(),
            fresh,
            "{}: the reset dataset differs from a fresh one",
            db.label
        );
        // The created customer is gone; the grant and its tokens too; the client stays.
        assert!(
            bank.state
                .store
                .customer_by_username("jo")
                .await
                .unwrap()
                .is_none()
        );
        let (status, _) = client.refresh(&bank, &tokens.refresh_token).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let tokens = client.log_in(&bank, "alice").await;
        assert_eq!(
            client.get(&bank, "/accounts", &tokens.access_token).await.0,
            StatusCode::OK
        );
        let (_, personas) = bank.admin(Method::GET, "/sandbox/personas", None).await;
        assert_eq!(personas["data"].as_array().unwrap().len(), 5);
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_restart_on_the_same_database_finds_the_clock_and_created_customers() {
    on_each_backend(|db: Db| async move {
        if !db.persistent() {
            return;
        }
        let options = Options::default();
        let (clock, accounts) = {
            let bank = Bank::on(db.store.clone(), options.clone()).await;
            let (status, created) = bank
                .admin(
                    Method::POST,
                    "/sandbox/customers",
                    Some(json!({"username": "jo", "accounts": [{"accountType": "CHECKING"}, {"accountType": "SAVINGS"}]})),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{created}");
            (bank.advance("P3D").await, created["accounts"].clone())
        };
        let store = sandbank_store::Store::connect(&db.url).await.unwrap();
        let before = dataset_rows(&db.store).await.unwrap();
        let bank = Bank::on(store.clone(), options).await;
        assert_eq!(dataset_rows(&store).await.unwrap(), before, "{}", db.label);
        let (_, after) = bank.admin(Method::GET, "/sandbox/clock", None).await;
        assert_eq!(after["dataAsOf"], clock["dataAsOf"]);
        assert!(after["offsetSeconds"].as_i64().unwrap() >= 3 * 86_400);
        let (_, personas) = bank.admin(Method::GET, "/sandbox/personas", None).await;
        let jo = crate::entry(&personas, "username", "jo");
        assert_eq!(jo["created"], true);
        assert_eq!(
            crate::account_ids(&jo["accounts"]),
            crate::account_ids(&accounts)
        );
        store.close().await;
    })
    .await
    .unwrap();
}
