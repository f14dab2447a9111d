//! Sessions whose grant and tokens are written straight into the sandbox's store, through the
//! contract of `sandbank_fapi::tokens` and `sandbank_fapi::grant`, bypassing the authorization
//! server.
//!
//! For tests of the resource server that need what no real flow gives: a token that reaches
//! other accounts than its grant, a token naming another customer's accounts, permissions
//! chosen one by one without a consent page. Everything else should log in for real with
//! [`TestClient::login_as`].

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use chrono::{DateTime, Duration, Utc};
use sandbank_fapi::state::kinds;
use sandbank_fapi::tokens::{Confirmation, TokenRecord, token_key};
use sandbank_schemas::consent::{AuthorizationDetail, ConsentStatus};
use sandbank_schemas::{AccountId, ClientId, Consent, ConsentId, Permission};
use serde_json::{Value, json};

use crate::client::TestClient;
use crate::error::{Error, Result};
use crate::jose::{SigningKey, random_token};
use crate::login::{READ_PERMISSIONS, scope_of};
use crate::sandbox::Sandbox;
use crate::session::Session;

/// A grant and tokens to write; from [`Sandbox::forge_session`]. Await it for a [`Session`]
/// whose access token (10 minutes) and refresh token (30 days) are bound to a fresh DPoP key.
#[derive(Debug)]
#[must_use = "nothing is written until awaited"]
pub struct ForgeSession<'a> {
    sandbox: &'a Sandbox,
    client: TestClient,
    username: String,
    grant_accounts: Option<Vec<AccountId>>,
    token_accounts: Option<Vec<AccountId>>,
    permissions: Vec<Permission>,
    lifetime: Duration,
}

impl Sandbox {
    /// A session for `client` on a grant by `username`, written into the store without any
    /// flow. By default the grant and the token reach all the customer's accounts with
    /// [`READ_PERMISSIONS`].
    pub fn forge_session(&self, client: &TestClient, username: &str) -> ForgeSession<'_> {
        ForgeSession {
            sandbox: self,
            client: client.clone(),
            username: username.to_owned(),
            grant_accounts: None,
            token_accounts: None,
            permissions: READ_PERMISSIONS.to_vec(),
            lifetime: Duration::minutes(10),
        }
    }
}

impl ForgeSession<'_> {
    /// The accounts the grant reaches (and the token, unless
    /// [`token_accounts`](Self::token_accounts) says otherwise). They need not be the
    /// customer's: that is the point of forging.
    pub fn accounts(mut self, accounts: impl IntoIterator<Item = AccountId>) -> Self {
        self.grant_accounts = Some(accounts.into_iter().collect());
        self
    }

    /// The accounts the access token names, when they differ from the grant's.
    pub fn token_accounts(mut self, accounts: impl IntoIterator<Item = AccountId>) -> Self {
        self.token_accounts = Some(accounts.into_iter().collect());
        self
    }

    /// The permissions of the grant and the token (scopes of the same names).
    pub fn permissions(mut self, permissions: impl IntoIterator<Item = Permission>) -> Self {
        self.permissions = permissions.into_iter().collect();
        self
    }

    /// How long the access token lives (10 minutes by default).
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// Writes the grant and the tokens.
    pub async fn send(self) -> Result<Session> {
        let sandbox = self.sandbox;
        let now = sandbox.clock().now();
        let customer = sandbox.party_id(&self.username).await?;
        let grant_accounts = match self.grant_accounts {
            Some(accounts) => accounts,
            None => sandbox.accounts_of(&self.username).await?,
        };
        let token_accounts = self
            .token_accounts
            .unwrap_or_else(|| grant_accounts.clone());
        let scopes: Vec<String> = self.permissions.iter().copied().map(scope_of).collect();
        let detail = AuthorizationDetail::AccountInformation {
            accounts: grant_accounts.clone(),
            permissions: self.permissions.clone(),
        };
        let grant_id = format!("grant-{}", random_token(12)?.replace(['-', '_'], "x"));
        let invalid = |what: &str| Error::Protocol(format!("forge: {what}"));
        let grant = Consent {
            consent_id: ConsentId::new(grant_id.clone()).map_err(|_| invalid("grant id"))?,
            customer_id: customer.clone(),
            client_id: ClientId::new(self.client.client_id()).map_err(|_| invalid("client id"))?,
            client_name: "sandbank-testkit".into(),
            status: ConsentStatus::Active,
            scopes: scopes.clone(),
            account_ids: grant_accounts,
            permissions: self.permissions.clone(),
            authorization_details: vec![detail.clone()],
            created_at: now,
            updated_at: now,
            expires_at: Some(now + Duration::days(90)),
        };
        let state = sandbox.store().auth_state();
        state
            .put(
                kinds::GRANT,
                &grant_id,
                &serde_json::to_value(&grant)?,
                now,
                now + Duration::days(90),
            )
            .await?;
        let dpop = SigningKey::generate()?;
        let record = |accounts: &[AccountId], exp: DateTime<Utc>| TokenRecord {
            client_id: self.client.client_id().to_owned(),
            sub: Some(customer.to_string()),
            grant_id: Some(grant_id.clone()),
            scope: scopes.clone(),
            accounts: accounts.iter().map(ToString::to_string).collect(),
            permissions: self.permissions.clone(),
            authorization_details: vec![detail.clone()],
            cnf: Confirmation {
                jkt: Some(dpop.thumbprint()),
                x5t_s256: None,
            },
            iat: now.timestamp(),
            exp: exp.timestamp(),
            auth_time: Some(now.timestamp()),
        };
        let access_token = random_token(32)?;
        let access_exp = now + self.lifetime;
        state
            .put(
                kinds::ACCESS_TOKEN,
                &token_key(&access_token),
                &serde_json::to_value(record(&token_accounts, access_exp))?,
                now,
                access_exp,
            )
            .await?;
        let refresh_token = random_token(32)?;
        let refresh_exp = now + Duration::days(30);
        state
            .put(
                kinds::REFRESH_TOKEN,
                &token_key(&refresh_token),
                &serde_json::to_value(record(&token_accounts, refresh_exp))?,
                now,
                refresh_exp,
            )
            .await?;
        let tokens: Value = json!({
            "access_token": access_token,
            "token_type": "DPoP",
            "expires_in": self.lifetime.num_seconds(),
            "scope": scopes.join(" "),
            "refresh_token": refresh_token,
            "grant_id": grant_id,
            "authorization_details": [detail],
        });
        Session::new(self.client, dpop, tokens)
    }
}

impl<'a> IntoFuture for ForgeSession<'a> {
    type Output = Result<Session>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
