//! FAPI.md D1–D3 (Grant Management for OAuth 2.0) and G1's `grant_id`, plus the grant library
//! the privacy dashboard calls (`grants_of_customer`, `remove_account`).

use reqwest::StatusCode;
use sandbank_fapi::grant;
use sandbank_fapi::state::kinds;
use sandbank_fapi::tokens::{TokenRecord, token_key};
use sandbank_schemas::consent::{ConsentStatus, Permission};
use sandbank_schemas::{AccountId, Consent};
use sandbank_testkit::SigningKey;
use serde_json::{Value, json};

use crate::harness::{
    PASSWORD, REDIRECT_URI, TestClient, TestServer, location, new_key, new_pkce, oauth_error,
    start, start_with,
};

/// Alice's account ids.
async fn alice_accounts(ts: &TestServer) -> Vec<String> {
    let alice = ts
        .server
        .store
        .customer_by_username("alice")
        .await
        .unwrap()
        .unwrap();
    ts.server
        .store
        .accounts_of_party(&alice.party_id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.account_id.as_str().to_owned())
        .collect()
}

/// The whole flow on an auto-consent client with `extra` PAR parameters; the token response.
async fn tokens_with(
    ts: &TestServer,
    client: &TestClient,
    key: &SigningKey,
    extra: &[(&str, &str)],
) -> Value {
    let pkce = new_pkce();
    let code = ts.code(client, &pkce, extra, None).await;
    let response = ts.redeem(client, &code, &pkce, key).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// `authorization_details` for `account_information` on `accounts` with `permissions`.
fn details(accounts: &[&str], permissions: &[&str]) -> String {
    json!([{"type": "account_information", "accounts": accounts, "permissions": permissions}])
        .to_string()
}

/// A request with a DPoP-bound `token` (proof by `key`) to `path`.
async fn call(
    ts: &TestServer,
    method: reqwest::Method,
    path: &str,
    token: &str,
    key: &SigningKey,
) -> reqwest::Response {
    let url = ts.url(path);
    ts.http
        .request(method.clone(), &url)
        .header("Authorization", format!("DPoP {token}"))
        .header("DPoP", ts.proof(key, method.as_str(), &url, Some(token)))
        .send()
        .await
        .unwrap()
}

async fn get_grant(
    ts: &TestServer,
    grant_id: &str,
    token: &str,
    key: &SigningKey,
) -> reqwest::Response {
    call(
        ts,
        reqwest::Method::GET,
        &format!("/grants/{grant_id}"),
        token,
        key,
    )
    .await
}

async fn delete_grant(
    ts: &TestServer,
    grant_id: &str,
    token: &str,
    key: &SigningKey,
) -> reqwest::Response {
    call(
        ts,
        reqwest::Method::DELETE,
        &format!("/grants/{grant_id}"),
        token,
        key,
    )
    .await
}

/// A `client_credentials` token of `client` with `scope`, bound to `key`.
async fn client_token(
    ts: &TestServer,
    client: &TestClient,
    key: &SigningKey,
    scope: &str,
) -> String {
    let proof = ts.proof(key, "POST", &ts.url("/token"), None);
    let response = ts
        .post_form(
            "/token",
            client,
            &[("grant_type", "client_credentials"), ("scope", scope)],
            Some(proof),
        )
        .await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

async fn stored(ts: &TestServer, grant_id: &str) -> Consent {
    ts.server
        .read::<Consent>(kinds::GRANT, grant_id)
        .await
        .unwrap()
        .unwrap()
}

async fn record(ts: &TestServer, token: &str) -> TokenRecord {
    ts.server
        .read(kinds::ACCESS_TOKEN, &token_key(token))
        .await
        .unwrap()
        .unwrap()
}

fn text(body: &Value, name: &str) -> String {
    body[name].as_str().unwrap().to_owned()
}

async fn introspect(ts: &TestServer, client: &TestClient, token: &str) -> Value {
    ts.post_form("/introspect", client, &[("token", token)], None)
        .await
        .json()
        .await
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// D1: metadata

#[tokio::test]
async fn d1_metadata_names_the_actions_the_endpoint_and_that_no_action_is_required() {
    let ts = start().await;
    for path in [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
    ] {
        let metadata: Value = ts.get_json(path).await;
        assert_eq!(
            metadata["grant_management_actions_supported"],
            json!(["create", "merge", "replace"]),
            "{path}"
        );
        assert_eq!(metadata["grant_management_endpoint"], ts.url("/grants"));
        assert_eq!(metadata["grant_management_action_required"], false);
        let scopes = metadata["scopes_supported"].as_array().unwrap();
        for scope in ["grant_management_query", "grant_management_revoke"] {
            assert!(scopes.contains(&json!(scope)), "{scope} in {path}");
        }
    }
    // Without a required action, a request without one makes a grant as `create` would.
    let client = ts.auto_client().await;
    let body = tokens_with(&ts, &client, &new_key(), &[]).await;
    assert!(text(&body, "grant_id").starts_with("grant-"));
}

#[tokio::test]
async fn d1_when_the_server_requires_an_action_par_without_one_is_invalid_request() {
    let ts = start_with("sqlite::memory:", |config| {
        config.grant_management_action_required = true;
    })
    .await;
    let metadata: Value = ts.get_json("/.well-known/openid-configuration").await;
    assert_eq!(metadata["grant_management_action_required"], true);
    let client = ts.auto_client().await;
    let response = ts.par(&client, &new_pkce(), &[], None).await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "invalid_request".to_owned())
    );
    let body = tokens_with(
        &ts,
        &client,
        &new_key(),
        &[("grant_management_action", "create")],
    )
    .await;
    assert!(text(&body, "grant_id").starts_with("grant-"));
}

// ---------------------------------------------------------------------------------------------
// D2: the authorization request's grant_management_action and grant_id

#[tokio::test]
async fn d2_create_returns_grant_id_in_the_token_response_and_at_introspection() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let key = new_key();
    let body = tokens_with(&ts, &client, &key, &[("grant_management_action", "create")]).await;
    let grant_id = text(&body, "grant_id");
    let grant = stored(&ts, &grant_id).await;
    assert_eq!(grant.status, ConsentStatus::Active);
    assert_eq!(grant.client_id.as_str(), client.client_id);
    // G1: introspection names the grant, of the access and of the refresh token.
    for token in [text(&body, "access_token"), text(&body, "refresh_token")] {
        let answer = introspect(&ts, &client, &token).await;
        assert_eq!(answer["active"], true, "{answer}");
        assert_eq!(answer["grant_id"], grant_id.as_str(), "{answer}");
    }
    // A second create is a second grant.
    let again = tokens_with(&ts, &client, &key, &[("grant_management_action", "create")]).await;
    assert_ne!(again["grant_id"], body["grant_id"]);
}

