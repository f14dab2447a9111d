//! FAPI.md C1–C5: CIBA (the decoupled flow, FAPI-CIBA profile) in poll and ping modes.
//!
//! The customer's decision is taken through `sandbank_fapi::ciba` (what the dashboard and the
//! sandbox control API call); everything the client does goes over the socket with the test
//! kit's keys. Ping notifications go to a real loopback HTTP listener started by the test.

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode as AxumStatus, Uri};
use axum::response::IntoResponse;
use chrono::Duration;
use reqwest::StatusCode;
use sandbank_fapi::ciba;
use sandbank_fapi::decision::DecisionError;
use sandbank_schemas::{AccountId, PartyId};
use sandbank_testkit::SigningKey;
use sandbank_testkit::jose::{random_token, unverified_claims};
use serde_json::{Value, json};

use crate::harness::{TestClient, TestServer, new_key, oauth_error, start};

const CIBA: &str = "urn:openid:params:grant-type:ciba";

/// A client registered for the CIBA grant (and refresh tokens) in poll mode; `extra` adds or
/// replaces metadata.
async fn ciba_client(ts: &TestServer, extra: Value) -> TestClient {
    let mut metadata = json!({
        "grant_types": [CIBA, "refresh_token"],
        "backchannel_token_delivery_mode": "poll",
    });
    for (name, value) in extra.as_object().unwrap() {
        metadata[name] = value.clone();
    }
    ts.register(metadata).await
}

/// `POST /backchannel` with client authentication.
async fn backchannel(
    ts: &TestServer,
    client: &TestClient,
    form: &[(&str, &str)],
) -> reqwest::Response {
    ts.post_form("/backchannel", client, form, None).await
}

/// A backchannel request for alice's accounts that must succeed; its `auth_req_id`.
async fn start_for_alice(ts: &TestServer, client: &TestClient, extra: &[(&str, &str)]) -> String {
    let mut form = vec![
        ("scope", "openid accounts balances"),
        ("login_hint", "alice"),
    ];
    form.extend_from_slice(extra);
    let response = backchannel(ts, client, &form).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    body["auth_req_id"].as_str().unwrap().to_owned()
}

/// `POST /token` with the CIBA grant and a DPoP proof by `key`.
async fn poll(
    ts: &TestServer,
    client: &TestClient,
    auth_req_id: &str,
    key: &SigningKey,
) -> reqwest::Response {
    let proof = ts.proof(key, "POST", &ts.url("/token"), None);
    ts.post_form(
        "/token",
        client,
        &[("grant_type", CIBA), ("auth_req_id", auth_req_id)],
        Some(proof),
    )
    .await
}

async fn party(ts: &TestServer, username: &str) -> PartyId {
    ts.server
        .store
        .customer_by_username(username)
        .await
        .unwrap()
        .unwrap()
        .party_id
}

async fn accounts(ts: &TestServer, username: &str) -> Vec<AccountId> {
    let party = party(ts, username).await;
    ts.server
        .store
        .accounts_of_party(&party)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.account_id)
        .collect()
}

/// The claims of a signed CIBA request for alice, valid now.
fn signed_claims(ts: &TestServer, client: &TestClient) -> Value {
    let now = ts.now();
    json!({
        "iss": client.client_id,
        "aud": ts.base,
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "jti": random_token(16).unwrap(),
        "scope": "openid accounts",
        "login_hint": "alice",
    })
}

#[tokio::test]
async fn c1_discovery_lists_the_backchannel_endpoint_poll_ping_and_user_codes() {
    let ts = start().await;
    let metadata: Value = ts.get_json("/.well-known/openid-configuration").await;
    assert_eq!(
        metadata["backchannel_authentication_endpoint"],
        ts.url("/backchannel")
    );
    assert_eq!(
        metadata["backchannel_token_delivery_modes_supported"],
        json!(["poll", "ping"])
    );
    assert_eq!(metadata["backchannel_user_code_parameter_supported"], true);
    assert_eq!(
        metadata["backchannel_authentication_request_signing_alg_values_supported"],
        json!(["PS256", "ES256"])
    );
    let grants = metadata["grant_types_supported"].as_array().unwrap();
    assert!(grants.contains(&json!(CIBA)), "{grants:?}");
    let same: Value = ts.get_json("/.well-known/oauth-authorization-server").await;
    assert_eq!(same, metadata);
}

