//! `grant_type=authorization_code`: PKCE, single use, bound to the client, the redirect URI
//! and (when the request was DPoP-bound) the DPoP key.

use serde_json::Value;

use super::{Binding, Issue, issue_tokens};
use crate::client::Client;
use crate::code::CodeRecord;
use crate::error::OAuthError;
use crate::form::Params;
use crate::id_token::{self, IdTokenClaims};
use crate::state::{AuthServer, kinds};
use crate::tokens::token_key;
use crate::{grant, pkce};

/// A code presented a second time: refuse it and revoke its grant, so every token issued from
/// it stops working (RFC 6749 §4.1.2).
async fn reused(server: &AuthServer, value: Value) -> OAuthError {
    if let Ok(record) = serde_json::from_value::<CodeRecord>(value)
        && let Err(e) = grant::revoke(server, &record.grant_id).await
    {
        return e;
    }
    OAuthError::invalid_grant(
        "the authorization code has already been used; the tokens issued from it are revoked",
    )
}

/// Exchanges a code.
pub async fn exchange(
    server: &AuthServer,
    client: &Client,
    params: &Params,
    proof: &Binding,
) -> Result<Value, OAuthError> {
    let code = params.require("code")?;
    let key = token_key(code);
    let auth = server.auth();
    let entry = auth
        .get(kinds::CODE, &key, server.now())
        .await
        .map_err(OAuthError::server_error)?
        .ok_or_else(|| OAuthError::invalid_grant("the authorization code is unknown or expired"))?;
    if entry.consumed_at.is_some() {
        return Err(reused(server, entry.value).await);
    }
    let record: CodeRecord =
        serde_json::from_value(entry.value).map_err(OAuthError::server_error)?;
    if record.client_id != client.client_id {
        return Err(OAuthError::invalid_grant(
            "the authorization code was issued to another client",
        ));
    }
    let Some(_) = auth
        .consume_once(kinds::CODE, &key, server.now())
        .await
        .map_err(OAuthError::server_error)?
    else {
        // Another request redeemed it between our read and now.
        return Err(reused(server, serde_json::to_value(&record).unwrap_or_default()).await);
    };
    match params.get("redirect_uri") {
        Some(uri) if uri == record.redirect_uri => {}
        Some(_) => {
            return Err(OAuthError::invalid_grant(
                "redirect_uri differs from the authorization request's",
            ));
        }
        None => return Err(OAuthError::invalid_request("redirect_uri is required")),
    }
    let Some(verifier) = params.get("code_verifier") else {
        return Err(OAuthError::invalid_grant(
            "code_verifier is required (PKCE)",
        ));
    };
    if !pkce::verify(verifier, &record.code_challenge) {
        return Err(OAuthError::invalid_grant(
            "code_verifier does not match the code_challenge",
        ));
    }
    if let Some(bound) = &record.dpop_jkt
        && Some(bound.as_str()) != proof.jkt()
    {
        return Err(OAuthError::invalid_grant(
            "the code is bound to another DPoP key than this proof's",
        ));
    }
    let grant = grant::active(server, &record.grant_id)
        .await?
        .ok_or_else(|| {
            OAuthError::invalid_grant("the grant behind this code is no longer active")
        })?;
    let with_refresh = client.allows_grant("refresh_token");
    let mut body = issue_tokens(
        server,
        Issue {
            client,
            grant: Some(&grant),
            scope: record.scope.clone(),
            proof,
            auth_time: Some(record.auth_time),
        },
        with_refresh,
    )
    .await?;
    if record.scope.iter().any(|s| s == "openid") {
        let id_token = id_token::sign(
            server,
            IdTokenClaims {
                client_id: &client.client_id,
                sub: &record.sub,
                nonce: record.nonce.as_deref(),
                auth_time: record.auth_time,
            },
        )?;
        body.insert("id_token".into(), Value::from(id_token));
    }
    Ok(Value::Object(body))
}
