//! The DPoP proof of a request to one of the authorization server's own endpoints, with
//! server-provided nonces when [`AsConfig::dpop_nonces`](crate::config::AsConfig) is on.

use axum::http::HeaderMap;
use chrono::Duration;

use crate::dpop::{self, DpopError, Expected, Proof};
use crate::error::OAuthError;
use crate::jose::{peek, random_token};
use crate::state::{AuthServer, kinds};

/// How long a server nonce stays acceptable.
pub fn nonce_lifetime() -> Duration {
    Duration::minutes(5)
}

/// A fresh server nonce, remembered by every instance sharing the store.
pub async fn fresh_nonce(server: &AuthServer) -> Result<String, OAuthError> {
    let nonce = random_token(16);
    server
        .write(kinds::DPOP_NONCE, &nonce, &true, nonce_lifetime())
        .await?;
    Ok(nonce)
}

/// Checks the request's DPoP proof for `method` on the endpoint at `path` (with `ath` when an
/// access token is presented). `Ok(None)` when there is no proof. Refusals are
/// `invalid_dpop_proof`, or `use_dpop_nonce` with a fresh `DPoP-Nonce`.
pub async fn proof(
    server: &AuthServer,
    headers: &HeaderMap,
    method: &str,
    path: &str,
    access_token: Option<&str>,
) -> Result<Option<Proof>, OAuthError> {
    let url = server.config.url(path);
    let mut nonce = None;
    if server.config.dpop_nonces {
        let sent = dpop::header(headers)
            .ok()
            .flatten()
            .and_then(|raw| peek(raw).ok())
            .and_then(|jwt| jwt.claim_str("nonce").map(str::to_owned));
        let known = match sent {
            Some(sent)
                if server
                    .read::<bool>(kinds::DPOP_NONCE, &sent)
                    .await?
                    .is_some() =>
            {
                Some(sent)
            }
            _ => None,
        };
        // Without a nonce the server handed out, require one no proof can carry.
        nonce = Some(known.unwrap_or_else(|| random_token(16)));
    }
    let expected = Expected {
        method,
        url: &url,
        access_token,
        nonce: nonce.as_deref(),
    };
    match dpop::check_request(server, headers, expected).await {
        Ok(proof) => Ok(proof),
        Err(DpopError::Invalid(message)) => Err(OAuthError::invalid_dpop_proof(message)),
        Err(DpopError::NonceRequired) => {
            Err(OAuthError::use_dpop_nonce(fresh_nonce(server).await?))
        }
    }
}
