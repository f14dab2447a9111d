//! Grant Management across a deployment (FAPI.md D3 with ARCHITECTURE.md "State and scale"):
//! two `sandbank serve` processes on one database behave as one bank. A grant revoked with
//! `DELETE /grants/{grant_id}` on instance A stops its access token at the bank API of
//! instance B, and its refresh token at B's token endpoint, at once.
//!
//! On PostgreSQL when `SANDBANK_TEST_POSTGRES_URL` names a server (CI sets it, and then the
//! test must run: an unreachable server fails it), each run in a fresh database; without the
//! variable it says why it skips. On a SQLite file always.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::StatusCode;
use sandbank_store::testing;
use sandbank_testkit::SigningKey;
use sandbank_testkit::jose::{JWT_BEARER, Pkce};
use serde_json::{Value, json};

const REDIRECT_URI: &str = "https://client.example/cb";

/// A running `sandbank serve` and the URL it listens on; killed when dropped.
struct Serve {
    child: Child,
    url: String,
}

impl Serve {
    /// `sandbank serve` on a free port over `database_url`, with headless consent, using
    /// `issuer` as its public URL when given (instances of one deployment share an issuer).
    fn start(database_url: &str, issuer: Option<&str>) -> Serve {
        Serve::start_with(database_url, issuer, &[])
    }

    /// [`Serve::start`] with more flags.
    fn start_with(database_url: &str, issuer: Option<&str>, flags: &[&str]) -> Serve {
        let mut args = vec![
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--database-url",
            database_url,
            "--auto-consent",
        ];
        if let Some(issuer) = issuer {
            args.extend(["--public-url", issuer]);
        }
        args.extend(flags);
        let mut child = Command::new(env!("CARGO_BIN_EXE_sandbank"))
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let ready: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("no ready line from serve ({e}): {line:?}"));
        assert_eq!(ready["event"], "ready", "{ready}");
        Serve {
            child,
            url: ready["url"].as_str().unwrap().to_owned(),
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .try_into()
        .unwrap()
}

/// One client of the deployment, speaking to either instance with the deployment's issuer.
struct App {
    http: reqwest::Client,
    issuer: String,
    client_id: String,
    key: SigningKey,
}

impl App {
    fn assertion(&self) -> String {
        self.key
            .client_assertion(&self.client_id, &self.issuer, now())
            .unwrap()
    }

    fn proof(&self, dpop: &SigningKey, method: &str, path: &str, token: Option<&str>) -> String {
        dpop.dpop_proof(method, &format!("{}{path}", self.issuer), now(), token)
            .unwrap()
    }

    /// `POST path` on `at` with client authentication and a DPoP proof by `dpop`.
    async fn post(
        &self,
        at: &Serve,
        path: &str,
        form: &[(&str, &str)],
        dpop: &SigningKey,
    ) -> reqwest::Response {
        let assertion = self.assertion();
        let mut pairs: Vec<(&str, &str)> = form.to_vec();
        pairs.extend([
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", assertion.as_str()),
        ]);
        self.http
            .post(format!("{}{path}", at.url))
            .header("DPoP", self.proof(dpop, "POST", path, None))
            .form(&pairs)
            .send()
            .await
            .unwrap()
    }

