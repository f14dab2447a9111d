//! FAPI.md A7, A16 (nonce), A18, A19, A20, A22, A23: the token endpoint.

use jsonwebtoken::{DecodingKey, Validation};
use reqwest::StatusCode;
use sandbank_fapi::state::kinds;
use sandbank_fapi::tokens::{TokenRecord, token_key};
use sandbank_schemas::consent::{Consent, ConsentStatus};
use sandbank_testkit::SigningKey;
use sandbank_testkit::jose::unverified_claims;
use serde_json::{Value, json};

use crate::harness::{REDIRECT_URI, new_key, new_pkce, oauth_error, start};

#[tokio::test]
async fn a7_password_implicit_and_unknown_grant_types_are_unsupported() {
    let ts = start().await;
    let client = ts.register(json!({})).await;
    let key = new_key();
    for grant_type in ["password", "implicit", "urn:example:magic"] {
        let proof = ts.proof(&key, "POST", &ts.url("/token"), None);
        let response = ts
            .post_form(
                "/token",
                &client,
                &[
                    ("grant_type", grant_type),
                    ("username", "alice"),
                    ("password", "sandbank"),
                ],
                Some(proof),
            )
            .await;
        assert_eq!(
            oauth_error(response).await,
            (StatusCode::BAD_REQUEST, "unsupported_grant_type".to_owned()),
            "{grant_type}"
        );
    }
}

#[tokio::test]
async fn a18_a_code_is_single_use_and_a_second_redemption_revokes_its_tokens() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let key = new_key();
    let pkce = new_pkce();
    let code = ts.code(&client, &pkce, &[], None).await;
    let first: Value = ts
        .redeem(&client, &code, &pkce, &key)
        .await
        .json()
        .await
        .unwrap();
    let access_token = first["access_token"].as_str().unwrap();
    assert_eq!(
        ts.userinfo(access_token, &key).await.status(),
        StatusCode::OK
    );

    let second = ts.redeem(&client, &code, &pkce, &key).await;
    assert_eq!(
        oauth_error(second).await,
        (StatusCode::BAD_REQUEST, "invalid_grant".to_owned())
    );
    let grant: Consent = ts
        .server
        .read(kinds::GRANT, first["grant_id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(grant.status, ConsentStatus::Revoked);
    assert_eq!(
        ts.userinfo(access_token, &key).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // The refresh token from the first redemption is dead too.
    let proof = ts.proof(&key, "POST", &ts.url("/token"), None);
    let refresh = ts
        .post_form(
            "/token",
            &client,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", first["refresh_token"].as_str().unwrap()),
            ],
            Some(proof),
        )
        .await;
    assert_eq!(oauth_error(refresh).await.1, "invalid_grant");
}

#[tokio::test]
async fn a18_a_code_lives_at_most_60_seconds() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let key = new_key();
    let pkce = new_pkce();
    let code = ts.code(&client, &pkce, &[], None).await;
    ts.server.clock.advance(chrono::Duration::seconds(61));
    let response = ts.redeem(&client, &code, &pkce, &key).await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "invalid_grant".to_owned())
    );
}

#[tokio::test]
async fn a18_a_code_is_bound_to_its_client() {
    let ts = start().await;
    let a = ts.auto_client().await;
    let b = ts.auto_client().await;
    let key = new_key();
    let pkce = new_pkce();
    let code = ts.code(&a, &pkce, &[], None).await;
    let response = ts.redeem(&b, &code, &pkce, &key).await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "invalid_grant".to_owned())
    );
}

#[tokio::test]
async fn a18_code_verifier_is_required_and_checked() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let key = new_key();
    for verifier in [None, Some(new_pkce().verifier)] {
        let pkce = new_pkce();
        let code = ts.code(&client, &pkce, &[], None).await;
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT_URI),
        ];
        if let Some(verifier) = &verifier {
            form.push(("code_verifier", verifier));
        }
        let proof = ts.proof(&key, "POST", &ts.url("/token"), None);
        let response = ts.post_form("/token", &client, &form, Some(proof)).await;
        assert_eq!(
            oauth_error(response).await,
            (StatusCode::BAD_REQUEST, "invalid_grant".to_owned()),
            "verifier {verifier:?}"
        );
    }
}

