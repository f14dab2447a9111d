#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The resource-server guard, `GET /accounts`, introspection, revocation, registration and
//! onboarding, over HTTP on a real socket, one module per line of FAPI.md.
//!
//! Tokens and grants are written straight into the store through the contract of
//! `sandbank_fapi::tokens` (the token endpoint is built elsewhere). Client assertions and DPoP
//! proofs are built here with `jsonwebtoken` and keys generated with aws-lc-rs — never with the
//! server's own JOSE code, so one bug cannot hide on both sides.

use std::collections::BTreeSet;

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use sandbank_fapi::state::kinds;
use sandbank_fapi::tokens::{Confirmation, TokenRecord};
use sandbank_fapi::{AsConfig, AuthServer, Clock};
use sandbank_schemas::consent::{AuthorizationDetail, ConsentStatus};
use sandbank_schemas::{AccountId, ClientId, Consent, ConsentId, PartyId, Permission};
use sandbank_store::{DatasetManifest, Store};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------------

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn sha256(bytes: &[u8]) -> String {
    b64(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes).as_ref())
}

fn random() -> String {
    let mut bytes = [0u8; 32];
    aws_lc_rs::rand::fill(&mut bytes).unwrap();
    b64(&bytes)
}

/// A P-256 key made with aws-lc-rs, signing through `jsonwebtoken`.
struct TestKey {
    encoding: EncodingKey,
    /// Public JWK with kid, use and alg.
    public: Value,
}

impl TestKey {
    fn new() -> TestKey {
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
        let pkcs8 = pair.to_pkcs8v1().unwrap();
        let point = pair.public_key().as_ref().to_vec();
        let public = json!({
            "kty": "EC",
            "crv": "P-256",
            "x": b64(&point[1..33]),
            "y": b64(&point[33..65]),
            "kid": random()[..12].to_owned(),
            "use": "sig",
            "alg": "ES256",
        });
        TestKey {
            encoding: EncodingKey::from_ec_der(pkcs8.as_ref()),
            public,
        }
    }

    fn kid(&self) -> &str {
        self.public["kid"].as_str().unwrap()
    }

    /// RFC 7638 thumbprint, computed here independently of the server.
    fn thumbprint(&self) -> String {
        let canonical = format!(
            r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
            self.public["x"].as_str().unwrap(),
            self.public["y"].as_str().unwrap()
        );
        sha256(canonical.as_bytes())
    }

    /// The public JWK as a DPoP header member: no kid/use/alg.
    fn bare_jwk(&self) -> Value {
        json!({"kty": "EC", "crv": "P-256", "x": self.public["x"], "y": self.public["y"]})
    }

    fn sign(&self, header: &Header, claims: &Value) -> String {
        jsonwebtoken::encode(header, claims, &self.encoding).unwrap()
    }

    /// A compact JWS with any header at all, signed ES256.
    fn sign_raw(&self, header: &Value, claims: &Value) -> String {
        let input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let signature =
            jsonwebtoken::crypto::sign(input.as_bytes(), &self.encoding, Algorithm::ES256).unwrap();
        format!("{input}.{signature}")
    }
}

/// A running server on 127.0.0.1:0 with the personas loaded.
struct TestApp {
    /// The issuer: the base URL in `htu`, `aud` and links.
    url: String,
    /// Where this instance listens (the issuer, unless several instances share one).
    socket_url: String,
    server: AuthServer,
    http: reqwest::Client,
}

async fn start() -> TestApp {
    start_on("sqlite::memory:", None).await
}

/// A server on the database `url` (loading the personas unless it already holds them), with
/// `issuer` as its issuer — its own URL when `None`.
async fn start_on(url: &str, issuer: Option<&str>) -> TestApp {
    let store = Store::connect(url).await.unwrap();
    let generator = sandbank_synth::Generator::new(sandbank_synth::Config {
        customers: 0,
        months: 1,
        ..Default::default()
    })
    .unwrap();
    store
        .load_dataset(
            &DatasetManifest {
                seed: 42,
                generator_version: sandbank_synth::GENERATOR_VERSION.to_owned(),
                content_hash: None,
            },
            generator.customers(),
        )
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let own_url = format!("http://{}", listener.local_addr().unwrap());
    let url = issuer.map_or(own_url.clone(), str::to_owned);
    let server = AuthServer::start(store, AsConfig::new(&url, "sandbank"), Clock::system())
        .await
        .unwrap();
    // The authorization server and, as resource server, the bank API (`sandbank-api`).
    let (bank_api, _) = sandbank_api::router::<AuthServer>().split_for_parts();
    let router =
        sandbank_fapi::routes::router(server.clone()).merge(bank_api.with_state(server.clone()));
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    TestApp {
        url,
        socket_url: own_url,
        server,
        http: reqwest::Client::new(),
    }
}

/// A client registered through `POST /register`.
struct TestClient {
    id: String,
    key: TestKey,
    registration_token: String,
    registration_uri: String,
}

/// A token written through the contract, with the key it is bound to.
struct Issued {
    token: String,
    grant_id: String,
    dpop: TestKey,
}

impl TestApp {
    fn now(&self) -> DateTime<Utc> {
        self.server.now()
    }

