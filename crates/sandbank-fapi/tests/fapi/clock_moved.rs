//! After the sandbox clock moves: a client that dates its DPoP proofs and client assertions
//! by its own (real) clock keeps working, one that follows the sandbox clock too; a date in
//! between is refused; and nothing used before the move can be replayed after it.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use sandbank_testkit::SigningKey;
use sandbank_testkit::jose::{random_token, unverified_claims};

use crate::harness::{TestClient, TestServer, new_key, oauth_error, start};

/// A day: far more than any proof or assertion window.
fn a_day() -> Duration {
    Duration::days(1)
}

/// Now by real time, in seconds: what a client's own clock reads.
fn real_now(ts: &TestServer) -> i64 {
    ts.server.clock.read().real.timestamp()
}

/// A client assertion for `client` valid for 60 s from `iat`.
fn assertion_at(ts: &TestServer, client: &TestClient, iat: i64) -> String {
    client.sign_assertion(&json!({
        "iss": client.client_id,
        "sub": client.client_id,
        "aud": ts.base,
        "iat": iat,
        "exp": iat + 60,
        "jti": random_token(16).unwrap(),
    }))
}

/// A DPoP proof for `POST /token` dated `iat`.
fn proof_at(ts: &TestServer, key: &SigningKey, iat: i64) -> String {
    let mut claims = ts.dpop_claims("POST", &ts.url("/token"), None);
    claims["iat"] = json!(iat);
    key.dpop_proof_with(&claims).unwrap()
}

/// A `client_credentials` token request with this assertion and DPoP proof.
async fn token(ts: &TestServer, assertion: &str, proof: &str) -> reqwest::Response {
    ts.http
        .post(ts.url("/token"))
        .header("DPoP", proof)
        .form(&[
            ("grant_type", "client_credentials"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", assertion),
        ])
        .send()
        .await
        .unwrap()
}

async fn assert_issued(response: reqwest::Response, case: &str) {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{case}: {body}");
    assert_eq!(body["token_type"], "DPoP", "{case}: {body}");
}

#[tokio::test]
async fn after_a_clock_move_real_time_and_sandbox_time_are_both_accepted() {
    let ts = start().await;
    let client = ts.register(json!({})).await;
    let key = new_key();
    ts.server.clock.advance(a_day());
    let real = real_now(&ts);
    let sandbox = ts.now();
    assert!(sandbox - real >= a_day().num_seconds() - 1);

    // A client on its own clock (what any real client does), one that follows the sandbox
    // clock (the test kit does), and the two mixed: (assertion's iat, proof's iat).
    for (case, assertion_iat, proof_iat) in [
        ("real time", real, real),
        ("sandbox time", sandbox, sandbox),
        ("mixed", sandbox, real),
    ] {
        let response = token(
            &ts,
            &assertion_at(&ts, &client, assertion_iat),
            &proof_at(&ts, &key, proof_iat),
        )
        .await;
        assert_issued(response, case).await;
    }
}

#[tokio::test]
async fn after_a_clock_move_a_date_fresh_by_neither_clock_is_refused() {
    let ts = start().await;
    let client = ts.register(json!({})).await;
    let key = new_key();
    ts.server.clock.advance(a_day());
    let real = real_now(&ts);
    let between = real + a_day().num_seconds() / 2;

    for (case, iat) in [
        ("half way between the clocks", between),
        ("old by real time", real - 600),
        ("ahead of the sandbox clock", ts.now() + 61),
    ] {
        let response = token(
            &ts,
            &assertion_at(&ts, &client, real),
            &proof_at(&ts, &key, iat),
        )
        .await;
        assert_eq!(
            oauth_error(response).await,
            (StatusCode::BAD_REQUEST, "invalid_dpop_proof".to_owned()),
            "proof {case}"
        );
        let response = token(
            &ts,
            &assertion_at(&ts, &client, iat),
            &proof_at(&ts, &key, real),
        )
        .await;
        assert_eq!(
            oauth_error(response).await,
            (StatusCode::UNAUTHORIZED, "invalid_client".to_owned()),
            "assertion {case}"
        );
    }
}

#[tokio::test]
async fn a_proof_or_assertion_used_before_a_clock_move_cannot_be_replayed_after_it() {
    let ts = start().await;
    let client = ts.register(json!({})).await;
    let key = new_key();
    let real = real_now(&ts);
    let proof = proof_at(&ts, &key, real);
    let assertion = assertion_at(&ts, &client, real);
    assert_issued(token(&ts, &assertion, &proof).await, "first use").await;

    // The sandbox's day passes in an instant; both are still fresh by real time, and still
    // remembered.
    ts.server.clock.advance(a_day());
    let response = token(&ts, &assertion_at(&ts, &client, real), &proof).await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "invalid_dpop_proof".to_owned()),
        "the proof replayed after the move"
    );
    let response = token(&ts, &assertion, &proof_at(&ts, &key, real)).await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::UNAUTHORIZED, "invalid_client".to_owned()),
        "the assertion replayed after the move"
    );

    // A proof dated by the moved clock, used now, is fresh again by real time in a day:
    // it is remembered that long, even across another move.
    let ahead = ts.now();
    let proof = proof_at(&ts, &key, ahead);
    assert_issued(
        token(&ts, &assertion_at(&ts, &client, real), &proof).await,
        "sandbox-dated proof",
    )
    .await;
    let entry = ts
        .server
        .auth()
        .get(
            sandbank_fapi::state::kinds::DPOP_JTI,
            &format!(
                "{}:{}",
                key.thumbprint(),
                unverified_claims(&proof).unwrap()["jti"].as_str().unwrap()
            ),
            ts.server.clock.read().real,
        )
        .await
        .unwrap()
        .expect("the jti is remembered");
    assert!(entry.expires_at.timestamp() > ahead + 120, "{entry:?}");
}
