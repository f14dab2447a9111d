#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The resource-server guard, `GET /accounts`, introspection, revocation, registration and
//! onboarding, over HTTP on a real socket, one module per line of FAPI.md.
//!
//! Each test runs a `sandbank_testkit::Sandbox` (the server `sandbank serve` runs). Clients
//! register through `POST /register`; the tokens and grants these tests need are forged into
//! the store through the contract of `sandbank_fapi::tokens` (`Sandbox::forge_session`), since
//! many are ones no real flow would give. Client assertions and DPoP proofs come from the test
//! kit, built with `jsonwebtoken` and aws-lc-rs keys — never with the server's own JOSE code,
//! so one bug cannot hide on both sides.

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration};
use reqwest::StatusCode;
use sandbank_fapi::state::kinds;
use sandbank_fapi::tokens::{Confirmation, TokenRecord};
use sandbank_schemas::consent::ConsentStatus;
use sandbank_schemas::{AccountId, Consent, Permission};
use sandbank_testkit::jose::{JWT_BEARER, b64url, random_token, sha256_b64url};
use sandbank_testkit::{Sandbox, Session, SigningKey, TestClient};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------------

fn random() -> String {
    random_token(32).unwrap()
}

fn sha256(bytes: &[u8]) -> String {
    sha256_b64url(bytes)
}

/// A sandbox with the personas loaded.
async fn start() -> Sandbox {
    Sandbox::builder().personas_only().start().await.unwrap()
}

/// `path` on the issuer: what `htu` names.
fn on_issuer(sandbox: &Sandbox, path: &str) -> String {
    format!("{}{path}", sandbox.issuer())
}

/// A session by `username` for `client` on all their accounts with `permissions`.
async fn forge(
    sandbox: &Sandbox,
    client: &TestClient,
    username: &str,
    permissions: &[Permission],
) -> Session {
    sandbox
        .forge_session(client, username)
        .permissions(permissions.iter().copied())
        .await
        .unwrap()
}

/// Alice's first two accounts, shared with `accounts` and `balances`.
async fn issue(sandbox: &Sandbox, client: &TestClient) -> Session {
    let accounts = sandbox.accounts_of("alice").await.unwrap()[..2].to_vec();
    sandbox
        .forge_session(client, "alice")
        .accounts(accounts)
        .permissions([Permission::Accounts, Permission::Balances])
        .await
        .unwrap()
}

async fn put_grant(sandbox: &Sandbox, grant: &Consent) {
    let now = sandbox.clock().now();
    sandbox
        .store()
        .auth_state()
        .put(
            kinds::GRANT,
            grant.consent_id.as_str(),
            &serde_json::to_value(grant).unwrap(),
            now,
            now + Duration::days(90),
        )
        .await
        .unwrap();
}

async fn read_grant(sandbox: &Sandbox, grant_id: &str) -> Consent {
    sandbox
        .auth_server()
        .read(kinds::GRANT, grant_id)
        .await
        .unwrap()
        .unwrap()
}

async fn set_grant_status(sandbox: &Sandbox, grant_id: &str, status: ConsentStatus) {
    let mut grant = read_grant(sandbox, grant_id).await;
    grant.status = status;
    put_grant(sandbox, &grant).await;
}

async fn read_token(sandbox: &Sandbox, token: &str) -> TokenRecord {
    sandbox
        .auth_server()
        .read(kinds::ACCESS_TOKEN, &sha256(token.as_bytes()))
        .await
        .unwrap()
        .unwrap()
}

async fn put_token(sandbox: &Sandbox, token: &str, record: &TokenRecord) {
    let now = sandbox.clock().now();
    sandbox
        .store()
        .auth_state()
        .put(
            kinds::ACCESS_TOKEN,
            &sha256(token.as_bytes()),
            &serde_json::to_value(record).unwrap(),
            now,
            DateTime::from_timestamp(record.exp, 0).unwrap(),
        )
        .await
        .unwrap();
}

/// A DPoP proof by `key` for `method` on `path` bound to `token`.
fn proof(
    sandbox: &Sandbox,
    key: &SigningKey,
    method: &str,
    path: &str,
    token: Option<&str>,
) -> String {
    key.dpop_proof(method, &on_issuer(sandbox, path), sandbox.now(), token)
        .unwrap()
}

/// `GET path` with `Authorization: <scheme> <token>` and an optional DPoP proof.
async fn get(
    sandbox: &Sandbox,
    path: &str,
    authorization: Option<String>,
    proof: Option<String>,
) -> reqwest::Response {
    let mut request = sandbox.http().get(sandbox.endpoint(path));
    if let Some(authorization) = authorization {
        request = request.header("authorization", authorization);
    }
    if let Some(proof) = proof {
        request = request.header("dpop", proof);
    }
    request.send().await.unwrap()
}

/// `GET /accounts` the right way.
async fn get_accounts(session: &Session) -> reqwest::Response {
    session.get("/accounts").await.unwrap()
}

/// POSTs a form as it is, without client authentication.
async fn post_form(sandbox: &Sandbox, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    sandbox
        .http()
        .post(sandbox.endpoint(path))
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn revoke(client: &TestClient, token: &str, hint: &str) -> reqwest::Response {
    client.revoke(token, Some(hint)).await.unwrap()
}

fn www_authenticate(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

async fn error_code(response: reqwest::Response) -> String {
    let body: Value = response.json().await.unwrap();
    body["error"].as_str().unwrap_or_default().to_owned()
}

/// Asserts a 401 with the given RFC 6750/9449 error in both the challenge and the body.
async fn assert_unauthorized(response: reqwest::Response, error: &str, case: &str) {
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{case}");
    let challenge = www_authenticate(&response);
    assert!(challenge.starts_with("DPoP "), "{case}: {challenge}");
    assert!(
        challenge.contains(&format!("error=\"{error}\"")),
        "{case}: {challenge}"
    );
    assert!(
        challenge.contains("algs=\"PS256 ES256 EdDSA\""),
        "{case}: {challenge}"
    );
    assert_eq!(error_code(response).await, error, "{case}");
}

fn account_ids_of(body: &Value) -> BTreeSet<String> {
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["accountId"].as_str().unwrap().to_owned())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// A24: DPoP-bound token with a valid proof
// ---------------------------------------------------------------------------------------------

mod a24_dpop_access {
    use super::*;

    #[tokio::test]
    async fn a24_dpop_token_with_a_proof_carrying_ath_is_accepted() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        let issued = issue(&app, &client).await;
        let response = get_accounts(&issued).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["data"].as_array().unwrap().len(), 2);
    }

    #[tokio::test]
    async fn a24_the_authorization_scheme_is_case_insensitive() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        let issued = issue(&app, &client).await;
        for scheme in ["dpop", "DPOP", "DPoP"] {
            let proof = issued.dpop_proof("GET", "/accounts").unwrap();
            let response = get(
                &app,
                "/accounts",
                Some(format!("{scheme} {}", issued.access_token())),
                Some(proof),
            )
            .await;
            assert_eq!(response.status(), StatusCode::OK, "{scheme}");
        }
    }

    #[tokio::test]
    async fn a24_a21_htu_with_a_query_and_extra_claims_is_accepted() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        let issued = issue(&app, &client).await;
        let proof = issued
            .dpop_key()
            .dpop_proof_with(&json!({
                "jti": random(), "htm": "GET", "htu": format!("{}/accounts?page=1#x", app.issuer()),
                "iat": app.now() + 5, "ath": sha256(issued.access_token().as_bytes()),
                "extra": "claim",
            }))
            .unwrap();
        let response = get(&app, "/accounts", Some(issued.authorization()), Some(proof)).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
}

// ---------------------------------------------------------------------------------------------
// A25 (and A21 at the resource server): everything the guard refuses
// ---------------------------------------------------------------------------------------------

mod a25_rejections {
    use super::*;

