//! `POST /revoke` (RFC 7009).

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::OAuthError;
use crate::mtls::ClientCertificate;
use crate::state::AuthServer;
use crate::{client_auth, form, revocation};

/// `POST /revoke`: an authenticated client revokes one of its tokens. 200 with an empty body,
/// also for tokens the server does not know.
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
