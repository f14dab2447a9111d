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

/// The response every control operation documents for the [`Admin`] extractor's refusal: 401
/// problem+json with the admin realm's `WWW-Authenticate` challenge.
pub struct AdminKeyRefused;

impl utoipa::IntoResponses for AdminKeyRefused {
    fn responses()
    -> std::collections::BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::Response>> {
        use sandbank_fapi::openapi::responses::header;
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};

        let refused = ResponseBuilder::new()
            .description("No admin key, or a wrong one.")
            .content(
                sandbank_api::problem::PROBLEM_JSON,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .header(
                "WWW-Authenticate",
                header(&format!("`Bearer realm=\"{}\"`", super::error::REALM)),
            )
            .build();
        std::collections::BTreeMap::from([("401".to_owned(), refused.into())])
    }
}
