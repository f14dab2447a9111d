//! `GET /userinfo` (OpenID Connect Core §5.3) with a DPoP-bound access token that carries
//! `openid`.
//!
//! The token is checked by the shared resource-server guard ([`crate::guard::Authorized`]).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use sandbank_schemas::PartyId;
use sandbank_schemas::party::PartyDetails;
use serde_json::{Map, Value};

use crate::error::OAuthError;
use crate::guard::Authorized;
use crate::openapi::DpopHeader;
use crate::openapi::bodies::UserInfo;
use crate::openapi::responses::UserinfoErrors;
use crate::state::AuthServer;

/// Claims about the customer.
///
/// OpenID Connect userinfo, for an access token that carries `openid`. The resource-server
/// guard checks the token (live, grant active, client registered, sender constraint) as for
/// the bank API.
#[utoipa::path(
    get,
    path = "/userinfo",
    operation_id = "getUserInfo",
    tag = "tokens",
    security(("oauth2" = ["openid"]), ("openIdConnect" = ["openid"])),
    params(DpopHeader),
    responses(
        (status = 200, description = "The customer's claims.", body = UserInfo,
            headers(("Cache-Control" = String, description = "`no-store`."))),
        UserinfoErrors
    )
)]
pub async fn userinfo(
    State(server): State<AuthServer>,
    authorized: Authorized,
) -> Result<Response, OAuthError> {
    let record = &authorized.token;
    if !record.scope.iter().any(|s| s == "openid") {
        return Err(
            OAuthError::insufficient_scope("the token lacks the openid scope")
                .with_www_authenticate(
                    "DPoP error=\"insufficient_scope\", scope=\"openid\"".into(),
                ),
        );
    }
    let sub = record.sub.as_deref().ok_or_else(|| {
        OAuthError::insufficient_scope("the token was issued to the client, not for a customer")
    })?;
    let party_id = PartyId::new(sub).map_err(OAuthError::server_error)?;
    let party = server
        .store
        .party(&party_id)
        .await
        .map_err(OAuthError::server_error)?;
    let mut claims = Map::new();
    claims.insert("sub".into(), Value::from(sub));
    if let Some(party) = party {
        claims.insert("name".into(), Value::from(party.display_name.clone()));
        if let PartyDetails::Individual { individual } = &party.details {
            claims.insert(
                "given_name".into(),
                Value::from(individual.given_name.clone()),
            );
            claims.insert(
                "family_name".into(),
                Value::from(individual.family_name.clone()),
            );
        }
        let email = party
            .emails
            .iter()
            .find(|e| e.is_primary)
            .or_else(|| party.emails.first());
        if let Some(email) = email {
            claims.insert("email".into(), Value::from(email.address.clone()));
        }
    }
    let mut response = Json(Value::Object(claims)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