#[tokio::test]
async fn c2_unauthenticated_backchannel_request_is_401() {
    let ts = start().await;
    let client = ciba_client(&ts, json!({})).await;
    let pairs: Vec<(String, String)> = [
        ("client_id", client.client_id.as_str()),
        ("scope", "openid accounts"),
        ("login_hint", "alice"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let response = ts.post_raw("/backchannel", &pairs, None).await;
    assert!(response.headers().contains_key("www-authenticate"));
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::UNAUTHORIZED, "invalid_client".to_owned())
    );
    // A bad assertion is no better than none.
    let mut claims = client.assertion_claims(&ts);
    claims["aud"] = json!(ts.url("/backchannel"));
    let assertion = client.sign_assertion(&claims);
    let mut pairs = pairs.clone();
    pairs.push((
        "client_assertion_type".into(),
        sandbank_testkit::jose::JWT_BEARER.into(),
    ));
    pairs.push(("client_assertion".into(), assertion));
    let response = ts.post_raw("/backchannel", &pairs, None).await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::UNAUTHORIZED, "invalid_client".to_owned())
    );
}

#[tokio::test]
async fn c2_success_is_200_with_auth_req_id_expires_in_and_interval() {
    let ts = start().await;
    let client = ciba_client(&ts, json!({})).await;
    let response = backchannel(
        &ts,
        &client,
        &[("scope", "openid accounts"), ("login_hint", "alice")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    let id = body["auth_req_id"].as_str().unwrap();
    // base64url: 6 bits a character; FAPI-CIBA asks for 160 bits of entropy at least.
    assert!(id.len() * 6 >= 160, "{id}");
    assert_eq!(body["expires_in"], 300);
    assert_eq!(body["interval"], 5);
    let again = start_for_alice(&ts, &client, &[]).await;
    assert_ne!(again, id);
}

#[tokio::test]
async fn c2_zero_or_several_hints_are_invalid_request() {
    let ts = start().await;
    let client = ciba_client(&ts, json!({})).await;
    for hints in [
        vec![],
        vec![("login_hint", "alice"), ("id_token_hint", "a.b.c")],
        vec![("login_hint", "alice"), ("login_hint_token", "a.b.c")],
        vec![("login_hint_token", "a.b.c"), ("id_token_hint", "a.b.c")],
        // The one hint this sandbox does not take.
        vec![("login_hint_token", "a.b.c")],
    ] {
        let mut form = vec![("scope", "openid accounts")];
        form.extend(hints.iter().copied());
        let response = backchannel(&ts, &client, &form).await;
        assert_eq!(
            oauth_error(response).await,
            (StatusCode::BAD_REQUEST, "invalid_request".to_owned()),
            "{hints:?}"
        );
    }
}

#[tokio::test]
async fn c2_no_openid_scope_is_invalid_request() {
    let ts = start().await;
    let client = ciba_client(&ts, json!({})).await;
    for scope in ["accounts balances", ""] {
        let response =
            backchannel(&ts, &client, &[("scope", scope), ("login_hint", "alice")]).await;
        assert_eq!(
            oauth_error(response).await,
            (StatusCode::BAD_REQUEST, "invalid_request".to_owned()),
            "{scope:?}"
        );
    }
    // Other scopes and details are checked as everywhere else.
    let response = backchannel(
        &ts,
        &client,
        &[("scope", "openid nonsense"), ("login_hint", "alice")],
    )
    .await;
    assert_eq!(oauth_error(response).await.1, "invalid_scope");
    let response = backchannel(
        &ts,
        &client,
        &[
            ("scope", "openid"),
            ("login_hint", "alice"),
            ("authorization_details", r#"[{"type": "unknown"}]"#),
        ],
    )
    .await;
    assert_eq!(
        oauth_error(response).await.1,
        "invalid_authorization_details"
    );
}

#[tokio::test]
async fn c2_unknown_user_is_unknown_user_id() {
    let ts = start().await;
    let client = ciba_client(&ts, json!({})).await;
    let response = backchannel(
        &ts,
        &client,
        &[("scope", "openid accounts"), ("login_hint", "nobody-here")],
    )
    .await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "unknown_user_id".to_owned())
    );
}

#[tokio::test]
async fn c2_id_token_hint_names_the_customer_it_was_issued_for() {
    let ts = start().await;
    // A client with the code flow too, to get an ID token for alice first.
    let client = ciba_client(
        &ts,
        json!({
            "grant_types": ["authorization_code", CIBA, "refresh_token"],
            "sandbox_auto_consent": true,
        }),
    )
    .await;
    let tokens = ts.tokens(&client, &new_key()).await;
    let id_token = tokens["id_token"].as_str().unwrap();
    let response = backchannel(
        &ts,
        &client,
        &[("scope", "openid accounts"), ("id_token_hint", id_token)],
    )
    .await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    let alice = party(&ts, "alice").await;
    let pending = ciba::pending_for_customer(&ts.server, &alice)
        .await
        .unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(
        pending[0].auth_req_id,
        body["auth_req_id"].as_str().unwrap()
    );

    // An ID token issued to another client, or one this server never signed, names nobody.
    let other = ciba_client(&ts, json!({})).await;
    let response = backchannel(
        &ts,
        &other,
        &[("scope", "openid"), ("id_token_hint", id_token)],
    )
    .await;
    assert_eq!(oauth_error(response).await.1, "invalid_request");
    let mut claims = unverified_claims(id_token).unwrap();
    claims["aud"] = json!(other.client_id);
    let forged = other.sign_assertion(&claims);
    let response = backchannel(
        &ts,
        &other,
        &[("scope", "openid"), ("id_token_hint", &forged)],
    )
    .await;
    assert_eq!(oauth_error(response).await.1, "invalid_request");
}

#[tokio::test]
async fn c2_requested_expiry_as_a_string_is_accepted_and_bounded() {
    let ts = start().await;
    let client = ciba_client(&ts, json!({})).await;
    for (asked, given) in [("120", 120), ("86400", 1800)] {
        let response = backchannel(
            &ts,
            &client,
            &[
                ("scope", "openid accounts"),
                ("login_hint", "alice"),
                ("requested_expiry", asked),
            ],
        )
        .await;
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["expires_in"], given, "{asked}: {body}");
    }
    for bad in ["0", "-1", "soon"] {
        let response = backchannel(
            &ts,
            &client,
            &[
                ("scope", "openid accounts"),
                ("login_hint", "alice"),
                ("requested_expiry", bad),
            ],
        )
        .await;
        assert_eq!(oauth_error(response).await.1, "invalid_request", "{bad}");
    }
}