    #[tokio::test]
    async fn a25_a_dpop_bound_token_sent_as_bearer_is_401() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        let issued = issue(&app, &client).await;
        let bearer = Some(format!("Bearer {}", issued.access_token()));
        let response = get(&app, "/accounts", bearer.clone(), None).await;
        assert_unauthorized(response, "invalid_token", "bearer without proof").await;
        let proof = issued.dpop_proof("GET", "/accounts").unwrap();
        let response = get(&app, "/accounts", bearer, Some(proof)).await;
        assert_unauthorized(response, "invalid_token", "bearer with proof").await;
    }

    #[tokio::test]
    async fn a25_the_dpop_scheme_without_a_proof_is_401() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        let issued = issue(&app, &client).await;
        let response = get(&app, "/accounts", Some(issued.authorization()), None).await;
        assert_unauthorized(response, "invalid_dpop_proof", "no proof").await;
    }

    #[tokio::test]
    async fn a25_a_wrong_ath_or_no_ath_is_401() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        let issued = issue(&app, &client).await;
        for (case, token) in [("wrong ath", Some("another-token")), ("no ath", None)] {
            let proof = proof(&app, issued.dpop_key(), "GET", "/accounts", token);
            let response = get(&app, "/accounts", Some(issued.authorization()), Some(proof)).await;
            assert_unauthorized(response, "invalid_dpop_proof", case).await;
        }
    }

    #[tokio::test]
    async fn a25_a_proof_from_another_key_is_401() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        let issued = issue(&app, &client).await;
        let other = SigningKey::generate().unwrap();
        let proof = proof(
            &app,
            &other,
            "GET",
            "/accounts",
            Some(issued.access_token()),
        );
        let response = get(&app, "/accounts", Some(issued.authorization()), Some(proof)).await;
        assert_unauthorized(response, "invalid_token", "another key").await;
    }

    #[tokio::test]
    async fn a25_a21_a_replayed_proof_is_401() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        let issued = issue(&app, &client).await;
        let proof = issued.dpop_proof("GET", "/accounts").unwrap();
        let authorization = Some(issued.authorization());
        let first = get(
            &app,
            "/accounts",
            authorization.clone(),
            Some(proof.clone()),
        )
        .await;
        assert_eq!(first.status(), StatusCode::OK);
        let again = get(&app, "/accounts", authorization, Some(proof)).await;
        assert_unauthorized(again, "invalid_dpop_proof", "replay").await;
    }

    #[tokio::test]
    async fn a25_a21_malformed_or_mismatched_proofs_are_401_invalid_dpop_proof() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        let issued = issue(&app, &client).await;
        let key = issued.dpop_key();
        let now = app.now();
        let ath = sha256(issued.access_token().as_bytes());
        let htu = on_issuer(&app, "/accounts");
        let claims = |overrides: Value| {
            let mut claims =
                json!({"jti": random(), "htm": "GET", "htu": htu, "iat": now, "ath": ath});
            for (name, value) in overrides.as_object().unwrap() {
                if value.is_null() {
                    claims.as_object_mut().unwrap().remove(name);
                } else {
                    claims[name] = value.clone();
                }
            }
            claims
        };
        let signed = |claims: Value| key.dpop_proof_with(&claims).unwrap();
        let raw = |header: Value, claims: Value| key.sign_raw(&header, &claims).unwrap();
        let header = json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": key.bare_jwk()});
        let mut private_jwk = key.bare_jwk();
        private_jwk["d"] = json!(b64url(&[7u8; 32]));
        let cases: Vec<(&str, String)> = vec![
            ("not a JWT", "not-a-jwt".to_owned()),
            ("wrong htm", signed(claims(json!({"htm": "POST"})))),
            (
                "wrong htu",
                signed(claims(json!({"htu": on_issuer(&app, "/other")}))),
            ),
            ("iat too old", signed(claims(json!({"iat": now - 600})))),
            ("iat 70 s ahead", signed(claims(json!({"iat": now + 70})))),
            ("no jti", signed(claims(json!({"jti": null})))),
            ("no htm", signed(claims(json!({"htm": null})))),
            ("no htu", signed(claims(json!({"htu": null})))),
            ("no iat", signed(claims(json!({"iat": null})))),
            (
                "typ JWT",
                raw(
                    json!({"typ": "JWT", "alg": "ES256", "jwk": key.bare_jwk()}),
                    claims(json!({})),
                ),
            ),
            (
                "no jwk",
                raw(
                    json!({"typ": "dpop+jwt", "alg": "ES256"}),
                    claims(json!({})),
                ),
            ),
            (
                "private key in jwk",
                raw(
                    json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": private_jwk}),
                    claims(json!({})),
                ),
            ),
            (
                "alg none",
                format!(
                    "{}.{}.",
                    b64url(
                        json!({"typ": "dpop+jwt", "alg": "none", "jwk": key.bare_jwk()})
                            .to_string()
                            .as_bytes()
                    ),
                    b64url(claims(json!({})).to_string().as_bytes())
                ),
            ),
            (
                "alg RS256 claimed",
                raw(
                    json!({"typ": "dpop+jwt", "alg": "RS256", "jwk": key.bare_jwk()}),
                    claims(json!({})),
                ),
            ),
            ("bad signature", {
                let good = raw(header.clone(), claims(json!({})));
                let other = SigningKey::generate()
                    .unwrap()
                    .sign_raw(&header, &claims(json!({})))
                    .unwrap();
                let signature = other.rsplit('.').next().unwrap().to_owned();
                let (input, _) = good.rsplit_once('.').unwrap();
                format!("{input}.{signature}")
            }),
        ];
        for (case, proof) in cases {
            let response = get(&app, "/accounts", Some(issued.authorization()), Some(proof)).await;
            assert_unauthorized(response, "invalid_dpop_proof", case).await;
        }
        // Two DPoP headers.
        let response = app
            .http()
            .get(app.endpoint("/accounts"))
            .header("authorization", issued.authorization())
            .header("dpop", issued.dpop_proof("GET", "/accounts").unwrap())
            .header("dpop", issued.dpop_proof("GET", "/accounts").unwrap())
            .send()
            .await
            .unwrap();
        assert_unauthorized(response, "invalid_dpop_proof", "two DPoP headers").await;
        // The token still works with a good proof: none of the above harmed it.
        assert_eq!(get_accounts(&issued).await.status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn a25_a_token_in_the_query_string_is_rejected() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        let issued = issue(&app, &client).await;
        let path = format!("/accounts?access_token={}", issued.access_token());
        let proof = issued.dpop_proof("GET", "/accounts").unwrap();
        let response = get(&app, &path, None, Some(proof)).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(error_code(response).await, "invalid_request");
        // Also when the header carries it too.
        let proof = issued.dpop_proof("GET", "/accounts").unwrap();
        let response = get(&app, &path, Some(issued.authorization()), Some(proof)).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }

    #[tokio::test]
    async fn a25_no_credentials_is_401_with_a_dpop_challenge() {
        let app = start().await;
        for authorization in [None, Some("Basic dXNlcjpwdw==".to_owned())] {
            let response = get(&app, "/accounts", authorization, None).await;
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
            let challenge = www_authenticate(&response);
            assert!(challenge.starts_with("DPoP "), "{challenge}");
            assert!(challenge.contains("algs=\"PS256 ES256 EdDSA\""));
        }
    }

    #[tokio::test]
    async fn a25_unknown_and_expired_tokens_are_401_invalid_token() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        let issued = issue(&app, &client).await;
        let unknown = random();
        let key = SigningKey::generate().unwrap();
        let proof = proof(&app, &key, "GET", "/accounts", Some(&unknown));
        let response = get(
            &app,
            "/accounts",
            Some(format!("DPoP {unknown}")),
            Some(proof),
        )
        .await;
        assert_unauthorized(response, "invalid_token", "unknown").await;
        // Ten minutes and a second later the token has expired.
        app.clock().advance(Duration::seconds(601));
        assert_unauthorized(get_accounts(&issued).await, "invalid_token", "expired").await;
    }

    #[tokio::test]
    async fn a25_a_record_past_its_exp_is_401_even_while_the_entry_lives() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        let issued = issue(&app, &client).await;
        let mut record = read_token(&app, issued.access_token()).await;
        record.exp = app.now() - 1;
        let now = app.clock().now();
        app.store()
            .auth_state()
            .put(
                kinds::ACCESS_TOKEN,
                &sha256(issued.access_token().as_bytes()),
                &serde_json::to_value(&record).unwrap(),
                now,
                now + Duration::minutes(5),
            )
            .await
            .unwrap();
        assert_unauthorized(get_accounts(&issued).await, "invalid_token", "exp").await;
    }

    #[tokio::test]
    async fn a25_a_token_whose_grant_is_revoked_is_401_invalid_token() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        let issued = issue(&app, &client).await;
        assert_eq!(get_accounts(&issued).await.status(), StatusCode::OK);
        set_grant_status(&app, issued.grant_id().unwrap(), ConsentStatus::Revoked).await;
        assert_unauthorized(
            get_accounts(&issued).await,
            "invalid_token",
            "revoked grant",
        )
        .await;
    }

    #[tokio::test]
    async fn a25_a_token_consumed_in_the_store_counts_as_revoked() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        let issued = issue(&app, &client).await;
        app.store()
            .auth_state()
            .consume_once(
                kinds::ACCESS_TOKEN,
                &sha256(issued.access_token().as_bytes()),
                app.clock().now(),
            )
            .await
            .unwrap()
            .unwrap();
        assert_unauthorized(get_accounts(&issued).await, "invalid_token", "consumed").await;
    }

    #[tokio::test]
    async fn a25_a_valid_token_without_the_permission_is_403_insufficient_scope() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        let issued = forge(&app, &client, "alice", &[Permission::Balances]).await;
        let response = get_accounts(&issued).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let challenge = www_authenticate(&response);
        assert!(
            challenge.contains("error=\"insufficient_scope\""),
            "{challenge}"
        );
        assert_eq!(error_code(response).await, "insufficient_scope");
    }

    #[tokio::test]
    async fn a25_a_client_only_token_reaches_no_customer_data() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        let dpop = SigningKey::generate().unwrap();
        let token = random();
        let now = app.now();
        let record = TokenRecord {
            client_id: client.client_id().to_owned(),
            sub: None,
            grant_id: None,
            scope: vec!["accounts".into()],
            accounts: app
                .accounts_of("alice")
                .await
                .unwrap()
                .iter()
                .map(ToString::to_string)
                .collect(),
            permissions: vec![Permission::Accounts],
            authorization_details: vec![],
            cnf: Confirmation {
                jkt: Some(dpop.thumbprint()),
                x5t_s256: None,
            },
            iat: now,
            exp: now + 600,
            auth_time: None,
        };
        put_token(&app, &token, &record).await;
        let proof = proof(&app, &dpop, "GET", "/accounts", Some(&token));
        let response = get(
            &app,
            "/accounts",
            Some(format!("DPoP {token}")),
            Some(proof),
        )
        .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert_eq!(error_code(response).await, "insufficient_scope");
    }

    #[tokio::test]
    async fn a25_a_permission_the_grant_no_longer_has_is_403() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        let issued = issue(&app, &client).await;
        let mut grant = read_grant(&app, issued.grant_id().unwrap()).await;
        grant.permissions = vec![Permission::Balances];
        put_grant(&app, &grant).await;
        assert_eq!(get_accounts(&issued).await.status(), StatusCode::FORBIDDEN);
    }
}

