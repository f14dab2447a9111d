//! FAPI.md B1–B4: signed request objects at PAR, JARM and signed introspection. (B5, HTTP
//! message signatures on the bank API, is in `resource.rs`'s neighbours.)
//!
//! Request objects are signed with the test kit's keys; what the server signs is verified with
//! `jsonwebtoken` against the server's published JWKS — never with the server's own code.

use std::collections::HashMap;

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::StatusCode;
use sandbank_testkit::jose::Pkce;
use serde_json::{Value, json};

use crate::harness::{
    REDIRECT_URI, TestClient, TestServer, location, new_key, new_pkce, oauth_error, start,
    start_with,
};

/// A change to a request object's claims.
type ClaimsChange = dyn Fn(&mut serde_json::Map<String, Value>);

/// The authorization request's parameters, as a request object carries them.
fn request_params(pkce: &Pkce) -> Value {
    json!({
        "response_type": "code",
        "redirect_uri": REDIRECT_URI,
        "scope": "openid accounts",
        "code_challenge": pkce.challenge,
        "code_challenge_method": "S256",
        "state": "state-from-inside",
        "nonce": "nonce-from-inside",
        "login_hint": "alice",
    })
}

/// A request object by the client's key over `params`, with `change` applied to its claims.
fn object_with(
    ts: &TestServer,
    client: &TestClient,
    params: &Value,
    change: impl FnOnce(&mut serde_json::Map<String, Value>),
) -> String {
    let object = client
        .key
        .request_object(&client.client_id, &ts.base, ts.now(), params)
        .unwrap();
    let mut claims = sandbank_testkit::jose::unverified_claims(&object).unwrap();
    change(claims.as_object_mut().unwrap());
    let mut header = jsonwebtoken::Header::new(Algorithm::ES256);
    header.kid = Some(client.key.kid().to_owned());
    header.typ = Some("oauth-authz-req+jwt".to_owned());
    client.key.sign(&header, &claims).unwrap()
}

/// PAR with `request` (and `extra` form parameters beside it).
async fn push_object(
    ts: &TestServer,
    client: &TestClient,
    object: &str,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let mut form = vec![
        ("client_id", client.client_id.as_str()),
        ("request", object),
    ];
    form.extend_from_slice(extra);
    ts.post_form("/par", client, &form, None).await
}

async fn request_uri(response: reqwest::Response) -> String {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["request_uri"].as_str().unwrap().to_owned()
}

async fn refused(response: reqwest::Response) -> String {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    format!(
        "{}: {}",
        body["error"].as_str().unwrap_or_default(),
        body["error_description"].as_str().unwrap_or_default()
    )
}

async fn server_keys(ts: &TestServer) -> JwkSet {
    ts.get_json("/jwks").await
}

/// Verifies a JWT the server signed against its JWKS (by `kid`, with the given algorithm) and
/// returns its header and claims.
async fn verify_server_jwt(ts: &TestServer, jwt: &str, alg: Algorithm) -> (Value, Value) {
    let header = jsonwebtoken::decode_header(jwt).unwrap();
    assert_eq!(header.alg, alg);
    let kid = header.kid.clone().expect("the JWT names its kid");
    let keys = server_keys(ts).await;
    let jwk = keys.find(&kid).expect("the kid is in the JWKS");
    let mut validation = Validation::new(alg);
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let data =
        jsonwebtoken::decode::<Value>(jwt, &DecodingKey::from_jwk(jwk).unwrap(), &validation)
            .expect("the signature verifies against the published key");
    (serde_json::to_value(&header).unwrap(), data.claims)
}

/// The `response` parameter of a JARM redirect, and nothing else in the query.
fn jarm(response: &reqwest::Response) -> String {
    let query = location(response);
    assert_eq!(
        query.keys().collect::<Vec<_>>(),
        vec!["response"],
        "a JARM redirect carries only response"
    );
    query["response"].clone()
}

// --- B1 -------------------------------------------------------------------------------------

