//! Which error format answers a path, and refusals in it.
//!
//! Sandbank serves three APIs with three error formats: the authorization server's endpoints
//! answer RFC 6749 JSON (`{"error": "invalid_request", ...}`), the Confluent-compatible
//! registry under `/registry` answers Confluent's `{"error_code", "message"}`, and everything
//! else RFC 9457 problem+json. Handlers produce their own errors; what the server refuses
//! before (or instead of) any handler — a body too large ([`crate::body_limit`]), a method a
//! path does not take, a URI or header section too large ([`crate::head_limit`]), a path no
//! route matches — goes through [`refusal`], so that each refusal is in the format of the API
//! the client was talking to.

use axum::body::HttpBody as _;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sandbank_fapi::OAuthError;
use sandbank_fapi::interaction::{self, interaction_id};
use sandbank_registry::http::CONFLUENT_PREFIX;
use sandbank_registry::http::confluent::ConfluentError;

/// The error format of one API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// RFC 6749 §5.2 JSON: the authorization server's endpoints.
    OAuth,
    /// Confluent Schema Registry's `{"error_code", "message"}`: everything under `/registry`.
    Confluent,
    /// RFC 9457 `application/problem+json`: everything else.
    Problem,
}

impl Family {
    /// The family of the route at `path`: a request path, or an OpenAPI path template.
    pub fn of(path: &str) -> Family {
        if sandbank_fapi::routes::is_endpoint(path) {
            Family::OAuth
        } else if path == CONFLUENT_PREFIX
            || path
                .strip_prefix(CONFLUENT_PREFIX)
                .is_some_and(|rest| rest.starts_with('/'))
        {
            Family::Confluent
        } else {
            Family::Problem
        }
    }

    /// The media type of this family's error bodies.
    pub fn media_type(self) -> &'static str {
        match self {
            Family::OAuth => "application/json",
            Family::Confluent => sandbank_registry::http::confluent::SCHEMA_REGISTRY_JSON,
            Family::Problem => sandbank_api::problem::PROBLEM_JSON,
        }
    }

    /// The OpenAPI component (under `#/components/schemas/`) of this family's error bodies.
    pub fn schema_name(self) -> &'static str {
        match self {
            Family::OAuth => "OAuthError",
            Family::Confluent => "ConfluentErrorMessage",
            Family::Problem => "Problem",
        }
    }
}

/// A refusal of the request to `path` with `status`, in the error format of that path's API
/// ([`Family::of`]):
///
/// - OAuth endpoints: `{"error", "error_description": detail}`; the code is `server_error` for
///   500, `temporarily_unavailable` for 503 and `invalid_request` otherwise.
/// - `/registry`: `{"error_code": status, "message": detail}` (Confluent uses the HTTP status
///   as the code of errors that are not its own).
/// - everything else: a problem whose `type` is `https://sandbank.example/problems/{kind}`,
///   with `title`, `detail` and `instance: path`, and the `x-fapi-interaction-id` (echoed from
///   `request_headers` or new) and `Cache-Control: no-store` the bank API puts on every answer.
///
/// `detail` is sent to the client: never put internal detail in it.
pub fn refusal(
    request_headers: &HeaderMap,
    path: &str,
    status: StatusCode,
    kind: &str,
    title: &str,
    detail: impl Into<String>,
) -> Response {
    let detail = detail.into();
    match Family::of(path) {
        Family::OAuth => {
            let code = match status {
                StatusCode::INTERNAL_SERVER_ERROR => "server_error",
                StatusCode::SERVICE_UNAVAILABLE => "temporarily_unavailable",
                _ => "invalid_request",
            };
            OAuthError::new(status, code, detail).into_response()
        }
        Family::Confluent => {
            ConfluentError::new(status, u32::from(status.as_u16()), detail).into_response()
        }
        Family::Problem => {
            let mut response = sandbank_api::problem::problem(
                status,
                kind,
                title,
                Some(detail),
                Some(path.to_owned()),
                Vec::new(),
            );
            fapi_headers(request_headers, response.headers_mut());
            response
        }
    }
}

/// Gives a body in the format of its path's API to every error answered without one: axum's
/// own 405 for a method a route does not take (its `Allow` header is kept), and any other
/// bare error status. Errors that have a body (a `Content-Type`) pass unchanged.
pub async fn fill_bare_errors(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let mut headers = HeaderMap::new();
    if let Some(id) = request.headers().get(interaction::HEADER) {
        headers.insert(interaction::HEADER, id.clone());
    }
    let response = next.run(request).await;
    let status = response.status();
    let bare = !response.headers().contains_key(header::CONTENT_TYPE)
        && response.body().size_hint().exact() == Some(0);
    if !(bare && (status.is_client_error() || status.is_server_error())) {
        return response;
    }
    let reason = status.canonical_reason().unwrap_or("Error");
    let (kind, detail) = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            let allowed = response
                .headers()
                .get(header::ALLOW)
                .and_then(|allow| allow.to_str().ok())
                .unwrap_or("");
            (
                "method-not-allowed".to_owned(),
                format!("{method} is not allowed on this path; it takes {allowed}"),
            )
        }
        _ => (
            reason.to_ascii_lowercase().replace(' ', "-"),
            format!("the server refused the request: {reason}"),
        ),
    };
    let mut answer = refusal(&headers, &path, status, &kind, reason, detail);
    for (name, value) in response.headers() {
        if !answer.headers().contains_key(name) {
            answer.headers_mut().insert(name.clone(), value.clone());
        }
    }
    answer
}

/// The headers the bank API puts on every response. A refusal does not tell the bank API's
/// routes from the others, so every problem it answers carries them (harmless elsewhere, and
/// an id to quote everywhere).
fn fapi_headers(request: &HeaderMap, response: &mut HeaderMap) {
    if let Ok(id) = HeaderValue::from_str(&interaction_id(request)) {
        response.insert(interaction::HEADER, id);
    }
    response.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_path_has_the_family_of_its_api() {
        for (path, family) in [
            ("/token", Family::OAuth),
            ("/register/{client_id}", Family::OAuth),
            ("/registry", Family::Confluent),
            ("/registry/subjects/x/versions", Family::Confluent),
            ("/registryx", Family::Problem),
            ("/schemas/account", Family::Problem),
            ("/accounts", Family::Problem),
            ("/", Family::Problem),
        ] {
            assert_eq!(Family::of(path), family, "{path}");
        }
    }
}