// ---------------------------------------------------------------------------------------------
// A26: certificate-bound tokens (the guard is called directly with a certificate; the TLS
// listener's own tests are in `crates/sandbank/tests/tls.rs`)
// ---------------------------------------------------------------------------------------------

mod a26_mtls_bound_tokens {
    use axum::http::{HeaderMap, HeaderValue, Method};
    use sandbank_fapi::guard::{Request, authorize};
    use sandbank_fapi::mtls::ClientCertificate;

    use super::*;

    #[tokio::test]
    async fn a26_a_certificate_bound_token_needs_that_certificate() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        let issued = issue(&app, &client).await;
        let certificate = ClientCertificate {
            der: b"a client certificate".to_vec(),
        };
        let other = ClientCertificate {
            der: b"another certificate".to_vec(),
        };
        let mut record = read_token(&app, issued.access_token()).await;
        record.cnf = Confirmation {
            jkt: None,
            x5t_s256: Some(sha256(&certificate.der)),
        };
        put_token(&app, issued.access_token(), &record).await;
        let bearer = format!("Bearer {}", issued.access_token());
        let mut headers = HeaderMap::new();
        headers.insert("authorization", HeaderValue::from_str(&bearer).unwrap());
        let request = |certificate| Request {
            method: &Method::GET,
            path: "/accounts",
            query: None,
            headers: &headers,
            certificate,
            body: None,
        };
        let authorized = authorize(app.auth_server(), &request(Some(&certificate)))
            .await
            .unwrap();
        assert_eq!(authorized.account_ids().len(), 2);
        for (case, presented) in [("other certificate", Some(&other)), ("none", None)] {
            let error = authorize(app.auth_server(), &request(presented))
                .await
                .unwrap_err();
            assert_eq!(error.status, StatusCode::UNAUTHORIZED, "{case}");
            assert_eq!(error.code, "invalid_token", "{case}");
        }
        // The DPoP scheme, even with a valid proof, does not fit a certificate-bound token.
        let response = get_accounts(&issued).await;
        assert_unauthorized(response, "invalid_token", "DPoP scheme, x5t token").await;
        // Over HTTP no certificate is ever presented: 401.
        let response = get(&app, "/accounts", Some(bearer), None).await;
        assert_unauthorized(response, "invalid_token", "no TLS").await;
    }
}

// ---------------------------------------------------------------------------------------------
// A27: x-fapi-interaction-id
// ---------------------------------------------------------------------------------------------

mod a27_interaction_id {
    use super::*;

    fn interaction_id(response: &reqwest::Response) -> String {
        response
            .headers()
            .get("x-fapi-interaction-id")
            .expect("every /accounts response carries x-fapi-interaction-id")
            .to_str()
            .unwrap()
            .to_owned()
    }

    #[tokio::test]
    async fn a27_the_interaction_id_is_echoed_when_sent() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        let issued = issue(&app, &client).await;
        let sent = "93bac548-d2de-4546-b106-880a5018460d";
        let response = issued
            .get("/accounts")
            .header("x-fapi-interaction-id", sent)
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(interaction_id(&response), sent);
        assert_eq!(response.headers()["cache-control"], "no-store");
        // Errors echo it too.
        let response = app
            .http()
            .get(app.endpoint("/accounts"))
            .header("x-fapi-interaction-id", sent)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(interaction_id(&response), sent);
    }

    #[tokio::test]
    async fn a27_a_uuid_is_generated_when_none_or_an_invalid_one_is_sent() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        let issued = issue(&app, &client).await;
        let ok = get_accounts(&issued).await;
        assert_eq!(ok.status(), StatusCode::OK);
        let first = interaction_id(&ok);
        let parsed = uuid::Uuid::parse_str(&first).unwrap();
        assert_eq!(parsed.get_version_num(), 4);
        let unauthorized = get(&app, "/accounts", None, None).await;
        assert_eq!(unauthorized.status(), StatusCode::UNAUTHORIZED);
        let second = interaction_id(&unauthorized);
        assert!(uuid::Uuid::parse_str(&second).is_ok());
        assert_ne!(first, second, "a fresh id per response");
        assert_eq!(unauthorized.headers()["cache-control"], "no-store");
        let response = app
            .http()
            .get(app.endpoint("/accounts"))
            .header("x-fapi-interaction-id", "not a uuid\" <x>")
            .send()
            .await
            .unwrap();
        let replaced = interaction_id(&response);
        assert!(uuid::Uuid::parse_str(&replaced).is_ok(), "{replaced}");
    }

    #[tokio::test]
    async fn a27_403_responses_carry_it_too() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        let issued = forge(&app, &client, "alice", &[Permission::Cards]).await;
        let response = get_accounts(&issued).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert!(uuid::Uuid::parse_str(&interaction_id(&response)).is_ok());
    }
}

// ---------------------------------------------------------------------------------------------
// A28: exactly what the customer consented to
// ---------------------------------------------------------------------------------------------

mod a28_consented_data {
    use super::*;