#[tokio::test]
async fn d2_create_with_grant_id_is_invalid_request() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let body = tokens_with(&ts, &client, &new_key(), &[]).await;
    let grant_id = text(&body, "grant_id");
    let response = ts
        .par(
            &client,
            &new_pkce(),
            &[
                ("grant_management_action", "create"),
                ("grant_id", &grant_id),
            ],
            None,
        )
        .await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "invalid_request".to_owned())
    );
}

#[tokio::test]
async fn d2_grant_id_without_action_is_invalid_request() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let body = tokens_with(&ts, &client, &new_key(), &[]).await;
    let response = ts
        .par(
            &client,
            &new_pkce(),
            &[("grant_id", &text(&body, "grant_id"))],
            None,
        )
        .await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "invalid_request".to_owned())
    );
}

#[tokio::test]
async fn d2_merge_or_replace_without_grant_id_and_unknown_actions_are_invalid_request() {
    let ts = start().await;
    let client = ts.auto_client().await;
    for action in ["merge", "replace", "update", "CREATE", "create merge"] {
        let response = ts
            .par(
                &client,
                &new_pkce(),
                &[("grant_management_action", action)],
                None,
            )
            .await;
        assert_eq!(
            oauth_error(response).await,
            (StatusCode::BAD_REQUEST, "invalid_request".to_owned()),
            "{action}"
        );
    }
    // An empty value is no value (RFC 6749 §3.1): as if the action were left out.
    let pkce = new_pkce();
    let mut pairs: Vec<(String, String)> = [
        ("response_type", "code"),
        ("client_id", client.client_id.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("scope", "accounts"),
        ("code_challenge", pkce.challenge.as_str()),
        ("code_challenge_method", "S256"),
        ("grant_management_action", ""),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    pairs.extend(client.auth_params(&ts));
    let response = ts.post_raw("/par", &pairs, None).await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn d2_unknown_inactive_or_another_clients_grant_is_invalid_grant_id() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let other = ts.auto_client().await;
    let theirs = text(&tokens_with(&ts, &other, &new_key(), &[]).await, "grant_id");
    let revoked = text(
        &tokens_with(&ts, &client, &new_key(), &[]).await,
        "grant_id",
    );
    grant::revoke(&ts.server, &revoked).await.unwrap();
    let mine = text(
        &tokens_with(&ts, &client, &new_key(), &[]).await,
        "grant_id",
    );
    for action in ["merge", "replace"] {
        for (case, grant_id) in [
            ("unknown", "grant-nobody-has-this"),
            ("another client's", theirs.as_str()),
            ("revoked", revoked.as_str()),
        ] {
            let response = ts
                .par(
                    &client,
                    &new_pkce(),
                    &[("grant_management_action", action), ("grant_id", grant_id)],
                    None,
                )
                .await;
            let status = response.status();
            let body: Value = response.json().await.unwrap();
            assert_eq!(status, StatusCode::BAD_REQUEST, "{action} {case}");
            assert_eq!(body["error"], "invalid_grant_id", "{action} {case}: {body}");
            // One answer for all three: nothing to learn about other clients' grants.
            assert_eq!(
                body["error_description"],
                "grant_id names no active grant of this client"
            );
        }
        // The client's own active grant is accepted.
        let response = ts
            .par(
                &client,
                &new_pkce(),
                &[("grant_management_action", action), ("grant_id", &mine)],
                None,
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "{action} own");
    }
}

#[tokio::test]
async fn d2_a_signed_request_object_is_held_to_the_same_rules() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let grant_id = text(
        &tokens_with(&ts, &client, &new_key(), &[]).await,
        "grant_id",
    );
    let pkce = new_pkce();
    let params = |action: &str, grant_id: Option<&str>| {
        let mut params = json!({
            "response_type": "code",
            "redirect_uri": REDIRECT_URI,
            "scope": "openid balances",
            "code_challenge": pkce.challenge,
            "code_challenge_method": "S256",
            "state": "s",
            "login_hint": "alice",
            "grant_management_action": action,
        });
        if let Some(grant_id) = grant_id {
            params["grant_id"] = json!(grant_id);
        }
        params
    };
    let push = |params: Value| {
        let object = client
            .key
            .request_object(&client.client_id, &ts.base, ts.now(), &params)
            .unwrap();
        let client = &client;
        let ts = &ts;
        async move {
            ts.post_form(
                "/par",
                client,
                &[
                    ("client_id", client.client_id.as_str()),
                    ("request", &object),
                ],
                None,
            )
            .await
        }
    };
    let response = push(params("create", Some(&grant_id))).await;
    assert_eq!(oauth_error(response).await.1, "invalid_request");
    let response = push(params("merge", Some("grant-unknown"))).await;
    assert_eq!(oauth_error(response).await.1, "invalid_grant_id");
    let response = push(params("merge", None)).await;
    assert_eq!(oauth_error(response).await.1, "invalid_request");
    let response = push(params("merge", Some(&grant_id))).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // The merge inside the object is what is applied.
    let authorize = ts
        .get_authorize(&client.client_id, body["request_uri"].as_str().unwrap())
        .await;
    let code = location(&authorize)["code"].clone();
    let tokens: Value = ts
        .redeem(&client, &code, &pkce, &new_key())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(tokens["grant_id"], grant_id.as_str());
    assert!(
        stored(&ts, &grant_id)
            .await
            .permissions
            .contains(&Permission::Balances)
    );
}

#[tokio::test]
async fn d2_merge_keeps_the_id_and_adds_scopes_accounts_permissions_and_details() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let accounts = alice_accounts(&ts).await;
    assert!(accounts.len() >= 2, "alice needs two accounts");
    let (a0, a1) = (accounts[0].as_str(), accounts[1].as_str());
    let first = tokens_with(
        &ts,
        &client,
        &new_key(),
        &[
            ("scope", "openid"),
            ("authorization_details", &details(&[a0], &["balances"])),
        ],
    )
    .await;
    let grant_id = text(&first, "grant_id");
    let before = stored(&ts, &grant_id).await;
    let key = new_key();
    let merged = tokens_with(
        &ts,
        &client,
        &key,
        &[
            ("scope", "grant_management_query"),
            ("authorization_details", &details(&[a1], &["transactions"])),
            ("grant_management_action", "merge"),
            ("grant_id", &grant_id),
        ],
    )
    .await;
    assert_eq!(merged["grant_id"], grant_id.as_str());
    let grant = stored(&ts, &grant_id).await;
    assert_eq!(grant.created_at, before.created_at);
    assert!(grant.updated_at >= before.updated_at);
    assert_eq!(grant.scopes, vec!["grant_management_query", "openid"]);
    let ids: Vec<&str> = grant.account_ids.iter().map(AccountId::as_str).collect();
    let mut expected = vec![a0, a1];
    expected.sort();
    assert_eq!(ids, expected);
    assert_eq!(
        grant.permissions,
        vec![Permission::Balances, Permission::Transactions]
    );
    assert_eq!(grant.authorization_details.len(), 2);
    // The new token reaches what the merged grant does.
    let token = text(&merged, "access_token");
    let rec = record(&ts, &token).await;
    assert_eq!(rec.grant_id.as_deref(), Some(grant_id.as_str()));
    let path = format!("/accounts/{a0}/balances");
    let response = call(&ts, reqwest::Method::GET, &path, &token, &key).await;
    assert_eq!(response.status(), StatusCode::OK);
    let path = format!("/accounts/{a1}/transactions");
    let response = call(&ts, reqwest::Method::GET, &path, &token, &key).await;
    assert_eq!(response.status(), StatusCode::OK);
    // And the grant management endpoint shows the union.
    let response = get_grant(&ts, &grant_id, &token, &key).await;
    assert_eq!(response.status(), StatusCode::OK);
    let view: Value = response.json().await.unwrap();
    assert_eq!(
        view["scopes"],
        json!([{"scope": "grant_management_query openid"}])
    );
    assert_eq!(view["authorization_details"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn d2_a_merge_approved_by_another_customer_is_access_denied_and_changes_nothing() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let first = tokens_with(&ts, &client, &new_key(), &[("scope", "accounts")]).await;
    let grant_id = text(&first, "grant_id");
    let before = stored(&ts, &grant_id).await;
    for action in ["merge", "replace"] {
        let request_uri = ts
            .push(
                &client,
                &new_pkce(),
                &[
                    ("scope", "accounts balances"),
                    ("login_hint", "sam"),
                    ("grant_management_action", action),
                    ("grant_id", &grant_id),
                ],
                None,
            )
            .await;
        let response = ts.get_authorize(&client.client_id, &request_uri).await;
        let answer = location(&response);
        assert_eq!(answer["error"], "access_denied", "{action}: {answer:?}");
        assert!(!answer.contains_key("code"));
    }
    assert_eq!(stored(&ts, &grant_id).await, before);
}

#[tokio::test]
async fn d2_replace_swaps_the_permissions_and_earlier_tokens_lose_the_rest_at_once() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let accounts = alice_accounts(&ts).await;
    let (a0, a1) = (accounts[0].as_str(), accounts[1].as_str());
    let old_key = new_key();
    let old = tokens_with(
        &ts,
        &client,
        &old_key,
        &[(
            "scope",
            "openid accounts balances transactions grant_management_query",
        )],
    )
    .await;
    let grant_id = text(&old, "grant_id");
    let old_token = text(&old, "access_token");
    let grant_path = format!("/grants/{grant_id}");
    assert_eq!(
        call(&ts, reqwest::Method::GET, &grant_path, &old_token, &old_key)
            .await
            .status(),
        StatusCode::OK
    );
    let get = |path: String| {
        let (ts, token, key) = (&ts, &old_token, &old_key);
        async move { call(ts, reqwest::Method::GET, &path, token, key).await }
    };
    assert_eq!(
        get(format!("/accounts/{a1}/transactions")).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        get(format!("/accounts/{a1}")).await.status(),
        StatusCode::OK
    );
    // Replace: account details of a0 only.
    let new_key_ = new_key();
    let replaced = tokens_with(
        &ts,
        &client,
        &new_key_,
        &[
            ("scope", "openid"),
            ("authorization_details", &details(&[a0], &["accounts"])),
            ("grant_management_action", "replace"),
            ("grant_id", &grant_id),
        ],
    )
    .await;
    assert_eq!(replaced["grant_id"], grant_id.as_str());
    let grant = stored(&ts, &grant_id).await;
    assert_eq!(grant.scopes, vec!["openid"]);
    assert_eq!(grant.permissions, vec![Permission::Accounts]);
    let ids: Vec<&str> = grant.account_ids.iter().map(AccountId::as_str).collect();
    assert_eq!(ids, vec![a0]);
    // The earlier token still works, but only for what the grant now allows.
    assert_eq!(
        get(format!("/accounts/{a0}")).await.status(),
        StatusCode::OK
    );
    let response = get(format!("/accounts/{a0}/transactions")).await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::FORBIDDEN, "insufficient_scope".to_owned())
    );
    let response = get(format!("/accounts/{a0}/balances")).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = get(format!("/accounts/{a1}")).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let listed: Value = get("/accounts".to_owned()).await.json().await.unwrap();
    let listed: Vec<&str> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["accountId"].as_str().unwrap())
        .collect();
    assert_eq!(listed, vec![a0]);
    // The grant management scope went with the replace too.
    let response = call(&ts, reqwest::Method::GET, &grant_path, &old_token, &old_key).await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::FORBIDDEN, "insufficient_scope".to_owned())
    );
}

