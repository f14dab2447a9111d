#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The test kit against real sandboxes: every persona logs in and reads its data, refresh,
//! fresh DPoP proofs, the options (dataset, TLS, clock, consent, nonces), independence of two
//! sandboxes, and shutting down.

use std::time::Duration as StdDuration;

use chrono::Duration;
use reqwest::StatusCode;
use sandbank_schemas::Permission;
use sandbank_testkit::{Clock, Error, Sandbox, SandboxBuilder, Session};
use serde_json::{Value, json};

/// A sandbox of the personas only (the fastest to start), with more `options`.
async fn small_sandbox_with(options: impl FnOnce(SandboxBuilder) -> SandboxBuilder) -> Sandbox {
    options(Sandbox::builder().personas_only())
        .start()
        .await
        .unwrap()
}

async fn small_sandbox() -> Sandbox {
    small_sandbox_with(|builder| builder).await
}

/// The status of `GET path` through `session`.
async fn status(session: &Session, path: &str) -> StatusCode {
    session.get(path).await.unwrap().status()
}

/// The `error` of a 401's body.
async fn error_code(response: reqwest::Response) -> String {
    let body: Value = response.json().await.unwrap();
    body["error"].as_str().unwrap_or_default().to_owned()
}

/// Whether something accepts connections on `url`'s port, after giving the server's task
/// time to run: tries until the port is closed, for a few seconds at most.
async fn port_closes(url: &str) -> bool {
    let address = url
        .trim_start_matches("http://")
        .trim_start_matches("https://");
    for _ in 0..500 {
        if tokio::net::TcpStream::connect(address).await.is_err() {
            return true;
        }
        tokio::time::sleep(StdDuration::from_millis(10)).await;
    }
    false
}

