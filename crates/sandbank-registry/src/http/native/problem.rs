//! Errors of the native API as RFC 9457 problems.

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sandbank_schemas::Problem;
use serde::de::DeserializeOwned;

use super::PROBLEM_JSON;
use crate::RegistryError;

/// An error of the native API; becomes an `application/problem+json` response.
#[derive(Debug)]
pub struct ApiError(pub Problem);

impl ApiError {
    /// A problem of a given kind (`slug` names it under `https://sandbank.example/problems/`).
    pub fn new(status: StatusCode, slug: &str, title: &str, detail: impl Into<String>) -> Self {
        Self(Problem {
            problem_type: format!("https://sandbank.example/problems/{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: Some(detail.into()),
            instance: None,
            errors: Vec::new(),
        })
    }

    /// A request body that is not JSON or not the expected shape.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "bad-request",
            "Bad request",
            detail,
        )
    }
}

impl From<RegistryError> for ApiError {
    fn from(error: RegistryError) -> Self {
        let detail = error.to_string();
        match error {
            RegistryError::SubjectNotFound(_) => Self::new(
                StatusCode::NOT_FOUND,
                "schema-not-found",
                "Schema not found",
                detail,
            ),
            RegistryError::VersionNotFound { .. } => Self::new(
                StatusCode::NOT_FOUND,
                "version-not-found",
                "Version not found",
                detail,
            ),
            RegistryError::IdNotFound(_)
            | RegistryError::SchemaNotFound(_)
            | RegistryError::NoSubjectConfig(_) => {
                Self::new(StatusCode::NOT_FOUND, "not-found", "Not found", detail)
            }
            RegistryError::InvalidVersion(_) => Self::bad_request(detail),
            RegistryError::InvalidSchema(_) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-schema",
                "Invalid schema",
                detail,
            ),
            RegistryError::TooComplex(_) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "schema-too-complex",
                "Schema too complex",
                detail,
            ),
            RegistryError::Incompatible { .. } => Self::new(
                StatusCode::CONFLICT,
                "incompatible-schema",
                "Incompatible schema",
                detail,
            ),
            RegistryError::ReadOnly(_) => Self::new(
                StatusCode::FORBIDDEN,
                "read-only-subject",
                "Read-only subject",
                detail,
            ),
            RegistryError::Store(error) => {
                tracing::error!(%error, "registry storage failed");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Internal error",
                    "the registry could not complete the request",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self.0).unwrap_or_default();
        let mut response = (status, body).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        response
    }
}

/// A request body sent as `application/json` (parameters allowed); any other media type, or
/// none, is 415 `unsupported-media-type`.
#[derive(Debug)]
pub struct JsonBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !crate::http::has_media_type(request.headers(), &[super::JSON]) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
                "the request body must be sent as application/json",
            ));
        }
        Bytes::from_request(request, state)
            .await
            .map(JsonBody)
            .map_err(|_| ApiError::bad_request("the request body could not be read"))
    }
}

/// Path parameters whose rejection is a problem, not plain text.
#[derive(Debug)]
pub struct Params<T>(pub T);

impl<T, S> FromRequestParts<S> for Params<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| Params(value))
            .map_err(|rejection: PathRejection| ApiError::bad_request(rejection.body_text()))
    }
}
