//! OAuth clients registered through Dynamic Client Registration, holding their own keys.

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use reqwest::{Response, StatusCode};
use serde_json::{Map, Value, json};

use crate::decoupled::DecoupledLogin;
use crate::error::{Error, Result};
use crate::jose::{JWT_BEARER, SigningKey, random_token};
use crate::login::Login;
use crate::sandbox::{Bank, Sandbox, http_client};

/// The redirect URI clients register unless told otherwise. Nothing listens there: the kit
/// reads the authorization response from the `Location` header and never follows it.
pub const DEFAULT_REDIRECT_URI: &str = "http://127.0.0.1/callback";

/// A client registration to send; from [`Sandbox::register_client`](crate::Sandbox::register_client).
/// Await it to register.
#[derive(Debug)]
#[must_use = "a registration is sent when awaited"]
pub struct RegisterClient {
    bank: Bank,
    metadata: Map<String, Value>,
    key: Option<SigningKey>,
    mutual_tls: bool,
}

impl RegisterClient {
    pub(crate) fn new(bank: Bank) -> RegisterClient {
        let metadata = [
            ("client_name", json!("sandbank-testkit")),
            ("redirect_uris", json!([DEFAULT_REDIRECT_URI])),
            ("token_endpoint_auth_method", json!("private_key_jwt")),
            (
                "grant_types",
                json!([
                    "authorization_code",
                    "refresh_token",
                    crate::decoupled::CIBA_GRANT
                ]),
            ),
            ("backchannel_token_delivery_mode", json!("poll")),
            (
                "authorization_details_types",
                json!(["account_information", "payment_initiation"]),
            ),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect();
        RegisterClient {
            bank,
            metadata,
            key: None,
            mutual_tls: false,
        }
    }

    /// The scopes the client may ask for (RFC 7591 `scope`); every scope when not set.
    pub fn scopes<S: AsRef<str>>(self, scopes: impl IntoIterator<Item = S>) -> Self {
        let scope = scopes
            .into_iter()
            .map(|s| s.as_ref().to_owned())
            .collect::<Vec<_>>()
            .join(" ");
        self.metadata("scope", scope)
    }

    /// The name customers see on the consent page.
    pub fn client_name(self, name: impl Into<String>) -> Self {
        self.metadata("client_name", name.into())
    }

    /// The one redirect URI to register (https, or http on loopback).
    pub fn redirect_uri(self, uri: impl Into<String>) -> Self {
        self.metadata("redirect_uris", json!([uri.into()]))
    }

    /// `sandbox_auto_consent`: headless consent for this client's requests with `login_hint`,
    /// even when the sandbox's own auto-consent is off.
    pub fn auto_consent(self, on: bool) -> Self {
        self.metadata("sandbox_auto_consent", on)
    }

    /// `tls_client_auth` (RFC 8705 §2) instead of `private_key_jwt`: the client gets a
    /// certificate of its own (self-signed; its subject DN is registered as
    /// `tls_client_auth_subject_dn`) and authenticates with it on every connection. Needs a
    /// sandbox started with [`tls`](crate::SandboxBuilder::tls). Its tokens are still
    /// DPoP-bound.
    pub fn tls_client_auth(mut self) -> Self {
        self.mutual_tls = true;
        self
    }

    /// `payment_notification_uri`: where the sandbox POSTs this client's payment events (a
    /// [`NotificationListener`](crate::NotificationListener)'s URL, say).
    pub fn payment_notification_uri(self, uri: impl Into<String>) -> Self {
        self.metadata("payment_notification_uri", uri.into())
    }

    /// Registers this key instead of a fresh one.
    pub fn key(mut self, key: SigningKey) -> Self {
        self.key = Some(key);
        self
    }

    /// Any other registration metadata (RFC 7591), replacing the kit's value for `name`.
    pub fn metadata(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.metadata.insert(name.to_owned(), value.into());
        self
    }

    /// Sends the registration: `POST /register` with the key's public JWK by value.
    pub async fn send(self) -> Result<TestClient> {
        let key = match self.key {
            Some(key) => key,
            None => SigningKey::generate()?,
        };
        let mut metadata = self.metadata;
        metadata.insert("jwks".into(), json!({"keys": [key.public_jwk()]}));
        let (http, auth, identity) = match self.mutual_tls {
            false => (self.bank.http.clone(), ClientAuth::PrivateKeyJwt, None),
            true => {
                let Some(ca) = self.bank.ca_pem.as_deref() else {
                    return Err(Error::Protocol(
                        "tls_client_auth needs a sandbox started with .tls(true)".into(),
                    ));
                };
                let (subject_dn, identity) = client_certificate()?;
                metadata.insert(
                    "token_endpoint_auth_method".into(),
                    json!("tls_client_auth"),
                );
                metadata.insert("tls_client_auth_subject_dn".into(), json!(subject_dn));
                (
                    http_client(Some(ca), Some(&identity))?,
                    ClientAuth::TlsClientAuth,
                    Some(identity),
                )
            }
        };
        let response = http
            .post(self.bank.socket_url("/register"))
            .json(&metadata)
            .send()
            .await?;
        let registration = expect_json(response, "registration", StatusCode::CREATED).await?;
        let client_id = string_field(&registration, "client_id", "registration")?;
        let redirect_uri = registration["redirect_uris"][0]
            .as_str()
            .unwrap_or(DEFAULT_REDIRECT_URI)
            .to_owned();
        Ok(TestClient {
            bank: self.bank,
            http,
            auth,
            identity,
            client_id,
            key,
            redirect_uri,
            registration,
        })
    }
}

impl IntoFuture for RegisterClient {
    type Output = Result<TestClient>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// How a client authenticates at the authorization server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClientAuth {
    /// A fresh client assertion in the form.
    PrivateKeyJwt,
    /// The connection's client certificate, and `client_id` in the form.
    TlsClientAuth,
}

/// A self-signed client certificate of a random subject: its subject DN, and the certificate
/// and key as one PEM, as reqwest presents them.
fn client_certificate() -> Result<(String, String)> {
    let failed = |error: rcgen::Error| Error::Crypto(format!("client certificate: {error}"));
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(failed)?;
    let common_name = format!("sandbank-testkit-{}", random_token(9)?);
    let mut params = rcgen::CertificateParams::default();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, common_name.clone());
    let certificate = params.self_signed(&key).map_err(failed)?;
    Ok((
        format!("CN={common_name}"),
        format!("{}{}", certificate.pem(), key.serialize_pem()),
    ))
}

