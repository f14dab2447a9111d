//! `GET /userinfo`: the customer's claims for a DPoP-bound token with `openid` (the token checks
//! of A24/A25 as far as userinfo goes).

use reqwest::StatusCode;
use serde_json::Value;

use crate::harness::{new_key, new_pkce, start};

#[tokio::test]
async fn userinfo_returns_the_customers_claims_for_a_dpop_bound_openid_token() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let key = new_key();
    let tokens = ts.tokens(&client, &key).await;
    let token = tokens["access_token"].as_str().unwrap();
    let response = ts.userinfo(token, &key).await;
    assert_eq!(response.status(), StatusCode::OK);
    let claims: Value = response.json().await.unwrap();
    let alice = ts
        .server
        .store
        .customer_by_username("alice")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claims["sub"], alice.party_id.as_str());
    for claim in ["name", "given_name", "family_name", "email"] {
        assert!(claims[claim].is_string(), "{claim} in {claims}");
    }

    // Scheme is case-insensitive.
    let url = ts.url("/userinfo");
    let response = ts
        .http
        .get(&url)
        .header("Authorization", format!("dpop {token}"))
        .header("DPoP", ts.proof(&key, "GET", &url, Some(token)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn userinfo_refuses_bearer_missing_or_foreign_proofs_wrong_ath_and_tokens_without_openid() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let key = new_key();
    let tokens = ts.tokens(&client, &key).await;
    let token = tokens["access_token"].as_str().unwrap();
    let url = ts.url("/userinfo");
    let cases = [
        (
            "bearer",
            format!("Bearer {token}"),
            Some(ts.proof(&key, "GET", &url, Some(token))),
        ),
        ("no proof", format!("DPoP {token}"), None),
        (
            "wrong ath",
            format!("DPoP {token}"),
            Some(ts.proof(&key, "GET", &url, Some("other"))),
        ),
        (
            "other key",
            format!("DPoP {token}"),
            Some(ts.proof(&new_key(), "GET", &url, Some(token))),
        ),
        (
            "unknown token",
            "DPoP nope".to_owned(),
            Some(ts.proof(&key, "GET", &url, Some("nope"))),
        ),
    ];
    for (case, authorization, proof) in cases {
        let mut request = ts.http.get(&url).header("Authorization", authorization);
        if let Some(proof) = proof {
            request = request.header("DPoP", proof);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{case}");
        assert!(
            response.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("DPoP"),
            "{case}"
        );
    }
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
    let response = ts
        .userinfo(body["access_token"].as_str().unwrap(), &key)
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}
