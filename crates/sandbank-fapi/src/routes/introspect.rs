//! `POST /introspect` (RFC 7662).

use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};

use crate::error::{OAuthError, OAuthErrorBody};
use crate::mtls::ClientCertificate;
use crate::openapi::FORM;
use crate::openapi::bodies::IntrospectionResponse;
use crate::openapi::forms::TokenQuestion;
use crate::openapi::responses::ClientAuthErrors;
use crate::state::AuthServer;
use crate::{client_auth, form, introspection};

/// Introspect a token.
///
/// RFC 7662: an authenticated client asks about one of its own access or refresh tokens.
/// Anything else (unknown, expired, revoked, another client's) is `{"active": false}`. Signed
/// responses (RFC 9701) are not produced yet: such requests get the plain JSON answer.
#[utoipa::path(
    post,
    path = "/introspect",
    operation_id = "introspectToken",
    tag = "tokens",
    security((), ("clientCertificate" = [])),
    request_body(content = TokenQuestion, content_type = FORM, description = "The token and the client's authentication."),
    responses(
        (status = 200, description = "What the token is, or `{\"active\": false}`.", body = IntrospectionResponse, headers(("Cache-Control" = String, description = "`no-store`."))),
        (status = 400, description = "`invalid_request`: the body is not `application/x-www-form-urlencoded`, a parameter is repeated, or `token` is missing.", body = OAuthErrorBody),
        ClientAuthErrors
    )
)]
pub async fn introspect(
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
    let answer = introspection::introspect(&server, &client, token, hint).await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(answer)).into_response())
}
