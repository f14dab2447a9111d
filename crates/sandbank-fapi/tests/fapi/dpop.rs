//! FAPI.md A5 (DPoP `iat`) and A21: DPoP proofs at the authorization server; server nonces.

use reqwest::StatusCode;
use sandbank_testkit::jose::b64url;
use serde_json::{Value, json};

use crate::harness::{TestClient, TestServer, new_key, oauth_error, start, start_with};

/// A client_credentials request with these DPoP header values.
async fn token_with(ts: &TestServer, client: &TestClient, proofs: &[String]) -> reqwest::Response {
    let mut pairs: Vec<(String, String)> =
        vec![("grant_type".to_owned(), "client_credentials".to_owned())];
    pairs.extend(client.auth_params(ts));
    let mut request = ts.http.post(ts.url("/token")).form(&pairs);
    for proof in proofs {
        request = request.header("DPoP", proof);
    }
    request.send().await.unwrap()
}

async fn assert_refused(ts: &TestServer, client: &TestClient, proofs: &[String], case: &str) {
    let response = token_with(ts, client, proofs).await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "invalid_dpop_proof".to_owned()),
        "{case}"
    );
}

async fn assert_accepted(ts: &TestServer, client: &TestClient, proof: String, case: &str) {
    let response = token_with(ts, client, &[proof]).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{case}: {body}");
}

#[tokio::test]
async fn a21_malformed_or_wrong_dpop_proofs_are_invalid_dpop_proof() {
    let ts = start().await;
    let client = ts.register(json!({})).await;
    let key = new_key();
    let htu = ts.url("/token");
    let claims = || ts.dpop_claims("POST", &htu, None);
    let without = |claim: &str| {
        let mut c = claims();
        c.as_object_mut().unwrap().remove(claim);
        key.dpop_proof_with(&c).unwrap()
    };

    let two = vec![
        ts.proof(&key, "POST", &htu, None),
        ts.proof(&key, "POST", &htu, None),
    ];
    assert_refused(&ts, &client, &two, "two DPoP headers").await;
    assert_refused(&ts, &client, &["not.a.jwt".to_owned()], "malformed").await;
    // Signed under the proof header, changed.
    let under = |change: &dyn Fn(&mut jsonwebtoken::Header)| {
        let mut header = key.dpop_header().unwrap();
        change(&mut header);
        key.sign(&header, &claims()).unwrap()
    };
    let typ = under(&|header| header.typ = Some("JWT".into()));
    assert_refused(&ts, &client, &[typ], "typ").await;
    let no_jwk = under(&|header| header.jwk = None);
    assert_refused(&ts, &client, &[no_jwk], "no jwk").await;
    for claim in ["jti", "htm", "htu", "iat"] {
        assert_refused(&ts, &client, &[without(claim)], claim).await;
    }
    // A JWT part: JSON, base64url.
    let part = |json: Value| b64url(json.to_string().as_bytes());
    let body = part(claims());
    let jwk = key.bare_jwk();
    let none = format!(
        "{}.{body}.",
        part(json!({"typ": "dpop+jwt", "alg": "none", "jwk": jwk}))
    );
    assert_refused(&ts, &client, &[none], "alg none").await;
    let rs256 = format!(
        "{}.{body}.{}",
        part(json!({"typ": "dpop+jwt", "alg": "RS256", "jwk": jwk})),
        b64url(b"sig")
    );
    assert_refused(&ts, &client, &[rs256], "RS256").await;
    let no_alg = format!(
        "{}.{body}.{}",
        part(json!({"typ": "dpop+jwt", "jwk": jwk})),
        b64url(b"sig")
    );
    assert_refused(&ts, &client, &[no_alg], "no alg").await;
    // Signed by another key than the one in the header.
    let forged = new_key()
        .sign(&key.dpop_header().unwrap(), &claims())
        .unwrap();
    assert_refused(&ts, &client, &[forged], "bad signature").await;
    let mut private = key.bare_jwk();
    private["d"] = json!(b64url(&[7u8; 32]));
    let header = json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": private});
    assert_refused(
        &ts,
        &client,
        &[key.sign_raw(&header, &claims()).unwrap()],
        "private key in jwk",
    )
    .await;
    // The same hand-built header without `d` is fine: the refusal above is about `d`.
    let header = json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": key.bare_jwk()});
    assert_accepted(
        &ts,
        &client,
        key.sign_raw(&header, &claims()).unwrap(),
        "hand-built header",
    )
    .await;
    assert_refused(&ts, &client, &[ts.proof(&key, "GET", &htu, None)], "htm").await;
    assert_refused(
        &ts,
        &client,
        &[ts.proof(&key, "POST", &ts.url("/par"), None)],
        "htu",
    )
    .await;
    let now = ts.now();
    for (case, iat) in [("iat far ahead", now + 61), ("iat long ago", now - 600)] {
        let mut c = claims();
        c["iat"] = json!(iat);
        assert_refused(&ts, &client, &[key.dpop_proof_with(&c).unwrap()], case).await;
    }
    let replayed = ts.proof(&key, "POST", &htu, None);
    assert_accepted(&ts, &client, replayed.clone(), "first use").await;
    assert_refused(&ts, &client, &[replayed], "replayed jti").await;
}

