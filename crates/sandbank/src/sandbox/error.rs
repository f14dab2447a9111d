//! How the control API fails: RFC 9457 problems with a stable `type` per kind of error, and a
//! 401 with `WWW-Authenticate` when the admin key is missing or wrong.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sandbank_api::problem::problem;
use sandbank_schemas::ProblemError;
use sandbank_store::StoreError;

/// The realm of the admin key's `WWW-Authenticate` challenge.
pub const REALM: &str = "sandbank-admin";

/// Why a control request failed.
#[derive(Debug)]
pub enum SandboxError {
    /// No admin key was presented.
    MissingKey,
    /// A key was presented and it is not the admin key.
    WrongKey,
    /// The request is malformed; each error names the part of the body at fault.
    Invalid {
        /// What is wrong, in one sentence.
        detail: String,
        /// Each bad part, with a JSON pointer into the body.
        errors: Vec<ProblemError>,
    },
    /// Nothing has this id.
    NotFound(String),
    /// The request clashes with what exists (a username already taken).
    Conflict(String),
    /// The server failed.
    Internal(String),
}

impl SandboxError {
    /// A 400 naming one part of the body.
    pub fn invalid(pointer: &str, detail: impl Into<String>) -> SandboxError {
        let detail = detail.into();
        SandboxError::Invalid {
            errors: vec![ProblemError {
                pointer: pointer.to_owned(),
                detail: detail.clone(),
            }],
            detail,
        }
    }

    /// A 500 whose cause is logged, never shown.
    pub fn internal(cause: impl std::fmt::Display) -> SandboxError {
        tracing::error!(%cause, "sandbox control API failed");
        SandboxError::Internal(cause.to_string())
    }
}

impl From<StoreError> for SandboxError {
    fn from(error: StoreError) -> Self {
        SandboxError::internal(error)
    }
}

impl From<sandbank_synth::SynthError> for SandboxError {
    fn from(error: sandbank_synth::SynthError) -> Self {
        SandboxError::internal(error)
    }
}

impl From<sandbank_fapi::OAuthError> for SandboxError {
    fn from(error: sandbank_fapi::OAuthError) -> Self {
        SandboxError::internal(error.description)
    }
}

impl IntoResponse for SandboxError {
    fn into_response(self) -> Response {
        match self {
            SandboxError::MissingKey | SandboxError::WrongKey => {
                let wrong = matches!(self, SandboxError::WrongKey);
                let mut response = problem(
                    StatusCode::UNAUTHORIZED,
                    "admin-key-required",
                    "Admin key required",
                    Some(if wrong {
                        "the bearer token is not this server's admin key".to_owned()
                    } else {
                        "send the admin key of the ready line as Authorization: Bearer <adminKey>"
                            .to_owned()
                    }),
                    None,
                    Vec::new(),
                );
                let challenge = if wrong {
                    format!("Bearer realm=\"{REALM}\", error=\"invalid_token\"")
                } else {
                    format!("Bearer realm=\"{REALM}\"")
                };
                if let Ok(value) = HeaderValue::from_str(&challenge) {
                    response
                        .headers_mut()
                        .insert(header::WWW_AUTHENTICATE, value);
                }
                response
            }
            SandboxError::Invalid { detail, errors } => problem(
                StatusCode::BAD_REQUEST,
                "invalid-request",
                "Invalid request",
                Some(detail),
                None,
                errors,
            ),
            SandboxError::NotFound(detail) => problem(
                StatusCode::NOT_FOUND,
                "not-found",
                "Not Found",
                Some(detail),
                None,
                Vec::new(),
            ),
            SandboxError::Conflict(detail) => problem(
                StatusCode::CONFLICT,
                "conflict",
                "Conflict",
                Some(detail),
                None,
                Vec::new(),
            ),
            SandboxError::Internal(_) => problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal Server Error",
                Some("the sandbox could not do this; try again".to_owned()),
                None,
                Vec::new(),
            ),
        }
    }
}
