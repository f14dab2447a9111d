//! The authorization code flow, for real over HTTP: PAR with `private_key_jwt`, PKCE S256 and
//! a DPoP proof, `/authorize` (headless consent, or the login and consent pages driven as a
//! browser would post them), then `/token` with the code, the verifier and a DPoP proof.

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Response, StatusCode};
use sandbank_schemas::Permission;
use serde_json::{Value, json};

use crate::client::{TestClient, refusal, string_field};
use crate::error::{Error, Result};
use crate::jose::{Pkce, SigningKey, random_token, unverified_claims};
use crate::session::Session;

/// Every permission a read-only session may have. A login asks for their scopes (and
/// `openid`) unless told otherwise; a forged session gets them all unless told otherwise.
pub const READ_PERMISSIONS: [Permission; 8] = [
    Permission::Accounts,
    Permission::Balances,
    Permission::Transactions,
    Permission::Statements,
    Permission::Investments,
    Permission::Insurance,
    Permission::Cards,
    Permission::Parties,
];

/// The scope that stands for `permission` (the same name, `card_controls` style).
pub(crate) fn scope_of(permission: Permission) -> String {
    serde_json::to_value(permission)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The cookie the authorization endpoint ties the login and consent pages to.
const INTERACTION_COOKIE: &str = "sandbank_interaction";

/// A login to perform; from [`TestClient::login_as`]. Await it for a [`Session`].
///
/// With the sandbox's headless consent (the default) the customer named by `login_hint`
/// grants what is asked on all their accounts. [`with_accounts`](Self::with_accounts), or a
/// sandbox without auto-consent, goes through the login and consent pages instead: the kit
/// posts the username and sandbox password, then ticks the accounts and approves.
#[derive(Debug)]
#[must_use = "a login happens when awaited"]
pub struct Login {
    client: TestClient,
    username: String,
    scopes: Option<Vec<String>>,
    authorization_details: Vec<Value>,
    accounts: Option<Vec<String>>,
    dpop_key: Option<SigningKey>,
    login_hint: bool,
    request_object: bool,
    jarm: bool,
    grant_management: Option<(&'static str, Option<String>)>,
}

impl Login {
    pub(crate) fn new(client: TestClient, username: &str) -> Login {
        Login {
            client,
            username: username.to_owned(),
            scopes: None,
            authorization_details: Vec::new(),
            accounts: None,
            dpop_key: None,
            login_hint: true,
            request_object: false,
            jarm: false,
            grant_management: None,
        }
    }

    /// The scopes to ask for, instead of `openid` and the scopes of [`READ_PERMISSIONS`] (add
    /// `openid` for an ID token).
    pub fn with_scopes<S: AsRef<str>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = Some(
            scopes
                .into_iter()
                .map(|scope| scope.as_ref().to_owned())
                .collect(),
        );
        self
    }

    /// Rich authorization details to ask for (RFC 9396), e.g.
    /// `json!({"type": "account_information", "permissions": ["transactions"]})`. Without
    /// [`with_scopes`](Self::with_scopes), the login then asks for `openid` only besides them.
    pub fn with_authorization_details(mut self, details: impl IntoIterator<Item = Value>) -> Self {
        self.authorization_details.extend(details);
        self
    }

    /// Asks the customer to consent to one payment (a `payment_initiation` authorization
    /// detail, RFC 9396): `payment` is the payment as `POST /payments` will send it, e.g.
    /// `json!({"instructedAmount": {"amount": "42.17", "currency": "GBP"}, "creditorName":
    /// "Harbourline Ltd", "creditorAccount": {"scheme": "SORT_CODE_ACCOUNT_NUMBER",
    /// "identification": "20000055779911"}})`. Without `debtorAccount`, the customer pays from
    /// the first of their open accounts in the payment's currency (or the one
    /// [`with_accounts`](Self::with_accounts) names first). Then
    /// [`Session::pay`](crate::Session::pay) makes the payment.
    pub fn paying(mut self, payment: Value) -> Self {
        let mut detail = json!({"type": "payment_initiation"});
        if let (Some(detail), Value::Object(fields)) = (detail.as_object_mut(), payment) {
            detail.extend(fields);
        }
        self.authorization_details.push(detail);
        self
    }

    /// The accounts the customer ticks on the consent page; without it every account the page
    /// offers is shared. Goes through the login and consent pages even when the sandbox
    /// consents headlessly.
    pub fn with_accounts<A: ToString>(mut self, accounts: impl IntoIterator<Item = A>) -> Self {
        self.accounts = Some(accounts.into_iter().map(|a| a.to_string()).collect());
        self
    }

    /// The DPoP key the tokens are bound to, instead of a fresh one.
    pub fn with_dpop_key(mut self, key: SigningKey) -> Self {
        self.dpop_key = Some(key);
        self
    }

    /// Leaves `login_hint` out of the authorization request: headless consent does not apply,
    /// and whoever answers names the customer (the login page, or
    /// [`Admin::approve_with`](crate::Admin::approve_with) with a `username`).
    pub fn without_login_hint(mut self) -> Self {
        self.login_hint = false;
        self
    }

    /// Performs the flow.
    /// Pushes the authorization request as one signed request object (JAR, RFC 9101) by the
    /// client's key, with FAPI 2.0 Message Signing's claims (`aud`, `nbf`, `exp`), instead of
    /// plain form parameters.
    pub fn with_request_object(mut self) -> Self {
        self.request_object = true;
        self
    }

    /// Asks for a JWT-secured authorization response (JARM, `response_mode=jwt`), and checks it:
    /// signed by a key of the server's JWKS, `iss` the issuer, `aud` the client, not expired,
    /// `state` the request's.
    pub fn with_jarm(mut self) -> Self {
        self.jarm = true;
        self
    }

    /// Asks for a new grant explicitly (Grant Management, `grant_management_action=create`);
    /// the session's [`grant_id`](Session::grant_id) names it. Needed on a server started with
    /// `serve --require-grant-management-action`; elsewhere every login makes a new grant anyway.
    pub fn creating_grant(mut self) -> Self {
        self.grant_management = Some(("create", None));
        self
    }

    /// Adds what this login is granted to the existing grant `grant_id` (Grant Management,
    /// `grant_management_action=merge`): the grant keeps its id and gains the new scopes,
    /// accounts and authorization details. The customer must be the one who gave it.
    pub fn merging_into(mut self, grant_id: impl Into<String>) -> Self {
        self.grant_management = Some(("merge", Some(grant_id.into())));
        self
    }

    /// Replaces what the existing grant `grant_id` allows with what this login is granted
    /// (Grant Management, `grant_management_action=replace`): same id, new permissions; tokens
    /// issued on it before lose what the new ones lack. The customer must be the one who gave it.
    pub fn replacing(mut self, grant_id: impl Into<String>) -> Self {
        self.grant_management = Some(("replace", Some(grant_id.into())));
        self
    }

    /// Performs the login; the same as awaiting it.
    pub async fn send(self) -> Result<Session> {
        let pending = self.pending().await?;
        let response = pending.open().await?;
        let location = pending.login.authorization_response(response).await?;
        pending.finish(&location).await
    }

    /// Pushes the authorization request (PAR) and stops there: the request waits for a
    /// decision, which a test takes through the control API
    /// ([`Sandbox::admin`](crate::Sandbox::admin): `pending_authorizations`, `approve`,
    /// `deny`), or by [`PendingLogin::open`]ing it as a browser would.
    pub async fn pending(self) -> Result<PendingLogin> {
        let key = match self.dpop_key.clone() {
            Some(key) => key,
            None => SigningKey::generate()?,
        };
        let pkce = Pkce::new()?;
        let state = random_token(16)?;
        let nonce = random_token(16)?;
        let request_uri = self.push(&key, &pkce, &state, &nonce).await?;
        Ok(PendingLogin {
            login: self,
            key,
            pkce,
            state,
            nonce,
            request_uri,
        })
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

    /// `POST /par`; the `request_uri`.
    async fn push(
        &self,
        key: &SigningKey,
        pkce: &Pkce,
        state: &str,
        nonce: &str,
    ) -> Result<String> {
        let client = &self.client;
        let scope = self.scope();
        let jkt = key.thumbprint();
        let mut form = vec![
            ("response_type", "code"),
            ("client_id", client.client_id()),
            ("redirect_uri", client.redirect_uri()),
            ("scope", scope.as_str()),
            ("code_challenge", pkce.challenge.as_str()),
            ("code_challenge_method", "S256"),
            ("state", state),
            ("nonce", nonce),
            ("dpop_jkt", jkt.as_str()),
        ];
        if self.accounts.is_none() && self.login_hint {
            // Names the customer, so headless consent applies.
            form.push(("login_hint", &self.username));
        }
        let details = Value::Array(self.authorization_details.clone()).to_string();
        if !self.authorization_details.is_empty() {
            form.push(("authorization_details", &details));
        }
        if self.jarm {
            form.push(("response_mode", "jwt"));
        }
        if let Some((action, grant_id)) = &self.grant_management {
            form.push(("grant_management_action", action));
            if let Some(grant_id) = grant_id {
                form.push(("grant_id", grant_id));
            }
        }
        let object;
        if self.request_object {
            let params: serde_json::Map<String, Value> = form
                .iter()
                .filter(|(name, _)| *name != "client_id")
                .map(|(name, value)| ((*name).to_owned(), Value::from(*value)))
                .collect();
            object = client.key().request_object(
                client.client_id(),
                &client.bank.issuer,
                client.bank.now(),
                &Value::Object(params),
            )?;
            form = vec![("client_id", client.client_id()), ("request", &object)];
        }
        let pushed = client
            .oauth_post("PAR", "/par", &form, Some(key), StatusCode::CREATED)
            .await?;
        string_field(&pushed, "request_uri", "PAR")
    }

    /// What follows `GET /authorize` (its `response`): the pages when there is no headless
    /// consent; the `Location` of the authorization response.
    async fn authorization_response(&self, response: Response) -> Result<String> {
        match response.status() {
            StatusCode::SEE_OTHER => location(response, "authorize").await,
            StatusCode::OK => self.through_the_pages(response).await,
            _ => Err(unexpected(response, "authorize").await),
        }
    }

    /// Signs in and consents on the pages, as a browser would post them.
    async fn through_the_pages(&self, login_page: Response) -> Result<String> {
        let bank = &self.client.bank;
        let cookie = login_page
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .filter_map(|value| value.split(';').next())
            .find(|pair| pair.starts_with(&format!("{INTERACTION_COOKIE}=")))
            .map(str::to_owned);
        let Some(cookie) = cookie else {
            return Err(unexpected(login_page, "authorize (no interaction cookie)").await);
        };
        let interaction = cookie
            .split_once('=')
            .map(|(_, id)| id.to_owned())
            .unwrap_or_default();
        let http = &self.client.http;
        let consent_page = http
            .post(bank.socket_url("/login"))
            .header(COOKIE, &cookie)
            .form(&[
                ("interaction", interaction.as_str()),
                ("username", &self.username),
                ("password", &bank.password),
            ])
            .send()
            .await?;
        let status = consent_page.status();
        let page = consent_page.text().await?;
        if !page.contains(r#"name="decision""#) {
            if page.contains(r#"name="password""#) {
                return Err(Error::Login {
                    username: self.username.clone(),
                });
            }
            return Err(Error::Unexpected {
                step: "login",
                status,
                body: page,
            });
        }
        let accounts = match &self.accounts {
            Some(accounts) => accounts.clone(),
            None => offered_accounts(&page),
        };
        let mut form = vec![("interaction", interaction.as_str())];
        form.extend(accounts.iter().map(|id| ("account", id.as_str())));
        form.push(("decision", "approve"));
        let response = http
            .post(bank.socket_url("/consent"))
            .header(COOKIE, &cookie)
            .form(&form)
            .send()
            .await?;
        match response.status() {
            StatusCode::SEE_OTHER => location(response, "consent").await,
            _ => Err(unexpected(response, "consent").await),
        }
    }

    /// The code from an authorization response to the client's redirect URI, after checking
    /// that it is one: same redirect URI, same `state`, `iss` the issuer (RFC 9207); for JARM,
    /// those checks on the verified `response` JWT ([`Self::code_from_jarm`]).
    async fn code_from(&self, location: &str, state: &str) -> Result<String> {
        if self.jarm {
            return self.code_from_jarm(location, state).await;
        }
        let client = &self.client;
        if !location.starts_with(client.redirect_uri()) {
            return Err(Error::Protocol(format!(
                "the authorization response goes to {location}, not to {}",
                client.redirect_uri()
            )));
        }
        let url = url::Url::parse(location)
            .map_err(|_| Error::Protocol(format!("{location} is not a URL")))?;
        let param = |name: &str| {
            url.query_pairs()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.into_owned())
        };
        if param("iss").as_deref() != Some(client.bank.issuer.as_str()) {
            return Err(Error::Protocol(format!(
                "the authorization response's iss is not the issuer: {location}"
            )));
        }
        if param("state").as_deref() != Some(state) {
            return Err(Error::Protocol(format!(
                "the authorization response's state is not the request's: {location}"
            )));
        }
        if let Some(error) = param("error") {
            return Err(Error::Authorization {
                error,
                description: param("error_description"),
            });
        }
        param("code").ok_or_else(|| {
            Error::Protocol(format!(
                "the authorization response has no code: {location}"
            ))
        })
    }

    /// The code from a JARM response (`?response=<JWT>`): the JWT is verified with
    /// `jsonwebtoken` against the key of the server's `/jwks` its `kid` names, and must carry
    /// `iss` the issuer, `aud` this client, an `exp` not past, and this request's `state`.
    async fn code_from_jarm(&self, location: &str, state: &str) -> Result<String> {
        let client = &self.client;
        if !location.starts_with(client.redirect_uri()) {
            return Err(Error::Protocol(format!(
                "the authorization response goes to {location}, not to {}",
                client.redirect_uri()
            )));
        }
        let url = url::Url::parse(location)
            .map_err(|_| Error::Protocol(format!("{location} is not a URL")))?;
        let response = url
            .query_pairs()
            .find(|(key, _)| key == "response")
            .map(|(_, value)| value.into_owned())
            .ok_or_else(|| {
                Error::Protocol(format!(
                    "the JARM authorization response has no response parameter: {location}"
                ))
            })?;
        let claims = client
            .verify_server_jwt(&response, "JARM response", |_| {})
            .await?;
        if claims.get("state").and_then(Value::as_str) != Some(state) {
            return Err(Error::Protocol(format!(
                "the JARM response's state is not the request's: {claims}"
            )));
        }
        if let Some(error) = claims.get("error").and_then(Value::as_str) {
            return Err(Error::Authorization {
                error: error.to_owned(),
                description: claims
                    .get("error_description")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            });
        }
        claims
            .get("code")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| Error::Protocol(format!("the JARM response has no code: {claims}")))
    }

    /// With `openid`: an ID token for this client, from the issuer, answering this nonce.
    fn check_id_token(&self, tokens: &Value, nonce: &str) -> Result<()> {
        if !self.scope().split(' ').any(|scope| scope == "openid") {
            return Ok(());
        }
        let id_token = string_field(tokens, "id_token", "token")?;
        let claims = unverified_claims(&id_token)?;
        let bank = &self.client.bank;
        if claims["iss"] != bank.issuer.as_str()
            || claims["aud"] != self.client.client_id()
            || claims["nonce"] != nonce
        {
            return Err(Error::Protocol(format!(
                "the ID token is not for this request: {claims}"
            )));
        }
        Ok(())
    }
}

