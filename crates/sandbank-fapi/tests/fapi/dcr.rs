//! FAPI.md A6, F1, F2: dynamic client registration and management.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{new_key, new_pkce, oauth_error, start};

#[tokio::test]
async fn a6_clients_with_none_or_client_secret_auth_are_refused_at_registration() {
    let ts = start().await;
    let key = new_key();
    for method in [
        "none",
        "client_secret_basic",
        "client_secret_post",
        "client_secret_jwt",
    ] {
        let response = ts
            .http
            .post(ts.url("/register"))
            .json(&json!({
                "redirect_uris": ["https://client.example/cb"],
                "token_endpoint_auth_method": method,
                "jwks": {"keys": [key.public_jwk()]},
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(
            oauth_error(response).await,
            (
                StatusCode::BAD_REQUEST,
                "invalid_client_metadata".to_owned()
            ),
            "{method}"
        );
    }
}

#[tokio::test]
async fn f1_registration_returns_credentials_and_refuses_bad_metadata() {
    let ts = start().await;
    let client = ts.register(json!({})).await;
    let r = &client.registration;
    assert!(r["client_id"].is_string());
    assert!(r["registration_access_token"].is_string());
    assert_eq!(
        r["registration_client_uri"],
        ts.url(&format!("/register/{}", client.client_id))
    );
    let key = new_key();
    for (case, body, error) in [
        (
            "no redirect_uris",
            json!({"jwks": {"keys": [key.public_jwk()]}}),
            "invalid_redirect_uri",
        ),
        (
            "http redirect",
            json!({"redirect_uris": ["http://client.example/cb"], "jwks": {"keys": [key.public_jwk()]}}),
            "invalid_redirect_uri",
        ),
        (
            "bad alg",
            json!({"redirect_uris": ["https://client.example/cb"], "jwks": {"keys": [key.public_jwk()]}, "id_token_signed_response_alg": "RS256"}),
            "invalid_client_metadata",
        ),
        (
            "software statement",
            json!({"redirect_uris": ["https://client.example/cb"], "jwks": {"keys": [key.public_jwk()]}, "software_statement": "e30.e30.sig"}),
            "invalid_software_statement",
        ),
    ] {
        let response = ts
            .http
            .post(ts.url("/register"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(
            oauth_error(response).await,
            (StatusCode::BAD_REQUEST, error.to_owned()),
            "{case}"
        );
    }
}

#[tokio::test]
async fn f2_registration_management_and_a_deleted_client_gets_no_token() {
    let ts = start().await;
    let client = ts.register(json!({})).await;
    let uri = client.registration["registration_client_uri"]
        .as_str()
        .unwrap();
    let token = client.registration["registration_access_token"]
        .as_str()
        .unwrap();
    let read = ts.http.get(uri).bearer_auth(token).send().await.unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    let wrong = ts.http.get(uri).bearer_auth("wrong").send().await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let mut metadata: Value = read.json().await.unwrap();
    metadata["client_name"] = json!("Renamed");
    for field in ["registration_client_uri", "client_id_issued_at"] {
        metadata.as_object_mut().unwrap().remove(field);
    }
    let put = ts
        .http
        .put(uri)
        .bearer_auth(token)
        .json(&metadata)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::OK);
    let delete = ts.http.delete(uri).bearer_auth(token).send().await.unwrap();
    assert_eq!(delete.status(), StatusCode::NO_CONTENT);
    let response = ts.par(&client, &new_pkce(), &[], None).await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::UNAUTHORIZED, "invalid_client".to_owned())
    );
}

#[tokio::test]
async fn a_payment_notification_uri_is_https_or_loopback_and_is_kept() {
    let ts = start().await;
    for uri in [
        "https://client.example/payments/events",
        "http://127.0.0.1:8080/events",
        "http://localhost/events",
    ] {
        let client = ts.register(json!({"payment_notification_uri": uri})).await;
        assert_eq!(client.registration["payment_notification_uri"], uri);
    }
    let key = new_key();
    let long = format!("https://client.example/{}", "a".repeat(2000));
    for (case, uri) in [
        ("http elsewhere", json!("http://client.example/events")),
        ("not a URL", json!("events")),
        ("a fragment", json!("https://client.example/events#x")),
        ("another scheme", json!("ftp://client.example/events")),
        ("not a string", json!(42)),
        ("too long", json!(long)),
    ] {
        let response = ts
            .http
            .post(ts.url("/register"))
            .json(&json!({
                "redirect_uris": ["https://client.example/cb"],
                "jwks": {"keys": [key.public_jwk()]},
                "payment_notification_uri": uri,
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(
            oauth_error(response).await,
            (
                StatusCode::BAD_REQUEST,
                "invalid_client_metadata".to_owned()
            ),
            "{case}"
        );
    }
}