/// A registered client and its private key. It authenticates with `private_key_jwt` (a fresh
/// assertion per request, on the sandbox clock) or, registered with
/// [`tls_client_auth`](RegisterClient::tls_client_auth), with its certificate; it starts logins
/// with [`login_as`](Self::login_as).
#[derive(Debug, Clone)]
pub struct TestClient {
    pub(crate) bank: Bank,
    /// The client's connections (with its certificate, for `tls_client_auth`).
    pub(crate) http: reqwest::Client,
    auth: ClientAuth,
    /// For `tls_client_auth`: the client's certificate and key (PEM), to connect elsewhere.
    identity: Option<String>,
    client_id: String,
    key: SigningKey,
    redirect_uri: String,
    registration: Value,
}

impl TestClient {
    /// The same client (its id, key and, for `tls_client_auth`, its certificate) talking to
    /// `sandbox` instead: another instance on the same database, or one restarted on it.
    /// Assertions then name `sandbox`'s issuer.
    pub fn at(&self, sandbox: &Sandbox) -> Result<TestClient> {
        let bank = sandbox.bank().clone();
        let http = match &self.identity {
            None => bank.http.clone(),
            Some(identity) => http_client(bank.ca_pem.as_deref(), Some(identity))?,
        };
        Ok(TestClient {
            bank,
            http,
            ..self.clone()
        })
    }