#[tokio::test]
async fn a21_htu_with_query_or_fragment_extra_claims_and_iat_within_10s_are_accepted() {
    let ts = start().await;
    let client = ts.register(json!({})).await;
    let key = new_key();
    let htu = ts.url("/token");
    assert_accepted(
        &ts,
        &client,
        ts.proof(&key, "POST", &format!("{htu}?a=1"), None),
        "query",
    )
    .await;
    assert_accepted(
        &ts,
        &client,
        ts.proof(&key, "POST", &format!("{htu}#frag"), None),
        "fragment",
    )
    .await;
    let mut claims = ts.dpop_claims("POST", &htu, None);
    claims["extra"] = json!({"anything": [1, 2]});
    assert_accepted(
        &ts,
        &client,
        key.dpop_proof_with(&claims).unwrap(),
        "extra claims",
    )
    .await;
    for offset in [10, -10] {
        let mut claims = ts.dpop_claims("POST", &htu, None);
        claims["iat"] = json!(ts.now() + offset);
        assert_accepted(
            &ts,
            &client,
            key.dpop_proof_with(&claims).unwrap(),
            "iat ±10",
        )
        .await;
    }
}

#[tokio::test]
async fn a21_server_nonces_when_enabled_use_dpop_nonce_with_the_header() {
    let ts = start_with("sqlite::memory:", |c| c.dpop_nonces = true).await;
    let client = ts.register(json!({})).await;
    let key = new_key();
    let htu = ts.url("/token");
    let response = token_with(&ts, &client, &[ts.proof(&key, "POST", &htu, None)]).await;
    let nonce = response.headers()["dpop-nonce"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "use_dpop_nonce".to_owned())
    );
    let mut claims = ts.dpop_claims("POST", &htu, None);
    claims["nonce"] = json!("made-up");
    let response = token_with(&ts, &client, &[key.dpop_proof_with(&claims).unwrap()]).await;
    assert_eq!(oauth_error(response).await.1, "use_dpop_nonce");
    let mut claims = ts.dpop_claims("POST", &htu, None);
    claims["nonce"] = json!(nonce);
    assert_accepted(
        &ts,
        &client,
        key.dpop_proof_with(&claims).unwrap(),
        "with nonce",
    )
    .await;
}

#[tokio::test]
async fn a21_a_bad_dpop_proof_at_par_is_invalid_dpop_proof() {
    let ts = start().await;
    let client = ts.register(json!({})).await;
    let key = new_key();
    let pkce = crate::harness::new_pkce();
    let wrong_htu = ts.proof(&key, "POST", &ts.url("/token"), None);
    let pairs: Vec<(&str, &str)> = vec![
        ("response_type", "code"),
        ("redirect_uri", crate::harness::REDIRECT_URI),
        ("scope", "accounts"),
        ("code_challenge", &pkce.challenge),
        ("code_challenge_method", "S256"),
    ];
    let response = ts.post_form("/par", &client, &pairs, Some(wrong_htu)).await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "invalid_dpop_proof".to_owned())
    );
}