impl IntoFuture for Login {
    type Output = Result<Session>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// An authorization request pushed and not yet answered; from [`Login::pending`]. Answer it
/// through the control API (or the pages), then [`finish`](Self::finish) it with the
/// authorization response.
#[derive(Debug)]
#[must_use = "a pending login gives no session until finished"]
pub struct PendingLogin {
    login: Login,
    key: SigningKey,
    pkce: Pkce,
    state: String,
    nonce: String,
    request_uri: String,
}

impl PendingLogin {
    /// The `request_uri` PAR gave: the id the control API knows the request by.
    pub fn request_uri(&self) -> &str {
        &self.request_uri
    }

    /// The `state` sent with the request.
    pub fn state(&self) -> &str {
        &self.state
    }

    /// The client that pushed the request.
    pub fn client(&self) -> &TestClient {
        &self.login.client
    }

    /// `GET /authorize` for the request, as a browser would send it; the response as it is
    /// (a 303 to the redirect URI under headless consent, the login page otherwise, an error
    /// page for an expired or unknown request).
    pub async fn open(&self) -> Result<Response> {
        let client = &self.login.client;
        Ok(client
            .http
            .get(client.bank.socket_url("/authorize"))
            .query(&[
                ("client_id", client.client_id()),
                ("request_uri", self.request_uri.as_str()),
            ])
            .send()
            .await?)
    }

