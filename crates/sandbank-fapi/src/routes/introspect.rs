//! `POST /introspect` (RFC 7662).

use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};

use crate::error::OAuthError;
use crate::mtls::ClientCertificate;
use crate::state::AuthServer;
use crate::{client_auth, form, introspection};

/// `POST /introspect`: an authenticated client asks about a token. Signed responses (RFC 9701,
/// `Accept: application/token-introspection+jwt`) are not produced yet: such requests get the
/// plain JSON answer.
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
