//! `grant_type=urn:openid:params:grant-type:ciba` (OpenID CIBA Core §10.1, §11): the
//! `auth_req_id` of a backchannel request, redeemed once for tokens once the customer approved
//! it. Before that, `authorization_pending` (or `slow_down` when polled faster than the
//! interval); `access_denied` after a denial; `expired_token` after its expiry.

use serde_json::Value;

use super::{Binding, Issue, issue_tokens};
use crate::ciba::{self, CibaRequest, CibaStatus, PollState};
use crate::client::Client;
use crate::error::OAuthError;
use crate::form::Params;
use crate::grant;
use crate::id_token::{self, IdTokenClaims};
use crate::state::{AuthServer, kinds};

/// Redeems an `auth_req_id`.
pub async fn redeem(
    server: &AuthServer,
    client: &Client,
    params: &Params,
    proof: &Binding,
) -> Result<Value, OAuthError> {
    let auth_req_id = params.require("auth_req_id")?;
    let now = server.now();
    let unknown = || OAuthError::invalid_grant("the auth_req_id is unknown");
    let entry = server
        .auth()
        .get(kinds::CIBA, auth_req_id, now)
        .await
        .map_err(OAuthError::server_error)?
        .ok_or_else(unknown)?;
    let request: CibaRequest =
        serde_json::from_value(entry.value).map_err(OAuthError::server_error)?;
    if request.client_id != client.client_id {
        return Err(OAuthError::invalid_grant(
            "the auth_req_id was issued to another client",
        ));
    }
    if entry.consumed_at.is_some() {
        return Err(OAuthError::invalid_grant(
            "the auth_req_id has already been redeemed",
        ));
    }
    if request.expires_at <= now {
        if let CibaStatus::Approved { grant_id, .. } = &request.status {
            // Approved but never redeemed: nothing may use that grant now.
            grant::revoke(server, grant_id).await?;
        }
        return Err(OAuthError::expired_token(
            "the auth_req_id has expired; make a new backchannel authentication request",
        ));
    }
    match &request.status {
        CibaStatus::Pending => Err(pending(server, auth_req_id, &request).await?),
        CibaStatus::Denied => Err(OAuthError::access_denied(
            "the customer denied the authentication request",
        )),
        CibaStatus::Approved {
            grant_id,
            auth_time,
        } => {
            if let Some(bound) = &request.dpop_jkt
                && Some(bound.as_str()) != proof.jkt()
            {
                return Err(OAuthError::invalid_grant(
                    "the backchannel request was made with another DPoP key than this proof's",
                ));
            }
            let consumed = server
                .auth()
                .consume_once(kinds::CIBA, auth_req_id, now)
                .await
                .map_err(OAuthError::server_error)?;
            if consumed.is_none() {
                return Err(OAuthError::invalid_grant(
                    "the auth_req_id has already been redeemed",
                ));
            }
            let grant = grant::active(server, grant_id).await?.ok_or_else(|| {
                OAuthError::invalid_grant("the grant behind this auth_req_id is no longer active")
            })?;
            let scope: Vec<String> = request.scope.iter().cloned().collect();
            let mut body = issue_tokens(
                server,
                Issue {
                    client,
                    grant: Some(&grant),
                    scope,
                    proof,
                    auth_time: Some(*auth_time),
                },
                client.allows_grant("refresh_token"),
            )
            .await?;
            if request.scope.contains("openid") {
                let id_token = id_token::sign(
                    server,
                    IdTokenClaims {
                        client_id: &client.client_id,
                        sub: request.party_id.as_str(),
                        nonce: None,
                        auth_time: *auth_time,
                    },
                )?;
                body.insert("id_token".into(), Value::from(id_token));
            }
            Ok(Value::Object(body))
        }
    }
}

/// The answer to a poll of a pending request: `slow_down` (and a longer interval) when it came
/// too soon after the last one, `authorization_pending` otherwise.
async fn pending(
    server: &AuthServer,
    auth_req_id: &str,
    request: &CibaRequest,
) -> Result<OAuthError, OAuthError> {
    let now = server.now();
    let previous: Option<PollState> = server.read(kinds::CIBA_POLL, auth_req_id).await?;
    let interval = server.config.lifetimes.ciba_interval.num_seconds();
    let (slow, state) = ciba::pace(previous, interval, now);
    let ttl = (request.expires_at - now) + ciba::expired_memory();
    server
        .write(kinds::CIBA_POLL, auth_req_id, &state, ttl)
        .await?;
    Ok(if slow {
        OAuthError::slow_down(format!(
            "polled faster than the interval; wait {} seconds between polls",
            state.interval
        ))
    } else {
        OAuthError::authorization_pending("the customer has not decided yet")
    })
}