#[tokio::test]
async fn b1_unsigned_par_from_a_client_that_requires_request_objects_is_400() {
    let ts = start().await;
    let client = ts
        .register(json!({"require_signed_request_object": true, "sandbox_auto_consent": true}))
        .await;
    assert_eq!(client.registration["require_signed_request_object"], true);
    let message = refused(ts.par(&client, &new_pkce(), &[], None).await).await;
    assert!(message.starts_with("invalid_request: "), "{message}");
    assert!(message.contains("signed request object"), "{message}");
    // The same client with a request object gets through.
    let pkce = new_pkce();
    let object = object_with(&ts, &client, &request_params(&pkce), |_| {});
    request_uri(push_object(&ts, &client, &object, &[]).await).await;
}

#[tokio::test]
async fn b1_the_server_wide_requirement_refuses_unsigned_par_and_discovery_says_so() {
    let ts = start_with("sqlite::memory:", |config| {
        config.require_signed_request_object = true;
    })
    .await;
    let metadata: Value = ts.get_json("/.well-known/openid-configuration").await;
    assert_eq!(metadata["require_signed_request_object"], true);
    let client = ts.auto_client().await;
    let message = refused(ts.par(&client, &new_pkce(), &[], None).await).await;
    assert!(message.starts_with("invalid_request: "), "{message}");
    let pkce = new_pkce();
    let object = object_with(&ts, &client, &request_params(&pkce), |_| {});
    request_uri(push_object(&ts, &client, &object, &[]).await).await;

    let default = start().await;
    let metadata: Value = default.get_json("/.well-known/openid-configuration").await;
    assert!(metadata.get("require_signed_request_object").is_none());
    assert_eq!(
        metadata["request_object_signing_alg_values_supported"],
        json!(["PS256", "ES256", "EdDSA"])
    );
}

// --- B2 -------------------------------------------------------------------------------------

#[tokio::test]
async fn b2_a_signed_request_object_completes_the_flow_with_only_its_own_parameters() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let pkce = new_pkce();
    let object = object_with(&ts, &client, &request_params(&pkce), |_| {});
    // Parameters beside the object do not count: not the scope, the state, nor a redirect
    // URI the client never registered.
    let request_uri = request_uri(
        push_object(
            &ts,
            &client,
            &object,
            &[
                ("scope", "openid accounts transactions cards"),
                ("state", "state-from-outside"),
                ("redirect_uri", "https://evil.example/cb"),
            ],
        )
        .await,
    )
    .await;
    let response = ts.get_authorize(&client.client_id, &request_uri).await;
    let query = location(&response);
    assert_eq!(query["state"], "state-from-inside");
    assert_eq!(query["iss"], ts.base);
    let key = new_key();
    let tokens = ts.redeem(&client, &query["code"], &pkce, &key).await;
    let status = tokens.status();
    let tokens: Value = tokens.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let mut scope: Vec<&str> = tokens["scope"].as_str().unwrap().split(' ').collect();
    scope.sort_unstable();
    assert_eq!(scope, ["accounts", "openid"]);
    let id_token =
        sandbank_testkit::jose::unverified_claims(tokens["id_token"].as_str().unwrap()).unwrap();
    assert_eq!(id_token["nonce"], "nonce-from-inside");
}

#[tokio::test]
async fn b2_a_ps256_request_object_by_an_rsa_key_of_the_client_is_accepted() {
    let ts = start().await;
    // An RSA 2048 key made with aws-lc-rs; its JWK by jsonwebtoken.
    let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
    let der =
        aws_lc_rs::encoding::AsDer::<aws_lc_rs::encoding::Pkcs8V1Der<'_>>::as_der(&pair).unwrap();
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, der.as_ref())
    );
    let encoding = jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap();
    let mut rsa = serde_json::to_value(
        jsonwebtoken::jwk::Jwk::from_encoding_key(&encoding, Algorithm::PS256).unwrap(),
    )
    .unwrap();
    rsa["kid"] = json!("rsa-1");
    rsa["alg"] = json!("PS256");
    rsa["use"] = json!("sig");
    let ec = new_key();
    let mut client = ts
        .register(json!({
            "sandbox_auto_consent": true,
            "jwks": {"keys": [ec.public_jwk(), rsa]},
            "request_object_signing_alg": "PS256",
        }))
        .await;
    client.key = ec;
    let pkce = new_pkce();
    let now = ts.now();
    let mut claims = request_params(&pkce);
    for (name, value) in [
        ("iss", json!(client.client_id)),
        ("client_id", json!(client.client_id)),
        ("aud", json!(ts.base)),
        ("nbf", json!(now)),
        ("exp", json!(now + 300)),
    ] {
        claims[name] = value;
    }
    let mut header = jsonwebtoken::Header::new(Algorithm::PS256);
    header.kid = Some("rsa-1".to_owned());
    let signed = jsonwebtoken::encode(&header, &claims, &encoding).unwrap();
    request_uri(push_object(&ts, &client, &signed, &[]).await).await;
    // The client registered PS256: an ES256 object, valid otherwise, is refused.
    let es256 = object_with(&ts, &client, &request_params(&pkce), |_| {});
    let message = refused(push_object(&ts, &client, &es256, &[]).await).await;
    assert!(message.contains("request_object_signing_alg"), "{message}");
}

