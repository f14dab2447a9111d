//! An authorized session: DPoP-bound tokens and the key they are bound to, and requests that
//! carry them.

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use reqwest::{Method, Response, StatusCode};
use serde::Serialize;
use serde_json::Value;

use crate::client::{TestClient, string_field};
use crate::error::{Error, Result};
use crate::jose::{SigningKey, unverified_claims};
use crate::sandbox::Sandbox;
use crate::signatures;

/// What a login gave: access, refresh and ID tokens bound to a DPoP key. Requests through it
/// carry `Authorization: DPoP <token>` and a fresh DPoP proof each (`htm`, `htu`, `ath`,
/// `jti`, `iat` on the sandbox clock).
///
/// [`Session::signed`] makes it sign every request (RFC 9421, tag `fapi-2-request`) with the
/// client's key and verify every response's signature against the server's JWKS.
pub struct Session {
    client: TestClient,
    dpop: SigningKey,
    tokens: Value,
    access_token: String,
    refresh_token: Option<String>,
    /// The server's JWKS, when requests are signed and responses verified.
    server_jwks: Option<Value>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("client_id", &self.client.client_id())
            .field("scope", &self.tokens.get("scope"))
            .field("grant_id", &self.grant_id())
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A session from a token response (RFC 6749 §5.1) whose tokens are bound to `dpop`.
    pub(crate) fn new(client: TestClient, dpop: SigningKey, tokens: Value) -> Result<Session> {
        let access_token = string_field(&tokens, "access_token", "token")?;
        let refresh_token = tokens
            .get("refresh_token")
            .and_then(Value::as_str)
            .map(str::to_owned);
        Ok(Session {
            client,
            dpop,
            tokens,
            access_token,
            refresh_token,
            server_jwks: None,
        })
    }

    /// The same tokens and DPoP key, sent to `sandbox` instead: an instance restarted on the
    /// same database (the tokens are in it), or another instance of one deployment. Proofs
    /// then name `sandbox`'s issuer.
    pub fn at(&self, sandbox: &Sandbox) -> Result<Session> {
        Ok(Session {
            client: self.client.at(sandbox)?,
            dpop: self.dpop.clone(),
            tokens: self.tokens.clone(),
            access_token: self.access_token.clone(),
            refresh_token: self.refresh_token.clone(),
            server_jwks: self.server_jwks.clone(),
        })
    }

    /// The same session, signing every request with an HTTP message signature (RFC 9421: tag
    /// `fapi-2-request`, by the client's key, covering `@method`, `@target-uri`,
    /// `authorization`, `dpop` and, with a body, `content-digest`) and verifying every
    /// response's `fapi-2-response` signature and `Content-Digest` against the server's JWKS
    /// (read now from `/jwks`): a response that does not verify is an [`Error::Signature`].
    /// Built with the `httpsig` crate, not the server's code ([`crate::signatures`]).
    pub async fn signed(mut self) -> Result<Session> {
        let bank = &self.client.bank;
        let response = self
            .client
            .http
            .get(bank.socket_url("/jwks"))
            .send()
            .await?;
        if response.status() != StatusCode::OK {
            return Err(Error::Unexpected {
                step: "JWKS",
                status: response.status(),
                body: response.text().await.unwrap_or_default(),
            });
        }
        self.server_jwks = Some(response.json().await?);
        Ok(self)
    }

    /// Whether requests are signed and responses verified ([`Session::signed`]).
    pub fn is_signed(&self) -> bool {
        self.server_jwks.is_some()
    }

    /// The access token.
    pub fn access_token(&self) -> &str {
        &self.access_token
    }

    /// The refresh token, when the client may refresh.
    pub fn refresh_token(&self) -> Option<&str> {
        self.refresh_token.as_deref()
    }

    /// The ID token, when `openid` was asked.
    pub fn id_token(&self) -> Option<&str> {
        self.tokens.get("id_token").and_then(Value::as_str)
    }

    /// The ID token's claims (`sub`, `auth_time`, ...), decoded without verification.
    pub fn id_token_claims(&self) -> Result<Value> {
        match self.id_token() {
            Some(id_token) => unverified_claims(id_token),
            None => Err(Error::Protocol("the session has no ID token".into())),
        }
    }

    /// The grant (consent) the tokens were issued on.
    pub fn grant_id(&self) -> Option<&str> {
        self.tokens.get("grant_id").and_then(Value::as_str)
    }

    /// The latest token response as the server sent it.
    pub fn token_response(&self) -> &Value {
        &self.tokens
    }

    /// The DPoP key the tokens are bound to.
    pub fn dpop_key(&self) -> &SigningKey {
        &self.dpop
    }