#[tokio::test]
async fn d2_the_consent_page_says_when_a_request_extends_or_replaces_a_grant() {
    let ts = start().await;
    let client = ts.register(json!({})).await;
    // A grant of the pages client, given on the pages.
    let pkce = new_pkce();
    let request_uri = ts.push(&client, &pkce, &[("scope", "openid")], None).await;
    let (page, cookie, interaction) =
        crate::authorize::log_in(&ts, &client.client_id, &request_uri, PASSWORD).await;
    assert!(!page.html.contains("already gave"), "{}", page.html);
    let done = crate::authorize::consent(&ts, &cookie, &interaction, &[], "approve").await;
    let code = location(&done)["code"].clone();
    let tokens: Value = ts
        .redeem(&client, &code, &pkce, &new_key())
        .await
        .json()
        .await
        .unwrap();
    let grant_id = text(&tokens, "grant_id");
    for (action, words) in [
        ("merge", "This extends the access you already gave"),
        ("replace", "This replaces the access you already gave"),
    ] {
        let request_uri = ts
            .push(
                &client,
                &new_pkce(),
                &[
                    ("scope", "openid"),
                    ("grant_management_action", action),
                    ("grant_id", &grant_id),
                ],
                None,
            )
            .await;
        let (page, _, _) =
            crate::authorize::log_in(&ts, &client.client_id, &request_uri, PASSWORD).await;
        assert!(page.html.contains(words), "{action}: {}", page.html);
    }
}

