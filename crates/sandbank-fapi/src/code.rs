//! Authorization codes: random 256-bit strings, kept in the store by their SHA-256 under
//! [`kinds::CODE`] for at most 60 s, redeemable once.

use serde::{Deserialize, Serialize};

use crate::error::OAuthError;
use crate::jose::random_token;
use crate::state::{AuthServer, kinds};
use crate::tokens::token_key;

/// What a code stands for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeRecord {
    /// The client it was issued to.
    pub client_id: String,
    /// The redirect URI of the request; the token request must repeat it.
    pub redirect_uri: String,
    /// PKCE S256 challenge.
    pub code_challenge: String,
    /// Thumbprint of the DPoP key the code must be redeemed with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_jkt: Option<String>,
    /// The grant the customer gave.
    pub grant_id: String,
    /// The customer (party id).
    pub sub: String,
    /// Scopes granted.
    pub scope: Vec<String>,
    /// The OpenID nonce to put in the ID token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// When the customer authenticated (seconds since the epoch).
    pub auth_time: i64,
}

/// Issues a code for `record`.
pub async fn issue(server: &AuthServer, record: &CodeRecord) -> Result<String, OAuthError> {
    let code = random_token(32);
    server
        .write(
            kinds::CODE,
            &token_key(&code),
            record,
            server.config.lifetimes.code,
        )
        .await?;
    Ok(code)
}
