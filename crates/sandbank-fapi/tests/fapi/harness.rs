//! A server on `127.0.0.1:0` with the personas loaded, and a client that speaks FAPI 2.0.

use std::collections::HashMap;

use reqwest::StatusCode;
use sandbank_fapi::{AsConfig, AuthServer, Clock};
use sandbank_store::{DatasetManifest, Store};
use sandbank_testkit::SigningKey;
use sandbank_testkit::jose::{JWT_BEARER, Pkce};
use serde_json::{Value, json};
use tokio::task::JoinHandle;

pub const PASSWORD: &str = "sandbank";
pub const REDIRECT_URI: &str = "https://client.example/cb";

/// A fresh P-256 key (the test kit's): a client's signing key or a DPoP key.
pub fn new_key() -> SigningKey {
    SigningKey::generate().unwrap()
}

/// A fresh PKCE verifier and its S256 challenge.
pub fn new_pkce() -> Pkce {
    Pkce::new().unwrap()
}

/// A running server.
pub struct TestServer {
    pub base: String,
    pub server: AuthServer,
    pub http: reqwest::Client,
    /// The local CA's certificate (PEM), for a server started with [`start_tls`].
    pub ca_pem: Option<String>,
    task: JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub async fn start() -> TestServer {
    start_with("sqlite::memory:", |_| {}).await
}

pub async fn start_with(database: &str, configure: impl FnOnce(&mut AsConfig)) -> TestServer {
    start_on("127.0.0.1:0", database, configure).await
}

/// A server on `addr` (to restart one on the port it had, so the issuer stays the same).
pub async fn start_on(
    addr: &str,
    database: &str,
    configure: impl FnOnce(&mut AsConfig),
) -> TestServer {
    start_inner(addr, database, configure, false).await
}

/// A server on the HTTPS listener (`sandbank serve --tls`): the mutual-TLS aliases are its own
/// endpoints, and [`TestServer::http`] trusts its CA and presents no client certificate.
pub async fn start_tls() -> TestServer {
    start_inner("127.0.0.1:0", "sqlite::memory:", |_| {}, true).await
}

async fn start_inner(
    addr: &str,
    database: &str,
    configure: impl FnOnce(&mut AsConfig),
    tls: bool,
) -> TestServer {
    // A port just given up by a stopped server may take a moment to be free again.
    let mut attempts = 0;
    let listener = loop {
        match tokio::net::TcpListener::bind(addr).await {
            Ok(listener) => break listener,
            Err(e) if attempts < 100 => {
                attempts += 1;
                let _ = e;
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            Err(e) => panic!("cannot bind {addr}: {e}"),
        }
    };
    let scheme = if tls { "https" } else { "http" };
    let base = format!("{scheme}://{}", listener.local_addr().unwrap());
    let store = Store::connect(database).await.unwrap();
    let generator = sandbank_synth::Generator::new(sandbank_synth::Config {
        customers: 0,
        months: 1,
        ..Default::default()
    })
    .unwrap();
    let manifest = DatasetManifest {
        seed: generator.config().seed,
        generator_version: sandbank_synth::GENERATOR_VERSION.to_owned(),
        content_hash: Some("fapi-tests".to_owned()),
    };
    store
        .load_dataset(&manifest, generator.customers())
        .await
        .unwrap();
    let mut config = AsConfig::new(base.clone(), PASSWORD);
    if tls {
        config.mtls_base = Some(base.clone());
    }
    configure(&mut config);
    let server = AuthServer::start(store, config, Clock::system())
        .await
        .unwrap();
    // The authorization server and, as resource server, the bank API (`sandbank-api`).
    let (bank_api, _) = sandbank_api::router::<AuthServer>().split_for_parts();
    let app =
        sandbank_fapi::routes::router(server.clone()).merge(bank_api.with_state(server.clone()));
    let app = app.layer(axum::Extension(server.clone()));
    let mut ca_pem = None;
    let task = if tls {
        let ca = sandbank_fapi::tls::LocalCa::load_or_create(&server)
            .await
            .unwrap();
        let config = ca.server_config(server.now(), &[]).unwrap();
        ca_pem = Some(ca.certificate_pem.clone());
        let listener = listener.into_std().unwrap();
        tokio::spawn(async move {
            let grace = std::time::Duration::from_secs(1);
            let http = |_: &mut _| {};
            sandbank_fapi::tls::serve(listener, app, config, http, std::future::pending(), grace)
                .await
                .unwrap();
        })
    } else {
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        })
    };
    let http = http_client(ca_pem.as_deref(), None);
    TestServer {
        base,
        server,
        http,
        ca_pem,
        task,
    }
}