    /// The client the session belongs to.
    pub fn client(&self) -> &TestClient {
        &self.client
    }

    /// The `Authorization` header value: `DPoP <access token>`.
    pub fn authorization(&self) -> String {
        format!("DPoP {}", self.access_token)
    }

    /// A fresh DPoP proof for `method` on `url` with `ath` for the access token, for requests
    /// made with a client of your own. `url` is a path on the sandbox (`/accounts`) or an
    /// absolute URL; query and fragment are left out of `htu`.
    pub fn dpop_proof(&self, method: &str, url: &str) -> Result<String> {
        let bank = &self.client.bank;
        self.dpop
            .dpop_proof(method, &bank.htu(url), bank.now(), Some(&self.access_token))
    }

    /// Gets a new access token with the refresh token (same DPoP key, `private_key_jwt`).
    pub async fn refresh(&mut self) -> Result<()> {
        let Some(refresh_token) = self.refresh_token.clone() else {
            return Err(Error::Protocol(
                "the session has no refresh token (is the client registered for refresh_token?)"
                    .into(),
            ));
        };
        let tokens = self
            .client
            .oauth_post(
                "refresh",
                "/token",
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", &refresh_token),
                ],
                Some(&self.dpop),
                StatusCode::OK,
            )
            .await?;
        self.access_token = string_field(&tokens, "access_token", "refresh")?;
        if let Some(rotated) = tokens.get("refresh_token").and_then(Value::as_str) {
            self.refresh_token = Some(rotated.to_owned());
        }
        // Keep the ID token and grant of the login when the refresh response has none.
        let mut merged = self.tokens.clone();
        if let (Some(merged), Some(fresh)) = (merged.as_object_mut(), tokens.as_object()) {
            merged.extend(fresh.clone());
        }
        self.tokens = merged;
        Ok(())
    }

    /// The session's grant as the grant management endpoint shows it (`GET
    /// /grants/{grant_id}` with the session's own token): `scopes`, `authorization_details`,
    /// `created_at`, `updated_at`, `expires_at`. The session must have been granted
    /// `grant_management_query` (ask for it with [`Login::with_scopes`](crate::Login::with_scopes));
    /// without it, or without a grant, an [`Error::Protocol`] says so before any request.
    pub async fn grant(&self) -> Result<Value> {
        let path = self.grant_path("grant_management_query")?;
        let response = self.get(&path).await?;
        answer(response, StatusCode::OK, "grant query").await
    }

    /// Revokes the session's grant (`DELETE /grants/{grant_id}` with the session's own token):
    /// every token issued on it, this session's included, stops working at once. The session
    /// must have been granted `grant_management_revoke`; without it, or without a grant, an
    /// [`Error::Protocol`] says so before any request.
    pub async fn revoke_grant(&self) -> Result<()> {
        let path = self.grant_path("grant_management_revoke")?;
        let response = self.delete(&path).await?;
        let status = response.status();
        if status != StatusCode::NO_CONTENT {
            return Err(crate::client::refusal(
                "grant revocation",
                status,
                response.text().await?,
            ));
        }
        Ok(())
    }

    /// The payment the session's grant consents to (its `payment_initiation` authorization
    /// detail, as granted: with the debtor account the customer chose), as a `POST /payments`
    /// body.
    pub fn consented_payment(&self) -> Result<Value> {
        self.tokens
            .get("authorization_details")
            .and_then(Value::as_array)
            .and_then(|details| {
                details
                    .iter()
                    .find(|d| d.get("type").and_then(Value::as_str) == Some("payment_initiation"))
            })
            .map(|detail| {
                let mut body = detail.clone();
                if let Some(fields) = body.as_object_mut() {
                    fields.remove("type");
                }
                body
            })
            .ok_or_else(|| {
                Error::Protocol(
                    "the session's grant has no payment_initiation detail; log in with Login::paying"
                        .into(),
                )
            })
    }

    /// Makes the payment the session's grant consents to (`POST /payments` with the consented
    /// body and a fresh `Idempotency-Key`) and returns it: `paymentId`, `status`, ... Any answer
    /// but 201 is an error with the status and the problem the bank answered.
    pub async fn pay(&self) -> Result<Value> {
        let key = crate::jose::random_token(16)?;
        self.pay_with_key(&key).await
    }

    /// [`pay`](Self::pay) with this `Idempotency-Key`: sending it again gives back the same
    /// payment.
    pub async fn pay_with_key(&self, idempotency_key: &str) -> Result<Value> {
        let body = self.consented_payment()?;
        let response = self
            .post("/payments")
            .header("idempotency-key", idempotency_key)
            .json(&body)
            .await?;
        answer(response, StatusCode::CREATED, "payment").await
    }

    /// The payment `payment_id` as the bank shows it now (`GET /payments/{paymentId}`).
    pub async fn payment(&self, payment_id: &str) -> Result<Value> {
        let response = self
            .get(&format!("/payments/{}", encoded(payment_id)))
            .await?;
        answer(response, StatusCode::OK, "payment read").await
    }

    /// Files an insurance claim on `policy_id` (`POST /insurance/policies/{policyId}/claims`
    /// with `claim` as the body, a first notice of loss: `incidentDate`, `claimType`,
    /// `description`, `claimedAmount`, optionally `payoutAccountId`) and returns it:
    /// `claimId`, `status` (`SUBMITTED`), ... The session needs the `insurance_claims`
    /// permission. Any answer but 201 is an error with the status and the problem the bank
    /// answered.
    pub async fn file_claim(&self, policy_id: &str, claim: &Value) -> Result<Value> {
        self.send_claim(policy_id, claim, None).await
    }

    /// [`file_claim`](Self::file_claim) with this `Idempotency-Key`: sending it again with the
    /// same body gives back the same claim.
    pub async fn file_claim_with_key(
        &self,
        policy_id: &str,
        claim: &Value,
        idempotency_key: &str,
    ) -> Result<Value> {
        self.send_claim(policy_id, claim, Some(idempotency_key))
            .await
    }

    async fn send_claim(
        &self,
        policy_id: &str,
        claim: &Value,
        idempotency_key: Option<&str>,
    ) -> Result<Value> {
        let mut request = self.post(&format!(
            "/insurance/policies/{}/claims",
            encoded(policy_id)
        ));
        if let Some(key) = idempotency_key {
            request = request.header("idempotency-key", key);
        }
        let response = request.json(claim).await?;
        answer(response, StatusCode::CREATED, "claim").await
    }

    /// The claim `claim_id` on `policy_id` as the bank shows it now
    /// (`GET /insurance/policies/{policyId}/claims/{claimId}`; the `insurance` permission).
    pub async fn claim(&self, policy_id: &str, claim_id: &str) -> Result<Value> {
        let path = format!(
            "/insurance/policies/{}/claims/{}",
            encoded(policy_id),
            encoded(claim_id)
        );
        let response = self.get(&path).await?;
        answer(response, StatusCode::OK, "claim read").await
    }

    /// `/grants/{grant_id}` of the session's grant, when the session was granted `scope`.
    fn grant_path(&self, scope: &str) -> Result<String> {
        let Some(grant_id) = self.grant_id() else {
            return Err(Error::Protocol(
                "the session's token response has no grant_id".into(),
            ));
        };
        let granted = self
            .tokens
            .get("scope")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !granted.split(' ').any(|s| s == scope) {
            return Err(Error::Protocol(format!(
                "the session was not granted {scope} (granted: {granted:?}); ask for it with Login::with_scopes"
            )));
        }
        Ok(format!("/grants/{}", encoded(grant_id)))
    }

    /// `GET path`: a path on the sandbox (`/accounts?pageSize=10`) or an absolute URL such as
    /// a `links.next`.
    pub fn get(&self, path: &str) -> SessionRequest<'_> {
        self.request(Method::GET, path)
    }

    /// `POST path`.
    pub fn post(&self, path: &str) -> SessionRequest<'_> {
        self.request(Method::POST, path)
    }

    /// `PUT path`.
    pub fn put(&self, path: &str) -> SessionRequest<'_> {
        self.request(Method::PUT, path)
    }

    /// `PATCH path`.
    pub fn patch(&self, path: &str) -> SessionRequest<'_> {
        self.request(Method::PATCH, path)
    }

    /// `DELETE path`.
    pub fn delete(&self, path: &str) -> SessionRequest<'_> {
        self.request(Method::DELETE, path)
    }

    /// A request with any method; add a body or headers, then await it.
    pub fn request(&self, method: Method, path: &str) -> SessionRequest<'_> {
        let bank = &self.client.bank;
        SessionRequest {
            session: Some(self),
            method: method.clone(),
            htu: bank.htu(path),
            builder: self
                .client
                .http
                .request(method, bank.socket_url(path))
                .header("authorization", self.authorization()),
        }
    }
}

