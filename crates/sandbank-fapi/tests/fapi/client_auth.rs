//! FAPI.md A3, A4, A5: private_key_jwt client authentication (at PAR and token endpoints).

use jsonwebtoken::{Algorithm, Header};
use reqwest::StatusCode;
use sandbank_testkit::jose::b64url;
use serde_json::{Value, json};

use crate::harness::{REDIRECT_URI, TestClient, TestServer, new_key, new_pkce, oauth_error, start};

/// A PAR request authenticated with exactly `assertion` (none when `None`).
async fn par_with(
    ts: &TestServer,
    client: &TestClient,
    assertion: Option<String>,
) -> reqwest::Response {
    let pkce = new_pkce();
    let mut pairs: Vec<(String, String)> = [
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
    if let Some(assertion) = assertion {
        pairs.push((
            "client_assertion_type".into(),
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".into(),
        ));
        pairs.push(("client_assertion".into(), assertion));
    }
    ts.post_raw("/par", &pairs, None).await
}

async fn assert_invalid_client(
    ts: &TestServer,
    client: &TestClient,
    assertion: Option<String>,
    case: &str,
) {
    let response = par_with(ts, client, assertion).await;
    let (status, error) = oauth_error(response).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{case}");
    assert_eq!(error, "invalid_client", "{case}");
}

fn with(client: &TestClient, ts: &TestServer, change: impl FnOnce(&mut Value)) -> String {
    let mut claims = client.assertion_claims(ts);
    change(&mut claims);
    client.sign_assertion(&claims)
}

#[tokio::test]
async fn a3_assertion_audience_must_be_the_issuer_as_a_plain_string() {
    let ts = start().await;
    let client = ts.register(json!({})).await;
    let ok = par_with(&ts, &client, Some(client.assertion(&ts))).await;
    assert_eq!(ok.status(), StatusCode::CREATED);
    for (case, aud) in [
        ("array", json!([ts.base])),
        ("token endpoint", json!(ts.url("/token"))),
        ("par endpoint", json!(ts.url("/par"))),
    ] {
        let assertion = with(&client, &ts, |c| c["aud"] = aud);
        assert_invalid_client(&ts, &client, Some(assertion), case).await;
    }
    // Issue 20 item 9: the refusal of another audience names the issuer to use.
    let assertion = with(&client, &ts, |c| c["aud"] = json!(ts.url("/token")));
    let body: Value = par_with(&ts, &client, Some(assertion))
        .await
        .json()
        .await
        .unwrap();
    let description = body["error_description"].as_str().unwrap();
    assert!(
        description.ends_with(&format!("aud must be the issuer identifier, {}", ts.base)),
        "{description}"
    );
}

#[tokio::test]
async fn a4_bad_or_missing_assertions_are_invalid_client() {
    let ts = start().await;
    let client = ts.register(json!({})).await;
    let other = ts.register(json!({})).await;
    for claim in ["sub", "exp", "jti"] {
        let assertion = with(&client, &ts, |c| {
            c.as_object_mut().unwrap().remove(claim);
        });
        assert_invalid_client(&ts, &client, Some(assertion), claim).await;
    }
    let now = ts.now();
    let expired = with(&client, &ts, |c| {
        c["iat"] = json!(now - 300);
        c["exp"] = json!(now - 120);
    });
    assert_invalid_client(&ts, &client, Some(expired), "expired").await;

    // RS256 and none are refused on the header alone.
    // A JWT part: JSON, base64url.
    let part = |json: Value| b64url(json.to_string().as_bytes());
    let claims = part(client.assertion_claims(&ts));
    let rs256 = format!(
        "{}.{claims}.{}",
        part(json!({"alg": "RS256", "kid": client.key.kid()})),
        b64url(b"not-a-signature")
    );
    assert_invalid_client(&ts, &client, Some(rs256), "RS256").await;
    let none = format!("{}.{claims}.", part(json!({"alg": "none"})));
    assert_invalid_client(&ts, &client, Some(none), "none").await;

    // Signed by another key, under this client's kid: bad signature.
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(client.key.kid().to_owned());
    let forged = new_key()
        .sign(&header, &client.assertion_claims(&ts))
        .unwrap();
    assert_invalid_client(&ts, &client, Some(forged), "bad signature").await;

    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some("unknown-kid".into());
    let unknown_kid = client
        .key
        .sign(&header, &client.assertion_claims(&ts))
        .unwrap();
    assert_invalid_client(&ts, &client, Some(unknown_kid), "unknown kid").await;

    // Another client's assertion for this client_id.
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(other.key.kid().to_owned());
    let foreign = other
        .key
        .sign(&header, &client.assertion_claims(&ts))
        .unwrap();
    assert_invalid_client(&ts, &client, Some(foreign), "another client's key").await;

    let replayed = client.assertion(&ts);
    assert_eq!(
        par_with(&ts, &client, Some(replayed.clone()))
            .await
            .status(),
        StatusCode::CREATED
    );
    assert_invalid_client(&ts, &client, Some(replayed), "replayed jti").await;

    assert_invalid_client(&ts, &client, None, "missing assertion").await;
}

#[tokio::test]
async fn a5_assertion_iat_and_nbf_10s_ahead_accepted_more_than_60s_rejected() {
    let ts = start().await;
    let client = ts.register(json!({})).await;
    let now = ts.now();
    let ahead = with(&client, &ts, |c| {
        c["iat"] = json!(now + 10);
        c["nbf"] = json!(now + 10);
        c["exp"] = json!(now + 70);
    });
    assert_eq!(
        par_with(&ts, &client, Some(ahead)).await.status(),
        StatusCode::CREATED
    );
    for claim in ["iat", "nbf"] {
        let far = with(&client, &ts, |c| {
            c[claim] = json!(now + 61);
            c["exp"] = json!(now + 120);
        });
        assert_invalid_client(&ts, &client, Some(far), claim).await;
    }
}

/// Issue 5 item 2: a client may publish its keys at a loopback `jwks_uri`; they are read when
/// needed (so a key published later, or rotated, works at once) and checked like keys by value.
#[tokio::test]
async fn f1_a_loopback_jwks_uri_is_read_when_the_client_authenticates() {
    use std::sync::{Arc, Mutex};
    let served = Arc::new(Mutex::new(json!({"keys": []})));
    let keys = served.clone();
    let app = axum::Router::new().route(
        "/jwks",
        axum::routing::get(move || {
            let keys = keys.clone();
            async move { axum::Json(keys.lock().unwrap().clone()) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let jwks_uri = format!("http://{}/jwks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let ts = start().await;
    let client = ts
        .register(json!({"jwks": null, "jwks_uri": jwks_uri}))
        .await;
    assert_eq!(client.registration["jwks_uri"], jwks_uri.as_str());

    // Nothing published yet: the client cannot authenticate.
    let response = par_with(&ts, &client, Some(client.assertion(&ts))).await;
    let (status, error) = oauth_error(response).await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::UNAUTHORIZED, "invalid_client")
    );

    // Published: the same kind of assertion now works.
    *served.lock().unwrap() = json!({"keys": [client.key.public_jwk()]});
    let response = par_with(&ts, &client, Some(client.assertion(&ts))).await;
    assert_eq!(response.status(), StatusCode::CREATED);

    // A private key published there is refused like one registered by value.
    let mut private = client.key.public_jwk();
    private["d"] = Value::from(b64url(b"not really a key"));
    *served.lock().unwrap() = json!({"keys": [private]});
    let response = par_with(&ts, &client, Some(client.assertion(&ts))).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}