/// An HTTP client that follows no redirects, trusts only `ca_pem` (when given) and presents
/// `identity` (PEM certificate and private key) as its client certificate.
pub fn http_client(ca_pem: Option<&str>, identity: Option<&str>) -> reqwest::Client {
    sandbank_testkit::http_client(ca_pem, identity).unwrap()
}

impl TestServer {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `GET path` on the server, as JSON.
    pub async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        let response = self.http.get(self.url(path)).send().await.unwrap();
        response.json().await.unwrap()
    }

    /// Now by the server's sandbox clock, in seconds.
    pub fn now(&self) -> i64 {
        self.server.now().timestamp()
    }

    /// The claims of a DPoP proof for `htm` on `htu` now, with `ath` for `access_token`.
    pub fn dpop_claims(&self, htm: &str, htu: &str, access_token: Option<&str>) -> Value {
        SigningKey::dpop_claims(htm, htu, self.now(), access_token, None).unwrap()
    }

    /// A valid DPoP proof by `key` for `htm` on `htu` now, with `ath` for `access_token`.
    pub fn proof(
        &self,
        key: &SigningKey,
        htm: &str,
        htu: &str,
        access_token: Option<&str>,
    ) -> String {
        key.dpop_proof(htm, htu, self.now(), access_token).unwrap()
    }

    pub async fn register(&self, extra: Value) -> TestClient {
        let key = new_key();
        let mut body = json!({
            "client_name": "Budget Buddy <test>",
            "redirect_uris": [REDIRECT_URI],
            "jwks": {"keys": [key.public_jwk()]},
            "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
            "authorization_details_types": ["account_information", "payment_initiation"],
        });
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let response = self
            .http
            .post(self.url("/register"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let registration: Value = response.json().await.unwrap();
        TestClient {
            client_id: registration["client_id"].as_str().unwrap().to_owned(),
            key,
            registration,
        }
    }

    /// A client whose authorization requests with `login_hint` are auto-approved.
    pub async fn auto_client(&self) -> TestClient {
        self.register(json!({"sandbox_auto_consent": true})).await
    }

    /// POSTs a form with client authentication (unless `auth` is false) and an optional
    /// DPoP proof.
    pub async fn post_form(
        &self,
        path: &str,
        client: &TestClient,
        form: &[(&str, &str)],
        dpop: Option<String>,
    ) -> reqwest::Response {
        let mut pairs: Vec<(String, String)> = form
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        pairs.extend(client.auth_params(self));
        self.post_raw(path, &pairs, dpop).await
    }

    /// POSTs exactly these form pairs.
    pub async fn post_raw(
        &self,
        path: &str,
        pairs: &[(String, String)],
        dpop: Option<String>,
    ) -> reqwest::Response {
        let mut request = self.http.post(self.url(path)).form(pairs);
        if let Some(proof) = dpop {
            request = request.header("DPoP", proof);
        }
        request.send().await.unwrap()
    }

    /// Pushes an authorization request; `extra` overrides or adds parameters.
    pub async fn par(
        &self,
        client: &TestClient,
        pkce: &Pkce,
        extra: &[(&str, &str)],
        dpop: Option<&SigningKey>,
    ) -> reqwest::Response {
        let mut params: HashMap<&str, &str> = HashMap::from([
            ("response_type", "code"),
            ("client_id", client.client_id.as_str()),
            ("redirect_uri", REDIRECT_URI),
            ("scope", "openid accounts balances"),
            ("code_challenge", pkce.challenge.as_str()),
            ("code_challenge_method", "S256"),
            ("state", "state-123"),
            ("nonce", "nonce-456"),
            ("login_hint", "alice"),
        ]);
        for (k, v) in extra {
            if v.is_empty() {
                params.remove(k);
            } else {
                params.insert(k, v);
            }
        }
        let form: Vec<(&str, &str)> = params.into_iter().collect();
        let proof = dpop.map(|key| self.proof(key, "POST", &self.url("/par"), None));
        self.post_form("/par", client, &form, proof).await
    }

    /// PAR that must succeed; returns the request_uri.
    pub async fn push(
        &self,
        client: &TestClient,
        pkce: &Pkce,
        extra: &[(&str, &str)],
        dpop: Option<&SigningKey>,
    ) -> String {
        let response = self.par(client, pkce, extra, dpop).await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["request_uri"].as_str().unwrap().to_owned()
    }

    pub async fn get_authorize(&self, client_id: &str, request_uri: &str) -> reqwest::Response {
        self.http
            .get(self.url("/authorize"))
            .query(&[("client_id", client_id), ("request_uri", request_uri)])
            .send()
            .await
            .unwrap()
    }

    /// PAR + authorize on an auto-consent client; returns the code.
    pub async fn code(
        &self,
        client: &TestClient,
        pkce: &Pkce,
        extra: &[(&str, &str)],
        dpop: Option<&SigningKey>,
    ) -> String {
        let request_uri = self.push(client, pkce, extra, dpop).await;
        let response = self.get_authorize(&client.client_id, &request_uri).await;
        let location = location(&response);
        location["code"].clone()
    }

    /// Redeems a code with a DPoP proof from `key`.
    pub async fn redeem(
        &self,
        client: &TestClient,
        code: &str,
        pkce: &Pkce,
        key: &SigningKey,
    ) -> reqwest::Response {
        let proof = self.proof(key, "POST", &self.url("/token"), None);
        self.post_form(
            "/token",
            client,
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT_URI),
                ("code_verifier", &pkce.verifier),
            ],
            Some(proof),
        )
        .await
    }

    /// The whole flow on an auto-consent client; returns the token response.
    pub async fn tokens(&self, client: &TestClient, key: &SigningKey) -> Value {
        let pkce = new_pkce();
        let code = self.code(client, &pkce, &[], None).await;
        let response = self.redeem(client, &code, &pkce, key).await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// GET /userinfo with a DPoP-bound access token.
    pub async fn userinfo(&self, token: &str, key: &SigningKey) -> reqwest::Response {
        let url = self.url("/userinfo");
        self.http
            .get(&url)
            .header("Authorization", format!("DPoP {token}"))
            .header("DPoP", self.proof(key, "GET", &url, Some(token)))
            .send()
            .await
            .unwrap()
    }
}

