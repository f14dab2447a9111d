//! Token revocation (RFC 7009).
//!
//! - A token the server does not know (or no longer knows) is "revoked" already: 200.
//! - Another client's token is refused with `unauthorized_client` and stays usable.
//! - Revoking an access token deletes its record: at once it is `invalid_token` at the
//!   resource server and inactive at introspection.
//! - Revoking a refresh token deletes it and every access token of the same client issued on
//!   the same grant (RFC 7009 §2.1 "SHOULD"). The grant itself — the customer's consent —
//!   stays `ACTIVE`: withdrawing it is Grant Management's `DELETE /grants/{id}` or the
//!   customer's dashboard. Other refresh tokens of the grant are left alone.
//!
//! Records are deleted rather than marked, so every reader of the token store (the token
//! endpoint's refresh grant included) sees a revoked token as unknown.

use crate::client::Client;
use crate::error::OAuthError;
use crate::lookup::{self, FoundToken, TokenKind};
use crate::state::{AuthServer, kinds};
use crate::tokens::TokenRecord;

/// What revoking a token the server found comes down to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Nothing is known about the token: answer 200.
    Unknown,
    /// The token belongs to another client: refuse, change nothing.
    NotYours,
    /// Delete the token and, for a refresh token with a grant, the grant's access tokens.
    Revoke {
        /// The token's kind.
        kind: TokenKind,
        /// Its store key.
        key: String,
        /// For a refresh token, the grant whose access tokens go with it.
        cascade_grant: Option<String>,
    },
}

/// Decides what revoking `found` on behalf of `client_id` does.
pub fn decide(found: Option<&FoundToken>, client_id: &str) -> Decision {
    let Some(found) = found else {
        return Decision::Unknown;
    };
    if found.record.client_id != client_id {
        return Decision::NotYours;
    }
    Decision::Revoke {
        kind: found.kind,
        key: found.key.clone(),
        cascade_grant: match found.kind {
            TokenKind::Refresh => found.record.grant_id.clone(),
            TokenKind::Access => None,
        },
    }
}

/// Revokes `token` for `client`; `hint` is the request's `token_type_hint`.
pub async fn revoke(
    server: &AuthServer,
    client: &Client,
    token: &str,
    hint: Option<&str>,
) -> Result<(), OAuthError> {
    let found = lookup::find(server, token, &TokenKind::search_order(hint)).await?;
    match decide(found.as_ref(), &client.client_id) {
        Decision::Unknown => Ok(()),
        Decision::NotYours => Err(OAuthError::unauthorized_client(
            "the token was not issued to this client",
        )),
        Decision::Revoke {
            kind,
            key,
            cascade_grant,
        } => {
            let auth = server.auth();
            auth.delete(kind.store_kind(), &key)
                .await
                .map_err(OAuthError::server_error)?;
            if let Some(grant_id) = cascade_grant {
                let entries = auth
                    .list(kinds::ACCESS_TOKEN, server.now())
                    .await
                    .map_err(OAuthError::server_error)?;
                for (key, entry) in entries {
                    let Ok(record) = serde_json::from_value::<TokenRecord>(entry.value) else {
                        continue;
                    };
                    if record.client_id == client.client_id
                        && record.grant_id.as_deref() == Some(grant_id.as_str())
                    {
                        auth.delete(kinds::ACCESS_TOKEN, &key)
                            .await
                            .map_err(OAuthError::server_error)?;
                    }
                }
            }
            tracing::info!(client_id = %client.client_id, ?kind, "revoked a token");
            Ok(())
        }
    }
}
