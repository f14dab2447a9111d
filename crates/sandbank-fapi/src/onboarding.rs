//! Onboarding without HTTP: `sandbank client create` registers a client straight into the
//! store — under the same rules as Dynamic Client Registration — and hands back everything a
//! developer needs to start: the private key (PEM and JWK) and a settings document.

use serde_json::{Value, json};

use crate::client::{Client, ClientMetadata, validate_registration};
use crate::error::OAuthError;
use crate::jose::{random_token, sha256_b64};
use crate::keys::{ClientKey, generate_client_key};
use crate::routes::discovery;
use crate::state::{AuthServer, forever, kinds};

/// What to register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewClient {
    /// The redirect URI (https, or http on loopback).
    pub redirect_uri: String,
    /// The name customers see on the consent page.
    pub client_name: Option<String>,
    /// Register the sandbox metadata `sandbox_auto_consent: true`: authorization requests whose
    /// PAR carries `login_hint` skip the login and consent pages.
    pub auto_consent: bool,
}

/// A client registered by [`create_client`].
#[derive(Debug, Clone)]
pub struct CreatedClient {
    /// The registered client.
    pub client: Client,
    /// Its freshly generated ES256 key; the server keeps only the public half.
    pub key: ClientKey,
    /// Its registration access token (RFC 7592), to read, update or delete the registration.
    pub registration_access_token: String,
    /// Ready-to-use settings: issuer, client id, redirect URI, authentication method, private
    /// JWK and endpoints.
    pub settings: Value,
}

/// Stores a new client with `metadata` (already validated) under a fresh `client_id`, and
/// returns it with its registration access token. Shared by `POST /register` and
/// [`create_client`].
pub async fn store_new_client(
    server: &AuthServer,
    metadata: ClientMetadata,
) -> Result<(Client, String), OAuthError> {
    let token = random_token(32);
    let client = Client {
        client_id: format!("sbc-{}", random_token(16)),
        client_id_issued_at: server.now().timestamp(),
        registration_token_hash: sha256_b64(token.as_bytes()),
        metadata,
    };
    server
        .write(kinds::CLIENT, &client.client_id, &client, forever())
        .await?;
    tracing::info!(client_id = %client.client_id, "registered a client");
    Ok((client, token))
}

/// The registration request [`create_client`] makes for `request` with the public key `jwk`.
pub fn registration_request(request: &NewClient, public_jwk: &Value) -> Value {
    let mut registration = json!({
        "redirect_uris": [request.redirect_uri],
        "token_endpoint_auth_method": "private_key_jwt",
        "token_endpoint_auth_signing_alg": "ES256",
        "jwks": {"keys": [public_jwk]},
        "dpop_bound_access_tokens": true,
        "sandbox_auto_consent": request.auto_consent,
    });
    if let (Some(name), Some(map)) = (&request.client_name, registration.as_object_mut()) {
        map.insert("client_name".into(), Value::from(name.clone()));
    }
    registration
}

/// Registers a client with a new ES256 key, validated exactly as `POST /register` would.
pub async fn create_client(
    server: &AuthServer,
    request: &NewClient,
) -> Result<CreatedClient, OAuthError> {
    let key = generate_client_key().map_err(OAuthError::server_error)?;
    let metadata = validate_registration(&registration_request(request, &key.public_jwk))?;
    let (client, token) = store_new_client(server, metadata).await?;
    let settings = settings(server, &client, &key, &token);
    Ok(CreatedClient {
        client,
        key,
        registration_access_token: token,
        settings,
    })
}

/// The settings document of a client: what a client library needs to talk to this server.
pub fn settings(server: &AuthServer, client: &Client, key: &ClientKey, token: &str) -> Value {
    let metadata = discovery::metadata(server);
    let endpoint = |name: &str| metadata.get(name).cloned().unwrap_or(Value::Null);
    json!({
        "issuer": server.config.issuer,
        "client_id": client.client_id,
        "client_name": client.metadata.client_name,
        "redirect_uri": client.metadata.redirect_uris.first(),
        "redirect_uris": client.metadata.redirect_uris,
        "token_endpoint_auth_method": "private_key_jwt",
        "token_endpoint_auth_signing_alg": "ES256",
        "dpop_signing_alg": "ES256",
        "sandbox_auto_consent": client.metadata.sandbox_auto_consent,
        "private_jwk": key.private_jwk,
        "public_jwk": key.public_jwk,
        "registration_access_token": token,
        "registration_client_uri": server.config.url(&format!("/register/{}", client.client_id)),
        "endpoints": {
            "discovery": server.config.url("/.well-known/openid-configuration"),
            "authorization": endpoint("authorization_endpoint"),
            "pushed_authorization_request": endpoint("pushed_authorization_request_endpoint"),
            "token": endpoint("token_endpoint"),
            "jwks": endpoint("jwks_uri"),
            "userinfo": endpoint("userinfo_endpoint"),
            "introspection": endpoint("introspection_endpoint"),
            "revocation": endpoint("revocation_endpoint"),
            "registration": endpoint("registration_endpoint"),
            "accounts": server.config.url("/accounts"),
        },
    })
}
