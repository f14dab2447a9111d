//! ARCHITECTURE.md "State and scale" / issue 5: codes, refresh tokens and seen `jti`s survive a
//! restart on a SQLite file.

use reqwest::StatusCode;
use serde_json::Value;

use crate::harness::{new_key, new_pkce, oauth_error, start_on, start_with};

#[tokio::test]
async fn a_code_a_refresh_token_and_a_seen_jti_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite:{}", dir.path().join("sandbank.db").display());
    let key = new_key();
    let pkce = new_pkce();
    let (addr, client, code, refresh_token, assertion) = {
        let ts = start_with(&database, |_| {}).await;
        let client = ts.auto_client().await;
        let tokens = ts.tokens(&client, &key).await;
        let code = ts.code(&client, &pkce, &[], None).await;
        let assertion = client.assertion(&ts);
        let pairs = vec![
            ("grant_type".to_owned(), "client_credentials".to_owned()),
            (
                "client_assertion_type".to_owned(),
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_owned(),
            ),
            ("client_assertion".to_owned(), assertion.clone()),
        ];
        let proof = ts.proof(&key, "POST", &ts.url("/token"), None);
        assert_eq!(
            ts.post_raw("/token", &pairs, Some(proof)).await.status(),
            StatusCode::OK
        );
        let refresh_token = tokens["refresh_token"].as_str().unwrap().to_owned();
        let addr = ts.base.trim_start_matches("http://").to_owned();
        (addr, client, code, refresh_token, assertion)
    };
    // A new server on the same file and port (so the same issuer).
    let ts = start_on(&addr, &database, |_| {}).await;
    let response = ts.redeem(&client, &code, &pkce, &key).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");

    let proof = ts.proof(&key, "POST", &ts.url("/token"), None);
    let response = ts
        .post_form(
            "/token",
            &client,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &refresh_token),
            ],
            Some(proof),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    // The assertion accepted before the restart is still unexpired, but its jti was seen.
    let pairs = vec![
        ("grant_type".to_owned(), "client_credentials".to_owned()),
        (
            "client_assertion_type".to_owned(),
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_owned(),
        ),
        ("client_assertion".to_owned(), assertion),
    ];
    let proof = ts.proof(&key, "POST", &ts.url("/token"), None);
    let response = ts.post_raw("/token", &pairs, Some(proof)).await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::UNAUTHORIZED, "invalid_client".to_owned())
    );
}
