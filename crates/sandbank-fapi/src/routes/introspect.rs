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
/// Anything else (unknown, expired, revoked, another client's) is `{"active": false}`.
///
/// With `Accept: application/token-introspection+jwt` the answer is signed (RFC 9701): a JWT
/// (`typ: token-introspection+jwt`, the client's `introspection_signed_response_alg`, ES256 by
/// default, `kid` in the JWKS) with `iss`, `aud` (the client), `iat` and the answer as
/// `token_introspection`.
#[utoipa::path(
    post,
    path = "/introspect",
    operation_id = "introspectToken",
    tag = "tokens",
    security((), ("clientCertificate" = [])),
    request_body(content = TokenQuestion, content_type = FORM, description = "The token and the client's authentication."),
    responses(
        (status = 200, description = "What the token is, or `{\"active\": false}`; signed when asked (RFC 9701).",
            content(
                (IntrospectionResponse = "application/json"),
                (String = "application/token-introspection+jwt", example = "eyJ0eXAiOiJ0b2tlbi1pbnRyb3NwZWN0aW9uK2p3dCIsImFsZyI6IkVTMjU2In0.eyJpc3MiOiJodHRwOi8vMTI3LjAuMC4xOjgwODAiLCJ0b2tlbl9pbnRyb3NwZWN0aW9uIjp7ImFjdGl2ZSI6ZmFsc2V9fQ.c2ln")
            ),
            headers(("Cache-Control" = String, description = "`no-store`."))),
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
    if !introspection::wants_jwt(&headers) {
        return Ok(([(header::CACHE_CONTROL, "no-store")], Json(answer)).into_response());
    }
    let signed = introspection::sign(&server, &client, answer)?;
    Ok((
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::CONTENT_TYPE, introspection::JWT_MEDIA_TYPE),
        ],
        signed,
    )
        .into_response())
}
