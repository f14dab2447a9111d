//! `POST /par`: pushed authorization requests (RFC 9126).

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::json;

use crate::client_auth;
use crate::error::{OAuthError, OAuthErrorBody};
use crate::form::Params;
use crate::jose::random_token;
use crate::mtls::ClientCertificate;
use crate::openapi::bodies::ParResponse;
use crate::openapi::forms::PushedAuthorizationRequestBody;
use crate::openapi::responses::ClientAuthErrors;
use crate::openapi::{DpopHeader, FORM};
use crate::par::{self, REQUEST_URI_PREFIX};
use crate::state::{AuthServer, kinds};
use crate::{grant, rar, request_object, sender};

/// Push an authorization request.
///
/// RFC 9126, required by FAPI 2.0: the authenticated client sends the authorization request's
/// parameters here and gets a `request_uri` to send the browser to `/authorize` with. A DPoP
/// proof binds the authorization code to its key.
///
/// The parameters may instead be one signed request object (JAR, RFC 9101) in `request`:
/// then only what is inside it counts. Clients registered with
/// `require_signed_request_object` (or every client, under `serve
/// --require-signed-request-object`) must send one.
///
/// Grant Management: `grant_management_action=create` asks for a new grant (its id comes back
/// as `grant_id` in the token response); `merge` or `replace` with `grant_id` changes an
/// existing active grant of the client once the same customer approves.
#[utoipa::path(
    post,
    path = "/par",
    operation_id = "pushAuthorizationRequest",
    tag = "authorization",
    security((), ("clientCertificate" = [])),
    params(DpopHeader),
    request_body(content = PushedAuthorizationRequestBody, content_type = FORM, description = "The authorization request (or a signed request object holding it) and the client's authentication."),
    responses(
        (status = 201, description = "Accepted: the `request_uri` for `/authorize`.", body = ParResponse,
            headers(("Cache-Control" = String, description = "`no-store`."))),
        (status = 400, description = "The request is refused: `invalid_request` (a missing or repeated parameter, PKCE, redirect URI, response type or mode; an unknown `grant_management_action`, `create` with a `grant_id`, `merge` or `replace` without one, a `grant_id` without an action), `unauthorized_client`, `unsupported_response_type`, `invalid_scope`, `invalid_authorization_details`, `invalid_request_object` (a request object that fails a JAR or FAPI Message Signing rule), `invalid_grant_id` (`grant_id` names no active grant of this client), `invalid_dpop_proof`, or `use_dpop_nonce` with a `DPoP-Nonce` header under `serve --dpop-nonces`.", body = OAuthErrorBody,
            headers(("DPoP-Nonce" = String, description = "With `use_dpop_nonce`: the nonce to put in the next proof."))),
        ClientAuthErrors
    )
)]
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
    let signed;
    let params = match params.get("request") {
        Some(object) => {
            signed = request_object::parameters(
                &client,
                &client.jwk_set().await?,
                object,
                &server.config.issuer,
                server.clock.read(),
            )?;
            &signed
        }
        None if params.contains("request") => {
            return Err(OAuthError::invalid_request_object(
                "the request parameter is empty",
            ));
        }
        None if request_object::required(&client, server.config.require_signed_request_object) => {
            return Err(OAuthError::invalid_request(
                "a signed request object is required: send the authorization request as a JWT in the request parameter (JAR, RFC 9101), signed by one of the client's keys",
            ));
        }
        None => &params,
    };
    let request = par::validate(
        &client,
        params,
        proof.as_ref().map(|p| p.jkt.as_str()),
        server.config.grant_management_action_required,
    )?;
    rar::check_dates(&request.authorization_details, server.now().date_naive())?;
    if let Some(grant_id) = &request.grant_id {
        grant::target(&server, &client.client_id, grant_id).await?;
    }
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
