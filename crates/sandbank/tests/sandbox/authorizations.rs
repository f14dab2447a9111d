//! Pending consents decided without a browser: `GET /sandbox/authorizations` lists them,
//! `approve` and `deny` answer them exactly as the consent page would, and the `redirectTo`
//! they return is the authorization response a test follows.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::client::{Client, REDIRECT_URI, query};
use crate::{Bank, Options};

fn headful() -> Options {
    Options {
        auto_consent: false,
        ..Options::default()
    }
}

fn path(request_uri: &str, decision: &str) -> String {
    format!("/sandbox/authorizations/{request_uri}/{decision}")
}

#[tokio::test]
async fn approve_gives_the_redirect_whose_code_buys_a_working_token() {
    let bank = Bank::start(headful()).await;
    let client = Client::register(&bank).await;
    let pushed = client.push(&bank, None).await;

    let (status, list) = bank
        .admin(Method::GET, "/sandbox/authorizations", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let pending = crate::entry(&list, "requestUri", &pushed.request_uri);
    assert_eq!(pending["id"], pushed.request_uri.as_str());
    assert_eq!(pending["clientId"], client.client_id.as_str());
    assert_eq!(pending["clientName"], "Sandbox tests");
    assert_eq!(pending["redirectUri"], REDIRECT_URI);
    assert_eq!(pending["state"], pushed.state.as_str());
    assert_eq!(
        pending["scopes"],
        json!(["accounts", "balances", "openid", "transactions"])
    );
    assert!(pending.get("loginHint").is_none());

    // Without a login_hint the sandbox must be told who approves.
    let (status, problem) = bank
        .admin(Method::POST, &path(&pushed.request_uri, "approve"), None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert_eq!(problem["errors"][0]["pointer"], "/username");

    // Alice shares two of her accounts.
    let mut owned: Vec<String> = bank
        .accounts_of("alice")
        .await
        .into_iter()
        .map(|a| a.account_id.to_string())
        .collect();
    owned.sort();
    let chosen = owned[..2].to_vec();
    let (status, decision) = bank
        .admin(
            Method::POST,
            &path(&pushed.request_uri, "approve"),
            Some(json!({"username": "alice", "accounts": chosen})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{decision}");
    let redirect_to = decision["redirectTo"].as_str().unwrap();
    assert!(redirect_to.starts_with(REDIRECT_URI), "{redirect_to}");
    let params = query(redirect_to);
    assert_eq!(params["state"], pushed.state);
    assert_eq!(params["iss"], bank.url);
    let tokens = client.tokens(&bank, &params["code"], &pushed).await;
    assert_eq!(
        client.account_ids(&bank, &tokens.access_token).await,
        chosen
    );

    // Answered: it is no longer pending, and a second decision is a 404.
    let (_, list) = bank
        .admin(Method::GET, "/sandbox/authorizations", None)
        .await;
    assert!(list["data"].as_array().unwrap().is_empty(), "{list}");
    for decision in ["approve", "deny"] {
        let (status, problem) = bank
            .admin(
                Method::POST,
                &path(&pushed.request_uri, decision),
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
    let bank = Bank::start(headful()).await;
    let client = Client::register(&bank).await;
    let pushed = client.push(&bank, Some("sam")).await;
    let (status, decision) = bank
        .admin(Method::POST, &path(&pushed.request_uri, "deny"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{decision}");
    let params = query(decision["redirectTo"].as_str().unwrap());
    assert_eq!(params["error"], "access_denied");
    assert_eq!(params["state"], pushed.state);
    assert_eq!(params["iss"], bank.url);
    assert!(!params.contains_key("code"));

    for id in [
        "urn:ietf:params:oauth:request_uri:nope".to_owned(),
        "not-an-interaction".to_owned(),
        pushed.request_uri.clone(),
    ] {
        let (status, problem) = bank
            .admin(
                Method::POST,
                &path(&id, "approve"),
                Some(json!({"username": "sam"})),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{id}: {problem}");
    }
    // Expired: a request_uri lives 90 s.
    let pushed = client.push(&bank, Some("sam")).await;
    bank.advance("PT2M").await;
    let (status, _) = bank
        .admin(Method::POST, &path(&pushed.request_uri, "approve"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = bank
        .admin(Method::GET, "/sandbox/authorizations", None)
        .await;
    assert!(list["data"].as_array().unwrap().is_empty(), "{list}");
}

#[tokio::test]
async fn a_request_opened_in_a_browser_is_approved_by_its_interaction_or_request_uri() {
    let bank = Bank::start(headful()).await;
    let client = Client::register(&bank).await;
    for by_interaction in [true, false] {
        let pushed = client.push(&bank, Some("ivan")).await;
        // The browser reached the login page, then the test takes over.
        let page = client.authorize(&bank, &pushed).await;
        assert_eq!(page.status(), StatusCode::OK);
        let (_, list) = bank
            .admin(Method::GET, "/sandbox/authorizations", None)
            .await;
        let pending = crate::entry(&list, "requestUri", &pushed.request_uri);
        assert_eq!(pending["loginHint"], "ivan");
        let interaction = pending["interactionId"].as_str().unwrap().to_owned();
        let id = if by_interaction {
            interaction
        } else {
            pushed.request_uri.clone()
        };
        // An empty body approves as the login_hint, sharing all their accounts.
        let (status, decision) = bank.admin(Method::POST, &path(&id, "approve"), None).await;
        assert_eq!(status, StatusCode::OK, "{decision}");
        let params = query(decision["redirectTo"].as_str().unwrap());
        let tokens = client.tokens(&bank, &params["code"], &pushed).await;
        assert_eq!(
            client.account_ids(&bank, &tokens.access_token).await.len(),
            5
        );
        // The page's interaction is over too.
        let (_, list) = bank
            .admin(Method::GET, "/sandbox/authorizations", None)
            .await;
        assert!(list["data"].as_array().unwrap().is_empty(), "{list}");
    }
}

#[tokio::test]
async fn approving_refuses_someone_elses_accounts_and_unknown_customers() {
    let bank = Bank::start(headful()).await;
    let client = Client::register(&bank).await;
    let pushed = client.push(&bank, Some("alice")).await;
    let sams = bank.accounts_of("sam").await;
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
        let (status, problem) = bank
            .admin(
                Method::POST,
                &path(&pushed.request_uri, "approve"),
                Some(body.clone()),
            )
            .await;
        crate::assert_invalid(status, &problem, pointer, &body);
    }
    // None of that answered the request.
    let (status, _) = bank
        .admin(Method::POST, &path(&pushed.request_uri, "approve"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
}
