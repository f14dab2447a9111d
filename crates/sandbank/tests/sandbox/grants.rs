//! `GET /sandbox/grants`, and Grant Management through the test kit: `Session::grant`,
//! `Session::revoke_grant`, and `Login::merging_into` / `replacing` answered by the control
//! API's approve (the consent page's own code).

use reqwest::{Method, StatusCode};
use sandbank_testkit::Error;
use serde_json::Value;

use crate::{admin, assert_invalid, entry, query, session_account_ids};

const MANAGE: [&str; 3] = [
    "accounts",
    "grant_management_query",
    "grant_management_revoke",
];

#[tokio::test]
async fn sandbox_grants_lists_every_grant_with_status_client_customer_and_accounts() {
    let sandbox = crate::start().await;
    let client = sandbox
        .register_client()
        .client_name("Grants app")
        .await
        .unwrap();
    let alice = client.login_as("alice").with_scopes(MANAGE).await.unwrap();
    let sam = client
        .login_as("sam")
        .with_scopes(["accounts", "balances"])
        .await
        .unwrap();
    let other = sandbox.register_client().await.unwrap();
    let theirs = other
        .login_as("alice")
        .with_scopes(["accounts"])
        .await
        .unwrap();
    alice.revoke_grant().await.unwrap();

    let (status, list) = admin(&sandbox, Method::GET, "/sandbox/grants", None).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["data"].as_array().unwrap().len(), 3, "{list}");
    // Newest first.
    assert_eq!(list["data"][0]["grantId"], theirs.grant_id().unwrap());
    let revoked = entry(&list, "grantId", alice.grant_id().unwrap());
    assert_eq!(revoked["status"], "REVOKED");
    assert_eq!(revoked["clientId"], client.client_id());
    assert_eq!(revoked["clientName"], "Grants app");
    assert_eq!(
        revoked["customerId"],
        sandbox.party_id("alice").await.unwrap().as_str()
    );
    assert!(revoked["customerName"].is_string(), "{revoked}");
    let mut accounts: Vec<String> = sandbox
        .accounts_of("alice")
        .await
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    accounts.sort();
    let mut listed: Vec<String> = revoked["accountIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect();
    listed.sort();
    assert_eq!(listed, accounts);
    assert_eq!(
        revoked["scopes"],
        serde_json::json!([
            "accounts",
            "grant_management_query",
            "grant_management_revoke"
        ])
    );
    for field in ["createdAt", "updatedAt", "expiresAt"] {
        assert!(revoked[field].is_string(), "{field} in {revoked}");
    }
    let active = entry(&list, "grantId", sam.grant_id().unwrap());
    assert_eq!(active["status"], "ACTIVE");
    assert_eq!(
        active["permissions"],
        serde_json::json!(["accounts", "balances"])
    );

    // Filters: by customer (username) and by client, together too.
    let ids = |list: &Value| -> Vec<String> {
        list["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["grantId"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, by_alice) = admin(
        &sandbox,
        Method::GET,
        "/sandbox/grants?customer=alice",
        None,
    )
    .await;
    assert_eq!(
        ids(&by_alice),
        vec![theirs.grant_id().unwrap(), alice.grant_id().unwrap()]
    );
    let path = format!("/sandbox/grants?clientId={}", client.client_id());
    let (_, by_client) = admin(&sandbox, Method::GET, &path, None).await;
    assert_eq!(
        ids(&by_client),
        vec![sam.grant_id().unwrap(), alice.grant_id().unwrap()]
    );
    let path = format!(
        "/sandbox/grants?customer=sam&clientId={}",
        other.client_id()
    );
    let (status, none) = admin(&sandbox, Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(none["data"], serde_json::json!([]));
}

#[tokio::test]
async fn sandbox_grants_refuses_bad_queries_and_strangers() {
    let sandbox = crate::start().await;
    // A customer no one logs in as: 404, naming them.
    let (status, problem) = admin(
        &sandbox,
        Method::GET,
        "/sandbox/grants?customer=nobody-at-all",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("nobody-at-all")),
        "{problem}"
    );
    for (query, pointer) in [
        ("colour=blue", "colour"),
        ("customer=alice&customer=sam", "customer"),
        ("clientId=", "clientId"),
    ] {
        let path = format!("/sandbox/grants?{query}");
        let response = sandbox
            .admin()
            .request(Method::GET, &path)
            .send()
            .await
            .unwrap();
        let status = response.status();
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "{query}"
        );
        let problem: Value = response.json().await.unwrap();
        assert_invalid(status, &problem, pointer, &Value::String(query.to_owned()));
    }
    let response = sandbox
        .request(Method::GET, "/sandbox/grants")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_test_kit_queries_and_revokes_a_sessions_grant() {
    let sandbox = crate::start().await;
    let client = sandbox.register_client().await.unwrap();
    let session = client.login_as("alice").with_scopes(MANAGE).await.unwrap();
    let grant = session.grant().await.unwrap();
    assert_eq!(
        grant["scopes"],
        serde_json::json!([{"scope": "accounts grant_management_query grant_management_revoke"}])
    );
    assert!(grant["created_at"].is_string() && grant["expires_at"].is_string());
    session.revoke_grant().await.unwrap();
    let response = session.get("/accounts").await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // The session's token died with its grant: a second revocation is refused, with the 401.
    match session.revoke_grant().await {
        Err(Error::OAuth { status, error, .. }) => {
            assert_eq!(
                (status, error.as_str()),
                (StatusCode::UNAUTHORIZED, "invalid_token")
            );
        }
        other => panic!("{other:?}"),
    }
    // Without the scopes, the kit says so before asking.
    let plain = client
        .login_as("alice")
        .with_scopes(["accounts"])
        .await
        .unwrap();
    for outcome in [plain.grant().await.map(|_| ()), plain.revoke_grant().await] {
        match outcome {
            Err(Error::Protocol(message)) => {
                assert!(message.contains("grant_management_"), "{message}")
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn a_merge_approved_through_the_control_api_keeps_the_grant_and_adds_to_it() {
    let sandbox = crate::builder().auto_consent(false).start().await.unwrap();
    let client = sandbox.register_client().await.unwrap();
    let accounts = sandbox.accounts_of("alice").await.unwrap();
    let first = client
        .login_as("alice")
        .with_scopes(["accounts", "grant_management_query"])
        .without_login_hint()
        .pending()
        .await
        .unwrap();
    let (status, decided) = admin(
        &sandbox,
        Method::POST,
        &format!("/sandbox/authorizations/{}/approve", first.request_uri()),
        Some(serde_json::json!({"username": "alice", "accounts": [accounts[0].to_string()]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    let first = first
        .finish(decided["redirectTo"].as_str().unwrap())
        .await
        .unwrap();
    let grant_id = first.grant_id().unwrap().to_owned();
    assert_eq!(
        session_account_ids(&first).await,
        vec![accounts[0].to_string()]
    );

    // Merge: another account, and balances.
    let second = client
        .login_as("alice")
        .with_scopes(["balances", "grant_management_query"])
        .merging_into(&grant_id)
        .without_login_hint()
        .pending()
        .await
        .unwrap();
    // Another customer approving someone's merge is refused.
    let (status, refused) = admin(
        &sandbox,
        Method::POST,
        &format!("/sandbox/authorizations/{}/approve", second.request_uri()),
        Some(serde_json::json!({"username": "sam"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{refused}");
    assert_eq!(
        query(refused["redirectTo"].as_str().unwrap())["error"],
        "access_denied"
    );
    let third = client
        .login_as("alice")
        .with_scopes(["balances", "grant_management_query"])
        .merging_into(&grant_id)
        .without_login_hint()
        .pending()
        .await
        .unwrap();
    let (status, decided) = admin(
        &sandbox,
        Method::POST,
        &format!("/sandbox/authorizations/{}/approve", third.request_uri()),
        Some(serde_json::json!({"username": "alice", "accounts": [accounts[1].to_string()]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    let merged = third
        .finish(decided["redirectTo"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(merged.grant_id(), Some(grant_id.as_str()));
    let mut both = vec![accounts[0].to_string(), accounts[1].to_string()];
    both.sort();
    assert_eq!(session_account_ids(&merged).await, both);
    let grant = merged.grant().await.unwrap();
    assert_eq!(
        grant["scopes"],
        serde_json::json!([{"scope": "accounts balances grant_management_query"}])
    );
    // Replace: balances on the first account only.
    let fourth = client
        .login_as("alice")
        .with_scopes(["balances", "grant_management_query"])
        .replacing(&grant_id)
        .without_login_hint()
        .pending()
        .await
        .unwrap();
    let (_, decided) = admin(
        &sandbox,
        Method::POST,
        &format!("/sandbox/authorizations/{}/approve", fourth.request_uri()),
        Some(serde_json::json!({"username": "alice", "accounts": [accounts[0].to_string()]})),
    )
    .await;
    let replaced = fourth
        .finish(decided["redirectTo"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(replaced.grant_id(), Some(grant_id.as_str()));
    // The merged session's token no longer lists accounts: `accounts` was replaced away.
    let response = merged.get("/accounts").await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let (_, list) = admin(&sandbox, Method::GET, "/sandbox/grants", None).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(
        list["data"][0]["scopes"],
        serde_json::json!(["balances", "grant_management_query"])
    );
}
