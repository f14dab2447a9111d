//! OAuth errors (RFC 6749 §5.2 and the extensions FAPI uses), mapped to HTTP in one place.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An OAuth error response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {description}")]
pub struct OAuthError {
    /// HTTP status.
    pub status: StatusCode,
    /// The `error` code.
    pub code: &'static str,
    /// The `error_description`, for a person; never internal detail.
    pub description: String,
    /// `WWW-Authenticate` value, for 401s and resource-server errors.
    pub www_authenticate: Option<String>,
    /// A fresh `DPoP-Nonce` to send back.
    pub dpop_nonce: Option<String>,
}

/// The body of every OAuth error response (RFC 6749 §5.2), as sent and as documented in
/// OpenAPI (component `OAuthError`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = OAuthError)]
pub struct OAuthErrorBody {
    /// The error code: an RFC 6749 code (`invalid_request`, `invalid_client`, `invalid_grant`,
    /// `unauthorized_client`, `unsupported_grant_type`, `invalid_scope`, `access_denied`,
    /// `server_error`), RFC 6750's `invalid_token` and `insufficient_scope`, RFC 9449's
    /// `invalid_dpop_proof` and `use_dpop_nonce`, Sandbank's `invalid_signature` (an HTTP message
    /// signature, RFC 9421, missing or wrong on a bank-API request), RFC 7591's `invalid_redirect_uri`,
    /// `invalid_client_metadata` and `invalid_software_statement`, RFC 9396's
    /// `invalid_authorization_details`, or OpenID CIBA's `authorization_pending`, `slow_down`,
    /// `expired_token`, `unknown_user_id` and `invalid_binding_message`. Programs branch on it.
    #[schema(example = "invalid_request")]
    pub error: String,
    /// What went wrong, for the developer; never internal detail.
    #[schema(example = "code_verifier is required (PKCE)")]
    pub error_description: String,
}

macro_rules! constructors {
    ($($(#[$doc:meta])* $name:ident => ($status:expr, $code:literal);)*) => {
        impl OAuthError {
            $(
                $(#[$doc])*
                pub fn $name(description: impl Into<String>) -> OAuthError {
                    OAuthError::new($status, $code, description)
                }
            )*
        }
    };
}

constructors! {
    /// 400 `invalid_request`.
    invalid_request => (StatusCode::BAD_REQUEST, "invalid_request");
    /// 401 `invalid_client`.
    invalid_client => (StatusCode::UNAUTHORIZED, "invalid_client");
    /// 400 `invalid_grant`.
    invalid_grant => (StatusCode::BAD_REQUEST, "invalid_grant");
    /// 400 `unauthorized_client`.
    unauthorized_client => (StatusCode::BAD_REQUEST, "unauthorized_client");
    /// 400 `unsupported_grant_type`.
    unsupported_grant_type => (StatusCode::BAD_REQUEST, "unsupported_grant_type");
    /// 400 `unsupported_response_type`.
    unsupported_response_type => (StatusCode::BAD_REQUEST, "unsupported_response_type");
    /// 400 `invalid_scope`.
    invalid_scope => (StatusCode::BAD_REQUEST, "invalid_scope");
    /// 400 `invalid_dpop_proof` (RFC 9449).
    invalid_dpop_proof => (StatusCode::BAD_REQUEST, "invalid_dpop_proof");
    /// 400 `invalid_authorization_details` (RFC 9396).
    invalid_authorization_details => (StatusCode::BAD_REQUEST, "invalid_authorization_details");
    /// 400 `invalid_request_uri`.
    invalid_request_uri => (StatusCode::BAD_REQUEST, "invalid_request_uri");
    /// 400 `invalid_request_object`.
    invalid_request_object => (StatusCode::BAD_REQUEST, "invalid_request_object");
    /// 400 `invalid_redirect_uri` (RFC 7591).
    invalid_redirect_uri => (StatusCode::BAD_REQUEST, "invalid_redirect_uri");
    /// 400 `invalid_client_metadata` (RFC 7591).
    invalid_client_metadata => (StatusCode::BAD_REQUEST, "invalid_client_metadata");
    /// 400 `invalid_software_statement` (RFC 7591).
    invalid_software_statement => (StatusCode::BAD_REQUEST, "invalid_software_statement");
    /// 400 `access_denied`.
    access_denied => (StatusCode::BAD_REQUEST, "access_denied");
    /// 400 `authorization_pending` (CIBA Core §11): the customer has not decided yet.
    authorization_pending => (StatusCode::BAD_REQUEST, "authorization_pending");
    /// 400 `slow_down` (CIBA Core §11): polled faster than the interval.
    slow_down => (StatusCode::BAD_REQUEST, "slow_down");
    /// 400 `expired_token` (CIBA Core §11): the `auth_req_id` has expired.
    expired_token => (StatusCode::BAD_REQUEST, "expired_token");
    /// 400 `unknown_user_id` (CIBA Core §13): the hint names no customer.
    unknown_user_id => (StatusCode::BAD_REQUEST, "unknown_user_id");
    /// 400 `invalid_binding_message` (CIBA Core §13).
    invalid_binding_message => (StatusCode::BAD_REQUEST, "invalid_binding_message");
    /// 400 `invalid_grant_id` (Grant Management).
    invalid_grant_id => (StatusCode::BAD_REQUEST, "invalid_grant_id");
    /// 401 `invalid_token` (RFC 6750).
    invalid_token => (StatusCode::UNAUTHORIZED, "invalid_token");
    /// 403 `insufficient_scope` (RFC 6750).
    insufficient_scope => (StatusCode::FORBIDDEN, "insufficient_scope");
}

impl OAuthError {
    /// An error with any status and code.
    pub fn new(status: StatusCode, code: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            status,
            code,
            description: description.into(),
            www_authenticate: None,
            dpop_nonce: None,
        }
    }

    /// 500 `server_error`. The cause is logged here and never sent.
    pub fn server_error(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error in the authorization server");
        OAuthError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "the server could not complete the request",
        )
    }

    /// 400 `use_dpop_nonce` with the nonce the client must use.
    pub fn use_dpop_nonce(nonce: String) -> Self {
        OAuthError {
            dpop_nonce: Some(nonce),
            ..OAuthError::new(
                StatusCode::BAD_REQUEST,
                "use_dpop_nonce",
                "resend the request with the DPoP nonce from the DPoP-Nonce header",
            )
        }
    }

    /// Sets the `WWW-Authenticate` header.
    pub fn with_www_authenticate(mut self, value: String) -> Self {
        self.www_authenticate = Some(value);
        self
    }

    /// Moves the error to another status (e.g. a resource server's 401 for a DPoP problem).
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = OAuthErrorBody {
            error: self.code.to_owned(),
            error_description: self.description,
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(value) = self
            .www_authenticate
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            headers.insert(header::WWW_AUTHENTICATE, value);
        } else if self.status == StatusCode::UNAUTHORIZED && self.code == "invalid_client" {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"sandbank\", error=\"invalid_client\""),
            );
        }
        if let Some(nonce) = self
            .dpop_nonce
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            headers.insert("dpop-nonce", nonce);
        }
        response
    }
}