#[tokio::test]
async fn c2_binding_message_and_user_code_are_bounded_and_shown() {
    let ts = start().await;
    let client = ciba_client(&ts, json!({"backchannel_user_code_parameter": true})).await;
    let id = start_for_alice(
        &ts,
        &client,
        &[("binding_message", "W4SCT"), ("user_code", "1234")],
    )
    .await;
    let alice = party(&ts, "alice").await;
    let pending = ciba::pending_for_customer(&ts.server, &alice)
        .await
        .unwrap();
    let shown = pending.iter().find(|p| p.auth_req_id == id).unwrap();
    assert_eq!(shown.binding_message.as_deref(), Some("W4SCT"));
    assert_eq!(shown.user_code.as_deref(), Some("1234"));
    assert_eq!(shown.client_name, "Budget Buddy <test>");

    let long = "x".repeat(129);
    for (message, code) in [
        (long.as_str(), "invalid_binding_message"),
        ("a\nb", "invalid_binding_message"),
    ] {
        let response = backchannel(
            &ts,
            &client,
            &[
                ("scope", "openid"),
                ("login_hint", "alice"),
                ("binding_message", message),
            ],
        )
        .await;
        assert_eq!(oauth_error(response).await.1, code);
    }
    // A client that did not register backchannel_user_code_parameter cannot send one.
    let plain = ciba_client(&ts, json!({})).await;
    let response = backchannel(
        &ts,
        &plain,
        &[
            ("scope", "openid"),
            ("login_hint", "alice"),
            ("user_code", "1234"),
        ],
    )
    .await;
    assert_eq!(oauth_error(response).await.1, "invalid_request");
}

