//! `POST /sandbox/customers`: a new customer logs in at once and reads their accounts; they
//! keep them through clock moves; usernames are unique; bad bodies are 400 problems that point
//! at the field.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{account_ids, admin, assert_invalid, entry, session_account_ids};

#[tokio::test]
async fn a_created_customer_logs_in_and_reads_their_accounts() {
    let sandbox = crate::start().await;
    let (status, created) = admin(
        &sandbox,
        Method::POST,
        "/sandbox/customers",
        Some(json!({
            "username": "jo.bloggs",
            "name": "Jo Bloggs",
            "accounts": [
                {"accountType": "CURRENT"},
                {"accountType": "CREDIT_CARD", "nickname": "Shopping"},
                {"accountType": "SAVINGS"}
            ]
        })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["username"], "jo.bloggs");
    assert_eq!(created["password"], "sandbank");
    assert_eq!(created["name"], "Jo Bloggs");
    assert_eq!(created["party"]["partyId"], created["partyId"]);
    let types: Vec<&str> = created["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["accountType"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["CHECKING", "CREDIT_CARD", "SAVINGS"]);
    assert_eq!(created["accounts"][1]["nickname"], "Shopping");

    // The real flow works for them at once, and shows exactly their accounts.
    let client = sandbox.register_client().await.unwrap();
    let jo = client.login_as("jo.bloggs").await.unwrap();
    assert_eq!(
        session_account_ids(&jo).await,
        account_ids(&created["accounts"])
    );
    let current = created["accounts"][0]["accountId"].as_str().unwrap();
    let (status, page) = crate::get(&jo, &format!("/accounts/{current}/transactions")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page["data"].as_array().unwrap().len() > 10,
        "a history: {page}"
    );

    // Listed with the personas, and still there, same accounts, after the clock moves.
    crate::advance(&sandbox, "P2D").await;
    let (_, personas) = admin(&sandbox, Method::GET, "/sandbox/personas", None).await;
    let jo = entry(&personas, "username", "jo.bloggs");
    assert_eq!(jo["created"], true);
    assert_eq!(
        account_ids(&jo["accounts"]),
        account_ids(&created["accounts"])
    );
    let jo = client.login_as("jo.bloggs").await.unwrap();
    assert_eq!(
        session_account_ids(&jo).await,
        account_ids(&created["accounts"])
    );

    // An organisation: its director logs in. (The kit's helper sends the same request.)
    let acme = sandbox
        .admin()
        .create_customer(&json!({
            "username": "acme",
            "name": "Acme Widgets Ltd",
            "partyType": "ORGANISATION",
            "accounts": [{"accountType": "COMMERCIAL_DEPOSIT"}, {"accountType": "COMMERCIAL_LOAN"}]
        }))
        .await
        .unwrap();
    assert_eq!(acme.name, "Acme Widgets Ltd");
    assert_eq!(
        serde_json::to_value(&acme.party).unwrap()["partyType"],
        "ORGANISATION"
    );
    let director = client.login_as("acme").await.unwrap();
    assert_eq!(
        session_account_ids(&director).await,
        account_ids(&serde_json::to_value(&acme.accounts).unwrap())
    );
}

#[tokio::test]
async fn usernames_are_unique_and_bad_bodies_point_at_the_field() {
    let sandbox = crate::start().await;
    let create = |body: Value| {
        let sandbox = &sandbox;
        async move { admin(sandbox, Method::POST, "/sandbox/customers", Some(body)).await }
    };
    let (status, _) =
        create(json!({"username": "jo", "accounts": [{"accountType": "CHECKING"}]})).await;
    assert_eq!(status, StatusCode::CREATED);
    for taken in ["jo", "alice", "harbourline"] {
        let (status, problem) =
            create(json!({"username": taken, "accounts": [{"accountType": "CHECKING"}]})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{taken}: {problem}");
        assert_eq!(
            problem["type"],
            "https://sandbank.example/problems/conflict"
        );
    }
    for (body, pointer) in [
        (
            json!({"username": "x", "accounts": [{"accountType": "CHECKING"}, {"accountType": "GOLD"}]}),
            "/accounts/1/accountType",
        ),
        (
            json!({"username": "x", "accounts": [{"accountType": "CHECKING", "colour": "red"}]}),
            "/accounts/0/colour",
        ),
        (json!({"username": "x", "accounts": []}), "/accounts"),
        (
            json!({"username": "x", "accounts": [{"accountType": "MORTGAGE"}]}),
            "/accounts",
        ),
        (
            json!({"username": "Not Valid", "accounts": [{"accountType": "CHECKING"}]}),
            "/username",
        ),
        (
            json!({"username": "x", "partyType": "ROBOT", "accounts": [{"accountType": "CHECKING"}]}),
            "/partyType",
        ),
        (json!({"accounts": [{"accountType": "CHECKING"}]}), ""),
        (json!({"username": 7, "accounts": []}), "/username"),
    ] {
        let (status, problem) = create(body.clone()).await;
        assert_invalid(status, &problem, pointer, &body);
    }
    // Nothing was created by the refused requests.
    assert!(
        sandbox
            .store()
            .customer_by_username("x")
            .await
            .unwrap()
            .is_none()
    );
}