#[tokio::test]
async fn b2_aud_must_be_the_issuer_or_an_array_holding_it() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let params = request_params(&new_pkce());
    let base = ts.base.clone();
    let array = object_with(&ts, &client, &params, |c| {
        c.insert("aud".into(), json!(["https://other.example", base]));
    });
    request_uri(push_object(&ts, &client, &array, &[]).await).await;
    for aud in [
        json!(ts.url("/par")),
        json!("https://other.example"),
        json!(null),
    ] {
        let object = object_with(&ts, &client, &params, |c| {
            if aud.is_null() {
                c.remove("aud");
            } else {
                c.insert("aud".into(), aud.clone());
            }
        });
        let message = refused(push_object(&ts, &client, &object, &[]).await).await;
        assert!(message.starts_with("invalid_request_object: "), "{message}");
        assert!(message.contains("aud"), "{aud}: {message}");
    }
}

#[tokio::test]
async fn b2_exp_and_nbf_are_required_and_bounded() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let params = request_params(&new_pkce());
    let now = ts.now();
    // nbf 8 s in the future is accepted (clock skew).
    let ahead = object_with(&ts, &client, &params, |c| {
        c.insert("nbf".into(), json!(now + 8));
    });
    request_uri(push_object(&ts, &client, &ahead, &[]).await).await;
    let cases: [(&str, Box<ClaimsChange>); 5] = [
        (
            "exp is required",
            Box::new(|c| {
                c.remove("exp");
            }),
        ),
        (
            "nbf is required",
            Box::new(|c| {
                c.remove("nbf");
            }),
        ),
        (
            "expired",
            Box::new(move |c| {
                c.insert("nbf".into(), json!(now - 600));
                c.insert("exp".into(), json!(now - 5));
            }),
        ),
        (
            "more than 60 minutes in the past",
            Box::new(move |c| {
                c.insert("nbf".into(), json!(now - 3700));
                c.insert("exp".into(), json!(now + 60));
            }),
        ),
        (
            "at most 60 minutes after nbf",
            Box::new(move |c| {
                c.insert("exp".into(), json!(now + 3700));
            }),
        ),
    ];
    for (why, change) in cases {
        let object = object_with(&ts, &client, &params, change);
        let message = refused(push_object(&ts, &client, &object, &[]).await).await;
        assert!(message.starts_with("invalid_request_object: "), "{message}");
        assert!(message.contains(why), "{why}: {message}");
    }
}

#[tokio::test]
async fn b2_typ_oauth_authz_req_jwt_is_accepted_and_other_types_are_not() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let params = request_params(&new_pkce());
    // object_with signs under typ oauth-authz-req+jwt.
    let typed = object_with(&ts, &client, &params, |_| {});
    assert_eq!(
        jsonwebtoken::decode_header(&typed).unwrap().typ.as_deref(),
        Some("oauth-authz-req+jwt")
    );
    request_uri(push_object(&ts, &client, &typed, &[]).await).await;
    let claims = sandbank_testkit::jose::unverified_claims(&typed).unwrap();
    let dpop_typed = client
        .key
        .sign_raw(
            &json!({"alg": "ES256", "typ": "dpop+jwt", "kid": client.key.kid()}),
            &claims,
        )
        .unwrap();
    let message = refused(push_object(&ts, &client, &dpop_typed, &[]).await).await;
    assert!(message.contains("typ"), "{message}");
}