/// The query of a 303's Location, as a map; asserts the 303.
pub fn location(response: &reqwest::Response) -> HashMap<String, String> {
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "expected a 303");
    let location = response.headers()["location"].to_str().unwrap();
    let url = url::Url::parse(location).unwrap();
    assert!(location.starts_with(REDIRECT_URI), "{location}");
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub async fn oauth_error(response: reqwest::Response) -> (StatusCode, String) {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    (
        status,
        body["error"].as_str().unwrap_or_default().to_owned(),
    )
}

/// A registered client.
pub struct TestClient {
    pub client_id: String,
    pub key: SigningKey,
    pub registration: Value,
}

impl TestClient {
    /// The claims of a fresh client assertion, to change before [`sign_assertion`].
    pub fn assertion_claims(&self, server: &TestServer) -> Value {
        let assertion = self.assertion(server);
        sandbank_testkit::jose::unverified_claims(&assertion).unwrap()
    }

    /// Signs assertion claims with the client's key, under its `kid`.
    pub fn sign_assertion(&self, claims: &Value) -> String {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
        header.kid = Some(self.key.kid().to_owned());
        self.key.sign(&header, claims).unwrap()
    }

    /// A valid `private_key_jwt` client assertion for `server`.
    pub fn assertion(&self, server: &TestServer) -> String {
        self.key
            .client_assertion(&self.client_id, &server.base, server.now())
            .unwrap()
    }

    pub fn auth_params(&self, server: &TestServer) -> Vec<(String, String)> {
        vec![
            ("client_assertion_type".to_owned(), JWT_BEARER.to_owned()),
            ("client_assertion".to_owned(), self.assertion(server)),
        ]
    }
}
