//! The decoupled flow (OpenID CIBA, poll mode), for real over HTTP: `POST /backchannel` with
//! `private_key_jwt` (or the client certificate), then `/token` with
//! `grant_type=urn:openid:params:grant-type:ciba` and a DPoP proof, once the customer approved
//! — which a test does through the control API
//! ([`Admin::approve_ciba`](crate::Admin::approve_ciba)).

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use crate::client::{TestClient, string_field};
use crate::error::{Error, Result};
use crate::jose::{SigningKey, unverified_claims};
use crate::login::{READ_PERMISSIONS, scope_of};
use crate::session::Session;

/// The CIBA grant type.
pub const CIBA_GRANT: &str = "urn:openid:params:grant-type:ciba";

/// A decoupled login to start; from [`TestClient::login_decoupled`]. Await it (or
/// [`start`](Self::start) it) for a [`PendingDecoupled`], the request waiting for the customer.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let sandbox = sandbank_testkit::Sandbox::builder().personas_only().start().await?;
/// let client = sandbox.register_client().await?;
/// let pending = client
///     .login_decoupled("alice")
///     .with_scopes(["openid", "accounts"])
///     .with_binding_message("W4SCT")
///     .await?;
/// assert!(pending.poll().await?.is_none(), "alice has not decided yet");
///
/// sandbox.admin().approve_ciba(pending.auth_req_id(), None).await?;
/// let alice = pending.wait().await?;
/// let accounts: serde_json::Value = alice.get("/accounts").await?.json().await?;
/// assert!(!accounts["data"].as_array().ok_or("no accounts")?.is_empty());
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
#[must_use = "a decoupled login starts when awaited"]
pub struct DecoupledLogin {
    client: TestClient,
    username: String,
    scopes: Option<Vec<String>>,
    authorization_details: Vec<Value>,
    binding_message: Option<String>,
    requested_expiry: Option<u32>,
    dpop_key: Option<SigningKey>,
}

impl DecoupledLogin {
    pub(crate) fn new(client: TestClient, username: &str) -> DecoupledLogin {
        DecoupledLogin {
            client,
            username: username.to_owned(),
            scopes: None,
            authorization_details: Vec::new(),
            binding_message: None,
            requested_expiry: None,
            dpop_key: None,
        }
    }

    /// The scopes to ask for, instead of `openid` and the scopes of [`READ_PERMISSIONS`].
    /// `openid` is added when missing: CIBA requires it.
    pub fn with_scopes<S: AsRef<str>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        let mut scopes: Vec<String> = scopes
            .into_iter()
            .map(|scope| scope.as_ref().to_owned())
            .collect();
        if !scopes.iter().any(|s| s == "openid") {
            scopes.insert(0, "openid".to_owned());
        }
        self.scopes = Some(scopes);
        self
    }

    /// Rich authorization details to ask for (RFC 9396).
    pub fn with_authorization_details(mut self, details: impl IntoIterator<Item = Value>) -> Self {
        self.authorization_details.extend(details);
        self
    }

    /// The `binding_message` shown to the customer with the request.
    pub fn with_binding_message(mut self, message: impl Into<String>) -> Self {
        self.binding_message = Some(message.into());
        self
    }

    /// `requested_expiry`, in seconds.
    pub fn with_requested_expiry(mut self, seconds: u32) -> Self {
        self.requested_expiry = Some(seconds);
        self
    }

    /// The DPoP key the tokens are bound to, instead of a fresh one.
    pub fn with_dpop_key(mut self, key: SigningKey) -> Self {
        self.dpop_key = Some(key);
        self
    }

    fn scope(&self) -> String {
        match &self.scopes {
            Some(scopes) => scopes.join(" "),
            None if self.authorization_details.is_empty() => std::iter::once("openid".to_owned())
                .chain(READ_PERMISSIONS.map(scope_of))
                .collect::<Vec<_>>()
                .join(" "),
            None => "openid".to_owned(),
        }
    }

    /// `POST /backchannel` with `login_hint`; the request waiting for the customer. A refusal
    /// is an [`Error::OAuth`] (`unknown_user_id`, `unauthorized_client`...).
    pub async fn start(self) -> Result<PendingDecoupled> {
        let key = match self.dpop_key.clone() {
            Some(key) => key,
            None => SigningKey::generate()?,
        };
        let scope = self.scope();
        let details = Value::Array(self.authorization_details.clone()).to_string();
        let expiry = self.requested_expiry.map(|s| s.to_string());
        let mut form = vec![
            ("scope", scope.as_str()),
            ("login_hint", self.username.as_str()),
        ];
        if !self.authorization_details.is_empty() {
            form.push(("authorization_details", &details));
        }
        if let Some(message) = &self.binding_message {
            form.push(("binding_message", message));
        }
        if let Some(expiry) = &expiry {
            form.push(("requested_expiry", expiry));
        }
        let started = self
            .client
            .oauth_post("backchannel", "/backchannel", &form, None, StatusCode::OK)
            .await?;
        let auth_req_id = string_field(&started, "auth_req_id", "backchannel")?;
        let interval = started.get("interval").and_then(Value::as_u64).unwrap_or(5);
        let expires_in = started
            .get("expires_in")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        Ok(PendingDecoupled {
            client: self.client,
            key,
            auth_req_id,
            interval: std::sync::atomic::AtomicU64::new(interval),
            expires_in,
            scope,
        })
    }
}

