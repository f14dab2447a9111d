//! Onboarding: `sandbank client create` registers a client — straight into the store under the
//! same rules as Dynamic Client Registration ([`create_client`]), or through a running server's
//! DCR endpoint ([`register_remote`]) — and hands back everything a developer needs to start:
//! the private key (PEM and JWK) and a settings document, built the same way on both paths
//! ([`settings_document`]).

use serde_json::{Value, json};

use crate::client::{Client, ClientMetadata, DeliveryMode, GrantType, validate_registration};
use crate::error::OAuthError;
use crate::jose::{random_token, sha256_b64};
use crate::keys::{ClientKey, generate_client_key};
use crate::routes::{discovery, register};
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
    /// Which FAPI 2.0 Message Signing features the client is registered for.
    pub signing: MessageSigning,
    /// Register for CIBA too (the `urn:openid:params:grant-type:ciba` grant) with this
    /// delivery mode; `None`: the code flow only.
    pub ciba: Option<CibaRegistration>,
}

/// The CIBA metadata a new client registers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CibaRegistration {
    /// `backchannel_token_delivery_mode`.
    pub mode: DeliveryMode,
    /// `backchannel_client_notification_endpoint`, required in ping mode.
    pub notification_endpoint: Option<String>,
}

/// The FAPI 2.0 Message Signing metadata a new client registers (all off by default).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MessageSigning {
    /// `require_signed_request_object: true`: pushed requests must be signed request objects.
    pub request_objects: bool,
    /// `authorization_signed_response_alg: ES256`: authorization responses are JARM JWTs.
    pub jarm: bool,
    /// `introspection_signed_response_alg: ES256` (RFC 9701).
    pub introspection: bool,
    /// `require_signed_resource_requests: true`: bank-API requests must carry RFC 9421
    /// signatures.
    pub resource_requests: bool,
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
    if let Some(map) = registration.as_object_mut() {
        if let Some(name) = &request.client_name {
            map.insert("client_name".into(), Value::from(name.clone()));
        }
        let signing = request.signing;
        if signing.request_objects {
            map.insert("require_signed_request_object".into(), Value::Bool(true));
            map.insert("request_object_signing_alg".into(), "ES256".into());
        }
        if signing.jarm {
            map.insert("authorization_signed_response_alg".into(), "ES256".into());
        }
        if signing.introspection {
            map.insert("introspection_signed_response_alg".into(), "ES256".into());
        }
        if signing.resource_requests {
            map.insert("require_signed_resource_requests".into(), Value::Bool(true));
        }
        if let Some(ciba) = &request.ciba {
            let grants = [
                GrantType::AuthorizationCode,
                GrantType::RefreshToken,
                GrantType::Ciba,
            ];
            map.insert("grant_types".into(), json!(grants.map(GrantType::name)));
            map.insert(
                "backchannel_token_delivery_mode".into(),
                ciba.mode.name().into(),
            );
            if let Some(endpoint) = &ciba.notification_endpoint {
                map.insert(
                    "backchannel_client_notification_endpoint".into(),
                    endpoint.clone().into(),
                );
            }
        }
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
    settings_document(
        &discovery::metadata(server),
        &register::registration_response(server, client, Some(token)),
        key,
    )
}