    /// The claims of `token`, a JWT the server signed for this client (`what` names it in
    /// errors): verified with `jsonwebtoken` against the key of the server's `/jwks` its `kid`
    /// names, with `iss` the issuer and `aud` this client; `adjust` changes the rest of the
    /// validation (the claims required, say).
    pub(crate) async fn verify_server_jwt(
        &self,
        token: &str,
        what: &str,
        adjust: impl FnOnce(&mut jsonwebtoken::Validation),
    ) -> Result<Value> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|e| Error::Protocol(format!("the {what} is not a JWT: {e}")))?;
        let jwks: jsonwebtoken::jwk::JwkSet = self
            .http
            .get(self.bank.socket_url("/jwks"))
            .send()
            .await?
            .json()
            .await?;
        let jwk = header
            .kid
            .as_deref()
            .and_then(|kid| jwks.find(kid))
            .ok_or_else(|| {
                Error::Protocol(format!("the {what}'s kid is not in the server's JWKS"))
            })?;
        let key = jsonwebtoken::DecodingKey::from_jwk(jwk)
            .map_err(|e| Error::Protocol(format!("the server's JWK is unusable: {e}")))?;
        let mut validation = jsonwebtoken::Validation::new(header.alg);
        validation.set_audience(&[self.client_id()]);
        validation.set_issuer(&[self.bank.issuer.as_str()]);
        adjust(&mut validation);
        jsonwebtoken::decode::<Value>(token, &key, &validation)
            .map(|data| data.claims)
            .map_err(|e| Error::Protocol(format!("the {what} does not verify: {e}")))
    }

    /// The `client_id` the sandbox gave.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The client's signing key (its public half is registered).
    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    /// The redirect URI authorization responses go to.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// The registration response (RFC 7591 §3.2.1), with `registration_access_token` and
    /// `registration_client_uri` for RFC 7592 management.
    pub fn registration(&self) -> &Value {
        &self.registration
    }

    /// A fresh `private_key_jwt` client assertion for the sandbox's issuer.
    pub fn client_assertion(&self) -> Result<String> {
        self.key
            .client_assertion(&self.client_id, &self.bank.issuer, self.bank.now())
    }

    /// An HTTP client that connects as this client: trusts the sandbox's CA, follows no
    /// redirects and, for `tls_client_auth`, presents the client's certificate.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The form fields that authenticate the client: `client_assertion_type` and a fresh
    /// `client_assertion` for `private_key_jwt`; `client_id` for `tls_client_auth` (the
    /// certificate goes with the connection).
    pub fn auth_params(&self) -> Result<Vec<(String, String)>> {
        Ok(match self.auth {
            ClientAuth::PrivateKeyJwt => vec![
                ("client_assertion_type".to_owned(), JWT_BEARER.to_owned()),
                ("client_assertion".to_owned(), self.client_assertion()?),
            ],
            ClientAuth::TlsClientAuth => vec![("client_id".to_owned(), self.client_id.clone())],
        })
    }

    /// `form` with the client's authentication added (a `client_id` already there is kept,
    /// not repeated).
    fn authenticated(&self, form: &[(&str, &str)]) -> Result<Vec<(String, String)>> {
        let mut pairs: Vec<(String, String)> = form
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        for (name, value) in self.auth_params()? {
            if !pairs.iter().any(|(present, _)| *present == name) {
                pairs.push((name, value));
            }
        }
        Ok(pairs)
    }

    /// POSTs `form` to `path` with client authentication, and returns the response as it is.
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Result<Response> {
        Ok(self
            .http
            .post(self.bank.socket_url(path))
            .form(&self.authenticated(form)?)
            .send()
            .await?)
    }

    /// Token introspection (RFC 7662): the server's answer about `token`.
    pub async fn introspect(&self, token: &str) -> Result<Value> {
        let response = self.post_form("/introspect", &[("token", token)]).await?;
        expect_json(response, "introspection", StatusCode::OK).await
    }

    /// Token revocation (RFC 7009), with a `token_type_hint` when given; the response as it
    /// is.
    pub async fn revoke(&self, token: &str, hint: Option<&str>) -> Result<Response> {
        let mut form = vec![("token", token)];
        if let Some(hint) = hint {
            form.push(("token_type_hint", hint));
        }
        self.post_form("/revoke", &form).await
    }

    /// Starts the authorization code flow for the customer who signs in as `username`
    /// (`alice`, `sam`, `ivan`, `harbourline`, `edge`, or a generated customer). Set scopes,
    /// authorization details or accounts on the [`Login`], then await it for a
    /// [`Session`](crate::Session).
    pub fn login_as(&self, username: &str) -> Login {
        Login::new(self.clone(), username)
    }

    /// Starts the decoupled flow (OpenID CIBA, poll mode) for the customer who signs in as
    /// `username`: `POST /backchannel` with `login_hint`. Await the [`DecoupledLogin`] for the
    /// request waiting for the customer, decide it through
    /// [`Admin::approve_ciba`](crate::Admin::approve_ciba), then
    /// [`wait`](crate::PendingDecoupled::wait) for the [`Session`](crate::Session). The kit
    /// registers its clients for the CIBA grant in poll mode.
    pub fn login_decoupled(&self, username: &str) -> DecoupledLogin {
        DecoupledLogin::new(self.clone(), username)
    }

    /// POSTs a client-authenticated form to an authorization-server endpoint with a DPoP
    /// proof by `dpop` (when given), retrying once with the server's nonce when it answers
    /// `use_dpop_nonce`. The JSON body of a success (`expected`); an [`Error::OAuth`]
    /// otherwise.
    pub(crate) async fn oauth_post(
        &self,
        step: &'static str,
        path: &str,
        form: &[(&str, &str)],
        dpop: Option<&SigningKey>,
        expected: StatusCode,
    ) -> Result<Value> {
        let mut nonce: Option<String> = None;
        let mut retried = false;
        loop {
            let mut request = self
                .http
                .post(self.bank.socket_url(path))
                .form(&self.authenticated(form)?);
            if let Some(key) = dpop {
                let claims = SigningKey::dpop_claims(
                    "POST",
                    &self.bank.htu(path),
                    self.bank.now(),
                    None,
                    nonce.as_deref(),
                )?;
                request = request.header("dpop", key.dpop_proof_with(&claims)?);
            }
            let response = request.send().await?;
            let offered = response
                .headers()
                .get("dpop-nonce")
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned);
            match expect_json(response, step, expected).await {
                Err(Error::OAuth { error, .. })
                    if error == "use_dpop_nonce" && !retried && offered.is_some() =>
                {
                    nonce = offered;
                    retried = true;
                }
                outcome => return outcome,
            }
        }
    }
}