#[tokio::test]
async fn d2_a_grant_revoked_after_par_is_invalid_grant_id_at_approval() {
    let ts = start().await;
    let client = ts.register(json!({})).await;
    let auto = ts.auto_client().await;
    let grant_id = text(&tokens_with(&ts, &auto, &new_key(), &[]).await, "grant_id");
    // The pages client cannot name the auto client's grant...
    let response = ts
        .par(
            &client,
            &new_pkce(),
            &[
                ("grant_management_action", "merge"),
                ("grant_id", &grant_id),
            ],
            None,
        )
        .await;
    assert_eq!(oauth_error(response).await.1, "invalid_grant_id");
    // ...and its own, revoked between PAR and the customer's approval, is refused then.
    let pkce = new_pkce();
    let request_uri = ts.push(&client, &pkce, &[("scope", "openid")], None).await;
    let (_, cookie, interaction) =
        crate::authorize::log_in(&ts, &client.client_id, &request_uri, PASSWORD).await;
    let done = crate::authorize::consent(&ts, &cookie, &interaction, &[], "approve").await;
    let code = location(&done)["code"].clone();
    let tokens: Value = ts
        .redeem(&client, &code, &pkce, &new_key())
        .await
        .json()
        .await
        .unwrap();
    let own = text(&tokens, "grant_id");
    let request_uri = ts
        .push(
            &client,
            &new_pkce(),
            &[
                ("scope", "openid balances"),
                ("grant_management_action", "replace"),
                ("grant_id", &own),
            ],
            None,
        )
        .await;
    let (_, cookie, interaction) =
        crate::authorize::log_in(&ts, &client.client_id, &request_uri, PASSWORD).await;
    grant::revoke(&ts.server, &own).await.unwrap();
    let accounts = alice_accounts(&ts).await;
    let done =
        crate::authorize::consent(&ts, &cookie, &interaction, &accounts[..1], "approve").await;
    let answer = location(&done);
    assert_eq!(answer["error"], "invalid_grant_id", "{answer:?}");
    assert_eq!(stored(&ts, &own).await.status, ConsentStatus::Revoked);
}