/// The settings document from a server's discovery document, its answer to the registration
/// (RFC 7591 / 7592) and the client's key: every URL in it comes from those two documents.
pub fn settings_document(discovery: &Value, registration: &Value, key: &ClientKey) -> Value {
    let field = |document: &Value, name: &str| document.get(name).cloned().unwrap_or(Value::Null);
    let issuer = discovery
        .get("issuer")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim_end_matches('/');
    let redirect_uris = field(registration, "redirect_uris");
    json!({
        "issuer": issuer,
        "client_id": field(registration, "client_id"),
        "client_name": field(registration, "client_name"),
        "redirect_uri": redirect_uris.get(0).cloned().unwrap_or(Value::Null),
        "redirect_uris": redirect_uris,
        "token_endpoint_auth_method": "private_key_jwt",
        "token_endpoint_auth_signing_alg": "ES256",
        "dpop_signing_alg": "ES256",
        "sandbox_auto_consent": field(registration, "sandbox_auto_consent"),
        "require_signed_request_object": field(registration, "require_signed_request_object"),
        "authorization_signed_response_alg": field(registration, "authorization_signed_response_alg"),
        "introspection_signed_response_alg": field(registration, "introspection_signed_response_alg"),
        "require_signed_resource_requests": field(registration, "require_signed_resource_requests"),
        "private_jwk": key.private_jwk,
        "public_jwk": key.public_jwk,
        "registration_access_token": field(registration, "registration_access_token"),
        "registration_client_uri": field(registration, "registration_client_uri"),
        "endpoints": {
            "discovery": format!("{issuer}{DISCOVERY_PATH}"),
            "authorization": field(discovery, "authorization_endpoint"),
            "pushed_authorization_request": field(discovery, "pushed_authorization_request_endpoint"),
            "token": field(discovery, "token_endpoint"),
            "jwks": field(discovery, "jwks_uri"),
            "userinfo": field(discovery, "userinfo_endpoint"),
            "introspection": field(discovery, "introspection_endpoint"),
            "revocation": field(discovery, "revocation_endpoint"),
            "registration": field(discovery, "registration_endpoint"),
            "accounts": format!("{issuer}/accounts"),
        },
    })
}

/// Where a server's OpenID discovery document is, below its issuer.
const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";

/// A client registered by [`register_remote`].
#[derive(Debug, Clone)]
pub struct RemoteClient {
    /// The client id the server gave.
    pub client_id: String,
    /// Its freshly generated ES256 key; the server got only the public half.
    pub key: ClientKey,
    /// Ready-to-use settings, as [`settings_document`] builds them.
    pub settings: Value,
}

/// Why [`register_remote`] registered nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemoteError {
    /// The server answered the registration with an OAuth error (`invalid_redirect_uri`...).
    #[error("{code}: {description}")]
    Refused {
        /// The `error` code.
        code: String,
        /// The `error_description`.
        description: String,
    },
    /// The server could not be reached, or its answers were not what a Sandbank (or any
    /// RFC 8414 / 7591 server) answers.
    #[error("{0}")]
    Unreachable(String),
}

/// Registers a client with a new ES256 key through the running server at `server_url`: reads
/// its discovery document (`{server_url}/.well-known/openid-configuration`) and posts the
/// registration [`create_client`] would make to its `registration_endpoint`.
pub async fn register_remote(
    http: &reqwest::Client,
    server_url: &str,
    request: &NewClient,
) -> Result<RemoteClient, RemoteError> {
    let discovery_url = format!("{}{DISCOVERY_PATH}", server_url.trim_end_matches('/'));
    let unreachable = |what: &str, url: &str, e: reqwest::Error| {
        RemoteError::Unreachable(format!("could not {what} {url}: {e}"))
    };
    let discovery: Value = http
        .get(&discovery_url)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| unreachable("read", &discovery_url, e))?
        .json()
        .await
        .map_err(|e| unreachable("read", &discovery_url, e))?;
    let endpoint = discovery
        .get("registration_endpoint")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            RemoteError::Unreachable(format!("{discovery_url} names no registration_endpoint"))
        })?
        .to_owned();
    let key = generate_client_key().map_err(|e| RemoteError::Unreachable(e.to_string()))?;
    let response = http
        .post(&endpoint)
        .json(&registration_request(request, &key.public_jwk))
        .send()
        .await
        .map_err(|e| unreachable("register at", &endpoint, e))?;
    let status = response.status();
    let body: Value = response
        .json()
        .await
        .map_err(|e| unreachable("register at", &endpoint, e))?;
    let text = |name: &str| body.get(name).and_then(Value::as_str).map(str::to_owned);
    if !status.is_success() {
        return Err(match text("error") {
            Some(code) => RemoteError::Refused {
                code,
                description: text("error_description").unwrap_or_default(),
            },
            None => RemoteError::Unreachable(format!("{endpoint} answered {status}")),
        });
    }
    let client_id = text("client_id")
        .ok_or_else(|| RemoteError::Unreachable(format!("{endpoint} answered no client_id")))?;
    let settings = settings_document(&discovery, &body, &key);
    Ok(RemoteClient {
        client_id,
        key,
        settings,
    })
}