    /// Redeems the code of `authorization_response` (the URL the browser was sent to, such as
    /// the `redirectTo` of an approval) at `/token` with the PKCE verifier and a DPoP proof,
    /// after checking its redirect URI, `state` and `iss`. A denial is an
    /// [`Error::Authorization`], a refused code an [`Error::OAuth`].
    pub async fn finish(self, authorization_response: &str) -> Result<Session> {
        let login = self.login;
        let code = login.code_from(authorization_response, &self.state).await?;
        let client = &login.client;
        let tokens = client
            .oauth_post(
                "token",
                "/token",
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", client.redirect_uri()),
                    ("code_verifier", &self.pkce.verifier),
                ],
                Some(&self.key),
                StatusCode::OK,
            )
            .await?;
        if tokens.get("token_type").and_then(Value::as_str) != Some("DPoP") {
            return Err(Error::Protocol(format!(
                "token: token_type is not DPoP in {tokens}"
            )));
        }
        login.check_id_token(&tokens, &self.nonce)?;
        Session::new(login.client, self.key, tokens)
    }
}

/// The `Location` of a redirect.
async fn location(response: Response, step: &'static str) -> Result<String> {
    match response
        .headers()
        .get(LOCATION)
        .and_then(|value| value.to_str().ok())
    {
        Some(location) => Ok(location.to_owned()),
        None => Err(unexpected(response, step).await),
    }
}

/// What a response the flow did not expect at `step` stands for.
async fn unexpected(response: Response, step: &'static str) -> Error {
    let status = response.status();
    match response.text().await {
        Ok(text) => refusal(step, status, text),
        Err(error) => error.into(),
    }
}

/// The accounts the consent page ticks by default: every checked `account` checkbox.
fn offered_accounts(page: &str) -> Vec<String> {
    page.split(r#"name="account" value=""#)
        .skip(1)
        .filter_map(|rest| {
            let (id, after) = rest.split_once('"')?;
            after.starts_with(" checked").then(|| id.to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ticked_accounts_are_read_off_the_consent_page() {
        let page = r#"<label><input type="checkbox" name="account" value="acc-1" checked> A</label>
<label><input type="checkbox" name="account" value="acc-2"> B</label>
<label><input type="checkbox" name="account" value="acc-3" checked> C</label>"#;
        assert_eq!(offered_accounts(page), vec!["acc-1", "acc-3"]);
    }
}