#[tokio::test]
async fn c2_a_client_without_the_ciba_grant_is_unauthorized_client() {
    let ts = start().await;
    let client = ts.register(json!({})).await;
    let response = backchannel(
        &ts,
        &client,
        &[("scope", "openid accounts"), ("login_hint", "alice")],
    )
    .await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "unauthorized_client".to_owned())
    );
}

#[tokio::test]
async fn c2_signed_request_object_is_accepted() {
    let ts = start().await;
    let client = ciba_client(&ts, json!({})).await;
    let mut claims = signed_claims(&ts, &client);
    // Inside a JWT, requested_expiry may be a number.
    claims["requested_expiry"] = json!(120);
    let object = client.sign_assertion(&claims);
    let response = backchannel(&ts, &client, &[("request", &object)]).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["expires_in"], 120);
    // The same object again: its jti has been seen.
    let response = backchannel(&ts, &client, &[("request", &object)]).await;
    assert_eq!(oauth_error(response).await.1, "invalid_request");
}

#[tokio::test]
async fn c2_signed_request_is_required_when_registered_so_and_follows_7_1_1() {
    let ts = start().await;
    let client = ciba_client(
        &ts,
        json!({"backchannel_authentication_request_signing_alg": "ES256"}),
    )
    .await;
    let response = backchannel(
        &ts,
        &client,
        &[("scope", "openid accounts"), ("login_hint", "alice")],
    )
    .await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "invalid_request".to_owned())
    );
    let good = client.sign_assertion(&signed_claims(&ts, &client));
    let response = backchannel(&ts, &client, &[("request", &good)]).await;
    assert_eq!(response.status(), StatusCode::OK);

    for (claim, value) in [
        ("aud", json!(ts.url("/backchannel"))),
        ("iss", json!("someone-else")),
        ("iss", Value::Null),
        ("exp", Value::Null),
        ("iat", Value::Null),
        ("nbf", Value::Null),
        ("jti", Value::Null),
        ("exp", json!(ts.now() - 10)),
    ] {
        let mut claims = signed_claims(&ts, &client);
        match value {
            Value::Null => {
                claims.as_object_mut().unwrap().remove(claim);
            }
            value => claims[claim] = value,
        }
        let object = client.sign_assertion(&claims);
        let response = backchannel(&ts, &client, &[("request", &object)]).await;
        assert_eq!(
            oauth_error(response).await,
            (StatusCode::BAD_REQUEST, "invalid_request".to_owned()),
            "{claim}"
        );
    }
    // Signed by a key that is not the client's.
    let stranger = new_key();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.kid = Some(client.key.kid().to_owned());
    let forged = stranger
        .sign(&header, &signed_claims(&ts, &client))
        .unwrap();
    let response = backchannel(&ts, &client, &[("request", &forged)]).await;
    assert_eq!(oauth_error(response).await.1, "invalid_request");
}

