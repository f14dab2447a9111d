//! Client authentication at the token, PAR, introspection, revocation and backchannel
//! endpoints: `private_key_jwt` (RFC 7523 with FAPI 2.0's rules).

use std::collections::HashMap;

use chrono::Duration;

use crate::client::{AuthMethod, Client};
use crate::error::OAuthError;
use crate::jose::{MAX_FUTURE_SKEW_SECONDS, peek};
use crate::state::{AuthServer, kinds};

/// The assertion type of `private_key_jwt`.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Authenticates the client of a form-encoded request.
pub async fn authenticate(
    server: &AuthServer,
    form: &HashMap<String, String>,
) -> Result<Client, OAuthError> {
    let assertion = form.get("client_assertion").filter(|a| !a.is_empty());
    let Some(assertion) = assertion else {
        return Err(OAuthError::invalid_client(
            "client authentication is required: send a private_key_jwt client_assertion",
        ));
    };
    if form.get("client_assertion_type").map(String::as_str) != Some(JWT_BEARER) {
        return Err(OAuthError::invalid_client(format!(
            "client_assertion_type must be {JWT_BEARER}"
        )));
    }
    private_key_jwt(server, assertion, form.get("client_id").map(String::as_str)).await
}

async fn private_key_jwt(
    server: &AuthServer,
    assertion: &str,
    client_id: Option<&str>,
) -> Result<Client, OAuthError> {
    let bad =
        |message: &str| OAuthError::invalid_client(format!("client assertion rejected: {message}"));
    let jwt = peek(assertion).map_err(|e| bad(&e.0))?;
    let issuer = jwt.claim_str("iss").ok_or_else(|| bad("no iss"))?;
    let subject = jwt.claim_str("sub").ok_or_else(|| bad("no sub"))?;
    if issuer != subject {
        return Err(bad("iss and sub must both be the client_id"));
    }
    if client_id.is_some_and(|id| id != issuer) {
        return Err(bad("client_id differs from the assertion's iss"));
    }
    let client = server
        .client(issuer)
        .await?
        .ok_or_else(|| bad("unknown client"))?;
    if client.metadata.token_endpoint_auth_method != AuthMethod::PrivateKeyJwt {
        return Err(bad("the client is not registered for private_key_jwt"));
    }
    jwt.verify_with(&client.jwk_set()).map_err(|e| bad(&e.0))?;
    // FAPI 2.0 §5.3.2.1-8: the audience is the issuer identifier, as a single string.
    match jwt.claims.get("aud") {
        Some(serde_json::Value::String(aud)) if *aud == server.config.issuer => {}
        Some(serde_json::Value::String(_)) => return Err(bad("aud must be the issuer identifier")),
        Some(_) => return Err(bad("aud must be a single string, the issuer identifier")),
        None => return Err(bad("no aud")),
    }
    let now = server.now();
    jwt.check_times(now, true).map_err(|e| bad(&e.0))?;
    let jti = jwt
        .claim_str("jti")
        .filter(|j| !j.is_empty())
        .ok_or_else(|| bad("no jti"))?;
    let exp = jwt.claim_time("exp").map_err(|e| bad(&e.0))?.unwrap_or(0);
    let remember_until = chrono::DateTime::from_timestamp(exp, 0).unwrap_or(now)
        + Duration::seconds(MAX_FUTURE_SKEW_SECONDS);
    let fresh = server
        .auth()
        .remember_once(
            kinds::ASSERTION_JTI,
            &format!("{issuer}:{jti}"),
            now,
            remember_until.max(now + Duration::seconds(1)),
        )
        .await
        .map_err(OAuthError::server_error)?;
    if !fresh {
        return Err(bad("the assertion's jti has been used before"));
    }
    Ok(client)
}
