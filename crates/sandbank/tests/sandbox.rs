//! The sandbox control API (`/sandbox`) over real sockets: the admin key, the clock and what
//! it expires, new days of data, reset, personas, created customers, and pending consents
//! decided without a browser. The bank runs in-process on a loopback port (so tests can read
//! its store); a client speaks the real protocol to it — PAR, `private_key_jwt`, PKCE, DPoP —
//! signing with keys of its own (jsonwebtoken and aws-lc-rs, not the server's code).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "sandbox/admin.rs"]
mod admin;
#[path = "sandbox/authorizations.rs"]
mod authorizations;
#[path = "sandbox/client.rs"]
mod client;
#[path = "sandbox/clock.rs"]
mod clock;
#[path = "sandbox/customers.rs"]
mod customers;
#[path = "support/keys.rs"]
mod keys;
#[path = "sandbox/reset.rs"]
mod reset;

use std::sync::Arc;

use reqwest::{Method, StatusCode};
use sandbank::app::AppState;
use sandbank::sandbox::{AdminKey, Sandbox};
use sandbank_fapi::{AsConfig, AuthServer};
use sandbank_registry::Registry;
use sandbank_store::Store;
use serde_json::Value;

/// The admin key of every test bank.
pub const ADMIN_KEY: &str = "test-admin-key";

/// A small dataset: the personas with two months of history.
pub fn small_dataset() -> sandbank_synth::Config {
    sandbank_synth::Config {
        customers: 2,
        months: 2,
        ..sandbank_synth::Config::default()
    }
}

/// A bank serving on a loopback port, in this process.
pub struct Bank {
    pub url: String,
    pub state: AppState,
    pub http: reqwest::Client,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Bank {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Options of a test bank.
#[derive(Clone)]
pub struct Options {
    pub dataset: sandbank_synth::Config,
    pub auto_consent: bool,
    /// How long grants (consents) last, when not the default 90 days.
    pub grant_lifetime: Option<chrono::Duration>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            dataset: small_dataset(),
            auto_consent: true,
            grant_lifetime: None,
        }
    }
}

impl Bank {
    /// A bank on a new in-memory database.
    pub async fn start(options: Options) -> Bank {
        let store = Store::connect("sqlite::memory:").await.unwrap();
        Bank::on(store, options).await
    }

    /// A bank on `store`, as `serve` starts one: the sandbox's state first, then the dataset
    /// it describes.
    pub async fn on(store: Store, options: Options) -> Bank {
        let clock = sandbank_fapi::Clock::system();
        sandbank::sandbox::state::open(&store, &options.dataset, &clock)
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let mut config = AsConfig::new(&url, "sandbank");
        config.auto_consent = options.auto_consent;
        if let Some(lifetime) = options.grant_lifetime {
            config.lifetimes.grant = lifetime;
        }
        let auth = AuthServer::start(store.clone(), config, clock)
            .await
            .unwrap();
        let state = AppState {
            registry: Arc::new(Registry::new(Arc::new(store.clone()))),
            store,
            auth,
            max_body_bytes: sandbank::body_limit::DEFAULT_MAX_BODY_BYTES,
            sandbox: Arc::new(Sandbox::new(
                AdminKey::new(ADMIN_KEY).unwrap(),
                options.dataset,
            )),
        };
        let app = sandbank::app::router(state.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Bank {
            url,
            state,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            task,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// Now by the bank's sandbox clock, in seconds: what the client dates its proofs with.
    pub fn now(&self) -> i64 {
        self.state.auth.now().timestamp()
    }

    /// A control request with the admin key; the status and the JSON body.
    pub async fn admin(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method, self.url(path))
            .bearer_auth(ADMIN_KEY);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// The customer who logs in as `username`, from the store.
    pub async fn customer(&self, username: &str) -> sandbank_schemas::Customer {
        self.state
            .store
            .customer_by_username(username)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no customer {username}"))
    }

    /// The accounts of the customer who logs in as `username`, from the store.
    pub async fn accounts_of(&self, username: &str) -> Vec<sandbank_schemas::Account> {
        let customer = self.customer(username).await;
        self.state
            .store
            .accounts_of_party(&customer.party_id)
            .await
            .unwrap()
    }

    /// `POST /sandbox/clock` by an ISO 8601 duration; the new clock.
    pub async fn advance(&self, by: &str) -> Value {
        let (status, clock) = self
            .admin(
                Method::POST,
                "/sandbox/clock",
                Some(serde_json::json!({ "advanceBy": by })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{clock}");
        clock
    }
}

/// The entry of `list["data"]` whose `field` is `value`.
pub fn entry(list: &Value, field: &str, value: &str) -> Value {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item[field] == value)
        .unwrap_or_else(|| panic!("no {field} {value} in {list}"))
        .clone()
}

/// The `accountId`s of a list of accounts, sorted.
pub fn account_ids(accounts: &Value) -> Vec<String> {
    let mut ids: Vec<String> = accounts
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["accountId"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

/// A 400 `invalid-request` problem whose first error points at `pointer`.
pub fn assert_invalid(status: StatusCode, problem: &Value, pointer: &str, request: &Value) {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{request}: {problem}");
    assert_eq!(
        problem["type"],
        "https://sandbank.example/problems/invalid-request"
    );
    assert_eq!(
        problem["errors"][0]["pointer"], pointer,
        "{request}: {problem}"
    );
}