// ---------------------------------------------------------------------------------------------
// D3: GET and DELETE /grants/{grant_id}

#[tokio::test]
async fn d3_get_grant_shows_scopes_details_and_timestamps_and_is_not_cached() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let key = new_key();
    let accounts = alice_accounts(&ts).await;
    let body = tokens_with(
        &ts,
        &client,
        &key,
        &[
            ("scope", "accounts balances grant_management_query"),
            (
                "authorization_details",
                &details(&[&accounts[0]], &["transactions"]),
            ),
        ],
    )
    .await;
    let grant_id = text(&body, "grant_id");
    let response = get_grant(&ts, &grant_id, &text(&body, "access_token"), &key).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let view: Value = response.json().await.unwrap();
    assert_eq!(
        view["scopes"],
        json!([{"scope": "accounts balances grant_management_query"}])
    );
    assert_eq!(
        view["authorization_details"],
        json!([{"type": "account_information", "accounts": [accounts[0]], "permissions": ["transactions"]}])
    );
    let grant = stored(&ts, &grant_id).await;
    for (name, at) in [
        ("created_at", grant.created_at),
        ("updated_at", grant.updated_at),
        ("expires_at", grant.expires_at.unwrap()),
    ] {
        let shown = chrono::DateTime::parse_from_rfc3339(view[name].as_str().unwrap()).unwrap();
        assert_eq!(shown.timestamp(), at.timestamp(), "{name}");
        assert!(view[name].as_str().unwrap().ends_with('Z'), "{name}");
    }
}

