//! `POST /backchannel`: CIBA backchannel authentication requests (OpenID CIBA Core §7,
//! FAPI-CIBA).

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::json;

use crate::client_auth::{self, assertion_memory_until};
use crate::error::{OAuthError, OAuthErrorBody};
use crate::form::Params;
use crate::mtls::ClientCertificate;
use crate::openapi::bodies::BackchannelResponse;
use crate::openapi::forms::BackchannelAuthenticationRequestBody;
use crate::openapi::responses::ClientAuthErrors;
use crate::openapi::{DpopHeader, FORM};
use crate::request_object;
use crate::state::{AuthServer, kinds};
use crate::{ciba, rar, sender};

/// The path of the endpoint (discovery's `backchannel_authentication_endpoint`).
pub const PATH: &str = "/backchannel";

/// Start a decoupled authentication.
///
/// OpenID CIBA Core (poll and ping modes, FAPI-CIBA profile): the authenticated client names a
/// customer (`login_hint`, their username, or `id_token_hint`, an ID token this server issued
/// to it) and what it asks (`scope` with `openid`, `authorization_details`); the customer
/// decides away from the client — on the dashboard, or a test suite through
/// `POST /sandbox/ciba/{authReqId}/approve` — and the client then redeems the `auth_req_id` at
/// `/token` with `grant_type=urn:openid:params:grant-type:ciba`. The client must be registered
/// for that grant with a `backchannel_token_delivery_mode`.
///
/// The parameters may be one signed request object in `request` (CIBA Core §7.1.1: `aud` the
/// issuer, `iss` the client, `exp`, `iat`, `nbf`, `jti`); clients registered with
/// `backchannel_authentication_request_signing_alg` must send one, signed with that algorithm.
/// A DPoP proof is optional here; when one is sent, the tokens must be bound to its key.
#[utoipa::path(
    post,
    path = "/backchannel",
    operation_id = "backchannelAuthentication",
    tag = "authorization",
    security((), ("clientCertificate" = [])),
    params(DpopHeader),
    request_body(content = BackchannelAuthenticationRequestBody, content_type = FORM, description = "The authentication request (or a signed request object holding it) and the client's authentication."),
    responses(
        (status = 200, description = "Accepted: the `auth_req_id` to redeem at `/token`, its lifetime and the polling interval.", body = BackchannelResponse,
            headers(("Cache-Control" = String, description = "`no-store`."))),
        (status = 400, description = "The request is refused: `invalid_request` (no or several of `login_hint` / `login_hint_token` / `id_token_hint`, `login_hint_token` at all, no `openid` scope, a bad `requested_expiry`, `user_code` or `client_notification_token`, a missing or invalid signed request), `unknown_user_id` (the hint names no customer), `unauthorized_client` (not registered for the CIBA grant), `invalid_scope`, `invalid_authorization_details`, `invalid_binding_message`, `invalid_dpop_proof`, or `use_dpop_nonce` under `serve --dpop-nonces`.", body = OAuthErrorBody,
            headers(("DPoP-Nonce" = String, description = "With `use_dpop_nonce`: the nonce to put in the next proof."))),
        ClientAuthErrors
    )
)]
pub async fn backchannel(
    State(server): State<AuthServer>,
    headers: HeaderMap,
    certificate: Option<Extension<ClientCertificate>>,
    body: axum::body::Bytes,
) -> Result<Response, OAuthError> {
    let params = Params::parse(&body)?;
    let client =
        client_auth::authenticate(&server, params.as_map(), certificate.as_deref()).await?;
    let proof = sender::proof(&server, &headers, "POST", PATH, None).await?;
    let signed;
    let params = match params.get("request") {
        Some(object) => {
            let now = server.clock.read();
            let object = request_object::backchannel_parameters(
                &client,
                &client.jwk_set().await?,
                object,
                &server.config.issuer,
                now,
            )?;
            let fresh = server
                .auth()
                .remember_once(
                    kinds::CIBA_REQUEST_JTI,
                    &format!("{}:{}", client.client_id, object.jti),
                    now.real,
                    assertion_memory_until(object.exp, now),
                )
                .await
                .map_err(OAuthError::server_error)?;
            if !fresh {
                return Err(OAuthError::invalid_request(
                    "request object rejected: its jti has been used before",
                ));
            }
            signed = object.params;
            &signed
        }
        None if params.contains("request") => {
            return Err(OAuthError::invalid_request(
                "the request parameter is empty",
            ));
        }
        None if client
            .metadata
            .backchannel_authentication_request_signing_alg
            .is_some() =>
        {
            return Err(OAuthError::invalid_request(
                "a signed authentication request is required: the client registered backchannel_authentication_request_signing_alg, so send the parameters as a JWT in the request parameter (CIBA Core §7.1.1)",
            ));
        }
        None => &params,
    };
    let lifetimes = &server.config.lifetimes;
    let checked = ciba::validate(&client, params, lifetimes.ciba, lifetimes.ciba_max)?;
    rar::check_dates(&checked.authorization_details, server.now().date_naive())?;
    let started = ciba::start(&server, &client, checked, proof.map(|p| p.jkt)).await?;
    let mut response = Json(json!({
        "auth_req_id": started.auth_req_id,
        "expires_in": started.expires_in,
        "interval": started.interval,
    }))
    .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
