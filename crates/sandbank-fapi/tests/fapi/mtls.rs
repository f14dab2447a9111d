//! FAPI.md A1 (metadata with TLS), A8 (mutual-TLS client authentication), A19 (mTLS variant:
//! `Bearer` + `cnf.x5t#S256`) and A26 (certificate-bound tokens at the resource server), over
//! the HTTPS listener with real client certificates made here with rcgen.

use std::collections::HashMap;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair,
};
use reqwest::StatusCode;
use sandbank_testkit::jose::{Pkce, sha256_b64url};
use serde_json::{Value, json};

use crate::harness::{
    REDIRECT_URI, TestServer, http_client, new_key, new_pkce, oauth_error, start_tls,
};

/// A client certificate and its key.
struct Cert {
    der: Vec<u8>,
    identity_pem: String,
    /// The certificate key's public JWK.
    jwk: Value,
}

impl Cert {
    /// base64url SHA-256 of the certificate's DER, computed here.
    fn x5t(&self) -> String {
        sha256_b64url(&self.der)
    }
}

fn key_and_jwk() -> (KeyPair, Value) {
    let signing = new_key();
    let key = KeyPair::try_from(signing.pkcs8_der()).unwrap();
    let mut jwk = signing.public_jwk();
    jwk["kid"] = json!("mtls");
    (key, jwk)
}

fn params(common_name: &str) -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CountryName, "GB");
    name.push(DnType::OrganizationName, "Budget Buddy Ltd");
    name.push(DnType::CommonName, common_name);
    params.distinguished_name = name;
    params
}

/// A self-signed certificate.
fn self_signed(common_name: &str) -> Cert {
    let (key, jwk) = key_and_jwk();
    let certificate = params(common_name).self_signed(&key).unwrap();
    Cert {
        der: certificate.der().to_vec(),
        identity_pem: format!("{}{}", certificate.pem(), key.serialize_pem()),
        jwk,
    }
}

/// A CA of the client's own (not the server's), issuing client certificates.
struct ClientCa {
    issuer: Issuer<'static, KeyPair>,
}

impl ClientCa {
    fn new() -> ClientCa {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let mut params = CertificateParams::default();
        let mut name = DistinguishedName::new();
        name.push(DnType::CommonName, "Client test CA");
        params.distinguished_name = name;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ClientCa {
            issuer: Issuer::new(params, key),
        }
    }

    fn issue(&self, common_name: &str) -> Cert {
        let (key, jwk) = key_and_jwk();
        let certificate = params(common_name).signed_by(&key, &self.issuer).unwrap();
        Cert {
            der: certificate.der().to_vec(),
            identity_pem: format!("{}{}", certificate.pem(), key.serialize_pem()),
            jwk,
        }
    }
}

/// An HTTPS client trusting the server's CA and presenting `cert`.
fn with_cert(ts: &TestServer, cert: Option<&Cert>) -> reqwest::Client {
    http_client(ts.ca_pem.as_deref(), cert.map(|c| c.identity_pem.as_str()))
}

