//! A FAPI 2.0 client for the tests: registered by DCR with its own P-256 key, it pushes
//! requests (PAR, `private_key_jwt`, PKCE S256), redeems codes and refreshes with DPoP, and
//! reads the bank API with DPoP proofs. Everything it signs is dated by the bank's sandbox
//! clock, as a client must once the clock has moved.

use std::collections::HashMap;

use reqwest::StatusCode;
use serde_json::Value;

use crate::Bank;
use crate::keys::{ClientKey, Key, random, sha256};

pub const REDIRECT_URI: &str = "http://127.0.0.1:9/callback";

/// What a client got from the token endpoint.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
}

/// An authorization request pushed by the client.
pub struct Pushed {
    pub request_uri: String,
    pub state: String,
    verifier: String,
}

/// The parameters of an authorization response URL.
pub fn query(url: &str) -> HashMap<String, String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// A registered client.
pub struct Client {
    pub client_id: String,
    key: ClientKey,
    dpop: Key,
}

impl Client {
    pub async fn register(bank: &Bank) -> Client {
        let key = ClientKey::generate();
        let response = bank
            .http
            .post(bank.url("/register"))
            .json(&key.registration("Sandbox tests", REDIRECT_URI))
            .send()
            .await
            .unwrap();
        let status = response.status();
        let registration: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{registration}");
        Client {
            client_id: registration["client_id"].as_str().unwrap().to_owned(),
            key,
            dpop: Key::generate(),
        }
    }

    fn authentication(&self, bank: &Bank) -> Vec<(String, String)> {
        self.key
            .authentication(&self.client_id, &bank.url, bank.now())
    }

    /// A DPoP proof for `htm htu`, bound to `access_token` when given.
    pub fn proof(&self, bank: &Bank, htm: &str, htu: &str, access_token: Option<&str>) -> String {
        self.dpop.dpop(htm, htu, access_token, bank.now())
    }

    /// Pushes a request for accounts, balances and transactions, naming `login_hint`.
    pub async fn push(&self, bank: &Bank, login_hint: Option<&str>) -> Pushed {
        let verifier = random();
        let state = format!("state-{}", random());
        let mut form: Vec<(String, String)> = [
            ("response_type", "code"),
            ("client_id", self.client_id.as_str()),
            ("redirect_uri", REDIRECT_URI),
            ("scope", "openid accounts balances transactions"),
            ("code_challenge", &sha256(&verifier)),
            ("code_challenge_method", "S256"),
            ("state", &state),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        if let Some(hint) = login_hint {
            form.push(("login_hint".to_owned(), hint.to_owned()));
        }
        form.extend(self.authentication(bank));
        let response = bank
            .http
            .post(bank.url("/par"))
            .form(&form)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{body}");
        Pushed {
            request_uri: body["request_uri"].as_str().unwrap().to_owned(),
            state,
            verifier,
        }
    }

    /// `GET /authorize` for a pushed request: the response (a 303 with auto-consent).
    pub async fn authorize(&self, bank: &Bank, pushed: &Pushed) -> reqwest::Response {
        bank.http
            .get(bank.url("/authorize"))
            .query(&[
                ("client_id", self.client_id.as_str()),
                ("request_uri", pushed.request_uri.as_str()),
            ])
            .send()
            .await
            .unwrap()
    }

    /// The code of a headless (auto-consent) authorization as `username`.
    pub async fn code_for(&self, bank: &Bank, username: &str) -> (String, Pushed) {
        let pushed = self.push(bank, Some(username)).await;
        let response = self.authorize(bank, &pushed).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let params = query(&location);
        assert_eq!(params["state"], pushed.state, "{location}");
        (params["code"].clone(), pushed)
    }

    async fn token_request(&self, bank: &Bank, form: &[(&str, &str)]) -> (StatusCode, Value) {
        let token_url = bank.url("/token");
        let mut form: Vec<(String, String)> = form
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        form.extend(self.authentication(bank));
        let response = bank
            .http
            .post(&token_url)
            .header("DPoP", self.proof(bank, "POST", &token_url, None))
            .form(&form)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    /// Redeems a code: the token endpoint's status and body.
    pub async fn redeem(&self, bank: &Bank, code: &str, pushed: &Pushed) -> (StatusCode, Value) {
        self.token_request(
            bank,
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT_URI),
                ("code_verifier", &pushed.verifier),
            ],
        )
        .await
    }

    /// Redeems a code that must work.
    pub async fn tokens(&self, bank: &Bank, code: &str, pushed: &Pushed) -> Tokens {
        let (status, body) = self.redeem(bank, code, pushed).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        tokens(&body)
    }

    /// The real flow, headless: tokens for `username`.
    pub async fn log_in(&self, bank: &Bank, username: &str) -> Tokens {
        let (code, pushed) = self.code_for(bank, username).await;
        self.tokens(bank, &code, &pushed).await
    }

    /// A refresh: the token endpoint's status and body.
    pub async fn refresh(&self, bank: &Bank, refresh_token: &str) -> (StatusCode, Value) {
        self.token_request(
            bank,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
            ],
        )
        .await
    }

    /// `GET path` on the bank API with `access_token`.
    pub async fn get(&self, bank: &Bank, path: &str, access_token: &str) -> (StatusCode, Value) {
        let url = bank.url(path);
        let htu = url.split('?').next().unwrap().to_owned();
        let response = bank
            .http
            .get(&url)
            .header("Authorization", format!("DPoP {access_token}"))
            .header("DPoP", self.proof(bank, "GET", &htu, Some(access_token)))
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// The account ids `GET /accounts` shows.
    pub async fn account_ids(&self, bank: &Bank, access_token: &str) -> Vec<String> {
        let (status, body) = self.get(bank, "/accounts", access_token).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        crate::account_ids(&body["data"])
    }
}

pub fn tokens(body: &Value) -> Tokens {
    Tokens {
        access_token: body["access_token"].as_str().unwrap().to_owned(),
        refresh_token: body["refresh_token"].as_str().unwrap().to_owned(),
    }
}
