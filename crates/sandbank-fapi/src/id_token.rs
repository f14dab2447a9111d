//! ID tokens (OpenID Connect Core §2) for requests with the `openid` scope: PS256 with `kid`.

use jsonwebtoken::Algorithm;
use serde_json::{Value, json};

use crate::error::OAuthError;
use crate::state::AuthServer;

/// What goes in an ID token.
#[derive(Debug, Clone, Copy)]
pub struct IdTokenClaims<'a> {
    /// The client (`aud`).
    pub client_id: &'a str,
    /// The customer (`sub`).
    pub sub: &'a str,
    /// The request's nonce, echoed.
    pub nonce: Option<&'a str>,
    /// When the customer authenticated.
    pub auth_time: i64,
}

/// Signs an ID token.
pub fn sign(server: &AuthServer, claims: IdTokenClaims<'_>) -> Result<String, OAuthError> {
    let now = server.now();
    let mut body = json!({
        "iss": server.config.issuer,
        "sub": claims.sub,
        "aud": claims.client_id,
        "iat": now.timestamp(),
        "exp": (now + server.config.lifetimes.id_token).timestamp(),
        "auth_time": claims.auth_time,
    });
    if let (Some(nonce), Some(map)) = (claims.nonce, body.as_object_mut()) {
        map.insert("nonce".into(), Value::from(nonce));
    }
    let signer = server
        .keys
        .signer(Algorithm::PS256)
        .ok_or_else(|| OAuthError::server_error("no PS256 signing key"))?;
    signer
        .sign(Some("JWT"), &body)
        .map_err(OAuthError::server_error)
}