#[tokio::test]
async fn d3_delete_stops_refresh_and_access_tokens_at_once() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let key = new_key();
    let body = tokens_with(
        &ts,
        &client,
        &key,
        &[(
            "scope",
            "accounts grant_management_revoke grant_management_query",
        )],
    )
    .await;
    let grant_id = text(&body, "grant_id");
    let access = text(&body, "access_token");
    let refresh = text(&body, "refresh_token");
    let accounts = |token: String| {
        let (ts, key) = (&ts, &key);
        async move { call(ts, reqwest::Method::GET, "/accounts", &token, key).await }
    };
    assert_eq!(accounts(access.clone()).await.status(), StatusCode::OK);
    let response = delete_grant(&ts, &grant_id, &access, &key).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(response.headers()["cache-control"], "no-store");
    // The access token is refused at once: at the bank API and at the grant endpoint.
    let response = accounts(access.clone()).await;
    assert!(response.headers().contains_key("www-authenticate"));
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::UNAUTHORIZED, "invalid_token".to_owned())
    );
    let response = get_grant(&ts, &grant_id, &access, &key).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // The refresh token too.
    let proof = ts.proof(&key, "POST", &ts.url("/token"), None);
    let response = ts
        .post_form(
            "/token",
            &client,
            &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
            Some(proof),
        )
        .await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "invalid_grant".to_owned())
    );
    for token in [&access, &refresh] {
        assert_eq!(
            introspect(&ts, &client, token).await,
            json!({"active": false})
        );
    }
    assert_eq!(stored(&ts, &grant_id).await.status, ConsentStatus::Revoked);
    // Gone for the client: querying or deleting it again is 404.
    let cc_key = new_key();
    let cc = client_token(
        &ts,
        &client,
        &cc_key,
        "grant_management_query grant_management_revoke",
    )
    .await;
    assert_eq!(
        get_grant(&ts, &grant_id, &cc, &cc_key).await.status(),
        StatusCode::NOT_FOUND
    );
    let response = delete_grant(&ts, &grant_id, &cc, &cc_key).await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::NOT_FOUND, "invalid_grant_id".to_owned())
    );
}