    #[tokio::test]
    async fn a28_accounts_are_exactly_the_grants_and_the_page_envelope_is_complete() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        let alice = app.accounts_of("alice").await.unwrap();
        assert!(alice.len() >= 3, "alice has several accounts");
        let shared = vec![alice[0].clone(), alice[2].clone()];
        let issued = app
            .forge_session(&client, "alice")
            .accounts(shared.clone())
            .permissions([Permission::Accounts])
            .await
            .unwrap();
        let response = get_accounts(&issued).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        let expected: BTreeSet<String> = shared.iter().map(ToString::to_string).collect();
        assert_eq!(account_ids_of(&body), expected);
        assert_eq!(body["links"]["self"], on_issuer(&app, "/accounts"));
        assert_eq!(body["meta"]["pageSize"], 2);
        // Every item is a full Account.
        for account in body["data"].as_array().unwrap() {
            serde_json::from_value::<sandbank_schemas::Account>(account.clone()).unwrap();
        }
    }

    #[tokio::test]
    async fn a28_another_customers_account_never_appears() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        let alice = app.accounts_of("alice").await.unwrap();
        let sam = app.accounts_of("sam").await.unwrap();
        let sams_own: Vec<AccountId> = sam
            .iter()
            .filter(|id| !alice.contains(id))
            .cloned()
            .collect();
        assert!(!sams_own.is_empty());
        // A (wrongly issued) token and grant naming sam's accounts, on alice's consent.
        let mut listed = alice.clone();
        listed.extend(sams_own.iter().cloned());
        let issued = app
            .forge_session(&client, "alice")
            .accounts(listed.clone())
            .permissions([Permission::Accounts])
            .await
            .unwrap();
        let body: Value = get_accounts(&issued).await.json().await.unwrap();
        let seen = account_ids_of(&body);
        let alices: BTreeSet<String> = alice.iter().map(ToString::to_string).collect();
        assert_eq!(seen, alices);
        for id in &sams_own {
            assert!(!seen.contains(id.as_str()));
            let response = issued.get(&format!("/accounts/{id}")).await.unwrap();
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{id}");
            assert_eq!(
                response.headers()["content-type"],
                "application/problem+json"
            );
        }
    }

    #[tokio::test]
    async fn a28_only_accounts_in_both_the_token_and_the_grant_are_reached() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        let alice = app.accounts_of("alice").await.unwrap();
        let grant = vec![alice[0].clone(), alice[1].clone()];
        let token = vec![alice[1].clone(), alice[2].clone()];
        let issued = app
            .forge_session(&client, "alice")
            .accounts(grant)
            .token_accounts(token)
            .permissions([Permission::Accounts])
            .await
            .unwrap();
        let body: Value = get_accounts(&issued).await.json().await.unwrap();
        assert_eq!(
            account_ids_of(&body),
            BTreeSet::from([alice[1].to_string()])
        );
        // One by one: the shared account is 200, the others 404 like a missing one.
        for (id, status) in [
            (alice[1].to_string(), StatusCode::OK),
            (alice[0].to_string(), StatusCode::NOT_FOUND),
            (alice[2].to_string(), StatusCode::NOT_FOUND),
            (alice[3].to_string(), StatusCode::NOT_FOUND),
            ("acc-does-not-exist".to_owned(), StatusCode::NOT_FOUND),
        ] {
            let response = issued.get(&format!("/accounts/{id}")).await.unwrap();
            assert_eq!(response.status(), status, "{id}");
            if status == StatusCode::OK {
                let account: Value = response.json().await.unwrap();
                assert_eq!(account["accountId"], id);
            }
        }
    }

    #[tokio::test]
    async fn a28_sams_grant_shows_sams_accounts_not_alices() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        let alice = app.accounts_of("alice").await.unwrap();
        let sam = app.accounts_of("sam").await.unwrap();
        let issued = forge(&app, &client, "sam", &[Permission::Accounts]).await;
        let body: Value = get_accounts(&issued).await.json().await.unwrap();
        let seen = account_ids_of(&body);
        assert_eq!(seen, sam.iter().map(ToString::to_string).collect());
        // Only the joint household account is both's.
        let shared: Vec<&AccountId> = alice.iter().filter(|id| sam.contains(id)).collect();
        assert_eq!(shared.len(), 1);
    }
}

// ---------------------------------------------------------------------------------------------
// G1: introspection
// ---------------------------------------------------------------------------------------------

mod g1_introspection {
    use super::*;

    #[tokio::test]
    async fn g1_an_active_token_shows_its_grant_binding_and_details() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        let issued = issue(&app, &client).await;
        let body = client.introspect(issued.access_token()).await.unwrap();
        assert_eq!(body["active"], true);
        assert_eq!(body["client_id"], client.client_id());
        assert_eq!(body["iss"], app.issuer());
        assert_eq!(body["scope"], "accounts balances");
        assert_eq!(body["token_type"], "DPoP");
        assert_eq!(body["cnf"]["jkt"], issued.dpop_key().thumbprint());
        assert_eq!(body["grant_id"], issued.grant_id().unwrap());
        assert_eq!(
            body["sub"],
            app.party_id("alice").await.unwrap().to_string().as_str()
        );
        assert!(body["exp"].as_i64().unwrap() > app.now());
        assert!(body["iat"].as_i64().is_some());
        let details = body["authorization_details"].as_array().unwrap();
        assert_eq!(details[0]["type"], "account_information");
        assert_eq!(details[0]["permissions"], json!(["accounts", "balances"]));
    }

    #[tokio::test]
    async fn g1_a_refresh_token_is_active_with_either_hint() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        let issued = issue(&app, &client).await;
        let refresh = issued.refresh_token().unwrap();
        for hint in ["refresh_token", "access_token", "unknown_hint"] {
            let body: Value = client
                .post_form(
                    "/introspect",
                    &[("token", refresh), ("token_type_hint", hint)],
                )
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(body["active"], true, "{hint}");
            assert!(body.get("token_type").is_none());
        }
    }

    #[tokio::test]
    async fn g1_anything_else_is_just_inactive() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        let other = app.register_client().await.unwrap();
        let issued = issue(&app, &client).await;
        let token = issued.access_token();
        let exactly_inactive = json!({"active": false});
        assert_eq!(
            client.introspect(&random()).await.unwrap(),
            exactly_inactive
        );
        assert_eq!(client.introspect("").await.unwrap(), exactly_inactive);
        assert_eq!(
            other.introspect(token).await.unwrap(),
            exactly_inactive,
            "another client's token"
        );
        let grant_id = issued.grant_id().unwrap();
        set_grant_status(&app, grant_id, ConsentStatus::Revoked).await;
        assert_eq!(
            client.introspect(token).await.unwrap(),
            exactly_inactive,
            "revoked grant"
        );
        set_grant_status(&app, grant_id, ConsentStatus::Active).await;
        assert_eq!(client.introspect(token).await.unwrap()["active"], true);
        app.clock().advance(Duration::minutes(11));
        assert_eq!(
            client.introspect(token).await.unwrap(),
            exactly_inactive,
            "expired"
        );
    }

    #[tokio::test]
    async fn g1_introspection_needs_client_authentication() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        let issued = issue(&app, &client).await;
        let token = issued.access_token();
        let response = post_form(&app, "/introspect", &[("token", token)]).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(error_code(response).await, "invalid_client");
        // An assertion signed by a key the client did not register.
        let impostor = SigningKey::generate()
            .unwrap()
            .client_assertion(client.client_id(), app.issuer(), app.now())
            .unwrap();
        let response = post_form(
            &app,
            "/introspect",
            &[
                ("token", token),
                ("client_assertion_type", JWT_BEARER),
                ("client_assertion", &impostor),
            ],
        )
        .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(error_code(response).await, "invalid_client");
        // Not a form.
        let response = app
            .http()
            .post(app.endpoint("/introspect"))
            .json(&json!({"token": token}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }

    #[tokio::test]
    async fn g1_b4_asking_for_a_signed_answer_does_not_break_introspection() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        let issued = issue(&app, &client).await;
        let assertion = client.client_assertion().unwrap();
        let response = app
            .http()
            .post(app.endpoint("/introspect"))
            .header("accept", "application/token-introspection+jwt")
            .form(&[
                ("token", issued.access_token()),
                ("client_assertion_type", JWT_BEARER),
                ("client_assertion", &assertion),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["cache-control"], "no-store");
    }
}

// ---------------------------------------------------------------------------------------------
// G2: revocation
// ---------------------------------------------------------------------------------------------

mod g2_revocation {
    use super::*;

