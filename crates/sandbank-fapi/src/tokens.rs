//! What the server remembers about the tokens it issues, and the grants behind them.
//!
//! Tokens are opaque random strings (256 bits); the store keeps only their SHA-256, under
//! [`kinds::ACCESS_TOKEN`](crate::state::kinds::ACCESS_TOKEN) and
//! [`kinds::REFRESH_TOKEN`](crate::state::kinds::REFRESH_TOKEN), with a [`TokenRecord`] as value.
//! A token is usable while its record is live, its grant (if any) is `ACTIVE` and, for the
//! client, the client is still registered. Revoking a grant therefore stops its tokens at once.

use sandbank_schemas::consent::{AuthorizationDetail, Permission};
use serde::{Deserialize, Serialize};

use crate::jose::sha256_b64;

/// How a token is bound to its holder (RFC 9449 `jkt`, RFC 8705 `x5t#S256`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    /// Thumbprint of the DPoP key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jkt: Option<String>,
    /// Thumbprint of the client certificate.
    #[serde(rename = "x5t#S256", default, skip_serializing_if = "Option::is_none")]
    pub x5t_s256: Option<String>,
}

impl Confirmation {
    /// Whether the token is bound at all.
    pub fn is_bound(&self) -> bool {
        self.jkt.is_some() || self.x5t_s256.is_some()
    }
}

/// An access or refresh token as the store keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// The client it was issued to.
    pub client_id: String,
    /// The customer (party id), for tokens issued on a customer's consent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// The grant behind the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_id: Option<String>,
    /// Scopes granted.
    pub scope: Vec<String>,
    /// Accounts the token reaches.
    pub accounts: Vec<String>,
    /// What it may do with them.
    pub permissions: Vec<Permission>,
    /// Rich authorization details granted.
    pub authorization_details: Vec<AuthorizationDetail>,
    /// Sender constraint.
    pub cnf: Confirmation,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expires at (seconds since the epoch).
    pub exp: i64,
    /// When the customer authenticated (seconds since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
}

/// The store key of a token: its SHA-256, so a database leak reveals no usable token.
pub fn token_key(token: &str) -> String {
    sha256_b64(token.as_bytes())
}