#[tokio::test]
async fn d3_a_client_credentials_token_of_the_same_client_queries_and_revokes_its_grants() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let user_key = new_key();
    let body = tokens_with(&ts, &client, &user_key, &[("scope", "accounts")]).await;
    let grant_id = text(&body, "grant_id");
    let key = new_key();
    let cc = client_token(
        &ts,
        &client,
        &key,
        "grant_management_query grant_management_revoke",
    )
    .await;
    let response = get_grant(&ts, &grant_id, &cc, &key).await;
    assert_eq!(response.status(), StatusCode::OK);
    let view: Value = response.json().await.unwrap();
    assert_eq!(view["scopes"], json!([{"scope": "accounts"}]));
    assert_eq!(
        delete_grant(&ts, &grant_id, &cc, &key).await.status(),
        StatusCode::NO_CONTENT
    );
    let response = call(
        &ts,
        reqwest::Method::GET,
        "/accounts",
        &text(&body, "access_token"),
        &user_key,
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn d3_unknown_grant_is_404_and_another_clients_is_403() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let other = ts.auto_client().await;
    let theirs = text(&tokens_with(&ts, &other, &new_key(), &[]).await, "grant_id");
    let key = new_key();
    let cc = client_token(
        &ts,
        &client,
        &key,
        "grant_management_query grant_management_revoke",
    )
    .await;
    for response in [
        get_grant(&ts, "grant-nobody-has-this", &cc, &key).await,
        delete_grant(&ts, "grant-nobody-has-this", &cc, &key).await,
    ] {
        assert_eq!(
            oauth_error(response).await,
            (StatusCode::NOT_FOUND, "invalid_grant_id".to_owned())
        );
    }
    for response in [
        get_grant(&ts, &theirs, &cc, &key).await,
        delete_grant(&ts, &theirs, &cc, &key).await,
    ] {
        assert_eq!(
            oauth_error(response).await,
            (StatusCode::FORBIDDEN, "access_denied".to_owned())
        );
    }
    // Another client's grant is untouched by the refused delete.
    assert_eq!(stored(&ts, &theirs).await.status, ConsentStatus::Active);
}

#[tokio::test]
async fn d3_a_token_without_the_scope_is_403_insufficient_scope() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let key = new_key();
    let body = tokens_with(
        &ts,
        &client,
        &key,
        &[("scope", "accounts grant_management_query")],
    )
    .await;
    let grant_id = text(&body, "grant_id");
    let token = text(&body, "access_token");
    // Query may read, not revoke.
    assert_eq!(
        get_grant(&ts, &grant_id, &token, &key).await.status(),
        StatusCode::OK
    );
    let response = delete_grant(&ts, &grant_id, &token, &key).await;
    let challenge = response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        challenge.contains("scope=\"grant_management_revoke\""),
        "{challenge}"
    );
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::FORBIDDEN, "insufficient_scope".to_owned())
    );
    assert_eq!(stored(&ts, &grant_id).await.status, ConsentStatus::Active);
    // A token with neither may do neither.
    let plain = tokens_with(&ts, &client, &key, &[("scope", "accounts")]).await;
    let plain_token = text(&plain, "access_token");
    let response = get_grant(&ts, &text(&plain, "grant_id"), &plain_token, &key).await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::FORBIDDEN, "insufficient_scope".to_owned())
    );
    // A client that did not register the scopes cannot ask for them.
    let narrow = ts
        .register(json!({"sandbox_auto_consent": true, "scope": "openid accounts"}))
        .await;
    let response = ts
        .par(
            &narrow,
            &new_pkce(),
            &[("scope", "accounts grant_management_query")],
            None,
        )
        .await;
    assert_eq!(oauth_error(response).await.1, "invalid_scope");
}

#[tokio::test]
async fn d3_a_missing_or_invalid_token_is_401_with_www_authenticate() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let key = new_key();
    let body = tokens_with(
        &ts,
        &client,
        &key,
        &[(
            "scope",
            "accounts grant_management_query grant_management_revoke",
        )],
    )
    .await;
    let grant_id = text(&body, "grant_id");
    let token = text(&body, "access_token");
    let url = ts.url(&format!("/grants/{grant_id}"));
    let cases: Vec<(&str, reqwest::RequestBuilder, &str)> = vec![
        ("no token", ts.http.get(&url), ""),
        (
            "unknown token",
            ts.http
                .get(&url)
                .header("Authorization", "DPoP not-a-token")
                .header("DPoP", ts.proof(&key, "GET", &url, Some("not-a-token"))),
            "invalid_token",
        ),
        (
            "no proof",
            ts.http
                .get(&url)
                .header("Authorization", format!("DPoP {token}")),
            "invalid_dpop_proof",
        ),
        (
            "proof by another key",
            ts.http
                .delete(&url)
                .header("Authorization", format!("DPoP {token}"))
                .header("DPoP", ts.proof(&new_key(), "DELETE", &url, Some(&token))),
            "invalid_token",
        ),
        (
            "as a bearer token",
            ts.http
                .delete(&url)
                .header("Authorization", format!("Bearer {token}")),
            "invalid_token",
        ),
        (
            "proof for another method",
            ts.http
                .delete(&url)
                .header("Authorization", format!("DPoP {token}"))
                .header("DPoP", ts.proof(&key, "GET", &url, Some(&token))),
            "invalid_dpop_proof",
        ),
    ];
    for (case, request, error) in cases {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{case}");
        let challenge = response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(challenge.starts_with("DPoP"), "{case}: {challenge}");
        let body: Value = response.json().await.unwrap();
        if !error.is_empty() {
            assert_eq!(body["error"], error, "{case}: {body}");
        }
    }
    // None of that revoked anything.
    assert_eq!(stored(&ts, &grant_id).await.status, ConsentStatus::Active);
}