#[tokio::test]
async fn redirect_uri_at_the_token_endpoint_must_match() {
    let ts = start().await;
    let client = ts
        .register(json!({"sandbox_auto_consent": true, "redirect_uris": [REDIRECT_URI, "https://client.example/other"]}))
        .await;
    let key = new_key();
    let pkce = new_pkce();
    let code = ts.code(&client, &pkce, &[], None).await;
    let proof = ts.proof(&key, "POST", &ts.url("/token"), None);
    let response = ts
        .post_form(
            "/token",
            &client,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", "https://client.example/other"),
                ("code_verifier", &pkce.verifier),
            ],
            Some(proof),
        )
        .await;
    assert_eq!(oauth_error(response).await.1, "invalid_grant");
}

#[tokio::test]
async fn a19_without_a_dpop_proof_the_token_request_is_refused() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let pkce = new_pkce();
    let code = ts.code(&client, &pkce, &[], None).await;
    let response = ts
        .post_form(
            "/token",
            &client,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT_URI),
                ("code_verifier", &pkce.verifier),
            ],
            None,
        )
        .await;
    let (status, error) = oauth_error(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error, "invalid_dpop_proof");
}

#[tokio::test]
async fn a19_tokens_are_dpop_bound_high_entropy_and_not_cached() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let key = new_key();
    let pkce = new_pkce();
    let code = ts.code(&client, &pkce, &[], None).await;
    assert!(code.len() * 6 >= 128);
    let response = ts.redeem(&client, &code, &pkce, &key).await;
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "DPoP");
    assert!(body["expires_in"].as_i64().unwrap() > 0);
    assert_eq!(body["scope"], "accounts balances openid");
    assert!(body["grant_id"].is_string());
    assert!(body["authorization_details"].is_array());
    let access_token = body["access_token"].as_str().unwrap();
    let refresh_token = body["refresh_token"].as_str().unwrap();
    assert!(access_token.len() * 6 >= 128 && refresh_token.len() * 6 >= 128);
    // What introspection will show: the record carries cnf.jkt = the proof key's thumbprint.
    let record: TokenRecord = ts
        .server
        .read(kinds::ACCESS_TOKEN, &token_key(access_token))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.cnf.jkt.as_deref(), Some(key.thumbprint().as_str()));
    assert_eq!(record.client_id, client.client_id);
    assert_eq!(record.grant_id.as_deref(), body["grant_id"].as_str());
    assert!(!record.accounts.is_empty());
}

#[tokio::test]
async fn a20_a_dpop_proof_at_par_binds_the_code_to_its_key() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let key = new_key();
    let other = new_key();
    let pkce = new_pkce();
    let code = ts.code(&client, &pkce, &[], Some(&key)).await;
    let response = ts.redeem(&client, &code, &pkce, &other).await;
    assert_eq!(oauth_error(response).await.1, "invalid_grant");

    let pkce = new_pkce();
    let code = ts.code(&client, &pkce, &[], Some(&key)).await;
    assert_eq!(
        ts.redeem(&client, &code, &pkce, &key).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a20_dpop_jkt_binds_the_code_and_must_match_the_par_proof() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let key = new_key();
    let other = new_key();
    let jkt = key.thumbprint();

    let response = ts
        .par(&client, &new_pkce(), &[("dpop_jkt", &jkt)], Some(&other))
        .await;
    let (status, _) = oauth_error(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let pkce = new_pkce();
    let code = ts.code(&client, &pkce, &[("dpop_jkt", &jkt)], None).await;
    let response = ts.redeem(&client, &code, &pkce, &other).await;
    assert_eq!(oauth_error(response).await.1, "invalid_grant");

    let pkce = new_pkce();
    let code = ts
        .code(&client, &pkce, &[("dpop_jkt", &jkt)], Some(&key))
        .await;
    assert_eq!(
        ts.redeem(&client, &code, &pkce, &key).await.status(),
        StatusCode::OK
    );
}

async fn refresh(
    ts: &crate::harness::TestServer,
    client: &crate::harness::TestClient,
    token: &str,
    key: &SigningKey,
) -> reqwest::Response {
    let proof = ts.proof(key, "POST", &ts.url("/token"), None);
    ts.post_form(
        "/token",
        client,
        &[("grant_type", "refresh_token"), ("refresh_token", token)],
        Some(proof),
    )
    .await
}

#[tokio::test]
async fn a22_refresh_tokens_do_not_rotate_and_are_bound_to_client_and_key() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let b = ts.auto_client().await;
    let key = new_key();
    let tokens = ts.tokens(&client, &key).await;
    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    for _ in 0..2 {
        let response = refresh(&ts, &client, refresh_token, &key).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["token_type"], "DPoP");
        assert_ne!(body["access_token"], tokens["access_token"]);
        assert!(body.get("refresh_token").is_none_or(|r| r == refresh_token));
        assert_eq!(
            ts.userinfo(body["access_token"].as_str().unwrap(), &key)
                .await
                .status(),
            StatusCode::OK
        );
    }
    let response = refresh(&ts, &b, refresh_token, &key).await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "invalid_grant".to_owned())
    );
    let response = refresh(&ts, &client, refresh_token, &new_key()).await;
    assert_eq!(oauth_error(response).await.1, "invalid_grant");
    let response = refresh(&ts, &client, "not-a-refresh-token", &key).await;
    assert_eq!(oauth_error(response).await.1, "invalid_grant");
}