    #[tokio::test]
    async fn g2_any_token_even_unknown_is_200() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        for hint in ["access_token", "refresh_token", "whatever"] {
            let response = revoke(&client, &random(), hint).await;
            assert_eq!(response.status(), StatusCode::OK, "{hint}");
            assert!(response.bytes().await.unwrap().is_empty());
        }
    }

    #[tokio::test]
    async fn g2_a_revoked_access_token_is_401_at_the_rs_and_inactive_at_introspection() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        let issued = issue(&app, &client).await;
        let token = issued.access_token();
        assert_eq!(get_accounts(&issued).await.status(), StatusCode::OK);
        let response = revoke(&client, token, "access_token").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_unauthorized(get_accounts(&issued).await, "invalid_token", "revoked").await;
        assert_eq!(
            client.introspect(token).await.unwrap(),
            json!({"active": false})
        );
        // Revoking it again is still fine.
        let again = revoke(&client, token, "access_token").await;
        assert_eq!(again.status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn g2_another_clients_token_is_refused_and_stays_active() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        let other = app.register_client().await.unwrap();
        let issued = issue(&app, &client).await;
        let response = revoke(&other, issued.access_token(), "access_token").await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(error_code(response).await, "unauthorized_client");
        assert_eq!(
            client.introspect(issued.access_token()).await.unwrap()["active"],
            true
        );
        assert_eq!(get_accounts(&issued).await.status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn g2_revoking_a_refresh_token_revokes_the_grants_access_tokens() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        let issued = issue(&app, &client).await;
        let unrelated = issue(&app, &client).await;
        let refresh = issued.refresh_token().unwrap();
        // Wrong hint: the server looks everywhere.
        let response = revoke(&client, refresh, "access_token").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            client.introspect(refresh).await.unwrap(),
            json!({"active": false})
        );
        assert_unauthorized(get_accounts(&issued).await, "invalid_token", "cascade").await;
        // Another grant's token is untouched, and the grant itself stays active.
        assert_eq!(get_accounts(&unrelated).await.status(), StatusCode::OK);
        let grant = read_grant(&app, issued.grant_id().unwrap()).await;
        assert_eq!(grant.status, ConsentStatus::Active);
    }

    #[tokio::test]
    async fn g2_revocation_needs_client_authentication() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        let issued = issue(&app, &client).await;
        let response = post_form(&app, "/revoke", &[("token", issued.access_token())]).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(error_code(response).await, "invalid_client");
        assert_eq!(get_accounts(&issued).await.status(), StatusCode::OK);
        let response = client.post_form("/revoke", &[]).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(error_code(response).await, "invalid_request");
    }
}

// ---------------------------------------------------------------------------------------------
// A2: the JWKS
// ---------------------------------------------------------------------------------------------

mod a2_jwks {
    use super::*;