/// The JSON body of a response with the `expected` status; the error [`refusal`] makes of it
/// otherwise.
pub(crate) async fn expect_json(
    response: Response,
    step: &'static str,
    expected: StatusCode,
) -> Result<Value> {
    let status = response.status();
    let text = response.text().await?;
    match serde_json::from_str(&text) {
        Ok(body) if status == expected => Ok(body),
        _ => Err(refusal(step, status, text)),
    }
}

/// The error a response the flow did not want stands for: [`Error::OAuth`] when its body is
/// an OAuth error, [`Error::Unexpected`] otherwise.
pub(crate) fn refusal(step: &'static str, status: StatusCode, text: String) -> Error {
    let body: Option<Value> = serde_json::from_str(&text).ok();
    let field = |name: &str| {
        body.as_ref()
            .and_then(|body| body.get(name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    match field("error") {
        Some(error) => Error::OAuth {
            step,
            status,
            error,
            description: field("error_description"),
        },
        None => Error::Unexpected {
            step,
            status,
            body: text,
        },
    }
}

/// A string field of a JSON response, or [`Error::Unexpected`] naming it.
pub(crate) fn string_field(body: &Value, name: &str, step: &'static str) -> Result<String> {
    body.get(name)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| Error::Protocol(format!("{step}: no {name} in {body}")))
}
