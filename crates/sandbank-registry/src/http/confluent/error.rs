//! Confluent-style errors and responses.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{ErrorMessage, SCHEMA_REGISTRY_JSON, SCHEMA_TYPE, SchemaRequest};
use crate::RegistryError;

/// Confluent's error codes.
pub mod codes {
    /// The request could not be parsed.
    pub const BAD_REQUEST: u32 = 400;
    /// The schema is incompatible with earlier versions.
    pub const INCOMPATIBLE: u32 = 409;
    /// Subject not found.
    pub const SUBJECT_NOT_FOUND: u32 = 40401;
    /// Version not found.
    pub const VERSION_NOT_FOUND: u32 = 40402;
    /// Schema not found.
    pub const SCHEMA_NOT_FOUND: u32 = 40403;
    /// The subject has no compatibility level of its own.
    pub const SUBJECT_LEVEL_NOT_CONFIGURED: u32 = 40408;
    /// Invalid schema (or schema type).
    pub const INVALID_SCHEMA: u32 = 42201;
    /// Invalid version.
    pub const INVALID_VERSION: u32 = 42202;
    /// Invalid compatibility level.
    pub const INVALID_COMPATIBILITY_LEVEL: u32 = 42203;
    /// Operation not permitted (a read-only subject).
    pub const OPERATION_NOT_PERMITTED: u32 = 42205;
    /// Invalid subject name.
    pub const INVALID_SUBJECT: u32 = 42208;
    /// The request body's media type is not JSON.
    pub const UNSUPPORTED_MEDIA_TYPE: u32 = 415;
    /// Error in the backend data store.
    pub const STORE_ERROR: u32 = 50001;
}

/// An error of the Confluent-compatible API.
#[derive(Debug)]
pub struct ConfluentError {
    /// HTTP status.
    pub status: StatusCode,
    /// Confluent error code.
    pub error_code: u32,
    /// Message.
    pub message: String,
}

impl ConfluentError {
    /// An error with a status, code and message.
    pub fn new(status: StatusCode, error_code: u32, message: impl Into<String>) -> Self {
        Self {
            status,
            error_code,
            message: message.into(),
        }
    }

    pub(super) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, codes::BAD_REQUEST, message)
    }

    fn invalid_schema(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::INVALID_SCHEMA,
            message,
        )
    }
}

impl From<RegistryError> for ConfluentError {
    fn from(error: RegistryError) -> Self {
        let message = error.to_string();
        let (status, code) = match &error {
            RegistryError::SubjectNotFound(_) => (StatusCode::NOT_FOUND, codes::SUBJECT_NOT_FOUND),
            RegistryError::VersionNotFound { .. } => {
                (StatusCode::NOT_FOUND, codes::VERSION_NOT_FOUND)
            }
            RegistryError::IdNotFound(_) | RegistryError::SchemaNotFound(_) => {
                (StatusCode::NOT_FOUND, codes::SCHEMA_NOT_FOUND)
            }
            RegistryError::NoSubjectConfig(_) => {
                (StatusCode::NOT_FOUND, codes::SUBJECT_LEVEL_NOT_CONFIGURED)
            }
            RegistryError::InvalidVersion(_) => {
                (StatusCode::UNPROCESSABLE_ENTITY, codes::INVALID_VERSION)
            }
            RegistryError::InvalidSchema(_) | RegistryError::TooComplex(_) => {
                (StatusCode::UNPROCESSABLE_ENTITY, codes::INVALID_SCHEMA)
            }
            RegistryError::Incompatible { messages, .. } => {
                return Self::new(
                    StatusCode::CONFLICT,
                    codes::INCOMPATIBLE,
                    format!("{message}; details: [{}]", messages.join("; ")),
                );
            }
            RegistryError::ReadOnly(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                codes::OPERATION_NOT_PERMITTED,
            ),
            RegistryError::Store(store) => {
                tracing::error!(error = %store, "registry storage failed");
                return Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    codes::STORE_ERROR,
                    "Error in the backend data store",
                );
            }
        };
        Self::new(status, code, message)
    }
}

impl IntoResponse for ConfluentError {
    fn into_response(self) -> Response {
        let body = ErrorMessage {
            error_code: self.error_code,
            message: self.message,
        };
        let mut response = Sr(body).into_response();
        *response.status_mut() = self.status;
        response
    }
}

/// A JSON response with Confluent's media type.
#[derive(Debug)]
pub struct Sr<T>(pub T);

impl<T: Serialize> IntoResponse for Sr<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(body) => {
                let mut response = body.into_response();
                response.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(SCHEMA_REGISTRY_JSON),
                );
                response
            }
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        }
    }
}

/// Path parameters whose rejection is a Confluent error.
#[derive(Debug)]
pub struct SrParams<T>(pub T);

impl<T, S> FromRequestParts<S> for SrParams<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ConfluentError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| SrParams(value))
            .map_err(|rejection| ConfluentError::bad_request(rejection.body_text()))
    }
}

/// Parses a request body as `T`.
pub fn parse_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ConfluentError> {
    let value = crate::http::json_body(bytes).map_err(ConfluentError::bad_request)?;
    serde_json::from_value(value).map_err(|error| ConfluentError::bad_request(error.to_string()))
}

/// Parses a `{schema, schemaType, references}` body into the schema document.
pub async fn parse_schema_request(bytes: &[u8]) -> Result<Value, ConfluentError> {
    let request: SchemaRequest = parse_body(bytes)?;
    if let Some(kind) = &request.schema_type
        && kind != SCHEMA_TYPE
    {
        return Err(ConfluentError::invalid_schema(format!(
            "Invalid schema type {kind}: this registry holds JSON schemas only"
        )));
    }
    if request.references.as_ref().is_some_and(|r| !r.is_empty()) {
        return Err(ConfluentError::invalid_schema(
            "Invalid schema: schema references are not supported; inline them in $defs",
        ));
    }
    let schema: Value = serde_json::from_str(&request.schema).map_err(|error| {
        ConfluentError::invalid_schema(format!("Invalid schema: not JSON: {error}"))
    })?;
    // Compiling a large schema takes a while: on the blocking pool.
    crate::registry::check_schema(&schema).await?;
    Ok(schema)
}