    #[tokio::test]
    async fn a2_jwks_uri_publishes_public_signing_keys_only() {
        let app = start().await;
        let metadata: Value = app
            .http()
            .get(app.endpoint("/.well-known/openid-configuration"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            metadata["introspection_endpoint"],
            on_issuer(&app, "/introspect")
        );
        assert_eq!(metadata["revocation_endpoint"], on_issuer(&app, "/revoke"));
        let jwks: Value = app
            .http()
            .get(metadata["jwks_uri"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let keys = jwks["keys"].as_array().unwrap();
        assert!(keys.len() >= 2);
        let mut algs = BTreeSet::new();
        for key in keys {
            for private in ["d", "p", "q", "dp", "dq", "qi", "k"] {
                assert!(key.get(private).is_none(), "{private} published");
            }
            assert!(key["kid"].as_str().is_some_and(|k| !k.is_empty()));
            assert!(key.get("use").is_some() || key.get("alg").is_some());
            algs.insert(key["alg"].as_str().unwrap().to_owned());
            match key["kty"].as_str().unwrap() {
                "RSA" => {
                    let n = URL_SAFE_NO_PAD.decode(key["n"].as_str().unwrap()).unwrap();
                    assert!(n.len() * 8 >= 2048, "RSA key of {} bits", n.len() * 8);
                }
                "EC" => assert_eq!(key["crv"], "P-256"),
                other => panic!("unexpected key type {other}"),
            }
        }
        assert_eq!(algs, BTreeSet::from(["ES256".into(), "PS256".into()]));
    }
}

// ---------------------------------------------------------------------------------------------
// F1, F2: dynamic client registration and management
// ---------------------------------------------------------------------------------------------

mod f_registration {
    use super::*;

    /// The RFC 7592 management URI and the bearer header of `client`'s registration token.
    fn management(client: &TestClient) -> (String, String) {
        let registration = client.registration();
        (
            registration["registration_client_uri"]
                .as_str()
                .unwrap()
                .to_owned(),
            format!(
                "Bearer {}",
                registration["registration_access_token"].as_str().unwrap()
            ),
        )
    }

    #[tokio::test]
    async fn f1_registration_answers_201_and_refuses_bad_metadata() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        assert!(client.client_id().len() >= 16);
        let registration = client.registration();
        assert!(
            !registration["registration_access_token"]
                .as_str()
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            registration["registration_client_uri"],
            on_issuer(&app, &format!("/register/{}", client.client_id()))
        );
        let key = SigningKey::generate().unwrap().public_jwk();
        let weak_rsa = json!({"kty": "RSA", "e": "AQAB", "n": b64url(&[0xc5; 128]), "kid": "weak"});
        let cases = [
            (json!({"jwks": {"keys": [key]}}), "invalid_redirect_uri"),
            (
                json!({"redirect_uris": ["http://app.example/cb"], "jwks": {"keys": [key]}}),
                "invalid_redirect_uri",
            ),
            (
                json!({"redirect_uris": ["https://app.example/cb"], "jwks": {"keys": [key]},
                       "token_endpoint_auth_method": "client_secret_basic"}),
                "invalid_client_metadata",
            ),
            (
                json!({"redirect_uris": ["https://app.example/cb"], "token_endpoint_auth_method": "none"}),
                "invalid_client_metadata",
            ),
            (
                json!({"redirect_uris": ["https://app.example/cb"], "jwks": {"keys": [weak_rsa]}}),
                "invalid_client_metadata",
            ),
            (
                json!({"redirect_uris": ["https://app.example/cb"], "jwks": {"keys": [key]},
                       "id_token_signed_response_alg": "RS256"}),
                "invalid_client_metadata",
            ),
            (
                json!({"redirect_uris": ["https://app.example/cb"], "jwks": {"keys": [key]},
                       "software_statement": "e30.e30.c2ln"}),
                "invalid_software_statement",
            ),
        ];
        for (request, code) in cases {
            let response = app
                .http()
                .post(app.endpoint("/register"))
                .json(&request)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{request}");
            assert_eq!(error_code(response).await, code, "{request}");
        }
    }

    #[tokio::test]
    async fn f2_manage_with_the_registration_token_and_after_delete_nothing_works() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        let issued = issue(&app, &client).await;
        let (uri, bearer) = management(&client);
        let read = app
            .http()
            .get(&uri)
            .header("authorization", &bearer)
            .send()
            .await
            .unwrap();
        assert_eq!(read.status(), StatusCode::OK);
        let wrong = app
            .http()
            .get(&uri)
            .header("authorization", "Bearer wrong")
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
        let update = app
            .http()
            .put(&uri)
            .header("authorization", &bearer)
            .json(&json!({
                "client_id": client.client_id(),
                "redirect_uris": ["https://app.example/cb2"],
                "jwks": {"keys": [client.key().public_jwk()]},
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(update.status(), StatusCode::OK);
        let updated: Value = update.json().await.unwrap();
        assert_eq!(updated["redirect_uris"], json!(["https://app.example/cb2"]));
        assert_eq!(get_accounts(&issued).await.status(), StatusCode::OK);
        let delete = app
            .http()
            .delete(&uri)
            .header("authorization", &bearer)
            .send()
            .await
            .unwrap();
        assert_eq!(delete.status(), StatusCode::NO_CONTENT);
        // Its token no longer works at the resource server ...
        assert_unauthorized(
            get_accounts(&issued).await,
            "invalid_token",
            "deleted client",
        )
        .await;
        // ... is inactive ...
        let found = sandbank_fapi::lookup::find(
            app.auth_server(),
            issued.access_token(),
            &[sandbank_fapi::lookup::TokenKind::Access],
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(
            found.verdict,
            Err(sandbank_fapi::lookup::Unusable::ClientGone)
        );
        let other = app.register_client().await.unwrap();
        assert_eq!(
            other.introspect(issued.access_token()).await.unwrap(),
            json!({"active": false})
        );
        // ... and the client cannot authenticate any more (no token endpoint call can succeed).
        let response = client
            .post_form("/introspect", &[("token", issued.access_token())])
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(error_code(response).await, "invalid_client");
        // The registration is gone too.
        let read = app
            .http()
            .get(&uri)
            .header("authorization", &bearer)
            .send()
            .await
            .unwrap();
        assert_eq!(read.status(), StatusCode::UNAUTHORIZED);
    }
}

// ---------------------------------------------------------------------------------------------
// Issue 5 item 2: onboarding (`sandbank client create`)
// ---------------------------------------------------------------------------------------------

mod onboarding {
    use jsonwebtoken::{Algorithm, EncodingKey, Header};
    use sandbank_fapi::onboarding::{NewClient, create_client};

    use super::*;

    #[tokio::test]
    async fn client_create_registers_a_client_whose_written_key_authenticates() {
        let app = start().await;
        let created = create_client(
            app.auth_server(),
            &NewClient {
                redirect_uri: "http://127.0.0.1:3000/callback".into(),
                client_name: Some("My fintech".into()),
                auto_consent: true,
                signing: Default::default(),
                ciba: None,
            },
        )
        .await
        .unwrap();
        let settings = &created.settings;
        assert_eq!(settings["issuer"], app.issuer());
        assert_eq!(settings["client_id"], created.client.client_id);
        assert_eq!(settings["redirect_uri"], "http://127.0.0.1:3000/callback");
        assert_eq!(settings["token_endpoint_auth_method"], "private_key_jwt");
        assert_eq!(settings["sandbox_auto_consent"], true);
        assert_eq!(settings["client_name"], "My fintech");
        assert_eq!(settings["endpoints"]["token"], on_issuer(&app, "/token"));
        assert_eq!(
            settings["endpoints"]["pushed_authorization_request"],
            on_issuer(&app, "/par")
        );
        assert!(settings["private_jwk"]["d"].is_string());
        // The PEM signs an assertion the server accepts.
        let encoding = EncodingKey::from_ec_pem(created.key.private_pem.as_bytes()).unwrap();
        let id = created.client.client_id.clone();
        let now = app.now();
        let mut header = Header::new(Algorithm::ES256);
        header.kid = settings["private_jwk"]["kid"].as_str().map(str::to_owned);
        let assertion = jsonwebtoken::encode(
            &header,
            &json!({"iss": id, "sub": id, "aud": app.issuer(), "iat": now, "exp": now + 60, "jti": random()}),
            &encoding,
        )
        .unwrap();
        let response = post_form(
            &app,
            "/introspect",
            &[
                ("token", "unknown"),
                ("client_assertion_type", JWT_BEARER),
                ("client_assertion", &assertion),
            ],
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK);
        // The registration can be managed with the token in the settings (RFC 7592).
        let read = app
            .http()
            .get(settings["registration_client_uri"].as_str().unwrap())
            .header(
                "authorization",
                format!(
                    "Bearer {}",
                    settings["registration_access_token"].as_str().unwrap()
                ),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(read.status(), StatusCode::OK);
        let registered: Value = read.json().await.unwrap();
        assert_eq!(registered["sandbox_auto_consent"], true);
        assert!(registered["jwks"]["keys"][0].get("d").is_none());
    }

    #[tokio::test]
    async fn client_create_follows_the_registration_rules() {
        let app = start().await;
        let error = create_client(
            app.auth_server(),
            &NewClient {
                redirect_uri: "http://app.example/cb".into(),
                client_name: None,
                auto_consent: false,
                signing: Default::default(),
                ciba: None,
            },
        )
        .await
        .unwrap_err();
        assert_eq!(error.code, "invalid_redirect_uri");
    }
}

// ---------------------------------------------------------------------------------------------
// Several instances on one database (ARCHITECTURE.md "State and scale"): what one instance
// decides, every other sees. SQLite file always; PostgreSQL when SANDBANK_TEST_POSTGRES_URL
// names a server (each run gets its own database).
// ---------------------------------------------------------------------------------------------

mod shared_database {
    use sandbank_store::testing;

    use super::*;

    /// `GET /accounts` at `instance` with `session`'s token and a fresh proof on the issuer.
    async fn accounts_at(instance: &Sandbox, session: &Session) -> reqwest::Response {
        let proof = session.dpop_proof("GET", "/accounts").unwrap();
        get(
            instance,
            "/accounts",
            Some(session.authorization()),
            Some(proof),
        )
        .await
    }

    async fn two_instances_on(url: &str) {
        let start_on = |public_url: Option<String>| {
            let mut builder = Sandbox::builder().personas_only().database_url(url);
            if let Some(public_url) = public_url {
                builder = builder.public_url(public_url);
            }
            builder.start()
        };
        let first = start_on(None).await.unwrap();
        let second = start_on(Some(first.issuer().to_owned())).await.unwrap();
        assert_eq!(second.issuer(), first.issuer());
        let client = first.register_client().await.unwrap();
        let issued = issue(&first, &client).await;
        // A token issued through one instance works at the other.
        assert_eq!(accounts_at(&second, &issued).await.status(), StatusCode::OK);
        // A proof used at one instance is a replay at the other.
        let proof = issued.dpop_proof("GET", "/accounts").unwrap();
        let authorization = Some(issued.authorization());
        let used = get(
            &first,
            "/accounts",
            authorization.clone(),
            Some(proof.clone()),
        )
        .await;
        assert_eq!(used.status(), StatusCode::OK);
        let replayed = get(&second, "/accounts", authorization, Some(proof)).await;
        assert_unauthorized(replayed, "invalid_dpop_proof", "replay elsewhere").await;
        // Revoked at one instance, refused at the other.
        assert_eq!(
            revoke(&client, issued.access_token(), "access_token")
                .await
                .status(),
            StatusCode::OK
        );
        assert_unauthorized(
            accounts_at(&second, &issued).await,
            "invalid_token",
            "revoked elsewhere",
        )
        .await;
        let response = second
            .http()
            .post(second.endpoint("/introspect"))
            .form(&[
                ("token", issued.access_token().to_owned()),
                ("client_assertion_type", JWT_BEARER.to_owned()),
                ("client_assertion", client.client_assertion().unwrap()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.json::<Value>().await.unwrap(),
            json!({"active": false})
        );
        second.shutdown().await.unwrap();
        first.shutdown().await.unwrap();
    }

    #[tokio::test]
    async fn a25_g2_two_instances_on_one_sqlite_file_agree() {
        let db = testing::sqlite_file().await.unwrap();
        two_instances_on(&db.url).await;
        db.close().await.unwrap();
    }

    #[tokio::test]
    async fn a25_g2_two_instances_on_one_postgresql_database_agree() {
        let Some(server) = testing::postgres_server() else {
            return;
        };
        let db = testing::postgres(&server).await.unwrap();
        two_instances_on(&db.url).await;
        db.close().await.unwrap();
    }
}

// ---------------------------------------------------------------------------------------------
// The guard in another crate's router: any state the AuthServer can be taken from.
// ---------------------------------------------------------------------------------------------

mod guard_in_another_state {
    use axum::Router;
    use axum::extract::FromRef;
    use axum::routing::get;
    use sandbank_fapi::{AuthServer, Authorized};

    use super::*;

    #[derive(Clone)]
    struct BankApi {
        auth: AuthServer,
        greeting: &'static str,
    }

    impl FromRef<BankApi> for AuthServer {
        fn from_ref(state: &BankApi) -> AuthServer {
            state.auth.clone()
        }
    }

    async fn balances(
        axum::extract::State(state): axum::extract::State<BankApi>,
        authorized: Authorized,
    ) -> Result<String, sandbank_fapi::OAuthError> {
        authorized.require(Permission::Balances)?;
        Ok(format!(
            "{} {}",
            state.greeting,
            authorized.account_ids().len()
        ))
    }

    #[tokio::test]
    async fn a24_the_extractor_works_in_any_state_that_holds_the_auth_server() {
        let app = start().await;
        let client = app.register_client().await.unwrap();
        let issued = issue(&app, &client).await;
        // Another router on another socket, nested under a prefix, same issuer.
        let router = Router::new()
            .nest("/api", Router::new().route("/balances", get(balances)))
            .with_state(BankApi {
                auth: app.auth_server().clone(),
                greeting: "hello",
            });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let socket = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        // htu names the full path, prefix included.
        let send = |proof: String| {
            app.http()
                .get(format!("{socket}/api/balances"))
                .header("authorization", issued.authorization())
                .header("dpop", proof)
                .send()
        };
        let response = send(issued.dpop_proof("GET", "/api/balances").unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.text().await.unwrap(), "hello 2");
        let response = send(issued.dpop_proof("GET", "/balances").unwrap())
            .await
            .unwrap();
        assert_unauthorized(response, "invalid_dpop_proof", "htu without the prefix").await;
    }
}

// ---------------------------------------------------------------------------------------------
// B5 HTTP message signatures (RFC 9421, FAPI 2.0 HTTP Signatures). Requests are signed and
// responses verified by the test kit with the `httpsig` crate, never the server's code.
// ---------------------------------------------------------------------------------------------

mod b5_http_signatures {
    use reqwest::header::HeaderMap;
    use sandbank_testkit::signatures::{
        RequestSummary, content_digest, sign_request, verify_response,
    };

    use super::*;

    async fn signing_client(app: &Sandbox, required: bool) -> TestClient {
        app.register_client()
            .metadata("require_signed_resource_requests", required)
            .await
            .unwrap()
    }

    async fn server_jwks(app: &Sandbox) -> Value {
        app.http()
            .get(app.endpoint("/jwks"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// How a hand-made request signature deviates from the right one.
    #[derive(Default)]
    struct Signing<'a> {
        key: Option<&'a SigningKey>,
        created_offset: i64,
        covered: Option<&'a [&'a str]>,
    }

    /// A request by `session` with a signature made as `signing` says (`key`: the client's by
    /// default), and the response.
    async fn send_signed(
        app: &Sandbox,
        session: &Session,
        method: reqwest::Method,
        path: &str,
        body: Option<(&[u8], String)>,
        signing: Signing<'_>,
    ) -> reqwest::Response {
        let mut headers = HeaderMap::new();
        headers.insert("authorization", session.authorization().parse().unwrap());
        headers.insert(
            "dpop",
            session
                .dpop_proof(method.as_str(), path)
                .unwrap()
                .parse()
                .unwrap(),
        );
        if let Some((_, digest)) = &body {
            headers.insert("content-digest", digest.parse().unwrap());
            headers.insert("content-type", "application/json".parse().unwrap());
        }
        let key = signing.key.unwrap_or(session.client().key());
        let created = app.clock().read().real.timestamp() + signing.created_offset;
        let (input, signature) = sign_request(
            key,
            method.as_str(),
            &on_issuer(app, path),
            &headers,
            created,
            signing.covered,
        )
        .unwrap();
        headers.insert("signature-input", input.parse().unwrap());
        headers.insert("signature", signature.parse().unwrap());
        let mut request = app
            .http()
            .request(method, app.endpoint(path))
            .headers(headers);
        if let Some((bytes, _)) = body {
            request = request.body(bytes.to_vec());
        }
        request.send().await.unwrap()
    }

    async fn assert_signature_refused(response: reqwest::Response, says: &str, case: &str) {
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{case}");
        let challenge = www_authenticate(&response);
        assert!(
            challenge.starts_with("DPoP error=\"invalid_signature\""),
            "{case}: {challenge}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_signature", "{case}");
        let description = body["error_description"].as_str().unwrap();
        assert!(description.contains(says), "{case}: {description}");
    }

    #[tokio::test]
    async fn b5_signed_request_is_accepted() {
        let app = start().await;
        let client = signing_client(&app, true).await;
        let session = forge(
            &app,
            &client,
            "alice",
            &[Permission::Accounts, Permission::Transactions],
        )
        .await
        .signed()
        .await
        .unwrap();
        assert!(session.is_signed());
        let account = app.accounts_of("alice").await.unwrap()[0].clone();
        let path = format!("/accounts/{}/transactions?pageSize=1", account.as_str());
        let response = session.get(&path).await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{text}");
        let response: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(response["data"].as_array().unwrap().len(), 1);
        // By hand too, on the issuer's URL with the query.
        let response = send_signed(
            &app,
            &session,
            reqwest::Method::GET,
            "/accounts",
            None,
            Signing::default(),
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn b5_missing_signature_is_401_for_a_client_that_requires_them() {
        let app = start().await;
        let client = signing_client(&app, true).await;
        let session = issue(&app, &client).await;
        assert_signature_refused(
            get_accounts(&session).await,
            "no Signature-Input and Signature headers",
            "unsigned",
        )
        .await;
        // A client that did not register for them may send unsigned requests.
        let relaxed = signing_client(&app, false).await;
        let session = issue(&app, &relaxed).await;
        assert_eq!(get_accounts(&session).await.status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn b5_the_access_token_is_checked_before_the_signature() {
        let app = start().await;
        let client = signing_client(&app, true).await;
        let session = issue(&app, &client).await;
        let key = session.dpop_key();
        let response = get(
            &app,
            "/accounts",
            Some("DPoP not-a-token".to_owned()),
            Some(proof(&app, key, "GET", "/accounts", Some("not-a-token"))),
        )
        .await;
        assert_unauthorized(response, "invalid_token", "unknown token, no signature").await;
    }

    #[tokio::test]
    async fn b5_signature_not_covering_authorization_is_401() {
        let app = start().await;
        let client = signing_client(&app, true).await;
        let session = issue(&app, &client).await;
        for (covered, missing) in [
            (&["@method", "@target-uri", "dpop"][..], "\"authorization\""),
            (&["@method", "authorization", "dpop"][..], "\"@target-uri\""),
            (&["@method", "@target-uri", "authorization"][..], "\"dpop\""),
        ] {
            let response = send_signed(
                &app,
                &session,
                reqwest::Method::GET,
                "/accounts",
                None,
                Signing {
                    covered: Some(covered),
                    ..Signing::default()
                },
            )
            .await;
            let says = format!("does not cover {missing}");
            assert_signature_refused(response, &says, missing).await;
        }
    }

    #[tokio::test]
    async fn b5_stale_created_is_401() {
        let app = start().await;
        let client = signing_client(&app, true).await;
        let session = issue(&app, &client).await;
        for (offset, says) in [(-120, "s in the past"), (120, "s in the future")] {
            let response = send_signed(
                &app,
                &session,
                reqwest::Method::GET,
                "/accounts",
                None,
                Signing {
                    created_offset: offset,
                    ..Signing::default()
                },
            )
            .await;
            assert_signature_refused(response, says, says).await;
        }
        // A little skew either way is fine.
        for offset in [-20, 20] {
            let response = send_signed(
                &app,
                &session,
                reqwest::Method::GET,
                "/accounts",
                None,
                Signing {
                    created_offset: offset,
                    ..Signing::default()
                },
            )
            .await;
            assert_eq!(response.status(), StatusCode::OK, "{offset}");
        }
    }

    #[tokio::test]
    async fn b5_wrong_key_is_401() {
        let app = start().await;
        let client = signing_client(&app, true).await;
        let session = issue(&app, &client).await;
        // A key the client never registered.
        let stranger = SigningKey::generate().unwrap();
        let response = send_signed(
            &app,
            &session,
            reqwest::Method::GET,
            "/accounts",
            None,
            Signing {
                key: Some(&stranger),
                ..Signing::default()
            },
        )
        .await;
        assert_signature_refused(response, "names no key", "unknown keyid").await;
        // The DPoP key is not the client's registered key either.
        let response = send_signed(
            &app,
            &session,
            reqwest::Method::GET,
            "/accounts",
            None,
            Signing {
                key: Some(session.dpop_key()),
                ..Signing::default()
            },
        )
        .await;
        assert_signature_refused(response, "names no key", "DPoP key").await;
        // Another client's key under this client's kid: the signature does not verify.
        let other = app.register_client().await.unwrap();
        let forged = forged_kid(other.key(), client.key().kid());
        let response = send_signed(
            &app,
            &session,
            reqwest::Method::GET,
            "/accounts",
            None,
            Signing {
                key: Some(&forged),
                ..Signing::default()
            },
        )
        .await;
        assert_signature_refused(response, "does not verify", "wrong key material").await;
    }

    /// `key` claiming to be `kid`.
    fn forged_kid(key: &SigningKey, kid: &str) -> SigningKey {
        key.with_kid(kid)
    }

    #[tokio::test]
    async fn b5_the_kit_refuses_a_response_that_does_not_verify() {
        // The kit's check can fail: its own verification of a response signed by another
        // server's key (this sandbox's JWKS, the other sandbox's response).
        let app = start().await;
        let other = start().await;
        let client = signing_client(&other, false).await;
        let session = issue(&other, &client).await;
        let answer = answer(&session, &other, "/accounts").await;
        let error = verify(&server_jwks(&app).await, &answer)
            .unwrap_err()
            .to_string();
        assert!(error.contains("no key of the server's JWKS"), "{error}");
    }

    #[tokio::test]
    async fn b5_a_bad_signature_is_401_even_for_a_client_that_does_not_require_them() {
        let app = start().await;
        let client = signing_client(&app, false).await;
        let session = issue(&app, &client).await;
        let response = send_signed(
            &app,
            &session,
            reqwest::Method::GET,
            "/accounts",
            None,
            Signing {
                created_offset: -3_600,
                ..Signing::default()
            },
        )
        .await;
        assert_signature_refused(response, "s in the past", "stale, not required").await;
    }

    #[tokio::test]
    async fn b5_content_digest_mismatch_is_refused() {
        let app = start().await;
        let client = signing_client(&app, true).await;
        let session = forge(&app, &client, "alice", &[Permission::CardControls]).await;
        let path = "/cards/nope/controls";
        let body = br#"{"locked": true}"#;
        // The right digest: past the guard, to the route's own 404.
        let response = send_signed(
            &app,
            &session,
            reqwest::Method::PATCH,
            path,
            Some((body, content_digest(body))),
            Signing::default(),
        )
        .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        // A digest of another body.
        let response = send_signed(
            &app,
            &session,
            reqwest::Method::PATCH,
            path,
            Some((body, content_digest(b"{}"))),
            Signing::default(),
        )
        .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"], "invalid_request");
        assert!(
            error["error_description"]
                .as_str()
                .unwrap()
                .contains("Content-Digest sha-256 does not match the body"),
            "{error}"
        );
        // A body whose signature does not cover the digest.
        let response = send_signed(
            &app,
            &session,
            reqwest::Method::PATCH,
            path,
            Some((body, content_digest(body))),
            Signing {
                covered: Some(&["@method", "@target-uri", "authorization", "dpop"]),
                ..Signing::default()
            },
        )
        .await;
        assert_signature_refused(response, "does not cover \"content-digest\"", "no digest").await;
        // The kit's signed session signs the body's digest itself.
        let signed = session.signed().await.unwrap();
        let response = signed
            .patch(path)
            .json(&json!({"locked": true}))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }

    /// A response and what it answered, as the kit verifies them.
    struct Answer {
        request: RequestSummary,
        status: u16,
        headers: HeaderMap,
        body: Vec<u8>,
    }

    async fn answer(session: &Session, app: &Sandbox, path: &str) -> Answer {
        let response = get_accounts_like(session, path).await;
        Answer {
            request: RequestSummary {
                method: "GET".into(),
                target_uri: on_issuer(app, path),
                authorization: Some(session.authorization()),
            },
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: response.bytes().await.unwrap().to_vec(),
        }
    }

    async fn get_accounts_like(session: &Session, path: &str) -> reqwest::Response {
        session.get(path).await.unwrap()
    }

    fn verify(jwks: &Value, answer: &Answer) -> sandbank_testkit::Result<()> {
        verify_response(
            jwks,
            &answer.request,
            answer.status,
            &answer.headers,
            &answer.body,
            signature_created(answer),
        )
    }

    /// The response's `created`, so that the check of freshness passes and the rest is tested.
    fn signature_created(answer: &Answer) -> i64 {
        let input = answer.headers["signature-input"].to_str().unwrap();
        let created = input.split("created=").nth(1).unwrap();
        created.split(';').next().unwrap().parse().unwrap()
    }

    #[tokio::test]
    async fn b5_every_response_is_signed_and_verifies() {
        let app = start().await;
        let client = signing_client(&app, false).await;
        let session = issue(&app, &client).await;
        let jwks = server_jwks(&app).await;
        let es256 = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["alg"] == "ES256")
            .unwrap()["kid"]
            .clone();
        for (path, status) in [
            ("/accounts", 200),
            ("/accounts/nope", 404),
            ("/accounts?pageSize=nope", 400),
            ("/cards", 403),
        ] {
            let answer = answer(&session, &app, path).await;
            assert_eq!(answer.status, status, "{path}");
            verify(&jwks, &answer).unwrap_or_else(|e| panic!("{path}: {e}"));
            let input = answer.headers["signature-input"].to_str().unwrap();
            assert!(input.starts_with("sig=(\"@status\" \"content-digest\" \"content-type\" \"@method\";req \"@target-uri\";req \"authorization\";req);created="), "{input}");
            assert!(input.contains(&format!("keyid={es256}")), "{input}");
            assert!(input.ends_with(";tag=\"fapi-2-response\""), "{input}");
        }
        // The guard's own 401, to a request with no credentials at all.
        let response = get(&app, "/accounts", None, None).await;
        let unauthorized = Answer {
            request: RequestSummary {
                method: "GET".into(),
                target_uri: on_issuer(&app, "/accounts"),
                authorization: None,
            },
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: response.bytes().await.unwrap().to_vec(),
        };
        assert_eq!(unauthorized.status, 401);
        verify(&jwks, &unauthorized).unwrap();
        // And through the kit's signed session, which verifies each response itself.
        let signed = session.signed().await.unwrap();
        assert_eq!(
            signed.get("/accounts/nope").await.unwrap().status(),
            StatusCode::NOT_FOUND
        );
    }

    #[tokio::test]
    async fn b5_a_tampered_response_fails_verification() {
        let app = start().await;
        let client = signing_client(&app, false).await;
        let session = issue(&app, &client).await;
        let jwks = server_jwks(&app).await;
        let real = answer(&session, &app, "/accounts").await;
        verify(&jwks, &real).unwrap();

        let mut body = Answer {
            body: real.body.clone(),
            ..clone_answer(&real)
        };
        body.body[10] ^= 1;
        let error = verify(&jwks, &body).unwrap_err().to_string();
        assert!(error.contains("Content-Digest does not match"), "{error}");

        let mut digest_too = clone_answer(&body);
        digest_too.headers.insert(
            "content-digest",
            content_digest(&body.body).parse().unwrap(),
        );
        let error = verify(&jwks, &digest_too).unwrap_err().to_string();
        assert!(error.contains("does not verify"), "{error}");

        let status = Answer {
            status: 201,
            ..clone_answer(&real)
        };
        assert!(
            verify(&jwks, &status)
                .unwrap_err()
                .to_string()
                .contains("does not verify")
        );

        let mut content_type = clone_answer(&real);
        content_type
            .headers
            .insert("content-type", "text/plain".parse().unwrap());
        assert!(verify(&jwks, &content_type).is_err());

        let mut request = clone_answer(&real);
        request.request.target_uri = on_issuer(&app, "/accounts?pageSize=1");
        assert!(
            verify(&jwks, &request).is_err(),
            "another request's response"
        );

        // The untampered one still passes.
        verify(&jwks, &clone_answer(&real)).unwrap();
    }

    fn clone_answer(answer: &Answer) -> Answer {
        Answer {
            request: answer.request.clone(),
            status: answer.status,
            headers: answer.headers.clone(),
            body: answer.body.clone(),
        }
    }

    #[tokio::test]
    async fn b5_no_signature_when_sign_responses_is_false() {
        let app = Sandbox::builder()
            .personas_only()
            .sign_responses(false)
            .start()
            .await
            .unwrap();
        let client = signing_client(&app, false).await;
        let session = issue(&app, &client).await;
        let response = get_accounts(&session).await;
        assert_eq!(response.status(), StatusCode::OK);
        for header in ["signature", "signature-input", "content-digest"] {
            assert!(response.headers().get(header).is_none(), "{header}");
        }
        // Requests are still verified.
        let required = signing_client(&app, true).await;
        let session = issue(&app, &required).await;
        assert_eq!(
            get_accounts(&session).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
}