#[tokio::test]
async fn b2_rs256_none_a_bad_signature_another_clients_key_and_request_uri_inside_are_refused() {
    let ts = start().await;
    let client = ts.auto_client().await;
    let other = ts.auto_client().await;
    let params = request_params(&new_pkce());
    let good = object_with(&ts, &client, &params, |_| {});
    let claims = sandbank_testkit::jose::unverified_claims(&good).unwrap();
    let b64 = |v: &Value| sandbank_testkit::jose::b64url(v.to_string().as_bytes());

    let rs256 = client
        .key
        .sign_raw(&json!({"alg": "RS256", "kid": client.key.kid()}), &claims)
        .unwrap();
    let none = format!("{}.{}.", b64(&json!({"alg": "none"})), b64(&claims));
    let mut bad_signature = good.clone();
    let last = bad_signature.pop().unwrap();
    bad_signature.push(if last == 'A' { 'B' } else { 'A' });
    let mut by_other = jsonwebtoken::Header::new(Algorithm::ES256);
    by_other.kid = Some(other.key.kid().to_owned());
    let by_other = other.key.sign(&by_other, &claims).unwrap();
    let uri_inside = object_with(&ts, &client, &params, |c| {
        c.insert(
            "request_uri".into(),
            json!("urn:ietf:params:oauth:request_uri:abc"),
        );
    });
    let foreign_client_id = object_with(&ts, &client, &params, |c| {
        c.insert("client_id".into(), json!(other.client_id));
    });
    for (what, object) in [
        ("RS256", rs256),
        ("none", none),
        ("a bad signature", bad_signature),
        ("another client's key", by_other),
        ("request_uri inside", uri_inside),
        ("another client_id inside", foreign_client_id),
    ] {
        let message = refused(push_object(&ts, &client, &object, &[]).await).await;
        assert!(
            message.starts_with("invalid_request_object: "),
            "{what}: {message}"
        );
    }
}

// --- B3 -------------------------------------------------------------------------------------

#[tokio::test]
async fn b3_jarm_success_is_a_signed_jwt_with_iss_aud_exp_code_and_state() {
    let ts = start().await;
    let client = ts
        .register(
            json!({"sandbox_auto_consent": true, "authorization_signed_response_alg": "PS256"}),
        )
        .await;
    let pkce = new_pkce();
    let request_uri = ts
        .push(&client, &pkce, &[("response_mode", "jwt")], None)
        .await;
    let response = ts.get_authorize(&client.client_id, &request_uri).await;
    let jwt = jarm(&response);
    let (header, claims) = verify_server_jwt(&ts, &jwt, Algorithm::PS256).await;
    assert!(header["kid"].is_string());
    assert_eq!(claims["iss"], ts.base);
    assert_eq!(claims["aud"], client.client_id);
    assert_eq!(claims["state"], "state-123");
    let now = ts.now();
    let exp = claims["exp"].as_i64().unwrap();
    assert!(exp > now && exp <= now + 600, "exp within 10 minutes");
    // The code inside is a real one.
    let code = claims["code"].as_str().unwrap();
    let redeemed = ts.redeem(&client, code, &pkce, &new_key()).await;
    assert_eq!(redeemed.status(), StatusCode::OK);
}

#[tokio::test]
async fn b3_jarm_errors_are_signed_jwts_too() {
    let ts = start().await;
    let client = ts.register(json!({})).await;
    let request_uri = ts
        .push(
            &client,
            &new_pkce(),
            &[("response_mode", "query.jwt"), ("state", "s-9")],
            None,
        )
        .await;
    let (_, cookie, interaction) = crate::authorize::log_in(
        &ts,
        &client.client_id,
        &request_uri,
        crate::harness::PASSWORD,
    )
    .await;
    let denied = crate::authorize::consent(&ts, &cookie, &interaction, &[], "deny").await;
    let jwt = jarm(&denied);
    // No alg registered: ES256.
    let (_, claims) = verify_server_jwt(&ts, &jwt, Algorithm::ES256).await;
    assert_eq!(claims["error"], "access_denied");
    assert_eq!(claims["state"], "s-9");
    assert_eq!(claims["iss"], ts.base);
    assert_eq!(claims["aud"], client.client_id);
    assert!(claims.get("code").is_none());
}