/// A request through a [`Session`] (or, from [`Sandbox::request`], with no credentials); await
/// it (or [`send`](Self::send)) for the `reqwest::Response`, whatever its status.
#[must_use = "a request is sent when awaited"]
pub struct SessionRequest<'a> {
    /// The session whose token and proof go with it; none for an anonymous request.
    session: Option<&'a Session>,
    method: Method,
    htu: String,
    builder: reqwest::RequestBuilder,
}

impl std::fmt::Debug for SessionRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionRequest")
            .field("method", &self.method)
            .field("htu", &self.htu)
            .finish_non_exhaustive()
    }
}

impl SessionRequest<'_> {
    /// A JSON body (and `Content-Type: application/json`).
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        self.builder = self.builder.json(body);
        self
    }

    /// A raw body.
    pub fn body(mut self, body: impl Into<reqwest::Body>) -> Self {
        self.builder = self.builder.body(body);
        self
    }

    /// A header (`x-fapi-interaction-id`, `x-fapi-customer-ip-address`, ...).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.builder = self.builder.header(name, value);
        self
    }

    /// Query parameters added to the URL (they are not part of `htu`).
    pub fn query<T: Serialize + ?Sized>(mut self, query: &T) -> Self {
        self.builder = self.builder.query(query);
        self
    }

    /// Sends it, through a session with a DPoP proof made now.
    pub async fn send(self) -> Result<Response> {
        let Some(session) = self.session else {
            return Ok(self.builder.send().await?);
        };
        let bank = &session.client.bank;
        let proof = session.dpop.dpop_proof(
            self.method.as_str(),
            &self.htu,
            bank.now(),
            Some(&session.access_token),
        )?;
        let builder = self.builder.header("dpop", proof);
        match &session.server_jwks {
            None => Ok(builder.send().await?),
            Some(jwks) => send_signed(session, builder, jwks).await,
        }
    }
}