#[tokio::test]
async fn c2_ciba_registration_metadata_is_checked() {
    let ts = start().await;
    let key = new_key();
    let register = |metadata: Value| {
        let mut body = json!({"jwks": {"keys": [key.public_jwk()]}, "grant_types": [CIBA]});
        for (name, value) in metadata.as_object().unwrap() {
            body[name] = value.clone();
        }
        ts.http.post(ts.url("/register")).json(&body).send()
    };
    for (metadata, why) in [
        (json!({}), "no delivery mode"),
        (json!({"backchannel_token_delivery_mode": "push"}), "push"),
        (
            json!({"backchannel_token_delivery_mode": "ping"}),
            "ping without an endpoint",
        ),
        (
            json!({"backchannel_token_delivery_mode": "ping", "backchannel_client_notification_endpoint": "http://client.example/cb"}),
            "http to a host that is not loopback",
        ),
        (
            json!({"backchannel_token_delivery_mode": "poll", "backchannel_authentication_request_signing_alg": "RS256"}),
            "RS256",
        ),
    ] {
        let response = register(metadata).await.unwrap();
        assert_eq!(
            oauth_error(response).await,
            (
                StatusCode::BAD_REQUEST,
                "invalid_client_metadata".to_owned()
            ),
            "{why}"
        );
    }
    // A CIBA-only client needs no redirect URI; RFC 7592 shows what it registered.
    let response = register(json!({
        "backchannel_token_delivery_mode": "ping",
        "backchannel_client_notification_endpoint": "https://client.example/ciba",
        "backchannel_authentication_request_signing_alg": "PS256",
        "backchannel_user_code_parameter": true,
    }))
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let registration: Value = response.json().await.unwrap();
    let read: Value = ts
        .http
        .get(registration["registration_client_uri"].as_str().unwrap())
        .bearer_auth(registration["registration_access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read["backchannel_token_delivery_mode"], "ping");
    assert_eq!(
        read["backchannel_client_notification_endpoint"],
        "https://client.example/ciba"
    );
    assert_eq!(
        read["backchannel_authentication_request_signing_alg"],
        "PS256"
    );
    assert_eq!(read["backchannel_user_code_parameter"], true);
}

#[tokio::test]
async fn c3_authorization_pending_before_approval() {
    let ts = start().await;
    let client = ciba_client(&ts, json!({})).await;
    let id = start_for_alice(&ts, &client, &[]).await;
    let response = poll(&ts, &client, &id, &new_key()).await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "authorization_pending".to_owned())
    );
}

#[tokio::test]
async fn c3_slow_down_when_polling_faster_than_interval() {
    let ts = start().await;
    let client = ciba_client(&ts, json!({})).await;
    let key = new_key();
    let id = start_for_alice(&ts, &client, &[]).await;
    assert_eq!(
        oauth_error(poll(&ts, &client, &id, &key).await).await.1,
        "authorization_pending"
    );
    assert_eq!(
        oauth_error(poll(&ts, &client, &id, &key).await).await.1,
        "slow_down"
    );
    // The interval is now 10 s (CIBA §11: 5 s more): 7 s later is still too soon...
    ts.server.clock.advance(Duration::seconds(7));
    assert_eq!(
        oauth_error(poll(&ts, &client, &id, &key).await).await.1,
        "slow_down"
    );
    // ...and it grew to 15 s; waiting that long is fine.
    ts.server.clock.advance(Duration::seconds(16));
    assert_eq!(
        oauth_error(poll(&ts, &client, &id, &key).await).await.1,
        "authorization_pending"
    );
    // Once approved, the tokens come at the next poll, however soon.
    ciba::approve(&ts.server, &id, None, None).await.unwrap();
    assert_eq!(poll(&ts, &client, &id, &key).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn c3_expired_token_after_expiry() {
    let ts = start().await;
    let client = ciba_client(&ts, json!({})).await;
    let pending = start_for_alice(&ts, &client, &[("requested_expiry", "60")]).await;
    let approved = start_for_alice(&ts, &client, &[("requested_expiry", "60")]).await;
    ciba::approve(&ts.server, &approved, None, None)
        .await
        .unwrap();
    ts.server.clock.advance(Duration::seconds(61));
    for id in [&pending, &approved] {
        let response = poll(&ts, &client, id, &new_key()).await;
        assert_eq!(
            oauth_error(response).await,
            (StatusCode::BAD_REQUEST, "expired_token".to_owned())
        );
    }
    // An expired request can no longer be decided.
    assert!(matches!(
        ciba::deny(&ts.server, &pending, None).await,
        Err(DecisionError::NotFound)
    ));
}

#[tokio::test]
async fn c3_denied_is_access_denied() {
    let ts = start().await;
    let client = ciba_client(&ts, json!({})).await;
    let id = start_for_alice(&ts, &client, &[]).await;
    ciba::deny(&ts.server, &id, None).await.unwrap();
    let response = poll(&ts, &client, &id, &new_key()).await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "access_denied".to_owned())
    );
}

