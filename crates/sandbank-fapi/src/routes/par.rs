//! `POST /par`: pushed authorization requests (RFC 9126).

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::json;

use crate::client_auth;
use crate::error::OAuthError;
use crate::form::Params;
use crate::jose::random_token;
use crate::mtls::ClientCertificate;
use crate::par::{self, REQUEST_URI_PREFIX};
use crate::sender;
use crate::state::{AuthServer, kinds};

/// `POST /par` → 201 `{request_uri, expires_in}`.
pub async fn push(
    State(server): State<AuthServer>,
    headers: HeaderMap,
    certificate: Option<Extension<ClientCertificate>>,
    body: axum::body::Bytes,
) -> Result<Response, OAuthError> {
    let params = Params::parse(&body)?;
    let client =
        client_auth::authenticate(&server, params.as_map(), certificate.as_deref()).await?;
    let proof = sender::proof(&server, &headers, "POST", "/par", None).await?;
    let request = par::validate(&client, &params, proof.as_ref().map(|p| p.jkt.as_str()))?;
    let request_uri = format!("{REQUEST_URI_PREFIX}{}", random_token(32));
    let lifetime = server.config.lifetimes.par;
    server
        .write(kinds::PAR, &request_uri, &request, lifetime)
        .await?;
    let mut response = (
        StatusCode::CREATED,
        Json(json!({
            "request_uri": request_uri,
            "expires_in": lifetime.num_seconds(),
        })),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