    /// `method path` on `at` with the DPoP-bound `token`.
    async fn call(
        &self,
        at: &Serve,
        method: reqwest::Method,
        path: &str,
        token: &str,
        dpop: &SigningKey,
    ) -> reqwest::Response {
        self.http
            .request(method.clone(), format!("{}{path}", at.url))
            .header("Authorization", format!("DPoP {token}"))
            .header("DPoP", self.proof(dpop, method.as_str(), path, Some(token)))
            .send()
            .await
            .unwrap()
    }
}

async fn error_of(response: reqwest::Response) -> (StatusCode, String) {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    (
        status,
        body["error"].as_str().unwrap_or_default().to_owned(),
    )
}

async fn a_grant_revoked_on_one_instance_is_refused_on_the_other_at_once(database_url: &str) {
    let a = Serve::start(database_url, None);
    let b = Serve::start(database_url, Some(&a.url));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let key = SigningKey::generate().unwrap();
    let registered: Value = http
        .post(format!("{}/register", a.url))
        .json(&json!({
            "client_name": "Two instances",
            "redirect_uris": [REDIRECT_URI],
            "jwks": {"keys": [key.public_jwk()]},
            "grant_types": ["authorization_code", "refresh_token"],
            "sandbox_auto_consent": true,
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let app = App {
        http,
        issuer: a.url.clone(),
        client_id: registered["client_id"].as_str().unwrap().to_owned(),
        key,
    };
    // The flow on A: PAR, headless consent, code for tokens.
    let dpop = SigningKey::generate().unwrap();
    let pkce = Pkce::new().unwrap();
    let pushed = app
        .post(
            &a,
            "/par",
            &[
                ("response_type", "code"),
                ("client_id", &app.client_id),
                ("redirect_uri", REDIRECT_URI),
                ("scope", "accounts grant_management_revoke"),
                ("code_challenge", &pkce.challenge),
                ("code_challenge_method", "S256"),
                ("login_hint", "alice"),
                ("grant_management_action", "create"),
            ],
            &dpop,
        )
        .await;
    assert_eq!(pushed.status(), StatusCode::CREATED);
    let pushed: Value = pushed.json().await.unwrap();
    let authorized = app
        .http
        .get(format!("{}/authorize", a.url))
        .query(&[
            ("client_id", app.client_id.as_str()),
            ("request_uri", pushed["request_uri"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(authorized.status(), StatusCode::SEE_OTHER);
    let location = url::Url::parse(authorized.headers()["location"].to_str().unwrap()).unwrap();
    let code = location
        .query_pairs()
        .find(|(name, _)| name == "code")
        .map(|(_, code)| code.into_owned())
        .unwrap();
    let tokens = app
        .post(
            &a,
            "/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT_URI),
                ("code_verifier", &pkce.verifier),
            ],
            &dpop,
        )
        .await;
    assert_eq!(tokens.status(), StatusCode::OK);
    let tokens: Value = tokens.json().await.unwrap();
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let grant_id = tokens["grant_id"].as_str().unwrap().to_owned();

    // B serves the token issued by A.
    let accounts = app
        .call(&b, reqwest::Method::GET, "/accounts", &access, &dpop)
        .await;
    assert_eq!(accounts.status(), StatusCode::OK);

    // Revoked on A...
    let revoked = app
        .call(
            &a,
            reqwest::Method::DELETE,
            &format!("/grants/{grant_id}"),
            &access,
            &dpop,
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);

    // ...refused on B at once: the access token at the bank API, the refresh token at /token.
    let accounts = app
        .call(&b, reqwest::Method::GET, "/accounts", &access, &dpop)
        .await;
    assert!(accounts.headers().contains_key("www-authenticate"));
    assert_eq!(
        error_of(accounts).await,
        (StatusCode::UNAUTHORIZED, "invalid_token".to_owned())
    );
    let refreshed = app
        .post(
            &b,
            "/token",
            &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
            &dpop,
        )
        .await;
    assert_eq!(
        error_of(refreshed).await,
        (StatusCode::BAD_REQUEST, "invalid_grant".to_owned())
    );
    drop(b);
    drop(a);
}

#[tokio::test]
async fn d3_two_serve_processes_on_one_postgresql_database_agree_on_a_revoked_grant() {
    let Some(server) = testing::postgres_server() else {
        eprintln!(
            "skipped: {} is not set, so there is no PostgreSQL to share between the two \
             instances (CI sets it)",
            testing::POSTGRES_ENV
        );
        return;
    };
    let db = testing::postgres(&server).await.unwrap();
    a_grant_revoked_on_one_instance_is_refused_on_the_other_at_once(&db.url).await;
    db.close().await.unwrap();
}

#[tokio::test]
async fn d3_two_serve_processes_on_one_sqlite_file_agree_on_a_revoked_grant() {
    let db = testing::sqlite_file().await.unwrap();
    a_grant_revoked_on_one_instance_is_refused_on_the_other_at_once(&db.url).await;
    db.close().await.unwrap();
}

#[tokio::test]
async fn d1_serve_require_grant_management_action_says_so_and_refuses_par_without_one() {
    let db = testing::sqlite_file().await.unwrap();
    let serve = Serve::start_with(&db.url, None, &["--require-grant-management-action"]);
    let http = reqwest::Client::new();
    let metadata: Value = http
        .get(format!("{}/.well-known/openid-configuration", serve.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(metadata["grant_management_action_required"], true);
    let key = SigningKey::generate().unwrap();
    let registered: Value = http
        .post(format!("{}/register", serve.url))
        .json(&json!({
            "client_name": "Strict",
            "redirect_uris": [REDIRECT_URI],
            "jwks": {"keys": [key.public_jwk()]},
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let app = App {
        http,
        issuer: serve.url.clone(),
        client_id: registered["client_id"].as_str().unwrap().to_owned(),
        key,
    };
    let pkce = Pkce::new().unwrap();
    let dpop = SigningKey::generate().unwrap();
    let form = [
        ("response_type", "code"),
        ("client_id", app.client_id.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("scope", "accounts"),
        ("code_challenge", pkce.challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let refused = app.post(&serve, "/par", &form, &dpop).await;
    assert_eq!(
        error_of(refused).await,
        (StatusCode::BAD_REQUEST, "invalid_request".to_owned())
    );
    let mut with_action = form.to_vec();
    with_action.push(("grant_management_action", "create"));
    let accepted = app.post(&serve, "/par", &with_action, &dpop).await;
    assert_eq!(accepted.status(), StatusCode::CREATED);
    drop(serve);
    db.close().await.unwrap();
}