#[tokio::test]
async fn c3_another_clients_auth_req_id_is_invalid_grant() {
    let ts = start().await;
    let client = ciba_client(&ts, json!({})).await;
    let other = ciba_client(&ts, json!({})).await;
    let id = start_for_alice(&ts, &client, &[]).await;
    ciba::approve(&ts.server, &id, None, None).await.unwrap();
    let response = poll(&ts, &other, &id, &new_key()).await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "invalid_grant".to_owned())
    );
    let response = poll(&ts, &client, "no-such-request", &new_key()).await;
    assert_eq!(oauth_error(response).await.1, "invalid_grant");
    // The rightful client still gets its tokens.
    assert_eq!(
        poll(&ts, &client, &id, &new_key()).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn c3_approved_gives_sender_constrained_tokens_like_the_code_grant() {
    let ts = start().await;
    let client = ciba_client(&ts, json!({})).await;
    let key = new_key();
    let id = start_for_alice(&ts, &client, &[]).await;
    let chosen = accounts(&ts, "alice").await[..1].to_vec();
    let grant = ciba::approve(&ts.server, &id, None, Some(&chosen))
        .await
        .unwrap();
    let response = poll(&ts, &client, &id, &key).await;
    assert_eq!(response.headers()["cache-control"], "no-store");
    let status = response.status();
    let tokens: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(tokens["token_type"], "DPoP");
    assert_eq!(tokens["grant_id"], grant.consent_id.as_str());
    assert!(tokens["refresh_token"].is_string(), "{tokens}");
    let claims = unverified_claims(tokens["id_token"].as_str().unwrap()).unwrap();
    assert_eq!(claims["sub"], party(&ts, "alice").await.as_str());
    assert_eq!(claims["aud"], client.client_id.as_str());
    assert_eq!(claims["iss"], ts.base.as_str());

    // Bound to the DPoP key: it works with it, and without it it is refused.
    let access_token = tokens["access_token"].as_str().unwrap();
    assert_eq!(
        ts.userinfo(access_token, &key).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        ts.userinfo(access_token, &new_key()).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // It reaches only the chosen account.
    let url = ts.url("/accounts");
    let page: Value = ts
        .http
        .get(&url)
        .header("Authorization", format!("DPoP {access_token}"))
        .header("DPoP", ts.proof(&key, "GET", &url, Some(access_token)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let shown: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["accountId"].as_str().unwrap())
        .collect();
    assert_eq!(shown, vec![chosen[0].as_str()]);

    // Redeemed once.
    let response = poll(&ts, &client, &id, &key).await;
    assert_eq!(oauth_error(response).await.1, "invalid_grant");
    // No DPoP proof (and no certificate): refused, like every grant.
    let id = start_for_alice(&ts, &client, &[]).await;
    ciba::approve(&ts.server, &id, None, None).await.unwrap();
    let response = ts
        .post_form(
            "/token",
            &client,
            &[("grant_type", CIBA), ("auth_req_id", &id)],
            None,
        )
        .await;
    assert_eq!(oauth_error(response).await.1, "invalid_dpop_proof");
}

#[tokio::test]
async fn c3_a_dpop_proof_at_backchannel_binds_the_tokens_to_its_key() {
    let ts = start().await;
    let client = ciba_client(&ts, json!({})).await;
    let key = new_key();
    let proof = ts.proof(&key, "POST", &ts.url("/backchannel"), None);
    let response = ts
        .post_form(
            "/backchannel",
            &client,
            &[("scope", "openid accounts"), ("login_hint", "alice")],
            Some(proof),
        )
        .await;
    let body: Value = response.json().await.unwrap();
    let id = body["auth_req_id"].as_str().unwrap();
    ciba::approve(&ts.server, id, None, None).await.unwrap();
    let response = poll(&ts, &client, id, &new_key()).await;
    assert_eq!(oauth_error(response).await.1, "invalid_grant");
    assert_eq!(poll(&ts, &client, id, &key).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn c3_concurrent_redemptions_give_exactly_one_token_response() {
    let ts = start().await;
    let client = ciba_client(&ts, json!({})).await;
    let id = start_for_alice(&ts, &client, &[]).await;
    ciba::approve(&ts.server, &id, None, None).await.unwrap();
    let (key_a, key_b) = (new_key(), new_key());
    let (a, b) = tokio::join!(
        poll(&ts, &client, &id, &key_a),
        poll(&ts, &client, &id, &key_b)
    );
    let mut statuses = [a.status(), b.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::BAD_REQUEST]);
}

/// A loopback HTTP listener that records every request (path, `Authorization`, body) and
/// answers `/ok` with 204, `/redirect` with a 307 to `/elsewhere`, anything else with 401.
struct Listener {
    base: String,
    seen: Arc<Mutex<Vec<(String, String, Value)>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn listener() -> Listener {
    let seen: Arc<Mutex<Vec<(String, String, Value)>>> = Arc::default();
    let record = seen.clone();
    let app = axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap, body: String| {
        let record = record.clone();
        async move {
            let authorization = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let body = serde_json::from_str(&body).unwrap_or(Value::String(body));
            record
                .lock()
                .unwrap()
                .push((uri.path().to_owned(), authorization, body));
            match uri.path() {
                "/ok" => AxumStatus::NO_CONTENT.into_response(),
                "/redirect" => {
                    (AxumStatus::TEMPORARY_REDIRECT, [("location", "/elsewhere")]).into_response()
                }
                _ => AxumStatus::UNAUTHORIZED.into_response(),
            }
        }
    });
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", tcp.local_addr().unwrap());
    let task = tokio::spawn(async move {
        axum::serve(tcp, app).await.unwrap();
    });
    Listener { base, seen, task }
}

impl Listener {
    /// What it received, once at least one request arrived (5 s at most) and a moment more
    /// passed for any second one.
    async fn received(&self) -> Vec<(String, String, Value)> {
        for _ in 0..100 {
            if !self.seen.lock().unwrap().is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(700)).await;
        self.seen.lock().unwrap().clone()
    }
}

/// A ping-mode client notified at `path` of `listener`.
async fn ping_client(ts: &TestServer, listener: &Listener, path: &str) -> TestClient {
    ciba_client(
        ts,
        json!({
            "backchannel_token_delivery_mode": "ping",
            "backchannel_client_notification_endpoint": format!("{}{path}", listener.base),
        }),
    )
    .await
}

#[tokio::test]
async fn c4_ping_is_delivered_once_with_the_bearer_token_and_the_auth_req_id() {
    let ts = start().await;
    let listener = listener().await;
    let client = ping_client(&ts, &listener, "/ok").await;
    let token = random_token(24).unwrap();
    // Ping mode needs a notification token of at least 128 bits.
    for bad in [None, Some("short")] {
        let mut form = vec![("scope", "openid accounts"), ("login_hint", "alice")];
        if let Some(bad) = bad {
            form.push(("client_notification_token", bad));
        }
        let response = backchannel(&ts, &client, &form).await;
        assert_eq!(oauth_error(response).await.1, "invalid_request", "{bad:?}");
    }
    let id = start_for_alice(&ts, &client, &[("client_notification_token", &token)]).await;
    assert!(listener.seen.lock().unwrap().is_empty());
    ciba::approve(&ts.server, &id, None, None).await.unwrap();
    let seen = listener.received().await;
    assert_eq!(
        seen,
        vec![(
            "/ok".to_owned(),
            format!("Bearer {token}"),
            json!({"auth_req_id": id})
        )]
    );
    // Then the client redeems as in poll mode.
    assert_eq!(
        poll(&ts, &client, &id, &new_key()).await.status(),
        StatusCode::OK
    );

    // A denial is notified too.
    let listener = self::listener().await;
    let client = ping_client(&ts, &listener, "/ok").await;
    let id = start_for_alice(&ts, &client, &[("client_notification_token", &token)]).await;
    ciba::deny(&ts.server, &id, None).await.unwrap();
    let seen = listener.received().await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].2, json!({"auth_req_id": id}));
    let response = poll(&ts, &client, &id, &new_key()).await;
    assert_eq!(oauth_error(response).await.1, "access_denied");
}

#[tokio::test]
async fn c4_a_redirecting_endpoint_is_not_followed_nor_retried() {
    let ts = start().await;
    let listener = listener().await;
    let client = ping_client(&ts, &listener, "/redirect").await;
    let token = random_token(24).unwrap();
    let id = start_for_alice(&ts, &client, &[("client_notification_token", &token)]).await;
    ciba::approve(&ts.server, &id, None, None).await.unwrap();
    let seen = listener.received().await;
    let paths: Vec<&str> = seen.iter().map(|(path, _, _)| path.as_str()).collect();
    assert_eq!(paths, vec!["/redirect"]);
}

#[tokio::test]
async fn c4_no_retry_after_401() {
    let ts = start().await;
    let listener = listener().await;
    let client = ping_client(&ts, &listener, "/unauthorized").await;
    let token = random_token(24).unwrap();
    let id = start_for_alice(&ts, &client, &[("client_notification_token", &token)]).await;
    ciba::approve(&ts.server, &id, None, None).await.unwrap();
    let seen = listener.received().await;
    assert_eq!(seen.len(), 1, "{seen:?}");
    // The client can still poll for its tokens.
    assert_eq!(
        poll(&ts, &client, &id, &new_key()).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn c5_the_customer_sees_only_their_requests_and_approves_on_the_accounts_they_choose() {
    let ts = start().await;
    let client = ciba_client(&ts, json!({})).await;
    let for_alice = start_for_alice(&ts, &client, &[("binding_message", "A1")]).await;
    let response = backchannel(
        &ts,
        &client,
        &[("scope", "openid accounts"), ("login_hint", "sam")],
    )
    .await;
    let for_sam: Value = response.json().await.unwrap();
    let for_sam = for_sam["auth_req_id"].as_str().unwrap().to_owned();

    let alice = party(&ts, "alice").await;
    let sam = party(&ts, "sam").await;
    let mine = ciba::pending_for_customer(&ts.server, &alice)
        .await
        .unwrap();
    assert_eq!(
        mine.iter()
            .map(|p| p.auth_req_id.as_str())
            .collect::<Vec<_>>(),
        vec![for_alice.as_str()]
    );
    assert_eq!(mine[0].scopes, vec!["accounts", "balances", "openid"]);
    assert!(mine[0].expires_at > mine[0].created_at);
    assert_eq!(ciba::pending(&ts.server).await.unwrap().len(), 2);

    // Sam cannot decide alice's request; nobody can share another customer's account, and a
    // request for account data needs at least one account.
    assert!(matches!(
        ciba::approve(&ts.server, &for_alice, Some(&sam), None).await,
        Err(DecisionError::NotFound)
    ));
    assert!(matches!(
        ciba::deny(&ts.server, &for_alice, Some(&sam)).await,
        Err(DecisionError::NotFound)
    ));
    let sams = accounts(&ts, "sam").await;
    assert!(matches!(
        ciba::approve(&ts.server, &for_alice, Some(&alice), Some(&sams[..1])).await,
        Err(DecisionError::NotTheirs(..))
    ));
    assert!(matches!(
        ciba::approve(&ts.server, &for_alice, Some(&alice), Some(&[])).await,
        Err(DecisionError::NoAccountChosen)
    ));

    let alices = accounts(&ts, "alice").await;
    let grant = ciba::approve(&ts.server, &for_alice, Some(&alice), Some(&alices[..1]))
        .await
        .unwrap();
    assert_eq!(grant.customer_id, alice);
    assert_eq!(grant.account_ids, alices[..1].to_vec());
    assert_eq!(grant.client_id.as_str(), client.client_id);
    // Decided once: no second decision, and it is no longer pending.
    assert!(matches!(
        ciba::deny(&ts.server, &for_alice, Some(&alice)).await,
        Err(DecisionError::NotFound)
    ));
    assert!(
        ciba::pending_for_customer(&ts.server, &alice)
            .await
            .unwrap()
            .is_empty()
    );
    ciba::deny(&ts.server, &for_sam, Some(&sam)).await.unwrap();
    assert!(ciba::pending(&ts.server).await.unwrap().is_empty());
}