// ---------------------------------------------------------------------------------------------
// The grant library the privacy dashboard calls.

#[tokio::test]
async fn grants_of_customer_lists_the_active_ones_newest_first() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let key = new_key();
    let first = text(&tokens_with(&ts, &client, &key, &[]).await, "grant_id");
    let second = text(&tokens_with(&ts, &client, &key, &[]).await, "grant_id");
    let revoked = text(&tokens_with(&ts, &client, &key, &[]).await, "grant_id");
    grant::revoke(&ts.server, &revoked).await.unwrap();
    let sams = text(
        &tokens_with(&ts, &client, &key, &[("login_hint", "sam")]).await,
        "grant_id",
    );
    let alice = ts
        .server
        .store
        .customer_by_username("alice")
        .await
        .unwrap()
        .unwrap();
    let listed: Vec<String> = grant::grants_of_customer(&ts.server, &alice.party_id)
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.consent_id.as_str().to_owned())
        .collect();
    assert_eq!(listed, vec![second, first]);
    assert!(!listed.contains(&sams) && !listed.contains(&revoked));
}

#[tokio::test]
async fn remove_account_narrows_the_grant_for_its_tokens_and_revokes_it_with_the_last() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let key = new_key();
    let accounts = alice_accounts(&ts).await;
    let (a0, a1) = (accounts[0].as_str(), accounts[1].as_str());
    let body = tokens_with(
        &ts,
        &client,
        &key,
        &[
            ("scope", "openid"),
            ("authorization_details", &details(&[a0, a1], &["accounts"])),
        ],
    )
    .await;
    let grant_id = text(&body, "grant_id");
    let token = text(&body, "access_token");
    let get = |path: String| {
        let (ts, token, key) = (&ts, &token, &key);
        async move { call(ts, reqwest::Method::GET, &path, token, key).await }
    };
    assert_eq!(
        get(format!("/accounts/{a1}")).await.status(),
        StatusCode::OK
    );
    let grant = grant::remove_account(&ts.server, &grant_id, &AccountId::new(a1).unwrap())
        .await
        .unwrap();
    assert_eq!(grant.status, ConsentStatus::Active);
    assert_eq!(
        serde_json::to_value(&grant.authorization_details).unwrap(),
        json!([{"type": "account_information", "accounts": [a0], "permissions": ["accounts"]}])
    );
    assert_eq!(
        get(format!("/accounts/{a1}")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(format!("/accounts/{a0}")).await.status(),
        StatusCode::OK
    );
    let grant = grant::remove_account(&ts.server, &grant_id, &AccountId::new(a0).unwrap())
        .await
        .unwrap();
    assert_eq!(grant.status, ConsentStatus::Revoked);
    assert_eq!(
        get("/accounts".to_owned()).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let again = grant::remove_account(&ts.server, &grant_id, &AccountId::new(a0).unwrap()).await;
    assert_eq!(again, Err(grant::GrantError::NotActive));
}

#[tokio::test]
async fn concurrent_changes_to_one_grant_are_all_kept() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let accounts = alice_accounts(&ts).await;
    assert!(accounts.len() >= 3, "alice needs three accounts");
    let body = tokens_with(&ts, &client, &new_key(), &[("scope", "accounts")]).await;
    let grant_id = text(&body, "grant_id");
    let removed: Vec<AccountId> = accounts[1..]
        .iter()
        .map(|a| AccountId::new(a.as_str()).unwrap())
        .collect();
    let changes = removed.iter().map(|account| {
        let server = ts.server.clone();
        let grant_id = grant_id.clone();
        let account = account.clone();
        tokio::spawn(async move { grant::remove_account(&server, &grant_id, &account).await })
    });
    for change in futures_join(changes.collect()).await {
        change.unwrap();
    }
    let grant = stored(&ts, &grant_id).await;
    let left: Vec<&str> = grant.account_ids.iter().map(AccountId::as_str).collect();
    assert_eq!(left, vec![accounts[0].as_str()]);
}

/// Awaits every task.
async fn futures_join<T>(tasks: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::with_capacity(tasks.len());
    for task in tasks {
        out.push(task.await.unwrap());
    }
    out
}
