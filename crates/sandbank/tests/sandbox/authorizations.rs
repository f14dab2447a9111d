//! Pending consents decided without a browser: `GET /sandbox/authorizations` lists them,
//! `approve` and `deny` answer them exactly as the consent page would, and the `redirectTo`
//! they return is the authorization response a test follows.

use reqwest::{Method, StatusCode};
use sandbank_testkit::{Error, Login, Sandbox, TestClient};
use serde_json::json;

use crate::{admin, query, session_account_ids};

/// A bank without headless consent: authorization requests wait for a decision.
async fn headful() -> Sandbox {
    crate::builder().auto_consent(false).start().await.unwrap()
}

/// A client named as the pending list shows it.
async fn client(sandbox: &Sandbox) -> TestClient {
    sandbox
        .register_client()
        .client_name("Sandbox tests")
        .await
        .unwrap()
}

/// A login for accounts, balances and transactions (with an ID token), as `username`.
fn login(client: &TestClient, username: &str) -> Login {
    client
        .login_as(username)
        .with_scopes(["openid", "accounts", "balances", "transactions"])
}

fn path(request_uri: &str, decision: &str) -> String {
    format!("/sandbox/authorizations/{request_uri}/{decision}")
}

#[tokio::test]
async fn approve_gives_the_redirect_whose_code_buys_a_working_token() {
    let sandbox = headful().await;
    let client = client(&sandbox).await;
    let pushed = login(&client, "alice")
        .without_login_hint()
        .pending()
        .await
        .unwrap();
    let request_uri = pushed.request_uri().to_owned();

    let (status, list) = admin(&sandbox, Method::GET, "/sandbox/authorizations", None).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(
        serde_json::to_value(sandbox.admin().pending_authorizations().await.unwrap()).unwrap(),
        list
    );
    let pending = crate::entry(&list, "requestUri", &request_uri);
    assert_eq!(pending["id"], request_uri.as_str());
    assert_eq!(pending["clientId"], client.client_id());
    assert_eq!(pending["clientName"], "Sandbox tests");
    assert_eq!(pending["redirectUri"], client.redirect_uri());
    assert_eq!(pending["state"], pushed.state());
    assert_eq!(
        pending["scopes"],
        json!(["accounts", "balances", "openid", "transactions"])
    );
    assert!(pending.get("loginHint").is_none());

    // Without a login_hint the sandbox must be told who approves.
    let (status, problem) =
        admin(&sandbox, Method::POST, &path(&request_uri, "approve"), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert_eq!(problem["errors"][0]["pointer"], "/username");
    // The kit's helper reports the same refusal.
    match sandbox.admin().approve(&request_uri).await {
        Err(Error::Unexpected { status, body, .. }) => {
            assert_eq!(status, StatusCode::BAD_REQUEST);
            assert!(body.contains("/username"), "{body}");
        }
        other => panic!("{other:?}"),
    }

    // Alice shares two of her accounts.
    let mut owned: Vec<String> = sandbox
        .accounts_of("alice")
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.to_string())
        .collect();
    owned.sort();
    let chosen = owned[..2].to_vec();
    let (status, decision) = admin(
        &sandbox,
        Method::POST,
        &path(&request_uri, "approve"),
        Some(json!({"username": "alice", "accounts": chosen})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{decision}");
    let redirect_to = decision["redirectTo"].as_str().unwrap();
    assert!(
        redirect_to.starts_with(client.redirect_uri()),
        "{redirect_to}"
    );
    let params = query(redirect_to);
    assert_eq!(params["state"], pushed.state());
    assert_eq!(params["iss"], sandbox.url());
    let session = pushed.finish(redirect_to).await.unwrap();
    assert_eq!(session_account_ids(&session).await, chosen);

    // Answered: it is no longer pending, and a second decision is a 404.
    let (_, list) = admin(&sandbox, Method::GET, "/sandbox/authorizations", None).await;
    assert!(list["data"].as_array().unwrap().is_empty(), "{list}");
    for decision in ["approve", "deny"] {
        let (status, problem) = admin(
            &sandbox,
            Method::POST,
            &path(&request_uri, decision),
            Some(json!({"username": "alice"})),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
        assert_eq!(
            problem["type"],
            "https://sandbank.example/problems/not-found"
        );
    }
}

#[tokio::test]
async fn deny_gives_access_denied_and_unknown_or_expired_ids_are_404() {
    let sandbox = headful().await;
    let client = client(&sandbox).await;
    let pushed = login(&client, "sam").pending().await.unwrap();
    let request_uri = pushed.request_uri().to_owned();
    let (status, decision) = admin(&sandbox, Method::POST, &path(&request_uri, "deny"), None).await;
    assert_eq!(status, StatusCode::OK, "{decision}");
    let redirect_to = decision["redirectTo"].as_str().unwrap();
    let params = query(redirect_to);
    assert_eq!(params["error"], "access_denied");
    assert_eq!(params["state"], pushed.state());
    assert_eq!(params["iss"], sandbox.url());
    assert!(!params.contains_key("code"));
    // The client that follows it learns it was refused.
    match pushed.finish(redirect_to).await {
        Err(Error::Authorization { error, .. }) => assert_eq!(error, "access_denied"),
        other => panic!("{other:?}"),
    }

    for id in [
        "urn:ietf:params:oauth:request_uri:nope".to_owned(),
        "not-an-interaction".to_owned(),
        request_uri.clone(),
    ] {
        let (status, problem) = admin(
            &sandbox,
            Method::POST,
            &path(&id, "approve"),
            Some(json!({"username": "sam"})),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{id}: {problem}");
    }
    // Expired: a request_uri lives 90 s.
    let pushed = login(&client, "sam").pending().await.unwrap();
    crate::advance(&sandbox, "PT2M").await;
    let (status, _) = admin(
        &sandbox,
        Method::POST,
        &path(pushed.request_uri(), "approve"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = admin(&sandbox, Method::GET, "/sandbox/authorizations", None).await;
    assert!(list["data"].as_array().unwrap().is_empty(), "{list}");
}

#[tokio::test]
async fn a_request_opened_in_a_browser_is_approved_by_its_interaction_or_request_uri() {
    let sandbox = headful().await;
    let client = client(&sandbox).await;
    for by_interaction in [true, false] {
        let pushed = login(&client, "ivan").pending().await.unwrap();
        // The browser reached the login page, then the test takes over.
        let page = pushed.open().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let (_, list) = admin(&sandbox, Method::GET, "/sandbox/authorizations", None).await;
        let pending = crate::entry(&list, "requestUri", pushed.request_uri());
        assert_eq!(pending["loginHint"], "ivan");
        let interaction = pending["interactionId"].as_str().unwrap().to_owned();
        let id = if by_interaction {
            interaction
        } else {
            pushed.request_uri().to_owned()
        };
        // An empty body approves as the login_hint, sharing all their accounts.
        let (status, decision) = admin(&sandbox, Method::POST, &path(&id, "approve"), None).await;
        assert_eq!(status, StatusCode::OK, "{decision}");
        let session = pushed
            .finish(decision["redirectTo"].as_str().unwrap())
            .await
            .unwrap();
        assert_eq!(session_account_ids(&session).await.len(), 5);
        // The page's interaction is over too.
        let (_, list) = admin(&sandbox, Method::GET, "/sandbox/authorizations", None).await;
        assert!(list["data"].as_array().unwrap().is_empty(), "{list}");
    }
}

#[tokio::test]
async fn approving_refuses_someone_elses_accounts_and_unknown_customers() {
    let sandbox = headful().await;
    let client = client(&sandbox).await;
    let pushed = login(&client, "alice").pending().await.unwrap();
    let request_uri = pushed.request_uri();
    let sam = sandbox.party_id("sam").await.unwrap();
    let sams = sandbox.store().accounts_of_party(&sam).await.unwrap();
    let sams_own: Vec<String> = sams
        .iter()
        .filter(|a| a.holders.len() == 1)
        .map(|a| a.account_id.to_string())
        .collect();
    for (body, pointer) in [
        (json!({"username": "nobody"}), "/username"),
        (json!({"accounts": sams_own}), "/accounts"),
        (json!({"accounts": []}), "/accounts"),
        (json!({"accounts": ["bad id with spaces"]}), "/accounts/0"),
        (json!({"username": "alice", "extra": 1}), "/extra"),
    ] {
        let (status, problem) = admin(
            &sandbox,
            Method::POST,
            &path(request_uri, "approve"),
            Some(body.clone()),
        )
        .await;
        crate::assert_invalid(status, &problem, pointer, &body);
    }
    // None of that answered the request.
    let (status, _) = admin(&sandbox, Method::POST, &path(request_uri, "approve"), None).await;
    assert_eq!(status, StatusCode::OK);
}