    async fn register(&self) -> TestClient {
        let key = TestKey::new();
        let response = self
            .http
            .post(format!("{}/register", self.url))
            .json(&json!({
                "redirect_uris": ["https://app.example/cb"],
                "jwks": {"keys": [key.public]},
                "client_name": "Test app",
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.unwrap();
        TestClient {
            id: body["client_id"].as_str().unwrap().to_owned(),
            key,
            registration_token: body["registration_access_token"]
                .as_str()
                .unwrap()
                .to_owned(),
            registration_uri: body["registration_client_uri"].as_str().unwrap().to_owned(),
        }
    }

    /// A private_key_jwt client assertion for `client`.
    fn assertion(&self, client: &TestClient) -> String {
        let now = self.now().timestamp();
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(client.key.kid().to_owned());
        client.key.sign(
            &header,
            &json!({
                "iss": client.id, "sub": client.id, "aud": self.url,
                "iat": now, "exp": now + 60, "jti": random(),
            }),
        )
    }

    async fn customer(&self, username: &str) -> PartyId {
        self.server
            .store
            .customer_by_username(username)
            .await
            .unwrap()
            .unwrap()
            .party_id
    }

    async fn accounts_of(&self, username: &str) -> Vec<AccountId> {
        let party = self.customer(username).await;
        self.server
            .store
            .accounts_of_party(&party)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.account_id)
            .collect()
    }

    async fn put_grant(&self, grant: &Consent) {
        let now = self.now();
        self.server
            .store
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

    async fn put_token(&self, kind: &str, token: &str, record: &TokenRecord) {
        let now = self.now();
        self.server
            .store
            .auth_state()
            .put(
                kind,
                &sha256(token.as_bytes()),
                &serde_json::to_value(record).unwrap(),
                now,
                DateTime::from_timestamp(record.exp, 0).unwrap(),
            )
            .await
            .unwrap();
    }

    /// A grant by `username` to `client` over `grant_accounts`, and a DPoP-bound access token
    /// on it reaching `token_accounts` with `permissions`.
    async fn issue_with(
        &self,
        client: &TestClient,
        username: &str,
        grant_accounts: &[AccountId],
        token_accounts: &[AccountId],
        permissions: &[Permission],
    ) -> Issued {
        let now = self.now();
        let customer = self.customer(username).await;
        let grant_id = format!("grant-{}", &random()[..16].replace(['-', '_'], "x"));
        let detail = AuthorizationDetail::AccountInformation {
            accounts: grant_accounts.to_vec(),
            permissions: permissions.to_vec(),
        };
        let grant = Consent {
            consent_id: ConsentId::new(grant_id.clone()).unwrap(),
            customer_id: customer.clone(),
            client_id: ClientId::new(client.id.clone()).unwrap(),
            client_name: "Test app".into(),
            status: ConsentStatus::Active,
            scopes: permissions
                .iter()
                .map(|p| {
                    serde_json::to_value(p)
                        .unwrap()
                        .as_str()
                        .unwrap()
                        .to_owned()
                })
                .collect(),
            account_ids: grant_accounts.to_vec(),
            permissions: permissions.to_vec(),
            authorization_details: vec![detail.clone()],
            created_at: now,
            updated_at: now,
            expires_at: Some(now + Duration::days(90)),
        };
        self.put_grant(&grant).await;
        let dpop = TestKey::new();
        let token = random();
        let record = TokenRecord {
            client_id: client.id.clone(),
            sub: Some(customer.to_string()),
            grant_id: Some(grant_id.clone()),
            scope: grant.scopes.clone(),
            accounts: token_accounts.iter().map(ToString::to_string).collect(),
            permissions: permissions.to_vec(),
            authorization_details: vec![detail],
            cnf: Confirmation {
                jkt: Some(dpop.thumbprint()),
                x5t_s256: None,
            },
            iat: now.timestamp(),
            exp: (now + Duration::minutes(10)).timestamp(),
            auth_time: Some(now.timestamp()),
        };
        self.put_token(kinds::ACCESS_TOKEN, &token, &record).await;
        Issued {
            token,
            grant_id,
            dpop,
        }
    }

    /// Alice's first two accounts, shared with `accounts` and `balances`.
    async fn issue(&self, client: &TestClient) -> Issued {
        let accounts: Vec<AccountId> = self.accounts_of("alice").await[..2].to_vec();
        self.issue_with(
            client,
            "alice",
            &accounts,
            &accounts,
            &[Permission::Accounts, Permission::Balances],
        )
        .await
    }

    /// A refresh token on the same grant and client as `issued`.
    async fn refresh_token_for(&self, client: &TestClient, issued: &Issued) -> String {
        let now = self.now();
        let token = random();
        let record = TokenRecord {
            client_id: client.id.clone(),
            sub: None,
            grant_id: Some(issued.grant_id.clone()),
            scope: vec!["accounts".into()],
            accounts: vec![],
            permissions: vec![Permission::Accounts],
            authorization_details: vec![],
            cnf: Confirmation {
                jkt: Some(issued.dpop.thumbprint()),
                x5t_s256: None,
            },
            iat: now.timestamp(),
            exp: (now + Duration::days(30)).timestamp(),
            auth_time: None,
        };
        self.put_token(kinds::REFRESH_TOKEN, &token, &record).await;
        token
    }

    async fn set_grant_status(&self, grant_id: &str, status: ConsentStatus) {
        let mut grant: Consent = self
            .server
            .read(kinds::GRANT, grant_id)
            .await
            .unwrap()
            .unwrap();
        grant.status = status;
        self.put_grant(&grant).await;
    }

    /// A DPoP proof by `key` for `method` on `path` bound to `token`.
    fn proof(&self, key: &TestKey, method: &str, path: &str, token: Option<&str>) -> String {
        let mut claims = json!({
            "jti": random(),
            "htm": method,
            "htu": format!("{}{path}", self.url),
            "iat": self.now().timestamp(),
        });
        if let Some(token) = token {
            claims["ath"] = json!(sha256(token.as_bytes()));
        }
        self.proof_with(key, &claims)
    }

    fn proof_with(&self, key: &TestKey, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.typ = Some("dpop+jwt".into());
        header.jwk = Some(serde_json::from_value(key.bare_jwk()).unwrap());
        key.sign(&header, claims)
    }

    /// `GET path` with `Authorization: <scheme> <token>` and an optional DPoP proof.
    async fn get(
        &self,
        path: &str,
        authorization: Option<String>,
        proof: Option<String>,
    ) -> reqwest::Response {
        let mut request = self.http.get(format!("{}{path}", self.socket_url));
        if let Some(authorization) = authorization {
            request = request.header("authorization", authorization);
        }
        if let Some(proof) = proof {
            request = request.header("dpop", proof);
        }
        request.send().await.unwrap()
    }

    /// `GET /accounts` the right way.
    async fn get_accounts(&self, issued: &Issued) -> reqwest::Response {
        let proof = self.proof(&issued.dpop, "GET", "/accounts", Some(&issued.token));
        self.get(
            "/accounts",
            Some(format!("DPoP {}", issued.token)),
            Some(proof),
        )
        .await
    }

    async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.socket_url))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    async fn introspect(&self, client: &TestClient, token: &str) -> Value {
        let assertion = self.assertion(client);
        let response = self
            .post_form(
                "/introspect",
                &[
                    ("token", token),
                    ("client_assertion_type", JWT_BEARER),
                    ("client_assertion", &assertion),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    async fn revoke(&self, client: &TestClient, token: &str, hint: &str) -> reqwest::Response {
        let assertion = self.assertion(client);
        self.post_form(
            "/revoke",
            &[
                ("token", token),
                ("token_type_hint", hint),
                ("client_assertion_type", JWT_BEARER),
                ("client_assertion", &assertion),
            ],
        )
        .await
    }
}

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

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
        let client = app.register().await;
        let issued = app.issue(&client).await;
        let response = app.get_accounts(&issued).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["data"].as_array().unwrap().len(), 2);
    }

    #[tokio::test]
    async fn a24_the_authorization_scheme_is_case_insensitive() {
        let app = start().await;
        let client = app.register().await;
        let issued = app.issue(&client).await;
        for scheme in ["dpop", "DPOP", "DPoP"] {
            let proof = app.proof(&issued.dpop, "GET", "/accounts", Some(&issued.token));
            let response = app
                .get(
                    "/accounts",
                    Some(format!("{scheme} {}", issued.token)),
                    Some(proof),
                )
                .await;
            assert_eq!(response.status(), StatusCode::OK, "{scheme}");
        }
    }

    #[tokio::test]
    async fn a24_a21_htu_with_a_query_and_extra_claims_is_accepted() {
        let app = start().await;
        let client = app.register().await;
        let issued = app.issue(&client).await;
        let proof = app.proof_with(
            &issued.dpop,
            &json!({
                "jti": random(), "htm": "GET", "htu": format!("{}/accounts?page=1#x", app.url),
                "iat": app.now().timestamp() + 5, "ath": sha256(issued.token.as_bytes()),
                "extra": "claim",
            }),
        );
        let response = app
            .get(
                "/accounts",
                Some(format!("DPoP {}", issued.token)),
                Some(proof),
            )
            .await;
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
        let client = app.register().await;
        let issued = app.issue(&client).await;
        let response = app
            .get("/accounts", Some(format!("Bearer {}", issued.token)), None)
            .await;
        assert_unauthorized(response, "invalid_token", "bearer without proof").await;
        let proof = app.proof(&issued.dpop, "GET", "/accounts", Some(&issued.token));
        let response = app
            .get(
                "/accounts",
                Some(format!("Bearer {}", issued.token)),
                Some(proof),
            )
            .await;
        assert_unauthorized(response, "invalid_token", "bearer with proof").await;
    }

    #[tokio::test]
    async fn a25_the_dpop_scheme_without_a_proof_is_401() {
        let app = start().await;
        let client = app.register().await;
        let issued = app.issue(&client).await;
        let response = app
            .get("/accounts", Some(format!("DPoP {}", issued.token)), None)
            .await;
        assert_unauthorized(response, "invalid_dpop_proof", "no proof").await;
    }

    #[tokio::test]
    async fn a25_a_wrong_ath_or_no_ath_is_401() {
        let app = start().await;
        let client = app.register().await;
        let issued = app.issue(&client).await;
        for (case, token) in [("wrong ath", Some("another-token")), ("no ath", None)] {
            let proof = app.proof(&issued.dpop, "GET", "/accounts", token);
            let response = app
                .get(
                    "/accounts",
                    Some(format!("DPoP {}", issued.token)),
                    Some(proof),
                )
                .await;
            assert_unauthorized(response, "invalid_dpop_proof", case).await;
        }
    }

    #[tokio::test]
    async fn a25_a_proof_from_another_key_is_401() {
        let app = start().await;
        let client = app.register().await;
        let issued = app.issue(&client).await;
        let other = TestKey::new();
        let proof = app.proof(&other, "GET", "/accounts", Some(&issued.token));
        let response = app
            .get(
                "/accounts",
                Some(format!("DPoP {}", issued.token)),
                Some(proof),
            )
            .await;
        assert_unauthorized(response, "invalid_token", "another key").await;
    }

    #[tokio::test]
    async fn a25_a21_a_replayed_proof_is_401() {
        let app = start().await;
        let client = app.register().await;
        let issued = app.issue(&client).await;
        let proof = app.proof(&issued.dpop, "GET", "/accounts", Some(&issued.token));
        let authorization = Some(format!("DPoP {}", issued.token));
        let first = app
            .get("/accounts", authorization.clone(), Some(proof.clone()))
            .await;
        assert_eq!(first.status(), StatusCode::OK);
        let again = app.get("/accounts", authorization, Some(proof)).await;
        assert_unauthorized(again, "invalid_dpop_proof", "replay").await;
    }

    #[tokio::test]
    async fn a25_a21_malformed_or_mismatched_proofs_are_401_invalid_dpop_proof() {
        let app = start().await;
        let client = app.register().await;
        let issued = app.issue(&client).await;
        let key = &issued.dpop;
        let now = app.now().timestamp();
        let ath = sha256(issued.token.as_bytes());
        let htu = format!("{}/accounts", app.url);
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
        let header = json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": key.bare_jwk()});
        let mut private_jwk = key.bare_jwk();
        private_jwk["d"] = json!(b64(&[7u8; 32]));
        let cases: Vec<(&str, String)> = vec![
            ("not a JWT", "not-a-jwt".to_owned()),
            (
                "wrong htm",
                app.proof_with(key, &claims(json!({"htm": "POST"}))),
            ),
            (
                "wrong htu",
                app.proof_with(key, &claims(json!({"htu": format!("{}/other", app.url)}))),
            ),
            (
                "iat too old",
                app.proof_with(key, &claims(json!({"iat": now - 600}))),
            ),
            (
                "iat 70 s ahead",
                app.proof_with(key, &claims(json!({"iat": now + 70}))),
            ),
            ("no jti", app.proof_with(key, &claims(json!({"jti": null})))),
            ("no htm", app.proof_with(key, &claims(json!({"htm": null})))),
            ("no htu", app.proof_with(key, &claims(json!({"htu": null})))),
            ("no iat", app.proof_with(key, &claims(json!({"iat": null})))),
            (
                "typ JWT",
                key.sign_raw(
                    &json!({"typ": "JWT", "alg": "ES256", "jwk": key.bare_jwk()}),
                    &claims(json!({})),
                ),
            ),
            (
                "no jwk",
                key.sign_raw(
                    &json!({"typ": "dpop+jwt", "alg": "ES256"}),
                    &claims(json!({})),
                ),
            ),
            (
                "private key in jwk",
                key.sign_raw(
                    &json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": private_jwk}),
                    &claims(json!({})),
                ),
            ),
            (
                "alg none",
                format!(
                    "{}.{}.",
                    b64(
                        json!({"typ": "dpop+jwt", "alg": "none", "jwk": key.bare_jwk()})
                            .to_string()
                            .as_bytes()
                    ),
                    b64(claims(json!({})).to_string().as_bytes())
                ),
            ),
            (
                "alg RS256 claimed",
                key.sign_raw(
                    &json!({"typ": "dpop+jwt", "alg": "RS256", "jwk": key.bare_jwk()}),
                    &claims(json!({})),
                ),
            ),
            ("bad signature", {
                let good = key.sign_raw(&header, &claims(json!({})));
                let other = TestKey::new().sign_raw(&header, &claims(json!({})));
                let signature = other.rsplit('.').next().unwrap().to_owned();
                let (input, _) = good.rsplit_once('.').unwrap();
                format!("{input}.{signature}")
            }),
        ];
        for (case, proof) in cases {
            let response = app
                .get(
                    "/accounts",
                    Some(format!("DPoP {}", issued.token)),
                    Some(proof),
                )
                .await;
            assert_unauthorized(response, "invalid_dpop_proof", case).await;
        }
        // Two DPoP headers.
        let response = app
            .http
            .get(format!("{}/accounts", app.url))
            .header("authorization", format!("DPoP {}", issued.token))
            .header(
                "dpop",
                app.proof(key, "GET", "/accounts", Some(&issued.token)),
            )
            .header(
                "dpop",
                app.proof(key, "GET", "/accounts", Some(&issued.token)),
            )
            .send()
            .await
            .unwrap();
        assert_unauthorized(response, "invalid_dpop_proof", "two DPoP headers").await;
        // The token still works with a good proof: none of the above harmed it.
        assert_eq!(app.get_accounts(&issued).await.status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn a25_a_token_in_the_query_string_is_rejected() {
        let app = start().await;
        let client = app.register().await;
        let issued = app.issue(&client).await;
        let path = format!("/accounts?access_token={}", issued.token);
        let proof = app.proof(&issued.dpop, "GET", "/accounts", Some(&issued.token));
        let response = app.get(&path, None, Some(proof)).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(error_code(response).await, "invalid_request");
        // Also when the header carries it too.
        let proof = app.proof(&issued.dpop, "GET", "/accounts", Some(&issued.token));
        let response = app
            .get(&path, Some(format!("DPoP {}", issued.token)), Some(proof))
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }

    #[tokio::test]
    async fn a25_no_credentials_is_401_with_a_dpop_challenge() {
        let app = start().await;
        for authorization in [None, Some("Basic dXNlcjpwdw==".to_owned())] {
            let response = app.get("/accounts", authorization, None).await;
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
            let challenge = www_authenticate(&response);
            assert!(challenge.starts_with("DPoP "), "{challenge}");
            assert!(challenge.contains("algs=\"PS256 ES256 EdDSA\""));
        }
    }

    #[tokio::test]
    async fn a25_unknown_and_expired_tokens_are_401_invalid_token() {
        let app = start().await;
        let client = app.register().await;
        let issued = app.issue(&client).await;
        let unknown = Issued {
            token: random(),
            grant_id: String::new(),
            dpop: TestKey::new(),
        };
        assert_unauthorized(app.get_accounts(&unknown).await, "invalid_token", "unknown").await;
        // Ten minutes and a second later the token has expired.
        app.server.clock.advance(Duration::seconds(601));
        assert_unauthorized(app.get_accounts(&issued).await, "invalid_token", "expired").await;
    }

    #[tokio::test]
    async fn a25_a_record_past_its_exp_is_401_even_while_the_entry_lives() {
        let app = start().await;
        let client = app.register().await;
        let issued = app.issue(&client).await;
        let key = sha256(issued.token.as_bytes());
        let mut record: TokenRecord = app
            .server
            .read(kinds::ACCESS_TOKEN, &key)
            .await
            .unwrap()
            .unwrap();
        record.exp = app.now().timestamp() - 1;
        let now = app.now();
        app.server
            .store
            .auth_state()
            .put(
                kinds::ACCESS_TOKEN,
                &key,
                &serde_json::to_value(&record).unwrap(),
                now,
                now + Duration::minutes(5),
            )
            .await
            .unwrap();
        assert_unauthorized(app.get_accounts(&issued).await, "invalid_token", "exp").await;
    }

    #[tokio::test]
    async fn a25_a_token_whose_grant_is_revoked_is_401_invalid_token() {
        let app = start().await;
        let client = app.register().await;
        let issued = app.issue(&client).await;
        assert_eq!(app.get_accounts(&issued).await.status(), StatusCode::OK);
        app.set_grant_status(&issued.grant_id, ConsentStatus::Revoked)
            .await;
        assert_unauthorized(
            app.get_accounts(&issued).await,
            "invalid_token",
            "revoked grant",
        )
        .await;
    }

    #[tokio::test]
    async fn a25_a_token_consumed_in_the_store_counts_as_revoked() {
        let app = start().await;
        let client = app.register().await;
        let issued = app.issue(&client).await;
        app.server
            .store
            .auth_state()
            .consume_once(
                kinds::ACCESS_TOKEN,
                &sha256(issued.token.as_bytes()),
                app.now(),
            )
            .await
            .unwrap()
            .unwrap();
        assert_unauthorized(app.get_accounts(&issued).await, "invalid_token", "consumed").await;
    }

    #[tokio::test]
    async fn a25_a_valid_token_without_the_permission_is_403_insufficient_scope() {
        let app = start().await;
        let client = app.register().await;
        let accounts = app.accounts_of("alice").await;
        let issued = app
            .issue_with(
                &client,
                "alice",
                &accounts,
                &accounts,
                &[Permission::Balances],
            )
            .await;
        let response = app.get_accounts(&issued).await;
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
        let client = app.register().await;
        let dpop = TestKey::new();
        let token = random();
        let now = app.now();
        let record = TokenRecord {
            client_id: client.id.clone(),
            sub: None,
            grant_id: None,
            scope: vec!["accounts".into()],
            accounts: app
                .accounts_of("alice")
                .await
                .iter()
                .map(ToString::to_string)
                .collect(),
            permissions: vec![Permission::Accounts],
            authorization_details: vec![],
            cnf: Confirmation {
                jkt: Some(dpop.thumbprint()),
                x5t_s256: None,
            },
            iat: now.timestamp(),
            exp: (now + Duration::minutes(10)).timestamp(),
            auth_time: None,
        };
        app.put_token(kinds::ACCESS_TOKEN, &token, &record).await;
        let issued = Issued {
            token,
            grant_id: String::new(),
            dpop,
        };
        let response = app.get_accounts(&issued).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert_eq!(error_code(response).await, "insufficient_scope");
    }

    #[tokio::test]
    async fn a25_a_permission_the_grant_no_longer_has_is_403() {
        let app = start().await;
        let client = app.register().await;
        let issued = app.issue(&client).await;
        let mut grant: Consent = app
            .server
            .read(kinds::GRANT, &issued.grant_id)
            .await
            .unwrap()
            .unwrap();
        grant.permissions = vec![Permission::Balances];
        app.put_grant(&grant).await;
        assert_eq!(
            app.get_accounts(&issued).await.status(),
            StatusCode::FORBIDDEN
        );
    }
}

// ---------------------------------------------------------------------------------------------
// A26: certificate-bound tokens (the TLS listener comes later; the guard is called directly)
// ---------------------------------------------------------------------------------------------

mod a26_mtls_bound_tokens {
    use axum::http::{HeaderMap, HeaderValue, Method};
    use sandbank_fapi::guard::{Request, authorize};
    use sandbank_fapi::mtls::ClientCertificate;

    use super::*;

    #[tokio::test]
    async fn a26_a_certificate_bound_token_needs_that_certificate() {
        let app = start().await;
        let client = app.register().await;
        let issued = app.issue(&client).await;
        let certificate = ClientCertificate {
            der: b"a client certificate".to_vec(),
        };
        let other = ClientCertificate {
            der: b"another certificate".to_vec(),
        };
        let key = sha256(issued.token.as_bytes());
        let mut record: TokenRecord = app
            .server
            .read(kinds::ACCESS_TOKEN, &key)
            .await
            .unwrap()
            .unwrap();
        record.cnf = Confirmation {
            jkt: None,
            x5t_s256: Some(sha256(&certificate.der)),
        };
        app.put_token(kinds::ACCESS_TOKEN, &issued.token, &record)
            .await;
        let mut headers = HeaderMap::new();
        headers.insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {}", issued.token)).unwrap(),
        );
        let request = |certificate| Request {
            method: &Method::GET,
            path: "/accounts",
            query: None,
            headers: &headers,
            certificate,
        };
        let authorized = authorize(&app.server, &request(Some(&certificate)))
            .await
            .unwrap();
        assert_eq!(authorized.account_ids().len(), 2);
        for (case, presented) in [("other certificate", Some(&other)), ("none", None)] {
            let error = authorize(&app.server, &request(presented))
                .await
                .unwrap_err();
            assert_eq!(error.status, StatusCode::UNAUTHORIZED, "{case}");
            assert_eq!(error.code, "invalid_token", "{case}");
        }
        // The DPoP scheme, even with a valid proof, does not fit a certificate-bound token.
        let proof = app.proof(&issued.dpop, "GET", "/accounts", Some(&issued.token));
        let response = app
            .get(
                "/accounts",
                Some(format!("DPoP {}", issued.token)),
                Some(proof),
            )
            .await;
        assert_unauthorized(response, "invalid_token", "DPoP scheme, x5t token").await;
        // Over HTTP no certificate is ever presented: 401.
        let response = app
            .get("/accounts", Some(format!("Bearer {}", issued.token)), None)
            .await;
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
        let client = app.register().await;
        let issued = app.issue(&client).await;
        let sent = "93bac548-d2de-4546-b106-880a5018460d";
        let proof = app.proof(&issued.dpop, "GET", "/accounts", Some(&issued.token));
        let response = app
            .http
            .get(format!("{}/accounts", app.url))
            .header("authorization", format!("DPoP {}", issued.token))
            .header("dpop", proof)
            .header("x-fapi-interaction-id", sent)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(interaction_id(&response), sent);
        assert_eq!(response.headers()["cache-control"], "no-store");
        // Errors echo it too.
        let response = app
            .http
            .get(format!("{}/accounts", app.url))
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
        let client = app.register().await;
        let issued = app.issue(&client).await;
        let ok = app.get_accounts(&issued).await;
        assert_eq!(ok.status(), StatusCode::OK);
        let first = interaction_id(&ok);
        let parsed = uuid::Uuid::parse_str(&first).unwrap();
        assert_eq!(parsed.get_version_num(), 4);
        let unauthorized = app.get("/accounts", None, None).await;
        assert_eq!(unauthorized.status(), StatusCode::UNAUTHORIZED);
        let second = interaction_id(&unauthorized);
        assert!(uuid::Uuid::parse_str(&second).is_ok());
        assert_ne!(first, second, "a fresh id per response");
        assert_eq!(unauthorized.headers()["cache-control"], "no-store");
        let response = app
            .http
            .get(format!("{}/accounts", app.url))
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
        let client = app.register().await;
        let accounts = app.accounts_of("alice").await;
        let issued = app
            .issue_with(&client, "alice", &accounts, &accounts, &[Permission::Cards])
            .await;
        let response = app.get_accounts(&issued).await;
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
        let client = app.register().await;
        let alice = app.accounts_of("alice").await;
        assert!(alice.len() >= 3, "alice has several accounts");
        let shared = vec![alice[0].clone(), alice[2].clone()];
        let issued = app
            .issue_with(&client, "alice", &shared, &shared, &[Permission::Accounts])
            .await;
        let response = app.get_accounts(&issued).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        let expected: BTreeSet<String> = shared.iter().map(ToString::to_string).collect();
        assert_eq!(account_ids_of(&body), expected);
        assert_eq!(body["links"]["self"], format!("{}/accounts", app.url));
        assert_eq!(body["meta"]["pageSize"], 2);
        // Every item is a full Account.
        for account in body["data"].as_array().unwrap() {
            serde_json::from_value::<sandbank_schemas::Account>(account.clone()).unwrap();
        }
    }

    #[tokio::test]
    async fn a28_another_customers_account_never_appears() {
        let app = start().await;
        let client = app.register().await;
        let alice = app.accounts_of("alice").await;
        let sam = app.accounts_of("sam").await;
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
            .issue_with(&client, "alice", &listed, &listed, &[Permission::Accounts])
            .await;
        let body: Value = app.get_accounts(&issued).await.json().await.unwrap();
        let seen = account_ids_of(&body);
        let alices: BTreeSet<String> = alice.iter().map(ToString::to_string).collect();
        assert_eq!(seen, alices);
        for id in &sams_own {
            assert!(!seen.contains(id.as_str()));
            let path = format!("/accounts/{id}");
            let proof = app.proof(&issued.dpop, "GET", &path, Some(&issued.token));
            let response = app
                .get(&path, Some(format!("DPoP {}", issued.token)), Some(proof))
                .await;
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
        let client = app.register().await;
        let alice = app.accounts_of("alice").await;
        let grant = vec![alice[0].clone(), alice[1].clone()];
        let token = vec![alice[1].clone(), alice[2].clone()];
        let issued = app
            .issue_with(&client, "alice", &grant, &token, &[Permission::Accounts])
            .await;
        let body: Value = app.get_accounts(&issued).await.json().await.unwrap();
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
            let path = format!("/accounts/{id}");
            let proof = app.proof(&issued.dpop, "GET", &path, Some(&issued.token));
            let response = app
                .get(&path, Some(format!("DPoP {}", issued.token)), Some(proof))
                .await;
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
        let client = app.register().await;
        let alice = app.accounts_of("alice").await;
        let sam = app.accounts_of("sam").await;
        let issued = app
            .issue_with(&client, "sam", &sam, &sam, &[Permission::Accounts])
            .await;
        let body: Value = app.get_accounts(&issued).await.json().await.unwrap();
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
        let client = app.register().await;
        let issued = app.issue(&client).await;
        let body = app.introspect(&client, &issued.token).await;
        assert_eq!(body["active"], true);
        assert_eq!(body["client_id"], client.id);
        assert_eq!(body["iss"], app.url);
        assert_eq!(body["scope"], "accounts balances");
        assert_eq!(body["token_type"], "DPoP");
        assert_eq!(body["cnf"]["jkt"], issued.dpop.thumbprint());
        assert_eq!(body["grant_id"], issued.grant_id);
        assert_eq!(
            body["sub"],
            app.customer("alice").await.to_string().as_str()
        );
        assert!(body["exp"].as_i64().unwrap() > app.now().timestamp());
        assert!(body["iat"].as_i64().is_some());
        let details = body["authorization_details"].as_array().unwrap();
        assert_eq!(details[0]["type"], "account_information");
        assert_eq!(details[0]["permissions"], json!(["accounts", "balances"]));
    }

    #[tokio::test]
    async fn g1_a_refresh_token_is_active_with_either_hint() {
        let app = start().await;
        let client = app.register().await;
        let issued = app.issue(&client).await;
        let refresh = app.refresh_token_for(&client, &issued).await;
        for hint in ["refresh_token", "access_token", "unknown_hint"] {
            let assertion = app.assertion(&client);
            let body: Value = app
                .post_form(
                    "/introspect",
                    &[
                        ("token", &refresh),
                        ("token_type_hint", hint),
                        ("client_assertion_type", JWT_BEARER),
                        ("client_assertion", &assertion),
                    ],
                )
                .await
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
        let client = app.register().await;
        let other = app.register().await;
        let issued = app.issue(&client).await;
        let exactly_inactive = json!({"active": false});
        assert_eq!(app.introspect(&client, &random()).await, exactly_inactive);
        assert_eq!(app.introspect(&client, "").await, exactly_inactive);
        assert_eq!(
            app.introspect(&other, &issued.token).await,
            exactly_inactive,
            "another client's token"
        );
        app.set_grant_status(&issued.grant_id, ConsentStatus::Revoked)
            .await;
        assert_eq!(
            app.introspect(&client, &issued.token).await,
            exactly_inactive,
            "revoked grant"
        );
        app.set_grant_status(&issued.grant_id, ConsentStatus::Active)
            .await;
        assert_eq!(app.introspect(&client, &issued.token).await["active"], true);
        app.server.clock.advance(Duration::minutes(11));
        assert_eq!(
            app.introspect(&client, &issued.token).await,
            exactly_inactive,
            "expired"
        );
    }

    #[tokio::test]
    async fn g1_introspection_needs_client_authentication() {
        let app = start().await;
        let client = app.register().await;
        let issued = app.issue(&client).await;
        let response = app
            .post_form("/introspect", &[("token", &issued.token)])
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(error_code(response).await, "invalid_client");
        // An assertion signed by a key the client did not register.
        let impostor = TestClient {
            id: client.id.clone(),
            key: TestKey::new(),
            registration_token: String::new(),
            registration_uri: String::new(),
        };
        let assertion = app.assertion(&impostor);
        let response = app
            .post_form(
                "/introspect",
                &[
                    ("token", &issued.token),
                    ("client_assertion_type", JWT_BEARER),
                    ("client_assertion", &assertion),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(error_code(response).await, "invalid_client");
        // Not a form.
        let response = app
            .http
            .post(format!("{}/introspect", app.url))
            .json(&json!({"token": issued.token}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }

    #[tokio::test]
    async fn g1_b4_asking_for_a_signed_answer_does_not_break_introspection() {
        let app = start().await;
        let client = app.register().await;
        let issued = app.issue(&client).await;
        let assertion = app.assertion(&client);
        let response = app
            .http
            .post(format!("{}/introspect", app.url))
            .header("accept", "application/token-introspection+jwt")
            .form(&[
                ("token", issued.token.as_str()),
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
        let client = app.register().await;
        for hint in ["access_token", "refresh_token", "whatever"] {
            let response = app.revoke(&client, &random(), hint).await;
            assert_eq!(response.status(), StatusCode::OK, "{hint}");
            assert!(response.bytes().await.unwrap().is_empty());
        }
    }

    #[tokio::test]
    async fn g2_a_revoked_access_token_is_401_at_the_rs_and_inactive_at_introspection() {
        let app = start().await;
        let client = app.register().await;
        let issued = app.issue(&client).await;
        assert_eq!(app.get_accounts(&issued).await.status(), StatusCode::OK);
        let response = app.revoke(&client, &issued.token, "access_token").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_unauthorized(app.get_accounts(&issued).await, "invalid_token", "revoked").await;
        assert_eq!(
            app.introspect(&client, &issued.token).await,
            json!({"active": false})
        );
        // Revoking it again is still fine.
        let again = app.revoke(&client, &issued.token, "access_token").await;
        assert_eq!(again.status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn g2_another_clients_token_is_refused_and_stays_active() {
        let app = start().await;
        let client = app.register().await;
        let other = app.register().await;
        let issued = app.issue(&client).await;
        let response = app.revoke(&other, &issued.token, "access_token").await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(error_code(response).await, "unauthorized_client");
        assert_eq!(app.introspect(&client, &issued.token).await["active"], true);
        assert_eq!(app.get_accounts(&issued).await.status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn g2_revoking_a_refresh_token_revokes_the_grants_access_tokens() {
        let app = start().await;
        let client = app.register().await;
        let issued = app.issue(&client).await;
        let unrelated = app.issue(&client).await;
        let refresh = app.refresh_token_for(&client, &issued).await;
        // Wrong hint: the server looks everywhere.
        let response = app.revoke(&client, &refresh, "access_token").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            app.introspect(&client, &refresh).await,
            json!({"active": false})
        );
        assert_unauthorized(app.get_accounts(&issued).await, "invalid_token", "cascade").await;
        // Another grant's token is untouched, and the grant itself stays active.
        assert_eq!(app.get_accounts(&unrelated).await.status(), StatusCode::OK);
        let grant: Consent = app
            .server
            .read(kinds::GRANT, &issued.grant_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(grant.status, ConsentStatus::Active);
    }

    #[tokio::test]
    async fn g2_revocation_needs_client_authentication() {
        let app = start().await;
        let client = app.register().await;
        let issued = app.issue(&client).await;
        let response = app.post_form("/revoke", &[("token", &issued.token)]).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(error_code(response).await, "invalid_client");
        assert_eq!(app.get_accounts(&issued).await.status(), StatusCode::OK);
        let assertion = app.assertion(&client);
        let response = app
            .post_form(
                "/revoke",
                &[
                    ("client_assertion_type", JWT_BEARER),
                    ("client_assertion", &assertion),
                ],
            )
            .await;
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
            .http
            .get(format!("{}/.well-known/openid-configuration", app.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            metadata["introspection_endpoint"],
            format!("{}/introspect", app.url)
        );
        assert_eq!(
            metadata["revocation_endpoint"],
            format!("{}/revoke", app.url)
        );
        let jwks: Value = app
            .http
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

    #[tokio::test]
    async fn f1_registration_answers_201_and_refuses_bad_metadata() {
        let app = start().await;
        let client = app.register().await;
        assert!(client.id.len() >= 16);
        assert!(!client.registration_token.is_empty());
        assert_eq!(
            client.registration_uri,
            format!("{}/register/{}", app.url, client.id)
        );
        let key = TestKey::new().public;
        let weak_rsa = json!({"kty": "RSA", "e": "AQAB", "n": b64(&[0xc5; 128]), "kid": "weak"});
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
                .http
                .post(format!("{}/register", app.url))
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
        let client = app.register().await;
        let issued = app.issue(&client).await;
        let bearer = format!("Bearer {}", client.registration_token);
        let read = app
            .http
            .get(&client.registration_uri)
            .header("authorization", &bearer)
            .send()
            .await
            .unwrap();
        assert_eq!(read.status(), StatusCode::OK);
        let wrong = app
            .http
            .get(&client.registration_uri)
            .header("authorization", "Bearer wrong")
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
        let update = app
            .http
            .put(&client.registration_uri)
            .header("authorization", &bearer)
            .json(&json!({
                "client_id": client.id,
                "redirect_uris": ["https://app.example/cb2"],
                "jwks": {"keys": [client.key.public]},
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(update.status(), StatusCode::OK);
        let updated: Value = update.json().await.unwrap();
        assert_eq!(updated["redirect_uris"], json!(["https://app.example/cb2"]));
        assert_eq!(app.get_accounts(&issued).await.status(), StatusCode::OK);
        let delete = app
            .http
            .delete(&client.registration_uri)
            .header("authorization", &bearer)
            .send()
            .await
            .unwrap();
        assert_eq!(delete.status(), StatusCode::NO_CONTENT);
        // Its token no longer works at the resource server ...
        assert_unauthorized(
            app.get_accounts(&issued).await,
            "invalid_token",
            "deleted client",
        )
        .await;
        // ... is inactive ...
        let found = sandbank_fapi::lookup::find(
            &app.server,
            &issued.token,
            &[sandbank_fapi::lookup::TokenKind::Access],
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(
            found.verdict,
            Err(sandbank_fapi::lookup::Unusable::ClientGone)
        );
        let other = app.register().await;
        assert_eq!(
            app.introspect(&other, &issued.token).await,
            json!({"active": false})
        );
        // ... and the client cannot authenticate any more (no token endpoint call can succeed).
        let assertion = app.assertion(&client);
        let response = app
            .post_form(
                "/introspect",
                &[
                    ("token", &issued.token),
                    ("client_assertion_type", JWT_BEARER),
                    ("client_assertion", &assertion),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(error_code(response).await, "invalid_client");
        // The registration is gone too.
        let read = app
            .http
            .get(&client.registration_uri)
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
    use sandbank_fapi::onboarding::{NewClient, create_client};

    use super::*;

    #[tokio::test]
    async fn client_create_registers_a_client_whose_written_key_authenticates() {
        let app = start().await;
        let created = create_client(
            &app.server,
            &NewClient {
                redirect_uri: "http://127.0.0.1:3000/callback".into(),
                client_name: Some("My fintech".into()),
                auto_consent: true,
            },
        )
        .await
        .unwrap();
        let settings = &created.settings;
        assert_eq!(settings["issuer"], app.url);
        assert_eq!(settings["client_id"], created.client.client_id);
        assert_eq!(settings["redirect_uri"], "http://127.0.0.1:3000/callback");
        assert_eq!(settings["token_endpoint_auth_method"], "private_key_jwt");
        assert_eq!(settings["sandbox_auto_consent"], true);
        assert_eq!(settings["client_name"], "My fintech");
        assert_eq!(settings["endpoints"]["token"], format!("{}/token", app.url));
        assert_eq!(
            settings["endpoints"]["pushed_authorization_request"],
            format!("{}/par", app.url)
        );
        assert!(settings["private_jwk"]["d"].is_string());
        // The PEM signs an assertion the server accepts.
        let encoding = EncodingKey::from_ec_pem(created.key.private_pem.as_bytes()).unwrap();
        let id = created.client.client_id.clone();
        let now = app.now().timestamp();
        let mut header = Header::new(Algorithm::ES256);
        header.kid = settings["private_jwk"]["kid"].as_str().map(str::to_owned);
        let assertion = jsonwebtoken::encode(
            &header,
            &json!({"iss": id, "sub": id, "aud": app.url, "iat": now, "exp": now + 60, "jti": random()}),
            &encoding,
        )
        .unwrap();
        let response = app
            .post_form(
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
            .http
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
            &app.server,
            &NewClient {
                redirect_uri: "http://app.example/cb".into(),
                client_name: None,
                auto_consent: false,
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
    use sqlx::Connection;

    use super::*;

    const POSTGRES_ENV: &str = "SANDBANK_TEST_POSTGRES_URL";

    /// `url` with its database name replaced by `name`.
    fn with_database(url: &str, name: &str) -> String {
        let (base, query) = url
            .split_once('?')
            .map_or((url, None), |(b, q)| (b, Some(q)));
        let scheme_end = base.find("://").map_or(0, |i| i + 3);
        let server = base[scheme_end..]
            .find('/')
            .map_or(base, |slash| &base[..scheme_end + slash]);
        match query {
            Some(query) => format!("{server}/{name}?{query}"),
            None => format!("{server}/{name}"),
        }
    }

    async fn two_instances_on(url: &str) {
        let first = start_on(url, None).await;
        let second = start_on(url, Some(&first.url)).await;
        let client = first.register().await;
        let issued = first.issue(&client).await;
        // A token issued through one instance works at the other.
        assert_eq!(second.get_accounts(&issued).await.status(), StatusCode::OK);
        // A proof used at one instance is a replay at the other.
        let proof = first.proof(&issued.dpop, "GET", "/accounts", Some(&issued.token));
        let authorization = Some(format!("DPoP {}", issued.token));
        let used = first
            .get("/accounts", authorization.clone(), Some(proof.clone()))
            .await;
        assert_eq!(used.status(), StatusCode::OK);
        let replayed = second.get("/accounts", authorization, Some(proof)).await;
        assert_unauthorized(replayed, "invalid_dpop_proof", "replay elsewhere").await;
        // Revoked at one instance, refused at the other.
        assert_eq!(
            first
                .revoke(&client, &issued.token, "access_token")
                .await
                .status(),
            StatusCode::OK
        );
        assert_unauthorized(
            second.get_accounts(&issued).await,
            "invalid_token",
            "revoked elsewhere",
        )
        .await;
        assert_eq!(
            second.introspect(&client, &issued.token).await,
            json!({"active": false})
        );
    }

    #[tokio::test]
    async fn a25_g2_two_instances_on_one_sqlite_file_agree() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("sandbank.db").display());
        two_instances_on(&url).await;
    }

    #[tokio::test]
    async fn a25_g2_two_instances_on_one_postgresql_database_agree() {
        let Some(server) = std::env::var(POSTGRES_ENV).ok().filter(|u| !u.is_empty()) else {
            eprintln!("skipped: {POSTGRES_ENV} is not set");
            return;
        };
        let name = format!(
            "sandbank_fapi_test_{}_{}",
            std::process::id(),
            &random()[..8]
        )
        .to_ascii_lowercase()
        .replace('-', "_");
        let mut admin = sqlx::PgConnection::connect(&server)
            .await
            .unwrap_or_else(|e| panic!("{POSTGRES_ENV}={server} is not reachable: {e}"));
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&mut admin)
            .await
            .unwrap();
        two_instances_on(&with_database(&server, &name)).await;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
        )))
        .execute(&mut admin)
        .await
        .unwrap();
        admin.close().await.unwrap();
    }
}

// ---------------------------------------------------------------------------------------------
// The guard in another crate's router: any state the AuthServer can be taken from.
// ---------------------------------------------------------------------------------------------

mod guard_in_another_state {
    use axum::Router;
    use axum::extract::FromRef;
    use axum::routing::get;
    use sandbank_fapi::Authorized;

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
        let client = app.register().await;
        let issued = app.issue(&client).await;
        // Another router on another socket, nested under a prefix, same issuer.
        let router = Router::new()
            .nest("/api", Router::new().route("/balances", get(balances)))
            .with_state(BankApi {
                auth: app.server.clone(),
                greeting: "hello",
            });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let socket = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        // htu names the full path, prefix included.
        let proof = app.proof(&issued.dpop, "GET", "/api/balances", Some(&issued.token));
        let response = app
            .http
            .get(format!("{socket}/api/balances"))
            .header("authorization", format!("DPoP {}", issued.token))
            .header("dpop", proof)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.text().await.unwrap(), "hello 2");
        let proof = app.proof(&issued.dpop, "GET", "/balances", Some(&issued.token));
        let response = app
            .http
            .get(format!("{socket}/api/balances"))
            .header("authorization", format!("DPoP {}", issued.token))
            .header("dpop", proof)
            .send()
            .await
            .unwrap();
        assert_unauthorized(response, "invalid_dpop_proof", "htu without the prefix").await;
    }
}
