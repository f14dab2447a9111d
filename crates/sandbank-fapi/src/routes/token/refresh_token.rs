//! `grant_type=refresh_token`: no rotation; the refresh token works for the client it was
//! issued to, with the DPoP key it is bound to, while its grant is active.

use serde_json::Value;

use super::{Binding, Issue, issue_tokens};
use crate::client::Client;
use crate::error::OAuthError;
use crate::form::Params;
use crate::grant;
use crate::state::AuthServer;
use crate::state::kinds;
use crate::tokens::{TokenRecord, token_key};

/// Issues a new access token from a refresh token.
pub async fn refresh(
    server: &AuthServer,
    client: &Client,
    params: &Params,
    proof: &Binding,
) -> Result<Value, OAuthError> {
    let token = params.require("refresh_token")?;
    let invalid = || OAuthError::invalid_grant("the refresh token is unknown, expired or revoked");
    let record: TokenRecord = server
        .read(kinds::REFRESH_TOKEN, &token_key(token))
        .await?
        .ok_or_else(invalid)?;
    if record.client_id != client.client_id {
        return Err(OAuthError::invalid_grant(
            "the refresh token was issued to another client",
        ));
    }
    if record.cnf.is_bound() && !proof.holds(&record.cnf) {
        let what = if record.cnf.jkt.is_some() {
            "the refresh token is bound to another DPoP key than this proof's"
        } else {
            "the refresh token is bound to another client certificate than this connection's"
        };
        return Err(OAuthError::invalid_grant(what));
    }
    let grant_id = record.grant_id.as_deref().ok_or_else(invalid)?;
    let grant = grant::active(server, grant_id).await?.ok_or_else(invalid)?;
    let scope = match params.get("scope") {
        None => record.scope.clone(),
        Some(asked) => {
            let asked: Vec<String> = asked
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            if let Some(extra) = asked.iter().find(|s| !record.scope.contains(s)) {
                return Err(OAuthError::invalid_scope(format!(
                    "the scope {extra} was not granted"
                )));
            }
            asked
        }
    };
    let body = issue_tokens(
        server,
        Issue {
            client,
            grant: Some(&grant),
            scope,
            proof,
            auth_time: record.auth_time,
        },
        false,
    )
    .await?;
    Ok(Value::Object(body))
}
