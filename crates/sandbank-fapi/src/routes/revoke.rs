//! `POST /revoke` (RFC 7009).

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::{OAuthError, OAuthErrorBody};
use crate::mtls::ClientCertificate;
use crate::openapi::FORM;
use crate::openapi::forms::TokenQuestion;
use crate::openapi::responses::ClientAuthErrors;
use crate::state::AuthServer;
use crate::{client_auth, form, revocation};

/// Revoke a token.
///
/// RFC 7009: an authenticated client revokes one of its tokens; revoking a refresh token also
/// revokes the client's access tokens issued on its grant. The answer is the same for tokens
/// the server does not know.
#[utoipa::path(
    post,
    path = "/revoke",
    operation_id = "revokeToken",
    tag = "tokens",
    security((), ("clientCertificate" = [])),
    request_body(content = TokenQuestion, content_type = FORM, description = "The token and the client's authentication."),
    responses(
        (status = 200, description = "Revoked, or nothing to revoke; no body.", headers(("Cache-Control" = String, description = "`no-store`."))),
        (status = 400, description = "`invalid_request`: the body is not `application/x-www-form-urlencoded`, a parameter is repeated, or `token` is missing.", body = OAuthErrorBody),
        ClientAuthErrors
    )
)]
pub async fn revoke(
    State(server): State<AuthServer>,
    headers: HeaderMap,
    certificate: Option<Extension<ClientCertificate>>,
    body: Bytes,
) -> Result<Response, OAuthError> {
    let form = form::parse(&headers, &body)?;
    let client = client_auth::authenticate(&server, &form, certificate.as_deref()).await?;
    let token = form
        .get("token")
        .ok_or_else(|| OAuthError::invalid_request("the token parameter is required"))?;
    let hint = form.get("token_type_hint").map(String::as_str);
    revocation::revoke(&server, &client, token, hint).await?;
    Ok((StatusCode::OK, [(header::CACHE_CONTROL, "no-store")]).into_response())
}
