//! The sandbox control API (`/sandbox`) over real sockets: the admin key, the clock and what
//! it expires, new days of data, reset, personas, created customers, and pending consents
//! decided without a browser. Each test starts the bank in-process with the test kit
//! (`sandbank_testkit::Sandbox`, so tests can read its store), whose clients speak the real
//! protocol to it — PAR, `private_key_jwt`, PKCE, DPoP — signing with keys of their own.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "sandbox/admin.rs"]
mod admin;
#[path = "sandbox/authorizations.rs"]
mod authorizations;
#[path = "sandbox/ciba.rs"]
mod ciba;
#[path = "sandbox/clock.rs"]
mod clock;
#[path = "sandbox/customers.rs"]
mod customers;
#[path = "sandbox/grants.rs"]
mod grants;
#[path = "sandbox/reset.rs"]
mod reset;

use std::collections::HashMap;

use reqwest::{Method, StatusCode};
use sandbank_testkit::{Error, Sandbox, SandboxBuilder, Session};
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

/// How every test bank starts: the small dataset, [`ADMIN_KEY`], headless consent.
pub fn builder() -> SandboxBuilder {
    Sandbox::builder()
        .dataset(small_dataset())
        .admin_key(ADMIN_KEY)
}

/// A test bank with the defaults of [`builder`].
pub async fn start() -> Sandbox {
    builder().start().await.unwrap()
}

/// A control request with the admin key; the status and the JSON body (or the text, when it
/// is not JSON).
pub async fn admin(
    sandbox: &Sandbox,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = sandbox.admin().request(method, path);
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

/// `POST /sandbox/clock` by an ISO 8601 duration; the new clock.
pub async fn advance(sandbox: &Sandbox, by: &str) -> sandbank_testkit::SandboxClock {
    sandbox.admin().advance_clock(by).await.unwrap()
}

/// `GET path` through `session`: the status and the JSON body (or the text).
pub async fn get(session: &Session, path: &str) -> (StatusCode, Value) {
    let response = session.get(path).await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// The account ids `GET /accounts` shows to `session`, sorted.
pub async fn session_account_ids(session: &Session) -> Vec<String> {
    let (status, body) = get(session, "/accounts").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    account_ids(&body["data"])
}

/// The status and `error` of an OAuth refusal, failing on anything else.
pub fn oauth_error<T: std::fmt::Debug>(outcome: Result<T, Error>) -> (StatusCode, String) {
    match outcome {
        Err(Error::OAuth { status, error, .. }) => (status, error),
        other => panic!("not an OAuth error: {other:?}"),
    }
}

/// The parameters of an authorization response URL.
pub fn query(url: &str) -> HashMap<String, String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
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
