//! The admin key check: an extractor every control handler takes, so none can run without it.

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use super::error::SandboxError;
use crate::app::AppState;

/// Proof that the request carried the admin key (`Authorization: Bearer <adminKey>`).
#[derive(Debug, Clone, Copy)]
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = SandboxError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Admin, SandboxError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim());
        match token {
            None => Err(SandboxError::MissingKey),
            Some(token) if state.sandbox.admin_key().matches(token) => Ok(Admin),
            Some(_) => Err(SandboxError::WrongKey),
        }
    }
}

/// Control responses carry codes, keys and customer data: nothing may cache them.
pub async fn no_store(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
