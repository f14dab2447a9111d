//! Dynamic Client Registration (RFC 7591) and management (RFC 7592).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::client::{Client, validate_registration};
use crate::error::{OAuthError, OAuthErrorBody};
use crate::jose::sha256_b64;
use crate::onboarding::store_new_client;
use crate::openapi::bodies::{ClientRegistration, ClientRegistrationRequest};
use crate::openapi::responses::RegistrationTokenErrors;
use crate::state::{AuthServer, forever, kinds};

/// The answer to a registration: the metadata with the client id, the registration client URI
/// and (when just registered) the registration access token.
pub(crate) fn registration_response(
    server: &AuthServer,
    client: &Client,
    token: Option<&str>,
) -> Value {
    let mut body = serde_json::to_value(&client.metadata).unwrap_or_else(|_| json!({}));
    if let Some(map) = body.as_object_mut() {
        map.insert("client_id".into(), Value::from(client.client_id.clone()));
        map.insert(
            "client_id_issued_at".into(),
            Value::from(client.client_id_issued_at),
        );
        map.insert(
            "registration_client_uri".into(),
            Value::from(
                server
                    .config
                    .url(&format!("/register/{}", client.client_id)),
            ),
        );
        if let Some(token) = token {
            map.insert("registration_access_token".into(), Value::from(token));
        }
    }
    body
}

fn no_store(status: StatusCode, body: Value) -> Response {
    (status, [(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

fn parse_body(body: &[u8]) -> Result<Value, OAuthError> {
    serde_json::from_slice(body)
        .map_err(|_| OAuthError::invalid_client_metadata("the body must be a JSON object"))
}

/// Register a client.
///
/// Dynamic Client Registration (RFC 7591) with FAPI 2.0's rules: open to anyone (no initial
/// access token), keys by value or at a loopback `jwks_uri`. The answer holds the
/// `registration_access_token` for managing the registration (RFC 7592).
#[utoipa::path(
    post,
    path = "/register",
    operation_id = "registerClient",
    tag = "registration",
    security(()),
    request_body(content = ClientRegistrationRequest, description = "The client's metadata."),
    responses(
        (status = 201, description = "Registered: the metadata with defaults filled in, the client id and the registration access token.", body = ClientRegistration),
        (status = 400, description = "The metadata is refused: `invalid_redirect_uri`, `invalid_client_metadata` (with what is wrong), or `invalid_software_statement`; the body must be a JSON object.", body = OAuthErrorBody),
        (status = 500, description = "The server could not complete the request (`server_error`).", body = OAuthErrorBody)
    )
)]
pub async fn register(
    State(server): State<AuthServer>,
    body: axum::body::Bytes,
) -> Result<Response, OAuthError> {
    let metadata = validate_registration(&parse_body(&body)?)?;
    let (client, token) = store_new_client(&server, metadata).await?;
    Ok(no_store(
        StatusCode::CREATED,
        registration_response(&server, &client, Some(&token)),
    ))
}

/// The client whose registration access token the request carries; 401 otherwise.
async fn authorized_client(
    server: &AuthServer,
    client_id: &str,
    headers: &HeaderMap,
) -> Result<Client, OAuthError> {
    let unauthorized = || {
        OAuthError::invalid_token("a valid registration access token is required")
            .with_www_authenticate("Bearer error=\"invalid_token\"".to_owned())
    };
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .ok_or_else(unauthorized)?;
    let client = server.client(client_id).await?.ok_or_else(unauthorized)?;
    if client.registration_token_hash != sha256_b64(token.trim().as_bytes()) {
        return Err(unauthorized());
    }
    Ok(client)
}

/// Read a client registration.
///
/// RFC 7592 §2.1, with the registration access token.
#[utoipa::path(
    get,
    path = "/register/{client_id}",
    operation_id = "readClient",
    tag = "registration",
    security(("registrationAccessToken" = [])),
    params(("client_id" = String, Path, description = "The client.")),
    responses(
        (status = 200, description = "The registration (without the registration access token).", body = ClientRegistration),
        RegistrationTokenErrors
    )
)]
pub async fn read(
    State(server): State<AuthServer>,
    Path(client_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, OAuthError> {
    let client = authorized_client(&server, &client_id, &headers).await?;
    Ok(no_store(
        StatusCode::OK,
        registration_response(&server, &client, None),
    ))
}

/// Replace a client's metadata.
///
/// RFC 7592 §2.2: the body replaces the whole metadata, with the same rules and defaults as a
/// registration; a `client_id` in the body must be the URL's.
#[utoipa::path(
    put,
    path = "/register/{client_id}",
    operation_id = "updateClient",
    tag = "registration",
    security(("registrationAccessToken" = [])),
    params(("client_id" = String, Path, description = "The client.")),
    request_body(content = ClientRegistrationRequest, description = "The new metadata."),
    responses(
        (status = 200, description = "The updated registration.", body = ClientRegistration),
        (status = 400, description = "The metadata is refused (`invalid_redirect_uri`, `invalid_client_metadata`), or the body's `client_id` differs from the URL's (`invalid_request`).", body = OAuthErrorBody),
        RegistrationTokenErrors
    )
)]
pub async fn update(
    State(server): State<AuthServer>,
    Path(client_id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, OAuthError> {
    let mut client = authorized_client(&server, &client_id, &headers).await?;
    let request = parse_body(&body)?;
    if let Some(sent) = request.get("client_id")
        && sent.as_str() != Some(client_id.as_str())
    {
        return Err(OAuthError::invalid_request(
            "client_id in the body differs from the URL",
        ));
    }
    client.metadata = validate_registration(&request)?;
    server
        .write(kinds::CLIENT, &client.client_id, &client, forever())
        .await?;
    Ok(no_store(
        StatusCode::OK,
        registration_response(&server, &client, None),
    ))
}

/// Delete a client.
///
/// RFC 7592 §2.3: the client can get no more tokens, and the tokens it holds stop working.
#[utoipa::path(
    delete,
    path = "/register/{client_id}",
    operation_id = "deleteClient",
    tag = "registration",
    security(("registrationAccessToken" = [])),
    params(("client_id" = String, Path, description = "The client.")),
    responses(
        (status = 204, description = "Deleted."),
        RegistrationTokenErrors
    )
)]
pub async fn delete(
    State(server): State<AuthServer>,
    Path(client_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, OAuthError> {
    let client = authorized_client(&server, &client_id, &headers).await?;
    server
        .auth()
        .delete(kinds::CLIENT, &client.client_id)
        .await
        .map_err(OAuthError::server_error)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