impl std::future::IntoFuture for DecoupledLogin {
    type Output = Result<PendingDecoupled>;
    type IntoFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.start())
    }
}

/// A backchannel authentication request waiting for the customer; from
/// [`DecoupledLogin::start`]. Decide it through the control API
/// ([`Admin::approve_ciba`](crate::Admin::approve_ciba), [`Admin::deny_ciba`](crate::Admin::deny_ciba)),
/// then [`poll`](Self::poll) or [`wait`](Self::wait) for the [`Session`].
#[derive(Debug)]
#[must_use = "a decoupled login gives no session until polled"]
pub struct PendingDecoupled {
    client: TestClient,
    key: SigningKey,
    auth_req_id: String,
    interval: std::sync::atomic::AtomicU64,
    expires_in: u64,
    scope: String,
}

impl PendingDecoupled {
    /// The `auth_req_id`: the id the control API knows the request by.
    pub fn auth_req_id(&self) -> &str {
        &self.auth_req_id
    }

    /// Seconds the server asks the client to wait between polls (grown by `slow_down`).
    pub fn interval(&self) -> u64 {
        self.interval.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Seconds the request lives, as `/backchannel` said.
    pub fn expires_in(&self) -> u64 {
        self.expires_in
    }

    /// Polls `/token` once: `Ok(None)` while the customer has not decided
    /// (`authorization_pending`, or `slow_down`, which also lengthens [`interval`](Self::interval)),
    /// the session once approved. A denial is an [`Error::OAuth`] with `access_denied`, an
    /// expired request one with `expired_token`.
    pub async fn poll(&self) -> Result<Option<Session>> {
        let outcome = self
            .client
            .oauth_post(
                "token",
                "/token",
                &[
                    ("grant_type", CIBA_GRANT),
                    ("auth_req_id", &self.auth_req_id),
                ],
                Some(&self.key),
                StatusCode::OK,
            )
            .await;
        match outcome {
            Ok(tokens) => self.session(tokens).map(Some),
            Err(Error::OAuth { error, .. }) if error == "authorization_pending" => Ok(None),
            Err(Error::OAuth { error, .. }) if error == "slow_down" => {
                self.interval
                    .fetch_add(5, std::sync::atomic::Ordering::Relaxed);
                Ok(None)
            }
            Err(error) => Err(error),
        }
    }

    /// Polls until the customer decides, waiting [`interval`](Self::interval) seconds (real
    /// time) between polls: the session once approved; an [`Error::OAuth`] for a denial or
    /// once the request expired. Approve before calling it and the first poll gets the
    /// tokens.
    pub async fn wait(self) -> Result<Session> {
        loop {
            if let Some(session) = self.poll().await? {
                return Ok(session);
            }
            tokio::time::sleep(Duration::from_secs(self.interval())).await;
        }
    }

    fn session(&self, tokens: Value) -> Result<Session> {
        if tokens.get("token_type").and_then(Value::as_str) != Some("DPoP") {
            return Err(Error::Protocol(format!(
                "token: token_type is not DPoP in {tokens}"
            )));
        }
        if self.scope.split(' ').any(|s| s == "openid") {
            let id_token = string_field(&tokens, "id_token", "token")?;
            let claims = unverified_claims(&id_token)?;
            let bank = &self.client.bank;
            if claims["iss"] != bank.issuer.as_str() || claims["aud"] != self.client.client_id() {
                return Err(Error::Protocol(format!(
                    "the ID token is not for this client: {claims}"
                )));
            }
        }
        Session::new(self.client.clone(), self.key.clone(), tokens)
    }
}