#[tokio::test]
async fn a23_and_a16_id_token_is_ps256_with_kid_and_echoes_a_64_character_nonce() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let key = new_key();
    let nonce = "n".repeat(32) + &"0123456789abcdef".repeat(2);
    assert_eq!(nonce.len(), 64);
    let pkce = new_pkce();
    let code = ts.code(&client, &pkce, &[("nonce", &nonce)], None).await;
    let body: Value = ts
        .redeem(&client, &code, &pkce, &key)
        .await
        .json()
        .await
        .unwrap();
    let id_token = body["id_token"].as_str().unwrap();
    let header = jsonwebtoken::decode_header(id_token).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::PS256);
    let kid = header.kid.unwrap();
    let jwks: jsonwebtoken::jwk::JwkSet = ts
        .http
        .get(ts.url("/jwks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let jwk = jwks.find(&kid).unwrap();
    let mut validation = Validation::new(jsonwebtoken::Algorithm::PS256);
    validation.set_audience(&[client.client_id.as_str()]);
    validation.set_issuer(&[ts.base.as_str()]);
    let verified =
        jsonwebtoken::decode::<Value>(id_token, &DecodingKey::from_jwk(jwk).unwrap(), &validation)
            .unwrap()
            .claims;
    assert_eq!(verified["nonce"], nonce);
    let alice = ts
        .server
        .store
        .customer_by_username("alice")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(verified["sub"], alice.party_id.as_str());
    for claim in ["iat", "exp", "auth_time"] {
        assert!(verified[claim].is_i64(), "{claim}");
    }
    // Without openid, no ID token.
    let pkce = new_pkce();
    let code = ts
        .code(&client, &pkce, &[("scope", "accounts")], None)
        .await;
    let body: Value = ts
        .redeem(&client, &code, &pkce, &key)
        .await
        .json()
        .await
        .unwrap();
    assert!(body.get("id_token").is_none());
    assert!(unverified_claims(id_token).unwrap()["aud"] == client.client_id);
}

#[tokio::test]
async fn client_credentials_gives_a_dpop_bound_token_on_no_customer_and_no_data_scopes() {
    let ts = start().await;
    let client = ts.register(json!({})).await;
    let key = new_key();
    let proof = ts.proof(&key, "POST", &ts.url("/token"), None);
    let response = ts
        .post_form(
            "/token",
            &client,
            &[("grant_type", "client_credentials")],
            Some(proof),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "DPoP");
    assert!(body.get("refresh_token").is_none());
    let record: TokenRecord = ts
        .server
        .read(
            kinds::ACCESS_TOKEN,
            &token_key(body["access_token"].as_str().unwrap()),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(record.sub.is_none() && record.grant_id.is_none() && record.accounts.is_empty());

    let proof = ts.proof(&key, "POST", &ts.url("/token"), None);
    let response = ts
        .post_form(
            "/token",
            &client,
            &[("grant_type", "client_credentials"), ("scope", "accounts")],
            Some(proof),
        )
        .await;
    assert_eq!(oauth_error(response).await.1, "invalid_scope");

    // A client not registered for the grant.
    let narrow = ts
        .register(json!({"grant_types": ["authorization_code"]}))
        .await;
    let proof = ts.proof(&key, "POST", &ts.url("/token"), None);
    let response = ts
        .post_form(
            "/token",
            &narrow,
            &[("grant_type", "client_credentials")],
            Some(proof),
        )
        .await;
    assert_eq!(oauth_error(response).await.1, "unauthorized_client");
}