/// Registers a client (over HTTPS) with `metadata`; returns its client_id.
async fn register(ts: &TestServer, metadata: Value) -> String {
    let mut body = json!({
        "client_name": "Budget Buddy <mtls>",
        "redirect_uris": [REDIRECT_URI],
        "grant_types": ["authorization_code", "refresh_token"],
        "sandbox_auto_consent": true,
    });
    for (k, v) in metadata.as_object().unwrap() {
        body[k] = v.clone();
    }
    let response = ts
        .http
        .post(ts.url("/register"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let registration: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{registration}");
    registration["client_id"].as_str().unwrap().to_owned()
}

const SUBJECT_DN: &str = "CN=budget-buddy,O=Budget Buddy Ltd,C=GB";

async fn register_tls_client_auth(ts: &TestServer) -> String {
    register(
        ts,
        json!({
            "token_endpoint_auth_method": "tls_client_auth",
            "tls_client_auth_subject_dn": SUBJECT_DN,
        }),
    )
    .await
}

async fn register_self_signed(ts: &TestServer, cert: &Cert) -> String {
    register(
        ts,
        json!({
            "token_endpoint_auth_method": "self_signed_tls_client_auth",
            "jwks": {"keys": [cert.jwk]},
        }),
    )
    .await
}

/// POSTs a form with `client_id` and no client assertion, on `http`.
async fn post(
    ts: &TestServer,
    http: &reqwest::Client,
    path: &str,
    client_id: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let mut pairs: Vec<(&str, &str)> = vec![("client_id", client_id)];
    pairs.extend_from_slice(form);
    http.post(ts.url(path)).form(&pairs).send().await.unwrap()
}

/// PAR on `http` (mutual-TLS client authentication).
async fn par(
    ts: &TestServer,
    http: &reqwest::Client,
    client_id: &str,
    pkce: &Pkce,
) -> reqwest::Response {
    post(
        ts,
        http,
        "/par",
        client_id,
        &[
            ("response_type", "code"),
            ("redirect_uri", REDIRECT_URI),
            ("scope", "accounts balances"),
            ("code_challenge", &pkce.challenge),
            ("code_challenge_method", "S256"),
            ("login_hint", "alice"),
        ],
    )
    .await
}

/// PAR + authorize (auto-consent): a code.
async fn code(ts: &TestServer, http: &reqwest::Client, client_id: &str, pkce: &Pkce) -> String {
    let response = par(ts, http, client_id, pkce).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let response = ts
        .http
        .get(ts.url("/authorize"))
        .query(&[
            ("client_id", client_id),
            ("request_uri", body["request_uri"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    let location = crate::harness::location(&response);
    location["code"].clone()
}

async fn redeem(
    ts: &TestServer,
    http: &reqwest::Client,
    client_id: &str,
    code: &str,
    pkce: &Pkce,
) -> reqwest::Response {
    post(
        ts,
        http,
        "/token",
        client_id,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", &pkce.verifier),
        ],
    )
    .await
}

/// The whole flow with mutual TLS on `http`: the token response.
async fn tokens(ts: &TestServer, http: &reqwest::Client, client_id: &str) -> Value {
    let pkce = new_pkce();
    let code = code(ts, http, client_id, &pkce).await;
    let response = redeem(ts, http, client_id, &code, &pkce).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn accounts(ts: &TestServer, http: &reqwest::Client, token: &str) -> reqwest::Response {
    http.get(ts.url("/accounts"))
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap()
}

async fn assert_invalid_client(response: reqwest::Response, case: &str) {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{case}: {body}");
    assert_eq!(body["error"], "invalid_client", "{case}: {body}");
}

#[tokio::test]
async fn a1_metadata_over_tls_lists_certificate_bound_tokens_aliases_and_mtls_methods() {
    let ts = start_tls().await;
    assert!(ts.base.starts_with("https://127.0.0.1:"));
    for path in [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
    ] {
        let response = ts.http.get(ts.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let metadata: Value = response.json().await.unwrap();
        assert_eq!(metadata["issuer"], ts.base);
        assert_eq!(metadata["tls_client_certificate_bound_access_tokens"], true);
        let aliases = &metadata["mtls_endpoint_aliases"];
        assert_eq!(aliases["token_endpoint"], ts.url("/token"));
        assert_eq!(
            aliases["pushed_authorization_request_endpoint"],
            ts.url("/par")
        );
        assert_eq!(aliases["introspection_endpoint"], ts.url("/introspect"));
        assert_eq!(aliases["revocation_endpoint"], ts.url("/revoke"));
        for name in [
            "token_endpoint_auth_methods_supported",
            "introspection_endpoint_auth_methods_supported",
            "revocation_endpoint_auth_methods_supported",
        ] {
            let methods: Vec<&str> = metadata[name]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m.as_str().unwrap())
                .collect();
            assert_eq!(
                methods,
                [
                    "private_key_jwt",
                    "tls_client_auth",
                    "self_signed_tls_client_auth"
                ],
                "{name}"
            );
        }
    }
}

#[tokio::test]
async fn a8_tls_client_auth_authenticates_by_the_certificate_subject_dn() {
    let ts = start_tls().await;
    let client_id = register_tls_client_auth(&ts).await;
    let ca = ClientCa::new();
    let good = ca.issue("budget-buddy");
    let wrong_dn = ca.issue("someone-else");
    let pkce = new_pkce();
    let response = par(&ts, &with_cert(&ts, Some(&good)), &client_id, &pkce).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    // The same subject on a self-signed certificate authenticates too: the DN is what counts.
    let same_dn_self_signed = self_signed("budget-buddy");
    let response = par(
        &ts,
        &with_cert(&ts, Some(&same_dn_self_signed)),
        &client_id,
        &pkce,
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    // A good certificate for the token endpoint.
    let body = tokens(&ts, &with_cert(&ts, Some(&good)), &client_id).await;
    assert_eq!(body["token_type"], "Bearer");
    for (case, cert) in [
        ("wrong subject DN", Some(&wrong_dn)),
        ("no certificate", None),
    ] {
        let http = with_cert(&ts, cert);
        assert_invalid_client(par(&ts, &http, &client_id, &pkce).await, case).await;
        let response = redeem(&ts, &http, &client_id, "code", &pkce).await;
        assert_invalid_client(response, case).await;
        let response = post(&ts, &http, "/introspect", &client_id, &[("token", "x")]).await;
        assert_invalid_client(response, case).await;
        let response = post(&ts, &http, "/revoke", &client_id, &[("token", "x")]).await;
        assert_invalid_client(response, case).await;
    }
    // The good certificate at introspection and revocation.
    let http = with_cert(&ts, Some(&good));
    let response = post(&ts, &http, "/introspect", &client_id, &[("token", "x")]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"active": false})
    );
    let response = post(&ts, &http, "/revoke", &client_id, &[("token", "x")]).await;
    assert_eq!(response.status(), StatusCode::OK);
    // Without client_id a certificate identifies no client.
    let response = http
        .post(ts.url("/introspect"))
        .form(&[("token", "x")])
        .send()
        .await
        .unwrap();
    assert_invalid_client(response, "no client_id").await;
}

#[tokio::test]
async fn a8_self_signed_tls_client_auth_authenticates_by_a_registered_key() {
    let ts = start_tls().await;
    let cert = self_signed("budget-buddy");
    let client_id = register_self_signed(&ts, &cert).await;
    let pkce = new_pkce();
    let response = par(&ts, &with_cert(&ts, Some(&cert)), &client_id, &pkce).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body = tokens(&ts, &with_cert(&ts, Some(&cert)), &client_id).await;
    assert_eq!(body["token_type"], "Bearer");
    // Same subject, another key: not the registered certificate.
    let other_key = self_signed("budget-buddy");
    let ca_issued_other_key = ClientCa::new().issue("budget-buddy");
    for (case, cert) in [
        ("another key", Some(&other_key)),
        ("CA-issued, another key", Some(&ca_issued_other_key)),
        ("no certificate", None),
    ] {
        let http = with_cert(&ts, cert);
        assert_invalid_client(par(&ts, &http, &client_id, &pkce).await, case).await;
        let response = redeem(&ts, &http, &client_id, "code", &pkce).await;
        assert_invalid_client(response, case).await;
        let response = post(&ts, &http, "/introspect", &client_id, &[("token", "x")]).await;
        assert_invalid_client(response, case).await;
        let response = post(&ts, &http, "/revoke", &client_id, &[("token", "x")]).await;
        assert_invalid_client(response, case).await;
    }
}

#[tokio::test]
async fn a8_a_private_key_jwt_client_is_not_authenticated_by_a_certificate() {
    let ts = start_tls().await;
    let client = ts.register(json!({})).await;
    let cert = self_signed("budget-buddy");
    let http = with_cert(&ts, Some(&cert));
    let response = post(
        &ts,
        &http,
        "/introspect",
        &client.client_id,
        &[("token", "x")],
    )
    .await;
    assert_invalid_client(response, "private_key_jwt client with a certificate").await;
}

#[tokio::test]
async fn a19_mtls_tokens_are_bearer_with_cnf_x5t_s256_shown_by_introspection() {
    let ts = start_tls().await;
    let cert = ClientCa::new().issue("budget-buddy");
    let client_id = register_tls_client_auth(&ts).await;
    let http = with_cert(&ts, Some(&cert));
    let body = tokens(&ts, &http, &client_id).await;
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["expires_in"].as_i64().unwrap() > 0);
    let access_token = body["access_token"].as_str().unwrap();
    let refresh_token = body["refresh_token"].as_str().unwrap();
    assert!(access_token.len() * 6 >= 128 && refresh_token.len() * 6 >= 128);
    for (token, token_type) in [(access_token, Some("Bearer")), (refresh_token, None)] {
        let response = post(&ts, &http, "/introspect", &client_id, &[("token", token)]).await;
        let introspection: Value = response.json().await.unwrap();
        assert_eq!(introspection["active"], true, "{introspection}");
        assert_eq!(introspection["cnf"], json!({"x5t#S256": cert.x5t()}));
        assert_eq!(
            introspection["token_type"].as_str(),
            token_type,
            "{introspection}"
        );
    }
    // The refresh token is bound to the same certificate: another certificate with the same
    // subject authenticates the client but cannot use it.
    let refresh = |http: reqwest::Client| {
        let ts = &ts;
        let client_id = client_id.clone();
        async move {
            post(
                ts,
                &http,
                "/token",
                &client_id,
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", refresh_token),
                ],
            )
            .await
        }
    };
    let response = refresh(http.clone()).await;
    let status = response.status();
    let refreshed: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{refreshed}");
    assert_eq!(refreshed["token_type"], "Bearer");
    let response = post(
        &ts,
        &http,
        "/introspect",
        &client_id,
        &[("token", refreshed["access_token"].as_str().unwrap())],
    )
    .await;
    let introspection: Value = response.json().await.unwrap();
    assert_eq!(introspection["cnf"]["x5t#S256"], cert.x5t());
    let same_dn = ClientCa::new().issue("budget-buddy");
    let response = refresh(with_cert(&ts, Some(&same_dn))).await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "invalid_grant".to_owned())
    );
}

#[tokio::test]
async fn a19_over_tls_without_dpop_and_without_a_certificate_the_token_request_is_refused() {
    let ts = start_tls().await;
    // A private_key_jwt client: authenticated by its assertion, over TLS without a certificate.
    let client = ts.register(json!({"sandbox_auto_consent": true})).await;
    let pkce = new_pkce();
    let code = ts.code(&client, &pkce, &[], None).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", pkce.verifier.as_str()),
    ];
    let response = ts.post_form("/token", &client, &form, None).await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "invalid_dpop_proof".to_owned())
    );
    // The same client with a certificate on the connection: its tokens are bound to it.
    let pkce = new_pkce();
    let code = ts.code(&client, &pkce, &[], None).await;
    let cert = self_signed("anything");
    let mut pairs: HashMap<String, String> = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", pkce.verifier.as_str()),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    pairs.extend(client.auth_params(&ts));
    let response = with_cert(&ts, Some(&cert))
        .post(ts.url("/token"))
        .form(&pairs)
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer", "{body}");
    let token = body["access_token"].as_str().unwrap();
    let response = accounts(&ts, &with_cert(&ts, Some(&cert)), token).await;
    assert_eq!(response.status(), StatusCode::OK);
    // A code bound to a DPoP key at PAR cannot be redeemed with a certificate instead.
    let key = new_key();
    let pkce = new_pkce();
    let code = ts.code(&client, &pkce, &[], Some(&key)).await;
    let mut pairs: Vec<(String, String)> = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", pkce.verifier.as_str()),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    pairs.extend(client.auth_params(&ts));
    let response = with_cert(&ts, Some(&cert))
        .post(ts.url("/token"))
        .form(&pairs)
        .send()
        .await
        .unwrap();
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "invalid_grant".to_owned())
    );
}