#[tokio::test]
async fn b3_a_client_registered_for_jarm_that_omits_response_mode_jwt_is_refused() {
    let ts = start().await;
    let client = ts
        .register(
            json!({"sandbox_auto_consent": true, "authorization_signed_response_alg": "ES256"}),
        )
        .await;
    for mode in ["", "query"] {
        let response = ts
            .par(&client, &new_pkce(), &[("response_mode", mode)], None)
            .await;
        let message = refused(response).await;
        assert!(message.contains("response_mode=jwt"), "{mode}: {message}");
    }
    for mode in ["fragment.jwt", "form_post.jwt", "form_post"] {
        let response = ts
            .par(&client, &new_pkce(), &[("response_mode", mode)], None)
            .await;
        assert_eq!(
            oauth_error(response).await,
            (StatusCode::BAD_REQUEST, "invalid_request".to_owned()),
            "{mode}"
        );
    }
    // Registering an algorithm the server cannot sign with is refused.
    let response = ts
        .http
        .post(ts.url("/register"))
        .json(&json!({
            "redirect_uris": [REDIRECT_URI],
            "jwks": {"keys": [new_key().public_jwk()]},
            "authorization_signed_response_alg": "EdDSA",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        oauth_error(response).await,
        (
            StatusCode::BAD_REQUEST,
            "invalid_client_metadata".to_owned()
        )
    );
}

#[tokio::test]
async fn b3_discovery_lists_the_jarm_modes_and_algorithms() {
    let ts = start().await;
    let metadata: Value = ts.get_json("/.well-known/oauth-authorization-server").await;
    assert_eq!(
        metadata["response_modes_supported"],
        json!(["query", "jwt", "query.jwt"])
    );
    assert_eq!(
        metadata["authorization_signing_alg_values_supported"],
        json!(["PS256", "ES256"])
    );
    assert_eq!(
        metadata["introspection_signing_alg_values_supported"],
        json!(["PS256", "ES256"])
    );
}

// --- B4 -------------------------------------------------------------------------------------

async fn introspect(
    ts: &TestServer,
    client: &TestClient,
    token: &str,
    accept: Option<&str>,
) -> reqwest::Response {
    let mut pairs = vec![("token".to_owned(), token.to_owned())];
    pairs.extend(client.auth_params(ts));
    let mut request = ts.http.post(ts.url("/introspect")).form(&pairs);
    if let Some(accept) = accept {
        request = request.header("Accept", accept);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn b4_signed_introspection_is_a_token_introspection_jwt() {
    let ts = start().await;
    let client = ts
        .register(
            json!({"sandbox_auto_consent": true, "introspection_signed_response_alg": "PS256"}),
        )
        .await;
    let tokens = ts.tokens(&client, &new_key()).await;
    let access = tokens["access_token"].as_str().unwrap();
    let response = introspect(
        &ts,
        &client,
        access,
        Some("application/token-introspection+jwt"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "application/token-introspection+jwt"
    );
    assert_eq!(response.headers()["cache-control"], "no-store");
    let jwt = response.text().await.unwrap();
    let (header, claims) = verify_server_jwt(&ts, &jwt, Algorithm::PS256).await;
    assert_eq!(header["typ"], "token-introspection+jwt");
    assert_eq!(claims["iss"], ts.base);
    assert_eq!(claims["aud"], client.client_id);
    assert!(claims["iat"].is_i64());
    assert_eq!(claims["token_introspection"]["active"], true);
    assert_eq!(claims["token_introspection"]["client_id"], client.client_id);
    assert!(claims["token_introspection"]["cnf"]["jkt"].is_string());

    // An unknown token: a signed {"active": false}; plain JSON when not asked.
    let response = introspect(
        &ts,
        &client,
        "no-such-token",
        Some("application/json, application/token-introspection+jwt;q=0.9"),
    )
    .await;
    let jwt = response.text().await.unwrap();
    let (_, claims) = verify_server_jwt(&ts, &jwt, Algorithm::PS256).await;
    assert_eq!(claims["token_introspection"], json!({"active": false}));
    let plain = introspect(&ts, &client, access, None).await;
    assert!(
        plain.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let plain: Value = plain.json().await.unwrap();
    assert_eq!(plain["active"], true);
}

#[tokio::test]
async fn b4_unauthenticated_signed_introspection_is_401() {
    let ts = start().await;
    let response = ts
        .http
        .post(ts.url("/introspect"))
        .header("Accept", "application/token-introspection+jwt")
        .form(&HashMap::from([("token", "abc")]))
        .send()
        .await
        .unwrap();
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::UNAUTHORIZED, "invalid_client".to_owned())
    );
}
