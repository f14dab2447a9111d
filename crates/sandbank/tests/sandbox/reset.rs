//! `POST /sandbox/reset` gives back the seed's dataset byte for byte, on SQLite and
//! PostgreSQL — a changed card's controls included; and what the sandbox changed survives a
//! restart on the same database.

use reqwest::{Method, StatusCode};
use sandbank_store::testing::{Db, dataset_rows, on_each_backend};
use sandbank_testkit::{Sandbox, TestClient};
use serde_json::{Value, json};

use crate::{admin, get, oauth_error};

/// The rows of a fresh database loaded with the seed's dataset.
async fn fresh_rows() -> Vec<(&'static str, Vec<String>)> {
    let reference = sandbank_store::testing::sqlite_memory().await.unwrap();
    sandbank::dataset::load(&reference.store, &crate::small_dataset(), |_| {})
        .await
        .unwrap();
    let rows = dataset_rows(&reference.store).await.unwrap();
    reference.close().await.unwrap();
    rows
}

/// A test bank on the database at `url`.
async fn bank_on(url: &str) -> Sandbox {
    crate::builder().database_url(url).start().await.unwrap()
}

/// Alice's first card as `GET /cards/{id}` shows it, through a new login of `client`.
async fn card(client: &TestClient, card_id: &str) -> Value {
    let session = client
        .login_as("alice")
        .with_scopes(["cards"])
        .await
        .unwrap();
    let (status, card) = get(&session, &format!("/cards/{card_id}")).await;
    assert_eq!(status, StatusCode::OK, "{card}");
    card
}

#[tokio::test]
async fn reset_restores_the_seed_dataset_exactly_on_every_backend() {
    on_each_backend(|db: Db| async move {
        // The kit opens its own connection; for `sqlite::memory:` that is a database of its
        // own, so the rows are read through the sandbox's store.
        let sandbox = bank_on(&db.url).await;
        let store = sandbox.store().clone();
        let fresh = fresh_rows().await;
        assert_eq!(dataset_rows(&store).await.unwrap(), fresh, "{}", db.label);
        let client = sandbox.register_client().await.unwrap();
        let mut session = client
            .login_as("alice")
            .with_scopes(["accounts", "cards", "card_controls"])
            .await
            .unwrap();

        // Change everything the sandbox can change: a card's controls, a created customer,
        // the clock and the days of history it brings.
        let (status, cards) = get(&session, "/cards").await;
        assert_eq!(status, StatusCode::OK, "{cards}");
        let seed_card = cards["data"][0].clone();
        let card_id = seed_card["cardId"].as_str().unwrap().to_owned();
        assert_eq!(seed_card["controls"]["locked"], false, "{seed_card}");
        let patched = session
            .patch(&format!("/cards/{card_id}/controls"))
            .json(&json!({"locked": true, "onlineAllowed": false}))
            .await
            .unwrap();
        assert_eq!(patched.status(), StatusCode::OK);
        let changed = card(&client, &card_id).await;
        assert_eq!(changed["controls"]["locked"], true, "{changed}");
        assert_eq!(changed["controls"]["onlineAllowed"], false, "{changed}");
        assert_ne!(changed, seed_card);
        assert_ne!(dataset_rows(&store).await.unwrap(), fresh);

        let (status, created) = admin(
            &sandbox,
            Method::POST,
            "/sandbox/customers",
            Some(json!({"username": "jo", "accounts": [{"accountType": "CHECKING"}]})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        crate::advance(&sandbox, "P2DT3H").await;
        assert_ne!(dataset_rows(&store).await.unwrap(), fresh);

        let (status, clock) = admin(&sandbox, Method::POST, "/sandbox/reset", None).await;
        assert_eq!(status, StatusCode::OK, "{clock}");
        assert_eq!(clock["offsetSeconds"], 0);
        assert_eq!(clock["dataAsOf"], "2026-11-01");
        assert_eq!(sandbox.clock().offset(), chrono::Duration::zero());
        assert_eq!(
            dataset_rows(&store).await.unwrap(),
            fresh,
            "{}: the reset dataset differs from a fresh one",
            db.label
        );
        // The card's controls are the seed's again.
        assert_eq!(card(&client, &card_id).await, seed_card);
        // The created customer is gone; the grant and its tokens too; the client stays.
        assert!(store.customer_by_username("jo").await.unwrap().is_none());
        let (status, _) = oauth_error(session.refresh().await);
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let session = client.login_as("alice").await.unwrap();
        assert_eq!(get(&session, "/accounts").await.0, StatusCode::OK);
        let (_, personas) = admin(&sandbox, Method::GET, "/sandbox/personas", None).await;
        assert_eq!(personas["data"].as_array().unwrap().len(), 5);
        // The kit's helper resets as well.
        crate::advance(&sandbox, "P1D").await;
        let clock = sandbox.admin().reset().await.unwrap();
        assert_eq!(clock.offset_seconds, 0);
        assert_eq!(dataset_rows(&store).await.unwrap(), fresh, "{}", db.label);
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
        let (clock, accounts) = {
            let sandbox = bank_on(&db.url).await;
            let (status, created) = admin(
                &sandbox,
                Method::POST,
                "/sandbox/customers",
                Some(json!({"username": "jo", "accounts": [{"accountType": "CHECKING"}, {"accountType": "SAVINGS"}]})),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED, "{created}");
            let clock = crate::advance(&sandbox, "P3D").await;
            sandbox.shutdown().await.unwrap();
            (clock, created["accounts"].clone())
        };
        let before = dataset_rows(&db.store).await.unwrap();
        let sandbox = bank_on(&db.url).await;
        assert_eq!(
            dataset_rows(sandbox.store()).await.unwrap(),
            before,
            "{}",
            db.label
        );
        let (_, after) = admin(&sandbox, Method::GET, "/sandbox/clock", None).await;
        assert_eq!(after["dataAsOf"], clock.data_as_of.to_string());
        assert!(after["offsetSeconds"].as_i64().unwrap() >= 3 * 86_400);
        let (_, personas) = admin(&sandbox, Method::GET, "/sandbox/personas", None).await;
        let jo = crate::entry(&personas, "username", "jo");
        assert_eq!(jo["created"], true);
        assert_eq!(
            crate::account_ids(&jo["accounts"]),
            crate::account_ids(&accounts)
        );
    })
    .await
    .unwrap();
}
