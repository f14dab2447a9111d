//! What the bank API answers when a request fails: the guard's OAuth errors as they are (401 and
//! 403 with `WWW-Authenticate`), everything else an RFC 9457 problem with a stable `type` URI.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sandbank_fapi::OAuthError;
use sandbank_schemas::{Problem, ProblemError};
use sandbank_store::StoreError;

/// The media type of problem bodies.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Where the problem `type` URIs live.
pub const PROBLEM_BASE: &str = "https://sandbank.example/problems/";

/// Why a request failed.
#[derive(Debug)]
pub enum ApiError {
    /// The guard refused the request: no or a bad token, or a missing permission.
    OAuth(OAuthError),
    /// Nothing this token reaches has that id (it may exist for another customer).
    NotFound {
        /// The request path.
        instance: String,
    },
    /// The request is malformed: an unknown or invalid query parameter.
    InvalidRequest {
        /// The request path.
        instance: String,
        /// Each invalid part.
        errors: Vec<ProblemError>,
    },
    /// The request body is not what the operation takes: not JSON, not valid under the
    /// operation's schema, or asking for something the bank refuses. Each error's pointer is a
    /// JSON pointer (RFC 6901) into the body.
    InvalidBody {
        /// The request path.
        instance: String,
        /// Each invalid part.
        errors: Vec<ProblemError>,
    },
    /// The request body's media type is not one the operation takes (or none was given).
    UnsupportedMediaType {
        /// The request path.
        instance: String,
        /// The media types the operation takes.
        accepted: &'static [&'static str],
    },
    /// The request is understood and refused: what it asks is not allowed (a payment consent
    /// already used).
    Forbidden {
        /// The request path.
        instance: String,
        /// Why.
        detail: String,
    },
    /// The request clashes with the resource's state (a payment already final).
    Conflict {
        /// The request path.
        instance: String,
        /// Why.
        detail: String,
    },
    /// The request is well formed and refused for what it asks of the resource's state (a
    /// claim on a policy not in force). Each error's pointer names the field, when one is to
    /// blame.
    Unprocessable {
        /// The request path.
        instance: String,
        /// Each reason.
        errors: Vec<ProblemError>,
    },
    /// An `Idempotency-Key` already used for another request body.
    IdempotencyKeyReused {
        /// The request path.
        instance: String,
    },
    /// The database failed.
    Internal(String),
}

impl From<OAuthError> for ApiError {
    fn from(error: OAuthError) -> Self {
        ApiError::OAuth(error)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        tracing::error!(%error, "store error in the bank API");
        ApiError::Internal(error.to_string())
    }
}

impl ApiError {
    /// A 404 for `instance`.
    pub fn not_found(instance: impl Into<String>) -> Self {
        ApiError::NotFound {
            instance: instance.into(),
        }
    }

    /// A 400 for one invalid part of the request body, at `pointer` (a JSON pointer into it).
    pub fn invalid_body(
        instance: impl Into<String>,
        pointer: &str,
        detail: impl Into<String>,
    ) -> Self {
        ApiError::InvalidBody {
            instance: instance.into(),
            errors: vec![ProblemError {
                pointer: pointer.to_owned(),
                detail: detail.into(),
            }],
        }
    }

    /// A 400 for one invalid query parameter.
    pub fn invalid(instance: impl Into<String>, pointer: &str, detail: impl Into<String>) -> Self {
        ApiError::InvalidRequest {
            instance: instance.into(),
            errors: vec![ProblemError {
                pointer: pointer.to_owned(),
                detail: detail.into(),
            }],
        }
    }
}

/// An RFC 9457 response.
pub fn problem(
    status: StatusCode,
    kind: &str,
    title: &str,
    detail: Option<String>,
    instance: Option<String>,
    errors: Vec<ProblemError>,
) -> Response {
    let body = Problem {
        problem_type: format!("{PROBLEM_BASE}{kind}"),
        title: title.to_owned(),
        status: status.as_u16(),
        detail,
        instance,
        errors,
    };
    let mut response = (status, Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::OAuth(error) => error.into_response(),
            ApiError::NotFound { instance } => problem(
                StatusCode::NOT_FOUND,
                "not-found",
                "Not Found",
                Some("nothing with this id is shared with this client".to_owned()),
                Some(instance),
                Vec::new(),
            ),
            ApiError::InvalidRequest { instance, errors } => problem(
                StatusCode::BAD_REQUEST,
                "invalid-request",
                "Invalid request",
                Some("the request has invalid or unknown parameters".to_owned()),
                Some(instance),
                errors,
            ),
            ApiError::InvalidBody { instance, errors } => problem(
                StatusCode::BAD_REQUEST,
                "invalid-body",
                "Invalid request body",
                Some("the request body is not valid; each error points into it".to_owned()),
                Some(instance),
                errors,
            ),
            ApiError::UnsupportedMediaType { instance, accepted } => problem(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported Media Type",
                Some(format!(
                    "send the body with Content-Type {}",
                    accepted.join(" or ")
                )),
                Some(instance),
                Vec::new(),
            ),
            ApiError::Forbidden { instance, detail } => problem(
                StatusCode::FORBIDDEN,
                "forbidden",
                "Forbidden",
                Some(detail),
                Some(instance),
                Vec::new(),
            ),
            ApiError::Conflict { instance, detail } => problem(
                StatusCode::CONFLICT,
                "conflict",
                "Conflict",
                Some(detail),
                Some(instance),
                Vec::new(),
            ),
            ApiError::Unprocessable { instance, errors } => problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unprocessable",
                "Unprocessable request",
                Some("the request cannot be carried out; each error says why".to_owned()),
                Some(instance),
                errors,
            ),
            ApiError::IdempotencyKeyReused { instance } => problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency-key-reused",
                "Idempotency key reused",
                Some(
                    "this Idempotency-Key was used for a request with another body; \
                     use a new key for a new request"
                        .to_owned(),
                ),
                Some(instance),
                vec![ProblemError {
                    pointer: "Idempotency-Key".to_owned(),
                    detail: "already used with another body".to_owned(),
                }],
            ),
            ApiError::Internal(_) => problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal Server Error",
                Some("the bank could not answer; try again".to_owned()),
                None,
                Vec::new(),
            ),
        }
    }
}
