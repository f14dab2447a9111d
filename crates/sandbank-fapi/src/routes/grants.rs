//! `GET` and `DELETE /grants/{grant_id}`: the grant management endpoint (Grant Management for
//! OAuth 2.0 §5). A client queries or revokes one of its grants with an access token of its
//! own that carries `grant_management_query` or `grant_management_revoke` — one issued on a
//! customer's consent, or a `client_credentials` token.
//!
//! The token is checked by the resource-server guard ([`crate::guard::Authorized`]) exactly as
//! at the bank API: live, grant active, client registered, and the DPoP proof or client
//! certificate it is bound to. Then, in order: the scope (403 `insufficient_scope`), the grant
//! (404 when unknown or no longer active), its client (403 for another client's grant).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use sandbank_schemas::Consent;

use crate::error::OAuthError;
use crate::grant::{self, GrantError};
use crate::guard::{Authorized, DPOP_ALGS};
use crate::openapi::DpopHeader;
use crate::openapi::bodies::{GrantScope, GrantView};
use crate::openapi::responses::GrantErrors;
use crate::routes::discovery::{GRANT_MANAGEMENT_QUERY, GRANT_MANAGEMENT_REVOKE};
use crate::state::AuthServer;

/// An RFC 3339 timestamp in UTC, to the second (`2026-12-03T13:20:37Z`): the specification
/// leaves the format of the timestamps open.
fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The grant as the query response shows it: its scopes as one space-separated entry (none
/// when only authorization details were granted), its authorization details, and when it was
/// created, last changed and ends.
pub fn view(grant: &Consent) -> GrantView {
    let scopes = if grant.scopes.is_empty() {
        Vec::new()
    } else {
        vec![GrantScope {
            scope: grant.scopes.join(" "),
        }]
    };
    GrantView {
        scopes,
        authorization_details: serde_json::to_value(&grant.authorization_details)
            .unwrap_or_else(|_| serde_json::Value::Array(Vec::new())),
        created_at: timestamp(grant.created_at),
        updated_at: timestamp(grant.updated_at),
        expires_at: grant.expires_at.map(timestamp),
    }
}

/// 403 `insufficient_scope` naming the scope the token lacks.
fn lacks(scope: &str) -> OAuthError {
    OAuthError::insufficient_scope(format!("the access token lacks the {scope} scope"))
        .with_www_authenticate(format!(
            "DPoP error=\"insufficient_scope\", scope=\"{scope}\", algs=\"{DPOP_ALGS}\""
        ))
}

fn not_found() -> OAuthError {
    OAuthError::new(
        StatusCode::NOT_FOUND,
        "invalid_grant_id",
        "no active grant has this id",
    )
}

fn foreign() -> OAuthError {
    OAuthError::new(
        StatusCode::FORBIDDEN,
        "access_denied",
        "the grant belongs to another client",
    )
}

/// The grant `grant_id` for the authorized token that carries `scope`: the scope first, then
/// whether the grant is known and active, then whether it is the token's client's.
async fn grant_for(
    server: &AuthServer,
    authorized: &Authorized,
    grant_id: &str,
    scope: &str,
) -> Result<Consent, OAuthError> {
    // Like a permission at the bank API, the scope must be in the token and, for a token issued
    // on a grant, still in that grant (a `replace` may have taken it away).
    let in_token = authorized.token.scope.iter().any(|s| s == scope);
    let in_grant = authorized
        .grant
        .as_ref()
        .is_none_or(|grant| grant.scopes.iter().any(|s| s == scope));
    if !(in_token && in_grant) {
        return Err(lacks(scope));
    }
    let grant = grant::stored(server, grant_id)
        .await?
        .ok_or_else(not_found)?;
    if grant.client_id.as_str() != authorized.token.client_id {
        return Err(foreign());
    }
    if !grant::is_active(&grant, server.now()) {
        return Err(not_found());
    }
    Ok(grant)
}

/// Query a grant.
///
/// Grant Management §5.3: what the grant allows now — its scopes, its authorization details
/// (with the accounts the customer chose) and its timestamps (RFC 3339, UTC). The token must
/// carry `grant_management_query` and be the grant's client's; it may be a `client_credentials`
/// token.
#[utoipa::path(
    get,
    path = "/grants/{grant_id}",
    operation_id = "getGrant",
    tag = "grants",
    security(("oauth2" = ["grant_management_query"])),
    params(
        ("grant_id" = String, Path, description = "The grant's id: the `grant_id` of the token response."),
        DpopHeader
    ),
    responses(
        (status = 200, description = "The grant.", body = GrantView,
            headers(("Cache-Control" = String, description = "`no-store`."))),
        GrantErrors
    )
)]
pub async fn query(
    State(server): State<AuthServer>,
    Path(grant_id): Path<String>,
    authorized: Authorized,
) -> Result<Response, OAuthError> {
    let grant = grant_for(&server, &authorized, &grant_id, GRANT_MANAGEMENT_QUERY).await?;
    let mut response = Json(view(&grant)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Revoke a grant.
///
/// Grant Management §5.4: the grant is revoked, and every access and refresh token issued on it
/// stops working at once, on every instance sharing the database. The token must carry
/// `grant_management_revoke` and be the grant's client's; it may be a `client_credentials`
/// token.
#[utoipa::path(
    delete,
    path = "/grants/{grant_id}",
    operation_id = "revokeGrant",
    tag = "grants",
    security(("oauth2" = ["grant_management_revoke"])),
    params(
        ("grant_id" = String, Path, description = "The grant's id: the `grant_id` of the token response."),
        DpopHeader
    ),
    responses(
        (status = 204, description = "Revoked: its tokens no longer work.",
            headers(("Cache-Control" = String, description = "`no-store`."))),
        GrantErrors
    )
)]
pub async fn revoke(
    State(server): State<AuthServer>,
    Path(grant_id): Path<String>,
    authorized: Authorized,
) -> Result<Response, OAuthError> {
    grant_for(&server, &authorized, &grant_id, GRANT_MANAGEMENT_REVOKE).await?;
    match grant::revoke_grant(&server, &grant_id).await {
        Ok(_) => {}
        Err(GrantError::NotActive) => return Err(not_found()),
        Err(other) => return Err(other.into()),
    }
    Ok((
        StatusCode::NO_CONTENT,
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
    )
        .into_response())
}
