//! `GET /userinfo` (OpenID Connect Core §5.3) with a DPoP-bound access token that carries
//! `openid`.
//!
//! The token check here is deliberately minimal and follows the contract in
//! [`crate::tokens`]: record live, grant active, client registered, DPoP proof with `ath` from
//! the bound key. The shared resource-server guard can replace it.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use sandbank_schemas::PartyId;
use sandbank_schemas::party::PartyDetails;
use serde_json::{Map, Value};

use crate::error::OAuthError;
use crate::grant;
use crate::sender;
use crate::state::{AuthServer, kinds};
use crate::tokens::{TokenRecord, token_key};

fn unauthorized(code: &str, description: &str) -> OAuthError {
    let error = match code {
        "invalid_dpop_proof" => OAuthError::invalid_dpop_proof(description),
        _ => OAuthError::invalid_token(description),
    };
    error
        .with_status(axum::http::StatusCode::UNAUTHORIZED)
        .with_www_authenticate(format!("DPoP error=\"{code}\", algs=\"PS256 ES256 EdDSA\""))
}

/// The access token of an `Authorization: DPoP <token>` header (scheme case-insensitive).
fn dpop_token(headers: &HeaderMap) -> Result<&str, OAuthError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| unauthorized("invalid_token", "an access token is required"))?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("dpop") && !token.trim().is_empty() =>
        {
            Ok(token.trim())
        }
        _ => Err(unauthorized(
            "invalid_token",
            "send the DPoP-bound access token as Authorization: DPoP <token>",
        )),
    }
}

/// `GET /userinfo`.
pub async fn userinfo(
    State(server): State<AuthServer>,
    headers: HeaderMap,
) -> Result<Response, OAuthError> {
    let token = dpop_token(&headers)?;
    let inactive = || unauthorized("invalid_token", "the access token is not active");
    let record: TokenRecord = server
        .read(kinds::ACCESS_TOKEN, &token_key(token))
        .await?
        .ok_or_else(inactive)?;
    if record.exp <= server.now().timestamp() || server.client(&record.client_id).await?.is_none() {
        return Err(inactive());
    }
    let grant_id = record.grant_id.as_deref().ok_or_else(inactive)?;
    grant::active(&server, grant_id)
        .await?
        .ok_or_else(inactive)?;
    let proof = sender::proof(&server, &headers, "GET", "/userinfo", Some(token))
        .await
        .map_err(|e| match e.code {
            "use_dpop_nonce" => e
                .with_status(axum::http::StatusCode::UNAUTHORIZED)
                .with_www_authenticate("DPoP error=\"use_dpop_nonce\"".to_owned()),
            _ => unauthorized("invalid_dpop_proof", &e.description),
        })?
        .ok_or_else(|| unauthorized("invalid_dpop_proof", "a DPoP proof is required"))?;
    if record.cnf.jkt.as_deref() != Some(proof.jkt.as_str()) {
        return Err(unauthorized(
            "invalid_dpop_proof",
            "the DPoP proof is not from the key the token is bound to",
        ));
    }
    if !record.scope.iter().any(|s| s == "openid") {
        return Err(
            OAuthError::insufficient_scope("the token lacks the openid scope")
                .with_www_authenticate(
                    "DPoP error=\"insufficient_scope\", scope=\"openid\"".into(),
                ),
        );
    }
    let sub = record.sub.as_deref().ok_or_else(inactive)?;
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