#[tokio::test]
async fn a19_with_both_a_dpop_proof_and_a_certificate_the_token_is_dpop_bound() {
    let ts = start_tls().await;
    let cert = self_signed("budget-buddy");
    let client_id = register_self_signed(&ts, &cert).await;
    let http = with_cert(&ts, Some(&cert));
    let pkce = new_pkce();
    let code = code(&ts, &http, &client_id, &pkce).await;
    let key = new_key();
    let response = http
        .post(ts.url("/token"))
        .header("DPoP", ts.proof(&key, "POST", &ts.url("/token"), None))
        .form(&[
            ("client_id", client_id.as_str()),
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", pkce.verifier.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "DPoP", "{body}");
}

#[tokio::test]
async fn a26_a_certificate_bound_token_needs_the_same_client_certificate() {
    let ts = start_tls().await;
    let cert = self_signed("budget-buddy");
    let client_id = register_self_signed(&ts, &cert).await;
    let http = with_cert(&ts, Some(&cert));
    let body = tokens(&ts, &http, &client_id).await;
    let token = body["access_token"].as_str().unwrap();
    let response = accounts(&ts, &http, token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let listed: Value = response.json().await.unwrap();
    assert!(!listed["data"].as_array().unwrap().is_empty(), "{listed}");
    let other = self_signed("budget-buddy");
    for (case, http) in [
        ("another certificate", with_cert(&ts, Some(&other))),
        ("no certificate", with_cert(&ts, None)),
    ] {
        let response = accounts(&ts, &http, token).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{case}");
        let challenge = response.headers()["www-authenticate"].to_str().unwrap();
        assert!(challenge.contains("invalid_token"), "{case}: {challenge}");
    }
    // Sent with the DPoP scheme, a certificate-bound token is refused too.
    let key = new_key();
    let url = ts.url("/accounts");
    let response = http
        .get(&url)
        .header("Authorization", format!("DPoP {token}"))
        .header("DPoP", ts.proof(&key, "GET", &url, Some(token)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

/// FAPI.md C2/C3 over mutual TLS: the client certificate authenticates `/backchannel` and
/// `/token`, and the CIBA tokens are bound to it (`Bearer`, `cnf.x5t#S256`) like any other.
#[tokio::test]
async fn c3_ciba_over_mtls_gives_certificate_bound_tokens() {
    let ts = start_tls().await;
    let client_id = register(
        &ts,
        json!({
            "token_endpoint_auth_method": "tls_client_auth",
            "tls_client_auth_subject_dn": SUBJECT_DN,
            "grant_types": ["urn:openid:params:grant-type:ciba"],
            "backchannel_token_delivery_mode": "poll",
        }),
    )
    .await;
    let cert = self_signed("budget-buddy");
    let http = with_cert(&ts, Some(&cert));
    // Without the certificate the client is not authenticated.
    let response = with_cert(&ts, None)
        .post(ts.url("/backchannel"))
        .form(&[
            ("client_id", client_id.as_str()),
            ("scope", "openid accounts"),
            ("login_hint", "alice"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::UNAUTHORIZED, "invalid_client".to_owned())
    );
    let started: Value = http
        .post(ts.url("/backchannel"))
        .form(&[
            ("client_id", client_id.as_str()),
            ("scope", "openid accounts"),
            ("login_hint", "alice"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = started["auth_req_id"].as_str().unwrap();
    sandbank_fapi::ciba::approve(&ts.server, id, None, None)
        .await
        .unwrap();
    let response = http
        .post(ts.url("/token"))
        .form(&[
            ("client_id", client_id.as_str()),
            ("grant_type", "urn:openid:params:grant-type:ciba"),
            ("auth_req_id", id),
        ])
        .send()
        .await
        .unwrap();
    let status = response.status();
    let tokens: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    let access_token = tokens["access_token"].as_str().unwrap();
    let introspection: Value = http
        .post(ts.url("/introspect"))
        .form(&[("client_id", client_id.as_str()), ("token", access_token)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        introspection["cnf"]["x5t#S256"],
        cert.x5t(),
        "{introspection}"
    );
    let accounts = |client: reqwest::Client| {
        let url = ts.url("/accounts");
        async move {
            client
                .get(url)
                .bearer_auth(access_token)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(accounts(http.clone()).await, StatusCode::OK);
    let other = self_signed("budget-buddy");
    assert_eq!(
        accounts(with_cert(&ts, Some(&other))).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn d3_the_grant_endpoint_checks_a_certificate_bound_token_as_the_bank_api_does() {
    let ts = start_tls().await;
    let cert = self_signed("budget-buddy");
    let client_id = register(
        &ts,
        json!({
            "token_endpoint_auth_method": "self_signed_tls_client_auth",
            "jwks": {"keys": [cert.jwk]},
            "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
        }),
    )
    .await;
    let http = with_cert(&ts, Some(&cert));
    let user = tokens(&ts, &http, &client_id).await;
    let grant_id = user["grant_id"].as_str().unwrap();
    // A client_credentials token bound to the certificate, with the grant management scopes.
    let response = post(
        &ts,
        &http,
        "/token",
        &client_id,
        &[
            ("grant_type", "client_credentials"),
            ("scope", "grant_management_query grant_management_revoke"),
        ],
    )
    .await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer", "{body}");
    let token = body["access_token"].as_str().unwrap();
    let url = ts.url(&format!("/grants/{grant_id}"));
    let response = http
        .get(&url)
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let view: Value = response.json().await.unwrap();
    assert_eq!(view["scopes"], json!([{"scope": "accounts balances"}]));
    // Another certificate, or none, is refused before anything is revoked.
    let other = self_signed("budget-buddy");
    for (case, stranger) in [
        ("another certificate", with_cert(&ts, Some(&other))),
        ("no certificate", with_cert(&ts, None)),
    ] {
        let response = stranger
            .delete(&url)
            .header("Authorization", format!("Bearer {token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{case}");
        assert!(
            response.headers().contains_key("www-authenticate"),
            "{case}"
        );
    }
    let user_token = user["access_token"].as_str().unwrap();
    assert_eq!(
        accounts(&ts, &http, user_token).await.status(),
        StatusCode::OK
    );
    let response = http
        .delete(&url)
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        accounts(&ts, &http, user_token).await.status(),
        StatusCode::UNAUTHORIZED
    );
}
