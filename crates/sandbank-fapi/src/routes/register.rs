//! Dynamic Client Registration (RFC 7591) and management (RFC 7592).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::client::{Client, validate_registration};
use crate::error::OAuthError;
use crate::jose::sha256_b64;
use crate::onboarding::store_new_client;
use crate::state::{AuthServer, forever, kinds};

fn registration_response(server: &AuthServer, client: &Client, token: Option<&str>) -> Value {
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

/// `POST /register`.
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

/// `GET /register/{client_id}`.
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

/// `PUT /register/{client_id}`: replaces the metadata.
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

/// `DELETE /register/{client_id}`: the client can get no more tokens.
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