#[tokio::test]
async fn every_persona_logs_in_and_reads_accounts_and_transactions() {
    let sandbox = Sandbox::start().await.unwrap();
    assert!(sandbox.url().starts_with("http://127.0.0.1:"));
    assert_eq!(sandbox.issuer(), sandbox.url());
    // The default dataset: the one committed in seed-data/default.
    let committed: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../seed-data/default/manifest.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let dataset = sandbox.store().dataset().await.unwrap().unwrap();
    assert_eq!(dataset.manifest.seed, committed["config"]["seed"]);
    assert_eq!(
        dataset.counts.transactions,
        committed["counts"]["transactions"]
    );
    let client = sandbox.register_client().await.unwrap();
    for username in ["alice", "sam", "ivan", "harbourline", "edge"] {
        let session = client.login_as(username).await.unwrap();
        // The ID token names the customer who signed in.
        let sub = session.id_token_claims().unwrap()["sub"].clone();
        assert_eq!(sub, sandbox.party_id(username).await.unwrap().as_str());
        let response = session.get("/accounts").await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{username}");
        let accounts: Value = response.json().await.unwrap();
        let ids: Vec<String> = accounts["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["accountId"].as_str().unwrap().to_owned())
            .collect();
        let held: Vec<String> = sandbox
            .accounts_of(username)
            .await
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(ids, held, "{username}: every account is shared");
        let mut seen = 0;
        for id in &ids {
            let response = session
                .get(&format!("/accounts/{id}/transactions"))
                .query(&[("pageSize", "10")])
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{username} {id}");
            let page: Value = response.json().await.unwrap();
            seen += page["data"].as_array().unwrap().len();
        }
        assert!(seen > 0, "{username} has transactions");
    }
}

#[tokio::test]
async fn the_session_follows_links_to_the_next_page() {
    let sandbox = small_sandbox().await;
    let client = sandbox.register_client().await.unwrap();
    let alice = client
        .login_as("alice")
        .with_scopes(["accounts", "transactions"])
        .await
        .unwrap();
    assert!(alice.id_token().is_none(), "no openid, no ID token");
    let account = &sandbox.accounts_of("alice").await.unwrap()[0];
    let first: Value = alice
        .get(&format!("/accounts/{account}/transactions?pageSize=2"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let next = first["links"]["next"].as_str().expect("a second page");
    assert!(next.starts_with(sandbox.issuer()), "{next}");
    let response = alice.get(next).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let second: Value = response.json().await.unwrap();
    assert_ne!(first["data"][0], second["data"][0]);
}

#[tokio::test]
async fn refresh_gives_a_new_access_token_bound_to_the_same_key() {
    let sandbox = small_sandbox().await;
    let client = sandbox.register_client().await.unwrap();
    let mut session = client.login_as("sam").await.unwrap();
    let before = session.access_token().to_owned();
    let grant = session.grant_id().unwrap().to_owned();
    session.refresh().await.unwrap();
    assert_ne!(session.access_token(), before);
    assert_eq!(session.grant_id(), Some(grant.as_str()));
    assert!(session.id_token().is_some(), "the login's ID token is kept");
    let response = session.get("/accounts").await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let introspected = client.introspect(session.access_token()).await.unwrap();
    assert_eq!(introspected["active"], true);
    assert_eq!(introspected["cnf"]["jkt"], session.dpop_key().thumbprint());
}

#[tokio::test]
async fn every_request_carries_a_fresh_proof_and_a_replayed_one_is_refused() {
    let sandbox = small_sandbox().await;
    let client = sandbox.register_client().await.unwrap();
    let alice = client.login_as("alice").await.unwrap();
    // The same request three times: each with its own proof, so none is a replay.
    for _ in 0..3 {
        let response = alice.get("/accounts").await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    // A proof used twice (a client of one's own, with `dpop_proof`) is refused the second time.
    let proof = alice.dpop_proof("GET", "/accounts").unwrap();
    let send = || {
        sandbox
            .http()
            .get(sandbox.endpoint("/accounts"))
            .header("authorization", alice.authorization())
            .header("dpop", proof.clone())
            .send()
    };
    assert_eq!(send().await.unwrap().status(), StatusCode::OK);
    let replayed = send().await.unwrap();
    assert_eq!(replayed.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(replayed).await, "invalid_dpop_proof");
}

#[tokio::test]
async fn bodies_and_headers_go_with_the_proof() {
    let sandbox = small_sandbox().await;
    let client = sandbox.register_client().await.unwrap();
    let alice = client.login_as("alice").await.unwrap();
    let sent = "93bac548-d2de-4546-b106-880a5018460d";
    let response = alice
        .get("/parties/me")
        .header("x-fapi-interaction-id", sent)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["x-fapi-interaction-id"], sent);
    // A body goes with its proof: a card's controls change, and the change is read back.
    let cardholder = client
        .login_as("alice")
        .with_scopes(["cards", "card_controls"])
        .await
        .unwrap();
    let cards: Value = cardholder
        .get("/cards")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let card = cards["data"][0]["cardId"].as_str().unwrap();
    let response = cardholder
        .patch(&format!("/cards/{card}/controls"))
        .json(&json!({"onlineAllowed": false, "contactlessAllowed": true}))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let read: Value = cardholder
        .get(&format!("/cards/{card}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read["controls"]["onlineAllowed"], false, "{read}");
    assert_eq!(read["controls"]["contactlessAllowed"], true, "{read}");
}

#[tokio::test]
async fn two_sandboxes_in_one_test_are_independent() {
    let (first, second) = tokio::join!(small_sandbox(), small_sandbox());
    assert_ne!(first.url(), second.url());
    let client = first.register_client().await.unwrap();
    let alice = client.login_as("alice").await.unwrap();
    // The other sandbox knows neither the client nor its tokens.
    let elsewhere = second
        .http()
        .get(second.endpoint("/accounts"))
        .header("authorization", alice.authorization())
        .header(
            "dpop",
            alice
                .dpop_proof("GET", &second.endpoint("/accounts"))
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), StatusCode::UNAUTHORIZED);
    let other = second.register_client().await.unwrap();
    assert_eq!(
        other.introspect(alice.access_token()).await.unwrap(),
        json!({"active": false})
    );
    // Each has its own clock.
    first.clock().advance(Duration::days(1));
    assert_eq!(second.clock().offset(), Duration::zero());
    // Stopping one leaves the other serving.
    let first_url = first.url().to_owned();
    first.shutdown().await.unwrap();
    assert!(port_closes(&first_url).await);
    let sam = other.login_as("sam").await.unwrap();
    assert_eq!(status(&sam, "/accounts").await, StatusCode::OK);
}

#[tokio::test]
async fn seed_and_size_shape_the_dataset() {
    let sandbox = Sandbox::builder()
        .seed(7)
        .customers(3)
        .start()
        .await
        .unwrap();
    let dataset = sandbox.store().dataset().await.unwrap().unwrap();
    assert_eq!(dataset.manifest.seed, 7);
    assert_eq!(
        dataset.counts.customers,
        5 + 3,
        "the personas and three more"
    );
    let client = sandbox.register_client().await.unwrap();
    let ivan = client
        .login_as("ivan")
        .with_scopes(["investments", "accounts"])
        .await
        .unwrap();
    assert_eq!(status(&ivan, "/accounts").await, StatusCode::OK);
}

#[tokio::test]
async fn tls_serves_https_that_the_kit_trusts_and_others_do_not() {
    let sandbox = small_sandbox_with(|builder| builder.tls(true)).await;
    assert!(
        sandbox.url().starts_with("https://127.0.0.1:"),
        "{}",
        sandbox.url()
    );
    let ca = sandbox.ca_certificate_pem().unwrap();
    assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"));
    let client = sandbox.register_client().await.unwrap();
    let alice = client.login_as("alice").await.unwrap();
    assert_eq!(status(&alice, "/accounts").await, StatusCode::OK);
    let metadata: Value = sandbox
        .http()
        .get(sandbox.endpoint("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(metadata["tls_client_certificate_bound_access_tokens"], true);
    // A client that does not trust the sandbox's CA cannot connect.
    let untrusting = reqwest::Client::new();
    assert!(
        untrusting
            .get(sandbox.endpoint("/health/live"))
            .send()
            .await
            .is_err()
    );
}

#[tokio::test]
async fn tls_client_auth_clients_authenticate_with_their_certificate() {
    let sandbox = small_sandbox_with(|builder| builder.tls(true)).await;
    let client = sandbox.register_client().tls_client_auth().await.unwrap();
    let registration = client.registration();
    assert_eq!(
        registration["token_endpoint_auth_method"],
        "tls_client_auth"
    );
    assert!(
        registration["tls_client_auth_subject_dn"]
            .as_str()
            .unwrap()
            .starts_with("CN=sandbank-testkit-")
    );
    let mut alice = client.login_as("alice").await.unwrap();
    alice.refresh().await.unwrap();
    assert_eq!(status(&alice, "/accounts").await, StatusCode::OK);
    let introspected = client.introspect(alice.access_token()).await.unwrap();
    assert_eq!(introspected["client_id"], client.client_id());
    // Without its certificate the client is nobody.
    let response = sandbox
        .http()
        .post(sandbox.endpoint("/introspect"))
        .form(&[
            ("client_id", client.client_id()),
            ("token", alice.access_token()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // Over plain HTTP there is no certificate to authenticate with.
    let plain = small_sandbox().await;
    assert!(matches!(
        plain.register_client().tls_client_auth().await,
        Err(Error::Protocol(_))
    ));
}

#[tokio::test]
async fn the_clock_expires_access_tokens_and_refresh_still_works() {
    let clock = Clock::system();
    let sandbox = small_sandbox_with(|builder| builder.clock(clock.clone())).await;
    let client = sandbox.register_client().await.unwrap();
    let mut alice = client.login_as("alice").await.unwrap();
    let lifetime = alice.token_response()["expires_in"].as_i64().unwrap();
    assert_eq!(lifetime, 600);
    // Past the access token's lifetime by the test's own handle on the clock.
    clock.advance(Duration::seconds(lifetime + 1));
    let expired = alice.get("/accounts").await.unwrap();
    assert_eq!(expired.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(expired).await, "invalid_token");
    // The refresh token lives 30 days; proofs and assertions follow the moved clock.
    alice.refresh().await.unwrap();
    assert_eq!(status(&alice, "/accounts").await, StatusCode::OK);
    // Past the refresh token too: nothing works any more.
    clock.advance(Duration::days(31));
    match alice.refresh().await {
        Err(Error::OAuth { error, .. }) => assert_eq!(error, "invalid_grant"),
        other => panic!("refresh after 31 days: {other:?}"),
    }
}

#[tokio::test]
async fn chosen_accounts_go_through_the_consent_page() {
    let sandbox = small_sandbox().await;
    let alice_accounts = sandbox.accounts_of("alice").await.unwrap();
    let chosen = vec![alice_accounts[0].clone(), alice_accounts[2].clone()];
    let client = sandbox.register_client().await.unwrap();
    let alice = client
        .login_as("alice")
        .with_scopes(["accounts"])
        .with_accounts(chosen.clone())
        .await
        .unwrap();
    let body: Value = alice.get("/accounts").await.unwrap().json().await.unwrap();
    let seen: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["accountId"].as_str().unwrap())
        .collect();
    assert_eq!(seen, vec![chosen[0].as_str(), chosen[1].as_str()]);
    // An account not ticked is 404, as if it did not exist.
    let response = alice
        .get(&format!("/accounts/{}", alice_accounts[1]))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn without_auto_consent_the_kit_signs_in_on_the_pages() {
    let sandbox = small_sandbox_with(|builder| builder.auto_consent(false)).await;
    let client = sandbox.register_client().await.unwrap();
    let session = client.login_as("harbourline").await.unwrap();
    let body: Value = session
        .get("/accounts")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        body["data"].as_array().unwrap().len(),
        sandbox.accounts_of("harbourline").await.unwrap().len()
    );
    // Someone the sandbox does not know cannot sign in.
    match client.login_as("nobody").await {
        Err(Error::Login { username }) => assert_eq!(username, "nobody"),
        other => panic!("unknown user: {other:?}"),
    }
}

#[tokio::test]
async fn an_unknown_user_under_auto_consent_is_refused_on_the_login_page() {
    let sandbox = small_sandbox().await;
    let client = sandbox.register_client().await.unwrap();
    assert!(matches!(
        client.login_as("nobody").await,
        Err(Error::Login { .. })
    ));
}

#[tokio::test]
async fn authorization_details_are_asked_and_granted() {
    let sandbox = small_sandbox().await;
    let client = sandbox.register_client().await.unwrap();
    let session = client
        .login_as("alice")
        .with_authorization_details([json!({
            "type": "account_information",
            "permissions": ["transactions"],
        })])
        .await
        .unwrap();
    let granted = &session.token_response()["authorization_details"];
    assert_eq!(granted[0]["type"], "account_information");
    assert_eq!(granted[0]["permissions"], json!(["transactions"]));
    // Transactions, but not the account list.
    let account = &sandbox.accounts_of("alice").await.unwrap()[0];
    let transactions = session
        .get(&format!("/accounts/{account}/transactions"))
        .await
        .unwrap();
    assert_eq!(transactions.status(), StatusCode::OK);
    assert_eq!(status(&session, "/accounts").await, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn server_dpop_nonces_are_answered() {
    let sandbox = small_sandbox_with(|builder| builder.dpop_nonces(true)).await;
    let client = sandbox.register_client().await.unwrap();
    let mut session = client.login_as("edge").await.unwrap();
    session.refresh().await.unwrap();
    assert_eq!(status(&session, "/accounts").await, StatusCode::OK);
}

#[tokio::test]
async fn registration_options_reach_the_server() {
    let sandbox = small_sandbox().await;
    let client = sandbox
        .register_client()
        .client_name("Budget Buddy")
        .scopes(["openid", "accounts"])
        .await
        .unwrap();
    assert_eq!(client.registration()["client_name"], "Budget Buddy");
    assert_eq!(client.registration()["scope"], "openid accounts");
    // A scope outside the registration is refused at PAR, with the server's reason.
    match client.login_as("alice").with_scopes(["balances"]).await {
        Err(Error::OAuth { step, error, .. }) => {
            assert_eq!((step, error.as_str()), ("PAR", "invalid_scope"));
        }
        other => panic!("unregistered scope: {other:?}"),
    }
}

#[tokio::test]
async fn a_forged_session_reaches_exactly_what_it_was_given() {
    let sandbox = small_sandbox().await;
    let client = sandbox.register_client().await.unwrap();
    let accounts = sandbox.accounts_of("alice").await.unwrap();
    let forged = sandbox
        .forge_session(&client, "alice")
        .accounts(accounts[..2].to_vec())
        .permissions([Permission::Accounts])
        .await
        .unwrap();
    let body: Value = forged.get("/accounts").await.unwrap().json().await.unwrap();
    assert_eq!(body["data"].as_array().unwrap().len(), 2);
    assert_eq!(
        status(&forged, &format!("/accounts/{}/balances", accounts[0])).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        client.introspect(forged.access_token()).await.unwrap()["active"],
        true
    );
    // The same request without the session carries no credentials: a stranger's 401.
    let anonymous = sandbox
        .request(reqwest::Method::GET, "/accounts")
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert!(anonymous.headers().contains_key("www-authenticate"));
}

#[tokio::test]
async fn months_set_how_much_history_there_is() {
    let one = small_sandbox().await;
    let three = small_sandbox_with(|builder| builder.months(3)).await;
    let counts =
        |sandbox: Sandbox| async move { sandbox.store().dataset().await.unwrap().unwrap().counts };
    let (one, three) = (counts(one).await, counts(three).await);
    assert_eq!(three.customers, one.customers, "the personas only, still");
    // (The edge persona's busy account holds its thousands of transactions whatever the
    // span; everyone else's history grows with it.)
    assert!(
        three.transactions > one.transactions,
        "{} transactions in three months, {} in one",
        three.transactions,
        one.transactions
    );
}

#[tokio::test]
async fn a_session_moves_to_a_sandbox_restarted_on_the_same_database() {
    let db = sandbank_store::testing::sqlite_file().await.unwrap();
    let first = small_sandbox_with(|builder| builder.database_url(&db.url)).await;
    let client = first.register_client().await.unwrap();
    let session = client.login_as("alice").await.unwrap();
    assert_eq!(status(&session, "/accounts").await, StatusCode::OK);
    let store = first.store().clone();
    first.shutdown().await.unwrap();
    store.close().await;

    let second = small_sandbox_with(|builder| builder.database_url(&db.url)).await;
    // The session still names the stopped sandbox; moved, it reaches the new one, whose
    // issuer its proofs and (on refresh) its client's assertions now name.
    assert!(session.get("/accounts").await.is_err());
    let mut moved = session.at(&second).unwrap();
    assert_eq!(moved.access_token(), session.access_token());
    assert_eq!(status(&moved, "/accounts").await, StatusCode::OK);
    moved.refresh().await.unwrap();
    assert_ne!(moved.access_token(), session.access_token());
    assert_eq!(status(&moved, "/accounts").await, StatusCode::OK);
    second.shutdown().await.unwrap();
    db.close().await.unwrap();
}

#[tokio::test]
async fn dropping_the_sandbox_closes_its_port() {
    let sandbox = small_sandbox().await;
    let url = sandbox.url().to_owned();
    let live = sandbox
        .http()
        .get(sandbox.endpoint("/health/live"))
        .send()
        .await;
    assert_eq!(live.unwrap().status(), StatusCode::OK);
    drop(sandbox);
    assert!(port_closes(&url).await, "{url} still accepts connections");
}

#[tokio::test]
async fn shutdown_waits_until_the_server_has_stopped() {
    let sandbox = small_sandbox().await;
    let url = sandbox.url().to_owned();
    let address = url.trim_start_matches("http://").to_owned();
    sandbox.shutdown().await.unwrap();
    // Once shutdown returns the listener is gone: no waiting needed.
    assert!(tokio::net::TcpStream::connect(&address).await.is_err());
}

#[tokio::test]
async fn the_admin_helpers_drive_the_sandbox_control_api() {
    let sandbox = small_sandbox_with(|builder| builder.admin_key("kit-admin-key")).await;
    let admin = sandbox.admin();
    assert_eq!(sandbox.admin_key(), "kit-admin-key");
    assert_eq!(admin.key(), "kit-admin-key");
    // Without the key the control API is closed; the helper's request carries it.
    let refused = sandbox
        .http()
        .get(sandbox.endpoint("/sandbox/clock"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let response = admin
        .request(reqwest::Method::GET, "/sandbox/clock")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    let personas = admin.personas().await.unwrap();
    assert_eq!(personas.data.len(), 5);
    assert_eq!(personas.password, "sandbank");
    let created = admin
        .create_customer(&json!({"username": "zoe", "accounts": [{"accountType": "CHECKING"}]}))
        .await
        .unwrap();
    let client = sandbox.register_client().await.unwrap();
    let zoe = client.login_as("zoe").await.unwrap();
    let accounts: Value = zoe.get("/accounts").await.unwrap().json().await.unwrap();
    assert_eq!(
        accounts["data"][0]["accountId"],
        created.accounts[0].account_id.to_string()
    );
    // A second customer of the same name is refused, with the sandbox's problem.
    match admin
        .create_customer(&json!({"username": "zoe", "accounts": [{"accountType": "CHECKING"}]}))
        .await
    {
        Err(Error::Unexpected { status, body, .. }) => {
            assert_eq!(status, StatusCode::CONFLICT);
            assert!(body.contains("conflict"), "{body}");
        }
        other => panic!("{other:?}"),
    }

    // The clock moves for the server: the session's token expires.
    let clock = admin.advance_clock("PT11M").await.unwrap();
    assert_eq!(clock.offset_seconds, 660);
    assert_eq!(status(&zoe, "/accounts").await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        admin
            .advance_clock_seconds(60)
            .await
            .unwrap()
            .offset_seconds,
        720
    );

    // Reset: real time, and the created customer is gone.
    let clock = admin.reset().await.unwrap();
    assert_eq!(clock.offset_seconds, 0);
    assert_eq!(admin.clock().await.unwrap().offset_seconds, 0);
    assert!(matches!(
        client.login_as("zoe").await,
        Err(Error::Authorization { .. } | Error::Login { .. })
    ));
}

#[tokio::test]
async fn a_pending_login_waits_for_the_control_api_to_approve_or_deny_it() {
    let sandbox = small_sandbox_with(|builder| builder.auto_consent(false)).await;
    let admin = sandbox.admin();
    let client = sandbox.register_client().await.unwrap();

    // Approved as the login_hint's customer on one account.
    let pending = client.login_as("alice").pending().await.unwrap();
    let list = admin.pending_authorizations().await.unwrap();
    assert_eq!(list.data[0].request_uri, pending.request_uri());
    assert_eq!(list.data[0].state.as_deref(), Some(pending.state()));
    assert_eq!(pending.client().client_id(), client.client_id());
    let account = sandbox.accounts_of("alice").await.unwrap()[0].to_string();
    let redirect_to = admin
        .approve_with(pending.request_uri(), &json!({"accounts": [account]}))
        .await
        .unwrap();
    let alice = pending.finish(&redirect_to).await.unwrap();
    let accounts: Value = alice.get("/accounts").await.unwrap().json().await.unwrap();
    assert_eq!(accounts["data"].as_array().unwrap().len(), 1);
    assert_eq!(accounts["data"][0]["accountId"], account.as_str());

    // Without a login_hint: named by the approval; approved with all their accounts.
    let pending = client
        .login_as("sam")
        .without_login_hint()
        .pending()
        .await
        .unwrap();
    let list = admin.pending_authorizations().await.unwrap();
    assert_eq!(list.data[0].login_hint, None, "{list:?}");
    assert!(admin.approve(pending.request_uri()).await.is_err());
    let redirect_to = admin
        .approve_with(pending.request_uri(), &json!({"username": "sam"}))
        .await
        .unwrap();
    let sam = pending.finish(&redirect_to).await.unwrap();
    assert_eq!(status(&sam, "/accounts").await, StatusCode::OK);

    // Denied: the client learns it from the redirect; approve, once the page is open.
    let pending = client.login_as("ivan").pending().await.unwrap();
    let redirect_to = admin.deny(pending.request_uri()).await.unwrap();
    match pending.finish(&redirect_to).await {
        Err(Error::Authorization { error, .. }) => assert_eq!(error, "access_denied"),
        other => panic!("{other:?}"),
    }
    let pending = client.login_as("ivan").pending().await.unwrap();
    assert_eq!(pending.open().await.unwrap().status(), StatusCode::OK);
    let redirect_to = admin.approve(pending.request_uri()).await.unwrap();
    let ivan = pending.finish(&redirect_to).await.unwrap();
    assert_eq!(status(&ivan, "/accounts").await, StatusCode::OK);
}

#[tokio::test]
async fn a_login_with_a_request_object_and_jarm_reads_accounts() {
    let sandbox = small_sandbox().await;
    let client = sandbox
        .register_client()
        .metadata("require_signed_request_object", true)
        .metadata("authorization_signed_response_alg", "PS256")
        .await
        .unwrap();
    // Plain parameters and a plain response are both refused for this client.
    let plain = client.login_as("alice").await.unwrap_err();
    assert!(
        plain.to_string().contains("signed request object"),
        "{plain}"
    );
    let session = client
        .login_as("alice")
        .with_request_object()
        .with_jarm()
        .await
        .unwrap();
    assert_eq!(status(&session, "/accounts").await, StatusCode::OK);
    assert!(session.id_token().is_some());
}