/// Sends `builder` with a request signature and verifies the response's (see
/// [`Session::signed`]); the response is handed back with its body read.
async fn send_signed(
    session: &Session,
    builder: reqwest::RequestBuilder,
    jwks: &Value,
) -> Result<Response> {
    let bank = &session.client.bank;
    let mut request = builder.build()?;
    let body = request
        .body()
        .and_then(reqwest::Body::as_bytes)
        .map(<[u8]>::to_vec)
        .unwrap_or_default();
    if !body.is_empty() {
        let digest = signatures::content_digest(&body);
        request
            .headers_mut()
            .insert("content-digest", header_value(&digest)?);
    }
    let target_uri = bank.target_uri(request.url().as_str());
    let (input, signature) = signatures::sign_request(
        session.client.key(),
        request.method().as_str(),
        &target_uri,
        request.headers(),
        bank.clock.read().real.timestamp(),
        None,
    )?;
    request
        .headers_mut()
        .insert("signature-input", header_value(&input)?);
    request
        .headers_mut()
        .insert("signature", header_value(&signature)?);
    let summary = signatures::RequestSummary {
        method: request.method().to_string(),
        target_uri,
        authorization: Some(session.authorization()),
    };
    let response = session.client.http.execute(request).await?;
    let status = response.status();
    let headers = response.headers().clone();
    let version = response.version();
    let body = response.bytes().await?;
    signatures::verify_response(
        jwks,
        &summary,
        status.as_u16(),
        &headers,
        &body,
        bank.clock.read().real.timestamp(),
    )?;
    let mut rebuilt = http::Response::new(body);
    *rebuilt.status_mut() = status;
    *rebuilt.headers_mut() = headers;
    *rebuilt.version_mut() = version;
    Ok(Response::from(rebuilt))
}

fn header_value(value: &str) -> Result<reqwest::header::HeaderValue> {
    reqwest::header::HeaderValue::from_str(value)
        .map_err(|_| Error::Signature(format!("{value:?} is not a header value")))
}

impl Sandbox {
    /// A request with no credentials (no `Authorization`, no DPoP proof), built as a session's
    /// are: `path` on the sandbox or an absolute URL; add a body or headers (a hand-made
    /// `Authorization`, say), then await it. For what the server tells a stranger.
    pub fn request(&self, method: Method, path: &str) -> SessionRequest<'_> {
        let bank = self.bank();
        SessionRequest {
            session: None,
            htu: bank.htu(path),
            builder: bank.http.request(method.clone(), bank.socket_url(path)),
            method,
        }
    }
}

impl<'a> IntoFuture for SessionRequest<'a> {
    type Output = Result<Response>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// `segment` percent-encoded for a path.
fn encoded(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes()).collect()
}

/// The JSON body of `response` when its status is `expected`; else an error with the status
/// and the problem (or OAuth error) the bank answered, named by `step`.
async fn answer(response: Response, expected: StatusCode, step: &'static str) -> Result<Value> {
    let status = response.status();
    if status != expected {
        return Err(crate::client::refusal(step, status, response.text().await?));
    }
    Ok(response.json().await?)
}
