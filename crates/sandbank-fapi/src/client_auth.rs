//! Client authentication at the token, PAR, introspection, revocation and backchannel
//! endpoints: `private_key_jwt` (RFC 7523 with FAPI 2.0's rules), and over the TLS listener
//! `tls_client_auth` and `self_signed_tls_client_auth` (RFC 8705 §2).
//!
//! A request with a `client_assertion` is `private_key_jwt`. A request without one is mutual
//! TLS when it names its `client_id` and arrived with a client certificate: the client must be
//! registered for `tls_client_auth` (the certificate's subject DN is its
//! `tls_client_auth_subject_dn`, see [`crate::mtls`]) or `self_signed_tls_client_auth` (the
//! certificate's public key is in its `jwks`). Anything else is 401 `invalid_client`.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

use crate::client::{AuthMethod, Client};
use crate::clock::Reading;
use crate::error::OAuthError;
use crate::jose::{MAX_FUTURE_SKEW_SECONDS, peek};
use crate::mtls::{self, ClientCertificate};
use crate::state::{AuthServer, kinds};

/// The assertion type of `private_key_jwt`.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Authenticates the client of a form-encoded request; `certificate` is the client
/// certificate of the connection it arrived on, if any.
pub async fn authenticate(
    server: &AuthServer,
    form: &HashMap<String, String>,
    certificate: Option<&ClientCertificate>,
) -> Result<Client, OAuthError> {
    let assertion = form.get("client_assertion").filter(|a| !a.is_empty());
    let Some(assertion) = assertion else {
        let client_id = form.get("client_id").filter(|id| !id.is_empty());
        return match (certificate, client_id) {
            (Some(certificate), Some(client_id)) => {
                mutual_tls(server, client_id, certificate).await
            }
            (Some(_), None) => Err(OAuthError::invalid_client(
                "client authentication is required: send client_id with the client certificate (tls_client_auth, self_signed_tls_client_auth), or a private_key_jwt client_assertion",
            )),
            (None, _) => Err(OAuthError::invalid_client(
                "client authentication is required: send a private_key_jwt client_assertion, or a client certificate over TLS with client_id",
            )),
        };
    };
    if form.get("client_assertion_type").map(String::as_str) != Some(JWT_BEARER) {
        return Err(OAuthError::invalid_client(format!(
            "client_assertion_type must be {JWT_BEARER}"
        )));
    }
    private_key_jwt(server, assertion, form.get("client_id").map(String::as_str)).await
}

/// RFC 8705 §2: the connection's certificate authenticates the client `client_id`.
async fn mutual_tls(
    server: &AuthServer,
    client_id: &str,
    certificate: &ClientCertificate,
) -> Result<Client, OAuthError> {
    let bad = |message: &str| {
        OAuthError::invalid_client(format!("client certificate rejected: {message}"))
    };
    let client = server
        .client(client_id)
        .await?
        .ok_or_else(|| bad("unknown client"))?;
    match client.metadata.token_endpoint_auth_method {
        AuthMethod::TlsClientAuth => {
            let registered = client
                .metadata
                .tls_client_auth_subject_dn
                .as_deref()
                .ok_or_else(|| bad("the client has no tls_client_auth_subject_dn"))?;
            if !mtls::subject_dn_matches(certificate, registered) {
                return Err(bad(
                    "its subject DN is not the client's tls_client_auth_subject_dn",
                ));
            }
        }
        AuthMethod::SelfSignedTlsClientAuth => {
            let keys = client.keys().await?;
            if !mtls::public_key_in(certificate, Some(&keys)) {
                return Err(bad("its public key is not one of the client's jwks"));
            }
        }
        AuthMethod::PrivateKeyJwt => {
            return Err(bad(
                "the client is registered for private_key_jwt: send a client_assertion",
            ));
        }
    }
    Ok(client)
}

/// Until when, on real time, the `jti` of an assertion that expires at `exp` is remembered: as
/// long as either clock could still accept it. Real time, not the sandbox's, because the
/// sandbox clock jumps forward: an entry timed on it would lapse at a clock move while the
/// assertion is still fresh by real time, and the assertion could be replayed.
pub fn assertion_memory_until(exp: i64, now: Reading) -> DateTime<Utc> {
    let exp = DateTime::from_timestamp(exp, 0).unwrap_or(now.real);
    (exp + Duration::seconds(MAX_FUTURE_SKEW_SECONDS)).max(now.real + Duration::seconds(1))
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
    jwt.verify_with(&client.jwk_set().await?)
        .map_err(|e| bad(&e.0))?;
    // FAPI 2.0 §5.3.2.1-8: the audience is the issuer identifier, as a single string.
    match jwt.claims.get("aud") {
        Some(serde_json::Value::String(aud)) if *aud == server.config.issuer => {}
        Some(serde_json::Value::String(_)) => {
            return Err(bad(&format!(
                "aud must be the issuer identifier, {}",
                server.config.issuer
            )));
        }
        Some(_) => return Err(bad("aud must be a single string, the issuer identifier")),
        None => return Err(bad("no aud")),
    }
    // The client dates its assertion by its own clock: fresh by real time or by the sandbox's.
    let now = server.clock.read();
    jwt.check_times_either(now, true).map_err(|e| bad(&e.0))?;
    let jti = jwt
        .claim_str("jti")
        .filter(|j| !j.is_empty())
        .ok_or_else(|| bad("no jti"))?;
    let exp = jwt.claim_time("exp").map_err(|e| bad(&e.0))?.unwrap_or(0);
    let fresh = server
        .auth()
        .remember_once(
            kinds::ASSERTION_JTI,
            &format!("{issuer}:{jti}"),
            now.real,
            assertion_memory_until(exp, now),
        )
        .await
        .map_err(OAuthError::server_error)?;
    if !fresh {
        return Err(bad("the assertion's jti has been used before"));
    }
    Ok(client)
}
