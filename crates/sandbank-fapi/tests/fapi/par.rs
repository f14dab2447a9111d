//! FAPI.md A10, A11, A12, A13, A17 and the PAR rules around them.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{REDIRECT_URI, new_pkce, oauth_error, start};

#[tokio::test]
async fn a10_par_without_client_authentication_is_invalid_client() {
    let ts = start().await;
    let client = ts.register(json!({})).await;
    let pkce = new_pkce();
    let pairs: Vec<(String, String)> = [
        ("response_type", "code"),
        ("client_id", client.client_id.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("scope", "accounts"),
        ("code_challenge", pkce.challenge.as_str()),
        ("code_challenge_method", "S256"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let response = ts.post_raw("/par", &pairs, None).await;
    assert!(response.headers().contains_key("www-authenticate"));
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::UNAUTHORIZED, "invalid_client".to_owned())
    );
}

#[tokio::test]
async fn a10_valid_par_is_201_with_a_short_lived_high_entropy_request_uri() {
    let ts = start().await;
    let client = ts.register(json!({})).await;
    let response = ts.par(&client, &new_pkce(), &[], None).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    let expires_in = body["expires_in"].as_i64().unwrap();
    assert!(expires_in > 0 && expires_in < 600);
    let uri = body["request_uri"].as_str().unwrap();
    let random = uri
        .strip_prefix("urn:ietf:params:oauth:request_uri:")
        .unwrap();
    // base64url: 6 bits a character; 128 bits need at least 22.
    assert!(random.len() * 6 >= 128, "{uri}");
    let again: Value = ts
        .par(&client, &new_pkce(), &[], None)
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(again["request_uri"], body["request_uri"]);
}

#[tokio::test]
async fn a10_par_body_with_request_uri_is_invalid_request() {
    let ts = start().await;
    let client = ts.register(json!({})).await;
    let response = ts
        .par(
            &client,
            &new_pkce(),
            &[("request_uri", "urn:ietf:params:oauth:request_uri:abc")],
            None,
        )
        .await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "invalid_request".to_owned())
    );
}

#[tokio::test]
async fn a10_get_and_put_on_par_are_405() {
    let ts = start().await;
    let get = ts.http.get(ts.url("/par")).send().await.unwrap();
    assert_eq!(get.status(), StatusCode::METHOD_NOT_ALLOWED);
    let put = ts.http.put(ts.url("/par")).send().await.unwrap();
    assert_eq!(put.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn a11_code_challenge_is_required_and_s256_only() {
    let ts = start().await;
    let client = ts.register(json!({})).await;
    let pkce = new_pkce();
    for (case, extra) in [
        ("no challenge", vec![("code_challenge", "")]),
        ("plain", vec![("code_challenge_method", "plain")]),
        ("no method", vec![("code_challenge_method", "")]),
        ("malformed", vec![("code_challenge", "short")]),
    ] {
        let response = ts.par(&client, &pkce, &extra, None).await;
        assert_eq!(
            oauth_error(response).await,
            (StatusCode::BAD_REQUEST, "invalid_request".to_owned()),
            "{case}"
        );
    }
}

#[tokio::test]
async fn a12_redirect_uri_missing_unregistered_or_plain_http_is_refused_without_redirect() {
    let ts = start().await;
    let client = ts.register(json!({})).await;
    let pkce = new_pkce();
    for (case, uri) in [
        ("missing", ""),
        ("unregistered", "https://attacker.example/cb"),
        ("registered plus a query", "https://client.example/cb?x=1"),
        ("http not loopback", "http://client.example/cb"),
    ] {
        let response = ts.par(&client, &pkce, &[("redirect_uri", uri)], None).await;
        assert!(response.headers().get("location").is_none());
        assert_eq!(
            oauth_error(response).await,
            (StatusCode::BAD_REQUEST, "invalid_request".to_owned()),
            "{case}"
        );
    }
    // A plain http redirect URI that is not loopback cannot even be registered.
    let response = ts
        .http
        .post(ts.url("/register"))
        .json(&json!({
            "redirect_uris": ["http://client.example/cb"],
            "jwks": {"keys": [client.key.public_jwk()]},
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "invalid_redirect_uri".to_owned())
    );
}

#[tokio::test]
async fn a13_response_type_other_than_code_is_unsupported() {
    let ts = start().await;
    let client = ts.register(json!({})).await;
    let pkce = new_pkce();
    for response_type in ["token", "code id_token", "id_token"] {
        let response = ts
            .par(&client, &pkce, &[("response_type", response_type)], None)
            .await;
        assert_eq!(
            oauth_error(response).await,
            (
                StatusCode::BAD_REQUEST,
                "unsupported_response_type".to_owned()
            ),
            "{response_type}"
        );
    }
    let response = ts.par(&client, &pkce, &[("response_type", "")], None).await;
    assert_eq!(oauth_error(response).await.1, "invalid_request");
}

#[tokio::test]
async fn a17_scopes_in_any_order_are_accepted_and_unknown_scopes_rejected_cleanly() {
    let ts = start().await;
    let client = ts.register(json!({})).await;
    let pkce = new_pkce();
    for scope in [
        "openid accounts balances",
        "balances  openid accounts",
        "accounts openid",
    ] {
        let response = ts.par(&client, &pkce, &[("scope", scope)], None).await;
        assert_eq!(response.status(), StatusCode::CREATED, "{scope}");
    }
    let response = ts
        .par(
            &client,
            &pkce,
            &[("scope", "openid accounts telepathy")],
            None,
        )
        .await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "invalid_scope".to_owned())
    );
}

#[tokio::test]
async fn par_refuses_unknown_response_modes_and_repeated_parameters() {
    let ts = start().await;
    let client = ts.register(json!({})).await;
    let pkce = new_pkce();
    let response = ts
        .par(&client, &pkce, &[("response_mode", "fragment")], None)
        .await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_request");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("response_mode=jwt")
    );

    let mut pairs: Vec<(String, String)> = vec![
        ("response_type".into(), "code".into()),
        ("scope".into(), "accounts".into()),
        ("scope".into(), "balances".into()),
    ];
    pairs.extend(client.auth_params(&ts));
    let response = ts.post_raw("/par", &pairs, None).await;
    assert_eq!(oauth_error(response).await.1, "invalid_request");
}

#[tokio::test]
async fn b1_a_client_that_requires_signed_request_objects_cannot_push_plain_parameters() {
    let ts = start().await;
    let client = ts
        .register(json!({"require_signed_request_object": true}))
        .await;
    let response = ts.par(&client, &new_pkce(), &[], None).await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "invalid_request".to_owned())
    );
}
